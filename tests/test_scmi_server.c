/* SPDX-License-Identifier: GPL-2.0-only */
/* The SCMI server as a whole, driven with real messages: the codec and the
 * validator, what the messages of several protocols share, an agent gone,
 * and a slow platform whose replies come later. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

#include "support/scmi_suite.h"

/* --- codec and validator --------------------------------------------------- */

START_TEST(test_short_messages_expect_PROTOCOL_ERROR)
{
	uint8_t req[3] = { 0x10, 0x40, 0x00 };

	for (size_t len = 0; len < 4; len++) {
		rig.resp_len = scmi_server_handle(rig.srv, scmi_server_agent(rig.srv, CAMERA), req,
						  len, rig.resp, sizeof(rig.resp));
		ck_assert_uint_eq(rig.resp_len, 8);
		ck_assert_int_eq(rig_status(), SCMI_PROTOCOL_ERROR);
	}
}
END_TEST

START_TEST(test_reply_echoes_header_and_token)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x0), 0);
	ck_assert_uint_eq(SCMI_HDR_TOKEN(vscmi_get_le32(rig.resp)), 0x2a5);
	ck_assert_uint_eq(rig_rv(0), 0x30000);
	ck_assert_uint_eq(rig.resp_len, 12);
}
END_TEST

START_TEST(test_bad_header_bits_expect_PROTOCOL_ERROR)
{
	uint8_t req[4];

	vscmi_put_le32(req, SCMI_HDR(0, 0, 0x10, 1) | 1u << 28);
	rig.resp_len = scmi_server_handle(rig.srv, scmi_server_agent(rig.srv, CAMERA), req, 4,
					  rig.resp, sizeof(rig.resp));
	ck_assert_int_eq(rig_status(), SCMI_PROTOCOL_ERROR);
	vscmi_put_le32(req, SCMI_HDR(0, SCMI_TYPE_DELAYED, 0x10, 1));
	rig.resp_len = scmi_server_handle(rig.srv, scmi_server_agent(rig.srv, CAMERA), req, 4,
					  rig.resp, sizeof(rig.resp));
	ck_assert_int_eq(rig_status(), SCMI_PROTOCOL_ERROR);
}
END_TEST

START_TEST(test_unknown_protocol_expect_NOT_SUPPORTED)
{
	ck_assert_int_eq(SEND(CAMERA, 0x1f, 0x0), SCMI_NOT_SUPPORTED);
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

	ck_assert_int_eq(rig_sendv(CAMERA, SCMI_PROTO_CLOCK, 0x3, 33, w), SCMI_PROTOCOL_ERROR);
	ck_assert_int_eq(rig_sendv(CAMERA, SCMI_PROTO_CLOCK, 0x3, 32, w), 0);
}
END_TEST

/* --- what the messages of perf, sensor and voltage share ------------------- */

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
	struct scmi_agent_stats before = rig_stats(GFX);

	for (int k = 0; k < n; k++)
		ck_assert_int_eq(rig_sendv(GFX, p, m, k, w), SCMI_PROTOCOL_ERROR);
	ck_assert_uint_eq(rig_stats(GFX).malformed - before.malformed, n);
	ck_assert_int_ne(rig_sendv(GFX, p, m, n, w), SCMI_PROTOCOL_ERROR);
}
END_TEST

