/* SPDX-License-Identifier: GPL-2.0-only */
/* An in-process SCMI server shared by the server tests: a model built
 * resource by resource, a deferred-callback queue the test runs when it chooses, and
 * an inbox per agent for the messages the server sends on its own; and for the SCMI
 * suites, the two systems they drive, their commands and the running of a suite. */
#ifndef VSCMI_TESTS_SERVER_RIG_H
#define VSCMI_TESTS_SERVER_RIG_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vscmi/scmi.h"

#define RIG_DEFERRED 64
#define RIG_AGENTS 8
#define RIG_INBOX 64
#define RIG_SENSORS 6
/* The token of every command rig_sendv() sends. */
#define RIG_TOKEN 0x2a5

/* One message an agent received. */
struct rig_msg {
	uint8_t b[SCMI_MSG_MAX];
	size_t len;
};

/* --- the model ---------------------------------------------------------- */

struct vscmi_res_desc *rig_add_res(struct vscmi_model *m, enum vscmi_kind k, const char *name,
				     uint32_t plat_id, int parent);
/* Rates or levels from min to max in steps of step. */
void rig_segment(struct vscmi_range *r, int64_t min, int64_t max, int64_t step);
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

/* --- the server the SCMI suites drive ------------------------------------- */

/* The server, what it stands on, and its last reply. */
struct rig {
	struct vscmi_model model;
	struct vscmi_platform *plat;		/* the emulated platform */
	struct vscmi_platform shim;		/* rig_gfx_setup()'s, over plat */
	struct arb *arb;
	struct scmi_server *srv;
	int64_t sensor_val[RIG_SENSORS];	/* what the shim's sensors read */
	int sensor_err;				/* what they fail with, when not 0 */
	int sys_calls;				/* the system_power hook's calls */
	uint32_t sys_state;			/* and the last state it was given */
	uint8_t resp[SCMI_MSG_MAX];
	size_t resp_len;
};

extern struct rig rig;

/* The video system (scmi_suite.h names its parts): camera, display, ivi
 * and a privileged ops agent; two pixel clocks under a PLL, an exclusive
 * core clock, a clock with a long name, an ISP power domain, three reset
 * lines and a temperature sensor, on the emulated platform. */
void rig_video_setup(void);
/* The gfx system: gfx, seeing everything, and hmi, with a 64-byte
 * channel, seeing part of it in another order; a gpu and a cpu performance
 * domain, six sensors that read rig.sensor_val, three regulators. */
void rig_gfx_setup(void);
/* The power capping system: gfx sees the soc and the gpu domain under
 * it, hmi the gpu domain (as "g", without its parent) and a domain with a
 * fixed cap; readonly sees the gpu domain too. */
void rig_powercap_setup(void);
/* The checked teardown of any. */
void rig_teardown(void);

/* One command from the agent, with rig.resp cleared first: its status,
 * the reply in rig.resp. */
int32_t rig_sendv(uint32_t agent, uint8_t proto, uint8_t msg, int n, const uint32_t *w);
/* The last reply's status, and its return value word i after the status. */
int32_t rig_status(void);
uint32_t rig_rv(size_t i);
/* The 16- or 64-byte name field at byte off of the return values. */
const char *rig_name(size_t off, size_t width);
/* A 16-byte name field holding the first 15 characters of a longer name. */
void rig_expect_truncated(const char *field, const char *full);
/* Asserts the agent's inbox entry i: the header, then n words. */
void rig_expect_msg(uint32_t agent, int i, uint32_t hdr, int n, ...);
struct scmi_agent_stats rig_stats(uint32_t agent);
/* Gives the agent a p2a channel, or takes it away. */
void rig_p2a(uint32_t agent, bool on);

/* --- suites --------------------------------------------------------------- */

/* A test case of s, each test between setup and teardown. */
TCase *rig_tcase(Suite *s, const char *name, void (*setup)(void), void (*teardown)(void));
/* Runs the suite: the process's exit status. */
int rig_run(Suite *s);

#endif
