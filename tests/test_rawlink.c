/* SPDX-License-Identifier: GPL-2.0-only */
/* The linux-raw platform and vscmid against rawfs, a FUSE stand-in for
 * Linux's SCMI raw-mode debugfs files with the kernel's read, write and
 * poll semantics, backed by vscmi's own SCMI server over the emulated
 * platform as the firmware. The platform's code here is the code that runs
 * on hardware; only the files' far side differs.
 *
 * This suite needs FUSE (/dev/fuse, fuse3, the right to mount). Without it
 * it fails, saying so: it never passes without having run. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vscmi/arbiter.h"
#include "vscmi/buf.h"
#include "vscmi/config.h"
#include "vscmi/control.h"
#include "vscmi/platform.h"
#include "vscmi/scmi.h"
#include "support/daemon.h"

static char dir[64];
static char mnt[128];
static pid_t rawfs_pid = -1;
static const char *rawfs_channel = "-1";
static int ctl = -1;
/* vscmid's upstream_timeout_ms; a test may raise it before load(). */
static uint32_t conf_timeout_ms = 300;

/* The firmware: what the co-processor has, its resources numbered as the
 * agent "linux" (the raw link) sees them. It has no perf protocol. */
static const char fw_conf[] = "[clock fw_pll]\n"
			      "id = 0\n"
			      "rates = 100M 200M 400M\n"
			      "policy = max\n"
			      "rate = 100M\n"
			      "[clock fw_cam]\n"
			      "id = 1\n"
			      "range = 1M 100M 1M\n"
			      "policy = max\n"
			      "[power fw_isp]\n"
			      "id = 0\n"
			      "initial = off\n"
			      "[reset fw_bus]\n"
			      "id = 0\n"
			      "initial = asserted\n"
			      "[sensor fw_temp]\n"
			      "id = 0\n"
			      "type = celsius\n"
			      "value = 45000\n"
			      /* More rates and levels than one reply of the channel
			       * below carries: 8 rates, 3 levels a part. */
			      "[clock fw_many]\n"
			      "id = 2\n"
			      "rates = 10M 20M 30M 40M 50M 60M 70M 80M 90M 100M\n"
			      "policy = max\n"
			      "rate = 10M\n"
			      "[perf fw_cpu]\n"
			      "id = 0\n"
			      "levels = 100:150:20:200000 200:300:20:400000 300:500:30:600000\n"
			      "\t 400:750:30:800000 500:1100:40:1000000\n"
			      "initial = 100\n"
			      "[powercap fw_soc]\n"
			      "id = 0\n"
			      "cap_range = 1000 8000 500\n"
			      "pai_range = 1000 100000 1000\n"
			      "pai = 10000\n"
			      "load = 6000\n"
			      /* Pin control, ids as vscmid's config has them. */
			      "[pin fw_p0]\n"
			      "id = 0\n"
			      "[pin fw_p1]\n"
			      "id = 1\n"
			      "configs = drive-strength:4\n"
			      "[pin-group fw_g]\n"
			      "id = 0\n"
			      "pins = fw_p0 fw_p1\n"
			      "[pin-function fw_uart]\n"
			      "id = 0\n"
			      "groups = fw_g\n"
			      "[agent linux]\n"
			      "privileged = yes\n"
			      "protocols = base power system perf clock sensor reset powercap pinctrl\n"
			      "max_msg_size = 68\n"
			      "clocks = fw_pll fw_cam fw_many\n"
			      "power = fw_isp\n"
			      "resets = fw_bus\n"
			      "perf = fw_cpu\n"
			      "sensors = fw_temp\n"
			      "powercaps = fw_soc\n"
			      "pins = fw_p0 fw_p1\n"
			      "pin-groups = fw_g\n"
			      "pin-functions = fw_uart\n";

/* What vscmid is configured with: the same physical resources, a parent
 * link the firmware does not know of, two agents. %s: extra resources. */
static const char daemon_conf[] = "[daemon]\n"
				  "platform = linux-raw\n"
				  "raw_dir = %s\n"
				  "upstream_timeout_ms = %u\n"
				  "control = %s/control\n"
				  /* the journal too: a run must not inherit an earlier one's votes */
				  "socket_dir = %s\n"
				  "[clock pll]\n"
				  "id = 0\n"
				  "rates = 100M 200M 400M\n"
				  "policy = max\n"
				  "rate = 100M\n"
				  "[clock cam]\n"
				  "id = 1\n"
				  "parent = pll\n"
				  "range = 1M 100M 1M\n"
				  "policy = max\n"
				  "[power isp]\n"
				  "id = 0\n"
				  "initial = off\n"
				  "[reset bus]\n"
				  "id = 0\n"
				  "initial = asserted\n"
				  "[sensor temp]\n"
				  "id = 0\n"
				  "type = celsius\n"
				  "value = 45000\n"
				  "%s"
				  "[agent cam]\n"
				  "socket = %s/cam.sock\n"
				  "protocols = base power clock sensor reset\n"
				  "clocks = cam\n"
				  "power = isp\n"
				  "resets = bus\n"
				  "sensors = temp\n"
				  "[agent disp]\n"
				  "socket = %s/disp.sock\n"
				  "protocols = base clock\n"
				  "clocks = cam\n";

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

static bool mounted(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/mounts", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, mnt) != NULL;
	fclose(f);
	return found;
}

static void rawfs_start(void)
{
	char fw[128], sock[128], line[64] = "";
	const char *rawfs = getenv("RAWFS");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	int pipefd[2];
	ssize_t n;

	ck_assert_msg(rawfs, "RAWFS must name the rawfs program");
	snprintf(dir, sizeof(dir), "/tmp/vscmi-rawlink-XXXXXX");
	ck_assert(mkdtemp(dir));
	snprintf(mnt, sizeof(mnt), "%s/debugfs-scmi", dir);
	ck_assert_int_eq(mkdir(mnt, 0755), 0);
	snprintf(fw, sizeof(fw), "%s/firmware.conf", dir);
	write_file(fw, fw_conf);
	snprintf(sock, sizeof(sock), "%s/rawfs.sock", dir);
	ck_assert_int_eq(pipe(pipefd), 0);
	rawfs_pid = fork();
	ck_assert_int_ge(rawfs_pid, 0);
	if (rawfs_pid == 0) {
		/* A failed test exits without its teardown: rawfs unmounts then. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		dup2(pipefd[1], 1);
		close(pipefd[0]);
		execl(rawfs, rawfs, "--firmware", fw, "--mount", mnt, "--control", sock,
		      "--kernel-timeout-ms", "1000", "--channel", rawfs_channel,
		      (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	pfd = (struct pollfd){ .fd = pipefd[0], .events = POLLIN };
	if (poll(&pfd, 1, 10000) == 1 && (n = read(pipefd[0], line, sizeof(line) - 1)) > 0)
		line[n] = '\0';
	close(pipefd[0]);
	ck_assert_msg(strncmp(line, "ready", 5) == 0,
		      "FUSE could not be mounted on %s: rawfs did not come up (its reason is "
		      "above). This suite needs /dev/fuse, fuse3 and the right to mount; it "
		      "fails rather than pass without running.",
		      mnt);
	ctl = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	strcpy(sa.sun_path, sock);
	ck_assert_int_eq(connect(ctl, (struct sockaddr *)&sa, sizeof(sa)), 0);
}

static void rawfs_stop(void)
{
	char cmd[256];
	int st;

	if (ctl >= 0)
		close(ctl);
	ctl = -1;
	if (rawfs_pid > 0) {
		kill(rawfs_pid, SIGTERM);
		waitpid(rawfs_pid, &st, 0);
	}
	rawfs_pid = -1;
	if (mounted()) {
		snprintf(cmd, sizeof(cmd), "fusermount3 -u -z '%s'", mnt);
		if (system(cmd) != 0)
			fprintf(stderr, "could not unmount %s\n", mnt);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

/* A rawfs control command; returns the number after "ok", if any. */
__attribute__((format(printf, 1, 2))) static long long rfs(const char *fmt, ...)
{
	char cmd[256], out[256];
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ck_assert_int_eq(send(ctl, cmd, strlen(cmd), 0), (ssize_t)strlen(cmd));
	n = recv(ctl, out, sizeof(out) - 1, 0);
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
	ck_assert_msg(strncmp(out, "ok", 2) == 0, "rawfs '%s': %s", cmd, out);
	return strtoll(out + 2, NULL, 0);
}

/* The command hold-next was set for has reached the firmware (the daemon
 * sends it when its event loop gets to it). */
static void rfs_wait_held(void)
{
	for (int i = 0; i < 400; i++) {
		if (rfs("held") == 1)
			return;
		usleep(5000);
	}
	ck_abort_msg("the firmware never got the command to hold");
}

static struct vscmi_config *load(const char *extra)
{
	char path[128], *text;
	struct vscmi_config *cfg = NULL;
	char err[512];
	size_t cap = sizeof(daemon_conf) + 5 * sizeof(dir) + strlen(extra) + 256;

	text = malloc(cap);
	ck_assert(text);
	snprintf(text, cap, daemon_conf, mnt, conf_timeout_ms, dir, dir, extra, dir, dir);
	snprintf(path, sizeof(path), "%s/vscmid.conf", dir);
	write_file(path, text);
	free(text);
	ck_assert_msg(vscmi_config_load(path, &cfg, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(cfg->platform, "linux-raw");
	ck_assert_uint_eq(cfg->upstream_timeout_ms, conf_timeout_ms);
	return cfg;
}

static struct vscmi_platform *open_raw(struct vscmi_config *cfg)
{
	struct vscmi_raw_opts o = { .dir = cfg->raw_dir, .instance = cfg->raw_instance,
				    .channel = cfg->raw_channel,
				    .timeout_ms = cfg->upstream_timeout_ms };
	struct vscmi_platform *p = NULL;
	char err[512] = "";

	ck_assert_msg(vscmi_raw_new(&cfg->model, &o, &p, err, sizeof(err)) == 0, "%s", err);
	ck_assert(vscmi_raw_up(p));
	return p;
}

static void close_raw(struct vscmi_platform *p, struct vscmi_config *cfg)
{
	vscmi_platform_free(p);
	vscmi_config_free(cfg);
}

/* The link's count of timeouts, and of replies that came after theirs. */
static void expect_stats(struct vscmi_platform *p, uint64_t timeouts, uint64_t stale)
{
	struct vscmi_raw_stats st;

	vscmi_raw_stats(p, &st);
	ck_assert_uint_eq(st.timeouts, timeouts);
	ck_assert_uint_eq(st.stale, stale);
}

static int apply(struct vscmi_platform *p, enum vscmi_op_type t, uint32_t id, int64_t val)
{
	struct vscmi_op op = { .type = t, .id = id, .val = val };

	return vscmi_platform_apply(p, &op);
}

/* --- completions ------------------------------------------------------------- */

/* What start() left in flight, as it ends: the order and the results. */
struct done_log {
	int n;
	int tag[VSCMI_RAW_INFLIGHT_MAX + 4];
	int result[VSCMI_RAW_INFLIGHT_MAX + 4];
};

static struct done_log dlog;
static int dtags[VSCMI_RAW_INFLIGHT_MAX + 4];

static void on_done(void *ctx, int result)
{
	int *tag = ctx;

	ck_assert_int_lt(dlog.n, (int)(sizeof(dlog.tag) / sizeof(dlog.tag[0])));
	dlog.tag[dlog.n] = *tag;
	dlog.result[dlog.n++] = result;
}

/* Starts op with completion tag t; start() must leave it in flight. */
static void start_op(struct vscmi_platform *p, enum vscmi_op_type type, uint32_t id, int64_t val,
		     int t)
{
	struct vscmi_op op = { .type = type, .id = id, .val = val };

	dtags[t] = t;
	ck_assert_int_eq(vscmi_platform_start(p, &op, on_done, &dtags[t]), -EINPROGRESS);
}

/* Runs the platform's dispatch whenever its fd says so, until cond holds
 * or timeout_ms passes (a failure: the completion never came). */
#define PUMP_UNTIL(p, cond, timeout_ms)                                                    \
	do {                                                                               \
		uint64_t end_ = now_ms() + (timeout_ms);                                   \
		while (!(cond)) {                                                          \
			struct pollfd pfd_ = { .fd = vscmi_platform_fd(p), .events = POLLIN }; \
			ck_assert_msg(now_ms() < end_, "still waiting for: %s", #cond);    \
			if (poll(&pfd_, 1, 20) == 1)                                       \
				ck_assert_int_eq(vscmi_platform_dispatch(p), 0);           \
		}                                                                          \
	} while (0)

/* The arbiter's changes: their result, waiting for the firmware if it
 * went asynchronous. */
static int arb_results;
static int arb_last;

static void on_arb_done(void *ctx, struct arb_vote *v, int result)
{
	arb_results++;
	arb_last = result;
}

static int settle(struct vscmi_platform *p, int r)
{
	int want = arb_results + 1;

	if (r != -EINPROGRESS)
		return r;
	PUMP_UNTIL(p, arb_results >= want, 3000);
	return arb_last;
}

static void setup(void)
{
	conf_timeout_ms = 300;
	memset(&dlog, 0, sizeof(dlog));
	rawfs_start();
}

static void setup_channel(void)
{
	rawfs_channel = "0x14";
	setup();
}

static void teardown(void)
{
	rawfs_stop();
}

START_TEST(test_commands_reach_the_firmware)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p = open_raw(cfg);
	int64_t value = 0;
	uint64_t ts = 0;

	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_ENABLE, 1, 1), 0);
	ck_assert_int_eq(rfs("state clock-enable 1"), 1);
	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_RATE, 1, 50000000), 0);
	ck_assert_int_eq(rfs("state clock-rate 1"), 50000000);
	ck_assert_int_eq(apply(p, VSCMI_OP_POWER_STATE, 0, 0), 0);
	ck_assert_int_eq(rfs("state power-state 0"), 0);
	ck_assert_int_eq(apply(p, VSCMI_OP_RESET_LINE, 0, 0), 0);
	ck_assert_int_eq(rfs("state reset-line 0"), 0);
	/* The firmware's refusal comes back as its status (INVALID_PARAMETERS:
	 * a rate the clock does not have). */
	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_RATE, 1, 555), -EINVAL);
	ck_assert(vscmi_raw_up(p));
	/* The firmware reads this sensor asynchronously: response, then value. */
	ck_assert_int_eq(p->ops->sensor_read(p, 0, &value, &ts), 0);
	ck_assert_int_eq(value, 45000);
	ck_assert_uint_ne(ts, 0);
	expect_stats(p, 0, 0);
	close_raw(p, cfg);
}
END_TEST

