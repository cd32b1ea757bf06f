/* SPDX-License-Identifier: GPL-2.0-only */
/* The clock protocol through the server: per-agent views and names, votes
 * on a PLL two pixel clocks share, exclusive rates, rounding, multi-part
 * rate lists, delayed responses, refusals and rate notifications. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

#include "support/scmi_suite.h"

START_TEST(test_clock_views_are_dense_and_named_per_agent)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x1), 0);
	ck_assert_uint_eq(rig_rv(0) & 0xffff, 2);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x3, 0), 0);
	ck_assert_str_eq((char *)rig.resp + 12, "pixel");
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x3, 1), 0);
	ck_assert_str_eq((char *)rig.resp + 12, "cam_core");
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x3, 1), 0);
	ck_assert_str_eq((char *)rig.resp + 12, "core");
	/* out of view is the same as nonexistent, for every message */
	for (uint8_t msg = 0x3; msg <= 0xf; msg++) {
		uint32_t w[4] = { 2, 0, 0, 0 };

		if (msg == 0x5) {
			w[0] = 0;
			w[1] = 2;
		}
		ck_assert_int_eq(rig_sendv(CAMERA, SCMI_PROTO_CLOCK, msg, 4, w), SCMI_NOT_FOUND);
	}
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x3, 0xffffffff), SCMI_NOT_FOUND);
	/* a long name is flagged and available through NAME_GET */
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_CLOCK, 0x3, 0), 0);
	ck_assert(rig_rv(0) & 1u << 29);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_CLOCK, 0x8, 0), 0);
	ck_assert_str_eq((char *)rig.resp + 12, "ivi_audio_mclk_with_a_long_name");
}
END_TEST

START_TEST(test_pll_shared_by_two_guests_switches_once)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 0, 0, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10), 1);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(rig_rv(1), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(rig_rv(1), 1);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 0, 0), 0);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10, 1), 1);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10, 0), 1);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10), 0);
}
END_TEST

/* DEN0056E 4.6.2.9: attributes[31:24] and [15:2] reserved, must be zero;
 * state 2 reserved; state 3 (unchanged) invalid without an extended type;
 * an extended type the clock does not offer (CLOCK_ATTRIBUTES bit 27
 * clear) is an unsupported configuration: all INVALID_PARAMETERS, and
 * nothing reaches the platform. */
START_TEST(test_config_set_reserved_and_undefined_expect_INVALID_PARAMETERS)
{
	static const uint32_t bad[] = { 2, 3, 1u << 2, 1u << 15, 1 | 1u << 24, 1u << 31,
					1 | 1u << 16, 3 | 1u << 16, 1 | 0x80u << 16 };

	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x3, 0), 0);
	ck_assert_uint_eq(rig_rv(0) & 1u << 27, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, bad[i], 0),
				 SCMI_INVALID_PARAMETERS);
		/* the older two-word form too */
		ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, bad[i]),
				 SCMI_INVALID_PARAMETERS);
	}
	ck_assert_uint_eq(vscmi_emu_log(rig.plat, &(const struct vscmi_op *){ NULL }), 0);
	/* what Linux sends: enable and disable, extended type 0, value 0 */
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 12), 1);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 0, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 12), 0);
}
END_TEST

/* DEN0056E CLOCK_RATE_NOTIFY: notify_enable[31:1] reserved.
 * CLOCK_RATE_CHANGE_REQUESTED_NOTIFY: the notification no clock has
 * (CLOCK_ATTRIBUTES bit 30 clear) is NOT_SUPPORTED. */
START_TEST(test_rate_notify_reserved_and_change_requested_unsupported)
{
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x9, 0, 1u << 31), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x3, 0), 0);
	ck_assert_uint_eq(rig_rv(0) & 1u << 31, 1u << 31);
	ck_assert_uint_eq(rig_rv(0) & 1u << 30, 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xa, 0, 1), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xa, 0, 0), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xa, 0, 2), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xa, 2, 1), SCMI_NOT_FOUND);
}
END_TEST

/* DEN0056E 4.6.2.10: flags[31:8] reserved, must be zero; [7:0] an
 * extended type, none offered: INVALID_PARAMETERS. */
START_TEST(test_config_get_reserved_and_extended_expect_INVALID_PARAMETERS)
{
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xb, 0, 1u << 8), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xb, 0, 1u << 31), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xb, 0, 1), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xb, 0, 0x80), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(rig.resp_len, 20);
	ck_assert_uint_eq(rig_rv(0), 0);
}
END_TEST

