/* SPDX-License-Identifier: GPL-2.0-only */
/* The virtio-scmi device: cmdq carries one SCMI command per chain (a
 * device-readable request, then a device-writable response buffer); eventq
 * carries delayed responses and notifications in driver-supplied buffers.
 * Requests are copied out of guest memory before the server sees them and
 * replies are built privately before they are copied in.
 *
 * A command the server answers later (its change waits on the firmware)
 * keeps its chain here until the reply comes through the agent's reply
 * output; the used ring then takes it out of order, which virtio allows
 * and the SCMI driver matches by token. At most VIO_SCMI_INFLIGHT chains
 * are held: beyond that the cmdq is left alone until one completes. A
 * device reset forgets the held chains (the rings are gone); the tag
 * carries the device's generation, so a late reply finds nothing.
 *
 * A delayed response must reach the driver after its command's reply, but
 * the two travel on different queues, and a driver that services the
 * eventq first in one interrupt (Linux on virtio-pci) would see it first.
 * With VIRTIO_F_EVENT_IDX the driver publishes how far it has read the
 * cmdq's used ring; a delayed response waits in the backlog until the
 * driver has read past every reply pushed before it, looked at on each
 * kick and on a short backoff from the event loop, and goes anyway after
 * VIO_SCMI_HOLD_MAX_US (a driver that never asks for interrupts again). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vscmi/buf.h"
#include "vscmi/log.h"
#include "vscmi/virtio.h"

#define VIO_SCMI_CMDQ 0
#define VIO_SCMI_EVENTQ 1
/* Delayed responses waiting for an eventq buffer; the server caps what is
 * in flight per agent well below this. */
#define VIO_SCMI_BACKLOG 64
/* Commands whose reply is still to come. */
#define VIO_SCMI_INFLIGHT 16
/* How long a delayed response waits for the driver to take its reply: a
 * first look after the first step, then each step twice the last. */
#define VIO_SCMI_HOLD_FIRST_US 10
#define VIO_SCMI_HOLD_STEP_MAX_US 2000
#define VIO_SCMI_HOLD_MAX_US 100000

struct vio_scmi_msg {
	uint16_t len;
	uint16_t mark;			/* the cmdq's used index when it came */
	uint8_t b[SCMI_MSG_MAX];
};

/* A look at the backlog from the event loop; the device forgets it (s =
 * NULL) when it goes first. */
struct vio_scmi_poll {
	struct vio_scmi *s;
};

struct vio_scmi {
	struct vio_dev dev;
	struct scmi_server *srv;
	struct scmi_agent *agent;
	struct vio_scmi_msg backlog[VIO_SCMI_BACKLOG];
	unsigned int backlog_head, backlog_len;
	struct {
		bool used;
		bool answered;		/* the reply waits for the cmdq to run again */
		struct vio_chain c;
		struct vio_scmi_msg reply;
	} held[VIO_SCMI_INFLIGHT];
	unsigned int nheld;
	bool stalled;			/* the cmdq waits for a free slot */
	struct vio_scmi_poll *poll;	/* armed, while the backlog's head waits */
	uint32_t hold_waited_us, hold_step_us;
	uint32_t generation;		/* bumped on reset */
	struct vio_scmi_stats stats;
};

static struct vio_scmi *to_scmi(struct vio_dev *d)
{
	return (struct vio_scmi *)d;
}

/* Copies across a chain's segments of one direction: into buf (read) or
 * from it (write), at most len bytes. */
static int vio_scmi_copy(struct vio_dev *d, const struct vio_chain *c, bool write, uint8_t *buf,
			 size_t len)
{
	size_t done = 0;

	for (unsigned int i = 0; i < c->nsegs && done < len; i++) {
		const struct vio_seg *s = &c->segs[i];
		size_t n = s->len < len - done ? s->len : len - done;
		int r;

		if (s->write != write || n == 0)
			continue;
		r = write ? vio_mem_write(d->mem, s->addr, buf + done, n)
			  : vio_mem_read(d->mem, s->addr, buf + done, n);
		if (r < 0)
			return r;
		done += n;
	}
	return (int)done;
}

static int vio_scmi_answer(struct vio_scmi *s, unsigned int slot, const uint8_t *msg, size_t len);

