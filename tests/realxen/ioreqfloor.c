/* SPDX-License-Identifier: GPL-2.0-only */
/* The least an IOREQ server can do: the floor vscmid's own share of a
 * guest's MMIO access is held against, on the same Xen boot.
 *
 *   vscmi-ioreq-floor DOMID BASE SECONDS
 *
 * serves the 4 KiB page at guest-physical BASE of domain DOMID for SECONDS
 * (or until SIGTERM): every read returns 0x74726976, every write is
 * dropped. It makes the calls vscmid makes (create, map the ioreq page,
 * enable, bind each vCPU's channel, map the range; per access: pending,
 * unmask, complete, notify) and times each wake-up that completed an
 * access the way vscmid does, from before the pending read to after the
 * notify. Prints "N IOREQs, mean X ns, max Y ns per IOREQ (wake-up to
 * completion), CPU Z us per IOREQ". */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
/* first: it says these are the tools' headers (__XEN_TOOLS__) */
#include <xenctrl.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/hvm/ioreq.h>
#include <xen/memory.h>

#define FLOOR_PAGE 4096u
#define FLOOR_MAX_VCPUS 64

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	uint64_t base, n = 0, sum = 0, max = 0, end, cpu0;
	evtchn_port_t ports[FLOOR_MAX_VCPUS] = { 0 };
	xenforeignmemory_resource_handle *res = NULL;
	xendevicemodel_handle *dm = NULL;
	xenforeignmemory_handle *fm = NULL;
	xenevtchn_handle *xce = NULL;
	shared_iopage_t *page = NULL;
	unsigned int nvcpus = 0;
	ioservid_t id = 0;
	bool created = false, enabled = false, mapped = false;
	const char *step = "opening the Xen libraries";
	uint32_t domid;
	long seconds;
	int rc = 1;

	if (argc != 4 || (seconds = strtol(argv[3], NULL, 0)) <= 0) {
		fprintf(stderr, "usage: vscmi-ioreq-floor DOMID BASE SECONDS\n");
		return 2;
	}
	domid = (uint32_t)strtoul(argv[1], NULL, 0);
	base = strtoull(argv[2], NULL, 0);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	dm = xendevicemodel_open(NULL, 0);
	fm = xenforeignmemory_open(NULL, 0);
	xce = xenevtchn_open(NULL, 0);
	if (!dm || !fm || !xce)
		goto out;
	step = "counting vCPUs";
	if (xendevicemodel_nr_vcpus(dm, domid, &nvcpus) < 0 || nvcpus == 0 ||
	    nvcpus > FLOOR_MAX_VCPUS)
		goto out;
	step = "creating the IOREQ server";
	if (xendevicemodel_create_ioreq_server(dm, domid, HVM_IOREQSRV_BUFIOREQ_OFF, &id) < 0)
		goto out;
	created = true;
	step = "mapping the ioreq page";
	{
		void *addr = NULL;

		res = xenforeignmemory_map_resource(fm, domid, XENMEM_resource_ioreq_server, id,
						    XENMEM_resource_ioreq_server_frame_ioreq(0), 1,
						    &addr, PROT_READ | PROT_WRITE, 0);
		if (!res)
			goto out;
		page = addr;
	}
	step = "enabling the server";
	if (xendevicemodel_set_ioreq_server_state(dm, domid, id, 1) < 0)
		goto out;
	enabled = true;
	step = "binding the vCPUs' channels";
	for (unsigned int v = 0; v < nvcpus; v++) {
		xenevtchn_port_or_error_t p =
			xenevtchn_bind_interdomain(xce, domid, page->vcpu_ioreq[v].vp_eport);

		if (p < 0)
			goto out;
		ports[v] = (evtchn_port_t)p;
	}
	step = "mapping the range";
	if (xendevicemodel_map_io_range_to_ioreq_server(dm, domid, id, 1, base,
							base + FLOOR_PAGE - 1) < 0)
		goto out;
	mapped = true;
	printf("serving dom%u at %#llx\n", domid, (unsigned long long)base);
	fflush(stdout);

	cpu0 = cpu_us();
	end = now_ns() + (uint64_t)seconds * 1000000000u;
	while (!stop && now_ns() < end) {
		struct pollfd p = { .fd = xenevtchn_fd(xce), .events = POLLIN };
		xenevtchn_port_or_error_t port;
		uint64_t t0;
		bool done = false;

		if (poll(&p, 1, 100) <= 0)
			continue;
		t0 = now_ns();
		port = xenevtchn_pending(xce);
		if (port < 0)
			continue;
		xenevtchn_unmask(xce, (evtchn_port_t)port);
		for (unsigned int v = 0; v < nvcpus; v++) {
			ioreq_t *slot = &page->vcpu_ioreq[v];

			if (ports[v] != (evtchn_port_t)port || slot->state != STATE_IOREQ_READY)
				continue;
			__sync_synchronize();
			slot->state = STATE_IOREQ_INPROCESS;
			if (slot->type == IOREQ_TYPE_COPY && slot->dir == IOREQ_READ)
				slot->data = 0x74726976;
			__sync_synchronize();
			slot->state = STATE_IORESP_READY;
			__sync_synchronize();
			xenevtchn_notify(xce, ports[v]);
			done = true;
			break;
		}
		if (done) {
			uint64_t t = now_ns() - t0;

			n++;
			sum += t;
			if (t > max)
				max = t;
		}
	}
	printf("%llu IOREQs, mean %llu ns, max %llu ns per IOREQ (wake-up to completion), "
	       "CPU %llu us per IOREQ\n",
	       (unsigned long long)n, (unsigned long long)(n ? sum / n : 0),
	       (unsigned long long)max, (unsigned long long)(n ? (cpu_us() - cpu0) / n : 0));
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "vscmi-ioreq-floor: %s: %s\n", step, strerror(errno));
	if (mapped)
		xendevicemodel_unmap_io_range_from_ioreq_server(dm, domid, id, 1, base,
								base + FLOOR_PAGE - 1);
	if (enabled)
		xendevicemodel_set_ioreq_server_state(dm, domid, id, 0);
	if (res)
		xenforeignmemory_unmap_resource(fm, res);
	if (created)
		xendevicemodel_destroy_ioreq_server(dm, domid, id);
	if (xce)
		xenevtchn_close(xce);
	if (fm)
		xenforeignmemory_close(fm);
	if (dm)
		xendevicemodel_close(dm);
	return rc;
}
