/* SPDX-License-Identifier: GPL-2.0-only */
/* Performance protocol (0x13), v4.0. Levels and limits are votes in the
 * arbiter; reads return the agent's own vote. Levels are perf values (no
 * level-indexing mode) and there are no fastchannels over virtio. */
#include "internal.h"

#define PERF_VERSION 0x40000


/* Notification message ids, also the subscription bits. */

#define PERF_POWER_MW (1u << 0)
/* perf, power, latency + reserved, indicative frequency, level index */
#define PERF_LEVEL_SIZE 20

static int perf_view(struct scmi_ctx *c, struct vscmi_rd *req, struct scmi_vres **v)
{
	return scmi_view_get(c, req, VSCMI_PERF, v, NULL);
}

/* Levels ascend, so the last one is the sustained maximum. The config
 * guarantees at least one level. */
static const struct vscmi_perf_level *perf_top(const struct vscmi_res_desc *d)
{
	return &d->u.perf.levels[d->u.perf.nlevels ? d->u.perf.nlevels - 1 : 0];
}

static int perf_attributes_proto(struct scmi_ctx *c, struct vscmi_rd *req,
				 struct vscmi_wr *resp)
{
	vscmi_wr_u32(resp, PERF_POWER_MW << 16 | scmi_view_count(c, VSCMI_PERF));
	/* No statistics shared memory. */
	vscmi_wr_u32(resp, 0);
	vscmi_wr_u32(resp, 0);
	vscmi_wr_u32(resp, 0);
	return 0;
}

static int perf_domain_attributes(struct scmi_ctx *c, struct vscmi_rd *req,
				  struct vscmi_wr *resp)
{
	const struct vscmi_res_desc *d;
	struct scmi_vres *v;
	uint32_t flags = 1u << 31 | 1u << 30;
	int r = perf_view(c, req, &v);

	if (r < 0)
		return r;
	d = scmi_vres_desc(v);
	if (c->agent->p2a)
		flags |= 1u << 29 | 1u << 28;
	if (scmi_name_is_long(v->name))
		flags |= 1u << 26;
	vscmi_wr_u32(resp, flags);
	vscmi_wr_u32(resp, d->u.perf.rate_limit_us & 0xfffff);
	vscmi_wr_u32(resp, perf_top(d)->freq_khz);
	vscmi_wr_u32(resp, perf_top(d)->perf);
	vscmi_wr_str(resp, v->name, SCMI_SHORT_NAME);
	return 0;
}

static int perf_describe_levels(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	const struct vscmi_res_desc *d;
	struct scmi_vres *v;
	uint32_t index, n, fit, count;
	int r = perf_view(c, req, &v);

	if (r < 0)
		return r;
	SCMI_RD32(req, index);
	d = scmi_vres_desc(v);
	count = d->u.perf.nlevels;
	/* DEN0056E 4.5.3.6: a level_index past the list is OUT_OF_RANGE; one
	 * equal to the count is an empty remainder. */
	if (index > count)
		return -ERANGE;
	n = count - index;
	fit = c->payload_max > 4 ? (uint32_t)((c->payload_max - 4) / PERF_LEVEL_SIZE) : 0;
	if (n > fit)
		n = fit;
	vscmi_wr_u32(resp, (count - index - n) << 16 | n);
	for (uint32_t i = index; i < index + n; i++) {
		const struct vscmi_perf_level *l = &d->u.perf.levels[i];

		vscmi_wr_u32(resp, l->perf);
		vscmi_wr_u32(resp, l->power);
		vscmi_wr_u16(resp, l->latency_us > 0xffff ? 0xffff : (uint16_t)l->latency_us);
		vscmi_wr_u16(resp, 0);
		vscmi_wr_u32(resp, l->freq_khz);
		vscmi_wr_u32(resp, i);
	}
	return 0;
}

static int perf_limits_set(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t max, min;
	int r = perf_view(c, req, &v);

	if (r < 0)
		return r;
	SCMI_RD32(req, max);
	SCMI_RD32(req, min);
	/* 0 keeps a bound as it is. DEN0056E 4.5.3.7: both zero is
	 * OUT_OF_RANGE. */
	if (!max && !min)
		return -ERANGE;
	return arb_vote_ask(v->vote, ARB_LIMITS, max, min);
}

