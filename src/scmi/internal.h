/* SPDX-License-Identifier: GPL-2.0-only */
/* Inside the SCMI server: the protocol table shape and per-agent state. */
#ifndef VSCMI_SCMI_INTERNAL_H
#define VSCMI_SCMI_INTERNAL_H

#include <errno.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

/* SYSTEM_POWER_STATE_GET of an agent that asked for nothing yet */
#define SCMI_SYSTEM_POWER_UP SCMI_SYSTEM_STATE_POWER_UP

#define SCMI_SHORT_NAME 16
#define SCMI_EXT_NAME 64
#define SCMI_MAX_TRIPS 4

struct scmi_preq;

struct scmi_ctx {
	struct scmi_server *srv;
	struct scmi_agent *agent;
	const struct scmi_protocol *proto;
	uint32_t hdr;
	size_t payload_max;		/* return values the agent takes */
	struct scmi_vres *view;		/* the resource the command names */
	struct scmi_deferred *dresp;	/* delayed response, sent after the reply */
	struct scmi_preq *preq;		/* a platform request the command left pending */
};

/* Returns 0 with the return values written after the status, or -errno
 * (mapped to a status by scmi_status_from_errno; nothing else sent). */
typedef int (*scmi_handler_fn)(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp);

struct scmi_msg_desc {
	scmi_handler_fn fn;
	uint8_t min_len;		/* request payload bytes */
};

struct scmi_protocol {
	uint8_t id;
	uint32_t version;
	enum vscmi_kind kind;		/* resources it shows, or VSCMI_KIND_COUNT */
	const struct scmi_msg_desc *msgs;
	uint32_t nmsgs;
	/* PROTOCOL_MESSAGE_ATTRIBUTES of an implemented message; NULL: 0. */
	uint32_t (*msg_attributes)(struct scmi_ctx *c, uint32_t msg);
};

#define SCMI_PROTOCOL_TABLE(name)                                                       \
	.msgs = name, .nmsgs = sizeof(name) / sizeof(name[0])

#define SCMI_COMMON_MSGS                                                                \
	[SCMI_MSG_VERSION] = { scmi_common_version, 0 },                                \
	[SCMI_MSG_MSG_ATTRIBUTES] = { scmi_common_msg_attributes, 4 },                  \
	[SCMI_MSG_NEGOTIATE_VERSION] = { scmi_common_negotiate, 4 }

extern const struct scmi_protocol scmi_base_protocol;
extern const struct scmi_protocol scmi_power_protocol;
extern const struct scmi_protocol scmi_system_protocol;
extern const struct scmi_protocol scmi_perf_protocol;
extern const struct scmi_protocol scmi_clock_protocol;
extern const struct scmi_protocol scmi_sensor_protocol;
extern const struct scmi_protocol scmi_reset_protocol;
extern const struct scmi_protocol scmi_voltage_protocol;
extern const struct scmi_protocol scmi_pinctrl_protocol;
extern const struct scmi_protocol scmi_powercap_protocol;

int scmi_common_version(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp);
int scmi_common_msg_attributes(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp);
int scmi_common_negotiate(struct scmi_ctx *c, struct vscmi_rd *req, struct vscmi_wr *resp);

struct scmi_trip {
	bool armed;
	uint32_t mode;			/* 1 up, 2 down, 3 both */
	int64_t value;
	bool above;			/* side of the trip point at the last look */
};

/* Commands an agent may have waiting behind others on their resources. */
#define SCMI_PARK_MAX 8

struct scmi_parked {
	uint64_t tag;
	uint16_t len;
	uint16_t cap;			/* room the transport has for the reply */
	uint8_t b[SCMI_MSG_MAX + 4];
};

/* Platform requests (readings, system power) an agent may have waiting on
 * slow firmware at once; one more is answered BUSY. Small: one agent must
 * not take every command slot of the firmware's channel. */
#define SCMI_PREQ_MAX 4

/* The protocol's end of a platform request: the return values into resp
 * (the reply's, or the delayed response's), or -errno. current: the agent
 * is still the one that asked (no reset since); nothing of the agent's
 * own state may change otherwise. */
typedef int (*scmi_finish_fn)(struct scmi_preq *q, int result, bool current,
			      struct vscmi_wr *resp);

/* A platform request whose result comes later, not tied to a vote: the
 * server keeps what the reply needs; the protocol says what it holds. */
