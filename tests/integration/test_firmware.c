// SPDX-License-Identifier: MIT
/*
 * --firmware on any host (no KVM needed): bad files get one line naming
 * the option, the path and what is wrong; a good image is planned as the
 * launch list's first item, ending at 4 GiB.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../common/fwgen.h"
#include "harness.h"

static void expect_one_line(struct run *r, const char *want)
{
	expect_status(r, 1);
	expect_has(r->err, want);
	ck_assert_msg(count_lines(r->err) == 1, "not one line:\n%s", r->err);
	ck_assert_msg(!r->out[0], "something was printed:\n%s", r->out);
	run_free(r);
}

START_TEST(bad_firmware_files)
{
	const char *big = make_file("big.fd", (16 << 20) + 4096, 0x90);
	const char *odd = make_file("odd.fd", 5000, 0x90);
	const char *empty = make_file("empty.fd", 0, 0);
	char want[512];
	struct run r;

	run_cvmm(&r, 10, "run", "--firmware", big, "--dry-run", NULL);
	snprintf(want, sizeof(want), "--firmware '%s': is 16781312 bytes, "
		 "more than 16777216", big);
	expect_one_line(&r, want);
	run_cvmm(&r, 10, "run", "--firmware", odd, "--dry-run", NULL);
	snprintf(want, sizeof(want), "--firmware '%s': is 5000 bytes, not a "
		 "multiple of 4 KiB", odd);
	expect_one_line(&r, want);
	run_cvmm(&r, 10, "run", "--firmware", empty, "--dry-run", NULL);
	snprintf(want, sizeof(want), "--firmware '%s': is empty", empty);
	expect_one_line(&r, want);
	run_cvmm(&r, 10, "run", "--firmware", "/dev/zero", "--dry-run", NULL);
	expect_one_line(&r, "--firmware '/dev/zero': is a character device, "
			    "not a regular file");
	run_cvmm(&r, 10, "run", "--firmware", scratch(""), "--dry-run", NULL);
	expect_one_line(&r, "is a directory, not a regular file");
}
END_TEST

static const char *write_image(const char *name, const struct fwgen *g)
{
	const char *path = scratch(name);
	uint8_t *img = fwgen_build(g, NULL);
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(img, 1, g->size, f), g->size);
	ck_assert_int_eq(fclose(f), 0);
	free(img);
	return path;
}

/* A malformed SEV metadata table: one line, before anything starts. */
START_TEST(malformed_metadata)
{
	struct fwgen g = { .size = 1 << 20, .table = true, .sev = true,
			   .nsec = 1, .sec = { { 0x800000, 0x1000, 9 } } };
	const char *path = write_image("bad-meta.fd", &g);
	struct run r;

	run_cvmm(&r, 10, "run", "--firmware", path, "--dry-run", NULL);
	expect_one_line(&r, "SEV metadata section 0 has unknown type 9");
}
END_TEST

/* Without --kernel: the image alone, at the top of 4 GiB. */
START_TEST(firmware_dry_run)
{
	struct fwgen g = { .size = 1 << 20, .table = true };
	const char *path = write_image("plain.fd", &g);
	struct run r;

	run_cvmm(&r, 10, "run", "--firmware", path, "--dry-run", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "vm: kernel none");
	expect_has(r.out, "reset vector; no SEV metadata");
	expect_has(r.out, "vm: launch 0: gpa 0xfff00000-0xffffffff firmware "
			  "(firmware)");
	run_free(&r);
}
END_TEST

/* cvmm measure: the digest on sev-snp (as --dry-run prints it), one line
 * where the platform measures nothing. */
START_TEST(measure_command)
{
	struct fwgen g = { .size = 1 << 20, .table = true };
	const char *path = write_image("m.fd", &g);
	struct run r, d;

	run_cvmm(&r, 10, "measure", "--kernel", testkernel_path(), NULL);
	expect_one_line(&r, "platform soft has no launch measurement");
	run_cvmm(&r, 10, "measure", "--platform", "sev-snp", "--firmware",
		 path, NULL);
	expect_status(&r, 0);
	ck_assert_uint_eq(strlen(r.out), strlen("snp-page-digest ") + 97);
	run_cvmm(&d, 10, "run", "--platform", "sev-snp", "--firmware", path,
		 "--dry-run", NULL);
	expect_status(&d, 0);
	expect_has(d.out, r.out); /* "vm: measurement " + the same line */
	run_free(&r);
	run_free(&d);
}
END_TEST

Suite *firmware_suite(void)
{
	Suite *s = suite_create("firmware");
	TCase *tc = tcase_create("files");

	add_test(tc, bad_firmware_files, NEEDS_NOTHING);
	add_test(tc, malformed_metadata, NEEDS_NOTHING);
	add_test(tc, firmware_dry_run, NEEDS_NOTHING);
	add_test(tc, measure_command, NEEDS_NOTHING);
	suite_add_tcase(s, tc);
	return s;
}
