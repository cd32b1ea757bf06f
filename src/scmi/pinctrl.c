/* SPDX-License-Identifier: GPL-2.0-only */
/* Pin control protocol (0x19), v1.0 of SCMI v3.2. An agent sees pins,
 * groups and functions under its own names and ids. A pin is held by one
 * agent at a time (REQUEST, or a SETTINGS_CONFIGURE of a pin nobody
 * holds); the holder's function and configs are what the platform gets,
 * and a pin given back returns to its configured default. A group stands
 * for its pins: every one of them, or none. SETTINGS_GET reads what the
 * platform has, held by the caller or not. */
#include <string.h>

#include "internal.h"

#define PINCTRL_VERSION 0x10000

#define PINCTRL_EXT_NAME (1u << 31)
#define PINCTRL_PIN_ONLY (1u << 16)

/* SETTINGS_GET attributes */
#define PINCTRL_GET_RSVD 0xfff00000u
#define PINCTRL_GET_FLAG(a) (((a) >> 18) & 3u)
#define PINCTRL_GET_SEL(a) (((a) >> 16) & 3u)
#define PINCTRL_GET_SKIP(a) (((a) >> 8) & 0xffu)
#define PINCTRL_GET_TYPE(a) ((a) & 0xffu)
enum { PINCTRL_GET_ONE = 0, PINCTRL_GET_ALL = 1, PINCTRL_GET_FUNC = 2 };

/* SETTINGS_CONFIGURE attributes */
#define PINCTRL_CONF_RSVD 0xfffff800u
#define PINCTRL_CONF_FUNC (1u << 10)
#define PINCTRL_CONF_N(a) (((a) >> 2) & 0xffu)
#define PINCTRL_CONF_SEL(a) ((a) & 3u)

/* REQUEST, RELEASE, NAME_GET, ATTRIBUTES, LIST_ASSOCIATIONS flags */
#define PINCTRL_SEL_RSVD 0xfffffffcu
/* SET_PERMISSIONS flags: [2] access (1 allow, 0 deny), [1:0] selector */
#define PINCTRL_PERM_RSVD 0xfffffff8u
#define PINCTRL_PERM_ALLOW (1u << 2)

static const enum vscmi_kind pinctrl_kinds[3] = { VSCMI_PIN, VSCMI_PIN_GROUP, VSCMI_PIN_FUNC };

/* The view a selector and an id name: -EINVAL for a selector the spec
 * leaves undefined, -ENOENT for an id outside the agent's view. */
static int pinctrl_view(struct scmi_ctx *c, uint32_t sel, uint32_t id, struct scmi_vres **out)
{
	enum vscmi_kind k;

	if (sel > SCMI_PINCTRL_FUNCTION)
		return -EINVAL;
	k = pinctrl_kinds[sel];
	if (id >= c->agent->nviews[k])
		return -ENOENT;
	*out = &c->agent->views[k][id];
	return 0;
}

/* The agent's id of a resource of kind k, or -1 when it does not see it. */
static int64_t pinctrl_vid(const struct scmi_agent *a, enum vscmi_kind k, uint32_t res)
{
	for (uint32_t i = 0; i < a->nviews[k]; i++)
		if (arb_res_index(a->views[k][i].res) == res)
			return i;
	return -1;
}

/* The pin views a pin or group view stands for; the config makes sure an
 * agent sees every pin of a group it sees. */
static int pinctrl_pins(struct scmi_ctx *c, struct scmi_vres *v, struct scmi_vres **pins,
			uint32_t *n)
{
	const struct vscmi_res_desc *d = scmi_vres_desc(v);

	if (d->kind == VSCMI_PIN) {
		pins[0] = v;
		*n = 1;
		return 0;
	}
	if (d->kind != VSCMI_PIN_GROUP)
		return -EINVAL;
	*n = 0;
	for (uint32_t i = 0; i < d->u.pin_set.nmembers && i < VSCMI_PIN_MEMBERS; i++) {
		int64_t vid = pinctrl_vid(c->agent, VSCMI_PIN, d->u.pin_set.members[i]);

		if (vid < 0)
			return -ENOENT;
		pins[(*n)++] = &c->agent->views[VSCMI_PIN][vid];
	}
	return 0;
}

