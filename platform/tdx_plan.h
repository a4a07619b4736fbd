/* SPDX-License-Identifier: MIT */
/*
 * The TDX launch plan: the TDVF sections KVM_TDX_INIT_MEM_REGION will add
 * to a TD, in metadata order, with whether each is measured, built by
 * pure code from the firmware image before KVM is touched. The image is
 * one launch-list item at the top of 4 GiB; the plan adds an item for
 * every section outside it (TempMem and the TD HOB: zeros until launch;
 * data copied out of the image). MRTD is computed from the launch list,
 * the bytes a run puts into guest memory. x86 only.
 */
#ifndef CVMM_TDX_PLAN_H
#define CVMM_TDX_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../arch/arch.h"
#include "../mem/launch.h"
#include "platform.h"
#include "tdx_mrtd.h"

#if defined(__x86_64__)

/* One section the TD gets before it runs (PAGE.AUG sections are left out). */
struct tdx_region {
	uint64_t gpa, size;   /* 4 KiB aligned */
	bool measure;	      /* MR.EXTEND: contents go into MRTD */
	enum tdvf_type type;
};

struct tdx_plan {
	struct tdvf meta;
	uint64_t fw_gpa, fw_size; /* the image's window below 4 GiB */
	unsigned int n;
	struct tdx_region r[TDVF_MAX_SECTIONS];
	uint64_t hob_gpa, hob_size; /* given to every vCPU (INIT_VCPU) */
};

/*
 * Plan the launch of a len-byte TDVF image loaded at [4 GiB - len, 4 GiB).
 * A section inside that window must be the image's own bytes there (the
 * image is loaded whole); one outside it must not overlap it. Returns 0
 * or -EINVAL with err (one line).
 */
int tdx_plan_build(struct tdx_plan *p, const uint8_t *img, size_t len,
		   char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Append the items the sections outside the image need (after the image's
 * own item): data copied from img, or zero pages. Returns 0 or -errno.
 */
int tdx_plan_items(const struct tdx_plan *p, const uint8_t *img,
		   struct launch_list *l) __attribute__((warn_unused_result));

/*
 * The MRTD of the plan's pages holding what launch list l writes there
 * (zeros elsewhere). Returns 0 or -errno.
 */
int tdx_plan_mrtd(const struct tdx_plan *p, const struct launch_list *l,
		  uint8_t out[TDX_MRTD_SIZE]) __attribute__((warn_unused_result));

/*
 * One line for `cvmm measure` and --dry-run: what MRTD covers, the
 * sections in the order they are added, and what it does not cover.
 */
void tdx_plan_note(const struct tdx_plan *p, char *buf, size_t len);

/*
 * The TD HOB for RAM made of nram ranges (the firmware's window is not
 * RAM). Returns its length or -errno (see tdvf_hob_build()).
 */
long tdx_plan_hob(const struct tdx_plan *p, const struct tdvf_ram *ram,
		  unsigned int nram, uint8_t *buf, size_t cap);

/* The platform's resolve-time hooks (struct platform): the launch items
 * of the sections outside the image, and MRTD of a launch list. */
int tdx_plan_firmware(const struct arch_firmware *fw, struct launch_list *l,
		      char *err, size_t errlen);
int tdx_measure(const struct launch_list *l, unsigned int ncpus,
		uint64_t policy, struct plat_measure *out, char *err,
		size_t errlen);

#endif
#endif
