/* Performance, sensor and voltage protocols, driven through the server with
 * real messages: every message of each, multi-part replies, per-agent views,
 * votes, notifications, trip points and delayed responses. */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

#include "support/server_rig.h"

#define PERF SCMI_PROTO_PERF
#define SENSOR SCMI_PROTO_SENSOR
#define VOLT SCMI_PROTO_VOLTAGE
#define TOKEN 0x155

/* Agent ids; the second has a small channel. */
enum { GFX = 1, IVI = 2, NAGENTS = 2 };
#define IVI_PAYLOAD 64

/* Physical resources, by index in the model. */
enum { R_GPU, R_CPU };
enum { R_SOC, R_BOARD, NSENSORS = 6 };
enum { R_VCAM, R_VIO, R_VCORE };

#define GPU_LEVELS 12
#define VCAM_LEVELS 40
#define SENSOR_PLAT 30
#define TS 0x1122334455667788ull

static const char long_cpu[] = "cpu_big_cluster_domain";
static const char long_board[] = "board_ambient_temperature";
static const char long_vcore[] = "vdd_core_fixed_rail";

static struct vscmi_model model;
static struct vscmi_platform *emu;
static struct arb *arb;
static struct scmi_server *srv;

/* --- a platform whose sensors the test moves ------------------------------ */

/* Transitions go to the emulated platform (so its counters can be asked);
 * sensor readings are whatever the test last set. */
static int64_t sensor_val[NSENSORS];
static int sensor_err;

static int shim_apply(struct vscmi_platform *p, const struct vscmi_op *op)
{
	return vscmi_platform_apply(emu, op);
}

static int shim_sensor_read(struct vscmi_platform *p, uint32_t id, int64_t *value,
			    uint64_t *timestamp)
{
	if (sensor_err)
		return sensor_err;
	if (id < SENSOR_PLAT || id >= SENSOR_PLAT + NSENSORS)
		return -ENOENT;
	*value = sensor_val[id - SENSOR_PLAT];
	*timestamp = TS;
	return 0;
}

static uint64_t shim_delay(struct vscmi_platform *p, const struct vscmi_op *op)
{
	return emu->ops->completion_delay_us(emu, op);
}

static void shim_destroy(struct vscmi_platform *p)
{
}

static const struct vscmi_platform_ops shim_ops = {
	.name = "test",
	.apply = shim_apply,
	.sensor_read = shim_sensor_read,
	.completion_delay_us = shim_delay,
	.destroy = shim_destroy,
};

static struct vscmi_platform shim;

/* --- event loop and agent outputs ------------------------------------------ */

static void set_p2a(uint32_t agent, bool p2a)
{
	rig_set_output(srv, agent, p2a);
}

/* --- the model ----------------------------------------------------------- */

static uint32_t gpu_perf(uint32_t i)
{
	return 100 * (i + 1);
}

static int64_t vcam_uv(uint32_t i)
{
	return 800000 + 10000 * (int64_t)i;
}

static void build_model(void)
{
	struct vscmi_agent_desc *a;
	struct vscmi_res_desc *d;

	memset(&model, 0, sizeof(model));

	d = rig_add_res(&model, VSCMI_PERF, "gpu", 20, -1);
	d->u.perf.nlevels = GPU_LEVELS;
	for (uint32_t i = 0; i < GPU_LEVELS; i++)
		d->u.perf.levels[i] = (struct vscmi_perf_level){
			.perf = gpu_perf(i),
			.power = 50 * (i + 1),
			.latency_us = i == GPU_LEVELS - 1 ? 100000 : 10 + i,
			.freq_khz = 200000 * (i + 1),
		};
	d->u.perf.initial = 100;
	d->u.perf.rate_limit_us = 0x123456;
	d = rig_add_res(&model, VSCMI_PERF, long_cpu, 21, -1);
	d->u.perf.nlevels = 3;
	for (uint32_t i = 0; i < 3; i++)
		d->u.perf.levels[i] =
			(struct vscmi_perf_level){ 10 * (i + 1), 1, 1, 1000 * (i + 1) };
	d->u.perf.initial = 10;

	d = rig_add_res(&model, VSCMI_SENSOR, "soc_temp", SENSOR_PLAT + R_SOC, -1);
	d->u.sensor.type = 2;
	d->u.sensor.scale = -3;
	d->u.sensor.period_ms = 2500;
	d = rig_add_res(&model, VSCMI_SENSOR, long_board, SENSOR_PLAT + R_BOARD, -1);
	d->u.sensor.type = 2;
	for (int i = 2; i < NSENSORS; i++) {
		char name[8];

		snprintf(name, sizeof(name), "s%d", i);
		d = rig_add_res(&model, VSCMI_SENSOR, name, SENSOR_PLAT + (uint32_t)i, -1);
		d->u.sensor.type = 5;
		d->u.sensor.scale = 3;
		d->u.sensor.period_ms = 60000;
	}

	d = rig_add_res(&model, VSCMI_VOLTAGE, "vdd_cam", 40, -1);
	d->u.voltage.policy = VSCMI_POLICY_MAX;
	d->u.voltage.levels.count = VCAM_LEVELS;
	for (uint32_t i = 0; i < VCAM_LEVELS; i++)
		d->u.voltage.levels.values[i] = vcam_uv(i);
	d->u.voltage.level = vcam_uv(0);
	d = rig_add_res(&model, VSCMI_VOLTAGE, "vdd_io", 41, -1);
	d->u.voltage.policy = VSCMI_POLICY_EXCLUSIVE;
	d->u.voltage.levels.segment = true;
	d->u.voltage.levels.min = 1700000;
	d->u.voltage.levels.max = 1900000;
	d->u.voltage.levels.step = 50000;
	d->u.voltage.level = 1800000;
	d = rig_add_res(&model, VSCMI_VOLTAGE, long_vcore, 42, -1);
	d->u.voltage.policy = VSCMI_POLICY_FIXED;
	d->u.voltage.levels.count = 1;
	d->u.voltage.levels.values[0] = 900000;
	d->u.voltage.level = 900000;
	d->u.voltage.on = true;

	/* gfx numbers the gpu 1 and sees everything; ivi numbers the gpu 0,
	 * sees two sensors and two regulators, in another order. */
	a = rig_add_agent(&model, "gfx", SCMI_PROTO_ALL, SCMI_DEFAULT_PAYLOAD);
	rig_add_view(a, VSCMI_PERF, R_CPU, NULL);
	rig_add_view(a, VSCMI_PERF, R_GPU, NULL);
	for (uint32_t i = 0; i < NSENSORS; i++)
		rig_add_view(a, VSCMI_SENSOR, i, NULL);
	rig_add_view(a, VSCMI_VOLTAGE, R_VCAM, NULL);
	rig_add_view(a, VSCMI_VOLTAGE, R_VIO, NULL);
	rig_add_view(a, VSCMI_VOLTAGE, R_VCORE, NULL);
	a = rig_add_agent(&model, "ivi", SCMI_PROTO_ALL, IVI_PAYLOAD);
	rig_add_view(a, VSCMI_PERF, R_GPU, "3d");
	rig_add_view(a, VSCMI_SENSOR, R_BOARD, "ambient");
	rig_add_view(a, VSCMI_SENSOR, R_SOC, NULL);
	rig_add_view(a, VSCMI_VOLTAGE, R_VCORE, NULL);
	rig_add_view(a, VSCMI_VOLTAGE, R_VCAM, "cam");
}

static void setup(void)
{
	struct scmi_hooks hooks = { .defer = rig_defer };

	build_model();
	rig_reset(RIG_INBOX);
	memset(sensor_val, 0, sizeof(sensor_val));
	sensor_err = 0;
	emu = vscmi_emu_new(&model);
	ck_assert_ptr_nonnull(emu);
	memset(&shim, 0, sizeof(shim));
	shim.ops = &shim_ops;
	arb = arb_new(&model, &shim);
	ck_assert_ptr_nonnull(arb);
	srv = scmi_server_new(&model, arb, &shim, &hooks);
	ck_assert_ptr_nonnull(srv);
	for (uint32_t i = 1; i <= NAGENTS; i++)
		set_p2a(i, true);
}

