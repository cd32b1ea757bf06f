/* SPDX-License-Identifier: GPL-2.0-only */
/* libxengnttab over simxend. simxend checks each grant (in use, granted to
 * us, writable when PROT_WRITE is asked) and sends the granting domain's
 * RAM; the pages are mapped here into one contiguous range. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xengnttab.h>

#include "client.h"

struct gmap {
	struct gmap *next;
	void *addr;
	uint32_t count;
	uint32_t domid;
	uint32_t *refs;
};

struct xengntdev_handle {
	struct sx_conn c;
	pthread_mutex_t lock;
	struct gmap *maps;
};

SX_API xengnttab_handle *xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	xengnttab_handle *xgt = calloc(1, sizeof(*xgt));
	int ret;

	if (!xgt)
		return NULL;
	ret = sx_conn_open(&xgt->c, true);
	if (ret < 0) {
		free(xgt);
		errno = -ret;
		return NULL;
	}
	pthread_mutex_init(&xgt->lock, NULL);
	return xgt;
}

SX_API int xengnttab_close(xengnttab_handle *xgt)
{
	struct gmap *m;

	if (!xgt)
		return 0;
	while ((m = xgt->maps)) {
		xgt->maps = m->next;
		free(m->refs);
		free(m);
	}
	pthread_mutex_destroy(&xgt->lock);
	sx_conn_close(&xgt->c);
	free(xgt);
	return 0;
}

SX_API int xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
	return 0;
}

static void gunmap(xengnttab_handle *xgt, uint32_t domid, const uint32_t *refs, uint32_t count)
{
	struct sx_msg req, rep;
	uint32_t done, i, n;

	for (done = 0; done < count; done += n) {
		n = count - done < SX_MAX_ITEMS ? count - done : SX_MAX_ITEMS;
		sx_msg_init(&req, SX_GUNMAP);
		req.arg[0] = domid;
		for (i = 0; i < n; i++)
			req.data.u64[i] = refs[done + i];
		req.len = n * 8;
		sx_call(&xgt->c, &req, &rep, NULL);
	}
}

SX_API void *xengnttab_map_domain_grant_refs(xengnttab_handle *xgt, uint32_t count,
					     uint32_t domid, uint32_t *refs, int prot)
{
	struct sx_msg req, rep;
	uint32_t done = 0, i, n;
	struct gmap *m = NULL;
	void *base = NULL;
	int ret;

	if (!xgt || !count || !refs) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m)
		m->refs = malloc(count * sizeof(*m->refs));
	base = sx_reserve(NULL, count, 0);
	if (!m || !m->refs || !base) {
		ret = -ENOMEM;
		goto fail;
	}
	memcpy(m->refs, refs, count * sizeof(*refs));
	for (done = 0; done < count; done += n) {
		int fd;

		n = count - done < SX_MAX_ITEMS ? count - done : SX_MAX_ITEMS;
		sx_msg_init(&req, SX_GMAP);
		req.arg[0] = domid;
		req.arg[1] = !!(prot & PROT_WRITE);
		for (i = 0; i < n; i++)
			req.data.u64[i] = refs[done + i];
		req.len = n * 8;
		ret = sx_call(&xgt->c, &req, &rep, &fd);
		if (ret >= 0 && (fd < 0 || rep.len != n * 8))
			ret = -EIO;
		if (ret < 0) {
			if (fd >= 0)
				close(fd);
			goto fail;
		}
		ret = sx_map_pages((char *)base + ((size_t)done << SX_PAGE_SHIFT), rep.data.u64, n,
				   fd, prot);
		close(fd);
		if (ret < 0) {
			done += n;
			goto fail;
		}
	}
	madvise(base, (size_t)count << SX_PAGE_SHIFT, MADV_DONTFORK);
	m->addr = base;
	m->count = count;
	m->domid = domid;
	pthread_mutex_lock(&xgt->lock);
	m->next = xgt->maps;
	xgt->maps = m;
	pthread_mutex_unlock(&xgt->lock);
	return base;
fail:
	gunmap(xgt, domid, refs, done);
	if (base)
		munmap(base, (size_t)count << SX_PAGE_SHIFT);
	if (m)
		free(m->refs);
	free(m);
	errno = -ret;
	return NULL;
}

SX_API void *xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref,
				     int prot)
{
	return xengnttab_map_domain_grant_refs(xgt, 1, domid, &ref, prot);
}

SX_API int xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
	struct gmap **pp, *m = NULL;

	if (!xgt || !start_address) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&xgt->lock);
	for (pp = &xgt->maps; *pp; pp = &(*pp)->next) {
		if ((*pp)->addr == start_address) {
			m = *pp;
			if (m->count == count)
				*pp = m->next;
			break;
		}
	}
	pthread_mutex_unlock(&xgt->lock);
	/* gntdev wants the whole mapping back, as it was made. */
	if (!m || m->count != count) {
		errno = EINVAL;
		return -1;
	}
	munmap(m->addr, (size_t)count << SX_PAGE_SHIFT);
	gunmap(xgt, m->domid, m->refs, m->count);
	free(m->refs);
	free(m);
	return 0;
}

