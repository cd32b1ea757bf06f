/* SPDX-License-Identifier: GPL-2.0-only */
/* Cost of an SCMI command on the Xen path, and a demo of that path.
 *
 * A simulated Linux guest's virtio-mmio accesses go through simxend's IOREQ
 * slots and event channels to vscmid-sim (vscmid linked against the
 * simulated hypervisor), which reaches the guest's buffers through grants or
 * foreign mappings and answers with an SPI; the toolstack's side is a real
 * xenstored. Beside it, the floor: the same number of accesses completed by
 * an IOREQ server in this process that does nothing else, through the same
 * libsimxen calls vscmid makes per access (pending, unmask, notify), so the
 * difference is what vscmid adds over the simulated transport.
 *
 *   bench-xen            the table, at 1, 16, 64 and 256 guests
 *   bench-xen --demo     two guests sharing a PLL, step by step
 *
 * BENCH_N sets the commands per run (default 2000), BENCH_REPS the runs per
 * row of which the least disturbed is kept (3), BENCH_GUESTS the guest
 * counts ("1 16 64 256"), BENCH_PIN=0 lets the processes use every CPU;
 * VSCMID_SIM and VSCMICTL override the programs' built-in paths. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenstore.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

#include "harness.h"
#include "sim/guest.h"
#include "support/daemon.h"
#include "vscmi/buf.h"
#include "vscmi/model.h"
#include "vscmi/scmi.h"

#ifndef BENCH_VSCMID_SIM
#define BENCH_VSCMID_SIM "vscmid-sim"
#endif
#ifndef BENCH_VSCMICTL
#define BENCH_VSCMICTL "vscmictl"
#endif

#define BASE0 0x02000000ull		/* GUEST_VIRTIO_MMIO_BASE, vscmid's device */
#define FLOOR_BASE 0x02100000ull	/* the floor's server: a range of its own */
#define MMIO_SIZE 0x200u
#define SPI0 33
#define GREF0 16			/* first grant reference of a guest's RAM */
#define GRANTED_PAGES 48		/* the guest driver's rings and buffers take 39 */
#define RAM_MIB 1
#define WAIT_MS 5000
#define MAX_GUESTS 256
#define CMDS_DEFAULT 2000
#define REPS_DEFAULT 3
/* simxend holds four descriptors per guest: its RAM and ioreq page memfds,
 * and the device model's event channel connection and eventfd. */
#define FDS_PER_GUEST 4
#define FDS_FIXED 64
#define WARMUP 256
#define F_P2A (1ull << 0)		/* VIRTIO_SCMI_F_P2A_CHANNELS */
#define F_ACCESS_PLATFORM (1ull << 33)

/* --- the simulated machine: hypervisor, xenstored, guests, vscmid ------ */

struct guest {
	uint32_t domid;
	char name[16];
	bool grants;
	unsigned int step;		/* next command of the mix */
	struct sim_guest g;
	/* the floor's IOREQ server for this domain */
	xenevtchn_handle *xce;
	xenforeignmemory_resource_handle *res;
	shared_iopage_t *page;
	ioservid_t id;
	evtchn_port_t port;
};

struct machine {
	unsigned int n;
	struct sim *sim;
	struct sim_xenstored *xsd;
	struct xs_handle *xs;
	char dir[PATH_MAX];
	pid_t vscmid;
	long log_off;			/* vscmid.log shown so far (demo) */
	struct guest *g;
	xendevicemodel_handle *dm;
	xenforeignmemory_handle *fm;
	uint64_t accesses;		/* guest MMIO accesses, all guests */
	uint64_t mmio_failures;
};

/* One machine at a time; the guest callbacks and the exit handler reach it. */
static struct machine w;

