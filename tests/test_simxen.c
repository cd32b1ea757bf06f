/* SPDX-License-Identifier: GPL-2.0-only */
/* The simulated hypervisor, driven the way the daemon's Xen glue will: only
 * through the Xen libraries' public API (libsimxen), with the harness as
 * toolstack, guests and vCPUs; and the real xenstored under the fixture. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xengnttab.h>
#include <xenstore.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

#include "harness.h"

#define GUEST 1
#define OTHER 2
#define VCPUS 2
#define NR_SPIS 12
#define MMIO_BASE 0x02000000ULL	/* GUEST_VIRTIO_MMIO_BASE */
#define MMIO_SIZE 0x200ULL
#define SPI 33
#define RAM0_PFN (SIM_RAM0_BASE >> 12)

static struct sim *sim;

static void sim_setup(void)
{
	struct sim_domain_config cfg = {
		.domid = GUEST, .name = "guest", .vcpus = VCPUS, .ram_mib = 16, .nr_spis = NR_SPIS,
	};
	int ret = sim_start(&sim);

	ck_assert_msg(ret == 0, "sim_start: %s", strerror(-ret));
	ck_assert_int_eq(sim_domain_create(sim, &cfg), 0);
	unsetenv("SIMXEN_DOMID");
}

static void sim_teardown(void)
{
	sim_stop(sim);
	sim = NULL;
}

