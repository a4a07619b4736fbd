// SPDX-License-Identifier: MIT
#include "tdvfgen.h"

#include <stdlib.h>

#include "ovmf_table.h"

/* The GUID in image byte order (first three fields little-endian). */
static const uint8_t tdx_offset[16] = { 0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98,
					0x98, 0x47, 0x86, 0x5e, 0x46, 0x85,
					0xa7, 0xbf, 0x8e, 0xc2 };

void tdvfgen_put32(uint8_t *img, size_t off, uint32_t v)
{
	le_put32(img + off, v);
}

void tdvfgen_put64(uint8_t *img, size_t off, uint64_t v)
{
	le_put64(img + off, v);
}

uint8_t *tdvfgen_image(size_t len, const struct tdvfgen_section *s,
		       unsigned int n)
{
	uint8_t *img = malloc(len);
	size_t start;

	if (!img)
		return NULL;
	for (size_t i = 0; i < len; i++)
		img[i] = tdvfgen_fill(i);
	/* The table holds one entry: the TDX metadata offset (u32). */
	start = ovmf_table_entry(img, ovmf_table_footer(img, len), tdx_offset, 4);
	ovmf_table_close(img, len, start);
	tdvfgen_put32(img, start, (uint32_t)(len - TDVFGEN_DESC_OFF));
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
