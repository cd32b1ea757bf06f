/* The platform seam. */
#include <errno.h>
#include <stddef.h>

#include "vscmi/platform.h"

int vscmi_platform_apply(struct vscmi_platform *p, const struct vscmi_op *op)
{
	if ((unsigned int)op->type >= VSCMI_OP_COUNT)
		return -EINVAL;
	return p->ops->apply(p, op);
}

int vscmi_platform_read(struct vscmi_platform *p, struct vscmi_op *op)
{
	if ((unsigned int)op->type >= VSCMI_OP_COUNT)
		return -EINVAL;
	return p->ops->read ? p->ops->read(p, op) : -EOPNOTSUPP;
}

void vscmi_platform_free(struct vscmi_platform *p)
{
	if (p)
		p->ops->destroy(p);
}

const char *vscmi_op_name(enum vscmi_op_type type)
{
	static const char *const names[VSCMI_OP_COUNT] = {
		[VSCMI_OP_CLOCK_ENABLE] = "clock-enable",
		[VSCMI_OP_CLOCK_RATE] = "clock-rate",
		[VSCMI_OP_POWER_STATE] = "power-state",
		[VSCMI_OP_RESET_LINE] = "reset-line",
		[VSCMI_OP_RESET_PULSE] = "reset-pulse",
		[VSCMI_OP_VOLTAGE_CONFIG] = "voltage-config",
		[VSCMI_OP_VOLTAGE_LEVEL] = "voltage-level",
		[VSCMI_OP_PERF_LEVEL] = "perf-level",
		[VSCMI_OP_PERF_LIMITS] = "perf-limits",
		[VSCMI_OP_SYSTEM_POWER] = "system-power",
	};

	return (unsigned int)type < VSCMI_OP_COUNT ? names[type] : "?";
}
