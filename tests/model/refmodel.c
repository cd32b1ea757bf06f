/* SPDX-License-Identifier: GPL-2.0-only */
/* The reference model of doc/arbiter.md (see refmodel.h). Each rule is
 * kept as the document words it, the physical state recomputed from all
 * votes after each step; the comments quote the rule they implement. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refmodel.h"

/* One (agent, resource) vote: empty until the agent asks for something. */
struct rm_vote {
	bool on;		/* clock, voltage: holds it on */
	bool has_level;		/* clock, voltage, perf: a rate or level voted */
	int64_t level;
	bool voted;		/* power, reset: a state voted */
	uint32_t pd;
	bool asserted;
	bool has_limits;	/* perf; power capping: a PAI (in min) */
	uint32_t min, max;
};

struct rm_res {
	const struct vscmi_res_desc *d;
	uint32_t depth;		/* ancestors above it */
	bool boot;		/* the boot vote still holds */
	int64_t free_level;	/* clock, voltage: the rate or level nobody sets */
	int owner;		/* exclusive: index of the agent owning it, or -1 */
	bool had_contributor;	/* scratch: before the step being carried out */
	struct rm_phys phys;
	struct rm_phys before;	/* phys before the last step */
};

struct rm {
	const struct vscmi_model *m;
	struct rm_res *res[VSCMI_KIND_COUNT];
	struct rm_vote *votes[VSCMI_KIND_COUNT];	/* [agent index * nres + res] */
};

/* Sensors have no votes. */
static const enum vscmi_kind rm_kinds[] = { VSCMI_CLOCK, VSCMI_POWER, VSCMI_RESET,
					    VSCMI_VOLTAGE, VSCMI_PERF, VSCMI_POWERCAP };
#define RM_NKINDS (sizeof(rm_kinds) / sizeof(rm_kinds[0]))

static struct rm_vote *rm_vote_of(const struct rm *rm, enum vscmi_kind k, uint32_t agent,
				  uint32_t i)
{
	return &rm->votes[k][(size_t)agent * rm->m->nres[k] + i];
}

static uint32_t rm_nagents(const struct rm *rm)
{
	return rm->m->nagents;
}

/* --- clocks and voltage domains: a gate and a level ---------------------- */

static enum vscmi_policy gl_policy(const struct vscmi_res_desc *d)
{
	return d->kind == VSCMI_CLOCK ? d->u.clock.policy : d->u.voltage.policy;
}

/* The configured rate or level: the boot one, and a fixed one's only one. */
static int64_t gl_config_level(const struct vscmi_res_desc *d)
{
	return d->kind == VSCMI_CLOCK ? (int64_t)d->u.clock.rate : d->u.voltage.level;
}

static bool gl_config_on(const struct vscmi_res_desc *d)
{
	return d->kind == VSCMI_CLOCK ? d->u.clock.on : d->u.voltage.on;
}

static const struct vscmi_range *gl_range(const struct vscmi_res_desc *d)
{
	return d->kind == VSCMI_CLOCK ? &d->u.clock.rates : &d->u.voltage.levels;
}

/* Whose level counts now. "max": the agents that hold it on and voted a
 * level; "exclusive": the owner; "fixed": nobody. */
static bool gl_has_contributor(const struct rm *rm, enum vscmi_kind k, uint32_t i)
{
	const struct rm_res *r = &rm->res[k][i];

	switch (gl_policy(r->d)) {
	case VSCMI_POLICY_EXCLUSIVE:
		return r->owner >= 0;
	case VSCMI_POLICY_MAX:
		for (uint32_t a = 0; a < rm_nagents(rm); a++) {
			const struct rm_vote *v = rm_vote_of(rm, k, a, i);

			if (v->on && v->has_level)
				return true;
		}
		return false;
	default:
		return false;
	}
}

/* "rate, max: the highest rate voted by agents that hold it on; none: the
 * free rate. exclusive: the owner's rate; none: the free rate. fixed: the
 * configured rate, always." */
static int64_t gl_level(const struct rm *rm, enum vscmi_kind k, uint32_t i)
{
	const struct rm_res *r = &rm->res[k][i];
	int64_t best = 0;
	bool any = false;

	switch (gl_policy(r->d)) {
	case VSCMI_POLICY_FIXED:
		return gl_config_level(r->d);
	case VSCMI_POLICY_EXCLUSIVE:
		return r->owner >= 0 ? rm_vote_of(rm, k, (uint32_t)r->owner, i)->level
				     : r->free_level;
	case VSCMI_POLICY_MAX:
		for (uint32_t a = 0; a < rm_nagents(rm); a++) {
			const struct rm_vote *v = rm_vote_of(rm, k, a, i);

			if (v->on && v->has_level && (!any || v->level > best)) {
				best = v->level;
				any = true;
			}
		}
		return any ? best : r->free_level;
	default:
		return r->free_level;
	}
}

/* A requested value fitted to a range the way the protocols do it: the
 * value itself, or rounded as asked; INVALID_PARAMETERS when it is
 * outside the range, when no rounding was asked (exact), or when there is
 * nothing to round up to (SCMI: a rate or level the resource does not
 * have). */
enum rm_fit_mode { RM_FIT_EXACT, RM_FIT_DOWN, RM_FIT_UP, RM_FIT_NEAREST };

