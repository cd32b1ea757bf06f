/* SPDX-License-Identifier: GPL-2.0-only */
/* The virtio device state machine and the virtio-mmio version 2 register
 * model. Every access completes: an odd-width, unaligned or unknown access
 * reads 0 and writes nothing, since a stuck access hangs a vCPU. */
#include <errno.h>
#include <linux/virtio_mmio.h>
#include <string.h>

#include "vscmi/log.h"
#include "vscmi/virtio.h"

#define VIO_MMIO_MAGIC 0x74726976	/* "virt" */
#define VIO_MMIO_VERSION 2
#define VIO_VENDOR_ID 0x4d435356	/* "VSCM" */

void vio_dev_interrupt(struct vio_dev *d)
{
	d->isr |= VIRTIO_MMIO_INT_VRING;
	d->stats.interrupts++;
	if (d->irq)
		d->irq(d->irq_ctx);
}

void vio_dev_needs_reset(struct vio_dev *d, const char *why)
{
	if (d->status & VIO_STATUS_NEEDS_RESET)
		return;
	d->stats.broken++;
	/* A guest that breaks and resets in a loop gets a dwindling log. */
	if ((d->stats.broken & (d->stats.broken - 1)) == 0)
		log_warn("virtio: device needs reset (%llu time(s)): %s",
			 (unsigned long long)d->stats.broken, why);
	d->status |= VIO_STATUS_NEEDS_RESET;
	for (unsigned int q = 0; q < d->nqueues; q++)
		vio_vq_stop(&d->vq[q], d->mem);
	/* A driver that is running hears of it through a config change. */
	if (d->status & VIO_STATUS_DRIVER_OK) {
		d->isr |= VIRTIO_MMIO_INT_CONFIG;
		d->config_generation++;
		if (d->irq)
			d->irq(d->irq_ctx);
	}
}

void vio_dev_save(const struct vio_dev *d, struct vio_dev_saved *s)
{
	memset(s, 0, sizeof(*s));
	s->status = d->status;
	s->driver_features = d->driver_features;
	s->dev_features_sel = d->dev_features_sel;
	s->drv_features_sel = d->drv_features_sel;
	s->queue_sel = d->queue_sel;
	s->config_generation = d->config_generation;
	for (unsigned int q = 0; q < d->nqueues && q < VIO_MAX_QUEUES; q++) {
		s->vq[q].ready = d->vq[q].ready;
		s->vq[q].num = d->vq[q].num;
		s->vq[q].desc = d->vq[q].desc_addr;
		s->vq[q].avail = d->vq[q].avail_addr;
		s->vq[q].used = d->vq[q].used_addr;
	}
}

static bool vio_saved_valid(const struct vio_dev *d, const struct vio_dev_saved *s)
{
	uint32_t known = VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER | VIO_STATUS_DRIVER_OK |
			 VIO_STATUS_FEATURES_OK | VIO_STATUS_NEEDS_RESET | VIO_STATUS_FAILED;

	if ((s->status & ~known) || (s->driver_features & ~d->features))
		return false;
	if ((s->status & VIO_STATUS_DRIVER_OK) && !(s->status & VIO_STATUS_FEATURES_OK))
		return false;
	for (unsigned int q = 0; q < VIO_MAX_QUEUES; q++)
		if (s->vq[q].ready && (q >= d->nqueues || !(s->status & VIO_STATUS_FEATURES_OK)))
			return false;
	return true;
}

int vio_dev_resume(struct vio_dev *d, const struct vio_dev_saved *s)
{
	if (!vio_saved_valid(d, s)) {
		vio_dev_reset(d);
		return -EINVAL;
	}
	d->status = s->status;
	d->driver_features = s->driver_features;
	d->dev_features_sel = s->dev_features_sel;
	d->drv_features_sel = s->drv_features_sel;
	d->queue_sel = s->queue_sel;
	d->config_generation = s->config_generation;
	for (unsigned int q = 0; q < d->nqueues; q++) {
		struct vio_vq *vq = &d->vq[q];
		uint16_t used;

		vq->num = s->vq[q].num;
		vq->desc_addr = s->vq[q].desc;
		vq->avail_addr = s->vq[q].avail;
		vq->used_addr = s->vq[q].used;
		if (!s->vq[q].ready || (d->status & VIO_STATUS_NEEDS_RESET))
			continue;
		/* Rings that no longer map are a broken device, as they would
		 * have been at QueueReady. */
		if (vio_vq_start(vq, d->mem) < 0) {
			vio_dev_needs_reset(d, "a ring no longer maps after a restart");
			return 0;
		}
		used = (uint16_t)(vq->used[2] | vq->used[3] << 8);
		vq->last_avail = vq->used_idx = used;
	}
	if ((d->status & VIO_STATUS_DRIVER_OK) && !(d->status & VIO_STATUS_NEEDS_RESET)) {
		if (d->ops->driver_ok)
			d->ops->driver_ok(d);
		for (unsigned int q = 0; q < d->nqueues; q++)
			if (d->vq[q].ready)
				d->ops->queue_notify(d, q);
		vio_dev_interrupt(d);
	}
	return 0;
}

