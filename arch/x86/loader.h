/* SPDX-License-Identifier: MIT */
/*
 * Reading a PVH kernel: an ELF (32- or 64-bit, x86) with a Xen
 * PHYS32_ENTRY note, optionally gzip-compressed. Parsing and checking are
 * separate from writing into guest memory, so both are unit-tested on
 * buffers. Every error comes back as one line of text in err.
 */
#ifndef CVMM_X86_LOADER_H
#define CVMM_X86_LOADER_H

#include <stddef.h>
#include <stdint.h>

#define KERNEL_MAX_SEGMENTS 16
#define KERNEL_MAX_FILE (512ULL << 20) /* after decompression */

struct kernel_segment {
	uint64_t paddr, memsz, filesz, offset;
};

struct kernel_image {
	struct kernel_segment seg[KERNEL_MAX_SEGMENTS];
	size_t nseg;
	uint32_t entry;	 /* PVH 32-bit entry point */
	uint64_t end;	 /* highest paddr + memsz of any segment */
};

/*
 * Read path into a malloc'd buffer, inflating it if it is gzip data.
 * Returns 0 or -errno with err filled.
 */
int kernel_read_file(const char *path, uint8_t **buf, size_t *len,
		     char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Parse and check an ELF image in buf. Returns 0 or -EINVAL with err. */
int kernel_parse(const uint8_t *buf, size_t len, struct kernel_image *img,
		 char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Does every segment lie in RAM of a `ram`-byte guest, clear of the boot
 * info area? Returns 0 or -E2BIG with err.
 */
int kernel_check_fit(const struct kernel_image *img, uint64_t ram, char *err,
		     size_t errlen) __attribute__((warn_unused_result));

#endif
