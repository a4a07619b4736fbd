// SPDX-License-Identifier: MIT
/*
 * TDVF metadata parsing (see tdvf.h). The image is input from the user
 * and names guest memory, so nothing is trusted: every offset is checked
 * against the image before it is read, every range for overflow.
 */
#include "tdvf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/util.h"
#include "ovmf.h"

/* e47a6535-984a-4798-865e-4685a7bf8ec2, as its bytes sit in the image. */
static const struct ovmf_guid tdx_offset_guid = { {
	0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
	0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2,
} };

#define DESC_SIZE 16
#define SECTION_SIZE 32
#define TDVF_SIGNATURE 0x46564454u /* "TDVF" */
#define TDVF_VERSION 1
#define TDVF_GPA_LIMIT (1ULL << 48)
#define RESET_VECTOR 0xfffffff0ULL

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

const char *tdvf_type_name(enum tdvf_type t)
{
	static const char *const names[TDVF_TYPES] = {
		"BFV", "CFV", "TD_HOB", "TempMem", "PermMem", "Payload",
		"PayloadParam",
	};

	return (unsigned int)t < TDVF_TYPES ? names[t] : "?";
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The descriptor: where it is, and that it holds n sections. */
static int find_descriptor(const uint8_t *img, size_t len, size_t *off,
			   uint32_t *n, char *err, size_t errlen)
{
	const uint8_t *p;
	uint32_t from_end, dlen;
	size_t plen;
	int ret;

	ret = ovmf_table_find(img, len, &tdx_offset_guid, &p, &plen, err,
			      errlen);
	if (ret == -ENOENT)
		return fail(err, errlen, "no TDX metadata offset entry in the "
			    "firmware's GUIDed table (not a TDVF image)");
	if (ret)
		return ret;
	if (plen != 4)
		return fail(err, errlen, "TDX metadata offset entry holds %zu "
			    "bytes, not 4", plen);
	from_end = le32(p);
	if (from_end < DESC_SIZE || from_end > len || (from_end & 3))
		return fail(err, errlen, "TDX metadata offset 0x%x from the end "
			    "is outside the %zu-byte image or unaligned",
			    from_end, len);
	*off = len - from_end;
	p = img + *off;
	if (le32(p) != TDVF_SIGNATURE)
		return fail(err, errlen, "no \"TDVF\" signature at 0x%zx", *off);
	if (le32(p + 8) != TDVF_VERSION)
		return fail(err, errlen, "metadata version %u (only 1 is "
			    "defined)", le32(p + 8));
	*n = le32(p + 12);
	dlen = le32(p + 4);
	if (*n < 1 || *n > TDVF_MAX_SECTIONS)
		return fail(err, errlen, "%u sections (1 to %u allowed)", *n,
			    TDVF_MAX_SECTIONS);
	if (dlen != DESC_SIZE + SECTION_SIZE * *n)
		return fail(err, errlen, "descriptor length %u does not match "
			    "%u sections (%u)", dlen, *n,
			    DESC_SIZE + SECTION_SIZE * *n);
	if (dlen > from_end)
		return fail(err, errlen, "the %u-byte descriptor runs past the "
			    "end of the image", dlen);
	return 0;
}

static void read_section(const uint8_t *p, struct tdvf_section *s)
{
	s->data_offset = le32(p);
	s->raw_size = le32(p + 4);
	s->gpa = le64(p + 8);
	s->size = le64(p + 16);
	s->type = (enum tdvf_type)le32(p + 24);
	s->attributes = le32(p + 28);
}

/* Which types carry bytes of the image (true), which none (false). */
static bool needs_data(enum tdvf_type t)
{
	return t == TDVF_BFV || t == TDVF_CFV || t == TDVF_PAYLOAD ||
	       t == TDVF_PAYLOAD_PARAM;
}

static const char *check_memory(const struct tdvf_section *s)
{
	uint64_t end;

	if (!s->size)
		return "has no memory (MemoryDataSize 0)";
	if ((s->gpa | s->size) & 0xfff)
		return "is not 4 KiB aligned";
	if (!range_end(s->gpa, s->size, &end) || end > TDVF_GPA_LIMIT)
		return "runs past the 48-bit guest-physical space";
	return NULL;
}

static const char *check_data(const struct tdvf_section *s, size_t len)
{
	uint64_t end;

	if (!needs_data(s->type)) {
		if (s->raw_size || s->data_offset)
			return "must not carry image data";
		return NULL;
	}
	if (!s->raw_size)
		return s->type == TDVF_PAYLOAD || s->type == TDVF_PAYLOAD_PARAM
			       ? "has no data in the image (cvmm loads no "
				 "payload into it)"
			       : "has no data in the image (RawDataSize 0)";
	if (s->raw_size > s->size)
		return "holds more image data than memory";
	if (!range_end(s->data_offset, s->raw_size, &end) || end > len)
		return "has data outside the image";
	return NULL;
}

static const char *check_attributes(const struct tdvf_section *s)
{
	uint32_t a = s->attributes;

	if (a & ~TDVF_ATTRS_KNOWN)
		return "has unknown attribute bits";
	if ((a & TDVF_ATTR_PAGE_AUG) && s->type != TDVF_PERM_MEM)
		return "has PAGE.AUG, which only PermMem may have";
	if ((a & TDVF_ATTR_PAGE_AUG) && (a & TDVF_ATTR_MR_EXTEND))
		return "has both PAGE.AUG and MR.EXTEND (an unadded page "
		       "cannot be measured)";
	if (s->type == TDVF_TD_HOB && (a & TDVF_ATTR_MR_EXTEND))
		return "is a TD_HOB with MR.EXTEND (the HOB is the VMM's, "
		       "not the firmware's)";
	if (s->type == TDVF_BFV && !(a & TDVF_ATTR_MR_EXTEND))
		return "is a BFV without MR.EXTEND (its code would not be "
		       "measured)";
	return NULL;
}

static int check_section(const struct tdvf *t, unsigned int i, size_t len,
			 char *err, size_t errlen)
{
	const struct tdvf_section *s = &t->s[i];
	const char *why;

	if ((unsigned int)s->type >= TDVF_TYPES)
		return fail(err, errlen, "section %u has unknown type %u", i,
			    (unsigned int)s->type);
	why = check_memory(s);
	if (!why)
		why = check_data(s, len);
	if (!why)
		why = check_attributes(s);
	for (unsigned int j = 0; !why && j < i; j++)
		if (ranges_overlap(s->gpa, s->size, t->s[j].gpa, t->s[j].size))
			return fail(err, errlen, "section %u (%s) overlaps "
				    "section %u in guest memory", i,
				    tdvf_type_name(s->type), j);
	if (why)
		return fail(err, errlen, "section %u (%s at 0x%llx) %s", i,
			    tdvf_type_name(s->type),
			    (unsigned long long)s->gpa, why);
	return 0;
}

/* The TD starts at the reset vector: measured code must be there. */
static bool covers_reset_vector(const struct tdvf_section *s)
{
	return s->type == TDVF_BFV &&
	       range_within(RESET_VECTOR, 16, s->gpa, s->raw_size);
}

static int check_whole(const struct tdvf *t, char *err, size_t errlen)
{
	unsigned int hobs = 0;
	bool reset = false;

	for (unsigned int i = 0; i < t->n; i++) {
		hobs += t->s[i].type == TDVF_TD_HOB;
		reset |= covers_reset_vector(&t->s[i]);
	}
	if (hobs > 1)
		return fail(err, errlen, "%u TD_HOB sections (at most one)",
			    hobs);
	if (!reset)
		return fail(err, errlen, "no BFV section holds the reset "
			    "vector at 0x%llx", RESET_VECTOR);
	return 0;
}

int tdvf_parse(const uint8_t *img, size_t len, struct tdvf *out, char *err,
	       size_t errlen)
{
	size_t off = 0;
	uint32_t n = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = find_descriptor(img, len, &off, &n, err, errlen);
	if (ret)
		return ret;
	out->n = n;
	for (unsigned int i = 0; !ret && i < n; i++) {
		read_section(img + off + DESC_SIZE + SECTION_SIZE * i, &out->s[i]);
		ret = check_section(out, i, len, err, errlen);
	}
	if (!ret)
		ret = check_whole(out, err, errlen);
	if (ret)
		out->n = 0;
	return ret;
}

const struct tdvf_section *tdvf_hob_section(const struct tdvf *t)
{
	for (unsigned int i = 0; i < t->n; i++)
		if (t->s[i].type == TDVF_TD_HOB)
			return &t->s[i];
	return NULL;
}
