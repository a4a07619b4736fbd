// SPDX-License-Identifier: MIT
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

static int read_fd(int fd, uint8_t *buf, size_t len, char *err, size_t errlen)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = read(fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail_errno("cannot read", err, errlen);
		if (n == 0) {
			snprintf(err, errlen, "shrank while being read");
			return -EIO;
		}
		done += (size_t)n;
	}
	return 0;
}

int read_user_file(const char *path, size_t max, uint8_t **buf, size_t *len,
		   char *err, size_t errlen)
{
	int fd = open_user_file(path, O_RDONLY, false, err, errlen), ret;
	struct stat st;

	*buf = NULL;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		ret = fail_errno("cannot stat", err, errlen);
	} else if (st.st_size == 0) {
		snprintf(err, errlen, "is empty");
		ret = -EINVAL;
	} else if ((uint64_t)st.st_size > max) {
		snprintf(err, errlen, "is %llu bytes, more than %zu",
			 (unsigned long long)st.st_size, max);
		ret = -EFBIG;
	} else if (!(*buf = malloc((size_t)st.st_size))) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
	} else {
		*len = (size_t)st.st_size;
		ret = read_fd(fd, *buf, *len, err, errlen);
	}
	close(fd);
	if (ret) {
		free(*buf);
		*buf = NULL;
	}
	return ret;
}
