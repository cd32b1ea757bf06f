/* SPDX-License-Identifier: GPL-2.0-only */
/* The virtio-mmio virtio-scmi device, driven by a simulated Linux guest
 * through the register model: registers, the status handshake, reset, real
 * SCMI traffic, the eventq, and hostile guests. Each guest has 1 MiB of RAM
 * at 0x40000000 behind a plain-buffer vio_mem that counts its mappings. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/virtio_mmio.h>

#include "sim/guest.h"
#include "vscmi/buf.h"
#include "vscmi/scmi.h"
#include "vscmi/virtio.h"

#include "support/server_rig.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE (1u << 20)
#define RAM_END (RAM_GPA + RAM_SIZE)
#define MAX_MAPS 64
#define QMAX VIO_QUEUE_MAX

/* Platform IDs of the model. */
enum { PLAT_PD = 3, PLAT_PLL = 10, PLAT_CLK_A = 11, PLAT_CLK_B = 12, PLAT_BUS = 13 };
enum { PLL, CLK_A, CLK_B, BUS };
/* Each guest's clock view: its own PLL child, then the shared bus clock. */
enum { VCLK_OWN, VCLK_BUS };
#define PD_ON 0x0u
#define PD_OFF 0x40000000u

/* Guest memory as a device sees it: one buffer; every live mapping tracked. */
struct tmem {
	struct vio_mem m;
	uint8_t *ram;
	unsigned int bad_unmaps;
	struct {
		void *p;
		size_t len;
	} live[MAX_MAPS];
	unsigned int nlive;
};

struct vm {
	struct tmem mem;
	struct vio_scmi *dev;
	struct sim_guest g;
	unsigned int irqs;
	uint64_t req, resp, scratch;	/* guest-physical test buffers */
	struct {
		unsigned int type;
		uint8_t msg[SIM_MSG_SIZE];
		size_t len;
	} ev[32];
	unsigned int nev;
};

static struct vscmi_model model;
static struct vscmi_platform *plat;
static struct arb *arb;
static struct scmi_server *srv;
static struct vm vms[2];

/* --- guest memory ------------------------------------------------------------ */

static void *t_map(struct vio_mem *m, uint64_t addr, size_t len, bool write)
{
	struct tmem *t = (struct tmem *)m;

	if (addr < RAM_GPA || addr - RAM_GPA > RAM_SIZE || len > RAM_END - addr ||
	    t->nlive == MAX_MAPS) {
		errno = EFAULT;
		return NULL;
	}
	t->live[t->nlive].p = t->ram + (addr - RAM_GPA);
	t->live[t->nlive].len = len;
	t->nlive++;
	return t->ram + (addr - RAM_GPA);
}

static void t_unmap(struct vio_mem *m, void *p, size_t len)
{
	struct tmem *t = (struct tmem *)m;

	for (unsigned int i = 0; i < t->nlive; i++) {
		if (t->live[i].p == p && t->live[i].len == len) {
			t->live[i] = t->live[--t->nlive];
			return;
		}
	}
	t->bad_unmaps++;
}

/* --- the SCMI side ----------------------------------------------------------- */

static void add_agent(const char *name, uint32_t own_clock)
{
	struct vscmi_agent_desc *a;

	a = rig_add_agent(&model, name, SCMI_PROTO_ALL, SCMI_DEFAULT_PAYLOAD);
	rig_add_view(a, VSCMI_CLOCK, own_clock, NULL);
	rig_add_view(a, VSCMI_CLOCK, BUS, NULL);
	rig_add_view(a, VSCMI_POWER, 0, NULL);
}

static void build_model(void)
{
	struct vscmi_res_desc *d;

	memset(&model, 0, sizeof(model));
	d = rig_add_res(&model, VSCMI_CLOCK, "pll", PLAT_PLL, -1);
	d->u.clock.policy = VSCMI_POLICY_FIXED;
	d->u.clock.rate = 1000000000;
	d->u.clock.rates.count = 1;
	d->u.clock.rates.values[0] = 1000000000;
	for (int i = CLK_A; i <= CLK_B; i++) {
		d = rig_add_res(&model, VSCMI_CLOCK, i == CLK_A ? "clk_a" : "clk_b",
				  i == CLK_A ? PLAT_CLK_A : PLAT_CLK_B, PLL);
		d->u.clock.policy = VSCMI_POLICY_EXCLUSIVE;
		rig_segment(&d->u.clock.rates, 25000000, 200000000, 1000);
		d->u.clock.rate = 25000000;
	}
	d = rig_add_res(&model, VSCMI_CLOCK, "bus", PLAT_BUS, -1);
	d->u.clock.policy = VSCMI_POLICY_MAX;
	d->u.clock.rates.count = 1;
	d->u.clock.rates.values[0] = 100000000;
	d->u.clock.rate = 100000000;
	d = rig_add_res(&model, VSCMI_POWER, "gpu", PLAT_PD, -1);
	d->u.power.nstates = 2;
	d->u.power.states[0] = (struct vscmi_pd_state){ "on", PD_ON };
	d->u.power.states[1] = (struct vscmi_pd_state){ "off", PD_OFF };
	d->u.power.initial = 1;
	add_agent("vm1", CLK_A);
	add_agent("vm2", CLK_B);
}

/* --- the guests -------------------------------------------------------------- */

static uint32_t t_mmio_read(void *ctx, uint64_t off, unsigned int size)
{
	return vio_mmio_read(vio_scmi_dev(((struct vm *)ctx)->dev), off, size);
}

static void t_mmio_write(void *ctx, uint64_t off, unsigned int size, uint32_t val)
{
	vio_mmio_write(vio_scmi_dev(((struct vm *)ctx)->dev), off, size, val);
}

static void t_irq(void *ctx)
{
	((struct vm *)ctx)->irqs++;
}

static void vm_init(struct vm *v, uint32_t agent, uint64_t extra_features)
{
	struct sim_guest_ops o = { .mmio_read = t_mmio_read, .mmio_write = t_mmio_write, .ctx = v };

	memset(v, 0, sizeof(*v));
	v->mem.m.map = t_map;
	v->mem.m.unmap = t_unmap;
	v->mem.ram = calloc(1, RAM_SIZE);
	ck_assert_ptr_nonnull(v->mem.ram);
	v->dev = vio_scmi_new(srv, scmi_server_agent(srv, agent), &v->mem.m, extra_features, t_irq,
			      v);
	ck_assert_ptr_nonnull(v->dev);
	ck_assert_int_eq(sim_guest_init(&v->g, &o, v->mem.ram, RAM_GPA, RAM_SIZE), 0);
	v->req = sim_guest_alloc(&v->g, SIM_BUF_SIZE);
	v->resp = sim_guest_alloc(&v->g, SIM_BUF_SIZE);
	v->scratch = sim_guest_alloc(&v->g, 4096);
	/* A valid request for hand-built chains: BASE PROTOCOL_VERSION. */
	vscmi_put_le32(sim_guest_host(&v->g, v->req), SCMI_HDR(0, 0, SCMI_PROTO_BASE, 1));
}

/* Mappings the device holds: 3 rings per live queue, nothing else. */
static void assert_maps(struct vm *v, unsigned int n)
{
	ck_assert_uint_eq(v->mem.nlive, n);
	ck_assert_uint_eq(v->mem.bad_unmaps, 0);
}

static void vm_fini(struct vm *v)
{
	vio_scmi_free(v->dev);
	/* Freeing the device lets go of the rings. */
	assert_maps(v, 0);
	free(v->mem.ram);
}

static void setup(void)
{
	struct scmi_hooks hooks = { .defer = rig_defer };

	build_model();
	rig_reset(RIG_INBOX);
	plat = vscmi_emu_new(&model);
	ck_assert_ptr_nonnull(plat);
	arb = arb_new(&model, plat);
	ck_assert_ptr_nonnull(arb);
	srv = scmi_server_new(&model, arb, plat, &hooks);
	ck_assert_ptr_nonnull(srv);
	vm_init(&vms[0], 1, 0);
	vm_init(&vms[1], 2, 0);
}

static void teardown(void)
{
	vm_fini(&vms[0]);
	vm_fini(&vms[1]);
	scmi_server_free(srv);
	arb_free(arb);
	vscmi_platform_free(plat);
	vscmi_model_free(&model);
}

static struct vio_dev *dev(struct vm *v)
{
	return vio_scmi_dev(v->dev);
}

static uint32_t rd(struct vm *v, uint64_t off)
{
	return sim_guest_rd(&v->g, off);
}

static void wr(struct vm *v, uint64_t off, uint32_t val)
{
	sim_guest_wr(&v->g, off, val);
}

static void probe(struct vm *v, bool p2a)
{
	ck_assert_int_eq(sim_guest_probe(&v->g, p2a), 0);
}

