/* SPDX-License-Identifier: GPL-2.0-only */
/* The pin control protocol through the server: every message, the views
 * of two agents, multi-part answers, the boundaries of each field, and
 * two agents contending for a pin and for a group. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "vscmi/arbiter.h"
#include "vscmi/buf.h"
#include "vscmi/scmi.h"

#include "support/scmi_suite.h"

#define PIN SCMI_PROTO_PINCTRL

/* Agents: linux sees the SD and UART pins, rtos the UART pins, an LED
 * and a 40-pin bus on a 64-byte channel. */
enum { LINUX = 1, RTOS = 2 };
#define RTOS_PAYLOAD 64
#define BUS_PINS 40

/* Model indices. */
enum { P_SD_CLK, P_SD_CMD, P_SD_D0, P_TX, P_RX, P_LED, P_BUS0 };
enum { G_SD, G_UART, G_BUS };
enum { F_SDIO, F_UART, F_GPIO };
#define LONG_LED "status_led_with_a_long_name"
#define LONG_CLK "sd_card_slot_clock_line"

/* Platform ids. */
#define PLAT_PIN(i) (100 + (i))
#define PLAT_FUNC(i) (300 + (i))

/* Config types. */
#define BIAS_PULL_UP 4
#define BIAS_PULL_DOWN 6
#define DRIVE_STRENGTH 10

static void add_view(struct vscmi_agent_desc *a, enum vscmi_kind k, uint32_t res, const char *name)
{
	rig_add_view(a, k, res, name);
}

static void set_members(struct vscmi_res_desc *d, bool pins, int n, const int *m)
{
	d->u.pin_set.pins_only = pins;
	d->u.pin_set.nmembers = (uint32_t)n;
	for (int i = 0; i < n; i++)
		d->u.pin_set.members[i] = (uint16_t)m[i];
}

