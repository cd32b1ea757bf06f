/* SPDX-License-Identifier: GPL-2.0-only */
/* libFuzzer target: arbitrary MMIO access sequences against one virtio-scmi
 * device. The input is [agent, seed length (le16), seed bytes] and then
 * 7-byte records [op, offset (le16), value (le32)]. The seed is the start
 * of the guest's 64 KiB of RAM at 0x40000000, so queues the fuzzer points
 * there find rings to chew on. op bit 0 writes, bits 1-2 give the width
 * (1, 2, 4 or 8 bytes), bit 3 makes it a store of the value into RAM at
 * offset instead (a guest filling its rings between kicks), bit 4 fires
 * the server's deferred callbacks afterwards (delayed responses). The
 * register model's invariants are checked after every access; a reset at
 * the end must leave nothing mapped. */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_mmio.h>

#include "common.h"
#include "vscmi/virtio.h"

/* Three rings per queue and one transient copy: anything past this leaks. */
#define MAX_MAPS (3 * VIO_MAX_QUEUES + 1)

static uint8_t *ram;
static struct vio_dev *cur;

static struct {
	void *p;
	size_t len;
} maps[MAX_MAPS];
static unsigned int nmaps;
/* A map was refused since the last check: the device must have given up. */
static bool faulted;

static void *fz_map(struct vio_mem *m, uint64_t addr, size_t len, bool write)
{
	if (!fz_in_ram(addr, len)) {
		faulted = true;
		errno = EFAULT;
		return NULL;
	}
	if (nmaps == MAX_MAPS)
		abort();
	maps[nmaps].p = ram + (addr - FZ_RAM_GPA);
	maps[nmaps].len = len;
	return maps[nmaps++].p;
}

static void fz_unmap(struct vio_mem *m, void *p, size_t len)
{
	for (unsigned int i = 0; i < nmaps; i++) {
		if (maps[i].p == p && maps[i].len == len) {
			maps[i] = maps[--nmaps];
			return;
		}
	}
	/* Never handed out, unmapped twice, or with another length. */
	abort();
}

static struct vio_mem mem = { .map = fz_map, .unmap = fz_unmap };

/* An interrupt with no cause is one Linux would count as spurious. */
static void fz_irq(void *ctx)
{
	if (!cur || !(cur->isr & (VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG)))
		abort();
}

static void check(const struct vio_dev *d, bool was_broken, bool reset)
{
	unsigned int live = 0;

	if (d->isr & ~(uint32_t)(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG))
		abort();
	if ((d->status & VIO_STATUS_DRIVER_OK) && !(d->status & VIO_STATUS_FEATURES_OK))
		abort();
	/* Only Status = 0 leaves NEEDS_RESET. */
	if (was_broken && !reset && !(d->status & VIO_STATUS_NEEDS_RESET))
		abort();
	if (faulted && !(d->status & VIO_STATUS_NEEDS_RESET))
		abort();
	faulted = false;
	for (unsigned int q = 0; q < d->nqueues; q++)
		live += d->vq[q].ready;
	/* A broken device holds no rings; a live queue holds exactly its three. */
	if ((d->status & VIO_STATUS_NEEDS_RESET) && live)
		abort();
	if (nmaps != 3 * live)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_load_config();
	ram = fz_ram_new();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_server f;
	struct vio_scmi *s;
	struct vio_dev *d;
	size_t off, seed;
	uint32_t agent;

	if (size < 3)
		return 0;
	seed = fz_get16(data + 1);
	if (seed > size - 3)
		seed = size - 3;
	memcpy(ram, data + 3, seed);
	memset(ram + seed, 0, FZ_RAM_SIZE - seed);

	fz_server_start(&f);
	agent = 1 + data[0] % scmi_server_agent_count(f.srv);
	s = vio_scmi_new(f.srv, scmi_server_agent(f.srv, agent), &mem,
			 data[0] & 0x80 ? VIO_F_ACCESS_PLATFORM : 0, fz_irq, NULL);
	if (!s)
		abort();
	d = cur = vio_scmi_dev(s);

	for (off = 3 + seed; off + 7 <= size; off += 7) {
		uint8_t op = data[off];
		uint16_t reg = fz_get16(data + off + 1);
		uint32_t val = fz_get32(data + off + 3);
		unsigned int width = 1u << ((op >> 1) & 3);
		bool broken = d->status & VIO_STATUS_NEEDS_RESET, reset = false;

		if (op & 8) {
			uint64_t v = htole64(val);

			memcpy(ram + reg, &v, width < FZ_RAM_SIZE - reg ? width : FZ_RAM_SIZE - reg);
		} else if (op & 1) {
			vio_mmio_write(d, reg, width, val);
			reset = width == 4 && reg == VIRTIO_MMIO_STATUS && val == 0;
		} else {
			uint32_t v = vio_mmio_read(d, reg, width);

			if ((width != 4 || (reg & 3) || reg >= VIO_MMIO_SIZE) && v)
				abort();
			if (reg == VIRTIO_MMIO_INTERRUPT_STATUS && width == 4 &&
			    (v & ~(uint32_t)(VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG)))
				abort();
		}
		if (op & 16)
			fz_run_deferred();
		check(d, broken, reset);
	}

	/* A driver unbinding: reset, then what was still pending fires late
	 * and must not reach the rings. */
	vio_mmio_write(d, VIRTIO_MMIO_STATUS, 4, 0);
	fz_run_deferred();
	check(d, false, true);
	if (d->status || nmaps)
		abort();
	cur = NULL;
	vio_scmi_free(s);
	if (nmaps)
		abort();
	fz_server_stop(&f);
	return 0;
}
