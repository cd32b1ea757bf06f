/* SPDX-License-Identifier: GPL-2.0-only */
/* Test harness for simxend: process control and the toolstack/guest side. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "harness.h"

#ifndef SIMXEN_SIMXEND
#define SIMXEN_SIMXEND "simxend"
#endif
#ifndef SIMXEN_PRELOAD
#define SIMXEN_PRELOAD "libsimxen.so"
#endif
#ifndef SIMXEN_SHIM
#define SIMXEN_SHIM "xenstored_shim.so"
#endif
#ifndef SIMXEN_XENSTORED_BIN
#define SIMXEN_XENSTORED_BIN "/usr/lib/xen-4.17/bin/xenstored"
#endif
#define GNTTAB_RESERVED_XENSTORE 1

_Static_assert(SIM_IO_ABORTED == (int)SX_IO_ABORTED, "sim_io mirrors sx_io");
_Static_assert(SIM_V_READ_HIGH_BITS == (int)SX_V_READ_HIGH_BITS, "violations mirror");
_Static_assert(SIM_PORT_VIRQ == SX_PORT_VIRQ, "port states mirror");

struct ram_view {
	struct ram_view *next;
	uint32_t domid;
	void *base;
	size_t size;
};

/* A reply that arrived while another was awaited. */
struct stash {
	struct stash *next;
	struct sx_msg m;
};

struct sim {
	pid_t pid;
	char dir[PATH_MAX];
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct sx_conn c;
	struct ram_view *ram;
	struct stash *stash;
	struct sim_xenstored *xs;
};

struct sim_xenstored {
	struct sim *sim;
	pid_t pid;
	uint32_t port;
	char dir[PATH_MAX];
};