static void machine_down(void);

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("bench-xen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* The logs explain the failure: the exit handler leaves them. */
	setenv("SIMXEN_KEEP", "1", 1);
	if (w.dir[0])
		fprintf(stderr, "bench-xen: kept vscmid's log in %s, simxend's and xenstored's in "
			"%s\n", w.dir, w.sim ? sim_dir(w.sim) : "(not started)");
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

static uint32_t g_mmio_read(void *ctx, uint64_t off, unsigned int size)
{
	struct guest *gu = ctx;
	uint64_t v = 0;

	w.accesses++;
	if (sim_mmio(w.sim, gu->domid, 0, BASE0 + off, size, false, &v, WAIT_MS) != SIM_IO_OK)
		w.mmio_failures++;
	return (uint32_t)v;
}

static void g_mmio_write(void *ctx, uint64_t off, unsigned int size, uint32_t val)
{
	struct guest *gu = ctx;
	uint64_t v = val;

	w.accesses++;
	if (sim_mmio(w.sim, gu->domid, 0, BASE0 + off, size, true, &v, WAIT_MS) != SIM_IO_OK)
		w.mmio_failures++;
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

/* A domain as libxl makes one, introduced to xenstored so its death fires
 * @releaseDomain. */
static void domain_create(struct guest *gu)
{
	struct sim_domain_config c = {
		.domid = gu->domid, .name = gu->name, .vcpus = 1, .ram_mib = RAM_MIB,
		.nr_spis = 16,
	};
	char path[64];
	uint64_t gfn;
	uint32_t port;
	int r;

	r = sim_domain_create(w.sim, &c);
	if (r < 0)
		die("creating domain %u: %s", gu->domid, strerror(-r));
	r = sim_xenstore_prepare_guest(w.sim, gu->domid, &gfn, &port);
	if (r < 0)
		die("xenstore ring of domain %u: %s", gu->domid, strerror(-r));
	if (!xs_introduce_domain(w.xs, gu->domid, gfn, port))
		die("introducing domain %u to xenstored: %s", gu->domid, strerror(errno));
	snprintf(path, sizeof(path), "/local/domain/%u/name", gu->domid);
	if (!xs_write(w.xs, XBT_NULL, path, gu->name, (unsigned int)strlen(gu->name)))
		die("writing %s: %s", path, strerror(errno));
}

static void be_path(char *buf, size_t cap, uint32_t domid, const char *key)
{
	snprintf(buf, cap, "/local/domain/0/backend/virtio/%u/0%s%s", domid, key ? "/" : "",
		 key ? key : "");
}

/* What libxl writes for virtio = [ "type=virtio,device20,transport=mmio,..." ]. */
static void device_add(const struct guest *gu)
{
	static const char *const keys[] = { "frontend", "frontend-id", "online", "state",
					     "irq", "base", "type", "transport", "grant_usage" };
	char vals[9][64], path[128];
	xs_transaction_t t = xs_transaction_start(w.xs);

	if (t == XBT_NULL)
		die("xenstore transaction: %s", strerror(errno));
	snprintf(vals[0], 64, "/local/domain/%u/device/virtio/0", gu->domid);
	snprintf(vals[1], 64, "%u", gu->domid);
	snprintf(vals[2], 64, "1");
	snprintf(vals[3], 64, "1");
	snprintf(vals[4], 64, "%u", SPI0);
	snprintf(vals[5], 64, "%#llx", BASE0);
	snprintf(vals[6], 64, "virtio,device20");
	snprintf(vals[7], 64, "mmio");
	snprintf(vals[8], 64, "%d", gu->grants);
	for (int i = 0; i < 9; i++) {
		be_path(path, sizeof(path), gu->domid, keys[i]);
		if (!xs_write(w.xs, t, path, vals[i], (unsigned int)strlen(vals[i])))
			die("writing %s: %s", path, strerror(errno));
	}
	if (!xs_transaction_end(w.xs, t, false))
		die("xenstore transaction: %s", strerror(errno));
}

static int be_state(uint32_t domid)
{
	char path[128], *v;
	unsigned int len;
	int s;

	be_path(path, sizeof(path), domid, "state");
	v = xs_read(w.xs, XBT_NULL, path, &len);
	if (!v)
		return -1;
	s = atoi(v);
	free(v);
	return s;
}

static const char *xb_state_name(int s)
{
	static const char *const names[] = { "Unknown", "Initialising", "InitWait",
					     "Initialised", "Connected", "Closing", "Closed" };

	return s >= 0 && s <= 6 ? names[s] : "absent";
}

/* Waits on a XenStore watch for the backend state; with show set, says
 * each state it sees on the way. */
static int wait_state(uint32_t domid, int want, bool show)
{
	char path[128];
	uint64_t t0 = now_ns();
	int s, last = -2;

	be_path(path, sizeof(path), domid, "state");
	if (!xs_watch(w.xs, path, "bench"))
		die("watching %s: %s", path, strerror(errno));
	for (;;) {
		struct pollfd p = { .fd = xs_fileno(w.xs), .events = POLLIN };
		int left = WAIT_MS - (int)((now_ns() - t0) / 1000000);
		unsigned int n;
		char **ev;

		s = be_state(domid);
		if (show && s != last)
			printf("  dom%u backend state: %d (%s)\n", domid, s, xb_state_name(s));
		last = s;
		if (s == want || left <= 0 || poll(&p, 1, left) <= 0)
			break;
		ev = xs_read_watch(w.xs, &n);
		free(ev);
	}
	xs_unwatch(w.xs, path, "bench");
	return s;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		die("writing %s: %s", path, strerror(errno));
}

/* The last line of vscmid's log: why it stopped, when it did. */
static void log_last_line(char *buf, size_t cap)
{
	char path[PATH_MAX + 16], line[512];
	FILE *f;

	snprintf(buf, cap, "(no log)");
	snprintf(path, sizeof(path), "%s/vscmid.log", w.dir);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strcspn(line, "\n");

		if (!len)
			continue;
		if (len >= cap)
			len = cap - 1;
		memcpy(buf, line, len);
		buf[len] = '\0';
	}
	fclose(f);
}

/* Starts vscmid-sim on the config; true once its control socket answers,
 * false when it exited (its last log line in why). */
static bool vscmid_start(const char *conf_text, bool verbose, char *why, size_t whycap)
{
	char conf[PATH_MAX + 16], log[PATH_MAX + 16], ctl[PATH_MAX + 16];
	struct td_spawn sp = { .exe = env_or("VSCMID_SIM", BENCH_VSCMID_SIM), .conf = conf,
			       .runtime_dir = w.dir, .verbose = verbose, .log = log, .out_fd = -1 };
	int r;

	snprintf(conf, sizeof(conf), "%s/vscmid.conf", w.dir);
	snprintf(log, sizeof(log), "%s/vscmid.log", w.dir);
	snprintf(ctl, sizeof(ctl), "%s/control", w.dir);
	if (strlen(ctl) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		die("%s: too long for a socket address; set TMPDIR shorter", ctl);
	write_file(conf, conf_text);
	w.vscmid = td_spawn(&sp);
	if (w.vscmid < 0)
		die("fork: %s", strerror((int)-w.vscmid));
	r = td_wait_control(ctl, w.vscmid, 5000, NULL);
	if (r == -ECHILD) {
		w.vscmid = -1;
		log_last_line(why, whycap);
		return false;
	}
	if (r < 0)
		die("vscmid-sim did not come up in 5 s");
	return true;
}

static void vscmid_stop(void)
{
	if (w.vscmid <= 0)
		return;
	td_stop(w.vscmid);
	w.vscmid = -1;
}

/* simxend, xenstored and room for n guests; the domains and the daemon
 * are the caller's. */
static void machine_up(unsigned int n)
{
	const char *tmp = env_or("TMPDIR", "/tmp");
	int r;

	memset(&w, 0, sizeof(w));
	w.vscmid = -1;
	w.n = n;
	r = sim_start(&w.sim);
	if (r < 0)
		die("starting simxend: %s", strerror(-r));
	r = sim_xenstored_start(w.sim, &w.xsd);
	if (r < 0)
		die("starting xenstored: %s", strerror(-r));
	w.xs = xs_open(0);
	if (!w.xs)
		die("connecting to xenstored: %s", strerror(errno));
	snprintf(w.dir, sizeof(w.dir), "%s/vscmi-bench-xen-XXXXXX", tmp);
	if (!mkdtemp(w.dir))
		die("mkdtemp %s: %s", w.dir, strerror(errno));
	w.g = calloc(n, sizeof(*w.g));
	if (!w.g)
		die("out of memory");
}

static void floor_close(struct guest *gu);

static void rm_dir(const char *dir)
{
	static const char *const files[] = { "vscmid.conf", "vscmid.log", "control" };
	char path[PATH_MAX + 16];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void machine_down(void)
{
	vscmid_stop();
	for (unsigned int i = 0; w.g && i < w.n; i++)
		floor_close(&w.g[i]);
	if (w.dm)
		xendevicemodel_close(w.dm);
	if (w.fm)
		xenforeignmemory_close(w.fm);
	if (w.xs)
		xs_close(w.xs);
	if (w.xsd)
		sim_xenstored_stop(w.xsd);
	if (w.sim)
		sim_stop(w.sim);
	if (w.dir[0] && !getenv("SIMXEN_KEEP"))
		rm_dir(w.dir);
	free(w.g);
	memset(&w, 0, sizeof(w));
	w.vscmid = -1;
}

/* The guest's side of a served device: its grants, then the Linux probe. */
static void guest_probe(struct guest *gu)
{
	struct sim_guest_ops ops = { g_mmio_read, g_mmio_write, g_dma, gu };
	size_t size;
	void *ram = sim_ram(w.sim, gu->domid, &size);
	int r;

	if (!ram || sim_guest_init(&gu->g, &ops, ram, SIM_RAM0_BASE, size) < 0)
		die("guest %u: no RAM for the driver", gu->domid);
	for (uint32_t p = 0; gu->grants && p < GRANTED_PAGES; p++) {
		r = sim_grant(w.sim, gu->domid, GREF0 + p, sim_gfn(SIM_RAM0_BASE) + p, 0, false);
		if (r < 0)
			die("guest %u: grant %u: %s", gu->domid, GREF0 + p, strerror(-r));
	}
	r = sim_guest_probe(&gu->g, true);
	if (r < 0)
		die("guest %u: probe: %s", gu->domid, strerror(-r));
}

/* --- SCMI over the guest's device --------------------------------------- */

struct mix_msg {
	const char *what;
	uint8_t proto, msg;
	int n;
	uint32_t w[3];
};

/* What a Linux guest does around streaming: its pixel clock gated on and
 * off with rate reads, the shared power domain set and read back (genpd
 * insists on the read-back). Clock 0 and power domain 0 in every view. */
static const struct mix_msg mix[] = {
	{ "CLOCK_CONFIG_SET on", SCMI_PROTO_CLOCK, 0x7, 3, { 0, 1, 0 } },
	{ "CLOCK_RATE_GET", SCMI_PROTO_CLOCK, 0x6, 1, { 0 } },
	{ "POWER_STATE_SET on", SCMI_PROTO_POWER, 0x4, 3, { 0, 0, 0x0 } },
	{ "POWER_STATE_GET", SCMI_PROTO_POWER, 0x5, 1, { 0 } },
	{ "CLOCK_CONFIG_SET off", SCMI_PROTO_CLOCK, 0x7, 3, { 0, 0, 0 } },
	{ "CLOCK_RATE_GET", SCMI_PROTO_CLOCK, 0x6, 1, { 0 } },
	{ "POWER_STATE_SET off", SCMI_PROTO_POWER, 0x4, 3, { 0, 0, 0x40000000 } },
	{ "POWER_STATE_GET", SCMI_PROTO_POWER, 0x5, 1, { 0 } },
};
#define MIX_N (sizeof(mix) / sizeof(mix[0]))

/* One command: its SCMI status, the reply in resp (SIM_MSG_SIZE bytes). */
static int32_t scmi(struct guest *gu, uint8_t proto, uint8_t msg, int n, const uint32_t *words,
		    uint8_t *resp, size_t *rlen, uint64_t *ns)
{
	uint8_t req[4 + 4 * 4];
	uint64_t t0, t1;
	size_t len = 0;
	int r;

	if (n < 0 || n > 4)
		die("%d parameters: at most 4 here", n);
	vscmi_put_le32(req, SCMI_HDR(msg, 0, proto, gu->step & 0x3ff));
	for (int i = 0; i < n; i++)
		vscmi_put_le32(req + 4 + 4 * i, words[i]);
	t0 = now_ns();
	r = sim_guest_cmd(&gu->g, req, 4 + 4 * (size_t)n, resp, SIM_MSG_SIZE, &len);
	t1 = now_ns();
	if (r < 0 || len < 8 || memcmp(req, resp, 4))
		die("guest %u: %s 0x%x/0x%x: %s", gu->domid, scmi_protocol_name(proto), proto, msg,
		    r < 0 ? strerror(-r) : "reply does not match the request");
	if (rlen)
		*rlen = len;
	if (ns)
		*ns = t1 - t0;
	return (int32_t)vscmi_get_le32(resp + 4);
}

/* The guest's next command of the mix; it must succeed. */
static uint64_t mix_step(struct guest *gu)
{
	const struct mix_msg *m = &mix[gu->step % MIX_N];
	uint8_t resp[SIM_MSG_SIZE];
	uint64_t ns;
	int32_t st = scmi(gu, m->proto, m->msg, m->n, m->w, resp, NULL, &ns);

	if (st != SCMI_SUCCESS)
		die("guest %u: %s: %s", gu->domid, m->what, scmi_status_name(st));
	gu->step++;
	return ns;
}

/* --- the floor: an IOREQ server that only completes ----------------------- */

/* Set up the way vscmid's xen_guest_start does (create, map the ioreq
 * page, enable, bind the vCPU's channel, map the range last), on a range
 * of its own so vscmid's device stays where it is. */
static void floor_open(struct guest *gu)
{
	void *addr = NULL;
	int port;

	if (!w.dm)
		w.dm = xendevicemodel_open(NULL, 0);
	if (!w.fm)
		w.fm = xenforeignmemory_open(NULL, 0);
	gu->xce = xenevtchn_open(NULL, 0);
	if (!w.dm || !w.fm || !gu->xce)
		die("floor: opening the Xen libraries: %s", strerror(errno));
	if (xendevicemodel_create_ioreq_server(w.dm, (domid_t)gu->domid,
					       HVM_IOREQSRV_BUFIOREQ_OFF, &gu->id) < 0)
		die("floor: dom%u: creating the IOREQ server: %s", gu->domid, strerror(errno));
	gu->res = xenforeignmemory_map_resource(w.fm, (domid_t)gu->domid,
						XENMEM_resource_ioreq_server, gu->id,
						XENMEM_resource_ioreq_server_frame_ioreq(0), 1,
						&addr, PROT_READ | PROT_WRITE, 0);
	if (!gu->res)
		die("floor: dom%u: mapping the ioreq page: %s", gu->domid, strerror(errno));
	gu->page = addr;
	if (xendevicemodel_set_ioreq_server_state(w.dm, (domid_t)gu->domid, gu->id, 1) < 0)
		die("floor: dom%u: enabling: %s", gu->domid, strerror(errno));
	port = xenevtchn_bind_interdomain(gu->xce, gu->domid, gu->page->vcpu_ioreq[0].vp_eport);
	if (port < 0)
		die("floor: dom%u: binding: %s", gu->domid, strerror(errno));
	gu->port = (evtchn_port_t)port;
	/* Binding leaves the port pending (Xen does): take that event now so
	 * none is left for the timed loop. */
	while ((port = xenevtchn_pending(gu->xce)) >= 0)
		xenevtchn_unmask(gu->xce, (evtchn_port_t)port);
	if (xendevicemodel_map_io_range_to_ioreq_server(w.dm, (domid_t)gu->domid, gu->id, 1,
							FLOOR_BASE,
							FLOOR_BASE + MMIO_SIZE - 1) < 0)
		die("floor: dom%u: mapping the range: %s", gu->domid, strerror(errno));
}

static void floor_close(struct guest *gu)
{
	if (!gu->xce)
		return;
	xenevtchn_unbind(gu->xce, gu->port);
	xendevicemodel_set_ioreq_server_state(w.dm, (domid_t)gu->domid, gu->id, 0);
	xenforeignmemory_unmap_resource(w.fm, gu->res);
	xendevicemodel_destroy_ioreq_server(w.dm, (domid_t)gu->domid, gu->id);
	xenevtchn_close(gu->xce);
	gu->xce = NULL;
}

/* One access by the guest's vCPU, completed here with nothing behind it:
 * the same event channel calls per access as vscmid's handler. */
static void floor_access(struct guest *gu, bool write)
{
	struct pollfd p = { .fd = xenevtchn_fd(gu->xce), .events = POLLIN };
	ioreq_t *slot = &gu->page->vcpu_ioreq[0];
	int t = sim_mmio_submit(w.sim, gu->domid, 0, FLOOR_BASE + 0x50, 4, write, 0, WAIT_MS);
	uint64_t v;
	int r;

	if (t < 0)
		die("floor: dom%u: submit: %s", gu->domid, strerror(-t));
	for (;;) {
		xenevtchn_port_or_error_t port;

		if (poll(&p, 1, WAIT_MS) <= 0)
			die("floor: dom%u: no event", gu->domid);
		port = xenevtchn_pending(gu->xce);
		if (port < 0)
			continue;
		xenevtchn_unmask(gu->xce, (evtchn_port_t)port);
		if (slot->state != STATE_IOREQ_READY)
			continue;
		__sync_synchronize();
		slot->state = STATE_IOREQ_INPROCESS;
		if (slot->dir == IOREQ_READ)
			slot->data = 0;
		__sync_synchronize();
		slot->state = STATE_IORESP_READY;
		__sync_synchronize();
		xenevtchn_notify(gu->xce, gu->port);
		break;
	}
	r = sim_result(w.sim, t, &v, NULL);
	if (r != SIM_IO_OK)
		die("floor: dom%u: access: %s", gu->domid, sim_io_name(r));
}

/* --- /proc ------------------------------------------------------------------ */

/* CPU time of a process in ns: schedstat's run time, which the scheduler
 * keeps to the ns; stat's utime + stime move in 10 ms ticks, too coarse for
 * runs of a few hundred ms. Every process here is single-threaded. */
static uint64_t cpu_ns(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ns, ut, st;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	f = fopen(path, "r");
	if (f) {
		int ok = fscanf(f, "%llu", &ns) == 1;

		fclose(f);
		if (ok)
			return ns;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* the command name may hold spaces; fields 14 and 15 follow it */
	p = p ? strrchr(buf, ')') : NULL;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
			 &st) != 2)
		return 0;
	return (ut + st) * (1000000000ull / (unsigned long long)sysconf(_SC_CLK_TCK));
}

/* A field of /proc/<pid>/status in KiB (VmRSS, RssAnon, RssShmem). */
static long status_kib(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t fl = strlen(field);
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, fl) && line[fl] == ':')
			kib = strtol(line + fl + 1, NULL, 10);
	fclose(f);
	return kib;
}

