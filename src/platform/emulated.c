/* SPDX-License-Identifier: GPL-2.0-only */
/* The emulated platform: a software SCMI platform built from the model.
 * It keeps the state hardware would have, counts every transition so tests
 * can assert on them, and can be told to refuse or delay commands. Its
 * state may live in a shared file mapping, so that, like real hardware, it
 * outlives a daemon that exits or is killed.
 *
 * Slow hardware: an op type given a latency completes later. start()
 * queues it and returns -EINPROGRESS; a timerfd armed for the earliest due
 * op is the platform's fd, and dispatch completes what is due, in due
 * order. Tests step it without clocks through vscmi_emu_finish. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vscmi/file.h"
#include "vscmi/log.h"
#include "vscmi/platform.h"

#define EMU_VALS 16		/* distinct values counted per (type, id) */
#define EMU_LOG 4096		/* recent transitions kept, oldest dropped */
#define EMU_RULES 32
#define EMU_INFLIGHT 64		/* ops started and not completed */

struct emu_entry {
	enum vscmi_op_type type;
	uint32_t id;
	int64_t val, val2;
	uint64_t total;
	uint32_t nvals;
	struct {
		int64_t val;
		uint64_t count;
	} vals[EMU_VALS];
};

struct emu_rule {
	enum vscmi_op_type type;
	uint32_t id;
	unsigned int left;
	int err;
};

struct emu_flight {
	struct vscmi_op op;
	uint64_t due_us;		/* CLOCK_MONOTONIC */
	uint64_t seq;			/* start order, for ties */
	vscmi_done_fn done;
	vscmi_reading_fn reading;	/* a sensor reading of op.id, not an op */
	void *ctx;
};

struct emu_sensor {
	uint32_t id;
	int64_t value, amplitude;
	uint32_t period_ms;
};

/* A power capping domain's draw: what it would take uncapped. */
struct emu_pcap {
	uint32_t id;
	uint32_t load, swing, period_ms;
};

#define EMU_MAGIC "VSCMIEMU"
#define EMU_VERSION 1u

/* The head of a state file; the entries follow. */
struct emu_file {
	char magic[8];
	uint32_t version;
	uint32_t entry_size;		/* the layout of this build */
	uint32_t nentries;
	uint32_t pad;
	uint64_t fingerprint;		/* of the (type, id) pairs */
	struct vscmi_emu_stats stats;
};

struct emu {
	struct vscmi_platform base;
	struct emu_entry *entries;
	uint32_t nentries;
	struct vscmi_emu_stats *stats;	/* own_stats, or in the file */
	struct vscmi_emu_stats own_stats;
	void *map;			/* the state file, maplen long */
	size_t maplen;
	struct emu_sensor *sensors;
	uint32_t nsensors;
	struct emu_pcap *pcaps;
	uint32_t npcaps;
	struct emu_rule rules[EMU_RULES];
	unsigned int rules_set;		/* rules ever set: none, no search */
	uint64_t delay_us[VSCMI_OP_COUNT];
	int64_t latency_us[VSCMI_OP_COUNT];	/* < 0: synchronous */
	int64_t reading_latency_us;		/* the same for sensor readings */
	struct emu_flight flight[EMU_INFLIGHT];
	uint32_t nflight;
	uint64_t flight_seq;
	int tfd;			/* timerfd, armed for the earliest due op */
	struct vscmi_op log[EMU_LOG];
	size_t log_start, log_len;
	struct vscmi_op log_linear[EMU_LOG];
};

/* The config keeps sensor values in bounds; a model built otherwise gets
 * them clamped, so the wave cannot overflow. */
static int64_t emu_clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static struct emu *to_emu(struct vscmi_platform *p)
{
	return (struct emu *)p;
}

