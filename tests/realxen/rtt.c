/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmi-rtt: round trips a guest times from its own side.
 *
 *   vscmi-rtt mmio ADDR N    N 32-bit reads of the MMIO register at ADDR
 *                            through /dev/mem: each one is a trap to Xen and
 *                            an IOREQ answered by vscmid, the floor of any
 *                            virtio-mmio exchange
 *   vscmi-rtt mmio2 A,B N    N reads of A and N of B, alternating, each timed:
 *                            two IOREQ servers held against each other under
 *                            the same load
 *   vscmi-rtt file PATH N    N open-read-close of PATH (a clk_rate file: each
 *                            read is one SCMI command)
 *   vscmi-rtt scmi ADDR N    drives the virtio-scmi device at ADDR itself,
 *                            before the kernel takes it: N BASE
 *                            PROTOCOL_VERSIONs (answered by vscmid), then N
 *                            CLOCK_CONFIG_SETs switching the agent's clock 0
 *                            on and off (each a change of the aggregate, which
 *                            goes to the platform), polling the used ring;
 *                            then resets the device for the kernel
 *
 * Prints "N <what> in T ms, U us each (...)". Built static for the guest's
 * initramfs. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int usage(void)
{
	fprintf(stderr, "usage: vscmi-rtt mmio ADDR N | mmio2 ADDR,ADDR N | file PATH N | "
			"scmi ADDR N\n");
	return 2;
}

static int rtt_mmio(unsigned long addr, long n)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long base = addr & ~(unsigned long)(page - 1);
	volatile uint32_t *reg;
	uint32_t first = 0;
	double t0, t1;
	void *map;
	int fd;

	fd = open("/dev/mem", O_RDONLY | O_SYNC);
	if (fd < 0) {
		perror("vscmi-rtt: /dev/mem");
		return 1;
	}
	map = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, (off_t)base);
	close(fd);
	if (map == MAP_FAILED) {
		perror("vscmi-rtt: mmap");
		return 1;
	}
	reg = (volatile uint32_t *)((char *)map + (addr - base));
	t0 = now_ms();
	for (long i = 0; i < n; i++) {
		uint32_t v = *reg;

		if (i == 0)
			first = v;
	}
	t1 = now_ms();
	printf("%ld mmio reads in %.1f ms, %.0f us each (first value 0x%08x)\n", n, t1 - t0,
	       (t1 - t0) * 1e3 / (double)n, first);
	munmap(map, (size_t)page);
	return 0;
}

/* The 32-bit register at addr through /dev/mem; NULL on failure. */
static volatile uint32_t *rtt_map(unsigned long addr, void **map, size_t *len)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long base = addr & ~(unsigned long)(page - 1);
	int fd = open("/dev/mem", O_RDONLY | O_SYNC);

	if (fd < 0) {
		perror("vscmi-rtt: /dev/mem");
		return NULL;
	}
	*len = (size_t)page;
	*map = mmap(NULL, *len, PROT_READ, MAP_SHARED, fd, (off_t)base);
	close(fd);
	if (*map == MAP_FAILED) {
		perror("vscmi-rtt: mmap");
		return NULL;
	}
	return (volatile uint32_t *)((char *)*map + (addr - base));
}

static int rtt_mmio2(unsigned long a, unsigned long b, long n)
{
	volatile uint32_t *ra, *rb;
	double ta = 0, tb = 0;
	void *ma, *mb;
	size_t la, lb;

	ra = rtt_map(a, &ma, &la);
	rb = ra ? rtt_map(b, &mb, &lb) : NULL;
	if (!ra || !rb)
		return 1;
	for (long i = 0; i < n; i++) {
		double t0 = now_ms(), t1, t2;

		(void)*ra;
		t1 = now_ms();
		(void)*rb;
		t2 = now_ms();
		ta += t1 - t0;
		tb += t2 - t1;
	}
	printf("%ld alternating reads each: %.0f us per read of 0x%lx, %.0f us per read of 0x%lx\n",
	       n, ta * 1e3 / (double)n, a, tb * 1e3 / (double)n, b);
	munmap(ma, la);
	munmap(mb, lb);
	return 0;
}

static int rtt_file(const char *path, long n)
{
	char buf[64], first[64] = "";
	double t0, t1;

	t0 = now_ms();
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);
		ssize_t r;

		if (fd < 0) {
			perror(path);
			return 1;
		}
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0) {
			fprintf(stderr, "vscmi-rtt: %s: read failed\n", path);
			return 1;
		}
		if (i == 0) {
			buf[r] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			memcpy(first, buf, sizeof(first));
		}
	}
	t1 = now_ms();
	printf("%ld reads of %s in %.1f ms, %.0f us each (first value %s)\n", n, path, t1 - t0,
	       (t1 - t0) * 1e3 / (double)n, first);
	return 0;
}

