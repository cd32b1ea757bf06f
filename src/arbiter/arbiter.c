/* SPDX-License-Identifier: GPL-2.0-only */
/* The resource-refcount core.
 *
 * Theory of operation: each (agent, resource) pair has a vote. A vote
 * contributes to counts kept on its resource (holders, per-state counts,
 * sorted multisets of levels), so a vote change costs O(1) or O(log n) and
 * never scans agents. The target physical state is a pure function of those
 * counts (res_target); reconcile brings the platform to the target along the
 * resource's parent chain: parents are switched up before children, children
 * down before parents. A vote change is a transaction: on a platform
 * refusal the vote is put back and the chain reconciled again, which undoes
 * the calls already made. What differs between kinds (the counts, the
 * target, the platform calls, boot votes, what a restored vote may hold)
 * is a row each (struct arb_kind, internal.h), in the kind's own file;
 * arb_kinds lists them.
 *
 * Slow platforms: a platform call may finish later (start() returns
 * -EINPROGRESS, then a completion). A transaction is therefore a small
 * machine (struct arb_txn, one per resource, embedded so the fast path
 * never allocates): a step counter over "up the chain, then down", the op
 * in flight, and the vote to put back on a refusal. Each completion
 * records the op and runs the machine on until it waits again or ends.
 * While it runs it holds every resource of its chain (res->lock); a vote
 * change, release or retry that needs a held resource, or arrives behind
 * others waiting on its own resource, waits in that resource's FIFO
 * (bounded for changes: full is -EBUSY; releases are never refused, their
 * queue node lives in the vote). Changes on resources outside held chains
 * run at once. A change that does not finish before its call returns
 * answers -EINPROGRESS, and its result later goes to the done callback.
 * With a platform that finishes every call at once, nothing waits and
 * every call returns its result as before.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"
#include "vscmi/log.h"

/* Changes waiting per resource before a new one is refused (-EBUSY). */
#define ARB_QUEUE_MAX 16
/* Passes over the waiting queues per completion. */
#define ARB_DRAIN_PASSES 64

/* Each kind's row; every kind has one. */
static const struct arb_kind *const arb_kinds[VSCMI_KIND_COUNT] = {
	[VSCMI_CLOCK] = &arb_kind_clock,
	[VSCMI_POWER] = &arb_kind_power,
	[VSCMI_RESET] = &arb_kind_reset,
	[VSCMI_VOLTAGE] = &arb_kind_voltage,
	[VSCMI_PERF] = &arb_kind_perf,
	[VSCMI_SENSOR] = &arb_kind_sensor,
	[VSCMI_PIN] = &arb_kind_pin,
	[VSCMI_PIN_GROUP] = &arb_kind_pin_set,
	[VSCMI_PIN_FUNC] = &arb_kind_pin_set,
	[VSCMI_POWERCAP] = &arb_kind_powercap,
};

bool arb_op(struct vscmi_op *op, enum vscmi_op_type type, int64_t val, int64_t val2)
{
	*op = (struct vscmi_op){ .type = type, .val = val, .val2 = val2 };
	return true;
}

/* The platform did op: the record follows, and the observer hears of it. */
static void arb_record(struct arb_res *res, const struct vscmi_op *op, uint32_t cause)
{
	res->kind->apply(res, op);
	if (res->arb->observer)
		res->arb->observer(res->arb->observer_ctx, res, op, cause);
}

/* --- transactions ------------------------------------------------------ */

static void res_target(const struct arb_res *res, struct arb_state *t)
{
	*t = res->phys;
	res->kind->target(res, t);
}

/* Propagates a change of this resource's need for its parent upwards. */
static void update_demand(struct arb_res *res)
{
	for (int depth = 0; res && depth < ARB_MAX_DEPTH; depth++) {
		bool d = res->kind->demands ? res->kind->demands(res) : false;

		if (d == res->demand)
			return;
		res->demand = d;
		if (!res->parent)
			return;
		if (d)
			res->parent->children_on++;
		else
			res->parent->children_on--;
		res = res->parent;
	}
}

static void set_dirty(struct arb_res *res, bool dirty)
{
	if (res->dirty == dirty)
		return;
	res->dirty = dirty;
	if (dirty)
		res->arb->ndirty++;
	else
		res->arb->ndirty--;
}

static void boot_set(struct arb_res *res, bool boot)
{
	if (res->boot == boot)
		return;
	res->boot = boot;
	res->arb->boot_seq++;
	update_demand(res);
}