static void vio_scmi_cmdq(struct vio_scmi *s)
{
	struct vio_dev *d = &s->dev;
	struct vio_vq *vq = &d->vq[VIO_SCMI_CMDQ];
	/* One byte more than the largest message, so an oversize one shows. */
	uint8_t req[SCMI_MSG_MAX + 4], resp[SCMI_MSG_MAX];
	struct vio_chain c;
	bool done = false;

	/* Replies that came while the ring stood still (a paused VM) first. */
	for (unsigned int i = 0; i < VIO_SCMI_INFLIGHT && vq->ready; i++)
		if (s->held[i].used && s->held[i].answered &&
		    vio_scmi_answer(s, i, s->held[i].reply.b, s->held[i].reply.len) < 0)
			return;

	/* At most a ring's worth per kick: the driver cannot keep us here. */
	for (unsigned int i = 0; i < vq->num; i++) {
		size_t rlen, cap, out = 0;
		unsigned int slot = 0;
		int r;

		/* A command may need a slot to wait in: none free, none taken. */
		s->stalled = s->nheld == VIO_SCMI_INFLIGHT;
		if (s->stalled)
			break;
		while (s->held[slot].used)
			slot++;
		r = vio_vq_pop(vq, &c);

		if (r == 0)
			break;
		if (r < 0) {
			vio_dev_needs_reset(d, "cmdq descriptor chain is malformed");
			return;
		}
		rlen = c.rlen < sizeof(req) ? c.rlen : sizeof(req);
		r = vio_scmi_copy(d, &c, false, req, rlen);
		if (r < 0) {
			vio_dev_needs_reset(d, "cmdq request is outside guest memory");
			return;
		}
		cap = c.wlen < sizeof(resp) ? c.wlen : sizeof(resp);
		s->stats.commands++;
		/* No room for even a header and a status: nothing to say. */
		if (cap >= 8)
			out = scmi_server_handle_tagged(s->srv, s->agent, req, rlen, resp, cap,
							(uint64_t)s->generation << 16 | slot);
		/* A notification the command caused may have found this guest's
		 * eventq broken: the device has stopped, rings included. */
		if (d->status & VIO_STATUS_NEEDS_RESET)
			return;
		if (cap >= 8 && !out) {
			s->held[slot].used = true;
			s->held[slot].c = c;
			s->nheld++;
			continue;
		}
		if (out && vio_scmi_copy(d, &c, true, resp, out) < 0) {
			vio_dev_needs_reset(d, "cmdq response buffer is outside guest memory");
			return;
		}
		vio_vq_push(vq, c.head, (uint32_t)out);
		done = true;
	}
	if (done)
		vio_dev_interrupt(d);
}

/* Puts one message into an eventq buffer: 1 delivered, 0 no buffer, -errno
 * the device broke. */
static int vio_scmi_event_put(struct vio_scmi *s, const uint8_t *msg, size_t len)
{
	struct vio_dev *d = &s->dev;
	struct vio_vq *vq = &d->vq[VIO_SCMI_EVENTQ];
	struct vio_chain c;
	int r;

	if (!vq->ready)
		return 0;
	r = vio_vq_pop(vq, &c);
	if (r <= 0) {
		if (r < 0)
			vio_dev_needs_reset(d, "eventq descriptor chain is malformed");
		return r;
	}
	/* Event buffers are device-writable only, and big enough. */
	if (c.rlen) {
		vio_dev_needs_reset(d, "eventq buffer is device-readable");
		return -EBADMSG;
	}
	if (c.wlen < len) {
		vio_vq_push(vq, c.head, 0);
		s->stats.dropped++;
		return -EMSGSIZE;
	}
	if (vio_scmi_copy(d, &c, true, (uint8_t *)msg, len) < 0) {
		vio_dev_needs_reset(d, "eventq buffer is outside guest memory");
		return -EFAULT;
	}
	vio_vq_push(vq, c.head, (uint32_t)len);
	s->stats.events++;
	return 1;
}

static void vio_scmi_flush_backlog(struct vio_scmi *s);

static void vio_scmi_poll_fire(void *arg)
{
	struct vio_scmi_poll *p = arg;
	struct vio_scmi *s = p->s;

	free(p);
	if (!s)
		return;
	s->poll = NULL;
	s->hold_waited_us += s->hold_step_us;
	vio_scmi_flush_backlog(s);
}

/* Looks again later; -errno when the loop cannot (the caller goes on). */
static int vio_scmi_hold(struct vio_scmi *s)
{
	struct vio_scmi_poll *p;

	if (s->poll)
		return 0;
	if (s->hold_waited_us >= VIO_SCMI_HOLD_MAX_US)
		return -ETIMEDOUT;
	s->hold_step_us = !s->hold_step_us ? VIO_SCMI_HOLD_FIRST_US
			  : s->hold_step_us >= VIO_SCMI_HOLD_STEP_MAX_US / 2 ? VIO_SCMI_HOLD_STEP_MAX_US
									    : 2 * s->hold_step_us;
	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->s = s;
	if (scmi_server_defer(s->srv, s->hold_step_us, vio_scmi_poll_fire, p) < 0) {
		free(p);
		return -EOPNOTSUPP;
	}
	s->poll = p;
	return 0;
}

