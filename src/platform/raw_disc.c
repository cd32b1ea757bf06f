/* SPDX-License-Identifier: GPL-2.0-only */
/* The linux-raw platform's discovery: the configuration checked against
 * what the firmware has, at start, waiting for each reply, and again when
 * the link comes back, from the replies as they come, never holding the
 * loop. The link is up only once the firmware has what is configured.
 *
 * Discovery checks the configured rates and levels against the firmware's
 * describe replies, which come in parts: each names how many it returned
 * and how many remain, and the next is asked for from there, a bounded
 * number of times. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "raw_internal.h"
#include "vscmi/buf.h"
#include "vscmi/log.h"
#include "vscmi/platform.h"
#include "vscmi/scmi_wire.h"

#define RAW_PROTOCOLS_MAX 256
/* Rates or levels taken from one firmware resource when checking the
 * configuration, and the multi-part rounds asking for them. */
#define RAW_VALUES_MAX 1024
#define RAW_ROUNDS_MAX 256
/* Commands one discovery may make: a bound, whatever the firmware answers. */
#define RAW_DISC_MAX 4096
/* Values of a configured segment checked one by one against a list. */
#define RAW_SEGMENT_CHECK_MAX 4096

/* Resource protocols' own commands at the same ids. */
enum {
	RAW_DOMAIN_ATTRIBUTES = 0x3,	/* every resource protocol's, at 0x3 */
	/* CLOCK_DESCRIBE_RATES, PERFORMANCE_ and VOLTAGE_DESCRIBE_LEVELS */
	RAW_DESCRIBE = 0x4,
};

/* One answer a discovery had: a reply (err its status as -errno), or
 * -ETIMEDOUT. */
struct raw_disc_ans {
	int err;
	size_t len;
	uint8_t *b;
};

/* Why a command failed, for a message: the firmware's status when its
 * reply said so, else what went wrong here. A reply is only looked at
 * when this command brought one (raw_xfer empties rep first). */
static const char *raw_why(int e, const struct raw_reply *rep)
{
	if (e == -ETIMEDOUT || e == -ECOMM)
		return "no answer";
	if (e == -EBADE)
		return "a malformed reply";
	if (rep->len >= 8 && vscmi_get_le32(rep->b + 4) != 0)
		return scmi_status_name((int32_t)vscmi_get_le32(rep->b + 4));
	return strerror(-e);
}

/* --- discovery ------------------------------------------------------------- */

static const char *raw_kind_title(enum vscmi_kind k)
{
	static const char *const t[VSCMI_KIND_COUNT] = {
		[VSCMI_CLOCK] = "clock",      [VSCMI_POWER] = "power domain",
		[VSCMI_RESET] = "reset domain", [VSCMI_VOLTAGE] = "voltage domain",
		[VSCMI_PERF] = "performance domain", [VSCMI_SENSOR] = "sensor",
		[VSCMI_PIN] = "pin", [VSCMI_PIN_GROUP] = "pin group",
		[VSCMI_PIN_FUNC] = "pin function",
		[VSCMI_POWERCAP] = "power capping domain",
	};

	return t[k];
}

/* A command during discovery: a failure says which and why. */
static int raw_ask(struct raw *r, uint8_t proto, uint8_t msg, const uint32_t *w, unsigned int n,
		   struct raw_reply *rep, char *err, size_t errlen)
{
	int e = raw_xfer(r, proto, msg, w, n, false, rep);

	if (e == -EINPROGRESS)
		return e;
	if (e == -ETIMEDOUT || e == -ECOMM)
		return raw_fail(err, errlen,
				"the firmware did not answer command 0x%02x of protocol 0x%02x "
				"within %u ms",
				msg, proto, r->timeout_ms);
	if (e < 0)
		return raw_fail(err, errlen,
				"the firmware answers command 0x%02x of protocol 0x%02x with %s",
				msg, proto, raw_why(e, rep));
	return 0;
}

