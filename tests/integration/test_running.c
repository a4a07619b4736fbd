// SPDX-License-Identifier: MIT
/*
 * A running VM under pressure from outside: stdout a pipe nobody reads
 * (SIGTERM must still stop cvmm), the seccomp filter on every thread, and
 * flushed disk writes that outlive a SIGKILL. These tests watch cvmm while
 * it runs, so they spawn it themselves instead of using run_cvmm().
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

/*
 * Limits against hangs (the rig is slow; both scale with
 * CK_TIMEOUT_MULTIPLIER); none of them is a measurement.
 */
#define BOOT_LIMIT_S scaled_timeout(120)
#define STOP_LIMIT_S scaled_timeout(10)

struct live {
	pid_t pid;
	int out_r, out_w; /* stdout pipe; the test keeps the write end too */
	int err;	  /* stderr, a temporary file */
};

static void live_start(struct live *l, const char *test, const char **extra)
{
	/* 64M: less guest memory to tear down in a slow rig. */
	const char *argv[32] = { cvmm_path(), "run", "--kernel",
				 testkernel_path(), "--memory", "64M",
				 "--cmdline" };
	char cmdline[64], errpath[] = "/tmp/cvmm-err-XXXXXX";
	posix_spawn_file_actions_t fa;
	int p[2], n = 7;

	snprintf(cmdline, sizeof(cmdline), "test=%s", test);
	argv[n++] = cmdline;
	while (*extra && n < 31)
		argv[n++] = *extra++;
	argv[n] = NULL;
	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	l->err = mkstemp(errpath);
	ck_assert_int_ge(l->err, 0);
	unlink(errpath);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, l->err, 2);
	ck_assert_int_eq(posix_spawn(&l->pid, argv[0], &fa, NULL,
				     (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	l->out_r = p[0];
	l->out_w = p[1];
}

/* cvmm has ended (and is reaped)? */
static bool gone(struct live *l)
{
	if (l->pid > 0 && waitpid(l->pid, NULL, WNOHANG) == l->pid)
		l->pid = 0;
	return l->pid == 0;
}

/* Fail the test with why and the end of cvmm's stderr. */
static void fail_and_kill(struct live *l, const char *why)
{
	char err[1501];
	ssize_t n;

	if (!gone(l)) {
		kill(l->pid, SIGKILL);
		waitpid(l->pid, NULL, 0);
	}
	n = pread(l->err, err, sizeof(err) - 1, 0);
	err[n > 0 ? n : 0] = 0;
	ck_abort_msg("%s; cvmm's stderr:\n%s", why, err);
}

static void nap(void)
{
	struct timespec t = { 0, 10 * 1000 * 1000 };

	nanosleep(&t, NULL);
}

/* Some thread of pid sleeps in write(1, ...) (/proc/PID/task/TID/syscall). */
static bool stdout_write_blocked(pid_t pid)
{
	char path[320], line[128], want[32];
	bool blocked = false;
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	snprintf(want, sizeof(want), "%d 0x1 ", (int)SYS_write);
	d = opendir(path);
	if (!d)
		return false;
	while (!blocked && (e = readdir(d))) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/syscall",
			 (int)pid, e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue; /* the thread just ended */
		/* "NR ARG0 ...", or "running" for a thread not in a syscall */
		blocked = fgets(line, sizeof(line), f) &&
			  !strncmp(line, want, strlen(want));
		fclose(f);
	}
	closedir(d);
	return blocked;
}

/*
 * The pipe has no free slot and cvmm's console writer sleeps in write():
 * bytes the guest wrote wait in cvmm (nobody reads). poll() alone is not
 * enough: it reports a pipe full once its last page is in use, small
 * writes still merge into that page, and a slow guest (the rig's) may not
 * fill it before the test's SIGTERM, leaving nothing to drop.
 */
static void wait_pipe_full(struct live *l)
{
	for (int i = 0; i < BOOT_LIMIT_S * 100; i++, nap()) {
		struct pollfd pf = { .fd = l->out_w, .events = POLLOUT };

		if (poll(&pf, 1, 0) == 0 && stdout_write_blocked(l->pid))
			return;
		if (gone(l))
			fail_and_kill(l, "cvmm ended before filling stdout");
	}
	fail_and_kill(l, "the guest never filled stdout, or cvmm's console "
		      "writer never blocked in write()");
}

/* Read stdout until it holds needle; the text read so far (static). */
static const char *read_until(struct live *l, const char *needle)
{
	static char buf[1 << 16];
	static size_t len;

	len = 0;
	buf[0] = 0;
	for (int i = 0; i < BOOT_LIMIT_S * 100 && !strstr(buf, needle); i++) {
		struct pollfd pf = { .fd = l->out_r, .events = POLLIN };
		ssize_t r;

		if (poll(&pf, 1, 10) <= 0) {
			if (gone(l)) /* we hold the write end: no EOF comes */
				break;
			continue;
		}
		if (len + 1 == sizeof(buf)) { /* keep the tail: lines are short */
			memmove(buf, buf + len / 2, len - len / 2 + 1);
			len -= len / 2;
		}
		r = read(l->out_r, buf + len, sizeof(buf) - 1 - len);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = 0;
	}
	if (!strstr(buf, needle))
		fail_and_kill(l, "the guest did not print what the test waits for");
	return buf;
}

/* Signal cvmm and wait for it; its status as a shell reports it. */
static int signal_and_wait(struct live *l, int sig)
{
	int st;

	ck_assert_int_eq(kill(l->pid, sig), 0);
	for (int i = 0; i < STOP_LIMIT_S * 100; i++, nap())
		if (waitpid(l->pid, &st, WNOHANG) == l->pid)
			return WIFEXITED(st) ? WEXITSTATUS(st)
					     : 128 + WTERMSIG(st);
	fail_and_kill(l, "cvmm did not stop within the limit after a signal");
	return -1;
}

/* stderr as text (the caller frees), and the descriptors closed. */
static char *live_end(struct live *l)
{
	off_t size = lseek(l->err, 0, SEEK_END);
	char *s = calloc(1, (size_t)size + 1);

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(pread(l->err, s, (size_t)size, 0), size);
	close(l->err);
	close(l->out_r);
	close(l->out_w);
	return s;
}

/* "stats: NAME VALUE" in text, or fail. */
static uint64_t stat_in(const char *text, const char *name)
{
	char key[96];
	const char *p;

	snprintf(key, sizeof(key), "stats: %s ", name);
	p = strstr(text, key);
	ck_assert_msg(p != NULL, "no '%s' in:\n%s", name, tail(text));
	return strtoull(p + strlen(key), NULL, 10);
}

/*
 * The guest floods the console while stdout is a full pipe that nobody
 * reads. Before output went through a buffer, the writing thread sat in
 * write() for good and SIGTERM could not stop cvmm.
 */
static void stuck_stdout_then_sigterm(const char *test, const char **extra)
{
	struct live l;
	char *err;
	int status;

	live_start(&l, test, extra);
	wait_pipe_full(&l);
	status = signal_and_wait(&l, SIGTERM);
	err = live_end(&l);
	ck_assert_msg(status == 128 + SIGTERM, "status %d, stderr:\n%s", status,
		      tail(err));
	/* The guest never stops writing: some of it cannot have gone out. */
	ck_assert_uint_gt(stat_in(err, "console.dropped_bytes"), 0);
	free(err);
}

START_TEST(sigterm_stops_uart_flood_on_stuck_stdout)
{
	const char *extra[] = { "--stats", NULL };

	stuck_stdout_then_sigterm("flood:serial", extra);
}
END_TEST

START_TEST(sigterm_stops_virtio_console_flood_on_stuck_stdout)
{
	const char *extra[] = { "--console", "virtio", "--stats", NULL };

	stuck_stdout_then_sigterm("flood:virtio", extra);
}
END_TEST

/* The Seccomp: line of every thread of pid: how many show want, and all. */
static void count_seccomp(pid_t pid, const char *want, int *match, int *all)
{
	char path[320], line[256];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	ck_assert_ptr_nonnull(d);
	*match = *all = 0;
	while ((e = readdir(d))) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/status", (int)pid,
			 e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue; /* the thread just ended */
		(*all)++;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "Seccomp:", 8))
				*match += !strcmp(line, want);
		fclose(f);
	}
	closedir(d);
}

