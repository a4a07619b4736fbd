// SPDX-License-Identifier: MIT
/* Booting the test kernel: console, exit statuses, RAM, CPUs, endings. */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#include "harness.h"

START_TEST(hello)
{
	struct run r;

	run_test(&r, "hello", "--stats", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "Hello from the cvmm test kernel\n");
	expect_has(r.out, "PASS system call into ring 0 and back");
	expect_has(r.out, "RESULT test=hello passed=3 failed=0");
	ck_assert_uint_gt(stat_value(&r, "exits.io"), 0);
	ck_assert_uint_eq(stat_value(&r, "memory.ram_bytes"), 256 << 20);
	expect_has(r.err, "stats: setup_ms ");
	expect_has(r.err, "stats: run_ms ");
	run_free(&r);
}
END_TEST

START_TEST(exit_statuses)
{
	static const char *const tests[] = { "exit:7", "exit:0", "exit:255" };
	static const int want[] = { 7, 0, 255 };
	struct run r;

	for (int i = 0; i < 3; i++) {
		run_test(&r, tests[i], NULL);
		expect_status(&r, want[i]);
		run_free(&r);
	}
}
END_TEST

START_TEST(memtest_64m)
{
	struct run r;

	run_test(&r, "memtest", "--memory", "64M", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "0 bad words");
	expect_has(r.out, "RESULT test=memtest passed=3 failed=0");
	run_free(&r);
}
END_TEST

START_TEST(smp_four_cpus)
{
	struct run r;

	run_test(&r, "smp:4", "--cpus", "4", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "3 of 3 application processors online");
	expect_has(r.out, "CPU 3 reports APIC ID 3");
	run_free(&r);
}
END_TEST

START_TEST(gzip_kernel)
{
	char cmd[512];
	struct run r;

	snprintf(cmd, sizeof(cmd), "gzip -c %s > %s", testkernel_path(),
		 scratch("tk.gz"));
	ck_assert_int_eq(system(cmd), 0);
	run_cvmm(&r, 60, "run", "--kernel", scratch("tk.gz"), "--cmdline",
		 "test=hello", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "Hello from the cvmm test kernel");
	run_free(&r);
}
END_TEST

/* Guest crashes and endings end cvmm cleanly with documented statuses. */
START_TEST(guest_endings)
{
	struct run r;

	run_test(&r, "fault", NULL);
	expect_status(&r, 5);
	expect_has(r.out, "FAIL exception 14");
	run_free(&r);
	run_test(&r, "reset", NULL);
	expect_status(&r, 0);
	run_free(&r);
	run_test(&r, "triple-fault", NULL);
	expect_status(&r, 2);
	run_free(&r);
	run_test(&r, "no-such-test", NULL);
	expect_status(&r, 4);
	expect_has(r.out, "unknown test");
	run_free(&r);
}
END_TEST

START_TEST(unclaimed_io_goes_on)
{
	struct run r;

	run_test(&r, "unclaimed", "--log-level", "debug", "--stats", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "RESULT test=unclaimed passed=3 failed=0");
	expect_has(r.err, "unclaimed pio read at 0x3e0");
	expect_has(r.err, "unclaimed mmio write at 0xfe000000");
	run_free(&r);
	run_test(&r, "irq", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "PASS no interrupt while none is routed");
	run_free(&r);
}
END_TEST

START_TEST(caps_table)
{
	struct run r;

	run_cvmm(&r, 30, "caps", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "guest_memfd ");
	expect_has(r.out, "KVM_SET_USER_MEMORY_REGION2");
	expect_has(r.out, "memory attributes (PRIVATE)");
	expect_has(r.out, "cvmm platform soft");
	run_free(&r);
}
END_TEST

START_TEST(help_and_version)
{
	struct run r;

	run_cvmm(&r, 10, "--version", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "cvmm 0.");
	run_free(&r);
	run_cvmm(&r, 10, "run", "--help", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "--kernel FILE");
	expect_has(r.out, "--memory SIZE");
	run_free(&r);
	run_cvmm(&r, 10, NULL);
	expect_status(&r, 1);
	run_free(&r);
}
END_TEST