/* Caps and PAIs go upstream as POWERCAP_CAP_SET and PAI_SET with the
 * firmware's ids; measurements and reads are the firmware's. */
START_TEST(test_powercap_reaches_the_firmware)
{
	struct vscmi_config *cfg = load("[powercap soc]\nid = 0\ncap_range = 1000 8000 500\n"
					"pai_range = 1000 100000 1000\n");
	struct vscmi_platform *p = open_raw(cfg);
	struct vscmi_op op = { .type = VSCMI_OP_POWERCAP_CAP, .id = 0 };
	uint32_t power = 0, pai = 0;

	ck_assert_int_eq(vscmi_platform_powercap_measure(p, 0, &power, &pai), 0);
	ck_assert_uint_eq(power, 6000);
	ck_assert_uint_eq(pai, 10000);
	ck_assert_int_eq(apply(p, VSCMI_OP_POWERCAP_CAP, 0, 3000), 0);
	ck_assert_int_eq(rfs("state powercap-cap 0"), 3000);
	ck_assert_int_eq(apply(p, VSCMI_OP_POWERCAP_PAI, 0, 2000), 0);
	ck_assert_int_eq(rfs("state powercap-pai 0"), 2000);
	ck_assert_int_eq(vscmi_platform_powercap_measure(p, 0, &power, &pai), 0);
	ck_assert_uint_eq(power, 3000);
	ck_assert_uint_eq(pai, 2000);
	ck_assert_int_eq(vscmi_platform_read(p, &op), 0);
	ck_assert_int_eq(op.val, 3000);
	op = (struct vscmi_op){ .type = VSCMI_OP_POWERCAP_PAI, .id = 0 };
	ck_assert_int_eq(vscmi_platform_read(p, &op), 0);
	ck_assert_int_eq(op.val, 2000);
	/* no cap at all, and the firmware's refusal as its status */
	ck_assert_int_eq(apply(p, VSCMI_OP_POWERCAP_CAP, 0, 0), 0);
	ck_assert_int_eq(rfs("state powercap-cap 0"), 0);
	ck_assert_int_eq(apply(p, VSCMI_OP_POWERCAP_CAP, 0, 500), -ERANGE);
	ck_assert_int_eq(rfs("count powercap-cap 0"), 2);
	/* a measurement cut short is the link's failure */
	rfs("cut-next 12");
	ck_assert_int_eq(vscmi_platform_powercap_measure(p, 0, &power, &pai), -EBADE);
	expect_stats(p, 0, 0);
	close_raw(p, cfg);
}
END_TEST

/* A firmware answer that lacks what the command asks for is the link's
 * failure (COMMS_ERROR for the agent), never PROTOCOL_ERROR, which would
 * say the agent's own message was malformed; and the message names it. */
/* Pin settings reach the firmware as SETTINGS_CONFIGURE of the pin, with
 * no REQUEST, and read back through SETTINGS_GET; discovery checks pins,
 * groups and functions. */
START_TEST(test_pin_settings_reach_the_firmware)
{
	struct vscmi_config *cfg = load("[pin p0]\nid = 0\n[pin p1]\nid = 1\n"
					"[pin-group g]\nid = 0\npins = p0 p1\n"
					"[pin-function uart]\nid = 0\ngroups = g\n");
	struct vscmi_platform *p = open_raw(cfg);
	struct vscmi_op op = { .type = VSCMI_OP_PIN_FUNCTION, .id = 0, .val = 0 };

	ck_assert_int_eq(rfs("state pin-function 0"), -1);
	ck_assert_int_eq(vscmi_platform_apply(p, &op), 0);
	ck_assert_int_eq(rfs("state pin-function 0"), 0);
	op = (struct vscmi_op){ .type = VSCMI_OP_PIN_CONFIG, .id = 1, .val = 10, .val2 = 12 };
	ck_assert_int_eq(vscmi_platform_apply(p, &op), 0);
	ck_assert_int_eq(rfs("state pin-config 42"), 12);
	op = (struct vscmi_op){ .type = VSCMI_OP_PIN_CONFIG, .id = 1, .val = 10 };
	ck_assert_int_eq(vscmi_platform_read(p, &op), 0);
	ck_assert_int_eq(op.val2, 12);
	op = (struct vscmi_op){ .type = VSCMI_OP_PIN_FUNCTION, .id = 0 };
	ck_assert_int_eq(vscmi_platform_read(p, &op), 0);
	ck_assert_int_eq(op.val, 0);
	/* no function again */
	op = (struct vscmi_op){ .type = VSCMI_OP_PIN_FUNCTION, .id = 0, .val = -1 };
	ck_assert_int_eq(vscmi_platform_apply(p, &op), 0);
	ck_assert_int_eq(rfs("state pin-function 0"), -1);
	op = (struct vscmi_op){ .type = VSCMI_OP_PIN_FUNCTION, .id = 1 };
	ck_assert_int_eq(vscmi_platform_read(p, &op), 0);
	ck_assert_int_eq(op.val, -1);
	/* a config type the firmware refuses comes back as its status */
	op = (struct vscmi_op){ .type = VSCMI_OP_PIN_CONFIG, .id = 1, .val = 0, .val2 = 1 };
	ck_assert_int_eq(vscmi_platform_apply(p, &op), 0);
	op = (struct vscmi_op){ .type = VSCMI_OP_PIN_CONFIG, .id = 1, .val = 200, .val2 = 1 };
	ck_assert_int_eq(vscmi_platform_apply(p, &op), -EOPNOTSUPP);
	close_raw(p, cfg);
	/* a function the firmware does not have */
	cfg = load("[pin p0]\nid = 0\n[pin-function f]\nid = 3\npins = p0\n");
	{
		struct vscmi_raw_opts o = { .dir = cfg->raw_dir, .channel = -1, .timeout_ms = 300 };
		char err[512] = "";

		p = NULL;
		ck_assert_int_lt(vscmi_raw_new(&cfg->model, &o, &p, err, sizeof(err)), 0);
		ck_assert_msg(strstr(err, "[pin-function f]: id 3, but the firmware has 1 pin function"),
			      "message: %s", err);
	}
	vscmi_config_free(cfg);
}
END_TEST