/* A vote for at least what the boot vote holds ends it: from then on the
 * agents' votes alone decide. */
static void boot_take_over(struct arb_res *res, const struct arb_state *st)
{
	const struct arb_kind *k = res->kind;

	if (res->boot && k->takes_over && k->takes_over(res, st))
		boot_set(res, false);
}

static void vote_set(struct arb_vote *v, const struct arb_state *st)
{
	const struct arb_kind *k = v->res->kind;

	k->del(v);
	v->st = *st;
	k->add(v);
	update_demand(v->res);
	v->agent->seq++;
}

static bool chain_free(const struct arb_res *res)
{
	for (int depth = 0; res && depth < ARB_MAX_DEPTH; depth++, res = res->parent)
		if (res->lock)
			return false;
	return true;
}

void arb_vote_take(struct arb_vote *v, const struct arb_state *st)
{
	vote_set(v, st);
}

bool arb_res_idle(const struct arb_res *res)
{
	return chain_free(res) && !res->wait_head;
}

static void txn_init(struct arb_txn *t, struct arb_res *res, enum arb_txn_kind kind,
		     uint32_t cause)
{
	t->arb = res->arb;
	t->kind = kind;
	t->n = 0;
	for (struct arb_res *p = res; p && t->n < ARB_MAX_DEPTH; p = p->parent)
		t->chain[t->n++] = p;
	t->step = t->ops_here = 0;
	t->v = NULL;
	t->err = t->result = 0;
	t->undo = t->waiting = t->notify = t->resume = false;
	t->cause = cause;
	t->active = true;
	for (unsigned int i = 0; i < t->n; i++)
		t->chain[i]->lock = t;
}

static struct arb_res *txn_at(const struct arb_txn *t, enum arb_phase *phase)
{
	*phase = t->step < t->n ? ARB_UP : ARB_DOWN;
	return t->step < t->n ? t->chain[t->n - 1 - t->step] : t->chain[t->step - t->n];
}

static void txn_platform_done(void *ctx, int result);

/* The call at the current step ended with r. */
static int txn_result(struct arb_txn *t, int r)
{
	enum arb_phase phase;
	struct arb_res *res = txn_at(t, &phase);

	if (r == -ETIMEDOUT) {
		/* Sent but not answered in time: a late firmware still works
		 * through its queue and carries it out. Taken as done, so that
		 * the undo sets the old value again (an idempotent set, harmless
		 * if it never happened) instead of trusting that nothing
		 * changed; the firmware, in order, ends where the record does. */
		log_info("arbiter: %s %s: no answer in time, taken as done",
			 vscmi_op_name(t->op.type), res->d->name);
		res->kind->apply(res, &t->op);
	}
	if (r < 0) {
		log_debug("arbiter: %s %s refused: %d", vscmi_op_name(t->op.type), res->d->name, r);
		/* Demand follows what the platform did up to here. */
		update_demand(res);
		return r;
	}
	arb_record(res, &t->op, t->cause);
	return 0;
}

/* Brings the chain to its targets: parents up before children, children
 * down before parents. Demand follows the physical state too, so it is
 * updated after each resource: a child switched off releases its parent
 * only then. 0, -EINPROGRESS waiting for the platform, or a refusal. */
static int txn_step(struct arb_txn *t)
{
	struct arb *arb = t->arb;
	int r;

	if (t->resume) {
		t->resume = false;
		r = txn_result(t, t->resume_r);
		if (r < 0)
			return r;
	}
	while (t->step < 2 * t->n) {
		enum arb_phase phase;
		struct arb_res *res = txn_at(t, &phase);
		struct arb_state st;

		res_target(res, &st);
		if (t->ops_here < ARB_OPS_PER_STEP && res->kind->next(res, &st, phase, &t->op)) {
			t->op.id = res->d->plat_id;
			t->ops_here++;
			r = vscmi_platform_start(arb->plat, &t->op, txn_platform_done, t);
			if (r == -EINPROGRESS) {
				t->waiting = true;
				return r;
			}
			r = txn_result(t, r);
			if (r < 0)
				return r;
			continue;
		}
		update_demand(res);
		t->step++;
		t->ops_here = 0;
	}
	for (unsigned int i = 0; i < t->n; i++)
		set_dirty(t->chain[i], false);
	return 0;
}