static int raw_list_protocols(struct raw *r, bool *has, struct raw_reply *rep, char *err,
			      size_t errlen)
{
	uint32_t attr, total, skip = 0;
	struct vscmi_rd rd;
	int e;

	e = raw_ask(r, SCMI_PROTO_BASE, SCMI_MSG_ATTRIBUTES, NULL, 0, rep, err, errlen);
	raw_payload(rep, &rd);
	if (e == 0 && vscmi_rd_u32(&rd, &attr) < 0)
		e = raw_fail(err, errlen, "the firmware's BASE PROTOCOL_ATTRIBUTES is too short");
	if (e)
		return e;
	total = attr & 0xff;
	/* Each round returns at least one protocol, or the loop ends. */
	for (int round = 0; skip < total && round < RAW_PROTOCOLS_MAX; round++) {
		uint32_t num, word = 0;

		e = raw_ask(r, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_LIST_PROTOCOLS, &skip, 1, rep,
			    err, errlen);
		if (e)
			return e;
		raw_payload(rep, &rd);
		if (vscmi_rd_u32(&rd, &num) < 0 || num == 0 || num > total - skip)
			return raw_fail(err, errlen,
					"the firmware's protocol list is inconsistent");
		for (uint32_t i = 0; i < num; i++) {
			if (i % 4 == 0 && vscmi_rd_u32(&rd, &word) < 0)
				return raw_fail(err, errlen,
						"the firmware's protocol list is too short");
			has[(word >> (8 * (i % 4))) & 0xff] = true;
		}
		skip += num;
	}
	return 0;
}

/* Walks the sensor descriptors for the ids the model names. */
static int raw_find_sensors(struct raw *r, uint32_t count, struct raw_reply *rep, char *err,
			    size_t errlen)
{
	const struct vscmi_model *m = r->m;
	uint32_t index = 0;
	int e;

	for (uint32_t i = 0; i < m->nres[VSCMI_SENSOR]; i++)
		r->res[VSCMI_SENSOR][i].found = false;
	for (uint32_t round = 0; index < count && round < count; round++) {
		uint32_t flags, num;
		struct vscmi_rd rd;

		e = raw_ask(r, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, &index, 1, rep, err,
			    errlen);
		if (e)
			return e;
		raw_payload(rep, &rd);
		if (vscmi_rd_u32(&rd, &flags) < 0 || (num = flags & 0xfff) == 0)
			return raw_fail(err, errlen, "the firmware's sensor descriptions are "
						     "inconsistent");
		for (uint32_t i = 0; i < num; i++) {
			uint32_t id, lo, hi, ext[5];
			char name[16];
			int s;

			if (vscmi_rd_u32(&rd, &id) < 0 || vscmi_rd_u32(&rd, &lo) < 0 ||
			    vscmi_rd_u32(&rd, &hi) < 0 || vscmi_rd_bytes(&rd, name, 16) < 0)
				return raw_fail(err, errlen,
						"the firmware's sensor descriptions are too short");
			/* Extended attributes: resolution and the range, 5 words. */
			if ((lo & (1u << 8)) && vscmi_rd_bytes(&rd, ext, sizeof(ext)) < 0)
				return raw_fail(err, errlen,
						"the firmware's sensor descriptions are too short");
			s = raw_sensor_index(r, id);
			if (s >= 0) {
				r->res[VSCMI_SENSOR][s].attributes = lo;
				r->res[VSCMI_SENSOR][s].async = (lo >> 31) & 1;
				r->res[VSCMI_SENSOR][s].found = true;
			}
		}
		index += num;
	}
	for (uint32_t i = 0; i < m->nres[VSCMI_SENSOR]; i++) {
		const struct vscmi_res_desc *d = &m->res[VSCMI_SENSOR][i];

		if (!r->res[VSCMI_SENSOR][i].found)
			return raw_fail(err, errlen,
					"[sensor %s]: the firmware describes no sensor %u", d->name,
					d->plat_id);
	}
	return 0;
}

/* Subscribes to the changes the firmware makes on its own: 0, or
 * -EINPROGRESS while a discovery waits for the answer. */