/* Delivers what waits, in order, as far as buffers and the driver's
 * progress on the cmdq allow. */
static void vio_scmi_flush_backlog(struct vio_scmi *s)
{
	bool sent = false;

	while (s->backlog_len) {
		struct vio_scmi_msg *m = &s->backlog[s->backlog_head];
		bool waited = s->hold_step_us != 0, late = false;
		int r;

		if (!vio_vq_driver_took(&s->dev.vq[VIO_SCMI_CMDQ], m->mark)) {
			r = vio_scmi_hold(s);
			if (r == 0)
				break;
			late = r == -ETIMEDOUT;
		}
		r = vio_scmi_event_put(s, m->b, m->len);
		if (r == 0)
			break;
		if (r == 1)
			sent = true;
		/* counted once it goes, not at every look that finds no buffer */
		if (waited)
			s->stats.held++;
		if (late)
			s->stats.held_late++;
		s->hold_waited_us = s->hold_step_us = 0;
		s->backlog_head = (s->backlog_head + 1) % VIO_SCMI_BACKLOG;
		s->backlog_len--;
		if (r < 0 && (s->dev.status & VIO_STATUS_NEEDS_RESET))
			break;
	}
	s->stats.waiting = s->backlog_len;
	if (sent)
		vio_dev_interrupt(&s->dev);
}

/* The server's output for this agent: delayed responses wait for a buffer
 * and for their reply to be taken; notifications are dropped when no
 * buffer is free. */
static int vio_scmi_send(void *ctx, const uint8_t *msg, size_t len)
{
	struct vio_scmi *s = ctx;
	struct vio_dev *d = &s->dev;
	bool delayed = len >= 4 && SCMI_HDR_TYPE(vscmi_get_le32(msg)) == SCMI_TYPE_DELAYED;
	struct vio_scmi_msg *m;
	int r;

	if (!(d->status & VIO_STATUS_DRIVER_OK) || (d->status & VIO_STATUS_NEEDS_RESET) ||
	    len > SCMI_MSG_MAX)
		return -ENOTCONN;
	if (!delayed) {
		r = vio_scmi_event_put(s, msg, len);
		if (r == 1) {
			vio_dev_interrupt(d);
			return 0;
		}
		if (r < 0)
			return r;
		s->stats.dropped++;
		return -ENOBUFS;
	}
	if (s->backlog_len == VIO_SCMI_BACKLOG) {
		s->stats.dropped++;
		return -ENOBUFS;
	}
	m = &s->backlog[(s->backlog_head + s->backlog_len) % VIO_SCMI_BACKLOG];
	memcpy(m->b, msg, len);
	m->len = (uint16_t)len;
	/* Its reply is in the used ring already: the server sends a delayed
	 * response only once the reply is out. */
	m->mark = d->vq[VIO_SCMI_CMDQ].used_idx;
	s->backlog_len++;
	vio_scmi_flush_backlog(s);
	return 0;
}

/* Puts a held command's reply in the used ring and frees its slot. */
static int vio_scmi_answer(struct vio_scmi *s, unsigned int slot, const uint8_t *msg, size_t len)
{
	struct vio_dev *d = &s->dev;
	struct vio_chain *c = &s->held[slot].c;

	s->held[slot].used = false;
	s->held[slot].answered = false;
	s->nheld--;
	if (!(d->status & VIO_STATUS_DRIVER_OK) || (d->status & VIO_STATUS_NEEDS_RESET))
		return -ENOTCONN;
	if (len > c->wlen)
		len = 0;	/* the server built it within the room the chain has */
	if (len && vio_scmi_copy(d, c, true, (uint8_t *)msg, len) < 0) {
		vio_dev_needs_reset(d, "cmdq response buffer is outside guest memory");
		return -EFAULT;
	}
	vio_vq_push(&d->vq[VIO_SCMI_CMDQ], c->head, (uint32_t)len);
	vio_dev_interrupt(d);
	return 0;
}

