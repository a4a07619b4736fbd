// SPDX-License-Identifier: MIT
/*
 * --platform tdx on any host (no KVM needed): what it refuses with one
 * line before anything starts, and the plan and expected MRTD --dry-run
 * prints for a crafted TDVF image (tests/common/tdvfgen.c). The MRTD's
 * value is checked against an independent computation by
 * tests/measure/tdx_mrtd_kat.sh; the launch itself, against the fake KVM
 * in the unit tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/tdvfgen.h"
#include "harness.h"

#define IMG (64 * 1024)

static const char *write_image(const char *name, const uint8_t *img)
{
	const char *path = scratch(name);
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(img, 1, IMG, f), IMG);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

static void expect_one_line(struct run *r, int status, const char *want)
{
	expect_status(r, status);
	expect_has(r->err, want);
	ck_assert_msg(count_lines(r->err) == 1, "not one line:\n%s", r->err);
	ck_assert_msg(!r->out[0], "something was printed:\n%s", r->out);
	run_free(r);
}

START_TEST(tdx_refuses_bad_input)
{
	uint8_t *img = tdvfgen_default(IMG);
	const char *good = write_image("tdvf.fd", img);
	const char *plain = make_file("plain.fd", IMG, 0x90);
	const char *bad;
	char want[512];
	struct run r;

	run_cvmm(&r, 10, "run", "--platform", "tdx", "--kernel", testkernel_path(),
		 "--dry-run", NULL);
	expect_one_line(&r, 1, "platform tdx boots only a firmware image: "
			       "give one with --firmware");
	run_cvmm(&r, 10, "run", "--platform", "tdx", "--firmware", good,
		 "--kernel", testkernel_path(), "--dry-run", NULL);
	expect_one_line(&r, 1, "--kernel would never reach its private memory");
	run_cvmm(&r, 10, "run", "--platform", "tdx", "--firmware", plain,
		 "--dry-run", NULL);
	snprintf(want, sizeof(want), "--firmware '%s': no TDX metadata offset "
		 "entry", plain);
	expect_one_line(&r, 1, want);
	/* One broken field: TempMem's address unaligned. */
	tdvfgen_put64(img, tdvfgen_section_off(1) + 8, 0x800800);
	bad = write_image("bad.fd", img);
	run_cvmm(&r, 10, "run", "--platform", "tdx", "--firmware", bad,
		 "--dry-run", NULL);
	snprintf(want, sizeof(want), "--firmware '%s': section 1 (TempMem at "
		 "0x800800) is not 4 KiB aligned", bad);
	expect_one_line(&r, 1, want);
	/* TempMem past the end of a small guest's RAM. */
	run_cvmm(&r, 10, "run", "--platform", "tdx", "--firmware", good,
		 "--memory", "4M", "--dry-run", NULL);
	expect_one_line(&r, 1, "TDVF TempMem at 0x800000-0x807fff lies "
			       "outside guest RAM");
	free(img);
}
END_TEST

START_TEST(tdx_dry_run_prints_plan_and_mrtd)
{
	uint8_t *img = tdvfgen_default(IMG);
	const char *fw = write_image("tdvf.fd", img);
	const char *mrtd;
	struct run r;

	run_cvmm(&r, 10, "run", "--platform", "tdx", "--firmware", fw,
		 "--memory", "64M", "--cpus", "2", "--dry-run", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "vm: platform tdx (KVM VM type 5, guest_memfd flags "
			  "0x0, split irqchip)");
	expect_has(r.out, "vm: memory 64 MiB, starts private");
	expect_has(r.out, "vm: launch 0: gpa 0xffff0000-0xffffffff firmware "
			  "(firmware)");
	expect_has(r.out, "vm: launch 1: gpa 0x800000-0x807fff TDVF TempMem "
			  "(zero)");
	expect_has(r.out, "vm: launch 2: gpa 0x808000-0x808fff TDVF TD_HOB "
			  "(zero)");
	expect_has(r.out, "vm: measurement covers: TDX MRTD (exact: "
			  "TDH.MEM.PAGE.ADD of every page, TDH.MR.EXTEND of "
			  "measured ones) of BFV 0xffff0000+16 pages measured, "
			  "then TempMem 0x800000+8 pages added, then TD_HOB "
			  "0x808000+1 pages added;");
	mrtd = strstr(r.out, "vm: measurement mrtd ");
	ck_assert_ptr_nonnull(mrtd);
	ck_assert_uint_eq(strspn(mrtd + 21, "0123456789abcdef"), 96);
	run_free(&r);
	free(img);
}
END_TEST

/* A real run stops before anything starts where TDX is missing (here:
 * no /dev/kvm, or a KVM without TDX): one line, nothing on stdout. */
START_TEST(tdx_run_without_tdx)
{
	uint8_t *img = tdvfgen_default(IMG);
	const char *fw = write_image("tdvf.fd", img);
	struct run r;

	run_cvmm(&r, 10, "run", "--platform", "tdx", "--firmware", fw, NULL);
	ck_assert_int_ne(r.status, 0);
	ck_assert_msg(count_lines(r.err) == 1, "not one line:\n%s", r.err);
	ck_assert_msg(strstr(r.err, "cannot use /dev/kvm") ||
			      strstr(r.err, "platform tdx is not available"),
		      "%s", r.err);
	ck_assert_msg(!r.out[0], "something was printed:\n%s", r.out);
	run_free(&r);
	free(img);
}
END_TEST

Suite *tdx_suite(void)
{
	Suite *s = suite_create("tdx");
	TCase *tc = tcase_create("host");

	add_test(tc, tdx_refuses_bad_input, NEEDS_NOTHING);
	add_test(tc, tdx_dry_run_prints_plan_and_mrtd, NEEDS_NOTHING);
	add_test(tc, tdx_run_without_tdx, NEEDS_NOTHING);
	suite_add_tcase(s, tc);
	return s;
}