START_TEST(test_versions_and_unknown_messages)
{
	OK(SEND(GFX, PERF, 0x0));
	ck_assert_uint_eq(rig_rv(0), 0x40000);
	OK(SEND(GFX, SENSOR, 0x0));
	ck_assert_uint_eq(rig_rv(0), 0x30001);
	OK(SEND(GFX, VOLT, 0x0));
	ck_assert_uint_eq(rig_rv(0), 0x20001);
	ck_assert_int_eq(SEND(GFX, PERF, 0xd), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0xe), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(GFX, VOLT, 0xa), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(GFX, VOLT, 0x2, 0xa), SCMI_NOT_FOUND);
	OK(SEND(GFX, VOLT, 0x10, 0x20000));
	ck_assert_int_eq(SEND(GFX, VOLT, 0x10, 0x30000), SCMI_NOT_SUPPORTED);
	OK(SEND(GFX, SENSOR, 0x10, 0x30000));
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
	/* hmi sees 1 perf domain, 2 sensors, 2 regulators */
	uint32_t first_unseen = p == PERF ? 1 : 2;
	uint32_t w[4] = { first_unseen, 1, 0, 0 };

	ck_assert_int_eq(rig_sendv(HMI, p, m, n, w), SCMI_NOT_FOUND);
	w[0] = 0xffffffff;
	ck_assert_int_eq(rig_sendv(HMI, p, m, n, w), SCMI_NOT_FOUND);
	ck_assert_int_eq(rig_sendv(GFX, p, m, n, w), SCMI_NOT_FOUND);
	/* nothing reached the platform */
	ck_assert_uint_eq(vscmi_emu_log(rig.plat, &(const struct vscmi_op *){ NULL }), 0);
}
END_TEST

/* --- list boundaries and counts ------------------------------------------ */

/* A multi-part list asked from its count on: an empty remainder, SUCCESS
 * with nothing returned and nothing remaining. Past the count: the status
 * each command names (DEN0056E 4.2.2.8 skip, 4.6.2.6 rate_index, 4.5.3.6
 * and 4.9.2.6 level_index, 4.7.2.5 desc_index). */
struct list_case {
	uint32_t agent;
	uint8_t proto, msg;
	bool has_id;
	uint32_t id, count;
	int32_t beyond;
};

/* The highest protocol ID vscmid serves. */
#define LAST_PROTO SCMI_PROTO_PINCTRL

static void check_list_boundary(const struct list_case *lc)
{
	uint32_t w[2] = { lc->id, lc->count };
	int n = lc->has_id ? 2 : 1;
	const uint32_t *args = lc->has_id ? w : w + 1;

	OK(rig_sendv(lc->agent, lc->proto, lc->msg, n, args));
	ck_assert_uint_eq(rig.resp_len, 12);
	ck_assert_uint_eq(rig_rv(0), 0);
	w[1] = lc->count + 1;
	ck_assert_int_eq(rig_sendv(lc->agent, lc->proto, lc->msg, n, args), lc->beyond);
	w[1] = 0xffffffff;
	ck_assert_int_eq(rig_sendv(lc->agent, lc->proto, lc->msg, n, args), lc->beyond);
}

static const struct list_case gfx_lists[] = {
	{ GFX, PERF, 0x4, true, 1, GPU_LEVELS, SCMI_OUT_OF_RANGE },
	{ HMI, PERF, 0x4, true, 0, GPU_LEVELS, SCMI_OUT_OF_RANGE },
	{ GFX, VOLT, 0x4, true, 0, VCAM_LEVELS, SCMI_OUT_OF_RANGE },
	{ GFX, VOLT, 0x4, true, 2, 1, SCMI_OUT_OF_RANGE },
	{ GFX, SENSOR, 0x3, false, 0, NSENSORS, SCMI_INVALID_PARAMETERS },
	{ HMI, SENSOR, 0x3, false, 0, 2, SCMI_INVALID_PARAMETERS },
	{ GFX, SENSOR, 0x8, true, 0, 1, SCMI_INVALID_PARAMETERS },
};

START_TEST(test_gfx_list_from_its_count_is_empty_past_it_refused)
{
	check_list_boundary(&gfx_lists[_i]);
}
END_TEST

static const struct list_case video_lists[] = {
	{ CAMERA, SCMI_PROTO_BASE, 0x6, false, 0, 8, SCMI_INVALID_PARAMETERS },
	{ IVI, SCMI_PROTO_BASE, 0x6, false, 0, 3, SCMI_INVALID_PARAMETERS },
	{ OPS, SCMI_PROTO_BASE, 0x6, false, 0, 1, SCMI_INVALID_PARAMETERS },
	{ CAMERA, SCMI_PROTO_CLOCK, 0x4, true, 1, 20, SCMI_OUT_OF_RANGE },
	{ IVI, SCMI_PROTO_CLOCK, 0x4, true, 0, 2, SCMI_OUT_OF_RANGE },
};