static void sleep_ms(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int join(char *buf, size_t len, const char *dir, const char *leaf)
{
	int n = snprintf(buf, len, "%s/%s", dir, leaf);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static const char *path_from(const char *env, const char *dflt)
{
	const char *p = getenv(env);

	return p && *p ? p : dflt;
}

/* --- requests --------------------------------------------------------- */

static int hsend(struct sim *s, struct sx_msg *req)
{
	return sx_send(&s->c, req);
}

/* The reply with this seq, from the stash or the socket; others are kept. */
static int hwait(struct sim *s, uint32_t seq, struct sx_msg *rep, int *fd)
{
	struct stash **pp, *st;
	int ret, rfd;

	if (fd)
		*fd = -1;
	for (pp = &s->stash; (st = *pp); pp = &st->next) {
		if (st->m.seq == seq) {
			*rep = st->m;
			*pp = st->next;
			free(st);
			return rep->ret;
		}
	}
	for (;;) {
		ret = sx_recv(&s->c, rep, &rfd, -1);
		if (ret)
			return ret;
		if (rep->seq == seq)
			break;
		if (rfd >= 0)
			close(rfd);
		st = malloc(sizeof(*st));
		if (!st)
			return -ENOMEM;
		st->m = *rep;
		st->next = s->stash;
		s->stash = st;
	}
	if (fd)
		*fd = rfd;
	else if (rfd >= 0)
		close(rfd);
	return rep->ret;
}

static int hcall(struct sim *s, struct sx_msg *req, struct sx_msg *rep, int *fd)
{
	int ret = hsend(s, req);

	if (fd)
		*fd = -1;
	if (ret)
		return ret;
	return hwait(s, req->seq, rep, fd);
}

static int hcall_args(struct sim *s, uint32_t op, uint64_t a0, uint64_t a1, uint64_t a2,
		      uint64_t a3, uint64_t a4, struct sx_msg *rep)
{
	struct sx_msg req;

	sx_msg_init(&req, op);
	req.arg[0] = a0;
	req.arg[1] = a1;
	req.arg[2] = a2;
	req.arg[3] = a3;
	req.arg[4] = a4;
	return hcall(s, &req, rep, NULL);
}

/* --- simxend ---------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

static void redirect_log(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (join(path, sizeof(path), dir, name))
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
}

static pid_t spawn(const char *dir, const char *log, char *const argv[], char *const env[])
{
	pid_t ppid = getpid(), pid = fork();
	int fd;

	if (pid != 0)
		return pid < 0 ? -errno : pid;
	/* Never outlive the test that started us. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != ppid)
		_exit(127);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		dup2(fd, 0);
	if (!getenv("SIMXEN_VERBOSE"))
		redirect_log(dir, log);
	if (env)
		execve(argv[0], argv, env);
	else
		execv(argv[0], argv);
	_exit(127);
}

static int reap(pid_t pid, int timeout_ms)
{
	int status, waited;

	for (waited = 0; waited <= timeout_ms; waited += 5) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0)
			return -errno;
		sleep_ms(5);
	}
	kill(pid, SIGKILL);
	return waitpid(pid, &status, 0) == pid ? 0 : -errno;
}

int sim_start(struct sim **out)
{
	const char *tmp = path_from("TMPDIR", "/tmp");
	const char *bin = path_from("SIMXEND", SIMXEN_SIMXEND);
	char *argv[4];
	struct sim *s;
	int ret, i;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->c.fd = -1;
	if (snprintf(s->dir, sizeof(s->dir), "%s/simxen-XXXXXX", tmp) >= (int)sizeof(s->dir) ||
	    !mkdtemp(s->dir)) {
		free(s);
		return -ENAMETOOLONG;
	}
	if (snprintf(s->sock, sizeof(s->sock), "%s/simxen.sock", s->dir) >= (int)sizeof(s->sock)) {
		ret = -ENAMETOOLONG;
		goto fail;
	}
	argv[0] = (char *)bin;
	argv[1] = s->sock;
	argv[2] = getenv("SIMXEN_VERBOSE") ? "-v" : NULL;
	argv[3] = NULL;
	s->pid = spawn(s->dir, "simxend.log", argv, NULL);
	if (s->pid < 0) {
		ret = s->pid;
		s->pid = 0;
		goto fail;
	}
	for (i = 0, ret = -ETIMEDOUT; i < 1000; i++) {
		int status;

		ret = sx_conn_open_at(&s->c, s->sock, 0, true);
		if (!ret)
			break;
		s->c.fd = -1;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			s->pid = 0;
			ret = -ECHILD;
			goto fail;
		}
		sleep_ms(5);
	}
	if (ret)
		goto fail;
	setenv("SIMXEN_SOCKET", s->sock, 1);
	*out = s;
	return 0;
fail:
	sim_stop(s);
	return ret;
}

const char *sim_dir(const struct sim *s)
{
	return s->dir;
}

const char *sim_socket(const struct sim *s)
{
	return s->sock;
}

pid_t sim_pid(const struct sim *s)
{
	return s->pid;
}

void sim_stop(struct sim *s)
{
	struct ram_view *r;
	struct stash *st;

	if (!s)
		return;
	if (s->xs)
		sim_xenstored_stop(s->xs);
	if (s->c.fd >= 0)
		sx_conn_close(&s->c);
	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		reap(s->pid, 3000);
	}
	while ((r = s->ram)) {
		s->ram = r->next;
		munmap(r->base, r->size);
		free(r);
	}
	while ((st = s->stash)) {
		s->stash = st->next;
		free(st);
	}
	if (!getenv("SIMXEN_KEEP"))
		nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	if (getenv("SIMXEN_SOCKET") && !strcmp(getenv("SIMXEN_SOCKET"), s->sock))
		unsetenv("SIMXEN_SOCKET");
	free(s);
}

/* --- domains ---------------------------------------------------------- */

static struct ram_view *ram_find(struct sim *s, uint32_t domid)
{
	struct ram_view *r;

	for (r = s->ram; r; r = r->next)
		if (r->domid == domid)
			return r;
	return NULL;
}

static int ram_attach(struct sim *s, uint32_t domid, int fd, size_t size)
{
	struct ram_view *r = ram_find(s, domid);
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r) {
			munmap(p, size);
			return -ENOMEM;
		}
		r->domid = domid;
		r->next = s->ram;
		s->ram = r;
	} else {
		munmap(r->base, r->size);
	}
	r->base = p;
	r->size = size;
	return 0;
}

