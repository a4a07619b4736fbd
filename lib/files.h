/* SPDX-License-Identifier: MIT */
/*
 * Opening a file the user named (--kernel, --disk, --config, any later
 * path option). A FIFO, socket, directory or character device given where
 * a file is expected would make cvmm block in open() or read() forever, or
 * read endless bytes: such paths are refused before anything can block,
 * with a reason that names the kind of file.
 */
#ifndef CVMM_FILES_H
#define CVMM_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Open path with flags (O_RDONLY or O_RDWR; O_CLOEXEC is added) if it is a
 * regular file, or a block device when allow_blockdev. Returns the fd, or
 * -errno with one line in err ("is a FIFO, not a regular file", "cannot
 * open: No such file or directory"); the caller prefixes the option and the
 * path. Never blocks on the file's kind: the type is checked with stat()
 * before the open, the open is non-blocking (O_NONBLOCK is cleared after),
 * and the opened file must be the one that was checked.
 */
int open_user_file(const char *path, int flags, bool allow_blockdev,
		   char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Read a whole regular file of at most max bytes (open_user_file's checks
 * first) into a malloc'd *buf. Returns 0, or -errno with one line in err
 * ("is empty", "is 20971520 bytes, more than 16777216").
 */
int read_user_file(const char *path, size_t max, uint8_t **buf, size_t *len,
		   char *err, size_t errlen) __attribute__((warn_unused_result));

/* "a FIFO", "a directory", ... for a st_mode (for messages). */
const char *file_kind(unsigned int mode);

#endif
