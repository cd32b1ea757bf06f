/* SPDX-License-Identifier: GPL-2.0-only */
/* Power domains: a vote is a state, and the domain runs in the most powered
 * one voted (states run from most to least powered, the last is off). */
#include <errno.h>

#include "internal.h"

static uint32_t pd_off(const struct arb_res *res)
{
	return res->d->u.power.nstates - 1;
}

static void pd_add(struct arb_vote *v)
{
	if (v->st.voted)
		v->res->pd_count[v->st.pd]++;
}

static void pd_del(struct arb_vote *v)
{
	if (v->st.voted)
		v->res->pd_count[v->st.pd]--;
}

static void pd_target(const struct arb_res *res, struct arb_state *t)
{
	t->pd = res->boot ? res->boot_pd : pd_off(res);
	if (res->children_on) {
		t->pd = 0;
		return;
	}
	for (uint32_t i = 0; i < t->pd; i++) {
		if (res->pd_count[i]) {
			t->pd = i;
			return;
		}
	}
}

static bool pd_next(const struct arb_res *res, const struct arb_state *t, enum arb_phase phase,
		    struct vscmi_op *op)
{
	bool up = t->pd < res->phys.pd, down = t->pd > res->phys.pd;

	if ((phase == ARB_UP && up) || (phase == ARB_DOWN && down))
		return arb_op(op, VSCMI_OP_POWER_STATE, res->d->u.power.states[t->pd].value, 0);
	return false;
}

static int pd_apply(struct arb_res *res, const struct vscmi_op *op)
{
	int i;

	if (op->type != VSCMI_OP_POWER_STATE)
		return 0;
	/* Only a read can bring a state the config does not list. */
	i = vscmi_pd_state_index(res->d, (uint32_t)op->val);
	if (i < 0)
		return -EINVAL;
	res->phys.pd = (uint32_t)i;
	return 0;
}

static unsigned int pd_resync(const struct arb_res *res, const struct arb_state *t,
			      enum arb_phase phase, struct vscmi_op ops[ARB_OPS_PER_STEP])
{
	if ((phase == ARB_UP) != (t->pd != pd_off(res)))
		return 0;
	arb_op(&ops[0], VSCMI_OP_POWER_STATE, res->d->u.power.states[t->pd].value, 0);
	return 1;
}

static bool pd_demands(const struct arb_res *res)
{
	struct arb_state t;

	pd_target(res, &t);
	return t.pd != pd_off(res) || res->phys.pd != pd_off(res);
}

static bool pd_valid(const struct arb_res *res, const struct arb_state *st)
{
	return !st->voted || st->pd < res->d->u.power.nstates;
}

static void pd_init(struct arb_res *res)
{
	res->phys.pd = res->boot_pd = res->d->u.power.initial;
	res->boot = res->d->u.power.initial != pd_off(res);
}

static bool pd_boot_holds(const struct arb_res *res, const struct arb_state *phys)
{
	return phys->pd != pd_off(res);
}

static bool pd_set_boot(struct arb_res *res, bool held, const struct arb_state *st)
{
	if (!held)
		return false;
	/* Off holds nothing. */
	if (st->pd >= pd_off(res))
		return false;
	res->boot_pd = st->pd;
	return true;
}

static bool pd_takes_over(const struct arb_res *res, const struct arb_state *st)
{
	/* states run from most to least powered */
	return st->voted && st->pd <= res->boot_pd;
}

/* a: the index of the state. */
static int power_state(struct arb_vote *v, int64_t a, int64_t b)
{
	struct arb_state st = v->st;

	st.voted = true;
	st.pd = (uint32_t)a;
	return arb_vote_change(v, &st, NULL);
}

static int power_state_check(const struct arb_res *res, int64_t a, int64_t b)
{
	return a >= 0 && a < res->d->u.power.nstates ? 0 : -EINVAL;
}

const struct arb_kind arb_kind_power = {
	.asks = {
		[ARB_PD_STATE] = { power_state, power_state_check },
	},
	.add = pd_add,
	.del = pd_del,
	.target = pd_target,
	.next = pd_next,
	.apply = pd_apply,
	.reads = { VSCMI_OP_POWER_STATE },
	.nreads = 1,
	.resync = pd_resync,
	.demands = pd_demands,
	.valid = pd_valid,
	.init = pd_init,
	.boot_holds = pd_boot_holds,
	.set_boot = pd_set_boot,
	.takes_over = pd_takes_over,
};
