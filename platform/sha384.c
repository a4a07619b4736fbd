// SPDX-License-Identifier: MIT
#if defined(__x86_64__)
#include "sha384.h"

#include <errno.h>
#include <openssl/evp.h>

int sha384_init(struct sha384 *h)
{
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || !EVP_DigestInit_ex(h->ctx, EVP_sha384(), NULL)) {
		EVP_MD_CTX_free(h->ctx);
		h->ctx = NULL;
		return -ENOMEM;
	}
	return 0;
}

void sha384_update(struct sha384 *h, const void *data, size_t len)
{
	EVP_DigestUpdate(h->ctx, data, len);
}

void sha384_final(struct sha384 *h, uint8_t out[SHA384_LEN])
{
	unsigned int n = SHA384_LEN;

	EVP_DigestFinal_ex(h->ctx, out, &n);
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int sha384(const void *data, size_t len, uint8_t out[SHA384_LEN])
{
	unsigned int n = SHA384_LEN;

	return EVP_Digest(data, len, out, &n, EVP_sha384(), NULL) ? 0
								  : -ENOMEM;
}
#endif
