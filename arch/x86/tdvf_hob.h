/* SPDX-License-Identifier: MIT */
/*
 * The TD HOB: a UEFI PI hand-off block list the VMM writes into the
 * TDVF's TD_HOB section, whose address the vCPUs get in RCX/R8
 * (KVM_TDX_INIT_VCPU). It tells the firmware where RAM is: a PHIT header,
 * one resource descriptor per RAM range (system memory for pages the VMM
 * added with TDH.MEM.PAGE.ADD, unaccepted memory for the rest, which the
 * firmware must accept itself), and the end marker. The HOB is not
 * measured (TD_HOB sections have no MR.EXTEND); its pages' addresses are.
 */
#ifndef CVMM_X86_TDVF_HOB_H
#define CVMM_X86_TDVF_HOB_H

#include <stddef.h>
#include <stdint.h>

#include "tdvf.h"

#define TDVF_HOB_MAX 4096 /* cvmm's HOB: PHIT, at most 64 ranges, end */

struct tdvf_ram {
	uint64_t gpa, size;
};

/*
 * Build the HOB for sections t (placed at the TD_HOB section's address)
 * and nram RAM ranges (sorted, disjoint). Every added section must lie
 * wholly inside one RAM range or wholly outside RAM (the firmware's own
 * region at the top of 4 GiB). Returns the HOB's length, or -EINVAL
 * (no TD_HOB section, a section straddling RAM) or -E2BIG (too many
 * ranges, or larger than the section).
 */
long tdvf_hob_build(const struct tdvf *t, const struct tdvf_ram *ram,
		    unsigned int nram, uint8_t *buf, size_t cap);

#endif
