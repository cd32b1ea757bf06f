/* SPDX-License-Identifier: GPL-2.0-only */
/* One guest's virtio-scmi device over an IOREQ server.
 *
 * Setup follows the order Xen needs: vCPU count, server (no buffered
 * ioreqs on Arm), the ioreq page mapped before the server is enabled (so
 * Xen writes each vCPU's event channel into it), one event channel bound
 * per vCPU, the device, and only then the MMIO range, so the guest never
 * reaches a half-built device. Every request taken from the page is
 * completed, whatever happens: an uncompleted one hangs that vCPU. */
#include <errno.h>
#include <linux/virtio_mmio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "internal.h"
#include "vscmi/log.h"

static void xen_guest_irq(void *ctx)
{
	struct xen_guest *g = ctx;

	/* An edge-triggered SPI: a falling edge would be ignored anyway. */
	if (xendevicemodel_set_irq_level(g->xb->dmod, g->domid, g->irq, 1) < 0 && !g->irq_failed) {
		g->irq_failed = true;
		log_warn("xen: dom%u: raising SPI %u: %s", g->domid, g->irq, strerror(errno));
	}
}

/* Handles one slot that Xen marked ready (or, taking over from a daemon
 * that died handling it, in process). The fields are read once, after the
 * state, and the completion is published after the data. */
static void xen_guest_ioreq(struct xen_guest *g, uint32_t vcpu, bool takeover)
{
	ioreq_t *slot = &g->page->vcpu_ioreq[vcpu];
	ioreq_t req;
	uint8_t state = slot->state;

	if (state != STATE_IOREQ_READY && !(takeover && state == STATE_IOREQ_INPROCESS))
		return;
	__sync_synchronize();
	memcpy(&req, slot, sizeof(req));
	if (state == STATE_IOREQ_READY)
		slot->state = STATE_IOREQ_INPROCESS;

	switch (req.type) {
	case IOREQ_TYPE_COPY: {
		uint64_t off = req.addr - g->base;
		/* Only whole, direct, single accesses reach the register model;
		 * anything else reads 0 and writes nothing. */
		bool ok = req.addr >= g->base && off < VIO_MMIO_SIZE && req.count == 1 &&
			  !req.data_is_ptr && req.size <= 8;
		struct vio_dev *d = vio_scmi_dev(g->dev);

		if (req.dir == IOREQ_READ) {
			uint64_t v = ok ? vio_mmio_read(d, off, req.size) : 0;

			slot->data = v;
		} else if (ok) {
			vio_mmio_write(d, off, req.size, (uint32_t)req.data);
			/* Before the guest sees the write done: a restart must
			 * find the setup the driver believes in. A command's
			 * notify and interrupt ack leave it as it is (a ring a
			 * notify finds broken is found broken again after a
			 * restart). */
			if (off != VIRTIO_MMIO_QUEUE_NOTIFY && off != VIRTIO_MMIO_INTERRUPT_ACK)
				xen_journal_save(g);
		}
		break;
	}
	case IOREQ_TYPE_INVALIDATE:
		/* The guest's memory map changed: cached foreign pages may be stale. */
		xen_mem_flush(&g->mem);
		break;
	default:
		break;
	}
	g->ioreqs++;
	__sync_synchronize();
	slot->state = STATE_IORESP_READY;
	__sync_synchronize();
	xenevtchn_notify(g->xce, g->ports[vcpu]);
}

static uint64_t xen_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int xen_guest_event(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct xen_guest *g = userdata;
	uint64_t t0 = xen_now_ns(), done = g->ioreqs;
	xenevtchn_port_or_error_t port = xenevtchn_pending(g->xce);

	/* One port per wake-up: the read behind it would block otherwise; the
	 * loop calls again while more are pending. */
	if (port < 0)
		return 0;
	xenevtchn_unmask(g->xce, (evtchn_port_t)port);
	for (uint32_t v = 0; v < g->nvcpus; v++) {
		if (g->ports[v] == (evtchn_port_t)port) {
			xen_guest_ioreq(g, v, false);
			break;
		}
	}
	if (g->ioreqs != done) {
		uint64_t t = xen_now_ns() - t0;

		g->woken++;
		g->woken_ns += t;
		if (t > g->woken_ns_max)
			g->woken_ns_max = t;
	}
	return 0;
}

/* Steps both ways of setting up share. Each returns 0, or -1 with errno
 * set and *step naming what failed; what was done is undone by
 * xen_guest_stop from the flags and handles it left. */

