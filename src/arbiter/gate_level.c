/* SPDX-License-Identifier: GPL-2.0-only */
/* Clocks and voltage domains: a gate (on/off) and a rate or level under a
 * policy (max, exclusive, fixed). Both kinds follow the same rules; their
 * config fields and platform calls differ, and only clocks have parents. */
#include <errno.h>

#include "internal.h"

static bool gl_clock(const struct arb_res *res)
{
	return res->d->kind == VSCMI_CLOCK;
}

static enum vscmi_policy gl_policy(const struct arb_res *res)
{
	return gl_clock(res) ? res->d->u.clock.policy : res->d->u.voltage.policy;
}

/* The configured rate or level: the fixed one, or the one at start. */
static int64_t gl_fixed(const struct arb_res *res)
{
	return gl_clock(res) ? (int64_t)res->d->u.clock.rate : res->d->u.voltage.level;
}

static enum vscmi_op_type gl_gate_op(const struct arb_res *res)
{
	return gl_clock(res) ? VSCMI_OP_CLOCK_ENABLE : VSCMI_OP_VOLTAGE_CONFIG;
}

static enum vscmi_op_type gl_level_op(const struct arb_res *res)
{
	return gl_clock(res) ? VSCMI_OP_CLOCK_RATE : VSCMI_OP_VOLTAGE_LEVEL;
}

static void gl_add(struct arb_vote *v)
{
	struct arb_res *res = v->res;
	enum vscmi_policy p = gl_policy(res);

	if (!v->st.on)
		return;
	res->holders++;
	if (!v->st.has_level)
		return;
	if (p == VSCMI_POLICY_MAX)
		mset_add(&res->levels, v->st.level);
	else if (p == VSCMI_POLICY_EXCLUSIVE && !res->owner)
		res->owner = v;
}

static void gl_del(struct arb_vote *v)
{
	struct arb_res *res = v->res;
	enum vscmi_policy p = gl_policy(res);

	if (!v->st.on)
		return;
	res->holders--;
	if (!v->st.has_level)
		return;
	if (p == VSCMI_POLICY_MAX) {
		mset_del(&res->levels, v->st.level);
		/* The last contributor leaving keeps the rate where it was. */
		if (mset_empty(&res->levels))
			res->free_level = v->st.level;
	} else if (res->owner == v) {
		res->owner = NULL;
		res->free_level = v->st.level;
	}
}

static void gl_target(const struct arb_res *res, struct arb_state *t)
{
	enum vscmi_policy p = gl_policy(res);

	t->on = res->boot || res->holders + res->children_on > 0;
	if (p == VSCMI_POLICY_FIXED)
		t->level = gl_fixed(res);
	else if (p == VSCMI_POLICY_MAX && !mset_empty(&res->levels))
		t->level = mset_max(&res->levels);
	else if (p == VSCMI_POLICY_EXCLUSIVE && res->owner)
		t->level = res->owner->st.level;
	else
		t->level = res->free_level;
}

static bool gl_next(const struct arb_res *res, const struct arb_state *t, enum arb_phase phase,
		    struct vscmi_op *op)
{
	if (phase == ARB_UP) {
		/* The rate settles before the gate opens. */
		if (t->level != res->phys.level)
			return arb_op(op, gl_level_op(res), t->level, 0);
		if (t->on && !res->phys.on)
			return arb_op(op, gl_gate_op(res), 1, 0);
	} else if (!t->on && res->phys.on) {
		return arb_op(op, gl_gate_op(res), 0, 0);
	}
	return false;
}

static int gl_apply(struct arb_res *res, const struct vscmi_op *op)
{
	if (op->type == gl_gate_op(res))
		res->phys.on = op->val != 0;
	else if (op->type == gl_level_op(res))
		res->phys.level = op->val;
	return 0;
}

static unsigned int gl_resync(const struct arb_res *res, const struct arb_state *t,
			      enum arb_phase phase, struct vscmi_op ops[ARB_OPS_PER_STEP])
{
	bool up = phase == ARB_UP;
	unsigned int n = 0;

	if (up)
		arb_op(&ops[n++], gl_level_op(res), t->level, 0);
	if (up == t->on)
		arb_op(&ops[n++], gl_gate_op(res), t->on, 0);
	return n;
}

static bool gl_demands(const struct arb_res *res)
{
	/* Running is what needs the parent: a clock the platform refused to
	 * stop keeps its parent on even though no vote wants it. */
	return res->boot || res->holders + res->children_on > 0 || res->phys.on;
}

/* What no command could have voted for. */
static bool gl_valid(const struct arb_res *res, const struct arb_state *st)
{
	if (st->has_level && gl_policy(res) == VSCMI_POLICY_FIXED)
		return st->level == gl_fixed(res);
	return !st->has_level || st->level >= 0;
}

