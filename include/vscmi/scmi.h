/* SPDX-License-Identifier: GPL-2.0-only */
/* The SCMI server: many agents, each with its own view, one arbiter behind. */
#ifndef VSCMI_SCMI_H
#define VSCMI_SCMI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vscmi/arbiter.h"
#include "vscmi/model.h"
#include "vscmi/platform.h"
#include "vscmi/scmi_wire.h"

#define SCMI_PROTO_BIT(id) (1u << ((id) - 0x10))
#define SCMI_PROTO_ALL 0x1ffu



struct scmi_server;
struct scmi_agent;
struct scmi_trace_res;

struct scmi_hooks {
	void *ctx;
	/* A guest's SYSTEM_POWER_STATE_SET for itself (not forwarded). Called
	 * only when the state differs from the last one the agent asked for
	 * (power-up after a reset), so a guest repeating a request cannot
	 * make the embedder act, or log, again. */
	int (*system_power)(void *ctx, struct scmi_agent *agent, uint32_t flags,
			    uint32_t state);
	/* Run fn(arg) after usec, from the event loop (delayed responses). */
	int (*defer)(void *ctx, uint64_t usec, void (*fn)(void *arg), void *arg);
	/* What scmi_agent_save reports changed (a command, or a reset): the
	 * embedder journals it before the reply goes out. May be NULL. */
	void (*persist)(void *ctx, struct scmi_agent *agent);
	/* Every command and its reply, for tracing; may be NULL. res: the
	 * resource the command named (NULL: none, or not known any more for a
	 * reply that came later). */
	void (*trace)(void *ctx, struct scmi_agent *agent, const struct scmi_trace_res *res,
		      const uint8_t *req, size_t req_len, const uint8_t *resp, size_t resp_len);
};

/* A traced command's resource: the agent's name for it, and the platform's. */
struct scmi_trace_res {
	const char *name;
	const char *physical;
};

/* Agent output for delayed responses and notifications (header + payload).
 * Returns 0, or -errno when it could not be delivered (counted). */
typedef int (*scmi_send_fn)(void *ctx, const uint8_t *msg, size_t len);
/* Agent output for the reply to a command that scmi_server_handle_tagged
 * answered later: tag is the one it was given. Returns 0 or -errno. */
typedef int (*scmi_reply_fn)(void *ctx, uint64_t tag, const uint8_t *msg, size_t len);

struct scmi_agent_stats {
	uint64_t commands;
	uint64_t errors;		/* replies with a non-SUCCESS status */
	uint64_t malformed;		/* PROTOCOL_ERROR replies */
	uint64_t notifications;
	uint64_t delayed;
	uint64_t dropped;		/* async messages the transport refused */
	uint64_t resets;
	uint64_t later;			/* replies sent after the platform finished */
	uint64_t parked;		/* commands that waited behind one on their resource */
};

struct scmi_server *scmi_server_new(const struct vscmi_model *model, struct arb *arb,
				    struct vscmi_platform *plat, const struct scmi_hooks *hooks);
/* Frees the server and its agents; the hardware stays as it is. NULL-safe. */
void scmi_server_free(struct scmi_server *srv);

/* The highest agent id handed out; ids of removed agents stay unused
 * while new ones remain. */
uint32_t scmi_server_agent_count(const struct scmi_server *srv);
/* Agent by SCMI agent id (1..count), or NULL (none, or removed). */
struct scmi_agent *scmi_server_agent(struct scmi_server *srv, uint32_t id);
struct scmi_agent *scmi_server_agent_by_name(struct scmi_server *srv, const char *name);
/* A new agent (a configuration reload); d must outlive it. NULL with
 * errno set on failure. */
struct scmi_agent *scmi_server_add_agent(struct scmi_server *srv,
					 const struct vscmi_agent_desc *d);
/* Releases the agent's votes and removes it; its id is not reused while
 * fresh ones remain. */
void scmi_server_remove_agent(struct scmi_server *srv, struct scmi_agent *agent);
/* Points the agent at an equal copy of its description (the old one is
 * about to go away with the configuration it came in). */
void scmi_agent_set_desc(struct scmi_agent *agent, const struct vscmi_agent_desc *d);

/* Handles one command from an agent; writes the reply (header, status,
 * return values) into resp and returns its length. Never fails: every
 * message, however malformed, gets a reply. cap must be >= 8. */
