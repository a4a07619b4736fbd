/* SPDX-License-Identifier: MIT */
/*
 * Crafted TDVF firmware images for the tests: an image of known bytes
 * whose last ones hold OVMF's GUIDed table (ovmf_table.h) with a TDX
 * metadata offset entry, and the TDVF descriptor and sections at a
 * chosen offset. Tests then break single fields with the tdvfgen_put*
 * helpers.
 */
#ifndef CVMM_TEST_TDVFGEN_H
#define CVMM_TEST_TDVFGEN_H

#include <stddef.h>
#include <stdint.h>

#include "ovmf_table.h"

struct tdvfgen_section {
	uint32_t data_offset, raw_size;
	uint64_t gpa, size;
	uint32_t type, attributes;
};

#define TDVFGEN_DESC_OFF 0x1000 /* where the descriptor goes */

/*
 * A len-byte image (malloc'd) with n sections. Every byte outside the
 * table and the metadata is fill(i) (i: offset), so contents are known.
 */
uint8_t *tdvfgen_image(size_t len, const struct tdvfgen_section *s,
		       unsigned int n);

/* The usual layout: the whole image a measured BFV at the top of 4 GiB,
 * TempMem at 8 MiB (32 KiB), the TD HOB after it (4 KiB). */
uint8_t *tdvfgen_default(size_t len);

/* Offset of section i's first byte (the descriptor is 16 bytes). */
static inline size_t tdvfgen_section_off(unsigned int i)
{
	return TDVFGEN_DESC_OFF + 16 + 32 * (size_t)i;
}

void tdvfgen_put32(uint8_t *img, size_t off, uint32_t v);
void tdvfgen_put64(uint8_t *img, size_t off, uint64_t v);

/* The byte the generator puts at offset i of the image. */
static inline uint8_t tdvfgen_fill(size_t i)
{
	return ovmf_table_fill(i);
}

#endif