/* --- a virtio-scmi driver of its own: virtio-mmio version 2, one split
 * virtqueue (the command queue) in one locked page, polled --- */

enum {
	VM_MAGIC = 0x000, VM_VERSION = 0x004, VM_DEVICE_ID = 0x008,
	VM_DEV_FEATURES = 0x010, VM_DEV_FEATURES_SEL = 0x014,
	VM_DRV_FEATURES = 0x020, VM_DRV_FEATURES_SEL = 0x024,
	VM_QUEUE_SEL = 0x030, VM_QUEUE_NUM_MAX = 0x034, VM_QUEUE_NUM = 0x038,
	VM_QUEUE_READY = 0x044, VM_QUEUE_NOTIFY = 0x050,
	VM_INT_STATUS = 0x060, VM_INT_ACK = 0x064, VM_STATUS = 0x070,
	VM_DESC_LO = 0x080, VM_DESC_HI = 0x084, VM_AVAIL_LO = 0x090, VM_AVAIL_HI = 0x094,
	VM_USED_LO = 0x0a0, VM_USED_HI = 0x0a4,
};

#define QSZ 8
#define OFF_AVAIL 256
#define OFF_USED 512
#define OFF_REQ 1024
#define OFF_RESP 2048

struct vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

struct vio {
	volatile uint32_t *regs;
	uint8_t *mem;
	uint64_t pa;
	uint16_t avail_idx;
	uint32_t token;
};

static void wr(struct vio *v, unsigned int off, uint32_t val)
{
	v->regs[off / 4] = val;
}

static uint32_t rd(struct vio *v, unsigned int off)
{
	return v->regs[off / 4];
}

/* The physical address of a locked page of ours (the guest's frame). */
static int page_pa(void *p, uint64_t *pa)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t e;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, &e, sizeof(e), (off_t)((uintptr_t)p / (uintptr_t)page * sizeof(e)));
	close(fd);
	if (n != (ssize_t)sizeof(e) || !(e >> 63 & 1) || (e & ((1ull << 55) - 1)) == 0)
		return -EFAULT;
	*pa = (e & ((1ull << 55) - 1)) * (uint64_t)page;
	return 0;
}

static int vio_open(struct vio *v, unsigned long addr)
{
	long page = sysconf(_SC_PAGESIZE);
	uint32_t st;
	void *map;
	int fd;

	fd = open("/dev/mem", O_RDWR | O_SYNC);
	if (fd < 0)
		return -errno;
	map = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)addr);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	v->regs = map;
	if (rd(v, VM_MAGIC) != 0x74726976 || rd(v, VM_VERSION) != 2 || rd(v, VM_DEVICE_ID) != 32)
		return -ENODEV;
	v->mem = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE, -1, 0);
	if (v->mem == MAP_FAILED)
		return -errno;
	memset(v->mem, 0, (size_t)page);
	if (page_pa(v->mem, &v->pa) < 0)
		return -EFAULT;
	wr(v, VM_STATUS, 0);
	wr(v, VM_STATUS, 1 | 2);			/* ACKNOWLEDGE, DRIVER */
	wr(v, VM_DEV_FEATURES_SEL, 1);
	if (!(rd(v, VM_DEV_FEATURES) & 1))		/* VIRTIO_F_VERSION_1 */
		return -EPROTO;
	wr(v, VM_DRV_FEATURES_SEL, 1);
	wr(v, VM_DRV_FEATURES, 1);
	wr(v, VM_DRV_FEATURES_SEL, 0);
	wr(v, VM_DRV_FEATURES, 0);
	wr(v, VM_STATUS, 1 | 2 | 8);			/* FEATURES_OK */
	st = rd(v, VM_STATUS);
	if (!(st & 8))
		return -EPROTO;
	wr(v, VM_QUEUE_SEL, 0);
	if (rd(v, VM_QUEUE_NUM_MAX) < QSZ)
		return -ENOSPC;
	wr(v, VM_QUEUE_NUM, QSZ);
	wr(v, VM_DESC_LO, (uint32_t)v->pa);
	wr(v, VM_DESC_HI, (uint32_t)(v->pa >> 32));
	wr(v, VM_AVAIL_LO, (uint32_t)(v->pa + OFF_AVAIL));
	wr(v, VM_AVAIL_HI, (uint32_t)((v->pa + OFF_AVAIL) >> 32));
	wr(v, VM_USED_LO, (uint32_t)(v->pa + OFF_USED));
	wr(v, VM_USED_HI, (uint32_t)((v->pa + OFF_USED) >> 32));
	wr(v, VM_QUEUE_READY, 1);
	wr(v, VM_STATUS, 1 | 2 | 8 | 4);		/* DRIVER_OK */
	return 0;
}

