// SPDX-License-Identifier: MIT
/* MRTD (see tdx_mrtd.h); the record layouts are the TDX module's. */
#include "tdx_mrtd.h"

/* TDX is x86-only; the arm64 build has no libcrypto to link. */
#if defined(__x86_64__)

#include <string.h>

#define RECORD 128
#define CHUNK 256

/* A 128-byte record: the operation's name, the GPA at byte 16, zeros. */
static void record(struct tdx_mrtd *m, const char *op, uint64_t gpa)
{
	uint8_t r[RECORD] = { 0 };

	memcpy(r, op, strlen(op));
	for (int i = 0; i < 8; i++)
		r[16 + i] = (uint8_t)(gpa >> (8 * i));
	sha384_update(&m->h, r, sizeof(r));
}

int tdx_mrtd_init(struct tdx_mrtd *m)
{
	m->done = false;
	return sha384_init(&m->h);
}

void tdx_mrtd_add_page(struct tdx_mrtd *m, uint64_t gpa, const uint8_t *page,
		       bool measure)
{
	static const uint8_t zeros[CHUNK];

	record(m, "MEM.PAGE.ADD", gpa);
	for (uint64_t off = 0; measure && off < TDX_PAGE; off += CHUNK) {
		record(m, "MR.EXTEND", gpa + off);
		sha384_update(&m->h, page ? page + off : zeros, CHUNK);
	}
}

void tdx_mrtd_final(struct tdx_mrtd *m, uint8_t out[TDX_MRTD_SIZE])
{
	sha384_final(&m->h, out);
	m->done = true;
}

void tdx_mrtd_free(struct tdx_mrtd *m)
{
	uint8_t unused[TDX_MRTD_SIZE];

	/* sha384_final() is what frees the context. */
	if (!m->done)
		tdx_mrtd_final(m, unused);
}

#endif
