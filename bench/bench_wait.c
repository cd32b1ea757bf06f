/* SPDX-License-Identifier: GPL-2.0-only */
/* What a guest waits for besides an immediate reply, each against the
 * immediate reply on the same path: delayed responses (sensor reading,
 * clock rate, reset, voltage level), a notification (another agent's
 * change reaching a subscriber's socket), and a change that waits behind
 * another on the same resource.
 *
 *   bench-wait RUNDIR     against a running vscmid on conf/vscmid.conf,
 *                         whose agent sockets are in RUNDIR
 *
 * BENCH_N sets the samples per row (default 1000). Times are from the
 * command's send to the packet's arrival, in microseconds: median and 90th
 * percentile. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"

/* conf/vscmid.conf's camera view: clock 1 core (cam_core, exclusive),
 * reset 1 csi (its own), voltage 0 vdd (vdd_sensor), sensor 0; the display
 * sees cam_core as its clock 1. */
#define CAM_CORE 1
#define DISP_CORE 1
#define CAM_CSI 1
#define CAM_VDD 0
#define TEMP 0

static int bench_n = 1000;

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int agent_open(const char *dir, const char *agent)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s.sock", dir, agent);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "bench-wait: %s: %s\n", sa.sun_path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void send_cmd(int fd, uint8_t proto, uint8_t msg, uint16_t token, const uint32_t *w,
		     int n)
{
	uint8_t buf[64];

	vscmi_put_le32(buf, SCMI_HDR(msg, SCMI_TYPE_COMMAND, proto, token));
	for (int i = 0; i < n; i++)
		vscmi_put_le32(buf + 4 + 4 * i, w[i]);
	if (send(fd, buf, 4 + 4 * (size_t)n, MSG_NOSIGNAL) < 0) {
		perror("bench-wait: send");
		exit(1);
	}
}

/* The next packet's header and status; a second without one is an error. */
static uint32_t recv_pkt(int fd, int32_t *status)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint8_t buf[SCMI_MSG_MAX];
	ssize_t n;

	if (poll(&p, 1, 1000) != 1 || (n = recv(fd, buf, sizeof(buf), 0)) < 4) {
		fprintf(stderr, "bench-wait: no answer\n");
		exit(1);
	}
	if (status)
		*status = n >= 8 ? (int32_t)vscmi_get_le32(buf + 4) : 0;
	return vscmi_get_le32(buf);
}

static void expect_ok(int fd, uint8_t proto, uint8_t msg, const uint32_t *w, int n)
{
	int32_t st;

	send_cmd(fd, proto, msg, 0, w, n);
	recv_pkt(fd, &st);
	if (st != SCMI_SUCCESS) {
		fprintf(stderr, "bench-wait: setup command %#x/%#x: status %d\n", proto, msg, st);
		exit(1);
	}
}

struct series {
	double *v;
	int n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(struct series *s, double p)
{
	qsort(s->v, (size_t)s->n, sizeof(double), cmp_double);
	return s->v[(int)(p * (s->n - 1))];
}

static void row(const char *what, struct series *s, double base_median)
{
	double med = pct(s, 0.5);

	printf("%-50s %9.1f %9.1f", what, med, pct(s, 0.9));
	if (base_median > 0)
		printf(" %7.2fx", med / base_median);
	printf("\n");
}

static struct series series_new(void)
{
	struct series s = { .v = calloc((size_t)bench_n, sizeof(double)) };

	if (!s.v)
		exit(1);
	return s;
}

/* An asynchronous command against its synchronous form: the immediate
 * reply of each, and the delayed response's arrival. */
static void async_rows(int fd, const char *name, uint8_t proto, uint8_t msg, uint32_t *w,
		       int n, int flags_at, uint32_t async_flag, int value_at,
		       const uint32_t values[2])
{
	struct series sync = series_new(), reply = series_new(), dresp = series_new();
	uint32_t delayed = SCMI_HDR(msg, SCMI_TYPE_DELAYED, proto, 0);
	char label[96];

	for (int i = 0; i < bench_n; i++) {
		double t0;
		int32_t st;

		if (value_at >= 0)
			w[value_at] = values[i & 1];
		w[flags_at] &= ~async_flag;
		t0 = now_us();
		send_cmd(fd, proto, msg, 0, w, n);
		recv_pkt(fd, &st);
		sync.v[sync.n++] = now_us() - t0;

		if (value_at >= 0)
			w[value_at] = values[(i + 1) & 1];
		w[flags_at] |= async_flag;
		t0 = now_us();
		send_cmd(fd, proto, msg, 1, w, n);
		if ((recv_pkt(fd, &st) & ~(0x3ffu << 18)) == delayed) {
			fprintf(stderr, "bench-wait: %s: the delayed response came first\n", name);
			exit(1);
		}
		reply.v[reply.n++] = now_us() - t0;
		if ((recv_pkt(fd, &st) & ~(0x3ffu << 18)) != delayed) {
			fprintf(stderr, "bench-wait: %s: no delayed response\n", name);
			exit(1);
		}
		dresp.v[dresp.n++] = now_us() - t0;
	}
	snprintf(label, sizeof(label), "%s, synchronous: reply", name);
	row(label, &sync, 0);
	snprintf(label, sizeof(label), "%s, asynchronous: reply", name);
	row(label, &reply, pct(&sync, 0.5));
	snprintf(label, sizeof(label), "%s, asynchronous: delayed response", name);
	row(label, &dresp, pct(&sync, 0.5));
	free(sync.v);
	free(reply.v);
	free(dresp.v);
}

int main(int argc, char **argv)
{
	const char *e = getenv("BENCH_N");
	int cam, disp;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-wait RUNDIR\n");
		return 2;
	}
	if (e && atoi(e) > 1)
		bench_n = atoi(e);
	cam = agent_open(argv[1], "camera");
	disp = agent_open(argv[1], "display");

