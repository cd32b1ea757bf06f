/* SPDX-License-Identifier: GPL-2.0-only */
/* The voltage domain protocol through the server: attributes, discrete,
 * segment and fixed levels, configuration votes, levels now and delayed. */
#include <check.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

#include "support/scmi_suite.h"

START_TEST(test_voltage_attributes)
{
	OK(SEND(GFX, VOLT, 0x1));
	ck_assert_uint_eq(rig.resp_len, 12);
	ck_assert_uint_eq(rig_rv(0), 3);
	OK(SEND(HMI, VOLT, 0x1));
	ck_assert_uint_eq(rig_rv(0), 2);
	OK(SEND(GFX, VOLT, 0x3, 0));
	ck_assert_uint_eq(rig.resp_len, 8 + 4 + 16);
	ck_assert_uint_eq(rig_rv(0), 1u << 31);
	ck_assert_str_eq(rig_name(4, 16), "vdd_cam");
	OK(SEND(GFX, VOLT, 0x3, 2));
	ck_assert_uint_eq(rig_rv(0), 1u << 31 | 1u << 30);
	rig_expect_truncated(rig_name(4, 16), LONG_VCORE);
	OK(SEND(HMI, VOLT, 0x3, 1));
	ck_assert_str_eq(rig_name(4, 16), "cam");
	rig_p2a(GFX, false);
	OK(SEND(GFX, VOLT, 0x3, 0));
	ck_assert_uint_eq(rig_rv(0), 0);
}
END_TEST

static void walk_vcam_levels(uint32_t agent, uint32_t domain, uint32_t per_reply)
{
	uint32_t index = 0, remaining;

	do {
		uint32_t n;

		OK(SEND(agent, VOLT, 0x4, domain, index));
		n = rig_rv(0) & 0xfff;
		remaining = rig_rv(0) >> 16;
		ck_assert_uint_eq(rig_rv(0) & 1u << 12, 0);
		ck_assert_uint_eq(n, VCAM_LEVELS - index < per_reply ? VCAM_LEVELS - index
									: per_reply);
		ck_assert_uint_eq(remaining, VCAM_LEVELS - index - n);
		ck_assert_uint_eq(rig.resp_len, 12 + 4 * (size_t)n);
		for (uint32_t k = 0; k < n; k++)
			ck_assert_int_eq((int32_t)rig_rv(1 + k), vcam_uv(index + k));
		index += n;
	} while (remaining);
}

START_TEST(test_voltage_describe_levels)
{
	/* discrete: 31 a reply in 128 bytes, 15 in 64 */
	walk_vcam_levels(GFX, 0, 31);
	walk_vcam_levels(HMI, 1, 15);
	OK(SEND(GFX, VOLT, 0x4, 0, VCAM_LEVELS));
	ck_assert_uint_eq(rig_rv(0), 0);
	/* DEN0056E 4.9.2.6: a level_index past the list is OUT_OF_RANGE */
	ck_assert_int_eq(SEND(GFX, VOLT, 0x4, 0, VCAM_LEVELS + 1), SCMI_OUT_OF_RANGE);

	/* segment: one triplet */
	OK(SEND(GFX, VOLT, 0x4, 1, 0));
	ck_assert_uint_eq(rig.resp_len, 8 + 16);
	ck_assert_uint_eq(rig_rv(0), 1u << 12 | 3);
	ck_assert_uint_eq(rig_rv(1), 1700000);
	ck_assert_uint_eq(rig_rv(2), 1900000);
	ck_assert_uint_eq(rig_rv(3), 50000);
	ck_assert_int_eq(SEND(GFX, VOLT, 0x4, 1, 1), SCMI_OUT_OF_RANGE);

	/* fixed: the one level */
	OK(SEND(HMI, VOLT, 0x4, 0, 0));
	ck_assert_uint_eq(rig.resp_len, 16);
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_uint_eq(rig_rv(1), 900000);
	OK(SEND(HMI, VOLT, 0x4, 0, 1));
	ck_assert_uint_eq(rig.resp_len, 12);
	ck_assert_uint_eq(rig_rv(0), 0);
	ck_assert_int_eq(SEND(HMI, VOLT, 0x4, 0, 2), SCMI_OUT_OF_RANGE);
}
END_TEST

START_TEST(test_voltage_config_votes)
{
	OK(SEND(GFX, VOLT, 0x6, 0));
	ck_assert_uint_eq(rig_rv(0), 0);
	OK(SEND(GFX, VOLT, 0x5, 0, 0x7));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_VOLTAGE_CONFIG, 40), 1);
	OK(SEND(GFX, VOLT, 0x6, 0));
	ck_assert_uint_eq(rig_rv(0), 0x7);
	/* hmi reads its own (absent) vote */
	OK(SEND(HMI, VOLT, 0x6, 1));
	ck_assert_uint_eq(rig_rv(0), 0);
	OK(SEND(HMI, VOLT, 0x5, 1, 0x7));
	OK(SEND(GFX, VOLT, 0x5, 0, 0x0));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_VOLTAGE_CONFIG, 40), 1);
	OK(SEND(GFX, VOLT, 0x6, 0));
	ck_assert_uint_eq(rig_rv(0), 0);
	OK(SEND(HMI, VOLT, 0x5, 1, 0x0));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_VOLTAGE_CONFIG, 40), 0);
	ck_assert_uint_eq(vscmi_emu_count(rig.plat, VSCMI_OP_VOLTAGE_CONFIG, 40, 1), 1);

	ck_assert_int_eq(SEND(GFX, VOLT, 0x5, 0, 0x1), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX, VOLT, 0x5, 0, 0x8), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX, VOLT, 0x5, 0, 0x17), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX, VOLT, 0x5, 0, 0x80000000), SCMI_INVALID_PARAMETERS);
}
END_TEST