/* DEN0056E 4.6.2.5: attributes bit 1 says CLOCK_GET_PERMISSIONS has
 * restrictions to tell: set for a fixed clock (rate) and a clock whose
 * parent the agent sees (parent), clear otherwise. */
START_TEST(test_restricted_clock_attribute_matches_permissions)
{
	static struct vscmi_agent_desc d = { .name = "pll_user", .max_msg_size = 128 };
	struct scmi_agent *a;
	uint32_t id;

	d.protocols = SCMI_PROTO_ALL;
	rig_add_view(&d, VSCMI_CLOCK, 0, NULL); /* the pll, fixed */
	rig_add_view(&d, VSCMI_CLOCK, 1, NULL); /* cam_pix, under it */
	rig_add_view(&d, VSCMI_CLOCK, 3, NULL); /* cam_core */
	a = scmi_server_add_agent(rig.srv, &d);
	ck_assert_ptr_nonnull(a);
	id = scmi_agent_id(a);
	ck_assert_int_eq(SEND(id, SCMI_PROTO_CLOCK, 0x3, 0), 0);
	ck_assert_uint_eq(rig_rv(0) & 1u << 1, 1u << 1);
	ck_assert_int_eq(SEND(id, SCMI_PROTO_CLOCK, 0xf, 0), 0);
	ck_assert_uint_eq(rig_rv(0), 1u << 31);
	ck_assert_int_eq(SEND(id, SCMI_PROTO_CLOCK, 0x3, 1), 0);
	ck_assert_uint_eq(rig_rv(0) & (1u << 28 | 1u << 1), 1u << 28 | 1u << 1);
	ck_assert_int_eq(SEND(id, SCMI_PROTO_CLOCK, 0xf, 1), 0);
	ck_assert_uint_eq(rig_rv(0), 1u << 31 | 1u << 29);
	ck_assert_int_eq(SEND(id, SCMI_PROTO_CLOCK, 0xd, 1, 2), SCMI_DENIED);
	ck_assert_int_eq(SEND(id, SCMI_PROTO_CLOCK, 0x3, 2), 0);
	ck_assert_uint_eq(rig_rv(0) & 1u << 1, 0);
	/* the camera sees cam_pix but not the pll: nothing restricted */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x3, 0), 0);
	ck_assert_uint_eq(rig_rv(0) & (1u << 28 | 1u << 1), 0);
	scmi_server_remove_agent(rig.srv, a);
	free(d.views[VSCMI_CLOCK]);
	d.views[VSCMI_CLOCK] = NULL;
	d.nviews[VSCMI_CLOCK] = 0;
}
END_TEST

START_TEST(test_exclusive_rate_owner_denies_others)
{
	/* cam_core: camera view 1, display view 1 */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 1, 1, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 0, 1, 200000000, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_RATE, 13), 200000000);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x5, 0, 1, 100000000, 0), SCMI_DENIED);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 1, 1, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 1, 0, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 13), 1);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x5, 0, 1, 100000000, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_RATE, 13), 100000000);
	/* each reads its own vote */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x6, 1), 0);
	ck_assert_uint_eq(rig_rv(0), 200000000);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x6, 1), 0);
	ck_assert_uint_eq(rig_rv(0), 100000000);
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
	ck_assert_uint_eq(rig_rv(0), 100000000);
	/* the owner goes: the rate stays, and so does what camera reads */
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 1, 0, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_RATE, 13), 100000000);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x6, 1), 0);
	ck_assert_uint_eq(rig_rv(0), 100000000);
}
END_TEST

START_TEST(test_rate_rounding_and_range)
{
	/* cam_core rates: 100..290 MHz in 10 MHz steps */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 0, 1, 104000000, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_RATE, 13), 100000000);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1 << 2, 1, 104000000, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_RATE, 13), 110000000);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1 << 3, 1, 116000000, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_RATE, 13), 120000000);
	/* DEN0056E 4.6.2.7: a rate the clock does not have is
	 * INVALID_PARAMETERS, outside its range or past its top rounding up */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 0, 1, 1, 1), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 0, 1, 99000000, 0),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1 << 2, 1, 291000000, 0),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1 << 3, 1, 0, 0x80000000),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x5, 1u << 4, 1, 100000000, 0),
			 SCMI_INVALID_PARAMETERS);
}
END_TEST