static int emu_cmp(const void *a, const void *b)
{
	const struct emu_entry *x = a, *y = b;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Entries are sorted once at creation: a transition costs a binary search. */
static struct emu_entry *emu_find(struct emu *e, enum vscmi_op_type type, uint32_t id)
{
	struct emu_entry key = { .type = type, .id = id };

	return bsearch(&key, e->entries, e->nentries, sizeof(*e->entries), emu_cmp);
}

/* A pin's configs are an entry each: the type goes in the key. */
static uint32_t emu_key(const struct vscmi_op *op)
{
	if (op->type == VSCMI_OP_PIN_CONFIG)
		return op->id << 5 | ((uint32_t)op->val & 31u);
	return op->id;
}

static int emu_refusal(struct emu *e, const struct vscmi_op *op)
{
	for (unsigned int i = 0; i < e->rules_set; i++) {
		struct emu_rule *r = &e->rules[i];

		if (!r->left || r->type != op->type || (r->id != UINT32_MAX && r->id != op->id))
			continue;
		r->left--;
		return r->err;
	}
	return 0;
}

static void emu_count(struct emu_entry *en, int64_t val)
{
	en->total++;
	for (uint32_t i = 0; i < en->nvals; i++) {
		if (en->vals[i].val == val) {
			en->vals[i].count++;
			return;
		}
	}
	if (en->nvals < EMU_VALS) {
		en->vals[en->nvals].val = val;
		en->vals[en->nvals].count = 1;
		en->nvals++;
	}
}

static int emu_do(struct emu *e, const struct vscmi_op *op)
{
	struct emu_entry *en = emu_find(e, op->type, emu_key(op));
	int err;

	if (!en || (op->type == VSCMI_OP_PIN_CONFIG &&
		    (op->val < 1 || op->val >= VSCMI_PIN_CFG_TYPES)))
		return -ENOENT;
	err = emu_refusal(e, op);
	if (err && err != -ETIMEDOUT) {
		e->stats->refused++;
		return err;
	}
	/* -ETIMEDOUT stands for a late firmware: it carries the op out, but
	 * its answer comes after the caller gave up. */
	en->val = op->val;
	en->val2 = op->val2;
	emu_count(en, op->val);
	e->stats->ops++;
	e->log[(e->log_start + e->log_len) % EMU_LOG] = *op;
	if (e->log_len < EMU_LOG)
		e->log_len++;
	else
		e->log_start = (e->log_start + 1) % EMU_LOG;
	log_debug("emulated: %s id %u -> %lld", vscmi_op_name(op->type), op->id,
		  (long long)op->val);
	if (err)
		e->stats->refused++;
	return err;
}

static int emu_apply(struct vscmi_platform *p, const struct vscmi_op *op)
{
	return emu_do(to_emu(p), op);
}

static uint64_t emu_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The in-flight op that completes first: earliest due, then oldest.
 * type VSCMI_OP_COUNT takes readings too; readings: readings only. */
static int emu_first(const struct emu *e, enum vscmi_op_type type, uint32_t id, bool readings)
{
	int best = -1;

	for (uint32_t i = 0; i < e->nflight; i++) {
		const struct emu_flight *f = &e->flight[i];

		if (readings ? !f->reading
			     : type != VSCMI_OP_COUNT && (f->reading || f->op.type != type))
			continue;
		if (id != UINT32_MAX && f->op.id != id)
			continue;
		if (best < 0 || f->due_us < e->flight[best].due_us ||
		    (f->due_us == e->flight[best].due_us && f->seq < e->flight[best].seq))
			best = (int)i;
	}
	return best;
}

static void emu_arm(struct emu *e)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	int i = emu_first(e, VSCMI_OP_COUNT, UINT32_MAX, false);

	if (e->tfd < 0)
		return;
	if (i >= 0) {
		uint64_t due = e->flight[i].due_us;

		/* 0 would disarm: an op already due fires at once. */
		its.it_value.tv_sec = (time_t)(due / 1000000u);
		its.it_value.tv_nsec = (long)(due % 1000000u) * 1000 + 1;
	}
	timerfd_settime(e->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* Takes the op out of flight, then applies it and tells its owner, who
 * may start more ops from the callback. */
static void emu_complete(struct emu *e, int i)
{
	struct emu_flight f = e->flight[i];

	e->flight[i] = e->flight[--e->nflight];
	if (f.reading) {
		int64_t value = 0;
		uint64_t ts = 0;
		int r = e->base.ops->sensor_read(&e->base, f.op.id, &value, &ts);

		f.reading(f.ctx, r, value, ts);
		return;
	}
	f.done(f.ctx, emu_do(e, &f.op));
}

static int emu_start(struct vscmi_platform *p, const struct vscmi_op *op, vscmi_done_fn done,
		     void *ctx)
{
	struct emu *e = to_emu(p);
	int64_t lat = e->latency_us[op->type];

	if (lat < 0)
		return emu_do(e, op);
	if (e->nflight == EMU_INFLIGHT)
		return -EBUSY;
	e->flight[e->nflight++] = (struct emu_flight){ .op = *op,
						       .due_us = emu_now_us() + (uint64_t)lat,
						       .seq = e->flight_seq++,
						       .done = done,
						       .ctx = ctx };
	emu_arm(e);
	return -EINPROGRESS;
}

static void emu_cancel(struct vscmi_platform *p, void *ctx)
{
	struct emu *e = to_emu(p);

	for (uint32_t i = e->nflight; i-- > 0;)
		if (e->flight[i].ctx == ctx)
			e->flight[i] = e->flight[--e->nflight];
	emu_arm(e);
}

static int emu_fd(struct vscmi_platform *p)
{
	return to_emu(p)->tfd;
}

static int emu_dispatch(struct vscmi_platform *p)
{
	struct emu *e = to_emu(p);
	uint64_t ticks;

	if (e->tfd >= 0 && read(e->tfd, &ticks, sizeof(ticks)) < 0) {
		/* nothing to read: a completion that was due came earlier */
	}
	/* Bounded: a callback that starts a due op again cannot keep us. */
	for (int n = 0; n < EMU_INFLIGHT; n++) {
		int i = emu_first(e, VSCMI_OP_COUNT, UINT32_MAX, false);

		if (i < 0 || e->flight[i].due_us > emu_now_us())
			break;
		emu_complete(e, i);
	}
	emu_arm(e);
	return 0;
}

/* value - amplitude + 2 * amplitude * phase / period, exactly and without
 * overflow: the swing is split into whole and partial periods, so no
 * product exceeds the swing or period squared. The top of the widest
 * wave is one above INT64_MAX and stops there. */
static int64_t emu_wave(const struct emu_sensor *s, uint64_t phase)
{
	uint64_t swing = 2 * (uint64_t)s->amplitude;
	uint64_t rise = swing / s->period_ms * phase + swing % s->period_ms * phase / s->period_ms;
	int64_t low = s->value - s->amplitude;
	uint64_t room = (uint64_t)INT64_MAX - (uint64_t)low;

	return (int64_t)((uint64_t)low + (rise < room ? rise : room));
}

/* A triangle wave around the configured value: readings that move. */
static int emu_sensor_read(struct vscmi_platform *p, uint32_t id, int64_t *value,
			   uint64_t *timestamp)
{
	struct emu *e = to_emu(p);
	struct timespec ts;
	uint64_t now_ms, phase;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (uint32_t i = 0; i < e->nsensors; i++) {
		struct emu_sensor *s = &e->sensors[i];

		if (s->id != id)
			continue;
		*timestamp = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		if (!s->period_ms || !s->amplitude) {
			*value = s->value;
			return 0;
		}
		/* phase in [0, 2 * period): up for one period, down for the next */
		phase = now_ms % (2ull * s->period_ms);
		if (phase >= s->period_ms)
			phase = 2ull * s->period_ms - phase;
		*value = emu_wave(s, phase);
		return 0;
	}
	return -ENOENT;
}

/* The draw swings over load +- swing like a sensor's reading, and the cap,
 * when there is one, holds it down. */
static int emu_powercap_measure(struct vscmi_platform *p, uint32_t id, uint32_t *power,
				uint32_t *pai)
{
	struct emu *e = to_emu(p);
	struct emu_entry *cap = emu_find(e, VSCMI_OP_POWERCAP_CAP, id);
	struct emu_entry *avg = emu_find(e, VSCMI_OP_POWERCAP_PAI, id);
	struct timespec ts;

	if (!cap || !avg)
		return -ENOENT;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (uint32_t i = 0; i < e->npcaps; i++) {
		const struct emu_pcap *c = &e->pcaps[i];
		struct emu_sensor wave = { .value = c->load, .amplitude = c->swing,
					   .period_ms = c->period_ms };
		uint64_t phase, now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
		int64_t draw = c->load;

		if (c->id != id)
			continue;
		if (c->period_ms && c->swing) {
			phase = now_ms % (2ull * c->period_ms);
			if (phase >= c->period_ms)
				phase = 2ull * c->period_ms - phase;
			draw = emu_wave(&wave, phase);
		}
		draw = emu_clamp(draw, 0, UINT32_MAX);
		if (cap->val > 0 && draw > cap->val)
			draw = cap->val;
		*power = (uint32_t)draw;
		*pai = (uint32_t)avg->val;
		return 0;
	}
	return -ENOENT;
}

static int emu_sensor_start(struct vscmi_platform *p, uint32_t id, int64_t *value,
			    uint64_t *timestamp, vscmi_reading_fn done, void *ctx)
{
	struct emu *e = to_emu(p);

	if (e->reading_latency_us < 0)
		return emu_sensor_read(p, id, value, timestamp);
	if (e->nflight == EMU_INFLIGHT)
		return -EBUSY;
	e->flight[e->nflight++] = (struct emu_flight){
		.op = { .id = id },
		.due_us = emu_now_us() + (uint64_t)e->reading_latency_us,
		.seq = e->flight_seq++,
		.reading = done,
		.ctx = ctx,
	};
	emu_arm(e);
	return -EINPROGRESS;
}

static uint64_t emu_completion_delay_us(struct vscmi_platform *p, const struct vscmi_op *op)
{
	return (unsigned int)op->type < VSCMI_OP_COUNT ? to_emu(p)->delay_us[op->type] : 0;
}

static int emu_read(struct vscmi_platform *p, struct vscmi_op *op)
{
	struct emu_entry *en = emu_find(to_emu(p), op->type, emu_key(op));

	if (!en || (op->type == VSCMI_OP_PIN_CONFIG &&
		    (op->val < 1 || op->val >= VSCMI_PIN_CFG_TYPES)))
		return -ENOENT;
	op->val = en->val;
	op->val2 = en->val2;
	return 0;
}

static void emu_destroy(struct vscmi_platform *p)
{
	struct emu *e = to_emu(p);

	if (e->tfd >= 0)
		close(e->tfd);
	if (e->map)
		munmap(e->map, e->maplen);
	else
		free(e->entries);
	free(e->sensors);
	free(e->pcaps);
	free(e);
}

static const struct vscmi_platform_ops emu_ops = {
	.name = "emulated",
	.apply = emu_apply,
	.start = emu_start,
	.cancel = emu_cancel,
	.fd = emu_fd,
	.dispatch = emu_dispatch,
	.sensor_read = emu_sensor_read,
	.sensor_start = emu_sensor_start,
	.powercap_measure = emu_powercap_measure,
	.read = emu_read,
	.completion_delay_us = emu_completion_delay_us,
	.destroy = emu_destroy,
};

static void emu_add(struct emu *e, enum vscmi_op_type type, uint32_t id, int64_t val,
		    int64_t val2)
{
	struct emu_entry *en = &e->entries[e->nentries++];

	en->type = type;
	en->id = id;
	en->val = val;
	en->val2 = val2;
}

struct vscmi_platform *vscmi_emu_new(const struct vscmi_model *m)
{
	struct emu *e = calloc(1, sizeof(*e));
	uint32_t n = 1;

	if (!e)
		return NULL;
	e->base.ops = &emu_ops;
	e->stats = &e->own_stats;
	for (int t = 0; t < VSCMI_OP_COUNT; t++)
		e->latency_us[t] = -1;
	e->reading_latency_us = -1;
	e->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		n += 2 * m->nres[k];
	n += VSCMI_PIN_CFG_TYPES * m->nres[VSCMI_PIN];
	e->entries = calloc(n, sizeof(*e->entries));
	e->sensors = calloc(m->nres[VSCMI_SENSOR] + 1, sizeof(*e->sensors));
	e->pcaps = calloc(m->nres[VSCMI_POWERCAP] + 1, sizeof(*e->pcaps));
	if (!e->entries || !e->sensors || !e->pcaps) {
		emu_destroy(&e->base);
		return NULL;
	}
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t i = 0; i < m->nres[k]; i++) {
			const struct vscmi_res_desc *d = &m->res[k][i];

			switch (d->kind) {
			case VSCMI_CLOCK:
				emu_add(e, VSCMI_OP_CLOCK_ENABLE, d->plat_id, d->u.clock.on, 0);
				emu_add(e, VSCMI_OP_CLOCK_RATE, d->plat_id, (int64_t)d->u.clock.rate, 0);
				break;
			case VSCMI_POWER:
				emu_add(e, VSCMI_OP_POWER_STATE, d->plat_id,
					d->u.power.states[d->u.power.initial].value, 0);
				break;
			case VSCMI_RESET:
				emu_add(e, VSCMI_OP_RESET_LINE, d->plat_id, d->u.reset.asserted, 0);
				emu_add(e, VSCMI_OP_RESET_PULSE, d->plat_id, 0, 0);
				break;
			case VSCMI_VOLTAGE:
				emu_add(e, VSCMI_OP_VOLTAGE_CONFIG, d->plat_id, d->u.voltage.on, 0);
				emu_add(e, VSCMI_OP_VOLTAGE_LEVEL, d->plat_id, d->u.voltage.level, 0);
				break;
			case VSCMI_PERF:
				emu_add(e, VSCMI_OP_PERF_LEVEL, d->plat_id, d->u.perf.initial, 0);
				emu_add(e, VSCMI_OP_PERF_LIMITS, d->plat_id,
					d->u.perf.levels[d->u.perf.nlevels - 1].perf,
					d->u.perf.levels[0].perf);
				break;
			case VSCMI_SENSOR:
				e->sensors[e->nsensors++] = (struct emu_sensor){
					.id = d->plat_id,
					.value = emu_clamp(d->u.sensor.value, -VSCMI_VALUE_MAX,
							   VSCMI_VALUE_MAX),
					.amplitude = emu_clamp(d->u.sensor.amplitude, 0,
							       VSCMI_VALUE_MAX),
					.period_ms = d->u.sensor.period_ms,
				};
				break;
			case VSCMI_POWERCAP:
				emu_add(e, VSCMI_OP_POWERCAP_CAP, d->plat_id, d->u.powercap.cap, 0);
				emu_add(e, VSCMI_OP_POWERCAP_PAI, d->plat_id, d->u.powercap.pai, 0);
				e->pcaps[e->npcaps++] = (struct emu_pcap){
					.id = d->plat_id,
					.load = d->u.powercap.load,
					.swing = d->u.powercap.swing,
					.period_ms = d->u.powercap.period_ms,
				};
				break;
			case VSCMI_PIN:
				emu_add(e, VSCMI_OP_PIN_FUNCTION, d->plat_id,
					d->u.pin.func >= 0
						? (int64_t)m->res[VSCMI_PIN_FUNC][d->u.pin.func].plat_id
						: -1,
					0);
				for (uint32_t t = 1; t < VSCMI_PIN_CFG_TYPES; t++)
					emu_add(e, VSCMI_OP_PIN_CONFIG, d->plat_id << 5 | t, t,
						(d->u.pin.cfg_mask >> t) & 1u ? d->u.pin.cfg[t] : 0);
				break;
			default:
				break;
			}
		}
	}
	emu_add(e, VSCMI_OP_SYSTEM_POWER, 0, 3 /* power-up */, 0);
	qsort(e->entries, e->nentries, sizeof(*e->entries), emu_cmp);
	return &e->base;
}

