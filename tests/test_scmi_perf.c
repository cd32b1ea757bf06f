/* SPDX-License-Identifier: GPL-2.0-only */
/* The performance domain protocol through the server: attributes, multi-part
 * level lists, level and limit votes, and the notifications that follow what
 * each agent reads. */
#include <check.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

#include "support/scmi_suite.h"

START_TEST(test_perf_protocol_attributes)
{
	OK(SEND(GFX, PERF, 0x1));
	ck_assert_uint_eq(rig.resp_len, 8 + 16);
	ck_assert_uint_eq(rig_rv(0), 1u << 16 | 2);
	ck_assert_uint_eq(rig_rv(1), 0);
	ck_assert_uint_eq(rig_rv(2), 0);
	ck_assert_uint_eq(rig_rv(3), 0);
	OK(SEND(HMI, PERF, 0x1));
	ck_assert_uint_eq(rig_rv(0), 1u << 16 | 1);
	/* no fastchannels: bit 0 of every message's attributes is clear */
	for (uint32_t m = 0x3; m <= 0xc; m++) {
		OK(SEND(GFX, PERF, 0x2, m));
		ck_assert_uint_eq(rig_rv(0), 0);
	}
}
END_TEST

START_TEST(test_perf_domain_attributes)
{
	OK(SEND(GFX, PERF, 0x3, 1));
	ck_assert_uint_eq(rig.resp_len, 8 + 16 + 16);
	ck_assert_uint_eq(rig_rv(0), 0xf0000000u);
	ck_assert_uint_eq(rig_rv(1), 0x23456);
	ck_assert_uint_eq(rig_rv(2), 200000 * GPU_LEVELS);
	ck_assert_uint_eq(rig_rv(3), gpu_perf(GPU_LEVELS - 1));
	ck_assert_str_eq(rig_name(16, 16), "gpu");

	/* the agent's own name; a long one is truncated and flagged */
	OK(SEND(HMI, PERF, 0x3, 0));
	ck_assert_str_eq(rig_name(16, 16), "3d");
	OK(SEND(GFX, PERF, 0x3, 0));
	ck_assert_uint_eq(rig_rv(0), 0xf0000000u | 1u << 26);
	ck_assert_uint_eq(rig_rv(2), 3000);
	ck_assert_uint_eq(rig_rv(3), 30);
	rig_expect_truncated(rig_name(16, 16), LONG_CPU);

	/* without a p2a channel there is nothing to notify on */
	rig_p2a(GFX, false);
	OK(SEND(GFX, PERF, 0x3, 1));
	ck_assert_uint_eq(rig_rv(0), 0xc0000000u);
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

		OK(SEND(agent, PERF, 0x4, domain, index));
		n = rig_rv(0) & 0xffff;
		remaining = rig_rv(0) >> 16;
		replies++;
		ck_assert_uint_eq(n, GPU_LEVELS - index < per_reply ? GPU_LEVELS - index
								  : per_reply);
		ck_assert_uint_eq(remaining, GPU_LEVELS - index - n);
		ck_assert_uint_eq(rig.resp_len, 8 + 4 + 20 * (size_t)n);
		for (uint32_t k = 0; k < n; k++) {
			uint32_t i = index + k;
			const uint8_t *e = rig.resp + 8 + 4 + 20 * k;
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
	ck_assert_int_eq(walk_perf_levels(HMI, 0, 3), 4);
	OK(SEND(GFX, PERF, 0x4, 1, GPU_LEVELS));
	ck_assert_uint_eq(rig_rv(0), 0);
	ck_assert_uint_eq(rig.resp_len, 12);
	/* DEN0056E 4.5.3.6: a level_index past the list is OUT_OF_RANGE */
	ck_assert_int_eq(SEND(GFX, PERF, 0x4, 1, GPU_LEVELS + 1), SCMI_OUT_OF_RANGE);
	ck_assert_int_eq(SEND(GFX, PERF, 0x4, 1, 0xffffffff), SCMI_OUT_OF_RANGE);
}
END_TEST

START_TEST(test_perf_level_reads_own_vote)
{
	/* before any vote, both read what the domain runs at */
	OK(SEND(GFX, PERF, 0x8, 1));
	ck_assert_uint_eq(rig_rv(0), 100);
	OK(SEND(GFX, PERF, 0x7, 1, 500));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_PERF_LEVEL, 20), 500);
	OK(SEND(HMI, PERF, 0x8, 0));
	ck_assert_uint_eq(rig_rv(0), 500);
	/* the max of the votes runs; each reads its own */
	OK(SEND(HMI, PERF, 0x7, 0, 300));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_PERF_LEVEL, 20), 500);
	OK(SEND(HMI, PERF, 0x8, 0));
	ck_assert_uint_eq(rig_rv(0), 300);
	OK(SEND(GFX, PERF, 0x8, 1));
	ck_assert_uint_eq(rig_rv(0), 500);
	OK(SEND(GFX, PERF, 0x7, 1, 200));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_PERF_LEVEL, 20), 300);
	/* only listed levels */
	ck_assert_int_eq(SEND(GFX, PERF, 0x7, 1, 250), SCMI_OUT_OF_RANGE);
	ck_assert_int_eq(SEND(GFX, PERF, 0x7, 1, 0), SCMI_OUT_OF_RANGE);
	OK(SEND(GFX, PERF, 0x8, 1));
	ck_assert_uint_eq(rig_rv(0), 200);
	/* the other domain is untouched */
	OK(SEND(GFX, PERF, 0x8, 0));
	ck_assert_uint_eq(rig_rv(0), 10);
}
END_TEST