static void teardown(void)
{
	scmi_server_free(srv);
	arb_free(arb);
	vscmi_platform_free(emu);
	vscmi_model_free(&model);
}

/* --- messages ------------------------------------------------------------ */

static uint8_t resp[SCMI_MSG_MAX];
static size_t resp_len;

/* Return value word i, after the status. */
static uint32_t rw(size_t i)
{
	ck_assert_uint_ge(resp_len, 8 + 4 * (i + 1));
	return vscmi_get_le32(resp + 8 + 4 * i);
}

/* The 16- or 64-byte name field at byte offset off of the return values. */
static const char *rname(size_t off, size_t width)
{
	ck_assert_uint_ge(resp_len, 8 + off + width);
	ck_assert_uint_eq(resp[8 + off + width - 1], 0);
	return (const char *)resp + 8 + off;
}

/* A 16-byte name field holding the first 15 characters of a longer name. */
static void expect_truncated(const char *field, const char *full)
{
	ck_assert_uint_eq(strnlen(field, 16), 15);
	ck_assert_int_eq(memcmp(field, full, 15), 0);
}

static int32_t cmdv(uint32_t agent, uint8_t proto, uint8_t msg, int n, const uint32_t *w)
{
	ck_assert_int_le(n, 8);
	memset(resp, 0xa5, sizeof(resp));
	return rig_cmd(srv, agent, SCMI_HDR(msg, SCMI_TYPE_COMMAND, proto, TOKEN), n, w, resp,
			 sizeof(resp), &resp_len);
}

/* cmd(agent, protocol, message, number of words, words...) */
static int32_t cmd(uint32_t agent, uint8_t proto, uint8_t msg, int n, ...)
{
	uint32_t w[8];
	va_list ap;

	ck_assert_int_le(n, 8);
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		w[i] = va_arg(ap, uint32_t);
	va_end(ap);
	return cmdv(agent, proto, msg, n, w);
}

#define OK(expr) ck_assert_int_eq((expr), SCMI_SUCCESS)

/* Asserts the agent's inbox entry i: header, then the given words. */
static void expect_msg(uint32_t agent, int i, uint32_t hdr, int n, ...)
{
	const uint8_t *b;
	va_list ap;

	ck_assert_int_gt(rig_ninbox(agent), i);
	b = rig_msg(agent, i)->b;
	ck_assert_uint_eq(rig_msg(agent, i)->len, 4 + 4 * (size_t)n);
	ck_assert_uint_eq(vscmi_get_le32(b), hdr);
	va_start(ap, n);
	for (int k = 0; k < n; k++) {
		uint32_t want = va_arg(ap, uint32_t);

		ck_assert_msg(vscmi_get_le32(b + 4 + 4 * k) == want,
			      "agent %u msg %d word %d: 0x%x, want 0x%x", agent, i, k,
			      vscmi_get_le32(b + 4 + 4 * k), want);
	}
	va_end(ap);
}

static struct scmi_agent_stats stats(uint32_t agent)
{
	struct scmi_agent_stats st;

	scmi_agent_stats(scmi_server_agent(srv, agent), &st);
	return st;
}

#define NOTIF(proto, msg) SCMI_HDR(msg, SCMI_TYPE_NOTIFICATION, proto, 0)
#define DRESP(proto, msg) SCMI_HDR(msg, SCMI_TYPE_DELAYED, proto, TOKEN)

/* --- validation common to the three protocols ---------------------------- */

static const struct {
	uint8_t proto, msg, words;
} fixed_len[] = {
	{ PERF, 0x2, 1 },   { PERF, 0x3, 1 },   { PERF, 0x4, 2 },   { PERF, 0x5, 3 },
	{ PERF, 0x6, 1 },   { PERF, 0x7, 2 },   { PERF, 0x8, 1 },   { PERF, 0x9, 2 },
	{ PERF, 0xa, 2 },   { PERF, 0xb, 2 },   { PERF, 0xc, 1 },   { PERF, 0x10, 1 },
	{ SENSOR, 0x2, 1 }, { SENSOR, 0x3, 1 }, { SENSOR, 0x4, 2 }, { SENSOR, 0x5, 4 },
	{ SENSOR, 0x6, 2 }, { SENSOR, 0x7, 2 }, { SENSOR, 0x8, 2 }, { SENSOR, 0x9, 1 },
	{ SENSOR, 0xa, 2 }, { SENSOR, 0xb, 2 }, { SENSOR, 0xc, 1 }, { SENSOR, 0xd, 2 },
	{ SENSOR, 0x10, 1 }, { VOLT, 0x2, 1 },  { VOLT, 0x3, 1 },   { VOLT, 0x4, 2 },
	{ VOLT, 0x5, 2 },   { VOLT, 0x6, 1 },   { VOLT, 0x7, 3 },   { VOLT, 0x8, 1 },
	{ VOLT, 0x9, 1 },   { VOLT, 0x10, 1 },
};

/* One word short of the fixed part is malformed; the full fixed part is
 * not (whatever the handler then answers). */
START_TEST(test_short_payloads_expect_PROTOCOL_ERROR)
{
	uint32_t w[8] = { 0 };
	uint8_t p = fixed_len[_i].proto, m = fixed_len[_i].msg, n = fixed_len[_i].words;
	struct scmi_agent_stats before = stats(GFX);

	for (int k = 0; k < n; k++)
		ck_assert_int_eq(cmdv(GFX, p, m, k, w), SCMI_PROTOCOL_ERROR);
	ck_assert_uint_eq(stats(GFX).malformed - before.malformed, n);
	ck_assert_int_ne(cmdv(GFX, p, m, n, w), SCMI_PROTOCOL_ERROR);
}
END_TEST

START_TEST(test_versions_and_unknown_messages)
{
	OK(cmd(GFX, PERF, 0x0, 0));
	ck_assert_uint_eq(rw(0), 0x40000);
	OK(cmd(GFX, SENSOR, 0x0, 0));
	ck_assert_uint_eq(rw(0), 0x30001);
	OK(cmd(GFX, VOLT, 0x0, 0));
	ck_assert_uint_eq(rw(0), 0x20001);
	ck_assert_int_eq(cmd(GFX, PERF, 0xd, 0), SCMI_NOT_FOUND);
	ck_assert_int_eq(cmd(GFX, SENSOR, 0xe, 0), SCMI_NOT_FOUND);
	ck_assert_int_eq(cmd(GFX, VOLT, 0xa, 0), SCMI_NOT_FOUND);
	ck_assert_int_eq(cmd(GFX, VOLT, 0x2, 1, 0xa), SCMI_NOT_FOUND);
	OK(cmd(GFX, VOLT, 0x10, 1, 0x20000));
	ck_assert_int_eq(cmd(GFX, VOLT, 0x10, 1, 0x30000), SCMI_NOT_SUPPORTED);
	OK(cmd(GFX, SENSOR, 0x10, 1, 0x30000));
}
END_TEST

/* Every message taking a resource ID answers NOT_FOUND for one outside
 * the agent's view, even when the resource exists in the system. */
static const struct {
	uint8_t proto, msg, words;
} id_msgs[] = {
	{ PERF, 0x3, 1 },   { PERF, 0x4, 2 },   { PERF, 0x5, 3 },   { PERF, 0x6, 1 },
	{ PERF, 0x7, 2 },   { PERF, 0x8, 1 },   { PERF, 0x9, 2 },   { PERF, 0xa, 2 },
	{ PERF, 0xb, 2 },   { PERF, 0xc, 1 },   { SENSOR, 0x4, 2 }, { SENSOR, 0x5, 4 },
	{ SENSOR, 0x6, 2 }, { SENSOR, 0x7, 2 }, { SENSOR, 0x8, 2 }, { SENSOR, 0x9, 1 },
	{ SENSOR, 0xa, 2 }, { SENSOR, 0xb, 2 }, { SENSOR, 0xc, 1 }, { SENSOR, 0xd, 2 },
	{ VOLT, 0x3, 1 },   { VOLT, 0x4, 2 },   { VOLT, 0x5, 2 },   { VOLT, 0x6, 1 },
	{ VOLT, 0x7, 3 },   { VOLT, 0x8, 1 },   { VOLT, 0x9, 1 },
};

