/* SPDX-License-Identifier: GPL-2.0-only */
/* libFuzzer target: a vhost-user frontend saying anything. Each input is a
 * conversation with one backend connection over a socketpair; the guest's
 * memory is a memfd the frontend can hand over. Records [op, args]:
 *   0 msg   [request, flags, size, size bytes]: one message, no fds
 *   1 mem   [nregions, per region: gpa page (le16), pages, offset page]:
 *           SET_MEM_TABLE with the memfd once per region
 *   2 fd    [request, index]: SET_VRING_KICK/CALL/ERR (or another request)
 *           carrying a fresh eventfd
 *   3 data  [off (le16), n, n bytes] into guest memory
 *   4 kick  [queue]
 * Messages are always whole: one cut short makes the backend wait a second
 * for the rest (tests/test_vhost.c covers that). The backend answers or refuses each message; a refusal ends the
 * connection, as the daemon would close it, and the rest of the input
 * starts a new one. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "vscmi/buf.h"
#include "vscmi/vhost.h"

#define FZ_MEM_PAGES 16u
#define FZ_MSG_MAX 0x200u

static struct fz_server fs;
static int memfd = -1;
static uint8_t *mem;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_load_config();
	memfd = memfd_create("fuzz-vhost", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, FZ_MEM_PAGES * 4096) < 0)
		abort();
	mem = mmap(NULL, FZ_MEM_PAGES * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (mem == MAP_FAILED)
		abort();
	return 0;
}

/* One message with optional fds; the socket is the frontend's end. */
static void fz_send(int sock, const void *buf, size_t len, const int *fds, unsigned int nfds)
{
	union {
		char b[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

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
	if (sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return;
}

/* What the backend replied is read and dropped, so its sends never block. */
static void fz_drain(int sock)
{
	uint8_t b[512];

	while (recv(sock, b, sizeof(b), MSG_DONTWAIT) > 0)
		;
}

struct fz_conn {
	int sock;			/* the frontend's end */
	struct vhost_conn *c;
};

static void fz_conn_open(struct fz_conn *fc)
{
	int sv[2];

	fc->c = NULL;
	fc->sock = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
		abort();
	fc->c = vhost_conn_new(sv[1], fs.srv, scmi_server_agent(fs.srv, 1));
	if (!fc->c)
		abort();
	fc->sock = sv[0];
}

static void fz_conn_close(struct fz_conn *fc)
{
	vhost_conn_free(fc->c);
	close(fc->sock);
	fc->c = NULL;
	fc->sock = -1;
}

/* Lets the backend take what was sent (a call reads one message, or
 * finds none); a refusal ends the connection and the next record gets a
 * new one. */
static void fz_handle(struct fz_conn *fc)
{
	for (int i = 0; i < 2; i++) {
		int r = vhost_conn_handle(fc->c);

		fz_drain(fc->sock);
		if (r < 0) {
			fz_conn_close(fc);
			fz_conn_open(fc);
			return;
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_conn fc;
	size_t i = 0;

	fz_server_start(&fs);
	fz_conn_open(&fc);
	memset(mem, 0, FZ_MEM_PAGES * 4096);
	/* every record is bounded, and so is the conversation */
	for (int rec = 0; rec < 256 && i < size; rec++) {
		uint8_t op = data[i++] % 5;
		uint8_t msg[12 + FZ_MSG_MAX];

		switch (op) {
		case 0: {
			uint32_t n;

			if (size - i < 3)
				goto out;
			n = data[i + 2] % (FZ_MSG_MAX + 1);
			vscmi_put_le32(msg, data[i]);
			vscmi_put_le32(msg + 4, data[i + 1]);
			i += 3;
			if (size - i < n)
				n = (uint32_t)(size - i);
			vscmi_put_le32(msg + 8, n);
			memcpy(msg + 12, data + i, n);
			i += n;
			fz_send(fc.sock, msg, 12 + n, NULL, 0);
			fz_handle(&fc);
			break;
		}
		case 1: {
			uint32_t nr;
			int fds[8];

			if (size - i < 1)
				goto out;
			nr = 1 + data[i++] % 8;
			if (size - i < 4 * nr)
				goto out;
			vscmi_put_le32(msg, VHOST_USER_SET_MEM_TABLE);
			vscmi_put_le32(msg + 4, VHOST_USER_VERSION);
			vscmi_put_le32(msg + 8, 8 + 32 * nr);
			memset(msg + 12, 0, 8 + 32 * nr);
			vscmi_put_le32(msg + 12, nr);
			for (uint32_t r = 0; r < nr; r++, i += 4) {
				uint8_t *p = msg + 20 + 32 * r;
				uint64_t gpa = (uint64_t)fz_get16(data + i) << 12;
				uint64_t len = (uint64_t)(data[i + 2] % (FZ_MEM_PAGES + 2)) << 12;
				uint64_t off = (uint64_t)(data[i + 3] % (FZ_MEM_PAGES + 2)) << 12;

				memcpy(p, &gpa, 8);
				memcpy(p + 8, &len, 8);
				memcpy(p + 16, &gpa, 8);	/* uva: as QEMU's, any value */
				memcpy(p + 24, &off, 8);
				fds[r] = memfd;
			}
			fz_send(fc.sock, msg, 12 + 8 + 32 * nr, fds, nr);
			fz_handle(&fc);
			break;
		}
		case 2: {
			int efd;
			uint64_t v;

			if (size - i < 2)
				goto out;
			efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			if (efd < 0)
				abort();
			vscmi_put_le32(msg, data[i]);
			vscmi_put_le32(msg + 4, VHOST_USER_VERSION);
			vscmi_put_le32(msg + 8, 8);
			v = data[i + 1];
			memcpy(msg + 12, &v, 8);
			i += 2;
			fz_send(fc.sock, msg, 20, &efd, 1);
			close(efd);
			fz_handle(&fc);
			break;
		}
		case 3: {
			uint32_t off, n;

			if (size - i < 3)
				goto out;
			off = fz_get16(data + i) % (FZ_MEM_PAGES * 4096);
			n = data[i + 2];
			i += 3;
			if (size - i < n)
				n = (uint32_t)(size - i);
			if (n > FZ_MEM_PAGES * 4096 - off)
				n = FZ_MEM_PAGES * 4096 - off;
			memcpy(mem + off, data + i, n);
			i += n;
			break;
		}
		default:
			if (size - i < 1)
				goto out;
			vhost_conn_kick(fc.c, data[i++] % 3);
			fz_run_deferred();
			break;
		}
	}
out:
	fz_conn_close(&fc);
	fz_server_stop(&fs);
	return 0;
}