static int raw_subscribe(struct raw *r, enum vscmi_kind k, uint32_t i, struct raw_reply *rep)
{
	uint32_t attr = r->res[k][i].attributes, w[2] = { r->m->res[k][i].plat_id, 1 };
	int e = 0;

	if (k == VSCMI_CLOCK && (attr >> 31 & 1))
		e = raw_xfer(r, SCMI_PROTO_CLOCK, SCMI_CLOCK_RATE_NOTIFY, w, 2, false, rep);
	else if (k == VSCMI_POWER && (attr >> 31 & 1))
		e = raw_xfer(r, SCMI_PROTO_POWER, SCMI_POWER_STATE_NOTIFY, w, 2, false, rep);
	else if (k == VSCMI_PERF) {
		if (attr >> 29 & 1)
			e = raw_xfer(r, SCMI_PROTO_PERF, SCMI_PERF_NOTIFY_LIMITS, w, 2, false, rep);
		if (e == 0 && (attr >> 28 & 1))
			e = raw_xfer(r, SCMI_PROTO_PERF, SCMI_PERF_NOTIFY_LEVEL, w, 2, false, rep);
	}
	if (e == -EINPROGRESS)
		return e;
	if (e < 0 && !r->disc.quiet)
		log_notice("linux-raw: %s %s: no notifications from the firmware: %s",
			   raw_kind_title(k), r->m->res[k][i].name, strerror(-e));
	return 0;
}

/* What a firmware resource can be set to: a list, or a segment. */
struct raw_values {
	bool segment;
	int64_t min, max, step;
	uint32_t n;
	int64_t v[RAW_VALUES_MAX];
};

static bool raw_values_has(const struct raw_values *fv, int64_t x)
{
	if (fv->segment)
		return x >= fv->min && x <= fv->max &&
		       (fv->step <= 0 ? x == fv->min : (x - fv->min) % fv->step == 0);
	for (uint32_t i = 0; i < fv->n; i++)
		if (fv->v[i] == x)
			return true;
	return false;
}

/* "100000000, 200000000, ..." or "1000000..100000000 in steps of 1000000". */
static void raw_values_text(const struct raw_values *fv, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	if (fv->segment) {
		snprintf(buf, len, "%lld..%lld in steps of %lld", (long long)fv->min,
			 (long long)fv->max, (long long)fv->step);
		return;
	}
	for (uint32_t i = 0; i < fv->n && at + 1 < len; i++) {
		int n = snprintf(buf + at, len - at, "%s%lld", i ? ", " : "", (long long)fv->v[i]);

		if (n < 0)
			return;
		at += (size_t)n;
		if (i == 7 && fv->n > 8) {
			snprintf(buf + (at < len ? at : len - 1), len - (at < len ? at : len - 1),
				 ", ... (%u in all)", fv->n);
			return;
		}
	}
}

/* Reads a resource's rates (clock), levels (voltage) or performance levels
 * from the firmware: multi-part replies, asked for again from the index
 * after the last returned until nothing remains, a bounded number of times. */
static int raw_read_values(struct raw *r, enum vscmi_kind k, uint32_t id, struct raw_values *fv,
			   struct raw_reply *rep, char *err, size_t errlen)
{
	uint8_t proto = vscmi_kind_protocol((enum vscmi_kind)k);
	/* Perf v4 levels carry a frequency and an index besides the level,
	 * power cost and latency. */
	uint32_t perf_words = r->perf_version >= 0x40000 ? 5 : 3;
	uint32_t index = 0;

