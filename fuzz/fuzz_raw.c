/* SPDX-License-Identifier: GPL-2.0-only */
/* libFuzzer target: arbitrary bytes as what the firmware sends back through
 * the kernel's SCMI raw files: replies, delayed responses and
 * notifications, read by the linux-raw platform's own dispatch with the
 * arbiter on top of it. The raw files are socket pairs here: one packet a
 * message, an empty packet the end-of-message read the raw files give.
 * The input is records [op][a][b][len][bytes...]:
 *   op % 5 == 0: bytes as a reply on the message file;
 *   op % 5 == 1: the same with the header of pending command a, so that a
 *               reply finds what it answers;
 *   op % 5 == 2: bytes as a notification;
 *   op % 5 == 3: start a command: operation a, platform id b, value bytes;
 *   op % 5 == 4: start a sensor reading of id b (asynchronous if a is odd).
 * op & 0x80 leaves out the empty packet after a message. Each record ends
 * with both dispatches, as the daemon's loop runs them. */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "raw_internal.h"
#include "vscmi/arbiter.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fz_load_config();
	return 0;
}

static void fz_done(void *ctx, int result)
{
}

static void fz_reading(void *ctx, int result, int64_t value, uint64_t ts)
{
}

static void fz_put(int fd, const uint8_t *p, size_t n, bool end)
{
	/* a full queue is the firmware sending faster than it is read */
	if (write(fd, p, n) < 0 || (end && write(fd, "", 0) < 0))
		return;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vscmi_raw_opts opts = { .dir = "/nonexistent", .channel = -1, .timeout_ms = 1000 };
	int rx[2], nt[2], null;
	struct raw *r;
	struct arb *arb;
	char err[256];
	size_t off = 0;

	if (raw_alloc(&fz_cfg->model, &opts, &r, err, sizeof(err)) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, rx) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, nt) < 0)
		abort();
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	r->tx_fd = null;
	r->async_tx_fd = dup(null);
	r->rx_fd = rx[0];
	r->notif_fd = nt[0];
	r->up = true;
	/* The firmware's idea of our agent id, so that our own changes it
	 * reports are recognised. */
	r->own_agent = size ? data[0] % 4 : UINT32_MAX;
	arb = arb_new(&fz_cfg->model, &r->base);
	if (!arb)
		abort();

	while (off + 4 <= size) {
		uint8_t op = data[off], a = data[off + 1], b = data[off + 2];
		size_t n = data[off + 3];
		const uint8_t *p = data + off + 4;

		off += 4;
		if (n > size - off)
			n = size - off;
		off += n;
		switch ((op & 0x7f) % 5) {
		case 0:
			fz_put(rx[1], p, n, !(op & 0x80));
			break;
		case 1: {
			uint8_t msg[256];
			uint32_t hdr = r->pend[a % RAW_INFLIGHT_MAX].hdr;

			memcpy(msg, p, n);
			if (n >= 4)
				vscmi_put_le32(msg, hdr | (vscmi_get_le32(msg) & 0xf0000000u));
			fz_put(rx[1], msg, n, !(op & 0x80));
			break;
		}
		case 2:
			fz_put(nt[1], p, n, !(op & 0x80));
			break;
		case 3: {
			struct vscmi_op o = { .type = (enum vscmi_op_type)(a % VSCMI_OP_COUNT),
					      .id = b };

			if (n >= 4)
				o.val = vscmi_get_le32(p);
			if (n >= 8)
				o.val2 = vscmi_get_le32(p + 4);
			r->base.ops->start(&r->base, &o, fz_done, NULL);
			break;
		}
		case 4: {
			int i = raw_sensor_index(r, b);
			int64_t v;
			uint64_t ts;

			if (i >= 0)
				r->res[VSCMI_SENSOR][i].async = a & 1;
			r->base.ops->sensor_start(&r->base, b, &v, &ts, fz_reading, NULL);
			break;
		}
		}
		r->base.ops->dispatch(&r->base);
		if (vscmi_raw_up(&r->base))
			vscmi_raw_dispatch(&r->base);
	}
	/* what is still pending is forgotten, as when the daemon stops */
	arb_free(arb);
	vscmi_platform_free(&r->base);
	close(rx[1]);
	close(nt[1]);
	return 0;
}
