/* SPDX-License-Identifier: GPL-2.0-only */
/* A simulated guest driving a virtio-mmio virtio-scmi device the way Linux
 * does (drivers/virtio/virtio_mmio.c, arm_scmi/transports/virtio.c): the
 * probe handshake, 2-descriptor command chains, 136-byte eventq buffers
 * re-posted after use. It reaches the device only through the MMIO
 * callbacks and its own RAM, so any transport can sit underneath. Its rings
 * and fields are public: hostile-guest tests write them directly. */
#ifndef VSCMI_SIM_GUEST_H
#define VSCMI_SIM_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_QUEUE_CAP 256	/* ring space reserved per queue */
#define SIM_MSG_SIZE 136	/* Linux PDU: header, status, 128 bytes */
#define SIM_BUF_SIZE 256	/* room per buffer, for oversized tests */

#define SIM_DESC_F_NEXT 1
#define SIM_DESC_F_WRITE 2
#define SIM_DESC_F_INDIRECT 4

struct sim_guest_ops {
	uint32_t (*mmio_read)(void *ctx, uint64_t off, unsigned int size);
	void (*mmio_write)(void *ctx, uint64_t off, unsigned int size, uint32_t val);
	/* The address the device is given for a guest-physical one (a grant
	 * address under Xen); NULL means the same. */
	uint64_t (*dma_addr)(void *ctx, uint64_t gpa);
	void *ctx;
};

struct sim_vq {
	uint16_t num;			/* 0: not set up */
	uint64_t desc, avail, used;	/* guest-physical */
	uint16_t avail_idx;		/* our shadow of avail->idx */
	uint16_t last_used;
	bool busy[SIM_QUEUE_CAP];	/* heads the device holds */
	uint32_t cap[SIM_QUEUE_CAP];	/* writable bytes behind each head */
};

struct sim_guest {
	struct sim_guest_ops ops;
	uint8_t *ram;
	uint64_t ram_gpa;
	size_t ram_size;
	size_t scratch;			/* next free byte for sim_guest_alloc */
	uint64_t features;		/* negotiated */
	struct sim_vq vq[2];
	uint32_t resp_cap;		/* writable bytes per command; default 136 */
	uint32_t num;			/* queue size to ask for; 0: QueueNumMax */
	int events;			/* eventq buffers posted at probe; < 0: all */
	bool event_idx;			/* take VIRTIO_F_EVENT_IDX, as Linux's ring core does */
};

/* 0, or -EINVAL when the RAM is too small for the rings and buffers. */
int sim_guest_init(struct sim_guest *g, const struct sim_guest_ops *ops, void *ram,
		   uint64_t ram_gpa, size_t ram_size);

/* The Linux probe: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, the
 * queues (the eventq when P2A is negotiated), DRIVER_OK, eventq buffers.
 * 0, -ENODEV (not a v2 virtio-scmi device, or no VERSION_1), -EIO (features
 * refused or a queue did not become ready), -ENOENT (a queue is missing or
 * already live). */
int sim_guest_probe(struct sim_guest *g, bool want_p2a);
/* The steps of the probe, for tests that go astray on purpose. */
void sim_guest_reset(struct sim_guest *g);
uint64_t sim_guest_device_features(struct sim_guest *g);
int sim_guest_set_features(struct sim_guest *g, uint64_t accept);
int sim_guest_setup_vq(struct sim_guest *g, unsigned int q, uint32_t num);
void sim_guest_driver_ok(struct sim_guest *g);
/* Posts n more eventq buffers and notifies queue 1; returns how many. */
unsigned int sim_guest_post_events(struct sim_guest *g, unsigned int n);

/* One command, completed synchronously: response and used length.
 * 0, -ENOSPC, -ETIMEDOUT (no interrupt or no used buffer), -EPROTO (the
 * device returned something that is not ours or overran the buffer). */
int sim_guest_cmd(struct sim_guest *g, const void *req, size_t len, void *resp, size_t cap,
		  size_t *resp_len);
/* Queues a command without notifying; returns its head or -ENOSPC. */
int sim_guest_submit(struct sim_guest *g, const void *req, size_t len);
/* Takes one used command: 1 with its head and response, 0 none, -EPROTO. */
int sim_guest_reap(struct sim_guest *g, int *head, void *resp, size_t cap, size_t *resp_len);

/* Hands each used eventq buffer to cb, re-posts it, then notifies queue 1
 * once. Returns the number handled, or -EPROTO. */
typedef void (*sim_event_fn)(void *ctx, unsigned int type, const uint8_t *msg, size_t len);
int sim_guest_events(struct sim_guest *g, sim_event_fn cb, void *ctx);

/* The interrupt handler's first half: reads InterruptStatus and acks it. */
uint32_t sim_guest_ack(struct sim_guest *g);

/* Raw access. */
uint32_t sim_guest_rd(struct sim_guest *g, uint64_t off);
void sim_guest_wr(struct sim_guest *g, uint64_t off, uint32_t val);
void sim_guest_kick(struct sim_guest *g, unsigned int q);
uint64_t sim_guest_dma(struct sim_guest *g, uint64_t gpa);
void *sim_guest_host(struct sim_guest *g, uint64_t gpa);
/* Guest-physical address of len zeroed bytes, 16-byte aligned. */
uint64_t sim_guest_alloc(struct sim_guest *g, size_t len);
/* addr is the device-visible address (see sim_guest_dma). */
void sim_guest_write_desc(struct sim_guest *g, unsigned int q, uint16_t i, uint64_t addr,
			  uint32_t len, uint16_t flags, uint16_t next);
/* Publishes head in the avail ring, as a driver adds a buffer. */
void sim_guest_avail_add(struct sim_guest *g, unsigned int q, uint16_t head);
void sim_guest_set_avail_idx(struct sim_guest *g, unsigned int q, uint16_t idx);
uint16_t sim_guest_used_idx(struct sim_guest *g, unsigned int q);
/* With EVENT_IDX: the driver says how far it has read queue q's used ring
 * (used_event), and reads where the device wants its next kick
 * (avail_event). */
void sim_guest_set_used_event(struct sim_guest *g, unsigned int q, uint16_t n);
uint16_t sim_guest_avail_event(struct sim_guest *g, unsigned int q);

#endif