	fv->segment = false;
	fv->n = 0;
	for (int round = 0; round < RAW_ROUNDS_MAX; round++) {
		uint32_t w[2] = { id, index }, flags, returned, remaining;
		struct vscmi_rd rd;
		int e = raw_ask(r, proto, RAW_DESCRIBE, w, 2, rep, err, errlen);

		if (e)
			return e;
		raw_payload(rep, &rd);
		if (vscmi_rd_u32(&rd, &flags) < 0)
			return raw_fail(err, errlen,
					"a describe reply of protocol 0x%02x is too short", proto);
		returned = flags & 0xfff;
		remaining = flags >> 16;
		if (k != VSCMI_PERF && (flags & (1u << 12))) {
			int64_t t[3];

			/* A segment: min, max, step, in one part. */
			for (int i = 0; i < 3; i++) {
				uint32_t lo, hi = 0;

				if (vscmi_rd_u32(&rd, &lo) < 0 ||
				    (k == VSCMI_CLOCK && vscmi_rd_u32(&rd, &hi) < 0))
					return raw_fail(err, errlen, "a describe reply of protocol "
								     "0x%02x is too short",
							proto);
				t[i] = k == VSCMI_CLOCK ? (int64_t)((uint64_t)hi << 32 | lo)
							: (int64_t)(int32_t)lo;
			}
			fv->segment = true;
			fv->min = t[0], fv->max = t[1], fv->step = t[2];
			return 0;
		}
		if (returned == 0 && remaining)
			return raw_fail(err, errlen, "the firmware's describe replies of protocol "
						     "0x%02x make no progress",
					proto);
		for (uint32_t i = 0; i < returned; i++) {
			uint32_t lo, hi = 0, skip;
			int64_t x;

			if (vscmi_rd_u32(&rd, &lo) < 0 ||
			    (k == VSCMI_CLOCK && vscmi_rd_u32(&rd, &hi) < 0))
				return raw_fail(err, errlen,
						"a describe reply of protocol 0x%02x is too short",
						proto);
			for (uint32_t j = 1; k == VSCMI_PERF && j < perf_words; j++)
				if (vscmi_rd_u32(&rd, &skip) < 0)
					return raw_fail(err, errlen, "a describe reply of protocol "
								     "0x%02x is too short",
							proto);
			x = k == VSCMI_CLOCK ? (int64_t)((uint64_t)hi << 32 | lo) :
			    k == VSCMI_VOLTAGE ? (int64_t)(int32_t)lo : (int64_t)lo;
			if (fv->n < RAW_VALUES_MAX)
				fv->v[fv->n++] = x;
		}
		index += returned;
		if (!remaining)
			return 0;
		if (fv->n == RAW_VALUES_MAX) {
			if (!r->disc.quiet)
				log_notice("linux-raw: the firmware describes more than %u values "
					   "of resource %u of protocol 0x%02x; the rest are not "
					   "checked",
					   RAW_VALUES_MAX, id, proto);
			return 0;
		}
	}
	return raw_fail(err, errlen,
			"the firmware's describe replies of protocol 0x%02x do not end", proto);
}

/* Every rate or level the configuration lets agents ask for must be one
 * the firmware has: agents see the configured ones, and a set the
 * firmware would refuse is better found at start. */
static int raw_check_values(struct raw *r, enum vscmi_kind k, uint32_t i, struct raw_reply *rep,
			    char *err, size_t errlen)
{
	const struct vscmi_res_desc *d = &r->m->res[k][i];
	const struct vscmi_range *rg = NULL;
	const char *what = k == VSCMI_CLOCK ? "rate" : "level", *unit = "";
	struct raw_values *fv = malloc(sizeof(*fv));
	int64_t bad = 0;
	bool missing = false;
	char have[256];
	int e;

	if (!fv)
		return raw_fail(err, errlen, "out of memory");
	e = raw_read_values(r, k, d->plat_id, fv, rep, err, errlen);
	if (e)
		goto out;
	if (k == VSCMI_CLOCK) {
		rg = &d->u.clock.rates, unit = " Hz";
		if (d->u.clock.policy == VSCMI_POLICY_FIXED &&
		    !raw_values_has(fv, (int64_t)d->u.clock.rate))
			missing = true, bad = (int64_t)d->u.clock.rate;
	} else if (k == VSCMI_VOLTAGE) {
		rg = &d->u.voltage.levels, unit = " uV";
		if (d->u.voltage.policy == VSCMI_POLICY_FIXED &&
		    !raw_values_has(fv, d->u.voltage.level))
			missing = true, bad = d->u.voltage.level;
	} else {
		for (uint32_t l = 0; l < d->u.perf.nlevels && !missing; l++)
			if (!raw_values_has(fv, d->u.perf.levels[l].perf))
				missing = true, bad = d->u.perf.levels[l].perf;
	}
	if (rg && !missing && !rg->segment) {
		for (uint32_t l = 0; l < rg->count && !missing; l++)
			if (!raw_values_has(fv, rg->values[l]))
				missing = true, bad = rg->values[l];
	} else if (rg && !missing && rg->step > 0 && fv->segment) {
		/* A segment inside the firmware's, on its grid. */
		if (!raw_values_has(fv, rg->min))
			missing = true, bad = rg->min;
		else if (!raw_values_has(fv, rg->max))
			missing = true, bad = rg->max;
		else if (fv->step > 0 && rg->step % fv->step)
			missing = true, bad = rg->min + rg->step;
	} else if (rg && !missing && rg->step > 0) {
		for (int64_t x = rg->min, n = 0; x <= rg->max && !missing; x += rg->step, n++) {
			if (n == RAW_SEGMENT_CHECK_MAX) {
				if (!r->disc.quiet)
					log_notice("linux-raw: [%s %s]: only the first %u values "
						   "checked",
						   vscmi_kind_name(d->kind), d->name,
						   RAW_SEGMENT_CHECK_MAX);
				break;
			}
			if (!raw_values_has(fv, x))
				missing = true, bad = x;
		}
	}
	if (missing) {
		raw_values_text(fv, have, sizeof(have));
		e = raw_fail(err, errlen,
			     "[%s %s]: %s %lld%s, but the firmware's %s %u (%s) has %s%s",
			     vscmi_kind_name(d->kind), d->name, what, (long long)bad, unit,
			     raw_kind_title(d->kind), d->plat_id,
			     r->res[k][i].name[0] ? r->res[k][i].name : "unnamed", have, unit);
	}
out:
	free(fv);
	return e;
}

