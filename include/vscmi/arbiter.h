/* SPDX-License-Identifier: GPL-2.0-only */
/* The arbiter: every agent request is a vote on a physical resource; the
 * physical state follows the aggregate of all votes, and the platform is
 * asked for a change only when that aggregate changes. The rules are
 * doc/arbiter.md. */
#ifndef VSCMI_ARBITER_H
#define VSCMI_ARBITER_H

#include <stdbool.h>
#include <stdint.h>

#include "vscmi/model.h"
#include "vscmi/platform.h"

struct arb;
struct arb_res;
struct arb_agent;
struct arb_vote;

/* A resource's state: what an agent voted for, or what the hardware has.
 * Fields are meaningful per kind. */
struct arb_state {
	bool on;		/* clock, voltage */
	bool asserted;		/* reset */
	bool has_level;		/* a rate or level was voted; power capping: a cap */
	bool has_limits;	/* perf limits were voted; power capping: a PAI */
	bool voted;		/* power, reset, perf level: any vote at all;
				 * clock, voltage: the gate was ever switched */
	uint32_t pd;		/* power: index into the states */
	int64_t level;		/* clock Hz, voltage uV, perf level, power cap (0: none) */
	uint32_t min, max;	/* perf limits; min: power capping's PAI, us */
	bool owned;		/* pin: the vote holds the pin */
	uint32_t func;		/* pin: function selected (index + 1), 0 none */
	uint32_t cfg_mask;	/* pin: config types set, bit per type */
	uint32_t cfg[VSCMI_PIN_CFG_TYPES];
};

/* Called after each physical transition the platform accepted. */
typedef void (*arb_observer_fn)(void *ctx, struct arb_res *res, const struct vscmi_op *op,
				uint32_t cause_agent);

/* A vote change that answered -EINPROGRESS has ended: 0 or -errno, as the
 * call would have returned (the vote is back as before on a refusal). */
typedef void (*arb_done_fn)(void *ctx, struct arb_vote *v, int result);

/* The model must outlive the arbiter. */
struct arb *arb_new(const struct vscmi_model *model, struct vscmi_platform *plat);
void arb_free(struct arb *arb);
void arb_set_observer(struct arb *arb, arb_observer_fn fn, void *ctx);
void arb_set_done(struct arb *arb, arb_done_fn fn, void *ctx);
/* Transactions waiting on the platform, and requests waiting for them. */
uint32_t arb_in_flight(const struct arb *arb);
uint32_t arb_waiting(const struct arb *arb);

uint32_t arb_res_count(const struct arb *arb, enum vscmi_kind kind);
struct arb_res *arb_res_get(struct arb *arb, enum vscmi_kind kind, uint32_t index);
const struct vscmi_res_desc *arb_res_desc(const struct arb_res *res);
uint32_t arb_res_index(const struct arb_res *res);
/* What the arbiter last had the platform do. */
void arb_res_phys(const struct arb_res *res, struct arb_state *st);
/* What the votes add up to now (equals phys unless a release failed). */
void arb_res_target(const struct arb_res *res, struct arb_state *st);
/* Agents with a vote attached to this resource. */
uint32_t arb_res_users(const struct arb_res *res);
/* Whether a transaction on it or on a child holds it now. */
bool arb_res_held(const struct arb_res *res);

struct arb_agent *arb_agent_new(struct arb *arb, uint32_t agent_id);
/* Forgets the agent's votes without touching the hardware (a daemon that
 * exits leaves every resource as it is), then frees it. Call
 * arb_agent_release first to withdraw them. NULL-safe. */
void arb_agent_free(struct arb_agent *agent);
/* Withdraws every vote of the agent as one step; the other agents'
 * votes are untouched. Returns the number of transitions the platform
 * refused (those resources stay as they physically are). A vote whose
 * resources are held is withdrawn once they are free, after the changes
 * that wait before it; a release is never refused. */
int arb_agent_release(struct arb_agent *agent);
uint32_t arb_agent_id(const struct arb_agent *agent);

/* Attaches the agent to a resource; the vote starts empty. */
struct arb_vote *arb_vote_new(struct arb_agent *agent, struct arb_res *res);
struct arb_res *arb_vote_res(const struct arb_vote *v);
/* What the agent voted for (its reads return this). */
void arb_vote_state(const struct arb_vote *v, struct arb_state *st);

/* The embedder's pointer for the vote (the agent's view of it). */
void arb_vote_set_data(struct arb_vote *v, void *data);
void *arb_vote_data(const struct arb_vote *v);

/* What a vote asks for: one quantity of its resource's kind, with its
 * values a and b. Each kind's row says which it has (doc/arbiter.md). */
