/* SPDX-License-Identifier: MIT */
/*
 * What every architecture's kernel loader shares: reading the file
 * (optionally gzip-compressed; kernel_read_file() in arch/arch.h), one
 * way to report an error as a line of text, and the ELF program-header
 * walk. An architecture says which machines it accepts and how it finds
 * the entry point (x86: the PVH note; arm64: e_entry).
 */
#ifndef CVMM_KERNEL_LOAD_H
#define CVMM_KERNEL_LOAD_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"

/* Write one line into err and return code. */
int kernel_fail(char *err, size_t len, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

struct elf_arch {
	const char *name;	 /* "x86": for messages */
	uint16_t machine[2];	 /* accepted e_machine values (0: unused) */
	const char *entry_name;	 /* "PVH entry", "entry" */
	/*
	 * Find the entry in one PT_NOTE segment: 0 when found. NULL: the
	 * entry is the ELF header's e_entry.
	 */
	int (*note)(Elf *elf, const GElf_Phdr *ph, uint32_t *entry);
	const char *no_entry; /* the error when no note gave the entry */
};

/*
 * Parse an executable ELF in buf for arch a: its loadable segments and
 * its entry, which must lie in a segment's file bytes. Returns 0 or
 * -EINVAL with err.
 */
int elf_kernel_parse(const uint8_t *buf, size_t len, const struct elf_arch *a,
		     struct kernel_image *img, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Does buf start like an ELF file? */
int elf_looks_like(const uint8_t *buf, size_t len);

#endif
