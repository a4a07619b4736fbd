// SPDX-License-Identifier: MIT
#include "tdvfgen.h"

#include <stdlib.h>
#include <string.h>

/* The GUIDs in image byte order (first three fields little-endian). */
static const uint8_t footer[16] = { 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f,
				    0xf7, 0x45, 0xba, 0xea, 0xa3, 0x66,
				    0xc5, 0x5a, 0x08, 0x2d };
static const uint8_t tdx_offset[16] = { 0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98,
					0x98, 0x47, 0x86, 0x5e, 0x46, 0x85,
					0xa7, 0xbf, 0x8e, 0xc2 };

void tdvfgen_put32(uint8_t *img, size_t off, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		img[off + i] = (uint8_t)(v >> (8 * i));
}

void tdvfgen_put64(uint8_t *img, size_t off, uint64_t v)
{
	tdvfgen_put32(img, off, (uint32_t)v);
	tdvfgen_put32(img, off + 4, (uint32_t)(v >> 32));
}

static void put16(uint8_t *img, size_t off, uint16_t v)
{
	img[off] = (uint8_t)v;
	img[off + 1] = (uint8_t)(v >> 8);
}

uint8_t *tdvfgen_image(size_t len, const struct tdvfgen_section *s,
		       unsigned int n)
{
	uint8_t *img = malloc(len);

	if (!img)
		return NULL;
	for (size_t i = 0; i < len; i++)
		img[i] = tdvfgen_fill(i);
	/* Table, from the end: footer GUID at end-0x30, total u16 before it;
	 * then the TDX entry: u32 offset, u16 length 22, GUID. */
	memcpy(img + len - 0x30, footer, 16);
	put16(img, len - 0x32, 18 + 22);
	memcpy(img + len - 0x42, tdx_offset, 16);
	put16(img, len - 0x44, 22);
	tdvfgen_put32(img, len - 0x48, (uint32_t)(len - TDVFGEN_DESC_OFF));
	tdvfgen_put32(img, TDVFGEN_DESC_OFF, 0x46564454); /* "TDVF" */
	tdvfgen_put32(img, TDVFGEN_DESC_OFF + 4, 16 + 32 * n);
	tdvfgen_put32(img, TDVFGEN_DESC_OFF + 8, 1);
	tdvfgen_put32(img, TDVFGEN_DESC_OFF + 12, n);
	for (unsigned int i = 0; i < n; i++) {
		size_t o = tdvfgen_section_off(i);

		tdvfgen_put32(img, o, s[i].data_offset);
		tdvfgen_put32(img, o + 4, s[i].raw_size);
		tdvfgen_put64(img, o + 8, s[i].gpa);
		tdvfgen_put64(img, o + 16, s[i].size);
		tdvfgen_put32(img, o + 24, s[i].type);
		tdvfgen_put32(img, o + 28, s[i].attributes);
	}
	return img;
}

uint8_t *tdvfgen_default(size_t len)
{
	const struct tdvfgen_section s[] = {
		{ 0, (uint32_t)len, (1ULL << 32) - len, len, 0, 1 }, /* BFV */
		{ 0, 0, 0x800000, 0x8000, 3, 0 },		      /* TempMem */
		{ 0, 0, 0x808000, 0x1000, 2, 0 },		      /* TD_HOB */
	};

	return tdvfgen_image(len, s, 3);
}
