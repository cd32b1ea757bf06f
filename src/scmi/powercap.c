/* SPDX-License-Identifier: GPL-2.0-only */
/* Power capping protocol (0x18), v2.0. A cap and an averaging interval
 * (PAI) are the agent's votes: the domain is capped at the lowest cap any
 * agent asks for, and each agent reads back its own. Measurements are the
 * domain's, shared by every agent; measurement thresholds are each
 * agent's own, kept in its view (trips[0] low, trips[1] high). */
#include "internal.h"

#define POWERCAP_VERSION 0x20000
#define POWERCAP_MAX_ASYNC 16
/* parent_id of a domain at the root, or whose parent the agent cannot see */
#define POWERCAP_ROOT 0xffffffffu

#define CAP_SET_IGNORE_DRESP (1u << 0)
#define CAP_SET_ASYNC (1u << 1)

#define PC_ATTR_CAP_NOTIFY (1u << 31)
#define PC_ATTR_MEAS_NOTIFY (1u << 30)
#define PC_ATTR_ASYNC (1u << 29)
#define PC_ATTR_EXT_NAME (1u << 28)
#define PC_ATTR_CAP_CONFIG (1u << 27)
#define PC_ATTR_MONITORING (1u << 26)
#define PC_ATTR_PAI_CONFIG (1u << 25)
#define PC_ATTR_UNIT_SHIFT 23

#define PC_LOW 0
#define PC_HIGH 1

static int pc_view(struct scmi_ctx *c, struct vscmi_rd *req, struct scmi_vres **v, uint32_t *vid)
{
	return scmi_view_get(c, req, VSCMI_POWERCAP, v, vid);
}

static bool pc_cap_config(const struct vscmi_res_desc *d)
{
	return d->u.powercap.cap_min != d->u.powercap.cap_max;
}

static bool pc_pai_config(const struct vscmi_res_desc *d)
{
	return d->u.powercap.pai_min != d->u.powercap.pai_max;
}

static bool pc_monitoring(const struct scmi_server *srv)
{
	return srv->plat->ops->powercap_measure != NULL;
}

/* The parent as this agent numbers it; the root when it cannot see it. */
static uint32_t pc_parent_vid(const struct scmi_agent *a, const struct scmi_vres *v)
{
	int p = scmi_vres_desc(v)->parent;

	if (p < 0)
		return POWERCAP_ROOT;
	for (uint32_t i = 0; i < a->nviews[VSCMI_POWERCAP]; i++)
		if (arb_res_index(a->views[VSCMI_POWERCAP][i].res) == (uint32_t)p)
			return i;
	return POWERCAP_ROOT;
}

/* Where the measurement lies against the agent's thresholds: below the
 * low one, between, above the high one. */
static int pc_zone(const struct scmi_vres *v, uint32_t power)
{
	if (power < v->trips[PC_LOW].value)
		return -1;
	return power > v->trips[PC_HIGH].value ? 1 : 0;
}

static void pc_set_zone(struct scmi_vres *v, int zone)
{
	v->trips[PC_LOW].above = zone >= 0;
	v->trips[PC_HIGH].above = zone > 0;
}

static int pc_get_zone(const struct scmi_vres *v)
{
	return !v->trips[PC_LOW].above ? -1 : v->trips[PC_HIGH].above ? 1 : 0;
}

/* A measurement crossed a threshold of an agent that asked: the news goes
 * to each agent that sees the domain, in its numbering. */
void scmi_powercap_measured(struct scmi_server *srv, struct arb_res *res, uint32_t power)
{
	struct scmi_watchers *ws = &srv->watchers[VSCMI_POWERCAP][arb_res_index(res)];

	for (uint32_t i = 0; i < ws->n; i++) {
		struct scmi_agent *a = ws->w[i].agent;
		struct scmi_vres *v = &a->views[VSCMI_POWERCAP][ws->w[i].vid];
		uint8_t buf[16];
		int zone;

		if (!v->trips[PC_LOW].armed)
			continue;
		zone = pc_zone(v, power);
		if (zone == pc_get_zone(v))
			continue;
		pc_set_zone(v, zone);
		a->seq++;
		if (!(v->notify & (1u << SCMI_POWERCAP_MEASUREMENTS_CHANGED)))
			continue;
		vscmi_put_le32(buf, SCMI_HDR(SCMI_POWERCAP_MEASUREMENTS_CHANGED,
					     SCMI_TYPE_NOTIFICATION, SCMI_PROTO_POWERCAP, 0));
		/* the platform measured it, not another agent */
		vscmi_put_le32(buf + 4, 0);
		vscmi_put_le32(buf + 8, ws->w[i].vid);
		vscmi_put_le32(buf + 12, power);
		if (scmi_agent_send(a, buf, sizeof(buf)) == 0)
			a->stats.notifications++;
	}
}

