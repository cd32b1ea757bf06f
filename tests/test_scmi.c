/* The SCMI server, driven with real messages: codec, validator, views,
 * base, clock, power, reset and system protocols, delayed responses,
 * notifications and agent reset. */
#include <check.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

#include "support/server_rig.h"

enum { CAMERA = 1, DISPLAY = 2, IVI = 3, OPS = 4 };
enum { PLL, CAM_PIX, DISP_PIX, CAM_CORE, IVI_AUDIO, NCLOCKS };

static struct vscmi_model model;
static struct vscmi_platform *plat;
static struct arb *arb;
static struct scmi_server *srv;

static int sys_calls;
static uint32_t sys_state;

static int t_system(void *ctx, struct scmi_agent *a, uint32_t flags, uint32_t state)
{
	sys_calls++;
	sys_state = state;
	return 0;
}

/* views: pairs of (resource index, name or NULL), terminated by -1 */
static void add_views(struct vscmi_agent_desc *a, enum vscmi_kind k, ...)
{
	va_list ap;
	int idx;

	va_start(ap, k);
	while ((idx = va_arg(ap, int)) >= 0) {
		const char *name = va_arg(ap, const char *);

		rig_add_view(a, k, (uint32_t)idx, name);
	}
	va_end(ap);
}

static void setup(void)
{
	struct vscmi_res_desc *d;
	struct vscmi_agent_desc *a;
	struct scmi_hooks hooks = { .defer = rig_defer, .system_power = t_system };

	memset(&model, 0, sizeof(model));
	rig_reset(32);
	sys_calls = 0;

	rig_add_res(&model, VSCMI_CLOCK, "pll_video", 10, -1);
	d = &model.res[VSCMI_CLOCK][PLL];
	d->u.clock.policy = VSCMI_POLICY_FIXED;
	d->u.clock.rate = 1188000000;
	d->u.clock.rates.count = 1;
	d->u.clock.rates.values[0] = 1188000000;
	rig_add_res(&model, VSCMI_CLOCK, "cam_pix", 11, PLL);
	rig_add_res(&model, VSCMI_CLOCK, "disp_pix", 12, PLL);
	for (int i = CAM_PIX; i <= DISP_PIX; i++) {
		d = &model.res[VSCMI_CLOCK][i];
		d->u.clock.policy = VSCMI_POLICY_EXCLUSIVE;
		d->u.clock.rates.segment = true;
		d->u.clock.rates.min = 25000000;
		d->u.clock.rates.max = 200000000;
		d->u.clock.rates.step = 1000;
		d->u.clock.rate = 25000000;
	}
	rig_add_res(&model, VSCMI_CLOCK, "cam_core", 13, -1);
	d = &model.res[VSCMI_CLOCK][CAM_CORE];
	d->u.clock.policy = VSCMI_POLICY_EXCLUSIVE;
	d->u.clock.rates.count = 20;
	for (int i = 0; i < 20; i++)
		d->u.clock.rates.values[i] = 100000000 + i * 10000000;
	d->u.clock.rate = 100000000;
	rig_add_res(&model, VSCMI_CLOCK, "ivi_audio_mclk_with_a_long_name", 14, -1);
	d = &model.res[VSCMI_CLOCK][IVI_AUDIO];
	d->u.clock.policy = VSCMI_POLICY_MAX;
	d->u.clock.rates.count = 2;
	d->u.clock.rates.values[0] = 12288000;
	d->u.clock.rates.values[1] = 24576000;
	d->u.clock.rate = 12288000;

	rig_add_res(&model, VSCMI_POWER, "isp", 3, -1);
	d = &model.res[VSCMI_POWER][0];
	d->u.power.nstates = 3;
	d->u.power.states[0] = (struct vscmi_pd_state){ "on", 0x0 };
	d->u.power.states[1] = (struct vscmi_pd_state){ "ret", 0x40000001 };
	d->u.power.states[2] = (struct vscmi_pd_state){ "off", 0x40000000 };
	d->u.power.initial = 2;

	rig_add_res(&model, VSCMI_RESET, "rst_bus", 5, -1);
	model.res[VSCMI_RESET][0].u.reset.asserted = true;
	rig_add_res(&model, VSCMI_RESET, "rst_csi", 6, -1);
	model.res[VSCMI_RESET][1].u.reset.asserted = true;
	rig_add_res(&model, VSCMI_RESET, "rst_isp", 7, -1);
	model.res[VSCMI_RESET][2].u.reset.allow_autonomous = true;

	rig_add_res(&model, VSCMI_SENSOR, "soc_temp", 20, -1);
	model.res[VSCMI_SENSOR][0].u.sensor.type = 2;
	model.res[VSCMI_SENSOR][0].u.sensor.value = 45000;

	a = rig_add_agent(&model, "camera", SCMI_PROTO_ALL, SCMI_DEFAULT_PAYLOAD);
	add_views(a, VSCMI_CLOCK, CAM_PIX, "pixel", CAM_CORE, NULL, -1);
	add_views(a, VSCMI_SENSOR, 0, NULL, -1);
	add_views(a, VSCMI_POWER, 0, NULL, -1);
	add_views(a, VSCMI_RESET, 0, NULL, 1, "csi", 2, NULL, -1);
	a = rig_add_agent(&model, "display", SCMI_PROTO_ALL, SCMI_DEFAULT_PAYLOAD);
	add_views(a, VSCMI_CLOCK, DISP_PIX, "pixel", CAM_CORE, "core", -1);
	add_views(a, VSCMI_RESET, 0, NULL, 2, NULL, -1);
	a = rig_add_agent(&model, "ivi",
			    SCMI_PROTO_BIT(SCMI_PROTO_POWER) | SCMI_PROTO_BIT(SCMI_PROTO_CLOCK) |
				    SCMI_PROTO_BIT(SCMI_PROTO_SYSTEM),
			    SCMI_DEFAULT_PAYLOAD);
	add_views(a, VSCMI_CLOCK, IVI_AUDIO, NULL, -1);
	add_views(a, VSCMI_POWER, 0, "isp", -1);
	a = rig_add_agent(&model, "ops", SCMI_PROTO_BIT(SCMI_PROTO_SYSTEM), SCMI_DEFAULT_PAYLOAD);
	a->privileged = true;

	plat = vscmi_emu_new(&model);
	ck_assert_ptr_nonnull(plat);
	arb = arb_new(&model, plat);
	ck_assert_ptr_nonnull(arb);
	srv = scmi_server_new(&model, arb, plat, &hooks);
	ck_assert_ptr_nonnull(srv);
	for (uint32_t i = 1; i <= model.nagents; i++)
		rig_set_output(srv, i, true);
}

