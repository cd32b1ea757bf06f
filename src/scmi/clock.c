/* SPDX-License-Identifier: GPL-2.0-only */
/* Clock protocol (0x14), v3.0. Gates and rates are votes in the arbiter;
 * reads return the agent's own vote. */
#include "internal.h"

#define CLOCK_VERSION 0x30000
#define CLOCK_MAX_ASYNC 16


/* Notification message ids, also the subscription bits. */

#define RATE_SET_ASYNC (1u << 0)
#define RATE_SET_IGNORE_DRESP (1u << 1)
#define RATE_SET_ROUND_UP (1u << 2)
#define RATE_SET_ROUND_AUTO (1u << 3)

#define CONFIG_STATE 0x3u
#define CONFIG_EXT_TYPE (0xffu << 16)

#define CLOCK_ATTR_RESTRICTED (1u << 1)

static int clock_view(struct scmi_ctx *c, struct vscmi_rd *req, struct scmi_vres **v,
		      uint32_t *vid)
{
	return scmi_view_get(c, req, VSCMI_CLOCK, v, vid);
}

/* The parent as this agent numbers it, when it sees the parent at all. */
static int clock_parent_vid(struct scmi_ctx *c, const struct scmi_vres *v, uint32_t *pvid)
{
	int p = scmi_vres_desc(v)->parent;

	if (p < 0)
		return -ENOENT;
	for (uint32_t i = 0; i < c->agent->nviews[VSCMI_CLOCK]; i++) {
		if (arb_res_index(c->agent->views[VSCMI_CLOCK][i].res) == (uint32_t)p) {
			*pvid = i;
			return 0;
		}
	}
	return -ENOENT;
}

/* Agents may change neither a parent nor a fixed clock's rate. */
static bool clock_restricted(struct scmi_ctx *c, const struct scmi_vres *v)
{
	uint32_t pvid;

	return scmi_vres_desc(v)->u.clock.policy == VSCMI_POLICY_FIXED ||
	       clock_parent_vid(c, v, &pvid) == 0;
}

static int clock_attributes_proto(struct scmi_ctx *c, struct vscmi_rd *req,
				  struct vscmi_wr *resp)
{
	uint32_t max_async = c->agent->p2a ? CLOCK_MAX_ASYNC : 0;

	vscmi_wr_u32(resp, max_async << 16 | scmi_view_count(c, VSCMI_CLOCK));
	return 0;
}

static int clock_attributes(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	struct arb_state st;
	uint32_t attr = 0, pvid;
	int r = clock_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	arb_vote_state(v->vote, &st);
	if (c->agent->p2a)
		attr |= 1u << 31;
	if (scmi_name_is_long(v->name))
		attr |= 1u << 29;
	if (clock_parent_vid(c, v, &pvid) == 0)
		attr |= 1u << 28;
	/* DEN0056E 4.6.2.5: CLOCK_GET_PERMISSIONS tells what is restricted:
	 * a fixed clock's rate, and the parent an agent sees. */
	if (clock_restricted(c, v))
		attr |= CLOCK_ATTR_RESTRICTED;
	if (st.on)
		attr |= 1u << 0;
	vscmi_wr_u32(resp, attr);
	vscmi_wr_str(resp, v->name, SCMI_SHORT_NAME);
	vscmi_wr_u32(resp, scmi_vres_desc(v)->u.clock.enable_latency_us);
	return 0;
}

static void clock_wr_rate(struct vscmi_wr *resp, int64_t hz)
{
	vscmi_wr_u64(resp, (uint64_t)hz);
}

static int clock_describe_rates(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	const struct vscmi_res_desc *d;
	const struct vscmi_range *rg;
	struct scmi_vres *v;
	uint32_t index, n, fit;
	int r = clock_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, index);
	d = scmi_vres_desc(v);
	rg = &d->u.clock.rates;
	/* DEN0056E 4.6.2.6: a rate_index past the list is OUT_OF_RANGE; one
	 * equal to the count is an empty remainder, as for every list. */
	if (d->u.clock.policy == VSCMI_POLICY_FIXED) {
		/* The one rate the clock can run at. */
		if (index > 1)
			return -ERANGE;
		vscmi_wr_u32(resp, index == 0 ? 1 : 0);
		if (index == 0)
			clock_wr_rate(resp, (int64_t)d->u.clock.rate);
		return 0;
	}
	if (rg->segment) {
		/* A triplet is one description, not a list to page through. */
		if (index != 0)
			return -ERANGE;
		vscmi_wr_u32(resp, 1u << 12 | 3);
		clock_wr_rate(resp, rg->min);
		clock_wr_rate(resp, rg->max);
		clock_wr_rate(resp, rg->step);
		return 0;
	}
	if (index > rg->count)
		return -ERANGE;
	n = rg->count - index;
	fit = (uint32_t)((c->payload_max - 4) / 8);
	if (n > fit)
		n = fit;
	vscmi_wr_u32(resp, (rg->count - index - n) << 16 | n);
	for (uint32_t i = 0; i < n; i++)
		clock_wr_rate(resp, rg->values[index + i]);
	return 0;
}

