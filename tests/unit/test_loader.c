// SPDX-License-Identifier: MIT
/* arch/x86/loader.c: PVH ELF parsing, checks, gzip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "../../arch/x86/loader.h"
#include "../common/elfgen.h"
#include "suites.h"

static char err[256];
static struct kernel_image img;

static int parse(const struct elfgen *g)
{
	size_t len;
	uint8_t *buf = elfgen_build(g, &len);
	int ret;

	ck_assert_ptr_nonnull(buf);
	ret = kernel_parse(buf, len, &img, err, sizeof(err));
	free(buf);
	return ret;
}

static const struct elfgen good = {
	.seg = { { 0x100000, 0x2000, 0x5000 }, { 0x200000, 0x1000, 0x1000 } },
	.nseg = 2,
	.pvh_note = true,
	.entry = 0x100010,
};

START_TEST(parses_pvh_kernel)
{
	ck_assert_int_eq(parse(&good), 0);
	ck_assert_uint_eq(img.nseg, 2);
	ck_assert_uint_eq(img.entry, 0x100010);
	ck_assert_uint_eq(img.seg[0].memsz, 0x5000);
	ck_assert_uint_eq(img.end, 0x201000);
	ck_assert_int_eq(kernel_check_fit(&img, 64 << 20, err, sizeof(err)), 0);
}
END_TEST

START_TEST(eight_byte_note)
{
	struct elfgen g = good;

	g.note_descsz = 8;
	ck_assert_int_eq(parse(&g), 0);
	ck_assert_uint_eq(img.entry, 0x100010);
}
END_TEST

START_TEST(rejects_missing_note)
{
	struct elfgen g = good;

	g.pvh_note = false;
	ck_assert_int_ne(parse(&g), 0);
	ck_assert_ptr_nonnull(strstr(err, "no PVH entry note"));
}
END_TEST

START_TEST(rejects_overlap)
{
	struct elfgen g = good;

	g.seg[1].paddr = 0x104000;
	ck_assert_int_ne(parse(&g), 0);
	ck_assert_ptr_nonnull(strstr(err, "overlap"));
}
END_TEST

START_TEST(rejects_entry_outside)
{
	struct elfgen g = good;

	g.entry = 0x300000;
	ck_assert_int_ne(parse(&g), 0);
	ck_assert_ptr_nonnull(strstr(err, "outside the loaded segments"));
}
END_TEST

/* Segment 0 has file bytes up to 0x102000, zeros up to 0x105000. */
START_TEST(rejects_entry_in_zero_fill)
{
	struct elfgen g = good;

	g.entry = 0x102000;
	ck_assert_int_ne(parse(&g), 0);
	ck_assert_ptr_nonnull(strstr(err, "zero-filled part"));
	g.entry = 0x104fff;
	ck_assert_int_ne(parse(&g), 0);
	g.entry = 0x101fff; /* the last file byte */
	ck_assert_int_eq(parse(&g), 0);
}
END_TEST

START_TEST(rejects_truncation_everywhere)
{
	size_t len;
	uint8_t *buf = elfgen_build(&good, &len);

	/* Every shorter prefix fails with an error, never a crash. */
	for (size_t cut = 0; cut < len; cut += 7) {
		ck_assert_int_ne(kernel_parse(buf, cut, &img, err, sizeof(err)), 0);
		ck_assert(strlen(err) > 0);
	}
	free(buf);
}
END_TEST

START_TEST(rejects_not_elf)
{
	static const uint8_t junk[256] = "this is not an ELF file";

	ck_assert_int_ne(kernel_parse(junk, sizeof(junk), &img, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "not an ELF"));
}
END_TEST

START_TEST(fit_checks)
{
	struct elfgen g = good;

	ck_assert_int_eq(parse(&g), 0);
	ck_assert_int_ne(kernel_check_fit(&img, 2 << 20, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "does not fit"));
	g.nseg = 1;
	g.seg[0] = (struct elfgen_seg){ 0x6000, 0x100, 0x100 };
	g.entry = 0x6000;
	ck_assert_int_eq(parse(&g), 0);
	ck_assert_int_ne(kernel_check_fit(&img, 64 << 20, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "boot info"));
	/* Inside the MMIO hole is not RAM. */
	g.seg[0] = (struct elfgen_seg){ 0xc0000000, 0x100, 0x100 };
	g.entry = 0xc0000000;
	ck_assert_int_eq(parse(&g), 0);
	ck_assert_int_ne(kernel_check_fit(&img, 8ULL << 30, err, sizeof(err)), 0);
}
END_TEST