static void pin_setup(void)
{
	static const char *const names[] = { "sd_clk", "sd_cmd", "sd_d0", "uart_tx", "uart_rx",
					     LONG_LED };
	struct scmi_hooks hooks = { .defer = rig_defer };
	struct vscmi_model *m = &rig.model;
	struct vscmi_agent_desc *a;
	struct vscmi_res_desc *d;
	int bus[BUS_PINS];
	char name[32];

	memset(&rig, 0, sizeof(rig));
	rig_reset(32);
	for (int i = 0; i < P_BUS0; i++)
		rig_add_res(m, VSCMI_PIN, names[i], PLAT_PIN(i), -1)->u.pin.func = -1;
	for (int i = 0; i < BUS_PINS; i++) {
		snprintf(name, sizeof(name), "bus%d", i);
		rig_add_res(m, VSCMI_PIN, name, PLAT_PIN(P_BUS0 + i), -1)->u.pin.func = -1;
		bus[i] = P_BUS0 + i;
	}
	/* The LED is a GPIO pulled down at 4 mA when nobody holds it. */
	d = &m->res[VSCMI_PIN][P_LED];
	d->u.pin.func = F_GPIO;
	d->u.pin.cfg_mask = 1u << BIAS_PULL_DOWN | 1u << DRIVE_STRENGTH;
	d->u.pin.cfg[BIAS_PULL_DOWN] = 1;
	d->u.pin.cfg[DRIVE_STRENGTH] = 4;

	set_members(rig_add_res(m, VSCMI_PIN_GROUP, "sd_grp", 200, -1), true, 3,
		    (const int[]){ P_SD_CLK, P_SD_CMD, P_SD_D0 });
	set_members(rig_add_res(m, VSCMI_PIN_GROUP, "uart_grp", 201, -1), true, 2,
		    (const int[]){ P_TX, P_RX });
	set_members(rig_add_res(m, VSCMI_PIN_GROUP, "bus_grp", 202, -1), true, BUS_PINS, bus);
	set_members(rig_add_res(m, VSCMI_PIN_FUNC, "sdio", PLAT_FUNC(F_SDIO), -1), false, 1,
		    (const int[]){ G_SD });
	set_members(rig_add_res(m, VSCMI_PIN_FUNC, "uart", PLAT_FUNC(F_UART), -1), false, 1,
		    (const int[]){ G_UART });
	set_members(rig_add_res(m, VSCMI_PIN_FUNC, "gpio", PLAT_FUNC(F_GPIO), -1), true, 3,
		    (const int[]){ P_TX, P_RX, P_LED });

	a = rig_add_agent(m, "linux", SCMI_PROTO_ALL | SCMI_PROTO_BIT(PIN), SCMI_DEFAULT_PAYLOAD);
	for (int i = P_SD_CLK; i <= P_RX; i++)
		add_view(a, VSCMI_PIN, (uint32_t)i,
			 i == P_TX ? "tx" : i == P_RX ? "rx" : i == P_SD_CLK ? LONG_CLK : NULL);
	add_view(a, VSCMI_PIN_GROUP, G_SD, NULL);
	add_view(a, VSCMI_PIN_GROUP, G_UART, NULL);
	add_view(a, VSCMI_PIN_FUNC, F_SDIO, NULL);
	add_view(a, VSCMI_PIN_FUNC, F_UART, NULL);

	/* In another order, under other names. */
	a = rig_add_agent(m, "rtos", SCMI_PROTO_BIT(PIN), RTOS_PAYLOAD);
	add_view(a, VSCMI_PIN, P_LED, NULL);
	add_view(a, VSCMI_PIN, P_RX, "serial_rx");
	add_view(a, VSCMI_PIN, P_TX, "serial_tx");
	for (int i = 0; i < BUS_PINS; i++)
		add_view(a, VSCMI_PIN, (uint32_t)bus[BUS_PINS - 1 - i], NULL);
	add_view(a, VSCMI_PIN_GROUP, G_UART, "serial");
	add_view(a, VSCMI_PIN_GROUP, G_BUS, NULL);
	add_view(a, VSCMI_PIN_FUNC, F_GPIO, NULL);
	add_view(a, VSCMI_PIN_FUNC, F_UART, "serial");

	rig.plat = vscmi_emu_new(m);
	ck_assert_ptr_nonnull(rig.plat);
	rig.arb = arb_new(m, rig.plat);
	ck_assert_ptr_nonnull(rig.arb);
	rig.srv = scmi_server_new(m, rig.arb, rig.plat, &hooks);
	ck_assert_ptr_nonnull(rig.srv);
	for (uint32_t i = 1; i <= m->nagents; i++)
		rig_set_output(rig.srv, i, true);
}

/* The platform's function of a pin (its platform id, -1 none) and a config. */
static int64_t plat_func(int pin)
{
	return rig_emu(rig.plat, VSCMI_OP_PIN_FUNCTION, PLAT_PIN(pin));
}

static int64_t plat_cfg(int pin, uint32_t type)
{
	struct vscmi_op op = { .type = VSCMI_OP_PIN_CONFIG, .id = PLAT_PIN(pin), .val = type };

	ck_assert_int_eq(vscmi_platform_read(rig.plat, &op), 0);
	ck_assert_int_eq(op.val, type);
	return op.val2;
}

static uint16_t rv16(size_t i)
{
	ck_assert_uint_ge(rig.resp_len, 8 + 4 + 2 * (i + 1));
	return (uint16_t)(rig.resp[12 + 2 * i] | rig.resp[13 + 2 * i] << 8);
}

/* Selector values. */
enum { S_PIN = 0, S_GROUP = 1, S_FUNC = 2 };

/* SETTINGS_CONFIGURE attributes: selector, configs, function valid. */
#define CONF(sel, n, func) ((uint32_t)(sel) | (uint32_t)(n) << 2 | ((func) ? 1u << 10 : 0))
/* SETTINGS_GET attributes: flag, selector, skip, type. */
#define GET(flag, sel, skip, type)                                                      \
	((uint32_t)(flag) << 18 | (uint32_t)(sel) << 16 | (uint32_t)(skip) << 8 | (uint32_t)(type))

