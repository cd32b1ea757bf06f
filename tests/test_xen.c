/* SPDX-License-Identifier: GPL-2.0-only */
/* The Xen path end to end: the real vscmid (its src/xen code linked against
 * the simulated hypervisor), a real xenstored, and simulated Linux guests
 * whose vCPUs reach their virtio-scmi device through IOREQ slots, event
 * channels, grants or foreign pages, and SPIs. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/virtio_mmio.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "harness.h"
#include "sim/guest.h"
#include "support/daemon.h"
#include "vscmi/buf.h"
#include "vscmi/scmi.h"
#include "vscmi/virtio.h"

#define BASE0 0x02000000ull
#define SPI0 33
#define GREF0 16		/* first grant reference of a guest's RAM */
#define GRANTED_PAGES 256	/* what the simulated driver uses of RAM */
#define WAIT_MS 5000

enum { CAMERA = 1, DISPLAY = 2, IVI = 3, RT = 7, STRANGER = 9 };

static const char conf_text[] =
	"[daemon]\n"
	"platform = emulated\n"
	"[clock pll]\nid = 0\nrates = 1188M\npolicy = fixed\nrate = 1188M\n"
	"[clock cam_pix]\nid = 1\nparent = pll\nrange = 25M 200M 1M\n"
	"[clock disp_pix]\nid = 2\nparent = pll\nrange = 25M 200M 1M\n"
	"[clock rt_clk]\nid = 3\nrates = 100M\n"
	"[clock ivi_pix]\nid = 4\nparent = pll\nrange = 25M 200M 1M\n"
	"[power isp]\nid = 0\n"
	"[reset rst_bus]\nid = 0\n"
	"[agent camera]\ndomain = camera\nsocket = none\nclocks = cam_pix:pixel\npower = isp\n"
	"resets = rst_bus\n"
	"[agent display]\ndomid = 2\nsocket = none\nclocks = disp_pix:pixel\npower = isp\n"
	"resets = rst_bus\n"
	"[agent ivi]\ndomain = ivi\nsocket = none\nclocks = ivi_pix:pixel\npower = isp\n"
	"resets = rst_bus\n"
	"[agent rt]\ndomid = 7\nsocket = none\ndom0less = yes\nmmio_base = 0x02000000\n"
	"irq = 33\ngrant_usage = no\nclocks = rt_clk\n"
	"[agent ops]\nprivileged = yes\nprotocols = base system\n";

static struct sim *sim;
static struct sim_xenstored *xsd;
static struct xs_handle *xs;
static char dir[256];
static pid_t daemon_pid = -1;

struct guest {
	uint32_t domid;
	uint64_t base;
	bool grants;
	bool readonly_requests;
	struct sim_guest g;
	int mmio_failures;
};

static uint32_t g_mmio_read(void *ctx, uint64_t off, unsigned int size)
{
	struct guest *gu = ctx;
	uint64_t v = 0;
	int r = sim_mmio(sim, gu->domid, 0, gu->base + off, size, false, &v, WAIT_MS);

	if (r != SIM_IO_OK)
		gu->mmio_failures++;
	return (uint32_t)v;
}

static void g_mmio_write(void *ctx, uint64_t off, unsigned int size, uint32_t val)
{
	struct guest *gu = ctx;
	uint64_t v = val;

	if (sim_mmio(sim, gu->domid, 0, gu->base + off, size, true, &v, WAIT_MS) != SIM_IO_OK)
		gu->mmio_failures++;
}

/* Linux's grant-dma-ops: consecutive grefs for consecutive pages. */
static uint64_t g_dma(void *ctx, uint64_t gpa)
{
	struct guest *gu = ctx;
	uint64_t page = (gpa - SIM_RAM0_BASE) >> 12;

	if (!gu->grants)
		return gpa;
	return sim_grant_addr((uint32_t)(GREF0 + page), (uint32_t)(gpa & 0xfff));
}

static void domain(uint32_t domid, const char *name)
{
	struct sim_domain_config c = {
		.domid = domid, .name = name, .vcpus = 2, .ram_mib = 4, .nr_spis = 16,
	};
	char path[64];

	uint64_t gfn;
	uint32_t port;

	ck_assert_int_eq(sim_domain_create(sim, &c), 0);
	/* introduced to xenstored as libxl does: its death fires @releaseDomain */
	ck_assert_int_eq(sim_xenstore_prepare_guest(sim, domid, &gfn, &port), 0);
	ck_assert(xs_introduce_domain(xs, domid, gfn, port));
	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	ck_assert(xs_write(xs, XBT_NULL, path, name, (unsigned int)strlen(name)));
}

static void guest_init(struct guest *gu, uint32_t domid, bool grants)
{
	struct sim_guest_ops ops = { g_mmio_read, g_mmio_write, g_dma, gu };
	size_t size;
	void *ram = sim_ram(sim, domid, &size);

	memset(gu, 0, sizeof(*gu));
	gu->domid = domid;
	gu->base = BASE0;
	gu->grants = grants;
	ck_assert_ptr_nonnull(ram);
	ck_assert_int_eq(sim_guest_init(&gu->g, &ops, ram, SIM_RAM0_BASE, size), 0);
	if (grants)
		for (uint32_t p = 0; p < GRANTED_PAGES; p++)
			ck_assert_int_eq(sim_grant(sim, domid, GREF0 + p, sim_gfn(SIM_RAM0_BASE) + p,
						   0, false), 0);
}

static void xs_writef(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xs_writef(const char *path, const char *fmt, ...)
{
	char val[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	ck_assert_msg(xs_write(xs, XBT_NULL, path, val, (unsigned int)strlen(val)), "write %s", path);
}

static void be_path(char *buf, size_t cap, uint32_t domid, const char *key)
{
	snprintf(buf, cap, "/local/domain/0/backend/virtio/%u/0%s%s", domid, key ? "/" : "",
		 key ? key : "");
}

/* What libxl writes for virtio = [ "type=virtio,device20,transport=mmio,..." ],
 * the base as given. */
static void libxl_add_device_at(uint32_t domid, bool grants, const char *type, const char *base)
{
	char path[160];
	xs_transaction_t t = xs_transaction_start(xs);
	static const char *const keys[] = { "frontend", "frontend-id", "online", "state",
					     "irq", "base", "type", "transport", "grant_usage" };
	char vals[9][80];

	ck_assert(t != XBT_NULL);
	snprintf(vals[0], 80, "/local/domain/%u/device/virtio/0", domid);
	snprintf(vals[1], 80, "%u", domid);
	snprintf(vals[2], 80, "1");
	snprintf(vals[3], 80, "1");
	snprintf(vals[4], 80, "%u", SPI0);
	snprintf(vals[5], 80, "%s", base);
	snprintf(vals[6], 80, "%s", type);
	snprintf(vals[7], 80, "mmio");
	snprintf(vals[8], 80, "%d", grants);
	for (int i = 0; i < 9; i++) {
		be_path(path, sizeof(path), domid, keys[i]);
		ck_assert(xs_write(xs, t, path, vals[i], (unsigned int)strlen(vals[i])));
	}
	ck_assert(xs_transaction_end(xs, t, false));
}

static void libxl_add_device(uint32_t domid, bool grants, const char *type)
{
	char base[32];

	snprintf(base, sizeof(base), "%#llx", BASE0);
	libxl_add_device_at(domid, grants, type, base);
}

static int be_state(uint32_t domid)
{
	char path[160], *v;
	unsigned int len;
	int s;

	be_path(path, sizeof(path), domid, "state");
	v = xs_read(xs, XBT_NULL, path, &len);
	if (!v)
		return -1;
	s = atoi(v);
	free(v);
	return s;
}

/* Waits on a XenStore watch (no sleeping) for the backend state. */
static int wait_state(uint32_t domid, int want)
{
	char path[160];
	struct timespec t0, t1;
	int s = be_state(domid);

	be_path(path, sizeof(path), domid, "state");
	ck_assert(xs_watch(xs, path, "t"));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while ((s = be_state(domid)) != want) {
		struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };
		unsigned int n;
		char **w;
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= WAIT_MS || poll(&p, 1, (int)(WAIT_MS - ms)) <= 0)
			break;
		w = xs_read_watch(xs, &n);
		free(w);
	}
	xs_unwatch(xs, path, "t");
	return s;
}