int sim_domain_create(struct sim *s, const struct sim_domain_config *cfg)
{
	const char *name = cfg->name ? cfg->name : "guest";
	struct sx_msg req, rep;
	int ret, fd;

	sx_msg_init(&req, SX_H_CREATE);
	req.arg[0] = cfg->domid;
	req.arg[1] = cfg->vcpus;
	req.arg[2] = cfg->ram_mib;
	req.arg[3] = cfg->nr_spis;
	req.arg[4] = cfg->paused;
	req.len = (uint32_t)strnlen(name, SX_NAME_MAX - 1);
	memcpy(req.data.str, name, req.len);
	ret = hcall(s, &req, &rep, &fd);
	if (ret < 0)
		return ret;
	if (fd < 0)
		return -EIO;
	ret = ram_attach(s, cfg->domid, fd, (size_t)cfg->ram_mib << 20);
	close(fd);
	return ret;
}

void *sim_ram(struct sim *s, uint32_t domid, size_t *size)
{
	struct ram_view *r = ram_find(s, domid);

	if (!r)
		return NULL;
	if (size)
		*size = r->size;
	return r->base;
}

void *sim_gpa(struct sim *s, uint32_t domid, uint64_t gpa, size_t len)
{
	struct ram_view *r = ram_find(s, domid);

	if (!r || gpa < SIM_RAM0_BASE || gpa - SIM_RAM0_BASE > r->size ||
	    len > r->size - (gpa - SIM_RAM0_BASE))
		return NULL;
	return (char *)r->base + (gpa - SIM_RAM0_BASE);
}

int sim_domain_destroy(struct sim *s, uint32_t domid)
{
	struct sx_msg rep;

	return hcall_args(s, SX_H_DESTROY, domid, 0, 0, 0, 0, &rep);
}

int sim_domain_set_target(struct sim *s, uint32_t domid, uint32_t dm_domid)
{
	struct sx_msg rep;

	return hcall_args(s, SX_H_TARGET, domid, dm_domid, 0, 0, 0, &rep);
}

int sim_domain_info(struct sim *s, uint32_t domid, struct sim_domain_info *info)
{
	struct sx_msg rep;
	const struct sx_hinfo *h = &rep.data.hinfo;
	int ret = hcall_args(s, SX_H_INFO, domid, 0, 0, 0, 0, &rep);

	if (ret < 0)
		return ret;
	if (rep.len != sizeof(*h))
		return -EBADMSG;
	memset(info, 0, sizeof(*info));
	info->domid = h->d.domid;
	info->dying = h->d.flags & SX_DI_DYING;
	info->shutdown = h->d.flags & SX_DI_SHUTDOWN;
	info->shutdown_reason = h->d.shutdown_reason;
	info->crashed = info->shutdown && h->d.shutdown_reason == 3; /* SHUTDOWN_crash */
	info->vcpus = h->d.nr_vcpus;
	info->nr_spis = h->nr_spis;
	info->ioreq_servers = h->servers;
	info->ioreq_servers_enabled = h->enabled;
	info->blocked_vcpus = h->blocked_vcpus;
	info->pause_count = h->pause_count;
	info->pauses = h->pauses;
	info->parked = h->parked;
	info->grant_maps = h->grant_maps;
	info->foreign_pages = h->foreign_pages;
	info->resource_maps = h->resource_maps;
	info->violations = h->violations;
	info->last_violation = (enum sim_violation)h->last_violation;
	memcpy(info->last_text, h->last_text, sizeof(info->last_text));
	info->last_text[sizeof(info->last_text) - 1] = 0;
	return 0;
}