/* The firmware's short name of a resource, from its attributes reply. */
static void raw_res_name(struct raw *r, enum vscmi_kind k, uint32_t i, const struct raw_reply *rep)
{
	/* Where the name sits among the return values. */
	size_t at = k == VSCMI_PERF ? 16 : k == VSCMI_RESET ? 8 : 4;
	char *name = r->res[k][i].name;

	name[0] = '\0';
	if (rep->len < 8 + at + 16)
		return;
	memcpy(name, rep->b + 8 + at, 16);
	name[16] = '\0';
	for (char *c = name; *c; c++)
		if (*c < 0x20 || *c > 0x7e)
			*c = '?';
}

/* A power capping domain's caps and intervals lie within the firmware's,
 * in its unit: an agent's vote in range is one the firmware takes. rep
 * holds the domain's POWERCAP_DOMAIN_ATTRIBUTES. */
static int raw_check_powercap(struct raw *r, uint32_t i, const struct raw_reply *rep, char *err,
			      size_t errlen)
{
	const struct vscmi_res_desc *d = &r->m->res[VSCMI_POWERCAP][i];
	const typeof(d->u.powercap) *p = &d->u.powercap;
	uint32_t attr = 0, w[6] = { 0 };
	uint8_t name[16];
	struct vscmi_rd rd;
	int bad = 0;

	raw_payload(rep, &rd);
	if (vscmi_rd_u32(&rd, &attr) < 0 || vscmi_rd_bytes(&rd, name, sizeof(name)) < 0)
		bad = -EBADE;
	/* min_pai, max_pai, pai_step, min_cap, max_cap, cap_step */
	for (int k = 0; k < 6 && !bad; k++)
		if (vscmi_rd_u32(&rd, &w[k]) < 0)
			bad = -EBADE;
	if (bad)
		return raw_fail(err, errlen, "[powercap %s]: the firmware's attributes of power "
					     "capping domain %u are too short", d->name, d->plat_id);
	if (((attr >> 23) & 3) != p->unit)
		return raw_fail(err, errlen, "[powercap %s]: unit %s, but the firmware's power "
					     "capping domain %u (%s) counts in %s", d->name,
				p->unit == 1 ? "uW" : "mW", d->plat_id, r->res[VSCMI_POWERCAP][i].name,
				((attr >> 23) & 3) == 1 ? "uW" : ((attr >> 23) & 3) == 2 ? "mW" :
											  "abstract units");
	if (p->cap_min < w[3] || p->cap_max > w[4] || p->pai_min < w[0] || p->pai_max > w[1])
		return raw_fail(err, errlen, "[powercap %s]: caps %u..%u, intervals %u..%u us, but "
					     "the firmware's power capping domain %u (%s) has caps "
					     "%u..%u, intervals %u..%u us", d->name, p->cap_min,
				p->cap_max, p->pai_min, p->pai_max, d->plat_id,
				r->res[VSCMI_POWERCAP][i].name, w[3], w[4], w[0], w[1]);
	return 0;
}