static struct vio_scmi_stats scmi_stats(struct vm *v)
{
	struct vio_scmi_stats st;

	vio_scmi_stats(v->dev, &st);
	return st;
}

/* The last reply. */
static uint8_t resp[SIM_BUF_SIZE];
static size_t resp_len;
static uint32_t token;

static uint32_t rv(int i)
{
	ck_assert_uint_ge(resp_len, 8 + 4 * (size_t)(i + 1));
	return vscmi_get_le32(resp + 8 + 4 * i);
}

static void build_req(uint8_t *req, uint32_t hdr, int n, const uint32_t *w)
{
	vscmi_put_le32(req, hdr);
	for (int i = 0; i < n; i++)
		vscmi_put_le32(req + 4 + 4 * i, w[i]);
}

/* One command through the cmdq; the reply must echo the header and an
 * error reply must be exactly header and status. */
static int32_t callv(struct vm *v, uint8_t proto, uint8_t msg, int n, const uint32_t *w)
{
	uint8_t req[SIM_BUF_SIZE];
	uint32_t hdr = SCMI_HDR(msg, 0, proto, ++token & 0x3ff);
	int32_t status;

	ck_assert_int_lt(n, 63);
	build_req(req, hdr, n, w);
	ck_assert_int_eq(sim_guest_cmd(&v->g, req, 4 + 4 * (size_t)n, resp, sizeof(resp),
				       &resp_len), 0);
	ck_assert_uint_ge(resp_len, 8);
	ck_assert_uint_eq(vscmi_get_le32(resp), hdr);
	status = (int32_t)vscmi_get_le32(resp + 4);
	if (status != SCMI_SUCCESS)
		ck_assert_uint_eq(resp_len, 8);
	return status;
}

#define CALL(v, proto, msg, ...)                                                        \
	callv(v, proto, msg, sizeof((uint32_t[]){ 0, ##__VA_ARGS__ }) / 4 - 1,          \
	      (const uint32_t[]){ 0, ##__VA_ARGS__ } + 1)

static void assert_works(struct vm *v)
{
	ck_assert_int_eq(CALL(v, SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_uint_eq(rv(0), 0x20001);
	ck_assert_uint_eq(resp_len, 12);
}

static void on_event(void *ctx, unsigned int type, const uint8_t *msg, size_t len)
{
	struct vm *v = ctx;

	ck_assert_uint_lt(v->nev, 32);
	ck_assert_uint_le(len, SIM_MSG_SIZE);
	v->ev[v->nev].type = type;
	memcpy(v->ev[v->nev].msg, msg, len);
	v->ev[v->nev].len = len;
	v->nev++;
}

/* The interrupt handler: ack, then take what the eventq returned. */
static int drain_events(struct vm *v)
{
	sim_guest_ack(&v->g);
	return sim_guest_events(&v->g, on_event, v);
}

static uint32_t ev_word(struct vm *v, unsigned int i, int w)
{
	ck_assert_uint_ge(v->ev[i].len, 4 * (size_t)(w + 1));
	return vscmi_get_le32(v->ev[i].msg + 4 * w);
}

static void async_rate_set(struct vm *v, uint32_t hz)
{
	ck_assert_int_eq(CALL(v, SCMI_PROTO_CLOCK, 0x5, 1, VCLK_OWN, hz, 0), 0);
	ck_assert_uint_eq(resp_len, 8);
}

/* --- registers ------------------------------------------------------------------ */

static bool same_dev(const struct vio_dev *a, const struct vio_dev *b)
{
	struct vio_dev x;

	memcpy(&x, b, sizeof(x));
	memcpy(&x.stats, &a->stats, sizeof(x.stats));
	return memcmp(a, &x, sizeof(x)) == 0;
}

START_TEST(test_identity_registers_read_as_specified)
{
	struct vm *v = &vms[0];

	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_DEVICE_ID), 32);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_VENDOR_ID), 0x4d435356);
	for (uint64_t off = VIRTIO_MMIO_SHM_LEN_LOW; off <= VIRTIO_MMIO_SHM_BASE_HIGH; off += 4)
		ck_assert_uint_eq(rd(v, off), 0xffffffff);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_CONFIG_GENERATION), 0);
	for (uint64_t off = VIRTIO_MMIO_CONFIG; off < VIO_MMIO_SIZE; off += 4)
		ck_assert_uint_eq(rd(v, off), 0);
	ck_assert_uint_eq(dev(v)->stats.bad_access, 0);
}
END_TEST

START_TEST(test_feature_words_offer_p2a_event_idx_version_1_and_access_platform_when_asked)
{
	struct vm *v = &vms[0], *x = &vms[1];

	ck_assert_uint_eq(sim_guest_device_features(&v->g),
			  VIO_F_VERSION_1 | VIO_F_EVENT_IDX | VIO_SCMI_F_P2A_CHANNELS);
	wr(v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_DEVICE_FEATURES), 0);
	wr(v, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0xffffffff);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_DEVICE_FEATURES), 0);

	/* A grant-based guest's device, and Linux keeps the bit. */
	vm_fini(x);
	vm_init(x, 2, VIO_F_ACCESS_PLATFORM);
	ck_assert_uint_eq(sim_guest_device_features(&x->g), VIO_F_VERSION_1 | VIO_F_EVENT_IDX |
								    VIO_F_ACCESS_PLATFORM |
								    VIO_SCMI_F_P2A_CHANNELS);
	probe(x, true);
	ck_assert_uint_eq(dev(x)->driver_features,
			  VIO_F_VERSION_1 | VIO_F_ACCESS_PLATFORM | VIO_SCMI_F_P2A_CHANNELS);
	assert_works(x);
}
END_TEST

START_TEST(test_queue_num_max_is_offered_for_two_queues_only)
{
	struct vm *v = &vms[0];

	for (uint32_t q = 0; q < 8; q++) {
		wr(v, VIRTIO_MMIO_QUEUE_SEL, q);
		ck_assert_uint_eq(rd(v, VIRTIO_MMIO_QUEUE_NUM_MAX), q < 2 ? QMAX : 0);
		ck_assert_uint_eq(rd(v, VIRTIO_MMIO_QUEUE_READY), 0);
	}
	wr(v, VIRTIO_MMIO_QUEUE_SEL, 0xffffffff);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
}
END_TEST

START_TEST(test_queue_ready_reads_back_and_stopping_unmaps)
{
	struct vm *v = &vms[0];

	probe(v, true);
	assert_maps(v, 6);
	for (uint32_t q = 0; q < 2; q++) {
		wr(v, VIRTIO_MMIO_QUEUE_SEL, q);
		ck_assert_uint_eq(rd(v, VIRTIO_MMIO_QUEUE_READY), 1);
	}
	/* vm_del_vq: QueueReady = 0, read back 0. */
	wr(v, VIRTIO_MMIO_QUEUE_READY, 0);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_maps(v, 3);
	/* A stopped queue can be set up again and used. */
	ck_assert_int_eq(sim_guest_setup_vq(&v->g, 1, 0), 0);
	assert_maps(v, 6);
	ck_assert_int_eq(sim_guest_post_events(&v->g, 4), 4);
	async_rate_set(v, 30000000);
	rig_run_deferred();
	ck_assert_int_eq(drain_events(v), 1);
	ck_assert_uint_eq(dev(v)->stats.bad_access, 0);
}
END_TEST

/* What a 4-byte aligned read returns on a probed device with QueueSel 0. */
static uint32_t expected_read(uint64_t off)
{
	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return 0x74726976;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return 32;
	case VIRTIO_MMIO_VENDOR_ID:
		return 0x4d435356;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return 1u << 29 | 1;	/* word 0: EVENT_IDX, P2A */
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return QMAX;
	case VIRTIO_MMIO_QUEUE_READY:
		return 1;
	case VIRTIO_MMIO_STATUS:
		return VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER | VIO_STATUS_FEATURES_OK |
		       VIO_STATUS_DRIVER_OK;
	case VIRTIO_MMIO_SHM_LEN_LOW:
	case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW:
	case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffff;
	default:
		/* Write-only, reserved, InterruptStatus, ConfigGeneration, config. */
		return 0;
	}
}

static bool writable(uint64_t off)
{
	static const uint64_t w[] = {
		VIRTIO_MMIO_DEVICE_FEATURES_SEL, VIRTIO_MMIO_DRIVER_FEATURES,
		VIRTIO_MMIO_DRIVER_FEATURES_SEL, VIRTIO_MMIO_QUEUE_SEL,
		VIRTIO_MMIO_QUEUE_NUM, VIRTIO_MMIO_QUEUE_READY,
		VIRTIO_MMIO_QUEUE_NOTIFY, VIRTIO_MMIO_INTERRUPT_ACK,
		VIRTIO_MMIO_STATUS, VIRTIO_MMIO_QUEUE_DESC_LOW,
		VIRTIO_MMIO_QUEUE_DESC_HIGH, VIRTIO_MMIO_QUEUE_AVAIL_LOW,
		VIRTIO_MMIO_QUEUE_AVAIL_HIGH, VIRTIO_MMIO_QUEUE_USED_LOW,
		VIRTIO_MMIO_QUEUE_USED_HIGH,
	};

	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
		if (w[i] == off)
			return true;
	return false;
}

