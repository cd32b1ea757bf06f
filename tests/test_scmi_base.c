/* SPDX-License-Identifier: GPL-2.0-only */
/* The base protocol through the server: discovery as each agent sees it,
 * other agents hidden, agent reset and the privileged agent. */
#include <check.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

#include "support/scmi_suite.h"

START_TEST(test_base_discovery_is_per_agent)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_uint_eq(rig_rv(0), 0x20001);
	/* a guest is alone on its platform; the privileged agent sees all */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x1), 0);
	ck_assert_uint_eq(rig_rv(0), 1 << 8 | 8);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_BASE, 0x1), 0);
	ck_assert_uint_eq(rig_rv(0) >> 8, 4);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_BASE, 0x1), 0);
	ck_assert_uint_eq(rig_rv(0) & 0xff, 3);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x3), 0);
	ck_assert_str_eq((char *)rig.resp + 8, "vscmi");
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x4), 0);
	ck_assert_str_eq((char *)rig.resp + 8, "emulated");

	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_BASE, 0x6, 0), 0);
	ck_assert_uint_eq(rig_rv(0), 3);
	ck_assert_uint_eq(rig.resp_len, 16);
	ck_assert_uint_eq(rig_rv(1), 0x14 << 16 | 0x12 << 8 | 0x11);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_BASE, 0x6, 2), 0);
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_uint_eq(rig_rv(1), 0x14);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_BASE, 0x6, 3), 0);
	ck_assert_uint_eq(rig_rv(0), 0);
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_BASE, 0x6, 4), SCMI_INVALID_PARAMETERS);
}
END_TEST

START_TEST(test_base_discover_agent_hides_other_guests)
{
	/* display is agent 1 of 1 to itself: its own ID, 1 and 0xffffffff
	 * name it; no ID names another guest */
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_BASE, 0x7, 0xffffffff), 0);
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_str_eq((char *)rig.resp + 12, "display");
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_BASE, 0x7, 1), 0);
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_str_eq((char *)rig.resp + 12, "display");
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_BASE, 0x7, 0), 0);
	ck_assert_str_eq((char *)rig.resp + 12, "platform");
	for (uint32_t id = 2; id <= OPS; id++)
		ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_BASE, 0x7, id), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_BASE, 0x7, 99), SCMI_NOT_FOUND);
	/* the privileged agent knows every agent by its real ID */
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_BASE, 0x7, CAMERA), 0);
	ck_assert_uint_eq(rig_rv(0), CAMERA);
	ck_assert_str_eq((char *)rig.resp + 12, "camera");
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_BASE, 0x7, 0xffffffff), 0);
	ck_assert_uint_eq(rig_rv(0), OPS);
}
END_TEST

START_TEST(test_base_reset_agent_configuration_releases_votes)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0x7, 0, 1), 0);
	ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_CLOCK, 0x7, 0, 1), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11), 1);
	/* another guest cannot even name camera: to display, ID 2 and up
	 * are no agent */
	for (uint32_t id = 2; id <= OPS; id++)
		ck_assert_int_eq(SEND(DISPLAY, SCMI_PROTO_BASE, 0xb, id, 0), SCMI_NOT_FOUND);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11), 1);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0xb, 0xffffffff, 2),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0xb, 1, 1), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 11), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 12), 1);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10), 1);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_CLOCK, 0xb, 0, 0), 0);
	ck_assert_uint_eq(rig_rv(1), 0);
	/* the privileged agent may reset another */
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_BASE, 0xb, DISPLAY, 0), 0);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10), 0);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10, 1), 1);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_CLOCK_ENABLE, 10, 0), 1);
}
END_TEST

START_TEST(test_base_permissions_need_privilege)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x9, CAMERA, 1, 1), SCMI_DENIED);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_BASE, 0x9, CAMERA, 1, 1), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_BASE, 0x9, CAMERA, 1, 2), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0xa, CAMERA, 1, 0x14, 1), SCMI_DENIED);
	/* DEN0056E BASE_SET_PROTOCOL_PERMISSIONS: command_id[31:8] reserved */
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_BASE, 0xa, CAMERA, 1, 0x100 | 0x14, 1),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_BASE, 0xa, CAMERA, 1, 0x14, 2),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_BASE, 0xa, CAMERA, 1, 0x14, 1), SCMI_NOT_FOUND);
	/* BASE_NOTIFY_ERRORS: notify_enable[31:1] reserved; no event
	 * channel, no notifications */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x8, 2), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x8, 1), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x8, 0), 0);
	rig_set_output(rig.srv, CAMERA, false);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x8, 1), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x10, 0x20001), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x10, 0x20000), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_BASE, 0x10, 0x30000), SCMI_NOT_SUPPORTED);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scmi-base");
	TCase *tc = rig_tcase(s, "base", rig_video_setup, rig_teardown);

	tcase_add_test(tc, test_base_discovery_is_per_agent);
	tcase_add_test(tc, test_base_discover_agent_hides_other_guests);
	tcase_add_test(tc, test_base_reset_agent_configuration_releases_votes);
	tcase_add_test(tc, test_base_permissions_need_privilege);
	return rig_run(s);
}
