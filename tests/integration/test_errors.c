// SPDX-License-Identifier: MIT
/* Bad kernels and bad options: status 1 and one line naming the problem. */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/elfgen.h"
#include "harness.h"

extern char **environ;

/* cvmm run --kernel PATH EXTRA... must fail with status 1 and one line. */
static void expect_rejected(const char *path, const char *want,
			    const char *extra)
{
	struct run r;

	run_cvmm(&r, 30, "run", "--kernel", path, "--memory",
		 extra ? extra : "64M", NULL);
	expect_status(&r, 1);
	expect_has(r.err, want);
	ck_assert_msg(count_lines(r.err) == 1, "not one line:\n%s", r.err);
	ck_assert_str_eq(r.out, "");
	run_free(&r);
}

static const char *gen(const char *name, const struct elfgen *g)
{
	size_t len;
	uint8_t *buf = elfgen_build(g, &len);
	const char *path = scratch(name);

	ck_assert_int_eq(elfgen_write_file(path, buf, len), 0);
	free(buf);
	return path;
}

START_TEST(bad_kernels)
{
	struct elfgen g = { .seg = { { 0x100000, 0x1000, 0x1000 } }, .nseg = 1,
			    .pvh_note = true, .entry = 0x100000 };
	char cmd[512];

	expect_rejected("/nonexistent/kernel", "cannot open", NULL);
	expect_rejected(make_file("text.txt", 100, 'x'), "not an ELF file", NULL);
	g.pvh_note = false;
	expect_rejected(gen("nonote.elf", &g), "no PVH entry note", NULL);
	g.pvh_note = true;
	g.seg[1] = (struct elfgen_seg){ 0x100800, 0x100, 0x100 };
	g.nseg = 2;
	expect_rejected(gen("overlap.elf", &g), "segments overlap", NULL);
	g.nseg = 1;
	g.seg[0].memsz = 100 << 20;
	expect_rejected(gen("big.elf", &g), "does not fit in guest RAM", "64M");
	snprintf(cmd, sizeof(cmd), "head -c 20000 %s > %s", testkernel_path(),
		 scratch("trunc.elf"));
	ck_assert_int_eq(system(cmd), 0);
	expect_rejected(scratch("trunc.elf"), "truncated", NULL);
	snprintf(cmd, sizeof(cmd), "gzip -c %s | head -c 5000 > %s",
		 testkernel_path(), scratch("trunc.gz"));
	ck_assert_int_eq(system(cmd), 0);
	expect_rejected(scratch("trunc.gz"), "corrupt or truncated gzip", NULL);
}
END_TEST

START_TEST(bad_options)
{
	static const struct {
		const char *opt, *val, *want;
	} cases[] = {
		{ "--memory", "lots", "memory: 'lots' is not a size" },
		{ "--memory", "1M", "memory: '1M' is out of range" },
		{ "--cpus", "65", "cpus: '65' is out of range" },
		{ "--log-level", "chatty", "log-level: 'chatty' is not a log level" },
		{ "--platform", "nosuch", "unknown platform 'nosuch'" },
		{ "--bogus", NULL, "--bogus: unknown option" },
	};
	struct run r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		run_cvmm(&r, 10, "run", "--kernel", testkernel_path(),
			 cases[i].opt, cases[i].val, NULL);
		expect_status(&r, 1);
		expect_has(r.err, cases[i].want);
		ck_assert_uint_eq(count_lines(r.err), 1);
		run_free(&r);
	}
	run_cvmm(&r, 10, "run", "--memory", "64M", NULL);
	expect_status(&r, 1);
	expect_has(r.err, "no kernel given");
	run_free(&r);
	run_cvmm(&r, 10, "frobnicate", NULL);
	expect_status(&r, 1);
	expect_has(r.err, "frobnicate: unknown command");
	run_free(&r);
}
END_TEST

START_TEST(unavailable_platform)
{
	struct run r;

	/* This host has no KVM_X86_SW_PROTECTED_VM; hosts that have it boot. */
	run_cvmm(&r, 30, "run", "--kernel", testkernel_path(), "--platform",
		 "sw-protected", "--cmdline", "test=hello", NULL);
	if (r.status == 1) {
		expect_has(r.err, "platform sw-protected is not available");
		expect_has(r.err, "KVM_X86_SW_PROTECTED_VM");
	} else {
		expect_status(&r, 0);
	}
	run_free(&r);
}
END_TEST

/*
 * No machine of this project has SEV-SNP: a run fails with one line
 * naming what is missing (this host: /dev/kvm itself; the rig: the VM
 * type), before anything starts.
 */
