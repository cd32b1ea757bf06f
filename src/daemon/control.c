/* SPDX-License-Identifier: GPL-2.0-only */
/* The control socket: one JSON request per packet, one JSON reply per
 * packet (see include/vscmi/control.h). A client that sends garbage gets an
 * error reply; a client that does not read its replies is dropped. With
 * every slot taken, a new client replaces the one idle the longest, so
 * clients that connect and wait cannot lock everyone else out.
 *
 * Access: each command has a class (ctl_commands). With neither
 * control_read_group nor control_admin_group set, the socket is 0660 and
 * whoever can open it may do everything, as the file mode is the check.
 * With either set, the socket is 0666 and the check is per command, on the
 * credentials the kernel took at connect() (SO_PEERCRED, SO_PEERGROUPS):
 * one file mode cannot admit two groups, and a refused command can say
 * why where a refused connect() cannot. Root may do everything; the admin
 * group may also read. Rights-less clients are evicted first, so opening
 * the socket to everyone does not let them push out the operators. */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vscmi-build.h"
#include "vscmi/arbiter.h"
#include "vscmi/buf.h"
#include "vscmi/control.h"
#include "vscmi/log.h"
#include "vscmi/platform.h"
#include "vscmi/vhost.h"
#include "vscmi/xen.h"
#include "vscmid.h"

#define CTL_MAX_CLIENTS 16

/* Evictions are logged once per daemon: a client that keeps reconnecting
 * would otherwise write a line each time. */
static bool ctl_evict_logged;

/* Clients are kept most recently active first. */
struct vscmid_ctl_client {
	struct vscmid *d;
	int fd;
	sd_event_source *src;
	struct vscmid_ctl_client *next, *prev;
	bool tracing;
	char trace_agent[16];		/* empty: every agent */
	uint64_t trace_dropped;		/* packets the client did not take */
	struct vscmid_ctl_peer peer;
	bool peer_known;		/* SO_PEERCRED answered */
	bool denial_logged;
};

/* Kernels before 4.13 have no SO_PEERGROUPS; said once per daemon. */
static bool ctl_nogroups_logged;

/* json-c aborts on a NULL container; these drop the member instead. */
static struct json_object *jadd(struct json_object *o, const char *key, struct json_object *v)
{
	if (!o || json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return NULL;
	}
	return v;
}

static struct json_object *japp(struct json_object *arr, struct json_object *v)
{
	if (!arr || json_object_array_add(arr, v) < 0) {
		json_object_put(v);
		return NULL;
	}
	return v;
}

static struct json_object *reply_new(bool ok)
{
	struct json_object *o = json_object_new_object();

	jadd(o, VSCMI_CTL_KEY_VERSION, json_object_new_int(VSCMI_CONTROL_VERSION));
	jadd(o, VSCMI_CTL_KEY_OK, json_object_new_boolean(ok));
	return o;
}

__attribute__((format(printf, 1, 2))) static struct json_object *reply_error(const char *fmt,
									    ...)
{
	struct json_object *o = reply_new(false);
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	jadd(o, VSCMI_CTL_KEY_ERROR, json_object_new_string(msg));
	return o;
}

static struct json_object *agent_match(const struct vscmi_agent_desc *ad)
{
	char buf[VSCMI_NAME_MAX + 16];

	if (ad->match == VSCMI_MATCH_NAME)
		snprintf(buf, sizeof(buf), "domain=%s", ad->match_name);
	else if (ad->match == VSCMI_MATCH_DOMID)
		snprintf(buf, sizeof(buf), "domid=%u", ad->match_domid);
	else
		return NULL;
	return json_object_new_string(buf);
}

/* status */

static void ctl_xen_guest(void *ctx, const struct xen_guest_info *g)
{
	struct json_object *j = japp(ctx, json_object_new_object());

	jadd(j, "domid", json_object_new_int64(g->domid));
	jadd(j, "device", json_object_new_int64(g->devid));
	jadd(j, "agent", json_object_new_string(g->agent));
	jadd(j, "state", json_object_new_string(g->state));
	jadd(j, "dom0less", json_object_new_boolean(g->dom0less));
	jadd(j, "base", json_object_new_uint64(g->base));
	jadd(j, "irq", json_object_new_int64(g->irq));
	jadd(j, "grants", json_object_new_boolean(g->grants));
	jadd(j, "vcpus", json_object_new_int64(g->nvcpus));
	jadd(j, "ioreqs", json_object_new_uint64(g->ioreqs));
	/* vscmid's own time per access, wake-up to completion */
	jadd(j, "ioreq_wakeups", json_object_new_uint64(g->woken));
	jadd(j, "ioreq_ns_total", json_object_new_uint64(g->woken_ns));
	jadd(j, "ioreq_ns_mean", json_object_new_uint64(g->woken ? g->woken_ns / g->woken : 0));
	jadd(j, "ioreq_ns_max", json_object_new_uint64(g->woken_ns_max));
	jadd(j, "event_idx", json_object_new_boolean(g->event_idx));
	jadd(j, "delayed_held", json_object_new_uint64(g->delayed_held));
	jadd(j, "delayed_held_late", json_object_new_uint64(g->delayed_held_late));
	jadd(j, "commands", json_object_new_uint64(g->commands));
	jadd(j, "events", json_object_new_uint64(g->events));
	jadd(j, "events_dropped", json_object_new_uint64(g->dropped));
	jadd(j, "interrupts", json_object_new_uint64(g->interrupts));
	jadd(j, "bad_accesses", json_object_new_uint64(g->bad_access));
	jadd(j, "broken", json_object_new_uint64(g->broken));
}

