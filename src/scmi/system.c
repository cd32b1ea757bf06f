/* SPDX-License-Identifier: GPL-2.0-only */
/* System power protocol (0x12), v2.1. A guest's shutdown or reboot concerns
 * that guest: it goes to the embedder's hook (the Xen layer turns it into a
 * domain shutdown). Only a privileged agent reaches the platform, and then
 * every subscribed agent hears of it. */
#include "internal.h"
#include "vscmi/log.h"

#define SYSTEM_VERSION 0x20001


enum {
	SYSTEM_SHUTDOWN = 0,
	SYSTEM_COLD_RESET = 1,
	SYSTEM_WARM_RESET = 2,
	SYSTEM_POWER_UP = SCMI_SYSTEM_POWER_UP,
	SYSTEM_SUSPEND = 4,
};

#define SYSTEM_GRACEFUL 1u

static int system_attributes(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	vscmi_wr_u32(resp, 0);
	return 0;
}

/* Warm reset is offered (a domain reboot); suspend is not. */
static uint32_t system_msg_attributes(struct scmi_ctx *c, uint32_t msg)
{
	return msg == SCMI_SYSTEM_POWER_STATE_SET ? 1u << 31 : 0;
}

/* DEN0056E 4.4.2.4: SYSTEM_POWER_STATE_NOTIFY is NOT_SUPPORTED when the
 * agent can get no notifications (no event channel); Linux asks this
 * before it subscribes. */
static int system_msg_attributes_get(struct scmi_ctx *c, struct vscmi_rd *req,
				     struct vscmi_wr *resp)
{
	uint32_t msg;

	SCMI_RD32(req, msg);
	if (msg == SCMI_SYSTEM_POWER_STATE_NOTIFY && !c->agent->p2a)
		return -EOPNOTSUPP;
	if (msg >= c->proto->nmsgs || !c->proto->msgs[msg].fn)
		return -ENOENT;
	vscmi_wr_u32(resp, system_msg_attributes(c, msg));
	return 0;
}

static void system_notify_all(struct scmi_server *srv, struct scmi_agent *cause,
			      uint32_t flags, uint32_t state)
{
	uint8_t buf[20];

	vscmi_put_le32(buf, SCMI_HDR(SCMI_SYSTEM_POWER_STATE_NOTIFIER, SCMI_TYPE_NOTIFICATION,
				     SCMI_PROTO_SYSTEM, 0));
	vscmi_put_le32(buf + 8, flags);
	vscmi_put_le32(buf + 12, state);
	vscmi_put_le32(buf + 16, 0);	/* no timeout for graceful requests */
	for (uint32_t i = 0; i < srv->nagents; i++) {
		struct scmi_agent *a = srv->agents[i];

		if (!a || !a->notify_system)
			continue;
		vscmi_put_le32(buf + 4, scmi_agent_wire_id(a, cause));
		if (scmi_agent_send(a, buf, sizeof(buf)) == 0)
			a->stats.notifications++;
	}
}

static void system_notify_all(struct scmi_server *srv, struct scmi_agent *cause,
			      uint32_t flags, uint32_t state);

/* A privileged agent's state the firmware carried out later. */
static int system_state_finish(struct scmi_preq *q, int result, bool current,
			       struct vscmi_wr *resp)
{
	uint32_t flags = q->arg[0], state = q->arg[1];

	if (result < 0)
		return result;
	/* The platform changed state whatever became of the asking channel. */
	if (current) {
		q->agent->system_state = state;
		q->agent->seq++;
	}
	system_notify_all(q->agent->srv, q->agent, flags, state);
	return 0;
}

