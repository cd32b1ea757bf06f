/* The SCMI server core: agents and their views, the one validator that runs
 * before any handler, replies, delayed responses and notification fan-out.
 *
 * Validation order, before a handler sees a byte: a header must be there
 * (else PROTOCOL_ERROR with a zero header), reserved bits clear and type
 * "command" (PROTOCOL_ERROR), payload no longer than the agent's channel
 * (PROTOCOL_ERROR), protocol known and permitted to this agent
 * (NOT_SUPPORTED), message implemented (NOT_FOUND), payload at least the
 * message's minimum (PROTOCOL_ERROR). Handlers read through the bounded
 * reader and resolve resource IDs through the agent's own view only.
 *
 * Replies that come later: a change the arbiter cannot finish at once
 * (slow firmware, or another change holding its resources) makes the
 * handler return -EINPROGRESS. The view keeps the command's header and
 * the transport's tag; when the arbiter's done callback fires, the reply
 * is built here (status mapped in src/util/scmi_wire.c like any other) and goes to
 * the agent's reply output, then the delayed response, if the command
 * asked for one, is armed. Until then the agent's commands on the same
 * resource park (scmi_view_get says -EALREADY) and run, in order, once
 * the reply is out; its commands on other resources, and every other
 * agent's, are answered at once. A reset bumps the agent's generation:
 * a reply of the old one is dropped, its change still finishes and the
 * release queued behind it withdraws the vote.
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
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "vscmi/log.h"

static const struct scmi_protocol *const scmi_protocols[] = {
	&scmi_base_protocol,  &scmi_power_protocol,  &scmi_system_protocol,
	&scmi_perf_protocol,  &scmi_clock_protocol,  &scmi_sensor_protocol,
	&scmi_reset_protocol, &scmi_voltage_protocol,
};

struct scmi_deferred {
	struct scmi_deferred *next, *prev;
	struct scmi_server *srv;
	struct scmi_agent *agent;
	uint32_t generation;
	uint64_t usec;
	size_t len;
	uint8_t msg[SCMI_MSG_MAX];
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
	       (proto <= SCMI_PROTO_VOLTAGE && (a->d->protocols & SCMI_PROTO_BIT(proto)));
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

/* --- views --------------------------------------------------------------- */

int scmi_view_get(struct scmi_ctx *c, struct vscmi_rd *req, enum vscmi_kind kind,
		  struct scmi_vres **out, uint32_t *vid)
{
	uint32_t id;

	SCMI_RD32(req, id);
	/* An ID outside the view is exactly as unknown as one that does not exist. */
	if (id >= c->agent->nviews[kind])
		return -ENOENT;
	*out = &c->agent->views[kind][id];
	if (vid)
		*vid = id;
	c->view = *out;
	return (*out)->later ? -EALREADY : 0;
}

bool scmi_name_is_long(const char *name)
{
	return strlen(name) >= SCMI_SHORT_NAME;
}

/* --- replies -------------------------------------------------------------- */

static uint64_t scmi_agent_seq(const struct scmi_agent *a)
{
	return a->seq + arb_agent_seq(a->votes);
}

static void scmi_agent_persist(struct scmi_agent *a)
{
	uint64_t seq = scmi_agent_seq(a);

	if (seq == a->saved_seq || !a->srv->hooks.persist)
		return;
	a->saved_seq = seq;
	a->srv->hooks.persist(a->srv->hooks.ctx, a);
}

enum scmi_outcome {
	SCMI_NOW,		/* the reply is in resp */
	SCMI_LATER,		/* the reply goes out when the change ends */
	SCMI_PARK,		/* behind the agent's change of the same resource */
};

static void scmi_dresp_drop(struct scmi_deferred *d);
static int scmi_dresp_arm(struct scmi_server *srv, struct scmi_deferred *d);

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