/* A refused change: the old vote comes back and the chain is reconciled
 * again, which undoes the calls already made. */
static void txn_refused(struct arb_txn *t, int err)
{
	struct arb_res *res = t->chain[0];

	t->err = err;
	t->undo = true;
	vote_set(t->v, &t->old);
	res->free_level = t->old_free;
	boot_set(res, t->old_boot);
	t->step = t->ops_here = 0;
}

static void arb_drain(struct arb *arb);
static void resync_run(struct arb *arb);

static void txn_finish(struct arb_txn *t, int result)
{
	struct arb *arb = t->arb;
	struct arb_vote *v = t->v;
	bool tell = t->notify && (t->kind == ARB_TXN_CHANGE || t->kind == ARB_TXN_PULSE) && v;

	for (unsigned int i = 0; i < t->n; i++)
		t->chain[i]->lock = NULL;
	t->active = false;
	t->result = result;
	if (!t->notify)
		return;
	arb->nasync--;
	/* What waited on this chain goes first: a caller answered below
	 * cannot overtake it with a new change. t may be reused from here. */
	arb_drain(arb);
	/* The resync may have stopped at one of these resources. */
	if (arb->rs.active && !arb->rs.waiting)
		resync_run(arb);
	if (tell && arb->done)
		arb->done(arb->done_ctx, v, result);
}

/* A pulse: its one call, and the record of it once done. */
static int txn_pulse(struct arb_txn *t)
{
	struct arb_res *res = t->chain[0];
	int r;

	if (t->resume) {
		t->resume = false;
		r = t->resume_r;
	} else {
		r = vscmi_platform_start(t->arb->plat, &t->op, txn_platform_done, t);
		if (r == -EINPROGRESS) {
			t->waiting = true;
			return r;
		}
	}
	if (r < 0) {
		log_debug("arbiter: %s %s refused: %d", vscmi_op_name(t->op.type), res->d->name, r);
		return r;
	}
	arb_record(res, &t->op, t->cause);
	return 0;
}

/* Runs the transaction until it waits for the platform or ends. */
static void txn_drive(struct arb_txn *t)
{
	struct arb_res *res = t->chain[0];

	if (t->kind == ARB_TXN_PULSE) {
		int r = txn_pulse(t);

		if (r != -EINPROGRESS)
			txn_finish(t, r);
		return;
	}
	for (;;) {
		int r = t->undo || t->err == 0 ? txn_step(t) : 0;

		if (r == -EINPROGRESS)
			return;
		if (t->err && !t->undo && t->v) {
			/* refused before any call (an infeasible vote) */
			txn_refused(t, t->err);
			continue;
		}
		if (r < 0 && !t->undo && t->kind == ARB_TXN_CHANGE && t->v) {
			txn_refused(t, r);
			continue;
		}
		if (t->undo) {
			if (r < 0) {
				log_warn("arbiter: %s %s: could not undo a refused change",
					 vscmi_kind_name(res->d->kind), res->d->name);
				set_dirty(res, true);
			}
			r = t->err;
		} else if (r < 0) {
			/* The guest is gone either way (release), or a retry
			 * failed again: the hardware stays as it is, marked. */
			if (t->kind == ARB_TXN_RELEASE)
				log_warn("arbiter: agent %u release: %s %s stays as it is",
					 t->cause, vscmi_kind_name(res->d->kind), res->d->name);
			set_dirty(res, true);
		}
		txn_finish(t, r);
		return;
	}
}

static void txn_platform_done(void *ctx, int result)
{
	struct arb_txn *t = ctx;

	t->waiting = false;
	t->resume = true;
	t->resume_r = result;
	txn_drive(t);
}

/* Starts t (locked by txn_init): its result, or -EINPROGRESS and the
 * result later through the done callback. */
static int txn_go(struct arb_txn *t)
{
	txn_drive(t);
	if (!t->active)
		return t->result;
	t->notify = true;
	t->arb->nasync++;
	return -EINPROGRESS;
}

int arb_vote_change(struct arb_vote *v, const struct arb_state *st, const int64_t *free_level)
{
	struct arb_res *res = v->res;
	struct arb_txn *t = &res->txn;

	txn_init(t, res, ARB_TXN_CHANGE, v->agent->id);
	t->v = v;
	t->old = v->st;
	t->old_free = res->free_level;
	t->old_boot = res->boot;
	vote_set(v, st);
	if (free_level)
		res->free_level = *free_level;
	boot_take_over(res, &v->st);
	if (res->kind->feasible && !res->kind->feasible(res))
		t->err = -EACCES;
	return txn_go(t);
}

