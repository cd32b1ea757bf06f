/* SPDX-License-Identifier: GPL-2.0-only */
/* The state journal: what each agent holds (votes, subscriptions, trip
 * points), as JSON text in one file per agent under <socket_dir>/state,
 * written before the command's reply leaves, so that what it says is at
 * least what every guest was told.
 *
 * The file holds two slots, each a header (sequence number, length, hash)
 * and the text; a change goes into the slot the last one did not use, in
 * one pwrite, and a reader takes the valid slot with the higher sequence.
 * A write cut short by a kill leaves a slot whose hash does not match, and
 * the other one is read: the state as it was before the command, which the
 * guest was never told otherwise. That costs one system call per change on
 * any file system; only a text outgrowing its slot makes a new file, built
 * aside and renamed into place.
 *
 * At start the journal is read back before any guest is served: the votes
 * return without platform calls, and only resources whose hardware lags
 * their votes (a command interrupted between the platform call and the
 * journal write) are brought in line. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vscmi/file.h"
#include "vscmi/arbiter.h"
#include "vscmi/log.h"
#include "vscmi/xen.h"
#include "vscmid.h"

#define JOURNAL_VERSION 1
/* A journal is a few hundred bytes per resource; anything much larger was
 * not written by vscmid. */
#define JOURNAL_MAX_BYTES (4u << 20)
#define JOURNAL_MAGIC 0x314c4e524a494d53ull
#define JOURNAL_MIN_CAP 4064u	/* a slot and its header fill a page */

struct journal_head {
	uint64_t magic;
	uint64_t seq;			/* the valid slot with the higher one wins */
	uint32_t len;			/* bytes of text */
	uint32_t cap;			/* bytes of text each slot holds */
	uint64_t hash;			/* of seq, len and the text */
};

#define JOURNAL_HEAD sizeof(struct journal_head)

static void journal_name(const struct scmi_agent *agent, const char *suffix, char *buf,
			 size_t cap)
{
	/* agent names are at most 15 plain characters */
	snprintf(buf, cap, "agent-%s.journal%s", scmi_agent_name(agent), suffix);
}

static uint64_t journal_hash(uint64_t seq, uint32_t len, const char *text)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */
	uint64_t w[2] = { seq, len };

	for (size_t i = 0; i < sizeof(w); i++)
		h = (h ^ ((const uint8_t *)w)[i]) * 0x100000001b3ull;
	for (uint32_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)text[i]) * 0x100000001b3ull;
	return h;
}

static struct vscmid_jfile *journal_file(struct vscmid *d, const struct scmi_agent *agent)
{
	return &d->jfiles[scmi_agent_id(agent) - 1];
}

static void journal_file_close(struct vscmid_jfile *jf)
{
	if (jf->fd >= 0)
		close(jf->fd);
	*jf = (struct vscmid_jfile){ .fd = -1 };
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
	d->state_fd = open(d->state_dir, O_DIRECTORY | O_PATH | O_CLOEXEC);
	if (d->state_fd < 0) {
		snprintf(err, errlen, "%s: %s", d->state_dir, strerror(errno));
		return -errno;
	}
	/* by agent id, whatever ids a reload hands out later */
	d->jfiles = calloc(VSCMI_MAX_AGENTS, sizeof(*d->jfiles));
	if (!d->jfiles) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < VSCMI_MAX_AGENTS; i++)
		d->jfiles[i].fd = -1;
	return 0;
}

void vscmid_journal_forget(struct vscmid *d, uint32_t id, const char *name)
{
	char file[64];

	if (d->state_fd < 0 || id == 0 || id > VSCMI_MAX_AGENTS)
		return;
	journal_file_close(&d->jfiles[id - 1]);
	snprintf(file, sizeof(file), "agent-%s.journal", name);
	if (unlinkat(d->state_fd, file, 0) < 0 && errno != ENOENT)
		log_warn("journal: %s/%s: %s", d->state_dir, file, strerror(errno));
}