START_TEST(test_ids_outside_view_expect_NOT_FOUND)
{
	uint8_t p = id_msgs[_i].proto, m = id_msgs[_i].msg, n = id_msgs[_i].words;
	/* ivi sees 1 perf domain, 2 sensors, 2 regulators */
	uint32_t first_unseen = p == PERF ? 1 : 2;
	uint32_t w[4] = { first_unseen, 1, 0, 0 };

	ck_assert_int_eq(cmdv(IVI, p, m, n, w), SCMI_NOT_FOUND);
	w[0] = 0xffffffff;
	ck_assert_int_eq(cmdv(IVI, p, m, n, w), SCMI_NOT_FOUND);
	ck_assert_int_eq(cmdv(GFX, p, m, n, w), SCMI_NOT_FOUND);
	/* nothing reached the platform */
	ck_assert_uint_eq(vscmi_emu_log(emu, &(const struct vscmi_op *){ NULL }), 0);
}
END_TEST

/* --- performance ----------------------------------------------------------- */

START_TEST(test_perf_protocol_attributes)
{
	OK(cmd(GFX, PERF, 0x1, 0));
	ck_assert_uint_eq(resp_len, 8 + 16);
	ck_assert_uint_eq(rw(0), 1u << 16 | 2);
	ck_assert_uint_eq(rw(1), 0);
	ck_assert_uint_eq(rw(2), 0);
	ck_assert_uint_eq(rw(3), 0);
	OK(cmd(IVI, PERF, 0x1, 0));
	ck_assert_uint_eq(rw(0), 1u << 16 | 1);
	/* no fastchannels: bit 0 of every message's attributes is clear */
	for (uint32_t m = 0x3; m <= 0xc; m++) {
		OK(cmd(GFX, PERF, 0x2, 1, m));
		ck_assert_uint_eq(rw(0), 0);
	}
}
END_TEST

START_TEST(test_perf_domain_attributes)
{
	OK(cmd(GFX, PERF, 0x3, 1, 1));
	ck_assert_uint_eq(resp_len, 8 + 16 + 16);
	ck_assert_uint_eq(rw(0), 0xf0000000u);
	ck_assert_uint_eq(rw(1), 0x23456);
	ck_assert_uint_eq(rw(2), 200000 * GPU_LEVELS);
	ck_assert_uint_eq(rw(3), gpu_perf(GPU_LEVELS - 1));
	ck_assert_str_eq(rname(16, 16), "gpu");

	/* the agent's own name; a long one is truncated and flagged */
	OK(cmd(IVI, PERF, 0x3, 1, 0));
	ck_assert_str_eq(rname(16, 16), "3d");
	OK(cmd(GFX, PERF, 0x3, 1, 0));
	ck_assert_uint_eq(rw(0), 0xf0000000u | 1u << 26);
	ck_assert_uint_eq(rw(2), 3000);
	ck_assert_uint_eq(rw(3), 30);
	expect_truncated(rname(16, 16), long_cpu);

	/* without a p2a channel there is nothing to notify on */
	set_p2a(GFX, false);
	OK(cmd(GFX, PERF, 0x3, 1, 1));
	ck_assert_uint_eq(rw(0), 0xc0000000u);
}
END_TEST

/* Walks DESCRIBE_LEVELS from index 0, checking every entry; returns how
 * many replies it took. */
static int walk_perf_levels(uint32_t agent, uint32_t domain, uint32_t per_reply)
{
	uint32_t index = 0;
	int replies = 0;

	for (;;) {
		uint32_t n, remaining;

		OK(cmd(agent, PERF, 0x4, 2, domain, index));
		n = rw(0) & 0xffff;
		remaining = rw(0) >> 16;
		replies++;
		ck_assert_uint_eq(n, GPU_LEVELS - index < per_reply ? GPU_LEVELS - index
								  : per_reply);
		ck_assert_uint_eq(remaining, GPU_LEVELS - index - n);
		ck_assert_uint_eq(resp_len, 8 + 4 + 20 * (size_t)n);
		for (uint32_t k = 0; k < n; k++) {
			uint32_t i = index + k;
			const uint8_t *e = resp + 8 + 4 + 20 * k;
			uint32_t lat = i == GPU_LEVELS - 1 ? 0xffff : 10 + i;

			ck_assert_uint_eq(vscmi_get_le32(e), gpu_perf(i));
			ck_assert_uint_eq(vscmi_get_le32(e + 4), 50 * (i + 1));
			/* latency_us in the low half, reserved zero above */
			ck_assert_uint_eq(vscmi_get_le32(e + 8), lat);
			ck_assert_uint_eq(vscmi_get_le32(e + 12), 200000 * (i + 1));
			ck_assert_uint_eq(vscmi_get_le32(e + 16), i);
		}
		index += n;
		if (!remaining)
			return replies;
		ck_assert_int_lt(replies, GPU_LEVELS);
	}
}

START_TEST(test_perf_describe_levels_multipart)
{
	/* 128 bytes of return values: 6 levels a reply; 64 bytes: 3 */
	ck_assert_int_eq(walk_perf_levels(GFX, 1, 6), 2);
	ck_assert_int_eq(walk_perf_levels(IVI, 0, 3), 4);
	OK(cmd(GFX, PERF, 0x4, 2, 1, GPU_LEVELS));
	ck_assert_uint_eq(rw(0), 0);
	ck_assert_uint_eq(resp_len, 12);
	ck_assert_int_eq(cmd(GFX, PERF, 0x4, 2, 1, GPU_LEVELS + 1), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(cmd(GFX, PERF, 0x4, 2, 1, 0xffffffff), SCMI_INVALID_PARAMETERS);
}
END_TEST

START_TEST(test_perf_level_reads_own_vote)
{
	/* before any vote, both read what the domain runs at */
	OK(cmd(GFX, PERF, 0x8, 1, 1));
	ck_assert_uint_eq(rw(0), 100);
	OK(cmd(GFX, PERF, 0x7, 2, 1, 500));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_PERF_LEVEL, 20), 500);
	OK(cmd(IVI, PERF, 0x8, 1, 0));
	ck_assert_uint_eq(rw(0), 500);
	/* the max of the votes runs; each reads its own */
	OK(cmd(IVI, PERF, 0x7, 2, 0, 300));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_PERF_LEVEL, 20), 500);
	OK(cmd(IVI, PERF, 0x8, 1, 0));
	ck_assert_uint_eq(rw(0), 300);
	OK(cmd(GFX, PERF, 0x8, 1, 1));
	ck_assert_uint_eq(rw(0), 500);
	OK(cmd(GFX, PERF, 0x7, 2, 1, 200));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_PERF_LEVEL, 20), 300);
	/* only listed levels */
	ck_assert_int_eq(cmd(GFX, PERF, 0x7, 2, 1, 250), SCMI_OUT_OF_RANGE);
	ck_assert_int_eq(cmd(GFX, PERF, 0x7, 2, 1, 0), SCMI_OUT_OF_RANGE);
	OK(cmd(GFX, PERF, 0x8, 1, 1));
	ck_assert_uint_eq(rw(0), 200);
	/* the other domain is untouched */
	OK(cmd(GFX, PERF, 0x8, 1, 0));
	ck_assert_uint_eq(rw(0), 10);
}
END_TEST

