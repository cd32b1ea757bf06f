/* SPDX-License-Identifier: GPL-2.0-only */
/* The sensor protocol through the server: multi-part descriptions, readings
 * now and delayed, trip points and their events, per-agent configuration. */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

#include "support/scmi_suite.h"

/* A journal (restart) restores trip points only onto a sensor: nothing a
 * guest can send arms one on another resource. */
START_TEST(test_sensor_trips_restored_only_onto_sensors)
{
	struct scmi_agent *a = scmi_server_agent(rig.srv, GFX);
	struct scmi_view_state vs = { .kind = VSCMI_PERF, .vid = 0 };

	vs.trips[1].armed = true;
	vs.trips[1].mode = 3;
	vs.trips[1].value = 10;
	ck_assert_int_eq(scmi_agent_restore_view(a, &vs), -EINVAL);
	vs.kind = VSCMI_VOLTAGE;
	ck_assert_int_eq(scmi_agent_restore_view(a, &vs), -EINVAL);
	vs.kind = VSCMI_SENSOR;
	ck_assert_int_eq(scmi_agent_restore_view(a, &vs), 0);
	vs.trips[1].mode = 4;
	ck_assert_int_eq(scmi_agent_restore_view(a, &vs), -EINVAL);
}
END_TEST

START_TEST(test_sensor_protocol_attributes)
{
	OK(SEND(GFX, SENSOR, 0x1));
	ck_assert_uint_eq(rig.resp_len, 8 + 16);
	ck_assert_uint_eq(rig_rv(0), 16u << 16 | NSENSORS);
	ck_assert_uint_eq(rig_rv(1) | rig_rv(2) | rig_rv(3), 0);
	rig_p2a(HMI, false);
	OK(SEND(HMI, SENSOR, 0x1));
	ck_assert_uint_eq(rig_rv(0), 2);
}
END_TEST

static void check_sensor_desc(const uint8_t *e, uint32_t id, uint32_t attr_lo,
			      uint32_t attr_hi, const char *name)
{
	ck_assert_uint_eq(vscmi_get_le32(e), id);
	ck_assert_uint_eq(vscmi_get_le32(e + 4), attr_lo);
	ck_assert_uint_eq(vscmi_get_le32(e + 8), attr_hi);
	ck_assert_uint_eq(e[12 + 15], 0);
	if (name)
		ck_assert_str_eq((const char *)e + 12, name);
}

START_TEST(test_sensor_description_multipart)
{
	const uint32_t async_notify = 1u << 31 | 1u << 30, trips = 4;

	/* 4 descriptors fit 128 bytes */
	OK(SEND(GFX, SENSOR, 0x3, 0));
	ck_assert_uint_eq(rig_rv(0), 2u << 16 | 4);
	ck_assert_uint_eq(rig.resp_len, 8 + 4 + 4 * 28);
	check_sensor_desc(rig.resp + 12, 0, async_notify | trips, 0x1du << 11 | 2, "soc_temp");
	check_sensor_desc(rig.resp + 12 + 28, 1, async_notify | 1u << 29 | trips, 2, NULL);
	rig_expect_truncated((const char *)rig.resp + 12 + 28 + 12, LONG_BOARD);
	check_sensor_desc(rig.resp + 12 + 56, 2, async_notify | trips, 3u << 11 | 5, "s2");
	OK(SEND(GFX, SENSOR, 0x3, 4));
	ck_assert_uint_eq(rig_rv(0), 2);
	ck_assert_uint_eq(rig.resp_len, 8 + 4 + 2 * 28);
	check_sensor_desc(rig.resp + 12 + 28, 5, async_notify | trips, 3u << 11 | 5, "s5");
	OK(SEND(GFX, SENSOR, 0x3, NSENSORS));
	ck_assert_uint_eq(rig_rv(0), 0);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x3, NSENSORS + 1), SCMI_INVALID_PARAMETERS);

	/* 64 bytes: 2 a reply; the agent's own numbering and names */
	OK(SEND(HMI, SENSOR, 0x3, 0));
	ck_assert_uint_eq(rig_rv(0), 2);
	check_sensor_desc(rig.resp + 12, 0, async_notify | trips, 2, "ambient");
	check_sensor_desc(rig.resp + 12 + 28, 1, async_notify | trips, 0x1du << 11 | 2, "soc_temp");
	rig_p2a(HMI, false);
	OK(SEND(HMI, SENSOR, 0x3, 1));
	ck_assert_uint_eq(rig_rv(0), 1);
	check_sensor_desc(rig.resp + 12, 1, trips, 0x1du << 11 | 2, "soc_temp");
}
END_TEST