void vscmid_journal_close(struct vscmid *d)
{
	for (uint32_t i = 0; d->jfiles && i < VSCMI_MAX_AGENTS; i++)
		journal_file_close(&d->jfiles[i]);
	free(d->jfiles);
	d->jfiles = NULL;
	free(d->jbuf);
	d->jbuf = NULL;
	if (d->state_fd >= 0)
		close(d->state_fd);
	d->state_fd = -1;
}

/* --- writing -------------------------------------------------------------------- */

/* The text is built by hand into one buffer kept across writes: agent and
 * resource names are plain identifiers (the config allows nothing else), so
 * nothing needs escaping, and a vote change costs no allocation. */
static void jb_add(struct vscmid *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jb_add(struct vscmid *d, const char *fmt, ...)
{
	va_list ap;
	size_t cap;
	char *p;
	int n;

	if (d->jbuf_failed)
		return;
	if (!d->jbuf) {
		d->jbuf = malloc(4096);
		if (!d->jbuf) {
			d->jbuf_failed = true;
			return;
		}
		d->jbuf_cap = 4096;
	}
	for (;;) {
		size_t room = d->jbuf_cap - d->jbuf_len;

		va_start(ap, fmt);
		n = vsnprintf(d->jbuf + d->jbuf_len, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			d->jbuf_failed = true;
			return;
		}
		if ((size_t)n < room) {
			d->jbuf_len += (size_t)n;
			return;
		}
		cap = 2 * d->jbuf_cap;
		while (cap - d->jbuf_len <= (size_t)n)
			cap *= 2;
		p = realloc(d->jbuf, cap);
		if (!p) {
			d->jbuf_failed = true;
			return;
		}
		d->jbuf = p;
		d->jbuf_cap = cap;
	}
}

static const char *jb_bool(bool b)
{
	return b ? "true" : "false";
}

struct journal_views {
	struct vscmid *d;
	const struct vscmi_agent_desc *ad;
	uint32_t n;
};

static void journal_add_view(void *ctx, const struct scmi_view_state *vs)
{
	struct journal_views *jv = ctx;
	struct vscmid *d = jv->d;
	const struct vscmi_model *m = &d->cfg->model;
	uint32_t res = jv->ad->views[vs->kind][vs->vid].res;
	bool first = true;

	/* the physical resource is named, so a changed config is noticed */
	jb_add(d,
	       "%s{\"kind\":\"%s\",\"id\":%u,\"resource\":\"%s\",\"on\":%s,\"asserted\":%s,"
	       "\"voted\":%s,\"has_level\":%s,\"has_limits\":%s,\"pd\":%u,\"level\":%lld,"
	       "\"min\":%u,\"max\":%u,\"owner\":%s,\"notify\":%u,\"sensor_config\":%u",
	       jv->n ? "," : "", vscmi_kind_name(vs->kind), vs->vid, m->res[vs->kind][res].name,
	       jb_bool(vs->vote.on), jb_bool(vs->vote.asserted), jb_bool(vs->vote.voted),
	       jb_bool(vs->vote.has_level), jb_bool(vs->vote.has_limits), vs->vote.pd,
	       (long long)vs->vote.level, vs->vote.min, vs->vote.max, jb_bool(vs->owner),
	       vs->notify, vs->sensor_config);
	if (vs->kind == VSCMI_PIN) {
		uint32_t f = vs->vote.func;

		/* The function by name, as the resource: a changed config shows. */
		jb_add(d, ",\"owned\":%s,\"function\":\"%s\",\"configs\":[", jb_bool(vs->vote.owned),
		       f && f <= m->nres[VSCMI_PIN_FUNC] ? m->res[VSCMI_PIN_FUNC][f - 1].name : "");
		for (unsigned int t = 0, n = 0; t < VSCMI_PIN_CFG_TYPES; t++)
			if ((vs->vote.cfg_mask >> t) & 1u)
				jb_add(d, "%s[%u,%u]", n++ ? "," : "", t, vs->vote.cfg[t]);
		jb_add(d, "]");
	}
	for (int t = 0; t < SCMI_SAVED_TRIPS; t++) {
		if (!vs->trips[t].armed)
			continue;
		jb_add(d, "%s{\"trip\":%d,\"above\":%s,\"mode\":%u,\"value\":%lld}",
		       first ? ",\"trips\":[" : ",", t, jb_bool(vs->trips[t].above),
		       vs->trips[t].mode, (long long)vs->trips[t].value);
		first = false;
	}
	jb_add(d, "%s}", first ? "" : "]");
	jv->n++;
}

/* A file for a text its slot cannot hold (or the agent's first): built
 * aside with the text in its slot and the other empty, then renamed into
 * place. */
static int journal_create(struct vscmid *d, const struct scmi_agent *agent,
			  struct vscmid_jfile *jf, uint32_t len)
{
	struct journal_head head = { .magic = JOURNAL_MAGIC, .seq = jf->seq + 1, .len = len };
	char name[64], tmp[64];
	uint32_t cap = JOURNAL_MIN_CAP;
	int fd, r = 0;

	/* room to grow, so a file is rarely made again */
	while (cap < 2 * len)
		cap = 2 * cap + JOURNAL_HEAD;
	head.cap = cap;
	head.hash = journal_hash(head.seq, len, d->jbuf + JOURNAL_HEAD);
	memcpy(d->jbuf, &head, JOURNAL_HEAD);
	journal_name(agent, "", name, sizeof(name));
	journal_name(agent, ".new", tmp, sizeof(tmp));
	fd = openat(d->state_fd, tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, 2 * ((off_t)JOURNAL_HEAD + cap)) < 0 ||
	    pwrite(fd, d->jbuf, JOURNAL_HEAD + len,
		   (off_t)(head.seq & 1) * ((off_t)JOURNAL_HEAD + cap)) !=
		    (ssize_t)(JOURNAL_HEAD + len))
		r = errno ? -errno : -EIO;
	if (r == 0 && renameat(d->state_fd, tmp, d->state_fd, name) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		unlinkat(d->state_fd, tmp, 0);
		return r;
	}
	journal_file_close(jf);
	jf->fd = fd;
	jf->seq = head.seq;
	jf->cap = cap;
	return 0;
}