START_TEST(test_perf_limits)
{
	OK(cmd(GFX, PERF, 0x6, 1, 1));
	ck_assert_uint_eq(resp_len, 16);
	ck_assert_uint_eq(rw(0), gpu_perf(GPU_LEVELS - 1));
	ck_assert_uint_eq(rw(1), gpu_perf(0));
	ck_assert_int_eq(cmd(GFX, PERF, 0x5, 3, 1, 0, 0), SCMI_INVALID_PARAMETERS);

	/* 0 keeps a bound */
	OK(cmd(GFX, PERF, 0x5, 3, 1, 800, 0));
	OK(cmd(GFX, PERF, 0x6, 1, 1));
	ck_assert_uint_eq(rw(0), 800);
	ck_assert_uint_eq(rw(1), 100);
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_PERF_LIMITS, 20), 800);
	OK(cmd(GFX, PERF, 0x5, 3, 1, 0, 300));
	OK(cmd(GFX, PERF, 0x6, 1, 1));
	ck_assert_uint_eq(rw(0), 800);
	ck_assert_uint_eq(rw(1), 300);

	/* a level above the limit is clamped; the agent reads its vote */
	OK(cmd(IVI, PERF, 0x7, 2, 0, 1000));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_PERF_LEVEL, 20), 800);
	OK(cmd(IVI, PERF, 0x8, 1, 0));
	ck_assert_uint_eq(rw(0), 1000);

	/* limits that leave no common range are refused; others' unchanged */
	ck_assert_int_eq(cmd(IVI, PERF, 0x5, 3, 0, 0, 900), SCMI_DENIED);
	OK(cmd(IVI, PERF, 0x6, 1, 0));
	ck_assert_uint_eq(rw(0), gpu_perf(GPU_LEVELS - 1));
	ck_assert_uint_eq(rw(1), gpu_perf(0));
	ck_assert_int_eq(cmd(IVI, PERF, 0x5, 3, 0, 200, 400), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(cmd(IVI, PERF, 0x5, 3, 0, 5000, 0), SCMI_OUT_OF_RANGE);
	OK(cmd(IVI, PERF, 0x5, 3, 0, 600, 0));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_PERF_LEVEL, 20), 600);
	/* a limit between levels: the platform gets a level, and the limit
	 * on the table; the agent reads back what it asked */
	OK(cmd(IVI, PERF, 0x5, 3, 0, 550, 0));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_PERF_LEVEL, 20), 500);
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_PERF_LIMITS, 20), 500);
	OK(cmd(IVI, PERF, 0x6, 1, 0));
	ck_assert_uint_eq(rw(0), 550);
}
END_TEST

/* An agent hears of changes to what it reads back: its own changes under
 * its own id, others' (from the platform, id 0) only where it has no vote
 * of its own for what changed. */
START_TEST(test_perf_notifications_follow_what_each_agent_reads)
{
	/* gfx: levels of the gpu (its domain 1); ivi: limits (its domain 0) */
	OK(cmd(GFX, PERF, 0xa, 2, 1, 1));
	OK(cmd(IVI, PERF, 0x9, 2, 0, 1));
	ck_assert_int_eq(cmd(GFX, PERF, 0xa, 2, 1, 2), SCMI_INVALID_PARAMETERS);

	OK(cmd(GFX, PERF, 0x7, 2, 1, 400));
	ck_assert_int_eq(rig_ninbox(GFX), 1);
	ck_assert_int_eq(rig_ninbox(IVI), 0);
	expect_msg(GFX, 0, NOTIF(PERF, 0x1), 3, GFX, 1, 400);

	/* ivi's limit moves the level, but gfx reads its own vote of 400 */
	OK(cmd(IVI, PERF, 0x5, 3, 0, 300, 0));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_PERF_LEVEL, 20), 300);
	ck_assert_int_eq(rig_ninbox(IVI), 1);
	expect_msg(IVI, 0, NOTIF(PERF, 0x0), 4, IVI, 0, 300, 100);
	ck_assert_int_eq(rig_ninbox(GFX), 1);
	ck_assert_uint_eq(stats(GFX).notifications, 1);

	/* no physical change, no notification */
	OK(cmd(GFX, PERF, 0x7, 2, 1, 500));
	ck_assert_int_eq(rig_ninbox(GFX), 1);

	/* ivi has no level vote and gfx no limits: each follows what the
	 * other changes, told by the platform */
	OK(cmd(IVI, PERF, 0xa, 2, 0, 1));
	OK(cmd(GFX, PERF, 0x9, 2, 1, 1));
	OK(cmd(IVI, PERF, 0x5, 3, 0, 1200, 0));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_PERF_LEVEL, 20), 500);
	ck_assert_int_eq(rig_ninbox(IVI), 3);
	expect_msg(IVI, 1, NOTIF(PERF, 0x0), 4, IVI, 0, 1200, 100);
	expect_msg(IVI, 2, NOTIF(PERF, 0x1), 3, IVI, 0, 500);
	ck_assert_int_eq(rig_ninbox(GFX), 2);
	expect_msg(GFX, 1, NOTIF(PERF, 0x0), 4, 0, 1, 1200, 100);
	OK(cmd(GFX, PERF, 0x7, 2, 1, 600));
	ck_assert_int_eq(rig_ninbox(IVI), 4);
	expect_msg(IVI, 3, NOTIF(PERF, 0x1), 3, 0, 0, 600);
	ck_assert_int_eq(rig_ninbox(GFX), 3);
	expect_msg(GFX, 2, NOTIF(PERF, 0x1), 3, GFX, 1, 600);

	/* once gfx limits itself, ivi's limits are no news to it, nor its
	 * to ivi, which has limits of its own */
	OK(cmd(GFX, PERF, 0x5, 3, 1, 1100, 0));
	ck_assert_int_eq(rig_ninbox(GFX), 4);
	expect_msg(GFX, 3, NOTIF(PERF, 0x0), 4, GFX, 1, 1100, 100);
	ck_assert_int_eq(rig_ninbox(IVI), 4);
	OK(cmd(IVI, PERF, 0x5, 3, 0, 1000, 0));
	ck_assert_int_eq(rig_ninbox(GFX), 4);
	ck_assert_int_eq(rig_ninbox(IVI), 5);
	expect_msg(IVI, 4, NOTIF(PERF, 0x0), 4, IVI, 0, 1000, 100);

	/* unsubscribed: silence */
	OK(cmd(GFX, PERF, 0xa, 2, 1, 0));
	OK(cmd(GFX, PERF, 0x9, 2, 1, 0));
	OK(cmd(IVI, PERF, 0x5, 3, 0, 400, 0));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_PERF_LEVEL, 20), 400);
	ck_assert_int_eq(rig_ninbox(GFX), 4);

	/* no p2a channel: notifications cannot be had */
	set_p2a(IVI, false);
	ck_assert_int_eq(cmd(IVI, PERF, 0xa, 2, 0, 1), SCMI_NOT_SUPPORTED);
}
END_TEST

