/* SPDX-License-Identifier: GPL-2.0-only */
/* Sensor protocol (0x15), v3.1. Readings are shared: every agent reads the
 * physical sensor. What an agent configures (enable, trip points,
 * subscriptions) is its own and never reaches the platform. */
#include "internal.h"

#define SENSOR_VERSION 0x30001
#define SENSOR_MAX_ASYNC 16


/* Notification message ids, also the subscription bits. */

/* id, attributes_low, attributes_high, name[16] */
#define SENSOR_DESC_SIZE 28

#define READING_ASYNC (1u << 0)

#define TRIP_EVCTL_MODE 0x3u
#define TRIP_EVCTL_ID(x) (((x) >> 4) & 0xffu)
#define TRIP_EVCTL_VALID (0xff0u | TRIP_EVCTL_MODE)
#define TRIP_UP 0x1u
#define TRIP_DOWN 0x2u

#define SENSOR_CFG_ENABLED (1u << 0)
#define SENSOR_CFG_TIMESTAMP (1u << 1)
#define SENSOR_CFG_RESERVED 0x1fcu	/* bits [8:2] */
/* A sensor nobody configured is enabled. The per-agent word is kept as its
 * difference from that default, so the zeroed state of a fresh or reset
 * agent reads as the default without a separate "configured" flag. */
#define SENSOR_CFG_DEFAULT SENSOR_CFG_ENABLED

static int sensor_view(struct scmi_ctx *c, struct vscmi_rd *req, struct scmi_vres **v,
		       uint32_t *vid)
{
	return scmi_view_get(c, req, VSCMI_SENSOR, v, vid);
}

static void sensor_trip_event(struct scmi_agent *a, uint32_t vid, uint32_t trip, bool up)
{
	uint8_t buf[16];

	vscmi_put_le32(buf, SCMI_HDR(SCMI_SENSOR_TRIP_POINT_EVENT, SCMI_TYPE_NOTIFICATION,
				     SCMI_PROTO_SENSOR, 0));
	/* The platform saw the crossing, not another agent. */
	vscmi_put_le32(buf + 4, 0);
	vscmi_put_le32(buf + 8, vid);
	vscmi_put_le32(buf + 12, trip | (up ? 1u << 16 : 0));
	if (scmi_agent_send(a, buf, sizeof(buf)) == 0)
		a->stats.notifications++;
}

/* Trip points are evaluated against the readings the agent takes: a
 * crossing since its last look raises an event in the armed direction. */
static void sensor_trips_check(struct scmi_agent *a, struct scmi_vres *v, uint32_t vid,
			       int64_t value)
{
	for (uint32_t i = 0; i < SCMI_MAX_TRIPS; i++) {
		struct scmi_trip *t = &v->trips[i];
		bool above = value >= t->value;

		if (!t->armed || above == t->above)
			continue;
		t->above = above;
		a->seq++;
		if ((t->mode & (above ? TRIP_UP : TRIP_DOWN)) &&
		    (v->notify & (1u << SCMI_SENSOR_TRIP_POINT_EVENT)))
			sensor_trip_event(a, vid, i, above);
	}
}

static int sensor_attributes_proto(struct scmi_ctx *c, struct vscmi_rd *req,
				   struct vscmi_wr *resp)
{
	uint32_t max_async = c->agent->p2a ? SENSOR_MAX_ASYNC : 0;

	vscmi_wr_u32(resp, max_async << 16 | scmi_view_count(c, VSCMI_SENSOR));
	/* No shared-memory sensor registers. */
	vscmi_wr_u32(resp, 0);
	vscmi_wr_u32(resp, 0);
	vscmi_wr_u32(resp, 0);
	return 0;
}

static int sensor_description_get(struct scmi_ctx *c, struct vscmi_rd *req,
				  struct vscmi_wr *resp)
{
	uint32_t index, n, fit, count = scmi_view_count(c, VSCMI_SENSOR);

	SCMI_RD32(req, index);
	if (index > count)
		return -EINVAL;
	n = count - index;
	fit = c->payload_max > 4 ? (uint32_t)((c->payload_max - 4) / SENSOR_DESC_SIZE) : 0;
	if (n > fit)
		n = fit;
	vscmi_wr_u32(resp, (count - index - n) << 16 | n);
	for (uint32_t i = index; i < index + n; i++) {
		const struct scmi_vres *v = &c->agent->views[VSCMI_SENSOR][i];
		const struct vscmi_res_desc *d = scmi_vres_desc(v);
		uint32_t lo = SCMI_MAX_TRIPS, hi;

		if (c->agent->p2a)
			lo |= 1u << 31 | 1u << 30;
		if (scmi_name_is_long(v->name))
			lo |= 1u << 29;
		/* Scale is a 5-bit two's complement power of ten. */
		hi = ((uint32_t)d->u.sensor.scale & 0x1f) << 11 | (d->u.sensor.type & 0xff);
		vscmi_wr_u32(resp, i);
		vscmi_wr_u32(resp, lo);
		vscmi_wr_u32(resp, hi);
		vscmi_wr_str(resp, v->name, SCMI_SHORT_NAME);
	}
	return 0;
}