/* --- the benchmark ------------------------------------------------------ */

enum modes { MODE_GRANTS, MODE_FOREIGN, MODE_HALF };

struct row {
	unsigned int n;
	const char *mode;
	bool served;
	bool floor;			/* the floor was measured */
	char why[256];			/* when not served */
	unsigned int cmds;
	double p50, p99, cpu;		/* vscmid: latency µs, CPU µs per command */
	double sx_cpu, me_cpu, wall;	/* simxend's and the guests' CPU, wall µs/cmd */
	double acc;			/* MMIO accesses per command */
	double fp50, fp99, fsx_cpu;	/* floor */
	unsigned int fk;		/* floor accesses per command */
	double rss_kib, anon_kib;	/* per guest */
};

static struct row rows[16];
static unsigned int nrows;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile, in µs. */
static double pct(uint64_t *v, unsigned int n, double p)
{
	unsigned int k = (unsigned int)ceil(p / 100.0 * n);

	qsort(v, n, sizeof(*v), cmp_u64);
	return (double)v[k ? k - 1 : 0] / 1000.0;
}

/* The guests of one mode, in domid order. */
static unsigned int pick(bool grants, struct guest **out)
{
	unsigned int k = 0;

	for (unsigned int i = 0; i < w.n; i++)
		if (w.g[i].grants == grants)
			out[k++] = &w.g[i];
	return k;
}