START_TEST(test_every_aligned_register_reads_its_value)
{
	struct vm *v = &vms[0];

	probe(v, true);
	wr(v, VIRTIO_MMIO_QUEUE_SEL, 0);
	for (uint64_t off = 0; off < VIO_MMIO_SIZE; off += 4)
		ck_assert_msg(rd(v, off) == expected_read(off), "offset 0x%03llx reads 0x%x",
			      (unsigned long long)off, rd(v, off));
}
END_TEST

START_TEST(test_writes_to_read_only_and_reserved_registers_change_nothing)
{
	struct vm *v = &vms[0];
	struct vio_dev before;

	probe(v, true);
	for (uint64_t off = 0; off < VIO_MMIO_SIZE; off += 4) {
		if (writable(off))
			continue;
		memcpy(&before, dev(v), sizeof(before));
		wr(v, off, 0xffffffff);
		ck_assert_msg(same_dev(&before, dev(v)), "write to 0x%03llx changed the device",
			      (unsigned long long)off);
	}
	assert_works(v);
}
END_TEST

/* Odd widths, unaligned offsets and offsets past the window: the read is 0,
 * the write is dropped, both are counted, and the access completes. */
static void check_bad_access(struct vm *v, uint64_t off, unsigned int size)
{
	struct vio_dev *d = dev(v), before;
	uint64_t bad = d->stats.bad_access;

	memcpy(&before, d, sizeof(before));
	ck_assert_msg(vio_mmio_read(d, off, size) == 0, "read 0x%llx/%u not 0",
		      (unsigned long long)off, size);
	vio_mmio_write(d, off, size, 0xffffffff);
	vio_mmio_write(d, off, size, 0);
	ck_assert_msg(same_dev(&before, d), "write 0x%llx/%u changed the device",
		      (unsigned long long)off, size);
	ck_assert_uint_eq(d->stats.bad_access, bad + 3);
}

START_TEST(test_odd_width_unaligned_and_outside_accesses_read_0_and_write_nothing)
{
	static const unsigned int sizes[] = { 1, 2, 4, 8 };
	static const uint64_t far[] = { VIO_MMIO_SIZE, VIO_MMIO_SIZE + 0x70, 0x1000,
					1ull << 32, UINT64_MAX - 3 };
	struct vm *v = &vms[0];

	probe(v, true);
	for (uint64_t off = 0; off < VIO_MMIO_SIZE; off++) {
		for (size_t i = 0; i < 4; i++) {
			if (sizes[i] == 4 && !(off & 3))
				continue;
			check_bad_access(v, off, sizes[i]);
		}
	}
	for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++)
		for (size_t j = 0; j < 4; j++)
			check_bad_access(v, far[i], sizes[j]);
	assert_works(v);
}
END_TEST

START_TEST(test_queue_sel_out_of_range_reads_0_and_ignores_queue_writes)
{
	static const uint64_t regs[] = { VIRTIO_MMIO_QUEUE_NUM, VIRTIO_MMIO_QUEUE_READY,
					 VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_AVAIL_LOW,
					 VIRTIO_MMIO_QUEUE_USED_LOW, VIRTIO_MMIO_QUEUE_DESC_HIGH };
	static const uint32_t sels[] = { 2, 3, 0x100, 0xffffffff };
	struct vm *v = &vms[0];
	struct vio_dev before;

	probe(v, true);
	for (size_t s = 0; s < sizeof(sels) / sizeof(sels[0]); s++) {
		wr(v, VIRTIO_MMIO_QUEUE_SEL, sels[s]);
		ck_assert_uint_eq(rd(v, VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
		ck_assert_uint_eq(rd(v, VIRTIO_MMIO_QUEUE_READY), 0);
		memcpy(&before, dev(v), sizeof(before));
		for (size_t r = 0; r < sizeof(regs) / sizeof(regs[0]); r++)
			wr(v, regs[r], 0x10);
		ck_assert(same_dev(&before, dev(v)));
		/* Notifying a queue that does not exist does nothing either. */
		wr(v, VIRTIO_MMIO_QUEUE_NOTIFY, sels[s]);
		ck_assert(same_dev(&before, dev(v)));
	}
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_STATUS) & VIO_STATUS_NEEDS_RESET, 0);
	assert_works(v);
}
END_TEST

START_TEST(test_queue_registers_written_while_ready_are_ignored)
{
	struct vm *v = &vms[0];
	struct vio_vq before;

	probe(v, true);
	wr(v, VIRTIO_MMIO_QUEUE_SEL, 0);
	before = dev(v)->vq[0];
	wr(v, VIRTIO_MMIO_QUEUE_NUM, 16);
	wr(v, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
	wr(v, VIRTIO_MMIO_QUEUE_DESC_HIGH, 1);
	wr(v, VIRTIO_MMIO_QUEUE_AVAIL_LOW, 0x2000);
	wr(v, VIRTIO_MMIO_QUEUE_USED_LOW, 0x3000);
	wr(v, VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(dev(v)->vq[0].num, before.num);
	ck_assert_uint_eq(dev(v)->vq[0].desc_addr, before.desc_addr);
	ck_assert_uint_eq(dev(v)->vq[0].avail_addr, before.avail_addr);
	ck_assert_uint_eq(dev(v)->vq[0].used_addr, before.used_addr);
	ck_assert_ptr_eq((void *)dev(v)->vq[0].desc, (void *)before.desc);
	assert_maps(v, 6);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_STATUS) & VIO_STATUS_NEEDS_RESET, 0);
	assert_works(v);
}
END_TEST

/* --- status handshake and reset ---------------------------------------------- */

static void begin(struct vm *v)
{
	sim_guest_reset(&v->g);
	wr(v, VIRTIO_MMIO_STATUS, VIO_STATUS_ACKNOWLEDGE);
	wr(v, VIRTIO_MMIO_STATUS, VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER);
	sim_guest_device_features(&v->g);
}

START_TEST(test_features_ok_refused_for_unoffered_feature)
{
	static const uint64_t bad[] = { VIO_F_ACCESS_PLATFORM, 1ull << 1, 1ull << 28, 1ull << 31,
					1ull << 63 };
	struct vm *v = &vms[0];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		begin(v);
		ck_assert_int_eq(sim_guest_set_features(&v->g, VIO_F_VERSION_1 | bad[i]), -EIO);
		ck_assert_uint_eq(rd(v, VIRTIO_MMIO_STATUS) & VIO_STATUS_FEATURES_OK, 0);
	}
	/* Offered bits alone are taken. */
	begin(v);
	ck_assert_int_eq(sim_guest_set_features(&v->g, VIO_F_VERSION_1), 0);
}
END_TEST

START_TEST(test_features_ok_refused_without_version_1)
{
	struct vm *v = &vms[0];

	begin(v);
	ck_assert_int_eq(sim_guest_set_features(&v->g, VIO_SCMI_F_P2A_CHANNELS), -EIO);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_STATUS),
			  VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER);
}
END_TEST

START_TEST(test_driver_features_frozen_after_features_ok)
{
	struct vm *v = &vms[0];

	probe(v, false);
	ck_assert_uint_eq(dev(v)->driver_features, VIO_F_VERSION_1);
	wr(v, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(v, VIRTIO_MMIO_DRIVER_FEATURES, 1);
	ck_assert_uint_eq(dev(v)->driver_features, VIO_F_VERSION_1);
}
END_TEST

START_TEST(test_driver_ok_without_features_ok_is_not_set)
{
	struct vm *v = &vms[0];
	int head;

	begin(v);
	ck_assert_int_eq(sim_guest_setup_vq(&v->g, 0, 0), 0);
	wr(v, VIRTIO_MMIO_STATUS,
	   VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER | VIO_STATUS_DRIVER_OK);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_STATUS), VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER);
	/* So the queue is not served. */
	head = sim_guest_submit(&v->g, sim_guest_host(&v->g, v->req), 4);
	ck_assert_int_ge(head, 0);
	sim_guest_kick(&v->g, 0);
	ck_assert_uint_eq(sim_guest_used_idx(&v->g, 0), 0);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* Refused features also keep DRIVER_OK out. */
	begin(v);
	wr(v, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(v, VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(v, VIRTIO_MMIO_STATUS, 0xf);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_STATUS), VIO_STATUS_ACKNOWLEDGE | VIO_STATUS_DRIVER);
}
END_TEST

