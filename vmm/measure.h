/* SPDX-License-Identifier: MIT */
/*
 * The expected launch measurement of a VM, from the launch list a run
 * would execute, without KVM: `cvmm measure` and `cvmm run --dry-run` on
 * platforms that measure (the platform's measure hook).
 */
#ifndef CVMM_MEASURE_H
#define CVMM_MEASURE_H

#include <stdio.h>

#include "config.h"
#include "resolve.h"

/*
 * Print "vm: measurement NAME HEX" and "vm: measurement covers: ..." (or
 * with bare = true "NAME HEX" alone) for r. Returns 0, or 1 after one line
 * on stderr (no measurement on this platform; the plan is refused).
 */
int vm_print_measurement(FILE *f, const struct vm_config *c,
			 const struct resolved *r, bool bare);

/* `cvmm measure [run options]`. Returns the exit status. */
int cmd_measure(int argc, char **argv);

#endif
