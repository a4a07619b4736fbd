// SPDX-License-Identifier: MIT
/*
 * Host copies that survive a page taken away under them (pKVM's unshare,
 * modelled here by mprotect(PROT_NONE) on the page), and the raw read of
 * the isolation probe.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/util.h"
#include "../../mem/access.h"
#include "../../mem/fault_guard.h"
#include "suites.h"

#define SLOT (1 << 20)

static struct guest_mem m;
static struct mem_domain d;
static int fd;

static void setup(void)
{
	struct mem_backend b = { .in_place = true };

	fd = memfd_create("fault-guard", MFD_CLOEXEC);
	ck_assert_int_eq(ftruncate(fd, SLOT), 0);
	mem_init(&m, &b, MEM_CONTENT_ZERO, true);
	ck_assert_int_eq(mem_add_slot(&m, 0, SLOT, -1, fd), 0);
	mem_domain_init(&d, &m, "dev", 0, 0);
	ck_assert_int_eq(mem_fault_guard_install(), 0);
}

static void teardown(void)
{
	mem_destroy(&m);
	close(fd);
}

/* The hypervisor takes the page at off away from the host (both maps). */
static void take(uint64_t off, int prot)
{
	ck_assert_int_eq(mprotect(m.slot[0].host_view + off, PAGE_SIZE, prot), 0);
	ck_assert_int_eq(mprotect(m.slot[0].kvm_map + off, PAGE_SIZE, prot), 0);
}

START_TEST(copy_of_a_taken_page_fails_cleanly)
{
	uint8_t buf[16] = "guest data";
	uint16_t v = 0;

	m.fault_tolerant = true;
	ck_assert_int_eq(mem_write(&d, gpa(0x3000), buf, sizeof(buf)), 0);
	take(0x3000, PROT_NONE);
	ck_assert_int_eq(mem_read(&d, gpa(0x3000), buf, sizeof(buf)), -EFAULT);
	ck_assert_int_eq(mem_write(&d, gpa(0x3ff8), buf, 16), -EFAULT);
	ck_assert_int_eq(mem_load16(&d, gpa(0x3010), &v), -EFAULT);
	ck_assert_uint_eq(m.stats.host_faults, 3);
	/* Given back: the same accesses work, with the data intact. */
	take(0x3000, PROT_READ | PROT_WRITE);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(mem_read(&d, gpa(0x3000), buf, sizeof(buf)), 0);
	ck_assert_str_eq((char *)buf, "guest data");
	ck_assert_int_eq(mem_load16(&d, gpa(0x3000), &v), 0);
	ck_assert_uint_eq(v, 'g' | 'u' << 8);
}
END_TEST

START_TEST(raw_read_bypasses_the_guard_not_the_kernel)
{
	uint8_t buf[8];

	ck_assert_int_eq(mem_write(&d, gpa(0x5000), "secret!", 8), 0);
	/* cvmm's record says private: the guard refuses, the raw read not. */
	ck_assert_int_eq(mem_convert(&m, gpa(0x5000), PAGE_SIZE, MEM_PRIVATE,
				     MEM_CONTENT_PRESERVE), CONV_INVALID);
	ck_assert_int_eq(mem_test_raw_read(&m, gpa(0x5000), buf, 8), 0);
	ck_assert_str_eq((char *)buf, "secret!");
	/* Taken by the hypervisor: the raw read faults, and says so. */
	take(0x5000, PROT_NONE);
	ck_assert_int_eq(mem_test_raw_read(&m, gpa(0x5000), buf, 8), -EFAULT);
	take(0x5000, PROT_READ | PROT_WRITE);
	ck_assert_int_eq(mem_test_raw_read(&m, gpa(SLOT - 4), buf, 8), -EINVAL);
}
END_TEST

/* Without fault tolerance a fault is a bug: the process dies of it. */
START_TEST(untolerated_fault_still_crashes)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		uint8_t buf[8];

		take(0x6000, PROT_NONE);
		if (mem_read(&d, gpa(0x6000), buf, sizeof(buf)) == 0)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status));
	ck_assert_int_eq(WTERMSIG(status), SIGSEGV);
}
END_TEST

Suite *fault_guard_suite(void)
{
	Suite *s = suite_create("fault_guard");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, copy_of_a_taken_page_fails_cleanly);
	tcase_add_test(tc, raw_read_bypasses_the_guard_not_the_kernel);
	tcase_add_test(tc, untolerated_fault_still_crashes);
	suite_add_tcase(s, tc);
	return s;
}
