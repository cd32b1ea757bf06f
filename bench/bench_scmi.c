/* SPDX-License-Identifier: GPL-2.0-only */
/* Cost of one SCMI command for a realistic mix: in process (the server
 * alone) and over an agent socket of a running vscmid (transport included).
 *
 *   bench-scmi CONFIG [AGENT]            in process
 *   bench-scmi --socket PATH             against a running daemon
 *   bench-scmi --floor                   a bare echo process, for comparison
 *
 * The mix is what a camera guest does while streaming: clock gates and
 * rate reads, power state set and read-back, reset line votes, a sensor
 * reading, attribute queries. Instructions come from perf_event_open when
 * the machine allows it. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vscmi/buf.h"
#include "vscmi/config.h"
#include "vscmi/log.h"
#include "vscmi/scmi.h"

struct mix_msg {
	uint8_t proto, msg;
	int n;
	uint32_t w[4];
};

/* IDs are the camera agent's view in conf/vscmid.conf: clock 0 pixel,
 * power 0 isp, reset 0 bus, sensor 0 soc_temp. */
static const struct mix_msg mix[] = {
	{ SCMI_PROTO_CLOCK, 0x7, 3, { 0, 1, 0 } },	/* pixel on */
	{ SCMI_PROTO_CLOCK, 0x6, 1, { 0 } },		/* rate get */
	{ SCMI_PROTO_POWER, 0x4, 3, { 0, 0, 0x0 } },	/* isp on */
	{ SCMI_PROTO_POWER, 0x5, 1, { 0 } },		/* read back */
	{ SCMI_PROTO_RESET, 0x4, 3, { 0, 0, 0 } },	/* bus deassert */
	{ SCMI_PROTO_SENSOR, 0x6, 2, { 0, 0 } },	/* reading */
	{ SCMI_PROTO_CLOCK, 0x3, 1, { 1 } },		/* attributes */
	{ SCMI_PROTO_CLOCK, 0xb, 2, { 0, 0 } },		/* config get */
	{ SCMI_PROTO_RESET, 0x4, 3, { 0, 2, 0 } },	/* bus assert */
	{ SCMI_PROTO_POWER, 0x4, 3, { 0, 0, 0x40000000 } }, /* isp off */
	{ SCMI_PROTO_CLOCK, 0x7, 3, { 0, 0, 0 } },	/* pixel off */
	{ SCMI_PROTO_BASE, 0x0, 0, { 0 } },		/* version */
};
#define MIX_N (sizeof(mix) / sizeof(mix[0]))

