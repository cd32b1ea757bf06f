/* SPDX-License-Identifier: GPL-2.0-only */
/* Replies that come later, platform requests and delayed responses.
 *
 * A change the arbiter cannot finish at once (slow firmware, or another
 * change holding its resources) makes the handler return -EINPROGRESS.
 * The view keeps the command's header and the transport's tag; when the
 * arbiter's done callback fires, the reply is built here (status mapped in
 * src/util/scmi_wire.c like any other) and goes to the agent's reply
 * output, then the delayed response, if the command asked for one, is
 * armed. Until then the agent's commands on the same resource park
 * (dispatch.c); its commands on other resources, and every other agent's,
 * are answered at once. A reset bumps the agent's generation: a reply of
 * the old one is dropped, its change still finishes and the release
 * queued behind it withdraws the vote.
 *
 * Platform requests that are not vote changes (sensor readings, a
 * privileged agent's system power change) use a small per-agent table
 * instead (struct scmi_preq): the handler starts the request through
 * scmi_preq_reading or scmi_preq_op; when the platform finishes later the
 * protocol's finish function writes the return values, and the reply, or
 * the delayed response of a command answered at once, goes out here. The
 * entry is the platform's context: an agent reset leaves it to finish and
 * drops its reply; removing the agent cancels it at the platform. A
 * platform that finishes at once never touches the table.
 *
 * Delayed responses wait in the server's deferral queue until the loop
 * sends them, always after the command's own reply.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct scmi_deferred {
	struct scmi_deferred *next, *prev;
	struct scmi_server *srv;
	struct scmi_agent *agent;
	uint32_t generation;
	uint64_t usec;
	size_t len;
	uint8_t msg[SCMI_MSG_MAX];
};

/* --- delayed responses ---------------------------------------------------- */

static void scmi_deferred_unlink(struct scmi_deferred *d)
{
	if (d->prev)
		d->prev->next = d->next;
	else
		d->srv->deferred = d->next;
	if (d->next)
		d->next->prev = d->prev;
}

static void scmi_deferred_fire(void *arg)
{
	struct scmi_deferred *d = arg;
	struct scmi_agent *a = d->agent;

	scmi_deferred_unlink(d);
	/* its agent was removed meanwhile */
	if (!a) {
		free(d);
		return;
	}
	a->pending--;
	if (d->generation == a->generation && scmi_agent_send(a, d->msg, d->len) == 0)
		a->stats.delayed++;
	free(d);
}

static struct scmi_deferred *scmi_deferred_new(struct scmi_agent *a, uint32_t hdr, int32_t status,
					       const uint8_t *payload, size_t len, uint64_t usec)
{
	struct scmi_server *srv = a->srv;
	struct scmi_deferred *d;

	if (len + 8 > SCMI_MSG_MAX)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->srv = srv;
	d->agent = a;
	d->generation = a->generation;
	d->usec = usec;
	vscmi_put_le32(d->msg, hdr);
	vscmi_put_le32(d->msg + 4, (uint32_t)status);
	/* A failed delayed response carries the status only. */
	if (status == SCMI_SUCCESS && len)
		memcpy(d->msg + 8, payload, len);
	d->len = 8 + (status == SCMI_SUCCESS ? len : 0);
	d->next = srv->deferred;
	if (d->next)
		d->next->prev = d;
	srv->deferred = d;
	a->pending++;
	return d;
}

void scmi_dresp_drop(struct scmi_deferred *d)
{
	if (!d)
		return;
	scmi_deferred_unlink(d);
	d->agent->pending--;
	free(d);
}

/* The command's reply goes out first; the delayed response must follow
 * it, so it always goes through the loop. */
int scmi_dresp_arm(struct scmi_server *srv, struct scmi_deferred *d)
{
	if (!srv->hooks.defer ||
	    srv->hooks.defer(srv->hooks.ctx, d->usec, scmi_deferred_fire, d) < 0) {
		scmi_dresp_drop(d);
		return -ENOMEM;
	}
	return 0;
}

