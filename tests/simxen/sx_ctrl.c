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

static void fill(xc_dominfo_t *info, const struct sx_dominfo *d)
{
	memset(info, 0, sizeof(*info));
	info->domid = d->domid;
	info->dying = !!(d->flags & SX_DI_DYING);
	info->shutdown = !!(d->flags & SX_DI_SHUTDOWN);
	info->shutdown_reason = info->shutdown ? d->shutdown_reason : 0;
	info->crashed = info->shutdown && d->shutdown_reason == SHUTDOWN_crash;
	info->running = !info->shutdown && !info->dying;
	info->hvm = 1;
	info->hap = 1;
	info->nr_pages = d->ram_pages;
	info->max_memkb = d->ram_pages << (SX_PAGE_SHIFT - 10);
	info->nr_online_vcpus = d->nr_vcpus;
	info->max_vcpu_id = d->nr_vcpus ? d->nr_vcpus - 1 : 0;
	info->gpaddr_bits = 40;
}

/* The first max_doms domains whose id is first_domid or above. */
SX_API int xc_domain_getinfo(xc_interface *xch, uint32_t first_domid, unsigned int max_doms,
			     xc_dominfo_t *info)
{
	struct sx_msg req, rep;
	unsigned int n = 0;
	int ret, i;

	if (!xch || (max_doms && !info)) {
		errno = EINVAL;
		return -1;
	}
	while (n < max_doms) {
		sx_msg_init(&req, SX_DOMINFO);
		req.arg[0] = first_domid;
		req.arg[1] = max_doms - n;
		ret = sx_call(&xch->c, &req, &rep, NULL);
		if (ret < 0) {
			errno = -ret;
			return -1;
		}
		if ((size_t)ret * sizeof(struct sx_dominfo) != rep.len)
			break;
		for (i = 0; i < ret; i++)
			fill(&info[n++], &rep.data.info[i]);
		if (!ret || (size_t)ret < SX_MAX_DOMINFO)
			break;
		first_domid = info[n - 1].domid + 1;
	}
	return (int)n;
}

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