static uint64_t emu_fingerprint(const struct emu *e)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a */

	for (uint32_t i = 0; i < e->nentries; i++) {
		uint32_t w[2] = { (uint32_t)e->entries[i].type, e->entries[i].id };
		const uint8_t *b = (const uint8_t *)w;

		for (size_t j = 0; j < sizeof(w); j++)
			h = (h ^ b[j]) * 0x100000001b3ull;
	}
	return h;
}

/* Whether the file at fd holds state for exactly these entries. */
static bool emu_file_fits(int fd, const struct emu_file *want, size_t len)
{
	struct emu_file have;
	struct stat st;

	return fstat(fd, &st) == 0 && (size_t)st.st_size == len &&
	       pread(fd, &have, sizeof(have), 0) == (ssize_t)sizeof(have) &&
	       !memcmp(have.magic, want->magic, sizeof(have.magic)) &&
	       have.version == want->version && have.entry_size == want->entry_size &&
	       have.nentries == want->nentries && have.fingerprint == want->fingerprint;
}

/* A new state file, complete before it appears under its name. */
static int emu_file_create(const char *path, const struct emu_file *head,
			   const struct emu_entry *entries)
{
	struct iovec iov[2] = {
		{ (void *)head, sizeof(*head) },
		{ (void *)entries, (size_t)head->nentries * sizeof(*entries) },
	};

	return vscmi_file_replace(AT_FDCWD, path, iov, 2);
}

