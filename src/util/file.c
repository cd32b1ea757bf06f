/* SPDX-License-Identifier: GPL-2.0-only */
/* Whole-file replacement: write aside, then rename into place. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "vscmi/file.h"

int vscmi_file_replace(int dirfd, const char *name, const struct iovec *iov, int iovcnt)
{
	char tmp[PATH_MAX];
	ssize_t want = 0;
	int fd, r = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.new", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (int i = 0; i < iovcnt; i++)
		want += (ssize_t)iov[i].iov_len;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	errno = 0;
	if (writev(fd, iov, iovcnt) != want)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	return r;
}
