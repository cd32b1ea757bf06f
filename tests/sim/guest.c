/* SPDX-License-Identifier: GPL-2.0-only */
/* The simulated guest driver. Guest RAM layout, from the start of the RAM:
 * two ring areas (descriptors, avail, used), the command buffers (a request
 * and a response area per 2-descriptor slot), the eventq buffers, then
 * scratch space for tests. */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include <linux/virtio_mmio.h>

#include "guest.h"

#define MAGIC 0x74726976
#define ID_SCMI 32
#define F_P2A (1ull << 0)
#define F_VERSION_1 (1ull << 32)
#define F_ACCESS_PLATFORM (1ull << 33)
#define F_EVENT_IDX (1ull << 29)
#define S_ACKNOWLEDGE 1u
#define S_DRIVER 2u
#define S_DRIVER_OK 4u
#define S_FEATURES_OK 8u
#define S_FAILED 128u

#define RING_AREA 0x3000u		/* desc 4 KiB, avail and used 4 KiB each */
#define CMD_OFF (2 * RING_AREA)
#define EVT_OFF (CMD_OFF + SIM_QUEUE_CAP / 2 * 2 * SIM_BUF_SIZE)
#define SCRATCH_OFF (EVT_OFF + SIM_QUEUE_CAP * SIM_BUF_SIZE)

static uint64_t ring_gpa(struct sim_guest *g, unsigned int q, unsigned int part)
{
	return g->ram_gpa + q * RING_AREA + part * 0x1000u;
}

static uint64_t cmd_req_gpa(struct sim_guest *g, uint16_t head)
{
	return g->ram_gpa + CMD_OFF + (uint64_t)head / 2 * 2 * SIM_BUF_SIZE;
}

static uint64_t cmd_resp_gpa(struct sim_guest *g, uint16_t head)
{
	return cmd_req_gpa(g, head) + SIM_BUF_SIZE;
}

static uint64_t evt_gpa(struct sim_guest *g, uint16_t i)
{
	return g->ram_gpa + EVT_OFF + (uint64_t)i * SIM_BUF_SIZE;
}

void *sim_guest_host(struct sim_guest *g, uint64_t gpa)
{
	if (gpa < g->ram_gpa || gpa - g->ram_gpa >= g->ram_size)
		return NULL;
	return g->ram + (gpa - g->ram_gpa);
}

static void put16(struct sim_guest *g, uint64_t gpa, uint16_t v)
{
	v = htole16(v);
	memcpy(sim_guest_host(g, gpa), &v, sizeof(v));
}

static uint16_t get16(struct sim_guest *g, uint64_t gpa)
{
	uint16_t v;

	memcpy(&v, sim_guest_host(g, gpa), sizeof(v));
	return le16toh(v);
}

static uint32_t get32(struct sim_guest *g, uint64_t gpa)
{
	uint32_t v;

	memcpy(&v, sim_guest_host(g, gpa), sizeof(v));
	return le32toh(v);
}

int sim_guest_init(struct sim_guest *g, const struct sim_guest_ops *ops, void *ram,
		   uint64_t ram_gpa, size_t ram_size)
{
	if (ram_size < SCRATCH_OFF + 0x1000)
		return -EINVAL;
	memset(g, 0, sizeof(*g));
	g->ops = *ops;
	g->ram = ram;
	g->ram_gpa = ram_gpa;
	g->ram_size = ram_size;
	g->scratch = SCRATCH_OFF;
	g->resp_cap = SIM_MSG_SIZE;
	g->events = -1;
	return 0;
}

uint32_t sim_guest_rd(struct sim_guest *g, uint64_t off)
{
	return g->ops.mmio_read(g->ops.ctx, off, 4);
}

void sim_guest_wr(struct sim_guest *g, uint64_t off, uint32_t val)
{
	g->ops.mmio_write(g->ops.ctx, off, 4, val);
}