/*
 * A VM with device threads (disk, rng, console), idling: every thread,
 * vCPU, device, console writer and main, is filtered, and the stop path
 * (signal, teardown, --stats) runs under the filter without a SIGSYS.
 */
static void threads_and_filter(const char *mode, const char *want)
{
	const char *disk = make_file("filtered.img", 1 << 20, 0);
	const char *extra[] = { "--disk", disk, "--rng", "--console", "virtio",
				"--stats", "--seccomp", mode, NULL };
	int match, all, status;
	struct live l;
	char *err;

	live_start(&l, "idle", extra);
	read_until(&l, "idling until stopped");
	count_seccomp(l.pid, want, &match, &all);
	status = signal_and_wait(&l, SIGTERM);
	err = live_end(&l);
	/* main, a vCPU, the console writer, three device threads */
	ck_assert_int_ge(all, 6);
	ck_assert_msg(match == all, "%d of %d threads show '%s'", match, all,
		      want);
	ck_assert_msg(status == 128 + SIGTERM, "status %d, stderr:\n%s", status,
		      tail(err));
	stat_in(err, "exits.total");
	free(err);
}

START_TEST(every_thread_runs_under_seccomp)
{
	threads_and_filter("on", "Seccomp:\t2\n");
}
END_TEST

START_TEST(seccomp_off_leaves_threads_unfiltered)
{
	threads_and_filter("off", "Seccomp:\t0\n");
}
END_TEST