static void measure(struct row *r, bool grants, unsigned int cmds, unsigned int reps)
{
	struct guest *gs[MAX_GUESTS];
	unsigned int k = pick(grants, gs);
	uint64_t *lat = calloc(cmds, sizeof(*lat));
	uint64_t acc0, cpu0, sx0, me0, t0, t1;

	if (!lat)
		die("out of memory");
	/* Every guest through the mix first, and a few hundred commands at
	 * least: first-touch costs (page faults, cached mappings) are not what
	 * a command costs. */
	for (unsigned int i = 0; i < k * MIX_N || i < WARMUP; i++)
		mix_step(gs[i % k]);
	for (unsigned int rep = 0; rep < reps; rep++) {
		double p50;

		acc0 = w.accesses;
		cpu0 = cpu_ns(w.vscmid);
		sx0 = cpu_ns(sim_pid(w.sim));
		me0 = cpu_ns(getpid());
		t0 = now_ns();
		for (unsigned int i = 0; i < cmds; i++)
			lat[i] = mix_step(gs[i % k]);
		t1 = now_ns();
		p50 = pct(lat, cmds, 50);
		/* The least disturbed run: the machine is shared. */
		if (rep && p50 >= r->p50)
			continue;
		r->cpu = (double)(cpu_ns(w.vscmid) - cpu0) / cmds / 1000.0;
		r->sx_cpu = (double)(cpu_ns(sim_pid(w.sim)) - sx0) / cmds / 1000.0;
		r->me_cpu = (double)(cpu_ns(getpid()) - me0) / cmds / 1000.0;
		r->wall = (double)(t1 - t0) / cmds / 1000.0;
		r->acc = (double)(w.accesses - acc0) / cmds;
		r->cmds = cmds;
		r->p50 = p50;
		r->p99 = pct(lat, cmds, 99);
	}
	free(lat);
	if (w.mmio_failures)
		die("%llu MMIO accesses failed", (unsigned long long)w.mmio_failures);
}