static struct json_object *ctl_status(struct vscmid *d, struct json_object *req)
{
	struct json_object *o = reply_new(true), *daemon, *plat, *agents, *sys, *jr;
	uint64_t now = d->start_usec;

	sd_event_now(d->ev, CLOCK_MONOTONIC, &now);
	daemon = jadd(o, "daemon", json_object_new_object());
	jadd(daemon, "version", json_object_new_string(VSCMI_VERSION));
	jadd(daemon, "pid", json_object_new_int64(getpid()));
	jadd(daemon, "uptime_s", json_object_new_int64((int64_t)((now - d->start_usec) / 1000000u)));
	jadd(daemon, "config", json_object_new_string(d->cfg->path));
	jadd(daemon, "control", json_object_new_string(d->cfg->control));

	plat = jadd(o, "platform", json_object_new_object());
	jadd(plat, "name", json_object_new_string(d->plat->ops->name));
	if (strcmp(d->plat->ops->name, "emulated") == 0) {
		struct vscmi_emu_stats st;

		vscmi_emu_stats(d->plat, &st);
		jadd(plat, "transitions", json_object_new_uint64(st.ops));
		jadd(plat, "refused", json_object_new_uint64(st.refused));
	}
	if (vscmi_is_raw(d->plat)) {
		struct vscmi_raw_stats st;

		vscmi_raw_stats(d->plat, &st);
		jadd(plat, "link", json_object_new_string(vscmi_raw_up(d->plat) ? "up" : "down"));
		jadd(plat, "commands", json_object_new_uint64(st.commands));
		jadd(plat, "timeouts", json_object_new_uint64(st.timeouts));
		jadd(plat, "stale_replies", json_object_new_uint64(st.stale));
		jadd(plat, "notifications", json_object_new_uint64(st.notifications));
		jadd(plat, "link_losses", json_object_new_uint64(st.losses));
		jadd(plat, "answered", json_object_new_uint64(st.answered));
		jadd(plat, "round_trip_mean_us",
		     json_object_new_uint64(st.answered ? st.rtt_sum_us / st.answered : 0));
		jadd(plat, "round_trip_max_us", json_object_new_uint64(st.rtt_max_us));
	}

	jr = jadd(o, "journal", json_object_new_object());
	jadd(jr, "dir", json_object_new_string(d->state_dir));
	jadd(jr, "writes", json_object_new_uint64(d->journal_writes));
	jadd(jr, "errors", json_object_new_uint64(d->journal_errors));

	if (d->sysreq.valid) {
		sys = jadd(o, "system_request", json_object_new_object());
		jadd(sys, "agent", json_object_new_string(d->sysreq.agent));
		jadd(sys, "state", json_object_new_int64(d->sysreq.state));
		jadd(sys, "state_name",
		     json_object_new_string(vscmid_system_state_name(d->sysreq.state)));
		jadd(sys, "graceful", json_object_new_boolean(d->sysreq.flags & 1));
		jadd(sys, "time_us", json_object_new_uint64(d->sysreq.realtime_usec));
	} else {
		jadd(o, "system_request", NULL);
	}

	if (d->xb)
		xen_backend_foreach(d->xb, ctl_xen_guest, jadd(o, "xen", json_object_new_array()));
	else
		jadd(o, "xen", NULL);

	agents = jadd(o, "agents", json_object_new_array());
	for (uint32_t i = 0; i < d->nagents; i++) {
		const struct vscmid_agent *a = d->agents[i];
		const struct vscmi_agent_desc *ad;
		struct scmi_agent_stats st;
		struct json_object *j;

		if (!a)
			continue;
		ad = scmi_agent_desc(a->agent);
		j = japp(agents, json_object_new_object());

		scmi_agent_stats(a->agent, &st);
		jadd(j, "id", json_object_new_int64(scmi_agent_id(a->agent)));
		jadd(j, "name", json_object_new_string(ad->name));
		jadd(j, "match", agent_match(ad));
		jadd(j, "socket", a->path[0] ? json_object_new_string(a->path) : NULL);
		jadd(j, "vhost", a->vhost_path[0] ? json_object_new_string(a->vhost_path) : NULL);
		jadd(j, "connected", json_object_new_boolean(vscmid_agent_connected(a)));
		jadd(j, "connects", json_object_new_uint64(a->connects));
		jadd(j, "commands", json_object_new_uint64(st.commands));
		jadd(j, "errors", json_object_new_uint64(st.errors));
		jadd(j, "malformed", json_object_new_uint64(st.malformed));
		jadd(j, "notifications", json_object_new_uint64(st.notifications));
		jadd(j, "delayed", json_object_new_uint64(st.delayed));
		jadd(j, "dropped", json_object_new_uint64(st.dropped));
		jadd(j, "resets", json_object_new_uint64(st.resets));
		jadd(j, "replies_dropped", json_object_new_uint64(a->replies_dropped));
		jadd(j, "refused_connections", json_object_new_uint64(a->refused));
		if (a->vconn) {
			struct json_object *vj = jadd(j, "virtio", json_object_new_object());
			struct vio_scmi_stats vs;

			vhost_conn_scmi_stats(a->vconn, &vs);
			/* whether delayed responses can wait for their reply */
			jadd(vj, "event_idx", json_object_new_boolean(
						      (vhost_conn_dev(a->vconn)->driver_features &
						       VIO_F_EVENT_IDX) != 0));
			jadd(vj, "events", json_object_new_uint64(vs.events));
			jadd(vj, "delayed_held", json_object_new_uint64(vs.held));
			jadd(vj, "delayed_held_late", json_object_new_uint64(vs.held_late));
		}
	}
	return o;
}