START_TEST(test_protocol_discovery)
{
	OK(SEND(LINUX, PIN, SCMI_MSG_VERSION));
	ck_assert_uint_eq(rig_rv(0), 0x10000);
	OK(SEND(LINUX, PIN, SCMI_MSG_ATTRIBUTES));
	ck_assert_uint_eq(rig_rv(0), 2u << 16 | 5);
	ck_assert_uint_eq(rig_rv(1), 2);
	OK(SEND(RTOS, PIN, SCMI_MSG_ATTRIBUTES));
	ck_assert_uint_eq(rig_rv(0), 2u << 16 | (3 + BUS_PINS));
	ck_assert_uint_eq(rig_rv(1), 2);
	for (uint32_t msg = SCMI_PINCTRL_ATTRIBUTES; msg <= SCMI_PINCTRL_SET_PERMISSIONS; msg++) {
		OK(SEND(LINUX, PIN, SCMI_MSG_MSG_ATTRIBUTES, msg));
		ck_assert_uint_eq(rig_rv(0), 0);
	}
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_MSG_MSG_ATTRIBUTES, 0xb), SCMI_NOT_FOUND);
	OK(SEND(LINUX, PIN, SCMI_MSG_NEGOTIATE_VERSION, 0x10000));
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_MSG_NEGOTIATE_VERSION, 0x10001), SCMI_NOT_SUPPORTED);
	/* Base lists pin control last, ascending. */
	OK(SEND(RTOS, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_LIST_PROTOCOLS, 0));
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_uint_eq(rig_rv(1), PIN);
}
END_TEST

START_TEST(test_attributes_and_names_per_view)
{
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_ATTRIBUTES, 3, S_PIN));
	ck_assert_uint_eq(rig_rv(0), 0);
	ck_assert_str_eq(rig_name(4, 16), "tx");
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_ATTRIBUTES, 2, S_PIN));
	ck_assert_str_eq(rig_name(4, 16), "serial_tx");
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_ATTRIBUTES, 0, S_PIN));
	ck_assert_uint_eq(rig_rv(0), 1u << 31);
	rig_expect_truncated(rig_name(4, 16), LONG_LED);
	/* A 64-byte channel has no room for a 64-byte name. */
	ck_assert_int_eq(SEND(RTOS, PIN, SCMI_PINCTRL_NAME_GET, 0, S_PIN), SCMI_COMMS_ERROR);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_ATTRIBUTES, 0, S_PIN));
	ck_assert_uint_eq(rig_rv(0), 1u << 31);
	rig_expect_truncated(rig_name(4, 16), LONG_CLK);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_NAME_GET, 0, S_PIN));
	ck_assert_uint_eq(rig_rv(0), 0);
	ck_assert_str_eq(rig_name(4, 64), LONG_CLK);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_ATTRIBUTES, 0, S_GROUP));
	ck_assert_uint_eq(rig_rv(0), 3);
	ck_assert_str_eq(rig_name(4, 16), "sd_grp");
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_ATTRIBUTES, 1, S_GROUP));
	ck_assert_uint_eq(rig_rv(0), BUS_PINS);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_NAME_GET, 1, S_FUNC));
	ck_assert_str_eq(rig_name(4, 64), "uart");
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_ATTRIBUTES, 1, S_FUNC));
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_str_eq(rig_name(4, 16), "uart");
	/* gpio applies to pins. */
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_ATTRIBUTES, 0, S_FUNC));
	ck_assert_uint_eq(rig_rv(0), 1u << 16 | 3);
	/* index == count is outside every view; selector 3 and reserved bits
	 * are undefined. */
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_ATTRIBUTES, 5, S_PIN), SCMI_NOT_FOUND);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_ATTRIBUTES, 4, S_PIN));
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_ATTRIBUTES, 2, S_GROUP), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_ATTRIBUTES, 2, S_FUNC), SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_ATTRIBUTES, 0, 3), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_ATTRIBUTES, 0, 1u << 2),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_NAME_GET, 0, 3), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_NAME_GET, 5, S_PIN), SCMI_NOT_FOUND);
	/* Short requests. */
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_ATTRIBUTES, 0), SCMI_PROTOCOL_ERROR);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_LIST_ASSOCIATIONS, 0, S_GROUP),
			 SCMI_PROTOCOL_ERROR);
}
END_TEST