START_TEST(test_status_0_resets_device_and_releases_agent_votes)
{
	struct vm *a = &vms[0], *b = &vms[1];
	int head;

	probe(a, true);
	probe(b, true);
	assert_maps(a, 6);
	ck_assert_int_eq(CALL(a, SCMI_PROTO_CLOCK, 0x7, VCLK_OWN, 1, 0), 0);
	ck_assert_int_eq(CALL(a, SCMI_PROTO_CLOCK, 0x7, VCLK_BUS, 1, 0), 0);
	ck_assert_int_eq(CALL(b, SCMI_PROTO_CLOCK, 0x7, VCLK_BUS, 1, 0), 0);
	ck_assert_int_eq(CALL(b, SCMI_PROTO_CLOCK, 0x7, VCLK_OWN, 1, 0), 0);
	ck_assert_int_eq(CALL(a, SCMI_PROTO_POWER, 0x4, 0, 0, PD_ON), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_CLK_A), 1);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_POWER_STATE, PLAT_PD), PD_ON);
	/* Leave a used buffer and its interrupt pending across the reset. */
	head = sim_guest_submit(&a->g, sim_guest_host(&a->g, a->req), 4);
	ck_assert_int_ge(head, 0);
	sim_guest_kick(&a->g, 0);
	ck_assert_uint_eq(rd(a, VIRTIO_MMIO_INTERRUPT_STATUS), 1);

	wr(a, VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(rd(a, VIRTIO_MMIO_STATUS), 0);
	ck_assert_uint_eq(rd(a, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	for (uint32_t q = 0; q < 2; q++) {
		wr(a, VIRTIO_MMIO_QUEUE_SEL, q);
		ck_assert_uint_eq(rd(a, VIRTIO_MMIO_QUEUE_READY), 0);
	}
	ck_assert_uint_eq(dev(a)->driver_features, 0);
	assert_maps(a, 0);
	/* a's own clock goes off; the PLL and the bus stay for b; a's power
	 * vote is gone, so the domain is off again. */
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_CLK_A), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_PLL), 1);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_BUS), 1);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_POWER_STATE, PLAT_PD), PD_OFF);
	assert_works(b);
	wr(b, VIRTIO_MMIO_STATUS, 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_BUS), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_PLL), 0);
	assert_maps(b, 0);
	/* And the device comes back. */
	probe(a, true);
	assert_maps(a, 6);
	assert_works(a);
}
END_TEST

/* A reset storm: 5000 rounds of probe, two votes and a reset. The device
 * comes back every time with its rings mapped again, and gives them all
 * back at each reset; the shared bus clock the other guest holds is
 * switched on once and never off, and that guest is served throughout. */
START_TEST(test_reset_storm_leaves_nothing_and_disturbs_nobody)
{
	struct vm *a = &vms[0], *b = &vms[1];

	probe(b, true);
	ck_assert_int_eq(CALL(b, SCMI_PROTO_CLOCK, 0x7, VCLK_BUS, 1, 0), 0);
	for (int i = 0; i < 5000; i++) {
		probe(a, true);
		assert_maps(a, 6);
		ck_assert_int_eq(CALL(a, SCMI_PROTO_CLOCK, 0x7, VCLK_OWN, 1, 0), 0);
		ck_assert_int_eq(CALL(a, SCMI_PROTO_CLOCK, 0x7, VCLK_BUS, 1, 0), 0);
		wr(a, VIRTIO_MMIO_STATUS, 0);
		assert_maps(a, 0);
		if (i % 500 == 0)
			assert_works(b);
	}
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_CLK_A), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_BUS), 1);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_BUS, 1), 1);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_BUS, 0), 0);
	assert_works(b);
	assert_maps(b, 6);
}
END_TEST

/* A driver that never acknowledges its interrupts: every command is still
 * answered (InterruptStatus stays set; nothing waits for the ack), the
 * other guest is served, and once the driver acks it goes on as before. */
START_TEST(test_interrupts_never_acknowledged_hold_nothing_up)
{
	struct vm *a = &vms[0], *b = &vms[1];
	int head;

	probe(a, true);
	probe(b, true);
	for (int i = 0; i < 200; i++) {
		uint16_t used = sim_guest_used_idx(&a->g, 0);

		head = sim_guest_submit(&a->g, sim_guest_host(&a->g, a->req), 4);
		ck_assert_int_ge(head, 0);
		sim_guest_kick(&a->g, 0);
		ck_assert_uint_eq((uint16_t)(sim_guest_used_idx(&a->g, 0) - used), 1);
		ck_assert_uint_eq(rd(a, VIRTIO_MMIO_INTERRUPT_STATUS) & 1, 1);
		ck_assert_int_eq(sim_guest_reap(&a->g, &head, resp, sizeof(resp), &resp_len), 1);
		ck_assert_uint_eq(resp_len, 12);
		if (i % 50 == 0)
			assert_works(b);
	}
	sim_guest_ack(&a->g);
	assert_works(a);
	assert_works(b);
}
END_TEST

/* --- SCMI traffic ---------------------------------------------------------------- */

START_TEST(test_probe_then_base_version_with_exact_used_lengths)
{
	struct vm *v = &vms[0];

	probe(v, true);
	ck_assert_uint_eq(v->g.features, VIO_F_VERSION_1 | VIO_SCMI_F_P2A_CHANNELS);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_STATUS), 0xf);
	assert_works(v);
	ck_assert_uint_ge(v->irqs, 1);
	/* Errors are header and status, nothing more. */
	ck_assert_int_eq(CALL(v, SCMI_PROTO_BASE, 0x42), SCMI_NOT_FOUND);
	ck_assert_int_eq(CALL(v, 0x80, 0x0), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_POWER, 0x5, 7), SCMI_NOT_FOUND);
	/* PROTOCOL_ATTRIBUTES: one word. */
	ck_assert_int_eq(CALL(v, SCMI_PROTO_CLOCK, 0x1), 0);
	ck_assert_uint_eq(resp_len, 12);
	ck_assert_uint_eq(rv(0) & 0xffff, 2);
	ck_assert_uint_eq(scmi_stats(v).commands, 5);
}
END_TEST

START_TEST(test_clock_enable_and_power_state_set_get)
{
	struct vm *v = &vms[0];

	probe(v, true);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_CLOCK, 0x7, VCLK_OWN, 1, 0), 0);
	ck_assert_uint_eq(resp_len, 8);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_CLK_A), 1);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_CLOCK, 0xb, VCLK_OWN, 0), 0);
	ck_assert_uint_eq(rv(1) & 1, 1);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_POWER, 0x4, 0, 0, PD_ON), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_POWER_STATE, PLAT_PD), PD_ON);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_POWER, 0x5, 0), 0);
	ck_assert_uint_eq(resp_len, 12);
	ck_assert_uint_eq(rv(0), PD_ON);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_POWER, 0x4, 0, 0, 0x1234), SCMI_INVALID_PARAMETERS);
}
END_TEST

START_TEST(test_two_guests_share_pll_switched_on_once)
{
	struct vm *a = &vms[0], *b = &vms[1];

	probe(a, true);
	probe(b, false);
	ck_assert_int_eq(CALL(a, SCMI_PROTO_CLOCK, 0x7, VCLK_OWN, 1, 0), 0);
	ck_assert_int_eq(CALL(b, SCMI_PROTO_CLOCK, 0x7, VCLK_OWN, 1, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_CLK_A), 1);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_CLK_B), 1);
	ck_assert_int_eq(CALL(a, SCMI_PROTO_CLOCK, 0x7, VCLK_OWN, 0, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_PLL), 1);
	ck_assert_int_eq(CALL(b, SCMI_PROTO_CLOCK, 0x7, VCLK_OWN, 0, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_PLL), 0);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_PLL, 1), 1);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_PLL, 0), 1);
}
END_TEST

