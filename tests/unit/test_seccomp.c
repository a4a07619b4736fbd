// SPDX-License-Identifier: MIT
/*
 * vmm/seccomp.c: a child process installs the same filter as a running
 * VM, then does what a running VM does (threads, pipes, eventfds, memory,
 * signals) or one thing it never does (sockets, programs, executable
 * memory, new processes). No KVM needed. The program built into cvmm
 * is the one libseccomp compiles from the rules, as it is run here.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/outbuf.h"
#include "../../vmm/seccomp.h"
#include "../../vmm/seccomp_rules.h"
#include "suites.h"

/* Run fn in a child, under the filter if install; its wait status. */
static int in_child(int (*fn)(void), bool install)
{
	int status;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (install && seccomp_install())
			_exit(100);
		_exit(fn()); /* _exit: no atexit handlers, no leak check */
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return status;
}

static volatile sig_atomic_t kicked;

static void on_kick(int sig)
{
	(void)sig;
	kicked = 1;
}

static void *thread_main(void *arg)
{
	uint64_t one = 1;

	/* A device thread: wake someone through an eventfd. */
	return write(*(int *)arg, &one, sizeof(one)) == sizeof(one) ? arg : NULL;
}

/* A page-aligned page of static memory. */
static void *big_page(void)
{
	static uint8_t page[4096] __attribute__((aligned(4096)));

	return page;
}

static int running_vm_work(void)
{
	static uint8_t storage[4096];
	struct timespec ts = { 0, 1000 };
	struct pollfd pf;
	static struct outbuf o; /* outlives its detached writer (outbuf.h) */
	pthread_t t;
	uint64_t v;
	void *ret;
	char *big;
	int p[2], efd;

	/* Descriptors come from setup, before the filter: here, a pipe. */
	if (pipe(p) || (efd = eventfd(0, EFD_CLOEXEC)) < 0)
		return 1;
	signal(SIGUSR1, on_kick);
	if (seccomp_install())
		return 2;
	/* Threads are created and joined (clone3 falls back to clone). */
	if (pthread_create(&t, NULL, thread_main, &efd) ||
	    pthread_join(t, &ret) || !ret)
		return 3;
	pf = (struct pollfd){ .fd = efd, .events = POLLIN };
	if (poll(&pf, 1, -1) != 1 || read(efd, &v, sizeof(v)) != sizeof(v))
		return 4;
	/* Console output through its writer thread. */
	outbuf_init(&o, p[1], storage, sizeof(storage));
	if (outbuf_start(&o) || outbuf_put(&o, "hi", 2) != 2 ||
	    !outbuf_flush(&o, 10000000000ULL))
		return 5;
	/* malloc's big blocks are mappings; memory is (un)protected. */
	big = malloc(4 << 20);
	if (!big || mprotect((void *)(((uintptr_t)big + 8192) & ~4095UL), 4096,
			     PROT_READ | PROT_WRITE))
		return 6;
	free(big);
	/* The vCPU kick: a signal to a thread, and back. */
	if (pthread_kill(pthread_self(), SIGUSR1) || !kicked)
		return 7;
	if (getrandom(&v, sizeof(v), 0) != sizeof(v) || nanosleep(&ts, NULL) ||
	    clock_gettime(CLOCK_MONOTONIC, &ts))
		return 8;
	/* A terminal ioctl is allowed (here it only fails: not a tty). */
	if (isatty(p[0]))
		return 9;
	/* The footprint's calls (cachestat may be ENOSYS on this kernel). */
	if (mincore(big_page(), 4096, &(unsigned char){ 0 }) ||
	    syscall(451 /* cachestat */, -1, NULL, NULL, 0) != -1)
		return 10;
	return 0;
}

static int open_socket(void)
{
	return socket(AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : 1;
}

static int run_program(void)
{
	static char prog[] = "/bin/true";
	char *const argv[] = { prog, NULL };

	execv(argv[0], argv);
	return 1;
}

static int map_code(void)
{
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? 1 : 0;
}

static int new_process(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	return 1;
}

static __attribute__((unused)) int open_file(void)
{
	return open("/etc/hostname", O_RDONLY) >= 0 ? 0 : 1;
}

START_TEST(allowed_calls_work)
{
	int st = in_child(running_vm_work, false); /* it installs itself */

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "child ended with status 0x%x", st);
}
END_TEST

START_TEST(other_calls_kill)
{
	int (*const bad[])(void) = {
		open_socket, run_program, map_code, new_process,
#ifndef __SANITIZE_ADDRESS__
		open_file, /* LeakSanitizer reads /proc: allowed there */
#endif
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = in_child(bad[i], true);

		ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
			      "call %zu: child ended with status 0x%x", i, st);
	}
}
END_TEST

/*
 * The program generated at build time (vmm/gen/seccomp_gen.c) equals
 * what libseccomp compiles from seccomp_rules.c now, at the generator's
 * API level: the build did not go stale or take another architecture's
 * numbers (a cross build is checked by the arm64 rig's runs instead).
 */
START_TEST(built_in_program_is_libseccomp_output)
{
	const struct sock_filter *prog;
	size_t n = seccomp_program(&prog);
	scmp_filter_ctx ctx;
	FILE *f = tmpfile();
	struct sock_filter *out = calloc(n + 1, sizeof(*out));

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(seccomp_api_set(3), 0);
	ctx = seccomp_rules_filter();
	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(seccomp_export_bpf(ctx, fileno(f)), 0);
	seccomp_release(ctx);
	rewind(f);
	ck_assert_uint_eq(fread(out, sizeof(*out), n + 1, f), n);
	ck_assert_uint_gt(n, 10);
	ck_assert_mem_eq(out, prog, n * sizeof(*out));
	free(out);
	fclose(f);
}
END_TEST

Suite *seccomp_suite(void)
{
	Suite *s = suite_create("seccomp");
	TCase *tc = tcase_create("filter");

	tcase_add_test(tc, allowed_calls_work);
	tcase_add_test(tc, other_calls_kill);
	tcase_add_test(tc, built_in_program_is_libseccomp_output);
	suite_add_tcase(s, tc);
	return s;
}