START_TEST(test_malformed_firmware_reply_is_a_comms_error)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p = open_raw(cfg);
	struct vscmi_op op = { .type = VSCMI_OP_CLOCK_RATE, .id = 1 };
	int64_t value = 0;
	uint64_t ts = 0;
	char err[512] = "";

	/* a rate without its words */
	rfs("cut-next 8");
	ck_assert_int_eq(vscmi_platform_read(p, &op), -EBADE);
	ck_assert_int_eq(scmi_status_from_errno(-EBADE), SCMI_COMMS_ERROR);
	ck_assert_int_eq(vscmi_platform_read(p, &op), 0);
	/* a reading's delayed response cut after the sensor's id */
	rfs("cut-next 12");
	ck_assert_int_eq(p->ops->sensor_read(p, 0, &value, &ts), -EBADE);
	ck_assert_int_eq(p->ops->sensor_read(p, 0, &value, &ts), 0);
	ck_assert_int_eq(value, 45000);
	vscmi_platform_free(p);

	/* discovery: its first answer cut short, said as such, and with no
	 * firmware status it never had */
	{
		struct vscmi_raw_opts o = { .dir = cfg->raw_dir, .channel = -1, .timeout_ms = 300 };

		p = NULL;
		rfs("cut-next 8");
		ck_assert_int_lt(vscmi_raw_new(&cfg->model, &o, &p, err, sizeof(err)), 0);
		ck_assert_ptr_null(p);
		ck_assert_msg(strstr(err, "too short") && !strstr(err, "SUCCESS") &&
				      !strstr(err, "_ERROR"),
			      "message: %s", err);
	}
	vscmi_config_free(cfg);
}
END_TEST

/* What the daemon reads at start (arb_sync_phys) is what the firmware has. */
START_TEST(test_read_asks_the_firmware_its_state)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p = open_raw(cfg);
	struct vscmi_op op = { .type = VSCMI_OP_CLOCK_RATE, .id = 1 };

	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_RATE, 1, 50000000), 0);
	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_ENABLE, 1, 1), 0);
	ck_assert_int_eq(vscmi_platform_read(p, &op), 0);
	ck_assert_int_eq(op.val, 50000000);
	op = (struct vscmi_op){ .type = VSCMI_OP_CLOCK_ENABLE, .id = 1 };
	ck_assert_int_eq(vscmi_platform_read(p, &op), 0);
	ck_assert_int_eq(op.val, 1);
	ck_assert_int_eq(apply(p, VSCMI_OP_POWER_STATE, 0, 0), 0);
	op = (struct vscmi_op){ .type = VSCMI_OP_POWER_STATE, .id = 0, .val = -1 };
	ck_assert_int_eq(vscmi_platform_read(p, &op), 0);
	ck_assert_int_eq(op.val, 0);
	/* SCMI has no GET for a reset line. */
	op = (struct vscmi_op){ .type = VSCMI_OP_RESET_LINE, .id = 0 };
	ck_assert_int_eq(vscmi_platform_read(p, &op), -EOPNOTSUPP);
	close_raw(p, cfg);
}
END_TEST

START_TEST(test_discovery_refuses_what_the_firmware_lacks)
{
	static const char *const cases[][2] = {
		{ "[clock ghost]\nid = 7\nrange = 1M 2M 1M\n",
		  "[clock ghost]: id 7, but the firmware has 3 clocks" },
		{ "[voltage vdd]\nid = 0\nlevels = 800000\nlevel = 800000\n",
		  "[voltage vdd]: the firmware has no voltage domain protocol (0x17)" },
		/* The rates come in two parts (8, then 2): a rate missing is
		 * told with what the firmware has, all ten of them. */
		{ "[clock many]\nid = 2\nrates = 20M 100M 110M\npolicy = max\nrate = 20M\n",
		  "[clock many]: rate 110000000 Hz, but the firmware's clock 2 (fw_many) has "
		  "10000000, 20000000, 30000000, 40000000, 50000000, 60000000, 70000000, "
		  "80000000, ... (10 in all) Hz" },
		/* A segment must lie on the firmware's list. */
		{ "[clock many]\nid = 2\nrange = 10M 100M 5M\npolicy = max\n",
		  "[clock many]: rate 15000000 Hz, but the firmware's clock 2 (fw_many)" },
		/* Levels in two parts (3, then 2); the last one differs. */
		{ "[perf cpu]\nid = 0\nlevels = 100:150:20:200000 500:1100:40:1000000 "
		  "600:1500:40:1200000\ninitial = 100\n",
		  "[perf cpu]: level 600, but the firmware's performance domain 0 (fw_cpu) has "
		  "100, 200, 300, 400, 500" },
		/* Caps the firmware would refuse, or in another unit. */
		{ "[powercap soc]\nid = 0\ncap_range = 500 8000 500\n",
		  "[powercap soc]: caps 500..8000, intervals 1000..1000 us, but the firmware's "
		  "power capping domain 0 (fw_soc) has caps 1000..8000, intervals 1000..100000 us" },
		{ "[powercap soc]\nid = 0\nunit = uW\ncap_range = 1000 8000 500\n",
		  "[powercap soc]: unit uW, but the firmware's power capping domain 0 (fw_soc) "
		  "counts in mW" },
		{ "[powercap soc]\nid = 1\ncap_range = 1000 8000 500\n",
		  "[powercap soc]: id 1, but the firmware has 1 power capping domain" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vscmi_config *cfg = load(cases[i][0]);
		struct vscmi_raw_opts o = { .dir = cfg->raw_dir, .channel = -1, .timeout_ms = 300 };
		struct vscmi_platform *p = NULL;
		char err[512] = "";

		ck_assert_int_lt(vscmi_raw_new(&cfg->model, &o, &p, err, sizeof(err)), 0);
		ck_assert_ptr_null(p);
		ck_assert_msg(strstr(err, cases[i][1]), "message: %s", err);
		vscmi_config_free(cfg);
	}
}
END_TEST

/* Rates and levels the firmware has, the last ones only in the second part
 * of its replies: discovery reads every part and accepts them. */
START_TEST(test_discovery_reads_multipart_replies)
{
	struct vscmi_config *cfg = load("[clock many]\nid = 2\nrates = 10M 90M 100M\n"
					"policy = max\nrate = 10M\n"
					"[perf cpu]\nid = 0\nlevels = 100:150:20:200000 "
					"400:750:30:800000 500:1100:40:1000000\ninitial = 100\n");
	struct vscmi_platform *p = open_raw(cfg);

	expect_stats(p, 0, 0);
	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_RATE, 2, 100000000), 0);
	ck_assert_int_eq(rfs("state clock-rate 2"), 100000000);
	close_raw(p, cfg);
}
END_TEST

START_TEST(test_timeout_then_late_reply_is_dropped)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p = open_raw(cfg);
	uint64_t t0;

	/* Reply 1 comes at 350 ms, after our 300 ms; reply 2 150 ms after
	 * command 2 went, so the stale reply 1 shows up first while command
	 * 2 waits (margins of 100 and 150 ms: a loaded machine keeps it). */
	rfs("delay-next 350");
	t0 = now_ms();
	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_ENABLE, 1, 1), -ETIMEDOUT);
	ck_assert_uint_ge(now_ms() - t0, 290);
	ck_assert_uint_lt(now_ms() - t0, 440);
	rfs("delay-next 150");
	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_RATE, 1, 20000000), 0);
	expect_stats(p, 1, 1);
	ck_assert(vscmi_raw_up(p));
	/* The firmware did the timed-out command, only late: a timeout does
	 * not say whether it happened. */
	ck_assert_int_eq(rfs("state clock-enable 1"), 1);
	ck_assert_int_eq(rfs("state clock-rate 1"), 20000000);
	/* A reply later than the kernel's own timeout (1000 ms here) never
	 * reaches message: the kernel puts it under errors. */
	rfs("delay-next 1200");
	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_ENABLE, 1, 0), -ETIMEDOUT);
	usleep(1100 * 1000);
	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_ENABLE, 1, 0), 0);
	expect_stats(p, 2, 1);
	/* A firmware that stops answering altogether takes the link down. */
	rfs("silent 3");
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_ENABLE, 1, 1), -ETIMEDOUT);
	ck_assert(!vscmi_raw_up(p));
	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_ENABLE, 1, 1), -ECOMM);
	close_raw(p, cfg);
}
END_TEST

START_TEST(test_delayed_responses_out_of_order)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p = open_raw(cfg);
	int64_t value = 0;
	uint64_t ts = 0;

	/* Read 1's value comes 450 ms after its response: too late. Read 2's
	 * comes 250 ms after, so read 1's arrives in the middle of read 2. */
	rfs("dresp-delay 450");
	ck_assert_int_eq(p->ops->sensor_read(p, 0, &value, &ts), -ETIMEDOUT);
	rfs("dresp-delay 250");
	value = 0;
	ck_assert_int_eq(p->ops->sensor_read(p, 0, &value, &ts), 0);
	ck_assert_int_eq(value, 45000);
	expect_stats(p, 1, 1);
	close_raw(p, cfg);
}
END_TEST

/* With several transport channels, commands go through channels/0xNN/,
 * whose queue the kernel's reset does not flush. */
START_TEST(test_channel)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p;
	struct vscmi_raw_stats st;

	cfg->raw_channel = 0x14;
	p = open_raw(cfg);
	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_ENABLE, 1, 1), 0);
	ck_assert_int_eq(rfs("state clock-enable 1"), 1);
	rfs("delay-next 450");
	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_RATE, 1, 10000000), -ETIMEDOUT);
	usleep(200 * 1000);
	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_RATE, 1, 30000000), 0);
	ck_assert_int_eq(rfs("state clock-rate 1"), 30000000);
	vscmi_raw_stats(p, &st);
	ck_assert_uint_eq(st.stale, 1);
	close_raw(p, cfg);
}
END_TEST

/* --- the files themselves ------------------------------------------------------ */

/* A command without parameters, straight to a raw file. */
static void raw_write_cmd(int fd, uint8_t proto, uint8_t msg, uint32_t token)
{
	uint8_t b[4];

	vscmi_put_le32(b, SCMI_HDR(msg, 0, proto, token));
	ck_assert_int_eq(write(fd, b, sizeof(b)), (ssize_t)sizeof(b));
}

/* The header of the next message on fd, waited for; the read of 0 that
 * ends the message is done too. */
