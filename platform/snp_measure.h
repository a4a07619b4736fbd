/* SPDX-License-Identifier: MIT */
/*
 * The SEV-SNP launch digest of the pages (what LAUNCH_UPDATE measures),
 * computed from the launch plan without KVM. Each 4 KiB page, in launch
 * order, replaces the digest with SHA-384 of a 112-byte PAGE_INFO: the
 * previous digest, the page's contents digest (SHA-384 of the page for
 * NORMAL pages, zeros for ZERO, UNMEASURED, SECRETS and CPUID), the
 * length 0x70, the page type, zeros, and the page's GPA (SEV-SNP firmware
 * ABI, PAGE_INFO; ../shared/SNP-TDX.md (d) 3). The launch digest goes on
 * with one VMSA page per vCPU at LAUNCH_FINISH; those bytes are KVM's,
 * derived from the registers, and are not computed here.
 */
#ifndef CVMM_SNP_MEASURE_H
#define CVMM_SNP_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#include "platform.h"
#include "snp_plan.h"

/* The page digest of plan p over l's bytes. Returns 0 or -ENOMEM. */
int snp_page_digest(const struct launch_list *l, const struct snp_plan *p,
		    uint8_t digest[48]) __attribute__((warn_unused_result));

/* struct platform's measure hook for sev-snp. */
int snp_measure(const struct launch_list *l, unsigned int ncpus,
		uint64_t policy, struct plat_measure *out, char *err,
		size_t errlen);

#endif