static size_t mix_encode(unsigned int i, uint8_t *buf)
{
	const struct mix_msg *m = &mix[i % MIX_N];

	vscmi_put_le32(buf, SCMI_HDR(m->msg, 0, m->proto, i & 0x3ff));
	for (int k = 0; k < m->n; k++)
		vscmi_put_le32(buf + 4 + 4 * k, m->w[k]);
	return 4 + 4 * (size_t)m->n;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int instr_open(void)
{
	struct perf_event_attr pe;

	memset(&pe, 0, sizeof(pe));
	pe.type = PERF_TYPE_HARDWARE;
	pe.size = sizeof(pe);
	pe.config = PERF_COUNT_HW_INSTRUCTIONS;
	pe.disabled = 1;
	pe.exclude_kernel = 1;
	pe.exclude_hv = 1;
	return (int)syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
}

static int check_reply(const uint8_t *req, const uint8_t *resp, size_t len)
{
	if (len < 8 || memcmp(req, resp, 4) || vscmi_get_le32(resp + 4) != 0) {
		fprintf(stderr, "bench: command 0x%08x failed: status %d\n", vscmi_get_le32(req),
			len >= 8 ? (int32_t)vscmi_get_le32(resp + 4) : 0);
		return -1;
	}
	return 0;
}

static int bench_inproc(const char *conf, const char *agent_name, unsigned int n)
{
	struct scmi_hooks hooks = { 0 };
	struct vscmi_config *cfg;
	struct vscmi_platform *plat;
	struct arb *arb;
	struct scmi_server *srv;
	struct scmi_agent *a;
	uint8_t req[64], resp[SCMI_MSG_MAX];
	long long instr = -1;
	uint64_t t0, t1;
	char err[512];
	int fd;

	if (vscmi_config_load(conf, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	plat = vscmi_emu_new(&cfg->model);
	arb = arb_new(&cfg->model, plat);
	srv = scmi_server_new(&cfg->model, arb, plat, &hooks);
	a = srv ? scmi_server_agent_by_name(srv, agent_name) : NULL;
	if (!a) {
		fprintf(stderr, "bench: no agent %s\n", agent_name);
		return 1;
	}
	/* warm up and check every command of the mix succeeds */
	for (unsigned int i = 0; i < MIX_N; i++) {
		size_t len = mix_encode(i, req);

		if (check_reply(req, resp, scmi_server_handle(srv, a, req, len, resp, sizeof(resp))))
			return 1;
	}
	fd = instr_open();
	if (fd >= 0) {
		ioctl(fd, PERF_EVENT_IOC_RESET, 0);
		ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	}
	t0 = now_ns();
	for (unsigned int i = 0; i < n; i++) {
		size_t len = mix_encode(i, req);

		scmi_server_handle(srv, a, req, len, resp, sizeof(resp));
	}
	t1 = now_ns();
	if (fd >= 0) {
		ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
		if (read(fd, &instr, sizeof(instr)) != sizeof(instr))
			instr = -1;
		close(fd);
	}
	printf("in-process: %u commands, %.1f ns/command", n, (double)(t1 - t0) / n);
	if (instr >= 0)
		printf(", %.0f instructions/command", (double)instr / n);
	else
		printf(", instructions: n/a (perf_event_open: no hardware counters here)");
	printf(", pixel clock switched %llu times\n",
	       (unsigned long long)vscmi_emu_count(plat, VSCMI_OP_CLOCK_ENABLE, 1, -1));
	scmi_server_free(srv);
	arb_free(arb);
	vscmi_platform_free(plat);
	vscmi_config_free(cfg);
	return 0;
}

static int bench_socket(const char *path, unsigned int n)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint8_t req[64], resp[SCMI_MSG_MAX + 8];
	uint64_t t0, t1;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "bench: socket path too long\n");
		return 1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		return 1;
	}
	t0 = now_ns();
	for (unsigned int i = 0; i < n; i++) {
		size_t len = mix_encode(i, req);
		ssize_t r;

		/* Skip notifications and delayed responses: wait for the reply. */
		if (send(fd, req, len, 0) != (ssize_t)len)
			return 1;
		do
			r = recv(fd, resp, sizeof(resp), 0);
		while (r >= 4 && SCMI_HDR_TYPE(vscmi_get_le32(resp)) != 0);
		if (r < 0 || check_reply(req, resp, (size_t)r))
			return 1;
	}
	t1 = now_ns();
	printf("socket round trip: %u commands, %.1f us/command\n", n,
	       (double)(t1 - t0) / n / 1000.0);
	close(fd);
	return 0;
}

/* The floor: the same round trip through a bare echo process. */
static int bench_floor(unsigned int n)
{
	uint8_t req[64], resp[SCMI_MSG_MAX];
	uint64_t t0, t1;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return 1;
	pid = fork();
	if (pid == 0) {
		ssize_t r;

		close(sv[0]);
		while ((r = recv(sv[1], resp, sizeof(resp), 0)) > 0)
			if (send(sv[1], resp, (size_t)r, 0) != r)
				break;
		_exit(0);
	}
	close(sv[1]);
	t0 = now_ns();
	for (unsigned int i = 0; i < n; i++) {
		size_t len = mix_encode(i, req);

		if (send(sv[0], req, len, 0) != (ssize_t)len || recv(sv[0], resp, sizeof(resp), 0) <= 0)
			return 1;
	}
	t1 = now_ns();
	close(sv[0]);
	waitpid(pid, NULL, 0);
	printf("floor, bare echo process: %u round trips, %.1f us each\n", n,
	       (double)(t1 - t0) / n / 1000.0);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int n = getenv("BENCH_N") ? (unsigned int)strtoul(getenv("BENCH_N"), NULL, 10) : 0;

	vscmi_log_set_level(LOG_WARNING);
	if (argc >= 2 && !strcmp(argv[1], "--floor"))
		return bench_floor(n ? n : 100000);
	if (argc >= 3 && !strcmp(argv[1], "--socket"))
		return bench_socket(argv[2], n ? n : 100000);
	if (argc >= 2)
		return bench_inproc(argv[1], argc >= 3 ? argv[2] : "camera", n ? n : 2000000);
	fprintf(stderr, "usage: bench-scmi CONFIG [AGENT] | bench-scmi --socket PATH\n");
	return 2;
}