static int raw_discover(struct raw *r, char *err, size_t errlen)
{
	const struct vscmi_model *m = r->m;
	struct raw_reply *rep = malloc(sizeof(*rep));
	bool *has = calloc(RAW_PROTOCOLS_MAX, sizeof(bool));
	uint32_t me = 0xffffffffu;
	struct vscmi_rd rd;
	int e;

	if (!rep || !has) {
		e = raw_fail(err, errlen, "out of memory");
		goto out;
	}
	e = raw_list_protocols(r, has, rep, err, errlen);
	if (e)
		goto out;
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		uint8_t proto = vscmi_kind_protocol((enum vscmi_kind)k);
		uint32_t attr, count;

		if (!m->nres[k])
			continue;
		if (!has[proto]) {
			e = raw_fail(err, errlen,
				     "[%s %s]: the firmware has no %s protocol (0x%02x)",
				     vscmi_kind_name((enum vscmi_kind)k), m->res[k][0].name,
				     raw_kind_title((enum vscmi_kind)k), proto);
			goto out;
		}
		if (k == VSCMI_CLOCK || k == VSCMI_PERF) {
			uint32_t *version = k == VSCMI_CLOCK ? &r->clock_version : &r->perf_version;

			e = raw_ask(r, proto, SCMI_MSG_VERSION, NULL, 0, rep, err, errlen);
			raw_payload(rep, &rd);
			if (e || vscmi_rd_u32(&rd, version) < 0) {
				e = e ? e : raw_fail(err, errlen,
						     "PROTOCOL_VERSION of 0x%02x too short", proto);
				goto out;
			}
		}
		e = raw_ask(r, proto, SCMI_MSG_ATTRIBUTES, NULL, 0, rep, err, errlen);
		raw_payload(rep, &rd);
		if (e || vscmi_rd_u32(&rd, &attr) < 0) {
			e = e ? e : raw_fail(err, errlen, "PROTOCOL_ATTRIBUTES of 0x%02x too short",
					     proto);
			goto out;
		}
		count = attr & 0xffff;
		/* Pin control: groups in the high half, functions in a second word. */
		if (k == VSCMI_PIN_GROUP)
			count = attr >> 16;
		if (k == VSCMI_PIN_FUNC && vscmi_rd_u32(&rd, &count) == 0)
			count &= 0xffff;
		else if (k == VSCMI_PIN_FUNC)
			count = 0;
		for (uint32_t i = 0; i < m->nres[k]; i++) {
			const struct vscmi_res_desc *d = &m->res[k][i];
			/* PINCTRL_ATTRIBUTES also names the selector. */
			uint32_t aw[2] = { d->plat_id, (uint32_t)(k - VSCMI_PIN) };
			bool pin = k >= VSCMI_PIN && k <= VSCMI_PIN_FUNC;

			if (d->plat_id >= count) {
				e = raw_fail(err, errlen,
					     "[%s %s]: id %u, but the firmware has %u %s%s",
					     vscmi_kind_name(d->kind), d->name, d->plat_id, count,
					     raw_kind_title(d->kind), count == 1 ? "" : "s");
				goto out;
			}
			if (k == VSCMI_SENSOR)
				continue;
			e = raw_xfer(r, proto, RAW_DOMAIN_ATTRIBUTES, pin ? aw : &d->plat_id, pin ? 2 : 1,
				     false, rep);
			if (e == -EINPROGRESS)
				goto out;
			raw_payload(rep, &rd);
			if (e == 0 && vscmi_rd_u32(&rd, &r->res[k][i].attributes) < 0)
				e = -EBADE;
			if (e) {
				e = raw_fail(err, errlen, "[%s %s]: the firmware does not describe "
							  "%s %u: %s",
					     vscmi_kind_name(d->kind), d->name,
					     raw_kind_title(d->kind), d->plat_id, raw_why(e, rep));
				goto out;
			}
			raw_res_name(r, (enum vscmi_kind)k, i, rep);
			if (k == VSCMI_CLOCK || k == VSCMI_VOLTAGE || k == VSCMI_PERF) {
				e = raw_check_values(r, (enum vscmi_kind)k, i, rep, err, errlen);
				if (e)
					goto out;
			}
			if (k == VSCMI_POWERCAP) {
				e = raw_check_powercap(r, i, rep, err, errlen);
				if (e)
					goto out;
			}
		}
		if (k == VSCMI_SENSOR) {
			e = raw_find_sensors(r, count, rep, err, errlen);
			if (e)
				goto out;
		}
	}
	/* Our own agent id: a notification with it echoes our own command. */
	r->own_agent = UINT32_MAX;
	e = raw_xfer(r, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_AGENT, &me, 1, false, rep);
	if (e == -EINPROGRESS)
		goto out;
	if (e == 0) {
		raw_payload(rep, &rd);
		if (vscmi_rd_u32(&rd, &me) == 0)
			r->own_agent = me;
	}
	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		for (uint32_t i = 0; i < m->nres[k]; i++)
			if (raw_subscribe(r, (enum vscmi_kind)k, i, rep) == -EINPROGRESS) {
				e = -EINPROGRESS;
				goto out;
			}
	e = 0;
