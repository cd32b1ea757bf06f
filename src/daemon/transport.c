/* Agent channels outside Xen, at most one connection per agent:
 * - a SOCK_SEQPACKET socket, one SCMI message per packet (le32 header, then
 *   payload); replies, delayed responses and notifications go back on the
 *   same connection;
 * - a vhost-user socket, where QEMU's vhost-user-scmi hands over a guest's
 *   virtio-scmi device (src/vhost).
 * Closing a connection is a channel reset: the agent's votes are released,
 * as when a guest is destroyed.
 * A command whose change waits on slow firmware gets its reply later,
 * from the server's reply output, possibly after replies to later
 * commands; the token says which is which. */
#include <errno.h>
#include <fcntl.h>
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

/* Packets handled per wakeup, so a chatty agent cannot starve the others. */
#define TRANSPORT_BATCH 32
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

static int transport_send(void *ctx, const uint8_t *msg, size_t len)
{
	struct vscmid_agent *a = ctx;

	if (a->conn_fd < 0)
		return -ENOTCONN;
	/* never wait for a peer that does not read */
	if (send(a->conn_fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

/* A reply that came later; a reply to a closed connection is dropped. */
static int transport_reply(void *ctx, uint64_t tag, const uint8_t *msg, size_t len)
{
	struct vscmid_agent *a = ctx;

	if (a->conn_fd < 0)
		return -ENOTCONN;
	if (send(a->conn_fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		a->replies_dropped++;
		return -errno;
	}
	return 0;
}

static void vhost_front_disconnect(struct vscmid_agent *a, const char *why);

void vscmid_agent_disconnect(struct vscmid_agent *a, const char *why)
{
	if (a->vconn) {
		vhost_front_disconnect(a, why);
		return;
	}
	if (a->conn_fd < 0)
		return;
	a->conn_src = sd_event_source_disable_unref(a->conn_src);
	close(a->conn_fd);
	a->conn_fd = -1;
	scmi_agent_set_output(a->agent, NULL, NULL, false);
	scmi_agent_set_reply(a->agent, NULL, NULL);
	scmi_agent_reset(a->agent);
	log_info("agent %s: disconnected (%s), votes released", scmi_agent_name(a->agent), why);
	vscmid_notify_status(a->d, "");
}

/* Whether the peer on fd has hung up, asked now: an event taken earlier may
 * predate it (a peer that closes at once, or reconnects before its hangup
 * is handled). */
static bool transport_peer_gone(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLRDHUP };

	return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR));
}

static int transport_on_packet(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct vscmid_agent *a = userdata;
	/* room to tell an oversize packet from a full-size one */
	uint8_t req[SCMI_MSG_MAX + 64];
	uint8_t resp[SCMI_MSG_MAX];

	for (int i = 0; i < TRANSPORT_BATCH; i++) {
		ssize_t n = recv(fd, req, sizeof(req), MSG_DONTWAIT | MSG_TRUNC);
		size_t len, rlen;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			vscmid_agent_disconnect(a, strerror(errno));
			return 0;
		}
		/* seqpacket EOF reads as an empty packet; HUP tells them apart,
		 * and may have come since revents was taken (a peer that closes
		 * as soon as it has its reply) */
		if (n == 0 && ((revents & (EPOLLHUP | EPOLLRDHUP)) || transport_peer_gone(fd))) {
			vscmid_agent_disconnect(a, "closed by peer");
			return 0;
		}
		/* MSG_TRUNC gave the real length; one byte past the maximum is
		 * enough for the server to see it is too long */
		len = (size_t)n > SCMI_MSG_MAX + 1 ? SCMI_MSG_MAX + 1 : (size_t)n;
		rlen = scmi_server_handle_tagged(a->d->srv, a->agent, req, len, resp, sizeof(resp),
						 0);
		/* 0: the reply comes later, through transport_reply */
		if (rlen && send(fd, resp, rlen, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
			if (errno == EAGAIN || errno == ENOBUFS) {
				a->replies_dropped++;
				log_debug("agent %s: reply dropped, peer does not read",
					  scmi_agent_name(a->agent));
				continue;
			}
			vscmid_agent_disconnect(a, strerror(errno));
			return 0;
		}
	}
	return 0;
}

static void transport_log_refused(struct vscmid_agent *a, pid_t pid)
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

static int transport_on_connect(sd_event_source *src, int lfd, uint32_t revents, void *userdata)
{
	struct vscmid_agent *a = userdata;
	struct ucred cred = { .pid = 0 };
	socklen_t clen = sizeof(cred);
	int fd, r;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("agent %s: accept: %s", scmi_agent_name(a->agent), strerror(errno));
		return 0;
	}
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen);
	if (a->conn_fd >= 0 && transport_peer_gone(a->conn_fd))
		vscmid_agent_disconnect(a, "closed by peer");
	if (a->conn_fd >= 0) {
		a->refused++;
		transport_log_refused(a, cred.pid);
		close(fd);
		return 0;
	}
	r = sd_event_add_io(a->d->ev, &a->conn_src, fd, EPOLLIN | EPOLLRDHUP, transport_on_packet,
			    a);
	if (r < 0) {
		log_warn("agent %s: cannot watch connection: %s", scmi_agent_name(a->agent),
			 strerror(-r));
		close(fd);
		return 0;
	}
	a->conn_fd = fd;
	a->connects++;
	scmi_agent_set_output(a->agent, transport_send, a, true);
	scmi_agent_set_reply(a->agent, transport_reply, a);
	log_info("agent %s: connected (pid %d, uid %u)", scmi_agent_name(a->agent), (int)cred.pid,
		 (unsigned int)cred.uid);
	vscmid_notify_status(a->d, "");
	return 0;
}

