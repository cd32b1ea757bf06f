/* SPDX-License-Identifier: GPL-2.0-only */
/* Notifications: who sees each physical resource (the watchers), the
 * agents' subscriptions, and the fan-out of the arbiter's transitions and
 * the platform's own events to the agents that asked, each in its own
 * numbering of the resource.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void scmi_send_notification(struct scmi_agent *a, uint8_t proto, uint8_t msg,
				   const uint32_t *words, size_t n)
{
	uint8_t buf[SCMI_MSG_MAX];
	size_t len = 4;

	vscmi_put_le32(buf, SCMI_HDR(msg, SCMI_TYPE_NOTIFICATION, proto, 0));
	for (size_t i = 0; i < n && len + 4 <= sizeof(buf); i++, len += 4)
		vscmi_put_le32(buf + len, words[i]);
	if (scmi_agent_send(a, buf, len) == 0)
		a->stats.notifications++;
}

/* Whether the agent's reads of what changed follow the physical state, so
 * that a change another agent made is news to it. */
static bool scmi_reads_physical(const struct scmi_vres *v, enum scmi_follow follow)
{
	struct arb_state st;

	arb_vote_state(v->vote, &st);
	switch (follow) {
	case SCMI_FOLLOW_ALL:
		return true;
	case SCMI_FOLLOW_LEVEL:
		return !st.has_level;
	case SCMI_FOLLOW_LIMITS:
		return !st.has_limits;
	default:
		return false;
	}
}

void scmi_notify_res(struct scmi_server *srv, struct arb_res *res, uint8_t proto, uint8_t msg,
		     uint32_t cause_agent, enum scmi_follow follow, const uint32_t *rest,
		     size_t nrest)
{
	const struct vscmi_res_desc *d = arb_res_desc(res);
	struct scmi_watchers *ws = &srv->watchers[d->kind][arb_res_index(res)];
	uint32_t words[8];

	/* Subscriptions are bits of a uint32_t. */
	if (nrest > 6 || msg >= 32)
		return;
	for (uint32_t i = 0; i < ws->n; i++) {
		struct scmi_agent *a = ws->w[i].agent;
		struct scmi_vres *v = &a->views[d->kind][ws->w[i].vid];

		if (!(v->notify & (1u << msg)))
			continue;
		/* Another guest's id would tell this one who else shares the
		 * resource; a change it did not cause is the platform's. */
		if (a->id == cause_agent)
			words[0] = scmi_agent_wire_id(a, a);
		else if (scmi_reads_physical(v, follow))
			words[0] = 0;
		else
			continue;
		words[1] = ws->w[i].vid;
		memcpy(&words[2], rest, nrest * sizeof(*rest));
		scmi_send_notification(a, proto, msg, words, 2 + nrest);
	}
}

int scmi_notify_set(struct scmi_ctx *c, struct scmi_vres *v, uint32_t notif_msg, uint32_t enable)
{
	if (enable > 1 || notif_msg >= 32)
		return -EINVAL;
	if (!c->agent->p2a)
		return -EOPNOTSUPP;
	if (enable)
		v->notify |= 1u << notif_msg;
	else
		v->notify &= ~(1u << notif_msg);
	c->agent->seq++;
	return 0;
}

/* Physical transitions become notifications for the agents that asked: an
 * agent hears of changes to what it reads back. A power domain reads as
 * each agent's own vote, so only the agent that caused a change hears of
 * it; a pulse on a shared line resets every user's device. */
