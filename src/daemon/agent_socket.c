/* SPDX-License-Identifier: GPL-2.0-only */
/* Agent sockets: a SOCK_SEQPACKET connection, one SCMI message per packet
 * (le32 header, then payload); replies, delayed responses and notifications
 * go back on the same connection. A command whose change waits on slow
 * firmware gets its reply later, from the server's reply output, possibly
 * after replies to later commands; the token says which is which. */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vscmi/log.h"
#include "vscmid.h"

/* Packets handled per wakeup, so a chatty agent cannot starve the others. */
#define AGENT_SOCKET_BATCH 32

static int agent_socket_send(void *ctx, const uint8_t *msg, size_t len)
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
static int agent_socket_reply(void *ctx, uint64_t tag, const uint8_t *msg, size_t len)
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

void vscmid_agent_socket_disconnect(struct vscmid_agent *a, const char *why)
{
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

static int agent_socket_on_packet(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct vscmid_agent *a = userdata;
	/* room to tell an oversize packet from a full-size one */
	uint8_t req[SCMI_MSG_MAX + 64];
	uint8_t resp[SCMI_MSG_MAX];

	for (int i = 0; i < AGENT_SOCKET_BATCH; i++) {
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
		if (n == 0 && ((revents & (EPOLLHUP | EPOLLRDHUP)) ||
			       vscmid_transport_peer_gone(fd))) {
			vscmid_agent_disconnect(a, "closed by peer");
			return 0;
		}
		/* MSG_TRUNC gave the real length; one byte past the maximum is
		 * enough for the server to see it is too long */
		len = (size_t)n > SCMI_MSG_MAX + 1 ? SCMI_MSG_MAX + 1 : (size_t)n;
		rlen = scmi_server_handle_tagged(a->d->srv, a->agent, req, len, resp, sizeof(resp),
						 0);
		/* 0: the reply comes later, through agent_socket_reply */
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

int vscmid_agent_socket_on_connect(sd_event_source *src, int lfd, uint32_t revents, void *userdata)
{
	struct vscmid_agent *a = userdata;
	struct ucred cred;
	int fd = vscmid_transport_accept(a, lfd, &cred), r;

	if (fd < 0)
		return 0;
	r = sd_event_add_io(a->d->ev, &a->conn_src, fd, EPOLLIN | EPOLLRDHUP,
			    agent_socket_on_packet, a);
	if (r < 0) {
		log_warn("agent %s: cannot watch connection: %s", scmi_agent_name(a->agent),
			 strerror(-r));
		close(fd);
		return 0;
	}
	a->conn_fd = fd;
	a->connects++;
	scmi_agent_set_output(a->agent, agent_socket_send, a, true);
	scmi_agent_set_reply(a->agent, agent_socket_reply, a);
	log_info("agent %s: connected (pid %d, uid %u)", scmi_agent_name(a->agent), (int)cred.pid,
		 (unsigned int)cred.uid);
	vscmid_notify_status(a->d, "");
	return 0;
}
