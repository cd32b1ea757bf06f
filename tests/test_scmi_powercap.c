/* SPDX-License-Identifier: GPL-2.0-only */
/* The power capping protocol through the server: discovery as each agent
 * sees it, caps as votes (the lowest applies, each agent reads its own),
 * shared measurements, averaging intervals, the asynchronous cap set and
 * both notifications. */
#include <check.h>
#include <string.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

#include "support/scmi_suite.h"

#define PC SCMI_PROTO_POWERCAP
enum { GFX_A = 1, HMI_A = 2, RO_A = 3 };
/* platform ids of soc, gpu, dsp */
enum { P_SOC = 40, P_GPU = 41, P_DSP = 42 };
#define ROOT 0xffffffffu

static int64_t cap_of(uint32_t plat)
{
	return rig_emu(rig.plat, VSCMI_OP_POWERCAP_CAP, plat);
}

START_TEST(test_powercap_common_messages)
{
	OK(SEND(GFX_A, PC, SCMI_MSG_VERSION));
	ck_assert_uint_eq(rig_rv(0), 0x20000);
	OK(SEND(GFX_A, PC, SCMI_MSG_ATTRIBUTES));
	ck_assert_uint_eq(rig_rv(0), 2);
	OK(SEND(RO_A, PC, SCMI_MSG_ATTRIBUTES));
	ck_assert_uint_eq(rig_rv(0), 1);
	for (uint32_t m = SCMI_POWERCAP_DOMAIN_ATTRIBUTES; m <= SCMI_POWERCAP_DESCRIBE_FASTCHANNEL;
	     m++)
		OK(SEND(GFX_A, PC, SCMI_MSG_MSG_ATTRIBUTES, m));
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_MSG_MSG_ATTRIBUTES, 0xd), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(GFX_A, PC, 0xd, 0), SCMI_NOT_FOUND);
	OK(SEND(GFX_A, PC, SCMI_MSG_NEGOTIATE_VERSION, 0x20000));
	/* the protocol is listed among the agent's */
	OK(SEND(RO_A, SCMI_PROTO_BASE, 0x6, 0));
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_uint_eq(rig_rv(1), PC);
}
END_TEST

START_TEST(test_powercap_domain_attributes_per_view)
{
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_DOMAIN_ATTRIBUTES, 0));
	ck_assert_uint_eq(rig.resp_len, 8 + 56);
	/* notifications, async, cap config, monitoring, PAI config, mW */
	ck_assert_uint_eq(rig_rv(0), 1u << 31 | 1u << 30 | 1u << 29 | 1u << 27 | 1u << 26 |
					     1u << 25 | 2u << 23);
	ck_assert_str_eq(rig_name(4, 16), "soc");
	ck_assert_uint_eq(rig_rv(5), 1000);
	ck_assert_uint_eq(rig_rv(6), 100000);
	ck_assert_uint_eq(rig_rv(7), 1000);
	ck_assert_uint_eq(rig_rv(8), 1000);
	ck_assert_uint_eq(rig_rv(9), 8000);
	ck_assert_uint_eq(rig_rv(10), 500);
	ck_assert_uint_eq(rig_rv(11), 5000);
	ck_assert_uint_eq(rig_rv(12), 7);
	ck_assert_uint_eq(rig_rv(13), ROOT);
	/* gfx sees the gpu's parent, hmi does not: for it the gpu is a root */
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_DOMAIN_ATTRIBUTES, 1));
	ck_assert_uint_eq((rig_rv(0) >> 23) & 3, 1);
	ck_assert_uint_eq(rig_rv(13), 0);
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_DOMAIN_ATTRIBUTES, 0));
	ck_assert_str_eq(rig_name(4, 16), "g");
	ck_assert_uint_eq(rig_rv(13), ROOT);
	/* a fixed cap and PAI: neither configurable; a long name */
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_DOMAIN_ATTRIBUTES, 1));
	ck_assert_uint_eq(rig_rv(0) & (1u << 27 | 1u << 25 | 1u << 28), 1u << 28);
	ck_assert_uint_eq(rig_rv(8), rig_rv(9));
	ck_assert_uint_eq(rig_rv(10), 0);
	rig_expect_truncated(rig_name(4, 16), "dsp_fixed_power_domain");
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_DOMAIN_NAME_GET, 1));
	ck_assert_uint_eq(rig_rv(0), 0);
	ck_assert_str_eq(rig_name(4, 64), "dsp_fixed_power_domain");
	/* index == count */
	ck_assert_int_eq(SEND(HMI_A, PC, SCMI_POWERCAP_DOMAIN_ATTRIBUTES, 2), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(RO_A, PC, SCMI_POWERCAP_DOMAIN_NAME_GET, 1), SCMI_NOT_FOUND);
	/* short requests */
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_DOMAIN_ATTRIBUTES), SCMI_PROTOCOL_ERROR);
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0), SCMI_PROTOCOL_ERROR);
	/* without a p2a channel, no notifications nor asynchronous sets */
	rig_p2a(GFX_A, false);
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_DOMAIN_ATTRIBUTES, 0));
	ck_assert_uint_eq(rig_rv(0) & (7u << 29), 0);
}
END_TEST

