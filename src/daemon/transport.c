/* SPDX-License-Identifier: GPL-2.0-only */
/* Agent channels outside Xen, at most one connection per agent: a
 * SOCK_SEQPACKET socket (agent_socket.c) or a vhost-user one, where QEMU's
 * vhost-user-scmi hands over a guest's virtio-scmi device (vhost_front.c).
 * Here are what both share: the listening sockets, the channels' slots as
 * agents come and go, and the refusal of a second connection.
 * Closing a connection is a channel reset: the agent's votes are released,
 * as when a guest is destroyed. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vscmi/log.h"
#include "vscmi/vhost.h"
#include "vscmid.h"

/* At most one line per agent this often about refused second connections. */
#define TRANSPORT_REFUSED_LOG_USEC (10 * 1000000ull)

/* By agent id - 1. A peer that keeps connecting while another holds the
 * socket must not flood the log: refusals within the interval are counted,
 * and the next line says how many there were. */
static struct {
	uint64_t next_usec;		/* no line before this */
	uint64_t quiet;			/* refusals since the last line */
} refused_log[VSCMI_MAX_AGENTS];

bool vscmid_agent_connected(const struct vscmid_agent *a)
{
	return a->conn_fd >= 0 || a->vconn;
}

void vscmid_agent_disconnect(struct vscmid_agent *a, const char *why)
{
	if (a->vconn) {
		vscmid_vhost_front_disconnect(a, why);
		return;
	}
	vscmid_agent_socket_disconnect(a, why);
}

/* Whether the peer on fd has hung up, asked now: an event taken earlier may
 * predate it (a peer that closes at once, or reconnects before its hangup
 * is handled). */
bool vscmid_transport_peer_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };

	return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

void vscmid_transport_log_refused(struct vscmid_agent *a, pid_t pid)
{
	uint32_t i = scmi_agent_id(a->agent) - 1;
	uint64_t now = 0;

	if (i >= VSCMI_MAX_AGENTS)
		return;
	sd_event_now(a->d->ev, CLOCK_MONOTONIC, &now);
	if (now < refused_log[i].next_usec) {
		refused_log[i].quiet++;
		return;
	}
	if (refused_log[i].quiet)
		log_info("agent %s: second connection refused (pid %d), one is already open "
			 "(%llu more refused since the last report)",
			 scmi_agent_name(a->agent), (int)pid,
			 (unsigned long long)refused_log[i].quiet);
	else
		log_info("agent %s: second connection refused (pid %d), one is already open",
			 scmi_agent_name(a->agent), (int)pid);
	refused_log[i].next_usec = now + TRANSPORT_REFUSED_LOG_USEC;
	refused_log[i].quiet = 0;
}

int vscmid_transport_accept(struct vscmid_agent *a, int lfd, struct ucred *cred)
{
	socklen_t clen = sizeof(*cred);
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	*cred = (struct ucred){ .pid = 0 };
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("agent %s: accept: %s", scmi_agent_name(a->agent),
				 strerror(errno));
		return -1;
	}
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &clen);
	if (vscmid_agent_connected(a) &&
	    vscmid_transport_peer_gone(a->vconn ? vhost_conn_fd(a->vconn) : a->conn_fd))
		vscmid_agent_disconnect(a, "closed by peer");
	if (vscmid_agent_connected(a)) {
		a->refused++;
		vscmid_transport_log_refused(a, cred->pid);
		close(fd);
		return -1;
	}
	return fd;
}

static int transport_listen(struct vscmid_agent *a, const char *path, int type,
			    sd_event_io_handler_t on_connect, char *err, size_t errlen)
{
	int r = vscmid_listen(path, type, 0660);

	if (r < 0) {
		snprintf(err, errlen, "agent %s: socket %s: %s", scmi_agent_name(a->agent), path,
			 r == -EEXIST ? "exists and is not a socket" : strerror(-r));
		return r;
	}
	a->listen_fd = r;
	r = sd_event_add_io(a->d->ev, &a->listen_src, a->listen_fd, EPOLLIN, on_connect, a);
	if (r < 0) {
		snprintf(err, errlen, "agent %s: %s", scmi_agent_name(a->agent), strerror(-r));
		/* closed, so that a retry starts from nothing */
		close(a->listen_fd);
		unlink(path);
		a->listen_fd = -1;
		return r;
	}
	log_debug("agent %s: listening on %s", scmi_agent_name(a->agent), path);
	return 0;
}

/* The agent's channel: a vscmid_agent in slot id - 1, listening if the
 * config gives it a socket. */
