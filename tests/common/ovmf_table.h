/* SPDX-License-Identifier: MIT */
/*
 * Writing OVMF's GUIDed footer table into crafted firmware images (the
 * SEV image of fwgen.c, the TDVF image of tdvfgen.c). The table ends 0x20
 * bytes before the image does: the footer GUID at size - 0x30, the
 * table's total length (u16) before it, and entries going down from
 * there, each {data, u16 length (data + 18), GUID}. Also the image's fill
 * pattern and little-endian writers.
 */
#ifndef CVMM_TEST_OVMF_TABLE_H
#define CVMM_TEST_OVMF_TABLE_H

#include <stddef.h>
#include <stdint.h>

void le_put16(uint8_t *p, uint16_t v);
void le_put32(uint8_t *p, uint32_t v);
void le_put64(uint8_t *p, uint64_t v);

/* The byte a generator puts at offset i of an image (known contents). */
static inline uint8_t ovmf_table_fill(size_t i)
{
	return (uint8_t)(i * 7 + (i >> 12));
}

/* Write the footer GUID; returns where the first entry ends. */
size_t ovmf_table_footer(uint8_t *img, size_t size);

/* Write an entry's GUID and length, ending at end; returns where its
 * dlen bytes of data start (the caller writes them). */
size_t ovmf_table_entry(uint8_t *img, size_t end, const uint8_t guid[16],
			size_t dlen);

/* Write the table's total length, its lowest entry starting at start. */
void ovmf_table_close(uint8_t *img, size_t size, size_t start);

#endif