/* The floor over the same guests: as many accesses per command as the
 * guest driver made, alternating write, read, write as it does (notify,
 * InterruptStatus, InterruptACK). */
static void measure_floor(struct row *r, struct guest **gs, unsigned int k, unsigned int cmds,
			  unsigned int reps)
{
	uint64_t *lat = calloc(cmds, sizeof(*lat));
	uint64_t sx0;

	if (!lat)
		die("out of memory");
	if (!r->fk)
		r->fk = 3;
	for (unsigned int i = 0; i < k || i < WARMUP; i++)
		floor_access(gs[i % k], true);
	for (unsigned int rep = 0; rep < reps; rep++) {
		double p50;

		sx0 = cpu_ns(sim_pid(w.sim));
		for (unsigned int i = 0; i < cmds; i++) {
			struct guest *gu = gs[i % k];
			uint64_t t0 = now_ns();

			for (unsigned int a = 0; a < r->fk; a++)
				floor_access(gu, a % 2 == 0);
			lat[i] = now_ns() - t0;
		}
		p50 = pct(lat, cmds, 50);
		if (rep && p50 >= r->fp50)
			continue;
		r->fsx_cpu = (double)(cpu_ns(sim_pid(w.sim)) - sx0) / cmds / 1000.0;
		r->fp50 = p50;
		r->fp99 = pct(lat, cmds, 99);
	}
	free(lat);
}

/* N agents matched by domid, each with a private pixel clock under one
 * shared PLL, all sharing one power domain. vscmid refuses to start when no
 * agent has a socket, Xen guests or not, and an operator agent would be one
 * agent too many at the 64 it allows: the first guest's agent keeps its
 * socket, which nobody connects to. */
static char *bench_config(unsigned int n)
{
	size_t cap = 256 + (size_t)n * 256, off = 0;
	char *c = malloc(cap);

	if (!c)
		die("out of memory");
	off += (size_t)snprintf(c + off, cap - off,
				"[daemon]\nplatform = emulated\n"
				"[clock pll]\nid = 0\nrates = 1188M\npolicy = fixed\nrate = 1188M\n"
				"[power media]\nid = 0\n");
	for (unsigned int i = 0; i < n; i++)
		off += (size_t)snprintf(c + off, cap - off,
					"[clock pix%u]\nid = %u\nparent = pll\n"
					"range = 25M 200M 1M\n", i + 1, i + 1);
	for (unsigned int i = 0; i < n; i++)
		off += (size_t)snprintf(c + off, cap - off,
					"[agent g%u]\ndomid = %u\n%s"
					"clocks = pix%u:pixel\npower = media\n",
					i + 1, i + 1, i ? "socket = none\n" : "", i + 1);
	return c;
}

