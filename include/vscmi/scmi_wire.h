/* SPDX-License-Identifier: GPL-2.0-only */
/* SCMI on the wire (Arm DEN0056): the message header, statuses, protocol
 * and message ids, and the one table between statuses and -errno. Every
 * part of vscmi that reads or writes SCMI messages takes them from here:
 * the server, the linux-raw link, vscmictl's trace, vscmi-agent, and the
 * tests' stand-in firmware. */
#ifndef VSCMI_SCMI_WIRE_H
#define VSCMI_SCMI_WIRE_H

#include <stdint.h>

/* Message header fields. */
#define SCMI_HDR_MSG(h) ((h) & 0xffu)
#define SCMI_HDR_TYPE(h) (((h) >> 8) & 0x3u)
#define SCMI_HDR_PROTO(h) (((h) >> 10) & 0xffu)
#define SCMI_HDR_TOKEN(h) (((h) >> 18) & 0x3ffu)
#define SCMI_HDR_RSVD(h) ((h) >> 28)
#define SCMI_HDR(msg, type, proto, token)                                              \
	((uint32_t)(msg) | (uint32_t)(type) << 8 | (uint32_t)(proto) << 10 |          \
	 (uint32_t)(token) << 18)
#define SCMI_TOKENS 1024u

/* Largest message the server takes or builds: header, status, 128 bytes
 * (the virtio transport's, and Linux's, default). */
#define SCMI_MSG_MAX (8 + 128)
#define SCMI_DEFAULT_PAYLOAD 128

enum scmi_msg_type {
	SCMI_TYPE_COMMAND = 0,
	SCMI_TYPE_DELAYED = 2,
	SCMI_TYPE_NOTIFICATION = 3,
};

enum scmi_status {
	SCMI_SUCCESS = 0,
	SCMI_NOT_SUPPORTED = -1,
	SCMI_INVALID_PARAMETERS = -2,
	SCMI_DENIED = -3,
	SCMI_NOT_FOUND = -4,
	SCMI_OUT_OF_RANGE = -5,
	SCMI_BUSY = -6,
	SCMI_COMMS_ERROR = -7,
	SCMI_GENERIC_ERROR = -8,
	SCMI_HARDWARE_ERROR = -9,
	SCMI_PROTOCOL_ERROR = -10,
	SCMI_IN_USE = -11,
};

enum scmi_protocol_id {
	SCMI_PROTO_BASE = 0x10,
	SCMI_PROTO_POWER = 0x11,
	SCMI_PROTO_SYSTEM = 0x12,
	SCMI_PROTO_PERF = 0x13,
	SCMI_PROTO_CLOCK = 0x14,
	SCMI_PROTO_SENSOR = 0x15,
	SCMI_PROTO_RESET = 0x16,
	SCMI_PROTO_VOLTAGE = 0x17,
	SCMI_PROTO_POWERCAP = 0x18,
	SCMI_PROTO_PINCTRL = 0x19,
};

/* Messages every protocol has. */
enum {
	SCMI_MSG_VERSION = 0x0,
	SCMI_MSG_ATTRIBUTES = 0x1,
	SCMI_MSG_MSG_ATTRIBUTES = 0x2,
	SCMI_MSG_NEGOTIATE_VERSION = 0x10,
};

/* Each protocol's commands; notifications, which also name the
 * subscription bits, after them. */
enum {
	SCMI_BASE_DISCOVER_VENDOR = 0x3,
	SCMI_BASE_DISCOVER_SUB_VENDOR = 0x4,
	SCMI_BASE_DISCOVER_IMPL_VERSION = 0x5,
	SCMI_BASE_DISCOVER_LIST_PROTOCOLS = 0x6,
	SCMI_BASE_DISCOVER_AGENT = 0x7,
	SCMI_BASE_NOTIFY_ERRORS = 0x8,
	SCMI_BASE_SET_DEVICE_PERMISSIONS = 0x9,
	SCMI_BASE_SET_PROTOCOL_PERMISSIONS = 0xa,
	SCMI_BASE_RESET_AGENT_CONFIGURATION = 0xb,
};

enum {
	SCMI_POWER_DOMAIN_ATTRIBUTES = 0x3,
	SCMI_POWER_STATE_SET = 0x4,
	SCMI_POWER_STATE_GET = 0x5,
	SCMI_POWER_STATE_NOTIFY = 0x6,
	SCMI_POWER_STATE_CHANGE_REQUESTED_NOTIFY = 0x7,
	SCMI_POWER_DOMAIN_NAME_GET = 0x8,
	SCMI_POWER_STATE_CHANGED = 0x0,
	SCMI_POWER_STATE_CHANGE_REQUESTED = 0x1,
};

enum {
	SCMI_SYSTEM_POWER_STATE_SET = 0x3,
	SCMI_SYSTEM_POWER_STATE_GET = 0x4,
	SCMI_SYSTEM_POWER_STATE_NOTIFY = 0x5,
	SCMI_SYSTEM_POWER_STATE_NOTIFIER = 0x0,
};

enum {
	SCMI_PERF_DOMAIN_ATTRIBUTES = 0x3,
	SCMI_PERF_DESCRIBE_LEVELS = 0x4,
	SCMI_PERF_LIMITS_SET = 0x5,
	SCMI_PERF_LIMITS_GET = 0x6,
	SCMI_PERF_LEVEL_SET = 0x7,
	SCMI_PERF_LEVEL_GET = 0x8,
	SCMI_PERF_NOTIFY_LIMITS = 0x9,
	SCMI_PERF_NOTIFY_LEVEL = 0xa,
	SCMI_PERF_DESCRIBE_FASTCHANNEL = 0xb,
	SCMI_PERF_DOMAIN_NAME_GET = 0xc,
	SCMI_PERF_LIMITS_CHANGED = 0x0,
	SCMI_PERF_LEVEL_CHANGED = 0x1,
};

