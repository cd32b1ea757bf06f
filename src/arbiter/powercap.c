/* SPDX-License-Identifier: GPL-2.0-only */
/* Power capping domains: a vote is a cap (0: the agent asks for none) and
 * an averaging interval (PAI). The most restrictive wins: the domain is
 * capped at the lowest cap voted, and averages over the shortest PAI. */
#include <errno.h>

#include "internal.h"

static bool pc_on_step(uint32_t v, uint32_t min, uint32_t max, uint32_t step)
{
	if (v < min || v > max)
		return false;
	return step == 0 || (v - min) % step == 0;
}

/* 0 (no cap), or a cap the domain offers: -ERANGE outside its range,
 * -EINVAL between its steps. */
static int pc_cap_check(const struct vscmi_res_desc *d, uint32_t cap)
{
	const typeof(d->u.powercap) *p = &d->u.powercap;

	if (cap == 0)
		return 0;
	if (cap < p->cap_min || cap > p->cap_max)
		return -ERANGE;
	return pc_on_step(cap, p->cap_min, p->cap_max, p->cap_step) ? 0 : -EINVAL;
}

static int pc_pai_check(const struct vscmi_res_desc *d, uint32_t pai)
{
	const typeof(d->u.powercap) *p = &d->u.powercap;

	if (pai < p->pai_min || pai > p->pai_max)
		return -ERANGE;
	return pc_on_step(pai, p->pai_min, p->pai_max, p->pai_step) ? 0 : -EINVAL;
}

/* Caps live in levels (0 counted apart, in holders: it caps nothing),
 * PAIs in mins. */
static void pc_add(struct arb_vote *v)
{
	struct arb_res *res = v->res;

	if (v->st.has_level) {
		if (v->st.level)
			mset_add(&res->levels, v->st.level);
		else
			res->holders++;
	}
	if (v->st.has_limits)
		mset_add(&res->mins, v->st.min);
}

static void pc_del(struct arb_vote *v)
{
	struct arb_res *res = v->res;

	if (v->st.has_level) {
		if (v->st.level)
			mset_del(&res->levels, v->st.level);
		else
			res->holders--;
	}
	if (v->st.has_limits)
		mset_del(&res->mins, v->st.min);
}

static void pc_target(const struct arb_res *res, struct arb_state *t)
{
	const struct vscmi_res_desc *d = res->d;

	/* Nobody voted a cap: the boot cap. Votes for none lift it. */
	if (!mset_empty(&res->levels))
		t->level = mset_min(&res->levels);
	else
		t->level = res->holders ? 0 : res->boot_level;
	if (t->level && t->level < d->u.powercap.cap_min)
		t->level = d->u.powercap.cap_min;
	if (t->level > d->u.powercap.cap_max)
		t->level = d->u.powercap.cap_max;
	t->min = mset_empty(&res->mins) ? (uint32_t)res->boot_pai : (uint32_t)mset_min(&res->mins);
}

/* Power domains are not nested for the arbiter: one phase does it all. */
static bool pc_next(const struct arb_res *res, const struct arb_state *t, enum arb_phase phase,
		    struct vscmi_op *op)
{
	if (phase != ARB_UP)
		return false;
	if (t->min != res->phys.min)
		return arb_op(op, VSCMI_OP_POWERCAP_PAI, t->min, 0);
	if (t->level != res->phys.level)
		return arb_op(op, VSCMI_OP_POWERCAP_CAP, t->level, 0);
	return false;
}

static int pc_apply(struct arb_res *res, const struct vscmi_op *op)
{
	if (op->type == VSCMI_OP_POWERCAP_CAP) {
		if (op->val < 0 || op->val > UINT32_MAX)
			return -EINVAL;
		res->phys.level = op->val;
	} else if (op->type == VSCMI_OP_POWERCAP_PAI) {
		if (op->val < 0 || op->val > UINT32_MAX)
			return -EINVAL;
		res->phys.min = (uint32_t)op->val;
	}
	return 0;
}

static unsigned int pc_resync(const struct arb_res *res, const struct arb_state *t,
			      enum arb_phase phase, struct vscmi_op ops[ARB_OPS_PER_STEP])
{
	if (phase != ARB_UP)
		return 0;
	arb_op(&ops[0], VSCMI_OP_POWERCAP_PAI, t->min, 0);
	arb_op(&ops[1], VSCMI_OP_POWERCAP_CAP, t->level, 0);
	return 2;
}

static bool pc_valid(const struct arb_res *res, const struct arb_state *st)
{
	if (st->has_level && (st->level < 0 || st->level > UINT32_MAX ||
			      pc_cap_check(res->d, (uint32_t)st->level) < 0))
		return false;
	return !st->has_limits || pc_pai_check(res->d, st->min) == 0;
}

static void pc_init(struct arb_res *res)
{
	res->phys.level = res->boot_level = res->d->u.powercap.cap;
	res->phys.min = res->d->u.powercap.pai;
	res->boot_pai = res->d->u.powercap.pai;
}

/* No boot vote: what it booted with (cap, PAI) applies while nobody
 * votes, like a performance domain's boot level. */
static bool pc_set_boot(struct arb_res *res, bool held, const struct arb_state *st)
{
	if (st->level >= 0 && st->level <= UINT32_MAX)
		res->boot_level = st->level;
	if (st->min)
		res->boot_pai = st->min;
	return false;
}

/* a: the cap. */
static int powercap_cap(struct arb_vote *v, int64_t a, int64_t b)
{
	struct arb_state st = v->st;

	st.has_level = true;
	st.level = a;
	return arb_vote_change(v, &st, NULL);
}

/* a: the PAI. */
static int powercap_pai(struct arb_vote *v, int64_t a, int64_t b)
{
	struct arb_state st = v->st;

	st.has_limits = true;
	st.min = (uint32_t)a;
	return arb_vote_change(v, &st, NULL);
}

static int powercap_cap_check(const struct arb_res *res, int64_t a, int64_t b)
{
	return a < 0 || a > UINT32_MAX ? -ERANGE : pc_cap_check(res->d, (uint32_t)a);
}

static int powercap_pai_check(const struct arb_res *res, int64_t a, int64_t b)
{
	return a < 0 || a > UINT32_MAX ? -ERANGE : pc_pai_check(res->d, (uint32_t)a);
}

const struct arb_kind arb_kind_powercap = {
	.asks = {
		[ARB_LEVEL] = { powercap_cap, powercap_cap_check },
		[ARB_PAI] = { powercap_pai, powercap_pai_check },
	},
	.add = pc_add,
	.del = pc_del,
	.target = pc_target,
	.next = pc_next,
	.apply = pc_apply,
	.reads = { VSCMI_OP_POWERCAP_CAP, VSCMI_OP_POWERCAP_PAI },
	.nreads = 2,
	.resync = pc_resync,
	.valid = pc_valid,
	.init = pc_init,
	.set_boot = pc_set_boot,
};