int scmi_delayed_response(struct scmi_ctx *c, uint8_t msg, int32_t status, const uint8_t *payload,
			  size_t len, uint64_t usec)
{
	uint32_t hdr = SCMI_HDR(msg, SCMI_TYPE_DELAYED, c->proto->id, SCMI_HDR_TOKEN(c->hdr));
	struct scmi_deferred *d;

	if (len + 8 > SCMI_MSG_MAX)
		return -EINVAL;
	d = scmi_deferred_new(c->agent, hdr, status, payload, len, usec);
	if (!d)
		return -ENOMEM;
	/* Armed once the command's reply is out, which may be later. */
	scmi_dresp_drop(c->dresp);
	c->dresp = d;
	return 0;
}

/* The delayed response of a request whose reply is out already: through
 * the loop like the others, so it never overtakes anything in flight. */
static void scmi_dresp_send_now(struct scmi_agent *a, uint32_t hdr, int32_t status,
				const uint8_t *payload, size_t len)
{
	struct scmi_deferred *d = scmi_deferred_new(a, hdr, status, payload, len, 0);

	if (!d || scmi_dresp_arm(a->srv, d) < 0)
		a->stats.dropped++;
}

int scmi_server_defer(struct scmi_server *srv, uint64_t usec, void (*fn)(void *arg), void *arg)
{
	if (!srv->hooks.defer)
		return -EOPNOTSUPP;
	return srv->hooks.defer(srv->hooks.ctx, usec, fn, arg);
}

void scmi_deferred_free_all(struct scmi_server *srv)
{
	while (srv->deferred) {
		struct scmi_deferred *d = srv->deferred;

		scmi_deferred_unlink(d);
		free(d);
	}
}

void scmi_deferred_forget(struct scmi_server *srv, struct scmi_agent *a)
{
	/* Delayed responses held for a reply still to come would never be
	 * armed: they go now. Those already queued go nowhere when due. */
	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		for (uint32_t i = 0; i < a->nviews[k]; i++) {
			scmi_dresp_drop(a->views[k][i].later_dresp);
			a->views[k][i].later_dresp = NULL;
		}
	for (struct scmi_deferred *d = srv->deferred; d; d = d->next)
		if (d->agent == a)
			d->agent = NULL;
}

/* --- replies that come later ----------------------------------------------- */

/* The reply to a command answered later: status, then the return values
 * when it succeeded. */
static void scmi_reply_later(struct scmi_agent *a, uint32_t hdr, uint64_t tag, int32_t status,
			     const uint8_t *ret, size_t len)
{
	struct scmi_server *srv = a->srv;
	uint8_t msg[SCMI_MSG_MAX];
	size_t n = 8;

	vscmi_put_le32(msg, hdr);
	vscmi_put_le32(msg + 4, (uint32_t)status);
	if (status == SCMI_SUCCESS && len && len <= sizeof(msg) - 8) {
		memcpy(msg + 8, ret, len);
		n += len;
	}
	a->stats.later++;
	if (status != SCMI_SUCCESS)
		a->stats.errors++;
	scmi_agent_persist(a);
	if (srv->hooks.trace)
		srv->hooks.trace(srv->hooks.ctx, a, NULL, msg, 4, msg, n);
	scmi_agent_reply(a, tag, msg, n);
}

/* --- platform requests ------------------------------------------------------ */

static struct scmi_preq *scmi_preq_slot(struct scmi_agent *a)
{
	if (a->npreq >= SCMI_PREQ_MAX)
		return NULL;
	for (unsigned int i = 0; i < SCMI_PREQ_MAX; i++)
		if (!a->preq[i].used)
			return &a->preq[i];
	return NULL;
}

/* The platform started q and will finish it later. */
static void scmi_preq_take(struct scmi_ctx *c, struct scmi_preq *q, scmi_finish_fn finish)
{
	*q = (struct scmi_preq){ .agent = c->agent, .used = true, .finish = finish };
	c->agent->npreq++;
	c->preq = q;
}

/* The platform finished q: its reply (or delayed response) goes out, or
 * nowhere when the agent was reset meanwhile. */
