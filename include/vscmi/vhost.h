/* SPDX-License-Identifier: GPL-2.0-only */
/* A vhost-user backend for the virtio-scmi device: one frontend (QEMU's
 * vhost-user-scmi) over a connected UNIX stream socket. Nothing here owns
 * an event loop: the caller polls the socket and the kick eventfds and
 * calls in when one is readable. */
#ifndef VSCMI_VHOST_H
#define VSCMI_VHOST_H

#include "vscmi/scmi.h"
#include "vscmi/virtio.h"

struct vhost_conn;

/* Serves agent to the frontend on fd, which the connection then owns (it is
 * closed by vhost_conn_free; on failure it stays the caller's). NULL with
 * errno set on failure. */
struct vhost_conn *vhost_conn_new(int fd, struct scmi_server *srv, struct scmi_agent *agent);
/* Closes the socket and every fd the frontend sent, unmaps guest memory and
 * resets the agent: a frontend that went away is a guest that went away.
 * NULL-safe. */
void vhost_conn_free(struct vhost_conn *c);
/* The same, but the agent keeps its votes: the daemon is exiting, and the
 * guest behind the frontend is not. NULL-safe. */
void vhost_conn_close(struct vhost_conn *c);

int vhost_conn_fd(const struct vhost_conn *c);
/* Whether part of a message has come and the rest not yet. */
bool vhost_conn_partial(const struct vhost_conn *c);
/* Reads and handles one message; call when the socket is readable. 0, or
 * -errno when the connection must be closed (vhost_conn_free): EOF, a
 * malformed message, or a request this backend refuses. */
int vhost_conn_handle(struct vhost_conn *c);
/* The eventfd the frontend kicks queue q with, or -1. It may change with
 * any message: re-read it after every vhost_conn_handle. */
int vhost_conn_kick_fd(const struct vhost_conn *c, unsigned int q);
/* Call when queue q's kick fd is readable: drains it and runs the queue.
 * 0, or -EINVAL for a queue that does not exist. */
int vhost_conn_kick(struct vhost_conn *c, unsigned int q);
/* The device, for its statistics. */
struct vio_dev *vhost_conn_dev(struct vhost_conn *c);
void vhost_conn_scmi_stats(const struct vhost_conn *c, struct vio_scmi_stats *st);

/* The protocol, for frontends in tests. */
#define VHOST_USER_VERSION 0x1u
#define VHOST_USER_FLAG_REPLY (1u << 2)
#define VHOST_USER_FLAG_NEED_REPLY (1u << 3)
#define VHOST_USER_F_PROTOCOL_FEATURES (1ull << 30)
#define VHOST_USER_PROTOCOL_F_MQ 0
#define VHOST_USER_PROTOCOL_F_REPLY_ACK 3
#define VHOST_USER_VRING_IDX_MASK 0xffu
#define VHOST_USER_VRING_NOFD (1u << 8)
#define VHOST_USER_MAX_REGIONS 8
#define VHOST_USER_HDR_SIZE 12

enum vhost_user_req {
	VHOST_USER_GET_FEATURES = 1,
	VHOST_USER_SET_FEATURES = 2,
	VHOST_USER_SET_OWNER = 3,
	VHOST_USER_RESET_OWNER = 4,
	VHOST_USER_SET_MEM_TABLE = 5,
	VHOST_USER_SET_VRING_NUM = 8,
	VHOST_USER_SET_VRING_ADDR = 9,
	VHOST_USER_SET_VRING_BASE = 10,
	VHOST_USER_GET_VRING_BASE = 11,
	VHOST_USER_SET_VRING_KICK = 12,
	VHOST_USER_SET_VRING_CALL = 13,
	VHOST_USER_SET_VRING_ERR = 14,
	VHOST_USER_GET_PROTOCOL_FEATURES = 15,
	VHOST_USER_SET_PROTOCOL_FEATURES = 16,
	VHOST_USER_GET_QUEUE_NUM = 17,
	VHOST_USER_SET_VRING_ENABLE = 18,
};

#endif