static void teardown(void)
{
	scmi_server_free(srv);
	arb_free(arb);
	vscmi_platform_free(plat);
	vscmi_model_free(&model);
}

/* The last reply, parsed. */
static uint8_t resp[SCMI_MSG_MAX];
static size_t resp_len;

static uint32_t rv(int i)
{
	ck_assert_uint_ge(resp_len, 8 + 4 * (size_t)(i + 1));
	return vscmi_get_le32(resp + 8 + 4 * i);
}

static int32_t status(void)
{
	return (int32_t)vscmi_get_le32(resp + 4);
}

static int32_t sendv(uint32_t agent, uint8_t proto, uint8_t msg, int n, const uint32_t *w)
{
	return rig_cmd(srv, agent, SCMI_HDR(msg, 0, proto, 0x2a5), n, w, resp, sizeof(resp),
			 &resp_len);
}

#define SEND(agent, proto, msg, ...)                                                    \
	sendv(agent, proto, msg, sizeof((uint32_t[]){ 0, ##__VA_ARGS__ }) / 4 - 1,      \
	      (const uint32_t[]){ 0, ##__VA_ARGS__ } + 1)

/* --- codec and validator --------------------------------------------------- */

START_TEST(test_short_messages_expect_PROTOCOL_ERROR)
{
	uint8_t req[3] = { 0x10, 0x40, 0x00 };

	for (size_t len = 0; len < 4; len++) {
		resp_len = scmi_server_handle(srv, scmi_server_agent(srv, CAMERA), req, len, resp,
					      sizeof(resp));
		ck_assert_uint_eq(resp_len, 8);
		ck_assert_int_eq(status(), SCMI_PROTOCOL_ERROR);
	}
}
END_TEST

START_TEST(test_reply_echoes_header_and_token)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x0), 0);
	ck_assert_uint_eq(SCMI_HDR_TOKEN(vscmi_get_le32(resp)), 0x2a5);
	ck_assert_uint_eq(rv(0), 0x30000);
	ck_assert_uint_eq(resp_len, 12);
}
END_TEST

START_TEST(test_bad_header_bits_expect_PROTOCOL_ERROR)
{
	uint8_t req[4];

	vscmi_put_le32(req, SCMI_HDR(0, 0, 0x10, 1) | 1u << 28);
	resp_len = scmi_server_handle(srv, scmi_server_agent(srv, CAMERA), req, 4, resp,
				      sizeof(resp));
	ck_assert_int_eq(status(), SCMI_PROTOCOL_ERROR);
	vscmi_put_le32(req, SCMI_HDR(0, SCMI_TYPE_DELAYED, 0x10, 1));
	resp_len = scmi_server_handle(srv, scmi_server_agent(srv, CAMERA), req, 4, resp,
				      sizeof(resp));
	ck_assert_int_eq(status(), SCMI_PROTOCOL_ERROR);
}
END_TEST

START_TEST(test_unknown_protocol_expect_NOT_SUPPORTED)
{
	ck_assert_int_eq(SEND(CAMERA, 0x18, 0x0), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(CAMERA, 0x80, 0x0), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(CAMERA, 0x00, 0x0), SCMI_NOT_SUPPORTED);
	/* ivi may not use the reset protocol: as if it did not exist */
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_RESET, 0x0), SCMI_NOT_SUPPORTED);
}
END_TEST

START_TEST(test_unknown_message_expect_NOT_FOUND)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x42), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0xff), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x2, 0x42), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x2, 0x5), 0);
}
END_TEST

START_TEST(test_short_payload_expect_PROTOCOL_ERROR)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 0, 0), SCMI_PROTOCOL_ERROR);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_POWER, 0x4, 0, 0), SCMI_PROTOCOL_ERROR);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x7), SCMI_PROTOCOL_ERROR);
}
END_TEST

START_TEST(test_oversized_payload_expect_PROTOCOL_ERROR)
{
	uint32_t w[40] = { 0 };

	ck_assert_int_eq(sendv(CAMERA, SCMI_PROTO_CLOCK, 0x3, 33, w), SCMI_PROTOCOL_ERROR);
	ck_assert_int_eq(sendv(CAMERA, SCMI_PROTO_CLOCK, 0x3, 32, w), 0);
}
END_TEST

/* --- base ------------------------------------------------------------------- */

START_TEST(test_base_discovery_is_per_agent)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_uint_eq(rv(0), 0x20001);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x1), 0);
	ck_assert_uint_eq(rv(0), 4 << 8 | 7);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_BASE, 0x1), 0);
	ck_assert_uint_eq(rv(0) & 0xff, 3);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x3), 0);
	ck_assert_str_eq((char *)resp + 8, "vscmi");
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x4), 0);
	ck_assert_str_eq((char *)resp + 8, "emulated");

	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_BASE, 0x6, 0), 0);
	ck_assert_uint_eq(rv(0), 3);
	ck_assert_uint_eq(resp_len, 16);
	ck_assert_uint_eq(rv(1), 0x14 << 16 | 0x12 << 8 | 0x11);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_BASE, 0x6, 2), 0);
	ck_assert_uint_eq(rv(0), 1);
	ck_assert_uint_eq(rv(1), 0x14);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_BASE, 0x6, 3), 0);
	ck_assert_uint_eq(rv(0), 0);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_BASE, 0x6, 4), SCMI_INVALID_PARAMETERS);
}
END_TEST

START_TEST(test_base_discover_agent_hides_other_guests)
{
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_BASE, 0x7, 0xffffffff), 0);
	ck_assert_uint_eq(rv(0), DISPLAY);
	ck_assert_str_eq((char *)resp + 12, "display");
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_BASE, 0x7, 0), 0);
	ck_assert_str_eq((char *)resp + 12, "platform");
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_BASE, 0x7, CAMERA), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_BASE, 0x7, 99), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_BASE, 0x7, CAMERA), 0);
	ck_assert_str_eq((char *)resp + 12, "camera");
}
END_TEST

START_TEST(test_base_reset_agent_configuration_releases_votes)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 0, 1), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 1), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 11), 1);
	/* another guest may not reset camera */
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_BASE, 0xb, CAMERA, 0), SCMI_DENIED);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0xb, 0xffffffff, 2), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0xb, CAMERA, 1), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 11), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 12), 1);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 10), 1);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(rv(1), 0);
	/* the privileged agent may reset another */
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_BASE, 0xb, DISPLAY, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 10), 0);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_CLOCK_ENABLE, 10, 1), 1);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_CLOCK_ENABLE, 10, 0), 1);
}
END_TEST

