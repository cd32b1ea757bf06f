/* SPDX-License-Identifier: GPL-2.0-only */
/* Reset lines: asserted only while every user asserts; and autonomous
 * resets (pulses), which change no vote. */
#include <errno.h>

#include "internal.h"

static void rst_add(struct arb_vote *v)
{
	if (v->st.voted && !v->st.asserted)
		v->res->holders++;
}

static void rst_del(struct arb_vote *v)
{
	if (v->st.voted && !v->st.asserted)
		v->res->holders--;
}

static void rst_target(const struct arb_res *res, struct arb_state *t)
{
	t->asserted = !res->boot && res->holders == 0;
}

static bool rst_next(const struct arb_res *res, const struct arb_state *t, enum arb_phase phase,
		     struct vscmi_op *op)
{
	if (t->asserted == res->phys.asserted)
		return false;
	/* Deassert on the way up, assert on the way down. */
	if ((phase == ARB_UP) != t->asserted)
		return arb_op(op, VSCMI_OP_RESET_LINE, t->asserted, 0);
	return false;
}

/* A pulse leaves the line as it was. */
static int rst_apply(struct arb_res *res, const struct vscmi_op *op)
{
	if (op->type == VSCMI_OP_RESET_LINE)
		res->phys.asserted = op->val != 0;
	return 0;
}

static unsigned int rst_resync(const struct arb_res *res, const struct arb_state *t,
			       enum arb_phase phase, struct vscmi_op ops[ARB_OPS_PER_STEP])
{
	if ((phase == ARB_UP) == t->asserted)
		return 0;
	arb_op(&ops[0], VSCMI_OP_RESET_LINE, t->asserted, 0);
	return 1;
}

static void rst_init(struct arb_res *res)
{
	res->phys.asserted = res->d->u.reset.asserted;
	res->boot = !res->d->u.reset.asserted;
}

static bool rst_boot_holds(const struct arb_res *res, const struct arb_state *phys)
{
	return !phys->asserted;
}

static bool rst_takes_over(const struct arb_res *res, const struct arb_state *st)
{
	return st->voted && !st->asserted;
}

/* a: asserted. */
static int reset_line(struct arb_vote *v, int64_t a, int64_t b)
{
	struct arb_state st = v->st;

	st.voted = true;
	st.asserted = a != 0;
	return arb_vote_change(v, &st, NULL);
}

/* Pulsing a line others hold deasserted would reset their devices. */
static bool pulse_allowed(const struct arb_res *res)
{
	return res->users <= 1 || res->d->u.reset.allow_autonomous;
}

/* A pulse holds the line's chain while the platform carries it out: a
 * change of the line waits for it, and it waits for one in progress.
 * a: the reset_state. */
static int reset_pulse(struct arb_vote *v, int64_t a, int64_t b)
{
	struct arb_res *res = v->res;
	struct vscmi_op op = { .type = VSCMI_OP_RESET_PULSE, .id = res->d->plat_id,
			       .val = (uint32_t)a };

	/* Users may have come while it waited. */
	if (!pulse_allowed(res))
		return -EACCES;
	return arb_pulse(v, &op);
}

static int reset_pulse_check(const struct arb_res *res, int64_t a, int64_t b)
{
	if (a < 0 || a > UINT32_MAX)
		return -EINVAL;
	return pulse_allowed(res) ? 0 : -EACCES;
}

const struct arb_kind arb_kind_reset = {
	.asks = {
		[ARB_ASSERT] = { reset_line, NULL },
		[ARB_PULSE] = { reset_pulse, reset_pulse_check },
	},
	.add = rst_add,
	.del = rst_del,
	.target = rst_target,
	.next = rst_next,
	.apply = rst_apply,
	.reads = { VSCMI_OP_RESET_LINE },
	.nreads = 1,
	.resync = rst_resync,
	.init = rst_init,
	.boot_holds = rst_boot_holds,
	.takes_over = rst_takes_over,
};
