/* SPDX-License-Identifier: GPL-2.0-only */
/* Connection to simxend: connect, hello, request/reply with SCM_RIGHTS. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"

void sx_msg_init(struct sx_msg *m, uint32_t op)
{
	memset(m, 0, SX_HDR_LEN);
	m->op = op;
}

static int parse_domid(uint32_t *domid)
{
	const char *s = getenv("SIMXEN_DOMID");
	unsigned long v;
	char *end;

	*domid = 0;
	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || v >= 0x7ff0)
		return -EINVAL;
	*domid = (uint32_t)v;
	return 0;
}

int sx_conn_open(struct sx_conn *c, bool cloexec)
{
	const char *path = getenv("SIMXEN_SOCKET");
	uint32_t domid;
	int ret;

	if (!path || !*path)
		return -ENOENT;
	ret = parse_domid(&domid);
	if (ret)
		return ret;
	return sx_conn_open_at(c, path, domid, cloexec);
}

int sx_conn_open_at(struct sx_conn *c, const char *path, uint32_t domid, bool cloexec)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sx_msg req, rep;
	int ret;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	c->seq = 0;
	c->fd = socket(AF_UNIX, SOCK_SEQPACKET | (cloexec ? SOCK_CLOEXEC : 0), 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		close(c->fd);
		return ret;
	}
	pthread_mutex_init(&c->lock, NULL);
	sx_msg_init(&req, SX_HELLO);
	req.arg[0] = SX_VERSION;
	req.arg[1] = domid;
	ret = sx_call(c, &req, &rep, NULL);
	if (ret < 0) {
		sx_conn_close(c);
		return ret;
	}
	return 0;
}

void sx_conn_close(struct sx_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	pthread_mutex_destroy(&c->lock);
}

int sx_send(struct sx_conn *c, struct sx_msg *req)
{
	size_t len = SX_HDR_LEN + req->len;
	ssize_t n;

	if (req->len > sizeof(req->data))
		return -EINVAL;
	req->seq = ++c->seq;
	do
		n = send(c->fd, req, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? 0 : -EIO;
}

static void close_fds(struct msghdr *mh, int *keep)
{
	struct cmsghdr *cm;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		size_t i, nfd;
		int fds[8];

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		if (nfd > 8)
			nfd = 8;
		memcpy(fds, CMSG_DATA(cm), nfd * sizeof(int));
		for (i = 0; i < nfd; i++) {
			if (keep && *keep < 0)
				*keep = fds[i];
			else
				close(fds[i]);
		}
	}
}

int sx_recv(struct sx_conn *c, struct sx_msg *rep, int *fd, int timeout_ms)
{
	union {
		char buf[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} cbuf;
	struct iovec iov = { .iov_base = rep, .iov_len = sizeof(*rep) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf.buf, .msg_controllen = sizeof(cbuf.buf),
	};
	ssize_t n;

	if (fd)
		*fd = -1;
	if (timeout_ms >= 0) {
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int r;

		do
			r = poll(&pfd, 1, timeout_ms);
		while (r < 0 && errno == EINTR);
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
	}
	do
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	close_fds(&mh, fd);
	if ((size_t)n < SX_HDR_LEN || (mh.msg_flags & MSG_TRUNC) ||
	    rep->len != (size_t)n - SX_HDR_LEN) {
		if (fd && *fd >= 0) {
			close(*fd);
			*fd = -1;
		}
		return -EBADMSG;
	}
	return 0;
}

int sx_call(struct sx_conn *c, struct sx_msg *req, struct sx_msg *rep, int *fd)
{
	int ret, rfd;

	if (fd)
		*fd = -1;
	pthread_mutex_lock(&c->lock);
	ret = sx_send(c, req);
	while (!ret) {
		ret = sx_recv(c, rep, &rfd, -1);
		if (ret)
			break;
		if (rep->seq == req->seq)
			break;
		/* A reply to an abandoned request: drop it. */
		if (rfd >= 0)
			close(rfd);
	}
	pthread_mutex_unlock(&c->lock);
	if (ret)
		return ret;
	if (fd)
		*fd = rfd;
	else if (rfd >= 0)
		close(rfd);
	return rep->ret;
}

void *sx_reserve(void *hint, size_t pages, int flags)
{
	void *p = mmap(hint, pages << SX_PAGE_SHIFT, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (flags & MAP_FIXED), -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

int sx_map_pages(void *base, const uint64_t *idx, size_t n, int fd, int prot)
{
	size_t i = 0, run;

	while (i < n) {
		if (!SX_IDX_VALID(idx[i])) {
			i++;
			continue;
		}
		for (run = 1; i + run < n && SX_IDX_VALID(idx[i + run]) &&
			      idx[i + run] == idx[i] + run; run++)
			;
		if (mmap((char *)base + (i << SX_PAGE_SHIFT), run << SX_PAGE_SHIFT, prot,
			 MAP_SHARED | MAP_FIXED, fd, (off_t)(idx[i] << SX_PAGE_SHIFT)) == MAP_FAILED)
			return -errno;
		i += run;
	}
	return 0;
}
