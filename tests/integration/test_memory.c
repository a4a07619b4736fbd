// SPDX-License-Identifier: MIT
/*
 * Private and shared memory through the test kernel: conversions with
 * both content modes, refused requests, the guard, in-flight holds and
 * the footprint under churn.
 */
#include "harness.h"

START_TEST(convert_round_trips)
{
	struct run r;

	run_test(&r, "convert", "--testdev", "--memory", "64M", "--stats", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "PASS PRESERVE kept the contents");
	expect_has(r.out, "PASS ZERO: the guest reads zeros");
	expect_has(r.out, "PASS ZERO: the host reads zeros");
	expect_has(r.out, "PASS the page that was already shared kept its contents");
	expect_has(r.out, "2 MiB freed");
	ck_assert_uint_gt(stat_value(&r, "convert.to_shared.preserve"), 0);
	ck_assert_uint_gt(stat_value(&r, "convert.to_private.zero"), 0);
	run_free(&r);
}
END_TEST

START_TEST(convert_bad_requests)
{
	struct run r;

	/* 4G: RAM on both sides of the MMIO hole. */
	run_test(&r, "convert-bad", "--memory", "4G", "--stats", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "PASS across the MMIO hole: refused with 22");
	expect_has(r.out, "PASS a valid conversion after the bad ones");
	expect_has(r.out, "PASS RAM above 4 GiB converts too");
	expect_has(r.out, "passed=13 failed=0");
	expect_has(r.err, "stats: convert.refused invalid 7 ");
	run_free(&r);
}
END_TEST

START_TEST(guard_refuses_private)
{
	struct run r;

	run_test(&r, "guard", "--testdev", "--stats", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "PASS the private page is untouched");
	expect_has(r.out, "PASS converting the held page to private answers retry");
	ck_assert_uint_eq(stat_value(&r, "guard.refused"), 5);
	expect_has(r.err, "stats: convert.refused invalid 0 retry 1 ");
	run_free(&r);
}
END_TEST

START_TEST(churn_footprint_bounded)
{
	struct run r;

	run_test(&r, "churn", "--memory", "64M", "--stats", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "conversions over");
	ck_assert_uint_ge(stat_value(&r, "convert.to_private.zero"), 1000);
	ck_assert_uint_le(stat_value(&r, "memory.footprint_peak_bytes"),
			  stat_value(&r, "memory.ram_bytes"));
	ck_assert_uint_gt(stat_value(&r, "memory.footprint_peak_bytes"),
			  stat_value(&r, "memory.footprint_bytes"));
	run_free(&r);
}
END_TEST

/*
 * Memory faults need memory attributes, which this host lacks: the test
 * says so, and the test memory still refuses to become private.
 */
START_TEST(memfault_without_attributes)
{
	struct run r;

	run_test(&r, "memfault", "--testdev", "--stats", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "SKIP memory faults");
	expect_has(r.out, "PASS a request to make the test memory private is "
		   "refused (EINVAL)");
	expect_has(r.out, "PASS the requests left its contents alone");
	ck_assert_uint_eq(stat_value(&r, "exits.memory_fault"), 0);
	run_free(&r);
	run_test(&r, "memfault", NULL);
	expect_status(&r, 3);
	expect_has(r.out, "FAIL memfault needs --testdev");
	run_free(&r);
}
END_TEST

/* --initial-state shared: the host may read what the guest never shared. */
START_TEST(initial_state_shared)
{
	struct run r;

	run_test(&r, "initial:private", "--testdev", NULL);
	expect_status(&r, 0);
	run_free(&r);
	run_test(&r, "initial:shared", "--testdev", "--initial-state", "shared",
		 NULL);
	expect_status(&r, 0);
	expect_has(r.out, "PASS RAM starts shared: host read status 0");
	run_free(&r);
	run_test(&r, "initial:private", "--testdev", "--initial-state",
		 "shared", NULL);
	expect_status(&r, 3);
	run_free(&r);
}
END_TEST

/*
 * More scattered shared runs than mprotect per run could map (32,752):
 * the host view must not cost a mapping per run.
 */
START_TEST(scattered_sharing)
{
	struct run r;

	run_test(&r, "scatter:40000", "--memory", "512M", "--testdev",
		 "--stats", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "PASS 40000 of 40000 scattered single-page runs shared");
	expect_has(r.out, "PASS and is refused the private page next to it");
	ck_assert_uint_ge(stat_value(&r, "convert.to_shared.zero"), 40000);
	run_free(&r);
}
END_TEST

Suite *memory_suite(void)
{
	Suite *s = suite_create("memory");
	TCase *tc = tcase_create("conversion");

	tcase_set_timeout(tc, 300);
	add_test(tc, convert_round_trips, NEEDS_KVM);
	add_test(tc, convert_bad_requests, NEEDS_KVM);
	add_test(tc, guard_refuses_private, NEEDS_KVM);
	add_test(tc, churn_footprint_bounded, NEEDS_KVM);
	add_test(tc, initial_state_shared, NEEDS_KVM);
	add_test(tc, memfault_without_attributes, NEEDS_KVM);
	add_test(tc, scattered_sharing, NEEDS_KVM);
	suite_add_tcase(s, tc);
	return s;
}