START_TEST(test_list_associations_in_parts)
{
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_LIST_ASSOCIATIONS, 1, S_GROUP, 0));
	ck_assert_uint_eq(rig_rv(0), 2);
	ck_assert_uint_eq(rv16(0), 3);
	ck_assert_uint_eq(rv16(1), 4);
	ck_assert_uint_eq(rig.resp_len, 8 + 4 + 4);
	/* rtos names the same pins by its own ids. */
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_LIST_ASSOCIATIONS, 0, S_GROUP, 0));
	ck_assert_uint_eq(rig_rv(0), 2);
	ck_assert_uint_eq(rv16(0), 2);
	ck_assert_uint_eq(rv16(1), 1);
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_LIST_ASSOCIATIONS, 0, S_FUNC, 0));
	ck_assert_uint_eq(rig_rv(0), 3);
	ck_assert_uint_eq(rv16(0), 2);
	ck_assert_uint_eq(rv16(1), 1);
	ck_assert_uint_eq(rv16(2), 0);
	ck_assert_uint_eq(rig.resp_len, 8 + 4 + 8);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_LIST_ASSOCIATIONS, 1, S_FUNC, 0));
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_uint_eq(rv16(0), 1);
	/* 40 pins over a 64-byte channel: 30, then 10. */
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_LIST_ASSOCIATIONS, 1, S_GROUP, 0));
	ck_assert_uint_eq(rig_rv(0), 10u << 16 | 30);
	ck_assert_uint_le(rig.resp_len, 8 + RTOS_PAYLOAD);
	for (uint32_t i = 0; i < 30; i++)
		ck_assert_uint_eq(rv16(i), 3 + BUS_PINS - 1 - i);
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_LIST_ASSOCIATIONS, 1, S_GROUP, 30));
	ck_assert_uint_eq(rig_rv(0), 10);
	ck_assert_uint_eq(rv16(9), 3);
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_LIST_ASSOCIATIONS, 1, S_GROUP, BUS_PINS));
	ck_assert_uint_eq(rig_rv(0), 0);
	ck_assert_int_eq(SEND(RTOS, PIN, SCMI_PINCTRL_LIST_ASSOCIATIONS, 1, S_GROUP, BUS_PINS + 1),
			 SCMI_INVALID_PARAMETERS);
	/* A pin has no associations. */
	ck_assert_int_eq(SEND(RTOS, PIN, SCMI_PINCTRL_LIST_ASSOCIATIONS, 0, S_PIN, 0),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(RTOS, PIN, SCMI_PINCTRL_LIST_ASSOCIATIONS, 2, S_GROUP, 0),
			 SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(RTOS, PIN, SCMI_PINCTRL_LIST_ASSOCIATIONS, 0, 3, 0),
			 SCMI_INVALID_PARAMETERS);
}
END_TEST

/* What Linux does: the group's function, then each pin's configs, with
 * no REQUEST first. */