static void bench_machine(unsigned int n, enum modes modes, unsigned int cmds, unsigned int reps)
{
	struct row *r[2] = { NULL, NULL };
	bool served;
	char why[256] = "", *conf;
	long rss0 = 0, anon0 = 0, rss1, anon1;
	uint64_t t0 = now_ns();
	struct rlimit rl;

	/* A simxend out of descriptors spins on accept() and its clients wait
	 * for ever: a machine that does not fit is refused up front. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)n * FDS_PER_GUEST + FDS_FIXED > rl.rlim_cur) {
		if (nrows == sizeof(rows) / sizeof(rows[0]))
			die("too many rows");
		r[0] = &rows[nrows++];
		r[0]->n = n;
		snprintf(r[0]->why, sizeof(r[0]->why),
			 "not run: simxend needs about %u descriptors for %u guests (%u each), "
			 "RLIMIT_NOFILE is %llu", n * FDS_PER_GUEST + FDS_FIXED, n, FDS_PER_GUEST,
			 (unsigned long long)rl.rlim_cur);
		return;
	}
	machine_up(n);
	for (unsigned int i = 0; i < n; i++) {
		struct guest *gu = &w.g[i];

		gu->domid = i + 1;
		snprintf(gu->name, sizeof(gu->name), "guest%u", i + 1);
		gu->grants = modes == MODE_HALF ? i % 2 == 0 : modes == MODE_GRANTS;
		domain_create(gu);
	}
	conf = bench_config(n);
	served = vscmid_start(conf, false, why, sizeof(why));
	free(conf);
	/* A row per mode served; one for the floor alone when nothing is. */
	for (int m = 0; m < 2; m++) {
		bool grants = m == 0;

		if (served && modes != MODE_HALF && grants != (modes == MODE_GRANTS))
			continue;
		if (nrows == sizeof(rows) / sizeof(rows[0]))
			die("too many rows");
		r[m] = &rows[nrows++];
		r[m]->n = n;
		r[m]->served = served;
		r[m]->mode = grants ? "grants" : "foreign";
		snprintf(r[m]->why, sizeof(r[m]->why), "%s", why);
		if (!served)
			break;
	}
	if (served) {
		rss0 = status_kib(w.vscmid, "VmRSS");
		anon0 = status_kib(w.vscmid, "RssAnon");
		for (unsigned int i = 0; i < n; i++)
			device_add(&w.g[i]);
		for (unsigned int i = 0; i < n; i++)
			if (wait_state(w.g[i].domid, 4, false) != 4)
				die("dom%u: backend state %d, not 4", w.g[i].domid,
				    be_state(w.g[i].domid));
		for (unsigned int i = 0; i < n; i++)
			guest_probe(&w.g[i]);
		rss1 = status_kib(w.vscmid, "VmRSS");
		anon1 = status_kib(w.vscmid, "RssAnon");
		for (int m = 0; m < 2; m++) {
			if (!r[m])
				continue;
			r[m]->rss_kib = (double)(rss1 - rss0) / n;
			r[m]->anon_kib = (double)(anon1 - anon0) / n;
			measure(r[m], m == 0, cmds, reps);
			r[m]->fk = (unsigned int)lround(r[m]->acc);
		}
	}
	/* The floor runs in the same machine, vscmid gone: simxend polls every
	 * connection for every message, so its cost grows with how many are
	 * open, and the floor's own event channel handles stand in for
	 * vscmid's. */
	vscmid_stop();
	for (unsigned int i = 0; i < n; i++)
		floor_open(&w.g[i]);
	for (int m = 0; m < 2; m++) {
		struct guest *gs[MAX_GUESTS];
		unsigned int k;

		if (!r[m])
			continue;
		k = served ? pick(m == 0, gs) : n;
		for (unsigned int i = 0; !served && i < n; i++)
			gs[i] = &w.g[i];
		measure_floor(r[m], gs, k, cmds, reps);
		r[m]->floor = true;
	}
	machine_down();
	fprintf(stderr, "bench-xen: %u guest(s)%s: %.1f s\n", n,
		modes == MODE_HALF ? "" : modes == MODE_GRANTS ? ", grants" : ", foreign",
		(double)(now_ns() - t0) / 1e9);
}