START_TEST(test_sensor_reading_sync)
{
	int64_t v = -1234567890123ll;

	rig.sensor_val[R_SOC] = v;
	OK(SEND(GFX, SENSOR, 0x6, 0, 0));
	ck_assert_uint_eq(rig.resp_len, 8 + 16);
	ck_assert_uint_eq(rig_rv(0), (uint32_t)v);
	ck_assert_uint_eq(rig_rv(1), (uint32_t)((uint64_t)v >> 32));
	ck_assert_uint_eq(rig_rv(2), (uint32_t)TS);
	ck_assert_uint_eq(rig_rv(3), (uint32_t)(TS >> 32));
	/* hmi's sensor 1 is the same physical sensor */
	OK(SEND(HMI, SENSOR, 0x6, 1, 0));
	ck_assert_uint_eq(rig_rv(0), (uint32_t)v);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x6, 0, 2), SCMI_INVALID_PARAMETERS);
	rig.sensor_err = -EIO;
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x6, 0, 0), SCMI_HARDWARE_ERROR);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x6, 0, 1), SCMI_HARDWARE_ERROR);
	ck_assert_int_eq(rig_ndeferred(), 0);
}
END_TEST

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The emulated reading at a time, computed wide. */
static __int128 wave_at(int64_t value, int64_t amp, uint32_t period, uint64_t ms)
{
	uint64_t phase = ms % (2ull * period);

	if (phase >= period)
		phase = 2ull * period - phase;
	return (__int128)value - amp + (__int128)2 * amp * (__int128)phase / period;
}

/* The widest waves the emulated platform is given, read between two
 * clock readings: the value lies between the wave at either, and within
 * int64_t. */
START_TEST(test_sensor_emulated_wave_does_not_overflow)
{
	static const struct {
		int64_t value, amp, want_value, want_amp;
		uint32_t period;
	} c[] = {
		{ 0, INT64_C(1) << 62, 0, INT64_C(1) << 62, UINT32_MAX },
		{ 1000, INT64_C(1) << 40, 1000, INT64_C(1) << 40, 1u << 30 },
		/* beyond what a config may hold: clamped to +-2^62 */
		{ INT64_MIN, INT64_MAX, -(INT64_C(1) << 62), INT64_C(1) << 62, 1u << 31 },
		{ INT64_MAX, INT64_MAX, INT64_C(1) << 62, INT64_C(1) << 62, 1u << 31 },
	};
	struct vscmi_model m = { 0 };
	struct vscmi_res_desc d[4];
	struct vscmi_platform *p;

	memset(d, 0, sizeof(d));
	for (int i = 0; i < 4; i++) {
		d[i].kind = VSCMI_SENSOR;
		d[i].plat_id = (uint32_t)i;
		d[i].parent = -1;
		d[i].u.sensor.value = c[i].value;
		d[i].u.sensor.amplitude = c[i].amp;
		d[i].u.sensor.period_ms = c[i].period;
	}
	m.res[VSCMI_SENSOR] = d;
	m.nres[VSCMI_SENSOR] = 4;
	p = vscmi_emu_new(&m);
	ck_assert_ptr_nonnull(p);
	for (int i = 0; i < 4; i++) {
		int64_t v = 0;
		uint64_t ts, t0 = mono_ms(), t1;
		__int128 a, b, lo, hi;

		ck_assert_int_eq(p->ops->sensor_read(p, (uint32_t)i, &v, &ts), 0);
		t1 = mono_ms();
		a = wave_at(c[i].want_value, c[i].want_amp, c[i].period, t0);
		b = wave_at(c[i].want_value, c[i].want_amp, c[i].period, t1);
		lo = a < b ? a : b;
		hi = a < b ? b : a;
		if (hi > INT64_MAX)
			hi = INT64_MAX;
		ck_assert_msg(v >= lo && v <= hi, "sensor %d: %lld outside the wave", i,
			      (long long)v);
	}
	vscmi_platform_free(p);
}
END_TEST

