/* SPDX-License-Identifier: GPL-2.0-only */
/* Message validation and dispatch: the protocol table, the common
 * messages, the one validator that runs before any handler, and the
 * commands an agent parked behind its own pending change.
 *
 * Validation order, before a handler sees a byte: a header must be there
 * (else PROTOCOL_ERROR with a zero header), reserved bits clear and type
 * "command" (PROTOCOL_ERROR), payload no longer than the agent's channel
 * (PROTOCOL_ERROR), protocol known and permitted to this agent
 * (NOT_SUPPORTED), message implemented (NOT_FOUND), payload at least the
 * message's minimum (PROTOCOL_ERROR). Handlers read through the bounded
 * reader and resolve resource IDs through the agent's own view only.
 *
 * A handler that answers -EINPROGRESS leaves its reply to deferred.c. The
 * agent's later commands on the same resource park (scmi_view_get says
 * -EALREADY) and run here, in order, once that reply is out.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "vscmi/log.h"

static const struct scmi_protocol *const scmi_protocols[] = {
	&scmi_base_protocol,  &scmi_power_protocol,  &scmi_system_protocol,
	&scmi_perf_protocol,  &scmi_clock_protocol,  &scmi_sensor_protocol,
	&scmi_reset_protocol, &scmi_voltage_protocol, &scmi_powercap_protocol,
	&scmi_pinctrl_protocol,
};

static const struct scmi_protocol *scmi_protocol_find(uint32_t id)
{
	for (size_t i = 0; i < sizeof(scmi_protocols) / sizeof(scmi_protocols[0]); i++)
		if (scmi_protocols[i]->id == id)
			return scmi_protocols[i];
	return NULL;
}

static bool scmi_permitted(const struct scmi_agent *a, uint32_t proto)
{
	return proto == SCMI_PROTO_BASE ||
	       (proto <= SCMI_PROTO_PINCTRL && (a->d->protocols & SCMI_PROTO_BIT(proto)));
}

/* --- common messages --------------------------------------------------- */

int scmi_common_version(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	vscmi_wr_u32(resp, c->proto->version);
	return 0;
}

int scmi_common_msg_attributes(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	uint32_t msg;

	SCMI_RD32(req, msg);
	if (msg >= c->proto->nmsgs || !c->proto->msgs[msg].fn)
		return -ENOENT;
	vscmi_wr_u32(resp, c->proto->msg_attributes ? c->proto->msg_attributes(c, msg) : 0);
	return 0;
}

/* One version per protocol is implemented; an agent asking for an older
 * minor of the same major gets it, since minors only add. */
int scmi_common_negotiate(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	uint32_t v;

	SCMI_RD32(req, v);
	if (v >> 16 == c->proto->version >> 16 && v <= c->proto->version)
		return 0;
	return -EOPNOTSUPP;
}

/* --- commands ---------------------------------------------------------------- */

enum scmi_outcome {
	SCMI_NOW,		/* the reply is in resp */
	SCMI_LATER,		/* the reply goes out when the change ends */
	SCMI_PARK,		/* behind the agent's change of the same resource */
};

static size_t scmi_handle(struct scmi_server *srv, struct scmi_agent *a, const void *req,
			  size_t len, void *resp, size_t cap, uint64_t tag, bool rerun,
			  enum scmi_outcome *how)
{
	struct scmi_ctx c = { .srv = srv, .agent = a };
	const struct scmi_msg_desc *m;
	uint8_t *out = resp;
	struct vscmi_rd rd;
	struct vscmi_wr wr;
	uint32_t hdr = 0;
	int32_t status;
	size_t out_len;
	int r;