/* agents */

/* A dom0less guest's device as the config declares it: what its partial
 * device tree must describe, since no toolstack writes the node. */
static struct json_object *agent_dom0less(const struct vscmi_agent_desc *ad)
{
	struct json_object *o;

	if (!ad->xen_static.enabled)
		return NULL;
	o = json_object_new_object();
	jadd(o, "mmio_base", json_object_new_uint64(ad->xen_static.base));
	jadd(o, "irq", json_object_new_int64(ad->xen_static.irq));
	jadd(o, "grant_usage", json_object_new_boolean(ad->xen_static.grants));
	return o;
}

/* The lowest and highest level, for a guest's regulator constraints. */
static void voltage_bounds(struct json_object *jv, const struct vscmi_res_desc *rd)
{
	const struct vscmi_range *rg = &rd->u.voltage.levels;

	jadd(jv, "min_uv", json_object_new_int64(rg->segment ? rg->min : rg->values[0]));
	jadd(jv, "max_uv",
	     json_object_new_int64(rg->segment ? rg->max : rg->values[rg->count - 1]));
}

/* A group's or function's members by the names the agent sees them
 * under (the config lets an agent see only sets of what it sees). */
static void pin_members(struct json_object *jv, const struct vscmi_agent_desc *ad,
			const struct vscmi_res_desc *rd)
{
	enum vscmi_kind mk = rd->u.pin_set.pins_only ? VSCMI_PIN : VSCMI_PIN_GROUP;
	struct json_object *arr = jadd(jv, "members", json_object_new_array());

	for (uint32_t i = 0; i < rd->u.pin_set.nmembers; i++)
		for (uint32_t v = 0; v < ad->nviews[mk]; v++)
			if (ad->views[mk][v].res == rd->u.pin_set.members[i])
				japp(arr, json_object_new_string(ad->views[mk][v].name));
	jadd(jv, "pins_only", json_object_new_boolean(rd->u.pin_set.pins_only));
}

static struct json_object *ctl_agents(struct vscmid *d, struct json_object *req)
{
	const struct vscmi_model *m = &d->cfg->model;
	struct json_object *o = reply_new(true), *agents;

	agents = jadd(o, "agents", json_object_new_array());
	for (uint32_t i = 0; i < d->nagents; i++) {
		const struct vscmi_agent_desc *ad;
		struct json_object *j, *protos, *views;

		if (!d->agents[i])
			continue;
		ad = scmi_agent_desc(d->agents[i]->agent);
		j = japp(agents, json_object_new_object());
		jadd(j, "id", json_object_new_int64(i + 1));
		jadd(j, "name", json_object_new_string(ad->name));
		jadd(j, "privileged", json_object_new_boolean(ad->privileged));
		jadd(j, "match", agent_match(ad));
		jadd(j, "max_msg_size", json_object_new_int64(ad->max_msg_size));
		jadd(j, "dom0less", agent_dom0less(ad));
		protos = jadd(j, "protocols", json_object_new_array());
		for (uint8_t p = SCMI_PROTO_BASE; p <= SCMI_PROTO_PINCTRL; p++)
			if (p == SCMI_PROTO_BASE || (ad->protocols & SCMI_PROTO_BIT(p)))
				japp(protos, json_object_new_string(scmi_protocol_name(p)));
		views = jadd(j, "views", json_object_new_object());
		for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
			struct json_object *arr;

			arr = jadd(views, vscmi_kind_name((enum vscmi_kind)k),
				   json_object_new_array());
			for (uint32_t v = 0; v < ad->nviews[k]; v++) {
				struct json_object *jv = japp(arr, json_object_new_object());

				jadd(jv, "id", json_object_new_int64(v));
				jadd(jv, "name", json_object_new_string(ad->views[k][v].name));
				jadd(jv, "resource",
				     json_object_new_string(m->res[k][ad->views[k][v].res].name));
				if (k == VSCMI_VOLTAGE)
					voltage_bounds(jv, &m->res[k][ad->views[k][v].res]);
				if (k == VSCMI_PIN_GROUP || k == VSCMI_PIN_FUNC)
					pin_members(jv, ad, &m->res[k][ad->views[k][v].res]);
			}
		}
	}
	return o;
}

/* resources */

/* The members of a state that mean something for this kind; votes show
 * only what the agent voted for. */
/* A pin's function by name (null: none) and its configs by type name. */
static void pin_json(struct json_object *o, const struct vscmi_model *m,
		     const struct arb_state *st)
{
	struct json_object *cfgs;

	jadd(o, "function", st->func && st->func <= m->nres[VSCMI_PIN_FUNC]
				    ? json_object_new_string(m->res[VSCMI_PIN_FUNC][st->func - 1].name)
				    : NULL);
	cfgs = jadd(o, "configs", json_object_new_object());
	for (unsigned int t = 1; t < VSCMI_PIN_CFG_TYPES; t++)
		if ((st->cfg_mask >> t) & 1u)
			jadd(cfgs, vscmi_pin_cfg_name(t), json_object_new_int64(st->cfg[t]));
}

