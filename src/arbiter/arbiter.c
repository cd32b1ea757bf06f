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
 * the calls already made. Which rule applies to which kind is in the policy
 * table at the bottom (arb_kinds).
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
#include <string.h>

#include "mset.h"
#include "vscmi/arbiter.h"
#include "vscmi/log.h"

/* The config refuses deeper parent chains, and cycles; this bounds the
 * walks whatever model it is given. */
#define ARB_MAX_DEPTH VSCMI_MAX_DEPTH

/* Changes waiting per resource before a new one is refused (-EBUSY). */
#define ARB_QUEUE_MAX 16
/* Platform calls one resource makes in one phase (rate then gate, limits
 * then level); bounds a step whatever the platform answers. */
#define ARB_OPS_PER_STEP 2
/* Passes over the waiting queues per completion. */
#define ARB_DRAIN_PASSES 64

enum arb_req_kind {
	ARB_REQ_CLOCK_ENABLE,
	ARB_REQ_CLOCK_RATE,
	ARB_REQ_POWER,
	ARB_REQ_RESET_LINE,
	ARB_REQ_VOLTAGE_ENABLE,
	ARB_REQ_VOLTAGE_LEVEL,
	ARB_REQ_PERF_LEVEL,
	ARB_REQ_PERF_LIMITS,
	ARB_REQ_RESET_PULSE,
	ARB_REQ_RELEASE,
};

/* A request waiting for its resource's chain. */
struct arb_req {
	enum arb_req_kind kind;
	int64_t a, b;
	struct arb_vote *v;
	struct arb_req *next;
	bool queued;
};

struct arb_vote {
	struct arb_res *res;
	struct arb_agent *agent;
	struct arb_state st;
	struct arb_vote *next;		/* in the agent's list */
	struct arb_req change, release;	/* at most one of each waits */
	bool withdrawn;			/* release: taken out, resources to follow */
	void *data;
};

/* A pulse is one platform call on a held chain, no vote changes. */
enum arb_txn_kind { ARB_TXN_CHANGE, ARB_TXN_RELEASE, ARB_TXN_RECONCILE, ARB_TXN_PULSE };

struct arb_txn {
	struct arb *arb;
	enum arb_txn_kind kind;
	struct arb_res *chain[ARB_MAX_DEPTH];	/* [0] the resource, then parents */
	unsigned int n;
	unsigned int step;		/* < n: up, chain[n - 1 - step]; then down */
	unsigned int ops_here;		/* calls made at this step */
	struct arb_vote *v;		/* change, release; NULL once forgotten */
	struct arb_state old;		/* change: the vote to put back */
	int64_t old_free;
	bool old_boot;
	int err;			/* the refusal being undone */
	int result;			/* when it ended before start returned */
	bool active, undo, waiting, notify, resume;
	int resume_r;
	uint32_t cause;
	struct vscmi_op op;		/* the call in flight */
};

/* arb_resync's walk: one resource at a time, held while its calls run;
 * each completion carries the walk on. */
struct arb_resync {
	bool active, running, waiting;
	int pass;			/* 0: what goes up, roots first; 1: down, leaves first */
	int step;			/* depth index within the pass */
	int k;
	uint32_t i;
	unsigned int op;		/* calls made on the current resource */
	struct arb_res *held;		/* the current resource, locked by lock */
	struct vscmi_op cur;		/* the call in flight */
	int failed;
	void (*done)(void *ctx, int failed);
	void *ctx;
	struct arb_txn lock;		/* stands for the walk in res->lock */
};

struct arb_agent {
	struct arb *arb;
	uint32_t id;
	struct arb_vote *votes;
	uint64_t seq;			/* bumped whenever a vote changes */
};

struct arb_res {
	struct arb *arb;
	const struct vscmi_res_desc *d;
	uint32_t index;
	struct arb_res *parent;
	uint32_t users;			/* votes attached */
	struct arb_state phys;
	bool dirty;			/* phys lags the target after a failed release */
	struct arb_txn txn;		/* the transaction started on this resource */
	struct arb_txn *lock;		/* the one holding it, on its chain */
	struct arb_req *wait_head, *wait_tail;
	uint32_t nwait;			/* changes waiting (releases not counted) */

