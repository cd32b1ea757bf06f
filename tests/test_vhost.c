/* SPDX-License-Identifier: GPL-2.0-only */
/* The vhost-user backend driven by a frontend in the test that behaves as
 * QEMU 10's vhost-user-scmi does (docs: linux-guest.md §3): a memfd as
 * guest RAM, the same message sequence, rings built in that RAM, kicks
 * and calls through eventfds, and real SCMI commands on a small model.
 * Hostile frontends must get an error, and leave no fd and no mapping. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "vscmi/buf.h"
#include "vscmi/scmi.h"
#include "vscmi/vhost.h"

#include "support/server_rig.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE (1u << 20)
/* QEMU's user address of guest RAM: unlike the test's own pointer, so a
 * ring address that is not translated does not work by accident. */
#define RAM_UVA 0x7f1200000000ull
/* Each queue's rings, room for 1024 entries; then the message buffers. */
#define RING_OFF(q) (0x10000u * (q))
#define DESC_OFF 0x0
#define AVAIL_OFF 0x4000
#define USED_OFF 0x5000
#define REQ_OFF 0x40000u
#define RESP_OFF 0x41000u
#define MEMFD_NAME "vhost-test-ram"

enum { PLAT_PLL = 10, PLAT_CLK = 11 };
enum { PLL, CLK };

struct fe {
	int sock;
	struct vhost_conn *c;
	int memfd;
	uint8_t *ram;
	int kick[2], call[2], err[2];
	uint16_t num[2];
	uint16_t avail_idx[2];
};

static struct vscmi_model model;
static struct vscmi_platform *plat;
static struct arb *arb;
static struct scmi_server *srv;
static struct fe fe;
static unsigned int base_fds, base_maps;

/* --- leak counting -------------------------------------------------------------- */

static unsigned int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	ck_assert_ptr_nonnull(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static unsigned int count_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned int n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, MEMFD_NAME) != NULL;
	fclose(f);
	return n;
}

/* --- the rig -------------------------------------------------------------------- */

static void build_model(void)
{
	struct vscmi_res_desc *d;
	struct vscmi_agent_desc *a;

	memset(&model, 0, sizeof(model));
	d = rig_add_res(&model, VSCMI_CLOCK, "pll", PLAT_PLL, -1);
	d->u.clock.policy = VSCMI_POLICY_FIXED;
	d->u.clock.rate = 1000000000;
	d->u.clock.rates.count = 1;
	d->u.clock.rates.values[0] = 1000000000;
	d = rig_add_res(&model, VSCMI_CLOCK, "clk", PLAT_CLK, PLL);
	d->u.clock.policy = VSCMI_POLICY_EXCLUSIVE;
	d->u.clock.rates.count = 1;
	d->u.clock.rates.values[0] = 25000000;
	d->u.clock.rate = 25000000;
	a = rig_add_agent(&model, "vm1", SCMI_PROTO_ALL, SCMI_DEFAULT_PAYLOAD);
	rig_add_view(a, VSCMI_CLOCK, CLK, NULL);
}