START_TEST(test_batched_commands_complete_with_their_own_heads)
{
	struct vm *v = &vms[0];
	uint8_t req[8], r[SIM_BUF_SIZE];
	uint32_t hdr[QMAX / 2];
	bool seen[QMAX] = { false };
	unsigned int irqs;
	size_t len;
	int head, n = 0;

	probe(v, true);
	/* A full ring of commands, one notify, one interrupt. */
	for (int i = 0; i < QMAX / 2; i++) {
		hdr[i] = SCMI_HDR(0x5, 0, SCMI_PROTO_POWER, i);
		build_req(req, hdr[i], 1, (const uint32_t[]){ 0 });
		head = sim_guest_submit(&v->g, req, sizeof(req));
		ck_assert_int_eq(head, 2 * i);
	}
	ck_assert_int_eq(sim_guest_submit(&v->g, req, sizeof(req)), -ENOSPC);
	irqs = v->irqs;
	sim_guest_kick(&v->g, 0);
	ck_assert_uint_eq(v->irqs, irqs + 1);
	ck_assert_uint_eq(sim_guest_ack(&v->g), 1);
	while (sim_guest_reap(&v->g, &head, r, sizeof(r), &len) == 1) {
		ck_assert(!seen[head]);
		seen[head] = true;
		ck_assert_uint_eq(len, 12);
		ck_assert_uint_eq(vscmi_get_le32(r), hdr[head / 2]);
		ck_assert_uint_eq(vscmi_get_le32(r + 8), PD_OFF);
		n++;
	}
	ck_assert_int_eq(n, QMAX / 2);
	/* The ring wraps: the used index keeps counting. */
	for (int i = 0; i < 3 * QMAX; i++)
		assert_works(v);
	ck_assert_uint_eq(sim_guest_used_idx(&v->g, 0), QMAX / 2 + 3 * QMAX);
}
END_TEST

START_TEST(test_chain_of_chain_max_descriptors_is_gathered_and_scattered)
{
	struct vm *v = &vms[0];
	struct sim_guest *g = &v->g;
	uint64_t out = v->scratch;
	uint8_t *o = sim_guest_host(g, out);
	uint16_t i = 0;

	probe(v, true);
	/* 4 one-byte request pieces, 11 one-byte response pieces, then 125. */
	for (; i < 4; i++)
		sim_guest_write_desc(g, 0, i, v->req + i, 1, SIM_DESC_F_NEXT, i + 1);
	for (; i < VIO_CHAIN_MAX - 1; i++)
		sim_guest_write_desc(g, 0, i, out + (i - 4), 1, SIM_DESC_F_NEXT | SIM_DESC_F_WRITE,
				     i + 1);
	sim_guest_write_desc(g, 0, i, out + 11, 125, SIM_DESC_F_WRITE, 0);
	sim_guest_avail_add(g, 0, 0);
	sim_guest_kick(g, 0);
	ck_assert_uint_eq(sim_guest_used_idx(g, 0), 1);
	ck_assert_uint_eq(vscmi_get_le32((uint8_t *)sim_guest_host(g, g->vq[0].used) + 8), 12);
	ck_assert_uint_eq(vscmi_get_le32(o), SCMI_HDR(0, 0, SCMI_PROTO_BASE, 1));
	ck_assert_uint_eq(vscmi_get_le32(o + 4), 0);
	ck_assert_uint_eq(vscmi_get_le32(o + 8), 0x20001);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_STATUS) & VIO_STATUS_NEEDS_RESET, 0);
}
END_TEST

START_TEST(test_response_buffer_under_8_bytes_gets_used_len_0_and_is_not_run)
{
	struct vm *v = &vms[0];
	uint8_t req[16];
	size_t len = 99;

	probe(v, true);
	build_req(req, SCMI_HDR(0x7, 0, SCMI_PROTO_CLOCK, 5), 3,
		  (const uint32_t[]){ VCLK_OWN, 1, 0 });
	for (uint32_t cap = 0; cap < 8; cap++) {
		v->g.resp_cap = cap;
		ck_assert_int_eq(sim_guest_cmd(&v->g, req, sizeof(req), resp, sizeof(resp), &len),
				 0);
		ck_assert_uint_eq(len, 0);
	}
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_CLK_A), 0);
	v->g.resp_cap = SIM_MSG_SIZE;
	assert_works(v);
}
END_TEST

START_TEST(test_oversized_request_gets_PROTOCOL_ERROR)
{
	struct vm *v = &vms[0];
	uint32_t w[64] = { VCLK_OWN };
	uint8_t *big = sim_guest_host(&v->g, v->scratch);

	probe(v, true);
	/* 4 + 128 bytes is the most an agent may send. */
	ck_assert_int_eq(callv(v, SCMI_PROTO_CLOCK, 0x3, 32, w), 0);
	ck_assert_int_eq(callv(v, SCMI_PROTO_CLOCK, 0x3, 33, w), SCMI_PROTOCOL_ERROR);
	ck_assert_int_eq(callv(v, SCMI_PROTO_CLOCK, 0x3, 60, w), SCMI_PROTOCOL_ERROR);
	/* A readable descriptor of 4 KiB is not read past what matters. */
	build_req(big, SCMI_HDR(0x3, 0, SCMI_PROTO_CLOCK, 9), 1, w);
	sim_guest_write_desc(&v->g, 0, 0, v->scratch, 4096, SIM_DESC_F_NEXT, 1);
	sim_guest_write_desc(&v->g, 0, 1, v->resp, SIM_MSG_SIZE, SIM_DESC_F_WRITE, 0);
	sim_guest_avail_add(&v->g, 0, 0);
	sim_guest_kick(&v->g, 0);
	ck_assert_uint_eq(vscmi_get_le32((uint8_t *)sim_guest_host(&v->g, v->resp) + 4),
			  (uint32_t)SCMI_PROTOCOL_ERROR);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_STATUS) & VIO_STATUS_NEEDS_RESET, 0);
}
END_TEST

/* --- eventq: delayed responses and notifications ---------------------------------- */

static void check_delayed_rate(struct vm *v, unsigned int i, uint32_t hz)
{
	uint32_t hdr = ev_word(v, i, 0);

	ck_assert_uint_eq(v->ev[i].type, SCMI_TYPE_DELAYED);
	ck_assert_uint_eq(v->ev[i].len, 20);
	ck_assert_uint_eq(SCMI_HDR_MSG(hdr), 0x5);
	ck_assert_uint_eq(SCMI_HDR_PROTO(hdr), SCMI_PROTO_CLOCK);
	ck_assert_uint_eq(SCMI_HDR_TOKEN(hdr), token & 0x3ff);
	ck_assert_uint_eq(ev_word(v, i, 1), 0);
	ck_assert_uint_eq(ev_word(v, i, 2), VCLK_OWN);
	ck_assert_uint_eq(ev_word(v, i, 3), hz);
}

START_TEST(test_async_rate_set_delayed_response_arrives_on_eventq)
{
	struct vm *v = &vms[0];
	unsigned int irqs;

	probe(v, true);
	async_rate_set(v, 50000000);
	ck_assert_int_eq(drain_events(v), 0);
	irqs = v->irqs;
	rig_run_deferred();
	ck_assert_uint_eq(v->irqs, irqs + 1);
	/* InterruptACK clears only the bits written. */
	wr(v, VIRTIO_MMIO_INTERRUPT_ACK, 2);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_INTERRUPT_STATUS), 1);
	ck_assert_int_eq(drain_events(v), 1);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	check_delayed_rate(v, 0, 50000000);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_RATE, PLAT_CLK_A), 50000000);
	ck_assert_uint_eq(scmi_stats(v).events, 1);
	/* The buffer went back, so the next one is delivered too. */
	async_rate_set(v, 60000000);
	rig_run_deferred();
	ck_assert_int_eq(drain_events(v), 1);
	check_delayed_rate(v, 1, 60000000);
}
END_TEST

/* --- ordering: a delayed response after its reply --------------------------------- */

/* Linux's probe with VIRTIO_F_EVENT_IDX, which the ring core keeps. */
static void probe_event_idx(struct vm *v)
{
	v->g.event_idx = true;
	v->g.events = 4;
	ck_assert_int_eq(sim_guest_probe(&v->g, true), 0);
	ck_assert_uint_eq(dev(v)->driver_features & VIO_F_EVENT_IDX, VIO_F_EVENT_IDX);
}

/* The driver says how far it has read the cmdq's used ring (used_event). */
static void driver_read_cmdq(struct vm *v, uint16_t n)
{
	sim_guest_set_used_event(&v->g, 0, n);
}

static uint16_t avail_event(struct vm *v, unsigned int qi)
{
	return sim_guest_avail_event(&v->g, qi);
}

/* A driver that services the eventq before the cmdq (Linux on virtio-pci)
 * must not find a delayed response before its reply: it waits until the
 * driver has read past the reply, then goes at the next look. */