	*how = SCMI_NOW;
	if (cap < 8)
		return 0;
	/* Hardware a refused release left behind gets another try before the
	 * command sees it. */
	if (arb_has_dirty(srv->arb))
		arb_reconcile_all(srv->arb);
	vscmi_wr_init(&wr, out + 8, 0);
	vscmi_rd_init(&rd, req, len);
	if (!rerun)
		a->stats.commands++;
	if (vscmi_rd_u32(&rd, &hdr) < 0) {
		hdr = 0;
		r = -EPROTO;
		goto reply;
	}
	c.hdr = hdr;
	if (SCMI_HDR_RSVD(hdr) || SCMI_HDR_TYPE(hdr) != SCMI_TYPE_COMMAND ||
	    vscmi_rd_left(&rd) > a->d->max_msg_size) {
		r = -EPROTO;
		goto reply;
	}
	c.proto = scmi_protocol_find(SCMI_HDR_PROTO(hdr));
	if (!c.proto || !scmi_permitted(a, c.proto->id)) {
		r = -EOPNOTSUPP;
		goto reply;
	}
	if (SCMI_HDR_MSG(hdr) >= c.proto->nmsgs || !c.proto->msgs[SCMI_HDR_MSG(hdr)].fn) {
		r = -ENOENT;
		goto reply;
	}
	m = &c.proto->msgs[SCMI_HDR_MSG(hdr)];
	if (vscmi_rd_left(&rd) < m->min_len) {
		r = -EPROTO;
		goto reply;
	}
	/* The agent's payload budget counts return values after the status. */
	c.payload_max = cap - 8 < a->d->max_msg_size ? cap - 8 : a->d->max_msg_size;
	vscmi_wr_init(&wr, out + 8, c.payload_max);
	r = m->fn(&c, &rd, &wr);
	/* A platform request left pending: its reply, or the delayed response
	 * of an answered one, comes when the platform finishes. */
	if (c.preq) {
		struct scmi_preq *q = c.preq;

		q->gen = a->generation;
		q->hdr = hdr;
		q->tag = tag;
		q->proto = c.proto->id;
		q->payload_max = c.payload_max;
		/* A handler that gave up on what it started: its end goes
		 * nowhere, as after a reset. */
		if (r != -EINPROGRESS && !(r == 0 && q->answered))
			q->gen = a->generation - 1;
		if (r == -EINPROGRESS) {
			scmi_dresp_drop(c.dresp);
			*how = SCMI_LATER;
			return 0;
		}
	}
	if (r == -EALREADY && c.view && c.view->later) {
		scmi_dresp_drop(c.dresp);
		*how = SCMI_PARK;
		return 0;
	}
	if (r == -EINPROGRESS && c.view && !c.view->later) {
		c.view->later = true;
		c.view->later_gen = a->generation;
		c.view->later_hdr = hdr;
		c.view->later_tag = tag;
		c.view->later_dresp = c.dresp;
		a->nlater++;
		*how = SCMI_LATER;
		return 0;
	}
	if (r == -EINPROGRESS) {
		log_warn("scmi: agent %u: %s msg 0x%x went on without a resource to wait on", a->id,
			 scmi_protocol_name(c.proto->id), SCMI_HDR_MSG(hdr));
		r = -EBUSY;
	}
	/* A handler that outgrew the channel is a bug; say so, never truncate. */
	if (r == 0 && wr.overflow) {
		log_warn("scmi: agent %u: reply to %s msg 0x%x does not fit %zu bytes", a->id,
			 scmi_protocol_name(c.proto->id), SCMI_HDR_MSG(hdr), c.payload_max);
		r = -ECOMM;
	}
	/* The delayed response follows the reply, through the loop. */
	if (r == 0 && c.dresp)
		r = scmi_dresp_arm(srv, c.dresp);
	else
		scmi_dresp_drop(c.dresp);
reply:
	status = scmi_status_from_errno(r);
	vscmi_put_le32(out, hdr);
	vscmi_put_le32(out + 4, (uint32_t)status);
	out_len = 8 + (status == SCMI_SUCCESS ? wr.len : 0);
	if (status != SCMI_SUCCESS) {
		a->stats.errors++;
		if (status == SCMI_PROTOCOL_ERROR)
			a->stats.malformed++;
	}
	scmi_agent_persist(a);
	if (srv->hooks.trace) {
		struct scmi_trace_res tr;

		if (c.view) {
			tr.name = c.view->name;
			tr.physical = arb_res_desc(c.view->res)->name;
		}
		srv->hooks.trace(srv->hooks.ctx, a, c.view ? &tr : NULL, req, len, out, out_len);
	}
	return out_len;
}

size_t scmi_server_handle_tagged(struct scmi_server *srv, struct scmi_agent *a, const void *req,
				 size_t len, void *resp, size_t cap, uint64_t tag)
{
	enum scmi_outcome how;
	size_t n = scmi_handle(srv, a, req, len, resp, cap, tag, false, &how);
	struct scmi_parked *p;

	if (how != SCMI_PARK)
		return n;
	if (a->npark == SCMI_PARK_MAX || len > sizeof(p->b)) {
		uint8_t *out = resp;

		/* The validator has read the header already. */
		vscmi_put_le32(out, vscmi_get_le32(req));
		vscmi_put_le32(out + 4, (uint32_t)scmi_status_from_errno(-EBUSY));
		a->stats.errors++;
		return 8;
	}
	p = &a->park[a->npark++];
	p->tag = tag;
	p->len = (uint16_t)len;
	p->cap = cap < SCMI_MSG_MAX ? (uint16_t)cap : SCMI_MSG_MAX;
	memcpy(p->b, req, len);
	a->stats.parked++;
	return 0;
}

size_t scmi_server_handle(struct scmi_server *srv, struct scmi_agent *a, const void *req,
			  size_t len, void *resp, size_t cap)
{
	return scmi_server_handle_tagged(srv, a, req, len, resp, cap, 0);
}

/* Runs the parked commands whose resource is free now, oldest first. */
void scmi_unpark(struct scmi_agent *a)
{
	if (a->unparking)
		return;
	a->unparking = true;
	for (uint32_t i = 0; i < a->npark;) {
		struct scmi_parked *p = &a->park[i];
		uint8_t resp[SCMI_MSG_MAX];
		enum scmi_outcome how;
		uint64_t tag = p->tag;
		size_t n = scmi_handle(a->srv, a, p->b, p->len, resp, p->cap, tag, true, &how);

		if (how == SCMI_PARK) {
			i++;
			continue;
		}
		/* Out of the queue before the reply: the transport may reset
		 * the agent from its output, which empties it. */
		memmove(p, p + 1, (a->npark - i - 1) * sizeof(*p));
		a->npark--;
		if (how == SCMI_NOW && n)
			scmi_agent_reply(a, tag, resp, n);
	}
	a->unparking = false;
}