out:
	free(has);
	free(rep);
	return e;
}

/* --- discovery at start -------------------------------------------------------- */

static void raw_check_kernel_timeout(struct raw *r)
{
	char path[PATH_MAX + 32], buf[32] = "";
	unsigned long ms;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/transport/max_rx_timeout_ms", r->top);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	ms = strtoul(buf, NULL, 10);
	if (ms && ms < r->timeout_ms)
		log_info("linux-raw: the kernel gives up on a reply after %lu ms (transport "
			 "max_rx_timeout_ms): later replies go to raw/errors, and commands "
			 "time out after %u ms",
			 ms, r->timeout_ms);
}

/* At start, before anything is served: discovery waits for each reply. */
int raw_connect(struct raw *r, char *err, size_t errlen)
{
	int e = raw_open(r, err, errlen);

	if (e)
		return e;
	r->up = true;
	r->timeouts_in_row = 0;
	e = raw_discover(r, err, errlen);
	if (e == 0)
		e = raw_watch(r, err, errlen);
	if (e) {
		r->up = false;
		raw_close(r);
		return -ENODEV;
	}
	raw_check_kernel_timeout(r);
	return 0;
}

/* --- discovery when the link comes back --------------------------------------- */

void raw_disc_reset(struct raw *r)
{
	for (unsigned int i = 0; i < r->disc.n; i++)
		free(r->disc.ans[i].b);
	free(r->disc.ans);
	r->disc = (struct raw_disc){ 0 };
}

/* raw_xfer during such a discovery: the answer had, or the command sent
 * and -EINPROGRESS. */
int raw_disc_xfer(struct raw *r, uint8_t proto, uint8_t msg, const uint32_t *w,
		  unsigned int n, bool async, struct raw_reply *rep)
{
	struct raw_disc *d = &r->disc;
	int err;

	if (d->pos < d->n) {
		const struct raw_disc_ans *a = &d->ans[d->pos++];

		memcpy(rep->b, a->b, a->len);
		rep->len = a->len;
		return a->err;
	}
	/* Discovery asks synchronously, one command at a time. */
	if (async || d->want)
		return -EINVAL;
	if (d->n >= RAW_DISC_MAX)
		return -E2BIG;
	err = raw_send(r, r->tx_fd, proto, msg, w, n, &d->want);
	if (err)
		return err;
	d->deadline_us = raw_now_us() + (uint64_t)r->timeout_ms * 1000u;
	raw_arm(r);
	return -EINPROGRESS;
}

