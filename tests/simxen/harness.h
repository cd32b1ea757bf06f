/* SPDX-License-Identifier: GPL-2.0-only */
/* Test harness for the simulated hypervisor: starts simxend and acts as the
 * side of Xen a device model never sees - the toolstack that creates and
 * destroys domains, the guests that grant pages, and the guests' vCPUs that
 * make MMIO accesses to emulated devices.
 *
 * Code under test uses the Xen libraries' public API (libsimxen, chosen at
 * link time, or preloaded); it finds simxend through $SIMXEN_SOCKET, which
 * sim_start() exports, and runs as domain $SIMXEN_DOMID (default 0).
 *
 * Every function returns 0 (or a documented non-negative value) or -errno.
 * One struct sim per process; not thread-safe. */
#ifndef SIMXEN_HARNESS_H
#define SIMXEN_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SIM_RAM0_BASE 0x40000000ULL	/* GUEST_RAM0_BASE */
#define SIM_PAGE_SIZE 4096u
#define SIM_TIMEOUT_MS 5000		/* default for sim_mmio() */

/* A grant-based virtio DMA address, as Linux's grant-dma-ops makes it. */
static inline uint64_t sim_grant_addr(uint32_t gref, uint32_t offset)
{
	return (1ULL << 63) | ((uint64_t)gref << 12) | (offset & 0xfff);
}

static inline uint64_t sim_gfn(uint64_t gpa)
{
	return gpa >> 12;
}

struct sim;

/* Start simxend in a fresh directory under $TMPDIR and export
 * SIMXEN_SOCKET. Domain 0 exists from the start. simxend's log goes to
 * <dir>/simxend.log, or to stderr when $SIMXEN_VERBOSE is set. */
int sim_start(struct sim **out);
/* Stop simxend (and a xenstored left running), remove the directory
 * unless $SIMXEN_KEEP is set, unset SIMXEN_SOCKET. */
void sim_stop(struct sim *s);
const char *sim_dir(const struct sim *s);
const char *sim_socket(const struct sim *s);
pid_t sim_pid(const struct sim *s);

/* --- domains ---------------------------------------------------------- */

struct sim_domain_config {
	uint32_t domid;		/* 1 .. 0x7fef */
	const char *name;
	unsigned int vcpus;	/* 1 .. 128 */
	unsigned int ram_mib;	/* 1 .. 3072, at SIM_RAM0_BASE */
	unsigned int nr_spis;	/* SPIs 32 .. 32 + nr_spis - 1 exist */
	bool paused;		/* created paused, as libxl builds a domain */
};

int sim_domain_create(struct sim *s, const struct sim_domain_config *cfg);
/* Host view of the domain's RAM (shared with everything that maps it). */
void *sim_ram(struct sim *s, uint32_t domid, size_t *size);
/* Host pointer for [gpa, gpa + len), or NULL if that is not all RAM. */
void *sim_gpa(struct sim *s, uint32_t domid, uint64_t gpa, size_t len);

/* What libxl does on destroy: the domain is dying at once (vCPUs stop, IOREQ
 * servers and event channels go, VIRQ_DOM_EXC fires), and disappears when
 * nobody maps its memory any more (VIRQ_DOM_EXC again). */
int sim_domain_destroy(struct sim *s, uint32_t domid);
/* Let dm_domid act as the domain's device model (xc_domain_set_target):
 * DMOPs, foreign maps. Dom0 always may. */
int sim_domain_set_target(struct sim *s, uint32_t domid, uint32_t dm_domid);

enum sim_violation {
	SIM_V_NONE = 0,
	SIM_V_BACKWARDS,	/* state went backwards: Xen crashes the domain */
	SIM_V_BAD_STATE,	/* state not 0..3: Xen crashes the domain */
	SIM_V_ABANDONED,	/* state set to NONE: the access reads ~0 */
	SIM_V_BAD_EPORT,	/* vp_eport changed: access not handled */
	SIM_V_BAD_IO_STATE,	/* slot not NONE when Xen sends: not handled */
	SIM_V_NO_PAGE,		/* enabled server never mapped its ioreq page */
	SIM_V_READ_HIGH_BITS,	/* read result has bits above the access size */
};

struct sim_domain_info {
	uint32_t domid;
	bool dying;
	bool shutdown;
	bool crashed;
	unsigned int shutdown_reason;
	unsigned int vcpus;
	unsigned int nr_spis;
	unsigned int ioreq_servers;
	unsigned int ioreq_servers_enabled;
	unsigned int blocked_vcpus;
	unsigned int pause_count;	/* pauses the control domain holds now */
	uint64_t pauses;		/* pauses taken, ever */
	unsigned int parked;		/* accesses waiting for the domain to run */
	uint64_t grant_maps;	/* grant refs mapped, all mappers together */
	uint64_t foreign_pages;	/* pages mapped by xenforeignmemory_map */
	uint64_t resource_maps;	/* ioreq pages mapped */
	unsigned int violations;
	enum sim_violation last_violation;
	char last_text[160];
};

/* -ESRCH once the domain is gone for good. */
int sim_domain_info(struct sim *s, uint32_t domid, struct sim_domain_info *info);
/* Wait until the dying domain is gone (every mapping of it undone). */
int sim_domain_wait_gone(struct sim *s, uint32_t domid, int timeout_ms);

