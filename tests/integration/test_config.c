// SPDX-License-Identifier: MIT
/*
 * VM files: every example in configs/ resolves with --dry-run and the smoke
 * one boots; a file and the equivalent command line resolve to the same
 * VM, which is also what cvmm builds; errors name the file, line and key.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "harness.h"

/* The "vm: ..." lines of s, for comparing descriptions. */
static char *vm_lines(const char *s)
{
	char *out = calloc(1, strlen(s) + 1), *o = out;

	for (const char *p = s; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);

		if (!strncmp(p, "vm: ", 4)) {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	return out;
}

/*
 * --dry-run opens the disks, so the images the examples name must exist:
 * an empty 1 MiB image is made where none is (an existing one is kept).
 */
static void ensure_image(const char *path)
{
	FILE *f;

	if (!access(path, F_OK))
		return;
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(ftruncate(fileno(f), 1 << 20), 0);
	fclose(f);
}

START_TEST(every_example_resolves)
{
	DIR *d = opendir("configs");
	struct dirent *e;
	char path[512];
	struct run r;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	ensure_image("build/disk.img");
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".ini"))
			continue;
		snprintf(path, sizeof(path), "configs/%s", e->d_name);
		run_cvmm(&r, 30, "run", "--config", path, "--dry-run", NULL);
		expect_status(&r, 0);
		expect_has(r.out, "vm: platform ");
		run_free(&r);
		n++;
	}
	closedir(d);
	ck_assert_int_ge(n, 3);
}
END_TEST

/* The README's complete example is a working file. */
START_TEST(readme_example_resolves)
{
	FILE *in = fopen("README.md", "r"), *out = fopen(scratch("readme.ini"), "w");
	const char *ini = scratch("readme.ini");
	char line[512];
	bool inside = false;
	int n = 0;
	struct run r;

	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
	while (fgets(line, sizeof(line), in)) {
		if (!strncmp(line, "```", 3)) {
			if (inside)
				break;
			inside = !strncmp(line, "```ini", 6);
			continue;
		}
		if (inside)
			n += fputs(line, out) >= 0;
	}
	fclose(in);
	fclose(out);
	ck_assert_int_gt(n, 10);
	ensure_image("build/disk.img");
	ensure_image("build/data.img");
	run_cvmm(&r, 30, "run", "--config", ini, "--dry-run", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "vm: cmdline \"test=virtio-blk console=hvc0\"\n");
	expect_has(r.out, "build/data.img (read-only)");
	run_free(&r);
}
END_TEST

START_TEST(smoke_example_boots)
{
	struct run r;

	run_cvmm(&r, 60, "run", "--config", "configs/smoke.ini", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "RESULT test=hello passed=3 failed=0");
	expect_has(r.err, "stats: exits.total ");
	run_free(&r);
}
END_TEST

/* File and command line resolve alike, and the build matches the plan. */
START_TEST(round_trip)
{
	const char *disk = make_file("rt.img", 1 << 20, 0);
	const char *ini = scratch("rt.ini");
	FILE *f = fopen(ini, "w");
	struct run a, b, c;
	char *da, *db, *dc;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "[vm]\nkernel = %s\ncmdline = test=virtio-rng\nmemory = 96M\n"
		"cpus = 2\ndisk = %s,readonly\nrng = on\ndma-pool = 2M\n"
		"testdev = true\n", testkernel_path(), disk);
	fclose(f);
	run_cvmm(&a, 30, "run", "--config", ini, "--dry-run", NULL);
	run_cvmm(&b, 30, "run", "--kernel", testkernel_path(), "--cmdline",
		 "test=virtio-rng", "--memory", "96M", "--cpus", "2", "--disk",
		 scratch("rt.img,readonly"), "--rng", "--dma-pool", "2M",
		 "--testdev", "--dry-run", NULL);
	run_cvmm(&c, 60, "run", "--config", ini, "--log-level", "info", NULL);
	expect_status(&a, 0);
	expect_status(&b, 0);
	expect_status(&c, 0);
	da = vm_lines(a.out);
	db = vm_lines(b.out);
	dc = vm_lines(c.err);
	ck_assert_uint_gt(strlen(da), 200);
	ck_assert_str_eq(da, db);
	ck_assert_str_eq(da, dc);
	free(da);
	free(db);
	free(dc);
	run_free(&a);
	run_free(&b);
	run_free(&c);
}
END_TEST

static void expect_config_error(const char *text, const char *want,
				const char *extra)
{
	const char *ini = scratch("bad.ini");
	FILE *f = fopen(ini, "w");
	struct run r;

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	run_cvmm(&r, 30, "run", "--config", ini, extra, NULL);
	expect_status(&r, 1);
	expect_has(r.err, want);
	ck_assert_uint_eq(count_lines(r.err), 1);
	ck_assert_str_eq(r.out, "");
	run_free(&r);
}

START_TEST(errors_from_files)
{
	char text[512], want[256];

	expect_config_error("[vm]\nkernel = x\nmemory = 12Q\n",
			    "bad.ini:3: memory: '12Q' is not a size", NULL);
	expect_config_error("[vm]\nkernel = x\ncpus = 0\n",
			    "bad.ini:3: cpus: '0' is out of range", NULL);
	expect_config_error("[vm]\nkernal = x\n", "bad.ini:2: unknown key 'kernal'",
			    NULL);
	expect_config_error("[cpu]\ncount = 2\n", "bad.ini:2: unknown section [cpu]",
			    NULL);
	expect_config_error("[vm]\nkernel = x\nkernel = y\n",
			    "bad.ini:3: kernel: set twice (first on line 2)", NULL);
	expect_config_error("[vm]\nmemory = 64M\n", "kernel: no kernel given",
			    NULL);
	/* Memory too small for the kernel: named where memory was set. */
	snprintf(text, sizeof(text), "[vm]\nkernel = %s\nmemory = 2M\nrng = 1\n",
		 testkernel_path());
	snprintf(want, sizeof(want), "bad.ini:3: memory: 2 MiB is too "
		 "small for the kernel");
	expect_config_error(text, want, NULL);
	/* A file error stops everything, also with --dry-run. */
	expect_config_error("[vm]\nkernel = x\nmemory = 12Q\n", "bad.ini:3:",
			    "--dry-run");
}
END_TEST

Suite *config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("files");

	tcase_set_timeout(tc, 120);
	add_test(tc, every_example_resolves, NEEDS_NOTHING);
	add_test(tc, readme_example_resolves, NEEDS_NOTHING);
	add_test(tc, smoke_example_boots, NEEDS_KVM);
	add_test(tc, round_trip, NEEDS_KVM);
	add_test(tc, errors_from_files, NEEDS_NOTHING);
	suite_add_tcase(s, tc);
	return s;
}
