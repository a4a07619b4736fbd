/* SPDX-License-Identifier: MIT */
/*
 * The TDX launch plan: what KVM_TDX_INIT_MEM_REGION will add to a TD, in
 * order, built by pure code from the firmware's TDVF metadata and the RAM
 * layout, before KVM is touched. The platform executes it; --dry-run and
 * `cvmm measure` print it with the MRTD it yields. x86 only.
 */
#ifndef CVMM_TDX_PLAN_H
#define CVMM_TDX_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../arch/arch.h"
#include "tdx_mrtd.h"

#if defined(__x86_64__)

/* One section the TD gets before it runs (PAGE.AUG sections are left out). */
struct tdx_region {
	uint64_t gpa, size;   /* 4 KiB aligned */
	const uint8_t *data;  /* its first data_len bytes; zeros after */
	uint64_t data_len;
	bool measure;	      /* MR.EXTEND: contents go into MRTD */
	enum tdvf_type type;
};

struct tdx_plan {
	struct tdvf meta;
	unsigned int n;
	struct tdx_region r[TDVF_MAX_SECTIONS];
	uint64_t hob_gpa;     /* given to every vCPU (KVM_TDX_INIT_VCPU) */
	uint8_t hob[TDVF_HOB_MAX];
	size_t hob_len;
};

/*
 * Plan the launch of a len-byte TDVF image whose copy sits at the top of
 * 4 GiB, in a guest with nram RAM ranges. Each added section must lie in
 * RAM or in the firmware's window. img must outlive the plan. Returns 0 or
 * -EINVAL with err (one line).
 */
int tdx_plan_build(struct tdx_plan *p, const uint8_t *img, size_t len,
		   const struct tdvf_ram *ram, unsigned int nram, char *err,
		   size_t errlen) __attribute__((warn_unused_result));

/* The MRTD the plan yields (SHA-384, libcrypto). Returns 0 or -errno. */
int tdx_plan_mrtd(const struct tdx_plan *p, uint8_t out[TDX_MRTD_SIZE])
	__attribute__((warn_unused_result));

/* "vm: tdx section ..." lines and "vm: tdx MRTD <hex>". */
void tdx_plan_describe(FILE *f, const struct tdx_plan *p);

#endif
#endif