START_TEST(test_video_list_from_its_count_is_empty_past_it_refused)
{
	check_list_boundary(&video_lists[_i]);
}
END_TEST

/* What PROTOCOL_ATTRIBUTES counts is what answers: every ID below the
 * count, none from it on (NOT_FOUND), for every agent and protocol. */
static const struct {
	uint8_t proto, msg;	/* a message naming one resource by ID */
} counted[] = {
	{ SCMI_PROTO_POWER, 0x3 }, { SCMI_PROTO_PERF, 0x3 },   { SCMI_PROTO_CLOCK, 0x3 },
	{ SCMI_PROTO_SENSOR, 0x9 }, { SCMI_PROTO_RESET, 0x3 }, { SCMI_PROTO_VOLTAGE, 0x3 },
	{ SCMI_PROTO_POWERCAP, 0x3 },
};

static void check_counts(uint32_t nagents)
{
	for (uint32_t a = 1; a <= nagents; a++) {
		for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++) {
			uint8_t p = counted[i].proto, m = counted[i].msg;
			uint32_t n;

			if (SEND(a, p, 0x1) != SCMI_SUCCESS) {
				ck_assert_int_eq(rig_status(), SCMI_NOT_SUPPORTED);
				continue;
			}
			n = rig_rv(0) & 0xffff;
			for (uint32_t id = 0; id < n; id++)
				OK(SEND(a, p, m, id));
			ck_assert_int_eq(SEND(a, p, m, n), SCMI_NOT_FOUND);
		}
	}
}

START_TEST(test_gfx_counted_ids_answer_the_count_does_not)
{
	check_counts(NAGENTS);
}
END_TEST

START_TEST(test_video_counted_ids_answer_the_count_does_not)
{
	check_counts(OPS);
}
END_TEST

/* BASE_PROTOCOL_ATTRIBUTES against discovery: the protocols counted are
 * the ones listed, each listed one answers and every other is
 * NOT_SUPPORTED; agent 0 is the platform, 0xffffffff the caller, whose
 * ID is within the count, every ID within it answers and the ID past the
 * count is NOT_FOUND
 * (DEN0056E 4.2.2.3, 4.2.2.8, 4.2.2.10). */
START_TEST(test_base_counts_match_discovery)
{
	for (uint32_t a = CAMERA; a <= OPS; a++) {
		uint32_t nproto, nagents, listed = 0, mask = 0;

		OK(SEND(a, SCMI_PROTO_BASE, 0x1));
		nproto = rig_rv(0) & 0xff;
		nagents = rig_rv(0) >> 8 & 0xff;
		ck_assert_uint_eq(rig_rv(0) >> 16, 0);
		while (listed < nproto) {
			uint32_t n;

			OK(SEND(a, SCMI_PROTO_BASE, 0x6, listed));
			n = rig_rv(0);
			ck_assert_uint_ge(n, 1);
			for (uint32_t k = 0; k < n; k++) {
				uint32_t id = rig_rv(1 + k / 4) >> (8 * (k % 4)) & 0xff;

				ck_assert_uint_ge(id, SCMI_PROTO_POWER);
				ck_assert_uint_le(id, LAST_PROTO);
				mask |= 1u << (id - SCMI_PROTO_POWER);
			}
			listed += n;
		}
		ck_assert_uint_eq(listed, nproto);
		ck_assert_uint_eq((uint32_t)__builtin_popcount(mask), nproto);
		for (uint32_t p = SCMI_PROTO_POWER; p <= LAST_PROTO; p++)
			ck_assert_int_eq(SEND(a, (uint8_t)p, 0x0),
					 mask & 1u << (p - SCMI_PROTO_POWER) ? SCMI_SUCCESS
									      : SCMI_NOT_SUPPORTED);

		OK(SEND(a, SCMI_PROTO_BASE, 0x7, 0));
		ck_assert_uint_eq(rig_rv(0), 0);
		ck_assert_str_eq((char *)rig.resp + 12, "platform");
		/* the caller is within the count, and every ID the count covers
		 * answers: a guest is agent 1 of 1, the privileged agent sees
		 * every agent under its own ID */
		OK(SEND(a, SCMI_PROTO_BASE, 0x7, 0xffffffff));
		ck_assert_uint_eq(rig_rv(0), a == OPS ? OPS : 1);
		ck_assert_uint_eq(nagents, a == OPS ? OPS : 1);
		for (uint32_t id = 1; id <= nagents; id++) {
			OK(SEND(a, SCMI_PROTO_BASE, 0x7, id));
			ck_assert_uint_eq(rig_rv(0), id);
		}
		ck_assert_int_eq(SEND(a, SCMI_PROTO_BASE, 0x7, nagents + 1), SCMI_NOT_FOUND);
	}
}
END_TEST