/* One command, its reply polled for: the reply's status, or -errno. */
static int vio_cmd(struct vio *v, uint8_t proto, uint8_t msg, const uint32_t *w, unsigned int n)
{
	struct vq_desc *d = (struct vq_desc *)v->mem;
	volatile uint16_t *avail = (volatile uint16_t *)(v->mem + OFF_AVAIL);
	volatile uint16_t *used_idx = (volatile uint16_t *)(v->mem + OFF_USED + 2);
	uint32_t *req = (uint32_t *)(v->mem + OFF_REQ);
	volatile uint32_t *resp = (volatile uint32_t *)(v->mem + OFF_RESP);
	double end = now_ms() + 2000;

	req[0] = (uint32_t)msg | (uint32_t)proto << 10 | (v->token++ & 0x3ff) << 18;
	memcpy(req + 1, w, 4 * n);
	d[0] = (struct vq_desc){ v->pa + OFF_REQ, 4 + 4 * n, 1 /* NEXT */, 1 };
	d[1] = (struct vq_desc){ v->pa + OFF_RESP, 64, 2 /* WRITE */, 0 };
	avail[2 + v->avail_idx % QSZ] = 0;
	__sync_synchronize();
	avail[1] = ++v->avail_idx;
	__sync_synchronize();
	wr(v, VM_QUEUE_NOTIFY, 0);
	while (*used_idx != v->avail_idx) {
		if (now_ms() > end)
			return -ETIMEDOUT;
	}
	__sync_synchronize();
	return (int)resp[1];
}

static int rtt_scmi(unsigned long addr, long n)
{
	struct vio v = { 0 };
	uint32_t clk[2] = { 0, 0 };
	double t0, t1, t2;
	int r = vio_open(&v, addr);

	if (r < 0) {
		fprintf(stderr, "vscmi-rtt: virtio-scmi at 0x%lx: %s\n", addr, strerror(-r));
		return 1;
	}
	t0 = now_ms();
	for (long i = 0; i < n && r == 0; i++)
		r = vio_cmd(&v, 0x10, 0x0, NULL, 0);
	t1 = now_ms();
	/* an even count leaves the clock as it was, off */
	for (long i = 0; i < 2 * (n / 2) && r == 0; i++) {
		clk[1] = i % 2 == 0;
		r = vio_cmd(&v, 0x14, 0x7, clk, 2);
	}
	t2 = now_ms();
	/* the kernel starts the device afresh */
	wr(&v, VM_INT_ACK, rd(&v, VM_INT_STATUS));
	wr(&v, VM_STATUS, 0);
	if (r != 0) {
		fprintf(stderr, "vscmi-rtt: a command failed: %d\n", r);
		return 1;
	}
	printf("%ld PROTOCOL_VERSIONs in %.1f ms, %.0f us each; %ld clock switches in %.1f ms, "
	       "%.0f us each\n",
	       n, t1 - t0, (t1 - t0) * 1e3 / (double)n, 2 * (n / 2), t2 - t1,
	       (t2 - t1) * 1e3 / (double)(2 * (n / 2)));
	return 0;
}

int main(int argc, char **argv)
{
	char *end;
	long n;

	if (argc != 4)
		return usage();
	n = strtol(argv[3], &end, 0);
	if (*end || n <= 0)
		return usage();
	if (strcmp(argv[1], "mmio") == 0) {
		unsigned long addr = strtoul(argv[2], &end, 0);

		if (*end)
			return usage();
		return rtt_mmio(addr, n);
	}
	if (strcmp(argv[1], "mmio2") == 0) {
		unsigned long a = strtoul(argv[2], &end, 0), b;

		if (*end != ',')
			return usage();
		b = strtoul(end + 1, &end, 0);
		if (*end)
			return usage();
		return rtt_mmio2(a, b, n);
	}
	if (strcmp(argv[1], "file") == 0)
		return rtt_file(argv[2], n);
	if (strcmp(argv[1], "scmi") == 0) {
		unsigned long addr = strtoul(argv[2], &end, 0);

		if (*end)
			return usage();
		return rtt_scmi(addr, n);
	}
	return usage();
}