struct scmi_preq {
	struct scmi_agent *agent;
	bool used;
	bool answered;			/* the reply went out: the result goes in a delayed
					 * response of message dresp_msg */
	uint8_t proto, dresp_msg;
	uint32_t gen;			/* the agent's generation when asked */
	uint32_t hdr;
	uint64_t tag;
	size_t payload_max;
	scmi_finish_fn finish;
	struct scmi_vres *view;		/* the resource, or NULL */
	uint32_t vid;
	uint32_t arg[4];		/* the command's words the finish needs */
	int64_t value;			/* a reading's result */
	uint64_t ts;
};

/* One resource as an agent sees it: dense per-agent ID = index. */
struct scmi_vres {
	struct scmi_agent *agent;
	struct arb_res *res;
	struct arb_vote *vote;
	/* A change whose reply waits for the platform: at most one, since the
	 * agent's later commands on this resource park behind it. */
	bool later;
	uint32_t later_gen;		/* the agent's generation then */
	uint32_t later_hdr;
	uint64_t later_tag;
	struct scmi_deferred *later_dresp;
	const char *name;
	uint32_t notify;		/* bit per SCMI notification message id */
	/* sensors */
	uint32_t sensor_config;		/* stored XOR 1: zero means the default, enabled */
	struct scmi_trip trips[SCMI_MAX_TRIPS];
};

struct scmi_agent {
	struct scmi_server *srv;
	uint32_t id;
	const struct vscmi_agent_desc *d;
	struct arb_agent *votes;
	struct scmi_vres *views[VSCMI_KIND_COUNT];
	uint32_t nviews[VSCMI_KIND_COUNT];
	scmi_send_fn send;
	void *send_ctx;
	scmi_reply_fn reply;
	void *reply_ctx;
	uint32_t nlater;		/* views with a reply to come */
	struct scmi_preq preq[SCMI_PREQ_MAX];
	uint32_t npreq;			/* entries used */
	struct scmi_parked park[SCMI_PARK_MAX];
	uint32_t npark;
	bool unparking;
	bool p2a;			/* delayed responses and notifications possible */
	bool notify_errors;		/* BASE_ERROR_EVENT */
	bool notify_system;		/* SYSTEM_POWER_STATE_NOTIFIER */
	uint32_t generation;		/* bumped on reset: stale deferred work is dropped */
	uint32_t pending;		/* deferred entries alive, stale ones too */
	uint32_t system_state;		/* last state asked for; power-up at first */
	uint64_t seq;			/* bumped when what the journal keeps changes */
	uint64_t saved_seq;		/* scmi_agent_seq at the last persist hook */
	struct scmi_agent_stats stats;
};

struct scmi_watch {
	struct scmi_agent *agent;
	uint32_t vid;
};

struct scmi_watchers {
	struct scmi_watch *w;
	uint32_t n, cap;
};

struct scmi_server {
	const struct vscmi_model *model;
	struct arb *arb;
	struct vscmi_platform *plat;
	struct scmi_hooks hooks;
	/* agents[id - 1]; NULL where an agent was removed. Ids stay what
	 * they were: guests see them in notifications and discovery. */
	struct scmi_agent **agents;
	uint32_t nagents;		/* ids handed out */
	uint32_t agents_cap;
	/* Who sees each physical resource, for fanning out notifications. */
	struct scmi_watchers *watchers[VSCMI_KIND_COUNT];
	struct scmi_deferred *deferred;	/* delayed responses not yet sent */
};

/* The agent's resource by the ID it uses, or NULL (NOT_FOUND). Reads the
 * ID from the request. -EALREADY while the agent's reply to an earlier
 * change of it is still to come: the server parks the command. */
int scmi_view_get(struct scmi_ctx *c, struct vscmi_rd *req, enum vscmi_kind kind,
		  struct scmi_vres **out, uint32_t *vid);
static inline const struct vscmi_res_desc *scmi_vres_desc(const struct scmi_vres *v)
{
	return arb_res_desc(v->res);
}
static inline uint32_t scmi_view_count(const struct scmi_ctx *c, enum vscmi_kind kind)
{
	return c->agent->nviews[kind];
}

/* Request fields: short reads were ruled out by min_len; these stay safe
 * anyway (-EBADMSG -> PROTOCOL_ERROR). */
#define SCMI_RD32(req, var)                                                             \
	do {                                                                            \
		int r_ = vscmi_rd_u32((req), &(var));                                   \
		if (r_ < 0)                                                             \
			return r_;                                                      \
	} while (0)

/* Sends a delayed response (type 2) with the command's token after usec,
 * once the command's own reply is out. status then payload. */
int scmi_delayed_response(struct scmi_ctx *c, uint8_t msg, int32_t status, const uint8_t *payload,
			  size_t len, uint64_t usec);
