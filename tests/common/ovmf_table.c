// SPDX-License-Identifier: MIT
#include "ovmf_table.h"

#include <string.h>

/* The GUID in image byte order (first three fields little-endian). */
static const uint8_t footer[16] = { 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f,
				    0xf7, 0x45, 0xba, 0xea, 0xa3, 0x66,
				    0xc5, 0x5a, 0x08, 0x2d };

void le_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void le_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void le_put64(uint8_t *p, uint64_t v)
{
	le_put32(p, (uint32_t)v);
	le_put32(p + 4, (uint32_t)(v >> 32));
}

size_t ovmf_table_footer(uint8_t *img, size_t size)
{
	memcpy(img + size - 0x30, footer, 16);
	return size - 0x32;
}

size_t ovmf_table_entry(uint8_t *img, size_t end, const uint8_t guid[16],
			size_t dlen)
{
	memcpy(img + end - 16, guid, 16);
	le_put16(img + end - 18, (uint16_t)(dlen + 18));
	return end - 18 - dlen;
}

/* The length counts the footer's own GUID and length (18 bytes). */
void ovmf_table_close(uint8_t *img, size_t size, size_t start)
{
	le_put16(img + size - 0x32, (uint16_t)(size - 0x32 - start + 18));
}