static void state_json(struct json_object *o, const struct vscmi_res_desc *rd,
		       const struct arb_state *st, bool vote)
{
	switch (rd->kind) {
	case VSCMI_CLOCK:
		jadd(o, "on", json_object_new_boolean(st->on));
		if (!vote || st->has_level)
			jadd(o, "rate", json_object_new_int64(st->level));
		break;
	case VSCMI_POWER:
		if (vote && !st->voted)
			break;
		if (st->pd < rd->u.power.nstates) {
			jadd(o, "state", json_object_new_string(rd->u.power.states[st->pd].name));
			jadd(o, "value", json_object_new_uint64(rd->u.power.states[st->pd].value));
		}
		break;
	case VSCMI_RESET:
		if (!vote || st->voted)
			jadd(o, "asserted", json_object_new_boolean(st->asserted));
		break;
	case VSCMI_VOLTAGE:
		jadd(o, "on", json_object_new_boolean(st->on));
		if (!vote || st->has_level)
			jadd(o, "level_uv", json_object_new_int64(st->level));
		break;
	case VSCMI_PERF:
		if (!vote || st->has_level)
			jadd(o, "level", json_object_new_int64(st->level));
		if (!vote || st->has_limits) {
			jadd(o, "min", json_object_new_int64(st->min));
			jadd(o, "max", json_object_new_int64(st->max));
		}
		break;
	case VSCMI_POWERCAP:
		/* a cap of 0: not capping */
		if (!vote || st->has_level) {
			jadd(o, "cap", json_object_new_int64(st->level));
			jadd(o, "unit", json_object_new_string(rd->u.powercap.unit == 1 ? "uW" : "mW"));
		}
		if (!vote || st->has_limits)
			jadd(o, "pai_us", json_object_new_int64(st->min));
		break;
	case VSCMI_PIN:
		if (vote)
			jadd(o, "owned", json_object_new_boolean(st->owned));
		break;
	default:
		break;
	}
}

static struct json_object *ctl_resources(struct vscmid *d, struct json_object *req)
{
	const struct vscmi_model *m = &d->cfg->model;
	struct json_object *o = reply_new(true), *kinds;

	kinds = jadd(o, "resources", json_object_new_object());
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		enum vscmi_kind kind = (enum vscmi_kind)k;
		struct json_object *arr = jadd(kinds, vscmi_kind_name(kind), json_object_new_array());
		uint32_t n = arb_res_count(d->arb, kind);

		for (uint32_t i = 0; i < n; i++) {
			struct arb_res *res = arb_res_get(d->arb, kind, i);
			const struct vscmi_res_desc *rd = arb_res_desc(res);
			struct json_object *j = japp(arr, json_object_new_object()), *phys, *votes;
			struct arb_state st;

			jadd(j, "name", json_object_new_string(rd->name));
			jadd(j, "id", json_object_new_int64(rd->plat_id));
			jadd(j, "parent", rd->parent >= 0 ?
						  json_object_new_string(m->res[k][rd->parent].name) :
						  NULL);
			jadd(j, "users", json_object_new_int64(arb_res_users(res)));
			arb_res_phys(res, &st);
			phys = jadd(j, "state", json_object_new_object());
			state_json(phys, rd, &st, false);
			if (kind == VSCMI_PIN) {
				uint32_t owner = arb_pin_owner(res);
				struct scmi_agent *oa = owner ? scmi_server_agent(d->srv, owner) : NULL;

				pin_json(phys, m, &st);
				jadd(j, "owner", oa ? json_object_new_string(scmi_agent_desc(oa)->name)
						    : NULL);
			}
			if (kind == VSCMI_PIN_GROUP || kind == VSCMI_PIN_FUNC) {
				enum vscmi_kind mk = rd->u.pin_set.pins_only ? VSCMI_PIN : VSCMI_PIN_GROUP;
				struct json_object *mem = jadd(j, "members", json_object_new_array());

				for (uint32_t e = 0; e < rd->u.pin_set.nmembers; e++)
					japp(mem, json_object_new_string(
							  m->res[mk][rd->u.pin_set.members[e]].name));
			}
			if (kind == VSCMI_SENSOR && d->plat->ops->sensor_read) {
				int64_t value;
				uint64_t ts;

				if (d->plat->ops->sensor_read(d->plat, rd->plat_id, &value, &ts) == 0)
					jadd(phys, "reading", json_object_new_int64(value));
			}
			if (kind == VSCMI_POWERCAP) {
				uint32_t power, pai;

				if (vscmi_platform_powercap_measure(d->plat, rd->plat_id, &power,
								    &pai) == 0)
					jadd(phys, "power", json_object_new_int64(power));
			}
			/* The boot vote, while no agent has taken the resource over. */
			if (arb_res_boot_held(res)) {
				st = (struct arb_state){ .on = true, .voted = true,
							 .pd = kind == VSCMI_POWER ? rd->u.power.initial : 0 };
				state_json(jadd(j, "boot", json_object_new_object()), rd, &st, true);
			}
			votes = jadd(j, "votes", json_object_new_array());
			/* each agent's views of this resource, in agent order */
			for (uint32_t a = 0; a < d->nagents; a++) {
				struct scmi_agent *ag = d->agents[a] ? d->agents[a]->agent : NULL;
				const struct vscmi_agent_desc *ad = ag ? scmi_agent_desc(ag) : NULL;

				for (uint32_t v = 0; ad && v < ad->nviews[k]; v++) {
					struct arb_vote *vote;
					struct json_object *jv;

					if (ad->views[k][v].res != i)
						continue;
					vote = scmi_agent_vote(ag, kind, v);
					if (!vote)
						continue;
					arb_vote_state(vote, &st);
					jv = japp(votes, json_object_new_object());
					jadd(jv, "agent", json_object_new_string(ad->name));
					jadd(jv, "view", json_object_new_int64(v));
					state_json(jv, rd, &st, true);
					if (kind == VSCMI_PIN && st.owned)
						pin_json(jv, m, &st);
				}
			}
		}
	}
	return o;
}

