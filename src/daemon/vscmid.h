/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmid internals shared by the daemon's files: the daemon object, the
 * agent socket transport and the control socket. */
#ifndef VSCMID_H
#define VSCMID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "vscmi/config.h"
#include "vscmi/scmi.h"

struct json_object;
struct vhost_conn;
struct xen_backend;
struct vscmi_uevent;

struct vscmid_opts {
	const char *config;		/* config file path */
	const char *runtime_dir;	/* NULL: sockets where the config says */
};

struct vscmid_agent;

/* An agent's journal file, open while the agent has one. */
struct vscmid_jfile {
	int fd;
	uint64_t seq;			/* of the slot written last */
	uint32_t cap;			/* text bytes a slot holds */
};

/* A vhost-user queue's kick eventfd in the loop. */
struct vscmid_kick {
	struct vscmid_agent *a;
	unsigned int q;
	int fd;
	sd_event_source *src;
};

/* One agent's channel: a SOCK_SEQPACKET listener or a vhost-user one, and
 * its single connection. */
struct vscmid_agent {
	struct vscmid *d;
	struct scmi_agent *agent;
	const char *path;		/* in the config; empty: no socket */
	const char *vhost_path;		/* in the config; empty: no vhost-user */
	int listen_fd;
	sd_event_source *listen_src;
	int conn_fd;
	sd_event_source *conn_src;
	struct vhost_conn *vconn;	/* the vhost-user frontend */
	sd_event_source *stall_src;	/* armed while a message is partial */
	struct vscmid_kick kick[2];
	uint64_t connects;
	uint64_t refused;		/* second connections turned away */
	uint64_t replies_dropped;	/* replies the peer did not take */
};

struct vscmid_ctl_client;

/* The last SYSTEM_POWER_STATE_SET a guest asked for itself. */
struct vscmid_sysreq {
	bool valid;
	char agent[16];
	uint32_t state;
	uint32_t flags;
	uint64_t realtime_usec;
};

struct vscmid {
	struct vscmi_config *cfg;
	struct vscmi_platform *plat;
	struct arb *arb;
	struct scmi_server *srv;
	sd_event *ev;
	sd_event_source *sig_term, *sig_int, *sig_hup;
	char runtime_dir[80];		/* --runtime-dir, or empty */
	struct vscmid_agent **agents;	/* by id - 1; NULL: removed */
	uint32_t nagents;
	int ctl_fd;
	sd_event_source *ctl_src;
	struct vscmid_ctl_client *clients;
	uint32_t nclients;
	struct vscmid_ctl_client *ctl_current;	/* the client being answered */
	uint32_t ntracing;		/* clients following the SCMI traffic */
	struct xen_backend *xb;		/* NULL: no hypervisor */
	char state_dir[96];		/* the journal and the emulated hardware */
	int state_fd;			/* state_dir, for the *at() calls */
	struct vscmid_jfile *jfiles;	/* by agent id - 1 */
	char *jbuf;			/* the journal text being built */
	size_t jbuf_len, jbuf_cap;
	bool jbuf_failed;
	uint64_t journal_writes;
	uint64_t journal_errors;
	bool *restored;			/* by agent id - 1: votes came from the journal */
	uint64_t boot_seq;		/* the arbiter's boot_seq state/boot was written at */
	sd_event_source *grace_src;	/* releases restored agents that stay away */
	uint64_t start_usec;		/* CLOCK_MONOTONIC */
	struct vscmid_sysreq sysreq;
	/* linux-raw: the link watch (NULL otherwise) */
	struct vscmi_uevent *uev;
	sd_event_source *uev_src, *notif_src, *retry_src;
	sd_event_source *plat_src;	/* completions of slow platform calls */
};

/* Staged setup; on failure everything done so far is undone and err says
 * what went wrong. */
int vscmid_new(const struct vscmid_opts *opts, struct vscmid **out, char *err, size_t errlen);
/* Runs until SIGTERM/SIGINT; returns 0 or -errno. */
int vscmid_run(struct vscmid *d);
/* Tells systemd (if it started us) how many agent sockets are connected,
 * after the other assignments in extra ("" or "NAME=VALUE\n..."). */
void vscmid_notify_status(struct vscmid *d, const char *extra);
void vscmid_free(struct vscmid *d);

/* Points the control socket and the agent sockets under the configured
 * socket_dir into dir. */
int vscmid_runtime_dir(struct vscmi_config *cfg, const char *dir, char *err, size_t errlen);
/* Creates the parent directory of path (mode 0755) if it is missing. */
int vscmid_mkparent(const char *path);
/* Binds a listening socket of type (SOCK_SEQPACKET, SOCK_STREAM) at path,
 * replacing a stale one. */
int vscmid_listen(const char *path, int type, mode_t mode);

/* Opens every agent socket; fails if one cannot be opened, or if there is
 * none at all (nothing to serve). */
