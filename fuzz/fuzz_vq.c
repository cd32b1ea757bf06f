/* SPDX-License-Identifier: GPL-2.0-only */
/* libFuzzer target: virtqueue contents. Each input gets a device set up the
 * way Linux probes it (registers only; P2A; both queues live with rings in
 * the guest's 64 KiB of RAM at 0x40000000), then writes rings and buffers
 * and kicks. Input: [setup: bits 0-3 queue size 1 << n % 9, bits 4-5 the
 * agent] then records [op, args]; op bits 0-2 the kind, bit 3 the queue:
 *   0 desc  [slot, addr (le16), len (le16), next], flags from op bits 4-6;
 *           op bit 7 puts it at the top of the address space
 *   1 avail [pos, head (le16)]
 *   2 idx   [le16] added to the avail index, or (op bit 4) stored
 *   3 data  [off (le16), n, n bytes] into RAM
 *   5 post  [slot, n, wlen, n bytes]: a Linux-shaped chain, published
 *   6 reset and probe again
 *   4, 7 a round: kick the cmdq, fire deferred callbacks, kick the eventq */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>

#include "common.h"
#include "vscmi/buf.h"
#include "vscmi/virtio.h"

/* Each queue's rings, room for the largest size; buffers above them. */
#define DESC(q) (0x2000u * (q))
#define AVAIL(q) (DESC(q) + 0x1000u)
#define USED(q) (DESC(q) + 0x1400u)
#define RINGS_END 0x4000u
#define WR(reg, v) vio_mmio_write(d, VIRTIO_MMIO_##reg, 4, v)
#define RD(reg) vio_mmio_read(d, VIRTIO_MMIO_##reg, 4)

static uint8_t *ram;
static struct vio_dev *d;
static uint16_t num;
static unsigned int nmaps;
/* Since the last check: a map was refused; the device wrote over rings. */
static bool faulted, clobbered;
/* What the last check saw of each queue. */
static uint16_t seen_avail[2], seen_used[2];

static void *fz_map(struct vio_mem *m, uint64_t addr, size_t len, bool write)
{
	/* Out of RAM is the guest misbehaving: refused, and never wrapping. */
	if (!fz_in_ram(addr, len)) {
		faulted = true;
		errno = EFAULT;
		return NULL;
	}
	clobbered |= write && addr - FZ_RAM_GPA < RINGS_END;
	nmaps++;
	return ram + (addr - FZ_RAM_GPA);
}

/* Counted only: an unbalanced unmap shows in the next check's count. */
static void fz_unmap(struct vio_mem *m, void *p, size_t len)
{
	if (!nmaps--)
		abort();
}

static struct vio_mem mem = { .map = fz_map, .unmap = fz_unmap };

static void put16(uint32_t off, uint16_t v)
{
	ram[off] = (uint8_t)v;
	ram[off + 1] = (uint8_t)(v >> 8);
}

static void put_desc(unsigned int q, unsigned int slot, uint64_t addr, uint32_t len,
		     uint16_t flags, uint16_t next)
{
	uint8_t *p = ram + DESC(q) + 16u * (slot % num);

	vscmi_put_le32(p, (uint32_t)addr);
	vscmi_put_le32(p + 4, (uint32_t)(addr >> 32));
	vscmi_put_le32(p + 8, len);
	vscmi_put_le32(p + 12, (uint32_t)next << 16 | flags);
}

/* The writable bytes of the chain at head, walked again from what the guest
 * wrote by the device's own rules; -1 for a chain it should have refused. */
static int64_t chain_wlen(unsigned int q, uint32_t head, bool *readable)
{
	uint64_t r = 0, w = 0;

	for (unsigned int i = 0, idx = head;; i++) {
		const uint8_t *p = ram + DESC(q) + 16u * idx;
		uint64_t addr = vscmi_get_le32(p) | (uint64_t)vscmi_get_le32(p + 4) << 32;
		uint32_t len = vscmi_get_le32(p + 8);
		uint16_t flags = fz_get16(p + 12);

		if (idx >= num || i >= num || i >= VIO_CHAIN_MAX ||
		    (flags & VRING_DESC_F_INDIRECT) || (!(flags & VRING_DESC_F_WRITE) && w) ||
		    addr + len < addr)
			return -1;
		*(flags & VRING_DESC_F_WRITE ? &w : &r) += len;
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		idx = fz_get16(p + 14);
	}
	*readable = r != 0;
	return (int64_t)w;
}