static int system_state_set(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	uint32_t flags, state;
	int r;

	SCMI_RD32(req, flags);
	SCMI_RD32(req, state);
	if (flags & ~SYSTEM_GRACEFUL)
		return -EINVAL;
	switch (state) {
	case SYSTEM_SHUTDOWN:
	case SYSTEM_COLD_RESET:
	case SYSTEM_WARM_RESET:
		break;
	/* DEN0056E 4.4.2.5: a state the spec defines but the agent may not
	 * ask for is NOT_SUPPORTED (suspend is not offered; power-up is for
	 * agents that manage another's system view; vendor states are not
	 * offered); 5 to 0x7fffffff are reserved: INVALID_PARAMETERS. */
	case SYSTEM_POWER_UP:
	case SYSTEM_SUSPEND:
		return -EOPNOTSUPP;
	default:
		return state >= 0x80000000u ? -EOPNOTSUPP : -EINVAL;
	}
	if (c->agent->d->privileged) {
		struct vscmi_op op = { VSCMI_OP_SYSTEM_POWER, 0, state, flags };

		log_notice("agent %s: system state %u forwarded to the platform",
			   c->agent->d->name, state);
		/* Slow firmware answers later; everyone else is served meanwhile. */
		r = scmi_preq_op(c, &op, system_state_finish);
		if (r == -EINPROGRESS) {
			c->preq->arg[0] = flags;
			c->preq->arg[1] = state;
			return r;
		}
		if (r == 0) {
			c->agent->system_state = state;
			c->agent->seq++;
			system_notify_all(c->srv, c->agent, flags, state);
		}
		return r;
	}
	if (!c->srv->hooks.system_power)
		return -EOPNOTSUPP;
	/* The embedder acts on (and logs) a request once: a guest repeating
	 * it gets the same answer without reaching the hook again. */
	if (state == c->agent->system_state)
		return 0;
	r = c->srv->hooks.system_power(c->srv->hooks.ctx, c->agent, flags, state);
	if (r == 0) {
		c->agent->system_state = state;
		c->agent->seq++;
	}
	return r;
}

static int system_state_get(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	vscmi_wr_u32(resp, c->agent->system_state);
	return 0;
}

static int system_state_notify(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp)
{
	uint32_t enable;

	SCMI_RD32(req, enable);
	if (enable & ~1u)
		return -EINVAL;
	if (!c->agent->p2a)
		return -EOPNOTSUPP;
	c->agent->notify_system = enable & 1u;
	c->agent->seq++;
	return 0;
}

/* SCMI_COMMON_MSGS spelled out: PROTOCOL_MESSAGE_ATTRIBUTES is this
 * protocol's own. */
static const struct scmi_msg_desc system_msgs[] = {
	[SCMI_MSG_VERSION] = { scmi_common_version, 0 },
	[SCMI_MSG_MSG_ATTRIBUTES] = { system_msg_attributes_get, 4 },
	[SCMI_MSG_NEGOTIATE_VERSION] = { scmi_common_negotiate, 4 },
	[SCMI_MSG_ATTRIBUTES] = { system_attributes, 0 },
	[SCMI_SYSTEM_POWER_STATE_SET] = { system_state_set, 8 },
	[SCMI_SYSTEM_POWER_STATE_GET] = { system_state_get, 0 },
	[SCMI_SYSTEM_POWER_STATE_NOTIFY] = { system_state_notify, 4 },
};

const struct scmi_protocol scmi_system_protocol = {
	.id = SCMI_PROTO_SYSTEM,
	.version = SYSTEM_VERSION,
	.kind = VSCMI_KIND_COUNT,
	SCMI_PROTOCOL_TABLE(system_msgs),
	.msg_attributes = system_msg_attributes,
};

/* The operator asks one agent for a graceful shutdown or reboot: the
 * platform's SYSTEM_POWER_STATE_NOTIFIER (agent 0, the platform, caused it)
 * to that agent alone. The agent does the rest, or does not: nothing here
 * waits for it. */
int scmi_system_request(struct scmi_agent *agent, uint32_t state)
{
	uint8_t buf[20];
	int r;

	if (state != SYSTEM_SHUTDOWN && state != SYSTEM_COLD_RESET && state != SYSTEM_WARM_RESET)
		return -EINVAL;
	if (!(agent->d->protocols & SCMI_PROTO_BIT(SCMI_PROTO_SYSTEM)))
		return -EPROTONOSUPPORT;
	if (!agent->send || !agent->p2a)
		return -ENOTCONN;
	if (!agent->notify_system)
		return -ENOENT;
	vscmi_put_le32(buf, SCMI_HDR(SCMI_SYSTEM_POWER_STATE_NOTIFIER, SCMI_TYPE_NOTIFICATION,
				     SCMI_PROTO_SYSTEM, 0));
	vscmi_put_le32(buf + 4, 0);
	vscmi_put_le32(buf + 8, SYSTEM_GRACEFUL);
	vscmi_put_le32(buf + 12, state);
	vscmi_put_le32(buf + 16, 0);	/* no deadline: the guest takes its time */
	r = scmi_agent_send(agent, buf, sizeof(buf));
	if (r < 0)
		return r;
	agent->stats.notifications++;
	log_notice("agent %s: asked for a graceful %s", agent->d->name,
		   state == SYSTEM_SHUTDOWN ? "shutdown" : "reboot");
	return 0;
}
