/* SPDX-License-Identifier: GPL-2.0-only */
/* libxenevtchn over simxend. The handle's fd is an eventfd simxend keeps
 * readable exactly while ports are pending for the handle; a port that fired
 * stays masked until unmasked, as with /dev/xen/evtchn. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <xenevtchn.h>

#include "client.h"

struct xenevtchn_handle {
	struct sx_conn c;
	int evfd;
};

static int call(xenevtchn_handle *xce, uint32_t op, uint64_t a0, uint64_t a1)
{
	struct sx_msg req, rep;
	int ret;

	if (!xce) {
		errno = EINVAL;
		return -1;
	}
	sx_msg_init(&req, op);
	req.arg[0] = a0;
	req.arg[1] = a1;
	ret = sx_call(&xce->c, &req, &rep, NULL);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

SX_API xenevtchn_handle *xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
	bool cloexec = !(flags & XENEVTCHN_NO_CLOEXEC);
	struct sx_msg req, rep;
	xenevtchn_handle *xce;
	int ret, fd;

	xce = calloc(1, sizeof(*xce));
	if (!xce)
		return NULL;
	ret = sx_conn_open(&xce->c, cloexec);
	if (ret < 0)
		goto fail_free;
	sx_msg_init(&req, SX_EVT_OPEN);
	ret = sx_call(&xce->c, &req, &rep, &fd);
	if (ret >= 0 && fd < 0)
		ret = -EIO;
	if (ret < 0)
		goto fail_close;
	if (!cloexec)
		fcntl(fd, F_SETFD, 0);
	xce->evfd = fd;
	return xce;
fail_close:
	sx_conn_close(&xce->c);
fail_free:
	free(xce);
	errno = -ret;
	return NULL;
}

SX_API int xenevtchn_close(xenevtchn_handle *xce)
{
	if (!xce)
		return 0;
	close(xce->evfd);
	sx_conn_close(&xce->c);
	free(xce);
	return 0;
}

SX_API int xenevtchn_fd(xenevtchn_handle *xce)
{
	return xce->evfd;
}

SX_API int xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	return call(xce, SX_EVT_NOTIFY, port, 0) < 0 ? -1 : 0;
}

SX_API xenevtchn_port_or_error_t
xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid, evtchn_port_t remote_port)
{
	return call(xce, SX_EVT_BIND_INTERDOMAIN, domid, remote_port);
}

SX_API xenevtchn_port_or_error_t xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
	return call(xce, SX_EVT_BIND_VIRQ, virq, 0);
}

SX_API int xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	return call(xce, SX_EVT_UNBIND, port, 0) < 0 ? -1 : 0;
}

/* Never blocks: -1 with EAGAIN when nothing is pending. */
SX_API xenevtchn_port_or_error_t xenevtchn_pending(xenevtchn_handle *xce)
{
	return call(xce, SX_EVT_PENDING, 0, 0);
}

SX_API int xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	return call(xce, SX_EVT_UNMASK, port, 0) < 0 ? -1 : 0;
}
