/* SPDX-License-Identifier: MIT */
/*
 * `--stats`: what one run cost, printed to stderr at exit as lines of
 * "stats: NAME VALUE" (stable names, so tests and scripts can read them).
 */
#ifndef CVMM_STATS_H
#define CVMM_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "vm.h"

void stats_print(struct vm *vm, uint64_t t_start, FILE *f);

#endif
