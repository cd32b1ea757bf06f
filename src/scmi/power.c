/* SPDX-License-Identifier: GPL-2.0-only */
/* Power domain protocol (0x11), v3.1. A state set is the agent's vote; the
 * domain runs in the most powered state any agent votes for, and each agent
 * reads back its own vote (Linux checks the state after setting it). */
#include "internal.h"

#define POWER_VERSION 0x30001



static int power_view(struct scmi_ctx *c, struct vscmi_rd *req, struct scmi_vres **v)
{
	return scmi_view_get(c, req, VSCMI_POWER, v, NULL);
}

static int power_attributes_proto(struct scmi_ctx *c, struct vscmi_rd *req,
				  struct vscmi_wr *resp)
{
	vscmi_wr_u32(resp, scmi_view_count(c, VSCMI_POWER));
	/* No statistics shared memory. */
	vscmi_wr_u32(resp, 0);
	vscmi_wr_u32(resp, 0);
	vscmi_wr_u32(resp, 0);
	return 0;
}

static int power_domain_attributes(struct scmi_ctx *c, struct vscmi_rd *req,
				   struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t attr = 1u << 29;	/* synchronous set */
	int r = power_view(c, req, &v);

	if (r < 0)
		return r;
	if (c->agent->p2a)
		attr |= 1u << 31;
	if (scmi_name_is_long(v->name))
		attr |= 1u << 27;
	vscmi_wr_u32(resp, attr);
	vscmi_wr_str(resp, v->name, SCMI_SHORT_NAME);
	return 0;
}

static int power_state_set(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t flags, state;
	int r, idx;

	SCMI_RD32(req, flags);
	r = power_view(c, req, &v);
	if (r < 0)
		return r;
	SCMI_RD32(req, state);
	if (flags & ~1u)
		return -EINVAL;
	/* Asynchronous sets are not offered (attribute bit 30 is clear). */
	if (flags & 1u)
		return -EOPNOTSUPP;
	idx = vscmi_pd_state_index(scmi_vres_desc(v), state);
	if (idx < 0)
		return -EINVAL;
	return arb_vote_ask(v->vote, ARB_PD_STATE, idx, 0);
}

static int power_state_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	const struct vscmi_res_desc *d;
	struct scmi_vres *v;
	struct arb_state st;
	int r = power_view(c, req, &v);

	if (r < 0)
		return r;
	d = scmi_vres_desc(v);
	arb_vote_state(v->vote, &st);
	/* Never voted: off, whatever others keep it in. */
	vscmi_wr_u32(resp, d->u.power.states[st.voted ? st.pd : d->u.power.nstates - 1].value);
	return 0;
}

static int power_notify(struct scmi_ctx *c, struct vscmi_rd *req, uint32_t notif)
{
	struct scmi_vres *v;
	uint32_t enable;
	int r = power_view(c, req, &v);

	if (r < 0)
		return r;
	SCMI_RD32(req, enable);
	return scmi_notify_set(c, v, notif, enable);
}

static int power_state_notify(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	return power_notify(c, req, SCMI_POWER_STATE_CHANGED);
}

/* DEN0056E 4.3.2.9: nothing ever requests a change of a domain on an
 * agent's behalf, so no domain has the notification (POWER_DOMAIN_ATTRIBUTES
 * bit 28 clear): NOT_SUPPORTED, after the usual checks. */
static int power_state_change_requested_notify(struct scmi_ctx *c, struct vscmi_rd *req,
					       struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t enable;
	int r = power_view(c, req, &v);

	if (r < 0)
		return r;
	SCMI_RD32(req, enable);
	return enable > 1 ? -EINVAL : -EOPNOTSUPP;
}

static int power_name_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	int r = power_view(c, req, &v);

	if (r < 0)
		return r;
	vscmi_wr_u32(resp, 0);
	vscmi_wr_str(resp, v->name, SCMI_EXT_NAME);
	return 0;
}

static const struct scmi_msg_desc power_msgs[] = {
	SCMI_COMMON_MSGS,
	[SCMI_MSG_ATTRIBUTES] = { power_attributes_proto, 0 },
	[SCMI_POWER_DOMAIN_ATTRIBUTES] = { power_domain_attributes, 4 },
	[SCMI_POWER_STATE_SET] = { power_state_set, 12 },
	[SCMI_POWER_STATE_GET] = { power_state_get, 4 },
	[SCMI_POWER_STATE_NOTIFY] = { power_state_notify, 8 },
	[SCMI_POWER_STATE_CHANGE_REQUESTED_NOTIFY] = { power_state_change_requested_notify, 8 },
	[SCMI_POWER_DOMAIN_NAME_GET] = { power_name_get, 4 },
};

const struct scmi_protocol scmi_power_protocol = {
	.id = SCMI_PROTO_POWER,
	.version = POWER_VERSION,
	.kind = VSCMI_POWER,
	SCMI_PROTOCOL_TABLE(power_msgs),
};
