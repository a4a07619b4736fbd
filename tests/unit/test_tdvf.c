// SPDX-License-Identifier: MIT
/*
 * arch/x86/tdvf.c, tdvf_hob.c and platform/tdx_plan.c on crafted TDVF
 * images (tests/common/tdvfgen.c): every malformed field is refused with
 * its own message, the HOB describes RAM, the plan and MRTD follow the
 * sections. MRTD's known answer, computed without cvmm's C code, is
 * tests/measure/tdx_mrtd_kat.sh.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "../../arch/x86/tdvf.h"
#include "../../arch/x86/tdvf_hob.h"
#include "../../mem/launch.h"
#include "../../platform/tdx_plan.h"
#include "../common/tdvfgen.h"
#include "suites.h"

#define IMG (64 * 1024)
#define FW_BASE ((1ULL << 32) - IMG)

static const struct tdvf_ram ram256[] = { { 0, 256 << 20 } };

static int parse(const uint8_t *img, size_t len, char *err)
{
	struct tdvf t;

	return tdvf_parse(img, len, &t, err, 256);
}

START_TEST(default_image_parses)
{
	uint8_t *img = tdvfgen_default(IMG);
	struct tdvf t;
	char err[256] = "";

	ck_assert_int_eq(tdvf_parse(img, IMG, &t, err, sizeof(err)), 0);
	ck_assert_uint_eq(t.n, 3);
	ck_assert_int_eq(t.s[0].type, TDVF_BFV);
	ck_assert_uint_eq(t.s[0].gpa, FW_BASE);
	ck_assert_uint_eq(t.s[0].raw_size, IMG);
	ck_assert_uint_eq(t.s[0].attributes, TDVF_ATTR_MR_EXTEND);
	ck_assert_int_eq(t.s[1].type, TDVF_TEMP_MEM);
	ck_assert_uint_eq(t.s[1].gpa, 0x800000);
	ck_assert_int_eq(t.s[2].type, TDVF_TD_HOB);
	ck_assert_ptr_eq(tdvf_hob_section(&t), &t.s[2]);
	free(img);
}
END_TEST

/* One field broken at a time: (offset in the image, value, message). */
struct breakage {
	const char *name;
	size_t off;	/* a section field: tdvfgen_section_off(i) + field */
	uint64_t value;
	int wide;	/* 8-byte field */
	const char *msg;
};

#define SEC(i, field) (TDVFGEN_DESC_OFF + 16 + 32 * (i) + (field))
static const struct breakage breakages[] = {
	{ "signature", TDVFGEN_DESC_OFF, 0x46564455, 0, "signature" },
	{ "version", TDVFGEN_DESC_OFF + 8, 2, 0, "version 2" },
	{ "no sections", TDVFGEN_DESC_OFF + 12, 0, 0, "0 sections" },
	{ "too many", TDVFGEN_DESC_OFF + 12, 33, 0, "33 sections" },
	{ "length", TDVFGEN_DESC_OFF + 4, 16 + 32 * 3 + 4, 0, "descriptor length" },
	{ "unaligned gpa", SEC(1, 8), 0x800800, 1, "not 4 KiB aligned" },
	{ "unaligned size", SEC(1, 16), 0x8100, 1, "not 4 KiB aligned" },
	{ "empty", SEC(1, 16), 0, 1, "no memory" },
	{ "past 2^48", SEC(1, 8), (1ULL << 48) - 0x1000, 1, "48-bit" },
	{ "wraps", SEC(1, 8), ~0xfffULL, 1, "48-bit" },
	{ "raw > memory", SEC(0, 16), IMG - 0x1000, 1, "more image data" },
	{ "data past image", SEC(0, 0), 0x1000, 0, "outside the image" },
	{ "TempMem with data", SEC(1, 4), 0x1000, 0, "must not carry" },
	{ "HOB with offset", SEC(2, 0), 0x1000, 0, "must not carry" },
	{ "BFV without data", SEC(0, 4), 0, 0, "RawDataSize 0" },
	{ "unknown type", SEC(1, 24), 9, 0, "unknown type 9" },
	{ "unknown attribute", SEC(1, 28), 4, 0, "unknown attribute" },
	{ "AUG on BFV", SEC(0, 28), 3, 0, "PAGE.AUG" },
	{ "AUG on TempMem", SEC(1, 28), 2, 0, "only PermMem" },
	{ "HOB measured", SEC(2, 28), 1, 0, "TD_HOB with MR.EXTEND" },
	{ "BFV unmeasured", SEC(0, 28), 0, 0, "without MR.EXTEND" },
	{ "overlap", SEC(2, 8), 0x807000, 1, "overlaps section 1" },
	{ "two HOBs", SEC(1, 24), 2, 0, "2 TD_HOB" },
	{ "no reset vector", SEC(0, 8), FW_BASE - 0x10000, 1, "reset vector" },
	{ "Payload without data", SEC(1, 24), 5, 0, "no payload" },
};