START_TEST(test_powercap_cap_set_sync_and_boundaries)
{
	ck_assert_int_eq(cap_of(P_SOC), 8000);
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_GET, 0));
	ck_assert_uint_eq(rig_rv(0), 8000);
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 4000));
	ck_assert_int_eq(cap_of(P_SOC), 4000);
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_GET, 0));
	ck_assert_uint_eq(rig_rv(0), 4000);
	/* the ends of the range, and past them */
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 1000));
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 8000));
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 500), SCMI_OUT_OF_RANGE);
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 8500), SCMI_OUT_OF_RANGE);
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 4100),
			 SCMI_INVALID_PARAMETERS);
	/* reserved flags */
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 4, 4000),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 1u << 31, 4000),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 2, 0, 4000), SCMI_NOT_FOUND);
	ck_assert_int_eq(cap_of(P_SOC), 8000);
	/* a fixed cap is not configurable */
	ck_assert_int_eq(SEND(HMI_A, PC, SCMI_POWERCAP_CAP_SET, 1, 0, 2000), SCMI_NOT_SUPPORTED);
	/* the ignore flag alone, as Linux sends it, is a synchronous set */
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 1, 3000));
	ck_assert_int_eq(cap_of(P_SOC), 3000);
	ck_assert_int_eq(rig_ninbox(GFX_A), 0);
	/* 0: capping off */
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 0));
	ck_assert_int_eq(cap_of(P_SOC), 0);
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_GET, 0));
	ck_assert_uint_eq(rig_rv(0), 0);
}
END_TEST

START_TEST(test_powercap_two_agents_lowest_cap_wins)
{
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 1, 0, 3000));
	ck_assert_int_eq(cap_of(P_GPU), 3000);
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 2000));
	ck_assert_int_eq(cap_of(P_GPU), 2000);
	/* each reads its own; one that never voted reads the applied cap */
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_GET, 1));
	ck_assert_uint_eq(rig_rv(0), 3000);
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_CAP_GET, 0));
	ck_assert_uint_eq(rig_rv(0), 2000);
	OK(SEND(RO_A, PC, SCMI_POWERCAP_CAP_GET, 0));
	ck_assert_uint_eq(rig_rv(0), 2000);
	/* the measurement is shared, and held under the applied cap */
	OK(SEND(RO_A, PC, SCMI_POWERCAP_MEASUREMENTS_GET, 0));
	ck_assert_uint_eq(rig_rv(0), 2000);
	ck_assert_uint_eq(rig_rv(1), 5000);
	/* hmi loosens its cap: gfx's holds; asking for none lifts only hmi's */
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 3500));
	ck_assert_int_eq(cap_of(P_GPU), 3000);
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 0));
	ck_assert_int_eq(cap_of(P_GPU), 3000);
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 1500));
	ck_assert_int_eq(cap_of(P_GPU), 1500);
	/* hmi goes away: its cap with it */
	OK(SEND(HMI_A, SCMI_PROTO_BASE, 0xb, 0xffffffff, 0));
	ck_assert_int_eq(cap_of(P_GPU), 3000);
	OK(SEND(RO_A, PC, SCMI_POWERCAP_MEASUREMENTS_GET, 0));
	ck_assert_uint_eq(rig_rv(0), 3000);
	OK(SEND(GFX_A, SCMI_PROTO_BASE, 0xb, GFX_A, 0));
	/* no votes: the boot cap */
	ck_assert_int_eq(cap_of(P_GPU), 4000);
	/* 3000, 2000, 3000, 1500, 3000, 4000 */
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_POWERCAP_CAP, P_GPU, -1), 6);
}
END_TEST

START_TEST(test_powercap_async_cap_set)
{
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 2, 5000));
	ck_assert_int_eq(cap_of(P_SOC), 5000);
	ck_assert_int_eq(rig_ninbox(GFX_A), 0);
	rig_run_deferred();
	rig_expect_msg(GFX_A, 0, DRESP(PC, SCMI_POWERCAP_CAP_SET), 3, SCMI_SUCCESS, 0, 5000);
	/* asynchronous, no delayed response wanted */
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 3, 4500));
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(GFX_A), 1);
	ck_assert_int_eq(cap_of(P_SOC), 4500);
	/* a refused value sends no delayed response */
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 2, 9000), SCMI_OUT_OF_RANGE);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(GFX_A), 1);
	/* no p2a channel: no asynchronous form */
	rig_p2a(GFX_A, false);
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 2, 4000), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 3, 4000), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(cap_of(P_SOC), 4500);
}
END_TEST