static void print_tables(void)
{
	printf("| guests | mode | p50 µs | p99 µs | CPU µs/cmd | floor p50 | floor p99 | "
	       "RSS/guest KiB |\n");
	printf("|---:|---|---:|---:|---:|---:|---:|---:|\n");
	for (unsigned int i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		if (!r->served && !r->floor) {
			printf("| %u | not run | - | - | - | - | - | - |\n", r->n);
			continue;
		}
		if (!r->served) {
			printf("| %u | not served | - | - | - | %.1f | %.1f | - |\n", r->n, r->fp50,
			       r->fp99);
			continue;
		}
		printf("| %u | %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n", r->n, r->mode,
		       r->p50, r->p99, r->cpu, r->fp50, r->fp99, r->rss_kib);
	}
	printf("\nWhere the time goes, per command:\n\n");
	printf("| guests | mode | MMIO/cmd | wall µs | guests CPU µs | simxend CPU µs | "
	       "vscmid CPU µs | floor simxend CPU µs | RssAnon/guest KiB |\n");
	printf("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
	for (unsigned int i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		if (!r->served && !r->floor)
			printf("| %u | not run | - | - | - | - | - | - | - |\n", r->n);
		else if (!r->served)
			printf("| %u | not served | %u | - | - | - | - | %.1f | - |\n", r->n, r->fk,
			       r->fsx_cpu);
		else
			printf("| %u | %s | %.2f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f |\n",
			       r->n, r->mode, r->acc, r->wall, r->me_cpu, r->sx_cpu, r->cpu,
			       r->fsx_cpu, r->anon_kib);
	}
	for (unsigned int i = 0; i < nrows; i++)
		if (!rows[i].served && !rows[i].floor)
			printf("\n%u guests: %s\n", rows[i].n, rows[i].why);
		else if (!rows[i].served)
			printf("\n%u guests: vscmid-sim did not start: %s\n"
			       "(vscmid's model holds at most %d agents and %d resources "
			       "of a kind; each guest needs an agent of its own)\n", rows[i].n,
			       rows[i].why, VSCMI_MAX_AGENTS, VSCMI_MAX_RESOURCES);
}

static int bench(void)
{
	const char *n_env = getenv("BENCH_N"), *r_env = getenv("BENCH_REPS");
	unsigned int cmds = n_env ? (unsigned int)strtoul(n_env, NULL, 10) : CMDS_DEFAULT;
	unsigned int reps = r_env ? (unsigned int)strtoul(r_env, NULL, 10) : REPS_DEFAULT;
	unsigned int sizes[8], nsizes = 0;
	struct rlimit rl;
	const char *list = env_or("BENCH_GUESTS", "1 16 64 256");
	char *end;

	while (nsizes < 8) {
		unsigned long v = strtoul(list, &end, 10);

		if (end == list)
			break;
		if (v < 1 || v > MAX_GUESTS)
			die("BENCH_GUESTS: %lu: 1 to %d guests", v, MAX_GUESTS);
		sizes[nsizes++] = (unsigned int)v;
		list = end;
	}
	if (cmds < 100)
		cmds = 100;
	if (reps < 1)
		reps = 1;
	/* Descriptors grow with the guests (FDS_PER_GUEST in simxend); the
	 * soft limit is often 1024 with a far higher hard one. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* A command is strictly sequential (guest, simxend, vscmid, simxend,
	 * guest): one CPU loses no parallelism, and the processes hand over by
	 * plain context switches instead of cross-CPU wake-ups, whose latency
	 * in a VM follows the host's load. Children inherit the mask. */
	if (strcmp(env_or("BENCH_PIN", "1"), "0")) {
		cpu_set_t set;
		int cpu = sched_getcpu();

		CPU_ZERO(&set);
		CPU_SET(cpu < 0 ? 0 : cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set) == 0)
			printf("All processes on CPU %d (BENCH_PIN=0: free).\n", cpu < 0 ? 0 : cpu);
	}
	printf("Xen path, simulated: %u commands per row, round-robin over the row's guests, "
	       "the best (lowest p50) of %u runs; mix: ", cmds, reps);
	for (size_t i = 0; i < MIX_N; i++)
		printf("%s%s", i ? ", " : "", mix[i].what);
	printf(".\nfloor: an in-process IOREQ server completing the same number of accesses "
	       "per command.\n\n");
	fflush(stdout);
	for (unsigned int i = 0; i < nsizes; i++) {
		if (sizes[i] == 1) {
			bench_machine(1, MODE_GRANTS, cmds, reps);
			bench_machine(1, MODE_FOREIGN, cmds, reps);
		} else {
			bench_machine(sizes[i], MODE_HALF, cmds, reps);
		}
	}
	print_tables();
	return 0;
}

/* --- the demo ------------------------------------------------------------ */

/* vscmid's log lines since the last call, indented under the narration. */
static void show_log(void)
{
	char path[PATH_MAX + 16], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/vscmid.log", w.dir);
	f = fopen(path, "r");
	if (!f)
		return;
	fseek(f, w.log_off, SEEK_SET);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		printf("    vscmid| %s\n", line);
	}
	w.log_off = ftell(f);
	fclose(f);
}

/* The log reaches the file a moment after the reply reaches the guest. */
static void settle_and_show_log(void)
{
	usleep(50000);
	show_log();
}