/* --- vhost-user ------------------------------------------------------------------ */

static void vhost_front_unwatch(struct vscmid_agent *a)
{
	for (unsigned int q = 0; q < 2; q++) {
		a->kick[q].src = sd_event_source_disable_unref(a->kick[q].src);
		a->kick[q].fd = -1;
	}
	a->conn_src = sd_event_source_disable_unref(a->conn_src);
	a->stall_src = sd_event_source_disable_unref(a->stall_src);
}

/* The frontend went away: its guest is gone or its device was reset. */
static void vhost_front_disconnect(struct vscmid_agent *a, const char *why)
{
	vhost_front_unwatch(a);
	vhost_conn_free(a->vconn);
	a->vconn = NULL;
	log_info("agent %s: vhost-user frontend disconnected (%s), votes released",
		 scmi_agent_name(a->agent), why);
	vscmid_notify_status(a->d, "");
}

static int vhost_front_on_kick(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct vscmid_kick *k = userdata;

	if (k->a->vconn)
		vhost_conn_kick(k->a->vconn, k->q);
	return 0;
}

/* The frontend may replace a kick eventfd with any message, and the old
 * one's number may come back for the new file: the watches are set up
 * again from scratch whenever an fd differs, so none points at a file
 * that is gone. Each watch is on its own duplicate, closed with it: the
 * backend has closed the old fd by the time the watch goes, and an epoll
 * registration whose fd is closed first cannot be removed while the
 * frontend keeps the file open. */
static int vhost_front_watch_kicks(struct vscmid_agent *a)
{
	bool changed = false;
	int r, fd;

	for (unsigned int q = 0; q < 2; q++)
		changed |= vhost_conn_kick_fd(a->vconn, q) != a->kick[q].fd;
	if (!changed)
		return 0;
	for (unsigned int q = 0; q < 2; q++) {
		struct vscmid_kick *k = &a->kick[q];

		k->src = sd_event_source_disable_unref(k->src);
		k->fd = vhost_conn_kick_fd(a->vconn, q);
		if (k->fd < 0)
			continue;
		fd = fcntl(k->fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0) {
			k->fd = -1;
			return -errno;
		}
		r = sd_event_add_io(a->d->ev, &k->src, fd, EPOLLIN, vhost_front_on_kick, k);
		if (r < 0) {
			close(fd);
			k->fd = -1;
			return r;
		}
		sd_event_source_set_io_fd_own(k->src, 1);
	}
	return 0;
}

static int vhost_front_on_stall(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct vscmid_agent *a = userdata;

	a->stall_src = sd_event_source_disable_unref(a->stall_src);
	if (a->vconn && vhost_conn_partial(a->vconn))
		vhost_front_disconnect(a, "stalled in the middle of a message");
	return 0;
}