START_TEST(test_perf_fastchannel_and_name)
{
	ck_assert_int_eq(cmd(GFX, PERF, 0xb, 2, 1, 0x7), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(cmd(GFX, PERF, 0xb, 2, 2, 0x7), SCMI_NOT_FOUND);
	OK(cmd(GFX, PERF, 0xc, 1, 0));
	ck_assert_uint_eq(resp_len, 8 + 4 + 64);
	ck_assert_uint_eq(rw(0), 0);
	ck_assert_str_eq(rname(4, 64), long_cpu);
}
END_TEST

/* --- sensors --------------------------------------------------------------- */

START_TEST(test_sensor_protocol_attributes)
{
	OK(cmd(GFX, SENSOR, 0x1, 0));
	ck_assert_uint_eq(resp_len, 8 + 16);
	ck_assert_uint_eq(rw(0), 16u << 16 | NSENSORS);
	ck_assert_uint_eq(rw(1) | rw(2) | rw(3), 0);
	set_p2a(IVI, false);
	OK(cmd(IVI, SENSOR, 0x1, 0));
	ck_assert_uint_eq(rw(0), 2);
}
END_TEST

static void check_sensor_desc(const uint8_t *e, uint32_t id, uint32_t attr_lo,
			      uint32_t attr_hi, const char *name)
{
	ck_assert_uint_eq(vscmi_get_le32(e), id);
	ck_assert_uint_eq(vscmi_get_le32(e + 4), attr_lo);
	ck_assert_uint_eq(vscmi_get_le32(e + 8), attr_hi);
	ck_assert_uint_eq(e[12 + 15], 0);
	if (name)
		ck_assert_str_eq((const char *)e + 12, name);
}

START_TEST(test_sensor_description_multipart)
{
	const uint32_t async_notify = 1u << 31 | 1u << 30, trips = 4;

	/* 4 descriptors fit 128 bytes */
	OK(cmd(GFX, SENSOR, 0x3, 1, 0));
	ck_assert_uint_eq(rw(0), 2u << 16 | 4);
	ck_assert_uint_eq(resp_len, 8 + 4 + 4 * 28);
	check_sensor_desc(resp + 12, 0, async_notify | trips, 0x1du << 11 | 2, "soc_temp");
	check_sensor_desc(resp + 12 + 28, 1, async_notify | 1u << 29 | trips, 2, NULL);
	expect_truncated((const char *)resp + 12 + 28 + 12, long_board);
	check_sensor_desc(resp + 12 + 56, 2, async_notify | trips, 3u << 11 | 5, "s2");
	OK(cmd(GFX, SENSOR, 0x3, 1, 4));
	ck_assert_uint_eq(rw(0), 2);
	ck_assert_uint_eq(resp_len, 8 + 4 + 2 * 28);
	check_sensor_desc(resp + 12 + 28, 5, async_notify | trips, 3u << 11 | 5, "s5");
	OK(cmd(GFX, SENSOR, 0x3, 1, NSENSORS));
	ck_assert_uint_eq(rw(0), 0);
	ck_assert_int_eq(cmd(GFX, SENSOR, 0x3, 1, NSENSORS + 1), SCMI_INVALID_PARAMETERS);

	/* 64 bytes: 2 a reply; the agent's own numbering and names */
	OK(cmd(IVI, SENSOR, 0x3, 1, 0));
	ck_assert_uint_eq(rw(0), 2);
	check_sensor_desc(resp + 12, 0, async_notify | trips, 2, "ambient");
	check_sensor_desc(resp + 12 + 28, 1, async_notify | trips, 0x1du << 11 | 2, "soc_temp");
	set_p2a(IVI, false);
	OK(cmd(IVI, SENSOR, 0x3, 1, 1));
	ck_assert_uint_eq(rw(0), 1);
	check_sensor_desc(resp + 12, 1, trips, 0x1du << 11 | 2, "soc_temp");
}
END_TEST

START_TEST(test_sensor_reading_sync)
{
	int64_t v = -1234567890123ll;

	sensor_val[R_SOC] = v;
	OK(cmd(GFX, SENSOR, 0x6, 2, 0, 0));
	ck_assert_uint_eq(resp_len, 8 + 16);
	ck_assert_uint_eq(rw(0), (uint32_t)v);
	ck_assert_uint_eq(rw(1), (uint32_t)((uint64_t)v >> 32));
	ck_assert_uint_eq(rw(2), (uint32_t)TS);
	ck_assert_uint_eq(rw(3), (uint32_t)(TS >> 32));
	/* ivi's sensor 1 is the same physical sensor */
	OK(cmd(IVI, SENSOR, 0x6, 2, 1, 0));
	ck_assert_uint_eq(rw(0), (uint32_t)v);
	ck_assert_int_eq(cmd(GFX, SENSOR, 0x6, 2, 0, 2), SCMI_INVALID_PARAMETERS);
	sensor_err = -EIO;
	ck_assert_int_eq(cmd(GFX, SENSOR, 0x6, 2, 0, 0), SCMI_HARDWARE_ERROR);
	ck_assert_int_eq(cmd(GFX, SENSOR, 0x6, 2, 0, 1), SCMI_HARDWARE_ERROR);
	ck_assert_int_eq(rig_ndeferred(), 0);
}
END_TEST

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The emulated reading at a time, computed wide. */
static __int128 wave_at(int64_t value, int64_t amp, uint32_t period, uint64_t ms)
{
	uint64_t phase = ms % (2ull * period);

	if (phase >= period)
		phase = 2ull * period - phase;
	return (__int128)value - amp + (__int128)2 * amp * (__int128)phase / period;
}

/* The widest waves the emulated platform is given, read between two
 * clock readings: the value lies between the wave at either, and within
 * int64_t. */
START_TEST(test_sensor_emulated_wave_does_not_overflow)
{
	static const struct {
		int64_t value, amp, want_value, want_amp;
		uint32_t period;
	} c[] = {
		{ 0, INT64_C(1) << 62, 0, INT64_C(1) << 62, UINT32_MAX },
		{ 1000, INT64_C(1) << 40, 1000, INT64_C(1) << 40, 1u << 30 },
		/* beyond what a config may hold: clamped to +-2^62 */
		{ INT64_MIN, INT64_MAX, -(INT64_C(1) << 62), INT64_C(1) << 62, 1u << 31 },
		{ INT64_MAX, INT64_MAX, INT64_C(1) << 62, INT64_C(1) << 62, 1u << 31 },
	};
	struct vscmi_model m = { 0 };
	struct vscmi_res_desc d[4];
	struct vscmi_platform *p;

	memset(d, 0, sizeof(d));
	for (int i = 0; i < 4; i++) {
		d[i].kind = VSCMI_SENSOR;
		d[i].plat_id = (uint32_t)i;
		d[i].parent = -1;
		d[i].u.sensor.value = c[i].value;
		d[i].u.sensor.amplitude = c[i].amp;
		d[i].u.sensor.period_ms = c[i].period;
	}
	m.res[VSCMI_SENSOR] = d;
	m.nres[VSCMI_SENSOR] = 4;
	p = vscmi_emu_new(&m);
	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 4; i++) {
		int64_t v = 0;
		uint64_t ts, t0 = mono_ms(), t1;
		__int128 a, b, lo, hi;

		ck_assert_int_eq(p->ops->sensor_read(p, (uint32_t)i, &v, &ts), 0);
		t1 = mono_ms();
		a = wave_at(c[i].want_value, c[i].want_amp, c[i].period, t0);
		b = wave_at(c[i].want_value, c[i].want_amp, c[i].period, t1);
		lo = a < b ? a : b;
		hi = a < b ? b : a;
		if (hi > INT64_MAX)
			hi = INT64_MAX;
		ck_assert_msg(v >= lo && v <= hi, "sensor %d: %lld outside the wave", i,
			      (long long)v);
	}
	vscmi_platform_free(p);
}
END_TEST

START_TEST(test_sensor_reading_async_delayed_response)
{
	sensor_val[R_BOARD] = 21500;
	OK(cmd(IVI, SENSOR, 0x6, 2, 0, 1));
	/* the reply carries nothing; the value follows it */
	ck_assert_uint_eq(resp_len, 8);
	ck_assert_int_eq(rig_ninbox(IVI), 0);
	ck_assert_int_eq(rig_ndeferred(), 1);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(IVI), 1);
	expect_msg(IVI, 0, DRESP(SENSOR, 0x6), 6, SCMI_SUCCESS, 0, 21500, 0, (uint32_t)TS,
		   (uint32_t)(TS >> 32));
	ck_assert_uint_eq(stats(IVI).delayed, 1);

	/* at most 16 in flight */
	for (int i = 0; i < 16; i++)
		OK(cmd(IVI, SENSOR, 0x6, 2, 1, 1));
	ck_assert_int_eq(cmd(IVI, SENSOR, 0x6, 2, 1, 1), SCMI_BUSY);
	OK(cmd(IVI, SENSOR, 0x6, 2, 1, 0));
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(IVI), 17);
	expect_msg(IVI, 16, DRESP(SENSOR, 0x6), 6, SCMI_SUCCESS, 1, 0, 0, (uint32_t)TS,
		   (uint32_t)(TS >> 32));
	OK(cmd(IVI, SENSOR, 0x6, 2, 1, 1));
	rig_run_deferred();

	set_p2a(IVI, false);
	ck_assert_int_eq(cmd(IVI, SENSOR, 0x6, 2, 0, 1), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(rig_ndeferred(), 0);
}
END_TEST