enum {
	SCMI_CLOCK_ATTRIBUTES = 0x3,
	SCMI_CLOCK_DESCRIBE_RATES = 0x4,
	SCMI_CLOCK_RATE_SET = 0x5,
	SCMI_CLOCK_RATE_GET = 0x6,
	SCMI_CLOCK_CONFIG_SET = 0x7,
	SCMI_CLOCK_NAME_GET = 0x8,
	SCMI_CLOCK_RATE_NOTIFY = 0x9,
	SCMI_CLOCK_RATE_CHANGE_REQUESTED_NOTIFY = 0xa,
	SCMI_CLOCK_CONFIG_GET = 0xb,
	SCMI_CLOCK_POSSIBLE_PARENTS_GET = 0xc,
	SCMI_CLOCK_PARENT_SET = 0xd,
	SCMI_CLOCK_PARENT_GET = 0xe,
	SCMI_CLOCK_GET_PERMISSIONS = 0xf,
	SCMI_CLOCK_RATE_CHANGED = 0x0,
	SCMI_CLOCK_RATE_CHANGE_REQUESTED = 0x1,
};

enum {
	SCMI_SENSOR_DESCRIPTION_GET = 0x3,
	SCMI_SENSOR_TRIP_POINT_NOTIFY = 0x4,
	SCMI_SENSOR_TRIP_POINT_CONFIG = 0x5,
	SCMI_SENSOR_READING_GET = 0x6,
	SCMI_SENSOR_AXIS_DESCRIPTION_GET = 0x7,
	SCMI_SENSOR_LIST_UPDATE_INTERVALS = 0x8,
	SCMI_SENSOR_CONFIG_GET = 0x9,
	SCMI_SENSOR_CONFIG_SET = 0xa,
	SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY = 0xb,
	SCMI_SENSOR_NAME_GET = 0xc,
	SCMI_SENSOR_AXIS_NAME_GET = 0xd,
	SCMI_SENSOR_TRIP_POINT_EVENT = 0x0,
	SCMI_SENSOR_UPDATE = 0x1,
};

enum {
	SCMI_RESET_DOMAIN_ATTRIBUTES = 0x3,
	SCMI_RESET_RESET = 0x4,
	SCMI_RESET_NOTIFY = 0x5,
	SCMI_RESET_DOMAIN_NAME_GET = 0x6,
	SCMI_RESET_ISSUED = 0x0,
};

enum {
	SCMI_VOLTAGE_DOMAIN_ATTRIBUTES = 0x3,
	SCMI_VOLTAGE_DESCRIBE_LEVELS = 0x4,
	SCMI_VOLTAGE_CONFIG_SET = 0x5,
	SCMI_VOLTAGE_CONFIG_GET = 0x6,
	SCMI_VOLTAGE_LEVEL_SET = 0x7,
	SCMI_VOLTAGE_LEVEL_GET = 0x8,
	SCMI_VOLTAGE_DOMAIN_NAME_GET = 0x9,
};

enum {
	SCMI_POWERCAP_DOMAIN_ATTRIBUTES = 0x3,
	SCMI_POWERCAP_CAP_GET = 0x4,
	SCMI_POWERCAP_CAP_SET = 0x5,
	SCMI_POWERCAP_PAI_GET = 0x6,
	SCMI_POWERCAP_PAI_SET = 0x7,
	SCMI_POWERCAP_DOMAIN_NAME_GET = 0x8,
	SCMI_POWERCAP_MEASUREMENTS_GET = 0x9,
	SCMI_POWERCAP_CAP_NOTIFY = 0xa,
	SCMI_POWERCAP_MEASUREMENTS_NOTIFY = 0xb,
	SCMI_POWERCAP_DESCRIBE_FASTCHANNEL = 0xc,
	SCMI_POWERCAP_CAP_CHANGED = 0x0,
	SCMI_POWERCAP_MEASUREMENTS_CHANGED = 0x1,
};

enum {
	SCMI_PINCTRL_ATTRIBUTES = 0x3,
	SCMI_PINCTRL_LIST_ASSOCIATIONS = 0x4,
	SCMI_PINCTRL_SETTINGS_GET = 0x5,
	SCMI_PINCTRL_SETTINGS_CONFIGURE = 0x6,
	SCMI_PINCTRL_REQUEST = 0x7,
	SCMI_PINCTRL_RELEASE = 0x8,
	SCMI_PINCTRL_NAME_GET = 0x9,
	SCMI_PINCTRL_SET_PERMISSIONS = 0xa,
};

/* Pin control's selector (which kind of identifier a command names), its
 * "no function", and the configuration types after the standard ones. */
enum { SCMI_PINCTRL_PIN = 0, SCMI_PINCTRL_GROUP = 1, SCMI_PINCTRL_FUNCTION = 2 };
#define SCMI_PINCTRL_NO_FUNCTION 0xffffffffu
#define SCMI_PINCTRL_CFG_OEM_FIRST 192

/* SCMI status for -errno, and the errno a status stands for here; one
 * table holds both ways. */
int32_t scmi_status_from_errno(int err);
int scmi_errno_from_status(int32_t status);
const char *scmi_status_name(int32_t status);
const char *scmi_protocol_name(uint8_t id);
/* The spec's name of a command, or NULL when there is none. */
const char *scmi_message_name(uint8_t proto, uint8_t msg);

#endif
