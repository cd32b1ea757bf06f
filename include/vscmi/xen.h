/* SPDX-License-Identifier: GPL-2.0-only */
/* Xen: virtio-scmi devices for Xen guests over IOREQ virtio-mmio, found in
 * XenStore (libxl's "virtio" backend nodes) or declared statically for
 * dom0less guests. Calls the Xen libraries directly. */
#ifndef VSCMI_XEN_H
#define VSCMI_XEN_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "vscmi/config.h"
#include "vscmi/scmi.h"

struct xen_backend;

struct xen_guest_info {
	uint32_t domid;
	uint32_t devid;
	const char *agent;
	uint64_t base;
	uint32_t irq;
	bool grants;
	bool dom0less;
	const char *state;		/* "connecting", "connected", "broken" */
	uint32_t nvcpus;
	uint64_t ioreqs;		/* MMIO accesses completed */
	/* wake-ups that completed an access, and their time from the event
	 * channel's wake-up to the completion */
	uint64_t woken, woken_ns, woken_ns_max;
	uint64_t commands, events, dropped;
	bool event_idx;
	uint64_t delayed_held, delayed_held_late;
	uint64_t broken;		/* times the guest broke its rings */
	uint64_t bad_access;
	uint64_t interrupts;
};

/* Opens the Xen libraries and starts serving: statically declared guests
 * at once, XenStore devices as they appear. -ENODEV with err saying what is
 * missing when there is no hypervisor. */
int xen_backend_new(sd_event *ev, struct scmi_server *srv, const struct vscmi_config *cfg,
		    struct xen_backend **out, char *err, size_t errlen);
/* Tears every guest device down (their IOREQ servers and mappings go; the
 * agents' votes stay, the hardware is untouched). NULL-safe. */
void xen_backend_free(struct xen_backend *xb);

/* A guest's SYSTEM_POWER_STATE_SET: shutdown or reboot of its domain.
 * -ENOENT when the agent is not a Xen guest of ours. */
int xen_backend_system_power(struct xen_backend *xb, struct scmi_agent *agent, uint32_t state);

/* fn runs after a guest device came or went (service status). */
void xen_backend_set_listener(struct xen_backend *xb, void (*fn)(void *ctx), void *ctx);

/* Calls fn for each guest device, for status reports. */
void xen_backend_foreach(struct xen_backend *xb, void (*fn)(void *ctx, const struct xen_guest_info *),
			 void *ctx);
/* A configuration reload: the agent's Xen device, if any, is torn down
 * (its votes released) before the agent goes; a new agent's dom0less
 * device is started, or its XenStore devices looked for. NULL-safe. */
void xen_backend_agent_removed(struct xen_backend *xb, struct scmi_agent *agent);
void xen_backend_agent_added(struct xen_backend *xb, struct scmi_agent *agent);

#endif