/* --- agents ---------------------------------------------------------------- */

START_TEST(test_agent_gone_leaves_others_undisturbed)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_POWER, 0x4, 0, 0, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 0, 0, 0), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_RESET, 0x4, 0, 0, 0), 0);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 0, 0, 0x40000001), 0);
	scmi_agent_reset(scmi_server_agent(rig.srv, CAMERA));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10), 1);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_POWER_STATE, 3), 0x40000001);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_RESET_LINE, 5), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(rig_rv(1), 1);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x5, 0), 0);
	ck_assert_uint_eq(rig_rv(0), 0x40000001);
}
END_TEST

/* --- a slow platform: replies that come later ------------------------------ */

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
	rig.resp_len = scmi_server_handle_tagged(rig.srv, scmi_server_agent(rig.srv, agent), req,
					     4 + 4 * (size_t)n, rig.resp, sizeof(rig.resp), tag);
	return rig.resp_len;
}

static void finish_all(void)
{
	for (int i = 0; i < 16 && vscmi_emu_finish(rig.plat, VSCMI_OP_COUNT, UINT32_MAX); i++)
		;
}

static void slow_setup(void)
{
	rig_video_setup();
	memset(&later, 0, sizeof(later));
	vscmi_emu_latency(rig.plat, VSCMI_OP_CLOCK_ENABLE, 0);
	scmi_agent_set_reply(scmi_server_agent(rig.srv, 1), later_reply, NULL);
}

START_TEST(test_slow_change_others_answered_meanwhile_reply_later_with_token)
{
	const uint32_t on[] = { 0, 1 }, get[] = { 0, 0 }, ver[] = { 0 }, core[] = { 1 };
	const uint32_t rst[] = { 0, 0, 0 };
	uint32_t set_hdr = SCMI_HDR(0x7, 0, SCMI_PROTO_CLOCK, 0x11);

	/* The camera's pixel clock waits on the firmware... */
	ck_assert_uint_eq(tagged(1, set_hdr, 2, on, 101), 0);
	ck_assert_uint_eq(scmi_agent_waiting(scmi_server_agent(rig.srv, 1)), 1);
	/* ...while the display is answered at once: discovery, attributes, a
	 * reset line on a free resource. */
	ck_assert_uint_eq(tagged(2, SCMI_HDR(0x0, 0, SCMI_PROTO_BASE, 1), 0, NULL, 0), 12);
	ck_assert_int_eq(rig_status(), SCMI_SUCCESS);
	ck_assert_uint_eq(tagged(2, SCMI_HDR(0x3, 0, SCMI_PROTO_CLOCK, 2), 1, ver, 0), 32);
	ck_assert_int_eq(rig_status(), SCMI_SUCCESS);
	ck_assert_uint_eq(tagged(2, SCMI_HDR(0x4, 0, SCMI_PROTO_RESET, 3), 3, rst, 0), 8);
	ck_assert_int_eq(rig_status(), SCMI_SUCCESS);
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
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11), 1);
	ck_assert_uint_eq(scmi_agent_waiting(scmi_server_agent(rig.srv, 1)), 0);
}
END_TEST