/* The vCPUs (want: the count the last run served, or 0), a port slot for
 * each, and the event channel handle. */
static int xen_guest_prepare(struct xen_guest *g, unsigned int want, const char **step)
{
	struct xen_backend *xb = g->xb;
	unsigned int n;

	*step = "counting vCPUs";
	if (xendevicemodel_nr_vcpus(xb->dmod, g->domid, &n) < 0)
		return -1;
	/* One ioreq page serves at most this many vCPUs. */
	if (n == 0 || n > XEN_PAGE / sizeof(ioreq_t) || (want && n != want)) {
		errno = want && n != want ? ESTALE : ERANGE;
		return -1;
	}
	g->nvcpus = n;
	g->ports = calloc(n, sizeof(*g->ports));
	if (!g->ports)
		return -1;
	*step = "opening event channels";
	g->xce = xenevtchn_open(xb->log, 0);
	return g->xce ? 0 : -1;
}

static int xen_guest_map_page(struct xen_guest *g, const char **step)
{
	void *addr = NULL;

	*step = "mapping the ioreq page";
	g->res = xenforeignmemory_map_resource(g->xb->fmem, g->domid, XENMEM_resource_ioreq_server,
					       g->ioservid,
					       XENMEM_resource_ioreq_server_frame_ioreq(0), 1, &addr,
					       PROT_READ | PROT_WRITE, 0);
	if (!g->res)
		return -1;
	g->page = addr;
	return 0;
}

/* Each vCPU's channel bound (Xen has written the ports into the page by
 * now), the device made, the channels watched. */
static int xen_guest_connect(struct xen_guest *g, const char **step)
{
	struct xen_backend *xb = g->xb;
	int r;

	*step = "binding vCPU event channels";
	for (uint32_t v = 0; v < g->nvcpus; v++) {
		xenevtchn_port_or_error_t p =
			xenevtchn_bind_interdomain(g->xce, g->domid, g->page->vcpu_ioreq[v].vp_eport);

		if (p < 0)
			return -1;
		g->ports[v] = (evtchn_port_t)p;
	}
	*step = "creating the device";
	xen_mem_init(&g->mem, g);
	g->dev = vio_scmi_new(xb->srv, g->agent, &g->mem.ops,
			      g->grants ? VIO_F_ACCESS_PLATFORM : 0, xen_guest_irq, g);
	if (!g->dev)
		return -1;
	*step = "watching the event channels";
	r = sd_event_add_io(xb->ev, &g->src, xenevtchn_fd(g->xce), EPOLLIN, xen_guest_event, g);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return 0;
}

/* The last run's IOREQ server, still enabled with the device's range (a
 * daemon that exited or was killed leaves it so): mapped and bound again,
 * and the device carried on from its journaled setup. Accesses the guest
 * made meanwhile wait in the ioreq page and are answered here. The old
 * daemon's ports closed with it, which left the vCPUs' channels waiting to
 * be bound again. 0, or -errno with everything undone, the old server
 * included. */
static int xen_guest_takeover(struct xen_guest *g, const struct xen_saved *s)
{
	struct xen_backend *xb = g->xb;
	const char *step = "finding the IOREQ server";
	int r;

	/* The server is checked first: only one that exists is ours to undo. */
	if (xendevicemodel_get_ioreq_server_info(xb->dmod, g->domid, (ioservid_t)s->ioservid, NULL,
						 NULL, NULL) < 0)
		goto fail;
	g->ioservid = (ioservid_t)s->ioservid;
	g->server_created = g->server_enabled = g->range_mapped = true;
	if (xen_guest_prepare(g, s->nvcpus, &step) < 0 || xen_guest_map_page(g, &step) < 0 ||
	    xen_guest_connect(g, &step) < 0)
		goto fail;
	step = "resuming the device";
	if (vio_dev_resume(vio_scmi_dev(g->dev), &s->dev) < 0) {
		errno = EINVAL;
		goto fail;
	}
	for (uint32_t v = 0; v < g->nvcpus; v++)
		xen_guest_ioreq(g, v, true);
	g->state = XEN_GUEST_CONNECTED;
	g->taken_over = true;
	xen_journal_save(g);
	log_info("xen: dom%u: virtio-scmi at 0x%llx taken over from the last run (IOREQ server "
		 "%u, device status 0x%x), agent %s",
		 g->domid, (unsigned long long)g->base, g->ioservid, s->dev.status,
		 scmi_agent_name(g->agent));
	return 0;
fail:
	r = errno ? -errno : -EIO;
	log_warn("xen: dom%u: the last run's device cannot be taken back (%s: %s); it starts "
		 "afresh", g->domid, step, strerror(-r));
	xen_guest_stop(g, XEN_STOP_FAILED);
	g->nvcpus = 0;
	return r;
}

