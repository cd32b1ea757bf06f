/* The state journal: what each agent holds (votes, subscriptions, trip
 * points), one small JSON file per agent under <socket_dir>/state, written
 * whole and renamed into place before the command's reply leaves, so a
 * daemon killed at any point finds a complete file, and what it says is at
 * least what every guest was told.
 *
 * At start the journal is read back before any guest is served: the votes
 * return without platform calls, and only resources whose hardware lags
 * their votes (a command interrupted between the platform call and the
 * journal write) are brought in line. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vscmi/arbiter.h"
#include "vscmi/log.h"
#include "vscmi/xen.h"
#include "vscmid.h"

#define JOURNAL_VERSION 1
/* A journal is a few hundred bytes per resource; anything much larger was
 * not written by vscmid. */
#define JOURNAL_MAX_BYTES (4u << 20)

static int journal_path(const struct vscmid *d, const char *agent, const char *suffix,
			char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "%s/agent-%s.json%s", d->state_dir, agent, suffix);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int vscmid_state_dir(struct vscmid *d, char *err, size_t errlen)
{
	int n = snprintf(d->state_dir, sizeof(d->state_dir), "%s/state", d->cfg->socket_dir);

	if (n < 0 || (size_t)n >= sizeof(d->state_dir)) {
		snprintf(err, errlen, "state directory under '%s' is too long", d->cfg->socket_dir);
		return -ENAMETOOLONG;
	}
	if (mkdir(d->cfg->socket_dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", d->cfg->socket_dir, strerror(errno));
		return -errno;
	}
	if (mkdir(d->state_dir, 0700) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", d->state_dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* --- writing -------------------------------------------------------------------- */

static void jset(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

struct journal_views {
	const struct vscmid *d;
	const struct vscmi_agent_desc *ad;
	struct json_object *arr;
};

static void journal_add_view(void *ctx, const struct scmi_view_state *vs)
{
	struct journal_views *jv = ctx;
	const struct vscmi_model *m = &jv->d->cfg->model;
	uint32_t res = jv->ad->views[vs->kind][vs->vid].res;
	struct json_object *o = json_object_new_object(), *trips = NULL;

	if (!o)
		return;
	jset(o, "kind", json_object_new_string(vscmi_kind_name(vs->kind)));
	jset(o, "id", json_object_new_int64(vs->vid));
	/* the physical resource, so a changed config is noticed */
	jset(o, "resource", json_object_new_string(m->res[vs->kind][res].name));
	jset(o, "on", json_object_new_boolean(vs->vote.on));
	jset(o, "asserted", json_object_new_boolean(vs->vote.asserted));
	jset(o, "voted", json_object_new_boolean(vs->vote.voted));
	jset(o, "has_level", json_object_new_boolean(vs->vote.has_level));
	jset(o, "has_limits", json_object_new_boolean(vs->vote.has_limits));
	jset(o, "pd", json_object_new_int64(vs->vote.pd));
	jset(o, "level", json_object_new_int64(vs->vote.level));
	jset(o, "min", json_object_new_int64(vs->vote.min));
	jset(o, "max", json_object_new_int64(vs->vote.max));
	jset(o, "owner", json_object_new_boolean(vs->owner));
	jset(o, "notify", json_object_new_int64(vs->notify));
	jset(o, "sensor_config", json_object_new_int64(vs->sensor_config));
	for (int t = 0; t < SCMI_SAVED_TRIPS; t++) {
		struct json_object *to;

		if (!vs->trips[t].armed)
			continue;
		if (!trips)
			trips = json_object_new_array();
		to = json_object_new_object();
		jset(to, "trip", json_object_new_int(t));
		jset(to, "above", json_object_new_boolean(vs->trips[t].above));
		jset(to, "mode", json_object_new_int64(vs->trips[t].mode));
		jset(to, "value", json_object_new_int64(vs->trips[t].value));
		json_object_array_add(trips, to);
	}
	if (trips)
		jset(o, "trips", trips);
	json_object_array_add(jv->arr, o);
}

/* Written to a temporary file and renamed over the old one: a reader (the
 * next daemon) sees the old journal or the new one, never a mix. tmpfs
 * needs no fsync; on disk the rename still orders it. */
static int journal_write(const char *path, const char *tmp, const char *text)
{
	size_t len = strlen(text);
	int fd, r = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

void vscmid_journal_persist(void *ctx, struct scmi_agent *agent)
{
	struct vscmid *d = ctx;
	const struct vscmi_agent_desc *ad = scmi_agent_desc(agent);
	struct journal_views jv = { .d = d, .ad = ad };
	struct scmi_agent_state st;
	struct json_object *o;
	char path[4200], tmp[4200];
	int r;

	if (!d->state_dir[0] || journal_path(d, ad->name, "", path, sizeof(path)) < 0 ||
	    journal_path(d, ad->name, ".new", tmp, sizeof(tmp)) < 0)
		return;
	scmi_agent_save(agent, &st);
	o = json_object_new_object();
	jv.arr = json_object_new_array();
	if (!o || !jv.arr) {
		json_object_put(o);
		json_object_put(jv.arr);
		d->journal_errors++;
		return;
	}
	scmi_agent_save_views(agent, journal_add_view, &jv);
	/* nothing held: no file, as for an agent that never spoke */
	if (json_object_array_length(jv.arr) == 0 && !st.notify_errors && !st.notify_system &&
	    st.system_state == SCMI_SYSTEM_STATE_POWER_UP) {
		json_object_put(o);
		json_object_put(jv.arr);
		if (unlink(path) < 0 && errno != ENOENT)
			log_warn("journal: %s: %s", path, strerror(errno));
		return;
	}
	jset(o, "version", json_object_new_int(JOURNAL_VERSION));
	jset(o, "agent", json_object_new_string(ad->name));
	jset(o, "notify_errors", json_object_new_boolean(st.notify_errors));
	jset(o, "notify_system", json_object_new_boolean(st.notify_system));
	jset(o, "system_state", json_object_new_int64(st.system_state));
	jset(o, "resources", jv.arr);
	r = journal_write(path, tmp, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	if (r < 0) {
		/* Said once per run: the daemon serves on, but a restart
		 * would lose this agent's latest changes. */
		if (!d->journal_errors)
			log_err("journal: cannot write %s: %s; a restart would not know "
				"the latest votes", path, strerror(-r));
		d->journal_errors++;
		return;
	}
	d->journal_writes++;
}

/* --- reading -------------------------------------------------------------------- */

static int jfield(struct json_object *o, const char *key, enum json_type type,
		  struct json_object **out)
{
	if (!json_object_object_get_ex(o, key, out) || !json_object_is_type(*out, type))
		return -EINVAL;
	return 0;
}

static int jbool(struct json_object *o, const char *key, bool *out)
{
	struct json_object *v;
	int r = jfield(o, key, json_type_boolean, &v);

	if (r == 0)
		*out = json_object_get_boolean(v);
	return r;
}

static int jint(struct json_object *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
	struct json_object *v;
	int r = jfield(o, key, json_type_int, &v);

	if (r < 0)
		return r;
	errno = 0;
	*out = json_object_get_int64(v);
	return errno || *out < min || *out > max ? -EINVAL : 0;
}

static int jkind(const char *name, enum vscmi_kind *kind)
{
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		if (!strcmp(vscmi_kind_name((enum vscmi_kind)k), name)) {
			*kind = (enum vscmi_kind)k;
			return 0;
		}
	}
	return -EINVAL;
}

static int journal_read_view(struct json_object *o, struct scmi_view_state *vs,
			     const char **resource)
{
	struct json_object *v, *trips;
	int64_t n = 0;
	int r = 0;

	memset(vs, 0, sizeof(*vs));
	if (jfield(o, "kind", json_type_string, &v) < 0 || jkind(json_object_get_string(v), &vs->kind))
		return -EINVAL;
	if (jfield(o, "resource", json_type_string, &v) < 0)
		return -EINVAL;
	*resource = json_object_get_string(v);
	r |= jint(o, "id", 0, VSCMI_MAX_RESOURCES, &n);
	vs->vid = (uint32_t)n;
	r |= jbool(o, "on", &vs->vote.on);
	r |= jbool(o, "asserted", &vs->vote.asserted);
	r |= jbool(o, "voted", &vs->vote.voted);
	r |= jbool(o, "has_level", &vs->vote.has_level);
	r |= jbool(o, "has_limits", &vs->vote.has_limits);
	r |= jint(o, "pd", 0, VSCMI_MAX_PD_STATES, &n);
	vs->vote.pd = (uint32_t)n;
	r |= jint(o, "level", INT64_MIN, INT64_MAX, &vs->vote.level);
	r |= jint(o, "min", 0, UINT32_MAX, &n);
	vs->vote.min = (uint32_t)n;
	r |= jint(o, "max", 0, UINT32_MAX, &n);
	vs->vote.max = (uint32_t)n;
	r |= jbool(o, "owner", &vs->owner);
	r |= jint(o, "notify", 0, UINT32_MAX, &n);
	vs->notify = (uint32_t)n;
	r |= jint(o, "sensor_config", 0, UINT32_MAX, &n);
	vs->sensor_config = (uint32_t)n;
	if (r)
		return -EINVAL;
	if (!json_object_object_get_ex(o, "trips", &trips))
		return 0;
	if (!json_object_is_type(trips, json_type_array) ||
	    json_object_array_length(trips) > SCMI_SAVED_TRIPS)
		return -EINVAL;
	for (size_t i = 0; i < json_object_array_length(trips); i++) {
		struct json_object *t = json_object_array_get_idx(trips, i);
		int64_t idx, mode;

		if (jint(t, "trip", 0, SCMI_SAVED_TRIPS - 1, &idx) < 0 ||
		    jint(t, "mode", 1, 3, &mode) < 0 ||
		    jbool(t, "above", &vs->trips[idx].above) < 0 ||
		    jint(t, "value", INT64_MIN, INT64_MAX, &vs->trips[idx].value) < 0)
			return -EINVAL;
		vs->trips[idx].armed = true;
		vs->trips[idx].mode = (uint32_t)mode;
	}
	return 0;
}

/* One agent's file: 1 when something came back, 0 with no file, -errno
 * when the file is unusable (then nothing of it is taken). */
static int journal_restore_agent(struct vscmid *d, struct scmi_agent *agent)
{
	const struct vscmi_agent_desc *ad = scmi_agent_desc(agent);
	const struct vscmi_model *m = &d->cfg->model;
	struct json_object *o, *arr, *v;
	struct scmi_agent_state st = { 0 };
	struct stat sb;
	char path[4200];
	int64_t n;
	int r = 0, restored = 0;

	if (journal_path(d, ad->name, "", path, sizeof(path)) < 0)
		return -ENAMETOOLONG;
	if (stat(path, &sb) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISREG(sb.st_mode) || sb.st_size > JOURNAL_MAX_BYTES) {
		log_err("journal: %s is not a journal file; agent %s starts afresh", path,
			ad->name);
		return -EINVAL;
	}
	o = json_object_from_file(path);
	if (!o) {
		log_err("journal: %s: %s; agent %s starts afresh", path, json_util_get_last_err(),
			ad->name);
		return -EINVAL;
	}
	if (jint(o, "version", JOURNAL_VERSION, JOURNAL_VERSION, &n) < 0 ||
	    jfield(o, "agent", json_type_string, &v) < 0 ||
	    strcmp(json_object_get_string(v), ad->name) ||
	    jbool(o, "notify_errors", &st.notify_errors) < 0 ||
	    jbool(o, "notify_system", &st.notify_system) < 0 ||
	    jint(o, "system_state", 0, UINT32_MAX, &n) < 0 ||
	    jfield(o, "resources", json_type_array, &arr) < 0 ||
	    json_object_array_length(arr) > VSCMI_MAX_RESOURCES * VSCMI_KIND_COUNT) {
		log_err("journal: %s is not a version %d journal of agent %s; it starts afresh",
			path, JOURNAL_VERSION, ad->name);
		r = -EINVAL;
		goto out;
	}
	st.system_state = (uint32_t)n;
	scmi_agent_restore(agent, &st);
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct scmi_view_state vs;
		const char *res;

		if (journal_read_view(json_object_array_get_idx(arr, i), &vs, &res) < 0) {
			log_err("journal: %s: entry %zu is malformed; skipped", path, i);
			continue;
		}
		/* The config may have changed between the runs: a vote comes
		 * back only onto the resource it was cast on. */
		if (vs.vid >= ad->nviews[vs.kind] ||
		    strcmp(m->res[vs.kind][ad->views[vs.kind][vs.vid].res].name, res)) {
			log_warn("agent %s: %s %s is no longer its %s %u; its vote is dropped",
				 ad->name, vscmi_kind_name(vs.kind), res, vscmi_kind_name(vs.kind),
				 vs.vid);
			continue;
		}
		if (scmi_agent_restore_view(agent, &vs) < 0) {
			log_err("journal: %s: %s %s: a state no command could set; skipped", path,
				vscmi_kind_name(vs.kind), res);
			continue;
		}
		restored++;
	}
	log_info("agent %s: %d resource states restored from the journal", ad->name, restored);
	r = 1;
out:
	json_object_put(o);
	return r;
}

int vscmid_journal_restore(struct vscmid *d)
{
	uint32_t n = scmi_server_agent_count(d->srv);
	int agents = 0, failed;

	d->restored = calloc(n ? n : 1, sizeof(*d->restored));
	if (!d->restored)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		d->restored[i] = journal_restore_agent(d, scmi_server_agent(d->srv, i + 1)) > 0;
		agents += d->restored[i];
	}
	if (!agents)
		return 0;
	failed = arb_reconcile_restored(d->arb);
	if (failed)
		log_warn("restart: the platform refused %d resources their restored state; "
			 "they are retried with the next command", failed);
	return agents;
}

/* --- agents that do not come back -------------------------------------------------- */

static void journal_xen_present(void *ctx, const struct xen_guest_info *g)
{
	struct vscmid *d = ctx;
	struct scmi_agent *a = scmi_server_agent_by_name(d->srv, g->agent);

	if (a)
		d->restored[scmi_agent_id(a) - 1] = false;
}

static int journal_on_grace(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct vscmid *d = userdata;

	xen_backend_foreach(d->xb, journal_xen_present, d);
	for (uint32_t i = 0; i < d->nagents; i++) {
		struct vscmid_agent *a = &d->agents[i];

		if (!d->restored[i])
			continue;
		d->restored[i] = false;
		if (vscmid_agent_connected(a))
			continue;
		log_notice("agent %s: not back within %us of the restart; its votes are released",
			   scmi_agent_name(a->agent), d->cfg->restart_grace_s);
		scmi_agent_reset(a->agent);
	}
	d->grace_src = sd_event_source_disable_unref(d->grace_src);
	return 0;
}

int vscmid_journal_grace(struct vscmid *d)
{
	return sd_event_add_time_relative(d->ev, &d->grace_src, CLOCK_MONOTONIC,
					  (uint64_t)d->cfg->restart_grace_s * 1000000u, 0,
					  journal_on_grace, d);
}
