/* SPDX-License-Identifier: GPL-2.0-only */
/* The reference model of doc/arbiter.md's pins (see refpin.h); comments
 * quote the rule they implement. */
#include <errno.h>
#include <string.h>

#include "refpin.h"

/* "nobody: the pin's configured default (function, configs). A config
 * type never set counts as 0" */
static void rp_default(const struct rp *rp, uint32_t pin, struct rp_pin *out)
{
	const struct vscmi_res_desc *d = &rp->m->res[VSCMI_PIN][pin];

	memset(out, 0, sizeof(*out));
	out->func = d->u.pin.func >= 0 ? (uint32_t)d->u.pin.func + 1 : 0;
	for (uint32_t t = 1; t < VSCMI_PIN_CFG_TYPES; t++)
		if ((d->u.pin.cfg_mask >> t) & 1u)
			out->cfg[t] = d->u.pin.cfg[t];
}

/* "physical state: the holder's function and configs; nobody: the
 * default" */
static void rp_settle(struct rp *rp)
{
	for (uint32_t p = 0; p < rp->m->nres[VSCMI_PIN]; p++) {
		if (rp->owner[p])
			rp->phys[p] = rp->held[p];
		else
			rp_default(rp, p, &rp->phys[p]);
	}
}

int rp_init(struct rp *rp, const struct vscmi_model *m)
{
	memset(rp, 0, sizeof(*rp));
	if (m->nres[VSCMI_PIN] > RP_MAX_PINS)
		return -EINVAL;
	rp->m = m;
	rp_settle(rp);
	return 0;
}

/* "a group: a command on a group is a command on each of its pins" */
static uint32_t rp_pins(const struct rp *rp, const struct rp_step *s, uint32_t *pins)
{
	const struct vscmi_res_desc *g;
	uint32_t n = 0;

	if (!s->group) {
		pins[0] = s->index;
		return 1;
	}
	g = &rp->m->res[VSCMI_PIN_GROUP][s->index];
	for (uint32_t i = 0; i < g->u.pin_set.nmembers && n < RP_MAX_PINS; i++)
		pins[n++] = g->u.pin_set.members[i];
	return n;
}

static bool rp_held_by_other(const struct rp *rp, const uint32_t *pins, uint32_t n,
			     uint32_t agent)
{
	for (uint32_t i = 0; i < n; i++)
		if (rp->owner[pins[i]] && rp->owner[pins[i]] != agent)
			return true;
	return false;
}

/* Whether a function may be selected on what the step names: a group of
 * the function's groups, every pin of a group a pin-only function lists,
 * or a pin the function reaches either way. */
static bool rp_func_fits(const struct rp *rp, const struct rp_step *s, uint32_t f)
{
	const struct vscmi_res_desc *fd = &rp->m->res[VSCMI_PIN_FUNC][f];
	uint32_t pins[RP_MAX_PINS], n = rp_pins(rp, s, pins);

	if (s->group && !fd->u.pin_set.pins_only) {
		for (uint32_t i = 0; i < fd->u.pin_set.nmembers; i++)
			if (fd->u.pin_set.members[i] == s->index)
				return true;
		return false;
	}
	for (uint32_t i = 0; i < n; i++) {
		bool found = false;

		for (uint32_t j = 0; j < fd->u.pin_set.nmembers && !found; j++) {
			const struct vscmi_res_desc *g;

			if (fd->u.pin_set.pins_only) {
				found = fd->u.pin_set.members[j] == pins[i];
				continue;
			}
			g = &rp->m->res[VSCMI_PIN_GROUP][fd->u.pin_set.members[j]];
			for (uint32_t k = 0; k < g->u.pin_set.nmembers && !found; k++)
				found = g->u.pin_set.members[k] == pins[i];
		}
		if (!found)
			return false;
	}
	return true;
}

int32_t rp_step(struct rp *rp, const struct rp_step *s)
{
	uint32_t pins[RP_MAX_PINS], n = 0;
	int32_t status = RP_SUCCESS;

	memcpy(rp->before, rp->phys, sizeof(rp->before));
	if (s->req != RP_GONE)
		n = rp_pins(rp, s, pins);
	switch (s->req) {
	case RP_REQUEST:
		/* "REQUEST of a pin (or a group with a pin) another agent
		 * holds: IN_USE"; "it starts from what the pin has when taken" */
		if (rp_held_by_other(rp, pins, n, s->agent)) {
			status = RP_IN_USE;
			break;
		}
		for (uint32_t i = 0; i < n; i++) {
			if (rp->owner[pins[i]])
				continue;
			rp->owner[pins[i]] = s->agent;
			rp->held[pins[i]] = rp->phys[pins[i]];
		}
		break;
	case RP_RELEASE:
		/* "RELEASE of a pin another agent holds: DENIED"; "releasing a
		 * pin nobody holds does nothing" */
		if (rp_held_by_other(rp, pins, n, s->agent)) {
			status = RP_DENIED;
			break;
		}
		for (uint32_t i = 0; i < n; i++)
			rp->owner[pins[i]] = 0;
		break;
	case RP_CONFIGURE:
		if (s->func > 0 && !rp_func_fits(rp, s, (uint32_t)s->func - 1)) {
			status = RP_INVALID_PARAMETERS;
			break;
		}
		/* "SETTINGS_CONFIGURE of a pin another agent holds: DENIED";
		 * a free pin is taken, from what it has */
		if (rp_held_by_other(rp, pins, n, s->agent)) {
			status = RP_DENIED;
			break;
		}
		for (uint32_t i = 0; i < n; i++) {
			struct rp_pin *h = &rp->held[pins[i]];

			if (!rp->owner[pins[i]]) {
				rp->owner[pins[i]] = s->agent;
				*h = rp->phys[pins[i]];
			}
			if (s->func >= 0)
				h->func = (uint32_t)s->func;
			if (s->has_cfg && s->type == 0) {
				struct rp_pin def;

				/* "type 0 puts the pin's configured configs back" */
				rp_default(rp, pins[i], &def);
				memcpy(h->cfg, def.cfg, sizeof(h->cfg));
			} else if (s->has_cfg) {
				h->cfg[s->type] = s->value;
			}
		}
		break;
	case RP_GONE:
		/* "an agent's removal releases its pins" */
		for (uint32_t p = 0; p < rp->m->nres[VSCMI_PIN]; p++)
			if (rp->owner[p] == s->agent)
				rp->owner[p] = 0;
		break;
	}
	rp_settle(rp);
	return status;
}