START_TEST(test_base_permissions_need_privilege)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x9, CAMERA, 1, 1), SCMI_DENIED);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_BASE, 0x9, CAMERA, 1, 1), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_BASE, 0x9, CAMERA, 1, 2), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0xa, CAMERA, 1, 0x14, 1), SCMI_DENIED);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x10, 0x20001), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x10, 0x20000), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x10, 0x30000), SCMI_NOT_SUPPORTED);
}
END_TEST

/* --- views and clocks ------------------------------------------------------------ */

START_TEST(test_clock_views_are_dense_and_named_per_agent)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x1), 0);
	ck_assert_uint_eq(rv(0) & 0xffff, 2);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x3, 0), 0);
	ck_assert_str_eq((char *)resp + 12, "pixel");
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x3, 1), 0);
	ck_assert_str_eq((char *)resp + 12, "cam_core");
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x3, 1), 0);
	ck_assert_str_eq((char *)resp + 12, "core");
	/* out of view is the same as nonexistent, for every message */
	for (uint8_t msg = 0x3; msg <= 0xf; msg++) {
		uint32_t w[4] = { 2, 0, 0, 0 };

		if (msg == 0x5) {
			w[0] = 0;
			w[1] = 2;
		}
		ck_assert_int_eq(sendv(CAMERA, SCMI_PROTO_CLOCK, msg, 4, w), SCMI_NOT_FOUND);
	}
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x3, 0xffffffff), SCMI_NOT_FOUND);
	/* a long name is flagged and available through NAME_GET */
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_CLOCK, 0x3, 0), 0);
	ck_assert(rv(0) & 1u << 29);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_CLOCK, 0x8, 0), 0);
	ck_assert_str_eq((char *)resp + 12, "ivi_audio_mclk_with_a_long_name");
}
END_TEST

START_TEST(test_pll_shared_by_two_guests_switches_once)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 0, 0, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 10), 1);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(rv(1), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(rv(1), 1);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 0, 0), 0);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_CLOCK_ENABLE, 10, 1), 1);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_CLOCK_ENABLE, 10, 0), 1);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 10), 0);
	/* unchanged (3) and reserved (2) states */
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 3, 0), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 2, 0), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 1 | 1 << 16, 0), SCMI_NOT_SUPPORTED);
}
END_TEST

START_TEST(test_exclusive_rate_owner_denies_others)
{
	/* cam_core: camera view 1, display view 1 */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 1, 1, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 0, 1, 200000000, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_RATE, 13), 200000000);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x5, 0, 1, 100000000, 0), SCMI_DENIED);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 1, 1, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 1, 0, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 13), 1);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x5, 0, 1, 100000000, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_RATE, 13), 100000000);
	/* each reads its own vote */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x6, 1), 0);
	ck_assert_uint_eq(rv(0), 200000000);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x6, 1), 0);
	ck_assert_uint_eq(rv(0), 100000000);
}
END_TEST

START_TEST(test_exclusive_rate_enabler_reads_the_rate_the_clock_has)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 1, 1, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 0, 1, 200000000, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 1, 0, 0), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 1, 1, 0), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x5, 0, 1, 100000000, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 1, 1, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x6, 1), 0);
	ck_assert_uint_eq(rv(0), 100000000);
	/* the owner goes: the rate stays, and so does what camera reads */
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 1, 0, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_RATE, 13), 100000000);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x6, 1), 0);
	ck_assert_uint_eq(rv(0), 100000000);
}
END_TEST

START_TEST(test_rate_rounding_and_range)
{
	/* cam_core rates: 100..290 MHz in 10 MHz steps */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 0, 1, 104000000, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_RATE, 13), 100000000);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1 << 2, 1, 104000000, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_RATE, 13), 110000000);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1 << 3, 1, 116000000, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_RATE, 13), 120000000);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 0, 1, 1, 1), SCMI_OUT_OF_RANGE);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 0, 1, 99000000, 0), SCMI_OUT_OF_RANGE);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1u << 4, 1, 100000000, 0),
			 SCMI_INVALID_PARAMETERS);
}
END_TEST

START_TEST(test_describe_rates_multipart_fits_small_channel)
{
	int64_t got[32];
	uint32_t n = 0, remaining;

	model.agents[CAMERA - 1].max_msg_size = 36; /* room for 4 rates */
	do {
		ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x4, 1, n), 0);
		ck_assert_uint_le(resp_len, 8 + 36);
		uint32_t flags = rv(0), ret = flags & 0xfff;

		remaining = flags >> 16;
		ck_assert_uint_eq(flags & 1u << 12, 0);
		ck_assert_uint_ge(ret, 1);
		for (uint32_t i = 0; i < ret; i++)
			got[n + i] = (int64_t)rv(1 + 2 * (int)i) | (int64_t)rv(2 + 2 * (int)i) << 32;
		n += ret;
	} while (remaining && n < 32);
	ck_assert_uint_eq(n, 20);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_int_eq(got[i], 100000000 + (int64_t)i * 10000000);
	/* a segment comes as one triplet */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x4, 0, 0), 0);
	ck_assert_uint_eq(rv(0), 1u << 12 | 3);
	ck_assert_uint_eq(rv(1), 25000000);
	ck_assert_uint_eq(rv(3), 200000000);
	ck_assert_uint_eq(rv(5), 1000);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x4, 1, 21), SCMI_INVALID_PARAMETERS);
}
END_TEST

START_TEST(test_async_rate_set_delayed_response_follows_reply)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1, 0, 50000000, 0), 0);
	ck_assert_int_eq(rig_ninbox(CAMERA), 0);
	ck_assert_int_eq(rig_ndeferred(), 1);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 1);
	const uint8_t *m = rig_msg(CAMERA, 0)->b;
	uint32_t hdr = vscmi_get_le32(m);

	ck_assert_uint_eq(rig_msg(CAMERA, 0)->len, 20);
	ck_assert_uint_eq(SCMI_HDR_TYPE(hdr), SCMI_TYPE_DELAYED);
	ck_assert_uint_eq(SCMI_HDR_MSG(hdr), 0x5);
	ck_assert_uint_eq(SCMI_HDR_TOKEN(hdr), 0x2a5);
	ck_assert_uint_eq(SCMI_HDR_PROTO(hdr), SCMI_PROTO_CLOCK);
	ck_assert_uint_eq(vscmi_get_le32(m + 4), 0);
	ck_assert_uint_eq(vscmi_get_le32(m + 8), 0);
	ck_assert_uint_eq(vscmi_get_le32(m + 12), 50000000);
	/* a reset agent does not get stale delayed responses */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1, 0, 60000000, 0), 0);
	scmi_agent_reset(scmi_server_agent(srv, CAMERA));
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 1);
	/* without an event channel there are no delayed responses */
	rig_set_output(srv, CAMERA, false);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1, 0, 50000000, 0),
			 SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x9, 0, 1), SCMI_NOT_SUPPORTED);
}
END_TEST

