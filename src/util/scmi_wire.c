/* SPDX-License-Identifier: GPL-2.0-only */
/* The one table between SCMI statuses and -errno. */
#include <errno.h>
#include <stddef.h>

#include "vscmi/scmi_wire.h"

/* The first row of a status is the errno it stands for; the rows after
 * are more errnos that come out as that status. */
static const struct {
	int32_t status;
	int err;
} scmi_errno_table[] = {
	{ SCMI_SUCCESS, 0 },
	{ SCMI_NOT_SUPPORTED, -EOPNOTSUPP },
	{ SCMI_INVALID_PARAMETERS, -EINVAL },
	{ SCMI_DENIED, -EACCES },
	{ SCMI_NOT_FOUND, -ENOENT },
	{ SCMI_OUT_OF_RANGE, -ERANGE },
	{ SCMI_BUSY, -EBUSY },
	{ SCMI_COMMS_ERROR, -ECOMM },
	{ SCMI_GENERIC_ERROR, -EREMOTEIO },
	{ SCMI_HARDWARE_ERROR, -EIO },
	{ SCMI_PROTOCOL_ERROR, -EPROTO },
	{ SCMI_IN_USE, -EADDRINUSE },
	{ SCMI_DENIED, -EPERM },
	{ SCMI_BUSY, -EAGAIN },
	{ SCMI_COMMS_ERROR, -ENOTCONN },
	{ SCMI_COMMS_ERROR, -ETIMEDOUT },
	/* the platform's answer was malformed: the link failed the agent */
	{ SCMI_COMMS_ERROR, -EBADE },
	{ SCMI_PROTOCOL_ERROR, -EBADMSG },
};

#define SCMI_ERRNO_ROWS (sizeof(scmi_errno_table) / sizeof(scmi_errno_table[0]))

int32_t scmi_status_from_errno(int err)
{
	for (size_t i = 0; i < SCMI_ERRNO_ROWS; i++)
		if (scmi_errno_table[i].err == err)
			return scmi_errno_table[i].status;
	return SCMI_GENERIC_ERROR;
}

int scmi_errno_from_status(int32_t status)
{
	for (size_t i = 0; i < SCMI_ERRNO_ROWS; i++)
		if (scmi_errno_table[i].status == status)
			return scmi_errno_table[i].err;
	/* a status this version of the spec does not have */
	return -EREMOTEIO;
}

const char *scmi_status_name(int32_t status)
{
	static const char *const names[] = {
		"SUCCESS",	 "NOT_SUPPORTED", "INVALID_PARAMETERS", "DENIED",
		"NOT_FOUND",	 "OUT_OF_RANGE",  "BUSY",		"COMMS_ERROR",
		"GENERIC_ERROR", "HARDWARE_ERROR", "PROTOCOL_ERROR",	"IN_USE",
	};

	if (status > 0 || status < -11)
		return "UNKNOWN";
	return names[-status];
}

const char *scmi_protocol_name(uint8_t id)
{
	static const char *const names[] = {
		"base", "power", "system", "perf", "clock", "sensor", "reset", "voltage",
		"powercap", "pinctrl",
	};

	if (id < SCMI_PROTO_BASE || id > SCMI_PROTO_PINCTRL)
		return "unknown";
	return names[id - SCMI_PROTO_BASE];
}

/* Message names for traces, per protocol, indexed by message id. */
static const char *const scmi_common_names[] = {
	[0x0] = "PROTOCOL_VERSION", [0x1] = "PROTOCOL_ATTRIBUTES",
	[0x2] = "PROTOCOL_MESSAGE_ATTRIBUTES",
};

static const char *const scmi_base_names[] = {
	[0x3] = "DISCOVER_VENDOR", [0x4] = "DISCOVER_SUB_VENDOR",
	[0x5] = "DISCOVER_IMPLEMENTATION_VERSION", [0x6] = "DISCOVER_LIST_PROTOCOLS",
	[0x7] = "DISCOVER_AGENT", [0x8] = "NOTIFY_ERRORS", [0x9] = "SET_DEVICE_PERMISSIONS",
	[0xa] = "SET_PROTOCOL_PERMISSIONS", [0xb] = "RESET_AGENT_CONFIGURATION",
};

static const char *const scmi_power_names[] = {
	[0x3] = "POWER_DOMAIN_ATTRIBUTES", [0x4] = "POWER_STATE_SET", [0x5] = "POWER_STATE_GET",
	[0x6] = "POWER_STATE_NOTIFY", [0x7] = "POWER_STATE_CHANGE_REQUESTED_NOTIFY",
	[0x8] = "POWER_DOMAIN_NAME_GET",
};

static const char *const scmi_system_names[] = {
	[0x3] = "SYSTEM_POWER_STATE_SET", [0x4] = "SYSTEM_POWER_STATE_GET",
	[0x5] = "SYSTEM_POWER_STATE_NOTIFY",
};

static const char *const scmi_perf_names[] = {
	[0x3] = "PERFORMANCE_DOMAIN_ATTRIBUTES", [0x4] = "PERFORMANCE_DESCRIBE_LEVELS",
	[0x5] = "PERFORMANCE_LIMITS_SET", [0x6] = "PERFORMANCE_LIMITS_GET",
	[0x7] = "PERFORMANCE_LEVEL_SET", [0x8] = "PERFORMANCE_LEVEL_GET",
	[0x9] = "PERFORMANCE_NOTIFY_LIMITS", [0xa] = "PERFORMANCE_NOTIFY_LEVEL",
	[0xb] = "PERFORMANCE_DESCRIBE_FASTCHANNEL", [0xc] = "PERFORMANCE_DOMAIN_NAME_GET",
};

