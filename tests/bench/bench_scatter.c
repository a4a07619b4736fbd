// SPDX-License-Identifier: MIT
/*
 * Scattered sharing: every other 4 KiB page of a 1 GiB slot in the other
 * state (131,072 shared runs), one conversion per page, on a memfd. For
 * each way the host view can keep private pages out it prints the runs
 * achieved, the mappings it added and conversions per second; the
 * baseline is mprotect per run (what cvmm did before, and still does
 * without guard regions), which stops at its limit.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../mem/guest_mem.h"
#include "../../lib/util.h"
#include "bench.h"

#define SLOT GiB

static int attrs_ok(void *opaque, uint64_t g, uint64_t len, bool private)
{
	(void)opaque, (void)g, (void)len, (void)private;
	return 0;
}

static int mappings(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int n = 0;

	while (f && fgets(line, sizeof(line), f))
		n++;
	if (f)
		fclose(f);
	return n;
}

struct scatter_case {
	const char *name;
	bool dual, force_mprotect;
};

/* Runs achieved; *rate conversions per second, *maps mappings added. */
static uint64_t run(const struct scatter_case *c, double *rate, int *maps)
{
	struct mem_backend soft = { .in_place = true };
	struct mem_backend swp = { .kernel_guards_private = true,
				   .set_attributes = attrs_ok };
	int fd = memfd_create("scatter", MFD_CLOEXEC), fd2 = -1, before;
	enum mem_state to = c->dual ? MEM_PRIVATE : MEM_SHARED;
	struct guest_mem m;
	uint64_t off, runs;
	double t0;

	if (fd < 0 || ftruncate(fd, SLOT))
		return 0;
	if (c->dual) {
		fd2 = memfd_create("scatter-shared", MFD_CLOEXEC);
		if (fd2 < 0 || ftruncate(fd2, SLOT))
			return 0;
	}
	before = mappings();
	mem_init(&m, c->dual ? &swp : &soft, MEM_CONTENT_ZERO, c->dual);
	m.force_mprotect_view = c->force_mprotect;
	if (mem_add_slot(&m, 0, SLOT, fd, c->dual ? fd2 : fd) < 0)
		return 0;
	t0 = bench_now();
	for (off = 0; off < SLOT; off += 2 * PAGE_SIZE)
		if (mem_convert(&m, gpa(off), PAGE_SIZE, to, MEM_CONTENT_ZERO) !=
		    CONV_DONE)
			break;
	runs = off / (2 * PAGE_SIZE);
	*rate = (double)runs / (bench_now() - t0);
	*maps = mappings() - before;
	mem_destroy(&m);
	close(fd);
	if (fd2 >= 0)
		close(fd2);
	return runs;
}

void bench_scatter(void)
{
	static const struct scatter_case cases[] = {
		{ "mprotect per run (baseline)", false, true },
		{ "soft: guard regions", false, false },
		{ "sw-protected: view left open", true, false },
	};
	double base = 0;

	printf("\n== scattered sharing: every other page of a 1 GiB slot "
	       "(goal %llu runs)\n%-30s %8s %9s %12s %7s\n",
	       (unsigned long long)(SLOT / PAGE_SIZE / 2), "host view", "runs",
	       "mappings", "conv/s", "ratio");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		double rate = 0;
		int maps = 0;
		uint64_t runs;

		fflush(stdout); /* the baseline logs its refusal on stderr */
		runs = run(&cases[i], &rate, &maps);

		if (i == 0)
			base = rate;
		printf("%-30s %8llu %9d %12.0f %6.2fx\n", cases[i].name,
		       (unsigned long long)runs, maps, rate, rate / base);
	}
}
