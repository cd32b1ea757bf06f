/* An in-process SCMI server shared by the server tests: a model built
 * resource by resource, a deferred-callback queue the test runs when it chooses, and
 * an inbox per agent for the messages the server sends on its own. */
#ifndef VSCMI_TESTS_SERVER_RIG_H
#define VSCMI_TESTS_SERVER_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vscmi/scmi.h"

#define RIG_DEFERRED 64
#define RIG_AGENTS 8
#define RIG_INBOX 64

/* One message an agent received. */
struct rig_msg {
	uint8_t b[SCMI_MSG_MAX];
	size_t len;
};

/* --- the model ---------------------------------------------------------- */

struct vscmi_res_desc *rig_add_res(struct vscmi_model *m, enum vscmi_kind k, const char *name,
				     uint32_t plat_id, int parent);
/* name may be NULL: the view keeps the resource's own. */
void rig_add_view(struct vscmi_agent_desc *a, enum vscmi_kind k, uint32_t res, const char *name);
struct vscmi_agent_desc *rig_add_agent(struct vscmi_model *m, const char *name,
					 uint32_t protocols, uint32_t max_msg);

/* --- deferred callbacks and inboxes ------------------------------------- */

/* Empties the queue and every inbox; an inbox then takes inbox_cap
 * messages (at most RIG_INBOX) before refusing with -ENOBUFS. */
void rig_reset(int inbox_cap);
/* The scmi_hooks defer hook: queued until rig_run_deferred(). */
int rig_defer(void *ctx, uint64_t usec, void (*fn)(void *), void *arg);
/* Runs what is queued now; what those callbacks defer waits for the next run. */
void rig_run_deferred(void);
int rig_ndeferred(void);
uint64_t rig_deferred_usec(int i);

/* Sends the agent's notifications and delayed responses to its inbox. */
void rig_set_output(struct scmi_server *srv, uint32_t agent, bool p2a);
int rig_ninbox(uint32_t agent);
const struct rig_msg *rig_msg(uint32_t agent, int i);

/* --- messages ----------------------------------------------------------- */

/* One command: the header, then n words. The reply lands in resp; it must
 * echo the header, and a failure must carry the status alone. Returns the
 * status. */
int32_t rig_cmd(struct scmi_server *srv, uint32_t agent, uint32_t hdr, int n, const uint32_t *w,
		  uint8_t *resp, size_t cap, size_t *resp_len);

/* What the emulated platform holds for one resource. */
int64_t rig_emu(struct vscmi_platform *emu, enum vscmi_op_type t, uint32_t id);

#endif
