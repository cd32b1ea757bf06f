/* SPDX-License-Identifier: GPL-2.0-only */
/* simxend: a simulated Xen hypervisor for vscmi's tests.
 *
 * It holds what Xen would: domains with guest RAM (a memfd at
 * GUEST_RAM0_BASE), grant tables, IOREQ servers with their ioreq pages
 * (memfds), event channels, SPI counters, shutdown and death. Clients are
 * libsimxen (the Xen libraries, in the device model or in xenstored) and the
 * test harness (toolstack and guest side), over one SOCK_SEQPACKET socket.
 *
 * It is its own process so that it outlives the daemon under test, as Xen
 * outlives dom0's processes: a client that goes away loses its event channel
 * bindings, and its mappings once its process has exited, but IOREQ servers
 * stay until destroyed or until their domain dies.
 *
 * Single-threaded; every request is validated, a broken client only ever
 * gets an error or loses its connection. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xen/grant_table.h>
#include <xen/hvm/dm_op.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

#include "proto.h"

#define DEFER INT_MIN		/* handler answers later */
#define NO_DOMID UINT32_MAX

enum consumer { CONS_NONE, CONS_HANDLE, CONS_IOREQ };
enum rec_kind { REC_GRANT, REC_FOREIGN, REC_RESOURCE };

struct conn;

struct port {
	uint8_t state;
	uint8_t consumer;
	bool pending;
	bool masked;
	uint32_t remote_dom;
	uint32_t remote_port;
	uint32_t virq;
	uint8_t server;
	uint8_t vcpu;
	struct conn *handle;
	uint64_t events;
};

struct range {
	uint32_t type;
	uint64_t start, end;	/* inclusive */
};

struct server {
	bool used, enabled, page_alloc;
	uint32_t emulator;
	int memfd;
	ioreq_t *page;
	unsigned int nranges;
	struct range ranges[SX_MAX_RANGES];
	uint32_t ports[SX_MAX_VCPUS];
};

struct vcpu {
	bool blocked;
	bool read;
	uint8_t type;
	uint8_t pending;	/* servers that still owe a response */
	uint8_t prev[SX_MAX_SERVERS];
	uint32_t size;
	uint64_t data;
	int outcome;
	unsigned int acked;
	struct conn *waiter;
	uint32_t seq;
	uint64_t deadline;
	/* An access made while the domain is paused: the vCPU does not run,
	 * so it is issued once the domain runs again. */
	bool parked;
	struct conn *parked_conn;
	uint32_t parked_seq;
	uint64_t parked_arg[7];
};

struct grant {
	bool used, ro;
	uint32_t to;
	uint64_t gfn;
	uint64_t maps;
};

struct domain {
	struct domain *next;
	uint32_t domid;
	char name[SX_NAME_MAX];
	unsigned int nr_vcpus, nr_spis;
	uint64_t ram_pages;
	int ram_fd;
	bool dying, shutdown;
	unsigned int reason;
	unsigned int pause_count;	/* the control domain's, as Xen counts them */
	uint64_t pauses;
	uint32_t dm_domid;
	struct grant *grants;
	uint32_t ngrants;
	struct server *srv[SX_MAX_SERVERS];
	struct port *ports;
	uint32_t virq_port[SX_NR_VIRQS];
	struct vcpu *vcpus;
	uint64_t *spi;
	uint64_t grant_maps, foreign_pages, resource_maps;
	unsigned int violations, last_violation;
	char last_text[SX_TEXT_MAX];
};

struct maprec {
	uint32_t domid;
	uint32_t kind;
	uint32_t key;
	uint64_t count;
};

/* Mappings belong to processes, not handles: like gntdev and privcmd
 * mappings they live until unmapped or until the process exits. */
struct proc {
	struct proc *next;
	pid_t pid;
	int pidfd;
	unsigned int nconns;
	bool exited;
	struct maprec *recs;
	size_t nrecs, cap;
};

struct conn {
	struct conn *next;
	int fd;
	bool hello, dead;
	uint32_t domid;
	struct proc *proc;
	int evfd;		/* event channel handle's eventfd, or -1 */
	uint32_t *ring;
	unsigned int ring_head, ring_len;
};

struct spi_waiter {
	struct spi_waiter *next;
	struct conn *conn;
	uint32_t seq;
	uint32_t domid, irq;
	uint64_t target;
	uint64_t deadline;
};

static struct domain *domains;
static struct conn *conns;
static struct proc *procs;
static struct spi_waiter *spi_waiters;
static volatile sig_atomic_t stop;
static bool verbose;