START_TEST(test_mux_and_configs_reach_the_platform)
{
	ck_assert_int_eq(plat_func(P_TX), -1);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 1, 1, CONF(S_GROUP, 0, true)));
	ck_assert_int_eq(plat_func(P_TX), PLAT_FUNC(F_UART));
	ck_assert_int_eq(plat_func(P_RX), PLAT_FUNC(F_UART));
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 4, 0xffffffff, CONF(S_PIN, 2, false),
		BIAS_PULL_UP, 1, DRIVE_STRENGTH, 8));
	ck_assert_int_eq(plat_cfg(P_RX, BIAS_PULL_UP), 1);
	ck_assert_int_eq(plat_cfg(P_RX, DRIVE_STRENGTH), 8);
	ck_assert_int_eq(plat_func(P_RX), PLAT_FUNC(F_UART));

	/* Read back: the function as the agent names it, then the configs. */
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 4, GET(2, S_PIN, 0, 0)));
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_uint_eq(rig_rv(1), 0);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 4, GET(1, S_PIN, 0, 0)));
	ck_assert_uint_eq(rig_rv(1), 2);
	ck_assert_uint_eq(rig_rv(2), BIAS_PULL_UP);
	ck_assert_uint_eq(rig_rv(3), 1);
	ck_assert_uint_eq(rig_rv(4), DRIVE_STRENGTH);
	ck_assert_uint_eq(rig_rv(5), 8);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 4, GET(1, S_PIN, 1, 0)));
	ck_assert_uint_eq(rig_rv(1), 1);
	ck_assert_uint_eq(rig_rv(2), DRIVE_STRENGTH);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 4, GET(1, S_PIN, 2, 0)));
	ck_assert_uint_eq(rig_rv(1), 0);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 4, GET(1, S_PIN, 3, 0)),
			 SCMI_INVALID_PARAMETERS);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 4, GET(0, S_PIN, 0, DRIVE_STRENGTH)));
	ck_assert_uint_eq(rig_rv(1), 1);
	ck_assert_uint_eq(rig_rv(2), DRIVE_STRENGTH);
	ck_assert_uint_eq(rig_rv(3), 8);
	/* The group: the function both pins have, no config in common. */
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 1, GET(1, S_GROUP, 0, 0)));
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_uint_eq(rig_rv(1), 0);
	/* rtos sees the same hardware, under its names. */
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_GET, 1, GET(0, S_PIN, 0, BIAS_PULL_UP)));
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_uint_eq(rig_rv(3), 1);
	/* A function the agent does not see reads as none. */
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 0, GET(2, S_PIN, 0, 0)));
	ck_assert_uint_eq(rig_rv(0), 0xffffffff);
}
END_TEST

START_TEST(test_settings_fields_and_boundaries)
{
	/* Config types: 0 is no reading, 21..191 reserved, 192..255 OEM. */
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 4, GET(0, S_PIN, 0, 0)),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 4, GET(0, S_PIN, 0, 21)),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 4, GET(0, S_PIN, 0, 192)),
			 SCMI_NOT_SUPPORTED);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 4, GET(0, S_PIN, 0, 20)));
	ck_assert_uint_eq(rig_rv(3), 0);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 4, GET(3, S_PIN, 0, 0)),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 0, GET(2, S_FUNC, 0, 0)),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 4, GET(2, S_PIN, 0, 0) |
			      1u << 20), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_GET, 5, GET(2, S_PIN, 0, 0)),
			 SCMI_NOT_FOUND);

	/* Configure: reserved bits, selector, function, config types, size. */
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 4, 0,
			      CONF(S_PIN, 0, false) | 1u << 11), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 0, 0,
			      CONF(S_FUNC, 0, false)), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 1, 2,
			      CONF(S_GROUP, 0, true)), SCMI_NOT_FOUND);
	/* sdio does not apply to the UART pins. */
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 1, 0,
			      CONF(S_GROUP, 0, true)), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 3, 0,
			      CONF(S_PIN, 0, true)), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 3, 0,
			      CONF(S_PIN, 1, false), 21, 1), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 3, 0,
			      CONF(S_PIN, 1, false), 200, 1), SCMI_NOT_SUPPORTED);
	/* Two configs announced, one carried. */
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 3, 0,
			      CONF(S_PIN, 2, false), BIAS_PULL_UP, 1), SCMI_PROTOCOL_ERROR);
	/* None of the refusals touched the hardware, nor took the pin. */
	ck_assert_int_eq(plat_func(P_TX), -1);
	ck_assert_int_eq(plat_cfg(P_TX, BIAS_PULL_UP), 0);
	ck_assert_uint_eq(arb_pin_owner(arb_res_get(rig.arb, VSCMI_PIN, P_TX)), 0);
	/* uart on one of its pins, then no function. */
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 3, 1, CONF(S_PIN, 0, true)));
	ck_assert_int_eq(plat_func(P_TX), PLAT_FUNC(F_UART));
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 3, 0xffffffff, CONF(S_PIN, 0, true)));
	ck_assert_int_eq(plat_func(P_TX), -1);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 3, 1, CONF(S_PIN, 0, true)));
	/* The default type puts the pin's configured configs back. */
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 0, 0, CONF(S_PIN, 1, false),
		DRIVE_STRENGTH, 12));
	ck_assert_int_eq(plat_cfg(P_LED, DRIVE_STRENGTH), 12);
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 0, 0, CONF(S_PIN, 1, false), 0, 0));
	ck_assert_int_eq(plat_cfg(P_LED, DRIVE_STRENGTH), 4);
	ck_assert_int_eq(plat_cfg(P_LED, BIAS_PULL_DOWN), 1);
}
END_TEST