	/* The boot vote: its state when vscmid first started, held by no
	 * agent until one takes the resource over (votes at least that). */
	bool boot;
	uint32_t boot_pd;		/* power: the state it holds */
	int64_t boot_level;		/* perf: the level with no level votes */
	uint32_t holders;		/* on votes; for resets, deassert votes */
	uint32_t children_on;		/* children that need this one on */
	bool demand;			/* this one needs its parent on */
	struct arb_vote *owner;		/* exclusive rate or level */
	int64_t free_level;		/* rate or level nobody holds */
	struct mset levels;		/* max policy levels; perf levels */
	struct mset mins, maxs;		/* perf limits */
	uint32_t pd_count[VSCMI_MAX_PD_STATES];
};

struct arb {
	const struct vscmi_model *model;
	struct vscmi_platform *plat;
	struct arb_res *res[VSCMI_KIND_COUNT];
	uint32_t nres[VSCMI_KIND_COUNT];
	arb_observer_fn observer;
	void *observer_ctx;
	arb_done_fn done;
	void *done_ctx;
	uint32_t ndirty;		/* resources marked dirty */
	uint64_t boot_seq;		/* bumped whenever a boot vote ends or returns */
	uint32_t nasync;		/* transactions waiting on the platform */
	uint32_t nwaiting;		/* requests queued, releases included */
	bool draining, redrain;
	struct arb_resync rs;
};

enum arb_phase { ARB_UP, ARB_DOWN };

/* Per-kind rules. */
struct arb_kind_ops {
	void (*add)(struct arb_vote *v);
	void (*del)(struct arb_vote *v);
	void (*target)(const struct arb_res *res, struct arb_state *t);
	/* The next platform call of one phase towards t, into op (type and
	 * values); false when the phase has nothing left to do. */
	bool (*next)(const struct arb_res *res, const struct arb_state *t, enum arb_phase phase,
		     struct vscmi_op *op);
	/* Whether this resource needs its parent on. */
	bool (*demands)(const struct arb_res *res);
	/* The votes can be satisfied together (perf limits). */
	bool (*feasible)(const struct arb_res *res);
	/* A vote for at least what the boot vote holds. */
	bool (*takes_over)(const struct arb_res *res, const struct arb_state *st);
};

static const struct arb_kind_ops arb_kinds[VSCMI_KIND_COUNT];

static bool arb_op(struct vscmi_op *op, enum vscmi_op_type type, int64_t val, int64_t val2)
{
	*op = (struct vscmi_op){ .type = type, .val = val, .val2 = val2 };
	return true;
}

/* What op sets, into the record of the platform's state. */
static void phys_apply(struct arb_res *res, const struct vscmi_op *op)
{
	int64_t val = op->val, val2 = op->val2;

	switch (op->type) {
	case VSCMI_OP_CLOCK_ENABLE:
	case VSCMI_OP_VOLTAGE_CONFIG:
		res->phys.on = val != 0;
		break;
	case VSCMI_OP_CLOCK_RATE:
	case VSCMI_OP_VOLTAGE_LEVEL:
	case VSCMI_OP_PERF_LEVEL:
		res->phys.level = val;
		break;
	case VSCMI_OP_POWER_STATE: {
		int i = vscmi_pd_state_index(res->d, (uint32_t)val);

		res->phys.pd = i < 0 ? 0 : (uint32_t)i;
		break;
	}
	case VSCMI_OP_RESET_LINE:
		res->phys.asserted = val != 0;
		break;
	case VSCMI_OP_PERF_LIMITS:
		res->phys.max = (uint32_t)val;
		res->phys.min = (uint32_t)val2;
		break;
	default:
		break;
	}
}