/* A command on pins whose earlier change still waits for its reply parks
 * behind it, as one on a single resource does. */
static int pinctrl_park(struct scmi_ctx *c, struct scmi_vres **pins, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (pins[i]->later) {
			c->view = pins[i];
			return -EALREADY;
		}
	}
	return 0;
}

static int pinctrl_attributes_proto(struct scmi_ctx *c, struct vscmi_rd *req,
				    struct vscmi_wr *resp)
{
	vscmi_wr_u32(resp, scmi_view_count(c, VSCMI_PIN_GROUP) << 16 |
				   scmi_view_count(c, VSCMI_PIN));
	vscmi_wr_u32(resp, scmi_view_count(c, VSCMI_PIN_FUNC));
	return 0;
}

static int pinctrl_attributes(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t id, flags, attr = 0;
	const struct vscmi_res_desc *d;
	int r;

	SCMI_RD32(req, id);
	SCMI_RD32(req, flags);
	if (flags & PINCTRL_SEL_RSVD)
		return -EINVAL;
	r = pinctrl_view(c, flags, id, &v);
	if (r < 0)
		return r;
	d = scmi_vres_desc(v);
	if (scmi_name_is_long(v->name))
		attr |= PINCTRL_EXT_NAME;
	if (d->kind != VSCMI_PIN)
		attr |= d->u.pin_set.nmembers;
	if (d->kind == VSCMI_PIN_FUNC && d->u.pin_set.pins_only)
		attr |= PINCTRL_PIN_ONLY;
	vscmi_wr_u32(resp, attr);
	vscmi_wr_str(resp, v->name, SCMI_SHORT_NAME);
	return 0;
}

static int pinctrl_list_assoc(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t id, flags, index, n, room, count;
	const struct vscmi_res_desc *d;
	enum vscmi_kind mk;
	int r;

	SCMI_RD32(req, id);
	SCMI_RD32(req, flags);
	SCMI_RD32(req, index);
	if (flags & PINCTRL_SEL_RSVD)
		return -EINVAL;
	r = pinctrl_view(c, flags, id, &v);
	if (r < 0)
		return r;
	d = scmi_vres_desc(v);
	/* A pin has no associations. */
	if (d->kind == VSCMI_PIN)
		return -EINVAL;
	n = d->u.pin_set.nmembers;
	if (index > n)
		return -EINVAL;
	mk = d->u.pin_set.pins_only ? VSCMI_PIN : VSCMI_PIN_GROUP;
	/* Whole words after the flags, two ids each. */
	room = (uint32_t)((c->payload_max - 4) / 4 * 2);
	count = n - index < room ? n - index : room;
	vscmi_wr_u32(resp, (n - index - count) << 16 | count);
	for (uint32_t i = 0; i < count; i++) {
		int64_t vid = pinctrl_vid(c->agent, mk, d->u.pin_set.members[index + i]);

		if (vid < 0)
			return -ENOENT;
		vscmi_wr_u16(resp, (uint16_t)vid);
	}
	if (count & 1)
		vscmi_wr_u16(resp, 0);
	return 0;
}

/* What the platform has for a pin, or what every pin of a group has in
 * common: a function only when all have it, a config only when all have
 * the same value. */
static void pinctrl_phys(struct scmi_vres **pins, uint32_t n, struct arb_state *out)
{
	arb_res_phys(pins[0]->res, out);
	for (uint32_t i = 1; i < n; i++) {
		struct arb_state st;

		arb_res_phys(pins[i]->res, &st);
		if (st.func != out->func)
			out->func = 0;
		for (unsigned int t = 1; t < VSCMI_PIN_CFG_TYPES; t++)
			if (!((st.cfg_mask >> t) & 1u) || st.cfg[t] != out->cfg[t])
				out->cfg_mask &= ~(1u << t);
	}
}