static int sensor_trip_point_notify(struct scmi_ctx *c, struct vscmi_rd *req,
				    struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t ctl;
	int r = sensor_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, ctl);
	if (ctl & ~1u)
		return -EINVAL;
	return scmi_notify_set(c, v, SCMI_SENSOR_TRIP_POINT_EVENT, ctl & 1);
}

/* Arms a trip point on the side the sensor is on now: crossings count
 * from then. */
static void sensor_trip_arm(struct scmi_agent *a, struct scmi_trip *t, uint32_t mode,
			    int64_t value, int64_t now)
{
	t->armed = true;
	t->mode = mode;
	t->value = value;
	t->above = now >= value;
	a->seq++;
}

/* The reading a trip point is armed on came later (slow firmware). */
static int sensor_trip_finish(struct scmi_preq *q, int result, bool current,
			      struct vscmi_wr *resp)
{
	if (result < 0)
		return result;
	/* a reset agent's trip points start over: nothing to arm */
	if (current)
		sensor_trip_arm(q->agent, &q->view->trips[q->arg[0]], q->arg[1],
				(int64_t)((uint64_t)q->arg[3] << 32 | q->arg[2]), q->value);
	return 0;
}

static int sensor_trip_point_config(struct scmi_ctx *c, struct vscmi_rd *req,
				    struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	struct scmi_trip *t;
	uint32_t ctl, lo, hi, id;
	uint64_t ts;
	int64_t now;
	int r = sensor_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, ctl);
	SCMI_RD32(req, lo);
	SCMI_RD32(req, hi);
	id = TRIP_EVCTL_ID(ctl);
	if ((ctl & ~TRIP_EVCTL_VALID) || id >= SCMI_MAX_TRIPS)
		return -EINVAL;
	t = &v->trips[id];
	if (!(ctl & TRIP_EVCTL_MODE)) {
		*t = (struct scmi_trip){ 0 };
		c->agent->seq++;
		return 0;
	}
	/* Crossings count from now: the side the sensor is on at arming,
	 * which a slow firmware tells later (the reply waits for it). */
	r = scmi_preq_reading(c, scmi_vres_desc(v)->plat_id, &now, &ts, sensor_trip_finish);
	if (r == -EINPROGRESS) {
		c->preq->view = v;
		c->preq->arg[0] = id;
		c->preq->arg[1] = ctl & TRIP_EVCTL_MODE;
		c->preq->arg[2] = lo;
		c->preq->arg[3] = hi;
		return -EINPROGRESS;
	}
	if (r < 0)
		return r;
	sensor_trip_arm(c->agent, t, ctl & TRIP_EVCTL_MODE, (int64_t)((uint64_t)hi << 32 | lo),
			now);
	return 0;
}

/* A reading the platform finished later: the reply's return values, or
 * the delayed response's (which names the sensor first). */
static int sensor_reading_finish(struct scmi_preq *q, int result, bool current,
				 struct vscmi_wr *resp)
{
	if (result < 0)
		return result;
	/* A reset agent's trip points are gone: nothing to check. */
	if (current)
		sensor_trips_check(q->agent, q->view, q->vid, q->value);
	if (q->answered)
		vscmi_wr_u32(resp, q->vid);
	vscmi_wr_u64(resp, (uint64_t)q->value);
	vscmi_wr_u64(resp, q->ts);
	return 0;
}

static int sensor_reading_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t flags, vid;
	uint64_t ts;
	int64_t value;
	int r = sensor_view(c, req, &v, &vid);

	if (r < 0)
		return r;
	SCMI_RD32(req, flags);
	if (flags & ~READING_ASYNC)
		return -EINVAL;
	/* DEN0056E 4.7.2.12: reading a sensor the agent disabled is
	 * PROTOCOL_ERROR. */
	if (!((v->sensor_config ^ SENSOR_CFG_DEFAULT) & SENSOR_CFG_ENABLED))
		return -EPROTO;
	if ((flags & READING_ASYNC) && !c->agent->p2a)
		return -EOPNOTSUPP;
	if ((flags & READING_ASYNC) && c->agent->pending + c->agent->npreq >= SENSOR_MAX_ASYNC)
		return -EBUSY;
	r = scmi_preq_reading(c, scmi_vres_desc(v)->plat_id, &value, &ts, sensor_reading_finish);
	if (r == -EINPROGRESS) {
		/* Slow firmware: the synchronous form is answered when the value
		 * comes; the asynchronous one now, its delayed response then. */
		c->preq->view = v;
		c->preq->vid = vid;
		if (!(flags & READING_ASYNC))
			return -EINPROGRESS;
		c->preq->answered = true;
		c->preq->dresp_msg = SCMI_SENSOR_READING_GET;
		return 0;
	}
	if (r < 0)
		return r;
	sensor_trips_check(c->agent, v, vid, value);
	if (flags & READING_ASYNC) {
		uint8_t dr[20];

		vscmi_put_le32(dr, vid);
		vscmi_put_le32(dr + 4, (uint32_t)value);
		vscmi_put_le32(dr + 8, (uint32_t)((uint64_t)value >> 32));
		vscmi_put_le32(dr + 12, (uint32_t)ts);
		vscmi_put_le32(dr + 16, (uint32_t)(ts >> 32));
		/* The value is already in hand; no platform op to wait for. */
		return scmi_delayed_response(c, SCMI_SENSOR_READING_GET, SCMI_SUCCESS, dr,
					     sizeof(dr), 0);
	}
	vscmi_wr_u64(resp, (uint64_t)value);
	vscmi_wr_u64(resp, ts);
	return 0;
}