/* The guest side of one segment: status, and on success RAM fd + offset. */
static int copy_side(xengnttab_handle *xgt, uint16_t domid, uint32_t ref, uint16_t offset,
		     uint16_t len, bool write, int16_t *status, int *fd, off_t *off)
{
	struct sx_msg req, rep;
	int ret;

	sx_msg_init(&req, SX_GCOPY);
	req.arg[0] = domid;
	req.arg[1] = ref;
	req.arg[2] = offset;
	req.arg[3] = len;
	req.arg[4] = write;
	ret = sx_call(&xgt->c, &req, &rep, fd);
	if (ret < 0)
		return ret;
	*status = (int16_t)(int64_t)rep.arg[0];
	if (*status == GNTST_okay) {
		if (*fd < 0)
			return -EIO;
		*off = (off_t)((rep.arg[1] << SX_PAGE_SHIFT) + offset);
	}
	return 0;
}

static int copy_seg(xengnttab_handle *xgt, xengnttab_grant_copy_segment_t *seg)
{
	int sfd = -1, dfd = -1, ret = 0;
	off_t soff = 0, doff = 0;
	int16_t st = GNTST_okay;
	char buf[SX_PAGE_SIZE];
	const void *src = seg->source.virt;
	void *dst = seg->dest.virt;

	if (seg->flags & GNTCOPY_source_gref) {
		ret = copy_side(xgt, seg->source.foreign.domid, seg->source.foreign.ref,
				seg->source.foreign.offset, seg->len, false, &st, &sfd, &soff);
		if (ret < 0 || st != GNTST_okay)
			goto out;
	}
	if (seg->flags & GNTCOPY_dest_gref) {
		ret = copy_side(xgt, seg->dest.foreign.domid, seg->dest.foreign.ref,
				seg->dest.foreign.offset, seg->len, true, &st, &dfd, &doff);
		if (ret < 0 || st != GNTST_okay)
			goto out;
	}
	if (sfd >= 0) {
		if (pread(sfd, buf, seg->len, soff) != seg->len) {
			ret = -EIO;
			goto out;
		}
		src = buf;
	}
	if (dfd >= 0) {
		if (pwrite(dfd, src, seg->len, doff) != seg->len)
			ret = -EIO;
	} else {
		memcpy(dst, src, seg->len);
	}
out:
	if (sfd >= 0)
		close(sfd);
	if (dfd >= 0)
		close(dfd);
	seg->status = st;
	return ret;
}

SX_API int xengnttab_grant_copy(xengnttab_handle *xgt, uint32_t count,
				xengnttab_grant_copy_segment_t *segs)
{
	uint32_t i;
	int ret;

	if (!xgt || (count && !segs)) {
		errno = EINVAL;
		return -1;
	}
	/* gntdev refuses the whole batch when a grant side crosses a page. */
	for (i = 0; i < count; i++) {
		if (((segs[i].flags & GNTCOPY_source_gref) &&
		     segs[i].source.foreign.offset + segs[i].len > SX_PAGE_SIZE) ||
		    ((segs[i].flags & GNTCOPY_dest_gref) &&
		     segs[i].dest.foreign.offset + segs[i].len > SX_PAGE_SIZE)) {
			errno = EINVAL;
			return -1;
		}
	}
	for (i = 0; i < count; i++) {
		ret = copy_seg(xgt, &segs[i]);
		if (ret < 0) {
			errno = -ret;
			return -1;
		}
	}
	return 0;
}