START_TEST(test_perf_limits)
{
	OK(SEND(GFX, PERF, 0x6, 1));
	ck_assert_uint_eq(rig.resp_len, 16);
	ck_assert_uint_eq(rig_rv(0), gpu_perf(GPU_LEVELS - 1));
	ck_assert_uint_eq(rig_rv(1), gpu_perf(0));
	/* DEN0056E 4.5.3.7: range_max and range_min both zero: OUT_OF_RANGE */
	ck_assert_int_eq(SEND(GFX, PERF, 0x5, 1, 0, 0), SCMI_OUT_OF_RANGE);

	/* 0 keeps a bound */
	OK(SEND(GFX, PERF, 0x5, 1, 800, 0));
	OK(SEND(GFX, PERF, 0x6, 1));
	ck_assert_uint_eq(rig_rv(0), 800);
	ck_assert_uint_eq(rig_rv(1), 100);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_PERF_LIMITS, 20), 800);
	OK(SEND(GFX, PERF, 0x5, 1, 0, 300));
	OK(SEND(GFX, PERF, 0x6, 1));
	ck_assert_uint_eq(rig_rv(0), 800);
	ck_assert_uint_eq(rig_rv(1), 300);

	/* a level above the limit is clamped; the agent reads its vote */
	OK(SEND(HMI, PERF, 0x7, 0, 1000));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_PERF_LEVEL, 20), 800);
	OK(SEND(HMI, PERF, 0x8, 0));
	ck_assert_uint_eq(rig_rv(0), 1000);

	/* limits that leave no common range are refused; others' unchanged */
	ck_assert_int_eq(SEND(HMI, PERF, 0x5, 0, 0, 900), SCMI_DENIED);
	OK(SEND(HMI, PERF, 0x6, 0));
	ck_assert_uint_eq(rig_rv(0), gpu_perf(GPU_LEVELS - 1));
	ck_assert_uint_eq(rig_rv(1), gpu_perf(0));
	ck_assert_int_eq(SEND(HMI, PERF, 0x5, 0, 200, 400), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(HMI, PERF, 0x5, 0, 5000, 0), SCMI_OUT_OF_RANGE);
	OK(SEND(HMI, PERF, 0x5, 0, 600, 0));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_PERF_LEVEL, 20), 600);
	/* a limit between levels: the platform gets a level, and the limit
	 * on the table; the agent reads back what it asked */
	OK(SEND(HMI, PERF, 0x5, 0, 550, 0));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_PERF_LEVEL, 20), 500);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_PERF_LIMITS, 20), 500);
	OK(SEND(HMI, PERF, 0x6, 0));
	ck_assert_uint_eq(rig_rv(0), 550);
}
END_TEST

/* An agent hears of changes to what it reads back: its own changes under
 * its own id, others' (from the platform, id 0) only where it has no vote
 * of its own for what changed. */
