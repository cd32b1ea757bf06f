/* SPDX-License-Identifier: GPL-2.0-only */
/* Pins: held by one agent at a time. The holder's function and configs
 * are what the platform gets; a pin nobody holds is at its configured
 * default. Taking a pin changes nothing physical (the holder starts from
 * what the pin has), so a request of several pins is all or nothing
 * without a platform call. Groups and functions are lists, with no votes
 * of their own. */
#include <errno.h>

#include "internal.h"

/* A config type at 0 and one never set read the same to the platform. */
static uint32_t pin_cfg(const struct arb_state *st, unsigned int type)
{
	return (st->cfg_mask >> type) & 1u ? st->cfg[type] : 0;
}

/* Votes change only where the pin is free or theirs; two holders can come
 * back only from a journal that is not one, and then the first stays. */
static void pin_add(struct arb_vote *v)
{
	if (v->st.owned && !v->res->owner)
		v->res->owner = v;
}

static void pin_del(struct arb_vote *v)
{
	if (v->res->owner == v)
		v->res->owner = NULL;
}

static void pin_default(const struct arb_res *res, struct arb_state *t)
{
	const struct vscmi_res_desc *d = res->d;

	t->func = d->u.pin.func >= 0 ? (uint32_t)d->u.pin.func + 1 : 0;
	t->cfg_mask = d->u.pin.cfg_mask;
	for (unsigned int i = 0; i < VSCMI_PIN_CFG_TYPES; i++)
		t->cfg[i] = d->u.pin.cfg[i];
}

static void pin_target(const struct arb_res *res, struct arb_state *t)
{
	const struct arb_state *o = res->owner ? &res->owner->st : NULL;

	if (!o) {
		pin_default(res, t);
		return;
	}
	t->func = o->func;
	t->cfg_mask = o->cfg_mask;
	for (unsigned int i = 0; i < VSCMI_PIN_CFG_TYPES; i++)
		t->cfg[i] = o->cfg[i];
}

static int64_t pin_func_plat(const struct arb_res *res, uint32_t func)
{
	const struct vscmi_model *m = res->arb->model;

	if (!func || func > m->nres[VSCMI_PIN_FUNC])
		return -1;
	return m->res[VSCMI_PIN_FUNC][func - 1].plat_id;
}

/* The function first: a config may only mean something under it. */
static bool pin_next(const struct arb_res *res, const struct arb_state *t, enum arb_phase phase,
		     struct vscmi_op *op)
{
	if (phase != ARB_UP)
		return false;
	if (t->func != res->phys.func)
		return arb_op(op, VSCMI_OP_PIN_FUNCTION, pin_func_plat(res, t->func), 0);
	for (unsigned int i = 1; i < VSCMI_PIN_CFG_TYPES; i++)
		if (pin_cfg(t, i) != pin_cfg(&res->phys, i))
			return arb_op(op, VSCMI_OP_PIN_CONFIG, i, pin_cfg(t, i));
	return false;
}

static int pin_apply(struct arb_res *res, const struct vscmi_op *op)
{
	const struct vscmi_model *m = res->arb->model;

	if (op->type == VSCMI_OP_PIN_FUNCTION) {
		if (op->val < 0) {
			res->phys.func = 0;
			return 0;
		}
		for (uint32_t i = 0; i < m->nres[VSCMI_PIN_FUNC]; i++) {
			if (m->res[VSCMI_PIN_FUNC][i].plat_id == op->val) {
				res->phys.func = i + 1;
				return 0;
			}
		}
		return -EINVAL;
	}
	if (op->type != VSCMI_OP_PIN_CONFIG || op->val < 1 || op->val >= VSCMI_PIN_CFG_TYPES ||
	    op->val2 < 0 || op->val2 > UINT32_MAX)
		return -EINVAL;
	res->phys.cfg_mask |= 1u << op->val;
	res->phys.cfg[op->val] = (uint32_t)op->val2;
	return 0;
}

static int pin_sync(struct arb_res *res)
{
	struct vscmi_op op = { .type = VSCMI_OP_PIN_FUNCTION, .id = res->d->plat_id };
	int failed = 0;

	if (vscmi_platform_read(res->arb->plat, &op) < 0 || pin_apply(res, &op) < 0)
		failed++;
	for (unsigned int i = 1; i < VSCMI_PIN_CFG_TYPES; i++) {
		op = (struct vscmi_op){ .type = VSCMI_OP_PIN_CONFIG, .id = res->d->plat_id,
					.val = i };
		/* The platform answers with the type in val, the value in val2. */
		if (vscmi_platform_read(res->arb->plat, &op) < 0 || op.val != i) {
			failed++;
			continue;
		}
		/* A type at 0 that the pin has no default for stays unlisted. */
		if ((op.val2 || ((res->d->u.pin.cfg_mask >> i) & 1u)) && pin_apply(res, &op) < 0)
			failed++;
	}
	return failed;
}

static unsigned int pin_resync(const struct arb_res *res, const struct arb_state *t,
			       enum arb_phase phase, struct vscmi_op ops[ARB_OPS_PER_STEP])
{
	unsigned int n = 0;

