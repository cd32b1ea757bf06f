/* SPDX-License-Identifier: GPL-2.0-only */
/* Wire protocol between simxend (the simulated hypervisor) and its clients:
 * libsimxen (the Xen libraries' side, linked into the daemon or preloaded
 * into xenstored) and the test harness (the toolstack and the guests' side).
 *
 * One UNIX SOCK_SEQPACKET connection per library handle; one message per
 * packet, a reply for every request carrying the same seq. Memory (guest RAM,
 * ioreq pages) and event channel eventfds travel as SCM_RIGHTS. */
#ifndef SIMXEN_PROTO_H
#define SIMXEN_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define SX_VERSION 1

#define SX_PAGE_SHIFT 12
#define SX_PAGE_SIZE (1u << SX_PAGE_SHIFT)

/* Arm's guest memory map (xen/include/public/arch-arm.h, tools-only there). */
#define SX_RAM0_BASE 0x40000000ULL
#define SX_RAM0_PFN (SX_RAM0_BASE >> SX_PAGE_SHIFT)
#define SX_RAM0_MAX_MIB 3072u

#define SX_MAX_SERVERS 8	/* MAX_NR_IOREQ_SERVERS */
#define SX_MAX_VCPUS 128	/* one ioreq page holds 4096 / 32 slots */
#define SX_MAX_RANGES 256	/* MAX_NR_IO_RANGES */
#define SX_NR_PORTS 4096	/* 2-level event channels on 64-bit */
#define SX_NR_GRANTS 32768	/* max_grant_frames 64 * 512 v1 entries */
#define SX_MAX_SPIS 988		/* vGIC: 1020 interrupts, 32 not SPIs */
#define SX_NR_VIRQS 24

#define SX_MAX_ITEMS 512
#define SX_NAME_MAX 64
#define SX_TEXT_MAX 160

enum sx_op {
	SX_HELLO = 1,		/* arg0 version, arg1 caller's domid */

	SX_EVT_OPEN,		/* -> eventfd */
	SX_EVT_BIND_INTERDOMAIN, /* arg0 remote domid, arg1 remote port -> port */
	SX_EVT_BIND_VIRQ,	/* arg0 virq -> port */
	SX_EVT_UNBIND,		/* arg0 port */
	SX_EVT_NOTIFY,		/* arg0 port */
	SX_EVT_PENDING,		/* -> port, or -EAGAIN */
	SX_EVT_UNMASK,		/* arg0 port */

	SX_DM_NR_VCPUS,		/* arg0 domid -> count */
	SX_DM_CREATE,		/* arg0 domid, arg1 handle_bufioreq -> id */
	SX_DM_SET_STATE,	/* arg0 domid, arg1 id, arg2 enabled */
	SX_DM_MAP_RANGE,	/* arg0 domid, arg1 id, arg2 type, arg3 start, arg4 end */
	SX_DM_UNMAP_RANGE,	/* same */
	SX_DM_DESTROY,		/* arg0 domid, arg1 id */
	SX_DM_SET_IRQ,		/* arg0 domid, arg1 irq, arg2 level */
	SX_DM_GET_INFO,		/* arg0 domid, arg1 id: 0 if it exists and is ours */

	SX_RES_MAP,		/* arg0 domid, arg1 type, arg2 id, arg3 frame, arg4 nr -> memfd */
	SX_RES_UNMAP,		/* arg0 domid, arg1 id */
	SX_FMAP,		/* arg0 domid, u64[] pfns -> memfd, u64[] page index or -errno */
	SX_FUNMAP,		/* arg0 domid, arg1 pages */
	SX_GMAP,		/* arg0 domid, arg1 writable, u64[] refs -> memfd, u64[] page index */
	SX_GUNMAP,		/* arg0 domid, u64[] refs */
	SX_GCOPY,		/* arg0 domid, arg1 ref, arg2 offset, arg3 len, arg4 write
				 * -> GNTST_* in arg0, page index in arg1, memfd */

	SX_DOMINFO,		/* arg0 first domid, arg1 max -> struct sx_dominfo[] */
	SX_SHUTDOWN,		/* arg0 domid, arg1 reason */
	SX_PAUSE,		/* arg0 domid: one more pause by the control domain */
	SX_UNPAUSE,		/* arg0 domid: one fewer (-EINVAL at none) */

