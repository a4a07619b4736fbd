// SPDX-License-Identifier: MIT
#include "fwgen.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t footer[16] = { 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f,
				    0xf7, 0x45, 0xba, 0xea, 0xa3, 0x66,
				    0xc5, 0x5a, 0x08, 0x2d };
static const uint8_t sev_guid[16] = { 0x66, 0x65, 0x88, 0xdc, 0x4a, 0x98,
				      0x98, 0x47, 0xa7, 0x5e, 0x55, 0x85,
				      0xa7, 0xbf, 0x67, 0xcc };
/* Some other entry (OVMF's SEV info block GUID). */
static const uint8_t other_guid[16] = { 0xde, 0x71, 0xf7, 0x00, 0x7e, 0x1a,
					0xcb, 0x4f, 0x89, 0x0e, 0x68, 0xc7,
					0x7e, 0x2f, 0xb4, 0x4e };

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* One entry {data, u16 len, guid} ending at end; returns its start. */
static size_t entry(uint8_t *img, size_t end, const uint8_t *guid,
		    size_t dlen)
{
	memcpy(img + end - 16, guid, 16);
	put16(img + end - 18, (uint16_t)(dlen + 18));
	return end - 18 - dlen;
}

uint8_t *fwgen_build(const struct fwgen *g, struct fwgen_offsets *o)
{
	uint8_t *img = malloc(g->size);
	struct fwgen_offsets off = { 0 };
	size_t foot = g->size - 48, end;

	for (size_t i = 0; i < g->size; i++)
		img[i] = (uint8_t)(i * 7 + (i >> 12));
	if (!g->table)
		goto out;
	memcpy(img + foot, footer, 16);
	off.table_len = foot - 2;
	end = foot - 2;
	/* Nearest the footer: an entry the walk must step over. */
	end = entry(img, end, other_guid, 4);
	if (g->sev) {
		off.meta = g->size - 4096;
		memcpy(img + off.meta, "ASEV", 4);
		put32(img + off.meta + 4, 16 + 12 * g->nsec);
		put32(img + off.meta + 8, 1);
		put32(img + off.meta + 12, g->nsec);
		for (unsigned int i = 0; i < g->nsec; i++) {
			put32(img + off.meta + 16 + 12 * i, g->sec[i].base);
			put32(img + off.meta + 20 + 12 * i, g->sec[i].len);
			put32(img + off.meta + 24 + 12 * i, g->sec[i].type);
		}
		off.sev_entry_len = end - 18;
		end = entry(img, end, sev_guid, 4);
		off.sev_entry = end;
		put32(img + end, 4096);
	}
	put16(img + off.table_len, (uint16_t)(foot - 2 - end + 18));
out:
	if (o)
		*o = off;
	return img;
}
