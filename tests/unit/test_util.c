// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../../lib/util.h"
#include "suites.h"

START_TEST(sizes)
{
	uint64_t v;

	ck_assert_int_eq(parse_size("4096", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(parse_size("64M", &v), 0);
	ck_assert_uint_eq(v, 64ULL << 20);
	ck_assert_int_eq(parse_size("2g", &v), 0);
	ck_assert_uint_eq(v, 2ULL << 30);
	ck_assert_int_eq(parse_size("512KiB", &v), 0);
	ck_assert_uint_eq(v, 512ULL << 10);
	ck_assert_int_eq(parse_size("1T", &v), 0);
	ck_assert_uint_eq(v, 1ULL << 40);
	ck_assert_int_eq(parse_size("0x1000", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(parse_size("01G", &v), 0);
	ck_assert_uint_eq(v, 1ULL << 30);
	ck_assert_int_eq(parse_size("08M", &v), 0);
	ck_assert_uint_eq(v, 8ULL << 20);
	ck_assert_int_eq(parse_size("010M", &v), 0); /* decimal, not octal */
	ck_assert_uint_eq(v, 10ULL << 20);
	ck_assert_int_eq(parse_size("", &v), -EINVAL);
	ck_assert_int_eq(parse_size("M", &v), -EINVAL);
	ck_assert_int_eq(parse_size("-1M", &v), -EINVAL);
	ck_assert_int_eq(parse_size("12Q", &v), -EINVAL);
	ck_assert_int_eq(parse_size("1.5G", &v), -EINVAL);
	ck_assert_int_eq(parse_size("0x", &v), -EINVAL);
	ck_assert_int_eq(parse_size("99999999999999999999", &v), -ERANGE);
	ck_assert_int_eq(parse_size("17179869184G", &v), -ERANGE);
}
END_TEST

START_TEST(uints)
{
	unsigned int v;

	ck_assert_int_eq(parse_uint("4", 1, 64, &v), 0);
	ck_assert_uint_eq(v, 4);
	ck_assert_int_eq(parse_uint("0", 1, 64, &v), -ERANGE);
	ck_assert_int_eq(parse_uint("65", 1, 64, &v), -ERANGE);
	ck_assert_int_eq(parse_uint("4x", 1, 64, &v), -EINVAL);
	ck_assert_int_eq(parse_uint("", 1, 64, &v), -EINVAL);
	ck_assert_int_eq(parse_uint("-2", 1, 64, &v), -EINVAL);
}
END_TEST

START_TEST(ranges)
{
	uint64_t end;

	ck_assert(range_end(1, 2, &end));
	ck_assert_uint_eq(end, 3);
	ck_assert(!range_end(1, 0, &end));
	ck_assert(!range_end(UINT64_MAX, 1, &end));
	ck_assert(range_within(10, 5, 10, 5));
	ck_assert(!range_within(10, 6, 10, 5));
	ck_assert(!range_within(9, 1, 10, 5));
	ck_assert(!range_within(UINT64_MAX - 1, 4, 0, UINT64_MAX));
	ck_assert(ranges_overlap(0, 10, 9, 1));
	ck_assert(!ranges_overlap(0, 10, 10, 1));
}
END_TEST

/* prefault_write is a hint: contents in and around the range are kept. */
START_TEST(prefault_keeps_contents)
{
	size_t len = 8 * PAGE_SIZE;
	uint8_t *b = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(b, MAP_FAILED);
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(i * 7 + 1);
	/* Unaligned at both ends, part-populated, empty, within one page. */
	prefault_write(b + 100, 5 * PAGE_SIZE + 17);
	prefault_write(b + PAGE_SIZE, 0);
	prefault_write(b + 7 * PAGE_SIZE + 10, 20);
	for (size_t i = 0; i < len; i++)
		ck_assert_uint_eq(b[i], (uint8_t)(i * 7 + 1));
	munmap(b, len);
}
END_TEST

/* ... and it does fault in the whole pages inside the range, only those. */
START_TEST(prefault_populates_inside_pages)
{
	size_t len = 8 * PAGE_SIZE;
	unsigned char in[8];
	uint8_t *b = mmap(NULL, len, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ck_assert_ptr_ne(b, MAP_FAILED);
	prefault_write(b + 100, 5 * PAGE_SIZE + 17); /* pages 1 to 4 whole */
	ck_assert_int_eq(mincore(b, len, in), 0);
	for (unsigned int i = 0; i < 8; i++)
		ck_assert_msg((in[i] & 1) == (i >= 1 && i <= 4),
			      "page %u resident %d", i, in[i] & 1);
	munmap(b, len);
}
END_TEST

Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, sizes);
	tcase_add_test(tc, uints);
	tcase_add_test(tc, ranges);
	tcase_add_test(tc, prefault_keeps_contents);
	tcase_add_test(tc, prefault_populates_inside_pages);
	suite_add_tcase(s, tc);
	return s;
}