START_TEST(test_voltage_level_sync)
{
	OK(SEND(GFX, VOLT, 0x8, 0));
	ck_assert_uint_eq(rig.resp_len, 12);
	ck_assert_int_eq((int32_t)rig_rv(0), 800000);
	OK(SEND(GFX, VOLT, 0x7, 0, 0, 850000));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_VOLTAGE_LEVEL, 40), 850000);
	OK(SEND(GFX, VOLT, 0x8, 0));
	ck_assert_int_eq((int32_t)rig_rv(0), 850000);
	/* hmi has no level vote: it reads the domain's */
	OK(SEND(HMI, VOLT, 0x8, 1));
	ck_assert_int_eq((int32_t)rig_rv(0), 850000);

	/* exactly a listed level: no rounding; DEN0056E 4.9.2.9: a level the
	 * domain does not support is INVALID_PARAMETERS, outside its range
	 * too; flags[31:1] reserved */
	ck_assert_int_eq(SEND(GFX, VOLT, 0x7, 0, 0, 855000), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX, VOLT, 0x7, 0, 0, 2000000), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX, VOLT, 0x7, 0, 0, (uint32_t)-800000), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX, VOLT, 0x7, 0, 2, 850000), SCMI_INVALID_PARAMETERS);
	OK(SEND(GFX, VOLT, 0x7, 1, 0, 1750000));
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_VOLTAGE_LEVEL, 41), 1750000);
	ck_assert_int_eq(SEND(GFX, VOLT, 0x7, 1, 0, 1775000), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX, VOLT, 0x7, 1, 0, 1950000), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX, VOLT, 0x7, 1, 0, 1650000), SCMI_INVALID_PARAMETERS);

	/* a fixed domain takes its level and refuses others */
	OK(SEND(HMI, VOLT, 0x7, 0, 0, 900000));
	ck_assert_int_eq(SEND(HMI, VOLT, 0x7, 0, 0, 950000), SCMI_DENIED);
	OK(SEND(HMI, VOLT, 0x8, 0));
	ck_assert_int_eq((int32_t)rig_rv(0), 900000);
	ck_assert_int_eq(rig_ndeferred(), 0);
}
END_TEST

START_TEST(test_voltage_level_async_delayed_response)
{
	vscmi_emu_delay(rig.plat, VSCMI_OP_VOLTAGE_LEVEL, 250);
	OK(SEND(HMI, VOLT, 0x7, 1, 1, 870000));
	ck_assert_uint_eq(rig.resp_len, 8);
	ck_assert_int_eq(rig_emu(rig.plat, VSCMI_OP_VOLTAGE_LEVEL, 40), 870000);
	/* the reply is out; the delayed response waits for the loop */
	ck_assert_int_eq(rig_ninbox(HMI), 0);
	ck_assert_int_eq(rig_ndeferred(), 1);
	ck_assert_uint_eq(rig_deferred_usec(0), 250);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(HMI), 1);
	rig_expect_msg(HMI, 0, DRESP(VOLT, 0x7), 3, SCMI_SUCCESS, 1, 870000);
	ck_assert_uint_eq(rig_stats(HMI).delayed, 1);
	OK(SEND(HMI, VOLT, 0x8, 1));
	ck_assert_int_eq((int32_t)rig_rv(0), 870000);

	/* a refused level is refused at once, with nothing to follow */
	ck_assert_int_eq(SEND(HMI, VOLT, 0x7, 1, 1, 871000), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(rig_ndeferred(), 0);

	for (int i = 0; i < 16; i++)
		OK(SEND(HMI, VOLT, 0x7, 1, 1, 880000));
	ck_assert_int_eq(SEND(HMI, VOLT, 0x7, 1, 1, 880000), SCMI_BUSY);
	OK(SEND(HMI, VOLT, 0x7, 1, 0, 890000));
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(HMI), 17);

	rig_p2a(HMI, false);
	ck_assert_int_eq(SEND(HMI, VOLT, 0x7, 1, 1, 880000), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(rig_ndeferred(), 0);
}
END_TEST

START_TEST(test_voltage_name)
{
	OK(SEND(GFX, VOLT, 0x9, 2));
	ck_assert_uint_eq(rig.resp_len, 8 + 4 + 64);
	ck_assert_uint_eq(rig_rv(0), 0);
	ck_assert_str_eq(rig_name(4, 64), LONG_VCORE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scmi-voltage");
	TCase *tc = rig_tcase(s, "voltage", rig_gfx_setup, rig_teardown);

	tcase_add_test(tc, test_voltage_attributes);
	tcase_add_test(tc, test_voltage_describe_levels);
	tcase_add_test(tc, test_voltage_config_votes);
	tcase_add_test(tc, test_voltage_level_sync);
	tcase_add_test(tc, test_voltage_level_async_delayed_response);
	tcase_add_test(tc, test_voltage_name);
	return rig_run(s);
}
