/* SPDX-License-Identifier: GPL-2.0-only */
/* The arbiter's private structures, the row that says what differs between
 * resource kinds (struct arb_kind), and the helpers the kind files call. */
#ifndef VSCMI_ARB_INTERNAL_H
#define VSCMI_ARB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "mset.h"
#include "vscmi/arbiter.h"

/* The config refuses deeper parent chains, and cycles; this bounds the
 * walks whatever model it is given. */
#define ARB_MAX_DEPTH VSCMI_MAX_DEPTH

/* Platform calls one resource makes in one phase (rate then gate, limits
 * then level); bounds a step whatever the platform answers. */
#define ARB_OPS_PER_STEP (1 + VSCMI_PIN_CFG_TYPES)	/* a pin's function and configs */
/* Quantities a kind reads back from the platform (gate and rate, level and
 * limits). */
#define ARB_READS_MAX 2

/* A change once its chain is free: a and b are the request's values, kept
 * while it waits. 0, -errno, or -EINPROGRESS. */
typedef int (*arb_req_fn)(struct arb_vote *v, int64_t a, int64_t b);

/* A request waiting for its resource's chain. */
struct arb_req {
	arb_req_fn run;
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
	struct arb_state want;		/* pin settings waiting in change */
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
	const struct arb_kind *kind;	/* the rules of d->kind */
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
	int64_t boot_level;		/* perf: the level with no level votes; powercap: the cap */
	int64_t boot_pai;		/* powercap: the PAI with no PAI votes */
	uint32_t holders;		/* on votes; for resets, deassert votes; for
					 * power capping, votes for no cap */
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

/* Parents are switched up before children, children down before parents. */
enum arb_phase { ARB_UP, ARB_DOWN };

/* What differs between kinds: one row each, in the kind's file. add, del,
 * target, next and apply are required; any other member may be NULL, with
 * the meaning its comment gives. */
/* One quantity a kind's votes ask for: run once the chain is free; check
 * before it waits, -errno to refuse the values at once (NULL: any). */
struct arb_ask_row {
	arb_req_fn run;
	int (*check)(const struct arb_res *res, int64_t a, int64_t b);
};

struct arb_kind {
	/* What a vote may ask, by enum arb_ask; no run: -EINVAL. */
	struct arb_ask_row asks[ARB_ASK_COUNT];
	/* A vote joins or leaves its resource's counts. */
	void (*add)(struct arb_vote *v);
	void (*del)(struct arb_vote *v);
	/* What the counts add up to, into t (which starts as phys). */
	void (*target)(const struct arb_res *res, struct arb_state *t);
	/* The next platform call of one phase towards t, into op (type and
	 * values); false when the phase has nothing left to do. */
	bool (*next)(const struct arb_res *res, const struct arb_state *t, enum arb_phase phase,
		     struct vscmi_op *op);
	/* What op set, into phys; -EINVAL, phys as it was, for a value the
	 * resource does not have. */
	int (*apply)(struct arb_res *res, const struct vscmi_op *op);
	/* The quantities the platform can report (arb_sync_phys), each taken
	 * into phys by apply. None: phys stays as the config has it. */
	enum vscmi_op_type reads[ARB_READS_MAX];
	unsigned int nreads;
	/* Reads the platform's state into phys itself, for kinds whose reads
	 * need more than a type; how many reads failed. NULL: reads above. */
	int (*sync)(struct arb_res *res);
	/* arb_resync: every call that sets t again in this phase, whatever
	 * phys says, into ops; how many. NULL: none. */
	unsigned int (*resync)(const struct arb_res *res, const struct arb_state *t,
			       enum arb_phase phase, struct vscmi_op ops[ARB_OPS_PER_STEP]);
	/* Whether this resource needs its parent on. NULL: never. */
	bool (*demands)(const struct arb_res *res);
	/* The votes can be satisfied together (perf limits). NULL: always. */
	bool (*feasible)(const struct arb_res *res);
	/* A restored vote is one some command could have cast. NULL: any. */
	bool (*valid)(const struct arb_res *res, const struct arb_state *st);
	/* Puts back a restored vote's ownership of the rate or level, as the
	 * journal had it. NULL: the kind has no owners. */
	void (*restore_owner)(struct arb_vote *v, bool owner);
	/* phys and the boot vote as the config expects them at start. NULL:
	 * nothing to set. */
	void (*init)(struct arb_res *res);
	/* Whether a resource found in state phys at first start holds a boot
	 * vote. NULL: never. */
	bool (*boot_holds)(const struct arb_res *res, const struct arb_state *phys);
	/* Keeps what the boot vote in st holds (a power state, a perf boot
	 * level); whether a boot vote holds after all. NULL: held as asked. */
	bool (*set_boot)(struct arb_res *res, bool held, const struct arb_state *st);
	/* A vote for at least what the boot vote holds. NULL: none ends it. */
	bool (*takes_over)(const struct arb_res *res, const struct arb_state *st);
};

extern const struct arb_kind arb_kind_clock;
extern const struct arb_kind arb_kind_voltage;
extern const struct arb_kind arb_kind_power;
extern const struct arb_kind arb_kind_reset;
extern const struct arb_kind arb_kind_perf;
extern const struct arb_kind arb_kind_sensor;
extern const struct arb_kind arb_kind_pin;
extern const struct arb_kind arb_kind_pin_set;
extern const struct arb_kind arb_kind_powercap;

/* Fills op with a call of type; true, for next and resync to return. */
bool arb_op(struct vscmi_op *op, enum vscmi_op_type type, int64_t val, int64_t val2);
/* Runs run now, or queues it behind the changes its resource waits for. */
int arb_request(struct arb_vote *v, arb_req_fn run, int64_t a, int64_t b);
/* Replaces the vote, optionally the free-standing level too, and makes the
 * platform follow. All or nothing. */
int arb_vote_change(struct arb_vote *v, const struct arb_state *st, const int64_t *free_level);
/* Sets the vote with no platform call: the caller knows the target does
 * not change and the resource is free. */
void arb_vote_take(struct arb_vote *v, const struct arb_state *st);
/* Whether the resource is free: no transaction holds it, nothing waits. */
bool arb_res_idle(const struct arb_res *res);
/* One platform call on the vote's chain, held while it runs, with no vote
 * changing (a reset pulse). */
int arb_pulse(struct arb_vote *v, const struct vscmi_op *op);

#endif