static int pinctrl_settings_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v, *pins[VSCMI_PIN_MEMBERS];
	uint32_t id, attr, n, flag, type, func = SCMI_PINCTRL_NO_FUNCTION;
	struct arb_state st;
	int r;

	SCMI_RD32(req, id);
	SCMI_RD32(req, attr);
	flag = PINCTRL_GET_FLAG(attr);
	type = PINCTRL_GET_TYPE(attr);
	if ((attr & PINCTRL_GET_RSVD) || flag > PINCTRL_GET_FUNC ||
	    PINCTRL_GET_SEL(attr) == SCMI_PINCTRL_FUNCTION)
		return -EINVAL;
	r = pinctrl_view(c, PINCTRL_GET_SEL(attr), id, &v);
	if (r < 0)
		return r;
	r = pinctrl_pins(c, v, pins, &n);
	if (r < 0)
		return r;
	if (!n)
		return -EINVAL;
	pinctrl_phys(pins, n, &st);
	if (st.func) {
		int64_t fid = pinctrl_vid(c->agent, VSCMI_PIN_FUNC, st.func - 1);

		/* A function the agent cannot name reads as none. */
		if (fid >= 0)
			func = (uint32_t)fid;
	}
	if (flag == PINCTRL_GET_ONE) {
		if (type >= SCMI_PINCTRL_CFG_OEM_FIRST)
			return -EOPNOTSUPP;
		if (type == 0 || type >= VSCMI_PIN_CFG_TYPES)
			return -EINVAL;
		vscmi_wr_u32(resp, func);
		vscmi_wr_u32(resp, 1);
		vscmi_wr_u32(resp, type);
		/* A type never set reads 0, as the arbiter takes it. */
		vscmi_wr_u32(resp, (st.cfg_mask >> type) & 1u ? st.cfg[type] : 0);
		return 0;
	}
	if (flag == PINCTRL_GET_FUNC) {
		vscmi_wr_u32(resp, func);
		vscmi_wr_u32(resp, 0);
		return 0;
	}

	uint32_t types[VSCMI_PIN_CFG_TYPES], total = 0, skip = PINCTRL_GET_SKIP(attr), room, count;

	for (unsigned int t = 1; t < VSCMI_PIN_CFG_TYPES; t++)
		if ((st.cfg_mask >> t) & 1u)
			types[total++] = t;
	if (skip > total)
		return -EINVAL;
	room = (uint32_t)((c->payload_max - 8) / 8);
	count = total - skip < room ? total - skip : room;
	vscmi_wr_u32(resp, func);
	vscmi_wr_u32(resp, (total - skip - count) << 24 | count);
	for (uint32_t i = 0; i < count; i++) {
		vscmi_wr_u32(resp, types[skip + i]);
		vscmi_wr_u32(resp, st.cfg[types[skip + i]]);
	}
	return 0;
}

/* Whether function f (a model index) may be selected on every pin of a
 * group (group set) or on the pin. */
static bool pinctrl_func_fits(const struct scmi_ctx *c, const struct vscmi_res_desc *f,
			      const struct vscmi_res_desc *target, uint32_t target_index)
{
	const struct vscmi_model *m = c->srv->model;

	if (target->kind == VSCMI_PIN_GROUP && !f->u.pin_set.pins_only) {
		for (uint32_t i = 0; i < f->u.pin_set.nmembers; i++)
			if (f->u.pin_set.members[i] == target_index)
				return true;
		return false;
	}
	if (target->kind == VSCMI_PIN_GROUP) {
		for (uint32_t j = 0; j < target->u.pin_set.nmembers; j++) {
			bool found = false;

			for (uint32_t i = 0; i < f->u.pin_set.nmembers && !found; i++)
				found = f->u.pin_set.members[i] == target->u.pin_set.members[j];
			if (!found)
				return false;
		}
		return true;
	}
	/* One pin: listed itself, or in one of the function's groups. */
	for (uint32_t i = 0; i < f->u.pin_set.nmembers; i++) {
		const struct vscmi_res_desc *g;

		if (f->u.pin_set.pins_only) {
			if (f->u.pin_set.members[i] == target_index)
				return true;
			continue;
		}
		g = &m->res[VSCMI_PIN_GROUP][f->u.pin_set.members[i]];
		for (uint32_t j = 0; j < g->u.pin_set.nmembers; j++)
			if (g->u.pin_set.members[j] == target_index)
				return true;
	}
	return false;
}

