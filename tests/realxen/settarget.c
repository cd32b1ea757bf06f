/* SPDX-License-Identifier: GPL-2.0-only */
/* vscmi-set-target: makes a driver domain the device model of one guest.
 *
 *   vscmi-set-target DM_DOMID GUEST_DOMID
 *
 * Under Xen's default XSM policy only dom0, or the domain a guest is the
 * target of, may run IOREQ servers for it and map its memory; libxl sets
 * that relation for stub device models only, and xl has no verb for it.
 * dom0 runs this between `xl create -p` and `xl unpause`. Xen takes it
 * once per device-model domain and never clears it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>

static int domid_arg(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v >= 0x7ff0)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int main(int argc, char **argv)
{
	uint32_t dm, guest;
	xc_interface *xch;
	int r;

	if (argc != 3 || domid_arg(argv[1], &dm) < 0 || domid_arg(argv[2], &guest) < 0) {
		fprintf(stderr, "usage: vscmi-set-target DM_DOMID GUEST_DOMID\n");
		return 2;
	}
	xch = xc_interface_open(NULL, NULL, 0);
	if (!xch) {
		fprintf(stderr, "vscmi-set-target: cannot open libxenctrl: %s\n", strerror(errno));
		return 1;
	}
	r = xc_domain_set_target(xch, dm, guest);
	if (r < 0)
		fprintf(stderr, "vscmi-set-target: domain %u as device model of %u: %s\n", dm, guest,
			strerror(errno));
	xc_interface_close(xch);
	return r < 0 ? 1 : 0;
}