static int journal_write(struct vscmid *d, const struct scmi_agent *agent, uint32_t len)
{
	struct vscmid_jfile *jf = journal_file(d, agent);
	struct journal_head head = { .magic = JOURNAL_MAGIC, .seq = jf->seq + 1, .len = len };
	off_t slot;

	if (jf->fd < 0 || len > jf->cap)
		return journal_create(d, agent, jf, len);
	head.cap = jf->cap;
	head.hash = journal_hash(head.seq, len, d->jbuf + JOURNAL_HEAD);
	memcpy(d->jbuf, &head, JOURNAL_HEAD);
	slot = (off_t)(head.seq & 1) * ((off_t)JOURNAL_HEAD + jf->cap);
	if (pwrite(jf->fd, d->jbuf, JOURNAL_HEAD + len, slot) != (ssize_t)(JOURNAL_HEAD + len))
		return errno ? -errno : -EIO;
	jf->seq = head.seq;
	return 0;
}

/* --- boot votes ---------------------------------------------------------------- */

/* The boot votes still held (doc/arbiter.md), each performance domain's
 * level with no level votes and each power capping domain's cap and PAI
 * with no votes: what the resources were when vscmid first
 * started, less what agents took over since. Rare changes, so a whole new
 * file each time, renamed into place. */
#define BOOT_FILE "boot"