static uint32_t raw_read_hdr(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t b[256];
	ssize_t n;

	ck_assert_msg(poll(&pfd, 1, 2000) == 1, "no reply on the raw file");
	n = read(fd, b, sizeof(b));
	ck_assert_int_ge(n, 8);
	ck_assert_int_eq(read(fd, b, sizeof(b)), 0);
	return vscmi_get_le32(b);
}

/* rawfs moves the file position as the kernel's raw mode does: a write
 * after a read on the same open file sends the previous message again, and
 * the file cannot be seeked back; a file only ever written and another only
 * ever read carry each message as written. */
START_TEST(test_rawfs_file_position_is_the_kernels)
{
	char path[256];
	uint8_t b[4] = { 0 };
	int fd, wfd, rfd;

	snprintf(path, sizeof(path), "%s/0/raw/message", mnt);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	raw_write_cmd(fd, 0x10, 0x0, 1);	/* PROTOCOL_VERSION */
	ck_assert_uint_eq(raw_read_hdr(fd), SCMI_HDR(0x0, 0, 0x10, 1));
	raw_write_cmd(fd, 0x10, 0x1, 2);	/* PROTOCOL_ATTRIBUTES */
	/* What went out is the first command again, token and all. */
	ck_assert_uint_eq(raw_read_hdr(fd), SCMI_HDR(0x0, 0, 0x10, 1));
	ck_assert_int_eq(rfs("repeats"), 1);
	errno = 0;
	ck_assert_int_eq(pwrite(fd, b, sizeof(b), 0), -1);
	ck_assert_int_eq(errno, ESPIPE);
	errno = 0;
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), -1);
	ck_assert_int_eq(errno, ESPIPE);
	close(fd);

	wfd = open(path, O_WRONLY | O_CLOEXEC);
	rfd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(wfd, 0);
	ck_assert_int_ge(rfd, 0);
	for (uint32_t t = 3; t < 6; t++) {
		raw_write_cmd(wfd, 0x10, 0x1, t);
		ck_assert_uint_eq(raw_read_hdr(rfd), SCMI_HDR(0x1, 0, 0x10, t));
	}
	ck_assert_int_eq(rfs("repeats"), 1);
	close(wfd);
	close(rfd);
}
END_TEST

static struct vscmi_plat_event seen[8];
static int nseen;

static void on_event(void *ctx, const struct vscmi_plat_event *ev)
{
	if (nseen < 8)
		seen[nseen++] = *ev;
}

/* Waits for the notification file to have something, and dispatches it. */
static void wait_notification(struct vscmi_platform *p, int timeout_ms)
{
	struct pollfd pfd = { .fd = vscmi_raw_notify_fd(p), .events = POLLIN };

	ck_assert_msg(poll(&pfd, 1, timeout_ms) == 1, "no notification from the firmware");
	ck_assert_int_eq(vscmi_raw_dispatch(p), 0);
}

START_TEST(test_notifications_become_events)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p = open_raw(cfg);

	nseen = 0;
	p->event = on_event;
	/* The firmware changes clock 1's rate on its own. */
	rfs("event clock 1 0 30000000 0");
	wait_notification(p, 2000);
	ck_assert_int_eq(nseen, 1);
	ck_assert_int_eq(seen[0].kind, VSCMI_CLOCK);
	ck_assert_uint_eq(seen[0].id, 1);
	ck_assert_uint_eq(seen[0].protocol, 0x14);
	ck_assert_uint_eq(seen[0].message, 0);
	ck_assert_uint_eq(seen[0].npayload, 2);
	ck_assert_uint_eq(seen[0].payload[0], 30000000);
	/* The firmware notifies our own change too (agent id ours): that is
	 * not an event, the arbiter has told the agents already. */
	ck_assert_int_eq(apply(p, VSCMI_OP_CLOCK_RATE, 1, 40000000), 0);
	wait_notification(p, 1000);
	ck_assert_int_eq(nseen, 1);
	close_raw(p, cfg);
}
END_TEST

static int link_changes[2];

static int resync_failed;

static void on_resynced(void *ctx, int failed)
{
	resync_failed = failed;
}

static void on_link(void *ctx, bool up)
{
	link_changes[up]++;
}

START_TEST(test_link_loss_and_resync)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p = open_raw(cfg);
	struct arb *arb = arb_new(&cfg->model, p);
	struct arb_agent *a = arb_agent_new(arb, 1);
	struct arb_vote *v = arb_vote_new(a, arb_res_get(arb, VSCMI_CLOCK, 1));
	char err[512] = "";

	memset(link_changes, 0, sizeof(link_changes));
	vscmi_raw_set_link_cb(p, on_link, NULL);
	arb_set_done(arb, on_arb_done, NULL);
	ck_assert_int_eq(settle(p, arb_vote_ask(v, ARB_LEVEL, 60000000, 0)), 0);
	ck_assert_int_eq(settle(p, arb_vote_ask(v, ARB_GATE, true, 0)), 0);
	/* The parent the arbiter knows of went on first. */
	ck_assert_int_eq(rfs("state clock-enable 0"), 1);
	ck_assert_int_eq(rfs("state clock-enable 1"), 1);

	/* The driver unbinds: the files vanish; commands fail, nothing hangs. */
	rfs("down");
	ck_assert_int_eq(settle(p, arb_vote_ask(v, ARB_LEVEL, 70000000, 0)), -ECOMM);
	ck_assert(!vscmi_raw_up(p));
	ck_assert_int_eq(link_changes[0], 1);
	ck_assert_int_eq(vscmi_raw_notify_fd(p), -1);
	ck_assert_int_eq(settle(p, arb_vote_ask(v, ARB_GATE, false, 0)), -ECOMM);
	ck_assert_int_lt(vscmi_raw_reconnect(p, err, sizeof(err)), 0);
	ck_assert_msg(strstr(err, "cannot open"), "%s", err);

	/* It comes back, the firmware restarted: all off, rates as at boot. */
	rfs("up");
	ck_assert_int_eq(rfs("state clock-enable 1"), 0);
	/* Discovery goes on from the replies, the link comes up at its end. */
	ck_assert_int_eq(vscmi_raw_reconnect(p, err, sizeof(err)), -EINPROGRESS);
	ck_assert(!vscmi_raw_up(p));
	ck_assert_int_eq(vscmi_raw_reconnect(p, err, sizeof(err)), -EINPROGRESS);
	PUMP_UNTIL(p, vscmi_raw_up(p), 3000);
	ck_assert_int_eq(link_changes[1], 1);
	ck_assert_int_ge(vscmi_raw_notify_fd(p), 0);
	/* The walk waits for each reply: it ends from the completions. */
	resync_failed = -1;
	ck_assert_int_eq(arb_resync(arb, on_resynced, NULL), -EINPROGRESS);
	ck_assert(arb_resyncing(arb));
	PUMP_UNTIL(p, resync_failed >= 0, 3000);
	ck_assert_int_eq(resync_failed, 0);
	ck_assert(!arb_resyncing(arb));
	ck_assert(!arb_has_dirty(arb));
	ck_assert_int_eq(rfs("state clock-enable 0"), 1);
	ck_assert_int_eq(rfs("state clock-enable 1"), 1);
	ck_assert_int_eq(rfs("state clock-rate 1"), 60000000);
	/* The power domain nobody voted for stays off, the reset asserted. */
	ck_assert_int_eq(rfs("state power-state 0"), 0x40000000);
	ck_assert_int_eq(rfs("state reset-line 0"), 1);
	ck_assert_int_eq(settle(p, arb_vote_ask(v, ARB_LEVEL, 70000000, 0)), 0);
	ck_assert_int_eq(rfs("state clock-rate 1"), 70000000);

	arb_agent_free(a);
	arb_free(arb);
	close_raw(p, cfg);
}
END_TEST

/* A firmware whose files are back but which does not answer: the retry's
 * discovery waits for nothing, fails when its command times out, and the
 * link stays down; the next retry, answered, brings it up. */
START_TEST(test_rediscovery_never_waits)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p = open_raw(cfg);
	struct vscmi_raw_stats st;
	char err[512] = "";

	memset(link_changes, 0, sizeof(link_changes));
	vscmi_raw_set_link_cb(p, on_link, NULL);
	rfs("down");
	vscmi_raw_link_lost(p, "test");
	ck_assert_int_eq(link_changes[0], 1);
	rfs("up");
	rfs("silent 1");
	vscmi_raw_stats(p, &st);
	ck_assert_int_eq(vscmi_raw_reconnect(p, err, sizeof(err)), -EINPROGRESS);
	PUMP_UNTIL(p, (vscmi_raw_stats(p, &st), st.timeouts == 1), 3000);
	ck_assert(!vscmi_raw_up(p));
	ck_assert_int_eq(link_changes[1], 0);
	ck_assert_int_eq(vscmi_raw_reconnect(p, err, sizeof(err)), -EINPROGRESS);
	PUMP_UNTIL(p, vscmi_raw_up(p), 3000);
	ck_assert_int_eq(link_changes[1], 1);
	ck_assert_int_eq(vscmi_raw_notify_fd(p) >= 0, 1);
	close_raw(p, cfg);
}
END_TEST

START_TEST(test_uevents)
{
	static const char bind[] = "bind@/devices/platform/firmware:scmi\0ACTION=bind\0"
				   "DEVPATH=/devices/platform/firmware:scmi\0SUBSYSTEM=platform\0"
				   "DRIVER=arm-scmi\0SEQNUM=10";
	static const char unbind[] = "unbind@/devices/platform/firmware:scmi\0ACTION=unbind\0"
				     "DEVPATH=/devices/platform/firmware:scmi\0"
				     "SUBSYSTEM=platform\0SEQNUM=11";
	static const char other_unbind[] = "unbind@/devices/platform/serial8250\0ACTION=unbind\0"
					   "DEVPATH=/devices/platform/serial8250\0SEQNUM=12";
	static const char other_bind[] = "bind@/devices/platform/foo\0ACTION=bind\0"
					 "DEVPATH=/devices/platform/foo\0DRIVER=foo\0SEQNUM=13";
	static const char garbage[] = "no summary line";
	struct vscmi_uevent *u = NULL;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(vscmi_uevent_open(sv[0], &u), 0);
	ck_assert_int_eq(vscmi_uevent_read(u), VSCMI_UEVENT_NONE);
	/* An unbind of a device never seen bound to arm-scmi means nothing. */
	send(sv[1], unbind, sizeof(unbind), 0);
	ck_assert_int_eq(vscmi_uevent_read(u), VSCMI_UEVENT_NONE);
	send(sv[1], bind, sizeof(bind), 0);
	ck_assert_int_eq(vscmi_uevent_read(u), VSCMI_UEVENT_UP);
	send(sv[1], other_unbind, sizeof(other_unbind), 0);
	send(sv[1], other_bind, sizeof(other_bind), 0);
	send(sv[1], garbage, sizeof(garbage) - 1, 0);
	ck_assert_int_eq(vscmi_uevent_read(u), VSCMI_UEVENT_NONE);
	send(sv[1], unbind, sizeof(unbind), 0);
	ck_assert_int_eq(vscmi_uevent_read(u), VSCMI_UEVENT_DOWN);
	/* Several queued: the last change counts. */
	send(sv[1], bind, sizeof(bind), 0);
	send(sv[1], unbind, sizeof(unbind), 0);
	send(sv[1], bind, sizeof(bind), 0);
	ck_assert_int_eq(vscmi_uevent_read(u), VSCMI_UEVENT_UP);
	vscmi_uevent_free(u);
	close(sv[1]);
}
END_TEST