/* ev_ctrl of TRIP_POINT_CONFIG: trip id in [11:4], mode in [1:0] */
static uint32_t trip_ctl(uint32_t id, uint32_t mode)
{
	return id << 4 | mode;
}

static void trip_config(uint32_t agent, uint32_t sensor, uint32_t id, uint32_t mode,
			int64_t value)
{
	OK(cmd(agent, SENSOR, 0x5, 4, sensor, trip_ctl(id, mode), (uint32_t)value,
	       (uint32_t)((uint64_t)value >> 32)));
}

static void read_soc(uint32_t agent, uint32_t sensor, int64_t value)
{
	sensor_val[R_SOC] = value;
	OK(cmd(agent, SENSOR, 0x6, 2, sensor, 0));
}

START_TEST(test_sensor_trip_point_events)
{
	/* gfx: trip 2 at 50000 both ways */
	sensor_val[R_SOC] = 45000;
	OK(cmd(GFX, SENSOR, 0x4, 2, 0, 1));
	trip_config(GFX, 0, 2, 3, 50000);
	read_soc(GFX, 0, 49000);
	ck_assert_int_eq(rig_ninbox(GFX), 0);
	read_soc(GFX, 0, 51000);
	ck_assert_int_eq(rig_ninbox(GFX), 1);
	expect_msg(GFX, 0, NOTIF(SENSOR, 0x0), 3, 0, 0, 2u | 1u << 16);
	read_soc(GFX, 0, 52000);
	ck_assert_int_eq(rig_ninbox(GFX), 1);
	read_soc(GFX, 0, 40000);
	ck_assert_int_eq(rig_ninbox(GFX), 2);
	expect_msg(GFX, 1, NOTIF(SENSOR, 0x0), 3, 0, 0, 2u);

	/* trip 1 at 30000, upward only: armed above, the way down is silent */
	trip_config(GFX, 0, 1, 1, 30000);
	read_soc(GFX, 0, 20000);
	ck_assert_int_eq(rig_ninbox(GFX), 2);
	read_soc(GFX, 0, 35000);
	ck_assert_int_eq(rig_ninbox(GFX), 3);
	expect_msg(GFX, 2, NOTIF(SENSOR, 0x0), 3, 0, 0, 1u | 1u << 16);
	ck_assert_uint_eq(stats(GFX).notifications, 3);

	/* ivi's readings are judged against ivi's own trips and reach ivi
	 * alone, with its own sensor id */
	trip_config(IVI, 1, 0, 2, 10000);
	OK(cmd(IVI, SENSOR, 0x4, 2, 1, 1));
	read_soc(IVI, 1, 5000);
	ck_assert_int_eq(rig_ninbox(IVI), 1);
	expect_msg(IVI, 0, NOTIF(SENSOR, 0x0), 3, 0, 1, 0u);
	ck_assert_int_eq(rig_ninbox(GFX), 3);
	read_soc(GFX, 0, 5000);
	ck_assert_int_eq(rig_ninbox(GFX), 3);
	read_soc(IVI, 1, 60000);
	ck_assert_int_eq(rig_ninbox(GFX), 3);
	ck_assert_int_eq(rig_ninbox(IVI), 1);
	/* gfx's own next reading crosses both of its trips, in trip order */
	read_soc(GFX, 0, 60000);
	ck_assert_int_eq(rig_ninbox(GFX), 5);
	expect_msg(GFX, 3, NOTIF(SENSOR, 0x0), 3, 0, 0, 1u | 1u << 16);
	expect_msg(GFX, 4, NOTIF(SENSOR, 0x0), 3, 0, 0, 2u | 1u << 16);

	/* asynchronous readings count too; the value follows */
	sensor_val[R_SOC] = 5000;
	OK(cmd(GFX, SENSOR, 0x6, 2, 0, 1));
	ck_assert_int_eq(rig_ninbox(GFX), 6);
	expect_msg(GFX, 5, NOTIF(SENSOR, 0x0), 3, 0, 0, 2u);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(GFX), 7);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(GFX, 6)->b), DRESP(SENSOR, 0x6));

	/* disarmed, or unsubscribed: silence */
	trip_config(GFX, 0, 1, 0, 0);
	read_soc(GFX, 0, 60000);
	ck_assert_int_eq(rig_ninbox(GFX), 8);
	expect_msg(GFX, 7, NOTIF(SENSOR, 0x0), 3, 0, 0, 2u | 1u << 16);
	OK(cmd(GFX, SENSOR, 0x4, 2, 0, 0));
	read_soc(GFX, 0, 5000);
	ck_assert_int_eq(rig_ninbox(GFX), 8);
	ck_assert_int_eq(rig_ninbox(IVI), 1);
}
END_TEST