START_TEST(test_describe_rates_multipart_fits_small_channel)
{
	int64_t got[32];
	uint32_t n = 0, remaining;

	rig.model.agents[CAMERA - 1].max_msg_size = 36; /* room for 4 rates */
	do {
		ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x4, 1, n), 0);
		ck_assert_uint_le(rig.resp_len, 8 + 36);
		uint32_t flags = rig_rv(0), ret = flags & 0xfff;

		remaining = flags >> 16;
		ck_assert_uint_eq(flags & 1u << 12, 0);
		ck_assert_uint_ge(ret, 1);
		for (uint32_t i = 0; i < ret; i++)
			got[n + i] = (int64_t)rig_rv(1 + 2 * (int)i) |
				     (int64_t)rig_rv(2 + 2 * (int)i) << 32;
		n += ret;
	} while (remaining && n < 32);
	ck_assert_uint_eq(n, 20);
	for (uint32_t i = 0; i < n; i++)
		ck_assert_int_eq(got[i], 100000000 + (int64_t)i * 10000000);
	/* a segment comes as one triplet */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x4, 0, 0), 0);
	ck_assert_uint_eq(rig_rv(0), 1u << 12 | 3);
	ck_assert_uint_eq(rig_rv(1), 25000000);
	ck_assert_uint_eq(rig_rv(3), 200000000);
	ck_assert_uint_eq(rig_rv(5), 1000);
	/* DEN0056E 4.6.2.6: past the list is OUT_OF_RANGE */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x4, 1, 21), SCMI_OUT_OF_RANGE);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x4, 0, 1), SCMI_OUT_OF_RANGE);
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
	scmi_agent_reset(scmi_server_agent(rig.srv, CAMERA));
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 1);
	/* without an event channel there are no delayed responses */
	rig_set_output(rig.srv, CAMERA, false);
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
	vscmi_emu_refuse(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10, 1, -EIO);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), SCMI_HARDWARE_ERROR);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(rig_rv(1), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 12), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10), 1);
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
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_RATE, 13), 100000000);
	ck_assert_int_eq(rig_ninbox(CAMERA), 2);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x6, 1), 0);
	ck_assert_uint_eq(rig_rv(0), 160000000);
}
END_TEST

/* The platform refused to switch camera's pixel clock off when camera
 * went away, and again on the retry right after: the next command, from
 * any agent, retries first. */
START_TEST(test_refused_release_retried_before_the_next_command)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	vscmi_emu_refuse(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11, 2, -EIO);
	scmi_agent_reset(scmi_server_agent(rig.srv, CAMERA));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11), 1);
	ck_assert(arb_has_dirty(rig.arb));
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10), 0);
	ck_assert(!arb_has_dirty(rig.arb));

	/* refused once only: the reset's own retry does it */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	vscmi_emu_refuse(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11, 1, -EIO);
	scmi_agent_reset(scmi_server_agent(rig.srv, CAMERA));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11), 0);
	ck_assert(!arb_has_dirty(rig.arb));
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10, 0), 2);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scmi-clock");
	TCase *tc = rig_tcase(s, "clock", rig_video_setup, rig_teardown);

	tcase_add_test(tc, test_clock_views_are_dense_and_named_per_agent);
	tcase_add_test(tc, test_pll_shared_by_two_guests_switches_once);
	tcase_add_test(tc, test_config_set_reserved_and_undefined_expect_INVALID_PARAMETERS);
	tcase_add_test(tc, test_config_get_reserved_and_extended_expect_INVALID_PARAMETERS);
	tcase_add_test(tc, test_restricted_clock_attribute_matches_permissions);
	tcase_add_test(tc, test_rate_notify_reserved_and_change_requested_unsupported);
	tcase_add_test(tc, test_exclusive_rate_owner_denies_others);
	tcase_add_test(tc, test_exclusive_rate_enabler_reads_the_rate_the_clock_has);
	tcase_add_test(tc, test_rate_rounding_and_range);
	tcase_add_test(tc, test_describe_rates_multipart_fits_small_channel);
	tcase_add_test(tc, test_async_rate_set_delayed_response_follows_reply);
	tcase_add_test(tc, test_async_cap_counts_delayed_responses_of_a_reset_agent);
	tcase_add_test(tc, test_platform_refusal_rolls_vote_back);
	tcase_add_test(tc, test_refused_release_retried_before_the_next_command);
	tcase_add_test(tc, test_rate_notification_names_only_the_receiver_or_the_platform);
	return rig_run(s);
}
