/* SPDX-License-Identifier: GPL-2.0-only */
/* libFuzzer target: arbitrary bytes as kernel uevents about the SCMI
 * driver, on a datagram socket handed in as the service manager would, and
 * each also parsed from a buffer of exactly its length. The input is
 * records [length: 2 bytes LE][message]; a bind seen earlier in the input
 * is what makes a later unbind count. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common.h"
#include "vscmi/platform.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vscmi_uevent *u;
	size_t off = 0;
	int sv[2], r;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    vscmi_uevent_open(sv[0], &u) < 0)
		abort();
	while (off + 2 <= size) {
		size_t n = (size_t)(data[off] | data[off + 1] << 8);
		char *msg;

		off += 2;
		if (n > size - off)
			n = size - off;
		msg = malloc(n ? n : 1);
		if (!msg)
			abort();
		memcpy(msg, data + off, n);
		r = (int)vscmi_uevent_parse(u, msg, n);
		if (r < VSCMI_UEVENT_NONE || r > VSCMI_UEVENT_UP)
			abort();
		free(msg);
		if (send(sv[1], data + off, n, 0) >= 0) {
			r = vscmi_uevent_read(u);
			if (r < VSCMI_UEVENT_NONE || r > VSCMI_UEVENT_UP)
				abort();
		}
		off += n;
	}
	vscmi_uevent_free(u);
	close(sv[1]);
	return 0;
}