START_TEST(test_sensor_reading_async_delayed_response)
{
	rig.sensor_val[R_BOARD] = 21500;
	OK(SEND(HMI, SENSOR, 0x6, 0, 1));
	/* the reply carries nothing; the value follows it */
	ck_assert_uint_eq(rig.resp_len, 8);
	ck_assert_int_eq(rig_ninbox(HMI), 0);
	ck_assert_int_eq(rig_ndeferred(), 1);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(HMI), 1);
	rig_expect_msg(HMI, 0, DRESP(SENSOR, 0x6), 6, SCMI_SUCCESS, 0, 21500, 0, (uint32_t)TS,
		   (uint32_t)(TS >> 32));
	ck_assert_uint_eq(rig_stats(HMI).delayed, 1);

	/* at most 16 in flight */
	for (int i = 0; i < 16; i++)
		OK(SEND(HMI, SENSOR, 0x6, 1, 1));
	ck_assert_int_eq(SEND(HMI, SENSOR, 0x6, 1, 1), SCMI_BUSY);
	OK(SEND(HMI, SENSOR, 0x6, 1, 0));
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(HMI), 17);
	rig_expect_msg(HMI, 16, DRESP(SENSOR, 0x6), 6, SCMI_SUCCESS, 1, 0, 0, (uint32_t)TS,
		   (uint32_t)(TS >> 32));
	OK(SEND(HMI, SENSOR, 0x6, 1, 1));
	rig_run_deferred();

	rig_p2a(HMI, false);
	ck_assert_int_eq(SEND(HMI, SENSOR, 0x6, 0, 1), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(rig_ndeferred(), 0);
}
END_TEST

/* ev_ctrl of TRIP_POINT_CONFIG: trip id in [11:4], mode in [1:0] */
static uint32_t trip_ctl(uint32_t id, uint32_t mode)
{
	return id << 4 | mode;
}

static void trip_config(uint32_t agent, uint32_t sensor, uint32_t id, uint32_t mode,
			int64_t value)
{
	OK(SEND(agent, SENSOR, 0x5, sensor, trip_ctl(id, mode), (uint32_t)value,
	       (uint32_t)((uint64_t)value >> 32)));
}

static void read_soc(uint32_t agent, uint32_t sensor, int64_t value)
{
	rig.sensor_val[R_SOC] = value;
	OK(SEND(agent, SENSOR, 0x6, sensor, 0));
}