	if (phase != ARB_UP)
		return 0;
	arb_op(&ops[n++], VSCMI_OP_PIN_FUNCTION, pin_func_plat(res, t->func), 0);
	for (unsigned int i = 1; i < VSCMI_PIN_CFG_TYPES && n < ARB_OPS_PER_STEP; i++)
		if (pin_cfg(t, i) || pin_cfg(&res->phys, i))
			arb_op(&ops[n++], VSCMI_OP_PIN_CONFIG, i, pin_cfg(t, i));
	return n;
}

static void pin_init(struct arb_res *res)
{
	pin_default(res, &res->phys);
}

/* A restored vote: settings only on a held pin, known types and function. */
static bool pin_valid(const struct arb_res *res, const struct arb_state *st)
{
	if (st->on || st->asserted || st->has_level || st->has_limits || st->voted || st->pd ||
	    st->level || st->min || st->max)
		return false;
	if (!st->owned && (st->func || st->cfg_mask))
		return false;
	if (st->func > res->arb->model->nres[VSCMI_PIN_FUNC] ||
	    (st->cfg_mask & ~((1u << VSCMI_PIN_CFG_TYPES) - 2)))
		return false;
	for (unsigned int i = 0; i < VSCMI_PIN_CFG_TYPES; i++)
		if (!((st->cfg_mask >> i) & 1u) && st->cfg[i])
			return false;
	return true;
}

static bool pin_set_boot(struct arb_res *res, bool held, const struct arb_state *st)
{
	return false;
}

const struct arb_kind arb_kind_pin = {
	.add = pin_add,
	.del = pin_del,
	.target = pin_target,
	.next = pin_next,
	.apply = pin_apply,
	.sync = pin_sync,
	.resync = pin_resync,
	.valid = pin_valid,
	.init = pin_init,
	.set_boot = pin_set_boot,
};

static void pin_set_vote(struct arb_vote *v)
{
}

static void pin_set_target(const struct arb_res *res, struct arb_state *t)
{
	*t = res->phys;
}

static bool pin_set_next(const struct arb_res *res, const struct arb_state *t,
			 enum arb_phase phase, struct vscmi_op *op)
{
	return false;
}

static int pin_set_apply(struct arb_res *res, const struct vscmi_op *op)
{
	return 0;
}

/* Groups and functions: no votes, no state, nothing for a boot vote. */
const struct arb_kind arb_kind_pin_set = {
	.add = pin_set_vote,
	.del = pin_set_vote,
	.target = pin_set_target,
	.next = pin_set_next,
	.apply = pin_set_apply,
	.set_boot = pin_set_boot,
};

static bool pin_taken(const struct arb_vote *v)
{
	return v->res->owner && v->res->owner != v;
}

int arb_pin_request(struct arb_vote *const *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (v[i]->res->d->kind != VSCMI_PIN)
			return -EINVAL;
		if (pin_taken(v[i]))
			return -EADDRINUSE;
		/* A change under way could put back a vote from before. */
		if (!v[i]->st.owned && !arb_res_idle(v[i]->res))
			return -EBUSY;
	}
	for (uint32_t i = 0; i < n; i++) {
		struct arb_state st = v[i]->st;

		if (st.owned)
			continue;
		/* From what the pin has: the target stays where it is. */
		pin_target(v[i]->res, &st);
		st.owned = true;
		arb_vote_take(v[i], &st);
	}
	return 0;
}

static int pin_release_run(struct arb_vote *v, int64_t a, int64_t b)
{
	static const struct arb_state none;

	if (!v->st.owned)
		return 0;
	return arb_vote_change(v, &none, NULL);
}

int arb_pin_release(struct arb_vote *const *v, uint32_t n)
{
	int r = 0;

	for (uint32_t i = 0; i < n; i++) {
		if (v[i]->res->d->kind != VSCMI_PIN)
			return -EINVAL;
		if (pin_taken(v[i]))
			return -EACCES;
	}
	for (uint32_t i = 0; i < n; i++) {
		int ri;

		if (!v[i]->st.owned && !v[i]->change.queued)
			continue;
		ri = arb_request(v[i], pin_release_run, 0, 0);
		/* The first refusal is the answer; a release still waiting is
		 * the answer when nothing was refused. */
		if (ri < 0 && (r == 0 || r == -EINPROGRESS))
			r = ri;
	}
	return r;
}

static int pin_settings_run(struct arb_vote *v, int64_t a, int64_t b)
{
	/* Another agent may have taken it while this waited. */
	if (pin_taken(v))
		return -EACCES;
	return arb_vote_change(v, &v->want, NULL);
}

int arb_pin_settings(struct arb_vote *v, const struct arb_state *st)
{
	if (v->res->d->kind != VSCMI_PIN)
		return -EINVAL;
	if (pin_taken(v))
		return -EACCES;
	if (!pin_valid(v->res, st) || !st->owned)
		return -EINVAL;
	/* v->want belongs to the change that waits. */
	if (v->change.queued)
		return -EBUSY;
	v->want = *st;
	return arb_request(v, pin_settings_run, 0, 0);
}

uint32_t arb_pin_owner(const struct arb_res *res)
{
	return res->owner ? res->owner->agent->id : 0;
}