START_TEST(test_sensor_trip_point_signed_values_and_errors)
{
	sensor_val[R_SOC] = -10;
	OK(cmd(GFX, SENSOR, 0x4, 2, 0, 1));
	trip_config(GFX, 0, 3, 3, -5);
	read_soc(GFX, 0, -6);
	ck_assert_int_eq(rig_ninbox(GFX), 0);
	read_soc(GFX, 0, 0);
	ck_assert_int_eq(rig_ninbox(GFX), 1);
	expect_msg(GFX, 0, NOTIF(SENSOR, 0x0), 3, 0, 0, 3u | 1u << 16);

	ck_assert_int_eq(cmd(GFX, SENSOR, 0x5, 4, 0, trip_ctl(4, 1), 0, 0),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(cmd(GFX, SENSOR, 0x5, 4, 0, trip_ctl(0, 1) | 1u << 2, 0, 0),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(cmd(GFX, SENSOR, 0x5, 4, 0, trip_ctl(0, 1) | 1u << 12, 0, 0),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(cmd(GFX, SENSOR, 0x4, 2, 0, 2), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(cmd(GFX, SENSOR, 0x4, 2, 0, 3), SCMI_INVALID_PARAMETERS);
	/* arming needs a reading to start from */
	sensor_err = -EIO;
	ck_assert_int_eq(cmd(GFX, SENSOR, 0x5, 4, 0, trip_ctl(0, 1), 0, 0), SCMI_HARDWARE_ERROR);
	OK(cmd(GFX, SENSOR, 0x5, 4, 0, trip_ctl(0, 0), 0, 0));
	set_p2a(GFX, false);
	ck_assert_int_eq(cmd(GFX, SENSOR, 0x4, 2, 0, 1), SCMI_NOT_SUPPORTED);
}
END_TEST

START_TEST(test_sensor_axes_and_update_intervals)
{
	ck_assert_int_eq(cmd(GFX, SENSOR, 0x7, 2, 0, 0), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(cmd(GFX, SENSOR, 0xd, 2, 0, 0), SCMI_NOT_SUPPORTED);

	/* 2500 ms -> 2 s; 0 -> at least 1 s; 60 s */
	OK(cmd(GFX, SENSOR, 0x8, 2, 0, 0));
	ck_assert_uint_eq(resp_len, 16);
	ck_assert_uint_eq(rw(0), 1);
	ck_assert_uint_eq(rw(1), 2u << 5);
	OK(cmd(GFX, SENSOR, 0x8, 2, 1, 0));
	ck_assert_uint_eq(rw(1), 1u << 5);
	OK(cmd(GFX, SENSOR, 0x8, 2, 2, 0));
	ck_assert_uint_eq(rw(1), 60u << 5);
	OK(cmd(GFX, SENSOR, 0x8, 2, 0, 1));
	ck_assert_uint_eq(resp_len, 12);
	ck_assert_uint_eq(rw(0), 0);
	ck_assert_int_eq(cmd(GFX, SENSOR, 0x8, 2, 0, 2), SCMI_INVALID_PARAMETERS);
}
END_TEST

START_TEST(test_sensor_config_is_per_agent)
{
	/* never configured: enabled */
	OK(cmd(GFX, SENSOR, 0x9, 1, 0));
	ck_assert_uint_eq(resp_len, 12);
	ck_assert_uint_eq(rw(0), 1);
	OK(cmd(GFX, SENSOR, 0xa, 2, 0, 0));
	OK(cmd(GFX, SENSOR, 0x9, 1, 0));
	ck_assert_uint_eq(rw(0), 0);
	OK(cmd(IVI, SENSOR, 0x9, 1, 1));
	ck_assert_uint_eq(rw(0), 1);
	/* interval, rounding and timestamp bits are kept as given */
	OK(cmd(GFX, SENSOR, 0xa, 2, 0, 0x12340603));
	OK(cmd(GFX, SENSOR, 0x9, 1, 0));
	ck_assert_uint_eq(rw(0), 0x12340603);
	ck_assert_int_eq(cmd(GFX, SENSOR, 0xa, 2, 0, 1u << 2), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(cmd(GFX, SENSOR, 0xa, 2, 0, 1u << 8), SCMI_INVALID_PARAMETERS);
	OK(cmd(GFX, SENSOR, 0x9, 1, 0));
	ck_assert_uint_eq(rw(0), 0x12340603);
	/* the physical sensor still reads for everyone */
	sensor_val[R_SOC] = 7;
	OK(cmd(GFX, SENSOR, 0xa, 2, 0, 0));
	OK(cmd(IVI, SENSOR, 0x6, 2, 1, 0));
	ck_assert_uint_eq(rw(0), 7);

	/* an agent reset forgets configuration, trips and subscriptions */
	OK(cmd(GFX, SENSOR, 0x4, 2, 0, 1));
	trip_config(GFX, 0, 0, 3, 10);
	OK(cmd(GFX, SCMI_PROTO_BASE, 0xb, 2, 0xffffffff, 0));
	OK(cmd(GFX, SENSOR, 0x9, 1, 0));
	ck_assert_uint_eq(rw(0), 1);
	read_soc(GFX, 0, 20);
	ck_assert_int_eq(rig_ninbox(GFX), 0);
}
END_TEST

START_TEST(test_sensor_update_notify_and_name)
{
	struct vscmi_plat_event ev = {
		.kind = VSCMI_SENSOR,
		.id = SENSOR_PLAT + R_SOC,
		.protocol = SENSOR,
		.message = 0x1,
		.payload = { 42, 0, 1000, 0 },
		.npayload = 4,
	};

	OK(cmd(IVI, SENSOR, 0xb, 2, 1, 1));
	ck_assert_int_eq(cmd(IVI, SENSOR, 0xb, 2, 1, 2), SCMI_INVALID_PARAMETERS);
	vscmi_emu_raise(&shim, &ev);
	ck_assert_int_eq(rig_ninbox(GFX), 0);
	ck_assert_int_eq(rig_ninbox(IVI), 1);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(IVI, 0)->b), NOTIF(SENSOR, 0x1));
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(IVI, 0)->b + 8), 1);
	ck_assert_uint_eq(rig_msg(IVI, 0)->len, 4 + 8 + 16);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(IVI, 0)->b + 12), 42);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(IVI, 0)->b + 20), 1000);
	/* no subscription stands for a message id past 31: dropped */
	ev.message = 0x21;
	vscmi_emu_raise(&shim, &ev);
	ev.message = 0xff;
	vscmi_emu_raise(&shim, &ev);
	ck_assert_int_eq(rig_ninbox(IVI), 1);
	ev.message = 0x1;
	OK(cmd(IVI, SENSOR, 0xb, 2, 1, 0));
	vscmi_emu_raise(&shim, &ev);
	ck_assert_int_eq(rig_ninbox(IVI), 1);

	OK(cmd(GFX, SENSOR, 0xc, 1, 1));
	ck_assert_uint_eq(resp_len, 8 + 4 + 64);
	ck_assert_uint_eq(rw(0), 0);
	ck_assert_str_eq(rname(4, 64), long_board);
}
END_TEST

/* --- voltage ------------------------------------------------------------- */

START_TEST(test_voltage_attributes)
{
	OK(cmd(GFX, VOLT, 0x1, 0));
	ck_assert_uint_eq(resp_len, 12);
	ck_assert_uint_eq(rw(0), 3);
	OK(cmd(IVI, VOLT, 0x1, 0));
	ck_assert_uint_eq(rw(0), 2);
	OK(cmd(GFX, VOLT, 0x3, 1, 0));
	ck_assert_uint_eq(resp_len, 8 + 4 + 16);
	ck_assert_uint_eq(rw(0), 1u << 31);
	ck_assert_str_eq(rname(4, 16), "vdd_cam");
	OK(cmd(GFX, VOLT, 0x3, 1, 2));
	ck_assert_uint_eq(rw(0), 1u << 31 | 1u << 30);
	expect_truncated(rname(4, 16), long_vcore);
	OK(cmd(IVI, VOLT, 0x3, 1, 1));
	ck_assert_str_eq(rname(4, 16), "cam");
	set_p2a(GFX, false);
	OK(cmd(GFX, VOLT, 0x3, 1, 0));
	ck_assert_uint_eq(rw(0), 0);
}
END_TEST

static void walk_vcam_levels(uint32_t agent, uint32_t domain, uint32_t per_reply)
{
	uint32_t index = 0, remaining;

	do {
		uint32_t n;

		OK(cmd(agent, VOLT, 0x4, 2, domain, index));
		n = rw(0) & 0xfff;
		remaining = rw(0) >> 16;
		ck_assert_uint_eq(rw(0) & 1u << 12, 0);
		ck_assert_uint_eq(n, VCAM_LEVELS - index < per_reply ? VCAM_LEVELS - index
									: per_reply);
		ck_assert_uint_eq(remaining, VCAM_LEVELS - index - n);
		ck_assert_uint_eq(resp_len, 12 + 4 * (size_t)n);
		for (uint32_t k = 0; k < n; k++)
			ck_assert_int_eq((int32_t)rw(1 + k), vcam_uv(index + k));
		index += n;
	} while (remaining);
}

START_TEST(test_voltage_describe_levels)
{
	/* discrete: 31 a reply in 128 bytes, 15 in 64 */
	walk_vcam_levels(GFX, 0, 31);
	walk_vcam_levels(IVI, 1, 15);
	OK(cmd(GFX, VOLT, 0x4, 2, 0, VCAM_LEVELS));
	ck_assert_uint_eq(rw(0), 0);
	ck_assert_int_eq(cmd(GFX, VOLT, 0x4, 2, 0, VCAM_LEVELS + 1), SCMI_INVALID_PARAMETERS);

	/* segment: one triplet */
	OK(cmd(GFX, VOLT, 0x4, 2, 1, 0));
	ck_assert_uint_eq(resp_len, 8 + 16);
	ck_assert_uint_eq(rw(0), 1u << 12 | 3);
	ck_assert_uint_eq(rw(1), 1700000);
	ck_assert_uint_eq(rw(2), 1900000);
	ck_assert_uint_eq(rw(3), 50000);
	ck_assert_int_eq(cmd(GFX, VOLT, 0x4, 2, 1, 1), SCMI_INVALID_PARAMETERS);

	/* fixed: the one level */
	OK(cmd(IVI, VOLT, 0x4, 2, 0, 0));
	ck_assert_uint_eq(resp_len, 16);
	ck_assert_uint_eq(rw(0), 1);
	ck_assert_uint_eq(rw(1), 900000);
	OK(cmd(IVI, VOLT, 0x4, 2, 0, 1));
	ck_assert_uint_eq(resp_len, 12);
	ck_assert_uint_eq(rw(0), 0);
	ck_assert_int_eq(cmd(IVI, VOLT, 0x4, 2, 0, 2), SCMI_INVALID_PARAMETERS);
}
END_TEST

