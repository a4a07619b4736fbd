// SPDX-License-Identifier: MIT
/*
 * Setup (main() to the first KVM_RUN) against the fake KVM: the code
 * `cvmm run` runs (option parsing, vm_build, the seccomp filter, vm_run
 * up to the first KVM_RUN, which the fake answers with a shutdown), per
 * phase. KVM's own work is absent, so this is cvmm's CPU time and its
 * other system calls (memfds, mappings, threads, the filter).
 *
 * Each run is a fresh child process, as each cvmm run is: the filter is
 * installed for good, and libseccomp caches what it probed. The ways of
 * installing the filter run interleaved, so a busy machine slows them
 * alike; the table gives each phase's median and the ratio against the
 * first way that installs a filter (the baseline).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/log.h"
#include "../../lib/util.h"
#include "../../vmm/builder.h"
#include "../../vmm/cli.h"
#include "../../vmm/seccomp.h"
#include "../../vmm/seccomp_rules.h"
#include "../../vmm/vm.h"
#include "../fakekvm/fakekvm.h"
#include "bench.h"

#define RUNS 21
/*
 * The phases of vm.h's setup_phase, then first_run, the total, and the
 * page faults the main thread (where setup runs) trapped on from main()
 * to the filter (a count; pages faulted in by one madvise are not traps):
 * on a host where a fault is slow (a VM whose page faults go to its
 * hypervisor), they are much of setup.
 */
#define NCOLS (SETUP_PHASES + 3)
#define FAULTS (NCOLS - 1)

static const char *const col_name[NCOLS] = {
	"resolve", "kvm", "memory", "launch", "vcpus", "devices", "threads",
	"seccomp", "first_run", "setup (total)", "faults to seccomp",
};

/* The kernel's page-fault event of this thread; -1 where perf is refused. */
static int fault_counter(void)
{
	struct perf_event_attr a = { .type = PERF_TYPE_SOFTWARE,
				     .size = sizeof(a),
				     .config = PERF_COUNT_SW_PAGE_FAULTS };

	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1,
			    PERF_FLAG_FD_CLOEXEC);
}

static uint64_t faults(int fd)
{
	uint64_t n = 0;

	return fd >= 0 && read(fd, &n, sizeof(n)) == sizeof(n) ? n : 0;
}

/* What cvmm did before the filter was compiled at build time. */
static int libseccomp_at_run_time(void)
{
	scmp_filter_ctx ctx = seccomp_rules_filter();
	int ret = ctx ? seccomp_load(ctx) : -ENOMEM;

	seccomp_release(ctx);
	return ret;
}

struct way {
	const char *name;
	int (*install)(void); /* NULL: --seccomp off */
};

static const struct way ways[] = {
	{ "seccomp off", NULL },
	{ "libseccomp at run time", libseccomp_at_run_time },
	{ "built-in program", seccomp_install },
};
#define NWAYS (sizeof(ways) / sizeof(ways[0]))
#define BASELINE 1 /* the first way with a filter */

/* In the child: one `cvmm run`; each phase's length in ns into out[]. */
static int setup_once(const char *kernel, const char *platform,
		      const struct way *w, uint64_t out[NCOLS])
{
	const char *argv[] = { "run", "--kernel", kernel, "--platform",
			       platform, "--memory", "256M", "--cpus", "1",
			       "--seccomp", "off", NULL };
	static struct vm_config c;
	int counter = fault_counter();
	uint64_t t0, prev, f0;
	char err[256];
	struct vm vm;
	bool dry;
	int ret;

	fake_install(); /* the fake's own set-up is not cvmm's */
	f0 = faults(counter);
	t0 = prev = now_ns();
	config_defaults(&c);
	if (cli_parse_run(ARRAY_SIZE(argv) - 1, (char **)argv, &c, &dry, err,
			  sizeof(err)) != CLI_OK)
		return -1;
	ret = vm_build(&vm, &c);
	/* Counted up to the filter, like a --seccomp off run. */
	out[FAULTS] = faults(counter) - f0;
	if (!ret && w->install)
		ret = w->install();
	vm_mark(&vm, SETUP_SECCOMP);
	/* The fake's first KVM_RUN answers a shutdown: vm_run fails then. */
	if (!ret) {
		vm_run(&vm);
		ret = vm.t_first_run ? 0 : -1;
	}
	for (int p = 0; !ret && p < SETUP_PHASES; p++) {
		out[p] = vm.t_setup[p] - prev;
		prev = vm.t_setup[p];
	}
	out[SETUP_PHASES] = vm.t_first_run - prev;
	out[SETUP_PHASES + 1] = vm.t_first_run - t0;
	vm_destroy(&vm);
	return ret;
}