/* Applies the request's rounding to a rate the clock can run at. */
static int clock_round(const struct vscmi_res_desc *d, uint64_t hz, uint32_t flags, int64_t *out)
{
	int64_t down, up;
	int rd, ru;

	if (hz > INT64_MAX)
		return -ERANGE;
	if (d->u.clock.policy == VSCMI_POLICY_FIXED) {
		*out = (int64_t)hz;
		return 0;
	}
	if (!(flags & RATE_SET_ROUND_AUTO))
		return vscmi_range_fit(&d->u.clock.rates, (int64_t)hz,
				       flags & RATE_SET_ROUND_UP ? 1 : -1, out);
	rd = vscmi_range_fit(&d->u.clock.rates, (int64_t)hz, -1, &down);
	ru = vscmi_range_fit(&d->u.clock.rates, (int64_t)hz, 1, &up);
	if (rd < 0 && ru < 0)
		return rd;
	if (rd < 0 || (ru == 0 && up - (int64_t)hz < (int64_t)hz - down))
		*out = up;
	else
		*out = down;
	return 0;
}

static int clock_rate_set(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t flags, vid, lo, hi;
	int64_t rate;
	int r;

	SCMI_RD32(req, flags);
	r = clock_view(c, req, &v, &vid);
	if (r < 0)
		return r;
	SCMI_RD32(req, lo);
	SCMI_RD32(req, hi);
	if (flags & ~0xfu)
		return -EINVAL;
	if ((flags & RATE_SET_ASYNC) && !(flags & RATE_SET_IGNORE_DRESP) && !c->agent->p2a)
		return -EOPNOTSUPP;
	if ((flags & RATE_SET_ASYNC) && c->agent->pending >= CLOCK_MAX_ASYNC)
		return -EBUSY;
	/* DEN0056E 4.6.2.7: a rate the clock cannot run at, after the
	 * rounding asked, is INVALID_PARAMETERS, outside its range too. */
	r = clock_round(scmi_vres_desc(v), (uint64_t)hi << 32 | lo, flags, &rate);
	if (r < 0)
		return -EINVAL;
	r = arb_vote_ask(v->vote, ARB_LEVEL, rate, 0);
	/* -EINPROGRESS: the server sends the reply, then this, later. */
	if (r < 0 && r != -EINPROGRESS)
		return r;
	if ((flags & RATE_SET_ASYNC) && !(flags & RATE_SET_IGNORE_DRESP)) {
		struct vscmi_op op = { VSCMI_OP_CLOCK_RATE, scmi_vres_desc(v)->plat_id, rate, 0 };
		struct vscmi_platform *p = c->srv->plat;
		uint8_t dr[12];
		int e;

		vscmi_put_le32(dr, vid);
		vscmi_put_le32(dr + 4, (uint32_t)rate);
		vscmi_put_le32(dr + 8, (uint32_t)((uint64_t)rate >> 32));
		e = scmi_delayed_response(c, SCMI_CLOCK_RATE_SET, SCMI_SUCCESS, dr, sizeof(dr),
					  p->ops->completion_delay_us ?
						  p->ops->completion_delay_us(p, &op) : 0);
		if (e < 0)
			return e;
	}
	return r;
}

static int clock_rate_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	struct arb_state st;
	int r = clock_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	arb_vote_state(v->vote, &st);
	/* Without a vote of its own, the agent sees the rate the clock has. */
	if (!st.has_level)
		arb_res_phys(v->res, &st);
	clock_wr_rate(resp, st.level);
	return 0;
}

static int clock_config_set(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t attr;
	int r = clock_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, attr);
	/* DEN0056E 4.6.2.9: attributes[31:24] and [15:2] reserved, must be
	 * zero. No extended configuration is offered (CLOCK_ATTRIBUTES bit 27
	 * clear), and an unsupported configuration is INVALID_PARAMETERS; so
	 * is state 3 (unchanged) without one, and the reserved state 2. */
	if (attr & ~(CONFIG_EXT_TYPE | CONFIG_STATE))
		return -EINVAL;
	if (attr & CONFIG_EXT_TYPE)
		return -EINVAL;
	switch (attr & CONFIG_STATE) {
	case 0:
		return arb_vote_ask(v->vote, ARB_GATE, false, 0);
	case 1:
		return arb_vote_ask(v->vote, ARB_GATE, true, 0);
	default:
		return -EINVAL;
	}
}