static int32_t rm_fit(const struct vscmi_range *rg, int64_t v, enum rm_fit_mode mode,
		      int64_t *out)
{
	int64_t down = 0, up = 0;
	bool has_up = false;

	if (rg->segment) {
		int64_t off;

		if (v < rg->min || v > rg->max || rg->step <= 0)
			return RM_INVALID_PARAMETERS;
		off = (v - rg->min) % rg->step;
		if (off == 0) {
			*out = v;
			return RM_SUCCESS;
		}
		down = v - off;
		up = down + rg->step;
		has_up = up <= rg->max;
	} else {
		uint32_t n = rg->count;

		if (n == 0 || v < rg->values[0] || v > rg->values[n - 1])
			return RM_INVALID_PARAMETERS;
		for (uint32_t j = 0; j < n && j < VSCMI_MAX_LEVELS; j++) {
			if (rg->values[j] == v) {
				*out = v;
				return RM_SUCCESS;
			}
			if (rg->values[j] < v)
				down = rg->values[j];
			if (rg->values[j] > v && !has_up) {
				up = rg->values[j];
				has_up = true;
			}
		}
	}
	switch (mode) {
	case RM_FIT_DOWN:
		*out = down;
		return RM_SUCCESS;
	case RM_FIT_UP:
		if (!has_up)
			return RM_INVALID_PARAMETERS;
		*out = up;
		return RM_SUCCESS;
	case RM_FIT_NEAREST:
		*out = has_up && up - v < v - down ? up : down;
		return RM_SUCCESS;
	default:
		return RM_INVALID_PARAMETERS;
	}
}

/* Whether anything holds the resource on now: an agent, the boot vote,
 * a child that is on. */
static bool gl_held_on(const struct rm *rm, enum vscmi_kind k, uint32_t i)
{
	if (rm->res[k][i].boot)
		return true;
	for (uint32_t a = 0; a < rm_nagents(rm); a++)
		if (rm_vote_of(rm, k, a, i)->on)
			return true;
	for (uint32_t c = 0; c < rm->m->nres[k]; c++)
		if (rm->res[k][c].d->parent == (int)i && rm->res[k][c].phys.on)
			return true;
	return false;
}

/* "An agent holds a clock or voltage domain on while its gate vote is
 * on." Switching on ends the boot vote: the agent takes it over. */
static int32_t gl_enable(struct rm *rm, enum vscmi_kind k, uint32_t a, uint32_t i, bool on)
{
	struct rm_res *r = &rm->res[k][i];
	struct rm_vote *v = rm_vote_of(rm, k, a, i);
	bool exclusive = gl_policy(r->d) == VSCMI_POLICY_EXCLUSIVE;

	if (!on) {
		v->on = false;
		/* The owner "until it votes off". */
		if (r->owner == (int)a)
			r->owner = -1;
		return RM_SUCCESS;
	}
	/* "Switching on under another's ownership: the agent's rate vote is
	 * dropped; it reads the owner's rate." */
	if (!v->on && exclusive && r->owner >= 0 && r->owner != (int)a) {
		v->has_level = false;
		v->level = 0;
	}
	v->on = true;
	r->boot = false;
	/* "The owner is the first agent that holds the clock on and has voted
	 * a rate." */
	if (exclusive && r->owner < 0 && v->has_level)
		r->owner = (int)a;
	return RM_SUCCESS;
}

static int32_t gl_set_level(struct rm *rm, enum vscmi_kind k, uint32_t a, uint32_t i, int64_t val,
			    enum rm_fit_mode mode)
{
	struct rm_res *r = &rm->res[k][i];
	struct rm_vote *v = rm_vote_of(rm, k, a, i);
	enum vscmi_policy policy = gl_policy(r->d);
	int64_t level = val;

	if (policy == VSCMI_POLICY_FIXED) {
		/* "A rate other than the configured one, fixed: DENIED." */
		if (val != gl_config_level(r->d))
			return RM_DENIED;
	} else {
		/* The value must be one the resource has before a policy
		 * looks at it (the document leaves the order open). */
		int32_t st = rm_fit(gl_range(r->d), val, mode, &level);

		if (st != RM_SUCCESS)
			return st;
		/* "A rate while another agent owns it, exclusive: DENIED." */
		if (policy == VSCMI_POLICY_EXCLUSIVE && r->owner >= 0 && r->owner != (int)a)
			return RM_DENIED;
	}
	/* "A rate voted while not holding on: kept in the vote; it counts
	 * from the moment the agent switches the clock on. Before that it
	 * moves the hardware only while nothing holds the clock on (no agent,
	 * no boot vote, no child): then it becomes the free rate." */
	if (!v->on && !gl_held_on(rm, k, i))
		r->free_level = level;
	v->has_level = true;
	v->level = level;
	if (policy == VSCMI_POLICY_EXCLUSIVE && v->on && r->owner < 0)
		r->owner = (int)a;
	return RM_SUCCESS;
}

/* --- power domains -------------------------------------------------------- */

static uint32_t pd_last(const struct vscmi_res_desc *d)
{
	return d->u.power.nstates - 1;
}

static int32_t pd_vote(struct rm *rm, uint32_t a, uint32_t i, int64_t value)
{
	struct rm_res *r = &rm->res[VSCMI_POWER][i];
	struct rm_vote *v = rm_vote_of(rm, VSCMI_POWER, a, i);
	const struct vscmi_res_desc *d = r->d;
	uint32_t idx = d->u.power.nstates;

	for (uint32_t s = 0; s < d->u.power.nstates && s < VSCMI_MAX_PD_STATES; s++)
		if ((int64_t)d->u.power.states[s].value == value)
			idx = s;
	/* "A state the domain does not have: INVALID_PARAMETERS." */
	if (idx >= d->u.power.nstates)
		return RM_INVALID_PARAMETERS;
	v->voted = true;
	v->pd = idx;
	/* "Taken over by the first agent to vote a state at least as powered
	 * as the boot vote" (lower index: more powered). */
	if (idx <= d->u.power.initial)
		r->boot = false;
	return RM_SUCCESS;
}

/* --- reset lines -------------------------------------------------------- */

