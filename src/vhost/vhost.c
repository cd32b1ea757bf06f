/* SPDX-License-Identifier: GPL-2.0-only */
/* The vhost-user backend side of virtio-scmi: the frontend (QEMU) owns the
 * virtio transport and hands us guest memory as fds, the ring addresses and
 * an eventfd per direction; the device itself is the existing virtio-scmi
 * one, driven through struct vio_dev instead of MMIO registers.
 *
 * Everything the frontend sends is checked before it is used, and any
 * message this backend cannot make sense of ends the connection: the
 * caller closes it and the guest's agent is reset, as for a dead guest. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "vscmi/log.h"
#include "vscmi/vhost.h"

#define VHOST_NQUEUES 2
#define VHOST_PROTOCOL_FEATURES \
	((1ull << VHOST_USER_PROTOCOL_F_MQ) | (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK))
/* Split rings hold at most 32768 entries; QEMU's virtio-mmio offers 1024,
 * more than the MMIO model here (VIO_QUEUE_MAX) would accept. */
#define VHOST_QUEUE_MAX 32768u
#define VHOST_VRING_F_LOG 1u

struct vhost_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

struct vhost_state {
	uint32_t index;
	uint32_t num;
};

struct vhost_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc, used, avail, log;
};

struct vhost_region_msg {
	uint64_t gpa, size, uva, offset;
};

struct vhost_mem_msg {
	uint32_t nregions;
	uint32_t padding;
	struct vhost_region_msg r[VHOST_USER_MAX_REGIONS];
};

union vhost_payload {
	uint64_t u64;
	struct vhost_state state;
	struct vhost_addr addr;
	struct vhost_mem_msg mem;
};

struct vhost_region {
	uint64_t gpa, size, uva;
	uint8_t *host;			/* guest address gpa */
	void *map;			/* what mmap returned, maplen long */
	size_t maplen;
};

struct vhost_mem {
	struct vio_mem m;
	struct vhost_region r[VHOST_USER_MAX_REGIONS];
	unsigned int n;
};

struct vhost_vring {
	int kick, call, err;
	bool started;			/* SET_VRING_KICK seen, GET_VRING_BASE not yet */
	bool enabled;
	bool addr_set;
	uint64_t desc_uva, avail_uva, used_uva;
	uint16_t signalled;		/* used index at the last call */
};

struct vhost_conn {
	int fd;
	struct scmi_agent *agent;
	struct vio_scmi *scmi;
	struct vio_dev *dev;
	struct vhost_mem mem;
	struct vhost_vring vr[VHOST_NQUEUES];
	uint64_t features;		/* acked by SET_FEATURES */
	uint64_t protocol;		/* acked by SET_PROTOCOL_FEATURES */
	bool err_signalled;
	/* Every ring stopped while the driver ran (a paused VM, or a reset
	 * about to be seen), and where the command queue stopped. */
	bool stopped;
	uint16_t stop_base;
	/* Where its used ring stopped: behind stop_base by the commands whose
	 * replies were still to come. */
	uint16_t stop_used;
	/* The message arriving: a frontend may send it in pieces, and the
	 * loop goes on serving others until the rest comes. */
	struct {
		struct vhost_hdr h;
		union vhost_payload p;
		size_t got;			/* bytes of header and payload */
		int fds[VHOST_USER_MAX_REGIONS];
		unsigned int nfds;
	} rx;
};

/* --- guest memory ------------------------------------------------------------- */

static void *vhost_mem_map(struct vio_mem *m, uint64_t addr, size_t len, bool write)
{
	struct vhost_mem *vm = (struct vhost_mem *)m;

	for (unsigned int i = 0; i < vm->n; i++) {
		const struct vhost_region *r = &vm->r[i];

		if (addr >= r->gpa && addr - r->gpa < r->size && len <= r->size - (addr - r->gpa))
			return r->host + (addr - r->gpa);
	}
	errno = EFAULT;
	return NULL;
}

/* Regions stay mapped for the connection's life (or until the next table). */
static void vhost_mem_unmap(struct vio_mem *m, void *p, size_t len)
{
}

