/* SPDX-License-Identifier: GPL-2.0-only */
/* Client side of the simxend protocol, shared by libsimxen and the harness. */
#ifndef SIMXEN_CLIENT_H
#define SIMXEN_CLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

#define SX_HIDDEN __attribute__((visibility("hidden")))
#define SX_API __attribute__((visibility("default")))

struct sx_conn {
	int fd;
	uint32_t seq;
	pthread_mutex_t lock;
};

/* Connect to $SIMXEN_SOCKET as $SIMXEN_DOMID (default 0); -ENOENT when the
 * variable is unset, as the real libraries fail without /dev/xen. */
SX_HIDDEN int sx_conn_open(struct sx_conn *c, bool cloexec);
SX_HIDDEN int sx_conn_open_at(struct sx_conn *c, const char *path, uint32_t domid,
			      bool cloexec);
SX_HIDDEN void sx_conn_close(struct sx_conn *c);

/* One request, its reply. Returns the reply's ret (>= 0 or -errno) or the
 * transport's -errno; *fd receives a descriptor sent with the reply, or -1.
 * fd may be NULL when none is expected. Serialised per connection. */
SX_HIDDEN int sx_call(struct sx_conn *c, struct sx_msg *req, struct sx_msg *rep, int *fd);

/* The two halves, for callers with replies outstanding (the harness). */
SX_HIDDEN int sx_send(struct sx_conn *c, struct sx_msg *req);
SX_HIDDEN int sx_recv(struct sx_conn *c, struct sx_msg *rep, int *fd, int timeout_ms);

SX_HIDDEN void sx_msg_init(struct sx_msg *m, uint32_t op);

/* Page indices above this are not pages: errors or holes. */
#define SX_IDX_VALID(x) ((x) < (1ULL << 40))

/* Reserve pages of address space (inaccessible) at hint, mmap flags as the
 * caller asked (MAP_FIXED); NULL with errno set on failure. */
SX_HIDDEN void *sx_reserve(void *hint, size_t pages, int flags);

/* Map page i of [base, base + n pages) to page idx[i] of fd, in runs;
 * entries that are not valid indices stay inaccessible. 0 or -errno. */
SX_HIDDEN int sx_map_pages(void *base, const uint64_t *idx, size_t n, int fd, int prot);

#endif
