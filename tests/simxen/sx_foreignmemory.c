/* SPDX-License-Identifier: GPL-2.0-only */
/* libxenforeignmemory over simxend: guest RAM and ioreq pages come as
 * memfds and are mapped here. Like privcmd mappings they are not inherited
 * across fork, and they outlive the handle: simxend counts them against the
 * process until unmapped or until the process exits. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenforeignmemory.h>

#include "client.h"

struct fmap {
	struct fmap *next;
	void *addr;
	size_t pages;
	uint32_t domid;
	uint64_t mapped;	/* pages simxend counts for us */
};

struct xenforeignmemory_handle {
	struct sx_conn c;
	pthread_mutex_t lock;
	struct fmap *maps;
};

struct xenforeignmemory_resource_handle {
	uint32_t domid;
	unsigned int id;
	void *addr;
	unsigned long nr_frames;
};

SX_API xenforeignmemory_handle *xenforeignmemory_open(struct xentoollog_logger *logger,
						      unsigned open_flags)
{
	xenforeignmemory_handle *fmem = calloc(1, sizeof(*fmem));
	int ret;

	if (!fmem)
		return NULL;
	ret = sx_conn_open(&fmem->c, true);
	if (ret < 0) {
		free(fmem);
		errno = -ret;
		return NULL;
	}
	pthread_mutex_init(&fmem->lock, NULL);
	return fmem;
}

SX_API int xenforeignmemory_close(xenforeignmemory_handle *fmem)
{
	struct fmap *m;

	if (!fmem)
		return 0;
	while ((m = fmem->maps)) {
		fmem->maps = m->next;
		free(m);
	}
	pthread_mutex_destroy(&fmem->lock);
	sx_conn_close(&fmem->c);
	free(fmem);
	return 0;
}

static void funmap(xenforeignmemory_handle *fmem, uint32_t domid, uint64_t pages)
{
	struct sx_msg req, rep;

	if (!pages)
		return;
	sx_msg_init(&req, SX_FUNMAP);
	req.arg[0] = domid;
	req.arg[1] = pages;
	sx_call(&fmem->c, &req, &rep, NULL);
}

SX_API void *xenforeignmemory_map2(xenforeignmemory_handle *fmem, uint32_t dom, void *addr,
				   int prot, int flags, size_t pages,
				   const xen_pfn_t arr[], int err[])
{
	struct sx_msg req, rep;
	int *errs = err, ret = 0, first_err = 0;
	uint64_t mapped = 0;
	struct fmap *m;
	size_t done, i;
	void *base;

	if (!fmem || !pages || !arr) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!errs)
		errs = calloc(pages, sizeof(*errs));
	base = sx_reserve(addr, pages, flags);
	if (!m || !errs || !base) {
		ret = -ENOMEM;
		goto fail;
	}
	for (done = 0; done < pages; done += i) {
		size_t n = pages - done < SX_MAX_ITEMS ? pages - done : SX_MAX_ITEMS;
		int fd;

		sx_msg_init(&req, SX_FMAP);
		req.arg[0] = dom;
		for (i = 0; i < n; i++)
			req.data.u64[i] = arr[done + i];
		req.len = (uint32_t)(n * 8);
		ret = sx_call(&fmem->c, &req, &rep, &fd);
		if (ret >= 0 && (fd < 0 || rep.len != n * 8))
			ret = -EIO;
		if (ret < 0) {
			if (fd >= 0)
				close(fd);
			goto fail;
		}
		for (i = 0; i < n; i++) {
			if (SX_IDX_VALID(rep.data.u64[i])) {
				errs[done + i] = 0;
				mapped++;
			} else {
				errs[done + i] = (int)(int64_t)rep.data.u64[i];
				if (!first_err)
					first_err = errs[done + i];
			}
		}
		ret = sx_map_pages((char *)base + (done << SX_PAGE_SHIFT), rep.data.u64, n, fd, prot);
		close(fd);
		if (ret < 0)
			goto fail;
	}
	/* Without an error array, any failed page fails the whole call. */
	if (!err && first_err) {
		ret = first_err;
		goto fail;
	}
	madvise(base, pages << SX_PAGE_SHIFT, MADV_DONTFORK);
	m->addr = base;
	m->pages = pages;
	m->domid = dom;
	m->mapped = mapped;
	pthread_mutex_lock(&fmem->lock);
	m->next = fmem->maps;
	fmem->maps = m;
	pthread_mutex_unlock(&fmem->lock);
	if (errs != err)
		free(errs);
	return base;