/* A frontend user address to a guest address, with [uva, uva+len) inside
 * one region; 0 or -EFAULT. */
static int vhost_uva_to_gpa(const struct vhost_mem *vm, uint64_t uva, uint64_t len, uint64_t *gpa)
{
	for (unsigned int i = 0; i < vm->n; i++) {
		const struct vhost_region *r = &vm->r[i];

		if (uva >= r->uva && uva - r->uva < r->size && len <= r->size - (uva - r->uva)) {
			*gpa = r->gpa + (uva - r->uva);
			return 0;
		}
	}
	return -EFAULT;
}

static void vhost_mem_clear(struct vhost_region *r, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (r[i].map)
			munmap(r[i].map, r[i].maplen);
}

/* --- rings and the device ------------------------------------------------------- */

static void vhost_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static bool vhost_vq_wanted(const struct vhost_conn *c, unsigned int q)
{
	const struct vhost_vring *vr = &c->vr[q];

	return vr->started && vr->enabled && vr->addr_set && c->mem.n &&
	       !(c->dev->status & VIO_STATUS_NEEDS_RESET);
}

/* vio_vq_start without its MMIO queue-size cap and without resetting the
 * indices SET_VRING_BASE set; the addresses come from the frontend's user
 * addresses through the current memory table. */
static int vhost_vq_map(struct vhost_conn *c, unsigned int q)
{
	struct vhost_vring *vr = &c->vr[q];
	struct vio_vq *vq = &c->dev->vq[q];
	struct vio_mem *m = &c->mem.m;
	uint32_t n = vq->num;

	if (n == 0 || n > VHOST_QUEUE_MAX || (n & (n - 1)))
		return -EINVAL;
	if (vhost_uva_to_gpa(&c->mem, vr->desc_uva, 16ull * n, &vq->desc_addr) ||
	    vhost_uva_to_gpa(&c->mem, vr->avail_uva, 6ull + 2ull * n, &vq->avail_addr) ||
	    vhost_uva_to_gpa(&c->mem, vr->used_uva, 6ull + 8ull * n, &vq->used_addr))
		return -EINVAL;
	if ((vq->desc_addr & 15) || (vq->avail_addr & 1) || (vq->used_addr & 3))
		return -EINVAL;
	vq->desc = m->map(m, vq->desc_addr, 16u * n, false);
	vq->avail = m->map(m, vq->avail_addr, 6u + 2u * n, false);
	vq->used = m->map(m, vq->used_addr, 6u + 8u * n, true);
	if (!vq->desc || !vq->avail || !vq->used) {
		vio_vq_stop(vq, m);
		return -EINVAL;
	}
	vq->ready = true;
	return 0;
}

static void vhost_rings_forget(struct vhost_conn *c)
{
	for (unsigned int q = 0; q < VHOST_NQUEUES; q++) {
		c->vr[q].addr_set = false;
		c->vr[q].enabled = false;
		c->vr[q].signalled = 0;
	}
}

/* The frontend reset the device outright: the agent lets go of what it
 * held, as it does under virtio-mmio. */
static void vhost_dev_stop(struct vhost_conn *c)
{
	vhost_rings_forget(c);
	c->stopped = false;
	vio_dev_reset(c->dev);
}

/* QEMU stops every ring both when the VM pauses and when the guest resets
 * the device, and says which only when the rings start again: a resumed
 * VM's command queue carries on from the index it stopped at, a reset
 * driver's starts from 0. A paused guest keeps its votes, so nothing it
 * switched on goes off under it; a reset one releases them before its
 * first new command. (A driver reset exactly at a multiple of 65536
 * commands looks like a resume and keeps its stale votes, on the safe
 * side.) */
static void vhost_dev_restart(struct vhost_conn *c)
{
	struct vio_dev *d = c->dev;

	c->stopped = false;
	if (d->vq[0].last_avail == c->stop_base) {
		/* SET_VRING_BASE put the used index level with the avail one;
		 * the replies still to come belong before it. */
		d->vq[0].used_idx = c->stop_used;
		c->vr[0].signalled = c->stop_used;
		return;
	}
	if (d->ops->reset)
		d->ops->reset(d);
	d->status = 0;
}

