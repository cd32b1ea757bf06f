/* SPDX-License-Identifier: GPL-2.0-only */
/* The vhost-user front: QEMU's vhost-user-scmi hands a guest's virtio-scmi
 * device over on the agent's vhost-user socket (src/vhost). Here are the
 * connection and its messages, the queues' kicks, and the timer that ends a
 * frontend stalled in the middle of a message. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vscmi/log.h"
#include "vscmi/vhost.h"
#include "vscmid.h"

void vscmid_vhost_front_unwatch(struct vscmid_agent *a)
{
	for (unsigned int q = 0; q < 2; q++) {
		a->kick[q].src = sd_event_source_disable_unref(a->kick[q].src);
		a->kick[q].fd = -1;
	}
	a->conn_src = sd_event_source_disable_unref(a->conn_src);
	a->stall_src = sd_event_source_disable_unref(a->stall_src);
}

/* The frontend went away: its guest is gone or its device was reset. */
void vscmid_vhost_front_disconnect(struct vscmid_agent *a, const char *why)
{
	vscmid_vhost_front_unwatch(a);
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
		vscmid_vhost_front_disconnect(a, "stalled in the middle of a message");
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
		vscmid_vhost_front_disconnect(a, "closed by peer");
		return 0;
	}
	r = vhost_conn_handle(a->vconn);
	if (r == 0)
		r = vhost_front_watch_kicks(a);
	if (r < 0)
		vscmid_vhost_front_disconnect(a,
					      r == -ECONNRESET ? "closed by peer" : strerror(-r));
	else
		vhost_front_watch_stall(a);
	return 0;
}

int vscmid_vhost_front_on_connect(sd_event_source *src, int lfd, uint32_t revents,
				  void *userdata)
{
	struct vscmid_agent *a = userdata;
	struct ucred cred;
	int fd = vscmid_transport_accept(a, lfd, &cred), r;

	if (fd < 0)
		return 0;
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