/* Agents configured to see the line. */
static uint32_t reset_seers(const struct rm *rm, uint32_t i)
{
	uint32_t n = 0;

	for (uint32_t a = 0; a < rm_nagents(rm); a++) {
		const struct vscmi_agent_desc *ad = &rm->m->agents[a];

		for (uint32_t w = 0; w < ad->nviews[VSCMI_RESET]; w++) {
			if (ad->views[VSCMI_RESET][w].res == i) {
				n++;
				break;
			}
		}
	}
	return n;
}

static int32_t reset_vote(struct rm *rm, uint32_t a, uint32_t i, bool asserted)
{
	struct rm_vote *v = rm_vote_of(rm, VSCMI_RESET, a, i);

	v->voted = true;
	v->asserted = asserted;
	/* "Taken over by the first agent to vote deasserted." */
	if (!asserted)
		rm->res[VSCMI_RESET][i].boot = false;
	return RM_SUCCESS;
}

static void rm_emit(struct rm_effect *eff, enum vscmi_op_type type, enum vscmi_kind k,
		    uint32_t i, int64_t val, int64_t val2)
{
	/* rm_new bounds the resources so that a step's calls fit. */
	if (eff->nops < RM_MAX_OPS)
		eff->ops[eff->nops++] = (struct rm_op){ type, k, i, val, val2 };
}

/* "Autonomous reset (a pulse): one platform call; the line's votes do not
 * change. Refused: a pulse on a line more than one agent can see, unless
 * autonomous = allow: DENIED." */
static int32_t reset_pulse(struct rm *rm, uint32_t i, int64_t state, struct rm_effect *eff)
{
	const struct vscmi_res_desc *d = rm->res[VSCMI_RESET][i].d;

	if (reset_seers(rm, i) > 1 && !d->u.reset.allow_autonomous)
		return RM_DENIED;
	rm_emit(eff, VSCMI_OP_RESET_PULSE, VSCMI_RESET, i, state, 0);
	return RM_SUCCESS;
}

/* --- performance domains ------------------------------------------------- */

static uint32_t perf_lowest(const struct vscmi_res_desc *d)
{
	return d->u.perf.levels[0].perf;
}

static uint32_t perf_highest(const struct vscmi_res_desc *d)
{
	return d->u.perf.levels[d->u.perf.nlevels - 1].perf;
}

static bool perf_in_table(const struct vscmi_res_desc *d, int64_t level)
{
	for (uint32_t j = 0; j < d->u.perf.nlevels && j < VSCMI_MAX_LEVELS; j++)
		if (d->u.perf.levels[j].perf == level)
			return true;
	return false;
}

static int32_t perf_level_vote(struct rm *rm, uint32_t a, uint32_t i, int64_t level)
{
	struct rm_vote *v = rm_vote_of(rm, VSCMI_PERF, a, i);

	/* "A level not in the table: OUT_OF_RANGE." */
	if (!perf_in_table(rm->res[VSCMI_PERF][i].d, level))
		return RM_OUT_OF_RANGE;
	v->has_level = true;
	v->level = level;
	return RM_SUCCESS;
}

static int32_t perf_limits_vote(struct rm *rm, uint32_t a, uint32_t i, int64_t max, int64_t min)
{
	const struct vscmi_res_desc *d = rm->res[VSCMI_PERF][i].d;
	struct rm_vote *v = rm_vote_of(rm, VSCMI_PERF, a, i);
	/* "Limits it never set read as the whole table": the bounds a 0
	 * keeps. */
	int64_t lo = v->has_limits ? v->min : perf_lowest(d);
	int64_t hi = v->has_limits ? v->max : perf_highest(d);

	if (max)
		hi = max;
	if (min)
		lo = min;
	if (lo > hi)
		return RM_INVALID_PARAMETERS;
	if (lo < perf_lowest(d) || hi > perf_highest(d))
		return RM_OUT_OF_RANGE;
	/* "Limits that would leave the intersection empty (another agent's
	 * min above this max, or its max below this min): DENIED." */
	for (uint32_t b = 0; b < rm_nagents(rm); b++) {
		const struct rm_vote *o = rm_vote_of(rm, VSCMI_PERF, b, i);

		if (b != a && o->has_limits && (o->min > hi || o->max < lo))
			return RM_DENIED;
	}
	v->has_limits = true;
	v->min = (uint32_t)lo;
	v->max = (uint32_t)hi;
	return RM_SUCCESS;
}

/* --- power capping domains ------------------------------------------------ */

static bool pc_on_step(int64_t v, uint32_t min, uint32_t max, uint32_t step)
{
	return v >= min && v <= max && (step == 0 || (v - min) % step == 0);
}

/* "a cap outside the domain's range (0 aside): OUT_OF_RANGE; one between
 * its steps: INVALID_PARAMETERS" */
static int32_t pc_cap_vote(struct rm *rm, uint32_t a, uint32_t i, int64_t cap)
{
	const struct vscmi_res_desc *d = rm->res[VSCMI_POWERCAP][i].d;
	struct rm_vote *v = rm_vote_of(rm, VSCMI_POWERCAP, a, i);

	if (cap != 0 && (cap < d->u.powercap.cap_min || cap > d->u.powercap.cap_max))
		return RM_OUT_OF_RANGE;
	if (cap != 0 && !pc_on_step(cap, d->u.powercap.cap_min, d->u.powercap.cap_max,
				    d->u.powercap.cap_step))
		return RM_INVALID_PARAMETERS;
	v->has_level = true;
	v->level = cap;
	return RM_SUCCESS;
}