START_TEST(test_delayed_response_waits_until_the_driver_took_its_reply)
{
	struct vm *v = &vms[0];

	probe_event_idx(v);
	async_rate_set(v, 50000000);
	/* the device asks for a kick at the next command */
	ck_assert_uint_eq(avail_event(v, 0), 1);
	ck_assert_int_eq(rig_ndeferred(), 1);
	rig_run_deferred();
	/* the reply is in the used ring, the driver has not said it read it */
	ck_assert_int_eq(drain_events(v), 0);
	ck_assert_uint_eq(scmi_stats(v).waiting, 1);
	ck_assert_int_eq(rig_ndeferred(), 1);
	ck_assert_uint_eq(rig_deferred_usec(0), 10);
	rig_run_deferred();
	ck_assert_int_eq(drain_events(v), 0);
	ck_assert_uint_eq(rig_deferred_usec(0), 20);

	driver_read_cmdq(v, 1);
	rig_run_deferred();
	ck_assert_int_eq(drain_events(v), 1);
	check_delayed_rate(v, 0, 50000000);
	ck_assert_uint_eq(scmi_stats(v).held, 1);
	ck_assert_uint_eq(scmi_stats(v).waiting, 0);
	ck_assert_int_eq(rig_ndeferred(), 0);

	/* read already when the delayed response comes: no wait at all */
	async_rate_set(v, 60000000);
	driver_read_cmdq(v, 2);
	rig_run_deferred();
	ck_assert_int_eq(drain_events(v), 1);
	ck_assert_int_eq(rig_ndeferred(), 0);
	ck_assert_uint_eq(scmi_stats(v).held, 1);
}
END_TEST

/* A kick on either queue is a look too; a driver that never says how far
 * it read gets the delayed response after VIO_SCMI_HOLD_MAX_US. A value
 * outside what was pushed (the used_event a driver writes while its
 * callbacks are off) does not count as read. */
START_TEST(test_held_delayed_response_goes_on_a_kick_or_after_the_cap)
{
	struct vm *v = &vms[0];
	uint64_t waited = 0;
	int looks = 0;

	probe_event_idx(v);
	async_rate_set(v, 50000000);
	rig_run_deferred();
	ck_assert_int_eq(drain_events(v), 0);
	driver_read_cmdq(v, 1);
	sim_guest_kick(&v->g, 0);
	ck_assert_int_eq(drain_events(v), 1);
	/* the look it had armed finds nothing */
	rig_run_deferred();
	ck_assert_int_eq(drain_events(v), 0);

	async_rate_set(v, 60000000);
	driver_read_cmdq(v, 0x8000);
	rig_run_deferred();
	while (drain_events(v) == 0 && looks < 100) {
		ck_assert_int_eq(rig_ndeferred(), 1);
		waited += rig_deferred_usec(0);
		rig_run_deferred();
		looks++;
	}
	ck_assert_uint_ge(waited, 100000);
	ck_assert_uint_lt(waited, 110000);
	ck_assert_uint_eq(scmi_stats(v).held_late, 1);
	check_delayed_rate(v, 1, 60000000);
}
END_TEST

START_TEST(test_delayed_response_waits_for_an_eventq_buffer)
{
	struct vm *v = &vms[0];
	unsigned int irqs;

	v->g.events = 0;
	probe(v, true);
	async_rate_set(v, 70000000);
	irqs = v->irqs;
	rig_run_deferred();
	ck_assert_uint_eq(v->irqs, irqs);
	ck_assert_uint_eq(scmi_stats(v).waiting, 1);
	ck_assert_uint_eq(scmi_stats(v).dropped, 0);
	/* A buffer and a notify of queue 1 let it out. */
	ck_assert_uint_eq(sim_guest_post_events(&v->g, 1), 1);
	ck_assert_uint_eq(v->irqs, irqs + 1);
	ck_assert_int_eq(drain_events(v), 1);
	check_delayed_rate(v, 0, 70000000);
	ck_assert_uint_eq(scmi_stats(v).waiting, 0);
	ck_assert_uint_eq(scmi_stats(v).events, 1);
}
END_TEST

/* A guest hears of the change it caused itself, so the notification is
 * sent while its own command is being served. */
START_TEST(test_notification_arrives_on_eventq_during_own_command)
{
	struct vm *v = &vms[0];

	probe(v, true);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_POWER, 0x6, 0, 1), 0);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_POWER, 0x4, 0, 0, PD_ON), 0);
	ck_assert_int_eq(drain_events(v), 1);
	ck_assert_uint_eq(v->ev[0].type, SCMI_TYPE_NOTIFICATION);
	ck_assert_uint_eq(v->ev[0].len, 16);
	ck_assert_uint_eq(ev_word(v, 0, 0),
			  SCMI_HDR(0, SCMI_TYPE_NOTIFICATION, SCMI_PROTO_POWER, 0));
	ck_assert_uint_eq(ev_word(v, 0, 1), 1);
	ck_assert_uint_eq(ev_word(v, 0, 2), 0);
	ck_assert_uint_eq(ev_word(v, 0, 3), PD_ON);
	ck_assert_uint_eq(scmi_stats(v).events, 1);
}
END_TEST

START_TEST(test_notification_without_buffer_is_dropped_and_counted)
{
	struct vm *v = &vms[0];

	v->g.events = 0;
	probe(v, true);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_POWER, 0x6, 0, 1), 0);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_POWER, 0x4, 0, 0, PD_ON), 0);
	ck_assert_uint_eq(scmi_stats(v).dropped, 1);
	ck_assert_uint_eq(scmi_stats(v).waiting, 0);
	/* Dropped, not kept: new buffers bring nothing. */
	sim_guest_post_events(&v->g, 4);
	ck_assert_int_eq(drain_events(v), 0);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_STATUS) & VIO_STATUS_NEEDS_RESET, 0);
}
END_TEST

/* An eventq buffer too small for the message: the buffer comes back with
 * used length 0 and the message is dropped and counted; the device keeps
 * running and the next message fills a buffer that fits. */
START_TEST(test_eventq_buffer_too_small_comes_back_empty)
{
	struct vm *v = &vms[0];
	struct sim_vq *eq = &v->g.vq[1];

	v->g.events = 0;
	probe(v, true);
	/* one 8-byte buffer: a power state notification is 16 */
	sim_guest_write_desc(&v->g, 1, 0, sim_guest_dma(&v->g, v->scratch), 8, SIM_DESC_F_WRITE,
			     0);
	eq->busy[0] = true;
	eq->cap[0] = 8;
	sim_guest_avail_add(&v->g, 1, 0);
	sim_guest_kick(&v->g, 1);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_POWER, 0x6, 0, 1), 0);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_POWER, 0x4, 0, 0, PD_ON), 0);
	ck_assert_int_eq(drain_events(v), 1);
	ck_assert_uint_eq(v->ev[0].len, 0);
	ck_assert_uint_eq(scmi_stats(v).dropped, 1);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_STATUS) & VIO_STATUS_NEEDS_RESET, 0);
	/* the driver gave the buffer straight back; made big enough, the
	 * next notification arrives in it whole */
	sim_guest_write_desc(&v->g, 1, 0, sim_guest_dma(&v->g, v->scratch), SIM_MSG_SIZE,
			     SIM_DESC_F_WRITE, 0);
	eq->cap[0] = SIM_MSG_SIZE;
	ck_assert_int_eq(CALL(v, SCMI_PROTO_POWER, 0x4, 0, 0, PD_OFF), 0);
	ck_assert_int_eq(drain_events(v), 1);
	ck_assert_uint_eq(v->ev[1].len, 16);
	ck_assert_uint_eq(vscmi_get_le32((uint8_t *)sim_guest_host(&v->g, v->scratch) + 12),
			  PD_OFF);
	ck_assert_uint_eq(scmi_stats(v).dropped, 1);
}
END_TEST

START_TEST(test_without_p2a_notify_and_async_get_NOT_SUPPORTED)
{
	struct vm *v = &vms[0];

	probe(v, false);
	ck_assert_uint_eq(dev(v)->driver_features, VIO_F_VERSION_1);
	wr(v, VIRTIO_MMIO_QUEUE_SEL, 1);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_QUEUE_READY), 0);
	assert_maps(v, 3);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_POWER, 0x6, 0, 1), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_CLOCK, 0x9, VCLK_OWN, 1), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_CLOCK, 0x5, 1, VCLK_OWN, 50000000, 0),
			 SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(rig_ndeferred(), 0);
	/* The synchronous form still works. */
	ck_assert_int_eq(CALL(v, SCMI_PROTO_CLOCK, 0x5, 0, VCLK_OWN, 50000000, 0), 0);
}
END_TEST

START_TEST(test_reset_drops_waiting_and_pending_delayed_responses)
{
	struct vm *v = &vms[0];

	v->g.events = 0;
	probe(v, true);
	async_rate_set(v, 70000000);
	rig_run_deferred();
	ck_assert_uint_eq(scmi_stats(v).waiting, 1);
	async_rate_set(v, 90000000);
	/* A new driver must not see answers to the old one's commands. */
	v->g.events = -1;
	probe(v, true);
	ck_assert_uint_eq(scmi_stats(v).waiting, 0);
	rig_run_deferred();
	ck_assert_int_eq(drain_events(v), 0);
	ck_assert_uint_eq(scmi_stats(v).events, 0);
}
END_TEST