static void logf_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void logf_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("(simxen) ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* --- replies ---------------------------------------------------------- */

static void send_msg(struct conn *c, struct sx_msg *m, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = m, .iov_len = SX_HDR_LEN + m->len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	if (c->dead)
		return;
	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	do
		n = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	/* A client that does not read its replies is broken: drop it. */
	if (n != (ssize_t)(SX_HDR_LEN + m->len))
		c->dead = true;
}

static void reply_deferred(struct conn *c, uint32_t op, uint32_t seq, int ret,
			   uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct sx_msg r;

	if (!c)
		return;
	memset(&r, 0, SX_HDR_LEN);
	r.op = op;
	r.seq = seq;
	r.ret = ret;
	r.arg[0] = a0;
	r.arg[1] = a1;
	r.arg[2] = a2;
	send_msg(c, &r, -1);
}

/* --- domains ---------------------------------------------------------- */

static struct domain *find_domain(uint64_t domid)
{
	struct domain *d;

	for (d = domains; d; d = d->next)
		if (d->domid == domid)
			return d;
	return NULL;
}

static struct domain *live_domain(uint64_t domid)
{
	struct domain *d = find_domain(domid);

	return d && !d->dying ? d : NULL;
}

static void violation(struct domain *d, unsigned int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void violation(struct domain *d, unsigned int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->last_text, sizeof(d->last_text), fmt, ap);
	va_end(ap);
	d->violations++;
	d->last_violation = code;
	logf_("d%u %s", d->domid, d->last_text);
}

/* --- event channels --------------------------------------------------- */

static struct port *port_get(struct domain *d, uint64_t pn)
{
	if (!d || pn == 0 || pn >= SX_NR_PORTS)
		return NULL;
	return &d->ports[pn];
}

static int port_alloc(struct domain *d)
{
	uint32_t pn;

	for (pn = 1; pn < SX_NR_PORTS; pn++) {
		if (d->ports[pn].state == SX_PORT_FREE) {
			memset(&d->ports[pn], 0, sizeof(d->ports[pn]));
			return (int)pn;
		}
	}
	return -ENOSPC;
}

static void ring_sync(struct conn *h)
{
	uint64_t v = 1;
	ssize_t n;

	/* The eventfd is readable exactly while ports are queued. */
	if (h->ring_len) {
		n = write(h->evfd, &v, sizeof(v));
	} else {
		n = read(h->evfd, &v, sizeof(v));
	}
	(void)n;
}

static void handle_deliver(struct conn *h, struct port *p, uint32_t pn)
{
	if (!p->pending || p->masked || h->ring_len >= SX_NR_PORTS)
		return;
	p->pending = false;
	p->masked = true;
	h->ring[(h->ring_head + h->ring_len) % SX_NR_PORTS] = pn;
	if (h->ring_len++ == 0)
		ring_sync(h);
}

static void ring_remove(struct conn *h, uint32_t pn)
{
	unsigned int i, j, len = h->ring_len;

	for (i = 0, j = 0; i < len; i++) {
		uint32_t v = h->ring[(h->ring_head + i) % SX_NR_PORTS];

		if (v != pn)
			h->ring[(h->ring_head + j++) % SX_NR_PORTS] = v;
	}
	h->ring_len = j;
	if (len && !j)
		ring_sync(h);
}

static void ioreq_kick(struct domain *d, unsigned int sid, unsigned int v);

static void port_raise(struct domain *d, uint32_t pn)
{
	struct port *p = port_get(d, pn);

	if (!p || p->state == SX_PORT_FREE)
		return;
	p->events++;
	p->pending = true;
	switch (p->consumer) {
	case CONS_HANDLE:
		handle_deliver(p->handle, p, pn);
		break;
	case CONS_IOREQ:
		p->pending = false;
		ioreq_kick(d, p->server, p->vcpu);
		break;
	default:
		break;
	}
}

/* EVTCHNOP_send: an unbound port drops the event, as in Xen. */
static int evtchn_send(struct domain *d, uint32_t pn)
{
	struct port *p = port_get(d, pn);

	if (!p || p->state == SX_PORT_FREE)
		return -EINVAL;
	if (p->state == SX_PORT_VIRQ)
		return -EINVAL;
	if (p->state == SX_PORT_INTERDOMAIN)
		port_raise(find_domain(p->remote_dom), p->remote_port);
	return 0;
}

/* EVTCHNOP_close: the far end of an interdomain channel goes back to
 * unbound, waiting for the closer's domain, so it can be bound again. */
static void port_close(struct domain *d, uint32_t pn)
{
	struct port *p = port_get(d, pn);

	if (!p || p->state == SX_PORT_FREE)
		return;
	if (p->state == SX_PORT_INTERDOMAIN) {
		struct domain *rd = find_domain(p->remote_dom);
		struct port *rp = port_get(rd, p->remote_port);

		if (rp && rp->state == SX_PORT_INTERDOMAIN &&
		    rp->remote_dom == d->domid && rp->remote_port == pn) {
			rp->state = SX_PORT_UNBOUND;
			rp->remote_dom = d->domid;
			rp->remote_port = 0;
		}
	}
	if (p->state == SX_PORT_VIRQ && p->virq < SX_NR_VIRQS &&
	    d->virq_port[p->virq] == pn)
		d->virq_port[p->virq] = 0;
	if (p->consumer == CONS_HANDLE && p->handle)
		ring_remove(p->handle, pn);
	memset(p, 0, sizeof(*p));
}

/* Global VIRQs go to their handler, dom0. */
static void send_dom_exc(void)
{
	struct domain *d0 = find_domain(0);

	if (d0 && d0->virq_port[VIRQ_DOM_EXC])
		port_raise(d0, d0->virq_port[VIRQ_DOM_EXC]);
}

/* --- vCPUs and ioreqs ------------------------------------------------- */

static uint64_t size_mask(uint32_t size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static void vcpu_finish(struct domain *d, unsigned int v, int outcome)
{
	struct vcpu *vc = &d->vcpus[v];
	uint64_t data = 0;

	if (vc->outcome == SX_IO_OK)
		vc->outcome = outcome;
	if (vc->read && vc->type == IOREQ_TYPE_COPY &&
	    (vc->outcome == SX_IO_OK || vc->outcome == SX_IO_ABANDONED))
		data = vc->data & size_mask(vc->size);
	vc->blocked = false;
	vc->pending = 0;
	reply_deferred(vc->waiter, vc->type == IOREQ_TYPE_COPY ? SX_H_MMIO : SX_H_INVALIDATE,
		       vc->seq, 0, (uint64_t)vc->outcome, data, vc->acked);
	vc->waiter = NULL;
}

/* domain_crash(): shut down with SHUTDOWN_crash; nothing runs any more. */
static void domain_crash(struct domain *d)
{
	unsigned int v;

	if (!d->shutdown) {
		d->shutdown = true;
		d->reason = SHUTDOWN_crash;
		logf_("d%u crashed", d->domid);
		send_dom_exc();
	}
	for (v = 0; v < d->nr_vcpus; v++) {
		if (d->vcpus[v].blocked) {
			d->vcpus[v].outcome = SX_IO_CRASHED;
			vcpu_finish(d, v, SX_IO_CRASHED);
		}
	}
}

static void server_done(struct domain *d, unsigned int v, unsigned int sid, int outcome)
{
	struct vcpu *vc = &d->vcpus[v];

	vc->pending &= (uint8_t)~(1u << sid);
	if (outcome == SX_IO_OK || outcome == SX_IO_ABANDONED)
		vc->acked++;
	if (outcome != SX_IO_OK && vc->outcome == SX_IO_OK)
		vc->outcome = outcome;
	if (!vc->pending)
		vcpu_finish(d, v, vc->outcome);
}

/* What Xen's wait_for_io() does each time the vCPU's channel fires. */
static void ioreq_check(struct domain *d, unsigned int v, unsigned int sid)
{
	struct server *s = d->srv[sid];
	struct vcpu *vc = &d->vcpus[v];
	ioreq_t *p = s->page + v;
	unsigned int state, prev = vc->prev[sid];

	__sync_synchronize();
	state = p->state;
	__sync_synchronize();
	if (state == STATE_IOREQ_NONE) {
		violation(d, SX_V_ABANDONED, "v%u server %u: device model set the ioreq state to NONE",
			  v, sid);
		vc->data = ~0ULL;
		server_done(d, v, sid, SX_IO_ABANDONED);
		return;
	}
	if (state < prev) {
		violation(d, SX_V_BACKWARDS, "v%u server %u: Weird HVM ioreq state transition %u -> %u",
			  v, sid, prev, state);
		domain_crash(d);
		return;
	}
	switch (state) {
	case STATE_IORESP_READY:
		if (vc->type == IOREQ_TYPE_COPY && vc->read) {
			vc->data = p->data;
			if (p->data & ~size_mask(vc->size))
				violation(d, SX_V_READ_HIGH_BITS,
					  "v%u server %u: read of %u bytes at %#llx returned %#llx",
					  v, sid, vc->size, (unsigned long long)p->addr,
					  (unsigned long long)p->data);
		}
		p->state = STATE_IOREQ_NONE;
		server_done(d, v, sid, SX_IO_OK);
		break;
	case STATE_IOREQ_READY:
	case STATE_IOREQ_INPROCESS:
		vc->prev[sid] = (uint8_t)state;
		break;
	default:
		violation(d, SX_V_BAD_STATE, "v%u server %u: Weird HVM ioreq state %u", v, sid, state);
		domain_crash(d);
		break;
	}
}

static void ioreq_kick(struct domain *d, unsigned int sid, unsigned int v)
{
	struct vcpu *vc;

	if (sid >= SX_MAX_SERVERS || !d->srv[sid] || v >= d->nr_vcpus)
		return;
	vc = &d->vcpus[v];
	if (vc->blocked && (vc->pending & (1u << sid)))
		ioreq_check(d, v, sid);
}

/* Xen's ioreq_send(): the slot must be free and carry the vCPU's port,
 * otherwise the access is not handled. Returns false then. */
static bool ioreq_send(struct domain *d, unsigned int v, unsigned int sid, const ioreq_t *proto)
{
	struct server *s = d->srv[sid];
	ioreq_t *p;
	uint32_t port = s->ports[v];

	if (!s->page_alloc) {
		violation(d, SX_V_NO_PAGE, "v%u server %u: enabled but its ioreq page was never mapped",
			  v, sid);
		return false;
	}
	p = s->page + v;
	__sync_synchronize();
	if (p->state != STATE_IOREQ_NONE) {
		violation(d, SX_V_BAD_IO_STATE, "v%u server %u: device model set bad IO state %u",
			  v, sid, (unsigned int)p->state);
		return false;
	}
	if (p->vp_eport != port) {
		violation(d, SX_V_BAD_EPORT, "v%u server %u: device model set bad event channel %u",
			  v, sid, p->vp_eport);
		return false;
	}
	*p = *proto;
	p->state = STATE_IOREQ_NONE;
	p->vp_eport = port;
	__sync_synchronize();
	p->state = STATE_IOREQ_READY;
	__sync_synchronize();
	d->vcpus[v].prev[sid] = STATE_IOREQ_READY;
	evtchn_send(d, port);
	return true;
}

/* ioreq_server_select(): ids from the top, the first enabled server with a
 * range holding the whole access. */
static int select_server(struct domain *d, uint64_t addr, uint32_t size)
{
	int id;
	unsigned int i;

	for (id = SX_MAX_SERVERS - 1; id >= 0; id--) {
		struct server *s = d->srv[id];

		if (!s || !s->enabled)
			continue;
		for (i = 0; i < s->nranges; i++) {
			struct range *r = &s->ranges[i];

			if (r->type == XEN_DMOP_IO_RANGE_MEMORY && addr >= r->start &&
			    addr + size - 1 <= r->end && addr + size - 1 >= addr)
				return id;
		}
	}
	return -1;
}

static void vcpus_expire(uint64_t now)
{
	struct domain *d;
	unsigned int v;

	for (d = domains; d; d = d->next) {
		for (v = 0; v < d->nr_vcpus; v++) {
			struct vcpu *vc = &d->vcpus[v];

			if (vc->parked && vc->deadline <= now) {
				/* still paused: the access was never made */
				vc->parked = false;
				reply_deferred(vc->parked_conn, SX_H_MMIO, vc->parked_seq, 0,
					       SX_IO_TIMEOUT, 0, 0);
				continue;
			}
			if (!vc->blocked || !vc->waiter || vc->deadline > now)
				continue;
			/* The vCPU stays blocked: a late completion frees it. */
			reply_deferred(vc->waiter, vc->type == IOREQ_TYPE_COPY ? SX_H_MMIO : SX_H_INVALIDATE,
				       vc->seq, 0, SX_IO_TIMEOUT, 0, vc->acked);
			vc->waiter = NULL;
		}
	}
}

/* --- ioreq servers ---------------------------------------------------- */

static void server_destroy(struct domain *d, unsigned int sid)
{
	struct server *s = d->srv[sid];
	unsigned int v;

	if (!s)
		return;
	for (v = 0; v < d->nr_vcpus; v++) {
		if (d->vcpus[v].blocked && (d->vcpus[v].pending & (1u << sid)))
			server_done(d, v, sid, SX_IO_ABORTED);
	}
	for (v = 0; v < d->nr_vcpus; v++)
		port_close(d, s->ports[v]);
	/* Mappings of the page stay valid: they hold the memfd. */
	munmap(s->page, SX_PAGE_SIZE);
	close(s->memfd);
	free(s);
	d->srv[sid] = NULL;
}

static int server_create(struct domain *d, uint32_t emulator)
{
	struct server *s;
	unsigned int id, v;
	int pn;

	for (id = 0; id < SX_MAX_SERVERS; id++)
		if (!d->srv[id])
			break;
	if (id == SX_MAX_SERVERS)
		return -ENOSPC;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->memfd = memfd_create("simxen-ioreq", MFD_CLOEXEC);
	if (s->memfd < 0 || ftruncate(s->memfd, SX_PAGE_SIZE) < 0)
		goto fail;
	s->page = mmap(NULL, SX_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, s->memfd, 0);
	if (s->page == MAP_FAILED)
		goto fail;
	s->used = true;
	s->emulator = emulator;
	d->srv[id] = s;
	/* One unbound channel per vCPU that only the emulator's domain may bind. */
	for (v = 0; v < d->nr_vcpus; v++) {
		pn = port_alloc(d);
		if (pn < 0) {
			server_destroy(d, id);
			return pn;
		}
		d->ports[pn].state = SX_PORT_UNBOUND;
		d->ports[pn].remote_dom = emulator;
		d->ports[pn].consumer = CONS_IOREQ;
		d->ports[pn].server = (uint8_t)id;
		d->ports[pn].vcpu = (uint8_t)v;
		s->ports[v] = (uint32_t)pn;
	}
	return (int)id;
fail:
	if (s->memfd >= 0)
		close(s->memfd);
	free(s);
	return -ENOMEM;
}

/* --- processes and their mappings ------------------------------------ */

static struct proc *proc_get(pid_t pid)
{
	struct proc *p;

	for (p = procs; p; p = p->next)
		if (p->pid == pid && !p->exited)
			return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	p->next = procs;
	procs = p;
	return p;
}

static void count_adjust(uint32_t domid, uint32_t kind, uint32_t key, int64_t n)
{
	struct domain *d = find_domain(domid);

	if (!d)
		return;
	switch (kind) {
	case REC_GRANT:
		d->grant_maps += n;
		if (key < d->ngrants)
			d->grants[key].maps += n;
		break;
	case REC_FOREIGN:
		d->foreign_pages += n;
		break;
	case REC_RESOURCE:
		d->resource_maps += n;
		break;
	}
}

static int rec_add(struct proc *p, uint32_t domid, uint32_t kind, uint32_t key, uint64_t n)
{
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < p->nrecs; i++) {
		struct maprec *r = &p->recs[i];

		if (r->domid == domid && r->kind == kind && r->key == key) {
			r->count += n;
			count_adjust(domid, kind, key, (int64_t)n);
			return 0;
		}
	}
	if (p->nrecs == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct maprec *nr = realloc(p->recs, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		p->recs = nr;
		p->cap = cap;
	}
	p->recs[p->nrecs++] = (struct maprec){ domid, kind, key, n };
	count_adjust(domid, kind, key, (int64_t)n);
	return 0;
}

static int rec_sub(struct proc *p, uint32_t domid, uint32_t kind, uint32_t key, uint64_t n)
{
	size_t i;

	for (i = 0; i < p->nrecs; i++) {
		struct maprec *r = &p->recs[i];

		if (r->domid != domid || r->kind != kind || r->key != key)
			continue;
		if (r->count < n)
			return -EINVAL;
		r->count -= n;
		count_adjust(domid, kind, key, -(int64_t)n);
		if (!r->count)
			p->recs[i] = p->recs[--p->nrecs];
		return 0;
	}
	return n ? -EINVAL : 0;
}

static void proc_release(struct proc *p)
{
	size_t i;

	for (i = 0; i < p->nrecs; i++)
		count_adjust(p->recs[i].domid, p->recs[i].kind, p->recs[i].key,
			     -(int64_t)p->recs[i].count);
	p->nrecs = 0;
}

static void proc_exited(struct proc *p)
{
	proc_release(p);
	p->exited = true;
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
}

static void procs_reap(void)
{
	struct proc **pp = &procs, *p;

	while ((p = *pp)) {
		if (!p->nconns && (p->exited || !p->nrecs)) {
			*pp = p->next;
			if (p->pidfd >= 0)
				close(p->pidfd);
			free(p->recs);
			free(p);
		} else {
			pp = &p->next;
		}
	}
}

/* --- domain life ------------------------------------------------------ */

static struct domain *domain_new(uint32_t domid, const char *name, unsigned int vcpus,
				 uint64_t ram_pages, unsigned int nr_spis)
{
	struct domain *d = calloc(1, sizeof(*d)), **pp;

	if (!d)
		return NULL;
	d->domid = domid;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->nr_vcpus = vcpus;
	d->nr_spis = nr_spis;
	d->ram_pages = ram_pages;
	d->ram_fd = -1;
	d->dm_domid = NO_DOMID;
	d->ports = calloc(SX_NR_PORTS, sizeof(*d->ports));
	d->vcpus = calloc(vcpus, sizeof(*d->vcpus));
	d->spi = calloc(nr_spis ? nr_spis : 1, sizeof(*d->spi));
	if (!d->ports || !d->vcpus || !d->spi)
		goto fail;
	if (ram_pages) {
		char nm[32];

		snprintf(nm, sizeof(nm), "simxen-ram-d%u", domid);
		d->ram_fd = memfd_create(nm, MFD_CLOEXEC);
		if (d->ram_fd < 0 || ftruncate(d->ram_fd, (off_t)(ram_pages << SX_PAGE_SHIFT)) < 0)
			goto fail;
	}
	/* Sorted by domid, as xc_domain_getinfo() walks them. */
	for (pp = &domains; *pp && (*pp)->domid < domid; pp = &(*pp)->next)
		;
	d->next = *pp;
	*pp = d;
	return d;
fail:
	if (d->ram_fd >= 0)
		close(d->ram_fd);
	free(d->ports);
	free(d->vcpus);
	free(d->spi);
	free(d);
	return NULL;
}

static void spi_waiters_drop(uint32_t domid)
{
	struct spi_waiter **pp = &spi_waiters, *w;

	while ((w = *pp)) {
		if (w->domid == domid) {
			reply_deferred(w->conn, SX_H_SPI_WAIT, w->seq, -ESRCH, 0, 0, 0);
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

static void vcpus_unpark(struct domain *d);

/* domain_kill(): vCPUs stop, IOREQ servers and event channels go; the
 * domain lingers, dying, while others still map its memory. */
static void domain_kill(struct domain *d)
{
	unsigned int v, id;
	uint32_t pn;

	d->dying = true;
	for (v = 0; v < d->nr_vcpus; v++)
		if (d->vcpus[v].blocked)
			vcpu_finish(d, v, SX_IO_ABORTED);
	vcpus_unpark(d);
	for (id = 0; id < SX_MAX_SERVERS; id++)
		server_destroy(d, id);
	for (pn = 1; pn < SX_NR_PORTS; pn++)
		port_close(d, pn);
	spi_waiters_drop(d->domid);
	send_dom_exc();
}

static void domain_free(struct domain *d)
{
	unsigned int id;

	for (id = 0; id < SX_MAX_SERVERS; id++)
		server_destroy(d, id);
	if (d->ram_fd >= 0)
		close(d->ram_fd);
	free(d->grants);
	free(d->ports);
	free(d->vcpus);
	free(d->spi);
	free(d);
}

static void domains_reap(void)
{
	struct domain **pp = &domains, *d;
	bool gone = false;

	while ((d = *pp)) {
		if (d->dying && !d->grant_maps && !d->foreign_pages && !d->resource_maps) {
			*pp = d->next;
			domain_free(d);
			gone = true;
		} else {
			pp = &d->next;
		}
	}
	if (gone)
		send_dom_exc();
}

/* --- connections ------------------------------------------------------ */

static void conn_forget(struct conn *c)
{
	struct spi_waiter **pp = &spi_waiters, *w;
	struct domain *d;
	unsigned int v;
	uint32_t pn;

	/* Like closing /dev/xen/evtchn: every port the handle bound closes. */
	for (d = domains; d; d = d->next) {
		for (pn = 1; pn < SX_NR_PORTS; pn++)
			if (d->ports[pn].consumer == CONS_HANDLE && d->ports[pn].handle == c)
				port_close(d, pn);
		for (v = 0; v < d->nr_vcpus; v++) {
			if (d->vcpus[v].waiter == c)
				d->vcpus[v].waiter = NULL;
			if (d->vcpus[v].parked_conn == c)
				d->vcpus[v].parked_conn = NULL;
		}
	}
	while ((w = *pp)) {
		if (w->conn == c) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
	if (c->proc) {
		c->proc->nconns--;
		if (!c->proc->nconns && c->proc->pidfd < 0)
			proc_release(c->proc);
	}
}

static void conns_reap(void)
{
	struct conn **pp = &conns, *c;

	while ((c = *pp)) {
		if (c->dead) {
			*pp = c->next;
			conn_forget(c);
			close(c->fd);
			if (c->evfd >= 0)
				close(c->evfd);
			free(c->ring);
			free(c);
		} else {
			pp = &c->next;
		}
	}
}

/* --- request handlers ------------------------------------------------- */

static int dm_domain(struct conn *c, uint64_t domid, struct domain **out)
{
	struct domain *d = live_domain(domid);

	if (!d)
		return -ESRCH;
	/* XSM_DM_PRIV: the control domain, or the target's device model. */
	if (c->domid != 0 && c->domid != d->dm_domid)
		return -EPERM;
	*out = d;
	return 0;
}

static int dm_server(struct conn *c, struct sx_msg *m, struct domain **dp, struct server **sp)
{
	int ret = dm_domain(c, m->arg[0], dp);

	if (ret)
		return ret;
	if (m->arg[1] >= SX_MAX_SERVERS || !(*dp)->srv[m->arg[1]])
		return -ENOENT;
	*sp = (*dp)->srv[m->arg[1]];
	/* Only the domain that created a server may drive it. */
	if ((*sp)->emulator != c->domid)
		return -EPERM;
	return 0;
}

static int op_evt_open(struct conn *c, struct sx_msg *r, int *fd)
{
	if (c->evfd >= 0)
		return -EALREADY;
	c->ring = calloc(SX_NR_PORTS, sizeof(*c->ring));
	if (!c->ring)
		return -ENOMEM;
	c->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->evfd < 0) {
		free(c->ring);
		c->ring = NULL;
		return -errno;
	}
	*fd = c->evfd;
	return 0;
}

static int op_bind_interdomain(struct conn *c, struct sx_msg *m)
{
	struct domain *ld = live_domain(c->domid), *rd;
	struct port *lp, *rp;
	int pn;

	if (!ld)
		return -ESRCH;
	rd = m->arg[0] == DOMID_SELF ? ld : live_domain(m->arg[0]);
	if (!rd)
		return -ESRCH;
	rp = port_get(rd, m->arg[1]);
	if (!rp || rp->state != SX_PORT_UNBOUND || rp->remote_dom != ld->domid)
		return -EINVAL;
	pn = port_alloc(ld);
	if (pn < 0)
		return pn;
	lp = &ld->ports[pn];
	lp->state = SX_PORT_INTERDOMAIN;
	lp->remote_dom = rd->domid;
	lp->remote_port = (uint32_t)m->arg[1];
	lp->consumer = CONS_HANDLE;
	lp->handle = c;
	rp->state = SX_PORT_INTERDOMAIN;
	rp->remote_dom = ld->domid;
	rp->remote_port = (uint32_t)pn;
	/* Xen marks the new local port pending, for events sent before. */
	lp->pending = true;
	handle_deliver(c, lp, (uint32_t)pn);
	return pn;
}

static int op_bind_virq(struct conn *c, struct sx_msg *m)
{
	struct domain *d = live_domain(c->domid);
	struct port *p;
	int pn;

	if (!d)
		return -ESRCH;
	if (m->arg[0] >= SX_NR_VIRQS)
		return -EINVAL;
	if (d->virq_port[m->arg[0]])
		return -EEXIST;
	pn = port_alloc(d);
	if (pn < 0)
		return pn;
	p = &d->ports[pn];
	p->state = SX_PORT_VIRQ;
	p->virq = (uint32_t)m->arg[0];
	p->consumer = CONS_HANDLE;
	p->handle = c;
	d->virq_port[m->arg[0]] = (uint32_t)pn;
	return pn;
}

static struct port *own_port(struct conn *c, uint64_t pn, struct domain **dp)
{
	struct domain *d = find_domain(c->domid);
	struct port *p = port_get(d, pn);

	if (!p || p->consumer != CONS_HANDLE || p->handle != c)
		return NULL;
	*dp = d;
	return p;
}

static int op_evtchn(struct conn *c, struct sx_msg *m, struct sx_msg *r, int *fd)
{
	struct domain *d;
	struct port *p;

	if (m->op == SX_EVT_OPEN)
		return op_evt_open(c, r, fd);
	if (c->evfd < 0)
		return -EBADF;
	switch (m->op) {
	case SX_EVT_BIND_INTERDOMAIN:
		return op_bind_interdomain(c, m);
	case SX_EVT_BIND_VIRQ:
		return op_bind_virq(c, m);
	case SX_EVT_UNBIND:
		if (!own_port(c, m->arg[0], &d))
			return -ENOTCONN;
		port_close(d, (uint32_t)m->arg[0]);
		return 0;
	case SX_EVT_NOTIFY:
		if (!own_port(c, m->arg[0], &d))
			return -ENOTCONN;
		return evtchn_send(d, (uint32_t)m->arg[0]);
	case SX_EVT_PENDING: {
		uint32_t pn;

		if (!c->ring_len)
			return -EAGAIN;
		pn = c->ring[c->ring_head];
		c->ring_head = (c->ring_head + 1) % SX_NR_PORTS;
		if (--c->ring_len == 0)
			ring_sync(c);
		return (int)pn;
	}
	case SX_EVT_UNMASK:
		/* Like writing to /dev/xen/evtchn: ports not ours are ignored. */
		p = own_port(c, m->arg[0], &d);
		if (p) {
			p->masked = false;
			handle_deliver(c, p, (uint32_t)m->arg[0]);
		}
		return 0;
	}
	return -ENOSYS;
}

static int range_overlaps(struct server *s, uint32_t type, uint64_t start, uint64_t end)
{
	unsigned int i;

	for (i = 0; i < s->nranges; i++)
		if (s->ranges[i].type == type && start <= s->ranges[i].end &&
		    s->ranges[i].start <= end)
			return 1;
	return 0;
}

static int op_unmap_range(struct server *s, uint32_t type, uint64_t start, uint64_t end)
{
	unsigned int i;

	for (i = 0; i < s->nranges; i++) {
		struct range *r = &s->ranges[i];

		if (r->type != type || start < r->start || end > r->end)
			continue;
		if (start > r->start && end < r->end) {
			if (s->nranges == SX_MAX_RANGES)
				return -ENOSPC;
			s->ranges[s->nranges++] = (struct range){ type, end + 1, r->end };
			r->end = start - 1;
		} else if (start > r->start) {
			r->end = start - 1;
		} else if (end < r->end) {
			r->start = end + 1;
		} else {
			*r = s->ranges[--s->nranges];
		}
		return 0;
	}
	return -ENOENT;
}

static int op_dm(struct conn *c, struct sx_msg *m)
{
	struct domain *d;
	struct server *s;
	unsigned int v;
	int ret;

	switch (m->op) {
	case SX_DM_NR_VCPUS:
		ret = dm_domain(c, m->arg[0], &d);
		return ret ? ret : (int)d->nr_vcpus;
	case SX_DM_CREATE:
		ret = dm_domain(c, m->arg[0], &d);
		if (ret)
			return ret;
		/* No buffered ioreqs on Arm. */
		if (m->arg[1] != HVM_IOREQSRV_BUFIOREQ_OFF)
			return -EINVAL;
		return server_create(d, c->domid);
	case SX_DM_SET_STATE:
		ret = dm_server(c, m, &d, &s);
		if (ret)
			return ret;
		if (m->arg[2] && !s->enabled) {
			s->enabled = true;
			/* Only a page that already exists gets the ports. */
			if (s->page_alloc)
				for (v = 0; v < d->nr_vcpus; v++)
					s->page[v].vp_eport = s->ports[v];
		} else if (!m->arg[2]) {
			s->enabled = false;
		}
		return 0;
	case SX_DM_MAP_RANGE:
		ret = dm_server(c, m, &d, &s);
		if (ret)
			return ret;
		if (m->arg[2] > XEN_DMOP_IO_RANGE_PCI || m->arg[3] > m->arg[4])
			return -EINVAL;
		if (range_overlaps(s, (uint32_t)m->arg[2], m->arg[3], m->arg[4]))
			return -EEXIST;
		if (s->nranges == SX_MAX_RANGES)
			return -ENOSPC;
		s->ranges[s->nranges++] = (struct range){ (uint32_t)m->arg[2], m->arg[3], m->arg[4] };
		return 0;
	case SX_DM_UNMAP_RANGE:
		ret = dm_server(c, m, &d, &s);
		if (ret)
			return ret;
		if (m->arg[2] > XEN_DMOP_IO_RANGE_PCI || m->arg[3] > m->arg[4])
			return -EINVAL;
		return op_unmap_range(s, (uint32_t)m->arg[2], m->arg[3], m->arg[4]);
	case SX_DM_DESTROY:
		ret = dm_server(c, m, &d, &s);
		if (ret)
			return ret;
		server_destroy(d, (unsigned int)m->arg[1]);
		return 0;
	case SX_DM_GET_INFO:
		/* Arm has no ioreq gfns: only whether the server is there and
		 * belongs to the caller's domain. */
		return dm_server(c, m, &d, &s);
	case SX_DM_SET_IRQ: {
		struct spi_waiter **pp, *w;
		uint64_t irq = m->arg[1], n;

		ret = dm_domain(c, m->arg[0], &d);
		if (ret)
			return ret;
		if (irq < 32 || irq >= 32 + (uint64_t)d->nr_spis || m->arg[2] > 1)
			return -EINVAL;
		/* An edge SPI: the falling edge means nothing. */
		if (!m->arg[2])
			return 0;
		n = ++d->spi[irq - 32];
		pp = &spi_waiters;
		while ((w = *pp)) {
			if (w->domid == d->domid && w->irq == irq && n >= w->target) {
				reply_deferred(w->conn, SX_H_SPI_WAIT, w->seq, 0, n, 0, 0);
				*pp = w->next;
				free(w);
			} else {
				pp = &w->next;
			}
		}
		return 0;
	}
	}
	return -ENOSYS;
}

static int op_res_map(struct conn *c, struct sx_msg *m, int *fd)
{
	struct domain *d;
	struct server *s;
	int ret;

	ret = dm_domain(c, m->arg[0], &d);
	if (ret)
		return ret;
	if (m->arg[1] != XENMEM_resource_ioreq_server)
		return -EOPNOTSUPP;
	if (m->arg[2] >= SX_MAX_SERVERS || !d->srv[m->arg[2]])
		return -ENOENT;
	s = d->srv[m->arg[2]];
	if (s->emulator != c->domid)
		return -EPERM;
	/* One synchronous ioreq page; no buffered page on Arm. */
	if (m->arg[3] != XENMEM_resource_ioreq_server_frame_ioreq(0) || m->arg[4] != 1)
		return -EINVAL;
	ret = rec_add(c->proc, d->domid, REC_RESOURCE, (uint32_t)m->arg[2], 1);
	if (ret)
		return ret;
	s->page_alloc = true;
	*fd = s->memfd;
	return 0;
}

static int op_fmap(struct conn *c, struct sx_msg *m, struct sx_msg *r, int *fd)
{
	struct domain *d = find_domain(m->arg[0]);
	size_t i, n = m->len / 8;
	uint64_t ok = 0;
	int ret;

	if (!d || d->dying)
		return -ESRCH;
	if (d->domid == c->domid)
		return -EINVAL;
	/* XSM_TARGET: the control domain or the target's device model. */
	if (c->domid != 0 && c->domid != d->dm_domid)
		return -EPERM;
	for (i = 0; i < n; i++) {
		uint64_t pfn = m->data.u64[i];

		if (pfn >= SX_RAM0_PFN && pfn - SX_RAM0_PFN < d->ram_pages) {
			r->data.u64[i] = pfn - SX_RAM0_PFN;
			ok++;
		} else {
			r->data.u64[i] = (uint64_t)(int64_t)-EINVAL;
		}
	}
	r->len = (uint32_t)(n * 8);
	ret = rec_add(c->proc, d->domid, REC_FOREIGN, 0, ok);
	if (ret)
		return ret;
	*fd = d->ram_fd;
	return 0;
}

static struct grant *grant_get(struct domain *d, uint64_t ref)
{
	if (ref >= d->ngrants || !d->grants[ref].used)
		return NULL;
	return &d->grants[ref];
}

static int op_gmap(struct conn *c, struct sx_msg *m, struct sx_msg *r, int *fd)
{
	struct domain *d = live_domain(m->arg[0]);
	size_t i, n = m->len / 8;
	int ret;

	/* gntdev reports every failed grant map as EINVAL. */
	if (!d || !n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		struct grant *g = grant_get(d, m->data.u64[i]);

		if (!g || g->to != c->domid || (m->arg[1] && g->ro))
			return -EINVAL;
		r->data.u64[i] = g->gfn - SX_RAM0_PFN;
	}
	for (i = 0; i < n; i++) {
		ret = rec_add(c->proc, d->domid, REC_GRANT, (uint32_t)m->data.u64[i], 1);
		if (ret) {
			while (i--)
				rec_sub(c->proc, d->domid, REC_GRANT, (uint32_t)m->data.u64[i], 1);
			return ret;
		}
	}
	r->len = (uint32_t)(n * 8);
	*fd = d->ram_fd;
	return 0;
}

static int op_gunmap(struct conn *c, struct sx_msg *m)
{
	size_t i, n = m->len / 8;
	int ret = 0;

	for (i = 0; i < n; i++) {
		if (m->data.u64[i] >= SX_NR_GRANTS)
			ret = -EINVAL;
		else if (rec_sub(c->proc, (uint32_t)m->arg[0], REC_GRANT,
				 (uint32_t)m->data.u64[i], 1))
			ret = -EINVAL;
	}
	return ret;
}

static int op_gcopy(struct conn *c, struct sx_msg *m, struct sx_msg *r, int *fd)
{
	struct domain *d = live_domain(m->arg[0]);
	struct grant *g;

	r->arg[0] = (uint64_t)(int64_t)GNTST_okay;
	if (m->arg[2] + m->arg[3] > SX_PAGE_SIZE) {
		r->arg[0] = (uint64_t)(int64_t)GNTST_bad_copy_arg;
		return 0;
	}
	if (!d) {
		r->arg[0] = (uint64_t)(int64_t)GNTST_bad_domain;
		return 0;
	}
	if (m->arg[1] >= SX_NR_GRANTS) {
		r->arg[0] = (uint64_t)(int64_t)GNTST_bad_gntref;
		return 0;
	}
	g = grant_get(d, m->arg[1]);
	/* Xen's _set_status(): wrong domain, unused entry or a write through
	 * a read-only grant are all a general error. */
	if (!g || g->to != c->domid || (m->arg[4] && g->ro)) {
		r->arg[0] = (uint64_t)(int64_t)GNTST_general_error;
		return 0;
	}
	r->arg[1] = g->gfn - SX_RAM0_PFN;
	*fd = d->ram_fd;
	return 0;
}

static int op_dominfo(struct sx_msg *m, struct sx_msg *r)
{
	struct domain *d;
	uint64_t max = m->arg[1];
	size_t n = 0;

	if (max > SX_MAX_DOMINFO)
		max = SX_MAX_DOMINFO;
	for (d = domains; d && n < max; d = d->next) {
		struct sx_dominfo *i = &r->data.info[n];

		if (d->domid < m->arg[0])
			continue;
		i->domid = d->domid;
		i->flags = (d->dying ? SX_DI_DYING : 0) | (d->shutdown ? SX_DI_SHUTDOWN : 0) |
			   (d->pause_count ? SX_DI_PAUSED : 0);
		i->shutdown_reason = d->reason;
		i->nr_vcpus = d->nr_vcpus;
		i->ram_pages = d->ram_pages;
		n++;
	}
	r->len = (uint32_t)(n * sizeof(struct sx_dominfo));
	return (int)n;
}

static int op_shutdown(struct conn *c, struct sx_msg *m)
{
	struct domain *d;
	int ret = dm_domain(c, m->arg[0], &d);

	if (ret)
		return ret;
	if (m->arg[1] > SHUTDOWN_MAX)
		return -EINVAL;
	/* The first reason sticks, as in domain_shutdown(). */
	if (d->shutdown)
		return 0;
	d->shutdown = true;
	d->reason = (unsigned int)m->arg[1];
	send_dom_exc();
	return 0;
}

static int op_h_mmio(struct conn *c, struct sx_msg *m, struct sx_msg *r);

/* The accesses parked while the domain was paused, issued now that it runs
 * (or answered ABORTED, when it died meanwhile). */
static void vcpus_unpark(struct domain *d)
{
	for (unsigned int v = 0; v < d->nr_vcpus; v++) {
		struct vcpu *vc = &d->vcpus[v];
		struct sx_msg m, r;
		int ret;

		if (!vc->parked)
			continue;
		vc->parked = false;
		if (d->dying) {
			reply_deferred(vc->parked_conn, SX_H_MMIO, vc->parked_seq, 0, SX_IO_ABORTED, 0, 0);
			continue;
		}
		memset(&m, 0, SX_HDR_LEN);
		memset(&r, 0, SX_HDR_LEN);
		m.op = SX_H_MMIO;
		m.seq = vc->parked_seq;
		memcpy(m.arg, vc->parked_arg, sizeof(vc->parked_arg));
		ret = op_h_mmio(vc->parked_conn, &m, &r);
		if (ret != DEFER)
			reply_deferred(vc->parked_conn, SX_H_MMIO, vc->parked_seq, ret, r.arg[0],
				       r.arg[1], 0);
	}
}

/* XEN_DOMCTL_pausedomain / unpausedomain: a count, held by the control
 * domain (domain_pause_by_systemcontroller()). */
static int op_pause(struct conn *c, struct sx_msg *m, bool pause)
{
	struct domain *d = live_domain(m->arg[0]);

	if (!d)
		return -ESRCH;
	if (c->domid != 0)
		return -EPERM;
	if (pause) {
		if (d->pause_count >= 255)
			return -EOVERFLOW;
		d->pause_count++;
		d->pauses++;
		return 0;
	}
	if (!d->pause_count)
		return -EINVAL;
	if (--d->pause_count == 0)
		vcpus_unpark(d);
	return 0;
}

static int op_h_create(struct sx_msg *m, int *fd)
{
	struct domain *d;
	char name[SX_NAME_MAX];
	uint64_t domid = m->arg[0];

	if (domid == 0 || domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	if (find_domain(domid))
		return -EEXIST;
	if (m->arg[1] < 1 || m->arg[1] > SX_MAX_VCPUS || m->arg[2] < 1 ||
	    m->arg[2] > SX_RAM0_MAX_MIB || m->arg[3] > SX_MAX_SPIS)
		return -EINVAL;
	snprintf(name, sizeof(name), "%.*s", (int)(m->len < sizeof(name) ? m->len : sizeof(name) - 1),
		 m->data.str);
	d = domain_new((uint32_t)domid, name, (unsigned int)m->arg[1],
		       m->arg[2] << (20 - SX_PAGE_SHIFT), (unsigned int)m->arg[3]);
	if (!d)
		return -ENOMEM;
	d->pause_count = m->arg[4] != 0;
	*fd = d->ram_fd;
	return 0;
}

static int op_h_grant(struct sx_msg *m)
{
	struct domain *d = live_domain(m->arg[0]);
	uint64_t ref = m->arg[1], gfn = m->arg[2];
	struct grant *g;

	if (!d || ref >= SX_NR_GRANTS || m->arg[3] >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	if (gfn < SX_RAM0_PFN || gfn - SX_RAM0_PFN >= d->ram_pages)
		return -EINVAL;
	if (ref >= d->ngrants) {
		uint32_t n = d->ngrants ? d->ngrants : 64;
		struct grant *ng;

		while (n <= ref)
			n *= 2;
		ng = realloc(d->grants, n * sizeof(*ng));
		if (!ng)
			return -ENOMEM;
		memset(ng + d->ngrants, 0, (n - d->ngrants) * sizeof(*ng));
		d->grants = ng;
		d->ngrants = n;
	}
	g = &d->grants[ref];
	if (g->used && g->maps)
		return -EBUSY;
	g->used = true;
	g->ro = m->arg[4] != 0;
	g->to = (uint32_t)m->arg[3];
	g->gfn = gfn;
	return 0;
}

static int op_h_revoke(struct sx_msg *m)
{
	struct domain *d = find_domain(m->arg[0]);
	struct grant *g = d ? grant_get(d, m->arg[1]) : NULL;

	if (!g)
		return -ENOENT;
	/* gnttab_end_foreign_access_ref() fails while the backend maps it. */
	if (g->maps)
		return -EBUSY;
	g->used = false;
	return 0;
}

static int op_h_mmio(struct conn *c, struct sx_msg *m, struct sx_msg *r)
{
	struct domain *d = live_domain(m->arg[0]);
	uint64_t addr = m->arg[2], size = m->arg[3];
	struct vcpu *vc;
	ioreq_t p;
	int sid;

	if (!d)
		return -ESRCH;
	if (m->arg[1] >= d->nr_vcpus || (size != 1 && size != 2 && size != 4 && size != 8) ||
	    m->arg[4] > 1)
		return -EINVAL;
	if (d->shutdown)
		return -ESHUTDOWN;
	vc = &d->vcpus[m->arg[1]];
	if (vc->blocked || vc->parked) {
		r->arg[0] = SX_IO_HUNG;
		return 0;
	}
	if (d->pause_count) {
		vc->parked = true;
		vc->parked_conn = c;
		vc->parked_seq = m->seq;
		memcpy(vc->parked_arg, m->arg, sizeof(vc->parked_arg));
		vc->deadline = now_ms() + m->arg[6];
		return DEFER;
	}
	sid = select_server(d, addr, (uint32_t)size);
	if (sid < 0) {
		r->arg[0] = SX_IO_UNHANDLED;
		return 0;
	}
	/* try_fwd_ioserv(): data is the register, whatever the direction. */
	memset(&p, 0, sizeof(p));
	p.type = IOREQ_TYPE_COPY;
	p.addr = addr;
	p.size = (uint32_t)size;
	p.count = 1;
	p.dir = m->arg[4] ? IOREQ_READ : IOREQ_WRITE;
	p.data = m->arg[5];
	memset(vc, 0, sizeof(*vc));
	vc->type = IOREQ_TYPE_COPY;
	vc->read = m->arg[4] != 0;
	vc->size = (uint32_t)size;
	if (!ioreq_send(d, (unsigned int)m->arg[1], (unsigned int)sid, &p)) {
		r->arg[0] = SX_IO_UNHANDLED;
		return 0;
	}
	vc->blocked = true;
	vc->pending = (uint8_t)(1u << sid);
	vc->waiter = c;
	vc->seq = m->seq;
	vc->deadline = now_ms() + m->arg[6];
	return DEFER;
}

/* The mapcache invalidation Xen on Arm broadcasts, synchronously, to every
 * enabled server when a RAM mapping of the domain goes away. */
static int op_h_invalidate(struct conn *c, struct sx_msg *m, struct sx_msg *r)
{
	struct domain *d = live_domain(m->arg[0]);
	unsigned int v = (unsigned int)m->arg[1], id;
	struct vcpu *vc;
	uint8_t sent = 0;
	ioreq_t p;

	if (!d)
		return -ESRCH;
	if (m->arg[1] >= d->nr_vcpus)
		return -EINVAL;
	if (d->shutdown)
		return -ESHUTDOWN;
	vc = &d->vcpus[v];
	if (vc->blocked) {
		r->arg[0] = SX_IO_HUNG;
		return 0;
	}
	memset(&p, 0, sizeof(p));
	p.type = IOREQ_TYPE_INVALIDATE;
	p.size = 4;
	p.dir = IOREQ_WRITE;
	p.data = ~0ULL;
	memset(vc, 0, sizeof(*vc));
	vc->type = IOREQ_TYPE_INVALIDATE;
	for (id = 0; id < SX_MAX_SERVERS; id++) {
		if (!d->srv[id] || !d->srv[id]->enabled)
			continue;
		if (ioreq_send(d, v, id, &p))
			sent |= (uint8_t)(1u << id);
		else
			vc->outcome = SX_IO_UNHANDLED;
	}
	if (!sent) {
		r->arg[0] = (uint64_t)vc->outcome;
		return 0;
	}
	vc->blocked = true;
	vc->pending = sent;
	vc->waiter = c;
	vc->seq = m->seq;
	vc->deadline = now_ms() + m->arg[6];
	return DEFER;
}

static int op_h_spi_wait(struct conn *c, struct sx_msg *m)
{
	struct domain *d = live_domain(m->arg[0]);
	struct spi_waiter *w;
	uint64_t irq = m->arg[1], n;

	if (!d)
		return -ESRCH;
	if (irq < 32 || irq >= 32 + (uint64_t)d->nr_spis)
		return -EINVAL;
	n = d->spi[irq - 32];
	if (n >= m->arg[2] || !m->arg[6])
		return n > INT32_MAX ? INT32_MAX : (int)n;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->conn = c;
	w->seq = m->seq;
	w->domid = d->domid;
	w->irq = (uint32_t)irq;
	w->target = m->arg[2];
	w->deadline = now_ms() + m->arg[6];
	w->next = spi_waiters;
	spi_waiters = w;
	return DEFER;
}

static void spi_expire(uint64_t now)
{
	struct spi_waiter **pp = &spi_waiters, *w;

	while ((w = *pp)) {
		if (w->deadline <= now) {
			struct domain *d = find_domain(w->domid);

			reply_deferred(w->conn, SX_H_SPI_WAIT, w->seq, -ETIMEDOUT,
				       d ? d->spi[w->irq - 32] : 0, 0, 0);
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

static int op_h_info(struct sx_msg *m, struct sx_msg *r)
{
	struct domain *d = find_domain(m->arg[0]);
	struct sx_hinfo *h = &r->data.hinfo;
	unsigned int i;

	if (!d)
		return -ESRCH;
	memset(h, 0, sizeof(*h));
	h->d.domid = d->domid;
	h->d.flags = (d->dying ? SX_DI_DYING : 0) | (d->shutdown ? SX_DI_SHUTDOWN : 0) |
		     (d->pause_count ? SX_DI_PAUSED : 0);
	h->pause_count = d->pause_count;
	h->pauses = d->pauses;
	h->d.shutdown_reason = d->reason;
	h->d.nr_vcpus = d->nr_vcpus;
	h->d.ram_pages = d->ram_pages;
	h->nr_spis = d->nr_spis;
	h->dm_domid = d->dm_domid;
	for (i = 0; i < SX_MAX_SERVERS; i++) {
		if (d->srv[i]) {
			h->servers++;
			if (d->srv[i]->enabled)
				h->enabled++;
		}
	}
	for (i = 0; i < d->nr_vcpus; i++) {
		if (d->vcpus[i].blocked)
			h->blocked_vcpus++;
		if (d->vcpus[i].parked)
			h->parked++;
	}
	h->grant_maps = d->grant_maps;
	h->foreign_pages = d->foreign_pages;
	h->resource_maps = d->resource_maps;
	h->violations = d->violations;
	h->last_violation = d->last_violation;
	memcpy(h->last_text, d->last_text, sizeof(h->last_text));
	r->len = sizeof(*h);
	return 0;
}

static int op_harness(struct conn *c, struct sx_msg *m, struct sx_msg *r, int *fd)
{
	struct domain *d;
	struct port *p;
	int pn;

	switch (m->op) {
	case SX_H_CREATE:
		return op_h_create(m, fd);
	case SX_H_DESTROY:
		d = live_domain(m->arg[0]);
		if (!d)
			return -ESRCH;
		if (!d->domid)
			return -EINVAL;
		domain_kill(d);
		return 0;
	case SX_H_RAM:
		d = find_domain(m->arg[0]);
		if (!d || d->ram_fd < 0)
			return -ESRCH;
		r->arg[0] = d->ram_pages;
		*fd = d->ram_fd;
		return 0;
	case SX_H_GRANT:
		return op_h_grant(m);
	case SX_H_REVOKE:
		return op_h_revoke(m);
	case SX_H_UNBOUND:
		d = live_domain(m->arg[0]);
		if (!d || m->arg[1] >= DOMID_FIRST_RESERVED)
			return -EINVAL;
		pn = port_alloc(d);
		if (pn < 0)
			return pn;
		d->ports[pn].state = SX_PORT_UNBOUND;
		d->ports[pn].remote_dom = (uint32_t)m->arg[1];
		return pn;
	case SX_H_TARGET:
		d = live_domain(m->arg[0]);
		if (!d)
			return -ESRCH;
		d->dm_domid = m->arg[1] < DOMID_FIRST_RESERVED ? (uint32_t)m->arg[1] : NO_DOMID;
		return 0;
	case SX_H_MMIO:
		return op_h_mmio(c, m, r);
	case SX_H_INVALIDATE:
		return op_h_invalidate(c, m, r);
	case SX_H_SPI_WAIT:
		return op_h_spi_wait(c, m);
	case SX_H_INFO:
		return op_h_info(m, r);
	case SX_H_PORT:
		d = find_domain(m->arg[0]);
		p = port_get(d, m->arg[1]);
		if (!p)
			return -EINVAL;
		r->data.port.state = p->state;
		r->data.port.remote_dom = p->remote_dom;
		r->data.port.remote_port = p->remote_port;
		r->data.port.events = p->events;
		r->len = sizeof(r->data.port);
		return 0;
	case SX_H_VCPU:
		d = find_domain(m->arg[0]);
		if (!d || m->arg[1] >= d->nr_vcpus)
			return -EINVAL;
		r->arg[0] = d->vcpus[m->arg[1]].blocked;
		return 0;
	}
	return -ENOSYS;
}

static int op_hello(struct conn *c, struct sx_msg *m)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (c->hello)
		return -EALREADY;
	if (m->arg[0] != SX_VERSION)
		return -EPROTO;
	if (m->arg[1] >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	c->proc = proc_get(cred.pid);
	if (!c->proc)
		return -ENOMEM;
	c->proc->nconns++;
	c->domid = (uint32_t)m->arg[1];
	c->hello = true;
	return 0;
}

static int dispatch(struct conn *c, struct sx_msg *m, struct sx_msg *r, int *fd)
{
	size_t n = m->len / 8;

	if (m->op == SX_HELLO)
		return op_hello(c, m);
	if (!c->hello)
		return -EPROTO;
	if ((m->op == SX_FMAP || m->op == SX_GMAP || m->op == SX_GUNMAP) &&
	    (m->len % 8 || n > SX_MAX_ITEMS))
		return -EINVAL;
	switch (m->op) {
	case SX_EVT_OPEN:
	case SX_EVT_BIND_INTERDOMAIN:
	case SX_EVT_BIND_VIRQ:
	case SX_EVT_UNBIND:
	case SX_EVT_NOTIFY:
	case SX_EVT_PENDING:
	case SX_EVT_UNMASK:
		return op_evtchn(c, m, r, fd);
	case SX_DM_NR_VCPUS:
	case SX_DM_CREATE:
	case SX_DM_SET_STATE:
	case SX_DM_MAP_RANGE:
	case SX_DM_UNMAP_RANGE:
	case SX_DM_DESTROY:
	case SX_DM_SET_IRQ:
	case SX_DM_GET_INFO:
		return op_dm(c, m);
	case SX_RES_MAP:
		return op_res_map(c, m, fd);
	case SX_RES_UNMAP:
		if (m->arg[1] >= SX_MAX_SERVERS)
			return -EINVAL;
		return rec_sub(c->proc, (uint32_t)m->arg[0], REC_RESOURCE, (uint32_t)m->arg[1], 1);
	case SX_FMAP:
		return op_fmap(c, m, r, fd);
	case SX_FUNMAP:
		return rec_sub(c->proc, (uint32_t)m->arg[0], REC_FOREIGN, 0, m->arg[1]);
	case SX_GMAP:
		return op_gmap(c, m, r, fd);
	case SX_GUNMAP:
		return op_gunmap(c, m);
	case SX_GCOPY:
		return op_gcopy(c, m, r, fd);
	case SX_DOMINFO:
		return op_dominfo(m, r);
	case SX_SHUTDOWN:
		return op_shutdown(c, m);
	case SX_PAUSE:
	case SX_UNPAUSE:
		return op_pause(c, m, m->op == SX_PAUSE);
	default:
		if (m->op >= SX_H_CREATE && m->op < SX_OP_MAX)
			return op_harness(c, m, r, fd);
	}
	return -ENOSYS;
}

static void conn_input(struct conn *c)
{
	static struct sx_msg m, r;
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof(m) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	struct cmsghdr *cm;
	ssize_t n;
	int ret, fd = -1;

	n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			c->dead = true;
		return;
	}
	if (n == 0) {
		c->dead = true;
		return;
	}
	/* Clients have no business sending descriptors. */
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			size_t i, nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fds[8];

			if (nfd > 8)
				nfd = 8;
			memcpy(fds, CMSG_DATA(cm), nfd * sizeof(int));
			for (i = 0; i < nfd; i++)
				close(fds[i]);
		}
	}
	memset(&r, 0, SX_HDR_LEN);
	if ((size_t)n < SX_HDR_LEN || (mh.msg_flags & MSG_TRUNC) ||
	    m.len != (size_t)n - SX_HDR_LEN) {
		r.op = (size_t)n >= sizeof(m.op) ? m.op : 0;
		r.seq = (size_t)n >= SX_HDR_LEN ? m.seq : 0;
		r.ret = -EBADMSG;
		send_msg(c, &r, -1);
		return;
	}
	r.op = m.op;
	r.seq = m.seq;
	ret = dispatch(c, &m, &r, &fd);
	if (ret == DEFER)
		return;
	r.ret = ret;
	if (ret < 0) {
		r.len = 0;
		fd = -1;
	}
	send_msg(c, &r, fd);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	return fd;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t next_deadline(void)
{
	uint64_t dl = UINT64_MAX;
	struct spi_waiter *w;
	struct domain *d;
	unsigned int v;

	for (d = domains; d; d = d->next)
		for (v = 0; v < d->nr_vcpus; v++)
			if (((d->vcpus[v].blocked && d->vcpus[v].waiter) || d->vcpus[v].parked) &&
			    d->vcpus[v].deadline < dl)
				dl = d->vcpus[v].deadline;
	for (w = spi_waiters; w; w = w->next)
		if (w->deadline < dl)
			dl = w->deadline;
	return dl;
}

static void accept_conn(int lfd)
{
	struct conn *c;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return;
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->evfd = -1;
	c->next = conns;
	conns = c;
}

static int serve(int lfd)
{
	struct pollfd *pfds = NULL;
	void **who = NULL;
	size_t cap = 0;

	while (!stop) {
		struct conn *c;
		struct proc *p;
		uint64_t dl, now;
		size_t n = 1, i;
		int timeout;

		for (c = conns; c; c = c->next)
			n++;
		for (p = procs; p; p = p->next)
			n++;
		if (n > cap) {
			struct pollfd *np = realloc(pfds, n * sizeof(*np));
			void **nw = realloc(who, n * sizeof(*nw));

			if (np)
				pfds = np;
			if (nw)
				who = nw;
			if (!np || !nw)
				return -ENOMEM;
			cap = n;
		}
		pfds[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		who[0] = NULL;
		n = 1;
		for (c = conns; c; c = c->next) {
			pfds[n] = (struct pollfd){ .fd = c->fd, .events = POLLIN };
			who[n++] = c;
		}
		for (p = procs; p; p = p->next) {
			pfds[n] = (struct pollfd){ .fd = p->pidfd, .events = POLLIN };
			who[n++] = p;
		}
		dl = next_deadline();
		now = now_ms();
		timeout = dl == UINT64_MAX ? -1 : dl <= now ? 0 : (int)(dl - now > 60000 ? 60000 : dl - now);
		if (poll(pfds, n, timeout) < 0 && errno != EINTR)
			break;
		if (stop)
			break;
		/* Connections first: a completion and a timeout in the same
		 * round are decided for the completion. */
		for (i = 1; i < n; i++) {
			if (!pfds[i].revents)
				continue;
			for (c = conns; c && (void *)c != who[i]; c = c->next)
				;
			if (c && !c->dead)
				conn_input(c);
			for (p = procs; p && (void *)p != who[i]; p = p->next)
				;
			if (p && pfds[i].fd >= 0 && !p->exited)
				proc_exited(p);
		}
		now = now_ms();
		vcpus_expire(now);
		spi_expire(now);
		if (pfds[0].revents & POLLIN)
			accept_conn(lfd);
		conns_reap();
		procs_reap();
		domains_reap();
	}
	free(pfds);
	free(who);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int lfd;

	if (argc < 2) {
		fprintf(stderr, "usage: simxend SOCKET [-v]\n");
		return 2;
	}
	verbose = argc > 2 && !strcmp(argv[2], "-v");
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!domain_new(0, "Domain-0", 1, 0, 0)) {
		fprintf(stderr, "simxend: out of memory\n");
		return 1;
	}
	lfd = listen_on(argv[1]);
	if (lfd < 0) {
		fprintf(stderr, "simxend: %s: %s\n", argv[1], strerror(-lfd));
		return 1;
	}
	if (verbose)
		logf_("listening on %s", argv[1]);
	serve(lfd);
	close(lfd);
	unlink(argv[1]);
	return 0;
}