/* "the same for a PAI" */
static int32_t pc_pai_vote(struct rm *rm, uint32_t a, uint32_t i, int64_t pai)
{
	const struct vscmi_res_desc *d = rm->res[VSCMI_POWERCAP][i].d;
	struct rm_vote *v = rm_vote_of(rm, VSCMI_POWERCAP, a, i);

	if (pai < d->u.powercap.pai_min || pai > d->u.powercap.pai_max)
		return RM_OUT_OF_RANGE;
	if (!pc_on_step(pai, d->u.powercap.pai_min, d->u.powercap.pai_max, d->u.powercap.pai_step))
		return RM_INVALID_PARAMETERS;
	v->has_limits = true;
	v->min = (uint32_t)pai;
	return RM_SUCCESS;
}

/* "physical cap: the lowest cap voted other than 0; none such: 0 (not
 * capping) when an agent voted 0, the boot cap when nobody voted a cap.
 * physical PAI: the shortest voted; none: the boot PAI." */
static void pc_target(const struct rm *rm, uint32_t i, struct rm_phys *t)
{
	const struct vscmi_res_desc *d = rm->res[VSCMI_POWERCAP][i].d;
	bool any_cap = false, any_zero = false, any_pai = false;
	int64_t cap = 0;
	uint32_t pai = 0;

	for (uint32_t a = 0; a < rm_nagents(rm); a++) {
		const struct rm_vote *v = rm_vote_of(rm, VSCMI_POWERCAP, a, i);

		if (v->has_level && v->level == 0)
			any_zero = true;
		else if (v->has_level && (!any_cap || v->level < cap)) {
			cap = v->level;
			any_cap = true;
		}
		if (v->has_limits && (!any_pai || v->min < pai)) {
			pai = v->min;
			any_pai = true;
		}
	}
	t->level = any_cap ? cap : any_zero ? 0 : d->u.powercap.cap;
	t->min = any_pai ? pai : d->u.powercap.pai;
}

/* "physical level: the wanted level clamped into [lo, hi], then the
 * highest table level at or below it that is >= lo; if none, the lowest
 * table level >= lo that is <= hi; if no table level lies in [lo, hi], the
 * highest table level <= hi." "physical limits: [the lowest table level
 * >= lo, the highest <= hi], the first lowered to the second when no table
 * level lies between." */
static void perf_target(const struct rm *rm, uint32_t i, struct rm_phys *t)
{
	const struct vscmi_res_desc *d = rm->res[VSCMI_PERF][i].d;
	uint32_t n = d->u.perf.nlevels;
	int64_t lo = perf_lowest(d), hi = perf_highest(d), wanted = d->u.perf.initial, w;
	int64_t level = -1, lim_lo = -1, lim_hi = -1;
	bool any_level = false;

	for (uint32_t a = 0; a < rm_nagents(rm); a++) {
		const struct rm_vote *v = rm_vote_of(rm, VSCMI_PERF, a, i);

		/* "lo = the highest min voted, hi = the lowest max voted" */
		if (v->has_limits) {
			if (v->min > lo)
				lo = v->min;
			if (v->max < hi)
				hi = v->max;
		}
		/* "wanted level: the highest level voted; none: initial" */
		if (v->has_level && (!any_level || v->level > wanted)) {
			wanted = v->level;
			any_level = true;
		}
	}
	w = wanted < lo ? lo : wanted;
	w = w > hi ? hi : w;
	/* Levels ascend: the last match of a scan is the highest. */
	for (uint32_t j = 0; j < n && j < VSCMI_MAX_LEVELS; j++) {
		int64_t p = d->u.perf.levels[j].perf;

		if (p <= w && p >= lo)
			level = p;
		if (p >= lo && lim_lo < 0)
			lim_lo = p;
		if (p <= hi)
			lim_hi = p;
	}
	for (uint32_t j = 0; level < 0 && j < n && j < VSCMI_MAX_LEVELS; j++) {
		int64_t p = d->u.perf.levels[j].perf;

		if (p >= lo && p <= hi)
			level = p;
	}
	if (level < 0)
		level = lim_hi;
	/* Votes always lie within the table, so the scans find levels; the
	 * fallbacks keep the state a table one whatever happens. */
	t->level = level >= 0 ? level : perf_lowest(d);
	if (lim_hi < 0)
		lim_hi = perf_lowest(d);
	if (lim_lo < 0 || lim_lo > lim_hi)
		lim_lo = lim_hi;
	t->min = (uint32_t)lim_lo;
	t->max = (uint32_t)lim_hi;
}

/* --- the physical state ------------------------------------------------ */

/* What the rules demand now of every resource of kind k, into t. */
static void rm_targets(const struct rm *rm, enum vscmi_kind k, struct rm_phys *t)
{
	uint32_t n = rm->m->nres[k];

	for (uint32_t i = 0; i < n; i++) {
		const struct rm_res *r = &rm->res[k][i];
		const struct vscmi_res_desc *d = r->d;
		bool held = r->boot;
		uint32_t pd;

		t[i] = r->phys;
		switch (k) {
		case VSCMI_CLOCK:
		case VSCMI_VOLTAGE:
			/* "gate: on while the boot vote holds it, while >= 1
			 * agent holds it on, or while a child clock is on" */
			for (uint32_t a = 0; a < rm_nagents(rm); a++)
				held = held || rm_vote_of(rm, k, a, i)->on;
			t[i].on = held;
			t[i].level = gl_level(rm, k, i);
			break;
		case VSCMI_POWER:
			/* "the most powered of the agents' votes and the boot
			 * vote; with none of these, the last (off) state" */
			pd = r->boot ? d->u.power.initial : pd_last(d);
			for (uint32_t a = 0; a < rm_nagents(rm); a++) {
				const struct rm_vote *v = rm_vote_of(rm, k, a, i);

				if (v->voted && v->pd < pd)
					pd = v->pd;
			}
			t[i].pd = pd;
			break;
		case VSCMI_RESET:
			/* "deasserted while the boot vote or >= 1 agent holds
			 * it deasserted; asserted otherwise" */
			for (uint32_t a = 0; a < rm_nagents(rm); a++) {
				const struct rm_vote *v = rm_vote_of(rm, k, a, i);

				held = held || (v->voted && !v->asserted);
			}
			t[i].asserted = !held;
			break;
		case VSCMI_PERF:
			perf_target(rm, i, &t[i]);
			break;
		case VSCMI_POWERCAP:
			pc_target(rm, i, &t[i]);
			break;
		default:
			break;
		}
	}
	/* "Parents. A clock or power domain is held on (ON) while any child
	 * is on, whoever holds the child. A child kept on by its boot vote
	 * holds its parent too." A child held on by its own child is on
	 * too: the walk goes all the way up. */
	for (uint32_t i = 0; i < n; i++) {
		bool on = k == VSCMI_POWER ? t[i].pd != pd_last(rm->res[k][i].d) : t[i].on;
		int p = rm->res[k][i].d->parent;

		if ((k != VSCMI_CLOCK && k != VSCMI_POWER) || !on)
			continue;
		for (uint32_t depth = 0; p >= 0 && (uint32_t)p < n && depth < VSCMI_MAX_DEPTH;
		     depth++) {
			if (k == VSCMI_POWER)
				t[p].pd = 0;
			else
				t[p].on = true;
			p = rm->res[k][p].d->parent;
		}
	}
}