START_TEST(test_sensor_trip_point_events)
{
	/* gfx: trip 2 at 50000 both ways */
	rig.sensor_val[R_SOC] = 45000;
	OK(SEND(GFX, SENSOR, 0x4, 0, 1));
	trip_config(GFX, 0, 2, 3, 50000);
	read_soc(GFX, 0, 49000);
	ck_assert_int_eq(rig_ninbox(GFX), 0);
	read_soc(GFX, 0, 51000);
	ck_assert_int_eq(rig_ninbox(GFX), 1);
	rig_expect_msg(GFX, 0, NOTIF(SENSOR, 0x0), 3, 0, 0, 2u | 1u << 16);
	read_soc(GFX, 0, 52000);
	ck_assert_int_eq(rig_ninbox(GFX), 1);
	read_soc(GFX, 0, 40000);
	ck_assert_int_eq(rig_ninbox(GFX), 2);
	rig_expect_msg(GFX, 1, NOTIF(SENSOR, 0x0), 3, 0, 0, 2u);

	/* trip 1 at 30000, upward only: armed above, the way down is silent */
	trip_config(GFX, 0, 1, 1, 30000);
	read_soc(GFX, 0, 20000);
	ck_assert_int_eq(rig_ninbox(GFX), 2);
	read_soc(GFX, 0, 35000);
	ck_assert_int_eq(rig_ninbox(GFX), 3);
	rig_expect_msg(GFX, 2, NOTIF(SENSOR, 0x0), 3, 0, 0, 1u | 1u << 16);
	ck_assert_uint_eq(rig_stats(GFX).notifications, 3);

	/* hmi's readings are judged against hmi's own trips and reach hmi
	 * alone, with its own sensor id */
	trip_config(HMI, 1, 0, 2, 10000);
	OK(SEND(HMI, SENSOR, 0x4, 1, 1));
	read_soc(HMI, 1, 5000);
	ck_assert_int_eq(rig_ninbox(HMI), 1);
	rig_expect_msg(HMI, 0, NOTIF(SENSOR, 0x0), 3, 0, 1, 0u);
	ck_assert_int_eq(rig_ninbox(GFX), 3);
	read_soc(GFX, 0, 5000);
	ck_assert_int_eq(rig_ninbox(GFX), 3);
	read_soc(HMI, 1, 60000);
	ck_assert_int_eq(rig_ninbox(GFX), 3);
	ck_assert_int_eq(rig_ninbox(HMI), 1);
	/* gfx's own next reading crosses both of its trips, in trip order */
	read_soc(GFX, 0, 60000);
	ck_assert_int_eq(rig_ninbox(GFX), 5);
	rig_expect_msg(GFX, 3, NOTIF(SENSOR, 0x0), 3, 0, 0, 1u | 1u << 16);
	rig_expect_msg(GFX, 4, NOTIF(SENSOR, 0x0), 3, 0, 0, 2u | 1u << 16);

	/* asynchronous readings count too; the value follows */
	rig.sensor_val[R_SOC] = 5000;
	OK(SEND(GFX, SENSOR, 0x6, 0, 1));
	ck_assert_int_eq(rig_ninbox(GFX), 6);
	rig_expect_msg(GFX, 5, NOTIF(SENSOR, 0x0), 3, 0, 0, 2u);
	rig_run_deferred();
	ck_assert_int_eq(rig_ninbox(GFX), 7);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(GFX, 6)->b), DRESP(SENSOR, 0x6));

	/* disarmed, or unsubscribed: silence */
	trip_config(GFX, 0, 1, 0, 0);
	read_soc(GFX, 0, 60000);
	ck_assert_int_eq(rig_ninbox(GFX), 8);
	rig_expect_msg(GFX, 7, NOTIF(SENSOR, 0x0), 3, 0, 0, 2u | 1u << 16);
	OK(SEND(GFX, SENSOR, 0x4, 0, 0));
	read_soc(GFX, 0, 5000);
	ck_assert_int_eq(rig_ninbox(GFX), 8);
	ck_assert_int_eq(rig_ninbox(HMI), 1);
}
END_TEST

START_TEST(test_sensor_trip_point_signed_values_and_errors)
{
	rig.sensor_val[R_SOC] = -10;
	OK(SEND(GFX, SENSOR, 0x4, 0, 1));
	trip_config(GFX, 0, 3, 3, -5);
	read_soc(GFX, 0, -6);
	ck_assert_int_eq(rig_ninbox(GFX), 0);
	read_soc(GFX, 0, 0);
	ck_assert_int_eq(rig_ninbox(GFX), 1);
	rig_expect_msg(GFX, 0, NOTIF(SENSOR, 0x0), 3, 0, 0, 3u | 1u << 16);

	ck_assert_int_eq(SEND(GFX, SENSOR, 0x5, 0, trip_ctl(4, 1), 0, 0),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x5, 0, trip_ctl(0, 1) | 1u << 2, 0, 0),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x5, 0, trip_ctl(0, 1) | 1u << 12, 0, 0),
			 SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x4, 0, 2), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x4, 0, 3), SCMI_INVALID_PARAMETERS);
	/* arming needs a reading to start from */
	rig.sensor_err = -EIO;
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x5, 0, trip_ctl(0, 1), 0, 0), SCMI_HARDWARE_ERROR);
	OK(SEND(GFX, SENSOR, 0x5, 0, trip_ctl(0, 0), 0, 0));
	rig_p2a(GFX, false);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x4, 0, 1), SCMI_NOT_SUPPORTED);
}
END_TEST