/* A sensor reading for the command: 0 with the value at once, -errno,
 * or -EINPROGRESS with c->preq set: finish gets the result later (the
 * reading in q->value, q->ts). -EBUSY when the agent has SCMI_PREQ_MAX
 * requests waiting. The handler returns -EINPROGRESS to answer later, or
 * marks c->preq answered and returns 0 to answer now. */
int scmi_preq_reading(struct scmi_ctx *c, uint32_t plat_id, int64_t *value, uint64_t *ts,
		      scmi_finish_fn finish);
/* The same for a platform op outside the arbiter (system power). */
int scmi_preq_op(struct scmi_ctx *c, const struct vscmi_op *op, scmi_finish_fn finish);
/* Which agents other than the cause hear of a change: those whose reads
 * of it follow the physical state. */
enum scmi_follow {
	SCMI_FOLLOW_ALL,	/* every subscriber */
	SCMI_FOLLOW_NONE,	/* the cause only */
	SCMI_FOLLOW_LEVEL,	/* those without a rate or level vote */
	SCMI_FOLLOW_LIMITS,	/* those without a limits vote */
};

/* Sends a notification to the agents that see res, subscribed, and hear of
 * it by follow. The payload starts with agent_id (the receiver's own id if
 * it caused the change, else 0, the platform), then the receiver's ID of
 * the resource, then rest. */
void scmi_notify_res(struct scmi_server *srv, struct arb_res *res, uint8_t proto, uint8_t msg,
		     uint32_t cause_agent, enum scmi_follow follow, const uint32_t *rest,
		     size_t nrest);
int scmi_agent_send(struct scmi_agent *a, const uint8_t *msg, size_t len);
/* Agent IDs as an agent knows them. A guest is alone on its platform: it is
 * agent 1 among 1, and whatever another agent did is the platform's (0); a
 * privileged agent sees every agent under its own ID. */
#define SCMI_AGENT_SELF 0xffffffffu
uint32_t scmi_agent_count_seen(const struct scmi_agent *viewer);
uint32_t scmi_agent_wire_id(const struct scmi_agent *viewer, const struct scmi_agent *subject);
/* The agent an ID from viewer's message names (SCMI_AGENT_SELF: viewer), or
 * NULL: no agent viewer may name. */
struct scmi_agent *scmi_agent_from_wire(struct scmi_agent *viewer, uint32_t id);
/* Enables or disables a notification for a resource view. */
int scmi_notify_set(struct scmi_ctx *c, struct scmi_vres *v, uint32_t notif_msg, uint32_t enable);
/* Name handling: the 16-byte field gets a truncation; the extended-name
 * attribute tells when the full one needs NAME_GET. */
bool scmi_name_is_long(const char *name);


/* Between the server's own files. */

/* server.c */
/* Calls the persist hook if what the journal keeps of the agent changed. */
void scmi_agent_persist(struct scmi_agent *a);
/* A reply that did not go back with its command, to the reply output. */
void scmi_agent_reply(struct scmi_agent *a, uint64_t tag, const uint8_t *msg, size_t len);

/* dispatch.c */
/* Runs the agent's parked commands whose resource is free now. */
void scmi_unpark(struct scmi_agent *a);

/* deferred.c */
void scmi_dresp_drop(struct scmi_deferred *d);
/* Queues d to go out after the command's reply; on failure d is dropped. */
int scmi_dresp_arm(struct scmi_server *srv, struct scmi_deferred *d);
void scmi_deferred_free_all(struct scmi_server *srv);
/* The agent is being removed: what it has in the deferral queue goes
 * nowhere. */
void scmi_deferred_forget(struct scmi_server *srv, struct scmi_agent *a);
void scmi_preq_cancel_all(struct scmi_agent *a);
/* The arbiter's done callback. */
void scmi_on_done(void *ctx, struct arb_vote *vote, int result);

/* powercap.c */
/* A power capping domain measured power: agents whose thresholds it
 * crossed hear of it. */
void scmi_powercap_measured(struct scmi_server *srv, struct arb_res *res, uint32_t power);
/* Measures the domain again when an agent has thresholds on it. */
void scmi_powercap_recheck(struct scmi_server *srv, struct arb_res *res);

/* notify.c */
/* The arbiter's transition observer and the platform's event callback. */
void scmi_on_transition(void *ctx, struct arb_res *res, const struct vscmi_op *op,
			uint32_t cause);
void scmi_on_platform_event(void *ctx, const struct vscmi_plat_event *ev);
int scmi_watchers_alloc(struct scmi_server *srv);
int scmi_watchers_add(struct scmi_server *srv, struct scmi_agent *a);
void scmi_watchers_remove(struct scmi_server *srv, struct scmi_agent *a);
void scmi_watchers_free(struct scmi_server *srv);

#endif