/* The server's reply to a command it answered later. */
static int vio_scmi_reply(void *ctx, uint64_t tag, const uint8_t *msg, size_t len)
{
	struct vio_scmi *s = ctx;
	unsigned int slot = (unsigned int)(tag & 0xffffu);
	int r;

	if (tag >> 16 != s->generation || slot >= VIO_SCMI_INFLIGHT || !s->held[slot].used ||
	    s->held[slot].answered || len > SCMI_MSG_MAX)
		return -ESTALE;
	/* A paused VM's rings are stopped, not gone: the reply waits for
	 * them to run again, or the guest would never see it. */
	if (!s->dev.vq[VIO_SCMI_CMDQ].ready && (s->dev.status & VIO_STATUS_DRIVER_OK)) {
		s->held[slot].answered = true;
		memcpy(s->held[slot].reply.b, msg, len);
		s->held[slot].reply.len = (uint16_t)len;
		return 0;
	}
	r = vio_scmi_answer(s, slot, msg, len);
	/* What the driver queued while every slot was taken. */
	if (r == 0 && s->stalled)
		vio_scmi_cmdq(s);
	return r;
}

static void vio_scmi_queue_notify(struct vio_dev *d, unsigned int q)
{
	struct vio_scmi *s = to_scmi(d);

	if (q == VIO_SCMI_CMDQ)
		vio_scmi_cmdq(s);
	/* Either kick may come after the driver read its replies. */
	if (s->backlog_len)
		vio_scmi_flush_backlog(s);
}

static void vio_scmi_driver_ok(struct vio_dev *d)
{
	struct vio_scmi *s = to_scmi(d);

	for (unsigned int q = 0; q < d->nqueues; q++)
		d->vq[q].event_idx = (d->driver_features & VIO_F_EVENT_IDX) != 0;
	scmi_agent_set_output(s->agent, vio_scmi_send, s,
			      (d->driver_features & VIO_SCMI_F_P2A_CHANNELS) != 0);
	scmi_agent_set_reply(s->agent, vio_scmi_reply, s);
}

/* A guest resetting its device is an agent going away and coming back. */
static void vio_scmi_reset(struct vio_dev *d)
{
	struct vio_scmi *s = to_scmi(d);

	scmi_agent_set_output(s->agent, NULL, NULL, false);
	scmi_agent_set_reply(s->agent, NULL, NULL);
	scmi_agent_reset(s->agent);
	/* Held chains belonged to rings that are gone. */
	memset(s->held, 0, sizeof(s->held));
	s->nheld = 0;
	s->stalled = false;
	s->generation = (s->generation + 1) & 0xffffu;
	s->backlog_head = s->backlog_len = 0;
	s->hold_waited_us = s->hold_step_us = 0;
	s->stats.waiting = 0;
}

static const struct vio_dev_ops vio_scmi_ops = {
	.queue_notify = vio_scmi_queue_notify,
	.driver_ok = vio_scmi_driver_ok,
	.reset = vio_scmi_reset,
};

struct vio_scmi *vio_scmi_new(struct scmi_server *srv, struct scmi_agent *agent,
			      struct vio_mem *mem, uint64_t extra_features, void (*irq)(void *ctx),
			      void *irq_ctx)
{
	struct vio_scmi *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->srv = srv;
	s->agent = agent;
	s->dev.device_id = VIO_ID_SCMI;
	s->dev.features = VIO_F_VERSION_1 | VIO_F_EVENT_IDX | VIO_SCMI_F_P2A_CHANNELS |
			  extra_features;
	s->dev.nqueues = 2;
	s->dev.mem = mem;
	s->dev.ops = &vio_scmi_ops;
	s->dev.irq = irq;
	s->dev.irq_ctx = irq_ctx;
	scmi_agent_set_output(agent, NULL, NULL, false);
	scmi_agent_set_reply(agent, NULL, NULL);
	return s;
}

void vio_scmi_free(struct vio_scmi *s)
{
	if (!s)
		return;
	/* The rings go; the agent's votes stay until the caller says the
	 * guest is gone (a daemon exiting leaves the hardware as it is). */
	for (unsigned int q = 0; q < s->dev.nqueues; q++)
		vio_vq_stop(&s->dev.vq[q], s->dev.mem);
	/* A look still armed finds nothing. */
	if (s->poll)
		s->poll->s = NULL;
	scmi_agent_set_output(s->agent, NULL, NULL, false);
	scmi_agent_set_reply(s->agent, NULL, NULL);
	free(s);
}

struct vio_dev *vio_scmi_dev(struct vio_scmi *s)
{
	return &s->dev;
}

void vio_scmi_stats(const struct vio_scmi *s, struct vio_scmi_stats *st)
{
	*st = s->stats;
}