/* Sensors are scalar: no axes to describe or name. */
static int sensor_axis_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	int r = sensor_view(c, req, &v, NULL);

	return r < 0 ? r : -EOPNOTSUPP;
}

/* One discrete interval: the period the sensor's value moves at. */
static int sensor_list_update_intervals(struct scmi_ctx *c, struct vscmi_rd *req,
					struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t index, secs;
	int r = sensor_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, index);
	if (index > 1)
		return -EINVAL;
	vscmi_wr_u32(resp, index == 0 ? 1 : 0);
	if (index == 1)
		return 0;
	secs = scmi_vres_desc(v)->u.sensor.period_ms / 1000;
	if (secs < 1)
		secs = 1;
	if (secs > 0xffff)
		secs = 0xffff;
	/* secs in [20:5], power-of-ten exponent 0 in [4:0] */
	vscmi_wr_u32(resp, secs << 5);
	return 0;
}

static int sensor_config_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	int r = sensor_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	vscmi_wr_u32(resp, v->sensor_config ^ SENSOR_CFG_DEFAULT);
	return 0;
}

static int sensor_config_set(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t config;
	int r = sensor_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, config);
	if (config & SENSOR_CFG_RESERVED)
		return -EINVAL;
	/* DEN0056E 4.7.2.11: the descriptors say no sensor can timestamp
	 * (attributes_low bit 9 clear): asking for it is NOT_SUPPORTED. */
	if (config & SENSOR_CFG_TIMESTAMP)
		return -EOPNOTSUPP;
	v->sensor_config = config ^ SENSOR_CFG_DEFAULT;
	c->agent->seq++;
	return 0;
}

static int sensor_continuous_update_notify(struct scmi_ctx *c, struct vscmi_rd *req,
					   struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t enable;
	int r = sensor_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	SCMI_RD32(req, enable);
	return scmi_notify_set(c, v, SCMI_SENSOR_UPDATE, enable);
}

static int sensor_name_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	int r = sensor_view(c, req, &v, NULL);

	if (r < 0)
		return r;
	vscmi_wr_u32(resp, 0);
	vscmi_wr_str(resp, v->name, SCMI_EXT_NAME);
	return 0;
}

static const struct scmi_msg_desc sensor_msgs[] = {
	SCMI_COMMON_MSGS,
	[SCMI_MSG_ATTRIBUTES] = { sensor_attributes_proto, 0 },
	[SCMI_SENSOR_DESCRIPTION_GET] = { sensor_description_get, 4 },
	[SCMI_SENSOR_TRIP_POINT_NOTIFY] = { sensor_trip_point_notify, 8 },
	[SCMI_SENSOR_TRIP_POINT_CONFIG] = { sensor_trip_point_config, 16 },
	[SCMI_SENSOR_READING_GET] = { sensor_reading_get, 8 },
	[SCMI_SENSOR_AXIS_DESCRIPTION_GET] = { sensor_axis_get, 8 },
	[SCMI_SENSOR_LIST_UPDATE_INTERVALS] = { sensor_list_update_intervals, 8 },
	[SCMI_SENSOR_CONFIG_GET] = { sensor_config_get, 4 },
	[SCMI_SENSOR_CONFIG_SET] = { sensor_config_set, 8 },
	[SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY] = { sensor_continuous_update_notify, 8 },
	[SCMI_SENSOR_NAME_GET] = { sensor_name_get, 4 },
	[SCMI_SENSOR_AXIS_NAME_GET] = { sensor_axis_get, 8 },
};

const struct scmi_protocol scmi_sensor_protocol = {
	.id = SCMI_PROTO_SENSOR,
	.version = SENSOR_VERSION,
	.kind = VSCMI_SENSOR,
	SCMI_PROTOCOL_TABLE(sensor_msgs),
};