/* --- hostile guests ---------------------------------------------------------------- */

static void desc(struct vm *v, unsigned int q, uint16_t i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	sim_guest_write_desc(&v->g, q, i, addr, len, flags, next);
}

static void post_cmd(struct vm *v, uint16_t head)
{
	sim_guest_avail_add(&v->g, 0, head);
	sim_guest_kick(&v->g, 0);
}

static void h_desc_self_loop(struct vm *v)
{
	desc(v, 0, 0, v->req, 4, SIM_DESC_F_NEXT, 0);
	post_cmd(v, 0);
}

static void h_desc_two_cycle(struct vm *v)
{
	desc(v, 0, 0, v->req, 4, SIM_DESC_F_NEXT, 1);
	desc(v, 0, 1, v->req, 4, SIM_DESC_F_NEXT, 0);
	post_cmd(v, 0);
}

static void h_next_beyond_ring(struct vm *v)
{
	desc(v, 0, 0, v->req, 4, SIM_DESC_F_NEXT, v->g.vq[0].num);
	post_cmd(v, 0);
}

static void h_chain_too_long(struct vm *v)
{
	uint16_t i;

	for (i = 0; i < VIO_CHAIN_MAX; i++)
		desc(v, 0, i, v->req, 1, SIM_DESC_F_NEXT, i + 1);
	desc(v, 0, i, v->resp, SIM_MSG_SIZE, SIM_DESC_F_WRITE, 0);
	post_cmd(v, 0);
}

static void h_indirect(struct vm *v)
{
	/* A well-formed table, built in the ring and copied out: the flag
	 * alone is what gets refused. */
	desc(v, 0, 0, v->req, 4, SIM_DESC_F_NEXT, 1);
	desc(v, 0, 1, v->resp, SIM_MSG_SIZE, SIM_DESC_F_WRITE, 0);
	memcpy(sim_guest_host(&v->g, v->scratch), sim_guest_host(&v->g, v->g.vq[0].desc), 32);
	desc(v, 0, 0, v->scratch, 32, SIM_DESC_F_INDIRECT, 0);
	post_cmd(v, 0);
}

static void h_readable_after_writable(struct vm *v)
{
	desc(v, 0, 0, v->resp, SIM_MSG_SIZE, SIM_DESC_F_WRITE | SIM_DESC_F_NEXT, 1);
	desc(v, 0, 1, v->req, 4, 0, 0);
	post_cmd(v, 0);
}

static void h_addr_len_overflow(struct vm *v)
{
	desc(v, 0, 0, UINT64_MAX - 15, 32, SIM_DESC_F_NEXT, 1);
	desc(v, 0, 1, v->resp, SIM_MSG_SIZE, SIM_DESC_F_WRITE, 0);
	post_cmd(v, 0);
}

static void h_avail_idx_leaps_past_ring(struct vm *v)
{
	desc(v, 0, 0, v->req, 4, SIM_DESC_F_NEXT, 1);
	desc(v, 0, 1, v->resp, SIM_MSG_SIZE, SIM_DESC_F_WRITE, 0);
	sim_guest_set_avail_idx(&v->g, 0, (uint16_t)(v->g.vq[0].avail_idx + v->g.vq[0].num + 1));
	sim_guest_kick(&v->g, 0);
}

static void h_head_beyond_ring(struct vm *v)
{
	post_cmd(v, v->g.vq[0].num);
}

static void h_request_outside_ram(struct vm *v)
{
	desc(v, 0, 0, RAM_GPA - 0x1000, 4, SIM_DESC_F_NEXT, 1);
	desc(v, 0, 1, v->resp, SIM_MSG_SIZE, SIM_DESC_F_WRITE, 0);
	post_cmd(v, 0);
}

static void h_response_outside_ram(struct vm *v)
{
	desc(v, 0, 0, v->req, 4, SIM_DESC_F_NEXT, 1);
	desc(v, 0, 1, RAM_END, SIM_MSG_SIZE, SIM_DESC_F_WRITE, 0);
	post_cmd(v, 0);
}

static void h_response_across_ram_end(struct vm *v)
{
	desc(v, 0, 0, v->req, 4, SIM_DESC_F_NEXT, 1);
	desc(v, 0, 1, RAM_END - 4, SIM_MSG_SIZE, SIM_DESC_F_WRITE, 0);
	post_cmd(v, 0);
}

/* A delayed response for the eventq, whose next buffer is desc 0. */
static void h_eventq_delayed(struct vm *v, uint64_t addr, uint16_t flags, uint16_t next)
{
	v->g.events = 0;
	probe(v, true);
	v->g.events = -1;
	desc(v, 1, 0, addr, SIM_MSG_SIZE, flags, next);
	sim_guest_avail_add(&v->g, 1, 0);
	sim_guest_kick(&v->g, 1);
	async_rate_set(v, 80000000);
	rig_run_deferred();
}

static void h_eventq_readable_buffer(struct vm *v)
{
	h_eventq_delayed(v, v->resp, 0, 0);
}

static void h_eventq_chain_loop(struct vm *v)
{
	h_eventq_delayed(v, v->resp, SIM_DESC_F_WRITE | SIM_DESC_F_NEXT, 0);
}

static void h_eventq_buffer_outside_ram(struct vm *v)
{
	h_eventq_delayed(v, RAM_END + 0x1000, SIM_DESC_F_WRITE, 0);
}

/* The guest's own command triggers a notification to itself while its
 * eventq is broken: the device breaks in the middle of serving the cmdq. */
static void h_own_notification_into_broken_eventq(struct vm *v)
{
	uint8_t req[16];

	ck_assert_int_eq(CALL(v, SCMI_PROTO_POWER, 0x6, 0, 1), 0);
	desc(v, 1, 0, RAM_END + 0x1000, SIM_MSG_SIZE, SIM_DESC_F_WRITE, 0);
	build_req(req, SCMI_HDR(0x4, 0, SCMI_PROTO_POWER, 3), 3, (const uint32_t[]){ 0, 0, PD_ON });
	ck_assert_int_ge(sim_guest_submit(&v->g, req, sizeof(req)), 0);
	sim_guest_kick(&v->g, 0);
}

/* Queue setup by hand, after a fresh handshake. */
static void raw_queue(struct vm *v, uint32_t num, uint64_t d, uint64_t a, uint64_t u)
{
	begin(v);
	ck_assert_int_eq(sim_guest_set_features(&v->g,
						VIO_F_VERSION_1 | VIO_SCMI_F_P2A_CHANNELS), 0);
	wr(v, VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(v, VIRTIO_MMIO_QUEUE_NUM, num);
	wr(v, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)d);
	wr(v, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(d >> 32));
	wr(v, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)a);
	wr(v, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(a >> 32));
	wr(v, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)u);
	wr(v, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(u >> 32));
	wr(v, VIRTIO_MMIO_QUEUE_READY, 1);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_QUEUE_READY), 0);
}

static void h_desc_ring_outside_ram(struct vm *v)
{
	raw_queue(v, 16, RAM_GPA - 0x1000, v->scratch + 1024, v->scratch + 2048);
}

static void h_used_ring_across_ram_end(struct vm *v)
{
	raw_queue(v, 16, v->scratch, v->scratch + 1024, RAM_END - 64);
}

static void h_desc_ring_misaligned(struct vm *v)
{
	raw_queue(v, 16, v->scratch + 8, v->scratch + 1024, v->scratch + 2048);
}

static void h_used_ring_misaligned(struct vm *v)
{
	raw_queue(v, 16, v->scratch, v->scratch + 1024, v->scratch + 2050);
}

static void h_queue_num_not_power_of_2(struct vm *v)
{
	raw_queue(v, 3, v->scratch, v->scratch + 1024, v->scratch + 2048);
}

static void h_queue_num_0(struct vm *v)
{
	raw_queue(v, 0, v->scratch, v->scratch + 1024, v->scratch + 2048);
}

static void h_queue_num_above_max(struct vm *v)
{
	raw_queue(v, 2 * QMAX, v->scratch, v->scratch + 1024, v->scratch + 2048);
}