/* One run in a child process; its phases into out[]. 0 or -1. */
static int run_child(const char *kernel, const char *platform,
		     const struct way *w, uint64_t out[NCOLS])
{
	int p[2], status;
	pid_t pid;
	ssize_t n;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		/* No console input; the shutdown's error line is expected. */
		close(p[0]);
		alarm(30); /* a run that never reaches KVM_RUN ends, not hangs */
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			if (!getenv("CVMM_BENCH_DEBUG"))
				dup2(null, STDERR_FILENO);
		}
		if (setup_once(kernel, platform, w, out))
			_exit(1);
		_exit(write(p[1], out, NCOLS * sizeof(out[0])) > 0 ? 0 : 1);
	}
	close(p[1]);
	n = pid > 0 ? read(p[0], out, NCOLS * sizeof(out[0])) : -1;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return n == (ssize_t)(NCOLS * sizeof(out[0])) ? 0 : -1;
}

static void table(const char *kernel, const char *platform)
{
	static double t[NWAYS][NCOLS][RUNS];
	double med[NWAYS][NCOLS];
	int counter;

	for (int r = 0; r < RUNS; r++) {
		for (size_t w = 0; w < NWAYS; w++) {
			uint64_t out[NCOLS];

			if (run_child(kernel, platform, &ways[w], out)) {
				printf("setup (%s): a run failed (%s); "
				       "CVMM_BENCH_DEBUG=1 shows why\n",
				       platform, ways[w].name);
				return;
			}
			for (int c = 0; c < NCOLS; c++)
				t[w][c][r] = (double)out[c];
		}
	}
	for (size_t w = 0; w < NWAYS; w++)
		for (int c = 0; c < NCOLS; c++)
			med[w][c] = bench_median(t[w][c], RUNS) /
				    (c == FAULTS ? 1 : 1e6);
	printf("\n== setup: %s, 256 MiB, 1 vCPU, test kernel, fake KVM; "
	       "median ms of %d runs\n%-14s", platform, RUNS, "phase");
	for (size_t w = 0; w < NWAYS; w++)
		printf(" %24s", ways[w].name);
	printf(" %9s\n", "ratio");
	for (int c = 0; c < NCOLS; c++) {
		printf("%-14s", col_name[c]);
		for (size_t w = 0; w < NWAYS; w++)
			printf(c == FAULTS ? " %24.0f" : " %24.3f", med[w][c]);
		printf(" %9.2f\n", med[BASELINE][c] > 0
			   ? med[NWAYS - 1][c] / med[BASELINE][c] : 0);
	}
	printf("ratio: %s / %s (baseline), per phase\n", ways[NWAYS - 1].name,
	       ways[BASELINE].name);
	counter = fault_counter();
	if (counter < 0)
		printf("faults: not counted (perf_event_open refused: "
		       "kernel.perf_event_paranoid)\n");
	else
		close(counter);
}

void bench_setup(void)
{
	const char *kernel = getenv("TESTKERNEL");

	if (!kernel || access(kernel, R_OK)) {
		printf("\n== setup: skipped (TESTKERNEL names no test kernel; "
		       "`make bench` sets it)\n");
		return;
	}
	table(kernel, "soft");
	table(kernel, "sw-protected");
}