struct vscmi_platform *vscmi_emu_open(const struct vscmi_model *m, const char *path,
				      bool *adopted, char *err, size_t errlen)
{
	struct vscmi_platform *p = vscmi_emu_new(m);
	struct emu *e;
	struct emu_file head = { .magic = EMU_MAGIC, .version = EMU_VERSION,
				 .entry_size = sizeof(struct emu_entry) };
	size_t len;
	void *map;
	int fd, r;

	*adopted = false;
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e = to_emu(p);
	head.nentries = e->nentries;
	head.fingerprint = emu_fingerprint(e);
	len = sizeof(head) + (size_t)e->nentries * sizeof(struct emu_entry);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd >= 0 && emu_file_fits(fd, &head, len)) {
		*adopted = true;
	} else {
		if (fd >= 0)
			close(fd);
		r = emu_file_create(path, &head, e->entries);
		if (r == 0) {
			fd = open(path, O_RDWR | O_CLOEXEC);
			r = fd < 0 ? -errno : 0;
		}
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(-r));
			goto fail;
		}
	}
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	r = errno;
	close(fd);
	if (map == MAP_FAILED) {
		snprintf(err, errlen, "%s: %s", path, strerror(r));
		goto fail;
	}
	if (*adopted) {
		struct emu_entry *have = (struct emu_entry *)((uint8_t *)map + sizeof(head));
		bool same = true;

		/* The file is ours only while nobody else writes it: entries
		 * that are not the model's start over, and counts stay in
		 * bounds whatever the file says. */
		for (uint32_t i = 0; i < e->nentries && same; i++)
			same = have[i].type == e->entries[i].type && have[i].id == e->entries[i].id;
		if (!same) {
			memcpy(have, e->entries, (size_t)e->nentries * sizeof(*have));
			memset(&((struct emu_file *)map)->stats, 0, sizeof(struct vscmi_emu_stats));
			*adopted = false;
		}
		for (uint32_t i = 0; i < e->nentries; i++)
			if (have[i].nvals > EMU_VALS)
				have[i].nvals = EMU_VALS;
	}
	free(e->entries);
	e->map = map;
	e->maplen = len;
	e->stats = &((struct emu_file *)map)->stats;
	e->entries = (struct emu_entry *)((uint8_t *)map + sizeof(head));
	return p;