/* Field by field: a state's padding is whatever its copy brought along. */
static bool state_empty(const struct arb_state *st)
{
	return !st->on && !st->asserted && !st->has_level && !st->has_limits && !st->voted &&
	       !st->pd && !st->level && !st->min && !st->max && !st->owned && !st->func &&
	       !st->cfg_mask;
}

/* a: withdrawn, the vote is out already (arb_agent_release); the resource
 * follows. */
static int vote_release(struct arb_vote *v, int64_t a, int64_t b)
{
	static const struct arb_state none;
	struct arb_txn *t = &v->res->txn;

	if (!a && state_empty(&v->st))
		return 0;
	txn_init(t, v->res, ARB_TXN_RELEASE, v->agent->id);
	t->v = v;
	vote_set(v, &none);
	return txn_go(t);
}

int arb_pulse(struct arb_vote *v, const struct vscmi_op *op)
{
	struct arb_txn *t = &v->res->txn;

	txn_init(t, v->res, ARB_TXN_PULSE, v->agent->id);
	t->v = v;
	t->op = *op;
	return txn_go(t);
}

/* Releases are never refused, and their queue node lives in the vote. */
static bool req_release(const struct arb_req *q)
{
	return q->run == vote_release;
}

static void req_push(struct arb_res *res, struct arb_req *q)
{
	q->next = NULL;
	q->queued = true;
	if (res->wait_tail)
		res->wait_tail->next = q;
	else
		res->wait_head = q;
	res->wait_tail = q;
	if (!req_release(q))
		res->nwait++;
	res->arb->nwaiting++;
}

static void req_unlink(struct arb_res *res, struct arb_req *q)
{
	struct arb_req **pp = &res->wait_head, *prev = NULL;

	while (*pp && *pp != q) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (!*pp)
		return;
	*pp = q->next;
	if (res->wait_tail == q)
		res->wait_tail = prev;
	q->queued = false;
	if (!req_release(q))
		res->nwait--;
	res->arb->nwaiting--;
}

int arb_vote_ask(struct arb_vote *v, enum arb_ask what, int64_t a, int64_t b)
{
	const struct arb_ask_row *row;
	int r;

	if ((unsigned int)what >= ARB_ASK_COUNT)
		return -EINVAL;
	row = &v->res->kind->asks[what];
	if (!row->run)
		return -EINVAL;
	if (row->check) {
		r = row->check(v->res, a, b);
		if (r < 0)
			return r;
	}
	return arb_request(v, row->run, a, b);
}

/* A change now, or in its resource's queue when its chain is held or
 * others wait before it. */
int arb_request(struct arb_vote *v, arb_req_fn run, int64_t a, int64_t b)
{
	struct arb_res *res = v->res;
	bool release = run == vote_release;
	struct arb_req *q = release ? &v->release : &v->change;

	/* Nothing in flight anywhere: the synchronous path, as it always was. */
	if (!res->arb->nasync && !res->arb->nwaiting)
		return run(v, a, b);
	if (!res->wait_head && chain_free(res))
		return run(v, a, b);
	if (q->queued)
		return release ? -EINPROGRESS : -EBUSY;
	if (!release && res->nwait >= ARB_QUEUE_MAX)
		return -EBUSY;
	q->run = run;
	q->a = a;
	q->b = b;
	q->v = v;
	req_push(res, q);
	return -EINPROGRESS;
}

/* Starts what waits and can run now, oldest first per resource. */
static void arb_drain(struct arb *arb)
{
	if (arb->draining) {
		arb->redrain = true;
		return;
	}
	arb->draining = true;
	for (int pass = 0; pass < ARB_DRAIN_PASSES && arb->nwaiting; pass++) {
		arb->redrain = false;
		for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
			for (uint32_t i = 0; i < arb->nres[k]; i++) {
				struct arb_res *res = &arb->res[k][i];

				while (res->wait_head && chain_free(res)) {
					struct arb_req *q = res->wait_head;
					struct arb_vote *v = q->v;
					bool release = req_release(q);
					int r;

					req_unlink(res, q);
					r = q->run(v, q->a, q->b);
					/* The caller was told -EINPROGRESS: it hears now. */
					if (r != -EINPROGRESS && !release && arb->done)
						arb->done(arb->done_ctx, v, r);
				}
			}
		}
		if (!arb->redrain)
			break;
	}
	arb->draining = false;
}

