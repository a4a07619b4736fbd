/* SPDX-License-Identifier: MIT */
/*
 * The SEV-SNP launch as data: the launch list turned into runs of whole
 * pages, each with its LAUNCH_UPDATE page type, in launch-list order (the
 * launch digest depends on that order). Pure code: the launch
 * (platform/sev_snp.c) executes the plan, the measurement
 * (platform/snp_measure.c) hashes it, so both see the same pages.
 */
#ifndef CVMM_SNP_PLAN_H
#define CVMM_SNP_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "../mem/launch.h"

#define SNP_PLAN_MAX 256
#define SNP_PAGE 4096ULL

struct snp_run {
	uint64_t gpa, npages;
	uint8_t type; /* KVM_SEV_SNP_PAGE_TYPE_* */
};

struct snp_plan {
	unsigned int n;
	struct snp_run run[SNP_PLAN_MAX];
};

/* The page type an item of kind k is launched as. */
uint8_t snp_page_type(enum launch_kind k);
const char *snp_page_type_name(uint8_t type);

/*
 * Plan l: every page an item touches, once (a page two items share goes
 * with the first), consecutive pages of one type merged. Returns 0, or
 * -EINVAL with err (a page two items want as different types) or
 * -ENOSPC (too many runs).
 */
int snp_plan_build(const struct launch_list *l, struct snp_plan *p,
		   char *err, size_t errlen) __attribute__((warn_unused_result));

/* The bytes of the page at gpa as the launch list fills it (zeros else). */
void snp_page_bytes(const struct launch_list *l, uint64_t gpa,
		    uint8_t page[SNP_PAGE]);

#endif
