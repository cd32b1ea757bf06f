/* SPDX-License-Identifier: GPL-2.0-only */
/* The system power protocol through the server: a guest's request goes to
 * the embedder's hook, the privileged agent's to the platform. */
#include <check.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

#include "support/scmi_suite.h"

START_TEST(test_guest_system_power_goes_to_hook_not_platform)
{
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_SYSTEM, 0x5, 1), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 1), 0);
	ck_assert_int_eq(rig.sys_calls, 1);
	ck_assert_uint_eq(rig.sys_state, 1);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_SYSTEM_POWER, 0, -1), 0);
	ck_assert_int_eq(rig_ninbox(IVI), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x4), 0);
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_SYSTEM, 0x3, 1, 0), 0);
	ck_assert_int_eq(rig.sys_calls, 1);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_SYSTEM_POWER, 0, 0), 1);
	ck_assert_int_eq(rig_ninbox(IVI), 1);
	/* the privileged agent's change is the platform's to a guest */
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(IVI, 0)->b + 4), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 4), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 7), SCMI_INVALID_PARAMETERS);
	/* DEN0056E 4.4.2.5: flags[31:1] reserved; power-up is a state, not
	 * one a guest may ask for; 5..0x7fffffff reserved; vendor states not
	 * offered */
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 2, 0), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 3), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_SYSTEM, 0x3, 0, 3), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 5), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 0x7fffffff),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 0x80000000), SCMI_NOT_SUPPORTED);
	/* DEN0056E 4.4.2.7: notify_enable[31:1] reserved */
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_SYSTEM, 0x5, 2), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x2, 0x3), 0);
	ck_assert_uint_eq(rig_rv(0), 1u << 31);
}
END_TEST

/* An agent that asked for nothing is running: power-up, not shutdown. */
START_TEST(test_system_state_reads_power_up_until_set)
{
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x4), 0);
	ck_assert_uint_eq(rig_rv(0), 3);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_SYSTEM, 0x4), 0);
	ck_assert_uint_eq(rig_rv(0), 3);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 2), 0);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x4), 0);
	ck_assert_uint_eq(rig_rv(0), 2);
	/* the privileged agent's request went to the platform, and reads back */
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_SYSTEM, 0x3, 0, 1), 0);
	ck_assert_int_eq(SEND(OPS, SCMI_PROTO_SYSTEM, 0x4), 0);
	ck_assert_uint_eq(rig_rv(0), 1);
	/* a reset agent starts over */
	scmi_agent_reset(scmi_server_agent(rig.srv, CAMERA));
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x4), 0);
	ck_assert_uint_eq(rig_rv(0), 3);
}
END_TEST

/* A guest repeating its request does not reach the embedder again, so it
 * cannot flood its log; another state, or the same after a reset, does. */
START_TEST(test_system_power_repeated_request_reaches_hook_once)
{
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 1), 0);
	ck_assert_int_eq(rig.sys_calls, 1);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 1, 2), 0);
	ck_assert_int_eq(rig.sys_calls, 2);
	ck_assert_uint_eq(rig.sys_state, 2);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 2), 0);
	ck_assert_int_eq(rig.sys_calls, 2);
	scmi_agent_reset(scmi_server_agent(rig.srv, CAMERA));
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x3, 0, 2), 0);
	ck_assert_int_eq(rig.sys_calls, 3);
	/* each agent has its own */
	ck_assert_int_eq(SEND(IVI, SCMI_PROTO_SYSTEM, 0x3, 0, 2), 0);
	ck_assert_int_eq(rig.sys_calls, 4);
}
END_TEST

/* DEN0056E 4.4.2.4: PROTOCOL_MESSAGE_ATTRIBUTES of
 * SYSTEM_POWER_STATE_NOTIFY is NOT_SUPPORTED where notifications are not;
 * the other messages are there all the same. */
START_TEST(test_notify_message_not_supported_without_event_channel)
{
	OK(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x2, 0x5));
	rig_set_output(rig.srv, CAMERA, false);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x2, 0x5), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x5, 1), SCMI_NOT_SUPPORTED);
	OK(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x2, 0x3));
	ck_assert_uint_eq(rig_rv(0), 1u << 31);
	OK(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x2, 0x10));
	ck_assert_int_eq(SEND(CAMERA, SCMI_PROTO_SYSTEM, 0x2, 0x6), SCMI_NOT_FOUND);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scmi-system");
	TCase *tc = rig_tcase(s, "system", rig_video_setup, rig_teardown);

	tcase_add_test(tc, test_guest_system_power_goes_to_hook_not_platform);
	tcase_add_test(tc, test_system_state_reads_power_up_until_set);
	tcase_add_test(tc, test_system_power_repeated_request_reaches_hook_once);
	tcase_add_test(tc, test_notify_message_not_supported_without_event_channel);
	return rig_run(s);
}
