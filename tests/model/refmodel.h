/* SPDX-License-Identifier: GPL-2.0-only */
/* A reference model of doc/arbiter.md: agents' votes in, the physical state
 * the document demands out, with what each agent reads back, the status of
 * each request and the platform calls a step must cause.
 *
 * Written from the document alone, for tests/test_model.c to hold the
 * arbiter and the daemon against: it shares nothing with src/arbiter but
 * the resource descriptions (vscmi/model.h) and the platform's names for
 * its calls (vscmi/platform.h). Everything is recomputed from the votes
 * after each step, O(agents x resources): clarity over speed. The platform
 * is taken to accept every call, so the transaction rule (undo on a
 * refusal) is not modelled. */
#ifndef VSCMI_TEST_REFMODEL_H
#define VSCMI_TEST_REFMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vscmi/model.h"
#include "vscmi/platform.h"

/* SCMI statuses the document names for requests (their SCMI values). */
enum rm_status {
	RM_SUCCESS = 0,
	RM_INVALID_PARAMETERS = -2,
	RM_DENIED = -3,
	RM_OUT_OF_RANGE = -5,
};

/* What an agent asks for: one SCMI command each, or the agent going away. */
enum rm_req {
	RM_CLOCK_ENABLE,	/* val: 1 on, 0 off */
	RM_CLOCK_RATE,		/* val: Hz as sent; flags: RM_ROUND_* */
	RM_POWER_STATE,		/* val: SCMI power_state value as sent */
	RM_RESET_LINE,		/* val: 1 assert, 0 deassert */
	RM_RESET_PULSE,		/* val: reset_state */
	RM_VOLTAGE_ENABLE,	/* val: 1 on, 0 off */
	RM_VOLTAGE_LEVEL,	/* val: uV, exact (the voltage protocol never rounds) */
	RM_PERF_LEVEL,		/* val: perf level */
	RM_PERF_LIMITS,		/* val: max, val2: min; 0 keeps that bound */
	RM_POWERCAP_CAP,	/* val: cap in the domain's unit, 0 none */
	RM_POWERCAP_PAI,	/* val: averaging interval, us */
	RM_RESET_AGENT,		/* BASE RESET_AGENT_CONFIGURATION of itself */
	RM_DISCONNECT,		/* channel closed (guest destroyed, socket closed) */
	RM_REQ_COUNT,
};

/* CLOCK_RATE_SET rounding: SCMI rounds down unless told otherwise. */
enum rm_round {
	RM_ROUND_DOWN,
	RM_ROUND_UP,
	RM_ROUND_AUTO,		/* the nearest; a tie goes down */
};

struct rm_step {
	uint32_t agent;		/* agent id: index in the model's agents + 1 */
	enum rm_req req;
	uint32_t view;		/* the agent's id for the resource (its view index) */
	int64_t val, val2;
	enum rm_round round;
};

/* A resource's physical state; fields per kind as in struct arb_state. */
struct rm_phys {
	bool on;		/* clock, voltage */
	int64_t level;		/* clock Hz, voltage uV, perf level, power cap */
	uint32_t pd;		/* power: index into the states */
	bool asserted;		/* reset */
	uint32_t min, max;	/* perf limits as the platform has them; min: the PAI */
};

/* A reset line an agent never voted on has no read. */
#define RM_RESET_UNVOTED (-1)

/* What an agent reads back for one of its views. */
struct rm_read {
	bool on;		/* clock, voltage: its own gate vote */
	int64_t level;		/* clock, voltage, perf, cap: its vote, else the physical one */
	uint32_t pd;		/* power: its vote, else the last (off) state */
	int reset;		/* 1 asserted, 0 deasserted, RM_RESET_UNVOTED */
	uint32_t min, max;	/* perf: its limits, else the whole table; min: its PAI,
				 * else the physical one */
};

/* One platform call that changes something. */
struct rm_op {
	enum vscmi_op_type type;
	enum vscmi_kind kind;
	uint32_t res;		/* index into the kind's resources */
	int64_t val, val2;	/* as struct vscmi_op has them */
};

/* Every resource could change in one step (an agent going away): two
 * calls each at most, within the limits of the test configs. */
#define RM_MAX_OPS 256

struct rm_effect {
	int32_t status;		/* enum rm_status */
	uint32_t nops;
	struct rm_op ops[RM_MAX_OPS];	/* in an order the document allows */
};

struct rm;

/* The model at boot: the hardware as the config describes it, the boot
 * votes held. -EINVAL when the config is one the model does not cover (an
 * agent with two views of one resource, a boot state the rules would
 * change at once, a parent chain deeper than VSCMI_MAX_DEPTH); the model
 * must outlive rm. */
int rm_new(const struct vscmi_model *m, struct rm **out);
void rm_free(struct rm *rm);

/* Carries out one step: eff gets the status and the platform calls.
 * Returns 0 (a refusal too: it is in eff), -EINVAL for a step no agent
 * could send (an unknown agent or view: a driver bug), or -ENOMEM. */
int rm_step(struct rm *rm, const struct rm_step *s, struct rm_effect *eff);

void rm_phys(const struct rm *rm, enum vscmi_kind kind, uint32_t res, struct rm_phys *out);
/* 0, or -EINVAL for an unknown agent or view. */
int rm_read(const struct rm *rm, uint32_t agent, enum vscmi_kind kind, uint32_t view,
	    struct rm_read *out);
/* The resource index behind an agent's view, or -1. */
int rm_view_res(const struct rm *rm, uint32_t agent, enum vscmi_kind kind, uint32_t view);

/* Whether the calls of the last step, made in this order, keep the
 * document's platform order across resources: a parent on before a child
 * goes on, a child off before its parent goes off. 0, or -EINVAL with why
 * filled in. */
int rm_order_check(const struct rm *rm, const struct rm_op *ops, uint32_t n, char *why,
		   size_t len);

/* The kind a request acts on (VSCMI_KIND_COUNT for the agent-wide ones). */
enum vscmi_kind rm_req_kind(enum rm_req req);
const char *rm_req_name(enum rm_req req);

#endif