static void write_tmp(char *path, const uint8_t *buf, size_t len)
{
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

/* buf gzip-compressed into a malloc'd buffer with room for 64 more bytes. */
static uint8_t *gzip_buf(const uint8_t *buf, size_t len, size_t *clen)
{
	uLongf zlen = compressBound(len) + 128;
	uint8_t *z = malloc(zlen);
	z_stream zs = { 0 };

	/* gzip framing: deflateInit2 with 16 + window bits. */
	ck_assert_int_eq(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	zs.next_in = (uint8_t *)buf;
	zs.avail_in = (uInt)len;
	zs.next_out = z;
	zs.avail_out = (uInt)zlen - 64;
	ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
	*clen = zs.total_out;
	deflateEnd(&zs);
	return z;
}

START_TEST(reads_gzip)
{
	char path[] = "/tmp/cvmm-test-XXXXXX";
	size_t len, clen, outlen;
	uint8_t *buf = elfgen_build(&good, &len), *out;
	uint8_t *z = gzip_buf(buf, len, &clen);

	write_tmp(path, z, clen);
	ck_assert_int_eq(kernel_read_file(path, &out, &outlen, err, sizeof(err)), 0);
	ck_assert_uint_eq(outlen, len);
	ck_assert_int_eq(memcmp(out, buf, len), 0);
	free(out);
	/* A truncated gzip stream is an error, not a short kernel. */
	write_tmp(strcpy(path, "/tmp/cvmm-test-XXXXXX"), z, clen / 2);
	ck_assert_int_ne(kernel_read_file(path, &out, &outlen, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "gzip"));
	unlink(path);
	free(z);
	free(buf);
}
END_TEST

/* Bytes after the gzip stream (even zeros, even a second stream) are refused. */
START_TEST(rejects_gzip_trailing_data)
{
	char path[] = "/tmp/cvmm-test-XXXXXX";
	size_t len, clen, outlen;
	uint8_t *buf = elfgen_build(&good, &len), *out;
	uint8_t *z = gzip_buf(buf, len, &clen);

	memcpy(z + clen, "garbage", 7);
	write_tmp(path, z, clen + 7);
	ck_assert_int_ne(kernel_read_file(path, &out, &outlen, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "7 bytes of trailing data"));
	unlink(path);
	memset(z + clen, 0, 1);
	write_tmp(strcpy(path, "/tmp/cvmm-test-XXXXXX"), z, clen + 1);
	ck_assert_int_ne(kernel_read_file(path, &out, &outlen, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "trailing data"));
	unlink(path);
	free(z);
	free(buf);
}
END_TEST

/* Special files are refused by kind before anything can block on them. */
START_TEST(rejects_special_files)
{
	char dir[] = "/tmp/cvmm-test-XXXXXX", fifo[64];
	uint8_t *out;
	size_t len;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_ne(kernel_read_file(fifo, &out, &len, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "is a FIFO, not a regular file");
	ck_assert_int_ne(kernel_read_file("/dev/zero", &out, &len, err,
					  sizeof(err)), 0);
	ck_assert_str_eq(err, "is a character device, not a regular file");
	ck_assert_int_ne(kernel_read_file(dir, &out, &len, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "is a directory, not a regular file");
	unlink(fifo);
	rmdir(dir);
}
END_TEST

START_TEST(missing_and_empty_files)
{
	char path[] = "/tmp/cvmm-test-XXXXXX";
	uint8_t *out;
	size_t len;

	ck_assert_int_ne(kernel_read_file("/nonexistent/kernel", &out, &len, err,
					  sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "cannot open"));
	write_tmp(path, (const uint8_t *)"", 0);
	ck_assert_int_ne(kernel_read_file(path, &out, &len, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "empty"));
	unlink(path);
	ck_assert_int_ne(kernel_read_file("/tmp", &out, &len, err, sizeof(err)), 0);
}
END_TEST

Suite *loader_suite(void)
{
	Suite *s = suite_create("loader");
	TCase *tc = tcase_create("elf");

	tcase_add_test(tc, parses_pvh_kernel);
	tcase_add_test(tc, eight_byte_note);
	tcase_add_test(tc, rejects_missing_note);
	tcase_add_test(tc, rejects_overlap);
	tcase_add_test(tc, rejects_entry_outside);
	tcase_add_test(tc, rejects_entry_in_zero_fill);
	tcase_add_test(tc, rejects_truncation_everywhere);
	tcase_add_test(tc, rejects_not_elf);
	tcase_add_test(tc, fit_checks);
	tcase_add_test(tc, reads_gzip);
	tcase_add_test(tc, missing_and_empty_files);
	tcase_add_test(tc, rejects_gzip_trailing_data);
	tcase_add_test(tc, rejects_special_files);
	suite_add_tcase(s, tc);
	return s;
}
