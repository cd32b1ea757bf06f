/* SPDX-License-Identifier: GPL-2.0-only */
/* The reset domain protocol through the server: a shared line, pulses and
 * the notifications every user of a pulsed line receives. */
#include <check.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

#include "support/scmi_suite.h"

START_TEST(test_shared_reset_line_and_autonomous_reset)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 0, 0, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_RESET_LINE, 5), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_RESET, 0x4, 0, 0, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 0, 2, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_RESET_LINE, 5), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_RESET, 0x4, 0, 2, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_RESET_LINE, 5), 1);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_RESET_LINE, 5, 0), 1);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 0, 1, 0), SCMI_DENIED);
	/* camera's private line may be pulsed, also asynchronously */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 1, 1 | 4, 0), 0);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_RESET_PULSE, 6, -1), 1);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(CAMERA), 1);
	ck_assert_uint_eq(SCMI_HDR_TYPE(vscmi_get_le32(rig_msg(CAMERA, 0)->b)), SCMI_TYPE_DELAYED);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(CAMERA, 0)->b + 8), 1);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x3, 1), 0);
	ck_assert_str_eq((char *)rig.resp + 16, "csi");
}
END_TEST

/* A pulse on a shared line resets every user's device: all of them hear,
 * the others from the platform. */
START_TEST(test_reset_issued_reaches_every_user_from_the_platform)
{
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_RESET, 0x5, 1, 1), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x5, 2, 1), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 2, 1, 0), 0);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_RESET_PULSE, 7, -1), 1);
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

/* DEN0056E 4.8.2.6: flags[31:3] reserved; the async flag only with the
 * autonomous one; an architectural reset_state other than 0 (cold) is
 * reserved: INVALID_PARAMETERS, and nothing reaches the platform. What
 * Linux sends is taken: state 0, or 0x80000001 from older kernels. */
START_TEST(test_reset_reserved_flags_and_states_expect_INVALID_PARAMETERS)
{
	static const uint32_t bad[][2] = {
		{ 1u << 3, 0 },	    { 1u << 31, 0 }, { 4, 0 },	  { 4 | 2, 0 },
		{ 1, 1 },	    { 0, 1 },	     { 2, 1 },	  { 1, 0x7fffffff },
		{ 1 | 4, 0x40000000 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 2, bad[i][0], bad[i][1]),
				 SCMI_INVALID_PARAMETERS);
	ck_assert_uint_eq(vscmi_emu_log(rig.plat, &(const struct vscmi_op *){ NULL }), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 2, 1, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 2, 1, 0x80000001), 0);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_RESET_PULSE, 7, -1), 2);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 2, 2, 0), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_RESET, 0x4, 2, 0, 0x80000001), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scmi-reset");
	TCase *tc = rig_tcase(s, "reset", rig_video_setup, rig_teardown);

	tcase_add_test(tc, test_shared_reset_line_and_autonomous_reset);
	tcase_add_test(tc, test_reset_issued_reaches_every_user_from_the_platform);
	tcase_add_test(tc, test_reset_reserved_flags_and_states_expect_INVALID_PARAMETERS);
	return rig_run(s);
}