/* DENIED when another agent holds one of the pins. */
static int pinctrl_not_held_by_others(struct scmi_ctx *c, struct scmi_vres *const *pins,
				      uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t owner = arb_pin_owner(pins[i]->res);

		if (owner && owner != c->agent->id)
			return -EACCES;
	}
	return 0;
}

/* A pin a privileged agent took away: DENIED, for every pin of a group. */
static int pinctrl_allowed(struct scmi_vres *const *pins, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (pins[i]->denied)
			return -EACCES;
	return 0;
}

/* Configs one SETTINGS_CONFIGURE can carry in the largest message. */
#define PINCTRL_CONF_MAX ((SCMI_DEFAULT_PAYLOAD - 12) / 8)

static int pinctrl_settings_configure(struct scmi_ctx *c, struct vscmi_rd *req,
				      struct vscmi_wr *resp)
{
	struct scmi_vres *v, *pins[VSCMI_PIN_MEMBERS], *last = NULL;
	uint32_t id, fid, attr, n, ncfg, type[PINCTRL_CONF_MAX], val[PINCTRL_CONF_MAX];
	const struct vscmi_res_desc *d;
	int64_t func = -1;	/* index + 1, 0 none; -1: unchanged */
	int r, pending = 0;

	SCMI_RD32(req, id);
	SCMI_RD32(req, fid);
	SCMI_RD32(req, attr);
	ncfg = PINCTRL_CONF_N(attr);
	if ((attr & PINCTRL_CONF_RSVD) || PINCTRL_CONF_SEL(attr) == SCMI_PINCTRL_FUNCTION)
		return -EINVAL;
	r = pinctrl_view(c, PINCTRL_CONF_SEL(attr), id, &v);
	if (r < 0)
		return r;
	/* More configs than a message can hold: it is short. */
	if (ncfg > PINCTRL_CONF_MAX)
		return -EPROTO;
	for (uint32_t i = 0; i < ncfg; i++) {
		SCMI_RD32(req, type[i]);
		SCMI_RD32(req, val[i]);
	}
	for (uint32_t i = 0; i < ncfg; i++) {
		if (type[i] >= SCMI_PINCTRL_CFG_OEM_FIRST && type[i] <= 0xff)
			return -EOPNOTSUPP;
		if (type[i] >= VSCMI_PIN_CFG_TYPES)
			return -EINVAL;
	}
	d = scmi_vres_desc(v);
	/* The no-function id with the valid bit: no function selected. */
	if ((attr & PINCTRL_CONF_FUNC) && fid == SCMI_PINCTRL_NO_FUNCTION) {
		func = 0;
	} else if (attr & PINCTRL_CONF_FUNC) {
		struct scmi_vres *fv;

		if (fid >= scmi_view_count(c, VSCMI_PIN_FUNC))
			return -ENOENT;
		fv = &c->agent->views[VSCMI_PIN_FUNC][fid];
		if (!pinctrl_func_fits(c, scmi_vres_desc(fv), d, arb_res_index(v->res)))
			return -EINVAL;
		func = arb_res_index(fv->res) + 1;
	}
	r = pinctrl_pins(c, v, pins, &n);
	if (r < 0)
		return r;
	r = pinctrl_park(c, pins, n);
	if (r < 0)
		return r;
	r = pinctrl_allowed(pins, n);
	if (r < 0)
		return r;
	/* Every pin or none: one another agent holds refuses them all. */
	r = pinctrl_not_held_by_others(c, pins, n);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < n; i++) {
		const struct vscmi_res_desc *pd = scmi_vres_desc(pins[i]);
		struct arb_state st;

		arb_vote_state(pins[i]->vote, &st);
		if (!st.owned) {
			struct arb_state t;

			/* Taken as the pin is: only what the command says changes. */
			arb_res_target(pins[i]->res, &t);
			st = (struct arb_state){ .func = t.func, .cfg_mask = t.cfg_mask };
			memcpy(st.cfg, t.cfg, sizeof(st.cfg));
		}
		st.owned = true;
		if (func >= 0)
			st.func = (uint32_t)func;
		for (uint32_t j = 0; j < ncfg; j++) {
			if (type[j] == 0) {
				/* The default type: the pin's configured configs again. */
				st.cfg_mask = pd->u.pin.cfg_mask;
				memcpy(st.cfg, pd->u.pin.cfg, sizeof(st.cfg));
				continue;
			}
			st.cfg_mask |= 1u << type[j];
			st.cfg[type[j]] = val[j];
		}
		r = arb_pin_settings(pins[i]->vote, &st);
		if (r == -EINPROGRESS) {
			last = pins[i];
			pending = r;
			continue;
		}
		if (r < 0)
			return r;
	}
	/* The reply waits for the last pin whose change went to the platform. */
	if (pending)
		c->view = last;
	return pending;
}