/* Resetting the agent drops its delayed responses, but they live until
 * they fire: the cap counts them, so "16 async sets, reset" repeated
 * cannot pile up entries without bound. */
START_TEST(test_async_cap_counts_delayed_responses_of_a_reset_agent)
{
	for (int i = 0; i < 16; i++)
		ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1, 0, 50000000, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1, 0, 50000000, 0), SCMI_BUSY);
	ck_assert_int_eq(rig_ndeferred(), 16);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0xb, CAMERA, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1, 0, 50000000, 0), SCMI_BUSY);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 1, 1 | 4, 0), SCMI_BUSY);
	ck_assert_int_eq(rig_ndeferred(), 16);
	/* other agents have their own */
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x5, 1, 0, 50000000, 0), 0);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 0);
	ck_assert_int_eq(rig_ninbox(DISPLAY), 1);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1, 0, 50000000, 0), 0);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 1);
}
END_TEST

START_TEST(test_platform_refusal_rolls_vote_back)
{
	vscmi_emu_refuse(plat, VSCMI_OP_CLOCK_ENABLE, 10, 1, -EIO);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), SCMI_HARDWARE_ERROR);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(rv(1), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 12), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 10), 1);
}
END_TEST

START_TEST(test_rate_notification_names_only_the_receiver_or_the_platform)
{
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x9, 1, 1), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 1, 1, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 0, 1, 150000000, 0), 0);
	ck_assert_int_eq(rig_ninbox(CAMERA), 0);
	ck_assert_int_eq(rig_ninbox(DISPLAY), 1);
	const uint8_t *m = rig_msg(DISPLAY, 0)->b;

	/* display reads the rate the clock has; camera's id is not its business */
	ck_assert_uint_eq(vscmi_get_le32(m), SCMI_HDR(0, SCMI_TYPE_NOTIFICATION, 0x14, 0));
	ck_assert_uint_eq(vscmi_get_le32(m + 4), 0);
	ck_assert_uint_eq(vscmi_get_le32(m + 8), 1);
	ck_assert_uint_eq(vscmi_get_le32(m + 12), 150000000);
	/* the cause hears its own change under its own id */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x9, 1, 1), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 0, 1, 170000000, 0), 0);
	ck_assert_int_eq(rig_ninbox(CAMERA), 1);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(CAMERA, 0)->b + 4), CAMERA);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(CAMERA, 0)->b + 12), 170000000);
	ck_assert_int_eq(rig_ninbox(DISPLAY), 2);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(DISPLAY, 1)->b + 4), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x9, 1, 2), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x9, 1, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 0, 1, 160000000, 0), 0);
	ck_assert_int_eq(rig_ninbox(DISPLAY), 2);

	/* camera, switched off, reads its own 160 MHz: the display's rate is
	 * no news to it */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 1, 0, 0), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 1, 1, 0), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x5, 0, 1, 100000000, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_RATE, 13), 100000000);
	ck_assert_int_eq(rig_ninbox(CAMERA), 2);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x6, 1), 0);
	ck_assert_uint_eq(rv(0), 160000000);
}
END_TEST

/* The platform refused to switch camera's pixel clock off when camera
 * went away, and again on the retry right after: the next command, from
 * any agent, retries first. */
START_TEST(test_refused_release_retried_before_the_next_command)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	vscmi_emu_refuse(plat, VSCMI_OP_CLOCK_ENABLE, 11, 2, -EIO);
	scmi_agent_reset(scmi_server_agent(srv, CAMERA));
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 11), 1);
	ck_assert(arb_has_dirty(arb));
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 11), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 10), 0);
	ck_assert(!arb_has_dirty(arb));

	/* refused once only: the reset's own retry does it */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	vscmi_emu_refuse(plat, VSCMI_OP_CLOCK_ENABLE, 11, 1, -EIO);
	scmi_agent_reset(scmi_server_agent(srv, CAMERA));
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 11), 0);
	ck_assert(!arb_has_dirty(arb));
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_CLOCK_ENABLE, 10, 0), 2);
}
END_TEST

/* --- power --------------------------------------------------------------------- */

START_TEST(test_power_domain_reads_own_vote)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_POWER, 0x1), 0);
	ck_assert_uint_eq(rv(0), 1);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x6, 0, 1), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_POWER, 0x4, 0, 0, 0x0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_POWER_STATE, 3), 0);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 0, 0, 0x40000000), 0);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x5, 0), 0);
	ck_assert_uint_eq(rv(0), 0x40000000);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_POWER, 0x5, 0), 0);
	ck_assert_uint_eq(rv(0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_POWER_STATE, 3), 0);
	/* ivi reads its own vote, off: camera switching the domain on is
	 * nothing it could see, and camera's id would tell it who shares */
	ck_assert_int_eq(rig_ninbox(IVI), 0);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 0, 0, 0x40000001), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_POWER, 0x4, 0, 0, 0x40000000), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_POWER_STATE, 3), 0x40000001);
	ck_assert_int_eq(rig_ninbox(IVI), 0);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 0, 0, 0x40000000), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_POWER_STATE, 3), 0x40000000);
	/* the change ivi caused itself, under its own id */
	ck_assert_int_eq(rig_ninbox(IVI), 1);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(IVI, 0)->b + 4), IVI);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(IVI, 0)->b + 8), 0);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(IVI, 0)->b + 12), 0x40000000);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 0, 0, 0x12345), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 0, 1, 0), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x3, 0), 0);
	ck_assert_str_eq((char *)resp + 12, "isp");
}
END_TEST

/* --- reset --------------------------------------------------------------------- */

START_TEST(test_shared_reset_line_and_autonomous_reset)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 0, 0, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_RESET_LINE, 5), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_RESET, 0x4, 0, 0, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 0, 2, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_RESET_LINE, 5), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_RESET, 0x4, 0, 2, 0), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_RESET_LINE, 5), 1);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_RESET_LINE, 5, 0), 1);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 0, 1, 0), SCMI_DENIED);
	/* camera's private line may be pulsed, also asynchronously */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 1, 1 | 4, 0), 0);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_RESET_PULSE, 6, -1), 1);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 1);
	ck_assert_uint_eq(SCMI_HDR_TYPE(vscmi_get_le32(rig_msg(CAMERA, 0)->b)), SCMI_TYPE_DELAYED);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(CAMERA, 0)->b + 8), 1);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x3, 1), 0);
	ck_assert_str_eq((char *)resp + 16, "csi");
}
END_TEST

