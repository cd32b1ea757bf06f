/* SPDX-License-Identifier: GPL-2.0-only */
/* Asynchronous commands through a real kernel's SCMI raw mode, each
 * checked to come back as its reply first and its delayed response after:
 * a raw client takes what the kernel hands over first as the reply, so a
 * delayed response that overtakes its reply on the transport loses the
 * reply (the kernel logs "Received valid OoO Delayed Response").
 *
 *   vscmi-rawasync RAWDIR N RESET_DOMAIN
 *
 * sends N autonomous asynchronous RESETs of the firmware's reset domain
 * RESET_DOMAIN through RAWDIR/message_async, reads each answer from
 * RAWDIR/message (a separate open file: writing and reading through one
 * makes the kernel send the previous message again), and prints how many
 * came back in order (the reply, then the delayed response), out of order
 * or not at all, and the mean times to each. Exit status 0 only when every
 * command came back in order. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PROTO_RESET 0x16
#define MSG_RESET 0x4
#define TYPE_COMMAND 0
#define TYPE_DELAYED 2
#define RESET_AUTONOMOUS 1u
#define RESET_ASYNC 4u

static uint32_t hdr(uint32_t msg, uint32_t type, uint32_t proto, uint32_t token)
{
	return msg | type << 8 | proto << 10 | (token & 0x3ff) << 18;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* One message from the raw reply queue: its length, 0 at none within ms
 * (the read after a message returns EOF; the next blocks again). */
static ssize_t raw_read(int fd, uint8_t *buf, size_t cap, int ms)
{
	for (int tries = 0; tries < 3; tries++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, ms) <= 0)
			return 0;
		n = read(fd, buf, cap);
		if (n > 0)
			return n;
		if (n < 0 && errno != EAGAIN)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n, domain, in_order = 0, ooo = 0, lost = 0;
	double t_reply = 0, t_dresp = 0;
	char path[512];
	int tx, rx;

	if (argc != 4 || (n = strtol(argv[2], NULL, 0)) <= 0 || n > 100000 ||
	    (domain = strtol(argv[3], NULL, 0)) < 0) {
		fprintf(stderr, "usage: vscmi-rawasync RAWDIR N RESET_DOMAIN\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/message_async", argv[1]);
	tx = open(path, O_WRONLY);
	snprintf(path, sizeof(path), "%s/message", argv[1]);
	rx = open(path, O_RDONLY | O_NONBLOCK);
	if (tx < 0 || rx < 0) {
		perror("vscmi-rawasync: open");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		uint32_t token = (uint32_t)(i & 0x3ff);
		uint8_t req[16], a[64], b[64];
		ssize_t la, lb;
		double t0;

		put32(req, hdr(MSG_RESET, TYPE_COMMAND, PROTO_RESET, token));
		put32(req + 4, (uint32_t)domain);
		put32(req + 8, RESET_AUTONOMOUS | RESET_ASYNC);
		put32(req + 12, 0);
		t0 = now_us();
		if (write(tx, req, sizeof(req)) != (ssize_t)sizeof(req)) {
			perror("vscmi-rawasync: write");
			return 1;
		}
		la = raw_read(rx, a, sizeof(a), 5000);
		if (la >= 8)
			t_reply += now_us() - t0;
		lb = raw_read(rx, b, sizeof(b), 5000);
		if (lb >= 4)
			t_dresp += now_us() - t0;
		if (la < 8 || lb < 4) {
			lost++;
			fprintf(stderr, "command %ld: %s missing\n", i, la < 8 ? "reply" : "delayed response");
			if (lost > 3)
				break;
			continue;
		}
		if (get32(a) == hdr(MSG_RESET, TYPE_COMMAND, PROTO_RESET, token) && get32(a + 4) == 0 &&
		    get32(b) == hdr(MSG_RESET, TYPE_DELAYED, PROTO_RESET, token)) {
			in_order++;
		} else {
			ooo++;
			if (ooo <= 3)
				fprintf(stderr, "command %ld: first %#x status %d, then %#x\n", i,
					get32(a), (int32_t)get32(a + 4), get32(b));
		}
	}
	printf("%ld sent, %ld in order, %ld out of order, %ld lost, mean %.0f us to the reply, "
	       "%.0f us to the delayed response\n",
	       n, in_order, ooo, lost, in_order + ooo ? t_reply / (double)(in_order + ooo) : 0.0,
	       in_order + ooo ? t_dresp / (double)(in_order + ooo) : 0.0);
	return in_order == n ? 0 : 1;
}