int sim_domain_wait_gone(struct sim *s, uint32_t domid, int timeout_ms)
{
	struct sim_domain_info info;
	int waited, ret;

	for (waited = 0;; waited += 2) {
		ret = sim_domain_info(s, domid, &info);
		if (ret == -ESRCH)
			return 0;
		if (ret < 0)
			return ret;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		sleep_ms(2);
	}
}

/* --- grants and ports ------------------------------------------------- */

int sim_grant(struct sim *s, uint32_t domid, uint32_t gref, uint64_t gfn, uint32_t to_domid,
	      bool readonly)
{
	struct sx_msg rep;

	return hcall_args(s, SX_H_GRANT, domid, gref, gfn, to_domid, readonly, &rep);
}

int sim_revoke(struct sim *s, uint32_t domid, uint32_t gref)
{
	struct sx_msg rep;

	return hcall_args(s, SX_H_REVOKE, domid, gref, 0, 0, 0, &rep);
}

int sim_evtchn_alloc_unbound(struct sim *s, uint32_t domid, uint32_t remote_domid)
{
	struct sx_msg rep;

	return hcall_args(s, SX_H_UNBOUND, domid, remote_domid, 0, 0, 0, &rep);
}

int sim_port_info(struct sim *s, uint32_t domid, uint32_t port, struct sim_port_info *pi)
{
	struct sx_msg rep;
	int ret = hcall_args(s, SX_H_PORT, domid, port, 0, 0, 0, &rep);

	if (ret < 0)
		return ret;
	if (rep.len != sizeof(rep.data.port))
		return -EBADMSG;
	pi->state = (enum sim_port_state)rep.data.port.state;
	pi->remote_dom = rep.data.port.remote_dom;
	pi->remote_port = rep.data.port.remote_port;
	pi->events = rep.data.port.events;
	return 0;
}

/* --- vCPUs ------------------------------------------------------------ */

const char *sim_io_name(int outcome)
{
	static const char *const names[] = {
		"OK", "UNHANDLED", "TIMEOUT", "HUNG", "CRASHED", "ABANDONED", "ABORTED",
	};

	if (outcome < 0)
		return strerror(-outcome);
	if ((size_t)outcome < sizeof(names) / sizeof(names[0]))
		return names[outcome];
	return "?";
}

static int submit(struct sim *s, uint32_t op, uint32_t domid, unsigned int vcpu, uint64_t addr,
		  unsigned int size, bool write, uint64_t data, int timeout_ms)
{
	struct sx_msg req;
	int ret;

	sx_msg_init(&req, op);
	req.arg[0] = domid;
	req.arg[1] = vcpu;
	req.arg[2] = addr;
	req.arg[3] = size;
	req.arg[4] = !write;
	req.arg[5] = data;
	req.arg[6] = timeout_ms < 0 ? 0 : (uint64_t)timeout_ms;
	ret = hsend(s, &req);
	if (ret)
		return ret;
	return (int)(req.seq & INT_MAX);
}

int sim_mmio_submit(struct sim *s, uint32_t domid, unsigned int vcpu, uint64_t addr,
		    unsigned int size, bool write, uint64_t data, int timeout_ms)
{
	return submit(s, SX_H_MMIO, domid, vcpu, addr, size, write, data, timeout_ms);
}

int sim_invalidate_submit(struct sim *s, uint32_t domid, unsigned int vcpu, int timeout_ms)
{
	return submit(s, SX_H_INVALIDATE, domid, vcpu, 0, 4, true, ~0ULL, timeout_ms);
}

int sim_result(struct sim *s, int ticket, uint64_t *data, unsigned int *acked)
{
	struct sx_msg rep;
	int ret;

	if (ticket <= 0)
		return -EINVAL;
	ret = hwait(s, (uint32_t)ticket, &rep, NULL);
	if (ret < 0)
		return ret;
	if (data)
		*data = rep.arg[1];
	if (acked)
		*acked = (unsigned int)rep.arg[2];
	return (int)rep.arg[0];
}

