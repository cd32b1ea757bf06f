/* SPDX-License-Identifier: GPL-2.0-only */
/* libxendevicemodel over simxend: the DMOPs an Arm IOREQ backend uses. */
#include <errno.h>
#include <stdlib.h>

#include <xendevicemodel.h>

#include "client.h"

struct xendevicemodel_handle {
	struct sx_conn c;
};

static int dmop(xendevicemodel_handle *dmod, uint32_t op, uint64_t a0, uint64_t a1,
		uint64_t a2, uint64_t a3, uint64_t a4)
{
	struct sx_msg req, rep;
	int ret;

	if (!dmod) {
		errno = EINVAL;
		return -1;
	}
	sx_msg_init(&req, op);
	req.arg[0] = a0;
	req.arg[1] = a1;
	req.arg[2] = a2;
	req.arg[3] = a3;
	req.arg[4] = a4;
	ret = sx_call(&dmod->c, &req, &rep, NULL);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

SX_API xendevicemodel_handle *xendevicemodel_open(struct xentoollog_logger *logger,
						  unsigned int open_flags)
{
	xendevicemodel_handle *dmod = calloc(1, sizeof(*dmod));
	int ret;

	if (!dmod)
		return NULL;
	ret = sx_conn_open(&dmod->c, true);
	if (ret < 0) {
		free(dmod);
		errno = -ret;
		return NULL;
	}
	return dmod;
}

SX_API int xendevicemodel_close(xendevicemodel_handle *dmod)
{
	if (!dmod)
		return 0;
	sx_conn_close(&dmod->c);
	free(dmod);
	return 0;
}

SX_API int xendevicemodel_nr_vcpus(xendevicemodel_handle *dmod, domid_t domid,
				   unsigned int *vcpus)
{
	int ret = dmop(dmod, SX_DM_NR_VCPUS, domid, 0, 0, 0, 0);

	if (ret < 0)
		return -1;
	*vcpus = (unsigned int)ret;
	return 0;
}

SX_API int xendevicemodel_create_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
					      int handle_bufioreq, ioservid_t *id)
{
	int ret = dmop(dmod, SX_DM_CREATE, domid, (uint64_t)(int64_t)handle_bufioreq, 0, 0, 0);

	if (ret < 0)
		return -1;
	*id = (ioservid_t)ret;
	return 0;
}

SX_API int xendevicemodel_set_ioreq_server_state(xendevicemodel_handle *dmod, domid_t domid,
						 ioservid_t id, int enabled)
{
	return dmop(dmod, SX_DM_SET_STATE, domid, id, !!enabled, 0, 0) < 0 ? -1 : 0;
}

SX_API int xendevicemodel_map_io_range_to_ioreq_server(xendevicemodel_handle *dmod,
						       domid_t domid, ioservid_t id,
						       int is_mmio, uint64_t start,
						       uint64_t end)
{
	uint64_t type = is_mmio ? XEN_DMOP_IO_RANGE_MEMORY : XEN_DMOP_IO_RANGE_PORT;

	return dmop(dmod, SX_DM_MAP_RANGE, domid, id, type, start, end) < 0 ? -1 : 0;
}

SX_API int xendevicemodel_unmap_io_range_from_ioreq_server(xendevicemodel_handle *dmod,
							   domid_t domid, ioservid_t id,
							   int is_mmio, uint64_t start,
							   uint64_t end)
{
	uint64_t type = is_mmio ? XEN_DMOP_IO_RANGE_MEMORY : XEN_DMOP_IO_RANGE_PORT;

	return dmop(dmod, SX_DM_UNMAP_RANGE, domid, id, type, start, end) < 0 ? -1 : 0;
}

SX_API int xendevicemodel_get_ioreq_server_info(xendevicemodel_handle *dmod, domid_t domid,
						ioservid_t id, xen_pfn_t *ioreq_gfn,
						xen_pfn_t *bufioreq_gfn,
						evtchn_port_t *bufioreq_port)
{
	/* As on Arm: no gfns to give. */
	if (ioreq_gfn || bufioreq_gfn || bufioreq_port) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return dmop(dmod, SX_DM_GET_INFO, domid, id, 0, 0, 0) < 0 ? -1 : 0;
}

SX_API int xendevicemodel_destroy_ioreq_server(xendevicemodel_handle *dmod, domid_t domid,
					       ioservid_t id)
{
	return dmop(dmod, SX_DM_DESTROY, domid, id, 0, 0, 0) < 0 ? -1 : 0;
}

SX_API int xendevicemodel_set_irq_level(xendevicemodel_handle *dmod, domid_t domid,
					unsigned int irq, unsigned int level)
{
	return dmop(dmod, SX_DM_SET_IRQ, domid, irq, level, 0, 0) < 0 ? -1 : 0;
}