int vscmid_transport_add(struct vscmid *d, struct scmi_agent *agent, char *err, size_t errlen)
{
	const struct vscmi_agent_desc *ad = scmi_agent_desc(agent);
	uint32_t slot = scmi_agent_id(agent) - 1;
	struct vscmid_agent *a;
	int r = 0;

	if (slot >= VSCMI_MAX_AGENTS || (slot < d->nagents && d->agents[slot])) {
		snprintf(err, errlen, "agent %s: id %u is taken", ad->name, slot + 1);
		return -EEXIST;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->d = d;
	a->agent = agent;
	a->path = ad->socket;
	a->vhost_path = ad->vhost;
	a->listen_fd = -1;
	a->conn_fd = -1;
	a->kick[0] = (struct vscmid_kick){ .a = a, .q = 0, .fd = -1 };
	a->kick[1] = (struct vscmid_kick){ .a = a, .q = 1, .fd = -1 };
	refused_log[slot] = (typeof(refused_log[0])){ 0 };
	d->agents[slot] = a;
	if (slot >= d->nagents)
		d->nagents = slot + 1;
	/* the config gives an agent one or the other */
	if (a->path[0])
		r = transport_listen(a, a->path, SOCK_SEQPACKET, vscmid_agent_socket_on_connect,
				     err, errlen);
	else if (a->vhost_path[0])
		r = transport_listen(a, a->vhost_path, SOCK_STREAM, vscmid_vhost_front_on_connect,
				     err, errlen);
	return r;
}

static struct vscmid_agent *transport_of(const struct vscmid *d, const struct scmi_agent *agent)
{
	uint32_t slot = scmi_agent_id(agent) - 1;

	return slot < d->nagents ? d->agents[slot] : NULL;
}

bool vscmid_transport_ready(const struct vscmid *d, const struct scmi_agent *agent)
{
	const struct vscmid_agent *a = transport_of(d, agent);

	return a && (a->listen_fd >= 0 || (!a->path[0] && !a->vhost_path[0]));
}

int vscmid_transport_retry(struct vscmid *d, struct scmi_agent *agent, char *err, size_t errlen)
{
	struct vscmid_agent *a = transport_of(d, agent);

	if (!a)
		return vscmid_transport_add(d, agent, err, errlen);
	if (vscmid_transport_ready(d, agent))
		return 0;
	if (a->path[0])
		return transport_listen(a, a->path, SOCK_SEQPACKET,
					vscmid_agent_socket_on_connect, err, errlen);
	return transport_listen(a, a->vhost_path, SOCK_STREAM, vscmid_vhost_front_on_connect,
				err, errlen);
}

/* Closes the agent's connection and socket; its votes are the caller's
 * business (kept at shutdown, released when the agent is removed). */
static void transport_free(struct vscmid_agent *a)
{
	if (!a)
		return;
	vscmid_vhost_front_unwatch(a);
	if (a->conn_fd >= 0) {
		scmi_agent_set_output(a->agent, NULL, NULL, false);
		scmi_agent_set_reply(a->agent, NULL, NULL);
		close(a->conn_fd);
		a->conn_fd = -1;
	}
	vhost_conn_close(a->vconn);
	a->vconn = NULL;
	a->listen_src = sd_event_source_disable_unref(a->listen_src);
	if (a->listen_fd >= 0) {
		close(a->listen_fd);
		unlink(a->path[0] ? a->path : a->vhost_path);
		a->listen_fd = -1;
	}
	free(a);
}

void vscmid_transport_remove(struct vscmid *d, struct scmi_agent *agent)
{
	uint32_t slot = scmi_agent_id(agent) - 1;

	if (slot >= d->nagents || !d->agents[slot])
		return;
	transport_free(d->agents[slot]);
	d->agents[slot] = NULL;
}

int vscmid_transport_open(struct vscmid *d, char *err, size_t errlen)
{
	uint32_t served = 0;
	int r;

	memset(refused_log, 0, sizeof(refused_log));
	/* Room for every id: a reload may add agents, and the channels'
	 * addresses are held by the event loop, so they never move. */
	d->agents = calloc(VSCMI_MAX_AGENTS, sizeof(*d->agents));
	if (!d->agents) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t id = 1; id <= scmi_server_agent_count(d->srv); id++) {
		struct scmi_agent *agent = scmi_server_agent(d->srv, id);

		if (!agent)
			continue;
		r = vscmid_transport_add(d, agent, err, errlen);
		if (r < 0)
			return r;
		served += d->agents[id - 1]->listen_fd >= 0;
	}
	/* Xen guests are something to serve too. */
	if (!served && !d->xb) {
		snprintf(err, errlen, "no agent has a socket and there is no hypervisor: "
			 "nothing to serve");
		return -ENOENT;
	}
	return 0;
}

/* Shutdown leaves the votes in place: a restart must not glitch anything. */
void vscmid_transport_close(struct vscmid *d)
{
	for (uint32_t i = 0; d->agents && i < d->nagents; i++)
		transport_free(d->agents[i]);
	free(d->agents);
	d->agents = NULL;
	d->nagents = 0;
}