/* --- the asynchronous path ------------------------------------------------------ */

/* Two changes in flight at once: the one the firmware answers first ends
 * first, each with its own result. */
START_TEST(test_async_out_of_order)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p = open_raw(cfg);

	ck_assert_int_ge(vscmi_platform_fd(p), 0);
	/* The first command's reply takes 250 ms, the others' 50 ms. */
	rfs("delay 50");
	rfs("delay-next 250");
	start_op(p, VSCMI_OP_CLOCK_RATE, 1, 50000000, 1);
	start_op(p, VSCMI_OP_POWER_STATE, 0, 0, 2);
	/* A refusal comes back the same way, as the firmware's status. */
	start_op(p, VSCMI_OP_CLOCK_RATE, 1, 555, 3);
	ck_assert_int_eq(dlog.n, 0);
	PUMP_UNTIL(p, dlog.n == 3, 3000);
	ck_assert_int_eq(dlog.tag[0], 2);
	ck_assert_int_eq(dlog.result[0], 0);
	ck_assert_int_eq(dlog.tag[1], 3);
	ck_assert_int_eq(dlog.result[1], -EINVAL);
	ck_assert_int_eq(dlog.tag[2], 1);
	ck_assert_int_eq(dlog.result[2], 0);
	ck_assert_int_eq(rfs("state clock-rate 1"), 50000000);
	ck_assert_int_eq(rfs("state power-state 0"), 0);
	expect_stats(p, 0, 0);
	close_raw(p, cfg);
}
END_TEST

/* A synchronous command that reads another command's reply while waiting
 * for its own hands it over: the pending one still completes. */
START_TEST(test_sync_call_hands_over_other_replies)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p = open_raw(cfg);
	struct vscmi_op op = { .type = VSCMI_OP_CLOCK_RATE, .id = 1 };
	struct vscmi_raw_stats st;
	int64_t value = 0;
	uint64_t ts = 0;

	/* Replies come at once: start's is queued before apply writes. */
	start_op(p, VSCMI_OP_CLOCK_ENABLE, 1, 1, 1);
	ck_assert_int_eq(apply(p, VSCMI_OP_POWER_STATE, 0, 0), 0);
	start_op(p, VSCMI_OP_CLOCK_RATE, 1, 30000000, 2);
	ck_assert_int_eq(vscmi_platform_read(p, &op), 0);
	/* message_async shares the queue: the sensor read sees it too. */
	start_op(p, VSCMI_OP_CLOCK_ENABLE, 0, 1, 3);
	ck_assert_int_eq(p->ops->sensor_read(p, 0, &value, &ts), 0);
	ck_assert_int_eq(value, 45000);
	ck_assert_int_eq(dlog.n, 0);
	PUMP_UNTIL(p, dlog.n == 3, 2000);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(dlog.result[i], 0);
	vscmi_raw_stats(p, &st);
	ck_assert_uint_eq(st.stale, 0);
	ck_assert_int_eq(rfs("state clock-enable 1"), 1);
	ck_assert_int_eq(rfs("state clock-enable 0"), 1);
	close_raw(p, cfg);
}
END_TEST

/* A command the firmware does not answer in time ends with -ETIMEDOUT from
 * dispatch; its reply, coming later, is dropped and counted. */
START_TEST(test_async_timeout_then_late_reply)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p = open_raw(cfg);
	struct vscmi_raw_stats st;

	/* 450 ms: after our 300, before the kernel's own 1000. */
	rfs("delay-next 450");
	start_op(p, VSCMI_OP_CLOCK_ENABLE, 1, 1, 1);
	PUMP_UNTIL(p, dlog.n == 1, 3000);
	ck_assert_int_eq(dlog.result[0], -ETIMEDOUT);
	expect_stats(p, 1, 0);
	/* The late reply makes the fd readable, and nothing more. */
	PUMP_UNTIL(p, (vscmi_raw_stats(p, &st), st.stale == 1), 3000);
	ck_assert_int_eq(dlog.n, 1);
	ck_assert(vscmi_raw_up(p));
	start_op(p, VSCMI_OP_CLOCK_RATE, 1, 20000000, 2);
	PUMP_UNTIL(p, dlog.n == 2, 3000);
	ck_assert_int_eq(dlog.result[1], 0);
	ck_assert_int_eq(rfs("state clock-rate 1"), 20000000);
	/* A firmware that stops answering altogether takes the link down. */
	rfs("silent 3");
	start_op(p, VSCMI_OP_CLOCK_ENABLE, 1, 0, 3);
	start_op(p, VSCMI_OP_CLOCK_ENABLE, 0, 1, 4);
	start_op(p, VSCMI_OP_POWER_STATE, 0, 0, 5);
	PUMP_UNTIL(p, dlog.n == 5, 3000);
	for (int i = 2; i < 5; i++)
		ck_assert_int_eq(dlog.result[i], -ETIMEDOUT);
	ck_assert(!vscmi_raw_up(p));
	close_raw(p, cfg);
}
END_TEST

/* Beyond the cap, start refuses; a cancelled command's reply reaches no
 * one, and its slot comes back. */
START_TEST(test_async_cap_and_cancel)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p = open_raw(cfg);
	struct vscmi_op op = { .type = VSCMI_OP_CLOCK_RATE, .id = 1, .val = 10000000 };
	int t;

	rfs("delay 100");
	for (t = 0; t < VSCMI_RAW_INFLIGHT_MAX; t++)
		start_op(p, VSCMI_OP_CLOCK_RATE, 1, 10000000 + t * 1000000, t);
	ck_assert_int_eq(vscmi_platform_start(p, &op, on_done, &dtags[0]), -EBUSY);
	/* The first is cancelled: all but it come back. */
	vscmi_platform_cancel(p, &dtags[0]);
	PUMP_UNTIL(p, dlog.n == VSCMI_RAW_INFLIGHT_MAX - 1, 3000);
	for (int i = 0; i < dlog.n; i++) {
		ck_assert_int_ne(dlog.tag[i], 0);
		ck_assert_int_eq(dlog.result[i], 0);
	}
	rfs("delay 0");
	/* The cancelled one's reply is in by the time the last is. */
	start_op(p, VSCMI_OP_CLOCK_RATE, 1, 90000000, VSCMI_RAW_INFLIGHT_MAX);
	PUMP_UNTIL(p, dlog.n == VSCMI_RAW_INFLIGHT_MAX, 3000);
	ck_assert_int_eq(dlog.tag[VSCMI_RAW_INFLIGHT_MAX - 1], VSCMI_RAW_INFLIGHT_MAX);
	expect_stats(p, 0, 0);
	ck_assert_int_eq(rfs("state clock-rate 1"), 90000000);
	close_raw(p, cfg);
}
END_TEST

/* The driver unbinds with commands in flight: they end with -ECOMM from
 * dispatch, new ones fail at once, and after the link is back they work. */
START_TEST(test_async_link_loss)
{
	struct vscmi_config *cfg = load("");
	struct vscmi_platform *p = open_raw(cfg);
	struct vscmi_op op = { .type = VSCMI_OP_CLOCK_ENABLE, .id = 1, .val = 1 };
	int fd = vscmi_platform_fd(p);
	char err[512] = "";

	memset(link_changes, 0, sizeof(link_changes));
	vscmi_raw_set_link_cb(p, on_link, NULL);
	rfs("delay 500");
	start_op(p, VSCMI_OP_CLOCK_ENABLE, 1, 1, 1);
	start_op(p, VSCMI_OP_POWER_STATE, 0, 0, 2);
	rfs("down");
	PUMP_UNTIL(p, dlog.n == 2, 3000);
	ck_assert_int_eq(dlog.result[0], -ECOMM);
	ck_assert_int_eq(dlog.result[1], -ECOMM);
	ck_assert(!vscmi_raw_up(p));
	ck_assert_int_eq(link_changes[0], 1);
	ck_assert_int_eq(vscmi_platform_start(p, &op, on_done, &dtags[0]), -ECOMM);
	rfs("up");
	rfs("delay 0");
	ck_assert_int_eq(vscmi_raw_reconnect(p, err, sizeof(err)), -EINPROGRESS);
	PUMP_UNTIL(p, vscmi_raw_up(p), 3000);
	/* The same fd, the embedder need not watch another. */
	ck_assert_int_eq(vscmi_platform_fd(p), fd);
	start_op(p, VSCMI_OP_CLOCK_ENABLE, 1, 1, 3);
	PUMP_UNTIL(p, dlog.n == 3, 3000);
	ck_assert_int_eq(dlog.result[2], 0);
	ck_assert_int_eq(rfs("state clock-enable 1"), 1);
	close_raw(p, cfg);
}
END_TEST

/* --- vscmid itself ------------------------------------------------------------ */

/* uevent_fd >= 0: passed to vscmid as systemd passes the fd named
 * "uevent" (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES; the fd at 3). */
struct vscmid_child {
	int close_fd;		/* the parent's end of the stderr pipe */
	int uevent_fd;
};

static void vscmid_child_fds(void *ctx)
{
	struct vscmid_child *c = ctx;

	close(c->close_fd);
	if (c->uevent_fd >= 0) {
		char me[32];

		if (c->uevent_fd != 3 && dup2(c->uevent_fd, 3) < 0)
			_exit(126);
		snprintf(me, sizeof(me), "%d", (int)getpid());
		setenv("LISTEN_FDS", "1", 1);
		setenv("LISTEN_PID", me, 1);
		setenv("LISTEN_FDNAMES", "uevent", 1);
	}
}