/* --- grants and event channels --------------------------------------- */

/* Grant page gfn of domid to to_domid; read-only as Linux grants buffers
 * the device only reads. -EBUSY if gref is mapped. */
int sim_grant(struct sim *s, uint32_t domid, uint32_t gref, uint64_t gfn, uint32_t to_domid,
	      bool readonly);
/* gnttab_end_foreign_access_ref(): -EBUSY while the backend maps it. */
int sim_revoke(struct sim *s, uint32_t domid, uint32_t gref);

/* EVTCHNOP_alloc_unbound in domid for remote_domid: returns the port. */
int sim_evtchn_alloc_unbound(struct sim *s, uint32_t domid, uint32_t remote_domid);

enum sim_port_state { SIM_PORT_FREE, SIM_PORT_UNBOUND, SIM_PORT_INTERDOMAIN, SIM_PORT_VIRQ };

struct sim_port_info {
	enum sim_port_state state;
	uint32_t remote_dom;
	uint32_t remote_port;
	uint64_t events;	/* notifications that reached the port */
};

int sim_port_info(struct sim *s, uint32_t domid, uint32_t port, struct sim_port_info *pi);

/* --- vCPUs ------------------------------------------------------------ */

enum sim_io {
	SIM_IO_OK = 0,
	SIM_IO_UNHANDLED,	/* no enabled server claims it: a data abort */
	SIM_IO_TIMEOUT,		/* not completed in time: the vCPU stays blocked */
	SIM_IO_HUNG,		/* the vCPU is still blocked on an earlier access */
	SIM_IO_CRASHED,		/* ioreq protocol broken: Xen crashed the domain */
	SIM_IO_ABANDONED,	/* backend wrote STATE_IOREQ_NONE: reads see ~0 */
	SIM_IO_ABORTED,		/* server destroyed or domain died meanwhile */
};

const char *sim_io_name(int outcome);

/* An MMIO access by a vCPU, forwarded the way Xen on Arm does it: to the
 * enabled IOREQ server (highest id first) whose range holds the access,
 * through its ioreq slot and event channel; the vCPU blocks until the
 * backend answers STATE_IORESP_READY and notifies. *data is the register:
 * the value written, or for a read its old value in, the result (masked
 * to size) out. Returns an enum sim_io, or -errno (-ESHUTDOWN when the
 * domain is shut down or crashed). */
int sim_mmio(struct sim *s, uint32_t domid, unsigned int vcpu, uint64_t addr,
	     unsigned int size, bool write, uint64_t *data, int timeout_ms);
int sim_mmio_read32(struct sim *s, uint32_t domid, uint64_t addr, uint32_t *val);
int sim_mmio_write32(struct sim *s, uint32_t domid, uint64_t addr, uint32_t val);

/* IOREQ_TYPE_INVALIDATE to every enabled server, synchronously, as Xen on
 * Arm sends when a RAM mapping of the domain is removed. *acked (may be
 * NULL) gets how many servers completed it. */
int sim_invalidate(struct sim *s, uint32_t domid, unsigned int vcpu, int timeout_ms,
		   unsigned int *acked);

/* The same two, without waiting: a ticket (> 0) to pass to sim_result(),
 * for a test that plays the backend in the same thread. */
int sim_mmio_submit(struct sim *s, uint32_t domid, unsigned int vcpu, uint64_t addr,
		    unsigned int size, bool write, uint64_t data, int timeout_ms);
int sim_invalidate_submit(struct sim *s, uint32_t domid, unsigned int vcpu, int timeout_ms);
/* Wait for a ticket's outcome (simxend answers by the ticket's timeout). */
int sim_result(struct sim *s, int ticket, uint64_t *data, unsigned int *acked);

/* 1 while the vCPU waits for a backend (a hung vCPU after a timeout). */
int sim_vcpu_blocked(struct sim *s, uint32_t domid, unsigned int vcpu);

/* --- interrupts ------------------------------------------------------- */

/* set_irq_level(irq, 1) calls so far on SPI irq (32 ..). */
long sim_spi_count(struct sim *s, uint32_t domid, unsigned int irq);
/* Wait until that count reaches count: 0, or -ETIMEDOUT. */
int sim_spi_wait(struct sim *s, uint32_t domid, unsigned int irq, uint64_t count,
		 int timeout_ms);

/* --- the real xenstored ----------------------------------------------- */

struct sim_xenstored;

/* Run Debian's xenstored 4.17 (-N, as a child of this process) with
 * libsimxen.so and the shim preloaded, as dom0's xenstored, and export
 * XENSTORED_PATH so xs_open() finds its socket. */
int sim_xenstored_start(struct sim *s, struct sim_xenstored **out);
/* Kill and reap it; unset XENSTORED_PATH. */
int sim_xenstored_stop(struct sim_xenstored *x);
pid_t sim_xenstored_pid(const struct sim_xenstored *x);

/* What the toolstack prepares before xs_introduce_domain(domid, *gfn,
 * *port): the guest's xenstore ring (its last RAM page) granted to dom0 as
 * GNTTAB_RESERVED_XENSTORE, and an unbound port for dom0. */
int sim_xenstore_prepare_guest(struct sim *s, uint32_t domid, uint64_t *gfn, uint32_t *port);

#endif