static void child_without_simxen(void *ctx)
{
	unsetenv("SIMXEN_SOCKET");
}

static void start_daemon_with(const char *conf_body, bool with_env)
{
	char conf[300], log[300], ctl[300];
	struct td_spawn sp = { .exe = getenv("VSCMID_SIM"), .conf = conf, .runtime_dir = dir,
			       .verbose = true, .log = log, .out_fd = -1,
			       .child = with_env ? NULL : child_without_simxen };
	FILE *f;
	int r;

	snprintf(conf, sizeof(conf), "%s/vscmid.conf", dir);
	snprintf(log, sizeof(log), "%s/vscmid.log", dir);
	snprintf(ctl, sizeof(ctl), "%s/control", dir);
	f = fopen(conf, "w");
	ck_assert_ptr_nonnull(f);
	fputs(conf_body, f);
	fclose(f);
	ck_assert_msg(sp.exe, "VSCMID_SIM must be set");
	daemon_pid = td_spawn(&sp);
	ck_assert_int_gt(daemon_pid, 0);
	/* Ready when the control socket answers; a daemon that exited is the
	 * test's to look at (its log). */
	r = td_wait_control(ctl, daemon_pid, 5000, NULL);
	if (r == -ECHILD)
		daemon_pid = -1;
	else
		ck_assert_msg(r == 0, "vscmid did not come up");
}

