/* SPDX-License-Identifier: GPL-2.0-only */
/* libFuzzer target: arbitrary bytes as the XenStore values and paths the
 * Xen layer reads: a device's numbers (base, irq, frontend-id, state,
 * grant_usage), the domain and device ids in a watch's path, and the hold
 * markers' names. The first byte picks the parser and its bound, the rest
 * is the string. What a parser takes must be what a toolstack writes: a
 * number with nothing before or after it, within its bound. */
#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "internal.h"

#define FZ_WATCH "/local/domain/0/backend/virtio"

static const uint64_t bounds[] = {
	UINT64_MAX - VIO_MMIO_SIZE,	/* base */
	1019,				/* irq */
	XEN_DOMID_MAX,			/* frontend-id */
	8,				/* state */
	1,				/* grant_usage, online */
	UINT64_MAX,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

/* A number as strtoull's base 0 reads it, with nothing else around it. */
static bool canonical(const char *s)
{
	size_t i = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; isxdigit((unsigned char)s[i]); i++)
			;
		return i > 2 && !s[i];
	}
	for (; isdigit((unsigned char)s[i]); i++)
		;
	return i > 0 && !s[i];
}

/* A decimal id: digits, no leading zero. */
static void check_id(const char *s, size_t len, uint32_t v, unsigned long max)
{
	char again[16];

	snprintf(again, sizeof(again), "%" PRIu32, v);
	if (v > max || strlen(again) != len || memcmp(again, s, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	uint32_t domid, devid, id;
	uint64_t v;
	const char *rest;

	if (size < 1)
		return 0;
	s = malloc(size);
	if (!s)
		abort();
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';

	switch (data[0] % 3) {
	case 0: {
		uint64_t max = bounds[(data[0] / 3) % (sizeof(bounds) / sizeof(bounds[0]))];

		if (xen_parse_u64(s, max, &v) == 0 && (v > max || !canonical(s)))
			abort();
		break;
	}
	case 1: {
		char stop = data[0] & 0x80 ? '/' : '\0';
		unsigned long max = data[0] & 0x40 ? XEN_DOMID_MAX : UINT32_MAX;

		if (xen_parse_id(s, stop, max, &id, &rest) == 0) {
			if (*rest && *rest != stop)
				abort();
			check_id(s, (size_t)(rest - s), id, max);
		}
		break;
	}
	case 2:
		if (xen_parse_dev_path(FZ_WATCH, s, &domid, &devid) == 0) {
			char again[96];
			size_t n;

			n = (size_t)snprintf(again, sizeof(again), FZ_WATCH "/%" PRIu32 "/%" PRIu32,
					     domid, devid);
			if (domid > XEN_DOMID_MAX || strncmp(again, s, n) != 0 ||
			    (s[n] && s[n] != '/'))
				abort();
		}
		break;
	}
	free(s);
	return 0;
}