int xen_guest_start(struct xen_guest *g)
{
	struct xen_backend *xb = g->xb;
	struct xen_saved saved;
	const char *step;
	int r;

	r = xen_journal_load(g, &saved);
	if (r == 0 && xen_guest_takeover(g, &saved) == 0)
		return 0;
	if (r != -ENOENT)
		xen_journal_drop(g);
	errno = 0;

	if (xen_guest_prepare(g, 0, &step) < 0)
		goto fail;
	step = "creating the IOREQ server";
	if (xendevicemodel_create_ioreq_server(xb->dmod, g->domid, HVM_IOREQSRV_BUFIOREQ_OFF,
					       &g->ioservid) < 0)
		goto fail;
	g->server_created = true;
	/* Mapped before the server is enabled, so Xen writes each vCPU's
	 * event channel into it. */
	if (xen_guest_map_page(g, &step) < 0)
		goto fail;
	step = "enabling the IOREQ server";
	if (xendevicemodel_set_ioreq_server_state(xb->dmod, g->domid, g->ioservid, 1) < 0)
		goto fail;
	g->server_enabled = true;
	if (xen_guest_connect(g, &step) < 0)
		goto fail;
	step = "mapping the MMIO range";
	if (xendevicemodel_map_io_range_to_ioreq_server(xb->dmod, g->domid, g->ioservid, 1, g->base,
							g->base + VIO_MMIO_SIZE - 1) < 0)
		goto fail;
	g->range_mapped = true;
	g->state = XEN_GUEST_CONNECTED;
	xen_journal_save(g);
	log_info("xen: dom%u: virtio-scmi at 0x%llx, SPI %u, %u vCPU(s), %s, agent %s", g->domid,
		 (unsigned long long)g->base, g->irq, g->nvcpus,
		 g->grants ? "grants" : "foreign mapping", scmi_agent_name(g->agent));
	return 0;
fail:
	r = errno ? -errno : -EIO;
	log_err("xen: dom%u: %s: %s", g->domid, step, strerror(-r));
	g->state = XEN_GUEST_BROKEN;
	xen_guest_stop(g, XEN_STOP_FAILED);
	return r;
}

void xen_guest_stop(struct xen_guest *g, enum xen_stop how)
{
	struct xen_backend *xb = g->xb;
	/* Only a working device is left for the next daemon. */
	bool detach = how == XEN_STOP_DETACH && g->state == XEN_GUEST_CONNECTED;

	if (detach) {
		g->range_mapped = g->server_enabled = g->server_created = false;
	} else {
		xen_journal_drop(g);
	}
	/* The guest's accesses stop reaching us first. */
	if (g->range_mapped)
		xendevicemodel_unmap_io_range_from_ioreq_server(xb->dmod, g->domid, g->ioservid, 1,
								g->base,
								g->base + VIO_MMIO_SIZE - 1);
	g->range_mapped = false;
	/* Accesses Xen forwarded before the range went are answered, and so
	 * is one a dead daemon left in process (a failed takeover): a request
	 * left waiting would hold its vCPU. */
	for (uint32_t v = 0; g->page && g->dev && g->ports && v < g->nvcpus; v++)
		if (g->ports[v])
			xen_guest_ioreq(g, v, true);
	g->src = sd_event_source_disable_unref(g->src);
	if (g->dev) {
		vio_scmi_free(g->dev);
		g->dev = NULL;
		xen_mem_fini(&g->mem);
	}
	if (how == XEN_STOP_GONE)
		scmi_agent_reset(g->agent);
	for (uint32_t v = 0; g->ports && v < g->nvcpus; v++)
		if (g->ports[v])
			xenevtchn_unbind(g->xce, g->ports[v]);
	free(g->ports);
	g->ports = NULL;
	if (g->server_enabled)
		xendevicemodel_set_ioreq_server_state(xb->dmod, g->domid, g->ioservid, 0);
	g->server_enabled = false;
	if (g->res)
		xenforeignmemory_unmap_resource(xb->fmem, g->res);
	g->res = NULL;
	g->page = NULL;
	if (g->server_created)
		xendevicemodel_destroy_ioreq_server(xb->dmod, g->domid, g->ioservid);
	g->server_created = false;
	if (g->xce)
		xenevtchn_close(g->xce);
	g->xce = NULL;
}
