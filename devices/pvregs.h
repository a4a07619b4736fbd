/* SPDX-License-Identifier: MIT */
/*
 * Per-vCPU staging registers for the paravirtual devices: a request's
 * arguments are written one 32-bit register at a time, so each vCPU gets
 * its own set and vCPUs never see each other's half-written requests.
 */
#ifndef CVMM_PVREGS_H
#define CVMM_PVREGS_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/util.h"
#include "bus.h"

#define PVREGS_MAX 8 /* 32-bit registers per device */

struct pvregs {
	uint32_t r[MAX_VCPUS][PVREGS_MAX];
};

/*
 * The register an access addresses, or NULL when it is not one aligned
 * 32-bit access inside the device (such accesses are ignored).
 */
static inline uint32_t *pvregs_at(struct pvregs *p, const struct io_req *req)
{
	if (req->len != 4 || (req->offset & 3) || req->offset / 4 >= PVREGS_MAX ||
	    req->cpu >= MAX_VCPUS)
		return NULL;
	return &p->r[req->cpu][req->offset / 4];
}

#endif