static pid_t vscmid_start_fds(const char *extra, int *errfd, int uevent_fd)
{
	char conf[128];
	int pipefd[2];
	struct vscmid_child child = { .uevent_fd = uevent_fd };
	struct td_spawn sp = { .exe = getenv("VSCMID"), .conf = conf, .child = vscmid_child_fds,
			       .ctx = &child };
	pid_t pid;

	ck_assert_msg(sp.exe, "VSCMID must be set");
	vscmi_config_free(load(extra));
	snprintf(conf, sizeof(conf), "%s/vscmid.conf", dir);
	ck_assert_int_eq(pipe(pipefd), 0);
	child.close_fd = pipefd[0];
	sp.out_fd = pipefd[1];
	pid = td_spawn(&sp);
	ck_assert_int_gt(pid, 0);
	close(pipefd[1]);
	*errfd = pipefd[0];
	return pid;
}

static pid_t vscmid_start(const char *extra, int *errfd)
{
	return vscmid_start_fds(extra, errfd, -1);
}

static int agent_connect(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", dir, name);
	for (int i = 0; i < 100; i++) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		usleep(50 * 1000);
	}
	ck_abort_msg("cannot connect to %s", sa.sun_path);
	return -1;
}

/* vscmid, waiting up to 10 s on the firmware, whose next reply is held
 * until released (so no timeout comes first), with cam and disp connected. */
static pid_t vscmid_start_held(int *errfd, int *cam, int *disp)
{
	pid_t pid;

	conf_timeout_ms = 10000;
	pid = vscmid_start("", errfd);
	*cam = agent_connect("cam");
	*disp = agent_connect("disp");
	rfs("hold-next");
	return pid;
}

/* Sends one command with this token. */
static void agent_send(int fd, uint8_t proto, uint8_t msg, uint32_t token, int n,
		       const uint32_t *w)
{
	uint8_t b[64];

	vscmi_put_le32(b, SCMI_HDR(msg, 0, proto, token));
	for (int i = 0; i < n; i++)
		vscmi_put_le32(b + 4 + 4 * i, w[i]);
	ck_assert_int_eq(send(fd, b, 4 + 4 * (size_t)n, 0), 4 + 4 * n);
}

/* One command; returns the status of its reply. */
static int32_t agent_cmd(int fd, uint8_t proto, uint8_t msg, int n, const uint32_t *w)
{
	uint8_t b[64];
	ssize_t r;

	agent_send(fd, proto, msg, 5, n, w);
	/* Notifications may come first; the reply has type 0. */
	for (int i = 0; i < 16; i++) {
		r = recv(fd, b, sizeof(b), 0);
		ck_assert_int_ge(r, 8);
		if (SCMI_HDR_TYPE(vscmi_get_le32(b)) == 0)
			return (int32_t)vscmi_get_le32(b + 4);
	}
	ck_abort_msg("no reply");
	return 0;
}

/* The next message of the type on fd (the others skipped): its status, its
 * token in *token, and the n words after the status in w (0 past its end).
 * A failure if none comes. */
static int32_t agent_next(int fd, uint32_t type, uint32_t *token, uint32_t *w, int n,
			  const char *what)
{
	uint8_t b[64];

	for (int i = 0; i < 16; i++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		ck_assert_msg(poll(&pfd, 1, 5000) == 1, "no %s from vscmid", what);
		r = recv(fd, b, sizeof(b), 0);
		ck_assert_int_ge(r, 8);
		if (SCMI_HDR_TYPE(vscmi_get_le32(b)) != type)
			continue;
		*token = SCMI_HDR_TOKEN(vscmi_get_le32(b));
		for (int k = 0; k < n; k++)
			w[k] = r >= 12 + 4 * k ? vscmi_get_le32(b + 8 + 4 * k) : 0;
		return (int32_t)vscmi_get_le32(b + 4);
	}
	ck_abort_msg("no %s", what);
	return 0;
}

/* The next reply (notifications skipped): its status, its token in *token,
 * its first return value in *ret if any. A failure if none comes. */
static int32_t agent_reply(int fd, uint32_t *token, uint32_t *ret)
{
	return agent_next(fd, SCMI_TYPE_COMMAND, token, ret, ret ? 1 : 0, "reply");
}

/* Nothing but notifications waits on fd now. */
static bool agent_no_reply_yet(int fd)
{
	uint8_t b[64];

	for (int i = 0; i < 16; i++) {
		ssize_t r = recv(fd, b, sizeof(b), MSG_DONTWAIT);

		if (r < 0 && errno == EAGAIN)
			return true;
		ck_assert_int_ge(r, 4);
		if (SCMI_HDR_TYPE(vscmi_get_le32(b)) == 0)
			return false;
	}
	return false;
}

/* A number from vscmid's status (vscmictl status): "key": N. */
static long long daemon_status(const char *key)
{
	static const char req[] = "{\"version\": 1, \"command\": \"status\"}";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	char *out = malloc(VSCMI_CONTROL_REPLY_MAX + 1), needle[64], *at;
	long long v = -1;
	ssize_t n;

	ck_assert(out);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control", dir);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(send(fd, req, sizeof(req) - 1, 0), (ssize_t)sizeof(req) - 1);
	n = recv(fd, out, VSCMI_CONTROL_REPLY_MAX, 0);
	ck_assert_int_gt(n, 0);
	out[n] = '\0';
	snprintf(needle, sizeof(needle), "\"%s\"", key);
	at = strstr(out, needle);
	ck_assert_msg(at, "no %s in %s", key, out);
	at += strlen(needle);
	while (*at == ' ' || *at == ':')
		at++;
	v = strtoll(at, NULL, 10);
	free(out);
	close(fd);
	return v;
}

/* Up to tries times, 100 ms apart: does the firmware's state query q
 * answer want? */
static bool rfs_wait(const char *q, int want, int tries)
{
	for (int i = 0; i < tries; i++) {
		usleep(100 * 1000);
		if (rfs("%s", q) == want)
			return true;
	}
	return false;
}

/* What "vscmictl status" prints for a person. */
static void ctl_status_text(char *out, size_t cap)
{
	const char *ctl_path = getenv("VSCMICTL");
	char cmd[512];
	size_t len = 0, n;
	FILE *p;

	ck_assert_msg(ctl_path, "VSCMICTL must be set");
	snprintf(cmd, sizeof(cmd), "%s --socket %s/control status", ctl_path, dir);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	while (len < cap - 1 && (n = fread(out + len, 1, cap - 1 - len, p)) > 0)
		len += n;
	out[len] = '\0';
	ck_assert_int_eq(pclose(p), 0);
}

/* The agents' sockets answer; if vscmid exited instead, a failure with
 * what it said. */
static void vscmid_wait_up(pid_t pid, int errfd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char log[8192];
	size_t len = 0;
	ssize_t n;
	int st;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/cam.sock", dir);
	for (int i = 0; i < 200; i++) {
		int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		bool up = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;

		close(fd);
		if (up)
			return;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			while (len < sizeof(log) - 1 &&
			       (n = read(errfd, log + len, sizeof(log) - 1 - len)) > 0)
				len += (size_t)n;
			log[len] = '\0';
			ck_abort_msg("vscmid exited before serving:\n%s", log);
		}
		usleep(50 * 1000);
	}
	ck_abort_msg("vscmid did not come up");
}

