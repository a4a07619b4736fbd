/* SPDX-License-Identifier: MIT */
/*
 * The fuzz targets for user input feed it through the real path a user's
 * file takes: the input is written to a memfd, and the code under test
 * opens /proc/self/fd/N (a regular file to open_user_file()).
 */
#ifndef CVMM_FUZZ_INPUT_H
#define CVMM_FUZZ_INPUT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* The memfd's path; the file holds data[0..size) after each call. */
static inline const char *fuzz_input_file(const uint8_t *data, size_t size)
{
	static char path[64];
	static int fd = -1;

	if (fd < 0) {
		fd = memfd_create("fuzz-input", MFD_CLOEXEC);
		if (fd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) ||
	    (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	return path;
}

#endif
