// SPDX-License-Identifier: MIT
/*
 * Virtio through the test kernel: the disk file really holds what the
 * guest wrote, hostile descriptors change nothing, rng and console work,
 * and bad device options are refused before anything starts.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

static uint8_t *read_sectors(const char *path, uint64_t sector, size_t len)
{
	uint8_t *buf = malloc(len);
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, len, (off_t)(sector * 512)), (ssize_t)len);
	close(fd);
	return buf;
}

START_TEST(blk_writes_reach_the_file)
{
	const char *disk = make_file("disk.img", 8 << 20, 0xaa);
	char opt[300];
	struct run r;
	uint8_t *p;

	snprintf(opt, sizeof(opt), "%s", disk);
	run_test(&r, "virtio-blk", "--disk", opt, "--memory", "64M", "--stats",
		 NULL);
	expect_status(&r, 0);
	expect_has(r.out, "RESULT test=virtio-blk passed=14 failed=0");
	ck_assert_uint_ge(stat_field(&r, "virtio.blk0", "requests"), 9);
	ck_assert_uint_eq(stat_field(&r, "virtio.blk0", "bad_chains"), 0);
	ck_assert_uint_gt(stat_field(&r, "virtio.blk0", "interrupts"), 0);
	run_free(&r);
	/* The guest's pattern at sector 64, the discarded sectors zeroed. */
	p = read_sectors(disk, 64, 8192);
	for (int i = 0; i < 8192; i++)
		ck_assert_uint_eq(p[i], (uint8_t)(i * 7 + 3));
	free(p);
	p = read_sectors(disk, 200, 4096);
	for (int i = 0; i < 4096; i++)
		ck_assert_uint_eq(p[i], 0);
	free(p);
	p = read_sectors(disk, 63, 512); /* untouched neighbours */
	ck_assert_uint_eq(p[0], 0xaa);
	free(p);
}
END_TEST

START_TEST(blk_readonly)
{
	const char *disk = make_file("ro.img", 1 << 20, 0);
	char opt[300];
	struct run r;
	uint8_t *p;

	snprintf(opt, sizeof(opt), "%s,readonly", disk);
	run_test(&r, "virtio-blk", "--disk", opt, NULL);
	expect_status(&r, 3);
	expect_has(r.out, "FAIL write 8 KiB at sector 64");
	run_free(&r);
	p = read_sectors(disk, 64, 512);
	ck_assert_uint_eq(p[0], 0);
	free(p);
}
END_TEST

START_TEST(dma_escape_touches_nothing)
{
	const char *disk = make_file("escape.img", 1 << 20, 0);
	struct run r;
	uint8_t *p;

	run_test(&r, "dma-escape", "--disk", disk, "--memory", "64M", "--stats",
		 NULL);
	expect_status(&r, 0);
	expect_has(r.out, "PASS refused: data in private memory");
	expect_has(r.out, "PASS refused: a looping chain");
	expect_has(r.out, "PASS a valid request after them succeeds");
	/* Eight hostile requests, each refused and counted. */
	ck_assert_uint_eq(stat_field(&r, "virtio.blk0", "bad_chains"), 8);
	ck_assert_uint_ge(stat_field(&r, "virtio.blk0", "refused"), 5);
	run_free(&r);
	p = read_sectors(disk, 300, 4096); /* where the bad requests aimed */
	for (int i = 0; i < 4096; i++)
		ck_assert_uint_eq(p[i], 0);
	free(p);
	p = read_sectors(disk, 310, 4096);
	ck_assert_uint_eq(p[0], 0x5a);
	ck_assert_uint_eq(p[4095], 0x5a);
	free(p);
}
END_TEST

START_TEST(dma_anywhere_allows_shared_pages)
{
	const char *disk = make_file("anywhere.img", 1 << 20, 0);
	struct run r;

	run_test(&r, "dma-escape:anywhere", "--disk", disk, "--dma-anywhere",
		 "--stats", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "allowed (--dma-anywhere)");
	/* Private memory and the rest are still refused. */
	ck_assert_uint_eq(stat_field(&r, "virtio.blk0", "bad_chains"), 7);
	run_free(&r);
}
END_TEST

START_TEST(rng_and_pool)
{
	struct run r;

	run_test(&r, "virtio-rng", "--rng", "--stats", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "PASS they are not zeros, and differ");
	ck_assert_uint_eq(stat_field(&r, "virtio.rng", "requests"), 2);
	run_free(&r);
	run_test(&r, "pool-exhaust", "--rng", "--dma-pool", "1M", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "PASS 256 buffers of 4 KiB fill the 1024 KiB pool");
	expect_has(r.out, "PASS everything returned: no leak");
	run_free(&r);
}
END_TEST

START_TEST(console_both_ways)
{
	const char *argv[] = { cvmm_path(), "run", "--kernel", testkernel_path(),
			       "--cmdline", "test=virtio-console:echo",
			       "--console", "virtio", NULL };
	const char *in = scratch("console.in");
	FILE *f = fopen(in, "w");
	struct run r;

	ck_assert_ptr_nonnull(f);
	fputs("ping\n", f);
	fclose(f);
	run_argv_in(&r, 60, argv, in);
	expect_status(&r, 0);
	expect_has(r.out, "hello through virtio-console\n");
	expect_has(r.out, "virtio-console received: ping\n");
	run_free(&r);
}
END_TEST

START_TEST(bad_device_options)
{
	const char *disk = make_file("busy.img", 1 << 20, 0);
	struct run r;

	run_cvmm(&r, 30, "run", "--kernel", testkernel_path(), "--disk",
		 "/nonexistent.img", NULL);
	expect_status(&r, 1);
	expect_has(r.err, "disk '/nonexistent.img': cannot open");
	ck_assert_uint_eq(count_lines(r.err), 1);
	run_free(&r);
	run_cvmm(&r, 30, "run", "--kernel", testkernel_path(), "--disk", disk,
		 "--disk", disk, NULL);
	expect_status(&r, 1);
	expect_has(r.err, "in use by another process");
	run_free(&r);
	run_cvmm(&r, 30, "run", "--kernel", testkernel_path(), "--rng",
		 "--dma-pool", "0", NULL);
	expect_status(&r, 1);
	expect_has(r.err, "virtio devices need a DMA pool");
	run_free(&r);
	run_cvmm(&r, 30, "run", "--kernel", testkernel_path(), "--rng",
		 "--memory", "4M", "--dma-pool", "3M", NULL);
	expect_status(&r, 1);
	/* One line, the option named once (layout_plan.c's reasons carry no
	 * prefix of their own). */
	expect_has(r.err, "memory: 4 MiB is too small for the kernel, its "
			  "device tree and a 3 MiB DMA pool\n");
	ck_assert_ptr_null(strstr(r.err, "memory: memory:"));
	ck_assert_uint_eq(count_lines(r.err), 1);
	run_free(&r);
}
END_TEST

Suite *virtio_suite(void)
{
	Suite *s = suite_create("virtio");
	TCase *tc = tcase_create("devices");

	tcase_set_timeout(tc, 300);
	add_test(tc, blk_writes_reach_the_file, NEEDS_KVM);
	add_test(tc, blk_readonly, NEEDS_KVM);
	add_test(tc, dma_escape_touches_nothing, NEEDS_KVM);
	add_test(tc, dma_anywhere_allows_shared_pages, NEEDS_KVM);
	add_test(tc, rng_and_pool, NEEDS_KVM);
	add_test(tc, console_both_ways, NEEDS_KVM);
	add_test(tc, bad_device_options, NEEDS_NOTHING);
	suite_add_tcase(s, tc);
	return s;
}
