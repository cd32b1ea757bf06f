/* SPDX-License-Identifier: GPL-2.0-only */
/* The power domain protocol through the server: a domain two agents vote
 * on, each reading its own vote and hearing of its own changes. */
#include <check.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

#include "support/scmi_suite.h"

START_TEST(test_power_domain_reads_own_vote)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_POWER, 0x1), 0);
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x6, 0, 1), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_POWER, 0x4, 0, 0, 0x0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_POWER_STATE, 3), 0);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 0, 0, 0x40000000), 0);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x5, 0), 0);
	ck_assert_uint_eq(rig_rv(0), 0x40000000);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_POWER, 0x5, 0), 0);
	ck_assert_uint_eq(rig_rv(0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_POWER_STATE, 3), 0);
	/* ivi reads its own vote, off: camera switching the domain on is
	 * nothing it could see, and camera's id would tell it who shares */
	ck_assert_int_eq(rig_ninbox(IVI), 0);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 0, 0, 0x40000001), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_POWER, 0x4, 0, 0, 0x40000000), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_POWER_STATE, 3), 0x40000001);
	ck_assert_int_eq(rig_ninbox(IVI), 0);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 0, 0, 0x40000000), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_POWER_STATE, 3), 0x40000000);
	/* the change ivi caused itself, under its own id */
	ck_assert_int_eq(rig_ninbox(IVI), 1);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(IVI, 0)->b + 4), 1);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(IVI, 0)->b + 8), 0);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(IVI, 0)->b + 12), 0x40000000);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 0, 0, 0x12345), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 0, 1, 0), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x3, 0), 0);
	ck_assert_str_eq((char *)rig.resp + 12, "isp");
}
END_TEST

/* DEN0056E 4.3.2.8: notify_enable[31:1] reserved. 4.3.2.9: the
 * change-requested notification no domain has (attributes bit 28 clear)
 * is NOT_SUPPORTED, as an agent told so would expect. */
START_TEST(test_power_notify_reserved_and_unsupported)
{
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x6, 0, 2), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x6, 0, 1u << 31), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x3, 0), 0);
	ck_assert_uint_eq(rig_rv(0) & 1u << 31, 1u << 31);
	ck_assert_uint_eq(rig_rv(0) & 1u << 28, 0);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x7, 0, 1), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x7, 0, 0), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x7, 0, 2), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x7, 1, 1), SCMI_NOT_FOUND);
	/* DEN0056E 4.3.2.6: flags[31:1] reserved; asynchronous sets are not
	 * offered (attributes bit 30 clear) */
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 2, 0, 0), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x3, 0), 0);
	ck_assert_uint_eq(rig_rv(0) & (1u << 30 | 1u << 29), 1u << 29);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_POWER, 0x4, 1, 0, 0), SCMI_NOT_SUPPORTED);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scmi-power");
	TCase *tc = rig_tcase(s, "power", rig_video_setup, rig_teardown);

	tcase_add_test(tc, test_power_domain_reads_own_vote);
	tcase_add_test(tc, test_power_notify_reserved_and_unsupported);
	return rig_run(s);
}