/* The calls that take resource i from o to t: "up" ones (a level, a gate
 * opening, a more powered state; limits then level), or "down" ones. */
static void rm_diff(const struct rm *rm, enum vscmi_kind k, uint32_t i, const struct rm_phys *o,
		    const struct rm_phys *t, bool up, struct rm_effect *eff)
{
	const struct vscmi_res_desc *d = rm->res[k][i].d;
	bool clock = k == VSCMI_CLOCK;

	switch (k) {
	case VSCMI_CLOCK:
	case VSCMI_VOLTAGE:
		/* "the rate is set before the gate opens" */
		if (up && t->level != o->level)
			rm_emit(eff, clock ? VSCMI_OP_CLOCK_RATE : VSCMI_OP_VOLTAGE_LEVEL, k, i,
				t->level, 0);
		if (t->on != o->on && t->on == up)
			rm_emit(eff, clock ? VSCMI_OP_CLOCK_ENABLE : VSCMI_OP_VOLTAGE_CONFIG, k, i,
				t->on, 0);
		break;
	case VSCMI_POWER:
		if (t->pd != o->pd && (t->pd < o->pd) == up)
			rm_emit(eff, VSCMI_OP_POWER_STATE, k, i, d->u.power.states[t->pd].value, 0);
		break;
	case VSCMI_RESET:
		if (up && t->asserted != o->asserted)
			rm_emit(eff, VSCMI_OP_RESET_LINE, k, i, t->asserted, 0);
		break;
	case VSCMI_PERF:
		/* "limits then level" */
		if (up && (t->min != o->min || t->max != o->max))
			rm_emit(eff, VSCMI_OP_PERF_LIMITS, k, i, t->max, t->min);
		if (up && t->level != o->level)
			rm_emit(eff, VSCMI_OP_PERF_LEVEL, k, i, t->level, 0);
		break;
	case VSCMI_POWERCAP:
		/* "the PAI before the cap" */
		if (up && t->min != o->min)
			rm_emit(eff, VSCMI_OP_POWERCAP_PAI, k, i, t->min, 0);
		if (up && t->level != o->level)
			rm_emit(eff, VSCMI_OP_POWERCAP_CAP, k, i, t->level, 0);
		break;
	default:
		break;
	}
}

/* Brings phys to what the votes demand; the calls go into eff in the
 * document's order: "parents on before children, children off before
 * parents". */
static int rm_settle(struct rm *rm, struct rm_effect *eff)
{
	struct rm_phys *t[VSCMI_KIND_COUNT] = { NULL };
	int r = 0;

	for (size_t x = 0; x < RM_NKINDS; x++) {
		enum vscmi_kind k = rm_kinds[x];

		t[k] = calloc(rm->m->nres[k] + 1, sizeof(*t[k]));
		if (!t[k]) {
			r = -ENOMEM;
			goto out;
		}
		rm_targets(rm, k, t[k]);
	}
	for (uint32_t depth = 0; depth < VSCMI_MAX_DEPTH; depth++)
		for (size_t x = 0; x < RM_NKINDS; x++)
			for (uint32_t i = 0; i < rm->m->nres[rm_kinds[x]]; i++)
				if (rm->res[rm_kinds[x]][i].depth == depth)
					rm_diff(rm, rm_kinds[x], i, &rm->res[rm_kinds[x]][i].phys,
						&t[rm_kinds[x]][i], true, eff);
	for (uint32_t depth = VSCMI_MAX_DEPTH; depth-- > 0;)
		for (size_t x = 0; x < RM_NKINDS; x++)
			for (uint32_t i = 0; i < rm->m->nres[rm_kinds[x]]; i++)
				if (rm->res[rm_kinds[x]][i].depth == depth)
					rm_diff(rm, rm_kinds[x], i, &rm->res[rm_kinds[x]][i].phys,
						&t[rm_kinds[x]][i], false, eff);
	for (size_t x = 0; x < RM_NKINDS; x++) {
		for (uint32_t i = 0; i < rm->m->nres[rm_kinds[x]]; i++) {
			struct rm_res *res = &rm->res[rm_kinds[x]][i];

			res->before = res->phys;
			res->phys = t[rm_kinds[x]][i];
		}
	}
out:
	for (size_t x = 0; x < RM_NKINDS; x++)
		free(t[rm_kinds[x]]);
	return r;
}

