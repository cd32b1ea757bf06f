/* SPDX-License-Identifier: GPL-2.0-only */
/* Inside the Xen module: the backend, its guests, guest memory. */
#ifndef VSCMI_XEN_INTERNAL_H
#define VSCMI_XEN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>
#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xentoollog.h>
#include <xen/hvm/ioreq.h>

#include "vscmi/virtio.h"
#include "vscmi/xen.h"

#define XEN_GRANT_ADDR (1ull << 63)
#define XEN_PAGE 4096u
/* The last domid a guest can have; DOMID_FIRST_RESERVED is next. */
#define XEN_DOMID_MAX 0x7fefu
#define XEN_MEM_CACHE 16	/* foreign mappings kept across commands */
#define XEN_MAP_PAGES 64	/* largest single mapping (a 256-entry ring fits) */

struct xen_guest;

struct xen_map {
	void *va;
	uint64_t pfn;
	uint32_t pages;
	bool write;
	uint32_t users;
	uint64_t last_use;
};

/* Guest memory of one guest: grants (bit 63 addresses) or foreign pages. */
struct xen_mem {
	struct vio_mem ops;
	struct xen_guest *g;
	struct xen_map cache[XEN_MEM_CACHE];
	uint64_t clock;
	uint64_t maps, unmaps;		/* hypervisor calls, for the record */
};

void xen_mem_init(struct xen_mem *m, struct xen_guest *g);
/* Drops the cached mappings nobody holds (IOREQ_TYPE_INVALIDATE). */
void xen_mem_flush(struct xen_mem *m);
/* Unmaps everything; at teardown. */
void xen_mem_fini(struct xen_mem *m);

enum xen_guest_state {
	XEN_GUEST_CONNECTING,
	XEN_GUEST_CONNECTED,
	XEN_GUEST_BROKEN,		/* setup failed; waiting to be torn down */
};

struct xen_guest {
	struct xen_backend *xb;
	struct xen_guest *next;
	uint32_t domid, devid;
	uint64_t base;
	uint32_t irq;
	bool grants;
	bool dom0less;
	struct scmi_agent *agent;
	enum xen_guest_state state;
	char be_path[128];		/* XenStore backend directory, or empty */

	/* IOREQ server, staged: each flag says what teardown must undo */
	xenevtchn_handle *xce;
	ioservid_t ioservid;
	bool server_created, server_enabled, range_mapped;
	xenforeignmemory_resource_handle *res;
	shared_iopage_t *page;
	uint32_t nvcpus;
	evtchn_port_t *ports;		/* local port per vCPU; 0: not bound */
	sd_event_source *src;

	struct xen_mem mem;
	struct vio_scmi *dev;
	uint64_t ioreqs;
	/* vscmid's own share: from the event channel's wake-up to the
	 * completion's notify, per wake-up that completed an access */
	uint64_t woken, woken_ns, woken_ns_max;
	bool irq_failed;		/* said once */
	bool addr_kind_said;		/* grants vs addresses mismatch, said once */

	/* The device journal: the setup last written, and whether it was */
	struct vio_dev_saved saved;
	bool saved_valid;
	bool journal_failed;		/* said once */
	bool taken_over;		/* served from the last run's IOREQ server */
};

/* What a device journal holds. */
struct xen_saved {
	char agent[16];
	uint32_t domid, devid, irq, ioservid, nvcpus;
	uint64_t base;
	bool grants;
	struct vio_dev_saved dev;
};

struct xen_backend {
	sd_event *ev;
	struct scmi_server *srv;
	const struct vscmi_config *cfg;
	xentoollog_logger *log;
	xc_interface *xch;
	xendevicemodel_handle *dmod;
	xenforeignmemory_handle *fmem;
	xengnttab_handle *xgt;
	struct xs_handle *xs;
	sd_event_source *xs_src;
	/* Domain deaths straight from Xen, when no xenstored holds the VIRQ. */
	xenevtchn_handle *virq_xce;
	sd_event_source *virq_src;
	/* Dom0less guests that neither the VIRQ nor XenStore tell us of. */
	sd_event_source *poll_src;
	uint32_t self;			/* our own domid */
	void (*listener)(void *ctx);
	void *listener_ctx;
	char watch_path[64];
	struct xen_guest *guests;
	/* XenStore devices we decided not to serve, so we say so once; an
	 * entry goes with its device directory or its domain. */
	struct {
		uint32_t domid, devid;
		bool ours;		/* virtio-scmi: we answer its close */
	} ignored[64];
	uint32_t nignored;
	bool getinfo_failed;		/* said once */
	char state_dir[96];		/* device journals; empty: none kept */
};

/* Brings up the IOREQ server and the device, taking back the server and
 * the device's setup the last run journaled if they are still there: 0 or
 * -errno (logged). */
int xen_guest_start(struct xen_guest *g);

enum xen_stop {
	XEN_STOP_FAILED,	/* setup failed: undo it, votes stay */
	XEN_STOP_GONE,		/* the guest is gone: undo it and release its votes */
	/* The daemon exits: the server stays enabled with its range, so the
	 * guest's accesses wait for the next daemon instead of faulting. */
	XEN_STOP_DETACH,
};
/* Undoes what xen_guest_start did, in reverse, as far as how says. */
void xen_guest_stop(struct xen_guest *g, enum xen_stop how);

/* Holding a new toolstack guest paused while its device is set up
 * (hold.c). */
struct xen_hold {
	uint32_t domid;
	bool held;
	uint64_t since;			/* CLOCK_MONOTONIC, usec */
};
/* A domain or device id as XenStore paths and file names carry it: 1 to
 * 10 decimal digits, no sign, space or leading zero, at most max, ended by
 * '\0' or stop (its place in *rest when rest is given). 0, or -EINVAL. */
int xen_parse_id(const char *s, char stop, unsigned long max, uint32_t *out, const char **rest);
/* A XenStore number, decimal, octal or 0x hex, at most max: 0 or -EINVAL. */
int xen_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* "<watch_path>/<domid>/<devid>[/...]": 0 or -EINVAL. */
int xen_parse_dev_path(const char *watch_path, const char *path, uint32_t *domid,
		       uint32_t *devid);

void xen_hold(struct xen_backend *xb, uint32_t domid, struct xen_hold *h);
void xen_release(struct xen_backend *xb, struct xen_hold *h);
/* Drops the pauses a killed daemon left held (their markers). */
void xen_hold_recover(struct xen_backend *xb);

/* The device journal (journal.c). */
void xen_journal_save(struct xen_guest *g);
void xen_journal_drop(struct xen_guest *g);
/* 0 with s filled; -ENOENT with none, -ESTALE when it is another device's
 * or setup's, -EINVAL when malformed. */
int xen_journal_load(struct xen_guest *g, struct xen_saved *s);
/* The file at path parsed, whichever device it names: 0, -errno, or
 * -EINVAL for anything malformed. */
int xen_journal_read(const char *path, struct xen_saved *s);

#endif