static void boot_persist(struct vscmid *d)
{
	const struct vscmi_model *m = &d->cfg->model;
	struct json_object *o, *arr;
	const char *text;
	int r;

	if (d->state_fd < 0 || arb_boot_seq(d->arb) == d->boot_seq)
		return;
	o = json_object_new_object();
	arr = json_object_new_array();
	if (!o || !arr) {
		json_object_put(o);
		json_object_put(arr);
		return;
	}
	json_object_object_add(o, "version", json_object_new_int(JOURNAL_VERSION));
	json_object_object_add(o, "boot", arr);
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t i = 0; i < m->nres[k]; i++) {
			struct arb_res *res = arb_res_get(d->arb, (enum vscmi_kind)k, i);
			const struct vscmi_res_desc *rd = &m->res[k][i];
			struct json_object *e;
			struct arb_state st;

			if (k != VSCMI_PERF && k != VSCMI_POWERCAP && !arb_res_boot_held(res))
				continue;
			arb_res_boot_state(res, &st);
			e = json_object_new_object();
			json_object_object_add(e, "kind", json_object_new_string(
								   vscmi_kind_name((enum vscmi_kind)k)));
			json_object_object_add(e, "resource", json_object_new_string(rd->name));
			if (k == VSCMI_POWER)
				json_object_object_add(e, "state", json_object_new_string(
									   rd->u.power.states[st.pd].name));
			if (k == VSCMI_PERF || k == VSCMI_POWERCAP)
				json_object_object_add(e, "level", json_object_new_int64(st.level));
			if (k == VSCMI_POWERCAP)
				json_object_object_add(e, "pai", json_object_new_int64(st.min));
			json_object_array_add(arr, e);
		}
	}
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	r = vscmi_file_replace(d->state_fd, BOOT_FILE,
			       &(struct iovec){ (void *)text, strlen(text) }, 1);
	json_object_put(o);
	if (r < 0) {
		unlinkat(d->state_fd, BOOT_FILE ".new", 0);
		log_err("journal: cannot write %s/%s: %s; a restart would not know which boot "
			"votes agents took over", d->state_dir, BOOT_FILE, strerror(-r));
		d->journal_errors++;
		return;
	}
	d->boot_seq = arb_boot_seq(d->arb);
	d->journal_writes++;
}