int scmi_server_defer(struct scmi_server *srv, uint64_t usec, void (*fn)(void *arg), void *arg)
{
	if (!srv->hooks.defer)
		return -EOPNOTSUPP;
	return srv->hooks.defer(srv->hooks.ctx, usec, fn, arg);
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

static void scmi_agent_reply(struct scmi_agent *a, uint64_t tag, const uint8_t *msg, size_t len)
{
	if (!a->reply || a->reply(a->reply_ctx, tag, msg, len) < 0)
		a->stats.dropped++;
}

/* Runs the parked commands whose resource is free now, oldest first. */
static void scmi_unpark(struct scmi_agent *a)
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

static void scmi_dresp_send_now(struct scmi_agent *a, uint32_t hdr, int32_t status,
				const uint8_t *payload, size_t len);

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
static void scmi_preq_cancel_all(struct scmi_agent *a)
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
static void scmi_on_done(void *ctx, struct arb_vote *vote, int result)
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

/* --- asynchronous messages ---------------------------------------------- */

int scmi_agent_send(struct scmi_agent *a, const uint8_t *msg, size_t len)
{
	int r = a->send ? a->send(a->send_ctx, msg, len) : -ENOTCONN;

	if (r < 0)
		a->stats.dropped++;
	return r;
}

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

static void scmi_dresp_drop(struct scmi_deferred *d)
{
	if (!d)
		return;
	scmi_deferred_unlink(d);
	d->agent->pending--;
	free(d);
}

/* The command's reply goes out first; the delayed response must follow
 * it, so it always goes through the loop. */
static int scmi_dresp_arm(struct scmi_server *srv, struct scmi_deferred *d)
{
	if (!srv->hooks.defer || srv->hooks.defer(srv->hooks.ctx, d->usec, scmi_deferred_fire, d) < 0) {
		scmi_dresp_drop(d);
		return -ENOMEM;
	}
	return 0;
}

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
			words[0] = a->id;
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
static void scmi_on_transition(void *ctx, struct arb_res *res, const struct vscmi_op *op,
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
static void scmi_on_platform_event(void *ctx, const struct vscmi_plat_event *ev)
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

/* --- agents ----------------------------------------------------------------- */

static void scmi_agent_fini(struct scmi_agent *a)
{
	if (!a)
		return;
	arb_agent_free(a->votes);
	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		free(a->views[k]);
}

static int scmi_agent_init(struct scmi_server *srv, struct scmi_agent *a, uint32_t id,
			   const struct vscmi_agent_desc *d)
{
	a->srv = srv;
	a->id = id;
	a->d = d;
	a->p2a = true;
	a->system_state = SCMI_SYSTEM_POWER_UP;
	a->votes = arb_agent_new(srv->arb, id);
	if (!a->votes)
		return -ENOMEM;
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		if (!d->nviews[k])
			continue;
		a->views[k] = calloc(d->nviews[k], sizeof(struct scmi_vres));
		if (!a->views[k])
			return -ENOMEM;
		a->nviews[k] = d->nviews[k];
		for (uint32_t i = 0; i < d->nviews[k]; i++) {
			const struct vscmi_view_desc *vd = &d->views[k][i];
			struct scmi_vres *v = &a->views[k][i];

			v->res = arb_res_get(srv->arb, (enum vscmi_kind)k, vd->res);
			if (!v->res)
				return -EINVAL;
			v->name = vd->name[0] ? vd->name : arb_res_desc(v->res)->name;
			v->agent = a;
			v->vote = arb_vote_new(a->votes, v->res);
			if (!v->vote)
				return -ENOMEM;
			arb_vote_set_data(v->vote, v);
		}
	}
	return 0;
}

static int scmi_watchers_alloc(struct scmi_server *srv)
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
static int scmi_watchers_add(struct scmi_server *srv, struct scmi_agent *a)
{
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t v = 0; v < a->nviews[k]; v++) {
			struct scmi_watchers *ws = &srv->watchers[k][arb_res_index(a->views[k][v].res)];
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
			struct scmi_watchers *ws = &srv->watchers[k][arb_res_index(a->views[k][v].res)];

			ws->w[ws->n++] = (struct scmi_watch){ a, v };
		}
	return 0;
}

static void scmi_watchers_remove(struct scmi_server *srv, struct scmi_agent *a)
{
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t v = 0; v < a->nviews[k]; v++) {
			struct scmi_watchers *ws = &srv->watchers[k][arb_res_index(a->views[k][v].res)];
			uint32_t out = 0;

			for (uint32_t i = 0; i < ws->n; i++)
				if (ws->w[i].agent != a)
					ws->w[out++] = ws->w[i];
			ws->n = out;
		}
	}
}

struct scmi_server *scmi_server_new(const struct vscmi_model *model, struct arb *arb,
				    struct vscmi_platform *plat, const struct scmi_hooks *hooks)
{
	struct scmi_server *srv = calloc(1, sizeof(*srv));

	if (!srv)
		return NULL;
	srv->model = model;
	srv->arb = arb;
	srv->plat = plat;
	if (hooks)
		srv->hooks = *hooks;
	if (model->nagents > VSCMI_MAX_AGENTS || scmi_watchers_alloc(srv) < 0)
		goto err;
	for (uint32_t i = 0; i < model->nagents; i++)
		if (!scmi_server_add_agent(srv, &model->agents[i]))
			goto err;
	arb_set_observer(arb, scmi_on_transition, srv);
	arb_set_done(arb, scmi_on_done, srv);
	plat->event = scmi_on_platform_event;
	plat->event_ctx = srv;
	return srv;
err:
	scmi_server_free(srv);
	return NULL;
}