START_TEST(test_sensor_axes_and_update_intervals)
{
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x7, 0, 0), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0xd, 0, 0), SCMI_NOT_SUPPORTED);

	/* 2500 ms -> 2 s; 0 -> at least 1 s; 60 s */
	OK(SEND(GFX, SENSOR, 0x8, 0, 0));
	ck_assert_uint_eq(rig.resp_len, 16);
	ck_assert_uint_eq(rig_rv(0), 1);
	ck_assert_uint_eq(rig_rv(1), 2u << 5);
	OK(SEND(GFX, SENSOR, 0x8, 1, 0));
	ck_assert_uint_eq(rig_rv(1), 1u << 5);
	OK(SEND(GFX, SENSOR, 0x8, 2, 0));
	ck_assert_uint_eq(rig_rv(1), 60u << 5);
	OK(SEND(GFX, SENSOR, 0x8, 0, 1));
	ck_assert_uint_eq(rig.resp_len, 12);
	ck_assert_uint_eq(rig_rv(0), 0);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x8, 0, 2), SCMI_INVALID_PARAMETERS);
}
END_TEST

/* DEN0056E 4.7.2.12: reading a sensor the agent disabled is
 * PROTOCOL_ERROR, in either form, until it enables it again; the others
 * read on. */
START_TEST(test_sensor_reading_disabled_expect_PROTOCOL_ERROR)
{
	rig.sensor_val[R_SOC] = 7;
	OK(SEND(GFX, SENSOR, 0xa, 0, 0));
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x6, 0, 0), SCMI_PROTOCOL_ERROR);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0x6, 0, 1), SCMI_PROTOCOL_ERROR);
	ck_assert_int_eq(rig_ndeferred(), 0);
	OK(SEND(HMI, SENSOR, 0x6, 1, 0));
	ck_assert_uint_eq(rig_rv(0), 7);
	OK(SEND(GFX, SENSOR, 0xa, 0, 1));
	OK(SEND(GFX, SENSOR, 0x6, 0, 0));
	ck_assert_uint_eq(rig_rv(0), 7);
}
END_TEST

START_TEST(test_sensor_config_is_per_agent)
{
	/* never configured: enabled */
	OK(SEND(GFX, SENSOR, 0x9, 0));
	ck_assert_uint_eq(rig.resp_len, 12);
	ck_assert_uint_eq(rig_rv(0), 1);
	OK(SEND(GFX, SENSOR, 0xa, 0, 0));
	OK(SEND(GFX, SENSOR, 0x9, 0));
	ck_assert_uint_eq(rig_rv(0), 0);
	OK(SEND(HMI, SENSOR, 0x9, 1));
	ck_assert_uint_eq(rig_rv(0), 1);
	/* interval and rounding bits are kept as given */
	OK(SEND(GFX, SENSOR, 0xa, 0, 0x12340601));
	OK(SEND(GFX, SENSOR, 0x9, 0));
	ck_assert_uint_eq(rig_rv(0), 0x12340601);
	/* DEN0056E 4.7.2.11: bits[8:2] reserved; a timestamp the sensor
	 * cannot give (attributes_low bit 9 clear) is NOT_SUPPORTED */
	ck_assert_int_eq(SEND(GFX, SENSOR, 0xa, 0, 1u << 2), SCMI_INVALID_PARAMETERS);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0xa, 0, 1u << 8), SCMI_INVALID_PARAMETERS);
	OK(SEND(GFX, SENSOR, 0x3, 0));
	ck_assert_uint_eq(rig_rv(2) & 1u << 9, 0);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0xa, 0, 0x12340603), SCMI_NOT_SUPPORTED);
	ck_assert_int_eq(SEND(GFX, SENSOR, 0xa, 0, 1u << 1), SCMI_NOT_SUPPORTED);
	OK(SEND(GFX, SENSOR, 0x9, 0));
	ck_assert_uint_eq(rig_rv(0), 0x12340601);
	/* the physical sensor still reads for everyone */
	rig.sensor_val[R_SOC] = 7;
	OK(SEND(GFX, SENSOR, 0xa, 0, 0));
	OK(SEND(HMI, SENSOR, 0x6, 1, 0));
	ck_assert_uint_eq(rig_rv(0), 7);

	/* an agent reset forgets configuration, trips and subscriptions */
	OK(SEND(GFX, SENSOR, 0x4, 0, 1));
	trip_config(GFX, 0, 0, 3, 10);
	OK(SEND(GFX, SCMI_PROTO_BASE, 0xb, 0xffffffff, 0));
	OK(SEND(GFX, SENSOR, 0x9, 0));
	ck_assert_uint_eq(rig_rv(0), 1);
	read_soc(GFX, 0, 20);
	ck_assert_int_eq(rig_ninbox(GFX), 0);
}
END_TEST