void scmi_powercap_recheck(struct scmi_server *srv, struct arb_res *res)
{
	struct scmi_watchers *ws = &srv->watchers[VSCMI_POWERCAP][arb_res_index(res)];
	uint32_t power, pai;
	bool armed = false;

	/* Nobody watching: no measurement, which may cost a firmware call. */
	for (uint32_t i = 0; i < ws->n && !armed; i++)
		armed = ws->w[i].agent->views[VSCMI_POWERCAP][ws->w[i].vid].trips[PC_LOW].armed;
	if (armed && vscmi_platform_powercap_measure(srv->plat, arb_res_desc(res)->plat_id, &power,
						     &pai) == 0)
		scmi_powercap_measured(srv, res, power);
}

static int pc_attributes_proto(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	vscmi_wr_u32(resp, scmi_view_count(c, VSCMI_POWERCAP));
	return 0;
}

static int pc_domain_attributes(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	const struct vscmi_res_desc *d;
	struct scmi_vres *v;
	uint32_t attr = 0;
	int r = pc_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	d = scmi_vres_desc(v);
	if (c->agent->p2a)
		attr |= PC_ATTR_CAP_NOTIFY | PC_ATTR_ASYNC;
	if (c->agent->p2a && pc_monitoring(c->srv))
		attr |= PC_ATTR_MEAS_NOTIFY;
	if (scmi_name_is_long(v->name))
		attr |= PC_ATTR_EXT_NAME;
	if (pc_cap_config(d))
		attr |= PC_ATTR_CAP_CONFIG;
	if (pc_monitoring(c->srv))
		attr |= PC_ATTR_MONITORING;
	if (pc_pai_config(d))
		attr |= PC_ATTR_PAI_CONFIG;
	attr |= (d->u.powercap.unit & 0x3u) << PC_ATTR_UNIT_SHIFT;
	vscmi_wr_u32(resp, attr);
	vscmi_wr_str(resp, v->name, SCMI_SHORT_NAME);
	vscmi_wr_u32(resp, d->u.powercap.pai_min);
	vscmi_wr_u32(resp, d->u.powercap.pai_max);
	vscmi_wr_u32(resp, d->u.powercap.pai_step);
	vscmi_wr_u32(resp, d->u.powercap.cap_min);
	vscmi_wr_u32(resp, d->u.powercap.cap_max);
	vscmi_wr_u32(resp, d->u.powercap.cap_step);
	vscmi_wr_u32(resp, d->u.powercap.sustainable);
	vscmi_wr_u32(resp, d->u.powercap.accuracy);
	vscmi_wr_u32(resp, pc_parent_vid(c->agent, v));
	return 0;
}

static int pc_cap_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	struct arb_state st;
	int r = pc_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	arb_vote_state(v->vote, &st);
	/* Without a cap of its own, the agent sees the one applied. */
	if (!st.has_level)
		arb_res_phys(v->res, &st);
	vscmi_wr_u32(resp, (uint32_t)st.level);
	return 0;
}

static int pc_cap_set(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t vid, flags, cap;
	bool async;
	int r = pc_view(c, req, &v, &vid);

	if (r < 0)
		return r;
	SCMI_RD32(req, flags);
	SCMI_RD32(req, cap);
	if (flags & ~(CAP_SET_ASYNC | CAP_SET_IGNORE_DRESP))
		return -EINVAL;
	if (!pc_cap_config(scmi_vres_desc(v)))
		return -EOPNOTSUPP;
	/* The ignore flag means something only for the asynchronous form. */
	async = (flags & CAP_SET_ASYNC) && !(flags & CAP_SET_IGNORE_DRESP);
	if ((flags & CAP_SET_ASYNC) && !c->agent->p2a)
		return -EOPNOTSUPP;
	if (async && c->agent->pending >= POWERCAP_MAX_ASYNC)
		return -EBUSY;
	r = arb_vote_ask(v->vote, ARB_LEVEL, cap, 0);
	/* -EINPROGRESS: the server sends the reply, then this, later. */
	if (r < 0 && r != -EINPROGRESS)
		return r;
	if (async) {
		struct vscmi_op op = { VSCMI_OP_POWERCAP_CAP, scmi_vres_desc(v)->plat_id, cap, 0 };
		struct vscmi_platform *p = c->srv->plat;
		uint8_t dr[8];
		int e;

		vscmi_put_le32(dr, vid);
		vscmi_put_le32(dr + 4, cap);
		e = scmi_delayed_response(c, SCMI_POWERCAP_CAP_SET, SCMI_SUCCESS, dr, sizeof(dr),
					  p->ops->completion_delay_us ?
						  p->ops->completion_delay_us(p, &op) : 0);
		if (e < 0)
			return e;
	}
	return r;
}