static int pinctrl_pins_cmd(struct scmi_ctx *c, struct vscmi_rd *req, struct scmi_vres **pins,
			    uint32_t *n)
{
	struct scmi_vres *v;
	uint32_t id, flags;
	int r;

	SCMI_RD32(req, id);
	SCMI_RD32(req, flags);
	if ((flags & PINCTRL_SEL_RSVD) || flags == SCMI_PINCTRL_FUNCTION)
		return -EINVAL;
	r = pinctrl_view(c, flags, id, &v);
	if (r < 0)
		return r;
	r = pinctrl_pins(c, v, pins, n);
	if (r < 0)
		return r;
	return pinctrl_park(c, pins, *n);
}

static int pinctrl_request(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *pins[VSCMI_PIN_MEMBERS];
	struct arb_vote *votes[VSCMI_PIN_MEMBERS];
	uint32_t n;
	int r = pinctrl_pins_cmd(c, req, pins, &n);

	if (r < 0)
		return r;
	r = pinctrl_allowed(pins, n);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < n; i++)
		votes[i] = pins[i]->vote;
	return arb_pin_request(votes, n);
}

static int pinctrl_release(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *pins[VSCMI_PIN_MEMBERS], *last = NULL;
	uint32_t n;
	int r = pinctrl_pins_cmd(c, req, pins, &n), pending = 0;

	if (r < 0)
		return r;
	/* Every pin or none: one another agent holds refuses them all. */
	r = pinctrl_not_held_by_others(c, pins, n);
	if (r < 0)
		return r;
	for (uint32_t i = 0; i < n; i++) {
		struct arb_vote *v = pins[i]->vote;

		r = arb_pin_release(&v, 1);
		if (r == -EINPROGRESS) {
			last = pins[i];
			pending = r;
			continue;
		}
		if (r < 0)
			return r;
	}
	/* The reply waits for the last pin whose release went to the platform. */
	if (pending)
		c->view = last;
	return pending;
}

static int pinctrl_name_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_vres *v;
	uint32_t id, flags;
	int r;

	SCMI_RD32(req, id);
	SCMI_RD32(req, flags);
	if (flags & PINCTRL_SEL_RSVD)
		return -EINVAL;
	r = pinctrl_view(c, flags, id, &v);
	if (r < 0)
		return r;
	vscmi_wr_u32(resp, 0);
	vscmi_wr_str(resp, v->name, SCMI_EXT_NAME);
	return 0;
}

