/* SPDX-License-Identifier: MIT */
/*
 * Crafted firmware images for tests: size bytes of a fixed pattern, with
 * OVMF's GUIDed footer table at the end holding an unrelated entry and
 * (optionally) the SEV metadata entry, whose "ASEV" block sits in the
 * image's last page. The offsets of the fields tests corrupt are given.
 */
#ifndef CVMM_TEST_FWGEN_H
#define CVMM_TEST_FWGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fwgen_section {
	uint32_t base, len, type; /* type: 1 SNP_SEC_MEM, 2 SECRETS, 3 CPUID */
};

struct fwgen {
	size_t size;
	bool table; /* write the footer table */
	bool sev;   /* with the SEV metadata entry */
	unsigned int nsec;
	struct fwgen_section sec[8];
};

struct fwgen_offsets {
	size_t table_len; /* u16: the table's length */
	size_t sev_entry; /* the SEV entry's u32 data (offset from the end) */
	size_t sev_entry_len; /* u16: its length */
	size_t meta;	  /* the "ASEV" block */
};

/* A malloc'd image; *o (if not NULL) gets the offsets. */
uint8_t *fwgen_build(const struct fwgen *g, struct fwgen_offsets *o);

#endif