/* A pulse on a shared line resets every user's device: all of them hear,
 * the others from the platform. */
START_TEST(test_reset_issued_reaches_every_user_from_the_platform)
{
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_RESET, 0x5, 1, 1), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x5, 2, 1), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 2, 1, 0), 0);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_RESET_PULSE, 7, -1), 1);
	ck_assert_int_eq(rig_ninbox(DISPLAY), 1);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(DISPLAY, 0)->b),
			  SCMI_HDR(0, SCMI_TYPE_NOTIFICATION, SCMI_PROTO_RESET, 0));
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(DISPLAY, 0)->b + 4), 0);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(DISPLAY, 0)->b + 8), 1);
	ck_assert_int_eq(rig_ninbox(CAMERA), 1);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(CAMERA, 0)->b + 4), CAMERA);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(CAMERA, 0)->b + 8), 2);
}
END_TEST

/* --- system -------------------------------------------------------------------- */

START_TEST(test_guest_system_power_goes_to_hook_not_platform)
{
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_SYSTEM, 0x5, 1), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 1), 0);
	ck_assert_int_eq(sys_calls, 1);
	ck_assert_uint_eq(sys_state, 1);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_SYSTEM_POWER, 0, -1), 0);
	ck_assert_int_eq(rig_ninbox(IVI), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x4), 0);
	ck_assert_uint_eq(rv(0), 1);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_SYSTEM, 0x3, 1, 0), 0);
	ck_assert_int_eq(sys_calls, 1);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_SYSTEM_POWER, 0, 0), 1);
	ck_assert_int_eq(rig_ninbox(IVI), 1);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(IVI, 0)->b + 4), OPS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 4), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 7), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x2, 0x3), 0);
	ck_assert_uint_eq(rv(0), 1u << 31);
}
END_TEST

/* An agent that asked for nothing is running: power-up, not shutdown. */
START_TEST(test_system_state_reads_power_up_until_set)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x4), 0);
	ck_assert_uint_eq(rv(0), 3);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_SYSTEM, 0x4), 0);
	ck_assert_uint_eq(rv(0), 3);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 2), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x4), 0);
	ck_assert_uint_eq(rv(0), 2);
	/* the privileged agent's request went to the platform, and reads back */
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_SYSTEM, 0x3, 0, 1), 0);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_SYSTEM, 0x4), 0);
	ck_assert_uint_eq(rv(0), 1);
	/* a reset agent starts over */
	scmi_agent_reset(scmi_server_agent(srv, CAMERA));
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x4), 0);
	ck_assert_uint_eq(rv(0), 3);
}
END_TEST

/* A guest repeating its request does not reach the embedder again, so it
 * cannot flood its log; another state, or the same after a reset, does. */
START_TEST(test_system_power_repeated_request_reaches_hook_once)
{
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 1), 0);
	ck_assert_int_eq(sys_calls, 1);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 1, 2), 0);
	ck_assert_int_eq(sys_calls, 2);
	ck_assert_uint_eq(sys_state, 2);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 2), 0);
	ck_assert_int_eq(sys_calls, 2);
	scmi_agent_reset(scmi_server_agent(srv, CAMERA));
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 2), 0);
	ck_assert_int_eq(sys_calls, 3);
	/* each agent has its own */
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_SYSTEM, 0x3, 0, 2), 0);
	ck_assert_int_eq(sys_calls, 4);
}
END_TEST

START_TEST(test_agent_gone_leaves_others_undisturbed)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_POWER, 0x4, 0, 0, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 0, 0, 0), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_RESET, 0x4, 0, 0, 0), 0);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 0, 0, 0x40000001), 0);
	scmi_agent_reset(scmi_server_agent(srv, CAMERA));
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 11), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 10), 1);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_POWER_STATE, 3), 0x40000001);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_RESET_LINE, 5), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(rv(1), 1);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x5, 0), 0);
	ck_assert_uint_eq(rv(0), 0x40000001);
}
END_TEST

/* --- a slow platform: replies that come later ---------------------------- */

/* Replies the camera's transport received later, in order. */
static struct {
	int n;
	uint64_t tag[8];
	uint8_t b[8][SCMI_MSG_MAX];
	size_t len[8];
} later;

static int later_reply(void *ctx, uint64_t tag, const uint8_t *msg, size_t len)
{
	ck_assert_int_lt(later.n, 8);
	later.tag[later.n] = tag;
	memcpy(later.b[later.n], msg, len);
	later.len[later.n++] = len;
	return 0;
}

/* One command with a tag: the reply's length now, 0 when it comes later. */
static size_t tagged(uint32_t agent, uint32_t hdr, int n, const uint32_t *w, uint64_t tag)
{
	uint8_t req[4 + 4 * 8];

	vscmi_put_le32(req, hdr);
	for (int i = 0; i < n; i++)
		vscmi_put_le32(req + 4 + 4 * i, w[i]);
	resp_len = scmi_server_handle_tagged(srv, scmi_server_agent(srv, agent), req,
					     4 + 4 * (size_t)n, resp, sizeof(resp), tag);
	return resp_len;
}

static void finish_all(void)
{
	for (int i = 0; i < 16 && vscmi_emu_finish(plat, VSCMI_OP_COUNT, UINT32_MAX); i++)
		;
}

static void slow_setup(void)
{
	setup();
	memset(&later, 0, sizeof(later));
	vscmi_emu_latency(plat, VSCMI_OP_CLOCK_ENABLE, 0);
	scmi_agent_set_reply(scmi_server_agent(srv, 1), later_reply, NULL);
}