int vscmid_transport_open(struct vscmid *d, char *err, size_t errlen);
void vscmid_transport_close(struct vscmid *d);
/* One agent's channel, after a reload added it, or before it goes. */
int vscmid_transport_add(struct vscmid *d, struct scmi_agent *agent, char *err, size_t errlen);
void vscmid_transport_remove(struct vscmid *d, struct scmi_agent *agent);
/* Whether the agent's channel is open (or it has none to open). */
bool vscmid_transport_ready(const struct vscmid *d, const struct scmi_agent *agent);
/* Opens the channel an earlier try could not: 0, or -errno with err set. */
int vscmid_transport_retry(struct vscmid *d, struct scmi_agent *agent, char *err, size_t errlen);
bool vscmid_agent_connected(const struct vscmid_agent *a);
void vscmid_agent_disconnect(struct vscmid_agent *a, const char *why);
/* Whether the peer on fd has hung up, asked now. */
bool vscmid_transport_peer_gone(int fd);
/* Logs a second connection turned away, at most one line per interval. */
void vscmid_transport_log_refused(struct vscmid_agent *a, pid_t pid);
/* A connection on the agent's listening socket: its fd, with the peer's
 * credentials in cred; -1 when there is none to take (the accept failed,
 * or the agent is still connected: the newcomer is refused, counted and
 * logged). A connection whose peer has gone is closed first. */
int vscmid_transport_accept(struct vscmid_agent *a, int lfd, struct ucred *cred);

/* agent_socket.c: the SOCK_SEQPACKET channel. Accepts a connection on the
 * agent's listening socket; closing it releases the agent's votes. */
int vscmid_agent_socket_on_connect(sd_event_source *src, int lfd, uint32_t revents,
				   void *userdata);
void vscmid_agent_socket_disconnect(struct vscmid_agent *a, const char *why);

/* vhost_front.c: the vhost-user channel. Accepts a frontend on the agent's
 * listening socket; its end releases the agent's votes. */
int vscmid_vhost_front_on_connect(sd_event_source *src, int lfd, uint32_t revents,
				  void *userdata);
void vscmid_vhost_front_disconnect(struct vscmid_agent *a, const char *why);
/* Takes the connection's watch (either kind), the kicks and the stall timer
 * out of the loop. */
void vscmid_vhost_front_unwatch(struct vscmid_agent *a);

int vscmid_control_open(struct vscmid *d);
void vscmid_control_close(struct vscmid *d);
/* Answers one request packet; never NULL unless out of memory. */
struct json_object *vscmid_control_handle(struct vscmid *d, const char *req, size_t len);

/* Who may do what on the control socket. Read commands only look at the
 * daemon's state; admin commands change it or show guests' traffic. */
enum vscmid_ctl_class {
	VSCMID_CTL_READ,
	VSCMID_CTL_ADMIN,
};

/* A client's credentials, as the kernel saw them at connect(). */
struct vscmid_ctl_peer {
	uid_t uid;
	gid_t gid;
	pid_t pid;
	gid_t *groups;			/* supplementary; NULL when unknown */
	size_t ngroups;
};

/* The class a command needs, or -ENOENT for no such command. */
int vscmid_control_class(const char *command);
/* Whether peer may run commands of class cls under cfg's groups. */
bool vscmid_control_allowed(const struct vscmi_config *cfg, const struct vscmid_ctl_peer *peer,
			    enum vscmid_ctl_class cls);
/* The socket's mode for cfg's groups, set again after a reload. */
void vscmid_control_access_changed(struct vscmid *d);

const char *vscmid_system_state_name(uint32_t state);

/* Closes the journal files (they stay for the next run). */
void vscmid_journal_close(struct vscmid *d);
/* Removes the journal of an agent that left the configuration. */
void vscmid_journal_forget(struct vscmid *d, uint32_t id, const char *name);
/* Reads the configuration file again and applies its agents live. */
void vscmid_reload(struct vscmid *d);

/* <socket_dir>/state, created if missing. */
int vscmid_state_dir(struct vscmid *d, char *err, size_t errlen);
/* The server's persist hook: writes the agent's journal. */
void vscmid_journal_persist(void *ctx, struct scmi_agent *agent);
/* Puts every journaled agent's state back; returns how many agents had
 * one, or -errno. */
int vscmid_journal_restore(struct vscmid *d);
/* Arms the timer that releases restored agents that do not come back. */
int vscmid_journal_grace(struct vscmid *d);
/* Creates d->plat as the config says; linux-raw checks the firmware here. */
int vscmid_platform_new(struct vscmid *d, char *err, size_t errlen);
/* The platform's completions in the loop; linux-raw: notifications,
 * uevents, retries of a lost link. */
int vscmid_uplink_open(struct vscmid *d, char *err, size_t errlen);
void vscmid_uplink_close(struct vscmid *d);

/* One command and its reply, to the clients that follow the traffic. */
void vscmid_control_trace(struct vscmid *d, struct scmi_agent *agent,
			  const struct scmi_trace_res *res, const uint8_t *req, size_t req_len,
			  const uint8_t *resp, size_t resp_len);

#endif