void scmi_server_free(struct scmi_server *srv)
{
	if (!srv)
		return;
	if (srv->plat && srv->plat->event_ctx == srv) {
		srv->plat->event = NULL;
		srv->plat->event_ctx = NULL;
	}
	if (srv->arb) {
		arb_set_observer(srv->arb, NULL, NULL);
		arb_set_done(srv->arb, NULL, NULL);
	}
	while (srv->deferred) {
		struct scmi_deferred *d = srv->deferred;

		scmi_deferred_unlink(d);
		free(d);
	}
	for (uint32_t i = 0; i < srv->nagents; i++) {
		if (srv->agents[i])
			scmi_preq_cancel_all(srv->agents[i]);
		scmi_agent_fini(srv->agents[i]);
		free(srv->agents[i]);
	}
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		if (!srv->watchers[k])
			continue;
		for (uint32_t i = 0; i < arb_res_count(srv->arb, (enum vscmi_kind)k); i++)
			free(srv->watchers[k][i].w);
		free(srv->watchers[k]);
	}
	free(srv->agents);
	free(srv);
}

uint32_t scmi_server_agent_count(const struct scmi_server *srv)
{
	return srv->nagents;
}

struct scmi_agent *scmi_server_agent(struct scmi_server *srv, uint32_t id)
{
	if (id == 0 || id > srv->nagents)
		return NULL;
	return srv->agents[id - 1];
}

struct scmi_agent *scmi_server_agent_by_name(struct scmi_server *srv, const char *name)
{
	for (uint32_t i = 0; i < srv->nagents; i++)
		if (srv->agents[i] && !strcmp(srv->agents[i]->d->name, name))
			return srv->agents[i];
	return NULL;
}

struct scmi_agent *scmi_server_add_agent(struct scmi_server *srv,
					 const struct vscmi_agent_desc *d)
{
	struct scmi_agent *a;
	uint32_t slot = srv->nagents;

	/* New ids first; a removed agent's id only once they run out. */
	if (slot == VSCMI_MAX_AGENTS)
		for (slot = 0; slot < srv->nagents && srv->agents[slot]; slot++)
			;
	if (slot == VSCMI_MAX_AGENTS) {
		errno = ENOSPC;
		return NULL;
	}
	if (slot >= srv->agents_cap) {
		uint32_t cap = srv->agents_cap ? 2 * srv->agents_cap : 8;
		struct scmi_agent **p;

		if (cap > VSCMI_MAX_AGENTS)
			cap = VSCMI_MAX_AGENTS;
		p = realloc(srv->agents, cap * sizeof(*p));
		if (!p)
			return NULL;
		srv->agents = p;
		srv->agents_cap = cap;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	if (scmi_agent_init(srv, a, slot + 1, d) < 0 || scmi_watchers_add(srv, a) < 0) {
		scmi_agent_fini(a);
		free(a);
		errno = ENOMEM;
		return NULL;
	}
	srv->agents[slot] = a;
	if (slot == srv->nagents)
		srv->nagents++;
	return a;
}

void scmi_server_remove_agent(struct scmi_server *srv, struct scmi_agent *a)
{
	scmi_agent_set_output(a, NULL, NULL, false);
	scmi_agent_reset(a);
	scmi_preq_cancel_all(a);
	scmi_watchers_remove(srv, a);
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
	srv->agents[a->id - 1] = NULL;
	scmi_agent_fini(a);
	free(a);
}

void scmi_agent_set_desc(struct scmi_agent *a, const struct vscmi_agent_desc *d)
{
	a->d = d;
	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		for (uint32_t i = 0; i < a->nviews[k] && i < d->nviews[k]; i++)
			a->views[k][i].name = d->views[k][i].name[0]
						      ? d->views[k][i].name
						      : arb_res_desc(a->views[k][i].res)->name;
}

uint32_t scmi_agent_id(const struct scmi_agent *agent)
{
	return agent->id;
}

const char *scmi_agent_name(const struct scmi_agent *agent)
{
	return agent->d->name;
}

const struct vscmi_agent_desc *scmi_agent_desc(const struct scmi_agent *agent)
{
	return agent->d;
}

void scmi_agent_set_output(struct scmi_agent *agent, scmi_send_fn send, void *ctx, bool p2a)
{
	agent->send = send;
	agent->send_ctx = ctx;
	agent->p2a = p2a;
}

void scmi_agent_set_reply(struct scmi_agent *agent, scmi_reply_fn reply, void *ctx)
{
	agent->reply = reply;
	agent->reply_ctx = ctx;
}

uint32_t scmi_agent_waiting(const struct scmi_agent *agent)
{
	uint32_t n = agent->nlater + agent->npark;

	for (unsigned int i = 0; i < SCMI_PREQ_MAX; i++)
		n += agent->preq[i].used && !agent->preq[i].answered &&
		     agent->preq[i].gen == agent->generation;
	return n;
}

void scmi_agent_reset(struct scmi_agent *a)
{
	/* Deferred entries of the old generation are not sent, but live on
	 * until they fire, and count against the cap until then; so do
	 * replies still to come, until their change ends. */
	a->generation++;
	a->npark = 0;
	a->notify_errors = false;
	a->notify_system = false;
	a->system_state = SCMI_SYSTEM_POWER_UP;
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t i = 0; i < a->nviews[k]; i++) {
			struct scmi_vres *v = &a->views[k][i];

			v->notify = 0;
			v->sensor_config = 0;
			memset(v->trips, 0, sizeof(v->trips));
		}
	}
	/* What the platform refused to release now, or earlier, is retried
	 * at once; what it refuses again waits for the next command. */
	arb_agent_release(a->votes);
	if (arb_has_dirty(a->srv->arb))
		arb_reconcile_all(a->srv->arb);
	a->stats.resets++;
	a->seq++;
	scmi_agent_persist(a);
}

