/* SPDX-License-Identifier: GPL-2.0-only */
/* Voltage domain protocol (0x17), v2.1. On/off and levels are votes in the
 * arbiter; reads return the agent's own vote. */
#include "internal.h"

#define VOLTAGE_VERSION 0x20001
#define VOLTAGE_MAX_ASYNC 16


/* Architectural modes of config[3:0]; implementation-defined ones are not
 * offered. */
#define VOLTAGE_CONFIG_OFF 0x0u
#define VOLTAGE_CONFIG_ON 0x7u

#define LEVEL_SET_ASYNC (1u << 0)

static int voltage_view(struct scmi_ctx *c, struct vscmi_rd *req, struct scmi_vres **v,
			uint32_t *vid)
{
	return scmi_view_get(c, req, VSCMI_VOLTAGE, v, vid);
}

static void voltage_wr_level(struct vscmi_wr *resp, int64_t uv)
{
	vscmi_wr_u32(resp, (uint32_t)(int32_t)uv);
}

static int voltage_attributes_proto(struct scmi_ctx *c, struct vscmi_rd *req,
				    struct vscmi_wr *resp)
{
	vscmi_wr_u32(resp, scmi_view_count(c, VSCMI_VOLTAGE));
	return 0;
}

static int voltage_domain_attributes(struct scmi_ctx *c, struct vscmi_rd *req,
				     struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t attr = 0;
	int r = voltage_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	if (c->agent->p2a)
		attr |= 1u << 31;
	if (scmi_name_is_long(v->name))
		attr |= 1u << 30;
	vscmi_wr_u32(resp, attr);
	vscmi_wr_str(resp, v->name, SCMI_SHORT_NAME);
	return 0;
}

static int voltage_describe_levels(struct scmi_ctx *c, struct vscmi_rd *req,
				   struct vscmi_wr *resp)
{
	const struct vscmi_res_desc *d;
	const struct vscmi_range *rg;
	struct scmi_vres *v;
	uint32_t index, n, fit;
	int r = voltage_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, index);
	d = scmi_vres_desc(v);
	rg = &d->u.voltage.levels;
	/* DEN0056E 4.9.2.6: a level_index past the list is OUT_OF_RANGE; one
	 * equal to the count is an empty remainder, as for every list. */
	if (d->u.voltage.policy == VSCMI_POLICY_FIXED) {
		/* The one level the domain can be at. */
		if (index > 1)
			return -ERANGE;
		vscmi_wr_u32(resp, index == 0 ? 1 : 0);
		if (index == 0)
			voltage_wr_level(resp, d->u.voltage.level);
		return 0;
	}
	if (rg->segment) {
		/* A triplet is one description, not a list to page through. */
		if (index != 0)
			return -ERANGE;
		vscmi_wr_u32(resp, 1u << 12 | 3);
		voltage_wr_level(resp, rg->min);
		voltage_wr_level(resp, rg->max);
		voltage_wr_level(resp, rg->step);
		return 0;
	}
	if (index > rg->count)
		return -ERANGE;
	n = rg->count - index;
	fit = c->payload_max > 4 ? (uint32_t)((c->payload_max - 4) / 4) : 0;
	if (n > fit)
		n = fit;
	vscmi_wr_u32(resp, (rg->count - index - n) << 16 | n);
	for (uint32_t i = 0; i < n; i++)
		voltage_wr_level(resp, rg->values[index + i]);
	return 0;
}

static int voltage_config_set(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t config;
	int r = voltage_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, config);
	switch (config) {
	case VOLTAGE_CONFIG_OFF:
		return arb_vote_ask(v->vote, ARB_GATE, false, 0);
	case VOLTAGE_CONFIG_ON:
		return arb_vote_ask(v->vote, ARB_GATE, true, 0);
	default:
		return -EINVAL;
	}
}

static int voltage_config_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	struct arb_state st;
	int r = voltage_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	arb_vote_state(v->vote, &st);
	vscmi_wr_u32(resp, st.on ? VOLTAGE_CONFIG_ON : VOLTAGE_CONFIG_OFF);
	return 0;
}