START_TEST(test_slow_change_timeout_is_an_error_reply_and_rolls_back)
{
	const uint32_t on[] = { 0, 1 }, get[] = { 0, 0 };

	/* What linux-raw answers when the firmware stays silent. */
	vscmi_emu_refuse(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11, 1, -ETIMEDOUT);
	ck_assert_uint_eq(tagged(1, SCMI_HDR(0x7, 0, SCMI_PROTO_CLOCK, 5), 2, on, 7), 0);
	finish_all();
	ck_assert_int_eq(later.n, 1);
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[0] + 4), SCMI_COMMS_ERROR);
	ck_assert_uint_eq(SCMI_HDR_TOKEN(vscmi_get_le32(later.b[0])), 5);
	/* Nothing stays half done: the agent reads its clock off. */
	ck_assert_uint_eq(tagged(1, SCMI_HDR(0xb, 0, SCMI_PROTO_CLOCK, 6), 2, get, 8), 20);
	ck_assert_uint_eq(rig_rv(1) & 1, 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10), 0);
}
END_TEST

START_TEST(test_slow_change_agent_reset_while_pending_drops_reply_releases_vote)
{
	const uint32_t on[] = { 0, 1 }, get[] = { 0, 0 };
	struct scmi_agent *cam = scmi_server_agent(rig.srv, 1);

	ck_assert_uint_eq(tagged(1, SCMI_HDR(0x7, 0, SCMI_PROTO_CLOCK, 5), 2, on, 7), 0);
	/* The channel goes away with the reply still to come. */
	ck_assert_uint_eq(tagged(1, SCMI_HDR(0xb, 0, SCMI_PROTO_CLOCK, 6), 2, get, 8), 0);
	scmi_agent_set_reply(cam, NULL, NULL);
	scmi_agent_reset(cam);
	finish_all();
	ck_assert_int_eq(later.n, 0);
	ck_assert_uint_eq(scmi_agent_waiting(cam), 0);
	ck_assert_uint_eq(arb_in_flight(rig.arb), 0);
	/* The change finished, then the release withdrew it. */
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11), 0);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11, 1), 1);
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
	vscmi_emu_latency(rig.plat, VSCMI_OP_CLOCK_ENABLE, -1);
	vscmi_emu_reading_latency(rig.plat, 0);
	vscmi_emu_latency(rig.plat, VSCMI_OP_RESET_PULSE, 0);
	vscmi_emu_latency(rig.plat, VSCMI_OP_SYSTEM_POWER, 0);
	for (uint32_t i = 2; i <= rig.model.nagents; i++)
		scmi_agent_set_reply(scmi_server_agent(rig.srv, i), later_reply, NULL);
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
	ck_assert_uint_eq(scmi_agent_waiting(scmi_server_agent(rig.srv, CAMERA)), 1);
	/* The camera's other commands and the display's are answered now. */
	ck_assert_uint_eq(tagged(CAMERA, SCMI_HDR(0x3, 0, SCMI_PROTO_CLOCK, 0x22), 1, core, 202),
			  32);
	ck_assert_uint_eq(tagged(DISPLAY, SCMI_HDR(0x4, 0, SCMI_PROTO_RESET, 3), 3, rst, 0), 8);
	ck_assert_int_eq(rig_status(), SCMI_SUCCESS);
	ck_assert_int_eq(later.n, 0);

	ck_assert_int_eq(vscmi_emu_finish_reading(rig.plat, 20), 1);
	ck_assert_int_eq(later.n, 1);
	ck_assert_uint_eq(later.tag[0], 201);
	ck_assert_uint_eq(later.len[0], 24);
	ck_assert_uint_eq(vscmi_get_le32(later.b[0]), READING_GET(0x21));
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[0] + 4), SCMI_SUCCESS);
	ck_assert_uint_eq(vscmi_get_le32(later.b[0] + 8), 45000);
	ck_assert_uint_eq(vscmi_get_le32(later.b[0] + 12), 0);
	ck_assert_uint_eq(scmi_agent_waiting(scmi_server_agent(rig.srv, CAMERA)), 0);
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
	ck_assert_int_eq(rig_status(), SCMI_SUCCESS);
	ck_assert_int_eq(later.n, 0);
	ck_assert_int_eq(vscmi_emu_finish_reading(rig.plat, 20), 1);
	ck_assert_int_eq(later.n, 1);
	ck_assert_uint_eq(later.tag[0], 301);
	ck_assert_uint_eq(later.len[0], 8);
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[0] + 4), SCMI_SUCCESS);
	/* armed, on the side the reading put it */
	scmi_agent_save_views(scmi_server_agent(rig.srv, CAMERA), find_sensor_view, &vs);
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
	ck_assert_int_eq(rig_status(), SCMI_SUCCESS);
	ck_assert_uint_eq(scmi_agent_waiting(scmi_server_agent(rig.srv, CAMERA)), 0);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 0);
	ck_assert_int_eq(vscmi_emu_finish_reading(rig.plat, 20), 1);
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
	ck_assert_int_eq(rig_status(), SCMI_BUSY);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(vscmi_emu_finish_reading(rig.plat, 20), 1);
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
	ck_assert_int_eq(rig_status(), SCMI_SUCCESS);
	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x52), 2, sync, 502), 0);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_RESET_PULSE, 7, -1), 0);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 0);

	ck_assert_int_eq(vscmi_emu_finish(rig.plat, VSCMI_OP_RESET_PULSE, 7), 1);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_RESET_PULSE, 7, -1), 1);
	ck_assert_int_eq(later.n, 1);
	ck_assert_uint_eq(later.tag[0], 501);
	ck_assert_uint_eq(SCMI_HDR_TOKEN(vscmi_get_le32(later.b[0])), 0x51);
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[0] + 4), SCMI_SUCCESS);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 1);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(CAMERA, 0)->b),
			  SCMI_HDR(0x4, SCMI_TYPE_DELAYED, SCMI_PROTO_RESET, 0x51));
	ck_assert_int_eq(vscmi_emu_finish_reading(rig.plat, 20), 1);
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
	ck_assert_int_eq(vscmi_emu_finish(rig.plat, VSCMI_OP_SYSTEM_POWER, UINT32_MAX), 1);
	ck_assert_int_eq(later.n, 1);
	ck_assert_uint_eq(later.tag[0], 601);
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[0] + 4), SCMI_SUCCESS);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_SYSTEM_POWER, 0, 0), 1);
	ck_assert_uint_eq(tagged(OPS, SCMI_HDR(0x4, 0, SCMI_PROTO_SYSTEM, 0x62), 0, NULL, 602), 12);
	ck_assert_uint_eq(rig_rv(0), 0);

	/* What linux-raw answers when the firmware stays silent. */
	vscmi_emu_refuse(rig.plat, VSCMI_OP_SYSTEM_POWER, UINT32_MAX, 1, -ETIMEDOUT);
	ck_assert_uint_eq(tagged(OPS, SCMI_HDR(0x3, 0, SCMI_PROTO_SYSTEM, 0x63), 2, off, 603), 0);
	ck_assert_int_eq(vscmi_emu_finish(rig.plat, VSCMI_OP_SYSTEM_POWER, UINT32_MAX), 1);
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
	struct scmi_agent *cam = scmi_server_agent(rig.srv, CAMERA);
	struct scmi_agent_stats st;

	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x71), 2, sync, 701), 0);
	scmi_agent_reset(cam);
	ck_assert_uint_eq(scmi_agent_waiting(cam), 0);
	ck_assert_int_eq(vscmi_emu_finish_reading(rig.plat, 20), 1);
	ck_assert_int_eq(later.n, 0);
	scmi_agent_stats(cam, &st);
	ck_assert_uint_eq(st.dropped, 1);
	/* The new channel is served. */
	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x72), 2, sync, 702), 0);
	ck_assert_int_eq(vscmi_emu_finish_reading(rig.plat, 20), 1);
	ck_assert_int_eq(later.n, 1);
	ck_assert_uint_eq(later.tag[0], 702);

	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x73), 2, sync, 703), 0);
	ck_assert_uint_eq(tagged(CAMERA, READING_GET(0x74), 2, async, 704), 8);
	ck_assert_uint_eq(vscmi_emu_in_flight(rig.plat), 2);
	scmi_server_remove_agent(rig.srv, cam);
	ck_assert_uint_eq(vscmi_emu_in_flight(rig.plat), 0);
	ck_assert_int_eq(vscmi_emu_finish_reading(rig.plat, UINT32_MAX), 0);
	rig_run_deferred();
	ck_assert_int_eq(later.n, 1);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scmi-server");
	TCase *tc;

	tc = rig_tcase(s, "codec", rig_video_setup, rig_teardown);
	tcase_add_test(tc, test_short_messages_expect_PROTOCOL_ERROR);
	tcase_add_test(tc, test_reply_echoes_header_and_token);
	tcase_add_test(tc, test_bad_header_bits_expect_PROTOCOL_ERROR);
	tcase_add_test(tc, test_unknown_protocol_expect_NOT_SUPPORTED);
	tcase_add_test(tc, test_unknown_message_expect_NOT_FOUND);
	tcase_add_test(tc, test_short_payload_expect_PROTOCOL_ERROR);
	tcase_add_test(tc, test_oversized_payload_expect_PROTOCOL_ERROR);

	tc = rig_tcase(s, "common", rig_gfx_setup, rig_teardown);
	tcase_add_loop_test(tc, test_short_payloads_expect_PROTOCOL_ERROR, 0,
			    (int)(sizeof(fixed_len) / sizeof(fixed_len[0])));
	tcase_add_loop_test(tc, test_ids_outside_view_expect_NOT_FOUND, 0,
			    (int)(sizeof(id_msgs) / sizeof(id_msgs[0])));
	tcase_add_test(tc, test_versions_and_unknown_messages);
	tcase_add_loop_test(tc, test_gfx_list_from_its_count_is_empty_past_it_refused, 0,
			    (int)(sizeof(gfx_lists) / sizeof(gfx_lists[0])));
	tcase_add_test(tc, test_gfx_counted_ids_answer_the_count_does_not);

	tc = rig_tcase(s, "lists", rig_video_setup, rig_teardown);
	tcase_add_loop_test(tc, test_video_list_from_its_count_is_empty_past_it_refused, 0,
			    (int)(sizeof(video_lists) / sizeof(video_lists[0])));
	tcase_add_test(tc, test_video_counted_ids_answer_the_count_does_not);
	tcase_add_test(tc, test_base_counts_match_discovery);

	tc = rig_tcase(s, "agents", rig_video_setup, rig_teardown);
	tcase_add_test(tc, test_agent_gone_leaves_others_undisturbed);

	tc = rig_tcase(s, "slow-platform", slow_setup, rig_teardown);
	tcase_add_test(tc, test_slow_change_others_answered_meanwhile_reply_later_with_token);
	tcase_add_test(tc, test_slow_change_timeout_is_an_error_reply_and_rolls_back);
	tcase_add_test(tc, test_slow_change_agent_reset_while_pending_drops_reply_releases_vote);

	tc = rig_tcase(s, "slow-platform-requests", req_setup, rig_teardown);
	tcase_add_test(tc, test_slow_reading_others_answered_meanwhile_reply_carries_value);
	tcase_add_test(tc, test_slow_trip_point_config_answered_after_the_reading);
	tcase_add_test(tc, test_slow_async_reading_delayed_response_carries_value);
	tcase_add_test(tc, test_slow_readings_capped_per_agent);
	tcase_add_test(tc, test_slow_reset_pulse_answered_later);
	tcase_add_test(tc, test_slow_system_power_answered_later_and_timeout_is_comms_error);
	tcase_add_test(tc, test_slow_reading_dropped_on_reset_forgotten_on_removal);
	return rig_run(s);
}