START_TEST(test_two_agents_contend_for_a_pin_and_a_group)
{
	/* linux holds tx; rtos can have neither tx nor the group, and the
	 * group's other pin stays free (all or nothing). */
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_REQUEST, 3, S_PIN));
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_REQUEST, 3, S_PIN));
	ck_assert_int_eq(SEND(RTOS, PIN, SCMI_PINCTRL_REQUEST, 2, S_PIN), SCMI_IN_USE);
	ck_assert_int_eq(SEND(RTOS, PIN, SCMI_PINCTRL_REQUEST, 0, S_GROUP), SCMI_IN_USE);
	ck_assert_uint_eq(arb_pin_owner(arb_res_get(rig.arb, VSCMI_PIN, P_RX)), 0);
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_REQUEST, 1, S_PIN));
	ck_assert_uint_eq(arb_pin_owner(arb_res_get(rig.arb, VSCMI_PIN, P_RX)), RTOS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_REQUEST, 1, S_GROUP), SCMI_IN_USE);
	/* Settings need the pin: the holder's go through, the other's not. */
	ck_assert_int_eq(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 2, 0,
			      CONF(S_PIN, 1, false), BIAS_PULL_UP, 1), SCMI_DENIED);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 1, 1,
			      CONF(S_GROUP, 0, true)), SCMI_DENIED);
	ck_assert_int_eq(plat_func(P_TX), -1);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 3, 0, CONF(S_PIN, 1, false),
		BIAS_PULL_UP, 1));
	ck_assert_int_eq(plat_cfg(P_TX, BIAS_PULL_UP), 1);
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 1, 1, CONF(S_PIN, 0, true)));
	ck_assert_int_eq(plat_func(P_RX), PLAT_FUNC(F_UART));
	/* Reads are not refused: shared state is visible. */
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_GET, 2, GET(0, S_PIN, 0, BIAS_PULL_UP)));
	ck_assert_uint_eq(rig_rv(3), 1);
	/* Release: only the holder's counts; the pin goes back to default. */
	ck_assert_int_eq(SEND(RTOS, PIN, SCMI_PINCTRL_RELEASE, 2, S_PIN), SCMI_DENIED);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_RELEASE, 1, S_GROUP), SCMI_DENIED);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_RELEASE, 3, S_PIN));
	ck_assert_int_eq(plat_cfg(P_TX, BIAS_PULL_UP), 0);
	ck_assert_uint_eq(arb_pin_owner(arb_res_get(rig.arb, VSCMI_PIN, P_TX)), 0);
	/* Released already: nothing to do. */
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_RELEASE, 3, S_PIN));
	/* Now rtos takes the group, and configuring takes a free pin. */
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_REQUEST, 0, S_GROUP));
	ck_assert_uint_eq(arb_pin_owner(arb_res_get(rig.arb, VSCMI_PIN, P_TX)), RTOS);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 0, 0, CONF(S_PIN, 1, false),
		DRIVE_STRENGTH, 2));
	ck_assert_uint_eq(arb_pin_owner(arb_res_get(rig.arb, VSCMI_PIN, P_SD_CLK)), LINUX);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_REQUEST, 0, S_FUNC), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_REQUEST, 0, 1u << 2),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_RELEASE, 0, 3), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_REQUEST, 5, S_PIN), SCMI_NOT_FOUND);
}
END_TEST