/* A slow platform: the reply to an asynchronous set waits for it, and
 * the delayed response follows the reply. */
static struct {
	int n;
	uint8_t b[4][SCMI_MSG_MAX];
} later;

static int later_reply(void *ctx, uint64_t tag, const uint8_t *msg, size_t len)
{
	ck_assert_int_lt(later.n, 4);
	ck_assert_uint_le(len, SCMI_MSG_MAX);
	memcpy(later.b[later.n++], msg, len);
	return 0;
}

START_TEST(test_powercap_async_cap_set_slow_platform)
{
	uint8_t req[16];

	memset(&later, 0, sizeof(later));
	scmi_agent_set_reply(scmi_server_agent(rig.srv, GFX_A), later_reply, NULL);
	vscmi_emu_latency(rig.plat, VSCMI_OP_POWERCAP_CAP, 0);
	vscmi_put_le32(req, SCMI_HDR(SCMI_POWERCAP_CAP_SET, SCMI_TYPE_COMMAND, PC, 7));
	vscmi_put_le32(req + 4, 0);
	vscmi_put_le32(req + 8, 2);
	vscmi_put_le32(req + 12, 5000);
	ck_assert_uint_eq(scmi_server_handle_tagged(rig.srv, scmi_server_agent(rig.srv, GFX_A), req,
						    sizeof(req), rig.resp, sizeof(rig.resp), 1),
			  0);
	ck_assert_int_eq(cap_of(P_SOC), 8000);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(GFX_A), 0);
	ck_assert_int_eq(vscmi_emu_finish(rig.plat, VSCMI_OP_POWERCAP_CAP, P_SOC), 1);
	ck_assert_int_eq(cap_of(P_SOC), 5000);
	ck_assert_int_eq(later.n, 1);
	ck_assert_uint_eq(vscmi_get_le32(later.b[0]),
			  SCMI_HDR(SCMI_POWERCAP_CAP_SET, SCMI_TYPE_COMMAND, PC, 7));
	ck_assert_int_eq((int32_t)vscmi_get_le32(later.b[0] + 4), SCMI_SUCCESS);
	rig_run_deferred();
	rig_expect_msg(GFX_A, 0, SCMI_HDR(SCMI_POWERCAP_CAP_SET, SCMI_TYPE_DELAYED, PC, 7), 3,
		       SCMI_SUCCESS, 0, 5000);
}
END_TEST

START_TEST(test_powercap_pai_lowest_wins)
{
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_PAI_GET, 1));
	ck_assert_uint_eq(rig_rv(0), 5000);
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_PAI_SET, 1, 0, 8000));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_POWERCAP_PAI, P_GPU), 8000);
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_PAI_SET, 0, 0, 2000));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_POWERCAP_PAI, P_GPU), 2000);
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_PAI_GET, 1));
	ck_assert_uint_eq(rig_rv(0), 8000);
	OK(SEND(RO_A, PC, SCMI_POWERCAP_MEASUREMENTS_GET, 0));
	ck_assert_uint_eq(rig_rv(1), 2000);
	/* boundaries */
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_PAI_SET, 1, 0, 1000));
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_PAI_SET, 1, 0, 10000));
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_PAI_SET, 1, 0, 11000), SCMI_OUT_OF_RANGE);
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_PAI_SET, 1, 0, 0), SCMI_OUT_OF_RANGE);
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_PAI_SET, 1, 0, 1500),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_PAI_SET, 1, 1, 2000),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(HMI_A, PC, SCMI_POWERCAP_PAI_SET, 1, 0, 1000), SCMI_NOT_SUPPORTED);
	OK(SEND(HMI_A, SCMI_PROTO_BASE, 0xb, 0xffffffff, 0));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_POWERCAP_PAI, P_GPU), 10000);
}
END_TEST

START_TEST(test_powercap_measurements)
{
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_MEASUREMENTS_GET, 0));
	ck_assert_uint_eq(rig_rv(0), 6000);
	ck_assert_uint_eq(rig_rv(1), 10000);
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 4000));
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_MEASUREMENTS_GET, 0));
	ck_assert_uint_eq(rig_rv(0), 4000);
	/* the fixed domain's draw stays under its cap */
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_MEASUREMENTS_GET, 1));
	ck_assert_uint_eq(rig_rv(0), 2000);
	ck_assert_int_eq(SEND(HMI_A, PC, SCMI_POWERCAP_MEASUREMENTS_GET, 2), SCMI_NOT_FOUND);
}
END_TEST