/* --- the journal's content ---------------------------------------------------- */

void scmi_agent_save(const struct scmi_agent *a, struct scmi_agent_state *st)
{
	st->notify_errors = a->notify_errors;
	st->notify_system = a->notify_system;
	st->system_state = a->system_state;
}

void scmi_agent_save_views(const struct scmi_agent *a,
			   void (*fn)(void *ctx, const struct scmi_view_state *vs), void *ctx)
{
	static const struct arb_state none;

	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t i = 0; i < a->nviews[k]; i++) {
			const struct scmi_vres *v = &a->views[k][i];
			struct scmi_view_state vs = { .kind = (enum vscmi_kind)k, .vid = i };
			bool trips = false;

			arb_vote_state(v->vote, &vs.vote);
			for (int t = 0; t < SCMI_MAX_TRIPS; t++)
				trips |= v->trips[t].armed;
			if (!memcmp(&vs.vote, &none, sizeof(none)) && !v->notify &&
			    !v->sensor_config && !trips)
				continue;
			vs.owner = arb_vote_owner(v->vote);
			vs.notify = v->notify;
			vs.sensor_config = v->sensor_config;
			for (int t = 0; t < SCMI_MAX_TRIPS && t < SCMI_SAVED_TRIPS; t++) {
				vs.trips[t].armed = v->trips[t].armed;
				vs.trips[t].above = v->trips[t].above;
				vs.trips[t].mode = v->trips[t].mode;
				vs.trips[t].value = v->trips[t].value;
			}
			fn(ctx, &vs);
		}
	}
}

void scmi_agent_restore(struct scmi_agent *a, const struct scmi_agent_state *st)
{
	a->notify_errors = st->notify_errors;
	a->notify_system = st->notify_system;
	a->system_state = st->system_state;
	a->saved_seq = scmi_agent_seq(a);
}

int scmi_agent_restore_view(struct scmi_agent *a, const struct scmi_view_state *vs)
{
	struct scmi_vres *v;
	int r;

	if ((unsigned int)vs->kind >= VSCMI_KIND_COUNT || vs->vid >= a->nviews[vs->kind])
		return -ENOENT;
	for (int t = 0; t < SCMI_SAVED_TRIPS; t++)
		if (vs->trips[t].armed && (vs->trips[t].mode < 1 || vs->trips[t].mode > 3))
			return -EINVAL;
	v = &a->views[vs->kind][vs->vid];
	r = arb_vote_restore(v->vote, &vs->vote, vs->owner);
	if (r < 0)
		return r;
	v->notify = vs->notify;
	v->sensor_config = vs->sensor_config;
	for (int t = 0; t < SCMI_SAVED_TRIPS && t < SCMI_MAX_TRIPS; t++) {
		v->trips[t] = (struct scmi_trip){ .armed = vs->trips[t].armed,
						  .above = vs->trips[t].above,
						  .mode = vs->trips[t].mode,
						  .value = vs->trips[t].value };
	}
	a->saved_seq = scmi_agent_seq(a);
	return 0;
}

void scmi_agent_stats(const struct scmi_agent *agent, struct scmi_agent_stats *st)
{
	*st = agent->stats;
}

struct arb_vote *scmi_agent_vote(struct scmi_agent *agent, enum vscmi_kind kind, uint32_t vid)
{
	if ((unsigned int)kind >= VSCMI_KIND_COUNT || vid >= agent->nviews[kind])
		return NULL;
	return agent->views[kind][vid].vote;
}
