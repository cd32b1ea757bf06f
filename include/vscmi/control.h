/* SPDX-License-Identifier: GPL-2.0-only */
/* The control socket protocol between vscmid and its clients (vscmictl).
 *
 * A UNIX SOCK_SEQPACKET socket; one JSON object per packet each way.
 * Request:  {"version": 1, "command": "status" | "agents" | "resources" |
 *            "release" | "trace" | "system", "agent": "NAME"}
 *           ("agent": release, trace, system; "state": system)
 * Reply:    {"version": 1, "ok": true, ...command-specific members}
 *        or {"version": 1, "ok": false, "error": "what went wrong"}
 *
 * "agents" replies {"agents": [AGENT...]}; each AGENT has "id", "name",
 * "privileged", "match" ("domain=NAME", "domid=N" or null), "max_msg_size",
 * "dom0less" (null, or {"mmio_base", "irq", "grant_usage"}), "protocols"
 * (names, base first) and "views": {"clock": [VIEW...], "power": ...,
 * one array per kind}, each VIEW {"id" as the agent sees it, "name" the
 * agent sees, "resource"}; voltage views add "min_uv" and "max_uv".
 * vscmictl gen-dt builds a guest's device tree from this alone.
 *
 * Each command needs a class of access (ctl_commands in
 * src/daemon/control.c; control_read_group and control_admin_group in
 * vscmid.conf(5) say who has it):
 *   read:  status, agents, resources
 *   admin: release, system, trace (it shows the guests' traffic)
 * A refused command replies {"ok": false, "error": "permission denied:
 * ...", "denied": true} and changes nothing.
 *
 * A reply to an unknown version still carries the daemon's version, so a
 * client can tell which protocol it speaks. Members may be added to replies
 * without a version change; removing or changing one needs a new version.
 */
#ifndef VSCMI_CONTROL_H
#define VSCMI_CONTROL_H

#define VSCMI_CONTROL_VERSION 1

/* Largest request the daemon reads, and largest reply it sends. */
#define VSCMI_CONTROL_REQUEST_MAX 4096
#define VSCMI_CONTROL_REPLY_MAX (256 * 1024)

/* Environment variable that overrides the client's default socket path. */
#define VSCMI_CONTROL_ENV "VSCMI_CONTROL"

/* Request and reply member names. */
#define VSCMI_CTL_KEY_VERSION "version"
#define VSCMI_CTL_KEY_COMMAND "command"
#define VSCMI_CTL_KEY_AGENT "agent"
#define VSCMI_CTL_KEY_OK "ok"
#define VSCMI_CTL_KEY_ERROR "error"
#define VSCMI_CTL_KEY_DENIED "denied"

/* Commands. */
#define VSCMI_CTL_STATUS "status"
#define VSCMI_CTL_AGENTS "agents"
#define VSCMI_CTL_RESOURCES "resources"
#define VSCMI_CTL_RELEASE "release"
/* {"command": "trace", "agent": NAME (optional)}: after the ok reply, the
 * connection receives one {"trace": {...}} packet per SCMI command: "agent",
 * "time_us" (CLOCK_REALTIME), "protocol", "protocol_id", "message",
 * "message_id", "token", "status" (name), "request" and "reply" (hex). */
#define VSCMI_CTL_TRACE "trace"
/* {"command": "system", "agent": NAME, "state": "shutdown" | "reboot"}: the
 * agent hears the platform ask for a graceful shutdown or (cold) reboot, a
 * SYSTEM_POWER_STATE_NOTIFIER; it must have subscribed to those. The reply
 * says "agent" and "state"; the agent's kernel does the rest. */
#define VSCMI_CTL_SYSTEM "system"
#define VSCMI_CTL_KEY_STATE "state"

#endif
