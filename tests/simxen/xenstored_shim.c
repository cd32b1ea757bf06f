/* SPDX-License-Identifier: GPL-2.0-only */
/* LD_PRELOAD shim for Debian's xenstored 4.17 under simxen, loaded after
 * libsimxen.so (which provides the Xen libraries xenstored calls).
 *
 * With no /proc/xen, dom0's xenstore event channel and ring come from
 * $XSD_SHIM_DIR/xsd_port and $XSD_SHIM_DIR/xsd_kva, written by the harness.
 * xenevtchn_fdopen() only serves live update, which is not simulated. */
/* Define open() itself, not a fortified or 64-bit-redirected alias. */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenevtchn.h>

typedef int (*open_fn)(const char *, int, ...);

static const char *redirect(const char *path, char *buf, size_t len)
{
	const char *dir = getenv("XSD_SHIM_DIR");
	const char *leaf;

	if (!dir || !path)
		return path;
	if (!strcmp(path, "/proc/xen/xsd_port"))
		leaf = "xsd_port";
	else if (!strcmp(path, "/proc/xen/xsd_kva"))
		leaf = "xsd_kva";
	else
		return path;
	if (snprintf(buf, len, "%s/%s", dir, leaf) >= (int)len)
		return path;
	return buf;
}

static int do_open(const char *sym, const char *path, int flags, mode_t mode)
{
	open_fn real = (open_fn)dlsym(RTLD_NEXT, sym);
	char buf[PATH_MAX];

	if (!real) {
		errno = ENOSYS;
		return -1;
	}
	return real(redirect(path, buf, sizeof(buf)), flags, mode);
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return do_open("open", path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return do_open("open64", path, flags, mode);
}

xenevtchn_handle *xenevtchn_fdopen(struct xentoollog_logger *logger, int fd,
				   unsigned open_flags)
{
	errno = ENOSYS;
	return NULL;
}
