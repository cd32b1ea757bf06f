/* The one place where -errno becomes an SCMI status, and names for humans. */
#include <errno.h>

#include "vscmi/scmi.h"

int32_t scmi_status_from_errno(int err)
{
	switch (err) {
	case 0:
		return SCMI_SUCCESS;
	case -EOPNOTSUPP:
		return SCMI_NOT_SUPPORTED;
	case -EINVAL:
		return SCMI_INVALID_PARAMETERS;
	case -EACCES:
	case -EPERM:
		return SCMI_DENIED;
	case -ENOENT:
		return SCMI_NOT_FOUND;
	case -ERANGE:
		return SCMI_OUT_OF_RANGE;
	case -EBUSY:
	case -EAGAIN:
		return SCMI_BUSY;
	case -ECOMM:
	case -ENOTCONN:
	case -ETIMEDOUT:
		return SCMI_COMMS_ERROR;
	case -EIO:
		return SCMI_HARDWARE_ERROR;
	case -EPROTO:
	case -EBADMSG:
		return SCMI_PROTOCOL_ERROR;
	case -EADDRINUSE:
		return SCMI_IN_USE;
	default:
		return SCMI_GENERIC_ERROR;
	}
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
	};

	if (id < SCMI_PROTO_BASE || id > SCMI_PROTO_VOLTAGE)
		return "unknown";
	return names[id - SCMI_PROTO_BASE];
}
