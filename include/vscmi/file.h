/* SPDX-License-Identifier: GPL-2.0-only */
/* Files that must never be seen half written. */
#ifndef VSCMI_FILE_H
#define VSCMI_FILE_H

#include <sys/uio.h>

/* Writes iov to NAME.new under dirfd (AT_FDCWD: name is a path) and renames
 * it over name, so a reader finds the old file or the new one whole. 0, or
 * -errno with name untouched and NAME.new removed. */
int vscmi_file_replace(int dirfd, const char *name, const struct iovec *iov, int iovcnt);

#endif
