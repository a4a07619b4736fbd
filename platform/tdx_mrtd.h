/* SPDX-License-Identifier: MIT */
/*
 * MRTD, the TD's build-time measurement, as the TDX module computes it:
 * one running SHA-384 over, for every page added before the TD runs (in
 * the order KVM adds them), a 128-byte TDH.MEM.PAGE.ADD record ("MEM.PAGE.
 * ADD" padded to 16 bytes, the GPA as a little-endian u64 at byte 16,
 * zeros), and for a measured page, per 256-byte chunk, a 128-byte
 * TDH.MR.EXTEND record ("MR.EXTEND", the chunk's GPA at 16, zeros)
 * followed by the chunk's 256 bytes. Linux 7.3 adds and extends page by
 * page (tdx_gmem_post_populate). MRTD depends only on GPAs, their order
 * and the measured contents, so it is exact without hardware.
 * SHA-384 is OpenSSL's libcrypto (sha384.c).
 */
#ifndef CVMM_TDX_MRTD_H
#define CVMM_TDX_MRTD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha384.h"

#define TDX_MRTD_SIZE SHA384_LEN
#define TDX_PAGE 4096ULL

struct tdx_mrtd {
	struct sha384 h; /* the running digest */
	bool done;
};

/* Returns 0 or -ENOMEM. tdx_mrtd_final() or tdx_mrtd_free() after. */
int tdx_mrtd_init(struct tdx_mrtd *m) __attribute__((warn_unused_result));

/* One added page at gpa; page is its 4 KiB (NULL: zeros), measured or not. */
void tdx_mrtd_add_page(struct tdx_mrtd *m, uint64_t gpa, const uint8_t *page,
		       bool measure);

/* The value (the digest is released). */
void tdx_mrtd_final(struct tdx_mrtd *m, uint8_t out[TDX_MRTD_SIZE]);

/* Release a digest that was never finalized (no-op after final). */
void tdx_mrtd_free(struct tdx_mrtd *m);

#endif
