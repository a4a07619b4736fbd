// SPDX-License-Identifier: MIT
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/*
 * The needs a host may lack. A test left out is counted under its first
 * missing need; main() prints one line per need that left tests out.
 */
static const struct {
	unsigned int need;
	const char *what, *why;
	bool names; /* name the tests left out (CK_VERBOSITY=verbose: always) */
} needs[] = {
	{ NEEDS_KVM, "/dev/kvm", "make rig-check runs them in the rig", false },
	{ NEEDS_STRACE, "strace", "left out", true },
};
#define NNEEDS (sizeof(needs) / sizeof(needs[0]))
static unsigned int registered, left_out[NNEEDS];
static char left_names[NNEEDS][1024];

/*
 * Only an absent device means "this host has no KVM". A /dev/kvm that is
 * there but cannot be opened (permissions, a broken module) is a broken
 * host: its tests run and fail, naming the error.
 */
static bool host_has_kvm(void)
{
	const char *req = getenv("CVMM_IT_REQUIRE_KVM");
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), err = errno;

	if (fd >= 0) {
		close(fd);
		return true;
	}
	if (req && !strcmp(req, "1"))
		return true;
	return err != ENOENT && err != ENODEV && err != ENXIO;
}

static bool host_has(unsigned int need)
{
	static int kvm = -1, strace = -1;

	if (need == NEEDS_KVM) {
		if (kvm < 0)
			kvm = host_has_kvm();
		return kvm;
	}
	if (strace < 0)
		strace = system("command -v strace >/dev/null 2>&1") == 0;
	return strace;
}

void add_test(TCase *tc, const TTest *tf, unsigned int need_mask)
{
	for (size_t i = 0; i < NNEEDS; i++) {
		size_t len = strlen(left_names[i]);

		if (!(need_mask & needs[i].need) || host_has(needs[i].need))
			continue;
		left_out[i]++;
		snprintf(left_names[i] + len, sizeof(left_names[i]) - len,
			 "%s%s", len ? ", " : "", tf->name);
		return;
	}
	registered++;
	tcase_add_test(tc, tf);
}

static void print_left_out(void)
{
	const char *v = getenv("CK_VERBOSITY");
	bool verbose = v && !strcmp(v, "verbose");
	unsigned int total = registered;

	for (size_t i = 0; i < NNEEDS; i++)
		total += left_out[i];
	for (size_t i = 0; i < NNEEDS; i++) {
		bool names = needs[i].names || verbose;

		if (!left_out[i])
			continue;
		printf("integration: %u of %u tests %s %s, which this host "
		       "lacks; %s%s%s\n", left_out[i], total,
		       left_out[i] == 1 ? "needs" : "need", needs[i].what,
		       needs[i].why, names ? ": " : "",
		       names ? left_names[i] : "");
	}
	/* Before check forks: a child must not inherit these buffered lines. */
	fflush(stdout);
}

int scaled_timeout(int seconds)
{
	const char *env = getenv("CK_TIMEOUT_MULTIPLIER");
	char *end;
	double m = env ? strtod(env, &end) : 1.0;

	/* What check accepts for its own timeouts; anything else is 1. */
	if (!env || end == env || *end || !(m > 0))
		m = 1.0;
	return (int)(seconds * m + 0.999);
}

const char *cvmm_path(void)
{
	const char *p = getenv("CVMM");

	return p ? p : "build/cvmm";
}

const char *testkernel_path(void)
{
	const char *p = getenv("TESTKERNEL");

	return p ? p : "build/testkernel.elf";
}

const char *scratch(const char *name)
{
	static char dir[64], path[8][256];
	static unsigned int next;
	char *p = path[next++ % 8]; /* a few results stay valid at once */

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/cvmm-it-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(dir));
	}
	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	return p;
}

