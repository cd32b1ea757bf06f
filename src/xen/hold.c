/* SPDX-License-Identifier: GPL-2.0-only */
/* A new toolstack guest is held paused while its device is set up.
 *
 * xl create writes the device to XenStore and then unpauses the domain
 * without waiting for any backend: a kernel that probes virtio-mmio at once
 * (built-in VIRTIO_MMIO, a small RTOS) reaches the range before our IOREQ
 * server claims it and takes a data abort. Xen counts pauses by the control
 * domain, so we take one of our own when the device appears and drop it
 * once the device answers: the toolstack's unpause then leaves the guest
 * paused until we are done, and the guest's first access finds its device.
 *
 * A marker file is written before the pause and removed after the unpause;
 * a daemon killed in between finds it at its next start and drops the
 * pause it left, once it has taken the device back. Without a place for
 * markers there is no hold: a guest must never stay paused because of us. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "vscmi/log.h"

#define XEN_HOLD_PREFIX "xen-hold-dom"

static int xen_hold_path(const struct xen_backend *xb, uint32_t domid, char *buf, size_t cap)
{
	int n;

	if (!xb->state_dir[0])
		return -ENOENT;
	n = snprintf(buf, cap, "%s/" XEN_HOLD_PREFIX "%u", xb->state_dir, domid);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static uint64_t xen_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void xen_hold(struct xen_backend *xb, uint32_t domid, struct xen_hold *h)
{
	char path[256];
	int fd;

	memset(h, 0, sizeof(*h));
	h->domid = domid;
	if (xen_hold_path(xb, domid, path, sizeof(path)) < 0)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		log_warn("xen: dom%u: cannot write %s (%s): its device is set up without holding "
			 "the guest paused", domid, path, strerror(errno));
		return;
	}
	close(fd);
	if (xc_domain_pause(xb->xch, domid) < 0) {
		/* dying already, or not ours to pause: nothing to hold */
		log_debug("xen: dom%u: not held paused: %s", domid, strerror(errno));
		unlink(path);
		return;
	}
	h->held = true;
	h->since = xen_now_usec();
}

void xen_release(struct xen_backend *xb, struct xen_hold *h)
{
	char path[256];

	if (!h->held)
		return;
	h->held = false;
	if (xc_domain_unpause(xb->xch, h->domid) < 0 && errno != ESRCH)
		log_err("xen: dom%u: cannot drop our pause (%s): the guest may stay paused",
			h->domid, strerror(errno));
	else
		log_info("xen: dom%u: held paused for %.1f ms while its device was set up", h->domid,
			 (double)(xen_now_usec() - h->since) / 1000.0);
	if (xen_hold_path(xb, h->domid, path, sizeof(path)) == 0)
		unlink(path);
}

/* Whether domid is paused now; false when it cannot be told. */
static bool xen_domain_paused(struct xen_backend *xb, uint32_t domid)
{
	xc_domaininfo_t info;

	return xc_domain_getinfolist(xb->xch, domid, 1, &info) == 1 && info.domain == domid &&
	       (info.flags & XEN_DOMINF_paused) && !(info.flags & XEN_DOMINF_dying);
}

void xen_hold_recover(struct xen_backend *xb)
{
	unsigned int seen = 0;
	struct dirent *e;
	DIR *d;

	if (!xb->state_dir[0] || !(d = opendir(xb->state_dir)))
		return;
	/* Capped: one marker per held domain, and domids stop at XEN_DOMID_MAX. */
	while ((e = readdir(d)) && seen < 0x8000) {
		char path[256];
		uint32_t domid;

		if (strncmp(e->d_name, XEN_HOLD_PREFIX, strlen(XEN_HOLD_PREFIX)) != 0)
			continue;
		seen++;
		if (xen_parse_id(e->d_name + strlen(XEN_HOLD_PREFIX), '\0', XEN_DOMID_MAX, &domid,
				 NULL) < 0)
			continue;
		/* Our pause was taken unless the marker outlived it by a kill
		 * between the unpause and the unlink: then only a domain that
		 * is still paused is let go. */
		if (xen_domain_paused(xb, domid)) {
			if (xc_domain_unpause(xb->xch, domid) < 0)
				log_err("xen: dom%u: cannot drop the pause a previous run left (%s)",
					domid, strerror(errno));
			else
				log_notice("xen: dom%u: dropped the pause a previous run left while "
					   "setting up its device", domid);
		}
		if (xen_hold_path(xb, domid, path, sizeof(path)) == 0)
			unlink(path);
	}
	closedir(d);
}