static void scmi_preq_end(struct scmi_preq *q, int result)
{
	struct scmi_agent *a = q->agent;
	bool current = q->gen == a->generation;
	uint8_t ret[SCMI_MSG_MAX - 8];
	struct vscmi_wr wr;
	int32_t status;
	int r;

	vscmi_wr_init(&wr, ret, q->payload_max < sizeof(ret) ? q->payload_max : sizeof(ret));
	r = q->finish ? q->finish(q, result, current, &wr) : result;
	if (r == 0 && wr.overflow)
		r = -ECOMM;
	q->used = false;
	a->npreq--;
	if (!current) {
		/* Asked by a channel that is gone: nobody to answer. */
		a->stats.dropped++;
		return;
	}
	status = scmi_status_from_errno(r);
	if (q->answered)
		scmi_dresp_send_now(a, SCMI_HDR(q->dresp_msg, SCMI_TYPE_DELAYED, q->proto,
						SCMI_HDR_TOKEN(q->hdr)),
				    status, ret, wr.len);
	else
		scmi_reply_later(a, q->hdr, q->tag, status, ret, wr.len);
}

static void scmi_preq_on_done(void *ctx, int result)
{
	scmi_preq_end(ctx, result);
}

static void scmi_preq_on_reading(void *ctx, int result, int64_t value, uint64_t ts)
{
	struct scmi_preq *q = ctx;

	q->value = value;
	q->ts = ts;
	scmi_preq_end(q, result);
}

int scmi_preq_reading(struct scmi_ctx *c, uint32_t plat_id, int64_t *value, uint64_t *ts,
		      scmi_finish_fn finish)
{
	struct scmi_preq *q = scmi_preq_slot(c->agent);
	int r;

	if (!q)
		return -EBUSY;
	/* q is the platform's handle; nothing calls back before start returns. */
	r = vscmi_platform_sensor_start(c->srv->plat, plat_id, value, ts, scmi_preq_on_reading, q);
	if (r == -EINPROGRESS)
		scmi_preq_take(c, q, finish);
	return r;
}

int scmi_preq_measure(struct scmi_ctx *c, uint32_t plat_id, uint32_t *power, uint32_t *pai,
		      scmi_finish_fn finish)
{
	struct scmi_preq *q = scmi_preq_slot(c->agent);
	int r;

	if (!q)
		return -EBUSY;
	r = vscmi_platform_powercap_start(c->srv->plat, plat_id, power, pai, scmi_preq_on_reading,
					  q);
	if (r == -EINPROGRESS)
		scmi_preq_take(c, q, finish);
	return r;
}

int scmi_preq_op(struct scmi_ctx *c, const struct vscmi_op *op, scmi_finish_fn finish)
{
	struct scmi_preq *q = scmi_preq_slot(c->agent);
	int r;

	if (!q)
		return -EBUSY;
	r = vscmi_platform_start(c->srv->plat, op, scmi_preq_on_done, q);
	if (r == -EINPROGRESS)
		scmi_preq_take(c, q, finish);
	return r;
}

/* The agent goes away: what it left with the platform never calls back. */
void scmi_preq_cancel_all(struct scmi_agent *a)
{
	for (unsigned int i = 0; i < SCMI_PREQ_MAX; i++) {
		if (!a->preq[i].used)
			continue;
		vscmi_platform_cancel(a->srv->plat, &a->preq[i]);
		a->preq[i].used = false;
	}
	a->npreq = 0;
}

/* The arbiter finished a change that answered -EINPROGRESS. */
void scmi_on_done(void *ctx, struct arb_vote *vote, int result)
{
	struct scmi_server *srv = ctx;
	struct scmi_vres *v = arb_vote_data(vote);
	struct scmi_deferred *d;
	struct scmi_agent *a;

	if (!v || !v->later)
		return;
	a = v->agent;
	d = v->later_dresp;
	v->later = false;
	v->later_dresp = NULL;
	a->nlater--;
	if (v->later_gen != a->generation) {
		/* Asked by a channel that is gone: nobody to answer. */
		scmi_dresp_drop(d);
		a->stats.dropped++;
	} else {
		if (result == 0 && d)
			result = scmi_dresp_arm(srv, d);
		else
			scmi_dresp_drop(d);
		scmi_reply_later(a, v->later_hdr, v->later_tag, scmi_status_from_errno(result),
				 NULL, 0);
	}
	scmi_unpark(a);
}
