/* SPDX-License-Identifier: GPL-2.0-only */
/* Kernel uevents about the SCMI driver: the platform device bound to the
 * driver "arm-scmi" unbinding (the raw debugfs tree goes with it) or
 * binding again.
 *
 * A kernel uevent is one datagram on NETLINK_KOBJECT_UEVENT group 1:
 * "ACTION@DEVPATH", then NUL-separated KEY=VALUE strings (ACTION, DEVPATH,
 * SUBSYSTEM, DRIVER, SEQNUM, ...). The driver core sends "bind" with
 * DRIVER= set, but clears the driver before it sends "unbind", so an unbind
 * is recognised by the DEVPATH of a device seen bound to arm-scmi: learnt
 * from /sys/bus/platform/drivers/arm-scmi/ at start, and from bind events. */
#include <dirent.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vscmi/log.h"
#include "vscmi/platform.h"

#define UEV_DRIVER "arm-scmi"
#define UEV_DRIVER_DIR "/sys/bus/platform/drivers/" UEV_DRIVER
#define UEV_MSG_MAX 8192	/* the kernel's UEVENT_BUFFER_SIZE is 2048 */
#define UEV_READS_MAX 64	/* datagrams taken per call */
#define UEV_DEVICES 4		/* SCMI devices remembered */
#define UEV_DEVPATH_MAX 256

struct vscmi_uevent {
	struct mnl_socket *nl;		/* NULL: a socket handed in */
	int fd;
	bool kernel_only;		/* netlink: only the kernel's messages count */
	char devpath[UEV_DEVICES][UEV_DEVPATH_MAX];
	unsigned int ndev;
};

static void uev_remember(struct vscmi_uevent *u, const char *devpath)
{
	for (unsigned int i = 0; i < u->ndev; i++)
		if (!strcmp(u->devpath[i], devpath))
			return;
	if (strlen(devpath) >= UEV_DEVPATH_MAX)
		return;
	/* The oldest goes when full: a system has one or two. */
	if (u->ndev == UEV_DEVICES) {
		memmove(u->devpath[0], u->devpath[1], sizeof(u->devpath[0]) * (UEV_DEVICES - 1));
		u->ndev--;
	}
	strcpy(u->devpath[u->ndev++], devpath);
}

static bool uev_known(const struct vscmi_uevent *u, const char *devpath)
{
	for (unsigned int i = 0; i < u->ndev; i++)
		if (!strcmp(u->devpath[i], devpath))
			return true;
	return false;
}

/* The devices bound now: the driver's directory links to each. */
static void uev_scan_bound(struct vscmi_uevent *u)
{
	DIR *dir = opendir(UEV_DRIVER_DIR);
	struct dirent *de;
	int n = 0;

	if (!dir)
		return;
	while ((de = readdir(dir)) && n++ < 64) {
		char link[PATH_MAX + 32], target[PATH_MAX];
		const char *dev;
		ssize_t len;

		if (de->d_type != DT_LNK)
			continue;
		snprintf(link, sizeof(link), "%s/%s", UEV_DRIVER_DIR, de->d_name);
		len = readlink(link, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		/* ../../../../devices/platform/firmware:scmi -> /devices/... */
		dev = strstr(target, "/devices/");
		if (dev)
			uev_remember(u, dev);
	}
	closedir(dir);
}

enum vscmi_uevent_link vscmi_uevent_parse(struct vscmi_uevent *u, const char *msg, size_t len)
{
	const char *action = NULL, *devpath = NULL, *driver = NULL;
	size_t off;

	/* The summary line must end inside the message; libudev's own
	 * rebroadcasts (another group, another format) never get here. */
	if (!len || !memchr(msg, '\0', len) || !strchr(msg, '@'))
		return VSCMI_UEVENT_NONE;
	for (off = strlen(msg) + 1; off < len;) {
		const char *kv = msg + off;
		const char *end = memchr(kv, '\0', len - off);

		if (!end)
			break;
		if (!strncmp(kv, "ACTION=", 7))
			action = kv + 7;
		else if (!strncmp(kv, "DEVPATH=", 8))
			devpath = kv + 8;
		else if (!strncmp(kv, "DRIVER=", 7))
			driver = kv + 7;
		off = (size_t)(end - msg) + 1;
	}
	if (!action || !devpath)
		return VSCMI_UEVENT_NONE;
	if (!strcmp(action, "bind") && driver && !strcmp(driver, UEV_DRIVER)) {
		uev_remember(u, devpath);
		return VSCMI_UEVENT_UP;
	}
	if ((!strcmp(action, "unbind") || !strcmp(action, "remove")) && uev_known(u, devpath))
		return VSCMI_UEVENT_DOWN;
	return VSCMI_UEVENT_NONE;
}

int vscmi_uevent_open(int fd, struct vscmi_uevent **out)
{
	struct vscmi_uevent *u = calloc(1, sizeof(*u));
	int r;

	*out = NULL;
	if (!u)
		return -ENOMEM;
	if (fd >= 0) {
		struct sockaddr_nl sa = { 0 };
		socklen_t salen = sizeof(sa);

		u->fd = fd;
		/* The service manager's socket (ListenNetlink=kobject-uevent 1) is
		 * netlink too, and anyone may send on it. */
		u->kernel_only = getsockname(fd, (struct sockaddr *)&sa, &salen) == 0 &&
				 sa.nl_family == AF_NETLINK;
	} else {
		u->nl = mnl_socket_open2(NETLINK_KOBJECT_UEVENT, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (!u->nl || mnl_socket_bind(u->nl, 1 /* the kernel's group */, 0) < 0) {
			r = -errno;
			vscmi_uevent_free(u);
			return r;
		}
		u->fd = mnl_socket_get_fd(u->nl);
		u->kernel_only = true;
	}
	uev_scan_bound(u);
	*out = u;
	return 0;
}

void vscmi_uevent_free(struct vscmi_uevent *u)
{
	if (!u)
		return;
	if (u->nl)
		mnl_socket_close(u->nl);
	else if (u->fd >= 0)
		close(u->fd);
	free(u);
}

int vscmi_uevent_fd(const struct vscmi_uevent *u)
{
	return u->fd;
}

int vscmi_uevent_read(struct vscmi_uevent *u)
{
	char *buf = malloc(UEV_MSG_MAX);
	int change = VSCMI_UEVENT_NONE;

	if (!buf)
		return -ENOMEM;
	for (int i = 0; i < UEV_READS_MAX; i++) {
		struct sockaddr_nl sa = { 0 };
		socklen_t salen = sizeof(sa);
		ssize_t n = recvfrom(u->fd, buf, UEV_MSG_MAX - 1, MSG_DONTWAIT,
				     (struct sockaddr *)&sa, &salen);
		enum vscmi_uevent_link l;

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS)
				change = -errno;
			/* ENOBUFS: the socket overflowed; what is left is read next time. */
			break;
		}
		/* Only the kernel (port 0) speaks for devices on netlink. */
		if (u->kernel_only &&
		    (salen < sizeof(sa) || sa.nl_family != AF_NETLINK || sa.nl_pid != 0))
			continue;
		buf[n] = '\0';
		l = vscmi_uevent_parse(u, buf, (size_t)n);
		if (l != VSCMI_UEVENT_NONE) {
			log_info("uevent: SCMI device %s", l == VSCMI_UEVENT_UP ? "bound" : "unbound");
			change = (int)l;
		}
	}
	free(buf);
	return change;
}