static int voltage_level_set(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	const struct vscmi_res_desc *d;
	struct scmi_vres *v;
	uint32_t flags, vid, raw;
	int64_t level, fit;
	int r = voltage_view(c, req, &v, &vid);

	if (r < 0)
		return r;
	SCMI_RD32(req, flags);
	SCMI_RD32(req, raw);
	level = (int32_t)raw;
	if (flags & ~LEVEL_SET_ASYNC)
		return -EINVAL;
	if ((flags & LEVEL_SET_ASYNC) && !c->agent->p2a)
		return -EOPNOTSUPP;
	if ((flags & LEVEL_SET_ASYNC) && c->agent->pending >= VOLTAGE_MAX_ASYNC)
		return -EBUSY;
	d = scmi_vres_desc(v);
	/* No rounding: the agent asks for a level the domain lists; DEN0056E
	 * 4.9.2.9: any other, outside the range too, is INVALID_PARAMETERS. A
	 * fixed domain's answer is the arbiter's (the one level, or DENIED). */
	if (d->u.voltage.policy != VSCMI_POLICY_FIXED &&
	    vscmi_range_fit(&d->u.voltage.levels, level, 0, &fit) < 0)
		return -EINVAL;
	r = arb_vote_ask(v->vote, ARB_LEVEL, level, 0);
	/* -EINPROGRESS: the server sends the reply, then this, later. */
	if (r < 0 && r != -EINPROGRESS)
		return r;
	if (flags & LEVEL_SET_ASYNC) {
		struct vscmi_op op = { VSCMI_OP_VOLTAGE_LEVEL, d->plat_id, level, 0 };
		struct vscmi_platform *p = c->srv->plat;
		uint8_t dr[8];
		int e;

		vscmi_put_le32(dr, vid);
		vscmi_put_le32(dr + 4, raw);
		e = scmi_delayed_response(c, SCMI_VOLTAGE_LEVEL_SET, SCMI_SUCCESS, dr, sizeof(dr),
					  p->ops->completion_delay_us ?
						  p->ops->completion_delay_us(p, &op) : 0);
		if (e < 0)
			return e;
	}
	return r;
}

static int voltage_level_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	struct arb_state st;
	int r = voltage_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	arb_vote_state(v->vote, &st);
	/* Without a vote of its own, the agent sees the level the domain has. */
	if (!st.has_level)
		arb_res_phys(v->res, &st);
	voltage_wr_level(resp, st.level);
	return 0;
}

static int voltage_domain_name_get(struct scmi_ctx *c, struct vscmi_rd *req,
				   struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	int r = voltage_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	vscmi_wr_u32(resp, 0);
	vscmi_wr_str(resp, v->name, SCMI_EXT_NAME);
	return 0;
}

static const struct scmi_msg_desc voltage_msgs[] = {
	SCMI_COMMON_MSGS,
	[SCMI_MSG_ATTRIBUTES] = { voltage_attributes_proto, 0 },
	[SCMI_VOLTAGE_DOMAIN_ATTRIBUTES] = { voltage_domain_attributes, 4 },
	[SCMI_VOLTAGE_DESCRIBE_LEVELS] = { voltage_describe_levels, 8 },
	[SCMI_VOLTAGE_CONFIG_SET] = { voltage_config_set, 8 },
	[SCMI_VOLTAGE_CONFIG_GET] = { voltage_config_get, 4 },
	[SCMI_VOLTAGE_LEVEL_SET] = { voltage_level_set, 12 },
	[SCMI_VOLTAGE_LEVEL_GET] = { voltage_level_get, 4 },
	[SCMI_VOLTAGE_DOMAIN_NAME_GET] = { voltage_domain_name_get, 4 },
};

const struct scmi_protocol scmi_voltage_protocol = {
	.id = SCMI_PROTO_VOLTAGE,
	.version = VOLTAGE_VERSION,
	.kind = VSCMI_VOLTAGE,
	SCMI_PROTOCOL_TABLE(voltage_msgs),
};