/* release */

static struct json_object *ctl_release(struct vscmid *d, struct json_object *req)
{
	struct json_object *jname, *o;
	struct scmi_agent *agent;
	struct vscmid_agent *ch;
	const char *name;

	if (!json_object_object_get_ex(req, VSCMI_CTL_KEY_AGENT, &jname) ||
	    !json_object_is_type(jname, json_type_string))
		return reply_error("release needs an agent name in '%s'", VSCMI_CTL_KEY_AGENT);
	name = json_object_get_string(jname);
	agent = scmi_server_agent_by_name(d->srv, name);
	if (!agent)
		return reply_error("unknown agent '%.64s'", name);
	/* an agent a reload could not give a channel has none */
	ch = d->agents[scmi_agent_id(agent) - 1];
	o = reply_new(true);
	jadd(o, "agent", json_object_new_string(scmi_agent_name(agent)));
	jadd(o, "was_connected", json_object_new_boolean(ch && vscmid_agent_connected(ch)));
	log_notice("agent %s: released by operator", scmi_agent_name(agent));
	if (ch && vscmid_agent_connected(ch))
		vscmid_agent_disconnect(ch, "released by operator");
	else
		scmi_agent_reset(agent);
	return o;
}

/* system: a graceful shutdown or reboot asked of one agent */

static struct json_object *ctl_system(struct vscmid *d, struct json_object *req)
{
	static const struct {
		const char *name;
		uint32_t state;		/* SYSTEM_POWER_STATE_SET's */
	} states[] = { { "shutdown", 0 }, { "reboot", 1 } };
	struct json_object *jname, *jstate, *o;
	struct scmi_agent *agent;
	const char *name, *sname;
	size_t i;
	int r;

	if (!json_object_object_get_ex(req, VSCMI_CTL_KEY_AGENT, &jname) ||
	    !json_object_is_type(jname, json_type_string))
		return reply_error("system needs an agent name in '%s'", VSCMI_CTL_KEY_AGENT);
	if (!json_object_object_get_ex(req, VSCMI_CTL_KEY_STATE, &jstate) ||
	    !json_object_is_type(jstate, json_type_string))
		return reply_error("system needs '%s': shutdown or reboot", VSCMI_CTL_KEY_STATE);
	name = json_object_get_string(jname);
	sname = json_object_get_string(jstate);
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(sname, states[i].name) == 0)
			break;
	if (i == sizeof(states) / sizeof(states[0]))
		return reply_error("no system state '%.64s' (shutdown, reboot)", sname);
	agent = scmi_server_agent_by_name(d->srv, name);
	if (!agent)
		return reply_error("unknown agent '%.64s'", name);
	r = scmi_system_request(agent, states[i].state);
	switch (r) {
	case 0:
		break;
	case -EPROTONOSUPPORT:
		return reply_error("agent %s may not use the system power protocol",
				   scmi_agent_name(agent));
	case -ENOTCONN:
		return reply_error("agent %s is not connected, or its transport carries no "
				   "notifications", scmi_agent_name(agent));
	case -ENOENT:
		return reply_error("agent %s has not subscribed to system power notifications "
				   "(its kernel has no driver that acts on them)",
				   scmi_agent_name(agent));
	default:
		return reply_error("agent %s: the notification was not sent: %s",
				   scmi_agent_name(agent), strerror(-r));
	}
	o = reply_new(true);
	jadd(o, "agent", json_object_new_string(scmi_agent_name(agent)));
	jadd(o, VSCMI_CTL_KEY_STATE, json_object_new_string(states[i].name));
	return o;
}

/* trace */

static struct json_object *ctl_trace(struct vscmid *d, struct json_object *req)
{
	struct vscmid_ctl_client *c = d->ctl_current;
	struct json_object *jname, *o;
	const char *name = "";

	if (json_object_object_get_ex(req, VSCMI_CTL_KEY_AGENT, &jname)) {
		if (!json_object_is_type(jname, json_type_string))
			return reply_error("'%s' is not a string", VSCMI_CTL_KEY_AGENT);
		name = json_object_get_string(jname);
		if (!scmi_server_agent_by_name(d->srv, name))
			return reply_error("no agent '%.64s'", name);
	}
	if (!c)
		return reply_error("trace needs a control connection");
	if (!c->tracing)
		d->ntracing++;
	c->tracing = true;
	snprintf(c->trace_agent, sizeof(c->trace_agent), "%s", name);
	o = reply_new(true);
	jadd(o, "tracing", json_object_new_string(name[0] ? name : "all"));
	return o;
}

static struct json_object *hex(const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	char s[2 * SCMI_MSG_MAX + 1];

	if (n > SCMI_MSG_MAX)
		n = SCMI_MSG_MAX;
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = digits[p[i] >> 4];
		s[2 * i + 1] = digits[p[i] & 15];
	}
	s[2 * n] = '\0';
	return json_object_new_string(s);
}

static int ctl_send(struct vscmid_ctl_client *c, struct json_object *reply);

