// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../../lib/log.h"
#include "bench.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	log_level = getenv("CVMM_BENCH_DEBUG") ? LOG_DEBUG : LOG_WARN;
	bench_convert();
	bench_blk();
	return 0;
}