/* guest_memfd and KVM_SET_USER_MEMORY_REGION2 only, seen by strace. */
START_TEST(strace_shows_guest_memfd)
{
	const char *argv[] = { "strace", "-f", "-e", "trace=ioctl",
			       cvmm_path(), "run", "--kernel", testkernel_path(),
			       "--cmdline", "test=hello", NULL };
	struct run r;

	/*
	 * Registered only where strace is installed (NEEDS_STRACE).
	 * LeakSanitizer cannot run under ptrace (sanitizer builds).
	 */
	setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
	run_argv(&r, 60, argv);
	expect_status(&r, 0);
	/* Debian 12's strace predates these ioctls and prints raw numbers. */
	ck_assert(strstr(r.err, "KVM_CREATE_GUEST_MEMFD") ||
		  strstr(r.err, "_IOC(_IOC_READ|_IOC_WRITE, 0xae, 0xd4, 0x40)"));
	ck_assert(strstr(r.err, "KVM_SET_USER_MEMORY_REGION2") ||
		  strstr(r.err, "_IOC(_IOC_WRITE, 0xae, 0x49, 0xa0)"));
	ck_assert_ptr_null(strstr(r.err, "KVM_SET_USER_MEMORY_REGION,"));
	run_free(&r);
}
END_TEST

/* SIGTERM stops the VM cleanly even with device threads: status 143. */
START_TEST(sigterm_stops_cleanly)
{
	const char *argv[] = { cvmm_path(), "run", "--kernel", testkernel_path(),
			       "--cmdline", "test=idle", "--rng", "--console",
			       "virtio", "--stats", NULL };
	char out_path[] = "/tmp/cvmm-sig-XXXXXX";
	posix_spawn_file_actions_t fa;
	int fd = mkstemp(out_path), status;
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	char buf[4096] = "";
	pid_t pid;

	ck_assert_int_ge(fd, 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	ck_assert_int_eq(posix_spawn(&pid, argv[0], &fa, NULL, (char **)argv,
				     environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	/*
	 * Wait (10 s, scaled) for the guest's whole line, then stop the
	 * process. Console output goes out through cvmm's writer thread, so a
	 * read can see part of a line (the rig's slow guest showed "idling ").
	 */
	for (int i = 0; i < scaled_timeout(10) * 50 &&
			!strstr(buf, "idling until stopped");
	     i++) {
		nanosleep(&tick, NULL);
		ck_assert_int_ge(pread(fd, buf, sizeof(buf) - 1, 0), 0);
	}
	expect_has(buf, "idling until stopped");
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 143,
		      "status 0x%x", status);
	memset(buf, 0, sizeof(buf));
	ck_assert_int_ge(pread(fd, buf, sizeof(buf) - 1, 0), 0);
	expect_has(buf, "signal 15: stopping the VM");
	expect_has(buf, "stats: exits.total");
	close(fd);
	unlink(out_path);
}
END_TEST

Suite *boot_suite(void)
{
	Suite *s = suite_create("boot");
	TCase *tc = tcase_create("testkernel");

	tcase_set_timeout(tc, 300);
	add_test(tc, hello, NEEDS_KVM);
	add_test(tc, exit_statuses, NEEDS_KVM);
	add_test(tc, memtest_64m, NEEDS_KVM);
	add_test(tc, smp_four_cpus, NEEDS_KVM);
	add_test(tc, gzip_kernel, NEEDS_KVM);
	add_test(tc, guest_endings, NEEDS_KVM);
	add_test(tc, unclaimed_io_goes_on, NEEDS_KVM);
	add_test(tc, caps_table, NEEDS_KVM);
	add_test(tc, help_and_version, NEEDS_NOTHING);
	add_test(tc, strace_shows_guest_memfd, NEEDS_KVM | NEEDS_STRACE);
	add_test(tc, sigterm_stops_cleanly, NEEDS_KVM);
	suite_add_tcase(s, tc);
	return s;
}