	printf("%-50s %9s %9s %8s\n", "what the guest waits for (us)", "median", "p90",
	       "/ sync");
	{
		uint32_t w[2] = { TEMP, 0 };

		async_rows(cam, "sensor reading", SCMI_PROTO_SENSOR, 0x6, w, 2, 1, 1, -1, NULL);
	}
	{
		static const uint32_t rates[2] = { 100000000, 200000000 };
		uint32_t on[3] = { CAM_CORE, 1, 0 }, w[4] = { 0, CAM_CORE, 0, 0 };

		expect_ok(cam, SCMI_PROTO_CLOCK, 0x7, on, 3);
		async_rows(cam, "clock rate set", SCMI_PROTO_CLOCK, 0x5, w, 4, 0, 1, 2, rates);
	}
	{
		uint32_t w[3] = { CAM_CSI, 1, 0 };

		async_rows(cam, "reset (autonomous)", SCMI_PROTO_RESET, 0x4, w, 3, 1, 4, -1, NULL);
	}
	{
		static const uint32_t levels[2] = { 1800000, 2800000 };
		uint32_t on[2] = { CAM_VDD, 7 }, w[3] = { CAM_VDD, 0, 0 };

		expect_ok(cam, SCMI_PROTO_VOLTAGE, 0x5, on, 2);
		async_rows(cam, "voltage level set", SCMI_PROTO_VOLTAGE, 0x7, w, 3, 1, 1, 2, levels);
	}

	/* A notification: the camera, owner of cam_core, changes its rate;
	 * the display, subscribed and without a rate vote of its own, hears
	 * of it. */
	{
		struct series reply = series_new(), notif = series_new();
		uint32_t sub[2] = { DISP_CORE, 1 };

		expect_ok(disp, SCMI_PROTO_CLOCK, 0x9, sub, 2);
		for (int i = 0; i < bench_n; i++) {
			uint32_t w[4] = { 0, CAM_CORE, i & 1 ? 100000000 : 200000000, 0 };
			double t0 = now_us();
			int32_t st;

			send_cmd(cam, SCMI_PROTO_CLOCK, 0x5, 0, w, 4);
			recv_pkt(cam, &st);
			reply.v[reply.n++] = now_us() - t0;
			recv_pkt(disp, NULL);
			notif.v[notif.n++] = now_us() - t0;
		}
		sub[1] = 0;
		expect_ok(disp, SCMI_PROTO_CLOCK, 0x9, sub, 2);
		row("clock rate set: the changer's reply", &reply, 0);
		row("clock rate set: a subscriber's notification", &notif, pct(&reply, 0.5));
		free(reply.v);
		free(notif.v);
	}

	/* A change that waits: the display switches cam_core while the
	 * camera's switch of it is under way, against the display alone. */
	{
		struct series alone = series_new(), behind = series_new();
		uint32_t off[3] = { CAM_CORE, 0, 0 };

		expect_ok(cam, SCMI_PROTO_CLOCK, 0x7, off, 3);
		for (int i = 0; i < bench_n; i++) {
			uint32_t d[3] = { DISP_CORE, 1, 0 }, c[3] = { CAM_CORE, 1, 0 };
			double t0 = now_us();

			send_cmd(disp, SCMI_PROTO_CLOCK, 0x7, 0, d, 3);
			recv_pkt(disp, NULL);
			alone.v[alone.n++] = now_us() - t0;
			d[1] = 0;
			send_cmd(disp, SCMI_PROTO_CLOCK, 0x7, 0, d, 3);
			recv_pkt(disp, NULL);

			send_cmd(cam, SCMI_PROTO_CLOCK, 0x7, 0, c, 3);
			t0 = now_us();
			d[1] = 1;
			send_cmd(disp, SCMI_PROTO_CLOCK, 0x7, 0, d, 3);
			recv_pkt(disp, NULL);
			behind.v[behind.n++] = now_us() - t0;
			recv_pkt(cam, NULL);
			c[1] = 0;
			d[1] = 0;
			send_cmd(cam, SCMI_PROTO_CLOCK, 0x7, 0, c, 3);
			recv_pkt(cam, NULL);
			send_cmd(disp, SCMI_PROTO_CLOCK, 0x7, 0, d, 3);
			recv_pkt(disp, NULL);
		}
		row("clock on, the resource free: reply", &alone, 0);
		row("clock on, behind another agent's: reply", &behind, pct(&alone, 0.5));
		free(alone.v);
		free(behind.v);
	}
	close(cam);
	close(disp);
	return 0;
}
