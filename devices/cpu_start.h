/* SPDX-License-Identifier: MIT */
/*
 * The CPU start device (ports in pv_abi.h): lets a guest start its
 * application processors directly in the PVH entry state, for hosts where
 * INIT/SIPI into real mode cannot run.
 */
#ifndef CVMM_CPU_START_H
#define CVMM_CPU_START_H

#include "bus.h"
#include "pvregs.h"

struct cpu_start {
	/* Returns 0, -EINVAL (no such AP, bad entry) or -EBUSY (running). */
	int (*start)(void *opaque, unsigned int cpu, uint32_t entry,
		     uint32_t arg);
	void *opaque;
	struct pvregs regs;
};

extern const struct dev_ops cpu_start_ops;

#endif