START_TEST(test_slow_change_others_answered_meanwhile_reply_later_with_token)
{
	const uint32_t on[] = { 0, 1 }, get[] = { 0, 0 }, ver[] = { 0 }, core[] = { 1 };
	const uint32_t rst[] = { 0, 0, 0 };
	uint32_t set_hdr = SCMI_HDR(0x7, 0, SCMI_PROTO_CLOCK, 0x11);

	/* The camera's pixel clock waits on the firmware... */
	ck_assert_uint_eq(tagged(1, set_hdr, 2, on, 101), 0);
	ck_assert_uint_eq(scmi_agent_waiting(scmi_server_agent(srv, 1)), 1);
	/* ...while the display is answered at once: discovery, attributes, a
	 * reset line on a free resource. */
	ck_assert_uint_eq(tagged(2, SCMI_HDR(0x0, 0, SCMI_PROTO_BASE, 1), 0, NULL, 0), 12);
	ck_assert_int_eq(status(), SCMI_SUCCESS);
	ck_assert_uint_eq(tagged(2, SCMI_HDR(0x3, 0, SCMI_PROTO_CLOCK, 2), 1, ver, 0), 32);
	ck_assert_int_eq(status(), SCMI_SUCCESS);
	ck_assert_uint_eq(tagged(2, SCMI_HDR(0x4, 0, SCMI_PROTO_RESET, 3), 3, rst, 0), 8);
	ck_assert_int_eq(status(), SCMI_SUCCESS);
	/* The camera's own commands elsewhere too; on the waiting clock they
	 * queue behind its change. */
	ck_assert_uint_eq(tagged(1, SCMI_HDR(0x3, 0, SCMI_PROTO_CLOCK, 0x12), 1, core, 102), 32);
	ck_assert_uint_eq(tagged(1, SCMI_HDR(0xb, 0, SCMI_PROTO_CLOCK, 0x13), 2, get, 103), 0);
	ck_assert_int_eq(later.n, 0);

	finish_all();
	ck_assert_int_eq(later.n, 2);
	ck_assert_uint_eq(later.tag[0], 101);
	ck_assert_uint_eq(later.len[0], 8);
	ck_assert_uint_eq(vscmi_get_le32(later.b[0]), set_hdr);
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[0] + 4), SCMI_SUCCESS);
	/* The read that waited sees the change. */
	ck_assert_uint_eq(later.tag[1], 103);
	ck_assert_uint_eq(SCMI_HDR_TOKEN(vscmi_get_le32(later.b[1])), 0x13);
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[1] + 4), SCMI_SUCCESS);
	ck_assert_uint_eq(vscmi_get_le32(later.b[1] + 12) & 1, 1);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 11), 1);
	ck_assert_uint_eq(scmi_agent_waiting(scmi_server_agent(srv, 1)), 0);
}
END_TEST

START_TEST(test_slow_change_timeout_is_an_error_reply_and_rolls_back)
{
	const uint32_t on[] = { 0, 1 }, get[] = { 0, 0 };

	/* What linux-raw answers when the firmware stays silent. */
	vscmi_emu_refuse(plat, VSCMI_OP_CLOCK_ENABLE, 11, 1, -ETIMEDOUT);
	ck_assert_uint_eq(tagged(1, SCMI_HDR(0x7, 0, SCMI_PROTO_CLOCK, 5), 2, on, 7), 0);
	finish_all();
	ck_assert_int_eq(later.n, 1);
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[0] + 4), SCMI_COMMS_ERROR);
	ck_assert_uint_eq(SCMI_HDR_TOKEN(vscmi_get_le32(later.b[0])), 5);
	/* Nothing stays half done: the agent reads its clock off. */
	ck_assert_uint_eq(tagged(1, SCMI_HDR(0xb, 0, SCMI_PROTO_CLOCK, 6), 2, get, 8), 20);
	ck_assert_uint_eq(rv(1) & 1, 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 11), 0);
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 10), 0);
}
END_TEST

START_TEST(test_slow_change_agent_reset_while_pending_drops_reply_releases_vote)
{
	const uint32_t on[] = { 0, 1 }, get[] = { 0, 0 };
	struct scmi_agent *cam = scmi_server_agent(srv, 1);

	ck_assert_uint_eq(tagged(1, SCMI_HDR(0x7, 0, SCMI_PROTO_CLOCK, 5), 2, on, 7), 0);
	/* The channel goes away with the reply still to come. */
	ck_assert_uint_eq(tagged(1, SCMI_HDR(0xb, 0, SCMI_PROTO_CLOCK, 6), 2, get, 8), 0);
	scmi_agent_set_reply(cam, NULL, NULL);
	scmi_agent_reset(cam);
	finish_all();
	ck_assert_int_eq(later.n, 0);
	ck_assert_uint_eq(scmi_agent_waiting(cam), 0);
	ck_assert_uint_eq(arb_in_flight(arb), 0);
	/* The change finished, then the release withdrew it. */
	ck_assert_int_eq(rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, 11), 0);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_CLOCK_ENABLE, 11, 1), 1);
	/* A new channel is served as usual. */
	scmi_agent_set_reply(cam, later_reply, NULL);
	ck_assert_uint_eq(tagged(1, SCMI_HDR(0x7, 0, SCMI_PROTO_CLOCK, 9), 2, on, 10), 0);
	finish_all();
	ck_assert_int_eq(later.n, 1);
	ck_assert_uint_eq(later.tag[0], 10);
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[0] + 4), SCMI_SUCCESS);
}
END_TEST

/* --- platform requests answered later: readings, pulses, system power ------ */

static void req_setup(void)
{
	slow_setup();
	vscmi_emu_latency(plat, VSCMI_OP_CLOCK_ENABLE, -1);
	vscmi_emu_reading_latency(plat, 0);
	vscmi_emu_latency(plat, VSCMI_OP_RESET_PULSE, 0);
	vscmi_emu_latency(plat, VSCMI_OP_SYSTEM_POWER, 0);
	for (uint32_t i = 2; i <= model.nagents; i++)
		scmi_agent_set_reply(scmi_server_agent(srv, i), later_reply, NULL);
}

#define READING_GET(token) SCMI_HDR(0x6, 0, SCMI_PROTO_SENSOR, token)

/* The saved state of the agent's sensor 0. */
static void find_sensor_view(void *ctx, const struct scmi_view_state *vs)
{
	struct scmi_view_state *out = ctx;

	if (vs->kind == VSCMI_SENSOR && vs->vid == 0)
		*out = *vs;
}

START_TEST(test_slow_reading_others_answered_meanwhile_reply_carries_value)
{
	const uint32_t sync[] = { 0, 0 }, core[] = { 1 }, rst[] = { 0, 0, 0 };

	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x21), 2, sync, 201), 0);
	ck_assert_uint_eq(scmi_agent_waiting(scmi_server_agent(srv, CAMERA)), 1);
	/* The camera's other commands and the display's are answered now. */
	ck_assert_uint_eq(tagged(CAMERA, SCMI_HDR(0x3, 0, SCMI_PROTO_CLOCK, 0x22), 1, core, 202),
			  32);
	ck_assert_uint_eq(tagged(DISPLAY, SCMI_HDR(0x4, 0, SCMI_PROTO_RESET, 3), 3, rst, 0), 8);
	ck_assert_int_eq(status(), SCMI_SUCCESS);
	ck_assert_int_eq(later.n, 0);

	ck_assert_int_eq(vscmi_emu_finish_reading(plat, 20), 1);
	ck_assert_int_eq(later.n, 1);
	ck_assert_uint_eq(later.tag[0], 201);
	ck_assert_uint_eq(later.len[0], 24);
	ck_assert_uint_eq(vscmi_get_le32(later.b[0]), READING_GET(0x21));
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[0] + 4), SCMI_SUCCESS);
	ck_assert_uint_eq(vscmi_get_le32(later.b[0] + 8), 45000);
	ck_assert_uint_eq(vscmi_get_le32(later.b[0] + 12), 0);
	ck_assert_uint_eq(scmi_agent_waiting(scmi_server_agent(srv, CAMERA)), 0);
}
END_TEST