/* A guest that goes away gives its pins back to their defaults. */
START_TEST(test_agent_reset_releases_its_pins)
{
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 0, 0, CONF(S_PIN, 1, false),
		BIAS_PULL_UP, 1));
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 0, 0, CONF(S_PIN, 0, true)));
	ck_assert_int_eq(plat_func(P_LED), PLAT_FUNC(F_GPIO));
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 2, 1, CONF(S_PIN, 0, true)));
	ck_assert_int_eq(plat_func(P_TX), PLAT_FUNC(F_UART));
	ck_assert_int_eq(plat_cfg(P_LED, BIAS_PULL_UP), 1);
	scmi_agent_reset(scmi_server_agent(rig.srv, RTOS));
	ck_assert_int_eq(plat_cfg(P_LED, BIAS_PULL_UP), 0);
	ck_assert_int_eq(plat_cfg(P_LED, DRIVE_STRENGTH), 4);
	ck_assert_int_eq(plat_func(P_TX), -1);
	ck_assert_uint_eq(arb_pin_owner(arb_res_get(rig.arb, VSCMI_PIN, P_LED)), 0);
	OK(SEND(LINUX, PIN, SCMI_PINCTRL_REQUEST, 1, S_GROUP));
}
END_TEST

/* Access is the config's to say. */
START_TEST(test_set_permissions)
{
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SET_PERMISSIONS, RTOS, 0, 4 | S_PIN),
			 SCMI_DENIED);
	rig.model.agents[0].privileged = true;
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SET_PERMISSIONS, RTOS, 0, 4 | S_PIN),
			 SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SET_PERMISSIONS, 9, 0, 4 | S_PIN),
			 SCMI_NOT_FOUND);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SET_PERMISSIONS, RTOS, 0, 8 | S_PIN),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SET_PERMISSIONS, RTOS, 0, S_FUNC),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(LINUX, PIN, SCMI_PINCTRL_SET_PERMISSIONS, RTOS, 5, S_PIN),
			 SCMI_NOT_FOUND);
}
END_TEST

/* A slow platform: a group's change is answered when its last pin's
 * change is done; a command on one of its pins waits behind it. */
static struct {
	int n;
	uint64_t tag[4];
	int32_t status[4];
} later;

static int later_reply(void *ctx, uint64_t tag, const uint8_t *msg, size_t len)
{
	ck_assert_int_lt(later.n, 4);
	ck_assert_uint_ge(len, 8);
	later.tag[later.n] = tag;
	later.status[later.n++] = (int32_t)vscmi_get_le32(msg + 4);
	return 0;
}

static size_t tagged(uint32_t agent, uint8_t msg, int n, const uint32_t *w, uint64_t tag)
{
	uint8_t req[4 + 4 * 8];

	vscmi_put_le32(req, SCMI_HDR(msg, SCMI_TYPE_COMMAND, PIN, tag & 0x3ff));
	for (int i = 0; i < n; i++)
		vscmi_put_le32(req + 4 + 4 * i, w[i]);
	rig.resp_len = scmi_server_handle_tagged(rig.srv, scmi_server_agent(rig.srv, agent), req,
					     4 + 4 * (size_t)n, rig.resp, sizeof(rig.resp), tag);
	return rig.resp_len;
}

