// SPDX-License-Identifier: MIT
#include "fwgen.h"

#include <stdlib.h>
#include <string.h>

#include "ovmf_table.h"

static const uint8_t sev_guid[16] = { 0x66, 0x65, 0x88, 0xdc, 0x4a, 0x98,
				      0x98, 0x47, 0xa7, 0x5e, 0x55, 0x85,
				      0xa7, 0xbf, 0x67, 0xcc };
/* Some other entry (OVMF's SEV info block GUID). */
static const uint8_t other_guid[16] = { 0xde, 0x71, 0xf7, 0x00, 0x7e, 0x1a,
					0xcb, 0x4f, 0x89, 0x0e, 0x68, 0xc7,
					0x7e, 0x2f, 0xb4, 0x4e };

static void put_meta(uint8_t *img, size_t meta, const struct fwgen *g)
{
	memcpy(img + meta, "ASEV", 4);
	le_put32(img + meta + 4, 16 + 12 * g->nsec);
	le_put32(img + meta + 8, 1);
	le_put32(img + meta + 12, g->nsec);
	for (unsigned int i = 0; i < g->nsec; i++) {
		le_put32(img + meta + 16 + 12 * i, g->sec[i].base);
		le_put32(img + meta + 20 + 12 * i, g->sec[i].len);
		le_put32(img + meta + 24 + 12 * i, g->sec[i].type);
	}
}

uint8_t *fwgen_build(const struct fwgen *g, struct fwgen_offsets *o)
{
	uint8_t *img = malloc(g->size);
	struct fwgen_offsets off = { 0 };
	size_t end;

	for (size_t i = 0; i < g->size; i++)
		img[i] = ovmf_table_fill(i);
	if (!g->table)
		goto out;
	end = ovmf_table_footer(img, g->size);
	off.table_len = end;
	/* Nearest the footer: an entry the walk must step over. */
	end = ovmf_table_entry(img, end, other_guid, 4);
	if (g->sev) {
		off.meta = g->size - 4096;
		put_meta(img, off.meta, g);
		off.sev_entry_len = end - 18;
		end = ovmf_table_entry(img, end, sev_guid, 4);
		off.sev_entry = end;
		le_put32(img + end, 4096);
	}
	ovmf_table_close(img, g->size, end);
out:
	if (o)
		*o = off;
	return img;
}
