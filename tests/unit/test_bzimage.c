// SPDX-License-Identifier: MIT
/*
 * arch/x86/bzimage.c: bzImages crafted here (a setup header and a dummy
 * protected-mode kernel) are parsed, bad ones refused with a reason, and
 * the 64-bit boot protocol's zero page, GDT and page tables checked.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../arch/x86/bzimage.h"
#include "../../arch/x86/layout.h"
#include "../../arch/arch.h"
#include "suites.h"

#define SETUP_SECTS 2
#define PM_OFF ((SETUP_SECTS + 1) * 512)
#define PM_LEN 0x3000
#define IMG_LEN (PM_OFF + PM_LEN)

static uint8_t image[IMG_LEN];
static char err[256];
static struct kernel_image img;

static void put(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* A protocol 2.15 header as Linux 7.x writes it. */
static void craft(void)
{
	memset(image, 0xcc, sizeof(image));
	memset(image, 0, PM_OFF);
	image[0x1f1] = SETUP_SECTS;
	put(image + 0x1fe, 0xaa55, 2);
	image[0x200] = 0xeb;	/* jmp short over the header */
	image[0x201] = 0x6a;	/* ... which ends at 0x26c */
	memcpy(image + 0x202, "HdrS", 4);
	put(image + 0x206, 0x020f, 2);
	image[0x211] = 0x01;	/* LOADED_HIGH */
	put(image + 0x214, 0x100000, 4);
	put(image + 0x22c, 0x7fffffff, 4);
	put(image + 0x230, 0x200000, 4);
	image[0x234] = 1;
	put(image + 0x236, 0x3, 2);	/* XLF_KERNEL_64 | CAN_BE_LOADED_ABOVE_4G */
	put(image + 0x238, 2047, 4);
	put(image + 0x258, 0x1000000, 8);
	put(image + 0x260, 0x200000, 4);
}

static int parse(void)
{
	return kernel_parse(image, sizeof(image), &img, err, sizeof(err));
}

START_TEST(parses_crafted_bzimage)
{
	craft();
	ck_assert_int_eq(parse(), 0);
	ck_assert_uint_eq(img.nseg, 1);
	ck_assert_uint_eq(img.seg[0].paddr, 0x1000000);
	ck_assert_uint_eq(img.seg[0].offset, PM_OFF);
	ck_assert_uint_eq(img.seg[0].filesz, PM_LEN);
	ck_assert_uint_eq(img.seg[0].memsz, 0x200000);
	ck_assert_uint_eq(img.entry, 0x1000200);
	ck_assert_uint_eq(img.end, 0x1200000);
	ck_assert_ptr_eq(img.boot_hdr, image + 0x1f1);
	ck_assert_uint_eq(img.boot_hdr_len, 0x26c - 0x1f1);
	ck_assert_int_eq(kernel_check_fit(&img, 64 << 20, err, sizeof(err)), 0);
	ck_assert_int_ne(kernel_check_fit(&img, 16 << 20, err, sizeof(err)), 0);
}
END_TEST

START_TEST(refuses_bad_images)
{
	craft();
	put(image + 0x206, 0x020b, 2);
	ck_assert_int_eq(parse(), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "2.11 is older than 2.12"));
	craft();
	put(image + 0x236, 0x2, 2);
	ck_assert_int_eq(parse(), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "XLF_KERNEL_64"));
	craft();
	image[0x211] = 0;
	ck_assert_int_eq(parse(), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "LOADED_HIGH"));
	craft();
	image[0x1f1] = 40; /* setup longer than the file */
	ck_assert_int_eq(parse(), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "truncated"));
	craft();
	put(image + 0x258, 0xfffff000, 8);
	ck_assert_int_eq(parse(), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "below 4 GiB"));
	craft();
	ck_assert_int_eq(kernel_parse(image, 0x240, &img, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "truncated"));
	/* Without the magic it is not a bzImage: the ELF reader says no. */
	craft();
	memcpy(image + 0x202, "HdrX", 4);
	ck_assert_int_eq(parse(), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not an ELF file"));
}
END_TEST