/* A retry of a resource whose hardware lags its votes; no agent's doing
 * (agent ids start at 1). A held chain is left for a later retry. */
static int reconcile_one(struct arb_res *res)
{
	int r;

	if (!chain_free(res) || res->wait_head)
		return -EBUSY;
	txn_init(&res->txn, res, ARB_TXN_RECONCILE, 0);
	r = txn_go(&res->txn);
	return r == -EINPROGRESS ? 0 : r;
}

/* --- restart -------------------------------------------------------------- */

/* Which platform state backs which field of phys; a field the platform
 * cannot report keeps what the model says. */
static int sync_one(struct arb_res *res)
{
	const struct arb_kind *k = res->kind;
	int failed = 0;

	if (k->sync)
		return k->sync(res);
	for (unsigned int i = 0; i < k->nreads; i++) {
		struct vscmi_op op = { .type = k->reads[i], .id = res->d->plat_id };

		if (vscmi_platform_read(res->arb->plat, &op) < 0 || k->apply(res, &op) < 0)
			failed++;
	}
	/* Unowned rates and levels stay where the hardware has them. */
	res->free_level = res->phys.level;
	return failed;
}

int arb_sync_phys(struct arb *arb)
{
	int failed = 0;

	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t i = 0; i < arb->nres[k]; i++) {
			arb->res[k][i].children_on = 0;
			arb->res[k][i].demand = false;
		}
		for (uint32_t i = 0; i < arb->nres[k]; i++)
			failed += sync_one(&arb->res[k][i]);
		for (uint32_t i = 0; i < arb->nres[k]; i++)
			update_demand(&arb->res[k][i]);
	}
	return failed;
}

bool arb_vote_owner(const struct arb_vote *v)
{
	return v->res->owner == v;
}

int arb_vote_restore(struct arb_vote *v, const struct arb_state *st, bool owner)
{
	struct arb_res *res = v->res;
	const struct arb_kind *k = res->kind;

	/* What no command could have voted for. */
	if (k->valid && !k->valid(res, st))
		return -EINVAL;
	vote_set(v, st);
	/* A vote only a takeover could have cast: the boot vote ended then. */
	boot_take_over(res, &v->st);
	if (k->restore_owner)
		k->restore_owner(v, owner);
	return 0;
}

bool arb_res_boot_held(const struct arb_res *res)
{
	return res->boot;
}

void arb_res_boot_state(const struct arb_res *res, struct arb_state *st)
{
	*st = (struct arb_state){ .on = res->boot, .asserted = !res->boot, .voted = res->boot,
				  .pd = res->boot ? res->boot_pd : 0, .level = res->boot_level,
				  .min = (uint32_t)res->boot_pai };
}

void arb_res_set_boot(struct arb_res *res, bool held, const struct arb_state *st)
{
	if (res->kind->set_boot)
		held = res->kind->set_boot(res, held, st);
	boot_set(res, held);
}

void arb_boot_from_phys(struct arb *arb)
{
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t i = 0; i < arb->nres[k]; i++) {
			struct arb_res *res = &arb->res[k][i];
			const struct arb_state *p = &res->phys;
			struct arb_state st = { .pd = p->pd, .level = p->level, .min = p->min };
			bool up = res->kind->boot_holds && res->kind->boot_holds(res, p);

			arb_res_set_boot(res, up, &st);
		}
	}
}

/* Whether the platform's state differs from what the votes add up to. */
static bool res_lags(const struct arb_res *res)
{
	struct vscmi_op op;
	struct arb_state t;

	res_target(res, &t);
	return res->kind->next(res, &t, ARB_UP, &op) || res->kind->next(res, &t, ARB_DOWN, &op);
}

int arb_reconcile_lagging(struct arb *arb)
{
	int failed = 0;

	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t i = 0; i < arb->nres[k]; i++) {
			struct arb_res *res = &arb->res[k][i];

			if (!res_lags(res))
				continue;
			if (reconcile_one(res) < 0) {
				set_dirty(res, true);
				failed++;
			}
		}
	}
	return failed;
}

uint64_t arb_boot_seq(const struct arb *arb)
{
	return arb->boot_seq;
}

