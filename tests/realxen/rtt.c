/* vscmi-rtt: round trips a guest times from its own side.
 *
 *   vscmi-rtt mmio ADDR N    N 32-bit reads of the MMIO register at ADDR
 *                            through /dev/mem: each one is a trap to Xen and
 *                            an IOREQ answered by vscmid, the floor of any
 *                            virtio-mmio exchange
 *   vscmi-rtt file PATH N    N open-read-close of PATH (a clk_rate file: each
 *                            read is one SCMI command)
 *
 * Prints "N <what> in T ms, U us each (first value V)". Built static for
 * the guest's initramfs. */
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
	fprintf(stderr, "usage: vscmi-rtt mmio ADDR N | file PATH N\n");
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
	if (strcmp(argv[1], "file") == 0)
		return rtt_file(argv[2], n);
	return usage();
}
