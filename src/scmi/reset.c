/* SPDX-License-Identifier: GPL-2.0-only */
/* Reset domain protocol (0x16), v3.1. An explicit assert or deassert is the
 * agent's vote: a shared line stays deasserted while any user holds it
 * deasserted. An autonomous (pulse) reset of a shared line would reset the
 * other users' devices: the arbiter refuses it unless the line allows it. */
#include "internal.h"

#define RESET_VERSION 0x30001
#define RESET_MAX_ASYNC 16



#define RESET_AUTONOMOUS (1u << 0)
#define RESET_EXPLICIT_ASSERT (1u << 1)
#define RESET_ASYNC (1u << 2)

/* reset_state: bit 31 clear is an architectural reset, whose only ID is
 * 0 (cold); set, an IMPLEMENTATION defined one, passed on as it is (older
 * Linux sends 0x80000001 for its cold reset). */
#define RESET_STATE_IMPDEF (1u << 31)

static int reset_view(struct scmi_ctx *c, struct vscmi_rd *req, struct scmi_vres **v,
		      uint32_t *vid)
{
	return scmi_view_get(c, req, VSCMI_RESET, v, vid);
}

static int reset_attributes_proto(struct scmi_ctx *c, struct vscmi_rd *req,
				  struct vscmi_wr *resp)
{
	vscmi_wr_u32(resp, scmi_view_count(c, VSCMI_RESET));
	return 0;
}

static int reset_domain_attributes(struct scmi_ctx *c, struct vscmi_rd *req,
				   struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t attr = 0, latency;
	int r = reset_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	if (c->agent->p2a)
		attr |= 1u << 31 | 1u << 30;
	if (scmi_name_is_long(v->name))
		attr |= 1u << 29;
	latency = scmi_vres_desc(v)->u.reset.latency_us;
	vscmi_wr_u32(resp, attr);
	vscmi_wr_u32(resp, latency ? latency : 0xffffffffu);
	vscmi_wr_str(resp, v->name, SCMI_SHORT_NAME);
	return 0;
}

static int reset_reset(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t vid, flags, state;
	int r = reset_view(c, req, &v, &vid);

	if (r < 0)
		return r;
	SCMI_RD32(req, flags);
	SCMI_RD32(req, state);
	/* DEN0056E 4.8.2.6: flags[31:3] reserved, must be zero; the async
	 * flag is valid only with the autonomous one; architectural reset
	 * IDs other than 0 are reserved. */
	if (flags & ~7u)
		return -EINVAL;
	if ((flags & RESET_ASYNC) && !(flags & RESET_AUTONOMOUS))
		return -EINVAL;
	if (!(state & RESET_STATE_IMPDEF) && state != 0)
		return -EINVAL;
	if (!(flags & RESET_AUTONOMOUS))
		return arb_vote_ask(v->vote, ARB_ASSERT, flags & RESET_EXPLICIT_ASSERT, 0);
	if (flags & RESET_ASYNC) {
		if (!c->agent->p2a)
			return -EOPNOTSUPP;
		if (c->agent->pending >= RESET_MAX_ASYNC)
			return -EBUSY;
	}
	/* -EINPROGRESS: slow firmware, or a change of the line before it; the
	 * reply comes when the pulse is done, and for the asynchronous form
	 * the delayed response right after it. */
	r = arb_vote_ask(v->vote, ARB_PULSE, state, 0);
	if ((r < 0 && r != -EINPROGRESS) || !(flags & RESET_ASYNC))
		return r;

	uint8_t dr[4];
	struct vscmi_op op = { VSCMI_OP_RESET_PULSE, scmi_vres_desc(v)->plat_id, state, 0 };
	struct vscmi_platform *p = c->srv->plat;
	int d;

	vscmi_put_le32(dr, vid);
	d = scmi_delayed_response(c, SCMI_RESET_RESET, SCMI_SUCCESS, dr, sizeof(dr),
				  p->ops->completion_delay_us ? p->ops->completion_delay_us(p, &op) : 0);
	return r == -EINPROGRESS ? r : d;
}

static int reset_notify(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t enable;
	int r = reset_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, enable);
	return scmi_notify_set(c, v, SCMI_RESET_ISSUED, enable);
}

static int reset_name_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	int r = reset_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	vscmi_wr_u32(resp, 0);
	vscmi_wr_str(resp, v->name, SCMI_EXT_NAME);
	return 0;
}

static const struct scmi_msg_desc reset_msgs[] = {
	SCMI_COMMON_MSGS,
	[SCMI_MSG_ATTRIBUTES] = { reset_attributes_proto, 0 },
	[SCMI_RESET_DOMAIN_ATTRIBUTES] = { reset_domain_attributes, 4 },
	[SCMI_RESET_RESET] = { reset_reset, 12 },
	[SCMI_RESET_NOTIFY] = { reset_notify, 8 },
	[SCMI_RESET_DOMAIN_NAME_GET] = { reset_name_get, 4 },
};

const struct scmi_protocol scmi_reset_protocol = {
	.id = SCMI_PROTO_RESET,
	.version = RESET_VERSION,
	.kind = VSCMI_RESET,
	SCMI_PROTOCOL_TABLE(reset_msgs),
};