/* The platform did op: the record follows, and the observer hears of it. */
static void arb_record(struct arb_res *res, const struct vscmi_op *op, uint32_t cause)
{
	phys_apply(res, op);
	if (res->arb->observer)
		res->arb->observer(res->arb->observer_ctx, res, op, cause);
}

/* --- gate + level: clocks and voltage domains ------------------------- */

static enum vscmi_policy gl_policy(const struct arb_res *res)
{
	return res->d->kind == VSCMI_CLOCK ? res->d->u.clock.policy : res->d->u.voltage.policy;
}

static bool gl_policy_exclusive(const struct arb_res *res)
{
	return (res->d->kind == VSCMI_CLOCK || res->d->kind == VSCMI_VOLTAGE) &&
	       gl_policy(res) == VSCMI_POLICY_EXCLUSIVE;
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
		t->level = res->d->kind == VSCMI_CLOCK ? (int64_t)res->d->u.clock.rate
						       : res->d->u.voltage.level;
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
	bool clock = res->d->kind == VSCMI_CLOCK;
	enum vscmi_op_type gate = clock ? VSCMI_OP_CLOCK_ENABLE : VSCMI_OP_VOLTAGE_CONFIG;
	enum vscmi_op_type level = clock ? VSCMI_OP_CLOCK_RATE : VSCMI_OP_VOLTAGE_LEVEL;

	if (phase == ARB_UP) {
		/* The rate settles before the gate opens. */
		if (t->level != res->phys.level)
			return arb_op(op, level, t->level, 0);
		if (t->on && !res->phys.on)
			return arb_op(op, gate, 1, 0);
	} else if (!t->on && res->phys.on) {
		return arb_op(op, gate, 0, 0);
	}
	return false;
}

static bool gl_takes_over(const struct arb_res *res, const struct arb_state *st)
{
	return st->on;
}

static bool gl_demands(const struct arb_res *res)
{
	/* Running is what needs the parent: a clock the platform refused to
	 * stop keeps its parent on even though no vote wants it. */
	return res->boot || res->holders + res->children_on > 0 || res->phys.on;
}

/* --- power domains ---------------------------------------------------- */

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
	uint32_t n = res->d->u.power.nstates;

	t->pd = res->boot ? res->boot_pd : n - 1;
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

static bool pd_takes_over(const struct arb_res *res, const struct arb_state *st)
{
	/* states run from most to least powered */
	return st->voted && st->pd <= res->boot_pd;
}

static bool pd_demands(const struct arb_res *res)
{
	uint32_t off = res->d->u.power.nstates - 1;
	struct arb_state t;

	pd_target(res, &t);
	return t.pd != off || res->phys.pd != off;
}

/* --- reset lines: asserted only while every user asserts -------------- */

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