static void run_ctl(const char *cmd)
{
	const char *exe = env_or("VSCMICTL", BENCH_VSCMICTL);
	char sock[PATH_MAX + 16];
	pid_t pid;
	int st;

	snprintf(sock, sizeof(sock), "%s/control", w.dir);
	printf("\n$ %s --socket %s %s\n", exe, sock, cmd);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execl(exe, exe, "--socket", sock, cmd, (char *)NULL);
		fprintf(stderr, "exec %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("vscmictl %s failed", cmd);
	printf("\n");
}

static void step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void step(const char *fmt, ...)
{
	va_list ap;

	printf("\n== ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* One SCMI command, said the way a reader follows it. */
static int32_t demo_cmd(struct guest *gu, const char *what, uint8_t proto, uint8_t msg, int n,
			const uint32_t *words, uint8_t *resp)
{
	uint64_t acc = w.accesses, ns;
	long spi = sim_spi_count(w.sim, gu->domid, SPI0);
	size_t len;
	int32_t st = scmi(gu, proto, msg, n, words, resp, &len, &ns);

	printf("  %-7s -> %-42s %s  (%llu MMIO accesses trapped to vscmid, %ld SPI, %.0f µs)\n",
	       gu->name, what, scmi_status_name(st), (unsigned long long)(w.accesses - acc),
	       sim_spi_count(w.sim, gu->domid, SPI0) - spi, (double)ns / 1000.0);
	return st;
}

static const char demo_conf[] =
	"; Two guests share the video PLL; each has its own pixel clock under it.\n"
	"[daemon]\nplatform = emulated\n"
	"[clock pll_video]\nid = 0\nrates = 1188M\npolicy = fixed\nrate = 1188M\n"
	"[clock cam_pix]\nid = 1\nparent = pll_video\nrange = 25M 200M 1M\n"
	"[clock disp_pix]\nid = 2\nparent = pll_video\nrates = 74250k 148500k\n"
	"[agent camera]\ndomain = camera\nsocket = none\nclocks = cam_pix:pixel\n"
	"[agent display]\ndomid = 2\nsocket = none\nclocks = disp_pix:pixel\n"
	"; The operator, on a UNIX socket; no Xen domain.\n"
	"[agent ops]\nprivileged = yes\nprotocols = base system\n";

static int demo(void)
{
	static const uint32_t on[] = { 0, 1, 0 }, off[] = { 0, 0, 0 }, clk0[] = { 0 };
	/* CLOCK_RATE_SET: flags, clock, rate low and high words */
	static const uint32_t rates[2][4] = { { 0, 0, 100000000, 0 }, { 0, 0, 148500000, 0 } };
	static const char *const rate_names[2] = { "CLOCK_RATE_SET(0, 100 MHz)",
						   "CLOCK_RATE_SET(0, 148.5 MHz)" };
	uint8_t resp[SIM_MSG_SIZE];
	char why[256];
	struct guest *cam, *disp;
	struct sim_domain_info info;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("vscmi on Xen, simulated end to end: the real vscmid serves two Linux-like guests\n"
	       "over virtio-mmio; every register access of theirs is an IOREQ that a simulated\n"
	       "hypervisor (simxend) hands to vscmid through an ioreq page and event channels.\n");

	step("the hypervisor, XenStore, two domains");
	machine_up(2);
	printf("  simxend (simulated Xen) pid %d, xenstored (Debian's own) pid %d\n",
	       (int)sim_pid(w.sim), (int)sim_xenstored_pid(w.xsd));
	cam = &w.g[0];
	disp = &w.g[1];
	*cam = (struct guest){ .domid = 1, .name = "camera", .grants = true };
	*disp = (struct guest){ .domid = 2, .name = "display", .grants = false };
	for (int i = 0; i < 2; i++) {
		domain_create(&w.g[i]);
		printf("  domain %u \"%s\": 1 vCPU, %u MiB RAM, introduced to xenstored\n",
		       w.g[i].domid, w.g[i].name, RAM_MIB);
	}

	step("vscmid-sim starts with this config");
	printf("%s", demo_conf);
	if (!vscmid_start(demo_conf, true, why, sizeof(why)))
		die("vscmid-sim did not start: %s", why);
	printf("  control socket %s/control answers\n", w.dir);
	show_log();

	step("the toolstack adds a virtio-scmi device to each domain (as libxl does)");
	printf("  camera:  /local/domain/0/backend/virtio/1/0, base %#llx, SPI %u, grants\n",
	       BASE0, SPI0);
	printf("  display: /local/domain/0/backend/virtio/2/0, base %#llx, SPI %u, "
	       "foreign mapping (grant_usage=0)\n", BASE0, SPI0);
	for (int i = 0; i < 2; i++) {
		device_add(&w.g[i]);
		if (wait_state(w.g[i].domid, 4, true) != 4)
			die("dom%u: backend never Connected", w.g[i].domid);
	}
	show_log();

	step("each guest's virtio driver probes its device (reset, features, queues, DRIVER_OK)");
	for (int i = 0; i < 2; i++) {
		uint64_t acc = w.accesses;

		guest_probe(&w.g[i]);
		printf("  %-7s probed in %llu MMIO accesses: VERSION_1%s%s\n", w.g[i].name,
		       (unsigned long long)(w.accesses - acc),
		       w.g[i].g.features & F_ACCESS_PLATFORM ? ", ACCESS_PLATFORM (grant addresses)"
							     : "",
		       w.g[i].g.features & F_P2A ? ", P2A notifications" : "");
	}

	step("each guest asks SCMI who serves it, then enables its pixel clock");
	printf("  (vscmid's log names physical clocks by id: 0 pll_video, 1 cam_pix, "
	       "2 disp_pix)\n");
	for (int i = 0; i < 2; i++) {
		struct guest *gu = &w.g[i];

		if (demo_cmd(gu, "BASE_DISCOVER_VENDOR", SCMI_PROTO_BASE, 0x3, 0, NULL, resp) == 0)
			printf("            vendor \"%.16s\"\n", (char *)resp + 8);
		if (demo_cmd(gu, "CLOCK_ATTRIBUTES(0)", SCMI_PROTO_CLOCK, 0x3, 1, clk0, resp) == 0)
			printf("            clock 0 is \"%.16s\"\n", (char *)resp + 12);
		demo_cmd(gu, rate_names[i], SCMI_PROTO_CLOCK, 0x5, 4, rates[i], resp);
		demo_cmd(gu, "CLOCK_CONFIG_SET(0, enable)", SCMI_PROTO_CLOCK, 0x7, 3, on, resp);
		settle_and_show_log();
	}
	run_ctl("status");
	run_ctl("resources");

	step("the camera domain is destroyed (xl destroy camera)");
	if (sim_domain_destroy(w.sim, cam->domid) < 0)
		die("destroying domain 1");
	if (wait_state(cam->domid, 6, true) != 6)
		die("dom1: backend never Closed");
	printf("  vscmid heard @releaseDomain from xenstored (no polling), tore the device "
	       "down and said Closed\n");
	if (sim_domain_wait_gone(w.sim, cam->domid, WAIT_MS) < 0)
		die("domain 1 never went away: a mapping of it was left behind");
	printf("  domain 1 is gone for good: nothing of its memory is mapped any more\n");
	settle_and_show_log();
	run_ctl("resources");
	printf("  camera's vote is released (off): cam_pix is off. pll_video stays on: the "
	       "display still runs from it.\n");

	step("the display lets go of its clock: the PLL goes off with it");
	demo_cmd(disp, "CLOCK_CONFIG_SET(0, disable)", SCMI_PROTO_CLOCK, 0x7, 3, off, resp);
	settle_and_show_log();
	if (sim_domain_info(w.sim, disp->domid, &info) == 0)
		printf("  display: %u IOREQ server(s), %u protocol violation(s), %llu failed "
		       "accesses\n", info.ioreq_servers, info.violations,
		       (unsigned long long)w.mmio_failures);
	run_ctl("resources");

	step("stopping vscmid, xenstored and simxend");
	machine_down();
	printf("  done\n");
	return 0;
}

int main(int argc, char **argv)
{
	atexit(machine_down);
	if (argc == 2 && !strcmp(argv[1], "--demo"))
		return demo();
	if (argc > 1) {
		fprintf(stderr, "usage: bench-xen [--demo]\n");
		return 2;
	}
	return bench();
}
