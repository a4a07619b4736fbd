// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <time.h>

#include "../../vmm/log.h"
#include "bench.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	log_level = LOG_ERR;
	bench_convert();
	bench_blk();
	return 0;
}