static int clock_name_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	int r = clock_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	vscmi_wr_u32(resp, 0);
	vscmi_wr_str(resp, v->name, SCMI_EXT_NAME);
	return 0;
}

static int clock_notify(struct scmi_ctx *c, struct vscmi_rd *req, uint32_t notif)
{
	struct scmi_vres *v;
	uint32_t enable;
	int r = clock_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, enable);
	return scmi_notify_set(c, v, notif, enable);
}

static int clock_rate_notify(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	return clock_notify(c, req, SCMI_CLOCK_RATE_CHANGED);
}

/* DEN0056E CLOCK_RATE_CHANGE_REQUESTED_NOTIFY: no clock has the
 * notification (CLOCK_ATTRIBUTES bit 30 clear): nothing asks the platform
 * for a rate on an agent's behalf. NOT_SUPPORTED, after the usual checks. */
static int clock_rate_change_requested_notify(struct scmi_ctx *c, struct vscmi_rd *req,
					      struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t enable;
	int r = clock_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, enable);
	return enable > 1 ? -EINVAL : -EOPNOTSUPP;
}

static int clock_config_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	struct arb_state st;
	uint32_t flags;
	int r = clock_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, flags);
	/* DEN0056E 4.6.2.10: flags[31:8] reserved, must be zero; [7:0] an
	 * extended configuration type, none offered: INVALID_PARAMETERS. */
	if (flags)
		return -EINVAL;
	arb_vote_state(v->vote, &st);
	vscmi_wr_u32(resp, 0);
	vscmi_wr_u32(resp, st.on ? 1 : 0);
	vscmi_wr_u32(resp, 0);
	return 0;
}

/* Parents are wired in the SoC: an agent that sees a clock's parent can
 * read it, and "set" it to what it already is. */
static int clock_possible_parents(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t skip, pvid;
	int r = clock_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, skip);
	if (clock_parent_vid(c, v, &pvid) < 0)
		return -EOPNOTSUPP;
	if (skip > 1)
		return -EINVAL;
	vscmi_wr_u32(resp, skip == 0 ? 1 : 0);
	if (skip == 0)
		vscmi_wr_u32(resp, pvid);
	return 0;
}

static int clock_parent_set(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t parent, pvid;
	int r = clock_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, parent);
	if (clock_parent_vid(c, v, &pvid) < 0)
		return -EOPNOTSUPP;
	if (parent >= c->agent->nviews[VSCMI_CLOCK])
		return -ENOENT;
	return parent == pvid ? 0 : -EACCES;
}

static int clock_parent_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t pvid;
	int r = clock_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	if (clock_parent_vid(c, v, &pvid) < 0)
		return -EOPNOTSUPP;
	vscmi_wr_u32(resp, pvid);
	return 0;
}

static int clock_get_permissions(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t perms = 1u << 31;
	int r = clock_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	if (scmi_vres_desc(v)->u.clock.policy != VSCMI_POLICY_FIXED)
		perms |= 1u << 29;
	vscmi_wr_u32(resp, perms);
	return 0;
}

static const struct scmi_msg_desc clock_msgs[] = {
	SCMI_COMMON_MSGS,
	[SCMI_MSG_ATTRIBUTES] = { clock_attributes_proto, 0 },
	[SCMI_CLOCK_ATTRIBUTES] = { clock_attributes, 4 },
	[SCMI_CLOCK_DESCRIBE_RATES] = { clock_describe_rates, 8 },
	[SCMI_CLOCK_RATE_SET] = { clock_rate_set, 16 },
	[SCMI_CLOCK_RATE_GET] = { clock_rate_get, 4 },
	[SCMI_CLOCK_CONFIG_SET] = { clock_config_set, 8 },
	[SCMI_CLOCK_NAME_GET] = { clock_name_get, 4 },
	[SCMI_CLOCK_RATE_NOTIFY] = { clock_rate_notify, 8 },
	[SCMI_CLOCK_RATE_CHANGE_REQUESTED_NOTIFY] = { clock_rate_change_requested_notify, 8 },
	[SCMI_CLOCK_CONFIG_GET] = { clock_config_get, 8 },
	[SCMI_CLOCK_POSSIBLE_PARENTS_GET] = { clock_possible_parents, 8 },
	[SCMI_CLOCK_PARENT_SET] = { clock_parent_set, 8 },
	[SCMI_CLOCK_PARENT_GET] = { clock_parent_get, 4 },
	[SCMI_CLOCK_GET_PERMISSIONS] = { clock_get_permissions, 4 },
};

const struct scmi_protocol scmi_clock_protocol = {
	.id = SCMI_PROTO_CLOCK,
	.version = CLOCK_VERSION,
	.kind = VSCMI_CLOCK,
	SCMI_PROTOCOL_TABLE(clock_msgs),
};
