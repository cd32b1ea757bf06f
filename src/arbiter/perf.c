/* SPDX-License-Identifier: GPL-2.0-only */
/* Performance domains: level votes and limits votes, the highest level
 * clamped into the intersection of the limits, on the domain's table. */
#include <errno.h>

#include "internal.h"

static uint32_t perf_lowest(const struct arb_res *res)
{
	return res->d->u.perf.levels[0].perf;
}

static uint32_t perf_highest(const struct arb_res *res)
{
	return res->d->u.perf.levels[res->d->u.perf.nlevels - 1].perf;
}

static bool perf_is_level(const struct arb_res *res, uint32_t level)
{
	for (uint32_t i = 0; i < res->d->u.perf.nlevels; i++)
		if (res->d->u.perf.levels[i].perf == level)
			return true;
	return false;
}

static void perf_add(struct arb_vote *v)
{
	struct arb_res *res = v->res;

	if (v->st.has_level)
		mset_add(&res->levels, v->st.level);
	if (v->st.has_limits) {
		mset_add(&res->mins, v->st.min);
		mset_add(&res->maxs, v->st.max);
	}
}

static void perf_del(struct arb_vote *v)
{
	struct arb_res *res = v->res;

	if (v->st.has_level)
		mset_del(&res->levels, v->st.level);
	if (v->st.has_limits) {
		mset_del(&res->mins, v->st.min);
		mset_del(&res->maxs, v->st.max);
	}
}

/* The number of table levels at or below v. */
static uint32_t perf_at_or_below(const struct arb_res *res, int64_t v)
{
	const struct vscmi_perf_level *l = res->d->u.perf.levels;
	uint32_t a = 0, b = res->d->u.perf.nlevels;

	while (a < b) {
		uint32_t m = a + (b - a) / 2;

		if (l[m].perf <= v)
			a = m + 1;
		else
			b = m;
	}
	return a;
}

/* The domain runs at table levels only, and limits need not be ones. The
 * maximum is a ceiling (thermal and power governors rely on it); the
 * minimum a floor where the table allows. hi >= the lowest level always
 * (limits never go below it), so some level lies at or below hi. */
static void perf_target(const struct arb_res *res, struct arb_state *t)
{
	const struct vscmi_perf_level *l = res->d->u.perf.levels;
	uint32_t n = res->d->u.perf.nlevels;
	int64_t lo = mset_empty(&res->mins) ? perf_lowest(res) : mset_max(&res->mins);
	int64_t hi = mset_empty(&res->maxs) ? perf_highest(res) : mset_min(&res->maxs);
	/* Nobody asked a level: where it booted. */
	int64_t level = mset_empty(&res->levels) ? res->boot_level : mset_max(&res->levels);
	uint32_t top = perf_at_or_below(res, hi), a;

	if (level > hi)
		level = hi;
	if (level < lo)
		level = lo;
	a = perf_at_or_below(res, level);
	if (a > 0 && l[a - 1].perf >= lo)
		t->level = l[a - 1].perf;
	else if (a < n && l[a].perf <= hi)
		t->level = l[a].perf;
	else
		t->level = l[top - 1].perf;
	/* The platform gets limits on the table that hold the level. */
	t->max = l[top - 1].perf;
	a = perf_at_or_below(res, lo - 1);
	t->min = a < top ? l[a].perf : t->max;
}

static bool perf_next(const struct arb_res *res, const struct arb_state *t, enum arb_phase phase,
		      struct vscmi_op *op)
{
	if (phase != ARB_UP)
		return false;
	if (t->min != res->phys.min || t->max != res->phys.max)
		return arb_op(op, VSCMI_OP_PERF_LIMITS, t->max, t->min);
	if (t->level != res->phys.level)
		return arb_op(op, VSCMI_OP_PERF_LEVEL, t->level, 0);
	return false;
}

static int perf_apply(struct arb_res *res, const struct vscmi_op *op)
{
	if (op->type == VSCMI_OP_PERF_LEVEL) {
		res->phys.level = op->val;
	} else if (op->type == VSCMI_OP_PERF_LIMITS) {
		res->phys.max = (uint32_t)op->val;
		res->phys.min = (uint32_t)op->val2;
	}
	return 0;
}

static unsigned int perf_resync(const struct arb_res *res, const struct arb_state *t,
				enum arb_phase phase, struct vscmi_op ops[ARB_OPS_PER_STEP])
{
	if (phase != ARB_UP)
		return 0;
	arb_op(&ops[0], VSCMI_OP_PERF_LIMITS, t->max, t->min);
	arb_op(&ops[1], VSCMI_OP_PERF_LEVEL, t->level, 0);
	return 2;
}

static bool perf_feasible(const struct arb_res *res)
{
	return mset_empty(&res->mins) || mset_max(&res->mins) <= mset_min(&res->maxs);
}

static bool perf_valid(const struct arb_res *res, const struct arb_state *st)
{
	if (st->has_level && !perf_is_level(res, (uint32_t)st->level))
		return false;
	return !st->has_limits || (st->min <= st->max && st->min >= perf_lowest(res) &&
				   st->max <= perf_highest(res));
}

static void perf_init(struct arb_res *res)
{
	res->phys.level = res->boot_level = res->d->u.perf.initial;
	res->phys.min = perf_lowest(res);
	res->phys.max = perf_highest(res);
}

/* No boot vote: the level it booted at is where it runs with no level
 * votes. */
static bool perf_set_boot(struct arb_res *res, bool held, const struct arb_state *st)
{
	res->boot_level = st->level;
	return false;
}

/* a: the level. */
static int perf_level(struct arb_vote *v, int64_t a, int64_t b)
{
	struct arb_state st = v->st;

	st.has_level = true;
	st.level = (uint32_t)a;
	return arb_vote_change(v, &st, NULL);
}

/* a: max, b: min. */
static int perf_limits(struct arb_vote *v, int64_t a, int64_t b)
{
	struct arb_res *res = v->res;
	struct arb_state st = v->st;
	uint32_t max = (uint32_t)a, min = (uint32_t)b;

	if (!st.has_limits) {
		st.min = perf_lowest(res);
		st.max = perf_highest(res);
	}
	/* 0 leaves that bound as it was. */
	if (max)
		st.max = max;
	if (min)
		st.min = min;
	if (st.min > st.max)
		return -EINVAL;
	if (st.min < perf_lowest(res) || st.max > perf_highest(res))
		return -ERANGE;
	st.has_limits = true;
	return arb_vote_change(v, &st, NULL);
}

static int perf_level_check(const struct arb_res *res, int64_t a, int64_t b)
{
	return a >= 0 && a <= UINT32_MAX && perf_is_level(res, (uint32_t)a) ? 0 : -ERANGE;
}

static int perf_limits_check(const struct arb_res *res, int64_t a, int64_t b)
{
	return a >= 0 && a <= UINT32_MAX && b >= 0 && b <= UINT32_MAX ? 0 : -ERANGE;
}

const struct arb_kind arb_kind_perf = {
	.asks = {
		[ARB_LEVEL] = { perf_level, perf_level_check },
		[ARB_LIMITS] = { perf_limits, perf_limits_check },
	},
	.add = perf_add,
	.del = perf_del,
	.target = perf_target,
	.next = perf_next,
	.apply = perf_apply,
	.reads = { VSCMI_OP_PERF_LEVEL, VSCMI_OP_PERF_LIMITS },
	.nreads = 2,
	.resync = perf_resync,
	.feasible = perf_feasible,
	.valid = perf_valid,
	.init = perf_init,
	.set_boot = perf_set_boot,
};