/* Brings the rings in line with what the frontend has said: maps the ones
 * now complete and enabled, unmaps the others, and starts the device once
 * its command queue runs. 0, or -EINVAL when a ring lies outside guest
 * memory. */
static int vhost_update(struct vhost_conn *c)
{
	struct vio_dev *d = c->dev;
	bool started[VHOST_NQUEUES] = { false };

	for (unsigned int q = 0; q < VHOST_NQUEUES; q++) {
		struct vio_vq *vq = &d->vq[q];
		bool want = vhost_vq_wanted(c, q);
		int r;

		if (!want && vq->ready)
			vio_vq_stop(vq, &c->mem.m);
		if (!want || vq->ready)
			continue;
		r = vhost_vq_map(c, q);
		if (r < 0) {
			log_warn("vhost: queue %u rings lie outside guest memory", q);
			return r;
		}
		started[q] = true;
	}
	if (started[0] && c->stopped)
		vhost_dev_restart(c);
	/* No status register: the driver is running once its commands can
	 * flow, with the features QEMU acked for it. */
	if (d->vq[0].ready && !(d->status & VIO_STATUS_DRIVER_OK)) {
		d->driver_features = c->features & d->features;
		d->status = VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER | VIO_STATUS_FEATURES_OK |
			    VIO_STATUS_DRIVER_OK;
		c->err_signalled = false;
		if (d->ops->driver_ok)
			d->ops->driver_ok(d);
	}
	/* Buffers the driver queued before the ring ran get no second kick. */
	for (unsigned int q = 0; q < VHOST_NQUEUES; q++)
		if (started[q] && d->vq[q].ready && (d->status & VIO_STATUS_DRIVER_OK) &&
		    !(d->status & VIO_STATUS_NEEDS_RESET))
			d->ops->queue_notify(d, q);
	return 0;
}

/* The device's interrupt: a call for each queue with new used entries,
 * and the error fds once when the device broke. */
static void vhost_irq(void *ctx)
{
	struct vhost_conn *c = ctx;
	struct vio_dev *d = c->dev;
	uint64_t one = 1;

	for (unsigned int q = 0; q < VHOST_NQUEUES; q++) {
		struct vhost_vring *vr = &c->vr[q];

		if (d->vq[q].used_idx == vr->signalled)
			continue;
		vr->signalled = d->vq[q].used_idx;
		/* Non-blocking: a full counter must not stop the daemon. */
		if (vr->call >= 0 && write(vr->call, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_warn("vhost: call eventfd: %s", strerror(errno));
	}
	if ((d->status & VIO_STATUS_NEEDS_RESET) && !c->err_signalled) {
		c->err_signalled = true;
		for (unsigned int q = 0; q < VHOST_NQUEUES; q++)
			if (c->vr[q].err >= 0 && write(c->vr[q].err, &one, sizeof(one)) < 0 &&
			    errno != EAGAIN)
				log_warn("vhost: error eventfd: %s", strerror(errno));
	}
}

/* --- messages -------------------------------------------------------------------- */

static int vhost_reply(struct vhost_conn *c, uint32_t request, const void *payload, uint32_t size)
{
	uint8_t buf[VHOST_USER_HDR_SIZE + sizeof(union vhost_payload)];
	struct vhost_hdr h = { request, VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY, size };
	ssize_t r;

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), payload, size);
	/* A frontend that does not read its replies is dropped, not waited for. */
	r = send(c->fd, buf, sizeof(h) + size, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (r < 0)
		return -errno;
	return (size_t)r == sizeof(h) + size ? 0 : -EIO;
}

static int vhost_reply_u64(struct vhost_conn *c, uint32_t request, uint64_t v)
{
	return vhost_reply(c, request, &v, sizeof(v));
}

/* Takes what has arrived of the current message into c->rx: 1 once it is
 * whole, 0 while more is to come, -errno. fds arrive with any piece; they
 * stay in c->rx for the caller to take or close. */
static int vhost_recv(struct vhost_conn *c)
{
	union {
		char buf[CMSG_SPACE(VHOST_USER_MAX_REGIONS * sizeof(int))];
		struct cmsghdr align;
	} ctl;

	for (;;) {
		size_t hl = sizeof(c->rx.h), got = c->rx.got;
		struct iovec iov = {
			.iov_base = got < hl ? (uint8_t *)&c->rx.h + got : (uint8_t *)&c->rx.p + got - hl,
			.iov_len = got < hl ? hl - got : hl + c->rx.h.size - got,
		};
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		ssize_t r;

		if (got >= hl && iov.iov_len == 0)
			return 1;
		do
			r = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (r == 0)
			return -ECONNRESET;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			size_t n;

			if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
				continue;
			n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < n; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
				if (c->rx.nfds < VHOST_USER_MAX_REGIONS)
					c->rx.fds[c->rx.nfds++] = fd;
				else
					close(fd);
			}
		}
		/* More fds than any message carries: the kernel dropped some. */
		if (mh.msg_flags & MSG_CTRUNC)
			return -EPROTO;
		c->rx.got += (size_t)r;
		if (got < hl && c->rx.got == hl) {
			if ((c->rx.h.flags & 3u) != VHOST_USER_VERSION ||
			    c->rx.h.size > sizeof(c->rx.p))
				return -EPROTO;
			memset(&c->rx.p, 0, sizeof(c->rx.p));
		}
	}
}

