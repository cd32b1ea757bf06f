/* SPDX-License-Identifier: GPL-2.0-only */
/* A reference model of doc/arbiter.md's rules for pins: who holds each
 * pin, what the platform has for it, the status of each command and the
 * platform calls a step must cause. Written from the document alone, like
 * refmodel.h, for tests/test_model.c to hold the pin control protocol and
 * the arbiter against. The platform accepts every call. */
#ifndef VSCMI_TEST_REFPIN_H
#define VSCMI_TEST_REFPIN_H

#include <stdbool.h>
#include <stdint.h>

#include "vscmi/model.h"

#define RP_MAX_PINS 16

/* SCMI statuses the document names for pin commands. */
enum rp_status {
	RP_SUCCESS = 0,
	RP_INVALID_PARAMETERS = -2,
	RP_DENIED = -3,
	RP_IN_USE = -11,
};

enum rp_req {
	RP_REQUEST,
	RP_RELEASE,
	RP_CONFIGURE,
	RP_GONE,		/* the agent goes away */
};

struct rp_step {
	uint32_t agent;		/* agent id, from 1 */
	enum rp_req req;
	bool group;		/* the command names a group, else a pin */
	uint32_t index;		/* the pin's or group's index in the model */
	int64_t func;		/* configure: -1 unchanged, 0 none, else function index + 1 */
	uint32_t type;		/* configure: a config type, 0 the default type; */
	bool has_cfg;		/* ... when has_cfg */
	uint32_t value;
};

/* What the platform has for a pin: a type never set reads 0. */
struct rp_pin {
	uint32_t func;		/* function index + 1, 0 none */
	uint32_t cfg[VSCMI_PIN_CFG_TYPES];
};

struct rp {
	const struct vscmi_model *m;
	uint32_t owner[RP_MAX_PINS];	/* agent id, 0 none */
	struct rp_pin held[RP_MAX_PINS];	/* the holder's settings */
	struct rp_pin phys[RP_MAX_PINS];
	struct rp_pin before[RP_MAX_PINS];	/* phys before the last step */
};

/* -EINVAL for a model with more pins than the model keeps. */
int rp_init(struct rp *rp, const struct vscmi_model *m);
/* The step's status; phys and owner follow. */
int32_t rp_step(struct rp *rp, const struct rp_step *s);

#endif