/* "Free rate: the boot rate, then the rate that applied when its last
 * contributor stopped counting (voted off, went away)." The rate that
 * applied is the physical one before the step. */
static void rm_mark_contributors(struct rm *rm)
{
	for (int k = VSCMI_CLOCK; k < VSCMI_KIND_COUNT; k++)
		if (k == VSCMI_CLOCK || k == VSCMI_VOLTAGE)
			for (uint32_t i = 0; i < rm->m->nres[k]; i++)
				rm->res[k][i].had_contributor =
					gl_has_contributor(rm, (enum vscmi_kind)k, i);
}

static void rm_update_free(struct rm *rm)
{
	for (int k = VSCMI_CLOCK; k < VSCMI_KIND_COUNT; k++) {
		if (k != VSCMI_CLOCK && k != VSCMI_VOLTAGE)
			continue;
		for (uint32_t i = 0; i < rm->m->nres[k]; i++) {
			struct rm_res *r = &rm->res[k][i];

			if (r->had_contributor && !gl_has_contributor(rm, (enum vscmi_kind)k, i))
				r->free_level = r->phys.level;
		}
	}
}

/* "Agents going away: all their votes are withdrawn as one step. Boot
 * votes stay as they are." */
static void rm_withdraw(struct rm *rm, uint32_t a)
{
	for (size_t x = 0; x < RM_NKINDS; x++) {
		enum vscmi_kind k = rm_kinds[x];

		for (uint32_t i = 0; i < rm->m->nres[k]; i++) {
			if (rm->res[k][i].owner == (int)a)
				rm->res[k][i].owner = -1;
			memset(rm_vote_of(rm, k, a, i), 0, sizeof(struct rm_vote));
		}
	}
}

/* --- the interface --------------------------------------------------------- */

enum vscmi_kind rm_req_kind(enum rm_req req)
{
	switch (req) {
	case RM_CLOCK_ENABLE:
	case RM_CLOCK_RATE:
		return VSCMI_CLOCK;
	case RM_POWER_STATE:
		return VSCMI_POWER;
	case RM_RESET_LINE:
	case RM_RESET_PULSE:
		return VSCMI_RESET;
	case RM_VOLTAGE_ENABLE:
	case RM_VOLTAGE_LEVEL:
		return VSCMI_VOLTAGE;
	case RM_PERF_LEVEL:
	case RM_PERF_LIMITS:
		return VSCMI_PERF;
	case RM_POWERCAP_CAP:
	case RM_POWERCAP_PAI:
		return VSCMI_POWERCAP;
	default:
		return VSCMI_KIND_COUNT;
	}
}

const char *rm_req_name(enum rm_req req)
{
	static const char *const names[RM_REQ_COUNT] = {
		[RM_CLOCK_ENABLE] = "gate",	 [RM_CLOCK_RATE] = "rate",
		[RM_POWER_STATE] = "state",	 [RM_RESET_LINE] = "line",
		[RM_RESET_PULSE] = "pulse",	 [RM_VOLTAGE_ENABLE] = "config",
		[RM_VOLTAGE_LEVEL] = "level",	 [RM_PERF_LEVEL] = "level",
		[RM_PERF_LIMITS] = "limits",	 [RM_RESET_AGENT] = "RESET_AGENT_CONFIGURATION",
		[RM_DISCONNECT] = "disconnect",	 [RM_POWERCAP_CAP] = "cap",
		[RM_POWERCAP_PAI] = "pai",
	};

	return (unsigned int)req < RM_REQ_COUNT ? names[req] : "?";
}


int rm_view_res(const struct rm *rm, uint32_t agent, enum vscmi_kind kind, uint32_t view)
{
	const struct vscmi_agent_desc *ad;

	if (agent == 0 || agent > rm_nagents(rm) || (unsigned int)kind >= VSCMI_KIND_COUNT)
		return -1;
	ad = &rm->m->agents[agent - 1];
	if (view >= ad->nviews[kind] || ad->views[kind][view].res >= rm->m->nres[kind])
		return -1;
	return (int)ad->views[kind][view].res;
}

int rm_step(struct rm *rm, const struct rm_step *s, struct rm_effect *eff)
{
	enum vscmi_kind k = rm_req_kind(s->req);
	uint32_t a = s->agent - 1, i = 0;
	int32_t st = RM_SUCCESS;
	int ri;

	memset(eff, 0, offsetof(struct rm_effect, ops));
	if (s->agent == 0 || s->agent > rm_nagents(rm) || (unsigned int)s->req >= RM_REQ_COUNT)
		return -EINVAL;
	if (k != VSCMI_KIND_COUNT) {
		ri = rm_view_res(rm, s->agent, k, s->view);
		if (ri < 0)
			return -EINVAL;
		i = (uint32_t)ri;
	}
	rm_mark_contributors(rm);
	switch (s->req) {
	case RM_CLOCK_ENABLE:
	case RM_VOLTAGE_ENABLE:
		st = gl_enable(rm, k, a, i, s->val != 0);
		break;
	case RM_CLOCK_RATE:
		st = gl_set_level(rm, k, a, i, s->val,
				  s->round == RM_ROUND_UP	  ? RM_FIT_UP :
				  s->round == RM_ROUND_AUTO ? RM_FIT_NEAREST :
							      RM_FIT_DOWN);
		break;
	case RM_VOLTAGE_LEVEL:
		st = gl_set_level(rm, k, a, i, s->val, RM_FIT_EXACT);
		break;
	case RM_POWER_STATE:
		st = pd_vote(rm, a, i, s->val);
		break;
	case RM_RESET_LINE:
		st = reset_vote(rm, a, i, s->val != 0);
		break;
	case RM_RESET_PULSE:
		st = reset_pulse(rm, i, s->val, eff);
		break;
	case RM_PERF_LEVEL:
		st = perf_level_vote(rm, a, i, s->val);
		break;
	case RM_PERF_LIMITS:
		st = perf_limits_vote(rm, a, i, s->val, s->val2);
		break;
	case RM_POWERCAP_CAP:
		st = pc_cap_vote(rm, a, i, s->val);
		break;
	case RM_POWERCAP_PAI:
		st = pc_pai_vote(rm, a, i, s->val);
		break;
	case RM_RESET_AGENT:
	case RM_DISCONNECT:
		rm_withdraw(rm, a);
		break;
	default:
		return -EINVAL;
	}
	eff->status = st;
	/* "A refused vote changes nothing: not the vote, not the hardware,
	 * not anything else." The checks above come before any change. */
	if (st != RM_SUCCESS)
		return 0;
	rm_update_free(rm);
	return rm_settle(rm, eff);
}

