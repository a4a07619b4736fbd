// SPDX-License-Identifier: MIT
/*
 * Firmware images (--firmware): size checks, OVMF's footer table and its
 * SEV metadata, on crafted images; each malformed one is refused with one
 * line, nothing read outside the image.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../arch/arch.h"
#include "../common/fwgen.h"
#include "suites.h"

#define MiB (1u << 20)

static const struct fwgen good = {
	.size = 2 * MiB, .table = true, .sev = true, .nsec = 4,
	.sec = { { 0x800000, 0x9000, 1 }, { 0x809000, 0x1000, 2 },
		 { 0x80a000, 0x1000, 3 }, { 0x80b000, 0x5000, 1 } },
};

static int parse(const uint8_t *img, size_t len, struct arch_firmware *fw,
		 char *err)
{
	int ret = arch_firmware_parse(img, len, fw, err, 256);

	if (ret)
		ck_assert_msg(!strchr(err, '\n'), "not one line: %s", err);
	return ret;
}

START_TEST(sev_metadata_parsed)
{
	struct arch_firmware fw;
	char err[256];
	uint8_t *img = fwgen_build(&good, NULL);

	ck_assert_int_eq(parse(img, good.size, &fw, err), 0);
	ck_assert_uint_eq(fw.gpa, 0x100000000ULL - 2 * MiB);
	ck_assert_uint_eq(fw.size, 2 * MiB);
	ck_assert(fw.sev_metadata);
	ck_assert_uint_eq(fw.nsev, 4);
	ck_assert_uint_eq(fw.sev[0].gpa, 0x800000);
	ck_assert_uint_eq(fw.sev[0].len, 0x9000);
	ck_assert_int_eq(fw.sev[0].kind, FW_SEC_SNP_MEM);
	ck_assert_int_eq(fw.sev[1].kind, FW_SEC_SNP_SECRETS);
	ck_assert_int_eq(fw.sev[2].kind, FW_SEC_SNP_CPUID);
	ck_assert_uint_eq(fw.sev[3].gpa, 0x80b000);
	free(img);
}
END_TEST

/* No table, or a table without the SEV entry: an image like any other. */
START_TEST(no_metadata)
{
	struct fwgen g = good;
	struct arch_firmware fw;
	char err[256];
	uint8_t *img;

	g.table = false;
	img = fwgen_build(&g, NULL);
	ck_assert_int_eq(parse(img, g.size, &fw, err), 0);
	ck_assert(!fw.sev_metadata);
	free(img);
	g.table = true;
	g.sev = false;
	img = fwgen_build(&g, NULL);
	ck_assert_int_eq(parse(img, g.size, &fw, err), 0);
	ck_assert(!fw.sev_metadata);
	ck_assert_uint_eq(fw.nsev, 0);
	free(img);
}
END_TEST

START_TEST(bad_sizes)
{
	struct arch_firmware fw;
	char err[256];
	uint8_t *img = calloc(1, 17 * MiB);

	ck_assert_int_eq(parse(img, 5000, &fw, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a multiple of 4 KiB"));
	ck_assert_int_eq(parse(img, 17 * MiB, &fw, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "more than the 16 MiB"));
	ck_assert_int_eq(parse(img, 16 * MiB, &fw, err), 0);
	ck_assert_uint_eq(fw.gpa, 0xff000000ULL);
	free(img);
}
END_TEST

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4); /* x86 is little-endian */
}

/* One corruption of the good image; the parse must refuse with why. */
static void refused(void (*corrupt)(uint8_t *, const struct fwgen_offsets *),
		    const char *why)
{
	struct fwgen_offsets o;
	struct arch_firmware fw;
	char err[256] = "";
	uint8_t *img = fwgen_build(&good, &o);

	corrupt(img, &o);
	ck_assert_msg(parse(img, good.size, &fw, err) == -EINVAL,
		      "accepted (want '%s')", why);
	ck_assert_msg(strstr(err, why), "'%s' lacks '%s'", err, why);
	free(img);
}

static void table_too_short(uint8_t *img, const struct fwgen_offsets *o)
{
	img[o->table_len] = 17; /* shorter than its own footer */
	img[o->table_len + 1] = 0;
}

static void entry_too_short(uint8_t *img, const struct fwgen_offsets *o)
{
	img[o->sev_entry_len] = 3;
	img[o->sev_entry_len + 1] = 0;
}

static void offset_outside(uint8_t *img, const struct fwgen_offsets *o)
{
	put32(img + o->sev_entry, 3 * MiB);
}

static void no_signature(uint8_t *img, const struct fwgen_offsets *o)
{
	img[o->meta] = 'X';
}

static void too_many(uint8_t *img, const struct fwgen_offsets *o)
{
	put32(img + o->meta + 12, 1000);
}

static void length_past_end(uint8_t *img, const struct fwgen_offsets *o)
{
	put32(img + o->meta + 4, 8192);
}

static void unaligned(uint8_t *img, const struct fwgen_offsets *o)
{
	put32(img + o->meta + 16, 0x800010);
}

static void unknown_type(uint8_t *img, const struct fwgen_offsets *o)
{
	put32(img + o->meta + 24, 7);
}

static void big_secrets(uint8_t *img, const struct fwgen_offsets *o)
{
	put32(img + o->meta + 16 + 12 + 4, 0x2000);
}

static void past_4g(uint8_t *img, const struct fwgen_offsets *o)
{
	put32(img + o->meta + 16, 0xfffff000);
}

START_TEST(malformed_refused)
{
	refused(table_too_short, "OVMF table length");
	refused(entry_too_short, "OVMF table entry of length 3");
	refused(offset_outside, "outside the image");
	refused(no_signature, "\"ASEV\"");
	refused(too_many, "1000 sections does not fit");
	refused(length_past_end, "does not fit");
	refused(unaligned, "section 0 (0x800010+0x9000)");
	refused(unknown_type, "unknown type 7");
	refused(big_secrets, "a secrets page of 8192 bytes");
	refused(past_4g, "beyond 4 GiB");
}
END_TEST

Suite *firmware_suite(void)
{
	Suite *s = suite_create("firmware");
	TCase *tc = tcase_create("ovmf");

	tcase_add_test(tc, sev_metadata_parsed);
	tcase_add_test(tc, no_metadata);
	tcase_add_test(tc, bad_sizes);
	tcase_add_test(tc, malformed_refused);
	suite_add_tcase(s, tc);
	return s;
}