START_TEST(test_powercap_cap_changed_notifications)
{
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_CAP_NOTIFY, 0, 1));
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_NOTIFY, 1, 1));
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_NOTIFY, 1, 2), SCMI_INVALID_PARAMETERS);
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 1, 0, 2500));
	/* the cause hears its own id, the others the platform's */
	rig_expect_msg(GFX_A, 0, NOTIF(PC, SCMI_POWERCAP_CAP_CHANGED), 4, 1, 1, 2500, 5000);
	rig_expect_msg(HMI_A, 0, NOTIF(PC, SCMI_POWERCAP_CAP_CHANGED), 4, 0, 0, 2500, 5000);
	/* a vote that changes nothing applied says nothing */
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 3000));
	ck_assert_int_eq(rig_ninbox(HMI_A), 1);
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_PAI_SET, 0, 0, 3000));
	rig_expect_msg(HMI_A, 1, NOTIF(PC, SCMI_POWERCAP_CAP_CHANGED), 4, 1, 0, 2500, 3000);
	rig_expect_msg(GFX_A, 1, NOTIF(PC, SCMI_POWERCAP_CAP_CHANGED), 4, 0, 1, 2500, 3000);
	OK(SEND(HMI_A, PC, SCMI_POWERCAP_CAP_NOTIFY, 0, 0));
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 1, 0, 2000));
	ck_assert_int_eq(rig_ninbox(HMI_A), 2);
	ck_assert_int_eq(rig_ninbox(GFX_A), 3);
	rig_p2a(RO_A, false);
	ck_assert_int_eq(SEND(RO_A, PC, SCMI_POWERCAP_CAP_NOTIFY, 0, 1), SCMI_NOT_SUPPORTED);
}
END_TEST

START_TEST(test_powercap_measurement_thresholds)
{
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_MEASUREMENTS_NOTIFY, 0, 1, 7000, 5000),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_MEASUREMENTS_NOTIFY, 0, 2, 5000, 7000),
			 SCMI_INVALID_PARAMETERS);
	/* 6000 now: between */
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_MEASUREMENTS_NOTIFY, 0, 1, 5000, 7000));
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 5500));
	ck_assert_int_eq(rig_ninbox(GFX_A), 0);
	/* a cap below the low threshold pulls the draw under it */
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 4000));
	rig_expect_msg(GFX_A, 0, NOTIF(PC, SCMI_POWERCAP_MEASUREMENTS_CHANGED), 3, 0, 0, 4000);
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 3000));
	ck_assert_int_eq(rig_ninbox(GFX_A), 1);
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 8000));
	rig_expect_msg(GFX_A, 1, NOTIF(PC, SCMI_POWERCAP_MEASUREMENTS_CHANGED), 3, 0, 0, 6000);
	/* off: no more */
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_MEASUREMENTS_NOTIFY, 0, 0, 0, 0));
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_CAP_SET, 0, 0, 1000));
	ck_assert_int_eq(rig_ninbox(GFX_A), 2);
}
END_TEST

START_TEST(test_powercap_no_fast_channels)
{
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_DESCRIBE_FASTCHANNEL, 0,
			      SCMI_POWERCAP_CAP_SET), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(GFX_A, PC, SCMI_POWERCAP_DESCRIBE_FASTCHANNEL, 2,
			      SCMI_POWERCAP_CAP_SET), SCMI_NOT_FOUND);
	OK(SEND(GFX_A, PC, SCMI_POWERCAP_DOMAIN_ATTRIBUTES, 0));
	ck_assert_uint_eq(rig_rv(0) & (1u << 22), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scmi-powercap");
	TCase *tc = rig_tcase(s, "powercap", rig_powercap_setup, rig_teardown);

	tcase_add_test(tc, test_powercap_common_messages);
	tcase_add_test(tc, test_powercap_domain_attributes_per_view);
	tcase_add_test(tc, test_powercap_cap_set_sync_and_boundaries);
	tcase_add_test(tc, test_powercap_two_agents_lowest_cap_wins);
	tcase_add_test(tc, test_powercap_async_cap_set);
	tcase_add_test(tc, test_powercap_async_cap_set_slow_platform);
	tcase_add_test(tc, test_powercap_pai_lowest_wins);
	tcase_add_test(tc, test_powercap_measurements);
	tcase_add_test(tc, test_powercap_cap_changed_notifications);
	tcase_add_test(tc, test_powercap_measurement_thresholds);
	tcase_add_test(tc, test_powercap_no_fast_channels);
	return rig_run(s);
}