static void check(void)
{
	unsigned int live = 0;

	for (unsigned int q = 0; q < 2; q++) {
		struct vio_vq *vq = &d->vq[q];
		uint16_t took = vq->last_avail - seen_avail[q];
		uint16_t used = vq->used_idx - seen_used[q];
		uint16_t offered = fz_get16(ram + AVAIL(q) + 2) - seen_avail[q];

		live += vq->ready;
		/* One used entry per chain taken, and no chain the guest did not offer. */
		if (used > took || (!clobbered && took > offered))
			abort();
		/* The device never reads the used ring back: only what it wrote
		 * this step is its to answer for. */
		if (!clobbered && used && fz_get16(ram + USED(q) + 2) != vq->used_idx)
			abort();
		for (uint16_t i = 0; !clobbered && i < used; i++) {
			const uint8_t *e = ram + USED(q) + 4 + 8u * ((seen_used[q] + i) % num);
			uint32_t id = vscmi_get_le32(e), len = vscmi_get_le32(e + 4);
			bool readable = false;
			int64_t w = id < num ? chain_wlen(q, id, &readable) : -1;

			/* Events go only into device-writable buffers. */
			if (w < 0 || len > w || (q == 1 && readable))
				abort();
		}
		seen_avail[q] = vq->last_avail;
		seen_used[q] = vq->used_idx;
	}
	if (faulted && !(d->status & VIO_STATUS_NEEDS_RESET))
		abort();
	if (d->isr & ~(uint32_t)(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG))
		abort();
	/* A live queue holds its three rings; a broken device holds none. */
	if (nmaps != 3 * live || ((d->status & VIO_STATUS_NEEDS_RESET) && live))
		abort();
	faulted = clobbered = false;
}

/* Linux: vm_probe, virtio_dev_probe, vm_setup_vq, virtio_device_ready. */
static void probe(void)
{
	uint32_t st = VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER | VIO_STATUS_FEATURES_OK;
	uint64_t f;

	if (RD(MAGIC_VALUE) != 0x74726976 || RD(VERSION) != 2 || RD(DEVICE_ID) != VIO_ID_SCMI)
		abort();
	WR(STATUS, 0);
	WR(STATUS, VIO_STATUS_ACKNOWLEDGE);
	WR(STATUS, VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER);
	WR(DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)RD(DEVICE_FEATURES) << 32;
	WR(DEVICE_FEATURES_SEL, 0);
	f = (f | RD(DEVICE_FEATURES)) & (VIO_F_VERSION_1 | VIO_SCMI_F_P2A_CHANNELS);
	WR(DRIVER_FEATURES_SEL, 1);
	WR(DRIVER_FEATURES, (uint32_t)(f >> 32));
	WR(DRIVER_FEATURES_SEL, 0);
	WR(DRIVER_FEATURES, (uint32_t)f);
	WR(STATUS, st);
	if (RD(STATUS) != st)
		abort();
	for (unsigned int q = 0; q < 2; q++) {
		WR(QUEUE_SEL, q);
		if (RD(QUEUE_READY) || RD(QUEUE_NUM_MAX) < num)
			abort();
		WR(QUEUE_NUM, num);
		WR(QUEUE_DESC_LOW, (uint32_t)FZ_RAM_GPA + DESC(q));
		WR(QUEUE_DESC_HIGH, 0);
		WR(QUEUE_AVAIL_LOW, (uint32_t)FZ_RAM_GPA + AVAIL(q));
		WR(QUEUE_AVAIL_HIGH, 0);
		WR(QUEUE_USED_LOW, (uint32_t)FZ_RAM_GPA + USED(q));
		WR(QUEUE_USED_HIGH, 0);
		WR(QUEUE_READY, 1);
	}
	WR(STATUS, st | VIO_STATUS_DRIVER_OK);
	if (d->status != (st | VIO_STATUS_DRIVER_OK) || nmaps != 6)
		abort();
	memset(seen_avail, 0, sizeof(seen_avail));
	memset(seen_used, 0, sizeof(seen_used));
}