void vio_dev_reset(struct vio_dev *d)
{
	for (unsigned int q = 0; q < d->nqueues; q++) {
		vio_vq_stop(&d->vq[q], d->mem);
		d->vq[q] = (struct vio_vq){ 0 };
	}
	if (d->ops && d->ops->reset)
		d->ops->reset(d);
	d->status = 0;
	d->isr = 0;
	d->driver_features = 0;
	d->dev_features_sel = d->drv_features_sel = d->queue_sel = 0;
}

static struct vio_vq *vio_selected(struct vio_dev *d)
{
	return d->queue_sel < d->nqueues ? &d->vq[d->queue_sel] : NULL;
}

static void vio_set_status(struct vio_dev *d, uint32_t val)
{
	uint32_t old = d->status;

	if (val == 0) {
		vio_dev_reset(d);
		return;
	}
	/* Once broken, only a reset brings the device back. */
	if (old & VIO_STATUS_NEEDS_RESET)
		return;
	if ((val & VIO_STATUS_FEATURES_OK) && !(old & VIO_STATUS_FEATURES_OK)) {
		/* Refused: FEATURES_OK stays clear for the driver to see. */
		if ((d->driver_features & ~d->features) || !(d->driver_features & VIO_F_VERSION_1))
			val &= ~VIO_STATUS_FEATURES_OK;
	}
	if ((val & VIO_STATUS_DRIVER_OK) && !(val & VIO_STATUS_FEATURES_OK))
		val &= ~VIO_STATUS_DRIVER_OK;
	d->status = val & ~VIO_STATUS_NEEDS_RESET;
	if ((d->status & VIO_STATUS_DRIVER_OK) && !(old & VIO_STATUS_DRIVER_OK) && d->ops->driver_ok)
		d->ops->driver_ok(d);
}

static void vio_queue_ready(struct vio_dev *d, struct vio_vq *vq, uint32_t val)
{
	int r;

	if (!val) {
		vio_vq_stop(vq, d->mem);
		return;
	}
	if (vq->ready || (d->status & VIO_STATUS_NEEDS_RESET))
		return;
	r = vio_vq_start(vq, d->mem);
	if (r < 0)
		vio_dev_needs_reset(d, "queue rings cannot be mapped");
}

uint32_t vio_mmio_read(struct vio_dev *d, uint64_t off, unsigned int size)
{
	struct vio_vq *vq = vio_selected(d);

	if (size != 4 || (off & 3) || off >= VIO_MMIO_SIZE) {
		d->stats.bad_access++;
		return 0;
	}
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIO_MMIO_VERSION;
	case VIRTIO_MMIO_DEVICE_ID:
		return d->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIO_VENDOR_ID;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return d->dev_features_sel < 2 ? (uint32_t)(d->features >> (32 * d->dev_features_sel))
					       : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? VIO_QUEUE_MAX : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return d->isr;
	case VIRTIO_MMIO_STATUS:
		return d->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return d->config_generation;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		/* No shared memory regions. */
		return 0xffffffffu;
	default:
		/* Write-only registers and the (empty) config space. */
		if (off < VIRTIO_MMIO_CONFIG)
			d->stats.bad_access++;
		return 0;
	}
}

static void vio_set_addr(struct vio_dev *d, uint64_t *addr, bool high, uint32_t val)
{
	if (high)
		*addr = (*addr & 0xffffffffull) | (uint64_t)val << 32;
	else
		*addr = (*addr & ~0xffffffffull) | val;
}

void vio_mmio_write(struct vio_dev *d, uint64_t off, unsigned int size, uint32_t val)
{
	struct vio_vq *vq = vio_selected(d);

	if (size != 4 || (off & 3) || off >= VIO_MMIO_SIZE) {
		d->stats.bad_access++;
		return;
	}
	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		d->dev_features_sel = val;
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (d->drv_features_sel < 2 && !(d->status & VIO_STATUS_FEATURES_OK)) {
			unsigned int shift = 32 * d->drv_features_sel;

			d->driver_features &= ~(0xffffffffull << shift);
			d->driver_features |= (uint64_t)val << shift;
		}
		return;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		d->drv_features_sel = val;
		return;
	case VIRTIO_MMIO_QUEUE_SEL:
		d->queue_sel = val;
		return;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		if (val < d->nqueues && d->vq[val].ready && (d->status & VIO_STATUS_DRIVER_OK) &&
		    !(d->status & VIO_STATUS_NEEDS_RESET))
			d->ops->queue_notify(d, val);
		return;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		d->isr &= ~val;
		return;
	case VIRTIO_MMIO_STATUS:
		vio_set_status(d, val);
		return;
	case VIRTIO_MMIO_SHM_SEL:
		return;
	default:
		/* No config space to write. */
		if (off >= VIRTIO_MMIO_CONFIG)
			return;
		break;
	}
	/* Queue registers: the selected queue, only while it is not live. */
	if (!vq || (vq->ready && off != VIRTIO_MMIO_QUEUE_READY)) {
		d->stats.bad_access++;
		return;
	}
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		vq->num = val <= VIO_QUEUE_MAX ? (uint16_t)val : 0;
		return;
	case VIRTIO_MMIO_QUEUE_READY:
		vio_queue_ready(d, vq, val);
		return;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		vio_set_addr(d, &vq->desc_addr, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, val);
		return;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		vio_set_addr(d, &vq->avail_addr, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, val);
		return;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		vio_set_addr(d, &vq->used_addr, off == VIRTIO_MMIO_QUEUE_USED_HIGH, val);
		return;
	default:
		d->stats.bad_access++;
		return;
	}
}