/* Keeps the answer to the command awaited (rep NULL: none came in time). */
static int raw_disc_had(struct raw *r, int err, const struct raw_reply *rep)
{
	struct raw_disc *d = &r->disc;
	struct raw_disc_ans *a;

	if (d->n == d->cap) {
		unsigned int cap = d->cap ? 2 * d->cap : 32;
		struct raw_disc_ans *ans = realloc(d->ans, cap * sizeof(*ans));

		if (!ans)
			return -ENOMEM;
		d->ans = ans;
		d->cap = cap;
	}
	a = &d->ans[d->n];
	*a = (struct raw_disc_ans){ .err = err, .len = rep ? rep->len : 8 };
	a->b = calloc(1, a->len);
	if (!a->b)
		return -ENOMEM;
	if (rep)
		memcpy(a->b, rep->b, rep->len);
	d->n++;
	d->want = 0;
	return 0;
}

/* The walk given up: the link stays down, its files closed. */
static void raw_disc_abort(struct raw *r)
{
	raw_disc_reset(r);
	raw_close(r);
	raw_arm(r);
}

/* One more run of discovery. When it no longer waits, the walk ends:
 * once more from the answers had, logging this time, and the link is up;
 * or it failed, and the link stays down. */
int raw_disc_step(struct raw *r, char *err, size_t errlen)
{
	int e;

	r->disc.pos = 0;
	e = raw_discover(r, err, errlen);
	if (e == -EINPROGRESS)
		return e;
	if (e == 0) {
		r->disc.quiet = false;
		r->disc.pos = 0;
		e = raw_discover(r, err, errlen);
		if (e == -EINPROGRESS)
			e = raw_fail(err, errlen,
				     "discovery took another path on the same answers");
	}
	if (e) {
		raw_disc_abort(r);
		return e;
	}
	raw_disc_reset(r);
	raw_arm(r);
	raw_check_kernel_timeout(r);
	r->up = true;
	r->timeouts_in_row = 0;
	log_notice("linux-raw: link to the firmware is back");
	if (r->link_cb)
		r->link_cb(r->link_ctx, true);
	return 0;
}

/* The answer to the command awaited (rep NULL: none came in time), and the
 * walk on from it: -EINPROGRESS while it waits again, else its end. */
static int raw_disc_answer(struct raw *r, int status, const struct raw_reply *rep, char *err,
			   size_t errlen)
{
	int e = raw_disc_had(r, status, rep);

	if (e) {
		raw_disc_abort(r);
		return raw_fail(err, errlen, "%s", strerror(-e));
	}
	return raw_disc_step(r, err, errlen);
}

/* The answers that came, and the deadline: the walk goes on or ends. */
void raw_disc_dispatch(struct raw *r)
{
	struct raw_disc *d = &r->disc;
	struct raw_reply *rep = malloc(sizeof(*rep));
	char err[384] = "";
	int e = -EINPROGRESS;

	for (int i = 0; rep && i < RAW_READS_MAX && e == -EINPROGRESS && d->want; i++) {
		int m = raw_read_msg(r->rx_fd, rep);

		if (m == -EAGAIN)
			break;
		if (m == -EINTR || m == -EMSGSIZE)
			continue;
		if (m < 0) {
			raw_disc_abort(r);
			e = raw_fail(err, sizeof(err), "reading %s/message: %s", r->msgdir,
				     strerror(-m));
			break;
		}
		if (rep->len < 8 || (vscmi_get_le32(rep->b) & 0x0fffffffu) != d->want) {
			/* an earlier user's, or one given up on */
			r->stats.stale++;
			continue;
		}
		e = raw_disc_answer(r, raw_errno((int32_t)vscmi_get_le32(rep->b + 4)), rep, err,
				    sizeof(err));
	}
	if (e == -EINPROGRESS && d->active && d->want && raw_now_us() >= d->deadline_us) {
		r->stats.timeouts++;
		e = raw_disc_answer(r, -ETIMEDOUT, NULL, err, sizeof(err));
	}
	if (e < 0 && e != -EINPROGRESS)
		log_info("linux-raw: still down: %s", err);
	free(rep);
}