static char *slurp(int fd)
{
	struct stat st;
	char *buf;

	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = calloc(1, (size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(pread(fd, buf, (size_t)st.st_size, 0), st.st_size);
	return buf;
}

static int tmpfile_fd(void)
{
	char path[] = "/tmp/cvmm-out-XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	return fd;
}

static int wait_with_timeout(pid_t pid, int unscaled)
{
	int timeout = scaled_timeout(unscaled);
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	int status;

	for (long waited = 0;; waited += 5) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (waited > timeout * 1000L) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			ck_abort_msg("cvmm did not finish within %d s", timeout);
		}
		nanosleep(&tick, NULL);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status)
				 : 128 + WTERMSIG(status);
}

void run_argv(struct run *r, int timeout, const char *const *argv)
{
	run_argv_in(r, timeout, argv, NULL);
}

void run_argv_in(struct run *r, int timeout, const char *const *argv,
		 const char *stdin_path)
{
	posix_spawn_file_actions_t fa;
	int out = tmpfile_fd(), err = tmpfile_fd();
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, stdin_path ? stdin_path
							    : "/dev/null",
					 O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, err, 2);
	ck_assert_int_eq(posix_spawnp(&pid, argv[0], &fa, NULL,
				      (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	r->status = wait_with_timeout(pid, timeout);
	r->out = slurp(out);
	r->err = slurp(err);
	close(out);
	close(err);
}

static void run_va(struct run *r, int timeout, const char *first,
		   va_list ap, const char *const *prefix, int nprefix)
{
	const char *argv[64];
	int n = 0;

	argv[n++] = cvmm_path();
	for (int i = 0; i < nprefix; i++)
		argv[n++] = prefix[i];
	for (const char *a = first; a && n < 63; a = va_arg(ap, const char *))
		argv[n++] = a;
	argv[n] = NULL;
	run_argv(r, timeout, argv);
}

void run_cvmm(struct run *r, int timeout, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	run_va(r, timeout, arg, ap, NULL, 0);
	va_end(ap);
}

void run_test(struct run *r, const char *test, const char *extra, ...)
{
	static char cmdline[256];
	const char *prefix[5] = { "run", "--kernel", testkernel_path(),
				  "--cmdline", cmdline };
	va_list ap;

	snprintf(cmdline, sizeof(cmdline), "test=%s", test);
	va_start(ap, extra);
	run_va(r, 120, extra, ap, prefix, 5);
	va_end(ap);
}

void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

uint64_t stat_value(const struct run *r, const char *name)
{
	char key[128];
	const char *p;

	snprintf(key, sizeof(key), "stats: %s ", name);
	p = strstr(r->err, key);
	ck_assert_msg(p != NULL, "no '%s' in --stats output", name);
	return strtoull(p + strlen(key), NULL, 10);
}

uint64_t stat_field(const struct run *r, const char *line, const char *field)
{
	char key[128];
	const char *p, *end;

	snprintf(key, sizeof(key), "stats: %s ", line);
	p = strstr(r->err, key);
	ck_assert_msg(p != NULL, "no '%s' in --stats output", line);
	end = strchr(p, '\n');
	snprintf(key, sizeof(key), " %s ", field);
	p = strstr(p, key);
	ck_assert_msg(p && (!end || p < end), "no %s in '%s'", field, line);
	return strtoull(p + strlen(key), NULL, 10);
}

const char *make_file(const char *name, size_t size, int v)
{
	const char *path = scratch(name);
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	for (size_t i = 0; i < size; i++)
		fputc(v, f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

const char *tail(const char *s)
{
	size_t n = strlen(s);

	return n > 1500 ? s + n - 1500 : s;
}

unsigned int count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

int main(void)
{
	SRunner *sr = srunner_create(boot_suite());
	int failed;

	srunner_add_suite(sr, errors_suite());
	srunner_add_suite(sr, memory_suite());
	srunner_add_suite(sr, virtio_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, running_suite());
	srunner_add_suite(sr, firmware_suite());
	srunner_add_suite(sr, tdx_suite());
	print_left_out();
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
