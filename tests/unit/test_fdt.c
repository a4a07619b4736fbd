// SPDX-License-Identifier: MIT
/* The guest's device tree (parsed back with libfdt) and the layout plan. */
#include <errno.h>
#include <libfdt.h>
#include <string.h>

#include "../../arch/x86/fdt.h"
#include "../../vmm/layout_plan.h"
#include "../../vmm/options.h"
#include "suites.h"

static uint8_t blob[X86_FDT_MAX];

static uint64_t reg_cell(const void *fdt, int node, int i)
{
	int len;
	const uint8_t *p = fdt_getprop(fdt, node, "reg", &len);
	fdt64_t v;

	ck_assert_ptr_nonnull(p);
	ck_assert_int_ge(len, (i + 1) * 8);
	memcpy(&v, p + 8 * i, sizeof(v)); /* properties are only 4-aligned */
	return fdt64_to_cpu(v);
}

START_TEST(device_tree_contents)
{
	struct fdt_virtio v[2] = { { 0xd0000000, 0x200, 16 },
				   { 0xd0001000, 0x200, 17 } };
	struct fdt_layout l = { 8ULL << 30, "test=virtio-blk", 0xbfc00000,
				4 << 20, v, 2 };
	int node, pool, len;
	const fdt32_t *irq, *mr;

	ck_assert_int_gt(x86_build_fdt(blob, sizeof(blob), &l), 0);
	ck_assert_int_eq(fdt_check_header(blob), 0);
	node = fdt_path_offset(blob, "/chosen");
	ck_assert_str_eq(fdt_getprop(blob, node, "bootargs", NULL),
			 "test=virtio-blk");
	node = fdt_path_offset(blob, "/memory@0");
	ck_assert_uint_eq(reg_cell(blob, node, 1), 3ULL << 30);
	ck_assert_uint_eq(reg_cell(blob, node, 2), 4ULL << 30);
	ck_assert_uint_eq(reg_cell(blob, node, 3), 5ULL << 30);
	pool = fdt_node_offset_by_compatible(blob, -1, "restricted-dma-pool");
	ck_assert_int_ge(pool, 0);
	ck_assert_uint_eq(reg_cell(blob, pool, 0), 0xbfc00000);
	ck_assert_uint_eq(reg_cell(blob, pool, 1), 4 << 20);
	ck_assert_ptr_null(fdt_getprop(blob, pool, "no-map", NULL));
	ck_assert_ptr_nonnull(fdt_getprop(blob, fdt_parent_offset(blob, pool),
					  "ranges", NULL));
	node = fdt_node_offset_by_compatible(blob, -1, "virtio,mmio");
	ck_assert_uint_eq(reg_cell(blob, node, 0), 0xd0000000);
	irq = fdt_getprop(blob, node, "interrupts", &len);
	ck_assert_int_eq(len, 8);
	ck_assert_uint_eq(fdt32_to_cpu(irq[0]), 16);
	mr = fdt_getprop(blob, node, "memory-region", &len);
	ck_assert_uint_eq(fdt32_to_cpu(mr[0]), fdt_get_phandle(blob, pool));
	node = fdt_node_offset_by_compatible(blob, node, "virtio,mmio");
	ck_assert_uint_eq(reg_cell(blob, node, 0), 0xd0001000);
	node = fdt_node_offset_by_phandle(
		blob, fdt32_to_cpu(*(const fdt32_t *)fdt_getprop(
			      blob, node, "interrupt-parent", NULL)));
	ck_assert_int_eq(fdt_node_check_compatible(blob, node,
						   "intel,ce4100-ioapic"), 0);
	ck_assert_int_eq(x86_build_fdt(blob, 64, &l), -ENOSPC);
}
END_TEST

START_TEST(layout_plan)
{
	struct vm_config c;
	struct plan p;
	char err[200];

	config_defaults(&c);
	c.memory = 64 << 20;
	ck_assert_int_eq(plan_layout(&c, 0x200000, &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.nvirtio, 0);
	ck_assert_uint_eq(p.pool_size, 0); /* no devices, no pool */
	ck_assert_uint_eq(p.dtb_base, 0x200000);
	c.rng = true;
	c.ndisks = 1;
	ck_assert_int_eq(plan_layout(&c, 0x200000, &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.nvirtio, 2);
	ck_assert_uint_eq(p.pool_base, 60 << 20);
	ck_assert_uint_eq(p.pool_size, 4 << 20);
	ck_assert_uint_eq(p.dma_base, p.pool_base);
	c.dma_anywhere = true;
	ck_assert_int_eq(plan_layout(&c, 0x200000, &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.dma_size, 0);
	/* Above 3 GiB the pool stays below the MMIO hole. */
	c.memory = 8ULL << 30;
	ck_assert_int_eq(plan_layout(&c, 0x200000, &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.pool_base + p.pool_size, 3ULL << 30);
	/* A kernel below 1 MiB: the device tree still goes above boot info. */
	c.memory = 64 << 20;
	ck_assert_int_eq(plan_layout(&c, 0x5000, &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.dtb_base, 0x100000);
	/* A kernel that leaves no room for the pool is refused. */
	c.memory = 8 << 20;
	ck_assert_int_eq(plan_layout(&c, 6 << 20, &p, err, sizeof(err)), -E2BIG);
	ck_assert_ptr_nonnull(strstr(err, "too small"));
}
END_TEST

Suite *fdt_suite(void)
{
	Suite *s = suite_create("fdt");
	TCase *tc = tcase_create("layout");

	tcase_add_test(tc, device_tree_contents);
	tcase_add_test(tc, layout_plan);
	suite_add_tcase(s, tc);
	return s;
}
