/* SPDX-License-Identifier: MIT */
/*
 * The paravirtual conversion device (ports in pv_abi.h): the guest's way
 * to request private<->shared conversions where the host cannot deliver
 * KVM_HC_MAP_GPA_RANGE exits. Requests go to the same mem_convert() as
 * the hypercall and memory-fault exits; results use the hypercall's codes.
 */
#ifndef CVMM_CONVERT_DEV_H
#define CVMM_CONVERT_DEV_H

#include "../mem/guest_mem.h"
#include "bus.h"
#include "pvregs.h"

struct convert_dev {
	struct guest_mem *mem;
	struct pvregs regs;
};

extern const struct dev_ops convert_dev_ops;

/* Result code (PV_OK, PV_EINVAL, ...) of one request; exposed for tests. */
uint32_t convert_dev_request(struct guest_mem *m, uint64_t addr,
			     uint32_t npages, uint32_t attrs);

#endif
