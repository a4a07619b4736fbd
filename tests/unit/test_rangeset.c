// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <stdlib.h>

#include "../../mem/rangeset.h"
#include "suites.h"

static struct rangeset rs;

static void setup(void)
{
	rangeset_init(&rs);
}

static void teardown(void)
{
	rangeset_free(&rs);
}

/* Assert the set holds exactly these intervals. */
static void expect(const struct range *want, size_t n)
{
	ck_assert_uint_eq(rs.n, n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(rs.v[i].start, want[i].start);
		ck_assert_uint_eq(rs.v[i].end, want[i].end);
	}
}

START_TEST(empty_set)
{
	ck_assert(!rangeset_contains(&rs, 0, 1));
	ck_assert(!rangeset_intersects(&rs, 0, 1000));
	ck_assert_uint_eq(rangeset_pages(&rs), 0);
	ck_assert_int_eq(rangeset_remove(&rs, 0, 10), 0);
	expect(NULL, 0);
}
END_TEST

START_TEST(adjacent_adds_merge)
{
	ck_assert_int_eq(rangeset_add(&rs, 10, 20), 0);
	ck_assert_int_eq(rangeset_add(&rs, 20, 30), 0); /* touches on the right */
	ck_assert_int_eq(rangeset_add(&rs, 5, 10), 0);	 /* touches on the left */
	expect((struct range[]){ { 5, 30 } }, 1);
	ck_assert_int_eq(rangeset_add(&rs, 40, 50), 0);
	ck_assert_int_eq(rangeset_add(&rs, 30, 40), 0); /* bridges the gap */
	expect((struct range[]){ { 5, 50 } }, 1);
}
END_TEST

START_TEST(split_and_edges)
{
	ck_assert_int_eq(rangeset_add(&rs, 0, 100), 0);
	ck_assert_int_eq(rangeset_remove(&rs, 40, 60), 0);
	expect((struct range[]){ { 0, 40 }, { 60, 100 } }, 2);
	ck_assert(rangeset_contains(&rs, 39, 40));
	ck_assert(!rangeset_contains(&rs, 40, 41));
	ck_assert(!rangeset_contains(&rs, 59, 60));
	ck_assert(rangeset_contains(&rs, 60, 61));
	ck_assert(!rangeset_contains(&rs, 30, 70));
	ck_assert(rangeset_intersects(&rs, 30, 70));
	ck_assert(!rangeset_intersects(&rs, 40, 60));
	/* Removing exactly at edges leaves neighbours intact. */
	ck_assert_int_eq(rangeset_remove(&rs, 0, 1), 0);
	ck_assert_int_eq(rangeset_remove(&rs, 99, 100), 0);
	expect((struct range[]){ { 1, 40 }, { 60, 99 } }, 2);
	/* A remove spanning several intervals trims both ends. */
	ck_assert_int_eq(rangeset_remove(&rs, 20, 80), 0);
	expect((struct range[]){ { 1, 20 }, { 80, 99 } }, 2);
	ck_assert_uint_eq(rangeset_pages(&rs), 19 + 19);
}
END_TEST

START_TEST(full_range_and_sizes)
{
	/* 4 KiB pages: 1 page, 2 MiB, 1 GiB and a whole 64 GiB guest. */
	const uint64_t sizes[] = { 1, 512, 262144, 16777216 };

	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(rangeset_add(&rs, 0, sizes[i]), 0);
		ck_assert(rangeset_contains(&rs, 0, sizes[i]));
		ck_assert_uint_eq(rangeset_pages(&rs), sizes[i]);
		ck_assert_uint_eq(rs.n, 1);
		ck_assert_int_eq(rangeset_remove(&rs, 0, sizes[i]), 0);
		ck_assert_uint_eq(rs.n, 0);
	}
	/* All private, a 64 GiB guest: no intervals, no allocation needed. */
	ck_assert_uint_eq(rs.n, 0);
}
END_TEST

