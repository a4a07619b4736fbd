/* SPDX-License-Identifier: MIT */
/*
 * Linux's bzImage and its 64-bit boot protocol (the kernel's
 * Documentation/arch/x86/boot.rst): the setup header read from the file,
 * and the boot data built for it (the boot_params "zero page" with the
 * e820 map, command line, initrd and RSDP; a GDT; identity-mapping page
 * tables for the first 4 GiB).
 */
#ifndef CVMM_X86_BZIMAGE_H
#define CVMM_X86_BZIMAGE_H

#include <stddef.h>
#include <stdint.h>

#define BZ_HDR_START 0x1f1
#define BZ_HDR_END 0x290 /* where boot_params' setup header ends */

struct kernel_image;

/* Does buf start like a bzImage (boot flag and "HdrS")? */
int bzimage_looks_like(const uint8_t *buf, size_t len);

/*
 * Parse a bzImage: its protected-mode kernel as one segment at the
 * preferred load address, spanning init_size; the 64-bit entry. Returns 0
 * or -EINVAL with a one-line reason in err.
 */
int bzimage_parse(const uint8_t *buf, size_t len, struct kernel_image *img,
		  char *err, size_t errlen) __attribute__((warn_unused_result));

struct bz_boot_in {
	const uint8_t *hdr; /* the setup header from BZ_HDR_START */
	size_t hdr_len;
	uint64_t ram;
	uint64_t cmdline_gpa, cmdline_len; /* length without the NUL */
	uint64_t initrd_gpa, initrd_size;
	uint64_t rsdp_gpa;
};

/*
 * Fill the 4 KiB zero page. Returns 0, or -E2BIG when the command line or
 * the initrd exceeds what the kernel's header allows.
 */
int bzimage_zero_page(uint8_t page[4096], const struct bz_boot_in *in)
	__attribute__((warn_unused_result));

/* The GDT (6 quadwords) and the page tables at pml4_gpa (6 pages). */
void bzimage_gdt(uint64_t gdt[6]);
void bzimage_page_tables(uint64_t pt[6][512], uint64_t pml4_gpa);

#endif
