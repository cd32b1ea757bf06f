/* SPDX-License-Identifier: GPL-2.0-only */
/* The SCMI server: its lifetime, the agents and their views of the
 * resources, the agents' outputs, and what the journal keeps of them.
 * Validation and dispatch are in dispatch.c, replies that come later and
 * delayed responses in deferred.c, notifications in notify.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

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

/* --- outputs ----------------------------------------------------------------- */

static uint64_t scmi_agent_seq(const struct scmi_agent *a)
{
	return a->seq + arb_agent_seq(a->votes);
}

void scmi_agent_persist(struct scmi_agent *a)
{
	uint64_t seq = scmi_agent_seq(a);

	if (seq == a->saved_seq || !a->srv->hooks.persist)
		return;
	a->saved_seq = seq;
	a->srv->hooks.persist(a->srv->hooks.ctx, a);
}

int scmi_agent_send(struct scmi_agent *a, const uint8_t *msg, size_t len)
{
	int r = a->send ? a->send(a->send_ctx, msg, len) : -ENOTCONN;

	if (r < 0)
		a->stats.dropped++;
	return r;
}

void scmi_agent_reply(struct scmi_agent *a, uint64_t tag, const uint8_t *msg, size_t len)
{
	if (!a->reply || a->reply(a->reply_ctx, tag, msg, len) < 0)
		a->stats.dropped++;
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
	scmi_deferred_free_all(srv);
	scmi_powercap_cancel_probes(srv);
	for (uint32_t i = 0; i < srv->nagents; i++) {
		if (srv->agents[i])
			scmi_preq_cancel_all(srv->agents[i]);
		scmi_agent_fini(srv->agents[i]);
		free(srv->agents[i]);
	}
	scmi_watchers_free(srv);
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

uint32_t scmi_agent_count_seen(const struct scmi_agent *viewer)
{
	/* BASE_PROTOCOL_ATTRIBUTES has 8 bits for it. */
	if (!viewer->d->privileged)
		return 1;
	return viewer->srv->nagents > 255 ? 255 : viewer->srv->nagents;
}

uint32_t scmi_agent_wire_id(const struct scmi_agent *viewer, const struct scmi_agent *subject)
{
	if (!subject)
		return 0;
	if (viewer->d->privileged)
		return subject->id;
	return subject == viewer ? 1 : 0;
}

struct scmi_agent *scmi_agent_from_wire(struct scmi_agent *viewer, uint32_t id)
{
	if (id == SCMI_AGENT_SELF)
		return viewer;
	if (viewer->d->privileged)
		return scmi_server_agent(viewer->srv, id);
	return id == 1 ? viewer : NULL;
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
	scmi_deferred_forget(srv, a);
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
	/* Only a sensor has trip points: a journal arming one elsewhere was
	 * not written by us. */
	for (int t = 0; t < SCMI_SAVED_TRIPS; t++)
		if (vs->trips[t].armed && (vs->kind != VSCMI_SENSOR || vs->trips[t].mode < 1 ||
					   vs->trips[t].mode > 3))
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
