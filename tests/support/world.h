/* A small SCMI world shared by the server tests: a model built resource by
 * resource, a deferred-callback queue the test runs when it chooses, and
 * an inbox per agent for the messages the server sends on its own. */
#ifndef VSCMI_TESTS_WORLD_H
#define VSCMI_TESTS_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vscmi/scmi.h"

#define WORLD_DEFERRED 64
#define WORLD_AGENTS 8
#define WORLD_INBOX 64

/* One message an agent received. */
struct world_msg {
	uint8_t b[SCMI_MSG_MAX];
	size_t len;
};

/* --- the model ---------------------------------------------------------- */

struct vscmi_res_desc *world_add_res(struct vscmi_model *m, enum vscmi_kind k, const char *name,
				     uint32_t plat_id, int parent);
/* name may be NULL: the view keeps the resource's own. */
void world_add_view(struct vscmi_agent_desc *a, enum vscmi_kind k, uint32_t res, const char *name);
struct vscmi_agent_desc *world_add_agent(struct vscmi_model *m, const char *name,
					 uint32_t protocols, uint32_t max_msg);

/* --- deferred callbacks and inboxes ------------------------------------- */

/* Empties the queue and every inbox; an inbox then takes inbox_cap
 * messages (at most WORLD_INBOX) before refusing with -ENOBUFS. */
void world_reset(int inbox_cap);
/* The scmi_hooks defer hook: queued until world_run_deferred(). */
int world_defer(void *ctx, uint64_t usec, void (*fn)(void *), void *arg);
/* Runs what is queued now; what those callbacks defer waits for the next run. */
void world_run_deferred(void);
int world_ndeferred(void);
uint64_t world_deferred_usec(int i);

/* Sends the agent's notifications and delayed responses to its inbox. */
void world_set_output(struct scmi_server *srv, uint32_t agent, bool p2a);
int world_ninbox(uint32_t agent);
const struct world_msg *world_msg(uint32_t agent, int i);

/* --- messages ----------------------------------------------------------- */

/* One command: the header, then n words. The reply lands in resp; it must
 * echo the header, and a failure must carry the status alone. Returns the
 * status. */
int32_t world_cmd(struct scmi_server *srv, uint32_t agent, uint32_t hdr, int n, const uint32_t *w,
		  uint8_t *resp, size_t cap, size_t *resp_len);

/* What the emulated platform holds for one resource. */
int64_t world_emu(struct vscmi_platform *emu, enum vscmi_op_type t, uint32_t id);

#endif