void scmi_on_transition(void *ctx, struct arb_res *res, const struct vscmi_op *op,
			uint32_t cause)
{
	struct scmi_server *srv = ctx;
	uint32_t w[2];

	switch (op->type) {
	case VSCMI_OP_CLOCK_RATE:
		w[0] = (uint32_t)op->val;
		w[1] = (uint32_t)((uint64_t)op->val >> 32);
		scmi_notify_res(srv, res, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_CHANGED,
				cause, SCMI_FOLLOW_LEVEL, w, 2);
		break;
	case VSCMI_OP_POWER_STATE:
		w[0] = (uint32_t)op->val;
		scmi_notify_res(srv, res, SCMI_PROTO_POWER, SCMI_POWER_STATE_CHANGED,
				cause, SCMI_FOLLOW_NONE, w, 1);
		break;
	case VSCMI_OP_PERF_LIMITS:
		w[0] = (uint32_t)op->val;
		w[1] = (uint32_t)op->val2;
		scmi_notify_res(srv, res, SCMI_PROTO_PERF, SCMI_PERF_LIMITS_CHANGED,
				cause, SCMI_FOLLOW_LIMITS, w, 2);
		break;
	case VSCMI_OP_PERF_LEVEL:
		w[0] = (uint32_t)op->val;
		scmi_notify_res(srv, res, SCMI_PROTO_PERF, SCMI_PERF_LEVEL_CHANGED,
				cause, SCMI_FOLLOW_LEVEL, w, 1);
		break;
	case VSCMI_OP_POWERCAP_CAP:
	case VSCMI_OP_POWERCAP_PAI: {
		struct arb_state st;

		/* The applied cap bounds every agent's draw: each subscriber
		 * hears of it, whatever cap it voted itself. */
		arb_res_phys(res, &st);
		w[0] = (uint32_t)st.level;
		w[1] = st.min;
		scmi_notify_res(srv, res, SCMI_PROTO_POWERCAP, SCMI_POWERCAP_CAP_CHANGED,
				cause, SCMI_FOLLOW_ALL, w, 2);
		/* A new cap moves the draw under it. */
		scmi_powercap_recheck(srv, res);
		break;
	}
	case VSCMI_OP_RESET_PULSE:
		w[0] = (uint32_t)op->val;
		scmi_notify_res(srv, res, SCMI_PROTO_RESET, SCMI_RESET_ISSUED,
				cause, SCMI_FOLLOW_ALL, w, 1);
		break;
	default:
		break;
	}
}

/* Spontaneous platform events (firmware-initiated) reach the agents that
 * see the resource, in their own numbering. */
void scmi_on_platform_event(void *ctx, const struct vscmi_plat_event *ev)
{
	struct scmi_server *srv = ctx;

	/* The platform is not trusted with message ids: no subscription
	 * bit stands for one past 31. */
	if ((unsigned int)ev->kind >= VSCMI_KIND_COUNT || ev->npayload > 6 || ev->message >= 32)
		return;
	for (uint32_t i = 0; i < arb_res_count(srv->arb, ev->kind); i++) {
		struct arb_res *res = arb_res_get(srv->arb, ev->kind, i);

		if (arb_res_desc(res)->plat_id == ev->id)
			scmi_notify_res(srv, res, ev->protocol, ev->message, 0, SCMI_FOLLOW_ALL,
					ev->payload, ev->npayload);
	}
}

/* --- watchers ---------------------------------------------------------------- */

int scmi_watchers_alloc(struct scmi_server *srv)
{
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		uint32_t n = arb_res_count(srv->arb, (enum vscmi_kind)k);

		if (!n)
			continue;
		srv->watchers[k] = calloc(n, sizeof(struct scmi_watchers));
		if (!srv->watchers[k])
			return -ENOMEM;
	}
	return 0;
}

/* The agent sees these resources from now on. All or nothing: room for
 * every entry first, then the entries. */
int scmi_watchers_add(struct scmi_server *srv, struct scmi_agent *a)
{
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t v = 0; v < a->nviews[k]; v++) {
			struct scmi_watchers *ws =
				&srv->watchers[k][arb_res_index(a->views[k][v].res)];
			struct scmi_watch *w;
			uint32_t cap;

			if (ws->n < ws->cap)
				continue;
			cap = ws->cap ? 2 * ws->cap : 4;
			w = realloc(ws->w, cap * sizeof(*w));
			if (!w)
				return -ENOMEM;
			ws->w = w;
			ws->cap = cap;
		}
	}
	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		for (uint32_t v = 0; v < a->nviews[k]; v++) {
			struct scmi_watchers *ws =
				&srv->watchers[k][arb_res_index(a->views[k][v].res)];

			ws->w[ws->n++] = (struct scmi_watch){ a, v };
		}
	return 0;
}

void scmi_watchers_remove(struct scmi_server *srv, struct scmi_agent *a)
{
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t v = 0; v < a->nviews[k]; v++) {
			struct scmi_watchers *ws =
				&srv->watchers[k][arb_res_index(a->views[k][v].res)];
			uint32_t out = 0;

			for (uint32_t i = 0; i < ws->n; i++)
				if (ws->w[i].agent != a)
					ws->w[out++] = ws->w[i];
			ws->n = out;
		}
	}
}

void scmi_watchers_free(struct scmi_server *srv)
{
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		if (!srv->watchers[k])
			continue;
		for (uint32_t i = 0; i < arb_res_count(srv->arb, (enum vscmi_kind)k); i++)
			free(srv->watchers[k][i].w);
		free(srv->watchers[k]);
	}
}