static void vscmid_stop(pid_t pid, int errfd)
{
	int st = td_stop(pid);

	ck_assert(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(errfd);
}

/* While the firmware takes its time over agent cam's clock change, every
 * command that needs no firmware is answered: the other agent's, and cam's
 * own on other resources. The change's reply comes when the firmware's
 * does, with its token. */
START_TEST(test_vscmid_slow_firmware_stalls_nobody)
{
	uint32_t on[3] = { 0, 1, 0 }, zero = 0, token = 0, ret = 0;
	int errfd, cam, disp;
	pid_t pid;

	/* The firmware's reply is held until released, so no timeout may
	 * come first: the order below does not hang on how fast this runs. */
	pid = vscmid_start_held(&errfd, &cam, &disp);
	/* clock 0 of agent cam is physical clock 1; its parent goes on first */
	agent_send(cam, 0x14, 0x7, 5, 3, on);
	agent_send(cam, 0x11, 0x3, 6, 1, &zero);	/* POWER_DOMAIN_ATTRIBUTES */
	agent_send(cam, 0x11, 0x5, 7, 1, &zero);	/* POWER_STATE_GET */
	ck_assert_int_eq(agent_cmd(disp, 0x10, 0x0, 0, NULL), SCMI_SUCCESS);
	ck_assert_int_eq(agent_cmd(disp, 0x10, 0x1, 0, NULL), SCMI_SUCCESS);
	ck_assert_int_eq(agent_cmd(disp, 0x14, 0x1, 0, NULL), SCMI_SUCCESS);
	ck_assert_int_eq(agent_cmd(disp, 0x14, 0x3, 1, &zero), SCMI_SUCCESS);
	ck_assert_int_eq(agent_reply(cam, &token, NULL), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 6);
	ck_assert_int_eq(agent_reply(cam, &token, &ret), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 7);
	ck_assert_uint_eq(ret, 0x40000000);	/* off: cam never voted */
	/* All of that was answered while the clock change waits. */
	ck_assert(agent_no_reply_yet(cam));
	ck_assert_int_eq(rfs("state clock-enable 1"), 0);
	rfs_wait_held();
	rfs("release");
	ck_assert_int_eq(agent_reply(cam, &token, NULL), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 5);
	ck_assert_int_eq(rfs("state clock-enable 0"), 1);
	ck_assert_int_eq(rfs("state clock-enable 1"), 1);
	ck_assert_int_eq(daemon_status("timeouts"), 0);
	close(cam);
	close(disp);
	vscmid_stop(pid, errfd);
}
END_TEST

/* Command after command through vscmid: discovery, the state read back and
 * each agent's change reach the firmware each as itself, none of them a
 * copy of the one before (the kernel's raw files resend the previous
 * message when written where a reply was read). */
START_TEST(test_vscmid_commands_in_a_row_reach_the_firmware)
{
	uint32_t on[3] = { 0, 1, 0 }, rate[4] = { 0, 0, 80000000, 0 };
	uint32_t pwr[3] = { 0, 0, 0 }, rst[3] = { 0, 0, 0 }, rd[2] = { 0, 0 };
	uint32_t token = 0, ret = 0;
	int errfd, cam;
	pid_t pid;

	pid = vscmid_start("", &errfd);
	vscmid_wait_up(pid, errfd);
	cam = agent_connect("cam");
	/* clock 0 of agent cam is physical clock 1; its parent goes on first */
	ck_assert_int_eq(agent_cmd(cam, 0x14, 0x7, 3, on), SCMI_SUCCESS);
	ck_assert_int_eq(agent_cmd(cam, 0x14, 0x5, 4, rate), SCMI_SUCCESS);
	ck_assert_int_eq(agent_cmd(cam, 0x11, 0x4, 3, pwr), SCMI_SUCCESS);
	ck_assert_int_eq(agent_cmd(cam, 0x16, 0x4, 3, rst), SCMI_SUCCESS);
	agent_send(cam, 0x15, 0x6, 9, 2, rd);
	ck_assert_int_eq(agent_reply(cam, &token, &ret), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 9);
	ck_assert_uint_eq(ret, 45000);
	ck_assert_int_eq(rfs("state clock-enable 0"), 1);
	ck_assert_int_eq(rfs("state clock-enable 1"), 1);
	ck_assert_int_eq(rfs("state clock-rate 1"), 80000000);
	ck_assert_int_eq(rfs("state power-state 0"), 0);
	ck_assert_int_eq(rfs("state reset-line 0"), 0);
	ck_assert_int_eq(rfs("repeats"), 0);
	ck_assert_int_eq(daemon_status("timeouts"), 0);
	close(cam);
	vscmid_stop(pid, errfd);
}
END_TEST

/* The next delayed response on fd (replies and notifications skipped): its
 * token, its status, and the words after it. */
static int32_t agent_dresp(int fd, uint32_t *token, uint32_t *w, int n)
{
	return agent_next(fd, SCMI_TYPE_DELAYED, token, w, n, "delayed response");
}

/* A privileged agent for SYSTEM_POWER_STATE_SET, with its socket in dir. */
static const char *root_agent(void)
{
	static char conf[256];

	snprintf(conf, sizeof(conf),
		 "[agent root]\nsocket = %s/root.sock\nprivileged = yes\nprotocols = base system\n",
		 dir);
	return conf;
}

/* A sensor reading, a reset pulse and a privileged system power change,
 * each held by the firmware: meanwhile the same agent's other commands and
 * the other agents' are answered; the reply (or, for the asynchronous
 * reading, the delayed response with the value) comes with the firmware's,
 * under the agent's token. */
START_TEST(test_vscmid_slow_reading_pulse_system_stall_nobody)
{
	uint32_t sync[2] = { 0, 0 }, async[2] = { 0, 1 }, pulse[3] = { 0, 1, 0 }, zero = 0;
	uint32_t off[2] = { 0, 0 }, token = 0, ret = 0, dw[3];
	int errfd, cam, disp, root;
	pid_t pid;

	conf_timeout_ms = 10000;
	pid = vscmid_start(root_agent(), &errfd);
	cam = agent_connect("cam");
	disp = agent_connect("disp");
	root = agent_connect("root");

	/* SENSOR_READING_GET, synchronous form. */
	rfs("hold-next");
	agent_send(cam, 0x15, 0x6, 11, 2, sync);
	agent_send(cam, 0x11, 0x5, 12, 1, &zero);	/* POWER_STATE_GET */
	ck_assert_int_eq(agent_cmd(disp, 0x14, 0x3, 1, &zero), SCMI_SUCCESS);
	ck_assert_int_eq(agent_cmd(root, 0x12, 0x4, 0, NULL), SCMI_SUCCESS);
	ck_assert_int_eq(agent_reply(cam, &token, NULL), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 12);
	ck_assert(agent_no_reply_yet(cam));
	rfs_wait_held();
	rfs("release");
	ck_assert_int_eq(agent_reply(cam, &token, &ret), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 11);
	ck_assert_uint_eq(ret, 45000);

	/* The asynchronous form: accepted now, the value in the delayed response. */
	rfs("hold-next");
	agent_send(cam, 0x15, 0x6, 13, 2, async);
	ck_assert_int_eq(agent_reply(cam, &token, NULL), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 13);
	ck_assert_int_eq(agent_cmd(disp, 0x14, 0x3, 1, &zero), SCMI_SUCCESS);
	rfs_wait_held();
	rfs("release");
	ck_assert_int_eq(agent_dresp(cam, &token, dw, 3), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 13);
	ck_assert_uint_eq(dw[0], 0);		/* cam's sensor 0 */
	ck_assert_uint_eq(dw[1], 45000);

	/* RESET, autonomous: the firmware pulses the line when it answers. */
	rfs("hold-next");
	agent_send(cam, 0x16, 0x4, 14, 3, pulse);
	agent_send(cam, 0x11, 0x5, 15, 1, &zero);
	ck_assert_int_eq(agent_cmd(disp, 0x14, 0x3, 1, &zero), SCMI_SUCCESS);
	ck_assert_int_eq(agent_reply(cam, &token, NULL), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 15);
	ck_assert(agent_no_reply_yet(cam));
	/* (The test firmware acts on the command at once; only its reply is held.) */
	rfs_wait_held();
	rfs("release");
	ck_assert_int_eq(agent_reply(cam, &token, NULL), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 14);
	ck_assert_int_eq(rfs("count reset-pulse 0"), 1);

	/* SYSTEM_POWER_STATE_SET of the privileged agent, forwarded. */
	rfs("hold-next");
	agent_send(root, 0x12, 0x3, 16, 2, off);
	ck_assert_int_eq(agent_cmd(cam, 0x11, 0x5, 1, &zero), SCMI_SUCCESS);
	ck_assert_int_eq(agent_cmd(disp, 0x14, 0x3, 1, &zero), SCMI_SUCCESS);
	ck_assert(agent_no_reply_yet(root));
	rfs_wait_held();
	rfs("release");
	ck_assert_int_eq(agent_reply(root, &token, NULL), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 16);
	ck_assert_int_eq(rfs("count system-power 0"), 1);
	ck_assert_int_eq(daemon_status("timeouts"), 0);
	close(cam);
	close(disp);
	close(root);
	vscmid_stop(pid, errfd);
}
END_TEST

/* A reading the firmware answers too late is COMMS_ERROR; a channel that
 * goes away with a reading pending loses that reply only, and the daemon
 * carries on. */
START_TEST(test_vscmid_reading_timeout_and_disconnect)
{
	uint32_t sync[2] = { 0, 0 }, zero = 0, token = 0, ret = 0;
	int errfd, cam, disp;
	pid_t pid = vscmid_start("", &errfd);

	cam = agent_connect("cam");
	disp = agent_connect("disp");
	/* 450 ms: after vscmid's 300, before the kernel's 1000 */
	rfs("delay-next 450");
	agent_send(cam, 0x15, 0x6, 21, 2, sync);
	ck_assert_int_eq(agent_cmd(disp, 0x14, 0x3, 1, &zero), SCMI_SUCCESS);
	ck_assert_int_eq(agent_reply(cam, &token, NULL), SCMI_COMMS_ERROR);
	ck_assert_uint_eq(token, 21);
	ck_assert_int_eq(daemon_status("timeouts"), 1);

	rfs("hold-next");
	agent_send(cam, 0x15, 0x6, 22, 2, sync);
	ck_assert_int_eq(agent_cmd(disp, 0x14, 0x3, 1, &zero), SCMI_SUCCESS);
	close(cam);
	cam = agent_connect("cam");
	rfs_wait_held();
	rfs("release");
	/* The new channel gets answers to its own commands only. */
	agent_send(cam, 0x15, 0x6, 23, 2, sync);
	ck_assert_int_eq(agent_reply(cam, &token, &ret), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 23);
	ck_assert_uint_eq(ret, 45000);
	ck_assert(agent_no_reply_yet(cam));
	ck_assert_int_eq(agent_cmd(disp, 0x14, 0x3, 1, &zero), SCMI_SUCCESS);
	close(cam);
	close(disp);
	vscmid_stop(pid, errfd);
}
END_TEST

/* A firmware that does not answer within upstream_timeout_ms: the agent
 * gets COMMS_ERROR, its vote is rolled back, the late reply is dropped and
 * counted, and the daemon goes on serving. */
START_TEST(test_vscmid_timeout_is_an_error)
{
	uint32_t set_on[3] = { 0, 0, 0 }, zero = 0, token = 0, ret = 0;
	int errfd, cam, disp;
	pid_t pid = vscmid_start("", &errfd);
	bool counted = false;

	cam = agent_connect("cam");
	disp = agent_connect("disp");
	/* 450 ms: after vscmid's 300, before the kernel's 1000 */
	rfs("delay-next 450");
	agent_send(cam, 0x11, 0x4, 9, 3, set_on);	/* POWER_STATE_SET isp on */
	ck_assert_int_eq(agent_reply(cam, &token, NULL), SCMI_COMMS_ERROR);
	ck_assert_uint_eq(token, 9);
	agent_send(cam, 0x11, 0x5, 10, 1, &zero);
	ck_assert_int_eq(agent_reply(cam, &token, &ret), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 10);
	ck_assert_uint_eq(ret, 0x40000000);
	ck_assert_int_eq(daemon_status("timeouts"), 1);
	for (int i = 0; i < 60 && !counted; i++) {
		counted = daemon_status("stale_replies") == 1;
		if (!counted)
			usleep(50 * 1000);
	}
	ck_assert_msg(counted, "the late reply was not seen and counted");
	ck_assert_int_eq(agent_cmd(disp, 0x10, 0x0, 0, NULL), SCMI_SUCCESS);
	/* The firmware answers again: the same change goes through. */
	agent_send(cam, 0x11, 0x4, 11, 3, set_on);
	ck_assert_int_eq(agent_reply(cam, &token, NULL), SCMI_SUCCESS);
	ck_assert_uint_eq(token, 11);
	ck_assert_int_eq(rfs("state power-state 0"), 0);
	close(cam);
	close(disp);
	vscmid_stop(pid, errfd);
}
END_TEST

/* The driver unbinds while a change waits for the firmware: the change
 * fails with COMMS_ERROR, the other agent is still served, and the link
 * comes back as ever. */
START_TEST(test_vscmid_link_lost_in_flight)
{
	uint32_t on[3] = { 0, 1, 0 }, token = 0;
	int errfd, cam, disp;
	pid_t pid;
	bool back = false;

	pid = vscmid_start_held(&errfd, &cam, &disp);
	agent_send(cam, 0x14, 0x7, 3, 3, on);
	ck_assert_int_eq(agent_cmd(disp, 0x10, 0x0, 0, NULL), SCMI_SUCCESS);
	ck_assert(agent_no_reply_yet(cam));
	rfs("down");
	ck_assert_int_eq(agent_reply(cam, &token, NULL), SCMI_COMMS_ERROR);
	ck_assert_uint_eq(token, 3);
	ck_assert_int_eq(agent_cmd(disp, 0x10, 0x1, 0, NULL), SCMI_SUCCESS);
	ck_assert_int_eq(agent_cmd(cam, 0x14, 0x7, 3, on), SCMI_COMMS_ERROR);
	rfs("up");
	for (int i = 0; i < 40 && !back; i++) {
		usleep(100 * 1000);
		back = agent_cmd(cam, 0x14, 0x7, 3, on) == SCMI_SUCCESS;
	}
	ck_assert_msg(back, "the link did not come back");
	ck_assert_int_eq(rfs("state clock-enable 1"), 1);
	ck_assert_int_eq(daemon_status("link_losses"), 1);
	close(cam);
	close(disp);
	vscmid_stop(pid, errfd);
}
END_TEST

START_TEST(test_vscmid_link_lost_and_back)
{
	int errfd, st;
	pid_t pid = vscmid_start("", &errfd);
	int cam = agent_connect("cam");
	uint32_t on[3] = { 0, 1, 0 }, rate[4] = { 0, 0, 80000000, 0 };
	char text[4096];

	/* clock 0 of agent cam is physical clock 1 */
	ck_assert_int_eq(agent_cmd(cam, 0x14, 0x7, 3, on), SCMI_SUCCESS);
	ck_assert_int_eq(rfs("state clock-enable 1"), 1);
	rfs("down");
	ck_assert_int_eq(agent_cmd(cam, 0x14, 0x5, 4, rate), SCMI_COMMS_ERROR);
	ck_assert_int_eq(agent_cmd(cam, 0x14, 0x5, 4, rate), SCMI_COMMS_ERROR);
	/* an operator sees the loss */
	ctl_status_text(text, sizeof(text));
	ck_assert_msg(strstr(text, "platform linux-raw: link down,") &&
			      strstr(text, ", 1 link losses"),
		      "%s", text);
	/* Back with a restarted firmware: vscmid retries each second and sets
	 * the firmware to the votes again. */
	rfs("up");
	ck_assert_msg(rfs_wait("state clock-enable 1", 1, 40),
		      "vscmid did not set the firmware again after the link came back");
	ctl_status_text(text, sizeof(text));
	ck_assert_msg(strstr(text, "platform linux-raw: link up,"), "%s", text);
	ck_assert_int_eq(rfs("state clock-enable 0"), 1);
	ck_assert_int_eq(agent_cmd(cam, 0x14, 0x5, 4, rate), SCMI_SUCCESS);
	ck_assert_int_eq(rfs("state clock-rate 1"), 80000000);
	close(cam);
	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(errfd);
}
END_TEST

/* One uevent as the kernel words it: "ACTION@DEVPATH", then KEY=VALUE
 * strings, each NUL-terminated. */
static void uevent_send(int fd, const char *action, const char *devpath, const char *driver)
{
	char msg[512];
	int n = snprintf(msg, sizeof(msg), "%s@%s%cACTION=%s%cDEVPATH=%s%cSUBSYSTEM=platform%c",
			 action, devpath, 0, action, 0, devpath, 0, 0);

	if (driver)
		n += snprintf(msg + n, sizeof(msg) - (size_t)n, "DRIVER=%s%c", driver, 0);
	n += snprintf(msg + n, sizeof(msg) - (size_t)n, "SEQNUM=%d%c", 4242, 0);
	ck_assert_int_eq(send(fd, msg, (size_t)n, 0), n);
}

/* The kernel's word on the SCMI driver, through the socket a service
 * manager passes (a socket unit with ListenNetlink=kobject-uevent 1): an
 * unbind takes the link down at once, though the files still answer; the
 * bind brings it back and the firmware is set to the votes again, without
 * waiting for the retry. */
START_TEST(test_vscmid_link_follows_passed_uevents)
{
	static const char dev[] = "/devices/platform/firmware:scmi";
	int sv[2], errfd, cam, st;
	uint32_t on[3] = { 0, 1, 0 }, rate[4] = { 0, 0, 80000000, 0 };
	char text[4096];
	pid_t pid;
	bool down = false;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	pid = vscmid_start_fds("", &errfd, sv[1]);
	close(sv[1]);
	cam = agent_connect("cam");
	ck_assert_int_eq(agent_cmd(cam, 0x14, 0x7, 3, on), SCMI_SUCCESS);
	ck_assert_int_eq(rfs("state clock-enable 1"), 1);
	/* other drivers, and devices never seen bound to arm-scmi, are nothing */
	uevent_send(sv[0], "bind", "/devices/platform/serial8250", "serial8250");
	uevent_send(sv[0], "unbind", dev, NULL);
	usleep(200 * 1000);
	ctl_status_text(text, sizeof(text));
	ck_assert_msg(strstr(text, "link up,"), "%s", text);
	/* bound, then unbound: the link is down, commands fail plainly */
	uevent_send(sv[0], "bind", dev, "arm-scmi");
	uevent_send(sv[0], "unbind", dev, NULL);
	for (int i = 0; i < 20 && !down; i++) {
		usleep(50 * 1000);
		ctl_status_text(text, sizeof(text));
		down = strstr(text, "link down,") != NULL;
	}
	ck_assert_msg(down, "vscmid did not take the unbind: %s", text);
	ck_assert_int_eq(agent_cmd(cam, 0x14, 0x5, 4, rate), SCMI_COMMS_ERROR);
	/* a restarted firmware forgot the clock; the bind brings it back */
	rfs("down");
	rfs("up");
	ck_assert_int_eq(rfs("state clock-enable 1"), 0);
	uevent_send(sv[0], "bind", dev, "arm-scmi");
	ck_assert_msg(rfs_wait("state clock-enable 1", 1, 6),
		      "the bind did not bring the link back within 600 ms");
	ctl_status_text(text, sizeof(text));
	ck_assert_msg(strstr(text, "link up,"), "%s", text);
	close(cam);
	close(sv[0]);
	kill(pid, SIGTERM);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* it was the uevents, not the retry: the log says so */
	{
		static char log[65536];
		size_t len = 0;
		ssize_t n;
		int bound = 0;
		const char *at = log;

		while (len < sizeof(log) - 1 &&
		       (n = read(errfd, log + len, sizeof(log) - 1 - len)) > 0)
			len += (size_t)n;
		log[len] = '\0';
		ck_assert_msg(strstr(log, "kernel uevents from the socket the service manager passed"),
			      "%s", log);
		while ((at = strstr(at, "uevent: SCMI device bound"))) {
			bound++;
			at++;
		}
		ck_assert_msg(bound == 2 && strstr(log, "uevent: SCMI device unbound"), "%s", log);
	}
	close(errfd);
}
END_TEST

START_TEST(test_vscmid_refuses_to_start)
{
	char out[4096] = "";
	size_t len = 0;
	ssize_t n;
	int errfd, st;
	pid_t pid = vscmid_start("[clock many]\nid = 2\nrates = 10M 25M\npolicy = max\n"
				 "rate = 10M\n",
				 &errfd);

	while (len < sizeof(out) - 1 && (n = read(errfd, out + len, sizeof(out) - 1 - len)) > 0)
		len += (size_t)n;
	out[len] = '\0';
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0);
	ck_assert_msg(strstr(out, "linux-raw platform: [clock many]: rate 25000000 Hz, but the "
				  "firmware's clock 2 (fw_many) has 10000000, 20000000"),
		      "%s", out);
	close(errfd);
}
END_TEST