START_TEST(test_slow_platform_group_answered_when_its_pins_are_done)
{
	const uint32_t mux[3] = { 1, 1, CONF(S_GROUP, 0, true) }, req[2] = { 4, S_PIN };

	memset(&later, 0, sizeof(later));
	scmi_agent_set_reply(scmi_server_agent(rig.srv, LINUX), later_reply, NULL);
	vscmi_emu_latency(rig.plat, VSCMI_OP_PIN_FUNCTION, 0);
	ck_assert_uint_eq(tagged(LINUX, SCMI_PINCTRL_SETTINGS_CONFIGURE, 3, mux, 11), 0);
	/* rx is the group's last pin: its request waits behind the change. */
	ck_assert_uint_eq(tagged(LINUX, SCMI_PINCTRL_REQUEST, 2, req, 12), 0);
	/* rtos is answered at once, and the pins are linux's already. */
	ck_assert_int_eq(SEND(RTOS, PIN, SCMI_PINCTRL_REQUEST, 1, S_PIN), SCMI_IN_USE);
	ck_assert_int_eq(later.n, 0);
	ck_assert_int_eq(vscmi_emu_finish(rig.plat, VSCMI_OP_PIN_FUNCTION, PLAT_PIN(P_TX)), 1);
	ck_assert_int_eq(later.n, 0);
	ck_assert_int_eq(vscmi_emu_finish(rig.plat, VSCMI_OP_PIN_FUNCTION, PLAT_PIN(P_RX)), 1);
	ck_assert_int_eq(later.n, 2);
	ck_assert_uint_eq(later.tag[0], 11);
	ck_assert_int_eq(later.status[0], SCMI_SUCCESS);
	ck_assert_uint_eq(later.tag[1], 12);
	ck_assert_int_eq(later.status[1], SCMI_SUCCESS);
	ck_assert_int_eq(plat_func(P_RX), PLAT_FUNC(F_UART));
	vscmi_emu_latency(rig.plat, VSCMI_OP_PIN_FUNCTION, -1);
}
END_TEST

/* Nine configs over a 64-byte channel: seven, then two. */
START_TEST(test_settings_get_in_parts)
{
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 0, 0, CONF(S_PIN, 5, false), 11, 1, 12,
		2, 13, 3, 14, 4, 15, 5));
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 0, 0, CONF(S_PIN, 2, false), 16, 6, 17,
		7));
	/* with the LED's own pull-down and drive strength */
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_GET, 0, GET(1, S_PIN, 0, 0)));
	ck_assert_uint_eq(rig_rv(1), 2u << 24 | 7);
	ck_assert_uint_le(rig.resp_len, 8 + RTOS_PAYLOAD);
	ck_assert_uint_eq(rig_rv(2), BIAS_PULL_DOWN);
	ck_assert_uint_eq(rig_rv(4), DRIVE_STRENGTH);
	ck_assert_uint_eq(rig_rv(6), 11);
	ck_assert_uint_eq(rig_rv(7), 1);
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_GET, 0, GET(1, S_PIN, 7, 0)));
	ck_assert_uint_eq(rig_rv(1), 2);
	ck_assert_uint_eq(rig_rv(2), 16);
	ck_assert_uint_eq(rig_rv(3), 6);
	ck_assert_uint_eq(rig_rv(4), 17);
	ck_assert_uint_eq(rig_rv(5), 7);
	OK(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_GET, 0, GET(1, S_PIN, 9, 0)));
	ck_assert_uint_eq(rig_rv(1), 0);
	ck_assert_int_eq(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_GET, 0, GET(1, S_PIN, 10, 0)),
			 SCMI_INVALID_PARAMETERS);
	/* More configs than a 64-byte message holds is not a message. */
	ck_assert_int_eq(SEND(RTOS, PIN, SCMI_PINCTRL_SETTINGS_CONFIGURE, 0, 0,
			      CONF(S_PIN, 7, false), 11, 1, 12, 2, 13, 3, 14, 4, 15, 5, 16, 6, 17,
			      7), SCMI_PROTOCOL_ERROR);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scmi-pinctrl");
	TCase *tc = rig_tcase(s, "pinctrl", pin_setup, rig_teardown);

	tcase_add_test(tc, test_protocol_discovery);
	tcase_add_test(tc, test_attributes_and_names_per_view);
	tcase_add_test(tc, test_list_associations_in_parts);
	tcase_add_test(tc, test_mux_and_configs_reach_the_platform);
	tcase_add_test(tc, test_settings_fields_and_boundaries);
	tcase_add_test(tc, test_two_agents_contend_for_a_pin_and_a_group);
	tcase_add_test(tc, test_agent_reset_releases_its_pins);
	tcase_add_test(tc, test_set_permissions);
	tcase_add_test(tc, test_slow_platform_group_answered_when_its_pins_are_done);
	tcase_add_test(tc, test_settings_get_in_parts);
	return rig_run(s);
}
