/* SPDX-License-Identifier: MIT */
/*
 * OVMF's GUIDed table at the end of a firmware image: the entries the
 * reset-vector code carries for the VMM (SEV metadata, TDVF metadata, ...).
 * The table ends 32 bytes before the image does: a footer GUID, before it
 * the table's length (u16, footer included), before that the entries, each
 * {data, u16 length of the entry, GUID}, walked from the end.
 */
#ifndef CVMM_X86_OVMF_H
#define CVMM_X86_OVMF_H

#include <stddef.h>
#include <stdint.h>

#include "../arch.h"

/* A GUID as its 16 bytes in the image (the first three fields LE). */
struct ovmf_guid {
	uint8_t b[16];
};

/*
 * Find the entry with guid. Returns 0 with *data and *dlen (inside img),
 * -ENOENT when the image has no table or no such entry, -EINVAL with err
 * when the table is malformed.
 */
int ovmf_table_find(const uint8_t *img, size_t len,
		    const struct ovmf_guid *guid, const uint8_t **data,
		    size_t *dlen, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * OVMF's SEV metadata: fills fw->sev, fw->nsev and fw->sev_metadata.
 * Returns 0 (also when the image has none) or -EINVAL with err.
 */
int ovmf_sev_metadata(const uint8_t *img, size_t len,
		      struct arch_firmware *fw, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