uint64_t arb_agent_seq(const struct arb_agent *agent)
{
	return agent->seq;
}

/* --- objects -------------------------------------------------------------- */

static void res_init(struct arb *arb, struct arb_res *res, const struct vscmi_res_desc *d,
		     uint32_t index)
{
	res->arb = arb;
	res->d = d;
	res->kind = arb_kinds[d->kind];
	res->index = index;
	if (res->kind->init)
		res->kind->init(res);
	res->free_level = res->phys.level;
}

struct arb *arb_new(const struct vscmi_model *model, struct vscmi_platform *plat)
{
	struct arb *arb = calloc(1, sizeof(*arb));

	if (!arb)
		return NULL;
	arb->model = model;
	arb->plat = plat;
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		uint32_t n = model->nres[k];

		if (!n)
			continue;
		arb->res[k] = calloc(n, sizeof(struct arb_res));
		if (!arb->res[k]) {
			arb_free(arb);
			return NULL;
		}
		arb->nres[k] = n;
		for (uint32_t i = 0; i < n; i++)
			res_init(arb, &arb->res[k][i], &model->res[k][i], i);
		for (uint32_t i = 0; i < n; i++) {
			int p = model->res[k][i].parent;

			if (p >= 0 && (uint32_t)p < n)
				arb->res[k][i].parent = &arb->res[k][p];
		}
		/* A child that is on at boot holds its parent like any other. */
		for (uint32_t i = 0; i < n; i++)
			update_demand(&arb->res[k][i]);
	}
	return arb;
}

void arb_free(struct arb *arb)
{
	if (!arb)
		return;
	if (arb->rs.waiting)
		vscmi_platform_cancel(arb->plat, &arb->rs);
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t i = 0; i < arb->nres[k]; i++) {
			/* No completion may come back to what is freed here. */
			if (arb->res[k][i].txn.active && arb->res[k][i].txn.waiting)
				vscmi_platform_cancel(arb->plat, &arb->res[k][i].txn);
			mset_free(&arb->res[k][i].levels);
			mset_free(&arb->res[k][i].mins);
			mset_free(&arb->res[k][i].maxs);
		}
		free(arb->res[k]);
	}
	free(arb);
}

void arb_set_observer(struct arb *arb, arb_observer_fn fn, void *ctx)
{
	arb->observer = fn;
	arb->observer_ctx = ctx;
}

void arb_set_done(struct arb *arb, arb_done_fn fn, void *ctx)
{
	arb->done = fn;
	arb->done_ctx = ctx;
}

uint32_t arb_in_flight(const struct arb *arb)
{
	return arb->nasync;
}

uint32_t arb_waiting(const struct arb *arb)
{
	return arb->nwaiting;
}

bool arb_res_held(const struct arb_res *res)
{
	return res->lock != NULL;
}

void arb_vote_set_data(struct arb_vote *v, void *data)
{
	v->data = data;
}

void *arb_vote_data(const struct arb_vote *v)
{
	return v->data;
}

uint32_t arb_res_count(const struct arb *arb, enum vscmi_kind kind)
{
	return (unsigned int)kind < VSCMI_KIND_COUNT ? arb->nres[kind] : 0;
}

struct arb_res *arb_res_get(struct arb *arb, enum vscmi_kind kind, uint32_t index)
{
	if ((unsigned int)kind >= VSCMI_KIND_COUNT || index >= arb->nres[kind])
		return NULL;
	return &arb->res[kind][index];
}

const struct vscmi_res_desc *arb_res_desc(const struct arb_res *res)
{
	return res->d;
}

uint32_t arb_res_index(const struct arb_res *res)
{
	return res->index;
}

void arb_res_phys(const struct arb_res *res, struct arb_state *st)
{
	*st = res->phys;
}

void arb_res_target(const struct arb_res *res, struct arb_state *st)
{
	res_target(res, st);
}

uint32_t arb_res_users(const struct arb_res *res)
{
	return res->users;
}

struct arb_agent *arb_agent_new(struct arb *arb, uint32_t agent_id)
{
	struct arb_agent *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->arb = arb;
	a->id = agent_id;
	return a;
}

uint32_t arb_agent_id(const struct arb_agent *agent)
{
	return agent->id;
}

struct arb_vote *arb_vote_new(struct arb_agent *agent, struct arb_res *res)
{
	struct arb_vote *v;
	uint32_t n = res->users + 1;