/* Arming a trip point needs the sensor's side now: with a slow firmware
 * the reply waits for the reading, the other agents are served meanwhile,
 * and the point is armed on the value that came. */
START_TEST(test_slow_trip_point_config_answered_after_the_reading)
{
	/* trip 0, both directions, at 40000 (the reading is 45000: above) */
	const uint32_t trip[] = { 0, 0x3, 40000, 0 }, rst[] = { 0, 0, 0 };
	struct scmi_view_state vs = { .kind = VSCMI_SENSOR };

	ck_assert_uint_eq(tagged(CAMERA, SCMI_HDR(0x5, 0, SCMI_PROTO_SENSOR, 0x31), 4, trip, 301),
			  0);
	ck_assert_uint_eq(tagged(DISPLAY, SCMI_HDR(0x4, 0, SCMI_PROTO_RESET, 3), 3, rst, 0), 8);
	ck_assert_int_eq(status(), SCMI_SUCCESS);
	ck_assert_int_eq(later.n, 0);
	ck_assert_int_eq(vscmi_emu_finish_reading(plat, 20), 1);
	ck_assert_int_eq(later.n, 1);
	ck_assert_uint_eq(later.tag[0], 301);
	ck_assert_uint_eq(later.len[0], 8);
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[0] + 4), SCMI_SUCCESS);
	/* armed, on the side the reading put it */
	scmi_agent_save_views(scmi_server_agent(srv, CAMERA), find_sensor_view, &vs);
	ck_assert(vs.trips[0].armed);
	ck_assert(vs.trips[0].above);
	ck_assert_int_eq(vs.trips[0].value, 40000);
}
END_TEST

/* The asynchronous form is accepted at once; the delayed response carries
 * the reading when the platform has it. */
START_TEST(test_slow_async_reading_delayed_response_carries_value)
{
	const uint32_t async[] = { 0, 1 };
	const struct rig_msg *m;

	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x31), 2, async, 301), 8);
	ck_assert_int_eq(status(), SCMI_SUCCESS);
	ck_assert_uint_eq(scmi_agent_waiting(scmi_server_agent(srv, CAMERA)), 0);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 0);
	ck_assert_int_eq(vscmi_emu_finish_reading(plat, 20), 1);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 1);
	m = rig_msg(CAMERA, 0);
	ck_assert_uint_eq(m->len, 28);
	ck_assert_uint_eq(vscmi_get_le32(m->b), SCMI_HDR(0x6, SCMI_TYPE_DELAYED, SCMI_PROTO_SENSOR,
							 0x31));
	ck_assert_int_eq((int32_t)vscmi_get_le32(m->b + 4), SCMI_SUCCESS);
	ck_assert_uint_eq(vscmi_get_le32(m->b + 8), 0);		/* the agent's sensor ID */
	ck_assert_uint_eq(vscmi_get_le32(m->b + 12), 45000);
	ck_assert_int_eq(later.n, 0);
}
END_TEST

START_TEST(test_slow_readings_capped_per_agent)
{
	const uint32_t sync[] = { 0, 0 };

	for (uint32_t i = 0; i < 4; i++)
		ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x40 + i), 2, sync, 400 + i), 0);
	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x44), 2, sync, 404), 8);
	ck_assert_int_eq(status(), SCMI_BUSY);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(vscmi_emu_finish_reading(plat, 20), 1);
	ck_assert_int_eq(later.n, 4);
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(later.tag[i], 400 + (uint64_t)i);
		ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[i] + 4), SCMI_SUCCESS);
	}
	/* Free again. */
	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x45), 2, sync, 405), 0);
}
END_TEST

/* A pulse waits on the firmware holding its line; the camera's other
 * commands and the display are served meanwhile; an async pulse's delayed
 * response follows the reply. */
START_TEST(test_slow_reset_pulse_answered_later)
{
	const uint32_t pulse[] = { 2, 1 | 4, 0 }, rst[] = { 0, 0, 0 }, sync[] = { 0, 0 };

	ck_assert_uint_eq(tagged(CAMERA, SCMI_HDR(0x4, 0, SCMI_PROTO_RESET, 0x51), 3, pulse, 501),
			  0);
	ck_assert_uint_eq(tagged(DISPLAY, SCMI_HDR(0x4, 0, SCMI_PROTO_RESET, 3), 3, rst, 0), 8);
	ck_assert_int_eq(status(), SCMI_SUCCESS);
	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x52), 2, sync, 502), 0);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_RESET_PULSE, 7, -1), 0);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 0);

	ck_assert_int_eq(vscmi_emu_finish(plat, VSCMI_OP_RESET_PULSE, 7), 1);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_RESET_PULSE, 7, -1), 1);
	ck_assert_int_eq(later.n, 1);
	ck_assert_uint_eq(later.tag[0], 501);
	ck_assert_uint_eq(SCMI_HDR_TOKEN(vscmi_get_le32(later.b[0])), 0x51);
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[0] + 4), SCMI_SUCCESS);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 1);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(CAMERA, 0)->b),
			  SCMI_HDR(0x4, SCMI_TYPE_DELAYED, SCMI_PROTO_RESET, 0x51));
	ck_assert_int_eq(vscmi_emu_finish_reading(plat, 20), 1);
	ck_assert_int_eq(later.n, 2);
	ck_assert_uint_eq(later.tag[1], 502);
}
END_TEST