START_TEST(zero_page_contents)
{
	static uint8_t page[4096];
	struct bz_boot_in in;
	uint64_t e;

	craft();
	ck_assert_int_eq(parse(), 0);
	in = (struct bz_boot_in){ img.boot_hdr, img.boot_hdr_len, 64 << 20,
				  0x7000, 12, 0x2000000, 0x1234, 0xe0000 };
	ck_assert_int_eq(bzimage_zero_page(page, &in), 0);
	ck_assert_int_eq(memcmp(page + 0x202, "HdrS", 4), 0);
	ck_assert_uint_eq(page[0x210], 0xff);
	ck_assert_uint_eq(get(page + 0x228, 4), 0x7000);
	ck_assert_uint_eq(get(page + 0x218, 4), 0x2000000);
	ck_assert_uint_eq(get(page + 0x21c, 4), 0x1234);
	ck_assert_uint_eq(get(page + 0x070, 8), 0xe0000);
	ck_assert_uint_eq(get(page + 0x258, 8), 0x1000000);
	/* Nothing past the header's own end was copied. */
	ck_assert_uint_eq(page[0x26c], 0);
	/* e820: low RAM, the legacy window reserved, RAM to 64 MiB. */
	ck_assert_uint_eq(page[0x1e8], 3);
	e = 0x2d0 + 2 * 20;
	ck_assert_uint_eq(get(page + e, 8), 0x100000);
	ck_assert_uint_eq(get(page + e + 8, 8), (64 << 20) - 0x100000);
	ck_assert_uint_eq(get(page + e + 16, 4), 1);
	ck_assert_uint_eq(get(page + 0x2d0 + 20 + 16, 4), 2);
	/* The header's limits hold. */
	in.cmdline_len = 2048;
	ck_assert_int_eq(bzimage_zero_page(page, &in), -E2BIG);
	in.cmdline_len = 12;
	in.initrd_gpa = 0x7ffff000;
	in.initrd_size = 0x2000;
	ck_assert_int_eq(bzimage_zero_page(page, &in), -E2BIG);
}
END_TEST

START_TEST(page_tables_identity_map)
{
	static uint64_t pt[6][512];
	uint64_t gdt[6];

	bzimage_page_tables(pt, 0x9000);
	ck_assert_uint_eq(pt[0][0], 0xa003);
	for (unsigned int g = 0; g < 4; g++)
		ck_assert_uint_eq(pt[1][g], (0xb000 + g * 0x1000) | 3);
	ck_assert_uint_eq(pt[1][4], 0);
	ck_assert_uint_eq(pt[2][8], 0x1000083);	      /* 16 MiB */
	ck_assert_uint_eq(pt[5][511], 0xffe00083);   /* the last 2 MiB */
	bzimage_gdt(gdt);
	/* __BOOT_CS (0x10): 64-bit code (L set); __BOOT_DS (0x18): data. */
	ck_assert_uint_eq((gdt[2] >> 53) & 1, 1);
	ck_assert_uint_eq((gdt[2] >> 43) & 1, 1);
	ck_assert_uint_eq((gdt[3] >> 43) & 1, 0);
	ck_assert_uint_eq((gdt[3] >> 41) & 1, 1);
}
END_TEST

/*
 * The entry of a bzImage boot is the 64-bit one, with the host setting the
 * registers: not "at reset" (a positional initializer once put the mode
 * into at_reset, and the vCPU started at 0xfffffff0 with no firmware).
 */
START_TEST(boot_entry_is_long_mode_not_reset)
{
	static struct arch_boot b;
	struct arch_entry e;

	b.mode = X86_ENTRY_LONG;
	e = arch_boot_entry(&b, 0x1000200);
	ck_assert(!e.at_reset);
	ck_assert_uint_eq(e.mode, X86_ENTRY_LONG);
	ck_assert_uint_eq(e.pc, 0x1000200);
	b.mode = 0; /* PVH */
	e = arch_boot_entry(&b, 0x1000000);
	ck_assert(!e.at_reset);
	ck_assert_uint_eq(e.mode, 0);
}
END_TEST

Suite *bzimage_suite(void)
{
	Suite *s = suite_create("bzimage");
	TCase *tc = tcase_create("protocol");

	tcase_add_test(tc, parses_crafted_bzimage);
	tcase_add_test(tc, refuses_bad_images);
	tcase_add_test(tc, zero_page_contents);
	tcase_add_test(tc, page_tables_identity_map);
	tcase_add_test(tc, boot_entry_is_long_mode_not_reset);
	suite_add_tcase(s, tc);
	return s;
}