/* Which agent may use which pin is the config's to say: a privileged
 * agent's well-formed request is NOT_SUPPORTED, anyone else's DENIED. */
/* A privileged agent allows or denies another agent a pin, or every pin
 * of a group, within what the config lets that agent see (NOT_FOUND for a
 * pin it does not see). A pin denied while the agent holds it is given
 * back to its default; access comes back with an allow, or with the
 * agent's RESET_AGENT_CONFIGURATION asking its permissions back. Kept
 * while vscmid runs: a restart starts from the config's access again. */
static int pinctrl_set_permissions(struct scmi_ctx *c, struct vscmi_rd *req,
				   struct vscmi_wr *resp)
{
	struct scmi_vres *v, *pins[VSCMI_PIN_MEMBERS], *theirs[VSCMI_PIN_MEMBERS];
	struct scmi_agent *target;
	uint32_t agent, id, flags, n;
	bool allow;
	int r;

	SCMI_RD32(req, agent);
	SCMI_RD32(req, id);
	SCMI_RD32(req, flags);
	if (!c->agent->d->privileged)
		return -EACCES;
	if ((flags & PINCTRL_PERM_RSVD) || (flags & 3u) == SCMI_PINCTRL_FUNCTION)
		return -EINVAL;
	allow = flags & PINCTRL_PERM_ALLOW;
	target = scmi_agent_from_wire(c->agent, agent);
	if (!target)
		return -ENOENT;
	r = pinctrl_view(c, flags & 3u, id, &v);
	if (r < 0)
		return r;
	r = pinctrl_pins(c, v, pins, &n);
	if (r < 0)
		return r;
	/* All or none: every pin must be one the target sees. */
	for (uint32_t i = 0; i < n; i++) {
		int64_t vid = pinctrl_vid(target, VSCMI_PIN, arb_res_index(pins[i]->res));

		if (vid < 0)
			return -ENOENT;
		theirs[i] = &target->views[VSCMI_PIN][vid];
	}
	for (uint32_t i = 0; i < n; i++) {
		struct arb_vote *tv = theirs[i]->vote;

		if (theirs[i]->denied == !allow)
			continue;
		theirs[i]->denied = !allow;
		/* Its hold ends with its access; a release is never refused,
		 * and one the platform takes time over finishes on its own. */
		if (!allow && arb_pin_owner(theirs[i]->res) == target->id)
			(void)arb_pin_release(&tv, 1);
	}
	return 0;
}

void scmi_pinctrl_reset_permissions(struct scmi_agent *a)
{
	for (uint32_t i = 0; i < a->nviews[VSCMI_PIN]; i++)
		a->views[VSCMI_PIN][i].denied = false;
}

static const struct scmi_msg_desc pinctrl_msgs[] = {
	SCMI_COMMON_MSGS,
	[SCMI_MSG_ATTRIBUTES] = { pinctrl_attributes_proto, 0 },
	[SCMI_PINCTRL_ATTRIBUTES] = { pinctrl_attributes, 8 },
	[SCMI_PINCTRL_LIST_ASSOCIATIONS] = { pinctrl_list_assoc, 12 },
	[SCMI_PINCTRL_SETTINGS_GET] = { pinctrl_settings_get, 8 },
	[SCMI_PINCTRL_SETTINGS_CONFIGURE] = { pinctrl_settings_configure, 12 },
	[SCMI_PINCTRL_REQUEST] = { pinctrl_request, 8 },
	[SCMI_PINCTRL_RELEASE] = { pinctrl_release, 8 },
	[SCMI_PINCTRL_NAME_GET] = { pinctrl_name_get, 8 },
	[SCMI_PINCTRL_SET_PERMISSIONS] = { pinctrl_set_permissions, 12 },
};

const struct scmi_protocol scmi_pinctrl_protocol = {
	.id = SCMI_PROTO_PINCTRL,
	.version = PINCTRL_VERSION,
	.kind = VSCMI_PIN,
	SCMI_PROTOCOL_TABLE(pinctrl_msgs),
};