START_TEST(test_voltage_config_votes)
{
	OK(cmd(GFX, VOLT, 0x6, 1, 0));
	ck_assert_uint_eq(rw(0), 0);
	OK(cmd(GFX, VOLT, 0x5, 2, 0, 0x7));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_VOLTAGE_CONFIG, 40), 1);
	OK(cmd(GFX, VOLT, 0x6, 1, 0));
	ck_assert_uint_eq(rw(0), 0x7);
	/* ivi reads its own (absent) vote */
	OK(cmd(IVI, VOLT, 0x6, 1, 1));
	ck_assert_uint_eq(rw(0), 0);
	OK(cmd(IVI, VOLT, 0x5, 2, 1, 0x7));
	OK(cmd(GFX, VOLT, 0x5, 2, 0, 0x0));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_VOLTAGE_CONFIG, 40), 1);
	OK(cmd(GFX, VOLT, 0x6, 1, 0));
	ck_assert_uint_eq(rw(0), 0);
	OK(cmd(IVI, VOLT, 0x5, 2, 1, 0x0));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_VOLTAGE_CONFIG, 40), 0);
	ck_assert_uint_eq(vscmi_emu_count(emu, VSCMI_OP_VOLTAGE_CONFIG, 40, 1), 1);

	ck_assert_int_eq(cmd(GFX, VOLT, 0x5, 2, 0, 0x1), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(cmd(GFX, VOLT, 0x5, 2, 0, 0x8), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(cmd(GFX, VOLT, 0x5, 2, 0, 0x17), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(cmd(GFX, VOLT, 0x5, 2, 0, 0x80000000), SCMI_INVALID_PARAMETERS);
}
END_TEST

START_TEST(test_voltage_level_sync)
{
	OK(cmd(GFX, VOLT, 0x8, 1, 0));
	ck_assert_uint_eq(resp_len, 12);
	ck_assert_int_eq((int32_t)rw(0), 800000);
	OK(cmd(GFX, VOLT, 0x7, 3, 0, 0, 850000));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_VOLTAGE_LEVEL, 40), 850000);
	OK(cmd(GFX, VOLT, 0x8, 1, 0));
	ck_assert_int_eq((int32_t)rw(0), 850000);
	/* ivi has no level vote: it reads the domain's */
	OK(cmd(IVI, VOLT, 0x8, 1, 1));
	ck_assert_int_eq((int32_t)rw(0), 850000);

	/* exactly a listed level: no rounding */
	ck_assert_int_eq(cmd(GFX, VOLT, 0x7, 3, 0, 0, 855000), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(cmd(GFX, VOLT, 0x7, 3, 0, 0, 2000000), SCMI_OUT_OF_RANGE);
	ck_assert_int_eq(cmd(GFX, VOLT, 0x7, 3, 0, 0, (uint32_t)-800000), SCMI_OUT_OF_RANGE);
	ck_assert_int_eq(cmd(GFX, VOLT, 0x7, 3, 0, 2, 850000), SCMI_INVALID_PARAMETERS);
	OK(cmd(GFX, VOLT, 0x7, 3, 1, 0, 1750000));
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_VOLTAGE_LEVEL, 41), 1750000);
	ck_assert_int_eq(cmd(GFX, VOLT, 0x7, 3, 1, 0, 1775000), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(cmd(GFX, VOLT, 0x7, 3, 1, 0, 1950000), SCMI_OUT_OF_RANGE);

	/* a fixed domain takes its level and refuses others */
	OK(cmd(IVI, VOLT, 0x7, 3, 0, 0, 900000));
	ck_assert_int_eq(cmd(IVI, VOLT, 0x7, 3, 0, 0, 950000), SCMI_DENIED);
	OK(cmd(IVI, VOLT, 0x8, 1, 0));
	ck_assert_int_eq((int32_t)rw(0), 900000);
	ck_assert_int_eq(rig_ndeferred(), 0);
}
END_TEST

START_TEST(test_voltage_level_async_delayed_response)
{
	vscmi_emu_delay(emu, VSCMI_OP_VOLTAGE_LEVEL, 250);
	OK(cmd(IVI, VOLT, 0x7, 3, 1, 1, 870000));
	ck_assert_uint_eq(resp_len, 8);
	ck_assert_int_eq(rig_emu(emu, VSCMI_OP_VOLTAGE_LEVEL, 40), 870000);
	/* the reply is out; the delayed response waits for the loop */
	ck_assert_int_eq(rig_ninbox(IVI), 0);
	ck_assert_int_eq(rig_ndeferred(), 1);
	ck_assert_uint_eq(rig_deferred_usec(0), 250);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(IVI), 1);
	expect_msg(IVI, 0, DRESP(VOLT, 0x7), 3, SCMI_SUCCESS, 1, 870000);
	ck_assert_uint_eq(stats(IVI).delayed, 1);
	OK(cmd(IVI, VOLT, 0x8, 1, 1));
	ck_assert_int_eq((int32_t)rw(0), 870000);

	/* a refused level is refused at once, with nothing to follow */
	ck_assert_int_eq(cmd(IVI, VOLT, 0x7, 3, 1, 1, 871000), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(rig_ndeferred(), 0);

	for (int i = 0; i < 16; i++)
		OK(cmd(IVI, VOLT, 0x7, 3, 1, 1, 880000));
	ck_assert_int_eq(cmd(IVI, VOLT, 0x7, 3, 1, 1, 880000), SCMI_BUSY);
	OK(cmd(IVI, VOLT, 0x7, 3, 1, 0, 890000));
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(IVI), 17);

	set_p2a(IVI, false);
	ck_assert_int_eq(cmd(IVI, VOLT, 0x7, 3, 1, 1, 880000), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(rig_ndeferred(), 0);
}
END_TEST

START_TEST(test_voltage_name)
{
	OK(cmd(GFX, VOLT, 0x9, 1, 2));
	ck_assert_uint_eq(resp_len, 8 + 4 + 64);
	ck_assert_uint_eq(rw(0), 0);
	ck_assert_str_eq(rname(4, 64), long_vcore);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("scmi-perf-sensor-voltage");
	TCase *tc;

	tc = tcase_create("common");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_short_payloads_expect_PROTOCOL_ERROR, 0,
			    (int)(sizeof(fixed_len) / sizeof(fixed_len[0])));
	tcase_add_loop_test(tc, test_ids_outside_view_expect_NOT_FOUND, 0,
			    (int)(sizeof(id_msgs) / sizeof(id_msgs[0])));
	tcase_add_test(tc, test_versions_and_unknown_messages);
	suite_add_tcase(s, tc);

	tc = tcase_create("perf");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_perf_protocol_attributes);
	tcase_add_test(tc, test_perf_domain_attributes);
	tcase_add_test(tc, test_perf_describe_levels_multipart);
	tcase_add_test(tc, test_perf_level_reads_own_vote);
	tcase_add_test(tc, test_perf_limits);
	tcase_add_test(tc, test_perf_notifications_follow_what_each_agent_reads);
	tcase_add_test(tc, test_perf_fastchannel_and_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("sensor");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sensor_protocol_attributes);
	tcase_add_test(tc, test_sensor_description_multipart);
	tcase_add_test(tc, test_sensor_reading_sync);
	tcase_add_test(tc, test_sensor_emulated_wave_does_not_overflow);
	tcase_add_test(tc, test_sensor_reading_async_delayed_response);
	tcase_add_test(tc, test_sensor_trip_point_events);
	tcase_add_test(tc, test_sensor_trip_point_signed_values_and_errors);
	tcase_add_test(tc, test_sensor_axes_and_update_intervals);
	tcase_add_test(tc, test_sensor_config_is_per_agent);
	tcase_add_test(tc, test_sensor_update_notify_and_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("voltage");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_voltage_attributes);
	tcase_add_test(tc, test_voltage_describe_levels);
	tcase_add_test(tc, test_voltage_config_votes);
	tcase_add_test(tc, test_voltage_level_sync);
	tcase_add_test(tc, test_voltage_level_async_delayed_response);
	tcase_add_test(tc, test_voltage_name);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