size_t scmi_server_handle(struct scmi_server *srv, struct scmi_agent *agent, const void *req,
			  size_t len, void *resp, size_t cap);
/* The same, for a transport that can answer later: 0 when the reply goes
 * to the agent's reply output with tag once the platform has finished (a
 * change waiting on slow firmware), or once an earlier command of the
 * agent on the same resource has been answered. Other commands are
 * answered at once meanwhile, so replies may come out of order; the
 * tokens tell them apart. */
size_t scmi_server_handle_tagged(struct scmi_server *srv, struct scmi_agent *agent,
				 const void *req, size_t len, void *resp, size_t cap,
				 uint64_t tag);
/* Runs fn(arg) after usec from the embedder's event loop (its defer
 * hook): 0, or -EOPNOTSUPP without one. */
int scmi_server_defer(struct scmi_server *srv, uint64_t usec, void (*fn)(void *arg), void *arg);

uint32_t scmi_agent_id(const struct scmi_agent *agent);
const char *scmi_agent_name(const struct scmi_agent *agent);
const struct vscmi_agent_desc *scmi_agent_desc(const struct scmi_agent *agent);
void scmi_agent_set_output(struct scmi_agent *agent, scmi_send_fn send, void *ctx,
			   bool p2a);
/* NULL: replies that would come later are dropped (counted). */
void scmi_agent_set_reply(struct scmi_agent *agent, scmi_reply_fn reply, void *ctx);
/* Commands of the agent whose reply is still to come. */
uint32_t scmi_agent_waiting(const struct scmi_agent *agent);
/* The agent's channel went away or was reset: votes, subscriptions and
 * pending delayed responses are dropped, and so are replies still to come
 * (their changes finish and are then withdrawn like the other votes);
 * other agents are undisturbed. */
void scmi_agent_reset(struct scmi_agent *agent);
void scmi_agent_stats(const struct scmi_agent *agent, struct scmi_agent_stats *st);
/* Asks the agent for a graceful transition to state (SYSTEM_POWER_STATE_SET's
 * shutdown 0, cold reset 1, warm reset 2): a SYSTEM_POWER_STATE_NOTIFIER.
 * 0 once sent; -EINVAL another state, -EPROTONOSUPPORT the agent may not use
 * the system power protocol, -ENOTCONN it has no channel that takes
 * notifications, -ENOENT it has not subscribed to them. */
int scmi_system_request(struct scmi_agent *agent, uint32_t state);
struct arb_vote *scmi_agent_vote(struct scmi_agent *agent, enum vscmi_kind kind, uint32_t vid);

/* What of an agent outlives the daemon: its votes and subscriptions, kept
 * in a journal so that a restarted daemon carries on where this one
 * stopped. */
#define SCMI_SAVED_TRIPS 4

/* SYSTEM_POWER_STATE_GET of an agent that asked for nothing yet. */
#define SCMI_SYSTEM_STATE_POWER_UP 3u

struct scmi_agent_state {
	bool notify_errors;
	bool notify_system;
	uint32_t system_state;
};

struct scmi_view_state {
	enum vscmi_kind kind;
	uint32_t vid;			/* the agent's ID for the resource */
	struct arb_state vote;
	bool owner;			/* holds the exclusive rate or level */
	uint32_t notify;		/* bit per notification message id */
	uint32_t sensor_config;		/* as kept: XOR the default */
	struct {
		bool armed;
		bool above;		/* the side at the last reading */
		uint32_t mode;
		int64_t value;
	} trips[SCMI_SAVED_TRIPS];
};

void scmi_agent_save(const struct scmi_agent *agent, struct scmi_agent_state *st);
/* Calls fn for each of the agent's resources whose state is not a fresh
 * agent's. */
void scmi_agent_save_views(const struct scmi_agent *agent,
			   void (*fn)(void *ctx, const struct scmi_view_state *vs), void *ctx);
/* Put back what an earlier run saved, without calling the platform (see
 * arb_reconcile_lagging). 0, -ENOENT for a view the agent does not have,
 * -EINVAL for a value out of range. */
void scmi_agent_restore(struct scmi_agent *agent, const struct scmi_agent_state *st);
int scmi_agent_restore_view(struct scmi_agent *agent, const struct scmi_view_state *vs);

#endif