START_TEST(test_perf_notifications_follow_what_each_agent_reads)
{
	/* gfx: levels of the gpu (its domain 1); hmi: limits (its domain 0) */
	OK(SEND(GFX, PERF, 0xa, 1, 1));
	OK(SEND(HMI, PERF, 0x9, 0, 1));
	ck_assert_int_eq(SEND(GFX, PERF, 0xa, 1, 2), SCMI_INVALID_PARAMETERS);

	OK(SEND(GFX, PERF, 0x7, 1, 400));
	ck_assert_int_eq(rig_ninbox(GFX), 1);
	ck_assert_int_eq(rig_ninbox(HMI), 0);
	rig_expect_msg(GFX, 0, NOTIF(PERF, 0x1), 3, 1, 1, 400);

	/* hmi's limit moves the level, but gfx reads its own vote of 400 */
	OK(SEND(HMI, PERF, 0x5, 0, 300, 0));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_PERF_LEVEL, 20), 300);
	ck_assert_int_eq(rig_ninbox(HMI), 1);
	rig_expect_msg(HMI, 0, NOTIF(PERF, 0x0), 4, 1, 0, 300, 100);
	ck_assert_int_eq(rig_ninbox(GFX), 1);
	ck_assert_uint_eq(rig_stats(GFX).notifications, 1);

	/* no physical change, no notification */
	OK(SEND(GFX, PERF, 0x7, 1, 500));
	ck_assert_int_eq(rig_ninbox(GFX), 1);

	/* hmi has no level vote and gfx no limits: each follows what the
	 * other changes, told by the platform */
	OK(SEND(HMI, PERF, 0xa, 0, 1));
	OK(SEND(GFX, PERF, 0x9, 1, 1));
	OK(SEND(HMI, PERF, 0x5, 0, 1200, 0));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_PERF_LEVEL, 20), 500);
	ck_assert_int_eq(rig_ninbox(HMI), 3);
	rig_expect_msg(HMI, 1, NOTIF(PERF, 0x0), 4, 1, 0, 1200, 100);
	rig_expect_msg(HMI, 2, NOTIF(PERF, 0x1), 3, 1, 0, 500);
	ck_assert_int_eq(rig_ninbox(GFX), 2);
	rig_expect_msg(GFX, 1, NOTIF(PERF, 0x0), 4, 0, 1, 1200, 100);
	OK(SEND(GFX, PERF, 0x7, 1, 600));
	ck_assert_int_eq(rig_ninbox(HMI), 4);
	rig_expect_msg(HMI, 3, NOTIF(PERF, 0x1), 3, 0, 0, 600);
	ck_assert_int_eq(rig_ninbox(GFX), 3);
	rig_expect_msg(GFX, 2, NOTIF(PERF, 0x1), 3, 1, 1, 600);

	/* once gfx limits itself, hmi's limits are no news to it, nor its
	 * to hmi, which has limits of its own */
	OK(SEND(GFX, PERF, 0x5, 1, 1100, 0));
	ck_assert_int_eq(rig_ninbox(GFX), 4);
	rig_expect_msg(GFX, 3, NOTIF(PERF, 0x0), 4, 1, 1, 1100, 100);
	ck_assert_int_eq(rig_ninbox(HMI), 4);
	OK(SEND(HMI, PERF, 0x5, 0, 1000, 0));
	ck_assert_int_eq(rig_ninbox(GFX), 4);
	ck_assert_int_eq(rig_ninbox(HMI), 5);
	rig_expect_msg(HMI, 4, NOTIF(PERF, 0x0), 4, 1, 0, 1000, 100);

	/* unsubscribed: silence */
	OK(SEND(GFX, PERF, 0xa, 1, 0));
	OK(SEND(GFX, PERF, 0x9, 1, 0));
	OK(SEND(HMI, PERF, 0x5, 0, 400, 0));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_PERF_LEVEL, 20), 400);
	ck_assert_int_eq(rig_ninbox(GFX), 4);

	/* no p2a channel: notifications cannot be had */
	rig_p2a(HMI, false);
	ck_assert_int_eq(SEND(HMI, PERF, 0xa, 0, 1), SCMI_NOT_SUPPORTED);
}
END_TEST

START_TEST(test_perf_fastchannel_and_name)
{
	ck_assert_int_eq(SEND(GFX, PERF, 0xb, 1, 0x7), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(GFX, PERF, 0xb, 2, 0x7), SCMI_NOT_FOUND);
	/* DEN0056E 4.5.3.13: a message_id perf does not have is NOT_FOUND */
	ck_assert_int_eq(SEND(GFX, PERF, 0xb, 1, 0xd), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(GFX, PERF, 0xb, 1, 0x100 | 0x7), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(GFX, PERF, 0xb, 1, 0x5), SCMI_NOT_SUPPORTED);
	OK(SEND(GFX, PERF, 0xc, 0));
	ck_assert_uint_eq(rig.resp_len, 8 + 4 + 64);
	ck_assert_uint_eq(rig_rv(0), 0);
	ck_assert_str_eq(rig_name(4, 64), LONG_CPU);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scmi-perf");
	TCase *tc = rig_tcase(s, "perf", rig_gfx_setup, rig_teardown);

	tcase_add_test(tc, test_perf_protocol_attributes);
	tcase_add_test(tc, test_perf_domain_attributes);
	tcase_add_test(tc, test_perf_describe_levels_multipart);
	tcase_add_test(tc, test_perf_level_reads_own_vote);
	tcase_add_test(tc, test_perf_limits);
	tcase_add_test(tc, test_perf_notifications_follow_what_each_agent_reads);
	tcase_add_test(tc, test_perf_fastchannel_and_name);
	return rig_run(s);
}