void rm_phys(const struct rm *rm, enum vscmi_kind kind, uint32_t res, struct rm_phys *out)
{
	memset(out, 0, sizeof(*out));
	if ((unsigned int)kind < VSCMI_KIND_COUNT && rm->res[kind] && res < rm->m->nres[kind])
		*out = rm->res[kind][res].phys;
}

/* "An agent reads back its own vote, never another's. Where its vote has
 * no rate or level, it reads the physical one; a power domain it never
 * voted on reads as the last (off) state; limits it never set read as
 * the whole table." */
int rm_read(const struct rm *rm, uint32_t agent, enum vscmi_kind kind, uint32_t view,
	    struct rm_read *out)
{
	int ri = rm_view_res(rm, agent, kind, view);
	const struct rm_vote *v;
	const struct rm_res *r;

	memset(out, 0, sizeof(*out));
	out->reset = RM_RESET_UNVOTED;
	if (ri < 0 || !rm->res[kind])
		return -EINVAL;
	r = &rm->res[kind][ri];
	v = rm_vote_of(rm, kind, agent - 1, (uint32_t)ri);
	switch (kind) {
	case VSCMI_CLOCK:
	case VSCMI_VOLTAGE:
		out->on = v->on;
		out->level = v->has_level ? v->level : r->phys.level;
		break;
	case VSCMI_POWER:
		out->pd = v->voted ? v->pd : pd_last(r->d);
		break;
	case VSCMI_RESET:
		out->reset = v->voted ? v->asserted : RM_RESET_UNVOTED;
		break;
	case VSCMI_PERF:
		out->level = v->has_level ? v->level : r->phys.level;
		out->min = v->has_limits ? v->min : perf_lowest(r->d);
		out->max = v->has_limits ? v->max : perf_highest(r->d);
		break;
	case VSCMI_POWERCAP:
		out->level = v->has_level ? v->level : r->phys.level;
		out->min = v->has_limits ? v->min : r->phys.min;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/* Which way a call moves its resource from the state it is in: 1 on (a
 * gate opening, a domain leaving OFF), -1 off (a gate closing, a domain
 * reaching OFF), 0 neither (a rate, a move between powered states). */
static int rm_op_direction(const struct rm *rm, const struct rm_op *op, const uint32_t *pd)
{
	const struct vscmi_res_desc *d;
	int to;

	if ((unsigned int)op->kind >= VSCMI_KIND_COUNT || op->res >= rm->m->nres[op->kind])
		return 0;
	if (op->type == VSCMI_OP_CLOCK_ENABLE)
		return op->val ? 1 : -1;
	if (op->type != VSCMI_OP_POWER_STATE)
		return 0;
	d = rm->res[VSCMI_POWER][op->res].d;
	to = vscmi_pd_state_index(d, (uint32_t)op->val);
	if (to < 0 || (pd[op->res] == pd_last(d)) == ((uint32_t)to == pd_last(d)))
		return 0;
	return (uint32_t)to == pd_last(d) ? -1 : 1;
}

int rm_order_check(const struct rm *rm, const struct rm_op *ops, uint32_t n, char *why,
		   size_t len)
{
	uint32_t npd = rm->m->nres[VSCMI_POWER];
	/* power states as the calls go, from the state before the step */
	uint32_t *pd = calloc(npd + 1, sizeof(*pd));
	int *dir = calloc(n + 1, sizeof(*dir));
	int r = 0;

	if (!pd || !dir) {
		free(pd);
		free(dir);
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < npd; i++)
		pd[i] = rm->res[VSCMI_POWER][i].before.pd;
	for (uint32_t j = 0; j < n; j++) {
		int to;

		dir[j] = rm_op_direction(rm, &ops[j], pd);
		if (ops[j].type == VSCMI_OP_POWER_STATE && ops[j].res < npd) {
			to = vscmi_pd_state_index(rm->res[VSCMI_POWER][ops[j].res].d,
						  (uint32_t)ops[j].val);
			if (to >= 0)
				pd[ops[j].res] = (uint32_t)to;
		}
	}
	for (uint32_t j = 0; j < n && r == 0; j++) {
		const struct rm_op *c = &ops[j];
		int p;

		if (dir[j] == 0)
			continue;
		p = rm->res[c->kind][c->res].d->parent;
		for (uint32_t depth = 0; p >= 0 && depth < VSCMI_MAX_DEPTH && r == 0; depth++) {
			for (uint32_t q = 0; q < n; q++) {
				bool before = q < j;

				if (ops[q].kind != c->kind || ops[q].res != (uint32_t)p ||
				    dir[q] != dir[j])
					continue;
				/* "parents on before children, children off
				 * before parents" */
				if ((dir[j] > 0) != before) {
					snprintf(why, len,
						 "%s %s %s (call %u) %s its ancestor %s (call %u)",
						 vscmi_kind_name(c->kind),
						 rm->res[c->kind][c->res].d->name,
						 dir[j] > 0 ? "on" : "off", j + 1,
						 before ? "after" : "before",
						 rm->res[c->kind][p].d->name, q + 1);
					r = -EINVAL;
					break;
				}
			}
			p = rm->res[c->kind][p].d->parent;
		}
	}
	free(pd);
	free(dir);
	return r;
}

/* Depth of each resource; -EINVAL for a chain deeper than the limit (or a
 * cycle). */
static int rm_depths(struct rm *rm, enum vscmi_kind k)
{
	uint32_t n = rm->m->nres[k];

	for (uint32_t i = 0; i < n; i++) {
		int p = rm->res[k][i].d->parent;
		uint32_t depth = 0;

		for (; p >= 0 && depth < VSCMI_MAX_DEPTH; depth++) {
			if ((uint32_t)p >= n)
				return -EINVAL;
			p = rm->res[k][p].d->parent;
		}
		if (p >= 0)
			return -EINVAL;
		rm->res[k][i].depth = depth;
	}
	return 0;
}

/* The hardware as the config has it at boot, the boot votes held. */
static void rm_boot(struct rm *rm, enum vscmi_kind k, uint32_t i)
{
	struct rm_res *r = &rm->res[k][i];
	const struct vscmi_res_desc *d = r->d;

	r->owner = -1;
	switch (k) {
	case VSCMI_CLOCK:
	case VSCMI_VOLTAGE:
		/* "enabled = yes as boot vote" */
		r->boot = gl_config_on(d);
		r->free_level = gl_config_level(d);
		r->phys.on = gl_config_on(d);
		r->phys.level = gl_config_level(d);
		break;
	case VSCMI_POWER:
		/* "initial when it is not the last (off) state" */
		r->boot = d->u.power.initial != pd_last(d);
		r->phys.pd = d->u.power.initial;
		break;
	case VSCMI_RESET:
		/* "deasserted, when initial = deasserted" */
		r->boot = !d->u.reset.asserted;
		r->phys.asserted = d->u.reset.asserted;
		break;
	case VSCMI_PERF:
		/* "boot: the initial level; limits the whole table" */
		r->phys.level = d->u.perf.initial;
		r->phys.min = perf_lowest(d);
		r->phys.max = perf_highest(d);
		break;
	case VSCMI_POWERCAP:
		/* "boot: the config's cap and pai" */
		r->phys.level = d->u.powercap.cap;
		r->phys.min = d->u.powercap.pai;
		break;
	default:
		break;
	}
}

static int rm_check_model(const struct vscmi_model *m)
{
	uint32_t total = 0;

	for (size_t x = 0; x < RM_NKINDS; x++) {
		enum vscmi_kind k = rm_kinds[x];

		total += m->nres[k];
		for (uint32_t i = 0; i < m->nres[k]; i++) {
			const struct vscmi_res_desc *d = &m->res[k][i];

			if (k == VSCMI_POWER && (d->u.power.nstates < 2 ||
						 d->u.power.nstates > VSCMI_MAX_PD_STATES ||
						 d->u.power.initial >= d->u.power.nstates))
				return -EINVAL;
			if (k == VSCMI_PERF && (d->u.perf.nlevels == 0 ||
						d->u.perf.nlevels > VSCMI_MAX_LEVELS))
				return -EINVAL;
		}
	}
	/* Two calls a resource at most in a step (and a pulse). */
	if (2 * total + 1 > RM_MAX_OPS)
		return -EINVAL;
	for (uint32_t a = 0; a < m->nagents; a++)
		for (size_t x = 0; x < RM_NKINDS; x++) {
			enum vscmi_kind k = rm_kinds[x];
			const struct vscmi_agent_desc *ad = &m->agents[a];

			for (uint32_t v = 0; v < ad->nviews[k]; v++) {
				if (ad->views[k][v].res >= m->nres[k])
					return -EINVAL;
				for (uint32_t w = 0; w < v; w++)
					if (ad->views[k][w].res == ad->views[k][v].res)
						return -EINVAL;
			}
		}
	return 0;
}

int rm_new(const struct vscmi_model *m, struct rm **out)
{
	struct rm_effect *eff;
	struct rm *rm;
	int r = rm_check_model(m);

	if (r)
		return r;
	rm = calloc(1, sizeof(*rm));
	if (!rm)
		return -ENOMEM;
	rm->m = m;
	for (size_t x = 0; x < RM_NKINDS; x++) {
		enum vscmi_kind k = rm_kinds[x];

		/* +1: a kind with no resources still gets its arrays */
		rm->res[k] = calloc(m->nres[k] + 1, sizeof(*rm->res[k]));
		rm->votes[k] = calloc((size_t)m->nagents * m->nres[k] + 1, sizeof(*rm->votes[k]));
		if (!rm->res[k] || !rm->votes[k]) {
			rm_free(rm);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < m->nres[k]; i++) {
			rm->res[k][i].d = &m->res[k][i];
			rm_boot(rm, k, i);
		}
		r = rm_depths(rm, k);
		if (r) {
			rm_free(rm);
			return r;
		}
	}
	/* The boot state must be one the rules keep as it is: the model
	 * does not guess what the daemon does at start otherwise. */
	eff = malloc(sizeof(*eff));
	if (!eff) {
		rm_free(rm);
		return -ENOMEM;
	}
	eff->nops = 0;
	r = rm_settle(rm, eff);
	if (r == 0 && eff->nops)
		r = -EINVAL;
	free(eff);
	if (r) {
		rm_free(rm);
		return r;
	}
	*out = rm;
	return 0;
}

void rm_free(struct rm *rm)
{
	if (!rm)
		return;
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		free(rm->res[k]);
		free(rm->votes[k]);
	}
	free(rm);
}
