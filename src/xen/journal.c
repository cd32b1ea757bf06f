/* SPDX-License-Identifier: GPL-2.0-only */
/* A Xen guest's device journal: which IOREQ server serves it and what its
 * driver has set up, so that a restarted vscmid takes the server back and
 * carries on instead of creating a second one and leaving the guest's
 * device half set up. One JSON file per device beside the agents'
 * journals, rewritten whole and renamed into place whenever the driver
 * changes the device's setup (status, features, queues), before the
 * access that changed it completes. Ring indices are not kept: they come
 * back from the used rings in guest memory. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "vscmi/file.h"
#include "vscmi/log.h"

#define XEN_JOURNAL_VERSION 1
#define XEN_JOURNAL_MAX_BYTES 65536

static int xen_journal_path(const struct xen_guest *g, const char *suffix, char *buf, size_t cap)
{
	int n;

	if (!g->xb->state_dir[0])
		return -ENOENT;
	n = snprintf(buf, cap, "%s/xen-dom%u-dev%u.json%s", g->xb->state_dir, g->domid, g->devid,
		     suffix);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static void jset_u64(struct json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static int xen_journal_write(const char *path, const char *text)
{
	struct iovec iov = { (void *)text, strlen(text) };

	return vscmi_file_replace(AT_FDCWD, path, &iov, 1);
}

void xen_journal_save(struct xen_guest *g)
{
	struct vio_dev_saved now;
	struct json_object *o, *qs;
	char path[256];
	int r;

	if (!g->dev || xen_journal_path(g, "", path, sizeof(path)) < 0)
		return;
	vio_dev_save(vio_scmi_dev(g->dev), &now);
	if (g->saved_valid && !memcmp(&now, &g->saved, sizeof(now)))
		return;
	o = json_object_new_object();
	qs = json_object_new_array();
	if (!o || !qs) {
		json_object_put(o);
		json_object_put(qs);
		return;
	}
	jset_u64(o, "version", XEN_JOURNAL_VERSION);
	json_object_object_add(o, "agent", json_object_new_string(scmi_agent_name(g->agent)));
	jset_u64(o, "domid", g->domid);
	jset_u64(o, "devid", g->devid);
	jset_u64(o, "base", g->base);
	jset_u64(o, "irq", g->irq);
	json_object_object_add(o, "grants", json_object_new_boolean(g->grants));
	jset_u64(o, "ioservid", g->ioservid);
	jset_u64(o, "vcpus", g->nvcpus);
	jset_u64(o, "status", now.status);
	jset_u64(o, "driver_features", now.driver_features);
	jset_u64(o, "device_features_sel", now.dev_features_sel);
	jset_u64(o, "driver_features_sel", now.drv_features_sel);
	jset_u64(o, "queue_sel", now.queue_sel);
	jset_u64(o, "config_generation", now.config_generation);
	for (unsigned int q = 0; q < VIO_MAX_QUEUES; q++) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "ready", json_object_new_boolean(now.vq[q].ready));
		jset_u64(j, "num", now.vq[q].num);
		jset_u64(j, "desc", now.vq[q].desc);
		jset_u64(j, "avail", now.vq[q].avail);
		jset_u64(j, "used", now.vq[q].used);
		json_object_array_add(qs, j);
	}
	json_object_object_add(o, "queues", qs);
	r = xen_journal_write(path, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	if (r < 0) {
		if (!g->journal_failed)
			log_err("xen: dom%u: cannot write %s: %s; a restart would reset its device",
				g->domid, path, strerror(-r));
		g->journal_failed = true;
		return;
	}
	g->saved = now;
	g->saved_valid = true;
}

void xen_journal_drop(struct xen_guest *g)
{
	char path[256];

	g->saved_valid = false;
	if (xen_journal_path(g, "", path, sizeof(path)) == 0 && unlink(path) < 0 &&
	    errno != ENOENT)
		log_warn("xen: %s: %s", path, strerror(errno));
}

static int jget_u64(struct json_object *o, const char *key, uint64_t max, uint64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return -EINVAL;
	errno = 0;
	*out = json_object_get_uint64(v);
	return errno || *out > max ? -EINVAL : 0;
}

static int jget_bool(struct json_object *o, const char *key, bool *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_boolean))
		return -EINVAL;
	*out = json_object_get_boolean(v);
	return 0;
}

/* Reads the fields; -EINVAL for anything malformed. */
static int xen_journal_parse(struct json_object *o, struct xen_saved *s)
{
	struct json_object *v, *qs;
	uint64_t x = 0;
	int r = 0;

	memset(s, 0, sizeof(*s));
	if (!json_object_object_get_ex(o, "agent", &v) || !json_object_is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) >= sizeof(s->agent))
		return -EINVAL;
	strcpy(s->agent, json_object_get_string(v));
	r |= jget_u64(o, "version", XEN_JOURNAL_VERSION, &x) || x != XEN_JOURNAL_VERSION;
	r |= jget_u64(o, "domid", UINT16_MAX, &x);
	s->domid = (uint32_t)x;
	r |= jget_u64(o, "devid", UINT32_MAX, &x);
	s->devid = (uint32_t)x;
	r |= jget_u64(o, "base", UINT64_MAX, &s->base);
	r |= jget_u64(o, "irq", UINT32_MAX, &x);
	s->irq = (uint32_t)x;
	r |= jget_bool(o, "grants", &s->grants);
	r |= jget_u64(o, "ioservid", UINT16_MAX, &x);
	s->ioservid = (uint32_t)x;
	r |= jget_u64(o, "vcpus", XEN_PAGE / sizeof(ioreq_t), &x);
	s->nvcpus = (uint32_t)x;
	r |= jget_u64(o, "status", UINT32_MAX, &x);
	s->dev.status = (uint32_t)x;
	r |= jget_u64(o, "driver_features", UINT64_MAX, &s->dev.driver_features);
	r |= jget_u64(o, "device_features_sel", UINT32_MAX, &x);
	s->dev.dev_features_sel = (uint32_t)x;
	r |= jget_u64(o, "driver_features_sel", UINT32_MAX, &x);
	s->dev.drv_features_sel = (uint32_t)x;
	r |= jget_u64(o, "queue_sel", UINT32_MAX, &x);
	s->dev.queue_sel = (uint32_t)x;
	r |= jget_u64(o, "config_generation", UINT32_MAX, &x);
	s->dev.config_generation = (uint32_t)x;
	if (r || !json_object_object_get_ex(o, "queues", &qs) ||
	    !json_object_is_type(qs, json_type_array) ||
	    json_object_array_length(qs) != VIO_MAX_QUEUES)
		return -EINVAL;
	for (unsigned int q = 0; q < VIO_MAX_QUEUES; q++) {
		struct json_object *j = json_object_array_get_idx(qs, q);

		r |= jget_bool(j, "ready", &s->dev.vq[q].ready);
		r |= jget_u64(j, "num", UINT16_MAX, &x);
		s->dev.vq[q].num = (uint16_t)x;
		r |= jget_u64(j, "desc", UINT64_MAX, &s->dev.vq[q].desc);
		r |= jget_u64(j, "avail", UINT64_MAX, &s->dev.vq[q].avail);
		r |= jget_u64(j, "used", UINT64_MAX, &s->dev.vq[q].used);
	}
	return r ? -EINVAL : 0;
}

int xen_journal_read(const char *path, struct xen_saved *s)
{
	struct json_object *o;
	struct stat st;
	int r;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || st.st_size > XEN_JOURNAL_MAX_BYTES)
		return -EINVAL;
	o = json_object_from_file(path);
	if (!o)
		return -EINVAL;
	r = xen_journal_parse(o, s);
	json_object_put(o);
	return r;
}

int xen_journal_load(struct xen_guest *g, struct xen_saved *s)
{
	char path[256];
	int r;

	r = xen_journal_path(g, "", path, sizeof(path));
	if (r < 0)
		return r;
	r = xen_journal_read(path, s);
	if (r < 0)
		return r;
	/* Another device, or the same one set up differently since. */
	if (s->domid != g->domid || s->devid != g->devid || s->base != g->base ||
	    s->irq != g->irq || s->grants != g->grants || strcmp(s->agent, scmi_agent_name(g->agent)))
		return -ESTALE;
	return 0;
}