static int pc_pai_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	struct arb_state st;
	int r = pc_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	arb_vote_state(v->vote, &st);
	if (!st.has_limits)
		arb_res_phys(v->res, &st);
	vscmi_wr_u32(resp, st.min);
	return 0;
}

static int pc_pai_set(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t flags, pai;
	int r = pc_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, flags);
	SCMI_RD32(req, pai);
	if (flags)
		return -EINVAL;
	if (!pc_pai_config(scmi_vres_desc(v)))
		return -EOPNOTSUPP;
	return arb_vote_ask(v->vote, ARB_PAI, pai, 0);
}

static int pc_name_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	int r = pc_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	vscmi_wr_u32(resp, 0);
	vscmi_wr_str(resp, v->name, SCMI_EXT_NAME);
	return 0;
}

static int pc_measurements_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t power = 0, pai = 0;
	int r = pc_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	r = vscmi_platform_powercap_measure(c->srv->plat, scmi_vres_desc(v)->plat_id, &power,
					    &pai);
	if (r < 0)
		return r;
	scmi_powercap_measured(c->srv, v->res, power);
	vscmi_wr_u32(resp, power);
	vscmi_wr_u32(resp, pai);
	return 0;
}

static int pc_cap_notify(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t enable;
	int r = pc_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, enable);
	return scmi_notify_set(c, v, SCMI_POWERCAP_CAP_CHANGED, enable);
}

static int pc_measurements_notify(struct scmi_ctx *c, struct vscmi_rd *req,
				  struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t enable, low, high, power = 0, pai;
	int r = pc_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, enable);
	SCMI_RD32(req, low);
	SCMI_RD32(req, high);
	if (enable > 1 || (enable && low > high))
		return -EINVAL;
	if (!pc_monitoring(c->srv))
		return -EOPNOTSUPP;
	if (!enable) {
		r = scmi_notify_set(c, v, SCMI_POWERCAP_MEASUREMENTS_CHANGED, 0);
		if (r == 0)
			v->trips[PC_LOW] = v->trips[PC_HIGH] = (struct scmi_trip){ 0 };
		return r;
	}
	if (!c->agent->p2a)
		return -EOPNOTSUPP;
	/* Crossings count from here: the side the measurement is on now. */
	r = vscmi_platform_powercap_measure(c->srv->plat, scmi_vres_desc(v)->plat_id, &power,
					    &pai);
	if (r < 0)
		return r;
	v->trips[PC_LOW] = (struct scmi_trip){ .armed = true, .mode = 3, .value = low };
	v->trips[PC_HIGH] = (struct scmi_trip){ .armed = true, .mode = 3, .value = high };
	pc_set_zone(v, pc_zone(v, power));
	return scmi_notify_set(c, v, SCMI_POWERCAP_MEASUREMENTS_CHANGED, 1);
}

/* No domain has fast channels. */
static int pc_describe_fastchannel(struct scmi_ctx *c, struct vscmi_rd *req,
				   struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	int r = pc_view(c, req, &v, NULL);

	return r < 0 ? r : -EOPNOTSUPP;
}

static const struct scmi_msg_desc powercap_msgs[] = {
	SCMI_COMMON_MSGS,
	[SCMI_MSG_ATTRIBUTES] = { pc_attributes_proto, 0 },
	[SCMI_POWERCAP_DOMAIN_ATTRIBUTES] = { pc_domain_attributes, 4 },
	[SCMI_POWERCAP_CAP_GET] = { pc_cap_get, 4 },
	[SCMI_POWERCAP_CAP_SET] = { pc_cap_set, 12 },
	[SCMI_POWERCAP_PAI_GET] = { pc_pai_get, 4 },
	[SCMI_POWERCAP_PAI_SET] = { pc_pai_set, 12 },
	[SCMI_POWERCAP_DOMAIN_NAME_GET] = { pc_name_get, 4 },
	[SCMI_POWERCAP_MEASUREMENTS_GET] = { pc_measurements_get, 4 },
	[SCMI_POWERCAP_CAP_NOTIFY] = { pc_cap_notify, 8 },
	[SCMI_POWERCAP_MEASUREMENTS_NOTIFY] = { pc_measurements_notify, 16 },
	[SCMI_POWERCAP_DESCRIBE_FASTCHANNEL] = { pc_describe_fastchannel, 8 },
};

const struct scmi_protocol scmi_powercap_protocol = {
	.id = SCMI_PROTO_POWERCAP,
	.version = POWERCAP_VERSION,
	.kind = VSCMI_POWERCAP,
	SCMI_PROTOCOL_TABLE(powercap_msgs),
};