START_TEST(malformed_field_refused)
{
	const struct breakage *b = &breakages[_i];
	uint8_t *img = tdvfgen_default(IMG);
	char err[256] = "";

	if (b->wide)
		tdvfgen_put64(img, b->off, b->value);
	else
		tdvfgen_put32(img, b->off, (uint32_t)b->value);
	ck_assert_msg(parse(img, IMG, err) == -EINVAL, "%s accepted", b->name);
	ck_assert_msg(strstr(err, b->msg), "%s: '%s' lacks '%s'", b->name, err,
		      b->msg);
	ck_assert_ptr_null(strchr(err, '\n'));
	free(img);
}
END_TEST

/* The table itself: missing footer, lengths that point outside. */
START_TEST(malformed_table_refused)
{
	uint8_t *img = tdvfgen_default(IMG);
	char err[256];

	img[IMG - 0x30] ^= 1; /* footer GUID */
	ck_assert_int_eq(parse(img, IMG, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not a TDVF image"));
	img[IMG - 0x30] ^= 1;
	img[IMG - 0x32] = 17, img[IMG - 0x31] = 0; /* total < 18 */
	ck_assert_int_eq(parse(img, IMG, err), -EINVAL);
	img[IMG - 0x32] = 0xff, img[IMG - 0x31] = 0xff;	/* total 64 KiB - 1 */
	ck_assert_int_eq(parse(img, IMG, err), -EINVAL);
	img[IMG - 0x32] = 40, img[IMG - 0x31] = 0;
	img[IMG - 0x44] = 200; /* entry longer than the table */
	ck_assert_int_eq(parse(img, IMG, err), -EINVAL);
	img[IMG - 0x44] = 22;
	tdvfgen_put32(img, IMG - 0x48, IMG + 0x1000); /* offset past start */
	ck_assert_int_eq(parse(img, IMG, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "outside"));
	tdvfgen_put32(img, IMG - 0x48, 8); /* descriptor past the end */
	ck_assert_int_eq(parse(img, IMG, err), -EINVAL);
	tdvfgen_put32(img, IMG - 0x48, IMG - TDVFGEN_DESC_OFF);
	ck_assert_int_eq(parse(img, IMG, err), 0);
	/* Tiny images never read outside. */
	ck_assert_int_eq(parse(img + IMG - 40, 40, err), -EINVAL);
	ck_assert_int_eq(parse(img, 0, err), -EINVAL);
	free(img);
}
END_TEST

/* Every truncation of a valid image is refused without reading past it
 * (ASan in make check-sanitize would see it). */
START_TEST(truncated_image_refused)
{
	uint8_t *img = tdvfgen_default(IMG);
	char err[256];

	for (size_t cut = 1; cut < 0x100; cut++) {
		uint8_t *copy = malloc(IMG - cut);

		memcpy(copy, img + cut, IMG - cut);
		ck_assert_int_eq(parse(copy, IMG - cut, err), -EINVAL);
		free(copy);
	}
	free(img);
}
END_TEST

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

START_TEST(hob_describes_ram)
{
	uint8_t *img = tdvfgen_default(IMG), hob[TDVF_HOB_MAX];
	struct tdvf t;
	char err[256];
	long n;

	ck_assert_int_eq(tdvf_parse(img, IMG, &t, err, sizeof(err)), 0);
	n = tdvf_hob_build(&t, ram256, 1, hob, sizeof(hob));
	/* PHIT, 3 resources (unaccepted, TempMem, HOB) + 1 unaccepted, end */
	ck_assert_int_eq(n, 56 + 4 * 48 + 8);
	ck_assert_uint_eq(hob[0] | hob[1] << 8, 1);
	ck_assert_uint_eq(hob[2] | hob[3] << 8, 56);
	ck_assert_uint_eq(get64(hob + 48), 0x808000 + (uint64_t)n);
	struct { uint32_t type; uint64_t start, len; } want[] = {
		{ 7, 0, 0x800000 }, { 0, 0x800000, 0x8000 },
		{ 0, 0x808000, 0x1000 }, { 7, 0x809000, (256 << 20) - 0x809000 },
	};
	for (int i = 0; i < 4; i++) {
		const uint8_t *r = hob + 56 + 48 * i;

		ck_assert_uint_eq(r[0], 3);
		ck_assert_uint_eq(r[24], want[i].type);
		ck_assert_uint_eq(get64(r + 32), want[i].start);
		ck_assert_uint_eq(get64(r + 40), want[i].len);
	}
	ck_assert_uint_eq(hob[n - 8] | hob[n - 7] << 8, 0xffff);
	/* A section straddling the end of RAM cannot be described. */
	struct tdvf_ram small = { 0, 0x804000 };
	ck_assert_int_eq(tdvf_hob_build(&t, &small, 1, hob, sizeof(hob)),
			 -EINVAL);
	free(img);
}
END_TEST

/* The image is one item; TempMem and the HOB become zero items after it. */
static void plan_of(const uint8_t *img, struct tdx_plan *p,
		    struct launch_list *l)
{
	char err[256] = "";

	memset(l, 0, sizeof(*l));
	ck_assert_int_eq(tdx_plan_build(p, img, IMG, err, sizeof(err)), 0);
	ck_assert_int_eq(launch_add(l, FW_BASE, img, IMG, LAUNCH_FIRMWARE,
				    "firmware"), 0);
	ck_assert_int_eq(tdx_plan_items(p, img, l), 0);
}

START_TEST(plan_follows_sections)
{
	uint8_t *img = tdvfgen_default(IMG);
	struct tdx_plan *p = malloc(sizeof(*p));
	struct launch_list *l = malloc(sizeof(*l));
	char err[256] = "";

	plan_of(img, p, l);
	ck_assert_uint_eq(p->n, 3);
	ck_assert(p->r[0].measure && !p->r[1].measure && !p->r[2].measure);
	ck_assert_uint_eq(p->hob_gpa, 0x808000);
	ck_assert_uint_eq(l->n, 3);
	ck_assert_int_eq(l->item[1].kind, LAUNCH_ZERO);
	ck_assert_uint_eq(l->item[1].gpa, 0x800000);
	ck_assert_uint_eq(l->item[2].gpa, 0x808000);
	/* A section in the image's window that is not the image there. */
	tdvfgen_put32(img, tdvfgen_section_off(0) + 4, IMG - 0x1000);
	tdvfgen_put64(img, tdvfgen_section_off(0) + 8, FW_BASE + 0x1000);
	tdvfgen_put64(img, tdvfgen_section_off(0) + 16, IMG - 0x1000);
	ck_assert_int_eq(tdx_plan_build(p, img, IMG, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "loads the image whole"));
	/* Not a multiple of 4 KiB. */
	ck_assert_int_eq(tdx_plan_build(p, img, IMG - 1, err, sizeof(err)),
			 -EINVAL);
	free(l);
	free(p);
	free(img);
}
END_TEST

/* PermMem with PAGE.AUG is left out of the plan and of MRTD; a TD
 * without a TD_HOB section cannot be told its memory. */
START_TEST(page_aug_not_added)
{
	const struct tdvfgen_section s[] = {
		{ 0, IMG, FW_BASE, IMG, 0, 1 },
		{ 0, 0, 0x808000, 0x1000, 2, 0 },
		{ 0, 0, 0x1000000, 0x100000, 4, 2 },
	};
	uint8_t *img = tdvfgen_image(IMG, s, 3);
	struct tdx_plan *p = malloc(sizeof(*p));
	struct launch_list *l = malloc(sizeof(*l));
	char err[256] = "";

	plan_of(img, p, l);
	ck_assert_uint_eq(p->n, 2);
	ck_assert_int_eq(p->r[1].type, TDVF_TD_HOB);
	ck_assert_uint_eq(l->n, 2);
	free(img);
	img = tdvfgen_image(IMG, s, 1);
	ck_assert_int_eq(tdx_plan_build(p, img, IMG, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "no TD_HOB"));
	free(l);
	free(p);
	free(img);
}
END_TEST

static void mrtd_of(const uint8_t *img, uint8_t out[TDX_MRTD_SIZE])
{
	struct tdx_plan *p = malloc(sizeof(*p));
	struct launch_list *l = malloc(sizeof(*l));

	plan_of(img, p, l);
	ck_assert_int_eq(tdx_plan_mrtd(p, l, out), 0);
	free(l);
	free(p);
}

/* Measured bytes and GPAs move MRTD; unmeasured contents do not. */
START_TEST(mrtd_depends_on_measured_bytes)
{
	uint8_t *img = tdvfgen_default(IMG);
	uint8_t a[TDX_MRTD_SIZE], b[TDX_MRTD_SIZE];

	mrtd_of(img, a);
	mrtd_of(img, b);
	ck_assert_mem_eq(a, b, sizeof(a));
	img[0x5000] ^= 1; /* inside the measured BFV */
	mrtd_of(img, b);
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	img[0x5000] ^= 1;
	tdvfgen_put64(img, tdvfgen_section_off(1) + 8, 0x700000); /* TempMem */
	mrtd_of(img, b);
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	free(img);
}
END_TEST

/* The record layout, spelled out once more: one page, one extend. */
START_TEST(mrtd_records)
{
	uint8_t page[4096], rec[128] = { 0 }, want[48], got[48];
	struct tdx_mrtd m;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int len;

	for (int i = 0; i < 4096; i++)
		page[i] = (uint8_t)i;
	EVP_DigestInit_ex(c, EVP_sha384(), NULL);
	memcpy(rec, "MEM.PAGE.ADD", 12);
	rec[16] = 0x00, rec[17] = 0x20, rec[18] = 0x34, rec[19] = 0x12;
	EVP_DigestUpdate(c, rec, 128);
	for (int k = 0; k < 16; k++) {
		memset(rec, 0, sizeof(rec));
		memcpy(rec, "MR.EXTEND", 9);
		rec[16] = 0x00, rec[17] = (uint8_t)(0x20 + k), rec[18] = 0x34,
		rec[19] = 0x12;
		EVP_DigestUpdate(c, rec, 128);
		EVP_DigestUpdate(c, page + 256 * k, 256);
	}
	EVP_DigestFinal_ex(c, want, &len);
	EVP_MD_CTX_free(c);
	/* gpa 0x12342000: the second byte counts up by one per 256 bytes */
	ck_assert_int_eq(tdx_mrtd_init(&m), 0);
	tdx_mrtd_add_page(&m, 0x12342000, page, true);
	tdx_mrtd_final(&m, got);
	ck_assert_mem_eq(got, want, 48);
}
END_TEST

Suite *tdvf_suite(void)
{
	Suite *s = suite_create("tdvf");
	TCase *tc = tcase_create("tdvf");

	tcase_add_test(tc, default_image_parses);
	tcase_add_loop_test(tc, malformed_field_refused, 0,
			    sizeof(breakages) / sizeof(breakages[0]));
	tcase_add_test(tc, malformed_table_refused);
	tcase_add_test(tc, truncated_image_refused);
	tcase_add_test(tc, hob_describes_ram);
	tcase_add_test(tc, plan_follows_sections);
	tcase_add_test(tc, page_aug_not_added);
	tcase_add_test(tc, mrtd_depends_on_measured_bytes);
	tcase_add_test(tc, mrtd_records);
	suite_add_tcase(s, tc);
	return s;
}