void vscmid_journal_persist(void *ctx, struct scmi_agent *agent)
{
	struct vscmid *d = ctx;
	const struct vscmi_agent_desc *ad = scmi_agent_desc(agent);
	struct journal_views jv = { .d = d, .ad = ad };
	struct scmi_agent_state st;
	size_t len;
	int r;

	if (d->state_fd < 0)
		return;
	/* A vote of this agent's may have taken a resource over. */
	boot_persist(d);
	scmi_agent_save(agent, &st);
	/* the header goes in front, once the text is known */
	d->jbuf_len = 0;
	d->jbuf_failed = false;
	jb_add(d, "%*s", (int)JOURNAL_HEAD, "");
	jb_add(d, "{\"version\":%d,\"agent\":\"%s\",\"notify_errors\":%s,\"notify_system\":%s,"
		  "\"system_state\":%u,\"resources\":[",
	       JOURNAL_VERSION, ad->name, jb_bool(st.notify_errors), jb_bool(st.notify_system),
	       st.system_state);
	scmi_agent_save_views(agent, journal_add_view, &jv);
	jb_add(d, "]}\n");
	/* An agent that holds nothing keeps its file too: the next change is
	 * then one write again, not a new file. */
	len = d->jbuf_len - JOURNAL_HEAD;
	if (d->jbuf_failed || len > JOURNAL_MAX_BYTES)
		r = -ENOMEM;
	else
		r = journal_write(d, agent, (uint32_t)len);
	if (r < 0) {
		/* Said once per run: the daemon serves on, but a restart
		 * would lose this agent's latest changes. */
		if (!d->journal_errors)
			log_err("journal: cannot write agent %s's journal in %s: %s; a restart "
				"would not know the latest votes",
				ad->name, d->state_dir, strerror(-r));
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

/* A pin's holder, function (by name into *func) and configs. */
static int journal_read_pin(struct json_object *o, struct scmi_view_state *vs, const char **func)
{
	struct json_object *v, *cfgs;

	if (jbool(o, "owned", &vs->vote.owned) < 0 || jfield(o, "function", json_type_string, &v) < 0 ||
	    jfield(o, "configs", json_type_array, &cfgs) < 0 ||
	    json_object_array_length(cfgs) >= VSCMI_PIN_CFG_TYPES)
		return -EINVAL;
	*func = json_object_get_string(v);
	for (size_t i = 0; i < json_object_array_length(cfgs); i++) {
		struct json_object *c = json_object_array_get_idx(cfgs, i);
		int64_t t, val;

		if (!json_object_is_type(c, json_type_array) || json_object_array_length(c) != 2)
			return -EINVAL;
		t = json_object_get_int64(json_object_array_get_idx(c, 0));
		val = json_object_get_int64(json_object_array_get_idx(c, 1));
		if (t < 1 || t >= VSCMI_PIN_CFG_TYPES || val < 0 || val > UINT32_MAX)
			return -EINVAL;
		vs->vote.cfg_mask |= 1u << t;
		vs->vote.cfg[t] = (uint32_t)val;
	}
	return 0;
}

static int journal_read_view(struct json_object *o, struct scmi_view_state *vs,
			     const char **resource, const char **func)
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
	if (r || (vs->kind == VSCMI_PIN && journal_read_pin(o, vs, func) < 0))
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
/* Reads a slot's header and text; 0 when it holds a valid journal text
 * (the caller frees *text). */
static int journal_slot(int fd, off_t off, uint32_t cap, struct journal_head *h, char **text)
{
	*text = NULL;
	if (pread(fd, h, JOURNAL_HEAD, off) != (ssize_t)JOURNAL_HEAD || h->magic != JOURNAL_MAGIC ||
	    h->cap != cap || h->len > cap)
		return -EINVAL;
	*text = malloc((size_t)h->len + 1);
	if (!*text)
		return -ENOMEM;
	if (pread(fd, *text, h->len, off + (off_t)JOURNAL_HEAD) != (ssize_t)h->len ||
	    journal_hash(h->seq, h->len, *text) != h->hash) {
		free(*text);
		*text = NULL;
		return -EINVAL;
	}
	(*text)[h->len] = '\0';
	return 0;
}

/* The newer valid slot of the agent's file, parsed; the file stays open
 * for the writes to come. NULL with *err: -ENOENT (no file), -EINVAL. */
static struct json_object *journal_load(struct vscmid *d, struct scmi_agent *agent, int *err)
{
	struct vscmid_jfile *jf = journal_file(d, agent);
	struct journal_head h[2];
	char name[64], *text[2];
	struct json_object *o = NULL;
	struct stat sb;
	uint32_t cap;
	int fd, ok[2], best;

	journal_name(agent, "", name, sizeof(name));
	fd = openat(d->state_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		*err = errno == ENOENT ? -ENOENT : -EINVAL;
		return NULL;
	}
	*err = -EINVAL;
	/* two slots of equal size: the size gives their capacity */
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > 2 * JOURNAL_MAX_BYTES ||
	    sb.st_size % 2 || sb.st_size / 2 < (off_t)(JOURNAL_HEAD + JOURNAL_MIN_CAP)) {
		close(fd);
		return NULL;
	}
	cap = (uint32_t)(sb.st_size / 2 - (off_t)JOURNAL_HEAD);
	ok[0] = journal_slot(fd, 0, cap, &h[0], &text[0]) == 0;
	ok[1] = journal_slot(fd, (off_t)JOURNAL_HEAD + cap, cap, &h[1], &text[1]) == 0;
	best = ok[1] && (!ok[0] || h[1].seq > h[0].seq);
	if (ok[best])
		o = json_tokener_parse(text[best]);
	free(text[0]);
	free(text[1]);
	if (!o) {
		close(fd);
		return NULL;
	}
	journal_file_close(jf);
	jf->fd = fd;
	jf->seq = h[best].seq;
	jf->cap = h[best].cap;
	*err = 0;
	return o;
}

static int journal_restore_agent(struct vscmid *d, struct scmi_agent *agent)
{
	const struct vscmi_agent_desc *ad = scmi_agent_desc(agent);
	const struct vscmi_model *m = &d->cfg->model;
	struct json_object *o, *arr, *v;
	struct scmi_agent_state st = { 0 };
	char path[200];
	int64_t n = 0;
	int r = 0, restored = 0;

	snprintf(path, sizeof(path), "%s/agent-%s.journal", d->state_dir, ad->name);
	o = journal_load(d, agent, &r);
	if (!o) {
		if (r == -ENOENT)
			return 0;
		log_err("journal: %s holds no valid journal; agent %s starts afresh", path,
			ad->name);
		return r;
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
		const char *res, *func = "";

		if (journal_read_view(json_object_array_get_idx(arr, i), &vs, &res, &func) < 0) {
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
		for (uint32_t f = 0; func[0] && f < m->nres[VSCMI_PIN_FUNC] && !vs.vote.func; f++)
			if (!strcmp(m->res[VSCMI_PIN_FUNC][f].name, func))
				vs.vote.func = f + 1;
		if (func[0] && !vs.vote.func) {
			log_warn("agent %s: pin %s: function %s is gone; its vote is dropped",
				 ad->name, res, func);
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

/* The boot votes as the last run left them, before any vote comes back:
 * 1. With no file (a first start, or one it cannot read), the boot votes
 * are what the platform has now: 0. */
static int boot_restore(struct vscmid *d)
{
	struct json_object *o = NULL, *arr;
	char path[128], *text = NULL;
	int64_t version;
	struct stat sb;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", d->state_dir, BOOT_FILE);
	fd = openat(d->state_fd, BOOT_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			log_err("journal: %s: %s; the boot votes are taken from the platform",
				path, strerror(errno));
		arb_boot_from_phys(d->arb);
		return 0;
	}
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size < JOURNAL_MAX_BYTES &&
	    (text = calloc(1, (size_t)sb.st_size + 1)) &&
	    read(fd, text, (size_t)sb.st_size) == sb.st_size)
		o = json_tokener_parse(text);
	close(fd);
	free(text);
	if (!o || jint(o, "version", JOURNAL_VERSION, JOURNAL_VERSION, &version) < 0 ||
	    jfield(o, "boot", json_type_array, &arr) < 0) {
		log_err("journal: %s is not a version %d boot journal; the boot votes are taken "
			"from the platform", path, JOURNAL_VERSION);
		json_object_put(o);
		arb_boot_from_phys(d->arb);
		return 0;
	}
	/* Held only where the file says so; a perf level stays the config's
	 * where the file has none (a domain added since). */
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t i = 0; i < arb_res_count(d->arb, (enum vscmi_kind)k); i++) {
			struct arb_res *res = arb_res_get(d->arb, (enum vscmi_kind)k, i);
			struct arb_state st;

			arb_res_boot_state(res, &st);
			arb_res_set_boot(res, false, &st);
		}
	}
	for (size_t i = 0; i < json_object_array_length(arr) &&
			   i < (size_t)VSCMI_MAX_RESOURCES * VSCMI_KIND_COUNT; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i), *name, *v;
		const struct vscmi_res_desc *rd = NULL;
		struct arb_res *res = NULL;
		struct arb_state st = { 0 };
		enum vscmi_kind kind;
		int pd = 0;

		if (jfield(e, "kind", json_type_string, &name) < 0 ||
		    jkind(json_object_get_string(name), &kind) < 0 ||
		    jfield(e, "resource", json_type_string, &name) < 0) {
			log_err("journal: %s: entry %zu is malformed; skipped", path, i);
			continue;
		}
		for (uint32_t r = 0; r < arb_res_count(d->arb, kind) && !res; r++) {
			rd = arb_res_desc(arb_res_get(d->arb, kind, r));
			if (!strcmp(rd->name, json_object_get_string(name)))
				res = arb_res_get(d->arb, kind, r);
		}
		/* The config may have changed between the runs. */
		if (!res)
			continue;
		arb_res_boot_state(res, &st);
		if (kind == VSCMI_POWER) {
			pd = -1;
			if (jfield(e, "state", json_type_string, &v) == 0)
				for (uint32_t s = 0; s < rd->u.power.nstates && pd < 0; s++)
					if (!strcmp(rd->u.power.states[s].name, json_object_get_string(v)))
						pd = (int)s;
			if (pd < 0) {
				log_err("journal: %s: power %s: no such state; skipped", path, rd->name);
				continue;
			}
			st.pd = (uint32_t)pd;
		}
		if (kind == VSCMI_PERF && jint(e, "level", 0, UINT32_MAX, &st.level) < 0) {
			log_err("journal: %s: perf %s: no level; skipped", path, rd->name);
			continue;
		}
		if (kind == VSCMI_POWERCAP) {
			int64_t pai = 0;

			if (jint(e, "level", 0, UINT32_MAX, &st.level) < 0 ||
			    jint(e, "pai", 1, UINT32_MAX, &pai) < 0) {
				log_err("journal: %s: powercap %s: no cap or PAI; skipped", path,
					rd->name);
				continue;
			}
			st.min = (uint32_t)pai;
		}
		arb_res_set_boot(res, kind != VSCMI_PERF && kind != VSCMI_POWERCAP, &st);
	}
	json_object_put(o);
	return 1;
}

int vscmid_journal_restore(struct vscmid *d)
{
	uint32_t n = scmi_server_agent_count(d->srv);
	int agents = 0, restart, failed;

	/* by id, whatever ids a reload hands out later */
	d->restored = calloc(VSCMI_MAX_AGENTS, sizeof(*d->restored));
	if (!d->restored)
		return -ENOMEM;
	restart = boot_restore(d);
	for (uint32_t i = 0; i < n; i++) {
		struct scmi_agent *a = scmi_server_agent(d->srv, i + 1);

		d->restored[i] = a && journal_restore_agent(d, a) > 0;
		agents += d->restored[i];
	}
	/* Written now on a first start, so that a restart finds the boot votes
	 * as they were, not as agents have made the hardware since. */
	d->boot_seq = arb_boot_seq(d->arb) - 1;
	boot_persist(d);
	if (!agents && !restart)
		return 0;
	/* The last run answered nothing it had not done: only a command it
	 * was killed in leaves the hardware off its votes. */
	failed = arb_reconcile_lagging(d->arb);
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

	/* A device that could not be set up (its domain is gone) is not the
	 * guest coming back. */
	if (a && !strcmp(g->state, "connected"))
		d->restored[scmi_agent_id(a) - 1] = false;
}

static int journal_on_grace(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct vscmid *d = userdata;

	xen_backend_foreach(d->xb, journal_xen_present, d);
	for (uint32_t i = 0; i < d->nagents; i++) {
		struct vscmid_agent *a = d->agents[i];

		if (!d->restored[i])
			continue;
		d->restored[i] = false;
		if (!a || vscmid_agent_connected(a))
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
	/* Seconds of grace: a second more or less changes nothing for a guest
	 * that stays away, and lets the wake-up share others'. */
	return sd_event_add_time_relative(d->ev, &d->grace_src, CLOCK_MONOTONIC,
					  (uint64_t)d->cfg->restart_grace_s * 1000000u, 1000000u,
					  journal_on_grace, d);
}