	SX_H_CREATE,		/* arg0 domid, arg1 vcpus, arg2 RAM MiB, arg3 nr_spis,
				 * arg4 created paused (as libxl builds), str name -> memfd */
	SX_H_DESTROY,		/* arg0 domid */
	SX_H_RAM,		/* arg0 domid -> memfd, arg0 pages */
	SX_H_GRANT,		/* arg0 domid, arg1 gref, arg2 gfn, arg3 to domid, arg4 readonly */
	SX_H_REVOKE,		/* arg0 domid, arg1 gref */
	SX_H_UNBOUND,		/* arg0 domid, arg1 remote domid -> port */
	SX_H_TARGET,		/* arg0 domid, arg1 device model domid */
	SX_H_MMIO,		/* arg0 domid, arg1 vcpu, arg2 addr, arg3 size, arg4 dir,
				 * arg5 data, arg6 timeout ms
				 * -> arg0 enum sx_io, arg1 data (deferred) */
	SX_H_INVALIDATE,	/* arg0 domid, arg1 vcpu, arg6 timeout ms
				 * -> arg0 enum sx_io, arg2 servers that acked (deferred) */
	SX_H_SPI_WAIT,		/* arg0 domid, arg1 irq, arg2 count, arg6 timeout ms
				 * -> count so far (deferred while below count) */
	SX_H_INFO,		/* arg0 domid -> struct sx_hinfo */
	SX_H_PORT,		/* arg0 domid, arg1 port -> struct sx_portinfo */
	SX_H_VCPU,		/* arg0 domid, arg1 vcpu -> arg0 blocked */
	SX_OP_MAX,
};

/* What became of an access a vCPU made (H_MMIO, H_INVALIDATE). */
enum sx_io {
	SX_IO_OK = 0,
	SX_IO_UNHANDLED,	/* no enabled server claims it: a data abort */
	SX_IO_TIMEOUT,		/* not completed in time: the vCPU stays blocked */
	SX_IO_HUNG,		/* the vCPU is still blocked on an earlier access */
	SX_IO_CRASHED,		/* ioreq protocol broken: Xen crashed the domain */
	SX_IO_ABANDONED,	/* backend wrote STATE_IOREQ_NONE: reads see ~0 */
	SX_IO_ABORTED,		/* server destroyed or domain died meanwhile */
};

/* Breaches of the ioreq protocol, as Xen would see them. */
enum sx_violation {
	SX_V_NONE = 0,
	SX_V_BACKWARDS,		/* "Weird HVM ioreq state transition" */
	SX_V_BAD_STATE,		/* "Weird HVM ioreq state" (not 0..3) */
	SX_V_ABANDONED,		/* state set to NONE by the backend */
	SX_V_BAD_EPORT,		/* "device model set bad event channel" */
	SX_V_BAD_IO_STATE,	/* "device model set bad IO state": slot busy */
	SX_V_NO_PAGE,		/* enabled server whose ioreq page was never mapped */
	SX_V_READ_HIGH_BITS,	/* read result has bits above the access size */
};

#define SX_DI_DYING 1u
#define SX_DI_SHUTDOWN 2u
#define SX_DI_PAUSED 4u

struct sx_dominfo {
	uint32_t domid;
	uint32_t flags;
	uint32_t shutdown_reason;
	uint32_t nr_vcpus;
	uint64_t ram_pages;
};

struct sx_hinfo {
	struct sx_dominfo d;
	uint32_t nr_spis;
	uint32_t dm_domid;
	uint32_t servers;	/* ioreq servers in existence */
	uint32_t enabled;	/* of which enabled */
	uint64_t grant_maps;	/* grant references mapped, over all mappers */
	uint64_t foreign_pages;	/* pages mapped with xenforeignmemory_map */
	uint64_t resource_maps;	/* ioreq pages mapped */
	uint32_t violations;
	uint32_t last_violation;
	uint32_t blocked_vcpus;
	uint32_t pause_count;	/* the control domain's pauses held now */
	uint64_t pauses;	/* SX_PAUSE calls that took, ever */
	uint32_t parked;	/* accesses waiting for the domain to run */
	uint32_t pad;
	char last_text[SX_TEXT_MAX];
};

#define SX_PORT_FREE 0
#define SX_PORT_UNBOUND 1
#define SX_PORT_INTERDOMAIN 2
#define SX_PORT_VIRQ 3

struct sx_portinfo {
	uint32_t state;
	uint32_t remote_dom;
	uint32_t remote_port;
	uint32_t pad;
	uint64_t events;	/* notifications that reached this port */
};

struct sx_msg {
	uint32_t op;
	uint32_t seq;
	int32_t ret;		/* replies: >= 0, or -errno */
	uint32_t len;		/* bytes used in data */
	uint64_t arg[8];
	union {
		uint64_t u64[SX_MAX_ITEMS];
		char str[SX_MAX_ITEMS * 8];
		struct sx_dominfo info[SX_MAX_ITEMS * 8 / sizeof(struct sx_dominfo)];
		struct sx_hinfo hinfo;
		struct sx_portinfo port;
	} data;
};

#define SX_HDR_LEN offsetof(struct sx_msg, data)
#define SX_MAX_DOMINFO (sizeof(((struct sx_msg *)0)->data.info) / sizeof(struct sx_dominfo))

#endif