int sim_mmio(struct sim *s, uint32_t domid, unsigned int vcpu, uint64_t addr,
	     unsigned int size, bool write, uint64_t *data, int timeout_ms)
{
	uint64_t v = data ? *data : 0;
	int t = sim_mmio_submit(s, domid, vcpu, addr, size, write, v, timeout_ms);
	int ret;

	if (t < 0)
		return t;
	ret = sim_result(s, t, &v, NULL);
	if (ret >= 0 && !write && data)
		*data = v;
	return ret;
}

int sim_mmio_read32(struct sim *s, uint32_t domid, uint64_t addr, uint32_t *val)
{
	uint64_t v = 0;
	int ret = sim_mmio(s, domid, 0, addr, 4, false, &v, SIM_TIMEOUT_MS);

	*val = (uint32_t)v;
	return ret;
}

int sim_mmio_write32(struct sim *s, uint32_t domid, uint64_t addr, uint32_t val)
{
	uint64_t v = val;

	return sim_mmio(s, domid, 0, addr, 4, true, &v, SIM_TIMEOUT_MS);
}

int sim_invalidate(struct sim *s, uint32_t domid, unsigned int vcpu, int timeout_ms,
		   unsigned int *acked)
{
	int t = sim_invalidate_submit(s, domid, vcpu, timeout_ms);

	if (t < 0)
		return t;
	return sim_result(s, t, NULL, acked);
}

int sim_vcpu_blocked(struct sim *s, uint32_t domid, unsigned int vcpu)
{
	struct sx_msg rep;
	int ret = hcall_args(s, SX_H_VCPU, domid, vcpu, 0, 0, 0, &rep);

	return ret < 0 ? ret : (int)rep.arg[0];
}

/* --- interrupts ------------------------------------------------------- */

long sim_spi_count(struct sim *s, uint32_t domid, unsigned int irq)
{
	struct sx_msg rep;

	return hcall_args(s, SX_H_SPI_WAIT, domid, irq, 0, 0, 0, &rep);
}

int sim_spi_wait(struct sim *s, uint32_t domid, unsigned int irq, uint64_t count,
		 int timeout_ms)
{
	struct sx_msg req, rep;
	int ret;

	sx_msg_init(&req, SX_H_SPI_WAIT);
	req.arg[0] = domid;
	req.arg[1] = irq;
	req.arg[2] = count;
	req.arg[6] = timeout_ms <= 0 ? 1 : (uint64_t)timeout_ms;
	ret = hcall(s, &req, &rep, NULL);
	return ret < 0 ? ret : 0;
}

/* --- xenstored -------------------------------------------------------- */

static int write_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[PATH_MAX];
	int fd, ret = 0;

	if (join(path, sizeof(path), dir, name))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != (ssize_t)len)
		ret = -EIO;
	close(fd);
	return ret;
}

static int connectable(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return 0;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ret = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ret;
}