static bool rst_takes_over(const struct arb_res *res, const struct arb_state *st)
{
	return st->voted && !st->asserted;
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

/* --- performance domains ---------------------------------------------- */

static uint32_t perf_lowest(const struct arb_res *res)
{
	return res->d->u.perf.levels[0].perf;
}

static uint32_t perf_highest(const struct arb_res *res)
{
	return res->d->u.perf.levels[res->d->u.perf.nlevels - 1].perf;
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

static bool perf_feasible(const struct arb_res *res)
{
	return mset_empty(&res->mins) || mset_max(&res->mins) <= mset_min(&res->maxs);
}

static void none_vote(struct arb_vote *v)
{
	(void)v;
}

static void none_target(const struct arb_res *res, struct arb_state *t)
{
	*t = res->phys;
}

static bool none_next(const struct arb_res *res, const struct arb_state *t, enum arb_phase phase,
		      struct vscmi_op *op)
{
	return false;
}

/* The policy table: which rule each kind follows. */
static const struct arb_kind_ops arb_kinds[VSCMI_KIND_COUNT] = {
	[VSCMI_CLOCK] = { gl_add, gl_del, gl_target, gl_next, gl_demands, NULL, gl_takes_over },
	[VSCMI_POWER] = { pd_add, pd_del, pd_target, pd_next, pd_demands, NULL, pd_takes_over },
	[VSCMI_RESET] = { rst_add, rst_del, rst_target, rst_next, NULL, NULL, rst_takes_over },
	[VSCMI_VOLTAGE] = { gl_add, gl_del, gl_target, gl_next, NULL, NULL, gl_takes_over },
	[VSCMI_PERF] = { perf_add, perf_del, perf_target, perf_next, NULL, perf_feasible, NULL },
	[VSCMI_SENSOR] = { none_vote, none_vote, none_target, none_next, NULL, NULL, NULL },
};

/* --- transactions ------------------------------------------------------ */

static const struct arb_kind_ops *kind_ops(const struct arb_res *res)
{
	return &arb_kinds[res->d->kind];
}

static void res_target(const struct arb_res *res, struct arb_state *t)
{
	*t = res->phys;
	kind_ops(res)->target(res, t);
}

/* Propagates a change of this resource's need for its parent upwards. */
static void update_demand(struct arb_res *res)
{
	for (int depth = 0; res && depth < ARB_MAX_DEPTH; depth++) {
		const struct arb_kind_ops *ops = kind_ops(res);
		bool d = ops->demands ? ops->demands(res) : false;

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
	const struct arb_kind_ops *ops = kind_ops(res);

	if (res->boot && ops->takes_over && ops->takes_over(res, st))
		boot_set(res, false);
}

static void vote_set(struct arb_vote *v, const struct arb_state *st)
{
	const struct arb_kind_ops *ops = kind_ops(v->res);

	ops->del(v);
	v->st = *st;
	ops->add(v);
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
		log_info("arbiter: %s %s: no answer in time, taken as done", vscmi_op_name(t->op.type),
			 res->d->name);
		phys_apply(res, &t->op);
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
		if (t->ops_here < ARB_OPS_PER_STEP && kind_ops(res)->next(res, &st, phase, &t->op)) {
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
				log_warn("arbiter: agent %u release: %s %s stays as it is", t->cause,
					 vscmi_kind_name(res->d->kind), res->d->name);
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

/* Replaces the vote, optionally the free-standing level too, and makes the
 * platform follow. All or nothing. */
static int vote_change(struct arb_vote *v, const struct arb_state *st, const int64_t *free_level)
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
	if (kind_ops(res)->feasible && !kind_ops(res)->feasible(res))
		t->err = -EACCES;
	return txn_go(t);
}

/* Field by field: a state's padding is whatever its copy brought along. */
static bool state_empty(const struct arb_state *st)
{
	return !st->on && !st->asserted && !st->has_level && !st->has_limits && !st->voted &&
	       !st->pd && !st->level && !st->min && !st->max;
}

/* withdrawn: the vote is out already (arb_agent_release); the resource
 * follows. */
static int vote_release(struct arb_vote *v, bool withdrawn)
{
	static const struct arb_state none;
	struct arb_txn *t = &v->res->txn;

	if (!withdrawn && state_empty(&v->st))
		return 0;
	txn_init(t, v->res, ARB_TXN_RELEASE, v->agent->id);
	t->v = v;
	vote_set(v, &none);
	return txn_go(t);
}

static int req_run(struct arb_vote *v, enum arb_req_kind kind, int64_t a, int64_t b);

static void req_push(struct arb_res *res, struct arb_req *q)
{
	q->next = NULL;
	q->queued = true;
	if (res->wait_tail)
		res->wait_tail->next = q;
	else
		res->wait_head = q;
	res->wait_tail = q;
	if (q->kind != ARB_REQ_RELEASE)
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
	if (q->kind != ARB_REQ_RELEASE)
		res->nwait--;
	res->arb->nwaiting--;
}

/* A change now, or in its resource's queue when its chain is held or
 * others wait before it. */
static int arb_request(struct arb_vote *v, enum arb_req_kind kind, int64_t a, int64_t b)
{
	struct arb_res *res = v->res;
	struct arb_req *q = kind == ARB_REQ_RELEASE ? &v->release : &v->change;

	/* Nothing in flight anywhere: the synchronous path, as it always was. */
	if (!res->arb->nasync && !res->arb->nwaiting)
		return req_run(v, kind, a, b);
	if (!res->wait_head && chain_free(res))
		return req_run(v, kind, a, b);
	if (q->queued)
		return kind == ARB_REQ_RELEASE ? -EINPROGRESS : -EBUSY;
	if (kind != ARB_REQ_RELEASE && res->nwait >= ARB_QUEUE_MAX)
		return -EBUSY;
	q->kind = kind;
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
					enum arb_req_kind kind = q->kind;
					int r;

					req_unlink(res, q);
					r = req_run(v, kind, q->a, q->b);
					/* The caller was told -EINPROGRESS: it hears now. */
					if (r != -EINPROGRESS && kind != ARB_REQ_RELEASE && arb->done)
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

/* --- votes -------------------------------------------------------------- */

/* Gate (clock) or on/off (voltage) under the resource's policy. */
static int gl_enable(struct arb_vote *v, bool on)
{
	struct arb_res *res = v->res;
	struct arb_state st = v->st;

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
	return vote_change(v, &st, NULL);
}

int arb_clock_enable(struct arb_vote *v, bool on)
{
	if (v->res->d->kind != VSCMI_CLOCK)
		return -EINVAL;
	return arb_request(v, ARB_REQ_CLOCK_ENABLE, on, 0);
}

/* Rate (clock) or level (voltage) under the resource's policy. */
static int gl_level(struct arb_vote *v, int64_t level)
{
	struct arb_res *res = v->res;
	struct arb_state st = v->st;
	int64_t fixed = res->d->kind == VSCMI_CLOCK ? (int64_t)res->d->u.clock.rate
						    : res->d->u.voltage.level;

	int64_t free_level = level;
	/* A rate voted while the agent does not hold the resource on counts
	 * only once it does (gl_add): the resource may run for others who
	 * never asked for this rate. While nobody runs on it at all, the
	 * hardware takes it at once, ready for when the gate opens. */
	bool set_free = !st.on && !res->boot && res->holders + res->children_on == 0;

	switch (gl_policy(res)) {
	case VSCMI_POLICY_FIXED:
		if (level != fixed)
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
	return vote_change(v, &st, set_free ? &free_level : NULL);
}

int arb_clock_rate(struct arb_vote *v, uint64_t hz)
{
	if (v->res->d->kind != VSCMI_CLOCK || hz > INT64_MAX)
		return -EINVAL;
	return arb_request(v, ARB_REQ_CLOCK_RATE, (int64_t)hz, 0);
}

int arb_voltage_enable(struct arb_vote *v, bool on)
{
	if (v->res->d->kind != VSCMI_VOLTAGE)
		return -EINVAL;
	return arb_request(v, ARB_REQ_VOLTAGE_ENABLE, on, 0);
}

int arb_voltage_level(struct arb_vote *v, int64_t uv)
{
	if (v->res->d->kind != VSCMI_VOLTAGE)
		return -EINVAL;
	return arb_request(v, ARB_REQ_VOLTAGE_LEVEL, uv, 0);
}

static int power_state(struct arb_vote *v, uint32_t state_index)
{
	struct arb_state st = v->st;

	st.voted = true;
	st.pd = state_index;
	return vote_change(v, &st, NULL);
}

int arb_power_state(struct arb_vote *v, uint32_t state_index)
{
	if (v->res->d->kind != VSCMI_POWER || state_index >= v->res->d->u.power.nstates)
		return -EINVAL;
	return arb_request(v, ARB_REQ_POWER, state_index, 0);
}

static int reset_line(struct arb_vote *v, bool asserted)
{
	struct arb_state st = v->st;

	st.voted = true;
	st.asserted = asserted;
	return vote_change(v, &st, NULL);
}

int arb_reset_line(struct arb_vote *v, bool asserted)
{
	if (v->res->d->kind != VSCMI_RESET)
		return -EINVAL;
	return arb_request(v, ARB_REQ_RESET_LINE, asserted, 0);
}

/* Pulsing a line others hold deasserted would reset their devices. */
static bool pulse_allowed(const struct arb_res *res)
{
	return res->users <= 1 || res->d->u.reset.allow_autonomous;
}

/* A pulse holds the line's chain while the platform carries it out: a
 * change of the line waits for it, and it waits for one in progress. */
static int reset_pulse(struct arb_vote *v, uint32_t reset_state)
{
	struct arb_res *res = v->res;
	struct arb_txn *t = &res->txn;

	/* Users may have come while it waited. */
	if (!pulse_allowed(res))
		return -EACCES;
	txn_init(t, res, ARB_TXN_PULSE, v->agent->id);
	t->v = v;
	t->op = (struct vscmi_op){ .type = VSCMI_OP_RESET_PULSE, .id = res->d->plat_id,
				   .val = reset_state };
	return txn_go(t);
}

int arb_reset_pulse(struct arb_vote *v, uint32_t reset_state)
{
	if (v->res->d->kind != VSCMI_RESET)
		return -EINVAL;
	if (!pulse_allowed(v->res))
		return -EACCES;
	return arb_request(v, ARB_REQ_RESET_PULSE, reset_state, 0);
}

static bool perf_is_level(const struct arb_res *res, uint32_t level)
{
	for (uint32_t i = 0; i < res->d->u.perf.nlevels; i++)
		if (res->d->u.perf.levels[i].perf == level)
			return true;
	return false;
}

static int perf_level(struct arb_vote *v, uint32_t level)
{
	struct arb_state st = v->st;

	st.has_level = true;
	st.level = level;
	return vote_change(v, &st, NULL);
}

int arb_perf_level(struct arb_vote *v, uint32_t level)
{
	if (v->res->d->kind != VSCMI_PERF)
		return -EINVAL;
	if (!perf_is_level(v->res, level))
		return -ERANGE;
	return arb_request(v, ARB_REQ_PERF_LEVEL, level, 0);
}

static int perf_limits(struct arb_vote *v, uint32_t max, uint32_t min)
{
	struct arb_res *res = v->res;
	struct arb_state st = v->st;

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
	return vote_change(v, &st, NULL);
}

int arb_perf_limits(struct arb_vote *v, uint32_t max, uint32_t min)
{
	if (v->res->d->kind != VSCMI_PERF)
		return -EINVAL;
	return arb_request(v, ARB_REQ_PERF_LIMITS, max, min);
}

/* What a request does once its chain is free. */
static int req_run(struct arb_vote *v, enum arb_req_kind kind, int64_t a, int64_t b)
{
	switch (kind) {
	case ARB_REQ_CLOCK_ENABLE:
	case ARB_REQ_VOLTAGE_ENABLE:
		return gl_enable(v, a != 0);
	case ARB_REQ_CLOCK_RATE:
	case ARB_REQ_VOLTAGE_LEVEL:
		return gl_level(v, a);
	case ARB_REQ_POWER:
		return power_state(v, (uint32_t)a);
	case ARB_REQ_RESET_LINE:
		return reset_line(v, a != 0);
	case ARB_REQ_PERF_LEVEL:
		return perf_level(v, (uint32_t)a);
	case ARB_REQ_PERF_LIMITS:
		return perf_limits(v, (uint32_t)a, (uint32_t)b);
	case ARB_REQ_RESET_PULSE:
		return reset_pulse(v, (uint32_t)a);
	case ARB_REQ_RELEASE:
		return vote_release(v, a != 0);
	}
	return -EINVAL;
}

/* --- restart -------------------------------------------------------------- */

/* Which platform state backs which field of phys; a field the platform
 * cannot report keeps what the model says. */
static int sync_one(struct arb_res *res)
{
	static const struct {
		enum vscmi_kind kind;
		enum vscmi_op_type type;
	} reads[] = {
		{ VSCMI_CLOCK, VSCMI_OP_CLOCK_ENABLE },	   { VSCMI_CLOCK, VSCMI_OP_CLOCK_RATE },
		{ VSCMI_VOLTAGE, VSCMI_OP_VOLTAGE_CONFIG }, { VSCMI_VOLTAGE, VSCMI_OP_VOLTAGE_LEVEL },
		{ VSCMI_POWER, VSCMI_OP_POWER_STATE },	   { VSCMI_RESET, VSCMI_OP_RESET_LINE },
		{ VSCMI_PERF, VSCMI_OP_PERF_LEVEL },	   { VSCMI_PERF, VSCMI_OP_PERF_LIMITS },
	};
	int failed = 0;

	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		struct vscmi_op op = { .type = reads[i].type, .id = res->d->plat_id };
		int pd;

		if (reads[i].kind != res->d->kind)
			continue;
		if (vscmi_platform_read(res->arb->plat, &op) < 0) {
			failed++;
			continue;
		}
		switch (op.type) {
		case VSCMI_OP_CLOCK_ENABLE:
		case VSCMI_OP_VOLTAGE_CONFIG:
			res->phys.on = op.val != 0;
			break;
		case VSCMI_OP_POWER_STATE:
			pd = vscmi_pd_state_index(res->d, (uint32_t)op.val);
			if (pd < 0)
				failed++;
			else
				res->phys.pd = (uint32_t)pd;
			break;
		case VSCMI_OP_RESET_LINE:
			res->phys.asserted = op.val != 0;
			break;
		case VSCMI_OP_PERF_LIMITS:
			res->phys.max = (uint32_t)op.val;
			res->phys.min = (uint32_t)op.val2;
			break;
		default:
			res->phys.level = op.val;
			break;
		}
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

/* What no command could have voted for. */
static bool restore_valid(const struct arb_res *res, const struct arb_state *st)
{
	switch (res->d->kind) {
	case VSCMI_POWER:
		return !st->voted || st->pd < res->d->u.power.nstates;
	case VSCMI_PERF:
		if (st->has_level && !perf_is_level(res, (uint32_t)st->level))
			return false;
		return !st->has_limits || (st->min <= st->max && st->min >= perf_lowest(res) &&
					   st->max <= perf_highest(res));
	case VSCMI_CLOCK:
	case VSCMI_VOLTAGE:
		if (st->has_level && gl_policy(res) == VSCMI_POLICY_FIXED)
			return st->level == (res->d->kind == VSCMI_CLOCK
						     ? (int64_t)res->d->u.clock.rate
						     : res->d->u.voltage.level);
		return !st->has_level || st->level >= 0;
	default:
		return true;
	}
}

int arb_vote_restore(struct arb_vote *v, const struct arb_state *st, bool owner)
{
	struct arb_res *res = v->res;

	if (!restore_valid(res, st))
		return -EINVAL;
	vote_set(v, st);
	/* A vote only a takeover could have cast: the boot vote ended then. */
	boot_take_over(res, &v->st);
	/* Ownership is first come: it is put back as it was, whatever order
	 * the votes come back in. */
	if (res->owner == v && !owner)
		res->owner = NULL;
	else if (owner && v->st.on && v->st.has_level && gl_policy_exclusive(res))
		res->owner = v;
	return 0;
}

bool arb_res_boot_held(const struct arb_res *res)
{
	return res->boot;
}

void arb_res_boot_state(const struct arb_res *res, struct arb_state *st)
{
	*st = (struct arb_state){ .on = res->boot, .asserted = !res->boot, .voted = res->boot,
				  .pd = res->boot ? res->boot_pd : 0, .level = res->boot_level };
}

void arb_res_set_boot(struct arb_res *res, bool held, const struct arb_state *st)
{
	if (res->d->kind == VSCMI_POWER && held) {
		if (st->pd >= res->d->u.power.nstates - 1)
			held = false;
		else
			res->boot_pd = st->pd;
	}
	if (res->d->kind == VSCMI_PERF)
		res->boot_level = st->level;
	if (res->d->kind == VSCMI_PERF || res->d->kind == VSCMI_SENSOR)
		held = false;
	boot_set(res, held);
}

void arb_boot_from_phys(struct arb *arb)
{
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		for (uint32_t i = 0; i < arb->nres[k]; i++) {
			struct arb_res *res = &arb->res[k][i];
			const struct arb_state *p = &res->phys;
			struct arb_state st = { .pd = p->pd, .level = p->level };
			bool up = false;

			switch (res->d->kind) {
			case VSCMI_CLOCK:
			case VSCMI_VOLTAGE:
				up = p->on;
				break;
			case VSCMI_POWER:
				up = p->pd != res->d->u.power.nstates - 1;
				break;
			case VSCMI_RESET:
				up = !p->asserted;
				break;
			default:
				break;
			}
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
	return kind_ops(res)->next(res, &t, ARB_UP, &op) || kind_ops(res)->next(res, &t, ARB_DOWN, &op);
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
	res->index = index;
	switch (d->kind) {
	case VSCMI_CLOCK:
		res->phys.on = res->boot = d->u.clock.on;
		res->phys.level = (int64_t)d->u.clock.rate;
		break;
	case VSCMI_VOLTAGE:
		res->phys.on = res->boot = d->u.voltage.on;
		res->phys.level = d->u.voltage.level;
		break;
	case VSCMI_POWER:
		res->phys.pd = res->boot_pd = d->u.power.initial;
		res->boot = d->u.power.initial != d->u.power.nstates - 1;
		break;
	case VSCMI_RESET:
		res->phys.asserted = d->u.reset.asserted;
		res->boot = !d->u.reset.asserted;
		break;
	case VSCMI_PERF:
		res->phys.level = res->boot_level = d->u.perf.initial;
		res->phys.min = d->u.perf.levels[0].perf;
		res->phys.max = d->u.perf.levels[d->u.perf.nlevels - 1].perf;
		break;
	default:
		break;
	}
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
		r = arb_request(v, ARB_REQ_RELEASE, 0, 0);
		if (r < 0 && r != -EINPROGRESS)
			failed++;
	}
	for (struct arb_vote *v = agent->votes; v; v = v->next) {
		int r;

		if (!v->withdrawn)
			continue;
		v->withdrawn = false;
		r = arb_request(v, ARB_REQ_RELEASE, 1, 0);
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
	const struct vscmi_res_desc *d = res->d;
	struct vscmi_op ops[2];
	unsigned int n = 0;
	struct arb_state t;

	res_target(res, &t);
	switch (d->kind) {
	case VSCMI_CLOCK:
	case VSCMI_VOLTAGE: {
		bool clk = d->kind == VSCMI_CLOCK;

		if (up)
			arb_op(&ops[n++], clk ? VSCMI_OP_CLOCK_RATE : VSCMI_OP_VOLTAGE_LEVEL,
			       t.level, 0);
		if (up == t.on)
			arb_op(&ops[n++], clk ? VSCMI_OP_CLOCK_ENABLE : VSCMI_OP_VOLTAGE_CONFIG,
			       t.on, 0);
		break;
	}
	case VSCMI_POWER:
		if (up == (t.pd != d->u.power.nstates - 1))
			arb_op(&ops[n++], VSCMI_OP_POWER_STATE, d->u.power.states[t.pd].value, 0);
		break;
	case VSCMI_RESET:
		if (up != t.asserted)
			arb_op(&ops[n++], VSCMI_OP_RESET_LINE, t.asserted, 0);
		break;
	case VSCMI_PERF:
		if (up) {
			arb_op(&ops[n++], VSCMI_OP_PERF_LIMITS, t.max, t.min);
			arb_op(&ops[n++], VSCMI_OP_PERF_LEVEL, t.level, 0);
		}
		break;
	default:
		break;
	}
	if (idx >= n)
		return false;
	*op = ops[idx];
	op->id = d->plat_id;
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

		if (rs->i >= arb->nres[rs->k] || (!rs->held && res_depth(&arb->res[rs->k][rs->i]) != depth)) {
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
		log_debug("arbiter: %s %s refused: %d", vscmi_op_name(rs->cur.type), res->d->name, r);
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