/* A message that has begun must be whole within VHOST_STALL_USEC: a
 * frontend writes each in one go, and one that stops halfway is broken.
 * The loop never waits for it; this timer ends it. Its accuracy is loose
 * (100 ms): it bounds a fault, nothing waits on it. */
#define VHOST_STALL_USEC 1000000u

static void vhost_front_watch_stall(struct vscmid_agent *a)
{
	int r;

	if (!a->vconn || !vhost_conn_partial(a->vconn)) {
		a->stall_src = sd_event_source_disable_unref(a->stall_src);
		return;
	}
	if (a->stall_src)
		return;
	r = sd_event_add_time_relative(a->d->ev, &a->stall_src, CLOCK_MONOTONIC,
				       VHOST_STALL_USEC, 100000, vhost_front_on_stall, a);
	if (r < 0)
		log_warn("agent %s: cannot time the vhost-user message: %s",
			 scmi_agent_name(a->agent), strerror(-r));
}

static int vhost_front_on_msg(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct vscmid_agent *a = userdata;
	int r;

	/* A close with nothing left to read; a message in flight comes first. */
	if ((revents & (EPOLLHUP | EPOLLERR)) && !(revents & EPOLLIN)) {
		vhost_front_disconnect(a, "closed by peer");
		return 0;
	}
	r = vhost_conn_handle(a->vconn);
	if (r == 0)
		r = vhost_front_watch_kicks(a);
	if (r < 0)
		vhost_front_disconnect(a, r == -ECONNRESET ? "closed by peer" : strerror(-r));
	else
		vhost_front_watch_stall(a);
	return 0;
}

static int vhost_front_on_connect(sd_event_source *src, int lfd, uint32_t revents,
				  void *userdata)
{
	struct vscmid_agent *a = userdata;
	struct ucred cred = { .pid = 0 };
	socklen_t clen = sizeof(cred);
	int fd, r;

	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_warn("agent %s: vhost-user accept: %s", scmi_agent_name(a->agent),
				 strerror(errno));
		return 0;
	}
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen);
	if (a->vconn && transport_peer_gone(vhost_conn_fd(a->vconn)))
		vhost_front_disconnect(a, "closed by peer");
	if (a->vconn) {
		a->refused++;
		transport_log_refused(a, cred.pid);
		close(fd);
		return 0;
	}
	a->vconn = vhost_conn_new(fd, a->d->srv, a->agent);
	if (!a->vconn) {
		log_warn("agent %s: vhost-user: %s", scmi_agent_name(a->agent), strerror(errno));
		close(fd);
		return 0;
	}
	r = sd_event_add_io(a->d->ev, &a->conn_src, fd, EPOLLIN | EPOLLRDHUP, vhost_front_on_msg,
			    a);
	if (r < 0) {
		log_warn("agent %s: cannot watch the vhost-user connection: %s",
			 scmi_agent_name(a->agent), strerror(-r));
		vhost_conn_free(a->vconn);
		a->vconn = NULL;
		return 0;
	}
	a->connects++;
	log_info("agent %s: vhost-user frontend connected (pid %d, uid %u)",
		 scmi_agent_name(a->agent), (int)cred.pid, (unsigned int)cred.uid);
	vscmid_notify_status(a->d, "");
	return 0;
}

/* --- both ------------------------------------------------------------------------ */

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
		r = transport_listen(a, a->path, SOCK_SEQPACKET, transport_on_connect, err, errlen);
	else if (a->vhost_path[0])
		r = transport_listen(a, a->vhost_path, SOCK_STREAM, vhost_front_on_connect, err,
				     errlen);
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
		return transport_listen(a, a->path, SOCK_SEQPACKET, transport_on_connect, err,
					errlen);
	return transport_listen(a, a->vhost_path, SOCK_STREAM, vhost_front_on_connect, err,
				errlen);
}

/* Closes the agent's connection and socket; its votes are the caller's
 * business (kept at shutdown, released when the agent is removed). */
static void transport_free(struct vscmid_agent *a)
{
	if (!a)
		return;
	vhost_front_unwatch(a);
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
