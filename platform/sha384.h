/* SPDX-License-Identifier: MIT */
/*
 * SHA-384 for launch measurements (SEV-SNP's launch digest, TDX's MRTD),
 * from OpenSSL's libcrypto. x86 only: the platforms that measure are.
 */
#ifndef CVMM_SHA384_H
#define CVMM_SHA384_H

#include <stddef.h>
#include <stdint.h>

#define SHA384_LEN 48

struct sha384 {
	void *ctx; /* EVP_MD_CTX */
};

/* Returns 0 or -ENOMEM. */
int sha384_init(struct sha384 *h) __attribute__((warn_unused_result));
void sha384_update(struct sha384 *h, const void *data, size_t len);
/* Writes the digest and frees the context. */
void sha384_final(struct sha384 *h, uint8_t out[SHA384_LEN]);

/* One-shot. Returns 0 or -ENOMEM. */
int sha384(const void *data, size_t len, uint8_t out[SHA384_LEN])
	__attribute__((warn_unused_result));

#endif