	/* Room for every user's vote up front: adding a vote cannot fail later. */
	if (mset_reserve(&res->levels, n) < 0 || mset_reserve(&res->mins, n) < 0 ||
	    mset_reserve(&res->maxs, n) < 0)
		return NULL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->res = res;
	v->agent = agent;
	v->next = agent->votes;
	agent->votes = v;
	res->users++;
	return v;
}

struct arb_res *arb_vote_res(const struct arb_vote *v)
{
	return v->res;
}

void arb_vote_state(const struct arb_vote *v, struct arb_state *st)
{
	*st = v->st;
}

int arb_agent_release(struct arb_agent *agent)
{
	static const struct arb_state none;
	int failed = 0;

	/* One step: every vote on a free resource comes out first, and only
	 * then do the resources follow, each straight to what the other votes
	 * add up to. One at a time, a parent would pass through what this
	 * agent's own vote on it asked (a domain through its retention state
	 * on the way off). A vote whose resource is busy follows the changes
	 * that wait before it. The guest is gone either way; a refusal leaves
	 * the hardware as it is and the resource marked for a later retry. */
	for (struct arb_vote *v = agent->votes; v; v = v->next) {
		bool pending = v->change.queued || (v->res->txn.active && v->res->txn.v == v);
		int r;

		v->withdrawn = false;
		if (state_empty(&v->st) && !pending)
			continue;
		if (!pending && chain_free(v->res) && !v->res->wait_head) {
			vote_set(v, &none);
			v->withdrawn = true;
			continue;
		}
		r = arb_request(v, vote_release, 0, 0);
		if (r < 0 && r != -EINPROGRESS)
			failed++;
	}
	for (struct arb_vote *v = agent->votes; v; v = v->next) {
		int r;

		if (!v->withdrawn)
			continue;
		v->withdrawn = false;
		r = arb_request(v, vote_release, 1, 0);
		if (r < 0 && r != -EINPROGRESS)
			failed++;
	}
	return failed;
}

void arb_agent_free(struct arb_agent *agent)
{
	static const struct arb_state none;
	struct arb_vote *v, *next;

	if (!agent)
		return;
	for (v = agent->votes; v; v = next) {
		next = v->next;
		/* Nothing that waits or runs may come back to a freed vote. */
		if (v->change.queued)
			req_unlink(v->res, &v->change);
		if (v->release.queued)
			req_unlink(v->res, &v->release);
		if (v->res->txn.active && v->res->txn.v == v)
			v->res->txn.v = NULL;
		/* Forgotten, not withdrawn: the hardware stays as it is. */
		vote_set(v, &none);
		set_dirty(v->res, true);
		v->res->users--;
		free(v);
	}
	free(agent);
}

bool arb_has_dirty(const struct arb *arb)
{
	return arb->ndirty > 0;
}

int arb_reconcile_all(struct arb *arb)
{
	int failed = 0;

	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		for (uint32_t i = 0; i < arb->nres[k]; i++)
			if (arb->res[k][i].dirty && reconcile_one(&arb->res[k][i]) < 0)
				failed++;
	return failed;
}

/* The resync's i-th call for res in this pass: every quantity is set
 * again, whatever the arbiter believes the platform holds. */
static bool resync_op(const struct arb_res *res, bool up, unsigned int idx, struct vscmi_op *op)
{
	struct vscmi_op ops[ARB_OPS_PER_STEP];
	unsigned int n = 0;
	struct arb_state t;

	res_target(res, &t);
	if (res->kind->resync)
		n = res->kind->resync(res, &t, up ? ARB_UP : ARB_DOWN, ops);
	if (idx >= n)
		return false;
	*op = ops[idx];
	op->id = res->d->plat_id;
	return true;
}

static int res_depth(const struct arb_res *res)
{
	int n = 0;

	for (const struct arb_res *p = res->parent; p && n < ARB_MAX_DEPTH; p = p->parent)
		n++;
	return n;
}

/* Lets go of the current resource: what waited on it may run. */
static void resync_release(struct arb *arb)
{
	struct arb_resync *rs = &arb->rs;

	if (!rs->held)
		return;
	update_demand(rs->held);
	if (rs->held->lock == &rs->lock)
		rs->held->lock = NULL;
	rs->held = NULL;
	rs->op = 0;
}