START_TEST(test_sensor_update_notify_and_name)
{
	struct vscmi_plat_event ev = {
		.kind = VSCMI_SENSOR,
		.id = SENSOR_PLAT + R_SOC,
		.protocol = SENSOR,
		.message = 0x1,
		.payload = { 42, 0, 1000, 0 },
		.npayload = 4,
	};

	OK(SEND(HMI, SENSOR, 0xb, 1, 1));
	ck_assert_int_eq(SEND(HMI, SENSOR, 0xb, 1, 2), SCMI_INVALID_PARAMETERS);
	vscmi_emu_raise(&rig.shim, &ev);
	ck_assert_int_eq(rig_ninbox(GFX), 0);
	ck_assert_int_eq(rig_ninbox(HMI), 1);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(HMI, 0)->b), NOTIF(SENSOR, 0x1));
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(HMI, 0)->b + 8), 1);
	ck_assert_uint_eq(rig_msg(HMI, 0)->len, 4 + 8 + 16);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(HMI, 0)->b + 12), 42);
	ck_assert_uint_eq(vscmi_get_le32(rig_msg(HMI, 0)->b + 20), 1000);
	/* no subscription stands for a message id past 31: dropped */
	ev.message = 0x21;
	vscmi_emu_raise(&rig.shim, &ev);
	ev.message = 0xff;
	vscmi_emu_raise(&rig.shim, &ev);
	ck_assert_int_eq(rig_ninbox(HMI), 1);
	ev.message = 0x1;
	OK(SEND(HMI, SENSOR, 0xb, 1, 0));
	vscmi_emu_raise(&rig.shim, &ev);
	ck_assert_int_eq(rig_ninbox(HMI), 1);

	OK(SEND(GFX, SENSOR, 0xc, 1));
	ck_assert_uint_eq(rig.resp_len, 8 + 4 + 64);
	ck_assert_uint_eq(rig_rv(0), 0);
	ck_assert_str_eq(rig_name(4, 64), LONG_BOARD);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("scmi-sensor");
	TCase *tc = rig_tcase(s, "sensor", rig_gfx_setup, rig_teardown);

	tcase_add_test(tc, test_sensor_protocol_attributes);
	tcase_add_test(tc, test_sensor_description_multipart);
	tcase_add_test(tc, test_sensor_reading_sync);
	tcase_add_test(tc, test_sensor_emulated_wave_does_not_overflow);
	tcase_add_test(tc, test_sensor_reading_async_delayed_response);
	tcase_add_test(tc, test_sensor_trip_point_events);
	tcase_add_test(tc, test_sensor_trip_point_signed_values_and_errors);
	tcase_add_test(tc, test_sensor_axes_and_update_intervals);
	tcase_add_test(tc, test_sensor_config_is_per_agent);
	tcase_add_test(tc, test_sensor_reading_disabled_expect_PROTOCOL_ERROR);
	tcase_add_test(tc, test_sensor_update_notify_and_name);
	tcase_add_test(tc, test_sensor_trips_restored_only_onto_sensors);
	return rig_run(s);
}