static void setup(void)
{
	struct scmi_hooks hooks = { .defer = rig_defer };
	int sv[2];

	build_model();
	rig_reset(RIG_INBOX);
	plat = vscmi_emu_new(&model);
	ck_assert_ptr_nonnull(plat);
	arb = arb_new(&model, plat);
	ck_assert_ptr_nonnull(arb);
	srv = scmi_server_new(&model, arb, plat, &hooks);
	ck_assert_ptr_nonnull(srv);

	memset(&fe, 0, sizeof(fe));
	fe.memfd = memfd_create(MEMFD_NAME, MFD_CLOEXEC);
	ck_assert_int_ge(fe.memfd, 0);
	ck_assert_int_eq(ftruncate(fe.memfd, RAM_SIZE), 0);
	fe.ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fe.memfd, 0);
	ck_assert_ptr_ne(fe.ram, MAP_FAILED);
	for (int q = 0; q < 2; q++) {
		fe.kick[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		fe.call[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		fe.err[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ck_assert_int_ge(fe.kick[q], 0);
		ck_assert_int_ge(fe.call[q], 0);
		ck_assert_int_ge(fe.err[q], 0);
	}
	base_fds = count_fds();
	base_maps = count_maps();
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	fe.sock = sv[0];
	fe.c = vhost_conn_new(sv[1], srv, scmi_server_agent(srv, 1));
	ck_assert_ptr_nonnull(fe.c);
}

/* A frontend gone: the backend holds nothing of it. */
static void disconnect(void)
{
	vhost_conn_free(fe.c);
	fe.c = NULL;
	close(fe.sock);
	fe.sock = -1;
	ck_assert_uint_eq(count_fds(), base_fds);
	ck_assert_uint_eq(count_maps(), base_maps);
}

static void teardown(void)
{
	if (fe.c)
		disconnect();
	for (int q = 0; q < 2; q++) {
		close(fe.kick[q]);
		close(fe.call[q]);
		close(fe.err[q]);
	}
	munmap(fe.ram, RAM_SIZE);
	close(fe.memfd);
	scmi_server_free(srv);
	arb_free(arb);
	vscmi_platform_free(plat);
	vscmi_model_free(&model);
}

/* --- messages --------------------------------------------------------------------- */

static void fe_write(uint32_t req, uint32_t flags, const void *p, uint32_t size, const int *fds,
		     unsigned int nfds)
{
	uint8_t buf[512];
	union {
		char b[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	uint32_t h[3] = { req, VHOST_USER_VERSION | flags, size };
	struct iovec iov = { buf, sizeof(h) + size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	ck_assert_uint_le(size, sizeof(buf) - sizeof(h));
	memcpy(buf, h, sizeof(h));
	if (size)
		memcpy(buf + sizeof(h), p, size);
	if (nfds) {
		struct cmsghdr *cm;

		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	ck_assert_int_eq(sendmsg(fe.sock, &mh, MSG_NOSIGNAL), (ssize_t)iov.iov_len);
}

/* Sends one message and lets the backend handle it: its return. */
static int fe_msg(uint32_t req, uint32_t flags, const void *p, uint32_t size, const int *fds,
		  unsigned int nfds)
{
	fe_write(req, flags, p, size, fds, nfds);
	return vhost_conn_handle(fe.c);
}

static void fe_reply(uint32_t req, void *p, uint32_t size)
{
	uint32_t h[3];

	ck_assert_int_eq(recv(fe.sock, h, sizeof(h), MSG_DONTWAIT), sizeof(h));
	ck_assert_uint_eq(h[0], req);
	ck_assert_uint_eq(h[1], VHOST_USER_VERSION | VHOST_USER_FLAG_REPLY);
	ck_assert_uint_eq(h[2], size);
	ck_assert_int_eq(recv(fe.sock, p, size, MSG_DONTWAIT), (ssize_t)size);
}

static void assert_no_reply(void)
{
	uint8_t b;

	ck_assert_int_eq(recv(fe.sock, &b, 1, MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
}

static uint64_t fe_get_u64(uint32_t req)
{
	uint64_t v;

	ck_assert_int_eq(fe_msg(req, 0, NULL, 0, NULL, 0), 0);
	fe_reply(req, &v, sizeof(v));
	return v;
}

static void fe_set_u64(uint32_t req, uint32_t flags, uint64_t v, const int *fds, unsigned int nfds)
{
	ck_assert_int_eq(fe_msg(req, flags, &v, sizeof(v), fds, nfds), 0);
	if (flags & VHOST_USER_FLAG_NEED_REPLY) {
		uint64_t ack;

		fe_reply(req, &ack, sizeof(ack));
		ck_assert_uint_eq(ack, 0);
	}
	assert_no_reply();
}

static void fe_state(uint32_t req, uint32_t flags, uint32_t index, uint32_t num)
{
	uint32_t s[2] = { index, num };

	ck_assert_int_eq(fe_msg(req, flags, s, sizeof(s), NULL, 0), 0);
	if (flags & VHOST_USER_FLAG_NEED_REPLY) {
		uint64_t ack;

		fe_reply(req, &ack, sizeof(ack));
		ck_assert_uint_eq(ack, 0);
	}
	assert_no_reply();
}

static uint32_t fe_get_vring_base(uint32_t index)
{
	uint32_t s[2] = { index, 0 };

	ck_assert_int_eq(fe_msg(VHOST_USER_GET_VRING_BASE, 0, s, sizeof(s), NULL, 0), 0);
	fe_reply(VHOST_USER_GET_VRING_BASE, s, sizeof(s));
	ck_assert_uint_eq(s[0], index);
	return s[1];
}

static void fe_vring_fd(uint32_t req, unsigned int q, int fd)
{
	fe_set_u64(req, 0, q, &fd, 1);
}

struct region {
	uint64_t gpa, size, uva, offset;
};

static int fe_mem_table(uint32_t flags, const struct region *r, unsigned int n, const int *fds,
			unsigned int nfds)
{
	uint8_t b[8 + 8 * sizeof(struct region)] = { 0 };
	uint32_t n32 = n;

	memcpy(b, &n32, 4);
	memcpy(b + 8, r, n * sizeof(*r));
	return fe_msg(VHOST_USER_SET_MEM_TABLE, flags, b, 8 + n * (uint32_t)sizeof(*r), fds, nfds);
}

static uint64_t ring_uva(unsigned int q, unsigned int off)
{
	return RAM_UVA + RING_OFF(q) + off;
}

static int fe_vring_addr(unsigned int q, uint64_t desc, uint64_t used, uint64_t avail)
{
	uint64_t a[5] = { q, desc, used, avail, 0 };

	/* index and flags share the first word. */
	return fe_msg(VHOST_USER_SET_VRING_ADDR, 0, a, sizeof(a), NULL, 0);
}

/* A ring from its beginning (a new driver), or carrying on from base
 * (a resumed VM, its ring memory as it was). */
static void fe_ring_at(unsigned int q, uint16_t num, bool fresh, uint32_t base)
{
	fe.num[q] = num;
	if (fresh) {
		fe.avail_idx[q] = 0;
		memset(fe.ram + RING_OFF(q), 0, 0x10000);
	}
	fe_state(VHOST_USER_SET_VRING_NUM, 0, q, num);
	fe_state(VHOST_USER_SET_VRING_BASE, 0, q, base);
	ck_assert_int_eq(fe_vring_addr(q, ring_uva(q, DESC_OFF), ring_uva(q, USED_OFF),
				       ring_uva(q, AVAIL_OFF)), 0);
	fe_vring_fd(VHOST_USER_SET_VRING_KICK, q, fe.kick[q]);
	ck_assert_int_eq(vhost_conn_kick_fd(fe.c, q) >= 0, 1);
}

static void fe_ring(unsigned int q, uint16_t num)
{
	fe_ring_at(q, num, true, 0);
}

/* QEMU 10 from device realize to a running guest driver, in its order. */
static void fe_start(bool p2a, uint16_t num)
{
	uint64_t features = VIO_F_VERSION_1 | VHOST_USER_F_PROTOCOL_FEATURES, ack;
	struct region r = { RAM_GPA, RAM_SIZE, RAM_UVA, 0 };

	ck_assert_uint_eq(fe_get_u64(VHOST_USER_GET_FEATURES), 0x160000001ull);
	ck_assert_uint_eq(fe_get_u64(VHOST_USER_GET_PROTOCOL_FEATURES), 0x9);
	fe_set_u64(VHOST_USER_SET_PROTOCOL_FEATURES, 0, 0x9, NULL, 0);
	ck_assert_uint_eq(fe_get_u64(VHOST_USER_GET_QUEUE_NUM), 2);
	ck_assert_int_eq(fe_msg(VHOST_USER_SET_OWNER, 0, NULL, 0, NULL, 0), 0);
	ck_assert_uint_eq(fe_get_u64(VHOST_USER_GET_FEATURES), 0x160000001ull);
	for (unsigned int q = 0; q < 2; q++) {
		fe_vring_fd(VHOST_USER_SET_VRING_CALL, q, fe.call[q]);
		fe_vring_fd(VHOST_USER_SET_VRING_ERR, q, fe.err[q]);
	}
	/* The guest driver starts: new call fds, features, memory, rings. */
	for (unsigned int q = 0; q < 2; q++)
		fe_vring_fd(VHOST_USER_SET_VRING_CALL, q, fe.call[q]);
	if (p2a)
		features |= VIO_SCMI_F_P2A_CHANNELS;
	fe_set_u64(VHOST_USER_SET_FEATURES, 0, features, NULL, 0);
	ck_assert_int_eq(fe_mem_table(0x9 & ~VHOST_USER_VERSION, &r, 1, &fe.memfd, 1), 0);
	fe_reply(VHOST_USER_SET_MEM_TABLE, &ack, sizeof(ack));
	ck_assert_uint_eq(ack, 0);
	fe_ring(0, num);
	if (p2a)
		fe_ring(1, num);
	/* vq1 is enabled even when it was never set up. */
	fe_state(VHOST_USER_SET_VRING_ENABLE, VHOST_USER_FLAG_NEED_REPLY, 0, 1);
	fe_state(VHOST_USER_SET_VRING_ENABLE, VHOST_USER_FLAG_NEED_REPLY, 1, 1);
	for (unsigned int q = 0; q < 2; q++)
		fe_vring_fd(VHOST_USER_SET_VRING_CALL, q, fe.call[q]);
}

/* A paused VM continues: what vhost_dev_start sends, with the bases the
 * rings stopped at. */
static void fe_resume(bool p2a, uint16_t num, uint32_t base0, uint32_t base1)
{
	uint64_t features = VIO_F_VERSION_1 | VHOST_USER_F_PROTOCOL_FEATURES, ack;
	struct region r = { RAM_GPA, RAM_SIZE, RAM_UVA, 0 };

	if (p2a)
		features |= VIO_SCMI_F_P2A_CHANNELS;
	fe_set_u64(VHOST_USER_SET_FEATURES, 0, features, NULL, 0);
	ck_assert_int_eq(fe_mem_table(0x9 & ~VHOST_USER_VERSION, &r, 1, &fe.memfd, 1), 0);
	fe_reply(VHOST_USER_SET_MEM_TABLE, &ack, sizeof(ack));
	ck_assert_uint_eq(ack, 0);
	fe_ring_at(0, num, false, base0);
	if (p2a)
		fe_ring_at(1, num, false, base1);
	fe_state(VHOST_USER_SET_VRING_ENABLE, VHOST_USER_FLAG_NEED_REPLY, 0, 1);
	fe_state(VHOST_USER_SET_VRING_ENABLE, VHOST_USER_FLAG_NEED_REPLY, 1, 1);
}

/* Guest poweroff: rings disabled, then stopped; their last_avail. */
static void fe_stop(uint32_t *base0, uint32_t *base1)
{
	fe_state(VHOST_USER_SET_VRING_ENABLE, VHOST_USER_FLAG_NEED_REPLY, 0, 0);
	fe_state(VHOST_USER_SET_VRING_ENABLE, VHOST_USER_FLAG_NEED_REPLY, 1, 0);
	*base0 = fe_get_vring_base(0);
	*base1 = fe_get_vring_base(1);
	ck_assert_int_eq(vhost_conn_kick_fd(fe.c, 0), -1);
	ck_assert_int_eq(vhost_conn_kick_fd(fe.c, 1), -1);
	for (unsigned int q = 0; q < 2; q++)
		fe_vring_fd(VHOST_USER_SET_VRING_CALL, q, fe.call[q]);
}

/* --- the rings, as a driver --------------------------------------------------------- */

static uint8_t *host(uint64_t gpa)
{
	return fe.ram + (gpa - RAM_GPA);
}

static void put_desc(unsigned int q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	uint8_t *d = fe.ram + RING_OFF(q) + DESC_OFF + 16u * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void offer(unsigned int q, uint16_t head)
{
	uint8_t *a = fe.ram + RING_OFF(q) + AVAIL_OFF;

	memcpy(a + 4 + 2u * (fe.avail_idx[q] % fe.num[q]), &head, 2);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	fe.avail_idx[q]++;
	memcpy(a + 2, &fe.avail_idx[q], 2);
}

static uint16_t used_idx(unsigned int q)
{
	uint16_t v;

	memcpy(&v, fe.ram + RING_OFF(q) + USED_OFF + 2, 2);
	return v;
}

/* Kicks as the guest's notify would, and runs the backend as its event loop
 * would once the kick fd polls readable. */
static void kick(unsigned int q)
{
	uint64_t one = 1;
	struct pollfd p = { .fd = vhost_conn_kick_fd(fe.c, q), .events = POLLIN };

	ck_assert_int_eq(write(fe.kick[q], &one, sizeof(one)), sizeof(one));
	ck_assert_int_eq(poll(&p, 1, 0), 1);
	ck_assert_int_eq(vhost_conn_kick(fe.c, q), 0);
	/* Drained. */
	ck_assert_int_eq(poll(&p, 1, 0), 0);
}

static bool called(unsigned int q)
{
	uint64_t v;

	return read(fe.call[q], &v, sizeof(v)) == sizeof(v) && v > 0;
}

static uint32_t token;
static uint8_t resp[256];
static uint32_t resp_len;

/* One SCMI command through the cmdq: request and response chain 0 -> 1. */
static int32_t cmd(uint8_t proto, uint8_t msg, int n, const uint32_t *w)
{
	uint32_t hdr = SCMI_HDR(msg, 0, proto, ++token & 0x3ff);
	uint16_t before = used_idx(0);
	uint8_t *u;
	uint32_t id;

	vscmi_put_le32(host(RAM_GPA + REQ_OFF), hdr);
	for (int i = 0; i < n; i++)
		vscmi_put_le32(host(RAM_GPA + REQ_OFF) + 4 + 4 * i, w[i]);
	put_desc(0, 0, RAM_GPA + REQ_OFF, 4 + 4 * (uint32_t)n, 1, 1);
	put_desc(0, 1, RAM_GPA + RESP_OFF, sizeof(resp), 2, 0);
	offer(0, 0);
	kick(0);
	ck_assert(called(0));
	ck_assert_uint_eq(used_idx(0), (uint16_t)(before + 1));
	u = fe.ram + RING_OFF(0) + USED_OFF + 4 + 8u * (before % fe.num[0]);
	memcpy(&id, u, 4);
	memcpy(&resp_len, u + 4, 4);
	ck_assert_uint_eq(id, 0);
	ck_assert_uint_ge(resp_len, 8);
	ck_assert_uint_le(resp_len, sizeof(resp));
	memcpy(resp, host(RAM_GPA + RESP_OFF), resp_len);
	ck_assert_uint_eq(vscmi_get_le32(resp), hdr);
	return (int32_t)vscmi_get_le32(resp + 4);
}

#define CMD(proto, msg, ...)                                                      \
	cmd(proto, msg, sizeof((uint32_t[]){ 0, ##__VA_ARGS__ }) / 4 - 1,        \
	    (const uint32_t[]){ 0, ##__VA_ARGS__ } + 1)

static void assert_base_version(void)
{
	ck_assert_int_eq(CMD(SCMI_PROTO_BASE, 0x0), 0);
	ck_assert_uint_eq(resp_len, 12);
	ck_assert_uint_eq(vscmi_get_le32(resp + 8), 0x20001);
}

static int64_t clk_on(uint32_t id)
{
	return rig_emu(plat, VSCMI_OP_CLOCK_ENABLE, id);
}

/* The frontend misbehaved: the backend refuses, then is closed clean. */
static void refused(int r)
{
	ck_assert_int_lt(r, 0);
	disconnect();
}

/* --- QEMU's sequence ------------------------------------------------------------------ */

START_TEST(test_qemu_sequence_mmio_p2a)
{
	uint32_t b0, b1;

	fe_start(true, 1024);
	assert_base_version();
	ck_assert_int_eq(CMD(SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(clk_on(PLAT_CLK), 1);
	ck_assert_int_eq(clk_on(PLAT_PLL), 1);
	ck_assert_uint_eq(vhost_conn_dev(fe.c)->driver_features & VIO_SCMI_F_P2A_CHANNELS,
			  VIO_SCMI_F_P2A_CHANNELS);
	/* A kick with nothing new: no call. */
	kick(0);
	ck_assert(!called(0));
	fe_stop(&b0, &b1);
	ck_assert_uint_eq(b0, 2);
	ck_assert_uint_eq(b1, 0);
	/* Stopped rings may be a pause: nothing is switched yet. */
	ck_assert_int_eq(clk_on(PLAT_CLK), 1);
	/* QEMU exits after the guest powered off: its votes go with it. */
	disconnect();
	ck_assert_int_eq(clk_on(PLAT_CLK), 0);
	ck_assert_int_eq(clk_on(PLAT_PLL), 0);
}
END_TEST

START_TEST(test_pause_and_resume_keep_votes)
{
	uint32_t b0, b1;

	fe_start(true, 1024);
	ck_assert_int_eq(CMD(SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	assert_base_version();
	fe_stop(&b0, &b1);
	ck_assert_uint_eq(b0, 2);
	ck_assert_int_eq(clk_on(PLAT_CLK), 1);
	/* A command in the ring while the VM stood still (queued just before
	 * the pause) is served when the ring starts again, with no kick. */
	vscmi_put_le32(host(RAM_GPA + REQ_OFF), SCMI_HDR(0, 0, SCMI_PROTO_BASE, 7));
	put_desc(0, 0, RAM_GPA + REQ_OFF, 4, 1, 1);
	put_desc(0, 1, RAM_GPA + RESP_OFF, 64, 2, 0);
	offer(0, 0);
	fe_resume(true, 1024, b0, b1);
	ck_assert_uint_eq(used_idx(0), 3);
	ck_assert(called(0));
	ck_assert_int_eq(clk_on(PLAT_CLK), 1);
	assert_base_version();
	ck_assert_int_eq(CMD(SCMI_PROTO_CLOCK, 0x7, 0, 0, 0), 0);
	ck_assert_int_eq(clk_on(PLAT_CLK), 0);
	disconnect();
}
END_TEST

/* The VM pauses while a command's reply waits on the firmware; the reply
 * reaches the guest once it runs again, in the used ring's next entry,
 * whether the firmware answered during the pause or after it. */
static void pause_with_reply_to_come(bool answer_while_paused)
{
	uint32_t b0, b1, id, len, hdr = SCMI_HDR(0x7, 0, SCMI_PROTO_CLOCK, 0x55);
	uint8_t *u = fe.ram + RING_OFF(0) + USED_OFF + 4;

	fe_start(true, 1024);
	vscmi_emu_latency(plat, VSCMI_OP_CLOCK_ENABLE, 0);
	vscmi_put_le32(host(RAM_GPA + REQ_OFF), hdr);
	vscmi_put_le32(host(RAM_GPA + REQ_OFF) + 4, 0);
	vscmi_put_le32(host(RAM_GPA + REQ_OFF) + 8, 1);
	put_desc(0, 0, RAM_GPA + REQ_OFF, 12, 1, 1);
	put_desc(0, 1, RAM_GPA + RESP_OFF, 64, 2, 0);
	offer(0, 0);
	kick(0);
	ck_assert_uint_eq(used_idx(0), 0);
	fe_stop(&b0, &b1);
	ck_assert_uint_eq(b0, 1);
	for (int i = 0; answer_while_paused && i < 4; i++)
		vscmi_emu_finish(plat, VSCMI_OP_COUNT, UINT32_MAX);
	fe_resume(true, 1024, b0, b1);
	for (int i = 0; i < 4; i++)
		vscmi_emu_finish(plat, VSCMI_OP_COUNT, UINT32_MAX);
	ck_assert_uint_eq(used_idx(0), 1);
	ck_assert(called(0));
	memcpy(&id, u, 4);
	memcpy(&len, u + 4, 4);
	ck_assert_uint_eq(id, 0);
	ck_assert_uint_eq(len, 8);
	ck_assert_uint_eq(vscmi_get_le32(host(RAM_GPA + RESP_OFF)), hdr);
	ck_assert_uint_eq(vscmi_get_le32(host(RAM_GPA + RESP_OFF) + 4), 0);
	ck_assert_int_eq(clk_on(PLAT_CLK), 1);
	/* The ring carries on in step. */
	vscmi_emu_latency(plat, VSCMI_OP_CLOCK_ENABLE, -1);
	assert_base_version();
	disconnect();
}

START_TEST(test_pause_with_a_reply_to_come_answered_while_paused)
{
	pause_with_reply_to_come(true);
}
END_TEST

START_TEST(test_pause_with_a_reply_to_come_answered_after_resume)
{
	pause_with_reply_to_come(false);
}
END_TEST

START_TEST(test_qemu_sequence_pci_no_p2a_and_restart)
{
	uint32_t b0, b1;

	fe_start(false, 256);
	ck_assert_uint_eq(vhost_conn_dev(fe.c)->driver_features & VIO_SCMI_F_P2A_CHANNELS, 0);
	assert_base_version();
	assert_base_version();
	ck_assert_int_eq(CMD(SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	fe_stop(&b0, &b1);
	ck_assert_uint_eq(b0, 3);
	ck_assert_uint_eq(b1, 0);
	ck_assert_int_eq(clk_on(PLAT_CLK), 1);
	/* The guest reboots: the same connection starts again, its rings
	 * from index 0, and what the old driver held is released before the
	 * new one's first command. */
	fe_start(true, 256);
	ck_assert_int_eq(clk_on(PLAT_CLK), 0);
	assert_base_version();
	ck_assert_int_eq(CMD(SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(clk_on(PLAT_CLK), 1);
	disconnect();
}
END_TEST

/* The eventq runs over vhost-user as over MMIO: a delayed response lands
 * in the buffer the driver posted on queue 1, with a call on its fd. */
START_TEST(test_eventq_carries_a_delayed_response)
{
	const uint32_t evt = 0x42000u;
	uint8_t *u, *m;
	uint32_t id, len;

	fe_start(true, 1024);
	put_desc(1, 0, RAM_GPA + evt, 64, 2, 0);
	offer(1, 0);
	kick(1);
	ck_assert_uint_eq(used_idx(1), 0);
	/* CLOCK_RATE_SET, asynchronous: the reply now, the delayed response
	 * when the platform is done */
	ck_assert_int_eq(CMD(SCMI_PROTO_CLOCK, 0x5, 1, 0, 25000000, 0), 0);
	ck_assert_int_eq(rig_ndeferred(), 1);
	rig_run_deferred();
	ck_assert_uint_eq(used_idx(1), 1);
	ck_assert(called(1));
	u = fe.ram + RING_OFF(1) + USED_OFF + 4;
	memcpy(&id, u, 4);
	memcpy(&len, u + 4, 4);
	ck_assert_uint_eq(id, 0);
	ck_assert_uint_ge(len, 12);
	m = host(RAM_GPA + evt);
	ck_assert_uint_eq(SCMI_HDR_TYPE(vscmi_get_le32(m)), SCMI_TYPE_DELAYED);
	ck_assert_uint_eq(SCMI_HDR_MSG(vscmi_get_le32(m)), 0x5);
	ck_assert_uint_eq(SCMI_HDR_PROTO(vscmi_get_le32(m)), SCMI_PROTO_CLOCK);
	ck_assert_int_eq((int32_t)vscmi_get_le32(m + 4), 0);
	disconnect();
}
END_TEST

START_TEST(test_disconnect_releases_votes)
{
	fe_start(true, 1024);
	ck_assert_int_eq(CMD(SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(clk_on(PLAT_CLK), 1);
	ck_assert_int_eq(clk_on(PLAT_PLL), 1);
	/* QEMU killed: the socket closes mid-run. */
	close(fe.sock);
	fe.sock = -1;
	ck_assert_int_lt(vhost_conn_handle(fe.c), 0);
	vhost_conn_free(fe.c);
	fe.c = NULL;
	ck_assert_int_eq(clk_on(PLAT_CLK), 0);
	ck_assert_int_eq(clk_on(PLAT_PLL), 0);
	ck_assert_uint_eq(count_fds(), base_fds);
	ck_assert_uint_eq(count_maps(), base_maps);
}
END_TEST

START_TEST(test_broken_ring_signals_err)
{
	uint64_t v;

	fe_start(false, 256);
	/* A chain that loops on itself. */
	put_desc(0, 0, RAM_GPA + REQ_OFF, 8, 1, 0);
	offer(0, 0);
	kick(0);
	ck_assert(!called(0));
	ck_assert_int_eq(read(fe.err[0], &v, sizeof(v)), sizeof(v));
	ck_assert(vhost_conn_dev(fe.c)->status & VIO_STATUS_NEEDS_RESET);
	/* Further kicks do nothing. */
	kick(0);
	ck_assert(!called(0));
	disconnect();
}
END_TEST

START_TEST(test_mem_table_replaced_while_running)
{
	/* Hotplug: the same RAM again, now as two regions from one memfd. */
	struct region r[2] = { { RAM_GPA, RAM_SIZE / 2, RAM_UVA, 0 },
			       { RAM_GPA + RAM_SIZE / 2, RAM_SIZE / 2, RAM_UVA + RAM_SIZE / 2,
				 RAM_SIZE / 2 } };
	int fds[2] = { fe.memfd, fe.memfd };

	fe_start(true, 1024);
	assert_base_version();
	ck_assert_int_eq(fe_mem_table(0, r, 2, fds, 2), 0);
	ck_assert_uint_eq(count_maps(), base_maps + 2);
	assert_base_version();
	ck_assert_int_eq(CMD(SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(clk_on(PLAT_CLK), 1);
	/* A table the live rings do not fit in ends the connection. */
	r[0].gpa = 0x80000000ull;
	r[0].uva = 0x10000000ull;
	refused(fe_mem_table(0, r, 1, fds, 1));
	ck_assert_int_eq(clk_on(PLAT_CLK), 0);
}
END_TEST

/* A frontend that sends memory tables over and over (1000, one region and
 * two in turn) while the queues run: each replaces the last, no mapping or
 * fd piles up, commands are served in between and the vote stands. */
START_TEST(test_mem_tables_over_and_over_leave_nothing)
{
	struct region one = { RAM_GPA, RAM_SIZE, RAM_UVA, 0 };
	struct region two[2] = { { RAM_GPA, RAM_SIZE / 2, RAM_UVA, 0 },
				 { RAM_GPA + RAM_SIZE / 2, RAM_SIZE / 2, RAM_UVA + RAM_SIZE / 2,
				   RAM_SIZE / 2 } };
	int fds[2] = { fe.memfd, fe.memfd };
	unsigned int fds_running, maps_running;

	fe_start(true, 1024);
	ck_assert_int_eq(CMD(SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	fds_running = count_fds();
	maps_running = count_maps();
	for (int i = 0; i < 1000; i++) {
		if (i % 2)
			ck_assert_int_eq(fe_mem_table(0, &one, 1, fds, 1), 0);
		else
			ck_assert_int_eq(fe_mem_table(0, two, 2, fds, 2), 0);
		ck_assert_uint_eq(count_maps(), maps_running + (i % 2 ? 0 : 1));
		if (i % 100 == 0)
			assert_base_version();
	}
	ck_assert_uint_eq(count_fds(), fds_running);
	ck_assert_uint_eq(count_maps(), maps_running);
	assert_base_version();
	ck_assert_int_eq(clk_on(PLAT_CLK), 1);
	disconnect();
}
END_TEST

/* SET_VRING_ADDR on a ring that runs (the queue's rings moved under the
 * device): a ring's addresses change only while it is stopped, so the
 * frontend is refused and its connection ends; its vote goes with it and
 * nothing is left mapped. */
START_TEST(test_vring_addr_on_a_live_ring_is_refused)
{
	fe_start(true, 1024);
	ck_assert_int_eq(CMD(SCMI_PROTO_CLOCK, 0x7, 0, 1, 0), 0);
	ck_assert_int_eq(clk_on(PLAT_CLK), 1);
	refused(fe_vring_addr(0, ring_uva(1, DESC_OFF), ring_uva(1, USED_OFF),
			      ring_uva(1, AVAIL_OFF)));
	ck_assert_int_eq(clk_on(PLAT_CLK), 0);
}
END_TEST

START_TEST(test_nothing_to_read_and_split_message)
{
	uint32_t h[3] = { VHOST_USER_GET_FEATURES, VHOST_USER_VERSION, 0 };
	uint64_t v;

	/* A wakeup with nothing there. */
	ck_assert_int_eq(vhost_conn_handle(fe.c), 0);
	/* A header in two writes arrives whole. */
	ck_assert_int_eq(write(fe.sock, h, 5), 5);
	ck_assert_int_eq(write(fe.sock, (uint8_t *)h + 5, 7), 7);
	ck_assert_int_eq(vhost_conn_handle(fe.c), 0);
	fe_reply(VHOST_USER_GET_FEATURES, &v, sizeof(v));
	ck_assert_uint_eq(v, 0x160000001ull);
	/* A frontend that stops mid-message is not waited for: the wakeup
	 * takes what came and returns, nothing answered, the connection kept;
	 * the rest, whenever it comes, completes the message. */
	ck_assert_int_eq(write(fe.sock, h, 5), 5);
	ck_assert_int_eq(vhost_conn_handle(fe.c), 0);
	ck_assert_int_eq(recv(fe.sock, &v, sizeof(v), MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(vhost_conn_handle(fe.c), 0);
	ck_assert_int_eq(write(fe.sock, (uint8_t *)h + 5, 7), 7);
	ck_assert_int_eq(vhost_conn_handle(fe.c), 0);
	fe_reply(VHOST_USER_GET_FEATURES, &v, sizeof(v));
	ck_assert_uint_eq(v, 0x160000001ull);
}
END_TEST

/* A payload in pieces, split inside the header and inside the payload:
 * taken whole once the last piece is there. */
START_TEST(test_payload_in_pieces)
{
	uint32_t h[3] = { VHOST_USER_SET_FEATURES, VHOST_USER_VERSION, 8 };
	uint64_t f = 1ull << 32;

	ck_assert_int_eq(write(fe.sock, h, 8), 8);
	ck_assert_int_eq(vhost_conn_handle(fe.c), 0);
	ck_assert_int_eq(write(fe.sock, (uint8_t *)h + 8, 4), 4);
	ck_assert_int_eq(write(fe.sock, &f, 3), 3);
	ck_assert_int_eq(vhost_conn_handle(fe.c), 0);
	ck_assert_int_eq(write(fe.sock, (uint8_t *)&f + 3, 5), 5);
	ck_assert_int_eq(vhost_conn_handle(fe.c), 0);
	/* taken: the next request is answered */
	{
		uint32_t g[3] = { VHOST_USER_GET_FEATURES, VHOST_USER_VERSION, 0 };
		uint64_t v;

		ck_assert_int_eq(write(fe.sock, g, sizeof(g)), sizeof(g));
		ck_assert_int_eq(vhost_conn_handle(fe.c), 0);
		fe_reply(VHOST_USER_GET_FEATURES, &v, sizeof(v));
	}
}
END_TEST

/* --- hostile frontends ---------------------------------------------------------------- */

START_TEST(test_truncated_header)
{
	uint32_t h[2] = { VHOST_USER_GET_FEATURES, VHOST_USER_VERSION };

	ck_assert_int_eq(write(fe.sock, h, 6), 6);
	shutdown(fe.sock, SHUT_WR);
	refused(vhost_conn_handle(fe.c));
}
END_TEST

START_TEST(test_truncated_payload)
{
	uint32_t h[3] = { VHOST_USER_SET_FEATURES, VHOST_USER_VERSION, 8 };

	ck_assert_int_eq(write(fe.sock, h, sizeof(h)), sizeof(h));
	ck_assert_int_eq(write(fe.sock, h, 4), 4);
	shutdown(fe.sock, SHUT_WR);
	refused(vhost_conn_handle(fe.c));
}
END_TEST

START_TEST(test_bad_sizes)
{
	uint8_t big[400] = { 0 };

	/* A GET with a payload, a SET without, one too big for any request. */
	ck_assert_int_eq(fe_msg(VHOST_USER_GET_FEATURES, 0, big, 8, NULL, 0), -EPROTO);
	ck_assert_int_eq(fe_msg(VHOST_USER_SET_FEATURES, 0, NULL, 0, NULL, 0), -EPROTO);
	refused(fe_msg(VHOST_USER_SET_FEATURES, 0, big, sizeof(big), NULL, 0));
}
END_TEST

START_TEST(test_bad_version_and_unknown_request)
{
	uint32_t h[3] = { VHOST_USER_GET_FEATURES, 2, 0 };

	ck_assert_int_eq(write(fe.sock, h, sizeof(h)), sizeof(h));
	ck_assert_int_eq(vhost_conn_handle(fe.c), -EPROTO);
	refused(fe_msg(40, 0, NULL, 0, NULL, 0));
}
END_TEST

START_TEST(test_region_overflow)
{
	struct region r[] = {
		{ 0xfffffffffffff000ull, 0x2000, RAM_UVA, 0 },		/* gpa wraps */
		{ RAM_GPA, 0x2000, 0xfffffffffffff000ull, 0 },		/* uva wraps */
		{ RAM_GPA, RAM_SIZE, RAM_UVA, ~0ull - 0x100 },		/* offset wraps */
		{ RAM_GPA, RAM_SIZE, RAM_UVA, 0x1000 },			/* past the memfd */
		{ RAM_GPA, 0, RAM_UVA, 0 },				/* empty */
	};

	for (unsigned int i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		ck_assert_int_eq(fe_mem_table(0, &r[i], 1, &fe.memfd, 1), -EINVAL);
	ck_assert_uint_eq(count_maps(), base_maps);
	/* Nothing leaked on the way: the socket pair is all there is. */
	ck_assert_uint_eq(count_fds(), base_fds + 2);
	refused(fe_mem_table(0, &r[0], 1, &fe.memfd, 1));
}
END_TEST

START_TEST(test_region_fd_missing_or_extra)
{
	struct region r[2] = { { RAM_GPA, RAM_SIZE, RAM_UVA, 0 },
			       { RAM_GPA + RAM_SIZE, RAM_SIZE, RAM_UVA + RAM_SIZE, 0 } };
	int fds[2] = { fe.memfd, fe.memfd };

	ck_assert_int_eq(fe_mem_table(0, r, 1, NULL, 0), -EPROTO);
	ck_assert_int_eq(fe_mem_table(0, r, 2, fds, 1), -EPROTO);
	ck_assert_int_eq(fe_mem_table(0, r, 1, fds, 2), -EPROTO);
	ck_assert_int_eq(fe_mem_table(0, r, 0, NULL, 0), -EPROTO);
	/* A pipe is no memory. */
	{
		int p[2];

		ck_assert_int_eq(pipe(p), 0);
		ck_assert_int_eq(fe_mem_table(0, r, 1, p, 1), -EINVAL);
		close(p[0]);
		close(p[1]);
	}
	ck_assert_uint_eq(count_fds(), base_fds + 2);
	ck_assert_uint_eq(count_maps(), base_maps);
	refused(-EPROTO);
}
END_TEST

START_TEST(test_ring_outside_regions)
{
	struct region r = { RAM_GPA, RAM_SIZE, RAM_UVA, 0 };

	fe_set_u64(VHOST_USER_SET_PROTOCOL_FEATURES, 0, 0x9, NULL, 0);
	ck_assert_int_eq(fe_mem_table(0, &r, 1, &fe.memfd, 1), 0);
	fe_state(VHOST_USER_SET_VRING_NUM, 0, 0, 1024);
	/* Not translated: guest-physical where a user address belongs. */
	ck_assert_int_eq(fe_vring_addr(0, RAM_GPA, RAM_GPA + 0x5000, RAM_GPA + 0x4000), -EINVAL);
	ck_assert_int_eq(fe_vring_addr(0, RAM_UVA + RAM_SIZE, ring_uva(0, USED_OFF),
				       ring_uva(0, AVAIL_OFF)), -EINVAL);
	/* Starts inside, ends outside: found when the ring starts. */
	ck_assert_int_eq(fe_vring_addr(0, RAM_UVA + RAM_SIZE - 16, ring_uva(0, USED_OFF),
				       ring_uva(0, AVAIL_OFF)), 0);
	fe_state(VHOST_USER_SET_VRING_ENABLE, 0, 0, 1);
	ck_assert_int_eq(fe_msg(VHOST_USER_SET_VRING_KICK, 0, &(uint64_t){ 0 }, 8, &fe.kick[0], 1),
			 -EINVAL);
	ck_assert_uint_eq(count_maps(), base_maps + 1);
	disconnect();
}
END_TEST

START_TEST(test_queue_index_5)
{
	uint32_t s[2] = { 5, 256 };
	uint64_t v = 5;

	ck_assert_int_eq(fe_msg(VHOST_USER_SET_VRING_NUM, 0, s, sizeof(s), NULL, 0), -EINVAL);
	ck_assert_int_eq(fe_msg(VHOST_USER_SET_VRING_ENABLE, 0, s, sizeof(s), NULL, 0), -EINVAL);
	ck_assert_int_eq(fe_msg(VHOST_USER_GET_VRING_BASE, 0, s, sizeof(s), NULL, 0), -EINVAL);
	ck_assert_int_eq(fe_vring_addr(5, RAM_UVA, RAM_UVA, RAM_UVA), -EINVAL);
	ck_assert_int_eq(fe_msg(VHOST_USER_SET_VRING_CALL, 0, &v, 8, &fe.call[0], 1), -EINVAL);
	ck_assert_int_eq(fe_msg(VHOST_USER_SET_VRING_KICK, 0, &v, 8, &fe.kick[0], 1), -EINVAL);
	ck_assert_int_eq(vhost_conn_kick(fe.c, 5), -EINVAL);
	ck_assert_int_eq(vhost_conn_kick_fd(fe.c, 5), -1);
	ck_assert_uint_eq(count_fds(), base_fds + 2);
	refused(-EINVAL);
}
END_TEST

START_TEST(test_unexpected_fds)
{
	uint64_t v = VHOST_USER_VRING_NOFD;
	int two[2] = { fe.call[0], fe.call[1] };

	ck_assert_int_eq(fe_msg(VHOST_USER_SET_OWNER, 0, NULL, 0, &fe.call[0], 1), -EPROTO);
	ck_assert_int_eq(fe_msg(VHOST_USER_GET_FEATURES, 0, NULL, 0, two, 2), -EPROTO);
	/* "No fd" with one, and one fd too many. */
	ck_assert_int_eq(fe_msg(VHOST_USER_SET_VRING_CALL, 0, &v, 8, &fe.call[0], 1), -EPROTO);
	v = 0;
	ck_assert_int_eq(fe_msg(VHOST_USER_SET_VRING_CALL, 0, &v, 8, two, 2), -EPROTO);
	/* Under NEED_REPLY the refusal is acked as a failure first. */
	fe_set_u64(VHOST_USER_SET_PROTOCOL_FEATURES, 0, 0x9, NULL, 0);
	ck_assert_int_eq(fe_msg(VHOST_USER_SET_OWNER, VHOST_USER_FLAG_NEED_REPLY, NULL, 0,
				&fe.call[0], 1), -EPROTO);
	fe_reply(VHOST_USER_SET_OWNER, &v, sizeof(v));
	ck_assert_uint_ne(v, 0);
	ck_assert_uint_eq(count_fds(), base_fds + 2);
	refused(-EPROTO);
}
END_TEST

START_TEST(test_bad_values)
{
	/* Not a power of two, too big; features never offered. */
	uint32_t s[2] = { 0, 100 };

	ck_assert_int_eq(fe_msg(VHOST_USER_SET_VRING_NUM, 0, s, sizeof(s), NULL, 0), -EINVAL);
	s[1] = 65536;
	ck_assert_int_eq(fe_msg(VHOST_USER_SET_VRING_NUM, 0, s, sizeof(s), NULL, 0), -EINVAL);
	ck_assert_int_eq(fe_msg(VHOST_USER_SET_VRING_BASE, 0, s, sizeof(s), NULL, 0), -EINVAL);
	ck_assert_int_eq(fe_msg(VHOST_USER_SET_FEATURES, 0, &(uint64_t){ 1ull << 33 }, 8, NULL, 0),
			 -EINVAL);
	ck_assert_int_eq(fe_msg(VHOST_USER_SET_PROTOCOL_FEATURES, 0, &(uint64_t){ 1ull << 9 }, 8,
				NULL, 0), -EINVAL);
	refused(-EINVAL);
}
END_TEST

static Suite *vhost_suite(void)
{
	Suite *s = suite_create("vhost");
	TCase *tc = tcase_create("vhost");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_qemu_sequence_mmio_p2a);
	tcase_add_test(tc, test_qemu_sequence_pci_no_p2a_and_restart);
	tcase_add_test(tc, test_pause_and_resume_keep_votes);
	tcase_add_test(tc, test_eventq_carries_a_delayed_response);
	tcase_add_test(tc, test_pause_with_a_reply_to_come_answered_while_paused);
	tcase_add_test(tc, test_pause_with_a_reply_to_come_answered_after_resume);
	tcase_add_test(tc, test_disconnect_releases_votes);
	tcase_add_test(tc, test_broken_ring_signals_err);
	tcase_add_test(tc, test_mem_table_replaced_while_running);
	tcase_add_test(tc, test_mem_tables_over_and_over_leave_nothing);
	tcase_add_test(tc, test_vring_addr_on_a_live_ring_is_refused);
	tcase_add_test(tc, test_nothing_to_read_and_split_message);
	tcase_add_test(tc, test_payload_in_pieces);
	tcase_add_test(tc, test_truncated_header);
	tcase_add_test(tc, test_truncated_payload);
	tcase_add_test(tc, test_bad_sizes);
	tcase_add_test(tc, test_bad_version_and_unknown_request);
	tcase_add_test(tc, test_region_overflow);
	tcase_add_test(tc, test_region_fd_missing_or_extra);
	tcase_add_test(tc, test_ring_outside_regions);
	tcase_add_test(tc, test_queue_index_5);
	tcase_add_test(tc, test_unexpected_fds);
	tcase_add_test(tc, test_bad_values);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return rig_run(vhost_suite());
}