static unsigned int shutdown_reason(const xc_domaininfo_t *di)
{
	return (di->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
}

static struct sim_domain_info info_of(uint32_t domid)
{
	struct sim_domain_info info;

	ck_assert_int_eq(sim_domain_info(sim, domid, &info), 0);
	return info;
}

/* --- a device model written the way xen.md describes one -------------- */

enum be_mode { BE_NORMAL, BE_BACKWARDS, BE_BAD_STATE, BE_NONE, BE_HIGH_BITS, BE_NO_COMPLETE };

struct backend {
	uint32_t domid;
	xenevtchn_handle *xce;
	xendevicemodel_handle *dm;
	xenforeignmemory_handle *fm;
	xenforeignmemory_resource_handle *res;
	shared_iopage_t *page;
	ioservid_t id;
	unsigned int vcpus;
	evtchn_port_t local[VCPUS];
	uint32_t eport[VCPUS];
	uint32_t regs[MMIO_SIZE / 4];
	enum be_mode mode;
	unsigned int handled, spurious, invalidates;
	unsigned int served[VCPUS];
};

static void backend_open(struct backend *b, uint32_t domid)
{
	memset(b, 0, sizeof(*b));
	b->domid = domid;
	b->xce = xenevtchn_open(NULL, 0);
	b->dm = xendevicemodel_open(NULL, 0);
	b->fm = xenforeignmemory_open(NULL, 0);
	ck_assert_ptr_nonnull(b->xce);
	ck_assert_ptr_nonnull(b->dm);
	ck_assert_ptr_nonnull(b->fm);
	b->regs[0] = 0x74726976;	/* "virt" */
	b->regs[1] = 2;
	b->regs[2] = 32;
}

/* Map the ioreq page and bind every vCPU's channel (an existing server). */
static void backend_attach(struct backend *b, ioservid_t id)
{
	void *addr = NULL;
	unsigned int v;
	int port;

	b->id = id;
	b->res = xenforeignmemory_map_resource(b->fm, (domid_t)b->domid,
					       XENMEM_resource_ioreq_server, id,
					       XENMEM_resource_ioreq_server_frame_ioreq(0), 1,
					       &addr, PROT_READ | PROT_WRITE, 0);
	ck_assert_ptr_nonnull(b->res);
	b->page = addr;
	for (v = 0; v < b->vcpus; v++) {
		b->eport[v] = b->page->vcpu_ioreq[v].vp_eport;
		port = xenevtchn_bind_interdomain(b->xce, b->domid, b->eport[v]);
		ck_assert_msg(port > 0, "bind vCPU %u port %u: %s", v, b->eport[v], strerror(errno));
		b->local[v] = (evtchn_port_t)port;
	}
}

/* xen.md 2.2: nr_vcpus, create (no bufioreq), map the page, enable, bind
 * each vCPU's port, map the device's range last. */
static void backend_setup(struct backend *b, uint32_t domid)
{
	ioservid_t id;
	void *addr = NULL;
	unsigned int v;
	int port;

	backend_open(b, domid);
	ck_assert_int_eq(xendevicemodel_nr_vcpus(b->dm, (domid_t)domid, &b->vcpus), 0);
	ck_assert_uint_eq(b->vcpus, VCPUS);
	ck_assert_int_eq(xendevicemodel_create_ioreq_server(b->dm, (domid_t)domid,
							    HVM_IOREQSRV_BUFIOREQ_OFF, &id), 0);
	b->id = id;
	b->res = xenforeignmemory_map_resource(b->fm, (domid_t)domid,
					       XENMEM_resource_ioreq_server, id,
					       XENMEM_resource_ioreq_server_frame_ioreq(0), 1,
					       &addr, PROT_READ | PROT_WRITE, 0);
	ck_assert_ptr_nonnull(b->res);
	b->page = addr;
	ck_assert_int_eq(xendevicemodel_set_ioreq_server_state(b->dm, (domid_t)domid, id, 1), 0);
	for (v = 0; v < b->vcpus; v++) {
		b->eport[v] = b->page->vcpu_ioreq[v].vp_eport;
		ck_assert_uint_ne(b->eport[v], 0);
		port = xenevtchn_bind_interdomain(b->xce, domid, b->eport[v]);
		ck_assert_int_gt(port, 0);
		b->local[v] = (evtchn_port_t)port;
	}
	ck_assert_int_eq(xendevicemodel_map_io_range_to_ioreq_server(b->dm, (domid_t)domid, id, 1,
								     MMIO_BASE,
								     MMIO_BASE + MMIO_SIZE - 1), 0);
}

static void backend_close(struct backend *b)
{
	unsigned int v;

	for (v = 0; v < b->vcpus; v++)
		if (b->local[v])
			xenevtchn_unbind(b->xce, b->local[v]);
	if (b->res) {
		xendevicemodel_set_ioreq_server_state(b->dm, (domid_t)b->domid, b->id, 0);
		xenforeignmemory_unmap_resource(b->fm, b->res);
		xendevicemodel_destroy_ioreq_server(b->dm, (domid_t)b->domid, b->id);
	}
	xenevtchn_close(b->xce);
	xendevicemodel_close(b->dm);
	xenforeignmemory_close(b->fm);
	memset(b, 0, sizeof(*b));
}

static void set_state(ioreq_t *r, unsigned int state)
{
	__sync_synchronize();
	r->state = state;
	__sync_synchronize();
}

static void handle(struct backend *b, unsigned int v)
{
	ioreq_t *r = &b->page->vcpu_ioreq[v];
	uint64_t off;

	if (r->state != STATE_IOREQ_READY) {
		b->spurious++;
		return;
	}
	__sync_synchronize();
	set_state(r, STATE_IOREQ_INPROCESS);
	if (r->type == IOREQ_TYPE_INVALIDATE) {
		b->invalidates++;
	} else if (r->type == IOREQ_TYPE_COPY) {
		off = r->addr - MMIO_BASE;
		if (r->dir == IOREQ_READ)
			r->data = off < MMIO_SIZE ? b->regs[off / 4] : 0;
		else if (off < MMIO_SIZE && r->size == 4)
			b->regs[off / 4] = (uint32_t)r->data;
		if (r->dir == IOREQ_READ && r->size < 8)
			r->data &= (1ULL << (r->size * 8)) - 1;
		if (r->dir == IOREQ_READ && b->mode == BE_HIGH_BITS)
			r->data |= 0xffff0000ULL;
	}
	b->handled++;
	b->served[v]++;
	switch (b->mode) {
	case BE_BACKWARDS:
		xenevtchn_notify(b->xce, b->local[v]);
		set_state(r, STATE_IOREQ_READY);
		break;
	case BE_BAD_STATE:
		set_state(r, 7);
		break;
	case BE_NONE:
		set_state(r, STATE_IOREQ_NONE);
		break;
	case BE_NO_COMPLETE:
		break;
	default:
		set_state(r, STATE_IORESP_READY);
		break;
	}
	xenevtchn_notify(b->xce, b->local[v]);
}

/* Serve events until vCPU v's requests served reach count, or 1 s. */
static void backend_serve(struct backend *b, unsigned int vcpu, unsigned int count)
{
	struct pollfd pfd = { .fd = xenevtchn_fd(b->xce), .events = POLLIN };
	int waited = 0, port;
	unsigned int v;

	while (b->served[vcpu] < count && waited < 1000) {
		if (poll(&pfd, 1, 10) <= 0) {
			waited += 10;
			continue;
		}
		while ((port = xenevtchn_pending(b->xce)) >= 0) {
			ck_assert_int_eq(xenevtchn_unmask(b->xce, (evtchn_port_t)port), 0);
			for (v = 0; v < b->vcpus; v++)
				if (b->local[v] == (evtchn_port_t)port)
					handle(b, v);
		}
		ck_assert_int_eq(errno, EAGAIN);
	}
}

static int mmio_via(struct backend *b, unsigned int vcpu, uint64_t addr, unsigned int size,
		    bool write, uint64_t *data)
{
	int t = sim_mmio_submit(sim, GUEST, vcpu, addr, size, write, data ? *data : 0, 2000);

	ck_assert_int_gt(t, 0);
	backend_serve(b, vcpu, b->served[vcpu] + 1);
	return sim_result(sim, t, data, NULL);
}

/* --- IOREQ ------------------------------------------------------------ */

START_TEST(ioreq_read_write)
{
	struct backend b;
	uint64_t data;
	unsigned int v;

	backend_setup(&b, GUEST);
	data = 0xdeadbeefcafef00dULL;	/* a read carries the register's old value */
	ck_assert_int_eq(mmio_via(&b, 0, MMIO_BASE, 4, false, &data), SIM_IO_OK);
	ck_assert_uint_eq(data, 0x74726976);
	data = 0xf;
	ck_assert_int_eq(mmio_via(&b, 1, MMIO_BASE + 0x70, 4, true, &data), SIM_IO_OK);
	ck_assert_uint_eq(b.regs[0x70 / 4], 0xf);
	data = 0;
	ck_assert_int_eq(mmio_via(&b, 1, MMIO_BASE + 0x70, 4, false, &data), SIM_IO_OK);
	ck_assert_uint_eq(data, 0xf);
	data = 0;
	ck_assert_int_eq(mmio_via(&b, 0, MMIO_BASE + 0x8, 1, false, &data), SIM_IO_OK);
	ck_assert_uint_eq(data, 32);
	ck_assert_uint_eq(b.handled, 4);
	/* Binding left each port pending (Xen does): spurious events. */
	ck_assert_uint_ge(b.spurious, 1);
	for (v = 0; v < VCPUS; v++) {
		ck_assert_uint_eq(b.page->vcpu_ioreq[v].vp_eport, b.eport[v]);
		ck_assert_uint_eq(b.page->vcpu_ioreq[v].state, STATE_IOREQ_NONE);
	}
	/* The whole access must lie in the range. */
	data = 0;
	ck_assert_int_eq(sim_mmio(sim, GUEST, 0, MMIO_BASE + MMIO_SIZE - 2, 4, false, &data, 500),
			 SIM_IO_UNHANDLED);
	ck_assert_uint_eq(info_of(GUEST).violations, 0);
	backend_close(&b);
	ck_assert_uint_eq(info_of(GUEST).ioreq_servers, 0);
	ck_assert_uint_eq(info_of(GUEST).resource_maps, 0);
}
END_TEST

START_TEST(ioreq_unhandled)
{
	struct backend b;
	uint64_t data = 0;

	ck_assert_int_eq(sim_mmio(sim, GUEST, 0, MMIO_BASE, 4, false, &data, 500),
			 SIM_IO_UNHANDLED);
	backend_setup(&b, GUEST);
	ck_assert_int_eq(sim_mmio(sim, GUEST, 0, MMIO_BASE + MMIO_SIZE, 4, false, &data, 500),
			 SIM_IO_UNHANDLED);
	/* A disabled server claims nothing. */
	ck_assert_int_eq(xendevicemodel_set_ioreq_server_state(b.dm, GUEST, b.id, 0), 0);
	ck_assert_int_eq(sim_mmio(sim, GUEST, 0, MMIO_BASE, 4, false, &data, 500),
			 SIM_IO_UNHANDLED);
	ck_assert_int_eq(sim_mmio(sim, GUEST, VCPUS, MMIO_BASE, 4, false, &data, 500), -EINVAL);
	ck_assert_int_eq(sim_mmio(sim, GUEST, 0, MMIO_BASE, 3, false, &data, 500), -EINVAL);
	backend_close(&b);
}
END_TEST

START_TEST(ioreq_timeout_hangs_vcpu)
{
	struct backend b;
	uint64_t data = 0;
	int t;

	backend_setup(&b, GUEST);
	ck_assert_int_eq(sim_mmio(sim, GUEST, 0, MMIO_BASE, 4, false, &data, 100), SIM_IO_TIMEOUT);
	ck_assert_int_eq(sim_vcpu_blocked(sim, GUEST, 0), 1);
	ck_assert_int_eq(sim_mmio(sim, GUEST, 0, MMIO_BASE, 4, false, &data, 100), SIM_IO_HUNG);
	/* vCPU 1 is not stuck behind vCPU 0. */
	ck_assert_int_eq(mmio_via(&b, 1, MMIO_BASE + 4, 4, false, &data), SIM_IO_OK);
	ck_assert_uint_eq(data, 2);
	/* A late answer still frees the vCPU. */
	backend_serve(&b, 0, 1);
	ck_assert_int_eq(sim_vcpu_blocked(sim, GUEST, 0), 0);
	ck_assert_int_eq(mmio_via(&b, 0, MMIO_BASE, 4, false, &data), SIM_IO_OK);
	/* A backend that takes the request and never answers hangs it too. */
	b.mode = BE_NO_COMPLETE;
	t = sim_mmio_submit(sim, GUEST, 0, MMIO_BASE, 4, false, 0, 200);
	backend_serve(&b, 0, b.served[0] + 1);
	ck_assert_int_eq(sim_result(sim, t, NULL, NULL), SIM_IO_TIMEOUT);
	ck_assert_uint_eq(info_of(GUEST).blocked_vcpus, 1);
	ck_assert_uint_eq(info_of(GUEST).violations, 0);
	backend_close(&b);
	/* Destroying the server releases the vCPU. */
	ck_assert_int_eq(sim_vcpu_blocked(sim, GUEST, 0), 0);
}
END_TEST

START_TEST(ioreq_invalidate)
{
	struct backend b;
	unsigned int acked = 0;
	int t;

	ck_assert_int_eq(sim_invalidate(sim, GUEST, 0, 500, &acked), SIM_IO_OK);
	ck_assert_uint_eq(acked, 0);
	backend_setup(&b, GUEST);
	t = sim_invalidate_submit(sim, GUEST, 1, 2000);
	ck_assert_int_gt(t, 0);
	backend_serve(&b, 1, 1);
	ck_assert_int_eq(sim_result(sim, t, NULL, &acked), SIM_IO_OK);
	ck_assert_uint_eq(acked, 1);
	ck_assert_uint_eq(b.invalidates, 1);
	/* Not acked: the vCPU hangs. */
	ck_assert_int_eq(sim_invalidate(sim, GUEST, 0, 100, &acked), SIM_IO_TIMEOUT);
	ck_assert_int_eq(sim_vcpu_blocked(sim, GUEST, 0), 1);
	backend_close(&b);
}
END_TEST

START_TEST(ioreq_irq_level)
{
	struct backend b;

	backend_setup(&b, GUEST);
	ck_assert_int_eq(sim_spi_count(sim, GUEST, SPI), 0);
	ck_assert_int_eq(xendevicemodel_set_irq_level(b.dm, GUEST, SPI, 1), 0);
	ck_assert_int_eq(xendevicemodel_set_irq_level(b.dm, GUEST, SPI, 0), 0);
	ck_assert_int_eq(xendevicemodel_set_irq_level(b.dm, GUEST, SPI, 1), 0);
	ck_assert_int_eq(sim_spi_count(sim, GUEST, SPI), 2);
	ck_assert_int_eq(sim_spi_wait(sim, GUEST, SPI, 2, 100), 0);
	ck_assert_int_eq(sim_spi_wait(sim, GUEST, SPI, 3, 50), -ETIMEDOUT);
	errno = 0;
	ck_assert_int_eq(xendevicemodel_set_irq_level(b.dm, GUEST, 31, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(xendevicemodel_set_irq_level(b.dm, GUEST, 32 + NR_SPIS, 1), -1);
	ck_assert_int_eq(xendevicemodel_set_irq_level(b.dm, GUEST, SPI, 2), -1);
	ck_assert_int_eq(xendevicemodel_set_irq_level(b.dm, GUEST, 32 + NR_SPIS - 1, 1), 0);
	ck_assert_int_eq(sim_spi_count(sim, GUEST, 32 + NR_SPIS - 1), 1);
	ck_assert_int_eq(xendevicemodel_set_irq_level(b.dm, 77, SPI, 1), -1);
	ck_assert_int_eq(errno, ESRCH);
	backend_close(&b);
}
END_TEST

START_TEST(ioreq_setup_rules)
{
	xendevicemodel_handle *dm = xendevicemodel_open(NULL, 0);
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	xenforeignmemory_resource_handle *r1, *r2;
	shared_iopage_t *p1 = NULL, *p2 = NULL;
	ioservid_t a, b, ids[8];
	unsigned int v, i;
	uint64_t data = 0;

	ck_assert_int_eq(xendevicemodel_create_ioreq_server(dm, GUEST, HVM_IOREQSRV_BUFIOREQ_ATOMIC,
							    &a), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* Page mapped before enable: Xen writes the ports into it. */
	ck_assert_int_eq(xendevicemodel_create_ioreq_server(dm, GUEST, 0, &a), 0);
	r1 = xenforeignmemory_map_resource(fm, GUEST, XENMEM_resource_ioreq_server, a,
					   XENMEM_resource_ioreq_server_frame_ioreq(0), 1,
					   (void **)&p1, PROT_READ | PROT_WRITE, 0);
	ck_assert_ptr_nonnull(r1);
	ck_assert_int_eq(xendevicemodel_set_ioreq_server_state(dm, GUEST, a, 1), 0);
	for (v = 0; v < VCPUS; v++)
		ck_assert_uint_ne(p1->vcpu_ioreq[v].vp_eport, 0);
	/* Enabled first, mapped after: the page never gets them. */
	ck_assert_int_eq(xendevicemodel_create_ioreq_server(dm, GUEST, 0, &b), 0);
	ck_assert_int_eq(xendevicemodel_set_ioreq_server_state(dm, GUEST, b, 1), 0);
	r2 = xenforeignmemory_map_resource(fm, GUEST, XENMEM_resource_ioreq_server, b,
					   XENMEM_resource_ioreq_server_frame_ioreq(0), 1,
					   (void **)&p2, PROT_READ | PROT_WRITE, 0);
	ck_assert_ptr_nonnull(r2);
	for (v = 0; v < VCPUS; v++)
		ck_assert_uint_eq(p2->vcpu_ioreq[v].vp_eport, 0);
	/* Xen refuses to send through such a slot: the access is unhandled. */
	ck_assert_int_eq(xendevicemodel_map_io_range_to_ioreq_server(dm, GUEST, b, 1, MMIO_BASE,
								     MMIO_BASE + 0x1ff), 0);
	ck_assert_int_eq(sim_mmio(sim, GUEST, 0, MMIO_BASE, 4, false, &data, 200),
			 SIM_IO_UNHANDLED);
	ck_assert_int_eq(info_of(GUEST).last_violation, SIM_V_BAD_EPORT);
	/* Overlaps are refused within a server, not across servers. */
	ck_assert_int_eq(xendevicemodel_map_io_range_to_ioreq_server(dm, GUEST, b, 1,
								     MMIO_BASE + 0x100,
								     MMIO_BASE + 0x2ff), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(xendevicemodel_map_io_range_to_ioreq_server(dm, GUEST, a, 1, MMIO_BASE,
								     MMIO_BASE + 0x1ff), 0);
	ck_assert_int_eq(xendevicemodel_map_io_range_to_ioreq_server(dm, GUEST, a, 1, 0x10, 0x0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(xendevicemodel_unmap_io_range_from_ioreq_server(dm, GUEST, a, 1,
									 MMIO_BASE + 0x400,
									 MMIO_BASE + 0x4ff), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(xendevicemodel_unmap_io_range_from_ioreq_server(dm, GUEST, a, 1,
									 MMIO_BASE,
									 MMIO_BASE + 0x1ff), 0);
	/* Resource rules: only frame_ioreq(0), one frame, of a real server. */
	ck_assert_ptr_null(xenforeignmemory_map_resource(fm, GUEST, XENMEM_resource_ioreq_server, a,
							 XENMEM_resource_ioreq_server_frame_bufioreq,
							 1, (void **)&p2, PROT_READ, 0));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(xenforeignmemory_map_resource(fm, GUEST, XENMEM_resource_ioreq_server, 7,
							 XENMEM_resource_ioreq_server_frame_ioreq(0),
							 1, (void **)&p2, PROT_READ, 0));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_uint_eq(info_of(GUEST).resource_maps, 2);
	/* Eight servers per domain. */
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(xendevicemodel_create_ioreq_server(dm, GUEST, 0, &ids[i]), 0);
	ck_assert_int_eq(xendevicemodel_create_ioreq_server(dm, GUEST, 0, &ids[6]), -1);
	ck_assert_int_eq(errno, ENOSPC);
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(xendevicemodel_destroy_ioreq_server(dm, GUEST, ids[i]), 0);
	ck_assert_int_eq(xendevicemodel_destroy_ioreq_server(dm, GUEST, ids[0]), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(xenforeignmemory_unmap_resource(fm, r1), 0);
	ck_assert_int_eq(xenforeignmemory_unmap_resource(fm, r2), 0);
	ck_assert_uint_eq(info_of(GUEST).resource_maps, 0);
	xendevicemodel_close(dm);
	xenforeignmemory_close(fm);
}
END_TEST

START_TEST(ioreq_highest_id_wins)
{
	struct backend lo, hi;
	uint64_t data = 0;
	int t;

	backend_setup(&lo, GUEST);
	backend_setup(&hi, GUEST);
	ck_assert_uint_gt(hi.id, lo.id);
	hi.regs[0] = 0x1234;
	t = sim_mmio_submit(sim, GUEST, 0, MMIO_BASE, 4, false, 0, 2000);
	backend_serve(&hi, 0, 1);
	ck_assert_int_eq(sim_result(sim, t, &data, NULL), SIM_IO_OK);
	ck_assert_uint_eq(data, 0x1234);
	ck_assert_uint_eq(lo.handled, 0);
	/* Both get the invalidation. */
	t = sim_invalidate_submit(sim, GUEST, 0, 2000);
	backend_serve(&hi, 0, 2);
	backend_serve(&lo, 0, 1);
	ck_assert_int_eq(sim_result(sim, t, NULL, NULL), SIM_IO_OK);
	ck_assert_uint_eq(hi.invalidates + lo.invalidates, 2);
	backend_close(&hi);
	backend_close(&lo);
}
END_TEST

static void weird(enum be_mode mode, int outcome, enum sim_violation v, bool crash)
{
	struct backend b;
	struct sim_domain_info info;
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xc_domaininfo_t di;
	uint64_t data = 0;
	int t;

	backend_setup(&b, GUEST);
	b.mode = mode;
	t = sim_mmio_submit(sim, GUEST, 1, MMIO_BASE + 0x4, 2, false, 0, 500);
	backend_serve(&b, 1, 1);
	ck_assert_int_eq(sim_result(sim, t, &data, NULL), outcome);
	info = info_of(GUEST);
	ck_assert_uint_eq(info.violations, 1);
	ck_assert_int_eq(info.last_violation, v);
	ck_assert_int_eq(info.crashed, crash);
	ck_assert_int_eq(xc_domain_getinfolist(xch, GUEST, 1, &di), 1);
	ck_assert_int_eq(!!(di.flags & XEN_DOMINF_shutdown), crash);
	if (crash) {
		ck_assert_uint_eq(shutdown_reason(&di), SHUTDOWN_crash);
		ck_assert_int_eq(sim_mmio(sim, GUEST, 0, MMIO_BASE, 4, false, &data, 100),
				 -ESHUTDOWN);
	}
	if (mode == BE_NONE)
		ck_assert_uint_eq(data, 0xffff);
	if (mode == BE_HIGH_BITS)
		ck_assert_uint_eq(data, 2);
	xc_interface_close(xch);
	backend_close(&b);
}

START_TEST(ioreq_weird_backwards)
{
	weird(BE_BACKWARDS, SIM_IO_CRASHED, SIM_V_BACKWARDS, true);
}
END_TEST

START_TEST(ioreq_weird_state)
{
	weird(BE_BAD_STATE, SIM_IO_CRASHED, SIM_V_BAD_STATE, true);
}
END_TEST

START_TEST(ioreq_weird_none)
{
	weird(BE_NONE, SIM_IO_ABANDONED, SIM_V_ABANDONED, false);
}
END_TEST

START_TEST(ioreq_weird_high_bits)
{
	weird(BE_HIGH_BITS, SIM_IO_OK, SIM_V_READ_HIGH_BITS, false);
}
END_TEST

/* The daemon dies (its process exits without cleaning up) and a new one
 * takes over the server it left behind, as Xen allows. */
START_TEST(ioreq_backend_restart)
{
	struct sim_port_info pi;
	struct backend b;
	uint64_t data = 0;
	ioservid_t id;
	int pfd[2], status, i, t;
	unsigned int v;
	pid_t pid;
	char c;

	ck_assert_int_eq(pipe(pfd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		backend_setup(&b, GUEST);
		c = (char)b.id;
		if (write(pfd[1], &c, 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	ck_assert_int_eq(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	id = (ioservid_t)c;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	for (i = 0; i < 500 && info_of(GUEST).resource_maps; i++)
		usleep(2000);
	ck_assert_uint_eq(info_of(GUEST).resource_maps, 0);
	/* The server outlived its emulator, still enabled, still claiming. */
	ck_assert_uint_eq(info_of(GUEST).ioreq_servers, 1);
	ck_assert_uint_eq(info_of(GUEST).ioreq_servers_enabled, 1);
	/* Its vCPU channels wait for dom0 again; the guest's access hangs. */
	t = sim_mmio_submit(sim, GUEST, 0, MMIO_BASE, 4, false, 0, 100);
	ck_assert_int_eq(sim_result(sim, t, NULL, NULL), SIM_IO_TIMEOUT);
	/* The new daemon binds the same ports and finds the request waiting. */
	backend_open(&b, GUEST);
	b.vcpus = VCPUS;
	backend_attach(&b, id);
	for (v = 0; v < VCPUS; v++) {
		ck_assert_int_eq(sim_port_info(sim, GUEST, b.eport[v], &pi), 0);
		ck_assert_int_eq(pi.state, SIM_PORT_INTERDOMAIN);
		ck_assert_uint_eq(pi.remote_port, b.local[v]);
	}
	backend_serve(&b, 0, 1);
	ck_assert_uint_eq(b.served[0], 1);
	ck_assert_int_eq(sim_vcpu_blocked(sim, GUEST, 0), 0);
	ck_assert_int_eq(mmio_via(&b, 0, MMIO_BASE, 4, false, &data), SIM_IO_OK);
	ck_assert_uint_eq(data, 0x74726976);
	backend_close(&b);
}
END_TEST

/* --- event channels --------------------------------------------------- */

START_TEST(evtchn_rules)
{
	xenevtchn_handle *xce = xenevtchn_open(NULL, 0), *other = xenevtchn_open(NULL, 0);
	struct sim_port_info pi;
	int gport, lport, p, fd;
	struct pollfd pfd;

	ck_assert_ptr_nonnull(xce);
	fd = xenevtchn_fd(xce);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	ck_assert_int_eq(xenevtchn_pending(xce), -1);
	ck_assert_int_eq(errno, EAGAIN);
	/* Only the domain chosen as remote may bind. */
	gport = sim_evtchn_alloc_unbound(sim, GUEST, OTHER);
	ck_assert_int_gt(gport, 0);
	ck_assert_int_eq(xenevtchn_bind_interdomain(xce, GUEST, (evtchn_port_t)gport), -1);
	ck_assert_int_eq(errno, EINVAL);
	gport = sim_evtchn_alloc_unbound(sim, GUEST, 0);
	ck_assert_int_eq(xenevtchn_bind_interdomain(xce, 99, (evtchn_port_t)gport), -1);
	ck_assert_int_eq(errno, ESRCH);
	lport = xenevtchn_bind_interdomain(xce, GUEST, (evtchn_port_t)gport);
	ck_assert_int_gt(lport, 0);
	ck_assert_int_eq(xenevtchn_bind_interdomain(xce, GUEST, (evtchn_port_t)gport), -1);
	/* Pending at bind; masked once taken, until unmasked. */
	ck_assert_int_eq(poll(&pfd, 1, 1000), 1);
	ck_assert_int_eq(xenevtchn_pending(xce), lport);
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	ck_assert_int_eq(xenevtchn_notify(xce, (evtchn_port_t)lport), 0);
	ck_assert_int_eq(sim_port_info(sim, GUEST, (uint32_t)gport, &pi), 0);
	ck_assert_uint_eq(pi.events, 1);
	ck_assert_int_eq(pi.state, SIM_PORT_INTERDOMAIN);
	/* Not our port. */
	ck_assert_int_eq(xenevtchn_notify(other, (evtchn_port_t)lport), -1);
	ck_assert_int_eq(xenevtchn_unbind(other, (evtchn_port_t)lport), -1);
	ck_assert_int_eq(xenevtchn_unmask(xce, (evtchn_port_t)lport), 0);
	ck_assert_int_eq(xenevtchn_pending(xce), -1);
	/* Closing the handle closes the channel; the guest's end is unbound again. */
	xenevtchn_close(xce);
	for (p = 0; p < 100; p++) {
		ck_assert_int_eq(sim_port_info(sim, GUEST, (uint32_t)gport, &pi), 0);
		if (pi.state == SIM_PORT_UNBOUND)
			break;
		usleep(1000);
	}
	ck_assert_int_eq(pi.state, SIM_PORT_UNBOUND);
	ck_assert_uint_eq(pi.remote_dom, 0);
	ck_assert_int_gt(xenevtchn_bind_virq(other, VIRQ_DOM_EXC), 0);
	ck_assert_int_eq(xenevtchn_bind_virq(other, VIRQ_DOM_EXC), -1);
	ck_assert_int_eq(errno, EEXIST);
	xenevtchn_close(other);
}
END_TEST

/* --- grants ----------------------------------------------------------- */

START_TEST(grant_map)
{
	xengnttab_handle *xgt = xengnttab_open(NULL, 0);
	uint64_t gfn_a = RAM0_PFN + 16, gfn_b = RAM0_PFN + 40;
	uint32_t refs[2] = { 10, 11 }, ro = 12, elsewhere = 13;
	char *a = sim_gpa(sim, GUEST, gfn_a << 12, SIM_PAGE_SIZE);
	char *bp = sim_gpa(sim, GUEST, gfn_b << 12, SIM_PAGE_SIZE);
	char *p;

	ck_assert_ptr_nonnull(xgt);
	ck_assert_ptr_nonnull(a);
	strcpy(a, "page a");
	strcpy(bp, "page b");
	/* Consecutive grefs of scattered pages: one contiguous view. */
	ck_assert_int_eq(sim_grant(sim, GUEST, refs[0], gfn_a, 0, false), 0);
	ck_assert_int_eq(sim_grant(sim, GUEST, refs[1], gfn_b, 0, false), 0);
	p = xengnttab_map_domain_grant_refs(xgt, 2, GUEST, refs, PROT_READ | PROT_WRITE);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, "page a");
	ck_assert_str_eq(p + SIM_PAGE_SIZE, "page b");
	strcpy(p + SIM_PAGE_SIZE + 100, "from the backend");
	ck_assert_str_eq(bp + 100, "from the backend");
	ck_assert_uint_eq(info_of(GUEST).grant_maps, 2);
	/* The guest cannot take back what the backend maps. */
	ck_assert_int_eq(sim_revoke(sim, GUEST, refs[0]), -EBUSY);
	ck_assert_int_eq(xengnttab_unmap(xgt, p, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(xengnttab_unmap(xgt, p, 2), 0);
	ck_assert_uint_eq(info_of(GUEST).grant_maps, 0);
	ck_assert_int_eq(sim_revoke(sim, GUEST, refs[0]), 0);
	p = xengnttab_map_grant_ref(xgt, GUEST, refs[0], PROT_READ);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(errno, EINVAL);

	/* Read-only grant: readable, never writable. */
	ck_assert_int_eq(sim_grant(sim, GUEST, ro, gfn_a, 0, true), 0);
	p = xengnttab_map_grant_ref(xgt, GUEST, ro, PROT_READ);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, "page a");
	ck_assert_int_eq(xengnttab_unmap(xgt, p, 1), 0);
	ck_assert_ptr_null(xengnttab_map_grant_ref(xgt, GUEST, ro, PROT_READ | PROT_WRITE));
	ck_assert_int_eq(errno, EINVAL);
	/* All or nothing: one bad ref fails the whole call. */
	refs[1] = ro;
	ck_assert_ptr_null(xengnttab_map_domain_grant_refs(xgt, 2, GUEST, refs, PROT_READ | PROT_WRITE));
	/* Granted to another domain. */
	ck_assert_int_eq(sim_grant(sim, GUEST, elsewhere, gfn_a, OTHER, false), 0);
	ck_assert_ptr_null(xengnttab_map_grant_ref(xgt, GUEST, elsewhere, PROT_READ));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(xengnttab_map_grant_ref(xgt, 42, 1, PROT_READ));
	ck_assert_uint_eq(info_of(GUEST).grant_maps, 0);
	/* Outside guest RAM cannot be granted. */
	ck_assert_int_eq(sim_grant(sim, GUEST, 20, RAM0_PFN + 4096, 0, false), -EINVAL);
	xengnttab_close(xgt);
}
END_TEST

START_TEST(grant_copy)
{
	xengnttab_handle *xgt = xengnttab_open(NULL, 0);
	uint64_t gfn = RAM0_PFN + 3;
	char *g = sim_gpa(sim, GUEST, gfn << 12, SIM_PAGE_SIZE);
	xengnttab_grant_copy_segment_t seg[4];
	char buf[64] = { 0 };

	ck_assert_int_eq(sim_grant(sim, GUEST, 30, gfn, 0, false), 0);
	ck_assert_int_eq(sim_grant(sim, GUEST, 31, gfn, 0, true), 0);
	strcpy(g + 200, "guest data");
	memset(seg, 0, sizeof(seg));
	/* Guest to us, through the read-only grant. */
	seg[0].flags = GNTCOPY_source_gref;
	seg[0].source.foreign.domid = GUEST;
	seg[0].source.foreign.ref = 31;
	seg[0].source.foreign.offset = 200;
	seg[0].dest.virt = buf;
	seg[0].len = 11;
	/* Us to the guest. */
	seg[1].flags = GNTCOPY_dest_gref;
	seg[1].dest.foreign.domid = GUEST;
	seg[1].dest.foreign.ref = 30;
	seg[1].dest.foreign.offset = 4000;
	seg[1].source.virt = "response";
	seg[1].len = 9;
	/* Into a read-only grant: refused, like Xen's write-pin of r/o. */
	seg[2] = seg[1];
	seg[2].dest.foreign.ref = 31;
	/* A ref never granted. */
	seg[3] = seg[1];
	seg[3].dest.foreign.ref = 99999;
	ck_assert_int_eq(xengnttab_grant_copy(xgt, 4, seg), 0);
	ck_assert_int_eq(seg[0].status, GNTST_okay);
	ck_assert_str_eq(buf, "guest data");
	ck_assert_int_eq(seg[1].status, GNTST_okay);
	ck_assert_str_eq(g + 4000, "response");
	ck_assert_int_eq(seg[2].status, GNTST_general_error);
	ck_assert_int_eq(seg[3].status, GNTST_bad_gntref);
	seg[3].dest.foreign.ref = 777;
	seg[3].dest.foreign.domid = 55;
	ck_assert_int_eq(xengnttab_grant_copy(xgt, 1, &seg[3]), 0);
	ck_assert_int_eq(seg[3].status, GNTST_bad_domain);
	/* A grant side crossing its page fails the whole batch. */
	seg[1].dest.foreign.offset = 4090;
	ck_assert_int_eq(xengnttab_grant_copy(xgt, 2, seg), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(info_of(GUEST).grant_maps, 0);
	xengnttab_close(xgt);
}
END_TEST

/* Mappings belong to the process, not the handle, as with gntdev. */
START_TEST(grant_map_outlives_handle)
{
	xengnttab_handle *xgt;
	uint32_t ref = 5;
	pid_t pid;
	int status, i;

	ck_assert_int_eq(sim_grant(sim, GUEST, ref, RAM0_PFN, 0, false), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		xgt = xengnttab_open(NULL, 0);
		if (!xgt || !xengnttab_map_grant_ref(xgt, GUEST, ref, PROT_READ))
			_exit(1);
		xengnttab_close(xgt);
		/* Leaked mapping: still counted while we live. */
		usleep(300 * 1000);
		_exit(0);
	}
	for (i = 0; i < 200 && info_of(GUEST).grant_maps != 1; i++)
		usleep(1000);
	ck_assert_uint_eq(info_of(GUEST).grant_maps, 1);
	usleep(50 * 1000);
	ck_assert_uint_eq(info_of(GUEST).grant_maps, 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	for (i = 0; i < 500 && info_of(GUEST).grant_maps; i++)
		usleep(1000);
	ck_assert_uint_eq(info_of(GUEST).grant_maps, 0);
}
END_TEST

/* --- foreign mappings -------------------------------------------------- */

START_TEST(foreign_map)
{
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	xen_pfn_t pfns[3] = { RAM0_PFN, RAM0_PFN + 1, RAM0_PFN + 100 };
	size_t ram_size;
	char *ram = sim_ram(sim, GUEST, &ram_size), *p;
	int err[3] = { 7, 7, 7 };

	ck_assert_uint_eq(ram_size, 16 << 20);
	strcpy(ram + 100 * SIM_PAGE_SIZE, "hundredth page");
	p = xenforeignmemory_map(fm, GUEST, PROT_READ | PROT_WRITE, 3, pfns, err);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(err[0] | err[1] | err[2], 0);
	ck_assert_str_eq(p + 2 * SIM_PAGE_SIZE, "hundredth page");
	strcpy(p + SIM_PAGE_SIZE, "written by dom0");
	ck_assert_str_eq(ram + SIM_PAGE_SIZE, "written by dom0");
	ck_assert_uint_eq(info_of(GUEST).foreign_pages, 3);
	ck_assert_int_eq(xenforeignmemory_unmap(fm, p, 3), 0);
	ck_assert_uint_eq(info_of(GUEST).foreign_pages, 0);

	/* Outside RAM: per-page errors with an array, whole failure without. */
	pfns[1] = RAM0_PFN + 4096;
	pfns[2] = 0x2000;
	p = xenforeignmemory_map(fm, GUEST, PROT_READ, 3, pfns, err);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(err[0], 0);
	ck_assert_int_eq(err[1], -EINVAL);
	ck_assert_int_eq(err[2], -EINVAL);
	ck_assert_uint_eq(info_of(GUEST).foreign_pages, 1);
	ck_assert_int_eq(xenforeignmemory_unmap(fm, p, 3), 0);
	ck_assert_ptr_null(xenforeignmemory_map(fm, GUEST, PROT_READ, 3, pfns, NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(xenforeignmemory_map(fm, 0, PROT_READ, 1, pfns, NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(xenforeignmemory_map(fm, 66, PROT_READ, 1, pfns, NULL));
	ck_assert_int_eq(errno, ESRCH);
	ck_assert_uint_eq(info_of(GUEST).foreign_pages, 0);
	xenforeignmemory_close(fm);
}
END_TEST

/* A driver domain is no device model until made the guest's target. */
START_TEST(driver_domain_rights)
{
	struct sim_domain_config cfg = { .domid = OTHER, .name = "driver", .vcpus = 1, .ram_mib = 4 };
	xenforeignmemory_handle *fm;
	xendevicemodel_handle *dm;
	xen_pfn_t pfn = RAM0_PFN;
	unsigned int n;
	void *p;

	ck_assert_int_eq(sim_domain_create(sim, &cfg), 0);
	setenv("SIMXEN_DOMID", "2", 1);
	fm = xenforeignmemory_open(NULL, 0);
	dm = xendevicemodel_open(NULL, 0);
	unsetenv("SIMXEN_DOMID");
	ck_assert_int_eq(xendevicemodel_nr_vcpus(dm, GUEST, &n), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_ptr_null(xenforeignmemory_map(fm, GUEST, PROT_READ, 1, &pfn, NULL));
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(sim_domain_set_target(sim, GUEST, OTHER), 0);
	ck_assert_int_eq(xendevicemodel_nr_vcpus(dm, GUEST, &n), 0);
	p = xenforeignmemory_map(fm, GUEST, PROT_READ, 1, &pfn, NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(xenforeignmemory_unmap(fm, p, 1), 0);
	xendevicemodel_close(dm);
	xenforeignmemory_close(fm);
}
END_TEST

/* --- domains ---------------------------------------------------------- */

START_TEST(domain_info_shutdown)
{
	struct sim_domain_config cfg = { .domid = 5, .name = "five", .vcpus = 4, .ram_mib = 8 };
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xc_domaininfo_t di[4];
	uint64_t data = 0;

	ck_assert_ptr_nonnull(xch);
	ck_assert_int_eq(sim_domain_create(sim, &cfg), 0);
	ck_assert_int_eq(sim_domain_create(sim, &cfg), -EEXIST);
	memset(di, 0xa5, sizeof(di));
	ck_assert_int_eq(xc_domain_getinfolist(xch, 0, 4, di), 3);
	ck_assert_uint_eq(di[0].domain, 0);
	ck_assert_uint_eq(di[1].domain, GUEST);
	ck_assert_uint_eq(di[2].domain, 5);
	ck_assert_uint_eq(di[2].nr_online_vcpus, 4);
	ck_assert_uint_eq(di[2].max_vcpu_id, 3);
	ck_assert_uint_eq(di[2].tot_pages, 8 * 256);
	ck_assert_uint_eq(di[2].flags & (XEN_DOMINF_hvm_guest | XEN_DOMINF_running | XEN_DOMINF_dying |
					 XEN_DOMINF_shutdown | XEN_DOMINF_paused),
			  XEN_DOMINF_hvm_guest | XEN_DOMINF_running);
	/* The first domains with an id at or above the one asked. */
	ck_assert_int_eq(xc_domain_getinfolist(xch, 2, 1, di), 1);
	ck_assert_uint_eq(di[0].domain, 5);
	ck_assert_int_eq(xc_domain_getinfolist(xch, 6, 1, di), 0);
#if SIMXEN_HAVE_XC_DOMAIN_GETINFO_SINGLE
	/* Xen 4.18+'s query, which that xenstored makes: that domain or ESRCH. */
	ck_assert_int_eq(xc_domain_getinfo_single(xch, 5, di), 0);
	ck_assert_uint_eq(di[0].domain, 5);
	ck_assert_int_eq(xc_domain_getinfo_single(xch, 2, di), -1);
	ck_assert_int_eq(errno, ESRCH);
#endif
#if SIMXEN_HAVE_XC_DOMINFO
	{
		/* Xen 4.17's query, which that xenstored makes. */
		xc_dominfo_t old;

		ck_assert_int_eq(xc_domain_getinfo(xch, 2, 1, &old), 1);
		ck_assert_uint_eq(old.domid, 5);
		ck_assert_uint_eq(old.nr_online_vcpus, 4);
		ck_assert_int_eq(old.running, 1);
	}
#endif

	ck_assert_int_eq(xc_domain_shutdown(xch, GUEST, SHUTDOWN_reboot), 0);
	ck_assert_int_eq(xc_domain_shutdown(xch, GUEST, SHUTDOWN_poweroff), 0);
	ck_assert_int_eq(xc_domain_getinfolist(xch, GUEST, 1, di), 1);
	ck_assert(di[0].flags & XEN_DOMINF_shutdown);
	ck_assert(!(di[0].flags & XEN_DOMINF_running));
	ck_assert_uint_eq(shutdown_reason(&di[0]), SHUTDOWN_reboot);
	ck_assert_int_eq(sim_mmio(sim, GUEST, 0, MMIO_BASE, 4, false, &data, 100), -ESHUTDOWN);
	ck_assert_int_eq(xc_domain_shutdown(xch, 77, SHUTDOWN_poweroff), -1);
	ck_assert_int_eq(errno, ESRCH);
	ck_assert_int_eq(xc_domain_shutdown(xch, 5, 99), -1);
	ck_assert_int_eq(errno, EINVAL);
	xc_interface_close(xch);
}
END_TEST

static bool dom_exc_within(xenevtchn_handle *xce, int port, int ms)
{
	struct pollfd pfd = { .fd = xenevtchn_fd(xce), .events = POLLIN };

	if (poll(&pfd, 1, ms) != 1)
		return false;
	ck_assert_int_eq(xenevtchn_pending(xce), port);
	ck_assert_int_eq(xenevtchn_unmask(xce, (evtchn_port_t)port), 0);
	return true;
}

START_TEST(domain_destroy)
{
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	xenforeignmemory_handle *fm = xenforeignmemory_open(NULL, 0);
	xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
	xen_pfn_t pfn = RAM0_PFN;
	struct sim_port_info pi;
	struct backend b;
	xc_domaininfo_t di;
	int virq, n;
	void *p;

	virq = xenevtchn_bind_virq(xce, VIRQ_DOM_EXC);
	ck_assert_int_gt(virq, 0);
	backend_setup(&b, GUEST);
	p = xenforeignmemory_map(fm, GUEST, PROT_READ, 1, &pfn, NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(sim_domain_destroy(sim, GUEST), 0);
	ck_assert(dom_exc_within(xce, virq, 1000));
	/* Dying while we map its memory (the ioreq page and one RAM page). */
	ck_assert_int_eq(xc_domain_getinfolist(xch, GUEST, 1, &di), 1);
	ck_assert_uint_eq(di.domain, GUEST);
	ck_assert(di.flags & XEN_DOMINF_dying);
	ck_assert_uint_eq(info_of(GUEST).ioreq_servers, 0);
	ck_assert_int_eq(sim_port_info(sim, 0, b.local[0], &pi), 0);
	ck_assert_int_eq(pi.state, SIM_PORT_UNBOUND);
	ck_assert_int_eq(xendevicemodel_nr_vcpus(b.dm, GUEST, &b.vcpus), -1);
	ck_assert_int_eq(errno, ESRCH);
	ck_assert_int_eq(sim_domain_destroy(sim, GUEST), -ESRCH);
	ck_assert_int_eq(xenforeignmemory_unmap(fm, p, 1), 0);
	ck_assert(!dom_exc_within(xce, virq, 50));
	/* The daemon's own teardown, against a dead domain, undoes the rest. */
	backend_close(&b);
	ck_assert_int_eq(sim_domain_wait_gone(sim, GUEST, 1000), 0);
	ck_assert(dom_exc_within(xce, virq, 1000));
	/* gone: the next domain up, if any, is another one */
	n = xc_domain_getinfolist(xch, GUEST, 1, &di);
	ck_assert(n == 0 || (n == 1 && di.domain != GUEST));
	xenevtchn_close(xce);
	xenforeignmemory_close(fm);
	xc_interface_close(xch);
}
END_TEST

/* --- no hypervisor ---------------------------------------------------- */

START_TEST(no_socket)
{
	char path[] = "/tmp/simxen-quiet-XXXXXX";
	int fd = mkstemp(path), out = dup(1), err = dup(2);
	struct stat st;

	ck_assert_int_ge(fd, 0);
	unsetenv("SIMXEN_SOCKET");
	fflush(stdout);
	fflush(stderr);
	dup2(fd, 1);
	dup2(fd, 2);
	errno = 0;
	ck_assert_ptr_null(xenevtchn_open(NULL, 0));
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_ptr_null(xendevicemodel_open(NULL, 0));
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_ptr_null(xenforeignmemory_open(NULL, 0));
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_ptr_null(xengnttab_open(NULL, 0));
	ck_assert_int_eq(errno, ENOENT);
	errno = 0;
	ck_assert_ptr_null(xc_interface_open(NULL, NULL, 0));
	ck_assert_int_eq(errno, ENOENT);
	setenv("SIMXEN_SOCKET", "/nonexistent/simxen.sock", 1);
	ck_assert_ptr_null(xenevtchn_open(NULL, 0));
	ck_assert_int_eq(errno, ENOENT);
	unsetenv("SIMXEN_SOCKET");
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	ck_assert_int_eq(fstat(fd, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	close(fd);
	close(out);
	close(err);
	unlink(path);
}
END_TEST

/* --- a broken client -------------------------------------------------- */

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, sim_socket(sim));
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

START_TEST(broken_clients)
{
	static const uint64_t junk[] = { 0, 1, 7, 0xffffffffULL, 0x7ff0, 1ULL << 40, ~0ULL };
	struct sim_domain_config cfg = { .domid = 100, .vcpus = 1, .ram_mib = 1 };
	uint64_t msg[8 + 6 + 64];
	struct timeval tv = { .tv_sec = 1 };
	xenevtchn_handle *xce;
	uint32_t op;
	size_t i, j;
	int fd;

	/* Short, truncated, lying lengths, no hello. */
	fd = raw_connect();
	ck_assert_int_eq(send(fd, "abc", 3, 0), 3);
	memset(msg, 0xff, sizeof(msg));
	ck_assert_int_gt(send(fd, msg, 24, 0), 0);
	ck_assert_int_gt(send(fd, msg, sizeof(msg), 0), 0);
	close(fd);
	/* Every op with hostile arguments, after a hello. */
	for (op = 0; op < 48; op++) {
		for (j = 0; j < sizeof(junk) / sizeof(junk[0]); j++) {
			fd = raw_connect();
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			/* op, seq, ret, len; then 8 arguments; then data */
			memset(msg, 0, sizeof(msg));
			msg[0] = 1;				/* hello */
			msg[2] = 1;				/* version */
			msg[3] = j & 1 ? 0 : GUEST;		/* domid */
			ck_assert_int_gt(send(fd, msg, 16 + 64, 0), 0);
			ck_assert_int_gt(recv(fd, msg, sizeof(msg), 0), 0);
			memset(msg, 0, sizeof(msg));
			msg[0] = op;
			msg[1] = 64ULL << 32;			/* len */
			for (i = 2; i < sizeof(msg) / 8; i++)
				msg[i] = junk[(i + j) % (sizeof(junk) / sizeof(junk[0]))];
			ck_assert_int_gt(send(fd, msg, 16 + 64 + 64, 0), 0);
			/* Some ops wait (vCPU accesses, SPIs): do not read. */
			if (j & 1)
				close(fd);
			else {
				recv(fd, msg, sizeof(msg), MSG_DONTWAIT);
				close(fd);
			}
		}
	}
	ck_assert_int_eq(kill(sim_pid(sim), 0), 0);
	/* Still serving. */
	xce = xenevtchn_open(NULL, 0);
	ck_assert_ptr_nonnull(xce);
	xenevtchn_close(xce);
	ck_assert_int_eq(sim_domain_create(sim, &cfg), 0);
	ck_assert_int_eq(sim_domain_destroy(sim, cfg.domid), 0);
	ck_assert_int_eq(sim_domain_wait_gone(sim, cfg.domid, 2000), 0);
}
END_TEST

/* --- the real xenstored ------------------------------------------------ */

static bool watch_fires(struct xs_handle *xsh, const char *path, const char *token, int ms)
{
	struct pollfd pfd = { .fd = xs_fileno(xsh), .events = POLLIN };
	unsigned int n;
	char **ev;
	bool hit = false;

	while (!hit && poll(&pfd, 1, ms) == 1) {
		ev = xs_read_watch(xsh, &n);
		if (!ev)
			break;
		hit = !strcmp(ev[XS_WATCH_PATH], path) && !strcmp(ev[XS_WATCH_TOKEN], token);
		free(ev);
	}
	return hit;
}

START_TEST(xenstored_fixture)
{
	struct sim_xenstored *xs;
	struct xs_handle *xsh;
	unsigned int len;
	uint32_t port;
	uint64_t gfn;
	char *val;
	int ret;

	ret = sim_xenstored_start(sim, &xs);
	ck_assert_msg(ret == 0, "xenstored: %s (see %s/xenstored/xenstored.log)", strerror(-ret),
		      sim_dir(sim));
	xsh = xs_open(0);
	ck_assert_ptr_nonnull(xsh);
	ck_assert(xs_write(xsh, XBT_NULL, "/test/a", "hello", 5));
	val = xs_read(xsh, XBT_NULL, "/test/a", &len);
	ck_assert_ptr_nonnull(val);
	ck_assert_str_eq(val, "hello");
	free(val);
	ck_assert(xs_watch(xsh, "/test", "t"));
	ck_assert(watch_fires(xsh, "/test", "t", 2000));
	ck_assert(xs_write(xsh, XBT_NULL, "/test/b", "1", 1));
	ck_assert(watch_fires(xsh, "/test/b", "t", 2000));

	/* A guest introduced as libxl does; xenstored maps its ring by grant. */
	ck_assert(xs_watch(xsh, "@introduceDomain", "intro"));
	ck_assert(watch_fires(xsh, "@introduceDomain", "intro", 2000));
	ck_assert_int_eq(sim_xenstore_prepare_guest(sim, GUEST, &gfn, &port), 0);
	ck_assert(xs_introduce_domain(xsh, GUEST, gfn, port));
	ck_assert(watch_fires(xsh, "@introduceDomain", "intro", 2000));
	ck_assert(xs_is_domain_introduced(xsh, GUEST));
	ck_assert_uint_eq(info_of(GUEST).grant_maps, 1);

	/* Its death reaches xenstored through VIRQ_DOM_EXC. */
	ck_assert(xs_watch(xsh, "@releaseDomain", "release"));
	ck_assert(watch_fires(xsh, "@releaseDomain", "release", 2000));
	ck_assert_int_eq(sim_domain_destroy(sim, GUEST), 0);
	ck_assert(watch_fires(xsh, "@releaseDomain", "release", 5000));
	ck_assert_int_eq(sim_domain_wait_gone(sim, GUEST, 2000), 0);
	ck_assert(!xs_is_domain_introduced(xsh, GUEST));
	xs_close(xsh);
	ck_assert_int_eq(sim_xenstored_stop(xs), 0);
}
END_TEST

static Suite *simxen_suite(void)
{
	Suite *s = suite_create("simxen");
	TCase *tc;

	tc = tcase_create("ioreq");
	tcase_add_checked_fixture(tc, sim_setup, sim_teardown);
	tcase_add_test(tc, ioreq_read_write);
	tcase_add_test(tc, ioreq_unhandled);
	tcase_add_test(tc, ioreq_timeout_hangs_vcpu);
	tcase_add_test(tc, ioreq_invalidate);
	tcase_add_test(tc, ioreq_irq_level);
	tcase_add_test(tc, ioreq_setup_rules);
	tcase_add_test(tc, ioreq_highest_id_wins);
	tcase_add_test(tc, ioreq_weird_backwards);
	tcase_add_test(tc, ioreq_weird_state);
	tcase_add_test(tc, ioreq_weird_none);
	tcase_add_test(tc, ioreq_weird_high_bits);
	tcase_add_test(tc, ioreq_backend_restart);
	suite_add_tcase(s, tc);

	tc = tcase_create("evtchn");
	tcase_add_checked_fixture(tc, sim_setup, sim_teardown);
	tcase_add_test(tc, evtchn_rules);
	suite_add_tcase(s, tc);

	tc = tcase_create("memory");
	tcase_add_checked_fixture(tc, sim_setup, sim_teardown);
	tcase_add_test(tc, grant_map);
	tcase_add_test(tc, grant_copy);
	tcase_add_test(tc, grant_map_outlives_handle);
	tcase_add_test(tc, foreign_map);
	tcase_add_test(tc, driver_domain_rights);
	suite_add_tcase(s, tc);

	tc = tcase_create("domains");
	tcase_add_checked_fixture(tc, sim_setup, sim_teardown);
	tcase_add_test(tc, domain_info_shutdown);
	tcase_add_test(tc, domain_destroy);
	tcase_add_test(tc, broken_clients);
	tcase_add_test(tc, xenstored_fixture);
	suite_add_tcase(s, tc);

	tc = tcase_create("no_hypervisor");
	tcase_add_test(tc, no_socket);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(simxen_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
