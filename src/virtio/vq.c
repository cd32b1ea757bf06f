/* SPDX-License-Identifier: GPL-2.0-only */
/* Split virtqueues over the guest-memory accessor.
 *
 * The rings live in guest memory the guest can change at any time: every
 * index and descriptor is read once into a local, validated, then used.
 * Walks are capped by the queue size and the chain capacity. */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "vscmi/virtio.h"

#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2
#define VRING_DESC_F_INDIRECT 4

static size_t desc_size(uint16_t num)
{
	return 16u * num;
}

static size_t avail_size(uint16_t num)
{
	return 4u + 2u * num + 2u;
}

static size_t used_size(uint16_t num)
{
	return 4u + 8u * num + 2u;
}

int vio_mem_read(struct vio_mem *m, uint64_t addr, void *dst, size_t len)
{
	void *p;

	if (m->read)
		return m->read(m, addr, dst, len);
	p = m->map(m, addr, len, false);

	if (!p)
		return -errno;
	memcpy(dst, p, len);
	m->unmap(m, p, len);
	return 0;
}

int vio_mem_write(struct vio_mem *m, uint64_t addr, const void *src, size_t len)
{
	void *p;

	if (m->write)
		return m->write(m, addr, src, len);
	p = m->map(m, addr, len, true);

	if (!p)
		return -errno;
	memcpy(p, src, len);
	m->unmap(m, p, len);
	return 0;
}

static uint16_t rd16(volatile const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, (const void *)p, sizeof(v));
	return le16toh(v);
}

static void wr16(volatile uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy((void *)p, &v, sizeof(v));
}

static void wr32(volatile uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy((void *)p, &v, sizeof(v));
}

int vio_vq_start(struct vio_vq *vq, struct vio_mem *mem)
{
	uint16_t n = vq->num;

	/* Split rings have a power-of-two size; areas keep their alignment. */
	if (n == 0 || n > VIO_QUEUE_MAX || (n & (n - 1)) || (vq->desc_addr & 15) ||
	    (vq->avail_addr & 1) || (vq->used_addr & 3))
		return -EINVAL;
	vq->desc = mem->map(mem, vq->desc_addr, desc_size(n), false);
	vq->avail = mem->map(mem, vq->avail_addr, avail_size(n), false);
	vq->used = mem->map(mem, vq->used_addr, used_size(n), true);
	if (!vq->desc || !vq->avail || !vq->used) {
		int err = errno ? errno : EFAULT;

		vio_vq_stop(vq, mem);
		return -err;
	}
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->ready = true;
	return 0;
}

void vio_vq_stop(struct vio_vq *vq, struct vio_mem *mem)
{
	if (vq->desc)
		mem->unmap(mem, (void *)vq->desc, desc_size(vq->num));
	if (vq->avail)
		mem->unmap(mem, (void *)vq->avail, avail_size(vq->num));
	if (vq->used)
		mem->unmap(mem, (void *)vq->used, used_size(vq->num));
	vq->desc = vq->avail = vq->used = NULL;
	vq->ready = false;
}

int vio_vq_pop(struct vio_vq *vq, struct vio_chain *c)
{
	uint16_t avail_idx, idx, n = vq->num;
	uint64_t rlen = 0, wlen = 0;

	if (!vq->ready)
		return 0;
	avail_idx = rd16(vq->avail + 2);
	if (avail_idx == vq->last_avail && vq->event_idx) {
		/* Asks for a kick at the next entry, then looks again: one the
		 * driver added meanwhile may have been published before it saw
		 * the request. */
		wr16(vq->used + 4 + 8u * n, vq->last_avail);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		avail_idx = rd16(vq->avail + 2);
	}
	if (avail_idx == vq->last_avail)
		return 0;
	/* More entries than the ring holds: the index is garbage. */
	if ((uint16_t)(avail_idx - vq->last_avail) > n)
		return -EBADMSG;
	/* Ring entries are read after the index that published them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	idx = rd16(vq->avail + 4 + 2u * (vq->last_avail % n));
	memset(c, 0, offsetof(struct vio_chain, segs));
	c->head = idx;
	for (unsigned int i = 0;; i++) {
		uint8_t d[16];
		uint64_t addr;
		uint32_t len;
		uint16_t flags, next;

		/* Loops and overlong chains end here. */
		if (idx >= n || i >= n || i >= VIO_CHAIN_MAX)
			return -EBADMSG;
		memcpy(d, (const void *)(vq->desc + 16u * idx), sizeof(d));
		memcpy(&addr, d, 8);
		memcpy(&len, d + 8, 4);
		memcpy(&flags, d + 12, 2);
		memcpy(&next, d + 14, 2);
		addr = le64toh(addr);
		len = le32toh(len);
		flags = le16toh(flags);
		next = le16toh(next);
		/* Indirect tables are not offered; writable parts follow readable ones. */
		if (flags & VRING_DESC_F_INDIRECT)
			return -EBADMSG;
		if (!(flags & VRING_DESC_F_WRITE) && wlen)
			return -EBADMSG;
		if (addr + len < addr)
			return -EBADMSG;
		if (flags & VRING_DESC_F_WRITE)
			wlen += len;
		else
			rlen += len;
		if (rlen > UINT32_MAX || wlen > UINT32_MAX)
			return -EBADMSG;
		c->segs[i] = (struct vio_seg){ addr, len, (flags & VRING_DESC_F_WRITE) != 0 };
		c->nsegs = (uint16_t)(i + 1);
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		idx = next;
	}
	c->rlen = (uint32_t)rlen;
	c->wlen = (uint32_t)wlen;
	vq->last_avail++;
	return 1;
}

bool vio_vq_driver_took(const struct vio_vq *vq, uint16_t mark)
{
	uint16_t seen;

	if (!vq->ready || !vq->event_idx)
		return true;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	seen = rd16(vq->avail + 4 + 2u * vq->num);
	/* used_event lies between mark and what we have pushed once the
	 * driver has read past mark; outside that window (a driver that wrote
	 * something else while its callbacks were off) it has not. */
	return (uint16_t)(seen - mark) <= (uint16_t)(vq->used_idx - mark);
}

void vio_vq_push(struct vio_vq *vq, uint16_t head, uint32_t len)
{
	volatile uint8_t *e;

	if (!vq->ready)
		return;
	e = vq->used + 4 + 8u * (vq->used_idx % vq->num);

	wr32(e, head);
	wr32(e + 4, len);
	/* The entry is visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	vq->used_idx++;
	wr16(vq->used + 2, vq->used_idx);
}