START_TEST(test_slow_system_power_answered_later_and_timeout_is_comms_error)
{
	const uint32_t off[] = { 0, 0 }, ver[] = { 0 };

	ck_assert_uint_eq(tagged(OPS, SCMI_HDR(0x3, 0, SCMI_PROTO_SYSTEM, 0x61), 2, off, 601), 0);
	ck_assert_uint_eq(tagged(DISPLAY, SCMI_HDR(0x3, 0, SCMI_PROTO_CLOCK, 2), 1, ver, 0), 32);
	ck_assert_int_eq(later.n, 0);
	ck_assert_int_eq(vscmi_emu_finish(plat, VSCMI_OP_SYSTEM_POWER, UINT32_MAX), 1);
	ck_assert_int_eq(later.n, 1);
	ck_assert_uint_eq(later.tag[0], 601);
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[0] + 4), SCMI_SUCCESS);
	ck_assert_uint_eq(vscmi_emu_count(plat, VSCMI_OP_SYSTEM_POWER, 0, 0), 1);
	ck_assert_uint_eq(tagged(OPS, SCMI_HDR(0x4, 0, SCMI_PROTO_SYSTEM, 0x62), 0, NULL, 602), 12);
	ck_assert_uint_eq(rv(0), 0);

	/* What linux-raw answers when the firmware stays silent. */
	vscmi_emu_refuse(plat, VSCMI_OP_SYSTEM_POWER, UINT32_MAX, 1, -ETIMEDOUT);
	ck_assert_uint_eq(tagged(OPS, SCMI_HDR(0x3, 0, SCMI_PROTO_SYSTEM, 0x63), 2, off, 603), 0);
	ck_assert_int_eq(vscmi_emu_finish(plat, VSCMI_OP_SYSTEM_POWER, UINT32_MAX), 1);
	ck_assert_int_eq(later.n, 2);
	ck_assert_uint_eq(later.tag[1], 603);
	ck_assert_uint_eq(later.len[1], 8);
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[1] + 4), SCMI_COMMS_ERROR);
}
END_TEST

/* A channel reset with a reading pending drops its reply; a removed agent's
 * reading is forgotten by the platform, so nothing comes back to it. */
START_TEST(test_slow_reading_dropped_on_reset_forgotten_on_removal)
{
	const uint32_t sync[] = { 0, 0 }, async[] = { 0, 1 };
	struct scmi_agent *cam = scmi_server_agent(srv, CAMERA);
	struct scmi_agent_stats st;

	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x71), 2, sync, 701), 0);
	scmi_agent_reset(cam);
	ck_assert_uint_eq(scmi_agent_waiting(cam), 0);
	ck_assert_int_eq(vscmi_emu_finish_reading(plat, 20), 1);
	ck_assert_int_eq(later.n, 0);
	scmi_agent_stats(cam, &st);
	ck_assert_uint_eq(st.dropped, 1);
	/* The new channel is served. */
	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x72), 2, sync, 702), 0);
	ck_assert_int_eq(vscmi_emu_finish_reading(plat, 20), 1);
	ck_assert_int_eq(later.n, 1);
	ck_assert_uint_eq(later.tag[0], 702);

	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x73), 2, sync, 703), 0);
	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x74), 2, async, 704), 8);
	ck_assert_uint_eq(vscmi_emu_in_flight(plat), 2);
	scmi_server_remove_agent(srv, cam);
	ck_assert_uint_eq(vscmi_emu_in_flight(plat), 0);
	ck_assert_int_eq(vscmi_emu_finish_reading(plat, UINT32_MAX), 0);
	rig_run_deferred();
	ck_assert_int_eq(later.n, 1);
}
END_TEST

static Suite *scmi_suite(void)
{
	Suite *s = suite_create("scmi");
	TCase *tc;

	tc = tcase_create("codec");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_short_messages_expect_PROTOCOL_ERROR);
	tcase_add_test(tc, test_reply_echoes_header_and_token);
	tcase_add_test(tc, test_bad_header_bits_expect_PROTOCOL_ERROR);
	tcase_add_test(tc, test_unknown_protocol_expect_NOT_SUPPORTED);
	tcase_add_test(tc, test_unknown_message_expect_NOT_FOUND);
	tcase_add_test(tc, test_short_payload_expect_PROTOCOL_ERROR);
	tcase_add_test(tc, test_oversized_payload_expect_PROTOCOL_ERROR);
	suite_add_tcase(s, tc);

	tc = tcase_create("base");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_base_discovery_is_per_agent);
	tcase_add_test(tc, test_base_discover_agent_hides_other_guests);
	tcase_add_test(tc, test_base_reset_agent_configuration_releases_votes);
	tcase_add_test(tc, test_base_permissions_need_privilege);
	suite_add_tcase(s, tc);

	tc = tcase_create("clock");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_clock_views_are_dense_and_named_per_agent);
	tcase_add_test(tc, test_pll_shared_by_two_guests_switches_once);
	tcase_add_test(tc, test_exclusive_rate_owner_denies_others);
	tcase_add_test(tc, test_exclusive_rate_enabler_reads_the_rate_the_clock_has);
	tcase_add_test(tc, test_rate_rounding_and_range);
	tcase_add_test(tc, test_describe_rates_multipart_fits_small_channel);
	tcase_add_test(tc, test_async_rate_set_delayed_response_follows_reply);
	tcase_add_test(tc, test_async_cap_counts_delayed_responses_of_a_reset_agent);
	tcase_add_test(tc, test_platform_refusal_rolls_vote_back);
	tcase_add_test(tc, test_refused_release_retried_before_the_next_command);
	tcase_add_test(tc, test_rate_notification_names_only_the_receiver_or_the_platform);
	suite_add_tcase(s, tc);

	tc = tcase_create("slow-platform");
	tcase_add_checked_fixture(tc, slow_setup, teardown);
	tcase_add_test(tc, test_slow_change_others_answered_meanwhile_reply_later_with_token);
	tcase_add_test(tc, test_slow_change_timeout_is_an_error_reply_and_rolls_back);
	tcase_add_test(tc, test_slow_change_agent_reset_while_pending_drops_reply_releases_vote);
	suite_add_tcase(s, tc);

	tc = tcase_create("slow-platform-requests");
	tcase_add_checked_fixture(tc, req_setup, teardown);
	tcase_add_test(tc, test_slow_reading_others_answered_meanwhile_reply_carries_value);
	tcase_add_test(tc, test_slow_trip_point_config_answered_after_the_reading);
	tcase_add_test(tc, test_slow_async_reading_delayed_response_carries_value);
	tcase_add_test(tc, test_slow_readings_capped_per_agent);
	tcase_add_test(tc, test_slow_reset_pulse_answered_later);
	tcase_add_test(tc, test_slow_system_power_answered_later_and_timeout_is_comms_error);
	tcase_add_test(tc, test_slow_reading_dropped_on_reset_forgotten_on_removal);
	suite_add_tcase(s, tc);

	tc = tcase_create("power-reset-system");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_power_domain_reads_own_vote);
	tcase_add_test(tc, test_shared_reset_line_and_autonomous_reset);
	tcase_add_test(tc, test_reset_issued_reaches_every_user_from_the_platform);
	tcase_add_test(tc, test_guest_system_power_goes_to_hook_not_platform);
	tcase_add_test(tc, test_system_state_reads_power_up_until_set);
	tcase_add_test(tc, test_system_power_repeated_request_reaches_hook_once);
	tcase_add_test(tc, test_agent_gone_leaves_others_undisturbed);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(scmi_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
