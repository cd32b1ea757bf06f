/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmictl gen-dt against the built vscmid: the device tree source it
 * prints must compile with dtc, and the compiled tree must hold each
 * guest's protocols and IDs where Linux looks for them. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support/daemon.h"

/* A dom0less guest added to the shipped config: its partial tree must
 * describe the virtio-mmio device too. */
static const char dom0less_agent[] = "\n"
				     "[agent safety]\n"
				     "domid = 5\n"
				     "dom0less = yes\n"
				     "mmio_base = 0x02000000\n"
				     "irq = 33\n"
				     "grant_usage = yes\n"
				     "socket = none\n"
				     "sensors = soc_temp\n";

static char rundir[128];
static pid_t daemon_pid;

static void run_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", rundir, name);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The shipped config with the dom0less guest appended. */
static void write_config(const char *path)
{
	char *conf = slurp(getenv("VSCMI_TEST_CONF"));
	FILE *f = fopen(path, "we");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(conf, f), 0);
	ck_assert_int_ge(fputs(dom0less_agent, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	free(conf);
}

static void start_daemon(void)
{
	const char *tmp = getenv("TMPDIR");
	char conf[256], ctl[256], log[256];
	struct td_spawn sp = { .exe = getenv("VSCMID"), .conf = conf, .runtime_dir = rundir,
			       .log = log, .out_fd = -1 };

	ck_assert_msg(sp.exe && getenv("VSCMI_TEST_CONF") && getenv("VSCMICTL"),
		      "VSCMID, VSCMICTL and VSCMI_TEST_CONF must be set");
	snprintf(rundir, sizeof(rundir), "%s/vscmi-gendt-XXXXXX", tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(rundir));
	run_path(conf, sizeof(conf), "vscmid.conf");
	run_path(log, sizeof(log), "vscmid.log");
	write_config(conf);
	daemon_pid = td_spawn(&sp);
	ck_assert_int_gt(daemon_pid, 0);
	run_path(ctl, sizeof(ctl), "control");
	ck_assert_msg(td_wait_control(ctl, daemon_pid, 5000, NULL) == 0, "vscmid did not open %s",
		      ctl);
}

static void stop_daemon(void)
{
	int status = -1;
	char cmd[300];

	if (daemon_pid > 0) {
		status = td_stop(daemon_pid);
		daemon_pid = 0;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rundir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", rundir);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "vscmid did not exit cleanly on SIGTERM (status 0x%x)", status);
}

/* Runs argv with stdout and stderr in files of the run directory, no
 * shell in between; returns the exit status. */
static int run(char *const argv[], const char *out, const char *err)
{
	char opath[256], epath[256];
	int status;
	pid_t pid;

	run_path(opath, sizeof(opath), out);
	run_path(epath, sizeof(epath), err);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int ofd = open(opath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int efd = open(epath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (ofd < 0 || efd < 0)
			_exit(126);
		dup2(ofd, 1);
		dup2(efd, 2);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "%s died (status 0x%x)", argv[0], status);
	ck_assert_msg(WEXITSTATUS(status) != 127, "%s could not be run: %s", argv[0],
		      strcmp(argv[0], "dtc") == 0 || strcmp(argv[0], "fdtget") == 0 ?
			      "install device-tree-compiler" :
			      "see the test log");
	return WEXITSTATUS(status);
}

/* vscmictl [--json] gen-dt [--xen] GUEST > NAME.dts */
static int gen_dt(const char *guest, bool xen, const char *name)
{
	char ctl[256], out[64], err[64];
	char *argv[8];
	int n = 0;

	run_path(ctl, sizeof(ctl), "control");
	snprintf(out, sizeof(out), "%s.dts", name);
	snprintf(err, sizeof(err), "%s.gen.err", name);
	argv[n++] = getenv("VSCMICTL");
	argv[n++] = "--socket";
	argv[n++] = ctl;
	argv[n++] = "gen-dt";
	if (xen)
		argv[n++] = "--xen";
	argv[n++] = (char *)guest;
	argv[n] = NULL;
	return run(argv, out, err);
}

static char *file(const char *name)
{
	char path[256];

	run_path(path, sizeof(path), name);
	return slurp(path);
}

/* dtc -I dts -O dtb: fails the test unless it succeeds; returns what it
 * printed on stderr (warnings). */
static char *compile(const char *name)
{
	char src[256], dtb[256], err[64];
	char *argv[] = { "dtc", "-I", "dts", "-O", "dtb", "-o", dtb, src, NULL };
	char *msgs;
	int r;

	snprintf(src, sizeof(src), "%s/%s.dts", rundir, name);
	snprintf(dtb, sizeof(dtb), "%s/%s.dtb", rundir, name);
	snprintf(err, sizeof(err), "%s.dtc.err", name);
	r = run(argv, "dtc.out", err);
	msgs = file(err);
	ck_assert_msg(r == 0, "dtc failed on %s (%d):\n%s", src, r, msgs);
	return msgs;
}

/* fdtget's text for one property of the compiled tree. */
static void assert_prop(const char *name, const char *type, const char *node, const char *prop,
			const char *want)
{
	char dtb[256];
	char *argv[] = { "fdtget", "-t", (char *)type, dtb, (char *)node, (char *)prop, NULL };
	char *got, *err;
	size_t len;
	int r;

	snprintf(dtb, sizeof(dtb), "%s/%s.dtb", rundir, name);
	r = run(argv, "fdtget.out", "fdtget.err");
	got = file("fdtget.out");
	err = file("fdtget.err");
	len = strlen(got);
	while (len && got[len - 1] == '\n')
		got[--len] = '\0';
	ck_assert_msg(r == 0, "%s: no %s in %s: %s", name, prop, node, err);
	ck_assert_msg(strcmp(got, want) == 0, "%s: %s %s is '%s', expected '%s'", name, node,
		      prop, got, want);
	free(got);
	free(err);
}

static void assert_no_node(const char *name, const char *node)
{
	char dtb[256];
	char *argv[] = { "fdtget", "-l", dtb, (char *)node, NULL };

	snprintf(dtb, sizeof(dtb), "%s/%s.dtb", rundir, name);
	ck_assert_msg(run(argv, "fdtget.out", "fdtget.err") != 0, "%s: unexpected node %s", name,
		      node);
}

static void assert_has(const char *text, const char *what)
{
	ck_assert_msg(strstr(text, what) != NULL, "'%s' missing from:\n%s", what, text);
}

START_TEST(test_camera)
{
	char *dts, *warnings;

	ck_assert_int_eq(gen_dt("camera", false, "camera"), 0);
	dts = file("camera.dts");
	/* the IDs the guest sees, in its own names */
	assert_has(dts, "clock     0 = \"pixel\"");
	assert_has(dts, "clock     1 = \"core\"");
	assert_has(dts, "power     0 = \"isp\"");
	assert_has(dts, "reset     0 = \"bus\"");
	assert_has(dts, "reset     1 = \"csi\"");
	assert_has(dts, "voltage   0 = \"vdd\"");
	assert_has(dts, "scmi_clk: protocol@14 {");
	assert_has(dts, "scmi_pd: protocol@11 {");
	assert_has(dts, "scmi_reset: protocol@16 {");
	assert_has(dts, "scmi_sensor: protocol@15 {");
	assert_has(dts, "scmi_reg_vdd: regulator@0 {");
	warnings = compile("camera");
	ck_assert_msg(warnings[0] == '\0', "dtc warned:\n%s", warnings);

	assert_prop("camera", "s", "/firmware/scmi", "compatible", "arm,scmi-virtio");
	assert_prop("camera", "u", "/firmware/scmi", "#address-cells", "1");
	assert_prop("camera", "u", "/firmware/scmi", "#size-cells", "0");
	assert_prop("camera", "x", "/firmware/scmi/protocol@11", "reg", "11");
	assert_prop("camera", "u", "/firmware/scmi/protocol@11", "#power-domain-cells", "1");
	assert_prop("camera", "x", "/firmware/scmi/protocol@14", "reg", "14");
	assert_prop("camera", "u", "/firmware/scmi/protocol@14", "#clock-cells", "1");
	assert_prop("camera", "x", "/firmware/scmi/protocol@15", "reg", "15");
	assert_prop("camera", "u", "/firmware/scmi/protocol@15", "#thermal-sensor-cells", "1");
	assert_prop("camera", "x", "/firmware/scmi/protocol@16", "reg", "16");
	assert_prop("camera", "u", "/firmware/scmi/protocol@16", "#reset-cells", "1");
	assert_prop("camera", "x", "/firmware/scmi/protocol@17", "reg", "17");
	assert_prop("camera", "s", "/firmware/scmi/protocol@17/regulators/regulator@0",
		    "regulator-name", "vdd");
	assert_prop("camera", "u", "/firmware/scmi/protocol@17/regulators/regulator@0",
		    "regulator-min-microvolt", "1800000");
	assert_prop("camera", "u", "/firmware/scmi/protocol@17/regulators/regulator@0",
		    "regulator-max-microvolt", "3300000");
	/* the camera may not use perf, and has no system protocol */
	assert_no_node("camera", "/firmware/scmi/protocol@13");
	assert_no_node("camera", "/firmware/scmi/protocol@12");
	assert_no_node("camera", "/firmware/scmi/protocol@18");
	free(dts);
	free(warnings);
}
END_TEST

/* By its Xen domain ID: perf as a power domain, three clocks, no
 * voltage protocol. */
START_TEST(test_display_by_domid)
{
	char *dts, *warnings;

	ck_assert_int_eq(gen_dt("2", false, "display"), 0);
	dts = file("display.dts");
	assert_has(dts, "vscmid agent \"display\"");
	assert_has(dts, "clock     0 = \"pixel\"");
	assert_has(dts, "clock     1 = \"core\"");
	assert_has(dts, "clock     2 = \"axi\"");
	assert_has(dts, "perf      0 = \"gpu\"");
	assert_has(dts, "powercap   0 = \"gpu\"");
	assert_has(dts, "scmi_powercap: protocol@18 {");
	warnings = compile("display");
	ck_assert_msg(warnings[0] == '\0', "dtc warned:\n%s", warnings);
	assert_prop("display", "x", "/firmware/scmi/protocol@13", "reg", "13");
	assert_prop("display", "u", "/firmware/scmi/protocol@13", "#power-domain-cells", "1");
	assert_no_node("display", "/firmware/scmi/protocol@17");
	assert_prop("display", "x", "/firmware/scmi/protocol@18", "reg", "18");
	free(dts);
	free(warnings);
}
END_TEST

/* By its Xen domain name; system power gets its node. */
START_TEST(test_infotainment_by_domain)
{
	char *warnings, *dts;

	ck_assert_int_eq(gen_dt("ivi", false, "ivi"), 0);
	warnings = compile("ivi");
	ck_assert_msg(warnings[0] == '\0', "dtc warned:\n%s", warnings);
	assert_prop("ivi", "x", "/firmware/scmi/protocol@12", "reg", "12");
	assert_prop("ivi", "s", "/firmware/scmi/protocol@17/regulators/regulator@0",
		    "regulator-name", "mic");
	/* pin control: a state node per group, with its function, under the
	 * names the guest sees; none for a function on pins */
	assert_prop("ivi", "x", "/firmware/scmi/protocol@19", "reg", "19");
	assert_prop("ivi", "s", "/firmware/scmi/protocol@19/i2s-pins", "groups", "i2s");
	assert_prop("ivi", "s", "/firmware/scmi/protocol@19/i2s-pins", "function", "i2s");
	assert_no_node("ivi", "/firmware/scmi/protocol@19/gpio-pins");
	dts = file("ivi.dts");
	assert_has(dts, "pinctrl   0 = \"bclk\"");
	assert_has(dts, "pinctrl-0 = <&scmi_pins_i2s>; pinctrl-names = \"default\";");
	assert_has(dts, "scmi_pins_i2s: i2s-pins {");
	assert_has(dts, "in protocol@19: name-pins { pins = \"bclk\"; bias-pull-up; };");
	free(dts);
	free(warnings);
}
END_TEST

/* xl copies only /passthrough from a partial device tree. */
START_TEST(test_xen)
{
	char *dts, *warnings;

	ck_assert_int_eq(gen_dt("camera", true, "camera-xen"), 0);
	dts = file("camera-xen.dts");
	ck_assert_msg(strstr(dts, "virtio,mmio") == NULL, "libxl writes the virtio node:\n%s",
		      dts);
	warnings = compile("camera-xen");
	assert_prop("camera-xen", "u", "/", "#address-cells", "2");
	assert_prop("camera-xen", "s", "/passthrough", "compatible", "simple-bus");
	assert_prop("camera-xen", "s", "/passthrough/firmware", "compatible", "simple-bus");
	assert_prop("camera-xen", "s", "/passthrough/firmware/scmi", "compatible",
		    "arm,scmi-virtio");
	assert_prop("camera-xen", "u", "/passthrough/firmware/scmi/protocol@14", "#clock-cells",
		    "1");
	assert_no_node("camera-xen", "/firmware");
	free(dts);
	free(warnings);
}
END_TEST

/* A dom0less guest's partial tree describes its device as well. */
START_TEST(test_xen_dom0less)
{
	char *warnings;

	ck_assert_int_eq(gen_dt("safety", true, "safety"), 0);
	warnings = compile("safety");
	assert_prop("safety", "s", "/passthrough/virtio@2000000", "compatible", "virtio,mmio");
	assert_prop("safety", "x", "/passthrough/virtio@2000000", "reg", "0 2000000 0 200");
	/* SPI 33, edge */
	assert_prop("safety", "u", "/passthrough/virtio@2000000", "interrupts", "0 1 1");
	assert_prop("safety", "s", "/passthrough/xen-grant-dma", "compatible", "xen,grant-dma");
	assert_prop("safety", "u", "/passthrough/firmware/scmi/protocol@15",
		    "#thermal-sensor-cells", "1");
	free(warnings);
}
END_TEST

START_TEST(test_unknown_guest)
{
	char *out, *err;

	ck_assert_int_eq(gen_dt("nope", false, "nope"), 1);
	out = file("nope.dts");
	err = file("nope.gen.err");
	ck_assert_msg(out[0] == '\0', "output for an unknown guest:\n%s", out);
	assert_has(err, "'nope'");
	assert_has(err, "camera");
	free(out);
	free(err);
}
END_TEST

START_TEST(test_usage)
{
	char ctl[256];
	char *none[] = { getenv("VSCMICTL"), "--socket", ctl, "gen-dt", NULL };
	char *two[] = { getenv("VSCMICTL"), "--socket", ctl, "gen-dt", "camera", "display", NULL };
	char *bad[] = { getenv("VSCMICTL"), "--socket", ctl, "gen-dt", "--bogus", "camera", NULL };

	run_path(ctl, sizeof(ctl), "control");
	ck_assert_int_eq(run(none, "usage.out", "usage.err"), 2);
	ck_assert_int_eq(run(two, "usage.out", "usage.err"), 2);
	ck_assert_int_eq(run(bad, "usage.out", "usage.err"), 2);
}
END_TEST

static Suite *gendt_suite(void)
{
	Suite *s = suite_create("gendt");
	TCase *tc = tcase_create("gen-dt");

	tcase_add_checked_fixture(tc, start_daemon, stop_daemon);
	tcase_add_test(tc, test_camera);
	tcase_add_test(tc, test_display_by_domid);
	tcase_add_test(tc, test_infotainment_by_domain);
	tcase_add_test(tc, test_xen);
	tcase_add_test(tc, test_xen_dom0less);
	tcase_add_test(tc, test_unknown_guest);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(gendt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