static Suite *rawlink_suite(void)
{
	Suite *s = suite_create("rawlink");
	TCase *tc = tcase_create("rawfs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_rawfs_file_position_is_the_kernels);
	tcase_add_test(tc, test_commands_reach_the_firmware);
	tcase_add_test(tc, test_powercap_reaches_the_firmware);
	tcase_add_test(tc, test_pin_settings_reach_the_firmware);
	tcase_add_test(tc, test_read_asks_the_firmware_its_state);
	tcase_add_test(tc, test_malformed_firmware_reply_is_a_comms_error);
	tcase_add_test(tc, test_discovery_refuses_what_the_firmware_lacks);
	tcase_add_test(tc, test_discovery_reads_multipart_replies);
	tcase_add_test(tc, test_timeout_then_late_reply_is_dropped);
	tcase_add_test(tc, test_delayed_responses_out_of_order);
	tcase_add_test(tc, test_notifications_become_events);
	tcase_add_test(tc, test_link_loss_and_resync);
	tcase_add_test(tc, test_async_out_of_order);
	tcase_add_test(tc, test_sync_call_hands_over_other_replies);
	tcase_add_test(tc, test_async_timeout_then_late_reply);
	tcase_add_test(tc, test_async_cap_and_cancel);
	tcase_add_test(tc, test_async_link_loss);
	tcase_add_test(tc, test_rediscovery_never_waits);
	tcase_add_test(tc, test_vscmid_link_lost_and_back);
	tcase_add_test(tc, test_vscmid_link_follows_passed_uevents);
	tcase_add_test(tc, test_vscmid_refuses_to_start);
	tcase_add_test(tc, test_vscmid_commands_in_a_row_reach_the_firmware);
	tcase_add_test(tc, test_vscmid_slow_firmware_stalls_nobody);
	tcase_add_test(tc, test_vscmid_timeout_is_an_error);
	tcase_add_test(tc, test_vscmid_slow_reading_pulse_system_stall_nobody);
	tcase_add_test(tc, test_vscmid_reading_timeout_and_disconnect);
	tcase_add_test(tc, test_vscmid_link_lost_in_flight);
	suite_add_tcase(s, tc);
	tc = tcase_create("channel");
	tcase_add_checked_fixture(tc, setup_channel, teardown);
	tcase_add_test(tc, test_channel);
	suite_add_tcase(s, tc);
	tc = tcase_create("uevent");
	tcase_add_test(tc, test_uevents);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rawlink_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