START_TEST(snp_unavailable)
{
	struct run r;

	run_cvmm(&r, 30, "run", "--kernel", testkernel_path(), "--platform",
		 "sev-snp", NULL);
	expect_status(&r, 1);
	expect_has(r.err, "cvmm: error: platform sev-snp is not available: ");
	ck_assert_msg(count_lines(r.err) == 1, "not one line:\n%s", r.err);
	ck_assert_msg(!r.out[0], "the guest ran:\n%s", r.out);
	if (access("/dev/kvm", F_OK))
		expect_has(r.err, "this host has no /dev/kvm");
	run_free(&r);
}
END_TEST

/* What two backings cannot do is refused on any host, before KVM is asked. */
START_TEST(platform_refuses_options)
{
	struct run r;

	run_cvmm(&r, 30, "run", "--kernel", testkernel_path(), "--platform",
		 "sw-protected", "--convert-mode", "preserve", NULL);
	expect_status(&r, 1);
	expect_has(r.err, "platform sw-protected cannot preserve contents");
	ck_assert_uint_eq(count_lines(r.err), 1);
	run_free(&r);
	run_cvmm(&r, 30, "run", "--kernel", testkernel_path(), "--platform",
		 "sw-protected", "--initial-state", "private", NULL);
	expect_status(&r, 1);
	expect_has(r.err, "cannot start with private RAM");
	ck_assert_uint_eq(count_lines(r.err), 1);
	run_free(&r);
}
END_TEST

/* A FIFO, a directory and a socket in the scratch directory, and /dev/zero. */
static const char *const *special_paths(void)
{
	static char fifo[256], dir[256], sock[256];
	static const char *paths[] = { fifo, dir, sock, "/dev/zero", NULL };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s;

	if (fifo[0])
		return paths;
	snprintf(fifo, sizeof(fifo), "%s", scratch("fifo"));
	snprintf(dir, sizeof(dir), "%s", scratch("dir"));
	snprintf(sock, sizeof(sock), "%s", scratch("sock"));
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_uint_lt(strlen(sock), sizeof(sa.sun_path));
	memcpy(sa.sun_path, sock, strlen(sock));
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	return paths;
}

static void expect_one_line(struct run *r, const char *want)
{
	expect_status(r, 1);
	expect_has(r->err, want);
	ck_assert_msg(count_lines(r->err) == 1, "not one line:\n%s", r->err);
	run_free(r);
}

/*
 * Each special path as --kernel, --disk (read-write and read-only) and
 * --config: one line naming the option, the path and its kind, status 1,
 * and no hang (a FIFO blocked open() forever; the harness kills at 10 s).
 */
START_TEST(special_files_refused)
{
	const char *const *p = special_paths();
	char want[512], ro[300];
	struct run r;

	for (; *p; p++) {
		const char *kind = strstr(*p, "fifo") ? "a FIFO"
				   : strstr(*p, "dir")  ? "a directory"
				   : strstr(*p, "sock") ? "a socket"
							: "a character device";

		run_cvmm(&r, 10, "run", "--kernel", *p, NULL);
		snprintf(want, sizeof(want), "--kernel '%s': is %s, not a "
			 "regular file", *p, kind);
		expect_one_line(&r, want);
		run_cvmm(&r, 10, "run", "--config", *p, NULL);
		snprintf(want, sizeof(want), "--config '%s': is %s, not a "
			 "regular file", *p, kind);
		expect_one_line(&r, want);
		snprintf(want, sizeof(want), "disk '%s': is %s, not a regular "
			 "file or block device", *p, kind);
		snprintf(ro, sizeof(ro), "%s,readonly", *p);
		run_cvmm(&r, 10, "run", "--kernel", testkernel_path(), "--disk",
			 ro, NULL);
		expect_one_line(&r, want);
		run_cvmm(&r, 10, "run", "--kernel", testkernel_path(), "--disk",
			 *p, NULL);
		expect_one_line(&r, want);
		run_cvmm(&r, 10, "run", "--kernel", testkernel_path(), "--disk",
			 ro, "--dry-run", NULL);
		expect_one_line(&r, want);
	}
}
END_TEST

/* A config file of NUL bytes ends at once with file:1 (it used to spin). */
START_TEST(binary_config_refused)
{
	const char *ini = make_file("zeros.ini", 1 << 20, 0);
	char want[300];
	struct run r;

	run_cvmm(&r, 10, "run", "--config", ini, NULL);
	snprintf(want, sizeof(want), "%s:1: byte 0x00 is not text", ini);
	expect_one_line(&r, want);
	run_cvmm(&r, 10, "run", "--config", ini, "--config", ini, NULL);
	expect_one_line(&r, "--config: given twice");
}
END_TEST