static void round_trip(void)
{
	WR(QUEUE_NOTIFY, 0);
	check();
	fz_run_deferred();
	check();
	WR(QUEUE_NOTIFY, 1);
	check();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_load_config();
	ram = fz_ram_new();
	return 0;
}

/* Fixed argument bytes after each kind's op byte. */
static const size_t nargs[8] = { 6, 3, 2, 3, 0, 3, 0, 0 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_server f;
	struct vio_scmi *s;
	uint16_t idx[2] = { 0, 0 };
	size_t n;

	if (size < 1)
		return 0;
	num = (uint16_t)(1u << (data[0] & 15) % 9);
	memset(ram, 0, FZ_RAM_SIZE);
	fz_server_start(&f);
	n = 1 + (data[0] >> 4 & 3) % scmi_server_agent_count(f.srv);
	s = vio_scmi_new(f.srv, scmi_server_agent(f.srv, (uint32_t)n), &mem, 0, NULL, NULL);
	if (!s)
		abort();
	d = vio_scmi_dev(s);
	probe();

	for (size_t off = 1; off < size;) {
		uint8_t op = data[off++];
		unsigned int q = op >> 3 & 1;
		const uint8_t *a = data + off;
		uint64_t addr;

		if (size - off < nargs[op & 7])
			break;
		off += nargs[op & 7];
		switch (op & 7) {
		case 0:
			/* Bit 7: up where addr + len wraps, and lengths to match. */
			addr = op & 128 ? UINT64_MAX - fz_get16(a + 1) : FZ_RAM_GPA + fz_get16(a + 1);
			n = fz_get16(a + 3) * (op & 128 ? 0x10001u : 1);
			put_desc(q, a[0], addr, (uint32_t)n, op >> 4 & 7, a[5]);
			break;
		case 1:
			put16(AVAIL(q) + 4 + 2u * (a[0] % num), fz_get16(a + 1));
			break;
		case 2:
			idx[q] = op & 16 ? fz_get16(a) : (uint16_t)(idx[q] + fz_get16(a));
			put16(AVAIL(q) + 2, idx[q]);
			break;
		case 3:
			n = a[2] < size - off ? a[2] : size - off;
			n = n < FZ_RAM_SIZE - fz_get16(a) ? n : FZ_RAM_SIZE - fz_get16(a);
			memcpy(ram + fz_get16(a), data + off, n);
			off += n;
			break;
		case 5:
			/* Buffers in the queue's own slice of RAM, per slot: the
			 * cmdq's request and response, or one eventq buffer. */
			addr = q ? 0xc000u + a[0] % 64 * 0x100u : 0x4000u + a[0] % 64 * 0x200u;
			n = a[1] < size - off ? a[1] : size - off;
			memcpy(ram + addr, data + off, n);
			off += n;
			addr += FZ_RAM_GPA;
			if (!q)
				put_desc(q, a[0] + 1u, addr + 0x100, a[2], VRING_DESC_F_WRITE, 0);
			put_desc(q, a[0], addr, q ? a[2] : (uint32_t)n,
				 q ? VRING_DESC_F_WRITE : VRING_DESC_F_NEXT, (a[0] + 1) % num);
			put16(AVAIL(q) + 4 + 2u * (idx[q] % num), a[0] % num);
			put16(AVAIL(q) + 2, ++idx[q]);
			break;
		case 6:
			WR(STATUS, 0);
			if (nmaps)
				abort();
			/* Linux allocates fresh, zeroed rings for the new queues. */
			memset(ram, 0, RINGS_END);
			idx[0] = idx[1] = 0;
			probe();
			break;
		default:
			round_trip();
			break;
		}
	}
	round_trip();
	/* Unbinding: a reset, then what was still pending fires late and must
	 * not reach the rings. */
	WR(STATUS, 0);
	fz_run_deferred();
	if (nmaps)
		abort();
	vio_scmi_free(s);
	fz_server_stop(&f);
	return 0;
}
