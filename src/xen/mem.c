/* SPDX-License-Identifier: GPL-2.0-only */
/* A Xen guest's memory, as virtio sees it.
 *
 * Grant mode (the guest's DMA addresses have bit 63 set: gref << 12 |
 * offset, consecutive grefs for consecutive pages): the rings are mapped
 * while their queue lives; message buffers are copied with one grant-copy
 * call each way and never mapped, because the guest ends foreign access
 * on them after every command and would find a lingering mapping "still
 * in use". Read-only grants stay read-only: Xen refuses a copy into them.
 *
 * Foreign mode (plain guest physical addresses, grant_usage=0): pages are
 * mapped through a small cache, so the steady state maps nothing per
 * command; IOREQ_TYPE_INVALIDATE drops what nobody holds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "internal.h"
#include "vscmi/log.h"

static struct xen_mem *to_mem(struct vio_mem *m)
{
	return (struct xen_mem *)m;
}

/* An address of the other kind than the device's grant_usage says: the
 * guest's kernel and its xl.cfg disagree, which no reset will mend. Said
 * once, with the cause, instead of a generic broken-device message. */
static void xen_addr_kind_mismatch(struct xen_guest *g, uint64_t addr)
{
	if (g->addr_kind_said)
		return;
	g->addr_kind_said = true;
	if (g->grants)
		log_err("xen: dom%u: the guest gives plain guest addresses (0x%llx), not grant "
			"references: its device has grant_usage=1 but its kernel does not use grants "
			"for virtio (that needs CONFIG_XEN_VIRTIO and the xen,grant-dma node libxl "
			"writes); give it such a kernel, or grant_usage=0 in its xl.cfg virtio= line",
			g->domid, (unsigned long long)addr);
	else
		log_err("xen: dom%u: the guest gives grant references (0x%llx) where guest addresses "
			"were expected: its kernel uses grants for virtio but the device has "
			"grant_usage=0; set grant_usage=1 in its xl.cfg virtio= line (for dom0less: "
			"grant_usage = yes in its agent's section)",
			g->domid, (unsigned long long)addr);
}

/* Page range of [addr, addr+len): first frame (gref or pfn), count. */
static int xen_pages(const struct xen_mem *m, uint64_t addr, size_t len, uint64_t *first,
		     uint32_t *pages)
{
	bool grant = (addr & XEN_GRANT_ADDR) != 0;
	uint64_t a = addr & ~XEN_GRANT_ADDR;
	uint64_t n;

	if (grant != m->g->grants) {
		xen_addr_kind_mismatch(m->g, addr);
		return -EFAULT;
	}
	if (len == 0 || a + len < a)
		return -EFAULT;
	n = ((a & (XEN_PAGE - 1)) + len + XEN_PAGE - 1) / XEN_PAGE;
	if (n > XEN_MAP_PAGES)
		return -E2BIG;
	*first = a / XEN_PAGE;
	*pages = (uint32_t)n;
	/* grant references are 32-bit */
	if (grant && *first + n > UINT32_MAX)
		return -EFAULT;
	return 0;
}

static void *xen_map_frames(struct xen_mem *m, uint64_t first, uint32_t pages, bool write)
{
	struct xen_guest *g = m->g;
	int prot = PROT_READ | (write ? PROT_WRITE : 0);
	void *va;

	if (g->grants) {
		uint32_t refs[XEN_MAP_PAGES] = { 0 };

		for (uint32_t i = 0; i < pages; i++)
			refs[i] = (uint32_t)(first + i);
		va = xengnttab_map_domain_grant_refs(g->xb->xgt, pages, g->domid, refs, prot);
	} else {
		xen_pfn_t pfns[XEN_MAP_PAGES] = { 0 };
		int errs[XEN_MAP_PAGES];

		for (uint32_t i = 0; i < pages; i++)
			pfns[i] = first + i;
		va = xenforeignmemory_map(g->xb->fmem, g->domid, prot, pages, pfns, errs);
		for (uint32_t i = 0; va && i < pages; i++) {
			if (errs[i]) {
				xenforeignmemory_unmap(g->xb->fmem, va, pages);
				errno = -errs[i] > 0 ? -errs[i] : EFAULT;
				va = NULL;
			}
		}
	}
	if (va)
		m->maps++;
	return va;
}

static void xen_unmap_frames(struct xen_mem *m, void *va, uint32_t pages)
{
	if (m->g->grants)
		xengnttab_unmap(m->g->xb->xgt, va, pages);
	else
		xenforeignmemory_unmap(m->g->xb->fmem, va, pages);
	m->unmaps++;
}

static struct xen_map *xen_cache_find(struct xen_mem *m, void *p)
{
	for (int i = 0; i < XEN_MEM_CACHE; i++) {
		struct xen_map *c = &m->cache[i];

		if (c->va && (uint8_t *)p >= (uint8_t *)c->va &&
		    (uint8_t *)p < (uint8_t *)c->va + (size_t)c->pages * XEN_PAGE)
			return c;
	}
	return NULL;
}