void vscmid_control_trace(struct vscmid *d, struct scmi_agent *agent,
			  const struct scmi_trace_res *res, const uint8_t *req, size_t req_len,
			  const uint8_t *resp, size_t resp_len)
{
	struct json_object *o = NULL, *t;
	uint32_t hdr = req_len >= 4 ? vscmi_get_le32(req) : 0;
	int32_t status = resp_len >= 8 ? (int32_t)vscmi_get_le32(resp + 4) : SCMI_GENERIC_ERROR;
	/* Shorter than a header: nothing to name. */
	const char *msg = req_len >= 4 ? scmi_message_name(SCMI_HDR_PROTO(hdr), SCMI_HDR_MSG(hdr))
				       : NULL;
	struct timespec ts;

	for (struct vscmid_ctl_client *c = d->clients; c; c = c->next) {
		if (!c->tracing || (c->trace_agent[0] && strcmp(c->trace_agent,
								scmi_agent_name(agent))))
			continue;
		if (!o) {
			clock_gettime(CLOCK_REALTIME, &ts);
			o = json_object_new_object();
			t = jadd(o, "trace", json_object_new_object());
			jadd(t, "agent", json_object_new_string(scmi_agent_name(agent)));
			jadd(t, "time_us", json_object_new_uint64((uint64_t)ts.tv_sec * 1000000u +
								  (uint64_t)ts.tv_nsec / 1000u));
			jadd(t, "protocol", req_len >= 4 ? json_object_new_string(scmi_protocol_name(
								   SCMI_HDR_PROTO(hdr)))
							 : NULL);
			jadd(t, "protocol_id", json_object_new_int(SCMI_HDR_PROTO(hdr)));
			jadd(t, "message", msg ? json_object_new_string(msg) : NULL);
			jadd(t, "message_id", json_object_new_int(SCMI_HDR_MSG(hdr)));
			jadd(t, "token", json_object_new_int(SCMI_HDR_TOKEN(hdr)));
			jadd(t, "resource", res ? json_object_new_string(res->name) : NULL);
			jadd(t, "physical", res ? json_object_new_string(res->physical) : NULL);
			jadd(t, "status", json_object_new_string(scmi_status_name(status)));
			jadd(t, "request", hex(req, req_len));
			jadd(t, "reply", hex(resp, resp_len));
		}
		/* A follower that does not keep up loses lines, never the daemon. */
		if (ctl_send(c, o) < 0)
			c->trace_dropped++;
	}
	json_object_put(o);
}

/* Every command and the access it needs. trace is admin: it shows every
 * byte a guest sends and receives. */
static const struct {
	const char *name;
	struct json_object *(*fn)(struct vscmid *d, struct json_object *req);
	enum vscmid_ctl_class cls;
} ctl_commands[] = {
	{ VSCMI_CTL_STATUS, ctl_status, VSCMID_CTL_READ },
	{ VSCMI_CTL_AGENTS, ctl_agents, VSCMID_CTL_READ },
	{ VSCMI_CTL_RESOURCES, ctl_resources, VSCMID_CTL_READ },
	{ VSCMI_CTL_RELEASE, ctl_release, VSCMID_CTL_ADMIN },
	{ VSCMI_CTL_TRACE, ctl_trace, VSCMID_CTL_ADMIN },
	{ VSCMI_CTL_SYSTEM, ctl_system, VSCMID_CTL_ADMIN },
};

int vscmid_control_class(const char *command)
{
	for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++)
		if (strcmp(command, ctl_commands[i].name) == 0)
			return (int)ctl_commands[i].cls;
	return -ENOENT;
}

static bool ctl_in_group(const struct vscmid_ctl_peer *p, const struct vscmi_ctl_group *g)
{
	if (!g->set)
		return false;
	if (p->gid == g->gid)
		return true;
	for (size_t i = 0; i < p->ngroups; i++)
		if (p->groups[i] == g->gid)
			return true;
	return false;
}

bool vscmid_control_allowed(const struct vscmi_config *cfg, const struct vscmid_ctl_peer *peer,
			    enum vscmid_ctl_class cls)
{
	if (!cfg->ctl_read.set && !cfg->ctl_admin.set)
		return true;
	if (!peer)
		return false;
	if (peer->uid == 0 || ctl_in_group(peer, &cfg->ctl_admin))
		return true;
	return cls == VSCMID_CTL_READ && ctl_in_group(peer, &cfg->ctl_read);
}

/* NULL when the client being answered may run cmd, else the refusal; it is
 * logged once per connection, so a client that retries cannot flood the log. */
static struct json_object *ctl_refuse(struct vscmid *d, const char *cmd,
				      enum vscmid_ctl_class cls)
{
	const struct vscmi_ctl_group *rg = &d->cfg->ctl_read, *ag = &d->cfg->ctl_admin;
	struct vscmid_ctl_client *c = d->ctl_current;
	char who[160];
	struct json_object *o;

	/* an in-process caller (no connection) is the daemon itself */
	if (!c || vscmid_control_allowed(d->cfg, c->peer_known ? &c->peer : NULL, cls))
		return NULL;
	if (cls == VSCMID_CTL_READ && rg->set && ag->set)
		snprintf(who, sizeof(who), "root or group %s or %s", rg->name, ag->name);
	else if (cls == VSCMID_CTL_READ && rg->set)
		snprintf(who, sizeof(who), "root or group %s", rg->name);
	else if (ag->set)
		snprintf(who, sizeof(who), "root or group %s", ag->name);
	else
		snprintf(who, sizeof(who), "root");
	if (!c->denial_logged)
		log_notice("control: refused %s to uid %ld gid %ld pid %ld: needs %s (further "
			   "refusals on this connection are not logged)", cmd,
			   c->peer_known ? (long)c->peer.uid : -1L,
			   c->peer_known ? (long)c->peer.gid : -1L,
			   c->peer_known ? (long)c->peer.pid : -1L, who);
	c->denial_logged = true;
	o = reply_error("permission denied: `%.64s` needs %s", cmd, who);
	jadd(o, VSCMI_CTL_KEY_DENIED, json_object_new_boolean(true));
	return o;
}