static int stop_daemon(void)
{
	int st = td_stop(daemon_pid);

	if (st < 0)
		return -1;
	daemon_pid = -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* vscmid's log so far, NUL-terminated, into buf. */
static void log_read(char *buf, size_t cap)
{
	char path[300];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/vscmid.log", dir);
	f = fopen(path, "r");
	if (f) {
		n = fread(buf, 1, cap - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
}

static bool log_has(const char *needle)
{
	static char buf[65536];

	log_read(buf, sizeof(buf));
	return strstr(buf, needle) != NULL;
}

static int log_count(const char *needle)
{
	static char buf[65536];
	int c = 0;

	log_read(buf, sizeof(buf));
	for (const char *p = buf; (p = strstr(p, needle)); p++)
		c++;
	return c;
}

static bool log_wait(const char *needle)
{
	for (int i = 0; i < 250; i++) {
		if (log_has(needle))
			return true;
		usleep(20000);
	}
	return false;
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	ck_assert_int_eq(sim_start(&sim), 0);
	ck_assert_int_eq(sim_xenstored_start(sim, &xsd), 0);
	xs = xs_open(0);
	ck_assert_ptr_nonnull(xs);
	snprintf(dir, sizeof(dir), "%s/vscmi-xen-XXXXXX", tmp ? tmp : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	int st = stop_daemon();
	char cmd[300];

	if (xs)
		xs_close(xs);
	xs = NULL;
	sim_xenstored_stop(xsd);
	sim_stop(sim);
	/* a clean exit: no sanitizer report, no leak, no crash; the log stays
	 * for a look when it was not */
	ck_assert_msg(st == 0 || st == -1, "vscmid exited with %d; see %s/vscmid.log", st, dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* --- SCMI over the guest's device ----------------------------------------- */

static int32_t scmi(struct guest *gu, uint8_t proto, uint8_t msg, int n, const uint32_t *w,
		    uint8_t *resp, size_t *len)
{
	uint8_t req[64];
	size_t l;

	vscmi_put_le32(req, SCMI_HDR(msg, 0, proto, 7));
	for (int i = 0; i < n; i++)
		vscmi_put_le32(req + 4 + 4 * i, w[i]);
	ck_assert_int_eq(sim_guest_cmd(&gu->g, req, 4 + 4 * (size_t)n, resp, SIM_MSG_SIZE, &l), 0);
	ck_assert_uint_ge(l, 8);
	ck_assert_uint_eq(vscmi_get_le32(resp), vscmi_get_le32(req));
	if (len)
		*len = l;
	return (int32_t)vscmi_get_le32(resp + 4);
}

#define SCMI(gu, proto, msg, ...)                                                         \
	scmi(gu, proto, msg, sizeof((uint32_t[]){ 0, ##__VA_ARGS__ }) / 4 - 1,            \
	     (const uint32_t[]){ 0, ##__VA_ARGS__ } + 1, resp, &rlen)

/* The control socket's view of a physical clock: on, and who votes on. */
static struct json_object *control(const char *cmd)
{
	char path[300], buf[262144];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char req[128];
	ssize_t n;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(path, sizeof(path), "%s/control", dir);
	ck_assert_uint_lt(strlen(path), sizeof(sa.sun_path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	snprintf(req, sizeof(req), "{\"version\":1,\"command\":\"%s\"}", cmd);
	ck_assert_int_eq(send(fd, req, strlen(req), 0), (ssize_t)strlen(req));
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	return json_tokener_parse(buf);
}

static int64_t emu(uint32_t clock_id)
{
	/* The daemon's emulated platform, through the control socket. */
	struct json_object *o = control("resources"), *res, *clocks;
	int64_t on = -1;

	ck_assert(json_object_object_get_ex(o, "resources", &res) ||
		  json_object_object_get_ex(o, "kinds", &res));
	if (json_object_object_get_ex(res, "clock", &clocks)) {
		for (size_t i = 0; i < json_object_array_length(clocks); i++) {
			struct json_object *c = json_object_array_get_idx(clocks, i), *v, *st;

			if (json_object_object_get_ex(c, "id", &v) &&
			    json_object_get_int64(v) == clock_id &&
			    json_object_object_get_ex(c, "state", &st) &&
			    json_object_object_get_ex(st, "on", &v))
				on = json_object_get_boolean(v);
		}
	}
	json_object_put(o);
	return on;
}

/* Whether clock_id goes off within ms, looked at every 20 ms. */
static bool emu_off_within(uint32_t clock_id, int ms)
{
	for (int t = 0; t < ms; t += 20) {
		if (emu(clock_id) == 0)
			return true;
		usleep(20000);
	}
	return emu(clock_id) == 0;
}

/* The daemon started on conf_text with the camera alone, its device
 * connected and its driver probed. */
static void start_camera(struct guest *cam, bool grants)
{
	domain(CAMERA, "camera");
	start_daemon_with(conf_text, true);
	libxl_add_device(CAMERA, grants, "virtio,device20");
	ck_assert_int_eq(wait_state(CAMERA, 4), 4);
	guest_init(cam, CAMERA, grants);
	ck_assert_int_eq(sim_guest_probe(&cam->g, true), 0);
}

/* The daemon started on conf_text with camera and display, both devices
 * connected; neither driver has probed yet. */
static void start_camera_and_display(struct guest *cam, bool cam_grants, struct guest *disp,
				     bool disp_grants)
{
	domain(CAMERA, "camera");
	domain(DISPLAY, "display");
	start_daemon_with(conf_text, true);
	libxl_add_device(CAMERA, cam_grants, "virtio,device20");
	libxl_add_device(DISPLAY, disp_grants, "virtio,device20");
	ck_assert_int_eq(wait_state(CAMERA, 4), 4);
	ck_assert_int_eq(wait_state(DISPLAY, 4), 4);
	guest_init(cam, CAMERA, cam_grants);
	guest_init(disp, DISPLAY, disp_grants);
}

/* The daemon started on conf_text with the dom0less rt guest, its driver
 * probed without P2A. */
static void start_rt(struct guest *rt)
{
	domain(RT, "rt");
	start_daemon_with(conf_text, true);
	guest_init(rt, RT, false);
	ck_assert_int_eq(sim_guest_probe(&rt->g, false), 0);
}

/* --- tests ------------------------------------------------------------------ */

START_TEST(test_xenstore_guest_is_served_with_grants)
{
	struct guest cam;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;
	long spis;

	start_camera(&cam, true);
	ck_assert(cam.g.features & (1ull << 33));	/* ACCESS_PLATFORM with grants */
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_uint_eq(vscmi_get_le32(resp + 8), 0x20001);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_BASE, 0x3), 0);
	ck_assert_str_eq((char *)resp + 8, "vscmi");
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(emu(1), 1);
	ck_assert_int_eq(emu(0), 1);
	/* out of view */
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_CLOCK, 0x3, 1), SCMI_NOT_FOUND);
	spis = sim_spi_count(sim, CAMERA, SPI0);
	ck_assert_int_gt(spis, 0);
	ck_assert_int_eq(cam.mmio_failures, 0);
	/* the guest's buffers were never left mapped: it can revoke them */
	ck_assert_int_eq(sim_revoke(sim, CAMERA, GREF0 + 200), 0);
}
END_TEST

START_TEST(test_destroyed_guest_releases_votes_others_keep_theirs)
{
	struct guest cam, disp;
	struct sim_domain_info info;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;

	start_camera_and_display(&cam, true, &disp, false);
	ck_assert_int_eq(sim_guest_probe(&cam.g, true), 0);
	ck_assert_int_eq(sim_guest_probe(&disp.g, true), 0);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SCMI(&disp, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(emu(0), 1);

	/* The domain dies: @releaseDomain, no polling. */
	ck_assert_int_eq(sim_domain_destroy(sim, CAMERA), 0);
	ck_assert_int_eq(wait_state(CAMERA, 6), 6);
	ck_assert_int_eq(emu(1), 0);
	ck_assert_int_eq(emu(2), 1);
	ck_assert_int_eq(emu(0), 1);
	/* every mapping and IOREQ server of the dead domain is gone */
	ck_assert_int_eq(sim_domain_wait_gone(sim, CAMERA, WAIT_MS), 0);
	/* the display is undisturbed */
	ck_assert_int_eq(SCMI(&disp, SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(vscmi_get_le32(resp + 12), 1);
	ck_assert_int_eq(sim_domain_info(sim, DISPLAY, &info), 0);
	ck_assert_uint_eq(info.violations, 0);
	ck_assert_int_eq(disp.mmio_failures, 0);
}
END_TEST

/* Physical state by kind and platform ID, through the control socket. */
static int64_t phys(const char *kind, uint32_t id, const char *field)
{
	struct json_object *o = control("resources"), *res, *arr;
	int64_t val = -1;

	ck_assert(json_object_object_get_ex(o, "resources", &res));
	ck_assert(json_object_object_get_ex(res, kind, &arr));
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *c = json_object_array_get_idx(arr, i), *v, *st;

		if (json_object_object_get_ex(c, "id", &v) && json_object_get_int64(v) == id &&
		    json_object_object_get_ex(c, "state", &st) &&
		    json_object_object_get_ex(st, field, &v))
			val = json_type_boolean == json_object_get_type(v) ? json_object_get_boolean(v)
									  : json_object_get_int64(v);
	}
	json_object_put(o);
	return val;
}

/* A Linux guest's genpd: set, then read back and insist on it. */
static void power_on(struct guest *gu, uint32_t state)
{
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;

	ck_assert_int_eq(SCMI(gu, SCMI_PROTO_POWER, 0x4, 0, 0, state), 0);
	ck_assert_int_eq(SCMI(gu, SCMI_PROTO_POWER, 0x5, 0), 0);
	ck_assert_uint_eq(vscmi_get_le32(resp + 8), state);
}

START_TEST(test_three_guests_share_pll_power_domain_and_reset)
{
	struct guest g[3];
	static const uint32_t ids[3] = { CAMERA, DISPLAY, IVI };
	static const char *const names[3] = { "camera", "display", "ivi" };
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;

	for (int i = 0; i < 3; i++)
		domain(ids[i], names[i]);
	start_daemon_with(conf_text, true);
	for (int i = 0; i < 3; i++)
		libxl_add_device(ids[i], i != 1, "virtio,device20");
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(wait_state(ids[i], 4), 4);
		guest_init(&g[i], ids[i], i != 1);
		ck_assert_int_eq(sim_guest_probe(&g[i].g, true), 0);
		ck_assert_int_eq(SCMI(&g[i], SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
		power_on(&g[i], 0x0);
		ck_assert_int_eq(SCMI(&g[i], SCMI_PROTO_RESET, 0x4, 0, 0, 0), 0);
	}
	ck_assert_int_eq(phys("clock", 0, "on"), 1);
	ck_assert_int_eq(phys("reset", 0, "asserted"), 0);
	/* ivi powers its view off: the domain stays on for the others */
	power_on(&g[2], 0x40000000);
	ck_assert_int_eq(phys("power", 0, "value"), 0);

	/* display dies; camera and ivi keep what they hold */
	ck_assert_int_eq(sim_domain_destroy(sim, DISPLAY), 0);
	ck_assert_int_eq(wait_state(DISPLAY, 6), 6);
	ck_assert_int_eq(phys("clock", 2, "on"), 0);
	ck_assert_int_eq(phys("clock", 0, "on"), 1);
	ck_assert_int_eq(phys("power", 0, "value"), 0);
	ck_assert_int_eq(phys("reset", 0, "asserted"), 0);
	ck_assert_int_eq(SCMI(&g[0], SCMI_PROTO_POWER, 0x5, 0), 0);
	ck_assert_uint_eq(vscmi_get_le32(resp + 8), 0);
	ck_assert_int_eq(SCMI(&g[2], SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(vscmi_get_le32(resp + 12), 1);
	/* the last two let go: everything goes down, PLL last */
	for (int i = 0; i < 3; i += 2) {
		ck_assert_int_eq(SCMI(&g[i], SCMI_PROTO_CLOCK, 0x7, 0, 0, 0), 0);
		ck_assert_int_eq(SCMI(&g[i], SCMI_PROTO_RESET, 0x4, 0, 2, 0), 0);
	}
	power_on(&g[0], 0x40000000);
	ck_assert_int_eq(phys("clock", 0, "on"), 0);
	ck_assert_int_eq(phys("reset", 0, "asserted"), 1);
	ck_assert_int_eq(phys("power", 0, "value"), 0x40000000);
	for (int i = 0; i < 3; i += 2)
		ck_assert_int_eq(g[i].mmio_failures, 0);
}
END_TEST

static uint64_t xen_status(uint32_t domid, const char *field)
{
	struct json_object *o = control("status"), *xen;
	uint64_t val = UINT64_MAX;

	ck_assert(json_object_object_get_ex(o, "xen", &xen));
	for (size_t i = 0; i < json_object_array_length(xen); i++) {
		struct json_object *gj = json_object_array_get_idx(xen, i), *v;

		if (json_object_object_get_ex(gj, "domid", &v) && json_object_get_int64(v) == domid &&
		    json_object_object_get_ex(gj, field, &v))
			val = (uint64_t)json_object_get_int64(v);
	}
	json_object_put(o);
	return val;
}

START_TEST(test_notification_flood_is_contained)
{
	struct guest cam, disp;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;

	start_camera_and_display(&cam, true, &disp, false);
	cam.g.events = 4;	/* a guest that never re-posts its few buffers */
	ck_assert_int_eq(sim_guest_probe(&cam.g, true), 0);
	ck_assert_int_eq(sim_guest_probe(&disp.g, true), 0);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_CLOCK, 0x9, 0, 1), 0);
	for (uint32_t i = 0; i < 300; i++)
		ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_CLOCK, 0x5, 0, 0, 26000000 + 1000000 * (i % 100),
				      0), 0);
	ck_assert_uint_eq(xen_status(CAMERA, "events"), 4);
	ck_assert_uint_ge(xen_status(CAMERA, "events_dropped"), 290);
	/* the other guest is served as before */
	ck_assert_int_eq(SCMI(&disp, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SCMI(&disp, SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_int_eq(disp.mmio_failures, 0);
	ck_assert_int_eq(cam.mmio_failures, 0);
}
END_TEST

/* Entries under the backend directory whose names are not ids (as strtoul
 * would read them: "1x" and "01" for dom1, "x" for dom0) are named in the
 * log and left alone; the real device beside them is served. */
START_TEST(test_xenstore_entries_that_are_not_ids_are_ignored)
{
	static const char *const junk[] = { "1x", "01", "-1", "99999999999", "x" };
	struct guest cam;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;
	char path[160], want[200];

	domain(CAMERA, "camera");
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		snprintf(path, sizeof(path), "/local/domain/0/backend/virtio/%s/0/state", junk[i]);
		ck_assert(xs_write(xs, XBT_NULL, path, "1", 1));
	}
	ck_assert(xs_write(xs, XBT_NULL, "/local/domain/0/backend/virtio/1/zero/state", "1", 1));
	start_daemon_with(conf_text, true);
	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		snprintf(want, sizeof(want), "backend/virtio/%s: not a domain id; ignored", junk[i]);
		ck_assert_msg(log_wait(want), "no '%s' in %s/vscmid.log", want, dir);
	}
	ck_assert(log_wait("backend/virtio/1/zero: not a device id; ignored"));
	libxl_add_device(CAMERA, true, "virtio,device20");
	ck_assert_int_eq(wait_state(CAMERA, 4), 4);
	guest_init(&cam, CAMERA, true);
	ck_assert_int_eq(sim_guest_probe(&cam.g, true), 0);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_int_eq(cam.mmio_failures, 0);
}
END_TEST

/* A number is what toolstacks write: a blank or a sign before it is not
 * one (strtoull alone took " -1000" as a base near 2^64). */
START_TEST(test_xenstore_numbers_with_blanks_or_signs_are_refused)
{
	domain(CAMERA, "camera");
	start_daemon_with(conf_text, true);
	libxl_add_device_at(CAMERA, true, "virtio,device20", " -1000");
	ck_assert(log_wait("base, irq or frontend-id missing or malformed"));
	ck_assert_int_ne(be_state(CAMERA), 4);
}
END_TEST

/* --- a delayed response after its reply ------------------------------------ */

#define ORDER_N 1000

struct order_seen {
	unsigned int n;
	uint32_t hdr, status, clock, rate;
	unsigned int type;
	size_t len;
};

static void order_event(void *ctx, unsigned int type, const uint8_t *msg, size_t len)
{
	struct order_seen *o = ctx;

	o->n++;
	o->type = type;
	o->len = len;
	if (len >= 20) {
		o->hdr = vscmi_get_le32(msg);
		o->status = vscmi_get_le32(msg + 4);
		o->clock = vscmi_get_le32(msg + 8);
		o->rate = vscmi_get_le32(msg + 12);
	}
}

/* A driver that services the eventq before the cmdq (Linux on virtio-pci
 * does, in one interrupt) must never find a delayed response whose reply it
 * has not taken. Over IOREQ and the real event loop: each asynchronous rate
 * set's reply is taken, the eventq is looked at before the driver says so,
 * and the delayed response follows once it has. */
START_TEST(test_delayed_responses_follow_their_replies_over_xen)
{
	struct guest cam;
	struct sim_guest *g = &cam.g;
	struct json_object *o, *xen, *gj, *v;
	uint8_t req[20], resp[SIM_MSG_SIZE];
	unsigned int early = 0;

	domain(CAMERA, "camera");
	start_daemon_with(conf_text, true);
	libxl_add_device(CAMERA, true, "virtio,device20");
	ck_assert_int_eq(wait_state(CAMERA, 4), 4);
	guest_init(&cam, CAMERA, true);
	g->event_idx = true;
	g->events = 4;
	ck_assert_int_eq(sim_guest_probe(g, true), 0);
	for (unsigned int i = 0; i < ORDER_N; i++) {
		uint32_t token = i & 0x3ff, rate = (i & 1 ? 60 : 50) * 1000000u;
		uint16_t ev0 = sim_guest_used_idx(g, 1);
		struct order_seen seen = { 0 };
		size_t l;
		int waited = 0;

		vscmi_put_le32(req, SCMI_HDR(0x5, 0, SCMI_PROTO_CLOCK, token));
		vscmi_put_le32(req + 4, 1); /* asynchronous */
		vscmi_put_le32(req + 8, 0);
		vscmi_put_le32(req + 12, rate);
		vscmi_put_le32(req + 16, 0);
		ck_assert_int_eq(sim_guest_cmd(g, req, sizeof(req), resp, sizeof(resp), &l), 0);
		ck_assert_uint_eq(l, 8);
		ck_assert_uint_eq(vscmi_get_le32(resp + 4), 0);
		/* taken, not said: several IOREQs through the daemon's loop later,
		 * and now and then a while, nothing on the eventq, unless this
		 * process stalled past the cap (VIO_SCMI_HOLD_MAX_US), after
		 * which the daemon sends it anyway and counts it late */
		if (i % 100 == 0)
			usleep(5000);
		early += sim_guest_used_idx(g, 1) != ev0;
		sim_guest_set_used_event(g, 0, g->vq[0].last_used);
		while (sim_guest_used_idx(g, 1) == ev0 && waited < 1000000) {
			usleep(50);
			waited += 50;
		}
		sim_guest_ack(g);
		ck_assert_int_eq(sim_guest_events(g, order_event, &seen), 1);
		ck_assert_uint_eq(seen.type, SCMI_TYPE_DELAYED);
		ck_assert_uint_eq(seen.len, 20);
		ck_assert_uint_eq(SCMI_HDR_TOKEN(seen.hdr), token);
		ck_assert_uint_eq(SCMI_HDR_MSG(seen.hdr), 0x5);
		ck_assert_uint_eq(seen.status, 0);
		ck_assert_uint_eq(seen.clock, 0);
		ck_assert_uint_eq(seen.rate, rate);
	}
	ck_assert_int_eq(cam.mmio_failures, 0);
	o = control("status");
	ck_assert(json_object_object_get_ex(o, "xen", &xen));
	gj = json_object_array_get_idx(xen, 0);
	ck_assert(json_object_object_get_ex(gj, "event_idx", &v) && json_object_get_boolean(v));
	ck_assert(json_object_object_get_ex(gj, "delayed_held", &v));
	ck_assert_int_eq(json_object_get_int64(v), ORDER_N);
	ck_assert(json_object_object_get_ex(gj, "delayed_held_late", &v));
	ck_assert_msg(early <= json_object_get_int64(v) && json_object_get_int64(v) <= ORDER_N / 4,
		      "%u delayed responses before the driver took their replies, %lld sent at "
		      "the cap",
		      early, (long long)json_object_get_int64(v));
	json_object_put(o);
}
END_TEST

START_TEST(test_restarted_daemon_serves_connected_guests_again)
{
	struct guest cam;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;
	uint32_t magic = 0;

	domain(CAMERA, "camera");
	start_daemon_with(conf_text, true);
	libxl_add_device(CAMERA, true, "virtio,device20");
	ck_assert_int_eq(wait_state(CAMERA, 4), 4);
	ck_assert_int_eq(stop_daemon(), 0);
	ck_assert_int_eq(be_state(CAMERA), 4);
	start_daemon_with(conf_text, true);
	/* taken over: 2, then 4 again; the guest probes a fresh device */
	ck_assert_int_eq(sim_mmio_read32(sim, CAMERA, BASE0, &magic), SIM_IO_OK);
	ck_assert_uint_eq(magic, 0x74726976);
	ck_assert_int_eq(wait_state(CAMERA, 4), 4);
	guest_init(&cam, CAMERA, true);
	ck_assert_int_eq(sim_guest_probe(&cam.g, true), 0);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_BASE, 0x0), 0);
}
END_TEST

static uint64_t transitions(void)
{
	struct json_object *o = control("status"), *plat, *v;
	uint64_t n;

	ck_assert(json_object_object_get_ex(o, "platform", &plat) &&
		  json_object_object_get_ex(plat, "transitions", &v));
	n = json_object_get_uint64(v);
	json_object_put(o);
	return n;
}

static void kill9_daemon(void)
{
	int st;

	ck_assert_int_eq(kill(daemon_pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(daemon_pid, &st, 0), daemon_pid);
	daemon_pid = -1;
}

static void assert_one_clean_server(uint32_t domid)
{
	struct sim_domain_info info;

	ck_assert_int_eq(sim_domain_info(sim, domid, &info), 0);
	ck_assert_uint_eq(info.ioreq_servers, 1);
	ck_assert_uint_eq(info.ioreq_servers_enabled, 1);
	ck_assert_msg(info.violations == 0, "dom%u: %s", domid, info.last_text);
	ck_assert_uint_eq(info.blocked_vcpus, 0);
}

/* vscmid is killed while two guests (one through XenStore with grants, one
 * dom0less with foreign mapping) run with their clocks on. The restarted
 * daemon takes their IOREQ servers and devices back: an access a vCPU made
 * meanwhile is answered, neither driver notices (no re-probe), no clock
 * moves, and no second server is left behind. */
START_TEST(test_killed_daemon_hands_running_devices_over)
{
	struct guest cam, rt;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;
	uint64_t before, status = 0;
	int ticket;

	domain(CAMERA, "camera");
	domain(RT, "rt");
	start_daemon_with(conf_text, true);
	libxl_add_device(CAMERA, true, "virtio,device20");
	ck_assert_int_eq(wait_state(CAMERA, 4), 4);
	guest_init(&cam, CAMERA, true);
	ck_assert_int_eq(sim_guest_probe(&cam.g, true), 0);
	guest_init(&rt, RT, false);
	ck_assert_int_eq(sim_guest_probe(&rt.g, false), 0);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SCMI(&rt, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_CLOCK, 0x5, 0, 0, 50000000, 0), 0);
	before = transitions();

	kill9_daemon();
	/* a vCPU reads its device's status with nobody serving it: it waits */
	ticket = sim_mmio_submit(sim, CAMERA, 0, BASE0 + 0x70, 4, false, 0, WAIT_MS);
	ck_assert_int_gt(ticket, 0);
	start_daemon_with(conf_text, true);
	ck_assert_int_eq(sim_result(sim, ticket, &status, NULL), SIM_IO_OK);
	/* ACKNOWLEDGE, DRIVER, DRIVER_OK, FEATURES_OK: the probed driver's */
	ck_assert_uint_eq(status, 0xf);
	ck_assert(log_has("dom1: virtio-scmi at 0x2000000 taken over from the last run"));
	ck_assert(log_has("dom7: virtio-scmi at 0x2000000 taken over from the last run"));
	ck_assert_int_eq(be_state(CAMERA), 4);

	/* both drivers carry on where they were */
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_int_eq(SCMI(&rt, SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_CLOCK, 0x6, 0), 0);
	ck_assert_uint_eq(resp[8] | resp[9] << 8 | resp[10] << 16 | (uint32_t)resp[11] << 24,
			  50000000);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(emu(1), 1);
	ck_assert_int_eq(emu(3), 1);
	ck_assert_uint_eq(transitions(), before);
	ck_assert_int_eq(cam.mmio_failures, 0);
	ck_assert_int_eq(rt.mmio_failures, 0);
	assert_one_clean_server(CAMERA);
	assert_one_clean_server(RT);

	/* and a clean stop hands over the same way */
	ck_assert_int_eq(stop_daemon(), 0);
	start_daemon_with(conf_text, true);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_int_eq(SCMI(&rt, SCMI_PROTO_CLOCK, 0x7, 0, 0, 0), 0);
	ck_assert_int_eq(emu(3), 0);
	ck_assert_int_eq(emu(1), 1);
	assert_one_clean_server(CAMERA);
	assert_one_clean_server(RT);
}
END_TEST

/* A dom0less guest destroyed while vscmid was down: its old server went
 * with it, its device cannot come back, and the restarted daemon, finding
 * the domain gone, releases the votes the journal gave back; the other
 * guest keeps its clock and its device. */
START_TEST(test_guest_destroyed_while_daemon_down_is_released)
{
	struct guest cam, rt;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;

	domain(CAMERA, "camera");
	domain(RT, "rt");
	start_daemon_with(conf_text, true);
	libxl_add_device(CAMERA, false, "virtio,device20");
	ck_assert_int_eq(wait_state(CAMERA, 4), 4);
	guest_init(&cam, CAMERA, false);
	ck_assert_int_eq(sim_guest_probe(&cam.g, true), 0);
	guest_init(&rt, RT, false);
	ck_assert_int_eq(sim_guest_probe(&rt.g, false), 0);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SCMI(&rt, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	kill9_daemon();
	ck_assert_int_eq(sim_domain_destroy(sim, RT), 0);
	start_daemon_with(conf_text, true);
	ck_assert(log_has("agent rt: 1 resource states restored from the journal"));
	ck_assert(log_has("dom7: the last run's device cannot be taken back"));
	ck_assert(log_wait("dom7: device 0 gone: its domain ended"));
	ck_assert_int_eq(emu(3), 0);
	ck_assert_int_eq(emu(1), 1);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_int_eq(cam.mmio_failures, 0);
	assert_one_clean_server(CAMERA);
}
END_TEST

/* conf_text without the section that starts with head (up to the next). */
static void conf_without(char *out, size_t cap, const char *head)
{
	const char *a = strstr(conf_text, head), *b;

	ck_assert_ptr_nonnull(a);
	b = strstr(a + 1, "\n[");
	ck_assert_ptr_nonnull(b);
	snprintf(out, cap, "%.*s%s", (int)(a - conf_text), conf_text, b + 1);
}

static void rewrite_conf(const char *text)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/vscmid.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* A reload that adds a dom0less guest's agent serves its device at once;
 * one that removes a XenStore guest's agent closes its device and releases
 * its votes. */
START_TEST(test_reload_adds_and_removes_xen_guests)
{
	char conf[sizeof(conf_text)];
	struct guest cam, rt;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;
	uint32_t magic = 0;

	domain(CAMERA, "camera");
	domain(RT, "rt");
	conf_without(conf, sizeof(conf), "[agent rt]");
	start_daemon_with(conf, true);
	libxl_add_device(CAMERA, true, "virtio,device20");
	ck_assert_int_eq(wait_state(CAMERA, 4), 4);
	guest_init(&cam, CAMERA, true);
	ck_assert_int_eq(sim_guest_probe(&cam.g, true), 0);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(emu(1), 1);
	ck_assert_int_eq(sim_mmio_read32(sim, RT, BASE0, &magic), SIM_IO_UNHANDLED);

	conf_without(conf, sizeof(conf), "[agent camera]");
	rewrite_conf(conf);
	kill(daemon_pid, SIGHUP);
	ck_assert(log_wait("applied: 1 agents added, 1 removed, 0 changed"));
	ck_assert_int_eq(wait_state(CAMERA, 6), 6);
	ck_assert_int_eq(emu(1), 0);
	guest_init(&rt, RT, false);
	ck_assert_int_eq(sim_guest_probe(&rt.g, false), 0);
	ck_assert_int_eq(SCMI(&rt, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(emu(3), 1);
	ck_assert_int_eq(rt.mmio_failures, 0);
}
END_TEST

/* A dom0less guest that powers itself off stays a shut-down shell (no
 * toolstack destroys it): that is its end, and its votes are released. */
START_TEST(test_dom0less_guest_poweroff_releases_its_votes)
{
	struct guest rt;
	struct sim_domain_info info;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;

	start_rt(&rt);
	ck_assert_int_eq(SCMI(&rt, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(emu(3), 1);
	vscmi_put_le32(resp, SCMI_HDR(0x3, 0, SCMI_PROTO_SYSTEM, 1));
	vscmi_put_le32(resp + 4, 0);
	vscmi_put_le32(resp + 8, 0);	/* shutdown */
	ck_assert_int_ge(sim_guest_submit(&rt.g, resp, 12), 0);
	sim_guest_kick(&rt.g, 0);
	ck_assert_int_eq(sim_domain_info(sim, RT, &info), 0);
	ck_assert(info.shutdown && !info.dying);
	ck_assert_msg(emu_off_within(3, 5000), "the powered-off guest's clock stayed on");
	ck_assert(log_wait("dom7: device 0 gone: its domain ended"));
}
END_TEST

START_TEST(test_dom0less_guest_death_releases_its_votes)
{
	struct guest rt;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;

	start_rt(&rt);
	ck_assert_int_eq(SCMI(&rt, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(emu(3), 1);
	ck_assert_int_eq(sim_domain_destroy(sim, RT), 0);
	ck_assert_int_eq(sim_domain_wait_gone(sim, RT, WAIT_MS), 0);
	ck_assert_int_eq(emu(3), 0);
}
END_TEST

/* libxl builds the domain paused, writes the device, then unpauses it
 * without waiting for a backend: vscmid holds a pause of its own from the
 * device's appearance until it answers, so the guest's first access finds
 * it. The toolstack's own pause is left alone. */
START_TEST(test_new_guest_is_held_paused_until_its_device_answers)
{
	struct sim_domain_config c = {
		.domid = CAMERA, .name = "camera", .vcpus = 2, .ram_mib = 4, .nr_spis = 16,
		.paused = true,
	};
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	struct sim_domain_info info;
	uint64_t gfn;
	uint32_t port, magic = 0;
	char path[64];

	ck_assert_ptr_nonnull(xch);
	ck_assert_int_eq(sim_domain_create(sim, &c), 0);
	ck_assert_int_eq(sim_xenstore_prepare_guest(sim, CAMERA, &gfn, &port), 0);
	ck_assert(xs_introduce_domain(xs, CAMERA, gfn, port));
	snprintf(path, sizeof(path), "/local/domain/%u/name", CAMERA);
	ck_assert(xs_write(xs, XBT_NULL, path, "camera", 6));
	start_daemon_with(conf_text, true);
	libxl_add_device(CAMERA, false, "virtio,device20");
	ck_assert_int_eq(wait_state(CAMERA, 4), 4);
	ck_assert(log_wait("dom1: held paused for"));
	ck_assert_int_eq(sim_domain_info(sim, CAMERA, &info), 0);
	ck_assert_uint_eq(info.pauses, 1);		/* vscmid's */
	ck_assert_uint_eq(info.pause_count, 1);		/* the toolstack's, still held */
	ck_assert_int_eq(xc_domain_unpause(xch, CAMERA), 0);
	ck_assert_int_eq(sim_mmio_read32(sim, CAMERA, BASE0, &magic), SIM_IO_OK);
	ck_assert_uint_eq(magic, 0x74726976);		/* "virt" */
	ck_assert_int_eq(sim_domain_info(sim, CAMERA, &info), 0);
	ck_assert_uint_eq(info.pause_count, 0);
	/* a device taken back after a restart is not new: no hold */
	kill(daemon_pid, SIGKILL);
	waitpid(daemon_pid, NULL, 0);
	daemon_pid = -1;
	start_daemon_with(conf_text, true);
	ck_assert(log_wait("was ours before a restart"));
	ck_assert_int_eq(sim_domain_info(sim, CAMERA, &info), 0);
	ck_assert_uint_eq(info.pauses, 1);
	ck_assert_uint_eq(info.pause_count, 0);
	xc_interface_close(xch);
}
END_TEST

/* A daemon killed while it held a guest paused left its marker: the next
 * one drops that pause once it has the device back, and only a pause that
 * is still there (a kill after the unpause leaves the marker alone). */
START_TEST(test_pause_left_by_a_killed_daemon_is_dropped)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	struct sim_domain_info info;
	char path[300];
	int fd;

	ck_assert_ptr_nonnull(xch);
	domain(CAMERA, "camera");
	domain(DISPLAY, "display");
	snprintf(path, sizeof(path), "%s/state", dir);
	ck_assert(mkdir(path, 0700) == 0 || errno == EEXIST);
	snprintf(path, sizeof(path), "%s/state/xen-hold-dom%u", dir, CAMERA);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/state/xen-hold-dom%u", dir, DISPLAY);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* the camera's pause, as the killed daemon took it */
	ck_assert_int_eq(xc_domain_pause(xch, CAMERA), 0);
	start_daemon_with(conf_text, true);
	ck_assert(log_wait("dom1: dropped the pause a previous run left"));
	ck_assert_int_eq(sim_domain_info(sim, CAMERA, &info), 0);
	ck_assert_uint_eq(info.pause_count, 0);
	ck_assert_int_eq(sim_domain_info(sim, DISPLAY, &info), 0);
	ck_assert_uint_eq(info.pause_count, 0);
	ck_assert(!log_has("dom2: dropped"));
	ck_assert_int_ne(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/state/xen-hold-dom%u", dir, CAMERA);
	ck_assert_int_ne(access(path, F_OK), 0);
	xc_interface_close(xch);
}
END_TEST

/* grant_usage=1 in the xl.cfg, and a guest kernel without grants for
 * virtio: one line that names the cause, and the device just needs a
 * reset (no crash, no vCPU held). */
START_TEST(test_guest_without_grants_on_a_grant_device_is_named)
{
	struct guest cam;
	char line[64];

	domain(CAMERA, "camera");
	start_daemon_with(conf_text, true);
	libxl_add_device(CAMERA, true, "virtio,device20");
	ck_assert_int_eq(wait_state(CAMERA, 4), 4);
	guest_init(&cam, CAMERA, false);
	ck_assert_int_ne(sim_guest_probe(&cam.g, true), 0);
	ck_assert(log_wait("dom1: the guest gives plain guest addresses"));
	ck_assert(log_has("CONFIG_XEN_VIRTIO"));
	/* a second probe says nothing new */
	sim_guest_probe(&cam.g, true);
	snprintf(line, sizeof(line), "the guest gives plain guest addresses");
	ck_assert_int_eq(log_count(line), 1);
	ck_assert_int_eq(cam.mmio_failures, 0);
}
END_TEST

/* The dom0less guest rt switches its clock on and dies: the clock goes off. */
static void rt_dies_holding_its_clock(void)
{
	struct guest rt;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;

	guest_init(&rt, RT, false);
	ck_assert_int_eq(sim_guest_probe(&rt.g, false), 0);
	ck_assert_int_eq(SCMI(&rt, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(emu(3), 1);
	ck_assert_int_eq(sim_domain_destroy(sim, RT), 0);
	ck_assert_msg(emu_off_within(3, 3000), "the dead guest's clock stayed on");
}

/* Beside a xenstored that never heard of it (a dom0less guest built
 * without XenStore), whose @releaseDomain stays silent and who holds the
 * VIRQ: its death is still seen, and its votes go. */
START_TEST(test_dom0less_unknown_to_xenstored_death_is_seen)
{
	struct sim_domain_config c = {
		.domid = RT, .name = "rt", .vcpus = 2, .ram_mib = 4, .nr_spis = 16,
	};

	ck_assert_int_eq(sim_domain_create(sim, &c), 0);
	start_daemon_with(conf_text, true);
	ck_assert(log_wait("dom0less guests unknown to xenstored"));
	rt_dies_holding_its_clock();
	ck_assert(log_wait("dom7: device 0 gone: its domain ended"));
}
END_TEST

/* The same for such a guest whose agent a reload added. */
START_TEST(test_dom0less_added_by_reload_unknown_to_xenstored_death_is_seen)
{
	struct sim_domain_config c = {
		.domid = RT, .name = "rt", .vcpus = 2, .ram_mib = 4, .nr_spis = 16,
	};
	char conf[sizeof(conf_text)];

	ck_assert_int_eq(sim_domain_create(sim, &c), 0);
	conf_without(conf, sizeof(conf), "[agent rt]");
	start_daemon_with(conf, true);
	ck_assert(!log_has("dom0less guests unknown to xenstored"));
	rewrite_conf(conf_text);
	kill(daemon_pid, SIGHUP);
	ck_assert(log_wait("dom0less guests unknown to xenstored"));
	rt_dies_holding_its_clock();
}
END_TEST

START_TEST(test_dom0less_without_xenstore_sees_guest_death)
{
	struct sim_domain_config c = {
		.domid = RT, .name = "rt", .vcpus = 1, .ram_mib = 4, .nr_spis = 16,
	};
	static const char only_rt[] = "[clock rt_clk]\nid = 3\nrates = 100M\n"
				      "[agent rt]\ndomid = 7\nsocket = none\ndom0less = yes\n"
				      "mmio_base = 0x02000000\nirq = 33\nclocks = rt_clk\n";
	struct guest rt;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;

	/* a dom0less system: no xenstored at all */
	xs_close(xs);
	xs = NULL;
	ck_assert_int_eq(sim_xenstored_stop(xsd), 0);
	xsd = NULL;
	ck_assert_int_eq(sim_domain_create(sim, &c), 0);
	start_daemon_with(only_rt, true);
	guest_init(&rt, RT, false);
	ck_assert_int_eq(sim_guest_probe(&rt.g, false), 0);
	ck_assert_int_eq(SCMI(&rt, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(phys("clock", 3, "on"), 1);
	/* Xen's VIRQ_DOM_EXC, taken by vscmid since no xenstored holds it */
	ck_assert_int_eq(sim_domain_destroy(sim, RT), 0);
	ck_assert_int_eq(sim_domain_wait_gone(sim, RT, WAIT_MS), 0);
	ck_assert_int_eq(phys("clock", 3, "on"), 0);
}
END_TEST

START_TEST(test_unserved_device_is_forgotten_with_its_domain)
{
	char path[160];
	unsigned int n;

	domain(STRANGER, "stranger");
	start_daemon_with(conf_text, true);
	libxl_add_device(STRANGER, false, "virtio,device20");
	domain(DISPLAY, "display");
	libxl_add_device(DISPLAY, false, "virtio,device20");
	ck_assert_int_eq(wait_state(DISPLAY, 4), 4);
	ck_assert_int_eq(be_state(STRANGER), 1);
	/* libxl closing a device we do not serve still hears Closed */
	be_path(path, sizeof(path), STRANGER, "online");
	xs_writef(path, "0");
	be_path(path, sizeof(path), STRANGER, "state");
	xs_writef(path, "5");
	ck_assert_int_eq(wait_state(STRANGER, 6), 6);
	/* the toolstack removes it and the domain goes; the domid comes back as
	 * a guest we do serve */
	be_path(path, sizeof(path), STRANGER, NULL);
	ck_assert(xs_rm(xs, XBT_NULL, "/local/domain/0/backend/virtio/9"));
	ck_assert_int_eq(sim_domain_destroy(sim, STRANGER), 0);
	ck_assert_int_eq(sim_domain_wait_gone(sim, STRANGER, WAIT_MS), 0);
	ck_assert(xs_rm(xs, XBT_NULL, "/local/domain/9"));
	/* nothing of ours came back into the removed directory */
	ck_assert_ptr_null(xs_directory(xs, XBT_NULL, "/local/domain/0/backend/virtio/9", &n));
	domain(STRANGER, "ivi");
	libxl_add_device(STRANGER, false, "virtio,device20");
	ck_assert_int_eq(wait_state(STRANGER, 4), 4);
}
END_TEST

START_TEST(test_toolstack_close_gets_closed_state)
{
	struct guest cam;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;
	char path[160];
	struct sim_domain_info info;

	start_camera(&cam, false);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_POWER, 0x4, 0, 0, 0), 0);
	/* libxl's destroy: online 0, state 5, then it waits for 6 */
	be_path(path, sizeof(path), CAMERA, "online");
	xs_writef(path, "0");
	be_path(path, sizeof(path), CAMERA, "state");
	xs_writef(path, "5");
	ck_assert_int_eq(wait_state(CAMERA, 6), 6);
	ck_assert_int_eq(sim_domain_info(sim, CAMERA, &info), 0);
	ck_assert_uint_eq(info.ioreq_servers, 0);
	ck_assert_uint_eq(info.foreign_pages, 0);
	ck_assert_uint_eq(info.resource_maps, 0);
	/* the register window is no longer claimed */
	uint64_t v = 0;

	ck_assert_int_eq(sim_mmio(sim, CAMERA, 0, BASE0, 4, false, &v, WAIT_MS), SIM_IO_UNHANDLED);
}
END_TEST

START_TEST(test_dom0less_guest_served_without_toolstack)
{
	struct guest rt;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;

	start_rt(&rt);
	ck_assert_int_eq(SCMI(&rt, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(emu(3), 1);
	/* without P2A there are no notifications */
	ck_assert_int_eq(SCMI(&rt, SCMI_PROTO_CLOCK, 0x9, 0, 1), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(rt.mmio_failures, 0);
}
END_TEST

START_TEST(test_guest_without_agent_gets_no_device)
{
	uint64_t v = 0;

	domain(STRANGER, "stranger");
	domain(CAMERA, "camera");
	start_daemon_with(conf_text, true);
	libxl_add_device(STRANGER, false, "virtio,device20");
	libxl_add_device(CAMERA, false, "virtio,device1a");	/* not ours: virtio-fs */
	/* a device that is ours follows, so the daemon has looked at both */
	domain(DISPLAY, "display");
	libxl_add_device(DISPLAY, false, "virtio,device20");
	ck_assert_int_eq(wait_state(DISPLAY, 4), 4);
	ck_assert_int_eq(be_state(STRANGER), 1);
	ck_assert_int_eq(be_state(CAMERA), 1);
	ck_assert_int_eq(sim_mmio(sim, STRANGER, 0, BASE0, 4, false, &v, WAIT_MS), SIM_IO_UNHANDLED);
	ck_assert(log_has("dom9: no agent is configured"));
}
END_TEST

START_TEST(test_guest_system_power_shuts_down_its_own_domain)
{
	struct guest cam;
	struct sim_domain_info info;
	uint8_t resp[SIM_MSG_SIZE];

	domain(CAMERA, "camera");
	domain(DISPLAY, "display");
	start_daemon_with(conf_text, true);
	libxl_add_device(CAMERA, false, "virtio,device20");
	ck_assert_int_eq(wait_state(CAMERA, 4), 4);
	guest_init(&cam, CAMERA, false);
	ck_assert_int_eq(sim_guest_probe(&cam.g, true), 0);
	/* The domain goes down while the command is in flight: the guest never
	 * sees the reply, as on real hardware. */
	vscmi_put_le32(resp, SCMI_HDR(0x3, 0, SCMI_PROTO_SYSTEM, 1));
	vscmi_put_le32(resp + 4, 0);
	vscmi_put_le32(resp + 8, 1);
	ck_assert_int_ge(sim_guest_submit(&cam.g, resp, 12), 0);
	sim_guest_kick(&cam.g, 0);
	ck_assert_int_eq(sim_domain_info(sim, CAMERA, &info), 0);
	ck_assert(info.shutdown);
	ck_assert_uint_eq(info.shutdown_reason, 1);	/* SHUTDOWN_reboot */
	ck_assert_int_eq(sim_domain_info(sim, DISPLAY, &info), 0);
	ck_assert(!info.shutdown);
}
END_TEST

START_TEST(test_hostile_accesses_always_complete)
{
	struct guest cam, disp;
	uint8_t resp[SIM_MSG_SIZE];
	size_t rlen;
	unsigned int acked = 0;
	static const unsigned int sizes[] = { 1, 2, 8 };

	start_camera_and_display(&cam, false, &disp, true);
	ck_assert_int_eq(sim_guest_probe(&disp.g, true), 0);

	/* odd widths, unaligned and past-the-end offsets: read 0, completed */
	for (unsigned int i = 0; i < 3; i++) {
		/* inside the window: Xen forwards only accesses it fully holds */
		for (uint64_t off = 0; off + sizes[i] <= 0x200; off += 0x33) {
			uint64_t v = 0x55;

			ck_assert_int_eq(sim_mmio(sim, CAMERA, 1, BASE0 + off, sizes[i], false, &v,
						  WAIT_MS), SIM_IO_OK);
			ck_assert_uint_eq(v, 0);
			v = 0xffffffffffffffffull;
			ck_assert_int_eq(sim_mmio(sim, CAMERA, 1, BASE0 + off, sizes[i], true, &v,
						  WAIT_MS), SIM_IO_OK);
		}
	}
	ck_assert_int_eq(sim_invalidate(sim, CAMERA, 0, WAIT_MS, &acked), 0);
	ck_assert_uint_eq(acked, 1);

	/* a ring that loops breaks only that device */
	ck_assert_int_eq(sim_guest_probe(&cam.g, true), 0);
	sim_guest_write_desc(&cam.g, 0, 0, sim_guest_dma(&cam.g, sim_guest_alloc(&cam.g, 16)), 16,
			     SIM_DESC_F_NEXT, 0);
	sim_guest_avail_add(&cam.g, 0, 0);
	sim_guest_kick(&cam.g, 0);
	ck_assert_uint_eq(sim_guest_rd(&cam.g, 0x070) & 64, 64);
	ck_assert_int_eq(SCMI(&disp, SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_int_eq(cam.mmio_failures, 0);
	ck_assert_int_eq(disp.mmio_failures, 0);
	/* reset and probe again: served */
	ck_assert_int_eq(sim_guest_probe(&cam.g, true), 0);
	ck_assert_int_eq(SCMI(&cam, SCMI_PROTO_BASE, 0x0), 0);
}
END_TEST

START_TEST(test_response_into_readonly_grant_breaks_only_that_device)
{
	struct guest cam, disp;
	struct sim_domain_info info;
	uint8_t req[8], resp[SIM_MSG_SIZE];
	size_t rlen;

	start_camera_and_display(&cam, true, &disp, true);
	ck_assert_int_eq(sim_guest_probe(&cam.g, true), 0);
	ck_assert_int_eq(sim_guest_probe(&disp.g, true), 0);
	/* the display holds a clock on before the camera goes wrong */
	ck_assert_int_eq(SCMI(&disp, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	/* regrant the whole rest of the RAM read-only: responses cannot land */
	for (uint32_t p = 64; p < GRANTED_PAGES; p++) {
		sim_revoke(sim, CAMERA, GREF0 + p);
		sim_grant(sim, CAMERA, GREF0 + p, sim_gfn(SIM_RAM0_BASE) + p, 0, true);
	}
	/* a request in a writable page, its response buffer in a read-only one */
	uint64_t rq = sim_guest_alloc(&cam.g, 16);
	uint64_t rs = SIM_RAM0_BASE + 100 * SIM_PAGE_SIZE;

	vscmi_put_le32(req, SCMI_HDR(0, 0, SCMI_PROTO_BASE, 1));
	memcpy(sim_guest_host(&cam.g, rq), req, 4);
	sim_guest_write_desc(&cam.g, 0, 0, sim_guest_dma(&cam.g, rq), 4, SIM_DESC_F_NEXT, 1);
	sim_guest_write_desc(&cam.g, 0, 1, sim_guest_dma(&cam.g, rs), SIM_MSG_SIZE,
			     SIM_DESC_F_WRITE, 0);
	sim_guest_avail_add(&cam.g, 0, 0);
	sim_guest_kick(&cam.g, 0);
	ck_assert_uint_eq(sim_guest_rd(&cam.g, 0x070) & 64, 64);
	ck_assert_int_eq(cam.mmio_failures, 0);
	/* the display's device is as it was: served, its vote standing */
	ck_assert_uint_eq(sim_guest_rd(&disp.g, 0x070) & 64, 0);
	ck_assert_int_eq(SCMI(&disp, SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(vscmi_get_le32(resp + 12), 1);
	ck_assert_int_eq(sim_domain_info(sim, DISPLAY, &info), 0);
	ck_assert_uint_eq(info.violations, 0);
	ck_assert_int_eq(disp.mmio_failures, 0);
}
END_TEST

/* A command whose request and response buffers straddle page boundaries:
 * each crosses two grants (grant mode) or two foreign pages. */
static void straddling_command(bool grants)
{
	struct guest cam;
	uint64_t page = SIM_RAM0_BASE + 120 * SIM_PAGE_SIZE;
	uint64_t rq = page + SIM_PAGE_SIZE - 6, rs = page + 3 * SIM_PAGE_SIZE - 9;
	uint8_t req[16], *out;
	uint16_t used;

	start_camera(&cam, grants);
	/* CLOCK_ATTRIBUTES of clock 0: 4 + 4 bytes in, 8 + 24 bytes out */
	vscmi_put_le32(req, SCMI_HDR(0x3, 0, SCMI_PROTO_CLOCK, 5));
	vscmi_put_le32(req + 4, 0);
	for (int i = 0; i < 8; i++)
		*(uint8_t *)sim_guest_host(&cam.g, rq + (uint64_t)i) = req[i];
	sim_guest_write_desc(&cam.g, 0, 0, sim_guest_dma(&cam.g, rq), 8, SIM_DESC_F_NEXT, 1);
	sim_guest_write_desc(&cam.g, 0, 1, sim_guest_dma(&cam.g, rs), SIM_MSG_SIZE,
			     SIM_DESC_F_WRITE, 0);
	used = sim_guest_used_idx(&cam.g, 0);
	sim_guest_avail_add(&cam.g, 0, 0);
	sim_guest_kick(&cam.g, 0);
	ck_assert_uint_eq(sim_guest_rd(&cam.g, 0x070) & 64, 0);
	ck_assert_uint_eq((uint16_t)(sim_guest_used_idx(&cam.g, 0) - used), 1);
	out = sim_guest_host(&cam.g, rs);
	ck_assert_uint_eq(vscmi_get_le32(out), vscmi_get_le32(req));
	ck_assert_uint_eq(vscmi_get_le32(out + 4), 0);
	ck_assert_str_eq((char *)out + 12, "pixel");
	ck_assert_int_eq(cam.mmio_failures, 0);
}

START_TEST(test_buffers_across_pages_with_grants)
{
	straddling_command(true);
}
END_TEST

START_TEST(test_buffers_across_pages_foreign)
{
	straddling_command(false);
}
END_TEST

START_TEST(test_only_xen_guests_and_no_sockets)
{
	static const char only_xen[] = "[clock c]\nid = 0\nrates = 1M\n"
				       "[agent g]\ndomid = 3\nsocket = none\nclocks = c\n";
	uint32_t magic = 0;

	domain(3, "g");
	start_daemon_with(only_xen, true);
	ck_assert_int_gt(daemon_pid, 0);
	libxl_add_device(3, false, "virtio,device20");
	ck_assert_int_eq(wait_state(3, 4), 4);
	ck_assert_int_eq(sim_mmio_read32(sim, 3, BASE0, &magic), SIM_IO_OK);
	ck_assert_uint_eq(magic, 0x74726976);
}
END_TEST

START_TEST(test_no_hypervisor_is_said_plainly)
{
	static const char only_xen[] = "[clock c]\nid = 0\nrates = 1M\n"
				       "[agent g]\ndomid = 3\nsocket = none\nclocks = c\n";

	start_daemon_with(only_xen, false);
	/* nothing left to serve: it exits, saying why */
	if (daemon_pid > 0) {
		int st;

		waitpid(daemon_pid, &st, 0);
		daemon_pid = -1;
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) != 0);
	}
	ck_assert(log_has("no Xen hypervisor"));
}
END_TEST

static Suite *xen_suite(void)
{
	Suite *s = suite_create("xen");
	TCase *tc = tcase_create("sim");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_xenstore_guest_is_served_with_grants);
	tcase_add_test(tc, test_destroyed_guest_releases_votes_others_keep_theirs);
	tcase_add_test(tc, test_three_guests_share_pll_power_domain_and_reset);
	tcase_add_test(tc, test_restarted_daemon_serves_connected_guests_again);
	tcase_add_test(tc, test_killed_daemon_hands_running_devices_over);
	tcase_add_test(tc, test_guest_destroyed_while_daemon_down_is_released);
	tcase_add_test(tc, test_reload_adds_and_removes_xen_guests);
	tcase_add_test(tc, test_dom0less_guest_poweroff_releases_its_votes);
	tcase_add_test(tc, test_dom0less_guest_death_releases_its_votes);
	tcase_add_test(tc, test_unserved_device_is_forgotten_with_its_domain);
	tcase_add_test(tc, test_dom0less_without_xenstore_sees_guest_death);
	tcase_add_test(tc, test_dom0less_unknown_to_xenstored_death_is_seen);
	tcase_add_test(tc, test_dom0less_added_by_reload_unknown_to_xenstored_death_is_seen);
	tcase_add_test(tc, test_new_guest_is_held_paused_until_its_device_answers);
	tcase_add_test(tc, test_pause_left_by_a_killed_daemon_is_dropped);
	tcase_add_test(tc, test_guest_without_grants_on_a_grant_device_is_named);
	tcase_add_test(tc, test_notification_flood_is_contained);
	tcase_add_test(tc, test_delayed_responses_follow_their_replies_over_xen);
	tcase_add_test(tc, test_xenstore_entries_that_are_not_ids_are_ignored);
	tcase_add_test(tc, test_xenstore_numbers_with_blanks_or_signs_are_refused);
	tcase_add_test(tc, test_toolstack_close_gets_closed_state);
	tcase_add_test(tc, test_dom0less_guest_served_without_toolstack);
	tcase_add_test(tc, test_guest_without_agent_gets_no_device);
	tcase_add_test(tc, test_guest_system_power_shuts_down_its_own_domain);
	tcase_add_test(tc, test_hostile_accesses_always_complete);
	tcase_add_test(tc, test_response_into_readonly_grant_breaks_only_that_device);
	tcase_add_test(tc, test_buffers_across_pages_with_grants);
	tcase_add_test(tc, test_buffers_across_pages_foreign);
	tcase_add_test(tc, test_only_xen_guests_and_no_sockets);
	tcase_add_test(tc, test_no_hypervisor_is_said_plainly);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(xen_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
