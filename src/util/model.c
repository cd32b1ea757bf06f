/* SPDX-License-Identifier: GPL-2.0-only */
/* Helpers over the system model. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vscmi/model.h"
#include "vscmi/scmi_wire.h"

uint8_t vscmi_kind_protocol(enum vscmi_kind kind)
{
	static const uint8_t proto[VSCMI_KIND_COUNT] = {
		[VSCMI_CLOCK] = SCMI_PROTO_CLOCK,     [VSCMI_POWER] = SCMI_PROTO_POWER,
		[VSCMI_RESET] = SCMI_PROTO_RESET,     [VSCMI_VOLTAGE] = SCMI_PROTO_VOLTAGE,
		[VSCMI_PERF] = SCMI_PROTO_PERF,       [VSCMI_SENSOR] = SCMI_PROTO_SENSOR,
		[VSCMI_PIN] = SCMI_PROTO_PINCTRL,     [VSCMI_PIN_GROUP] = SCMI_PROTO_PINCTRL,
		[VSCMI_PIN_FUNC] = SCMI_PROTO_PINCTRL,
		[VSCMI_POWERCAP] = SCMI_PROTO_POWERCAP,
	};

	return (unsigned int)kind < VSCMI_KIND_COUNT ? proto[kind] : 0;
}

const char *vscmi_kind_name(enum vscmi_kind kind)
{
	static const char *const names[VSCMI_KIND_COUNT] = {
		[VSCMI_CLOCK] = "clock",     [VSCMI_POWER] = "power", [VSCMI_RESET] = "reset",
		[VSCMI_PIN] = "pin",	     [VSCMI_PIN_GROUP] = "pin-group",
		[VSCMI_PIN_FUNC] = "pin-function",
		[VSCMI_VOLTAGE] = "voltage", [VSCMI_PERF] = "perf",   [VSCMI_SENSOR] = "sensor",
		[VSCMI_POWERCAP] = "powercap",
	};

	return (unsigned int)kind < VSCMI_KIND_COUNT ? names[kind] : "?";
}

const char *vscmi_policy_name(enum vscmi_policy policy)
{
	static const char *const names[VSCMI_POLICY_COUNT] = {
		[VSCMI_POLICY_EXCLUSIVE] = "exclusive",
		[VSCMI_POLICY_MAX] = "max",
		[VSCMI_POLICY_FIXED] = "fixed",
	};

	return (unsigned int)policy < VSCMI_POLICY_COUNT ? names[policy] : "?";
}

int vscmi_pd_state_index(const struct vscmi_res_desc *d, uint32_t value)
{
	for (uint32_t i = 0; i < d->u.power.nstates; i++)
		if (d->u.power.states[i].value == value)
			return (int)i;
	return -1;
}

int vscmi_range_fit(const struct vscmi_range *r, int64_t v, int dir, int64_t *out)
{
	if (r->segment) {
		uint64_t off;
		int64_t down;

		if (v < r->min || v > r->max)
			return -ERANGE;
		if (r->step <= 0) {
			*out = v;
			return 0;
		}
		/* Distances within [min, max] fit a uint64_t whatever the
		 * bounds; int64_t arithmetic on them could overflow. */
		off = ((uint64_t)v - (uint64_t)r->min) % (uint64_t)r->step;
		down = (int64_t)((uint64_t)v - off);
		if (off == 0)
			*out = v;
		else if (dir < 0)
			*out = down;
		else if (dir > 0 && (uint64_t)r->max - (uint64_t)down >= (uint64_t)r->step)
			*out = (int64_t)((uint64_t)down + (uint64_t)r->step);
		else
			return dir > 0 ? -ERANGE : -EINVAL;
		return 0;
	}
	if (r->count == 0 || v < r->values[0] || v > r->values[r->count - 1])
		return -ERANGE;
	for (uint32_t i = 0; i < r->count; i++) {
		if (r->values[i] == v) {
			*out = v;
			return 0;
		}
		if (r->values[i] > v) {
			if (dir == 0)
				return -EINVAL;
			*out = dir < 0 ? r->values[i - 1] : r->values[i];
			return 0;
		}
	}
	return -EINVAL;
}

/* SCMI v3.2's pin configuration types, named as device trees spell them. */
static const char *const pin_cfg_names[VSCMI_PIN_CFG_TYPES] = {
	[1] = "bias-bus-hold",	   [2] = "bias-disable",      [3] = "bias-high-impedance",
	[4] = "bias-pull-up",	   [5] = "bias-pull-default", [6] = "bias-pull-down",
	[7] = "drive-open-drain",  [8] = "drive-open-source", [9] = "drive-push-pull",
	[10] = "drive-strength",   [11] = "input-debounce",   [12] = "input-mode",
	[13] = "pull-mode",	   [14] = "input-value",      [15] = "input-schmitt",
	[16] = "low-power-mode",   [17] = "output-mode",      [18] = "output-value",
	[19] = "power-source",	   [20] = "slew-rate",
};

const char *vscmi_pin_cfg_name(uint32_t type)
{
	return type < VSCMI_PIN_CFG_TYPES ? pin_cfg_names[type] : NULL;
}

int vscmi_pin_cfg_type(const char *name)
{
	for (int i = 1; i < VSCMI_PIN_CFG_TYPES; i++)
		if (strcmp(pin_cfg_names[i], name) == 0)
			return i;
	return -1;
}

void vscmi_model_free(struct vscmi_model *m)
{
	if (!m)
		return;
	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		free(m->res[k]);
		m->res[k] = NULL;
		m->nres[k] = 0;
	}
	for (uint32_t a = 0; a < m->nagents; a++)
		for (int k = 0; k < VSCMI_KIND_COUNT; k++)
			free(m->agents[a].views[k]);
	free(m->agents);
	m->agents = NULL;
	m->nagents = 0;
}

bool vscmi_agent_equal(const struct vscmi_agent_desc *a, const struct vscmi_agent_desc *b)
{
	struct vscmi_agent_desc x = *a, y = *b;

	for (int k = 0; k < VSCMI_KIND_COUNT; k++) {
		if (a->nviews[k] != b->nviews[k] ||
		    (a->nviews[k] && memcmp(a->views[k], b->views[k],
					    a->nviews[k] * sizeof(*a->views[k]))))
			return false;
		x.views[k] = y.views[k] = NULL;
	}
	return !memcmp(&x, &y, sizeof(x));
}

bool vscmi_model_res_equal(const struct vscmi_model *a, const struct vscmi_model *b)
{
	for (int k = 0; k < VSCMI_KIND_COUNT; k++)
		if (a->nres[k] != b->nres[k] ||
		    (a->nres[k] && memcmp(a->res[k], b->res[k], a->nres[k] * sizeof(*a->res[k]))))
			return false;
	return true;
}

bool vscmi_model_equal(const struct vscmi_model *a, const struct vscmi_model *b)
{
	if (a->nagents != b->nagents || !vscmi_model_res_equal(a, b))
		return false;
	for (uint32_t i = 0; i < a->nagents; i++)
		if (!vscmi_agent_equal(&a->agents[i], &b->agents[i]))
			return false;
	return true;
}
