/* SPDX-License-Identifier: GPL-2.0-only */
/* virtio: the guest-memory accessor, split virtqueues, the virtio-mmio v2
 * register model and the virtio-scmi device. Nothing here knows how guest
 * memory is reached (Xen grants, foreign mappings, vhost-user regions, a
 * test's buffer) or how the interrupt is raised. */
#ifndef VSCMI_VIRTIO_H
#define VSCMI_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vscmi/scmi.h"

/* The one way to guest memory. map returns a host pointer to [addr,
 * addr+len), valid until unmap, or NULL with errno set; write says the
 * device will write there. Implementations may cache mappings. */
struct vio_mem {
	void *(*map)(struct vio_mem *m, uint64_t addr, size_t len, bool write);
	void (*unmap)(struct vio_mem *m, void *p, size_t len);
	/* Optional copies that need no mapping (Xen grant copy); 0 or -errno. */
	int (*read)(struct vio_mem *m, uint64_t addr, void *dst, size_t len);
	int (*write)(struct vio_mem *m, uint64_t addr, const void *src, size_t len);
};

int vio_mem_read(struct vio_mem *m, uint64_t addr, void *dst, size_t len);
int vio_mem_write(struct vio_mem *m, uint64_t addr, const void *src, size_t len);

/* --- split virtqueues --------------------------------------------------- */

#define VIO_QUEUE_MAX 256	/* entries offered per queue */
#define VIO_CHAIN_MAX 16	/* descriptors in one chain */

struct vio_seg {
	uint64_t addr;
	uint32_t len;
	bool write;
};

struct vio_chain {
	uint16_t head;
	uint16_t nsegs;
	uint32_t rlen, wlen;		/* device-readable and -writable bytes */
	struct vio_seg segs[VIO_CHAIN_MAX];
};

struct vio_vq {
	uint16_t num;			/* entries the driver chose */
	bool ready;
	uint64_t desc_addr, avail_addr, used_addr;
	/* Host views of the rings while ready; read once, validated, then used. */
	volatile uint8_t *desc, *avail, *used;
	uint16_t last_avail;		/* next avail entry to take */
	uint16_t used_idx;		/* our copy; never read back from the guest */
	bool event_idx;			/* VIRTIO_F_EVENT_IDX negotiated */
};

/* Maps the rings; 0 or -errno (the queue stays not ready). */
int vio_vq_start(struct vio_vq *vq, struct vio_mem *mem);
void vio_vq_stop(struct vio_vq *vq, struct vio_mem *mem);
/* 1 with a validated chain, 0 when none is available, -EBADMSG when the
 * driver broke the ring (the device then needs a reset). */
int vio_vq_pop(struct vio_vq *vq, struct vio_chain *c);
void vio_vq_push(struct vio_vq *vq, uint16_t head, uint32_t len);
/* With event_idx: whether the driver has taken every used entry before
 * index mark (it publishes how far it has read, as used_event, whenever it
 * asks for interrupts again). Without it there is no way to know: true. */
bool vio_vq_driver_took(const struct vio_vq *vq, uint16_t mark);

/* --- the device ------------------------------------------------------------ */

#define VIO_MAX_QUEUES 2

struct vio_dev;

struct vio_dev_ops {
	void (*queue_notify)(struct vio_dev *d, unsigned int q);
	void (*driver_ok)(struct vio_dev *d);
	/* The driver reset the device, or the device is going away. */
	void (*reset)(struct vio_dev *d);
};

struct vio_dev_stats {
	uint64_t broken;		/* times the driver broke a ring */
	uint64_t bad_access;		/* odd-width, unaligned or unknown register accesses */
	uint64_t interrupts;
};

