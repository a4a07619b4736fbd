/* SPDX-License-Identifier: MIT */
/*
 * Running the real build/cvmm from check tests: arguments in, exit status
 * and captured stdout/stderr out, with a time limit.
 */
#ifndef CVMM_TEST_HARNESS_H
#define CVMM_TEST_HARNESS_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct run {
	int status; /* exit status, or 128 + signal */
	char *out, *err;
};

/*
 * What a test needs from the host beyond cvmm, the test kernel and the
 * tools every host has (sh, gzip, head). A test whose needs this host lacks
 * is not registered: it is neither run nor counted, and main() prints one
 * line per missing need (how many tests were left out, and why) before the
 * run. CVMM_IT_REQUIRE_KVM=1 registers the KVM tests even where /dev/kvm
 * is absent, so that a host which must run them (the rig) fails instead of
 * leaving them out.
 */
enum test_needs {
	NEEDS_NOTHING = 0,
	NEEDS_KVM = 1 << 0,    /* boots a guest or asks KVM (cvmm caps) */
	NEEDS_STRACE = 1 << 1, /* runs cvmm under strace */
};

/* tcase_add_test(tc, tf) for a test with these needs (enum test_needs). */
void add_test(TCase *tc, const TTest *tf, unsigned int need_mask);

/*
 * Timeouts (a run's seconds here, a tcase's in check) are scaled by
 * CK_TIMEOUT_MULTIPLIER, as check scales tcase timeouts: slow hosts such as
 * the rig (QEMU TCG) set it. Returns seconds * multiplier.
 */
int scaled_timeout(int seconds);

/* Paths from the environment (CVMM, TESTKERNEL), with build/ defaults. */
const char *cvmm_path(void);
const char *testkernel_path(void);

/*
 * Run `cvmm ARGS...` (NULL-terminated); a run longer than timeout seconds
 * (scaled by scaled_timeout()) is killed and fails the test. Output is kept
 * in r until run_free().
 */
void run_cvmm(struct run *r, int timeout, const char *arg, ...);
/* Run any program (argv[0] is its path) the same way. */
void run_argv(struct run *r, int timeout, const char *const *argv);
/* The same with stdin read from a file (NULL: /dev/null). */
void run_argv_in(struct run *r, int timeout, const char *const *argv,
		 const char *stdin_path);
void run_free(struct run *r);

/* Boot the test kernel: run_cvmm with --kernel and --cmdline test=NAME. */
void run_test(struct run *r, const char *test, const char *extra, ...);

/* Assert the exit status, showing the guest's and cvmm's output if not. */
#define expect_status(r, want)                                             \
	ck_assert_msg((r)->status == (want),                               \
		      "status %d, want %d\n--- stdout:\n%s--- stderr:\n%s", \
		      (r)->status, (want), tail((r)->out), tail((r)->err))

/* The last part of s (check limits the length of failure messages). */
const char *tail(const char *s);

/* Assert that s contains needle. */
#define expect_has(s, needle)                                          \
	ck_assert_msg(strstr((s), (needle)) != NULL,                   \
		      "'%s' not found in:\n%s", (needle), tail(s))

/* The value of "stats: NAME VALUE" in r->err; fails the test if absent. */
uint64_t stat_value(const struct run *r, const char *name);
/* The value after "stats: LINE ... FIELD " (e.g. "virtio.blk0", "requests"). */
uint64_t stat_field(const struct run *r, const char *line, const char *field);

/* A file of size bytes filled with byte v; returns its path (scratch). */
const char *make_file(const char *name, size_t size, int v);

/* Number of lines in s. */
unsigned int count_lines(const char *s);

/* A path in this test's scratch directory. */
const char *scratch(const char *name);

/* All integration suites. */
Suite *boot_suite(void);
Suite *errors_suite(void);
Suite *memory_suite(void);
Suite *virtio_suite(void);
Suite *config_suite(void);
Suite *running_suite(void);
Suite *firmware_suite(void);
Suite *tdx_suite(void);

#endif