/* Closes the fds of the message taken, and makes room for the next. */
static void vhost_rx_done(struct vhost_conn *c)
{
	for (unsigned int i = 0; i < c->rx.nfds; i++)
		vhost_close(&c->rx.fds[i]);
	c->rx.nfds = 0;
	c->rx.got = 0;
}

static int vhost_set_mem_table(struct vhost_conn *c, const struct vhost_hdr *h,
			       const struct vhost_mem_msg *mm, int *fds, unsigned int nfds)
{
	struct vhost_region r[VHOST_USER_MAX_REGIONS] = { 0 };
	unsigned int n = mm->nregions;
	int err = -EINVAL;

	if (h->size < 8 || n == 0 || n > VHOST_USER_MAX_REGIONS ||
	    h->size != 8 + n * sizeof(struct vhost_region_msg) || nfds != n)
		return -EPROTO;
	for (unsigned int i = 0; i < n; i++) {
		const struct vhost_region_msg *m = &mm->r[i];
		struct stat st;
		uint64_t end;

		if (m->size == 0 || m->gpa + m->size < m->gpa || m->uva + m->size < m->uva ||
		    __builtin_add_overflow(m->offset, m->size, &end) || end > SIZE_MAX ||
		    end > INT64_MAX)
			goto fail;
		/* Memory behind the mapping must exist, or a touch is SIGBUS. */
		if (fstat(fds[i], &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < end)
			goto fail;
		r[i].gpa = m->gpa;
		r[i].size = m->size;
		r[i].uva = m->uva;
		r[i].maplen = (size_t)end;
		/* From 0: mmap_offset need not be page-aligned. */
		r[i].map = mmap(NULL, r[i].maplen, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
				fds[i], 0);
		if (r[i].map == MAP_FAILED) {
			r[i].map = NULL;
			err = -errno;
			goto fail;
		}
		r[i].host = (uint8_t *)r[i].map + m->offset;
	}
	/* Rings move to the new table: unmapped now, mapped again below. */
	for (unsigned int q = 0; q < VHOST_NQUEUES; q++)
		vio_vq_stop(&c->dev->vq[q], &c->mem.m);
	vhost_mem_clear(c->mem.r, c->mem.n);
	memcpy(c->mem.r, r, sizeof(r));
	c->mem.n = n;
	return vhost_update(c);
fail:
	log_warn("vhost: memory region refused");
	vhost_mem_clear(r, n);
	return err;
}

/* The queue index of a vring message, or -EINVAL. */
static int vhost_index(uint32_t index)
{
	return index < VHOST_NQUEUES ? (int)index : -EINVAL;
}

/* SET_VRING_KICK/CALL/ERR: an index and maybe an fd. */
static int vhost_set_vring_fd(struct vhost_conn *c, const struct vhost_hdr *h, uint64_t v,
			      int *fds, unsigned int nfds)
{
	bool nofd = v & VHOST_USER_VRING_NOFD;
	int q = vhost_index(v & VHOST_USER_VRING_IDX_MASK);
	struct vhost_vring *vr;
	int *slot, fd = -1;

	if (h->size != 8 || nfds != (nofd ? 0u : 1u))
		return -EPROTO;
	if (q < 0 || (v & ~(uint64_t)(VHOST_USER_VRING_IDX_MASK | VHOST_USER_VRING_NOFD)))
		return -EINVAL;
	vr = &c->vr[q];
	if (!nofd) {
		int fl = fcntl(fds[0], F_GETFL);

		/* The daemon never blocks on a frontend's eventfd (QEMU opens
		 * its own non-blocking too). */
		if (fl < 0 || fcntl(fds[0], F_SETFL, fl | O_NONBLOCK) < 0)
			return -errno;
		fd = fds[0];
		fds[0] = -1;
	}
	slot = h->request == VHOST_USER_SET_VRING_KICK ? &vr->kick :
	       h->request == VHOST_USER_SET_VRING_CALL ? &vr->call : &vr->err;
	vhost_close(slot);
	*slot = fd;
	if (h->request != VHOST_USER_SET_VRING_KICK)
		return 0;
	vr->started = true;
	/* Without protocol features there is no SET_VRING_ENABLE. */
	if (!(c->features & VHOST_USER_F_PROTOCOL_FEATURES))
		vr->enabled = true;
	return vhost_update(c);
}

static int vhost_get_vring_base(struct vhost_conn *c, const struct vhost_state *s)
{
	int q = vhost_index(s->index);
	struct vhost_state rep;
	bool any = false;
	int r;

	if (q < 0)
		return q;
	c->vr[q].started = false;
	vhost_close(&c->vr[q].kick);
	r = vhost_update(c);
	if (r < 0)
		return r;
	rep.index = s->index;
	rep.num = c->dev->vq[q].last_avail;
	for (unsigned int i = 0; i < VHOST_NQUEUES; i++)
		any |= c->vr[i].started;
	/* A broken device cannot resume: only a reset brings it back. */
	if (!any && (c->dev->status & VIO_STATUS_NEEDS_RESET)) {
		vhost_dev_stop(c);
	} else if (!any && (c->dev->status & VIO_STATUS_DRIVER_OK) && !c->stopped) {
		vhost_rings_forget(c);
		c->stopped = true;
		c->stop_base = c->dev->vq[0].last_avail;
		c->stop_used = c->dev->vq[0].used_idx;
	}
	return vhost_reply(c, VHOST_USER_GET_VRING_BASE, &rep, sizeof(rep));
}

/* The rings' parameters change only while the ring is stopped. */
static struct vio_vq *vhost_stopped_vq(struct vhost_conn *c, uint32_t index)
{
	int q = vhost_index(index);

	if (q < 0 || c->dev->vq[q].ready || c->vr[q].started)
		return NULL;
	return &c->dev->vq[q];
}

static int vhost_dispatch(struct vhost_conn *c, const struct vhost_hdr *h,
			  const union vhost_payload *p, int *fds, unsigned int nfds)
{
	struct vio_dev *d = c->dev;
	struct vio_vq *vq;
	int q;

	switch (h->request) {
	case VHOST_USER_SET_MEM_TABLE:
		return vhost_set_mem_table(c, h, &p->mem, fds, nfds);
	case VHOST_USER_SET_VRING_KICK:
	case VHOST_USER_SET_VRING_CALL:
	case VHOST_USER_SET_VRING_ERR:
		return vhost_set_vring_fd(c, h, p->u64, fds, nfds);
	}
	/* Nothing else carries fds. */
	if (nfds)
		return -EPROTO;
	switch (h->request) {
	case VHOST_USER_GET_FEATURES:
		if (h->size != 0)
			return -EPROTO;
		return vhost_reply_u64(c, h->request, d->features | VHOST_USER_F_PROTOCOL_FEATURES);
	case VHOST_USER_SET_FEATURES:
		if (h->size != 8)
			return -EPROTO;
		if (p->u64 & ~(d->features | VHOST_USER_F_PROTOCOL_FEATURES))
			return -EINVAL;
		c->features = p->u64;
		return 0;
	case VHOST_USER_GET_PROTOCOL_FEATURES:
		if (h->size != 0)
			return -EPROTO;
		return vhost_reply_u64(c, h->request, VHOST_PROTOCOL_FEATURES);
	case VHOST_USER_SET_PROTOCOL_FEATURES:
		if (h->size != 8)
			return -EPROTO;
		if (p->u64 & ~VHOST_PROTOCOL_FEATURES)
			return -EINVAL;
		c->protocol = p->u64;
		return 0;
	case VHOST_USER_GET_QUEUE_NUM:
		if (h->size != 0)
			return -EPROTO;
		return vhost_reply_u64(c, h->request, VHOST_NQUEUES);
	case VHOST_USER_SET_OWNER:
		return h->size == 0 ? 0 : -EPROTO;
	case VHOST_USER_RESET_OWNER:
		if (h->size != 0)
			return -EPROTO;
		for (unsigned int i = 0; i < VHOST_NQUEUES; i++) {
			c->vr[i].started = false;
			vhost_close(&c->vr[i].kick);
		}
		vhost_dev_stop(c);
		c->features = 0;
		return 0;
	case VHOST_USER_SET_VRING_NUM:
		if (h->size != sizeof(p->state))
			return -EPROTO;
		vq = vhost_stopped_vq(c, p->state.index);
		if (!vq || p->state.num == 0 || p->state.num > VHOST_QUEUE_MAX ||
		    (p->state.num & (p->state.num - 1)))
			return -EINVAL;
		vq->num = (uint16_t)p->state.num;
		return 0;
	case VHOST_USER_SET_VRING_BASE:
		if (h->size != sizeof(p->state))
			return -EPROTO;
		vq = vhost_stopped_vq(c, p->state.index);
		if (!vq || p->state.num > UINT16_MAX)
			return -EINVAL;
		vq->last_avail = vq->used_idx = (uint16_t)p->state.num;
		c->vr[p->state.index].signalled = vq->used_idx;
		return 0;
	case VHOST_USER_SET_VRING_ADDR: {
		uint64_t gpa;

		if (h->size != sizeof(p->addr))
			return -EPROTO;
		vq = vhost_stopped_vq(c, p->addr.index);
		/* No dirty logging is offered. */
		if (!vq || (p->addr.flags & VHOST_VRING_F_LOG))
			return -EINVAL;
		/* Checked in full against the ring size when the ring starts. */
		if (vhost_uva_to_gpa(&c->mem, p->addr.desc, 1, &gpa) ||
		    vhost_uva_to_gpa(&c->mem, p->addr.avail, 1, &gpa) ||
		    vhost_uva_to_gpa(&c->mem, p->addr.used, 1, &gpa))
			return -EINVAL;
		q = (int)p->addr.index;
		c->vr[q].desc_uva = p->addr.desc;
		c->vr[q].avail_uva = p->addr.avail;
		c->vr[q].used_uva = p->addr.used;
		c->vr[q].addr_set = true;
		return 0;
	}
	case VHOST_USER_SET_VRING_ENABLE:
		if (h->size != sizeof(p->state))
			return -EPROTO;
		q = vhost_index(p->state.index);
		if (q < 0 || p->state.num > 1)
			return -EINVAL;
		c->vr[q].enabled = p->state.num;
		return vhost_update(c);
	case VHOST_USER_GET_VRING_BASE:
		if (h->size != sizeof(p->state))
			return -EPROTO;
		return vhost_get_vring_base(c, &p->state);
	default:
		log_warn("vhost: request %u not supported", h->request);
		return -EPROTO;
	}
}

static bool vhost_has_reply(uint32_t request)
{
	return request == VHOST_USER_GET_FEATURES || request == VHOST_USER_GET_PROTOCOL_FEATURES ||
	       request == VHOST_USER_GET_QUEUE_NUM || request == VHOST_USER_GET_VRING_BASE;
}

int vhost_conn_handle(struct vhost_conn *c)
{
	const struct vhost_hdr *h = &c->rx.h;
	int r = vhost_recv(c);

	if (r == 0)
		return 0;
	if (r > 0) {
		r = vhost_dispatch(c, h, &c->rx.p, c->rx.fds, c->rx.nfds);
		/* REPLY_ACK: 0 for success; a failure is sent too, then the
		 * connection ends. */
		if ((c->protocol & (1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK)) &&
		    (h->flags & VHOST_USER_FLAG_NEED_REPLY) && !vhost_has_reply(h->request)) {
			int a = vhost_reply_u64(c, h->request, r < 0);

			if (r == 0)
				r = a;
		}
		if (r < 0)
			log_warn("vhost: request %u refused: %s", h->request, strerror(-r));
	}
	/* Whatever fds the message brought and nothing took. */
	vhost_rx_done(c);
	return r < 0 ? r : 0;
}

int vhost_conn_kick(struct vhost_conn *c, unsigned int q)
{
	struct vio_dev *d = c->dev;
	uint64_t v;

	if (q >= VHOST_NQUEUES)
		return -EINVAL;
	/* The count is not needed, only the wakeup; the fd is non-blocking. */
	if (c->vr[q].kick >= 0 && read(c->vr[q].kick, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("vhost: kick eventfd: %s", strerror(errno));
	if (d->vq[q].ready && (d->status & VIO_STATUS_DRIVER_OK) &&
	    !(d->status & VIO_STATUS_NEEDS_RESET))
		d->ops->queue_notify(d, q);
	return 0;
}

int vhost_conn_kick_fd(const struct vhost_conn *c, unsigned int q)
{
	return q < VHOST_NQUEUES ? c->vr[q].kick : -1;
}

int vhost_conn_fd(const struct vhost_conn *c)
{
	return c->fd;
}

bool vhost_conn_partial(const struct vhost_conn *c)
{
	return c->rx.got > 0;
}

struct vio_dev *vhost_conn_dev(struct vhost_conn *c)
{
	return c->dev;
}

void vhost_conn_scmi_stats(const struct vhost_conn *c, struct vio_scmi_stats *st)
{
	vio_scmi_stats(c->scmi, st);
}

struct vhost_conn *vhost_conn_new(int fd, struct scmi_server *srv, struct scmi_agent *agent)
{
	struct vhost_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->fd = fd;
	c->agent = agent;
	c->mem.m.map = vhost_mem_map;
	c->mem.m.unmap = vhost_mem_unmap;
	for (unsigned int q = 0; q < VHOST_NQUEUES; q++)
		c->vr[q].kick = c->vr[q].call = c->vr[q].err = -1;
	c->scmi = vio_scmi_new(srv, agent, &c->mem.m, 0, vhost_irq, c);
	if (!c->scmi) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	c->dev = vio_scmi_dev(c->scmi);
	return c;
}

void vhost_conn_close(struct vhost_conn *c)
{
	if (!c)
		return;
	vio_scmi_free(c->scmi);
	vhost_rx_done(c);
	vhost_mem_clear(c->mem.r, c->mem.n);
	for (unsigned int q = 0; q < VHOST_NQUEUES; q++) {
		vhost_close(&c->vr[q].kick);
		vhost_close(&c->vr[q].call);
		vhost_close(&c->vr[q].err);
	}
	close(c->fd);
	free(c);
}

void vhost_conn_free(struct vhost_conn *c)
{
	if (!c)
		return;
	scmi_agent_set_output(c->agent, NULL, NULL, false);
	scmi_agent_reset(c->agent);
	vhost_conn_close(c);
}
