/* SPDX-License-Identifier: MIT */
/* `make bench`: in-process benchmarks that print tables with ratios. */
#ifndef CVMM_BENCH_H
#define CVMM_BENCH_H

#include <stdint.h>

/* Conversions and the checked accessor, on a guest_memfd if KVM allows. */
void bench_convert(void);

/* Every other page of a 1 GiB slot shared: runs, mappings, rate. */
void bench_scatter(void);

/* Footprint accounting on 256 GiB against mincore over all of it. */
void bench_footprint(void);

/* virtio-blk requests against plain pread/pwrite of the same file. */
void bench_blk(void);

/* main() to the first KVM_RUN against the fake KVM, per phase. */
void bench_setup(void);
/*
 * Warm ZERO requests of 4 KiB and 2 MiB, timed and under ftrace's
 * function_graph tracer (run only when named: it needs tracefs).
 */
void bench_kprof(void);

/* Seconds since an arbitrary start (monotonic). */
double bench_now(void);

/* The median of v[0..n) (for an even n, the upper middle); sorts v. */
double bench_median(double *v, int n);

#endif