fail:
	funmap(fmem, dom, mapped);
	if (base)
		munmap(base, pages << SX_PAGE_SHIFT);
	if (errs != err)
		free(errs);
	free(m);
	errno = -ret;
	return NULL;
}

SX_API void *xenforeignmemory_map(xenforeignmemory_handle *fmem, uint32_t dom, int prot,
				  size_t pages, const xen_pfn_t arr[], int err[])
{
	return xenforeignmemory_map2(fmem, dom, NULL, prot, 0, pages, arr, err);
}

SX_API int xenforeignmemory_unmap(xenforeignmemory_handle *fmem, void *addr, size_t pages)
{
	struct fmap **pp, *m = NULL;
	int ret;

	if (!fmem) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&fmem->lock);
	for (pp = &fmem->maps; *pp; pp = &(*pp)->next) {
		if ((*pp)->addr == addr && (*pp)->pages == pages) {
			m = *pp;
			*pp = m->next;
			break;
		}
	}
	pthread_mutex_unlock(&fmem->lock);
	ret = munmap(addr, pages << SX_PAGE_SHIFT);
	if (m) {
		int saved = errno;

		funmap(fmem, m->domid, m->mapped);
		free(m);
		errno = saved;
	}
	return ret;
}

SX_API xenforeignmemory_resource_handle *
xenforeignmemory_map_resource(xenforeignmemory_handle *fmem, domid_t domid, unsigned int type,
			      unsigned int id, unsigned long frame, unsigned long nr_frames,
			      void **paddr, int prot, int flags)
{
	xenforeignmemory_resource_handle *fres;
	struct sx_msg req, rep;
	int ret, fd;
	void *p;

	if (!fmem || !paddr) {
		errno = EINVAL;
		return NULL;
	}
	fres = calloc(1, sizeof(*fres));
	if (!fres)
		return NULL;
	sx_msg_init(&req, SX_RES_MAP);
	req.arg[0] = domid;
	req.arg[1] = type;
	req.arg[2] = id;
	req.arg[3] = frame;
	req.arg[4] = nr_frames;
	ret = sx_call(&fmem->c, &req, &rep, &fd);
	if (ret >= 0 && fd < 0)
		ret = -EIO;
	if (ret < 0)
		goto fail;
	p = mmap(*paddr, nr_frames << SX_PAGE_SHIFT, prot, flags | MAP_SHARED, fd, 0);
	ret = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (ret < 0) {
		sx_msg_init(&req, SX_RES_UNMAP);
		req.arg[0] = domid;
		req.arg[1] = id;
		sx_call(&fmem->c, &req, &rep, NULL);
		goto fail;
	}
	madvise(p, nr_frames << SX_PAGE_SHIFT, MADV_DONTFORK);
	fres->domid = domid;
	fres->id = id;
	fres->addr = p;
	fres->nr_frames = nr_frames;
	*paddr = p;
	return fres;
fail:
	free(fres);
	errno = -ret;
	return NULL;
}

SX_API int xenforeignmemory_unmap_resource(xenforeignmemory_handle *fmem,
					   xenforeignmemory_resource_handle *fres)
{
	struct sx_msg req, rep;
	int ret;

	if (!fres)
		return 0;
	ret = munmap(fres->addr, fres->nr_frames << SX_PAGE_SHIFT);
	if (fmem) {
		sx_msg_init(&req, SX_RES_UNMAP);
		req.arg[0] = fres->domid;
		req.arg[1] = fres->id;
		sx_call(&fmem->c, &req, &rep, NULL);
	}
	free(fres);
	return ret;
}