static struct json_object *ctl_dispatch(struct vscmid *d, struct json_object *req)
{
	struct json_object *jv, *jc;
	const char *cmd;
	int64_t version;

	if (!json_object_is_type(req, json_type_object))
		return reply_error("request is not a JSON object");
	if (!json_object_object_get_ex(req, VSCMI_CTL_KEY_VERSION, &jv) ||
	    !json_object_is_type(jv, json_type_int))
		return reply_error("request has no integer '%s'", VSCMI_CTL_KEY_VERSION);
	version = json_object_get_int64(jv);
	if (version != VSCMI_CONTROL_VERSION)
		return reply_error("unsupported protocol version %lld (this daemon speaks %d)",
				   (long long)version, VSCMI_CONTROL_VERSION);
	if (!json_object_object_get_ex(req, VSCMI_CTL_KEY_COMMAND, &jc) ||
	    !json_object_is_type(jc, json_type_string))
		return reply_error("request has no string '%s'", VSCMI_CTL_KEY_COMMAND);
	cmd = json_object_get_string(jc);
	for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++) {
		struct json_object *denied;

		if (strcmp(cmd, ctl_commands[i].name) != 0)
			continue;
		denied = ctl_refuse(d, cmd, ctl_commands[i].cls);
		return denied ? denied : ctl_commands[i].fn(d, req);
	}
	return reply_error("unknown command '%.64s' (status, agents, resources, release, trace, system)",
			   cmd);
}

/* A C client may send the terminating NUL; a shell one, a newline. */
static bool only_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != '\0' && p[i] != ' ' && p[i] != '\n' && p[i] != '\r' && p[i] != '\t')
			return false;
	return true;
}

struct json_object *vscmid_control_handle(struct vscmid *d, const char *req, size_t len)
{
	struct json_tokener *tok;
	struct json_object *obj, *reply;
	enum json_tokener_error jerr;

	if (len == 0)
		return reply_error("empty request");
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	obj = json_tokener_parse_ex(tok, req, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!obj || jerr != json_tokener_success) {
		reply = reply_error("malformed request: %s",
				    jerr == json_tokener_continue ? "incomplete JSON" :
								    json_tokener_error_desc(jerr));
	} else if (!only_blank(req + json_tokener_get_parse_end(tok),
			       len - json_tokener_get_parse_end(tok))) {
		reply = reply_error("malformed request: data after the JSON object");
	} else {
		reply = ctl_dispatch(d, obj);
	}
	json_object_put(obj);
	json_tokener_free(tok);
	return reply;
}

/* Socket plumbing */

static void ctl_client_unlink(struct vscmid_ctl_client *c)
{
	struct vscmid *d = c->d;

	if (c->prev)
		c->prev->next = c->next;
	else
		d->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->next = c->prev = NULL;
}

static void ctl_client_push(struct vscmid_ctl_client *c)
{
	struct vscmid *d = c->d;

	c->prev = NULL;
	c->next = d->clients;
	if (c->next)
		c->next->prev = c;
	d->clients = c;
}

static void ctl_client_free(struct vscmid_ctl_client *c)
{
	struct vscmid *d = c->d;

	ctl_client_unlink(c);
	d->nclients--;
	if (c->tracing)
		d->ntracing--;
	sd_event_source_disable_unref(c->src);
	close(c->fd);
	free(c->peer.groups);
	free(c);
}

static int ctl_send(struct vscmid_ctl_client *c, struct json_object *reply)
{
	const char *s = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN);
	size_t len = s ? strlen(s) : 0;
	struct json_object *err = NULL;
	int r = 0;

	if (!s)
		return -ENOMEM;
	if (len > VSCMI_CONTROL_REPLY_MAX) {
		err = reply_error("reply too large (%zu bytes, at most %d)", len,
				  VSCMI_CONTROL_REPLY_MAX);
		s = err ? json_object_to_json_string_ext(err, JSON_C_TO_STRING_PLAIN) : NULL;
		if (!s) {
			json_object_put(err);
			return -ENOMEM;
		}
		len = strlen(s);
	}
	if (send(c->fd, s, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		r = -errno;
	json_object_put(err);
	return r;
}

static int ctl_on_request(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct vscmid_ctl_client *c = userdata;
	char buf[VSCMI_CONTROL_REQUEST_MAX + 1];
	struct json_object *reply;
	ssize_t n;
	int r;

	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		ctl_client_free(c);
		return 0;
	}
	if (n == 0 && (revents & (EPOLLHUP | EPOLLRDHUP))) {
		ctl_client_free(c);
		return 0;
	}
	ctl_client_unlink(c);
	ctl_client_push(c);
	if (n > VSCMI_CONTROL_REQUEST_MAX)
		reply = reply_error("request too large (%zd bytes, at most %d)", n,
				    VSCMI_CONTROL_REQUEST_MAX);
	else {
		c->d->ctl_current = c;
		reply = vscmid_control_handle(c->d, buf, (size_t)n);
		c->d->ctl_current = NULL;
	}
	r = reply ? ctl_send(c, reply) : -ENOMEM;
	json_object_put(reply);
	if (r < 0) {
		/* a client that does not read, or went away */
		log_debug("control: dropping client: %s", strerror(-r));
		ctl_client_free(c);
	}
	return 0;
}