int sim_xenstored_start(struct sim *s, struct sim_xenstored **out)
{
	const char *bin = path_from("SIMXEN_XENSTORED", SIMXEN_XENSTORED_BIN);
	char preload[2 * PATH_MAX + 2], e_preload[2 * PATH_MAX + 16], e_sock[PATH_MAX + 32];
	char e_shim[PATH_MAX + 32], e_path[PATH_MAX + 32], e_rundir[PATH_MAX + 32];
	char trace[PATH_MAX], pidfile[PATH_MAX], sock[PATH_MAX], num[16];
	static char kva[SIM_PAGE_SIZE];
	struct sim_xenstored *x;
	char *argv[8], *env[10];
	int ret, i, port;

	if (s->xs)
		return -EALREADY;
	if (access(bin, X_OK))
		return -errno;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->sim = s;
	ret = join(x->dir, sizeof(x->dir), s->dir, "xenstored");
	if (ret)
		goto fail;
	if (mkdir(x->dir, 0700) && errno != EEXIST) {
		ret = -errno;
		goto fail;
	}
	/* Dom0's xenstore channel, as the dom0 kernel allocates it. */
	port = sim_evtchn_alloc_unbound(s, 0, 0);
	if (port < 0) {
		ret = port;
		goto fail;
	}
	x->port = (uint32_t)port;
	snprintf(num, sizeof(num), "%d", port);
	ret = write_file(x->dir, "xsd_port", num, strlen(num));
	if (!ret)
		ret = write_file(x->dir, "xsd_kva", kva, sizeof(kva));
	if (ret)
		goto fail;
	if (join(sock, sizeof(sock), x->dir, "socket") || join(trace, sizeof(trace), x->dir, "trace") ||
	    join(pidfile, sizeof(pidfile), x->dir, "pid")) {
		ret = -ENAMETOOLONG;
		goto fail;
	}
	snprintf(preload, sizeof(preload), "%s:%s", path_from("SIMXEN_PRELOAD", SIMXEN_PRELOAD),
		 path_from("SIMXEN_SHIM", SIMXEN_SHIM));
	snprintf(e_preload, sizeof(e_preload), "LD_PRELOAD=%s", preload);
	snprintf(e_sock, sizeof(e_sock), "SIMXEN_SOCKET=%s", s->sock);
	snprintf(e_shim, sizeof(e_shim), "XSD_SHIM_DIR=%s", x->dir);
	snprintf(e_path, sizeof(e_path), "XENSTORED_PATH=%s", sock);
	snprintf(e_rundir, sizeof(e_rundir), "XENSTORED_RUNDIR=%s", x->dir);
	i = 0;
	env[i++] = e_preload;
	env[i++] = e_sock;
	env[i++] = "SIMXEN_DOMID=0";
	env[i++] = e_shim;
	env[i++] = e_path;
	env[i++] = e_rundir;
	env[i++] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	env[i] = NULL;
	i = 0;
	argv[i++] = (char *)bin;
	argv[i++] = "-N";
	argv[i++] = "-T";
	argv[i++] = trace;
	argv[i++] = "-F";
	argv[i++] = pidfile;
	argv[i] = NULL;
	x->pid = spawn(x->dir, "xenstored.log", argv, env);
	if (x->pid < 0) {
		ret = x->pid;
		goto fail;
	}
	for (i = 0, ret = -ETIMEDOUT; i < 1000; i++) {
		int status;

		if (connectable(sock)) {
			ret = 0;
			break;
		}
		if (waitpid(x->pid, &status, WNOHANG) == x->pid) {
			x->pid = 0;
			ret = -ECHILD;
			break;
		}
		sleep_ms(5);
	}
	if (ret)
		goto fail;
	setenv("XENSTORED_PATH", sock, 1);
	s->xs = x;
	*out = x;
	return 0;
fail:
	if (x->pid > 0) {
		kill(x->pid, SIGKILL);
		reap(x->pid, 1000);
	}
	free(x);
	return ret;
}

int sim_xenstored_stop(struct sim_xenstored *x)
{
	int ret = 0;

	if (!x)
		return 0;
	if (x->pid > 0) {
		kill(x->pid, SIGTERM);
		ret = reap(x->pid, 3000);
	}
	unsetenv("XENSTORED_PATH");
	if (x->sim->xs == x)
		x->sim->xs = NULL;
	free(x);
	return ret;
}

pid_t sim_xenstored_pid(const struct sim_xenstored *x)
{
	return x->pid;
}

int sim_xenstore_prepare_guest(struct sim *s, uint32_t domid, uint64_t *gfn, uint32_t *port)
{
	struct ram_view *r = ram_find(s, domid);
	uint64_t g;
	int ret;

	if (!r)
		return -ESRCH;
	g = sim_gfn(SIM_RAM0_BASE + r->size - SIM_PAGE_SIZE);
	memset((char *)r->base + r->size - SIM_PAGE_SIZE, 0, SIM_PAGE_SIZE);
	ret = sim_grant(s, domid, GNTTAB_RESERVED_XENSTORE, g, 0, false);
	if (ret)
		return ret;
	ret = sim_evtchn_alloc_unbound(s, domid, 0);
	if (ret < 0)
		return ret;
	*gfn = g;
	*port = (uint32_t)ret;
	return 0;
}