static void *xen_mem_map(struct vio_mem *vm, uint64_t addr, size_t len, bool write)
{
	struct xen_mem *m = to_mem(vm);
	size_t off = addr & (XEN_PAGE - 1);
	struct xen_map *slot = NULL;
	uint64_t first;
	uint32_t pages;
	void *va;
	int r = xen_pages(m, addr, len, &first, &pages);

	if (r < 0) {
		errno = -r;
		return NULL;
	}
	for (int i = 0; i < XEN_MEM_CACHE; i++) {
		struct xen_map *c = &m->cache[i];

		if (c->va && c->pfn == first && c->pages >= pages && (c->write || !write)) {
			c->users++;
			c->last_use = ++m->clock;
			return (uint8_t *)c->va + off;
		}
		/* an empty slot, else the least recently used one nobody holds */
		if (!c->users && (!slot || (slot->va && (!c->va || c->last_use < slot->last_use))))
			slot = c;
	}
	if (!slot) {
		errno = ENOSPC;
		return NULL;
	}
	va = xen_map_frames(m, first, pages, write);
	if (!va)
		return NULL;
	if (slot->va)
		xen_unmap_frames(m, slot->va, slot->pages);
	*slot = (struct xen_map){ va, first, pages, write, 1, ++m->clock };
	return (uint8_t *)va + off;
}

static void xen_mem_unmap(struct vio_mem *vm, void *p, size_t len)
{
	struct xen_mem *m = to_mem(vm);
	struct xen_map *c = xen_cache_find(m, p);

	if (!c || !c->users)
		return;
	c->users--;
	/* Grant mappings are only for the rings: they go when the queue does. */
	if (!c->users && m->g->grants) {
		xen_unmap_frames(m, c->va, c->pages);
		memset(c, 0, sizeof(*c));
	}
}

/* Grant copy, split at page boundaries as the hypervisor wants. */
static int xen_grant_copy(struct xen_mem *m, uint64_t addr, uint8_t *buf, size_t len, bool to_guest)
{
	xengnttab_grant_copy_segment_t segs[XEN_MAP_PAGES];
	uint64_t first, a = addr & ~XEN_GRANT_ADDR;
	uint32_t pages, done = 0;
	int r = xen_pages(m, addr, len, &first, &pages);

	if (r < 0)
		return r;
	for (uint32_t i = 0; i < pages; i++) {
		uint32_t off = i == 0 ? (uint32_t)(a & (XEN_PAGE - 1)) : 0;
		uint32_t n = XEN_PAGE - off < len - done ? XEN_PAGE - off : (uint32_t)(len - done);
		xengnttab_grant_copy_segment_t *s = &segs[i];

		memset(s, 0, sizeof(*s));
		if (to_guest) {
			s->source.virt = buf + done;
			s->dest.foreign.ref = (uint32_t)(first + i);
			s->dest.foreign.offset = (uint16_t)off;
			s->dest.foreign.domid = (uint16_t)m->g->domid;
			s->flags = GNTCOPY_dest_gref;
		} else {
			s->dest.virt = buf + done;
			s->source.foreign.ref = (uint32_t)(first + i);
			s->source.foreign.offset = (uint16_t)off;
			s->source.foreign.domid = (uint16_t)m->g->domid;
			s->flags = GNTCOPY_source_gref;
		}
		s->len = (uint16_t)n;
		done += n;
	}
	if (xengnttab_grant_copy(m->g->xb->xgt, pages, segs) < 0)
		return -errno;
	for (uint32_t i = 0; i < pages; i++)
		if (segs[i].status != GNTST_okay)
			return segs[i].status == GNTST_permission_denied ? -EACCES : -EFAULT;
	return 0;
}

static int xen_mem_read(struct vio_mem *vm, uint64_t addr, void *dst, size_t len)
{
	struct xen_mem *m = to_mem(vm);
	void *p;

	if (m->g->grants)
		return xen_grant_copy(m, addr, dst, len, false);
	p = xen_mem_map(vm, addr, len, false);
	if (!p)
		return -errno;
	memcpy(dst, p, len);
	xen_mem_unmap(vm, p, len);
	return 0;
}

static int xen_mem_write(struct vio_mem *vm, uint64_t addr, const void *src, size_t len)
{
	struct xen_mem *m = to_mem(vm);
	void *p;

	if (m->g->grants)
		return xen_grant_copy(m, addr, (uint8_t *)src, len, true);
	p = xen_mem_map(vm, addr, len, true);
	if (!p)
		return -errno;
	memcpy(p, src, len);
	xen_mem_unmap(vm, p, len);
	return 0;
}

void xen_mem_init(struct xen_mem *m, struct xen_guest *g)
{
	memset(m, 0, sizeof(*m));
	m->g = g;
	m->ops.map = xen_mem_map;
	m->ops.unmap = xen_mem_unmap;
	m->ops.read = xen_mem_read;
	m->ops.write = xen_mem_write;
}

void xen_mem_flush(struct xen_mem *m)
{
	for (int i = 0; i < XEN_MEM_CACHE; i++) {
		struct xen_map *c = &m->cache[i];

		if (c->va && !c->users) {
			xen_unmap_frames(m, c->va, c->pages);
			memset(c, 0, sizeof(*c));
		}
	}
}

void xen_mem_fini(struct xen_mem *m)
{
	for (int i = 0; i < XEN_MEM_CACHE; i++) {
		struct xen_map *c = &m->cache[i];

		if (c->va)
			xen_unmap_frames(m, c->va, c->pages);
		memset(c, 0, sizeof(*c));
	}
}
