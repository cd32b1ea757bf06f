/* SPDX-License-Identifier: GPL-2.0-only */
/* libxenctrl over simxend: the domain queries a backend and xenstored make. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>

#include "client.h"

struct xc_interface_core {
	struct sx_conn c;
};

SX_API xc_interface *xc_interface_open(xentoollog_logger *logger,
				       xentoollog_logger *dombuild_logger, unsigned open_flags)
{
	xc_interface *xch = calloc(1, sizeof(*xch));
	int ret;

	if (!xch)
		return NULL;
	ret = sx_conn_open(&xch->c, true);
	if (ret < 0) {
		free(xch);
		errno = -ret;
		return NULL;
	}
	return xch;
}

SX_API int xc_interface_close(xc_interface *xch)
{
	if (!xch)
		return 0;
	sx_conn_close(&xch->c);
	free(xch);
	return 0;
}

/* The first max domains whose id is first_domid or above, as simxend
 * reports them, each handed to fill(out, index, record): their number, or
 * -1 with errno. */
static int query_each(xc_interface *xch, uint32_t first_domid, unsigned int max,
		      void (*fill)(void *out, unsigned int i, const struct sx_dominfo *d), void *out)
{
	struct sx_msg req, rep;
	unsigned int n = 0;
	int ret, i;

	if (!xch || (max && !out)) {
		errno = EINVAL;
		return -1;
	}
	while (n < max) {
		sx_msg_init(&req, SX_DOMINFO);
		req.arg[0] = first_domid;
		req.arg[1] = max - n;
		ret = sx_call(&xch->c, &req, &rep, NULL);
		if (ret < 0) {
			errno = -ret;
			return -1;
		}
		if ((size_t)ret * sizeof(struct sx_dominfo) != rep.len)
			break;
		for (i = 0; i < ret; i++)
			fill(out, n++, &rep.data.info[i]);
		if (!ret || (size_t)ret < SX_MAX_DOMINFO)
			break;
		first_domid = rep.data.info[ret - 1].domid + 1;
	}
	return (int)n;
}

/* The hypercall's own record, which every Xen's libxenctrl hands out. */
static void fill_domctl(xc_domaininfo_t *info, const struct sx_dominfo *d)
{
	memset(info, 0, sizeof(*info));
	info->domain = (domid_t)d->domid;
	info->flags = XEN_DOMINF_hvm_guest | XEN_DOMINF_hap;
	if (d->flags & SX_DI_DYING)
		info->flags |= XEN_DOMINF_dying;
	if (d->flags & SX_DI_SHUTDOWN)
		info->flags |= XEN_DOMINF_shutdown |
			       (d->shutdown_reason & XEN_DOMINF_shutdownmask)
				       << XEN_DOMINF_shutdownshift;
	if (d->flags & SX_DI_PAUSED)
		info->flags |= XEN_DOMINF_paused;
	else if (!(d->flags & (SX_DI_DYING | SX_DI_SHUTDOWN)))
		info->flags |= XEN_DOMINF_running;
	info->tot_pages = d->ram_pages;
	info->max_pages = d->ram_pages;
	info->nr_online_vcpus = d->nr_vcpus;
	info->max_vcpu_id = d->nr_vcpus ? d->nr_vcpus - 1 : 0;
}

static void fill_domctl_at(void *out, unsigned int i, const struct sx_dominfo *d)
{
	fill_domctl((xc_domaininfo_t *)out + i, d);
}

SX_API int xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain, unsigned int max_domains,
				 xc_domaininfo_t *info)
{
	return query_each(xch, first_domain, max_domains, fill_domctl_at, info);
}

#if SIMXEN_HAVE_XC_DOMINFO
/* Xen up to 4.17 (what its xenstored calls). */
static void fill(xc_dominfo_t *info, const struct sx_dominfo *d)
{
	memset(info, 0, sizeof(*info));
	info->domid = d->domid;
	info->dying = !!(d->flags & SX_DI_DYING);
	info->shutdown = !!(d->flags & SX_DI_SHUTDOWN);
	info->paused = !!(d->flags & SX_DI_PAUSED);
	info->shutdown_reason = info->shutdown ? d->shutdown_reason : 0;
	info->crashed = info->shutdown && d->shutdown_reason == SHUTDOWN_crash;
	info->running = !info->shutdown && !info->dying && !info->paused;
	info->hvm = 1;
	info->hap = 1;
	info->nr_pages = d->ram_pages;
	info->max_memkb = d->ram_pages << (SX_PAGE_SHIFT - 10);
	info->nr_online_vcpus = d->nr_vcpus;
	info->max_vcpu_id = d->nr_vcpus ? d->nr_vcpus - 1 : 0;
	info->gpaddr_bits = 40;
}

static void fill_at(void *out, unsigned int i, const struct sx_dominfo *d)
{
	fill((xc_dominfo_t *)out + i, d);
}

SX_API int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms,
			     xc_dominfo_t *info)
{
	return query_each(xch, first_domid, max_doms, fill_at, info);
}
#endif

#if SIMXEN_HAVE_XC_DOMAIN_GETINFO_SINGLE
static void copy_at(void *out, unsigned int i, const struct sx_dominfo *d)
{
	((struct sx_dominfo *)out)[i] = *d;
}

/* Xen 4.18 and later (what their xenstored calls): that domain or ESRCH. */
SX_API int xc_domain_getinfo_single(xc_interface *xch, uint32_t domid, xc_domaininfo_t *info)
{
	struct sx_dominfo d;
	int n = query_each(xch, domid, 1, copy_at, &d);

	if (n < 0)
		return -1;
	if (n == 0 || d.domid != domid) {
		errno = ESRCH;
		return -1;
	}
	if (info)
		fill_domctl(info, &d);
	return 0;
}
#endif

SX_API int xc_domain_shutdown(xc_interface *xch, uint32_t domid, int reason)
{
	struct sx_msg req, rep;
	int ret;

	if (!xch || reason < 0) {
		errno = EINVAL;
		return -1;
	}
	sx_msg_init(&req, SX_SHUTDOWN);
	req.arg[0] = domid;
	req.arg[1] = (uint64_t)reason;
	ret = sx_call(&xch->c, &req, &rep, NULL);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return 0;
}

static int pause_op(xc_interface *xch, uint32_t domid, uint32_t op)
{
	struct sx_msg req, rep;
	int ret;

	if (!xch) {
		errno = EINVAL;
		return -1;
	}
	sx_msg_init(&req, op);
	req.arg[0] = domid;
	ret = sx_call(&xch->c, &req, &rep, NULL);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return 0;
}

SX_API int xc_domain_pause(xc_interface *xch, uint32_t domid)
{
	return pause_op(xch, domid, SX_PAUSE);
}

SX_API int xc_domain_unpause(xc_interface *xch, uint32_t domid)
{
	return pause_op(xch, domid, SX_UNPAUSE);
}