static int perf_limits_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	const struct vscmi_res_desc *d;
	struct scmi_vres *v;
	struct arb_state st;
	int r = perf_view(c, req, &v);

	if (r < 0)
		return r;
	arb_vote_state(v->vote, &st);
	/* An agent that never limited itself is free over the whole range. */
	if (!st.has_limits) {
		d = scmi_vres_desc(v);
		st.max = perf_top(d)->perf;
		st.min = d->u.perf.levels[0].perf;
	}
	vscmi_wr_u32(resp, st.max);
	vscmi_wr_u32(resp, st.min);
	return 0;
}

static int perf_level_set(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t level;
	int r = perf_view(c, req, &v);

	if (r < 0)
		return r;
	SCMI_RD32(req, level);
	return arb_vote_ask(v->vote, ARB_LEVEL, level, 0);
}

static int perf_level_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	struct arb_state st;
	int r = perf_view(c, req, &v);

	if (r < 0)
		return r;
	arb_vote_state(v->vote, &st);
	/* Without a vote of its own, the agent sees the level the domain has. */
	if (!st.has_level)
		arb_res_phys(v->res, &st);
	vscmi_wr_u32(resp, (uint32_t)st.level);
	return 0;
}

static int perf_notify(struct scmi_ctx *c, struct vscmi_rd *req, uint32_t notif)
{
	struct scmi_vres *v;
	uint32_t enable;
	int r = perf_view(c, req, &v);

	if (r < 0)
		return r;
	SCMI_RD32(req, enable);
	return scmi_notify_set(c, v, notif, enable);
}

static int perf_notify_limits(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	return perf_notify(c, req, SCMI_PERF_LIMITS_CHANGED);
}

static int perf_notify_level(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	return perf_notify(c, req, SCMI_PERF_LEVEL_CHANGED);
}

/* Fastchannels are shared memory with the firmware; a virtio guest has
 * none, and every domain advertises so. DEN0056E 4.5.3.13: a message_id
 * the protocol does not have is NOT_FOUND, like an unknown domain; one it
 * has, NOT_SUPPORTED. */
static int perf_describe_fastchannel(struct scmi_ctx *c, struct vscmi_rd *req,
				     struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t msg;
	int r = perf_view(c, req, &v);

	if (r < 0)
		return r;
	SCMI_RD32(req, msg);
	if (msg >= c->proto->nmsgs || !c->proto->msgs[msg].fn)
		return -ENOENT;
	return -EOPNOTSUPP;
}

static int perf_domain_name_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	int r = perf_view(c, req, &v);

	if (r < 0)
		return r;
	vscmi_wr_u32(resp, 0);
	vscmi_wr_str(resp, v->name, SCMI_EXT_NAME);
	return 0;
}

/* Bit 0 would announce a fastchannel for the message: never over virtio. */
static uint32_t perf_msg_attributes(struct scmi_ctx *c, uint32_t msg)
{
	return 0;
}

static const struct scmi_msg_desc perf_msgs[] = {
	SCMI_COMMON_MSGS,
	[SCMI_MSG_ATTRIBUTES] = { perf_attributes_proto, 0 },
	[SCMI_PERF_DOMAIN_ATTRIBUTES] = { perf_domain_attributes, 4 },
	[SCMI_PERF_DESCRIBE_LEVELS] = { perf_describe_levels, 8 },
	[SCMI_PERF_LIMITS_SET] = { perf_limits_set, 12 },
	[SCMI_PERF_LIMITS_GET] = { perf_limits_get, 4 },
	[SCMI_PERF_LEVEL_SET] = { perf_level_set, 8 },
	[SCMI_PERF_LEVEL_GET] = { perf_level_get, 4 },
	[SCMI_PERF_NOTIFY_LIMITS] = { perf_notify_limits, 8 },
	[SCMI_PERF_NOTIFY_LEVEL] = { perf_notify_level, 8 },
	[SCMI_PERF_DESCRIBE_FASTCHANNEL] = { perf_describe_fastchannel, 8 },
	[SCMI_PERF_DOMAIN_NAME_GET] = { perf_domain_name_get, 4 },
};

const struct scmi_protocol scmi_perf_protocol = {
	.id = SCMI_PROTO_PERF,
	.version = PERF_VERSION,
	.kind = VSCMI_PERF,
	SCMI_PROTOCOL_TABLE(perf_msgs),
	.msg_attributes = perf_msg_attributes,
};