static void gl_restore_owner(struct arb_vote *v, bool owner)
{
	struct arb_res *res = v->res;

	/* Ownership is first come: it is put back as it was, whatever order
	 * the votes come back in. */
	if (res->owner == v && !owner)
		res->owner = NULL;
	else if (owner && v->st.on && v->st.has_level && gl_policy(res) == VSCMI_POLICY_EXCLUSIVE)
		res->owner = v;
}

static void gl_init(struct arb_res *res)
{
	res->phys.on = res->boot = gl_clock(res) ? res->d->u.clock.on : res->d->u.voltage.on;
	res->phys.level = gl_fixed(res);
}

static bool gl_boot_holds(const struct arb_res *res, const struct arb_state *phys)
{
	return phys->on;
}

static bool gl_takes_over(const struct arb_res *res, const struct arb_state *st)
{
	return st->on;
}

/* Gate (clock) or on/off (voltage) under the resource's policy; a: on. */
static int gl_enable(struct arb_vote *v, int64_t a, int64_t b)
{
	struct arb_res *res = v->res;
	struct arb_state st = v->st;
	bool on = a != 0;

	if (st.on == on)
		return 0;
	st.on = on;
	/* An "off" that follows an "on" is a vote too: after a restart it is
	 * what brings a clock the last daemon left running back off. */
	st.voted = true;
	/* Another agent owns the rate: a rate this agent voted for earlier
	 * would never apply, and reading it back would lie. It follows the
	 * owner's rate instead; a refusal below restores the vote. */
	if (on && gl_policy(res) == VSCMI_POLICY_EXCLUSIVE && res->owner && res->owner != v) {
		st.has_level = false;
		st.level = 0;
	}
	return arb_vote_change(v, &st, NULL);
}

/* Rate (clock) or level (voltage) under the resource's policy; a: it. */
static int gl_level(struct arb_vote *v, int64_t a, int64_t b)
{
	struct arb_res *res = v->res;
	struct arb_state st = v->st;
	int64_t level = a;
	int64_t free_level = level;
	/* A rate voted while the agent does not hold the resource on counts
	 * only once it does (gl_add): the resource may run for others who
	 * never asked for this rate. While nobody runs on it at all, the
	 * hardware takes it at once, ready for when the gate opens. */
	bool set_free = !st.on && !res->boot && res->holders + res->children_on == 0;

	switch (gl_policy(res)) {
	case VSCMI_POLICY_FIXED:
		if (level != gl_fixed(res))
			return -EACCES;
		break;
	case VSCMI_POLICY_EXCLUSIVE:
		/* It could never apply, and reading it back would lie. */
		if (res->owner && res->owner != v)
			return -EACCES;
		break;
	case VSCMI_POLICY_MAX:
		break;
	default:
		return -EINVAL;
	}
	st.has_level = true;
	st.level = level;
	return arb_vote_change(v, &st, set_free ? &free_level : NULL);
}

/* Rates and levels are magnitudes; which ones the resource has is the
 * policy's to say, once the chain is free. */
static int gl_level_check(const struct arb_res *res, int64_t a, int64_t b)
{
	return a < 0 ? -EINVAL : 0;
}

const struct arb_kind arb_kind_clock = {
	.asks = {
		[ARB_GATE] = { gl_enable, NULL },
		[ARB_LEVEL] = { gl_level, gl_level_check },
	},
	.add = gl_add,
	.del = gl_del,
	.target = gl_target,
	.next = gl_next,
	.apply = gl_apply,
	.reads = { VSCMI_OP_CLOCK_ENABLE, VSCMI_OP_CLOCK_RATE },
	.nreads = 2,
	.resync = gl_resync,
	.demands = gl_demands,
	.valid = gl_valid,
	.restore_owner = gl_restore_owner,
	.init = gl_init,
	.boot_holds = gl_boot_holds,
	.takes_over = gl_takes_over,
};

/* As clocks, with no parents. */
const struct arb_kind arb_kind_voltage = {
	.asks = {
		[ARB_GATE] = { gl_enable, NULL },
		[ARB_LEVEL] = { gl_level, gl_level_check },
	},
	.add = gl_add,
	.del = gl_del,
	.target = gl_target,
	.next = gl_next,
	.apply = gl_apply,
	.reads = { VSCMI_OP_VOLTAGE_CONFIG, VSCMI_OP_VOLTAGE_LEVEL },
	.nreads = 2,
	.resync = gl_resync,
	.valid = gl_valid,
	.restore_owner = gl_restore_owner,
	.init = gl_init,
	.boot_holds = gl_boot_holds,
	.takes_over = gl_takes_over,
};