static const struct {
	const char *name;
	void (*fn)(struct vm *v);
} hostile[] = {
	{ "descriptor next points to itself", h_desc_self_loop },
	{ "descriptors form a 2-cycle", h_desc_two_cycle },
	{ "next >= queue size", h_next_beyond_ring },
	{ "chain longer than VIO_CHAIN_MAX", h_chain_too_long },
	{ "INDIRECT descriptor", h_indirect },
	{ "readable after writable", h_readable_after_writable },
	{ "addr + len overflows", h_addr_len_overflow },
	{ "avail idx more than a ring ahead", h_avail_idx_leaps_past_ring },
	{ "head index >= queue size", h_head_beyond_ring },
	{ "request outside guest RAM", h_request_outside_ram },
	{ "response outside guest RAM", h_response_outside_ram },
	{ "response runs past the end of guest RAM", h_response_across_ram_end },
	{ "eventq buffer is device-readable", h_eventq_readable_buffer },
	{ "eventq chain loops", h_eventq_chain_loop },
	{ "eventq buffer outside guest RAM", h_eventq_buffer_outside_ram },
	{ "own notification into a broken eventq", h_own_notification_into_broken_eventq },
	{ "descriptor ring outside guest RAM", h_desc_ring_outside_ram },
	{ "used ring runs past the end of guest RAM", h_used_ring_across_ram_end },
	{ "descriptor ring misaligned", h_desc_ring_misaligned },
	{ "used ring misaligned", h_used_ring_misaligned },
	{ "QueueNum not a power of 2", h_queue_num_not_power_of_2 },
	{ "QueueNum 0", h_queue_num_0 },
	{ "QueueNum above QueueNumMax", h_queue_num_above_max },
};

#define NHOSTILE ((int)(sizeof(hostile) / sizeof(hostile[0])))

/* A break storm: 2000 rounds of probe, a vote, a ring that loops on itself
 * and the reset that follows. Every break is counted, each gives back the
 * rings and the vote; the other guest's device never breaks, its vote on
 * the shared bus clock stands (switched on once) and it is served
 * throughout. */
START_TEST(test_break_storm_disturbs_nobody)
{
	struct vm *v = &vms[0], *other = &vms[1];

	probe(other, true);
	ck_assert_int_eq(CALL(other, SCMI_PROTO_CLOCK, 0x7, VCLK_BUS, 1, 0), 0);
	for (int i = 0; i < 2000; i++) {
		probe(v, true);
		ck_assert_int_eq(CALL(v, SCMI_PROTO_CLOCK, 0x7, VCLK_OWN, 1, 0), 0);
		ck_assert_int_eq(CALL(v, SCMI_PROTO_CLOCK, 0x7, VCLK_BUS, 1, 0), 0);
		h_desc_self_loop(v);
		ck_assert_uint_ne(rd(v, VIRTIO_MMIO_STATUS) & VIO_STATUS_NEEDS_RESET, 0);
		assert_maps(v, 0);
		if (i % 200 == 0)
			assert_works(other);
	}
	ck_assert_uint_eq(dev(v)->stats.broken, 2000);
	wr(v, VIRTIO_MMIO_STATUS, 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_CLK_A), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_BUS), 1);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_BUS, 1), 1);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_BUS, 0), 0);
	ck_assert_uint_eq(dev(other)->stats.broken, 0);
	assert_works(other);
}
END_TEST

START_TEST(test_hostile_guest_breaks_only_its_own_device_until_reset)
{
	struct vm *v = &vms[0], *other = &vms[1];
	const char *name = hostile[_i].name;
	uint32_t gen, st;

	probe(v, true);
	probe(other, true);
	ck_assert_int_eq(CALL(v, SCMI_PROTO_CLOCK, 0x7, VCLK_OWN, 1, 0), 0);
	gen = rd(v, VIRTIO_MMIO_CONFIG_GENERATION);
	hostile[_i].fn(v);

	st = rd(v, VIRTIO_MMIO_STATUS);
	ck_assert_msg(st & VIO_STATUS_NEEDS_RESET, "%s: status 0x%x without NEEDS_RESET", name, st);
	ck_assert_msg(dev(v)->stats.broken == 1, "%s: broken %llu", name,
		      (unsigned long long)dev(v)->stats.broken);
	/* A running driver hears of it through a config change. */
	if (st & VIO_STATUS_DRIVER_OK) {
		ck_assert_msg(rd(v, VIRTIO_MMIO_INTERRUPT_STATUS) & 2, "%s: no config interrupt",
			      name);
		ck_assert_msg(rd(v, VIRTIO_MMIO_CONFIG_GENERATION) != gen, "%s: same generation",
			      name);
	} else {
		ck_assert_msg(!(rd(v, VIRTIO_MMIO_INTERRUPT_STATUS) & 2), "%s: interrupt", name);
	}
	/* Stopped and unmapped, and it stays that way until reset. */
	for (uint32_t q = 0; q < 2; q++) {
		wr(v, VIRTIO_MMIO_QUEUE_SEL, q);
		ck_assert_msg(rd(v, VIRTIO_MMIO_QUEUE_READY) == 0, "%s: queue %u ready", name, q);
	}
	ck_assert_msg(v->mem.nlive == 0 && v->mem.bad_unmaps == 0, "%s: %u mappings left", name,
		      v->mem.nlive);
	sim_guest_driver_ok(&v->g);
	ck_assert_uint_ne(rd(v, VIRTIO_MMIO_STATUS) & VIO_STATUS_NEEDS_RESET, 0);

	/* The other guest is undisturbed. */
	ck_assert_uint_eq(rd(other, VIRTIO_MMIO_STATUS) & VIO_STATUS_NEEDS_RESET, 0);
	ck_assert_uint_eq(dev(other)->stats.broken, 0);
	assert_works(other);

	/* Reset and probe again: working, and the old votes are gone. */
	probe(v, true);
	ck_assert_uint_eq(rd(v, VIRTIO_MMIO_STATUS) & VIO_STATUS_NEEDS_RESET, 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, PLAT_CLK_A), 0);
	assert_works(v);
	assert_maps(v, 6);
}
END_TEST

static Suite *virtio_suite(void)
{
	Suite *s = suite_create("virtio");
	TCase *tc;

	tc = tcase_create("registers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_identity_registers_read_as_specified);
	tcase_add_test(tc, test_feature_words_offer_p2a_event_idx_version_1_and_access_platform_when_asked);
	tcase_add_test(tc, test_queue_num_max_is_offered_for_two_queues_only);
	tcase_add_test(tc, test_queue_ready_reads_back_and_stopping_unmaps);
	tcase_add_test(tc, test_every_aligned_register_reads_its_value);
	tcase_add_test(tc, test_writes_to_read_only_and_reserved_registers_change_nothing);
	tcase_add_test(tc, test_odd_width_unaligned_and_outside_accesses_read_0_and_write_nothing);
	tcase_add_test(tc, test_queue_sel_out_of_range_reads_0_and_ignores_queue_writes);
	tcase_add_test(tc, test_queue_registers_written_while_ready_are_ignored);
	suite_add_tcase(s, tc);

	tc = tcase_create("status");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_features_ok_refused_for_unoffered_feature);
	tcase_add_test(tc, test_features_ok_refused_without_version_1);
	tcase_add_test(tc, test_driver_features_frozen_after_features_ok);
	tcase_add_test(tc, test_driver_ok_without_features_ok_is_not_set);
	tcase_add_test(tc, test_status_0_resets_device_and_releases_agent_votes);
	tcase_add_test(tc, test_reset_storm_leaves_nothing_and_disturbs_nobody);
	tcase_add_test(tc, test_interrupts_never_acknowledged_hold_nothing_up);
	tcase_add_test(tc, test_break_storm_disturbs_nobody);
	suite_add_tcase(s, tc);

	tc = tcase_create("cmdq");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_probe_then_base_version_with_exact_used_lengths);
	tcase_add_test(tc, test_clock_enable_and_power_state_set_get);
	tcase_add_test(tc, test_two_guests_share_pll_switched_on_once);
	tcase_add_test(tc, test_batched_commands_complete_with_their_own_heads);
	tcase_add_test(tc, test_chain_of_chain_max_descriptors_is_gathered_and_scattered);
	tcase_add_test(tc, test_response_buffer_under_8_bytes_gets_used_len_0_and_is_not_run);
	tcase_add_test(tc, test_oversized_request_gets_PROTOCOL_ERROR);
	suite_add_tcase(s, tc);

	tc = tcase_create("eventq");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_async_rate_set_delayed_response_arrives_on_eventq);
	tcase_add_test(tc, test_delayed_response_waits_for_an_eventq_buffer);
	tcase_add_test(tc, test_delayed_response_waits_until_the_driver_took_its_reply);
	tcase_add_test(tc, test_held_delayed_response_goes_on_a_kick_or_after_the_cap);
	tcase_add_test(tc, test_notification_arrives_on_eventq_during_own_command);
	tcase_add_test(tc, test_notification_without_buffer_is_dropped_and_counted);
	tcase_add_test(tc, test_eventq_buffer_too_small_comes_back_empty);
	tcase_add_test(tc, test_without_p2a_notify_and_async_get_NOT_SUPPORTED);
	tcase_add_test(tc, test_reset_drops_waiting_and_pending_delayed_responses);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_hostile_guest_breaks_only_its_own_device_until_reset, 0,
			    NHOSTILE);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return rig_run(virtio_suite());
}
