/* SPDX-License-Identifier: GPL-2.0-only */
/* The names the SCMI suites share: the agents and resources of the two
 * systems server_rig.h builds, and the shorthand of their commands. */
#ifndef VSCMI_TESTS_SCMI_SUITE_H
#define VSCMI_TESTS_SCMI_SUITE_H

#include <stdint.h>

#include "server_rig.h"

/* SEND(agent, protocol, message, words...): rig_sendv() with the words. */
#define SEND(agent, proto, msg, ...)                                                    \
	rig_sendv(agent, proto, msg, sizeof((uint32_t[]){ 0, ##__VA_ARGS__ }) / 4 - 1,  \
		  (const uint32_t[]){ 0, ##__VA_ARGS__ } + 1)

#define OK(expr) ck_assert_int_eq((expr), SCMI_SUCCESS)

#define NOTIF(proto, msg) SCMI_HDR(msg, SCMI_TYPE_NOTIFICATION, proto, 0)
#define DRESP(proto, msg) SCMI_HDR(msg, SCMI_TYPE_DELAYED, proto, RIG_TOKEN)

/* --- the video system (rig_video_setup) ---------------------------------- */

enum { CAMERA = 1, DISPLAY = 2, IVI = 3, OPS = 4 };

/* --- the gfx system (rig_gfx_setup) -------------------------------------- */

#define PERF SCMI_PROTO_PERF
#define SENSOR SCMI_PROTO_SENSOR
#define VOLT SCMI_PROTO_VOLTAGE

/* Agent ids; the second has a small channel. */
enum { GFX = 1, HMI = 2, NAGENTS = 2 };
#define HMI_PAYLOAD 64

/* Physical resources, by index in the model. */
enum { R_GPU, R_CPU };
enum { R_SOC, R_BOARD, NSENSORS = RIG_SENSORS };
enum { R_VCAM, R_VIO, R_VCORE };

#define GPU_LEVELS 12
#define VCAM_LEVELS 40
#define SENSOR_PLAT 30
/* The timestamp of every reading. */
#define TS 0x1122334455667788ull

#define LONG_CPU "cpu_big_cluster_domain"
#define LONG_BOARD "board_ambient_temperature"
#define LONG_VCORE "vdd_core_fixed_rail"

/* The gpu's level i, and vdd_cam's. */
static inline uint32_t gpu_perf(uint32_t i)
{
	return 100 * (i + 1);
}

static inline int64_t vcam_uv(uint32_t i)
{
	return 800000 + 10000 * (int64_t)i;
}

#endif