fail:
	vscmi_platform_free(p);
	return NULL;
}

static bool is_emu(struct vscmi_platform *p)
{
	return p && p->ops == &emu_ops;
}

uint64_t vscmi_emu_count(struct vscmi_platform *p, enum vscmi_op_type type, uint32_t id,
			 int64_t val)
{
	struct emu_entry *en = is_emu(p) ? emu_find(to_emu(p), type, id) : NULL;

	if (!en)
		return 0;
	if (val < 0)
		return en->total;
	for (uint32_t i = 0; i < en->nvals; i++)
		if (en->vals[i].val == val)
			return en->vals[i].count;
	return 0;
}

void vscmi_emu_stats(struct vscmi_platform *p, struct vscmi_emu_stats *st)
{
	if (is_emu(p))
		*st = *to_emu(p)->stats;
	else
		memset(st, 0, sizeof(*st));
}

int vscmi_emu_state(struct vscmi_platform *p, enum vscmi_op_type type, uint32_t id,
		    int64_t *val)
{
	struct emu_entry *en = is_emu(p) ? emu_find(to_emu(p), type, id) : NULL;

	if (!en)
		return -ENOENT;
	*val = type == VSCMI_OP_PIN_CONFIG ? en->val2 : en->val;
	return 0;
}

void vscmi_emu_refuse(struct vscmi_platform *p, enum vscmi_op_type type, uint32_t id,
		      unsigned int n, int err)
{
	struct emu *e;

	if (!is_emu(p))
		return;
	e = to_emu(p);
	for (int i = 0; i < EMU_RULES; i++) {
		struct emu_rule *r = &e->rules[i];

		if (r->left == 0 || (r->type == type && r->id == id)) {
			*r = (struct emu_rule){ .type = type, .id = id, .left = n, .err = err };
			if ((unsigned int)i >= e->rules_set)
				e->rules_set = (unsigned int)i + 1;
			return;
		}
	}
}

