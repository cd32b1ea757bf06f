/* SPDX-License-Identifier: GPL-2.0-only */
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

int vscmi_platform_start(struct vscmi_platform *p, const struct vscmi_op *op, vscmi_done_fn done,
			 void *ctx)
{
	if ((unsigned int)op->type >= VSCMI_OP_COUNT)
		return -EINVAL;
	if (p->ops->start)
		return p->ops->start(p, op, done, ctx);
	return p->ops->apply(p, op);
}

void vscmi_platform_cancel(struct vscmi_platform *p, void *ctx)
{
	if (p->ops->cancel)
		p->ops->cancel(p, ctx);
}

int vscmi_platform_fd(struct vscmi_platform *p)
{
	return p->ops->fd ? p->ops->fd(p) : -1;
}

int vscmi_platform_dispatch(struct vscmi_platform *p)
{
	return p->ops->dispatch ? p->ops->dispatch(p) : 0;
}

int vscmi_platform_read(struct vscmi_platform *p, struct vscmi_op *op)
{
	if ((unsigned int)op->type >= VSCMI_OP_COUNT)
		return -EINVAL;
	return p->ops->read ? p->ops->read(p, op) : -EOPNOTSUPP;
}

int vscmi_platform_powercap_measure(struct vscmi_platform *p, uint32_t id, uint32_t *power,
				    uint32_t *pai)
{
	return p->ops->powercap_measure ? p->ops->powercap_measure(p, id, power, pai) :
					  -EOPNOTSUPP;
}

int vscmi_platform_sensor_start(struct vscmi_platform *p, uint32_t id, int64_t *value,
				uint64_t *timestamp, vscmi_reading_fn done, void *ctx)
{
	if (p->ops->sensor_start)
		return p->ops->sensor_start(p, id, value, timestamp, done, ctx);
	return p->ops->sensor_read ? p->ops->sensor_read(p, id, value, timestamp) : -EOPNOTSUPP;
}

bool vscmi_platform_reads_later(const struct vscmi_platform *p)
{
	return p->ops->sensor_start != NULL;
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
		[VSCMI_OP_PIN_FUNCTION] = "pin-function",
		[VSCMI_OP_PIN_CONFIG] = "pin-config",
		[VSCMI_OP_RESET_LINE] = "reset-line",
		[VSCMI_OP_RESET_PULSE] = "reset-pulse",
		[VSCMI_OP_VOLTAGE_CONFIG] = "voltage-config",
		[VSCMI_OP_VOLTAGE_LEVEL] = "voltage-level",
		[VSCMI_OP_PERF_LEVEL] = "perf-level",
		[VSCMI_OP_PERF_LIMITS] = "perf-limits",
		[VSCMI_OP_SYSTEM_POWER] = "system-power",
		[VSCMI_OP_POWERCAP_CAP] = "powercap-cap",
		[VSCMI_OP_POWERCAP_PAI] = "powercap-pai",
	};

	return (unsigned int)type < VSCMI_OP_COUNT ? names[type] : "?";
}