struct vio_dev {
	uint32_t device_id;
	uint64_t features;		/* offered */
	uint64_t driver_features;	/* accepted */
	uint32_t status;
	uint32_t isr;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint32_t config_generation;
	unsigned int nqueues;
	struct vio_vq vq[VIO_MAX_QUEUES];
	struct vio_mem *mem;
	const struct vio_dev_ops *ops;
	void (*irq)(void *ctx);		/* raise the interrupt (transport) */
	void *irq_ctx;
	struct vio_dev_stats stats;
};

/* Device status bits and features used here. */
#define VIO_STATUS_ACKNOWLEDGE 1u
#define VIO_STATUS_DRIVER 2u
#define VIO_STATUS_DRIVER_OK 4u
#define VIO_STATUS_FEATURES_OK 8u
#define VIO_STATUS_NEEDS_RESET 64u
#define VIO_STATUS_FAILED 128u
#define VIO_F_EVENT_IDX (1ull << 29)
#define VIO_F_VERSION_1 (1ull << 32)
#define VIO_F_ACCESS_PLATFORM (1ull << 33)
#define VIO_SCMI_F_P2A_CHANNELS (1ull << 0)
#define VIO_ID_SCMI 32

/* Signals used buffers to the driver. */
void vio_dev_interrupt(struct vio_dev *d);
/* The driver broke the protocol: the device stops until reset. */
void vio_dev_needs_reset(struct vio_dev *d, const char *why);
/* Status <- 0: queues stopped and unmapped, interrupts cleared. */
void vio_dev_reset(struct vio_dev *d);

/* What a running device's driver has set up: enough for another process
 * to carry on serving it (a restarted daemon). The indices are not kept:
 * they come back from the used rings in guest memory. */
struct vio_dev_saved {
	uint32_t status;
	uint64_t driver_features;
	uint32_t dev_features_sel, drv_features_sel, queue_sel;
	uint32_t config_generation;
	struct {
		bool ready;
		uint16_t num;
		uint64_t desc, avail, used;
	} vq[VIO_MAX_QUEUES];
};

void vio_dev_save(const struct vio_dev *d, struct vio_dev_saved *s);
/* Carries on from s: registers as saved, each ready queue's rings mapped
 * again with both indices at the used index the guest sees, so a chain
 * taken but not completed is taken again; then every queue is run and one
 * interrupt raised, in case one was lost. 0, or -EINVAL when s is not a
 * state the driver could have reached (the device is then reset). */
int vio_dev_resume(struct vio_dev *d, const struct vio_dev_saved *s);

/* virtio-mmio version 2 register model: every access completes. */
#define VIO_MMIO_SIZE 0x200
uint32_t vio_mmio_read(struct vio_dev *d, uint64_t off, unsigned int size);
void vio_mmio_write(struct vio_dev *d, uint64_t off, unsigned int size, uint32_t val);

/* --- virtio-scmi ------------------------------------------------------------- */

struct vio_scmi;

struct vio_scmi_stats {
	uint64_t commands;
	uint64_t events;		/* delayed responses and notifications delivered */
	uint64_t dropped;		/* notifications with no eventq buffer */
	uint64_t waiting;		/* delayed responses now waiting for a buffer, or
					 * for the driver to take their reply */
	uint64_t held;			/* delayed responses that waited for their reply
					 * to be taken */
	uint64_t held_late;		/* of those, given up on after VIO_SCMI_HOLD_MAX_US */
};

/* A virtio-scmi device serving one agent. extra_features: e.g.
 * VIO_F_ACCESS_PLATFORM for grant-based guests. */
struct vio_scmi *vio_scmi_new(struct scmi_server *srv, struct scmi_agent *agent,
			      struct vio_mem *mem, uint64_t extra_features, void (*irq)(void *ctx),
			      void *irq_ctx);
/* Unmaps the rings and frees the device; the agent's votes stay (call
 * scmi_agent_reset when the guest is gone). NULL-safe. */
void vio_scmi_free(struct vio_scmi *s);
struct vio_dev *vio_scmi_dev(struct vio_scmi *s);
void vio_scmi_stats(const struct vio_scmi *s, struct vio_scmi_stats *st);

#endif
