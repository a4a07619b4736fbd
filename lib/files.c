// SPDX-License-Identifier: MIT
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *file_kind(unsigned int mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	default:
		return "not a file";
	}
}

static bool kind_ok(unsigned int mode, bool allow_blockdev)
{
	return S_ISREG(mode) || (allow_blockdev && S_ISBLK(mode));
}

static int refuse(unsigned int mode, bool allow_blockdev, char *err,
		  size_t errlen)
{
	snprintf(err, errlen, "is %s, not a regular file%s", file_kind(mode),
		 allow_blockdev ? " or block device" : "");
	return -EINVAL;
}

static int changed(char *err, size_t errlen)
{
	snprintf(err, errlen, "was replaced while being opened");
	return -EAGAIN;
}

static int fail_errno(const char *what, char *err, size_t errlen)
{
	int e = errno;

	snprintf(err, errlen, "%s: %s", what, strerror(e));
	return -e;
}

int open_user_file(const char *path, int flags, bool allow_blockdev,
		   char *err, size_t errlen)
{
	struct stat before, after;
	int fd, ret;

	/* stat first: opening a device or FIFO can block or have effects. */
	if (stat(path, &before))
		return fail_errno("cannot open", err, errlen);
	if (!kind_ok(before.st_mode, allow_blockdev))
		return refuse(before.st_mode, allow_blockdev, err, errlen);
	/* Non-blocking: the path may have been swapped for a FIFO since. */
	fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail_errno("cannot open", err, errlen);
	if (fstat(fd, &after))
		ret = fail_errno("cannot stat", err, errlen);
	else if (!kind_ok(after.st_mode, allow_blockdev))
		ret = refuse(after.st_mode, allow_blockdev, err, errlen);
	else if (after.st_dev != before.st_dev || after.st_ino != before.st_ino)
		ret = changed(err, errlen);
	else if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK))
		ret = fail_errno("cannot open", err, errlen);
	else
		return fd;
	close(fd);
	return ret;
}