void sim_guest_kick(struct sim_guest *g, unsigned int q)
{
	sim_guest_wr(g, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

uint64_t sim_guest_dma(struct sim_guest *g, uint64_t gpa)
{
	return g->ops.dma_addr ? g->ops.dma_addr(g->ops.ctx, gpa) : gpa;
}

uint64_t sim_guest_alloc(struct sim_guest *g, size_t len)
{
	size_t off = (g->scratch + 15) & ~(size_t)15;

	if (len > g->ram_size || off > g->ram_size - len)
		return 0;
	g->scratch = off + len;
	memset(g->ram + off, 0, len);
	return g->ram_gpa + off;
}

/* Linux's virtio_add_status: read, or in, write back. */
static void add_status(struct sim_guest *g, uint32_t bits)
{
	sim_guest_wr(g, VIRTIO_MMIO_STATUS, sim_guest_rd(g, VIRTIO_MMIO_STATUS) | bits);
}

void sim_guest_reset(struct sim_guest *g)
{
	/* vm_reset writes 0 and does not poll: the write completes the reset. */
	sim_guest_wr(g, VIRTIO_MMIO_STATUS, 0);
	memset(g->vq, 0, sizeof(g->vq));
	g->features = 0;
}

uint64_t sim_guest_device_features(struct sim_guest *g)
{
	uint64_t f;

	sim_guest_wr(g, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)sim_guest_rd(g, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	sim_guest_wr(g, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	return f | sim_guest_rd(g, VIRTIO_MMIO_DEVICE_FEATURES);
}

int sim_guest_set_features(struct sim_guest *g, uint64_t accept)
{
	sim_guest_wr(g, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	sim_guest_wr(g, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(accept >> 32));
	sim_guest_wr(g, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	sim_guest_wr(g, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)accept);
	add_status(g, S_FEATURES_OK);
	if (!(sim_guest_rd(g, VIRTIO_MMIO_STATUS) & S_FEATURES_OK))
		return -EIO;
	g->features = accept;
	return 0;
}

static void write_addr(struct sim_guest *g, uint64_t lo_reg, uint64_t gpa)
{
	uint64_t a = sim_guest_dma(g, gpa);

	sim_guest_wr(g, lo_reg, (uint32_t)a);
	sim_guest_wr(g, lo_reg + 4, (uint32_t)(a >> 32));
}

int sim_guest_setup_vq(struct sim_guest *g, unsigned int q, uint32_t num)
{
	struct sim_vq *vq = &g->vq[q];
	uint32_t max;

	sim_guest_wr(g, VIRTIO_MMIO_QUEUE_SEL, q);
	if (sim_guest_rd(g, VIRTIO_MMIO_QUEUE_READY))
		return -ENOENT;
	max = sim_guest_rd(g, VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (!max)
		return -ENOENT;
	if (!num)
		num = max < SIM_QUEUE_CAP ? max : SIM_QUEUE_CAP;
	memset(vq, 0, sizeof(*vq));
	memset(sim_guest_host(g, ring_gpa(g, q, 0)), 0, RING_AREA);
	/* A size the rings here cannot hold is still told to the device. */
	vq->num = num <= SIM_QUEUE_CAP ? (uint16_t)num : 0;
	vq->desc = ring_gpa(g, q, 0);
	vq->avail = ring_gpa(g, q, 1);
	vq->used = ring_gpa(g, q, 2);
	sim_guest_wr(g, VIRTIO_MMIO_QUEUE_NUM, num);
	write_addr(g, VIRTIO_MMIO_QUEUE_DESC_LOW, vq->desc);
	write_addr(g, VIRTIO_MMIO_QUEUE_AVAIL_LOW, vq->avail);
	write_addr(g, VIRTIO_MMIO_QUEUE_USED_LOW, vq->used);
	sim_guest_wr(g, VIRTIO_MMIO_QUEUE_READY, 1);
	/* Linux does not read it back; the tests want to know at once. */
	if (!sim_guest_rd(g, VIRTIO_MMIO_QUEUE_READY)) {
		vq->num = 0;
		return -EIO;
	}
	return 0;
}

void sim_guest_driver_ok(struct sim_guest *g)
{
	add_status(g, S_DRIVER_OK);
}

int sim_guest_probe(struct sim_guest *g, bool want_p2a)
{
	uint64_t f;
	int r;

	if (sim_guest_rd(g, VIRTIO_MMIO_MAGIC_VALUE) != MAGIC ||
	    sim_guest_rd(g, VIRTIO_MMIO_VERSION) != 2 ||
	    sim_guest_rd(g, VIRTIO_MMIO_DEVICE_ID) != ID_SCMI)
		return -ENODEV;
	sim_guest_reset(g);
	add_status(g, S_ACKNOWLEDGE);
	add_status(g, S_DRIVER);
	f = sim_guest_device_features(g);
	/* vm_finalize_features refuses a v2 device without VERSION_1. */
	if (!(f & F_VERSION_1))
		return -ENODEV;
	/* The driver's table has P2A only; the core keeps the transport bits. */
	r = sim_guest_set_features(g, f & (F_VERSION_1 | F_ACCESS_PLATFORM |
					  (g->event_idx ? F_EVENT_IDX : 0) |
					  (want_p2a ? F_P2A : 0)));
	if (!r)
		r = sim_guest_setup_vq(g, 0, g->num);
	if (!r && (g->features & F_P2A))
		r = sim_guest_setup_vq(g, 1, g->num);
	if (r) {
		add_status(g, S_FAILED);
		return r;
	}
	sim_guest_driver_ok(g);
	/* The SCMI core feeds the eventq after the device is ready. */
	if (g->features & F_P2A)
		sim_guest_post_events(g, g->events < 0 ? SIM_QUEUE_CAP : (unsigned int)g->events);
	return 0;
}

void sim_guest_write_desc(struct sim_guest *g, unsigned int q, uint16_t i, uint64_t addr,
			  uint32_t len, uint16_t flags, uint16_t next)
{
	uint8_t d[16];
	uint64_t a = htole64(addr);
	uint32_t l = htole32(len);
	uint16_t f = htole16(flags), n = htole16(next);

	memcpy(d, &a, 8);
	memcpy(d + 8, &l, 4);
	memcpy(d + 12, &f, 2);
	memcpy(d + 14, &n, 2);
	memcpy((uint8_t *)sim_guest_host(g, ring_gpa(g, q, 0)) + 16u * i, d, sizeof(d));
}

static uint16_t ring_num(struct sim_guest *g, unsigned int q)
{
	return g->vq[q].num ? g->vq[q].num : SIM_QUEUE_CAP;
}

void sim_guest_set_avail_idx(struct sim_guest *g, unsigned int q, uint16_t idx)
{
	/* Ring entries are visible before the index that publishes them. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	put16(g, ring_gpa(g, q, 1) + 2, idx);
	g->vq[q].avail_idx = idx;
}

void sim_guest_avail_add(struct sim_guest *g, unsigned int q, uint16_t head)
{
	struct sim_vq *vq = &g->vq[q];

	put16(g, ring_gpa(g, q, 1) + 4 + 2u * (vq->avail_idx % ring_num(g, q)), head);
	sim_guest_set_avail_idx(g, q, (uint16_t)(vq->avail_idx + 1));
}

uint16_t sim_guest_used_idx(struct sim_guest *g, unsigned int q)
{
	return get16(g, ring_gpa(g, q, 2) + 2);
}

uint32_t sim_guest_ack(struct sim_guest *g)
{
	uint32_t isr = sim_guest_rd(g, VIRTIO_MMIO_INTERRUPT_STATUS);

	if (isr)
		sim_guest_wr(g, VIRTIO_MMIO_INTERRUPT_ACK, isr);
	return isr;
}

/* Next used entry: 1 with a head we handed out, 0 none, -EPROTO. */
static int take_used(struct sim_guest *g, unsigned int q, uint16_t *head, uint32_t *len)
{
	struct sim_vq *vq = &g->vq[q];
	uint64_t e;
	uint32_t id;

	if (!vq->num || sim_guest_used_idx(g, q) == vq->last_used)
		return 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	e = ring_gpa(g, q, 2) + 4 + 8u * (vq->last_used % vq->num);
	id = get32(g, e);
	*len = get32(g, e + 4);
	/* virtqueue_get_buf marks the ring broken on a head it does not own. */
	if (id >= vq->num || !vq->busy[id] || *len > vq->cap[id])
		return -EPROTO;
	vq->last_used++;
	*head = (uint16_t)id;
	return 1;
}

int sim_guest_submit(struct sim_guest *g, const void *req, size_t len)
{
	struct sim_vq *vq = &g->vq[0];
	uint16_t head;

	if (len > SIM_BUF_SIZE || g->resp_cap > SIM_BUF_SIZE)
		return -EINVAL;
	for (head = 0; head + 1 < vq->num && vq->busy[head]; head += 2)
		;
	if (head + 1 >= vq->num)
		return -ENOSPC;
	memcpy(sim_guest_host(g, cmd_req_gpa(g, head)), req, len);
	memset(sim_guest_host(g, cmd_resp_gpa(g, head)), 0, SIM_BUF_SIZE);
	sim_guest_write_desc(g, 0, head, sim_guest_dma(g, cmd_req_gpa(g, head)), (uint32_t)len,
			     SIM_DESC_F_NEXT, head + 1);
	sim_guest_write_desc(g, 0, head + 1, sim_guest_dma(g, cmd_resp_gpa(g, head)), g->resp_cap,
			     SIM_DESC_F_WRITE, 0);
	vq->busy[head] = true;
	vq->cap[head] = g->resp_cap;
	sim_guest_avail_add(g, 0, head);
	return head;
}

int sim_guest_reap(struct sim_guest *g, int *head, void *resp, size_t cap, size_t *resp_len)
{
	uint16_t h;
	uint32_t len;
	int r = take_used(g, 0, &h, &len);

	if (r <= 0)
		return r;
	g->vq[0].busy[h] = false;
	memcpy(resp, sim_guest_host(g, cmd_resp_gpa(g, h)), len < cap ? len : cap);
	*head = h;
	*resp_len = len;
	return 1;
}

int sim_guest_cmd(struct sim_guest *g, const void *req, size_t len, void *resp, size_t cap,
		  size_t *resp_len)
{
	int head = sim_guest_submit(g, req, len), got, r;

	if (head < 0)
		return head;
	sim_guest_kick(g, 0);
	/* The device completes before the notify write returns. */
	if (!(sim_guest_ack(g) & VIRTIO_MMIO_INT_VRING))
		return -ETIMEDOUT;
	r = sim_guest_reap(g, &got, resp, cap, resp_len);
	if (r == 0)
		return -ETIMEDOUT;
	if (r < 0)
		return r;
	return got == head ? 0 : -EPROTO;
}

unsigned int sim_guest_post_events(struct sim_guest *g, unsigned int n)
{
	struct sim_vq *vq = &g->vq[1];
	unsigned int done = 0;

	for (uint16_t i = 0; i < vq->num && done < n; i++) {
		if (vq->busy[i])
			continue;
		sim_guest_write_desc(g, 1, i, sim_guest_dma(g, evt_gpa(g, i)), SIM_MSG_SIZE,
				     SIM_DESC_F_WRITE, 0);
		vq->busy[i] = true;
		vq->cap[i] = SIM_MSG_SIZE;
		sim_guest_avail_add(g, 1, i);
		done++;
	}
	if (done)
		sim_guest_kick(g, 1);
	return done;
}

int sim_guest_events(struct sim_guest *g, sim_event_fn cb, void *ctx)
{
	int n = 0, r;
	uint16_t i;
	uint32_t len;

	while ((r = take_used(g, 1, &i, &len)) > 0) {
		const uint8_t *m = sim_guest_host(g, evt_gpa(g, i));
		uint32_t hdr = len >= 4 ? get32(g, evt_gpa(g, i)) : 0;

		cb(ctx, (hdr >> 8) & 3, m, len);
		/* scmi_vio_feed_vq_rx: the same buffer goes straight back. */
		sim_guest_avail_add(g, 1, i);
		n++;
	}
	if (n)
		sim_guest_kick(g, 1);
	return r < 0 ? r : n;
}

void sim_guest_set_used_event(struct sim_guest *g, unsigned int q, uint16_t n)
{
	put16(g, g->vq[q].avail + 4 + 2u * g->vq[q].num, n);
}

uint16_t sim_guest_avail_event(struct sim_guest *g, unsigned int q)
{
	return get16(g, g->vq[q].used + 4 + 8u * g->vq[q].num);
}
