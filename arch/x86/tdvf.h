/* SPDX-License-Identifier: MIT */
/*
 * TDVF metadata: how a TDX firmware image (OVMF's IntelTdx build, td-shim)
 * tells the VMM which pages to add to the TD before it runs. The image
 * ends with OVMF's GUIDed table; its TDX-metadata-offset entry gives the
 * distance from the end of the image to a descriptor ("TDVF", length,
 * version 1, n) followed by n 32-byte sections {DataOffset, RawDataSize,
 * MemoryAddress, MemoryDataSize, Type, Attributes}. Each section is a
 * range of guest memory, filled from the image (RawDataSize bytes at
 * DataOffset, zeros after) or with zeros (no raw data), added with
 * TDH.MEM.PAGE.ADD and, with the MR.EXTEND attribute, measured into MRTD;
 * a PAGE.AUG section is not added at all (the guest accepts it later).
 * Sources: td-shim's doc/tdshim_spec.md, the brief ../shared/SNP-TDX.md.
 */
#ifndef CVMM_X86_TDVF_H
#define CVMM_X86_TDVF_H

#include <stddef.h>
#include <stdint.h>

enum tdvf_type {
	TDVF_BFV = 0,		/* boot firmware volume: code, measured */
	TDVF_CFV = 1,		/* configuration volume (variables) */
	TDVF_TD_HOB = 2,	/* where the VMM writes the TD HOB */
	TDVF_TEMP_MEM = 3,	/* zeroed scratch: stacks, heap, mailbox */
	TDVF_PERM_MEM = 4,	/* RAM the TD owns (PAGE.AUG: not added) */
	TDVF_PAYLOAD = 5,	/* a kernel the VMM would load */
	TDVF_PAYLOAD_PARAM = 6, /* its parameters */
	TDVF_TYPES
};

#define TDVF_ATTR_MR_EXTEND (1u << 0) /* measure the pages into MRTD */
#define TDVF_ATTR_PAGE_AUG (1u << 1)  /* added later by the guest */
#define TDVF_ATTRS_KNOWN (TDVF_ATTR_MR_EXTEND | TDVF_ATTR_PAGE_AUG)

#define TDVF_MAX_SECTIONS 32

struct tdvf_section {
	uint32_t data_offset, raw_size; /* bytes of the image, 0 0: none */
	uint64_t gpa, size;		/* guest memory, 4 KiB aligned */
	enum tdvf_type type;
	uint32_t attributes;
};

struct tdvf {
	unsigned int n;
	struct tdvf_section s[TDVF_MAX_SECTIONS];
};

/* "BFV", "TD_HOB", ... ("?" for anything else). */
const char *tdvf_type_name(enum tdvf_type t);

/*
 * Parse and check the TDVF metadata of a len-byte image. Every field is
 * checked: the table and descriptor lie inside the image, signature,
 * version 1, length = 16 + 32 n, 1 <= n <= TDVF_MAX_SECTIONS; each section
 * has a known type and attributes, 4 KiB aligned non-empty memory below
 * 2^48, raw data inside the image and no larger than its memory, raw data
 * exactly where the type needs it, PAGE.AUG only on PermMem and never with
 * MR.EXTEND; no two sections overlap; at most one TD_HOB; a measured BFV
 * covers the reset vector (0xfffffff0). Returns 0, or -EINVAL with err
 * naming the first problem (one line).
 */
int tdvf_parse(const uint8_t *img, size_t len, struct tdvf *out, char *err,
	       size_t errlen) __attribute__((warn_unused_result));

/* Is the section added to the TD before it runs (not PAGE.AUG)? */
static inline int tdvf_section_added(const struct tdvf_section *s)
{
	return !(s->attributes & TDVF_ATTR_PAGE_AUG);
}

/* The TD HOB section, or NULL. */
const struct tdvf_section *tdvf_hob_section(const struct tdvf *t);

#endif