static const char *const scmi_clock_names[] = {
	[0x3] = "CLOCK_ATTRIBUTES", [0x4] = "CLOCK_DESCRIBE_RATES", [0x5] = "CLOCK_RATE_SET",
	[0x6] = "CLOCK_RATE_GET", [0x7] = "CLOCK_CONFIG_SET", [0x8] = "CLOCK_NAME_GET",
	[0x9] = "CLOCK_RATE_NOTIFY", [0xa] = "CLOCK_RATE_CHANGE_REQUESTED_NOTIFY",
	[0xb] = "CLOCK_CONFIG_GET", [0xc] = "CLOCK_POSSIBLE_PARENTS_GET",
	[0xd] = "CLOCK_PARENT_SET", [0xe] = "CLOCK_PARENT_GET", [0xf] = "CLOCK_GET_PERMISSIONS",
};

static const char *const scmi_sensor_names[] = {
	[0x3] = "SENSOR_DESCRIPTION_GET", [0x4] = "SENSOR_TRIP_POINT_NOTIFY",
	[0x5] = "SENSOR_TRIP_POINT_CONFIG", [0x6] = "SENSOR_READING_GET",
	[0x7] = "SENSOR_AXIS_DESCRIPTION_GET", [0x8] = "SENSOR_LIST_UPDATE_INTERVALS",
	[0x9] = "SENSOR_CONFIG_GET", [0xa] = "SENSOR_CONFIG_SET",
	[0xb] = "SENSOR_CONTINUOUS_UPDATE_NOTIFY", [0xc] = "SENSOR_NAME_GET",
	[0xd] = "SENSOR_AXIS_NAME_GET",
};

static const char *const scmi_reset_names[] = {
	[0x3] = "RESET_DOMAIN_ATTRIBUTES", [0x4] = "RESET", [0x5] = "RESET_NOTIFY",
	[0x6] = "RESET_DOMAIN_NAME_GET",
};

static const char *const scmi_voltage_names[] = {
	[0x3] = "VOLTAGE_DOMAIN_ATTRIBUTES", [0x4] = "VOLTAGE_DESCRIBE_LEVELS",
	[0x5] = "VOLTAGE_CONFIG_SET", [0x6] = "VOLTAGE_CONFIG_GET", [0x7] = "VOLTAGE_LEVEL_SET",
	[0x8] = "VOLTAGE_LEVEL_GET", [0x9] = "VOLTAGE_DOMAIN_NAME_GET",
};

static const char *const scmi_powercap_names[] = {
	[0x3] = "POWERCAP_DOMAIN_ATTRIBUTES", [0x4] = "POWERCAP_CAP_GET",
	[0x5] = "POWERCAP_CAP_SET", [0x6] = "POWERCAP_PAI_GET", [0x7] = "POWERCAP_PAI_SET",
	[0x8] = "POWERCAP_DOMAIN_NAME_GET", [0x9] = "POWERCAP_MEASUREMENTS_GET",
	[0xa] = "POWERCAP_CAP_NOTIFY", [0xb] = "POWERCAP_MEASUREMENTS_NOTIFY",
	[0xc] = "POWERCAP_DESCRIBE_FASTCHANNEL",
};

static const char *const scmi_pinctrl_names[] = {
	[0x3] = "PINCTRL_ATTRIBUTES", [0x4] = "PINCTRL_LIST_ASSOCIATIONS",
	[0x5] = "PINCTRL_SETTINGS_GET", [0x6] = "PINCTRL_SETTINGS_CONFIGURE",
	[0x7] = "PINCTRL_REQUEST", [0x8] = "PINCTRL_RELEASE", [0x9] = "PINCTRL_NAME_GET",
	[0xa] = "PINCTRL_SET_PERMISSIONS",
};

#define NAMES(t) { t, sizeof(t) / sizeof(t[0]) }

const char *scmi_message_name(uint8_t proto, uint8_t msg)
{
	static const struct {
		const char *const *names;
		size_t n;
	} tables[] = {
		NAMES(scmi_base_names),	 NAMES(scmi_power_names),  NAMES(scmi_system_names),
		NAMES(scmi_perf_names),	 NAMES(scmi_clock_names),  NAMES(scmi_sensor_names),
		NAMES(scmi_reset_names), NAMES(scmi_voltage_names), NAMES(scmi_powercap_names),
	};

	if (msg < sizeof(scmi_common_names) / sizeof(scmi_common_names[0]))
		return scmi_common_names[msg];
	if (msg == 0x10)
		return "NEGOTIATE_PROTOCOL_VERSION";
	if (proto == SCMI_PROTO_PINCTRL)
		return msg < sizeof(scmi_pinctrl_names) / sizeof(scmi_pinctrl_names[0])
			       ? scmi_pinctrl_names[msg]
			       : NULL;
	if (proto < SCMI_PROTO_BASE || proto > SCMI_PROTO_POWERCAP)
		return NULL;
	if (msg >= tables[proto - SCMI_PROTO_BASE].n)
		return NULL;
	return tables[proto - SCMI_PROTO_BASE].names[msg];
}