/* --dry-run opens the disks as a run would, with the same messages. */
START_TEST(dry_run_checks_disks)
{
	const char *disk = make_file("dry.img", 1 << 20, 0);
	struct run r;

	run_cvmm(&r, 30, "run", "--kernel", testkernel_path(), "--disk",
		 "/nonexistent.img", "--dry-run", NULL);
	expect_one_line(&r, "disk '/nonexistent.img': cannot open: No such file");
	run_cvmm(&r, 30, "run", "--kernel", testkernel_path(), "--disk", disk,
		 "--disk", disk, "--dry-run", NULL);
	expect_one_line(&r, "in use by another process");
	run_cvmm(&r, 30, "run", "--kernel", testkernel_path(), "--disk", disk,
		 "--dry-run", NULL);
	expect_status(&r, 0);
	expect_has(r.out, "(read-write)");
	run_free(&r);
}
END_TEST

/*
 * Run argv with fd `closed` closed (the other two on /dev/null), as a
 * shell's `<&-`, `>&-` or `2>&-` would; returns the exit status.
 */
static int run_with_closed(int closed, const char *const *argv, int unscaled)
{
	int timeout = scaled_timeout(unscaled);
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	posix_spawn_file_actions_t fa;
	int status;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	for (int fd = 0; fd <= 2; fd++)
		if (fd == closed)
			posix_spawn_file_actions_addclose(&fa, fd);
		else
			posix_spawn_file_actions_addopen(&fa, fd, "/dev/null",
							 fd ? O_WRONLY : O_RDONLY, 0);
	ck_assert_int_eq(posix_spawnp(&pid, argv[0], &fa, NULL,
				      (char *const *)argv, environ), 0);
	posix_spawn_file_actions_destroy(&fa);
	for (long waited = 0; waitpid(pid, &status, WNOHANG) != pid; waited += 5) {
		if (waited > timeout * 1000L) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			ck_abort_msg("cvmm did not finish within %d s", timeout);
		}
		nanosleep(&tick, NULL);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Is the file at path size bytes of v? */
static bool all_bytes(const char *path, size_t size, int v)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0;
	int ch;

	ck_assert_ptr_nonnull(f);
	while ((ch = getc(f)) != EOF && ch == v)
		n++;
	fclose(f);
	return n == size && ch == EOF;
}

/*
 * With stderr closed, the first disk took fd 2 and the error about the
 * second one was written into it. No KVM needed: disks are opened first.
 */
START_TEST(closed_stream_bad_option_keeps_disk)
{
	const char *argv[] = { cvmm_path(), "run", "--kernel", testkernel_path(),
			       "--disk", NULL, "--disk", "/nonexistent.img",
			       NULL, NULL };

	for (int dry = 0; dry < 2; dry++)
		for (int fd = 0; fd <= 2; fd++) {
			argv[5] = make_file("keep.img", 64 << 10, 0x5a);
			argv[8] = dry ? "--dry-run" : NULL;
			ck_assert_int_eq(run_with_closed(fd, argv, 10), 1);
			ck_assert_msg(all_bytes(argv[5], 64 << 10, 0x5a),
				      "fd %d closed%s: the disk image changed", fd,
				      dry ? " (--dry-run)" : "");
		}
}
END_TEST

/*
 * Boots a guest (needs KVM): with any standard stream closed, the disk
 * must not become the console (>&-: the guest's output went into it), the
 * error stream or the console input.
 */
START_TEST(closed_streams_keep_disk)
{
	const char *argv[] = { cvmm_path(), "run", "--kernel", testkernel_path(),
			       "--cmdline", "test=hello", "--disk", NULL, NULL };

	for (int fd = 0; fd <= 2; fd++) {
		argv[7] = make_file("boot.img", 64 << 10, 0x5a);
		ck_assert_int_eq(run_with_closed(fd, argv, 60), 0);
		ck_assert_msg(all_bytes(argv[7], 64 << 10, 0x5a),
			      "fd %d closed: the disk image changed", fd);
	}
}
END_TEST

Suite *errors_suite(void)
{
	Suite *s = suite_create("errors");
	TCase *tc = tcase_create("input");

	tcase_set_timeout(tc, 120);
	add_test(tc, bad_kernels, NEEDS_NOTHING);
	add_test(tc, bad_options, NEEDS_NOTHING);
	add_test(tc, unavailable_platform, NEEDS_KVM);
	add_test(tc, snp_unavailable, NEEDS_NOTHING);
	add_test(tc, platform_refuses_options, NEEDS_NOTHING);
	add_test(tc, special_files_refused, NEEDS_NOTHING);
	add_test(tc, binary_config_refused, NEEDS_NOTHING);
	add_test(tc, dry_run_checks_disks, NEEDS_NOTHING);
	add_test(tc, closed_stream_bad_option_keeps_disk, NEEDS_NOTHING);
	suite_add_tcase(s, tc);
	tc = tcase_create("boot");
	tcase_set_timeout(tc, 240);
	add_test(tc, closed_streams_keep_disk, NEEDS_KVM);
	suite_add_tcase(s, tc);
	return s;
}