void vscmi_emu_delay(struct vscmi_platform *p, enum vscmi_op_type type, uint64_t usec)
{
	if (is_emu(p) && (unsigned int)type < VSCMI_OP_COUNT)
		to_emu(p)->delay_us[type] = usec;
}

void vscmi_emu_latency(struct vscmi_platform *p, enum vscmi_op_type type, int64_t usec)
{
	if (is_emu(p) && (unsigned int)type < VSCMI_OP_COUNT)
		to_emu(p)->latency_us[type] = usec < 0 ? -1 : usec;
}

int vscmi_emu_finish(struct vscmi_platform *p, enum vscmi_op_type type, uint32_t id)
{
	struct emu *e;
	int i;

	if (!is_emu(p))
		return 0;
	e = to_emu(p);
	i = emu_first(e, type, id, false);
	if (i < 0)
		return 0;
	emu_complete(e, i);
	emu_arm(e);
	return 1;
}

void vscmi_emu_reading_latency(struct vscmi_platform *p, int64_t usec)
{
	if (is_emu(p))
		to_emu(p)->reading_latency_us = usec < 0 ? -1 : usec;
}

int vscmi_emu_finish_reading(struct vscmi_platform *p, uint32_t id)
{
	struct emu *e;
	int i;

	if (!is_emu(p))
		return 0;
	e = to_emu(p);
	i = emu_first(e, VSCMI_OP_COUNT, id, true);
	if (i < 0)
		return 0;
	emu_complete(e, i);
	emu_arm(e);
	return 1;
}

uint32_t vscmi_emu_in_flight(struct vscmi_platform *p)
{
	return is_emu(p) ? to_emu(p)->nflight : 0;
}

size_t vscmi_emu_log(struct vscmi_platform *p, const struct vscmi_op **log)
{
	struct emu *e;

	if (!is_emu(p)) {
		*log = NULL;
		return 0;
	}
	e = to_emu(p);
	for (size_t i = 0; i < e->log_len; i++)
		e->log_linear[i] = e->log[(e->log_start + i) % EMU_LOG];
	*log = e->log_linear;
	return e->log_len;
}

void vscmi_emu_clear_log(struct vscmi_platform *p)
{
	if (is_emu(p))
		to_emu(p)->log_start = to_emu(p)->log_len = 0;
}

void vscmi_emu_raise(struct vscmi_platform *p, const struct vscmi_plat_event *ev)
{
	if (p->event)
		p->event(p->event_ctx, ev);
}