START_TEST(next_run)
{
	uint64_t s = 0, e;

	ck_assert_int_eq(rangeset_add(&rs, 10, 20), 0);
	ck_assert_int_eq(rangeset_add(&rs, 30, 40), 0);
	ck_assert(rangeset_next_run(&rs, true, &s, 100, &e));
	ck_assert_uint_eq(s, 10);
	ck_assert_uint_eq(e, 20);
	s = 0;
	ck_assert(rangeset_next_run(&rs, false, &s, 100, &e));
	ck_assert_uint_eq(s, 0);
	ck_assert_uint_eq(e, 10);
	s = 15;
	ck_assert(rangeset_next_run(&rs, false, &s, 35, &e));
	ck_assert_uint_eq(s, 20);
	ck_assert_uint_eq(e, 30);
	s = 35;
	ck_assert(rangeset_next_run(&rs, true, &s, 38, &e));
	ck_assert_uint_eq(s, 35);
	ck_assert_uint_eq(e, 38);
	s = 40;
	ck_assert(!rangeset_next_run(&rs, true, &s, 100, &e));
}
END_TEST

/* Random adds and removes against a plain bitmap, checking every query. */
START_TEST(random_against_bitmap)
{
	enum { PAGES = 4096, OPS = 20000 };
	static unsigned char bitmap[PAGES];
	unsigned int seed = 12345;

	for (int op = 0; op < OPS; op++) {
		uint64_t a = (uint64_t)rand_r(&seed) % PAGES;
		uint64_t len = 1 + (uint64_t)rand_r(&seed) % (rand_r(&seed) % 4 ? 16 : 600);
		uint64_t b = a + len > PAGES ? PAGES : a + len;
		bool add = rand_r(&seed) & 1;

		ck_assert_int_eq(add ? rangeset_add(&rs, a, b)
				     : rangeset_remove(&rs, a, b), 0);
		for (uint64_t p = a; p < b; p++)
			bitmap[p] = add;
		/*
		 * Invariants: sorted, disjoint, non-adjacent, non-empty. One
		 * assertion per op: each passing ck_assert costs check a
		 * message to the runner, and millions of them made this test
		 * miss its timeout on a loaded machine.
		 */
		size_t bad = 0;

		for (size_t i = 0; i < rs.n && !bad; i++)
			if (rs.v[i].start >= rs.v[i].end ||
			    (i && rs.v[i - 1].end >= rs.v[i].start))
				bad = i + 1;
		ck_assert_msg(!bad, "op %d: range %zu [%" PRIu64 ", %" PRIu64
			      ") breaks the invariants", op, bad - 1,
			      rs.v[bad - 1].start, rs.v[bad - 1].end);
		uint64_t q = (uint64_t)rand_r(&seed) % PAGES;
		uint64_t qe = q + 1 + (uint64_t)rand_r(&seed) % 64;
		bool all = true, any = false;

		if (qe > PAGES)
			qe = PAGES;
		for (uint64_t p = q; p < qe; p++) {
			all &= bitmap[p];
			any |= bitmap[p];
		}
		ck_assert_int_eq(rangeset_contains(&rs, q, qe), all);
		ck_assert_int_eq(rangeset_intersects(&rs, q, qe), any);
	}
	uint64_t count = 0;

	for (int p = 0; p < PAGES; p++) {
		count += bitmap[p];
		ck_assert_int_eq(rangeset_contains(&rs, (uint64_t)p, (uint64_t)p + 1),
				 bitmap[p]);
	}
	ck_assert_uint_eq(rangeset_pages(&rs), count);
}
END_TEST

Suite *rangeset_suite(void)
{
	Suite *s = suite_create("rangeset");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, empty_set);
	tcase_add_test(tc, adjacent_adds_merge);
	tcase_add_test(tc, split_and_edges);
	tcase_add_test(tc, full_range_and_sizes);
	tcase_add_test(tc, next_run);
	tcase_add_test(tc, random_against_bitmap);
	suite_add_tcase(s, tc);
	return s;
}