/* The next position of the walk; false past the end. */
static bool resync_advance(struct arb *arb)
{
	struct arb_resync *rs = &arb->rs;

	resync_release(arb);
	if (++rs->i < arb->nres[rs->k])
		return true;
	rs->i = 0;
	if (++rs->k < VSCMI_KIND_COUNT)
		return true;
	rs->k = 0;
	if (++rs->step < ARB_MAX_DEPTH)
		return true;
	rs->step = 0;
	return ++rs->pass < 2;
}

static void resync_done(void *ctx, int result);

/* Carries the walk on until it waits for the platform, for a resource a
 * transaction holds, or ends. */
static void resync_run(struct arb *arb)
{
	struct arb_resync *rs = &arb->rs;
	/* Each position is visited once, each resource makes two calls at
	 * most per pass: a bound whatever the platform answers. */
	uint64_t cap = 2ull * ARB_MAX_DEPTH * VSCMI_KIND_COUNT;

	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		cap += 6ull * arb->nres[k] * ARB_MAX_DEPTH;
	if (rs->running)
		return;
	rs->running = true;
	for (uint64_t n = 0; rs->active && !rs->waiting && n < cap; n++) {
		struct arb_res *res;
		bool up = rs->pass == 0;
		int depth = up ? rs->step : ARB_MAX_DEPTH - 1 - rs->step;
		int r;

		if (rs->i >= arb->nres[rs->k] ||
		    (!rs->held && res_depth(&arb->res[rs->k][rs->i]) != depth)) {
			if (!resync_advance(arb))
				rs->active = false;
			continue;
		}
		res = &arb->res[rs->k][rs->i];
		if (!rs->held) {
			/* A change in progress there goes first; its end
			 * resumes the walk. */
			if (res->lock)
				break;
			res->lock = &rs->lock;
			rs->held = res;
			if (up)
				set_dirty(res, false);
		}
		if (!resync_op(res, up, rs->op, &rs->cur)) {
			if (!resync_advance(arb))
				rs->active = false;
			continue;
		}
		rs->op++;
		r = vscmi_platform_start(arb->plat, &rs->cur, resync_done, rs);
		if (r == -EINPROGRESS) {
			rs->waiting = true;
			arb->nasync++;
			break;
		}
		if (r == 0) {
			arb_record(res, &rs->cur, 0);
			continue;
		}
		log_debug("arbiter: %s %s refused: %d", vscmi_op_name(rs->cur.type), res->d->name,
			  r);
		/* Marked, like after a failed release, for a later retry. */
		set_dirty(res, true);
		rs->failed++;
		if (!resync_advance(arb))
			rs->active = false;
	}
	rs->running = false;
	if (!rs->active) {
		resync_release(arb);
		if (rs->done)
			rs->done(rs->ctx, rs->failed);
	}
}

static void resync_done(void *ctx, int result)
{
	struct arb_resync *rs = ctx;
	struct arb *arb = rs->lock.arb;
	struct arb_res *res = rs->held;

	rs->waiting = false;
	arb->nasync--;
	if (result == 0 && res) {
		arb_record(res, &rs->cur, 0);
	} else if (res) {
		log_debug("arbiter: %s %s refused: %d", vscmi_op_name(rs->cur.type), res->d->name,
			  result);
		set_dirty(res, true);
		rs->failed++;
		if (!resync_advance(arb))
			rs->active = false;
	}
	resync_run(arb);
	/* What queued on the resource meanwhile runs now. */
	arb_drain(arb);
}

int arb_resync(struct arb *arb, void (*done)(void *ctx, int failed), void *ctx)
{
	struct arb_resync *rs = &arb->rs;

	/* The firmware may have lost everything (a restart): each quantity is
	 * set again, whatever the arbiter believes it holds. Two passes in
	 * parent order, like reconcile: what goes up, roots first; then what
	 * goes down, leaves first. A walk already under way starts over. */
	if (rs->waiting) {
		vscmi_platform_cancel(arb->plat, rs);
		rs->waiting = false;
		arb->nasync--;
	}
	resync_release(arb);
	*rs = (struct arb_resync){ .active = true, .done = NULL };
	rs->lock.arb = arb;
	rs->lock.active = true;
	resync_run(arb);
	if (!rs->active) {
		arb_drain(arb);
		return rs->failed;
	}
	rs->done = done;
	rs->ctx = ctx;
	return -EINPROGRESS;
}

bool arb_resyncing(const struct arb *arb)
{
	return arb->rs.active;
}