/* The newest "FLUSHED N" line in text. */
static uint64_t last_flushed(const char *text)
{
	uint64_t n = 0;

	for (const char *p = text; (p = strstr(p, "FLUSHED ")); p++)
		if (strchr(p, '\n')) /* a whole line only */
			n = strtoull(p + 8, NULL, 10);
	return n;
}

/*
 * The guest writes generations of 16 sectors at sector 64, flushing each
 * and then printing FLUSHED N. SIGKILL right after a FLUSHED line: every
 * sector holds generation N or a later one (the guest goes on writing),
 * each sector whole, none older.
 */
START_TEST(flushed_writes_survive_sigkill)
{
	const char *disk = make_file("durable.img", 8 << 20, 0xaa);
	const char *extra[] = { "--disk", disk, NULL };
	uint8_t sector[512];
	uint64_t seen;
	struct live l;
	int fd;

	live_start(&l, "blk-durable", extra);
	seen = last_flushed(read_until(&l, "FLUSHED 3\n"));
	ck_assert_int_eq(signal_and_wait(&l, SIGKILL), 128 + SIGKILL);
	free(live_end(&l));
	ck_assert_uint_ge(seen, 3);
	fd = open(disk, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	for (unsigned int s = 0; s < 16; s++) {
		uint64_t gen, where;

		ck_assert_int_eq(pread(fd, sector, sizeof(sector),
				       (off_t)(64 + s) * 512), 512);
		memcpy(&gen, sector, 8);
		memcpy(&where, sector + 8, 8);
		ck_assert_msg(gen >= seen && gen < seen + (1u << 20),
			      "sector %u holds generation %llu, %llu was flushed",
			      64 + s, (unsigned long long)gen,
			      (unsigned long long)seen);
		ck_assert_uint_eq(where, 64 + s);
		for (unsigned int i = 16; i < 512; i++)
			ck_assert_uint_eq(sector[i],
					  (uint8_t)((i * 7 + 3) ^ gen));
	}
	close(fd);
}
END_TEST

Suite *running_suite(void)
{
	Suite *s = suite_create("running");
	TCase *tc = tcase_create("hardening");

	tcase_set_timeout(tc, 300);
	add_test(tc, sigterm_stops_uart_flood_on_stuck_stdout, NEEDS_KVM);
	add_test(tc, sigterm_stops_virtio_console_flood_on_stuck_stdout, NEEDS_KVM);
	add_test(tc, every_thread_runs_under_seccomp, NEEDS_KVM);
	add_test(tc, seccomp_off_leaves_threads_unfiltered, NEEDS_KVM);
	add_test(tc, flushed_writes_survive_sigkill, NEEDS_KVM);
	suite_add_tcase(s, tc);
	return s;
}
