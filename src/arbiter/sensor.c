/* SPDX-License-Identifier: GPL-2.0-only */
/* Sensors: no votes. Readings are shared, and subscriptions and trip points
 * are each agent's own, kept outside the arbiter. */
#include "internal.h"

static void sensor_vote(struct arb_vote *v)
{
}

static void sensor_target(const struct arb_res *res, struct arb_state *t)
{
	*t = res->phys;
}

static bool sensor_next(const struct arb_res *res, const struct arb_state *t,
			enum arb_phase phase, struct vscmi_op *op)
{
	return false;
}

static int sensor_apply(struct arb_res *res, const struct vscmi_op *op)
{
	return 0;
}

/* Nothing for a boot vote to hold. */
static bool sensor_set_boot(struct arb_res *res, bool held, const struct arb_state *st)
{
	return false;
}

const struct arb_kind arb_kind_sensor = {
	.add = sensor_vote,
	.del = sensor_vote,
	.target = sensor_target,
	.next = sensor_next,
	.apply = sensor_apply,
	.set_boot = sensor_set_boot,
};
