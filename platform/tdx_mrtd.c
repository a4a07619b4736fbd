// SPDX-License-Identifier: MIT
/* MRTD (see tdx_mrtd.h); the record layouts are the TDX module's. */
#include "tdx_mrtd.h"

/* TDX is x86-only; the arm64 build has no libcrypto to link. */
#if defined(__x86_64__)

#include <errno.h>
#include <string.h>

#include <openssl/evp.h>

#define RECORD 128
#define CHUNK 256

static int update(struct tdx_mrtd *m, const void *p, size_t len)
{
	return EVP_DigestUpdate(m->ctx, p, len) == 1 ? 0 : -EIO;
}

/* A 128-byte record: the operation's name, the GPA at byte 16, zeros. */
static int record(struct tdx_mrtd *m, const char *op, uint64_t gpa)
{
	uint8_t r[RECORD] = { 0 };

	memcpy(r, op, strlen(op));
	for (int i = 0; i < 8; i++)
		r[16 + i] = (uint8_t)(gpa >> (8 * i));
	return update(m, r, sizeof(r));
}

int tdx_mrtd_init(struct tdx_mrtd *m)
{
	m->ctx = EVP_MD_CTX_new();
	if (!m->ctx)
		return -ENOMEM;
	return EVP_DigestInit_ex(m->ctx, EVP_sha384(), NULL) == 1 ? 0 : -EIO;
}

int tdx_mrtd_add_page(struct tdx_mrtd *m, uint64_t gpa, const uint8_t *page,
		      bool measure)
{
	static const uint8_t zeros[CHUNK];
	int ret = record(m, "MEM.PAGE.ADD", gpa);

	for (uint64_t off = 0; !ret && measure && off < TDX_PAGE; off += CHUNK) {
		ret = record(m, "MR.EXTEND", gpa + off);
		if (!ret)
			ret = update(m, page ? page + off : zeros, CHUNK);
	}
	return ret;
}

int tdx_mrtd_final(struct tdx_mrtd *m, uint8_t out[TDX_MRTD_SIZE])
{
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(m->ctx, out, &len) != 1 || len != TDX_MRTD_SIZE)
		return -EIO;
	return 0;
}

void tdx_mrtd_free(struct tdx_mrtd *m)
{
	EVP_MD_CTX_free(m->ctx);
	m->ctx = NULL;
}

#endif
