// SPDX-License-Identifier: MIT
/*
 * OVMF's footer table and SEV metadata (the layout QEMU reads to place the
 * SNP pages; ../shared/SNP-TDX.md (a)). Every length and offset comes from
 * a file the user gave: each is checked against the image before use.
 */
#include "ovmf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define FOOTER_AFTER 32 /* bytes after the footer GUID */
#define ENTRY_HEAD 18	/* u16 length + GUID */

/* 96b582de-1fb2-45f7-baea-a366c55a082d */
static const struct ovmf_guid footer_guid = { {
	0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
	0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d } };
/* dc886566-984a-4798-a75e-5585a7bf67cc: u32 offset of "ASEV" from the end */
static const struct ovmf_guid sev_meta_guid = { {
	0x66, 0x65, 0x88, 0xdc, 0x4a, 0x98, 0x98, 0x47,
	0xa7, 0x5e, 0x55, 0x85, 0xa7, 0xbf, 0x67, 0xcc } };

static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int ovmf_table_find(const uint8_t *img, size_t len,
		    const struct ovmf_guid *guid, const uint8_t **data,
		    size_t *dlen, char *err, size_t errlen)
{
	size_t foot, total, end;

	if (len < FOOTER_AFTER + ENTRY_HEAD)
		return -ENOENT;
	foot = len - FOOTER_AFTER - 16;
	if (memcmp(img + foot, footer_guid.b, 16))
		return -ENOENT;
	total = le16(img + foot - 2);
	if (total < ENTRY_HEAD || total - ENTRY_HEAD > foot - 2)
		return bad(err, errlen, "OVMF table length %zu does not fit "
			   "the image", total);
	/* The entries end where the table's length field starts. */
	end = foot - 2;
	total -= ENTRY_HEAD;
	while (total >= ENTRY_HEAD) {
		size_t elen = le16(img + end - ENTRY_HEAD);

		if (elen < ENTRY_HEAD || elen > total)
			return bad(err, errlen, "OVMF table entry of length %zu "
				   "is malformed", elen);
		if (!memcmp(img + end - 16, guid->b, 16)) {
			*data = img + end - elen;
			*dlen = elen - ENTRY_HEAD;
			return 0;
		}
		end -= elen;
		total -= elen;
	}
	return -ENOENT;
}

static int sev_section(struct arch_firmware *fw, const uint8_t *d,
		       unsigned int i, char *err, size_t errlen)
{
	uint32_t base = le32(d), size = le32(d + 4), type = le32(d + 8);
	enum fw_section_kind k;

	switch (type) {
	case 1: k = FW_SEC_SNP_MEM; break;
	case 2: k = FW_SEC_SNP_SECRETS; break;
	case 3: k = FW_SEC_SNP_CPUID; break;
	case 0x10: k = FW_SEC_HASHES; break;
	default:
		return bad(err, errlen, "SEV metadata section %u has unknown "
			   "type %u", i, type);
	}
	if (!size || (base | size) & 4095 || (uint64_t)base + size > 1ULL << 32)
		return bad(err, errlen, "SEV metadata section %u (0x%x+0x%x) is "
			   "empty, not 4 KiB-aligned or beyond 4 GiB", i, base,
			   size);
	if ((k == FW_SEC_SNP_SECRETS || k == FW_SEC_SNP_CPUID) && size != 4096)
		return bad(err, errlen, "SEV metadata section %u: a %s page of "
			   "%u bytes", i, fw_section_name(k), size);
	fw->sev[fw->nsev++] = (struct fw_section){ base, size, k };
	return 0;
}

int ovmf_sev_metadata(const uint8_t *img, size_t len,
		      struct arch_firmware *fw, char *err, size_t errlen)
{
	const uint8_t *entry, *m;
	size_t elen, mlen;
	uint32_t off, n;
	int ret = ovmf_table_find(img, len, &sev_meta_guid, &entry, &elen, err,
				  errlen);

	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	if (elen < 4)
		return bad(err, errlen, "SEV metadata entry is %zu bytes", elen);
	off = le32(entry);
	if (off < 16 || off > len)
		return bad(err, errlen, "SEV metadata offset 0x%x is outside "
			   "the image", off);
	m = img + len - off;
	mlen = le32(m + 4);
	n = le32(m + 12);
	if (memcmp(m, "ASEV", 4) || le32(m + 8) != 1)
		return bad(err, errlen, "SEV metadata lacks its \"ASEV\" "
			   "version 1 header");
	if (n > FW_MAX_SECTIONS || mlen < 16 + 12ULL * n || mlen > off)
		return bad(err, errlen, "SEV metadata of %zu bytes with %u "
			   "sections does not fit", mlen, n);
	fw->sev_metadata = true;
	for (uint32_t i = 0; i < n; i++)
		if ((ret = sev_section(fw, m + 16 + 12 * i, i, err, errlen)))
			return ret;
	return 0;
}
