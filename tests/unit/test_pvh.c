// SPDX-License-Identifier: MIT
/* arch/x86: memory layout and hvm_start_info contents. */
#include <errno.h>
#include <stddef.h>

#include "../../arch/x86/layout.h"
#include "../../arch/x86/pvh.h"
#include "suites.h"

START_TEST(memmap_small_guest)
{
	struct hvm_memmap_table_entry e[PVH_MAX_MEMMAP];
	size_t n = x86_memmap(64 << 20, e);

	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(e[0].addr, 0);
	ck_assert_uint_eq(e[0].size, 0xa0000);
	ck_assert_uint_eq(e[0].type, E820_RAM);
	ck_assert_uint_eq(e[1].type, E820_RESERVED);
	ck_assert_uint_eq(e[2].addr, 0x100000);
	ck_assert_uint_eq(e[2].addr + e[2].size, 64 << 20);
}
END_TEST

START_TEST(memmap_above_hole)
{
	struct hvm_memmap_table_entry e[PVH_MAX_MEMMAP];
	size_t n = x86_memmap(8ULL << 30, e);
	struct x86_ram_layout l = x86_ram_layout(8ULL << 30);

	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(e[2].addr + e[2].size, X86_MMIO_HOLE_START);
	ck_assert_uint_eq(e[3].addr, 4ULL << 30);
	ck_assert_uint_eq(e[3].size, 5ULL << 30);
	ck_assert_uint_eq(l.low_size, 3ULL << 30);
	ck_assert_uint_eq(l.high_size, 5ULL << 30);
	/* Exactly 3 GiB: no second slot. */
	l = x86_ram_layout(3ULL << 30);
	ck_assert_uint_eq(l.high_size, 0);
	ck_assert_uint_eq(x86_memmap(3ULL << 30, e), 3);
}
END_TEST

START_TEST(start_info_contents)
{
	struct pvh_boot_page p;
	struct pvh_module mods[2] = { { 0x400000, 0x1234 }, { 0x500000, 10 } };

	ck_assert_int_eq(pvh_build(&p, 0x6000, 64 << 20, 0x7000, 0xe0000, mods, 2), 0);
	ck_assert_uint_eq(p.start.magic, PVH_START_MAGIC);
	ck_assert_uint_eq(p.start.version, 1);
	ck_assert_uint_eq(p.start.cmdline_paddr, 0x7000);
	ck_assert_uint_eq(p.start.nr_modules, 2);
	ck_assert_uint_eq(p.start.modlist_paddr,
			  0x6000 + offsetof(struct pvh_boot_page, mods));
	ck_assert_uint_eq(p.mods[1].paddr, 0x500000);
	ck_assert_uint_eq(p.mods[0].size, 0x1234);
	ck_assert_uint_eq(p.start.memmap_entries, 3);
	ck_assert_uint_eq(p.start.memmap_paddr,
			  0x6000 + offsetof(struct pvh_boot_page, memmap));
	ck_assert_uint_eq(p.start.rsdp_paddr, 0xe0000);
	ck_assert_int_eq(pvh_build(&p, 0x6000, 64 << 20, 0x7000, 0xe0000, mods,
				   PVH_MAX_MODULES + 1), -E2BIG);
}
END_TEST

Suite *pvh_suite(void)
{
	Suite *s = suite_create("pvh");
	TCase *tc = tcase_create("layout");

	tcase_add_test(tc, memmap_small_guest);
	tcase_add_test(tc, memmap_above_hole);
	tcase_add_test(tc, start_info_contents);
	suite_add_tcase(s, tc);
	return s;
}
