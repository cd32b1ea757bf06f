/* SPDX-License-Identifier: GPL-2.0-only */
/* Base protocol (0x10), v2.1: discovery, agents, and agent reset. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "vscmi-build.h"

#define BASE_VERSION 0x20001


/* The protocols this agent may use, Base excluded, ascending. */
static uint32_t base_protocols(const struct scmi_agent *a, uint8_t *ids)
{
	uint32_t n = 0;

	for (uint32_t p = SCMI_PROTO_POWER; p <= SCMI_PROTO_PINCTRL; p++)
		if (a->d->protocols & SCMI_PROTO_BIT(p))
			ids[n++] = (uint8_t)p;
	return n;
}

static int base_attributes(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	uint8_t ids[16];
	uint32_t n = base_protocols(c->agent, ids);

	vscmi_wr_u32(resp, scmi_agent_count_seen(c->agent) << 8 | n);
	return 0;
}

static int base_vendor(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	vscmi_wr_str(resp, "vscmi", SCMI_SHORT_NAME);
	return 0;
}

static int base_sub_vendor(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	vscmi_wr_str(resp, c->srv->plat->ops->name, SCMI_SHORT_NAME);
	return 0;
}

/* major.minor.patch of the daemon, one byte each. */
static uint32_t base_impl_version(void)
{
	unsigned int maj = 0, min = 0, pat = 0;
	const char *s = VSCMI_VERSION;
	char *end;

	maj = (unsigned int)strtoul(s, &end, 10);
	if (*end == '.')
		min = (unsigned int)strtoul(end + 1, &end, 10);
	if (*end == '.')
		pat = (unsigned int)strtoul(end + 1, &end, 10);
	return (maj & 0xff) << 16 | (min & 0xff) << 8 | (pat & 0xff);
}

static int base_impl(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	vscmi_wr_u32(resp, base_impl_version());
	return 0;
}

static int base_list_protocols(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	uint8_t ids[16], packed[16] = { 0 };
	uint32_t skip, n = base_protocols(c->agent, ids), count;

	SCMI_RD32(req, skip);
	if (skip > n)
		return -EINVAL;
	count = n - skip;
	/* Room after the count word, in whole words of four IDs. */
	if (count > (c->payload_max - 4) / 4 * 4)
		count = (uint32_t)((c->payload_max - 4) / 4 * 4);
	memcpy(packed, ids + skip, count);
	vscmi_wr_u32(resp, count);
	vscmi_wr_bytes(resp, packed, (count + 3) / 4 * 4);
	return 0;
}

static int base_discover_agent(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_agent *other;
	uint32_t id;

	SCMI_RD32(req, id);
	if (id == 0) {
		vscmi_wr_u32(resp, 0);
		vscmi_wr_str(resp, "platform", SCMI_SHORT_NAME);
		return 0;
	}
	other = scmi_agent_from_wire(c->agent, id);
	if (!other)
		return -ENOENT;
	vscmi_wr_u32(resp, scmi_agent_wire_id(c->agent, other));
	vscmi_wr_str(resp, other->d->name, SCMI_SHORT_NAME);
	return 0;
}

static int base_notify_errors(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	uint32_t ctl;

	SCMI_RD32(req, ctl);
	if (ctl & ~1u)
		return -EINVAL;
	if (!c->agent->p2a)
		return -EOPNOTSUPP;
	c->agent->notify_errors = ctl & 1;
	c->agent->seq++;
	return 0;
}

/* Devices are not part of the model: every device ID is unknown. */
static int base_set_device_permissions(struct scmi_ctx *c, struct vscmi_rd *req,
				       struct vscmi_wr *resp)
{
	uint32_t agent, device, flags;

	SCMI_RD32(req, agent);
	SCMI_RD32(req, device);
	SCMI_RD32(req, flags);
	if (!c->agent->d->privileged)
		return -EACCES;
	if (flags & ~1u)
		return -EINVAL;
	if (!scmi_agent_from_wire(c->agent, agent))
		return -ENOENT;
	return -ENOENT;
}

static int base_set_protocol_permissions(struct scmi_ctx *c, struct vscmi_rd *req,
					 struct vscmi_wr *resp)
{
	uint32_t agent, device, proto, flags;

	SCMI_RD32(req, agent);
	SCMI_RD32(req, device);
	SCMI_RD32(req, proto);
	SCMI_RD32(req, flags);
	if (!c->agent->d->privileged || proto == SCMI_PROTO_BASE)
		return -EACCES;
	/* DEN0056E BASE_SET_PROTOCOL_PERMISSIONS: command_id[31:8] and
	 * flags[31:1] reserved, must be zero. */
	if ((proto & ~0xffu) || (flags & ~1u))
		return -EINVAL;
	if (!scmi_agent_from_wire(c->agent, agent))
		return -ENOENT;
	return -ENOENT;
}

static int base_reset_agent(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	struct scmi_agent *target;
	uint32_t id, flags;

	SCMI_RD32(req, id);
	SCMI_RD32(req, flags);
	if (flags & ~1u)
		return -EINVAL;
	target = scmi_agent_from_wire(c->agent, id);
	if (!target)
		return -ENOENT;
	/* Permissions are static (bit 0 has nothing to restore); the votes go. */
	scmi_agent_reset(target);
	return 0;
}

static const struct scmi_msg_desc base_msgs[] = {
	SCMI_COMMON_MSGS,
	[SCMI_MSG_ATTRIBUTES] = { base_attributes, 0 },
	[SCMI_BASE_DISCOVER_VENDOR] = { base_vendor, 0 },
	[SCMI_BASE_DISCOVER_SUB_VENDOR] = { base_sub_vendor, 0 },
	[SCMI_BASE_DISCOVER_IMPL_VERSION] = { base_impl, 0 },
	[SCMI_BASE_DISCOVER_LIST_PROTOCOLS] = { base_list_protocols, 4 },
	[SCMI_BASE_DISCOVER_AGENT] = { base_discover_agent, 4 },
	[SCMI_BASE_NOTIFY_ERRORS] = { base_notify_errors, 4 },
	[SCMI_BASE_SET_DEVICE_PERMISSIONS] = { base_set_device_permissions, 12 },
	[SCMI_BASE_SET_PROTOCOL_PERMISSIONS] = { base_set_protocol_permissions, 16 },
	[SCMI_BASE_RESET_AGENT_CONFIGURATION] = { base_reset_agent, 8 },
};

const struct scmi_protocol scmi_base_protocol = {
	.id = SCMI_PROTO_BASE,
	.version = BASE_VERSION,
	.kind = VSCMI_KIND_COUNT,
	SCMI_PROTOCOL_TABLE(base_msgs),
};