/* Makes room: the last client in the list has been idle the longest. */
static void ctl_evict(struct vscmid *d)
{
	struct vscmid_ctl_client *idle = d->clients, *c;

	while (idle->next)
		idle = idle->next;
	/* a client that may do nothing goes before one that may */
	for (c = idle; c; c = c->prev) {
		if (!vscmid_control_allowed(d->cfg, c->peer_known ? &c->peer : NULL,
					    VSCMID_CTL_READ)) {
			idle = c;
			break;
		}
	}
	if (!ctl_evict_logged)
		log_notice("control: more than %d clients; closing the one idle the longest "
			   "for each new one (logged once)", CTL_MAX_CLIENTS);
	else
		log_debug("control: closing the client idle the longest");
	ctl_evict_logged = true;
	ctl_client_free(idle);
}

/* The peer's supplementary groups as of its connect(). Without
 * SO_PEERGROUPS only its primary group counts: /proc/PID/status would be
 * read later than the connect and could belong to another process by then. */
static void ctl_peer_groups(struct vscmid_ctl_client *c)
{
	socklen_t len = 32 * sizeof(gid_t);
	gid_t *g = NULL;
	int r = -ENOPROTOOPT;

#ifdef SO_PEERGROUPS
	/* the second try has the size the kernel asked for; NGROUPS_MAX caps it */
	for (int tries = 0; tries < 2 && len <= 65536 * sizeof(gid_t); tries++) {
		gid_t *ng = realloc(g, len ? len : sizeof(gid_t));

		if (!ng) {
			r = -ENOMEM;
			break;
		}
		g = ng;
		if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, g, &len) == 0) {
			c->peer.groups = g;
			c->peer.ngroups = len / sizeof(gid_t);
			return;
		}
		r = -errno;
		if (r != -ERANGE)
			break;
	}
#endif
	free(g);
	if (r == -ENOPROTOOPT && !ctl_nogroups_logged) {
		log_warn("control: the kernel does not tell a client's supplementary groups "
			 "(SO_PEERGROUPS, Linux 4.13); only its primary group counts");
		ctl_nogroups_logged = true;
	} else if (r != -ENOPROTOOPT) {
		log_debug("control: a client's groups: %s", strerror(-r));
	}
}

static void ctl_peer(struct vscmid_ctl_client *c)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0 || len != sizeof(uc)) {
		log_debug("control: a client's credentials: %s", strerror(errno));
		return;
	}
	c->peer.uid = uc.uid;
	c->peer.gid = uc.gid;
	c->peer.pid = uc.pid;
	c->peer_known = true;
	ctl_peer_groups(c);
}

static int ctl_on_connect(sd_event_source *src, int lfd, uint32_t revents, void *userdata)
{
	struct vscmid *d = userdata;
	struct vscmid_ctl_client *c;
	int fd, size = VSCMI_CONTROL_REPLY_MAX;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return 0;
	/* a reply is one packet: the send buffer must hold the largest; the
	 * kernel doubles the value, and FORCE passes the sysctl cap when root */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return 0;
	}
	c->d = d;
	c->fd = fd;
	ctl_peer(c);
	if (sd_event_add_io(d->ev, &c->src, fd, EPOLLIN | EPOLLRDHUP, ctl_on_request, c) < 0) {
		close(fd);
		free(c->peer.groups);
		free(c);
		return 0;
	}
	ctl_client_push(c);
	d->nclients++;
	if (d->nclients > CTL_MAX_CLIENTS)
		ctl_evict(d);
	return 0;
}

static mode_t ctl_mode(const struct vscmi_config *cfg)
{
	return cfg->ctl_read.set || cfg->ctl_admin.set ? 0666 : 0660;
}

void vscmid_control_access_changed(struct vscmid *d)
{
	if (d->ctl_fd >= 0 && chmod(d->cfg->control, ctl_mode(d->cfg)) < 0)
		log_err("control: %s: chmod: %s", d->cfg->control, strerror(errno));
	/* a trace was allowed when it began; one no longer allowed stops */
	for (struct vscmid_ctl_client *c = d->clients; c; c = c->next) {
		if (!c->tracing || vscmid_control_allowed(d->cfg, c->peer_known ? &c->peer : NULL,
							  VSCMID_CTL_ADMIN))
			continue;
		c->tracing = false;
		d->ntracing--;
		log_notice("control: a trace by uid %ld stopped: its access was withdrawn",
			   c->peer_known ? (long)c->peer.uid : -1L);
	}
}

int vscmid_control_open(struct vscmid *d)
{
	int r;

	r = vscmid_listen(d->cfg->control, SOCK_SEQPACKET, ctl_mode(d->cfg));
	if (r < 0)
		return r;
	d->ctl_fd = r;
	ctl_evict_logged = false;
	ctl_nogroups_logged = false;
	return sd_event_add_io(d->ev, &d->ctl_src, d->ctl_fd, EPOLLIN, ctl_on_connect, d);
}

void vscmid_control_close(struct vscmid *d)
{
	while (d->clients)
		ctl_client_free(d->clients);
	d->ctl_src = sd_event_source_disable_unref(d->ctl_src);
	if (d->ctl_fd >= 0) {
		close(d->ctl_fd);
		unlink(d->cfg->control);
		d->ctl_fd = -1;
	}
}