enum arb_ask {
	ARB_GATE,		/* clock, voltage: a on (0 or 1) */
	ARB_LEVEL,		/* a: clock rate Hz, voltage uV, perf level, power cap
				 * in the domain's unit (0: none from this agent) */
	ARB_PD_STATE,		/* power: a the index of the state */
	ARB_ASSERT,		/* reset: a asserted (0 or 1) */
	ARB_PULSE,		/* reset: a the reset_state; the vote stays as it is */
	ARB_LIMITS,		/* perf: a max, b min (0 keeps that bound) */
	ARB_PAI,		/* power cap: a the averaging interval, us */
	ARB_ASK_COUNT,
};

/* Returns 0, or -errno with the vote and the physical state as before:
 * -EACCES the policy refuses this vote, -EINVAL/-ERANGE bad value or a
 * quantity the kind does not have, or the platform's refusal.
 * -EINPROGRESS: the platform is slow, or the change waits behind another
 * on the same resources; the result comes to the done callback. -EBUSY:
 * too many changes wait on the resource already, or one of this vote's.
 * Changes of one vote are carried out in call order. */
int arb_vote_ask(struct arb_vote *v, enum arb_ask what, int64_t a, int64_t b);

/* Pin control (doc/arbiter.md): a pin is held by one agent at a time.
 * Request takes every pin of v[0..n) or none: -EADDRINUSE when another
 * agent holds one, -EBUSY when one is in the middle of a change. Release
 * gives every pin back to its configured default: -EACCES when another
 * agent holds one. Settings sets the function and configs of st on a pin
 * the vote holds, or nobody does (it takes it): -EACCES when another
 * agent holds it; 0, -errno or -EINPROGRESS as the calls above. */
int arb_pin_request(struct arb_vote *const *v, uint32_t n);
int arb_pin_release(struct arb_vote *const *v, uint32_t n);
int arb_pin_settings(struct arb_vote *v, const struct arb_state *st);
/* The id of the agent holding the pin, 0 when none does. */
uint32_t arb_pin_owner(const struct arb_res *res);

/* Whether some resource's physical state lags its votes (a release or an
 * undo the platform refused). O(1): cheap enough to ask before every
 * command. */
bool arb_has_dirty(const struct arb *arb);
/* Retries the resources whose physical state lags their votes; returns the
 * number the platform refused again (they stay marked). */
int arb_reconcile_all(struct arb *arb);

/* Restart: the hardware is as the last run left it, and the votes come
 * back from its journal. */

/* Takes the physical state of every resource from the platform instead
 * of the model's initial state; call before any vote. Returns how many
 * fields the platform could not report (they keep the model's value). */
int arb_sync_phys(struct arb *arb);
/* Whether the vote holds its resource's exclusive rate or level. */
bool arb_vote_owner(const struct arb_vote *v);
/* Puts back a vote without calling the platform; owner: it held the
 * exclusive rate or level. -EINVAL, and nothing changed, for a state no
 * command could have voted for. */
int arb_vote_restore(struct arb_vote *v, const struct arb_state *st, bool owner);
/* Whether the resource's boot vote still holds (doc/arbiter.md): its
 * state when vscmid first started, until an agent takes it over. */
bool arb_res_boot_held(const struct arb_res *res);
/* The boot vote's state: on, deasserted, pd; for perf, level is the level
 * the domain runs at with no level votes. */
void arb_res_boot_state(const struct arb_res *res, struct arb_state *st);
/* Sets the boot vote without calling the platform (what the last run left,
 * on a restart): held or not, st.pd for power, st.level for perf. */
void arb_res_set_boot(struct arb_res *res, bool held, const struct arb_state *st);
/* First start: the boot votes are what the platform has (arb_sync_phys),
 * where the config's state at boot was only what it expected. */
void arb_boot_from_phys(struct arb *arb);
/* A restart: brings every resource whose platform state differs from what
 * its votes add up to in line (a command the last run did not finish).
 * Returns how many the platform refused (marked for a retry). */
int arb_reconcile_lagging(struct arb *arb);
/* Changes whenever a boot vote ends, or comes back with a refused vote. */
uint64_t arb_boot_seq(const struct arb *arb);
/* Changes whenever one of the agent's votes changes. */
uint64_t arb_agent_seq(const struct arb_agent *agent);
/* Sets every resource on the platform to what the votes add up to, whatever
 * the arbiter believes the platform holds (after the firmware came back from
 * a restart). Votes are kept. Returns the number of transitions the platform
 * refused (their resources are marked, like after a failed release, for a
 * later retry), or -EINPROGRESS when it waits for the platform: then the
 * walk goes on from the completions, one resource at a time (held while
 * its calls run, so changes of it wait and others go ahead), and done gets
 * that number at the end (done may be NULL). A call while one is under
 * way starts it over. */
int arb_resync(struct arb *arb, void (*done)(void *ctx, int failed), void *ctx);
/* Whether a resync is under way. */
bool arb_resyncing(const struct arb *arb);

#endif
