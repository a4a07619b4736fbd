// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../lib/log.h"
#include "bench.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * `bench [convert|scatter|footprint|blk|setup|kprof]...`: the named ones,
 * or all but those run only when named.
 */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
		bool only_named;
	} all[] = {
		{ "convert", bench_convert, false },
		{ "scatter", bench_scatter, false },
		{ "footprint", bench_footprint, false },
		{ "blk", bench_blk, false },
		{ "setup", bench_setup, false },
		{ "kprof", bench_kprof, true }, /* tracefs, in the rig */
	};
	int ran = 0;

	log_level = getenv("CVMM_BENCH_DEBUG") ? LOG_DEBUG : LOG_WARN;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		bool named = argc == 1 && !all[i].only_named;

		for (int a = 1; a < argc; a++)
			named |= strcmp(argv[a], all[i].name) == 0;
		if (named) {
			all[i].run();
			ran++;
		}
	}
	if (!ran) {
		fprintf(stderr, "bench: unknown benchmark (convert, scatter, footprint, blk, setup, kprof)\n");
		return 1;
	}
	return 0;
}
