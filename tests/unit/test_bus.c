// SPDX-License-Identifier: MIT
#include <errno.h>

#include "../../devices/bus.h"
#include "suites.h"

static unsigned int hits[3];

static void count_write(void *d, const struct io_req *req, const uint8_t *data)
{
	(void)req;
	(void)data;
	hits[(uintptr_t)d]++;
}

static const struct dev_ops ops = { "count", NULL, count_write };

START_TEST(rejects_overlap_and_empty)
{
	struct bus b;

	bus_init(&b, "test");
	ck_assert_int_eq(bus_register(&b, 0x100, 0x10, &ops, (void *)0), 0);
	ck_assert_int_eq(bus_register(&b, 0x200, 0x10, &ops, (void *)1), 0);
	ck_assert_int_eq(bus_register(&b, 0x10f, 1, &ops, NULL), -EEXIST);
	ck_assert_int_eq(bus_register(&b, 0xf8, 0x10, &ops, NULL), -EEXIST);
	ck_assert_int_eq(bus_register(&b, 0x1f0, 0x100, &ops, NULL), -EEXIST);
	ck_assert_int_eq(bus_register(&b, 0x300, 0, &ops, NULL), -EINVAL);
	ck_assert_int_eq(bus_register(&b, UINT64_MAX, 2, &ops, NULL), -EINVAL);
	ck_assert_int_eq(bus_register(&b, 0x110, 0xf0, &ops, (void *)2), 0);
	ck_assert_uint_eq(b.n, 3);
	bus_destroy(&b);
}
END_TEST

START_TEST(dispatch_by_range)
{
	struct bus b;
	uint8_t data[8] = { 0 };

	hits[0] = hits[1] = hits[2] = 0;
	bus_init(&b, "test");
	ck_assert_int_eq(bus_register(&b, 0x200, 0x10, &ops, (void *)1), 0);
	ck_assert_int_eq(bus_register(&b, 0x100, 0x10, &ops, (void *)0), 0);
	ck_assert(bus_access(&b, 0x100, data, 4, true, 0));
	ck_assert(bus_access(&b, 0x20c, data, 4, true, 0));
	ck_assert(!bus_access(&b, 0x20d, data, 4, true, 0)); /* runs past */
	ck_assert(!bus_access(&b, 0x150, data, 1, true, 0));
	/* No read handler: unclaimed, all ones. */
	ck_assert(!bus_access(&b, 0x100, data, 2, false, 0));
	ck_assert_uint_eq(data[0], 0xff);
	ck_assert_uint_eq(hits[0], 1);
	ck_assert_uint_eq(hits[1], 1);
	ck_assert_uint_eq(b.unclaimed, 3);
	bus_destroy(&b);
}
END_TEST

Suite *bus_suite(void)
{
	Suite *s = suite_create("bus");
	TCase *tc = tcase_create("ranges");

	tcase_add_test(tc, rejects_overlap_and_empty);
	tcase_add_test(tc, dispatch_by_range);
	suite_add_tcase(s, tc);
	return s;
}
