/* SPDX-License-Identifier: MIT */
/*
 * SEV-SNP's CPUID page: the CPUID values the guest will trust, which the
 * SEV firmware checks against the hardware at LAUNCH_UPDATE. Built from
 * vCPU 0's KVM_GET_CPUID2 as QEMU does (Linux 7.3 asm/sev.h layout: a
 * count, then at most 64 entries of 48 bytes).
 */
#ifndef CVMM_SNP_CPUID_H
#define CVMM_SNP_CPUID_H

#include <stdint.h>

#include "../lib/kvm.h"

#define SNP_CPUID_MAX 64

struct snp_cpuid_entry {
	uint32_t eax_in, ecx_in;
	uint64_t xcr0_in, xss_in;
	uint32_t eax, ebx, ecx, edx;
	uint64_t reserved;
};

struct snp_cpuid_page {
	uint32_t count, reserved1;
	uint64_t reserved2;
	struct snp_cpuid_entry e[SNP_CPUID_MAX];
};
_Static_assert(sizeof(struct snp_cpuid_entry) == 48, "SNP CPUID entry");
_Static_assert(sizeof(struct snp_cpuid_page) <= 4096, "SNP CPUID page");

/*
 * Fill page (4 KiB, zeroed here) from KVM's CPUID entries, with the bits
 * the firmware refuses cleared. Returns 0, or -E2BIG for more than 64.
 */
int snp_cpuid_page(const struct kvm_cpuid2 *c, struct snp_cpuid_page *page);

/* How many entries differ between two pages (after a correction). */
unsigned int snp_cpuid_diff(const struct snp_cpuid_page *a,
			    const struct snp_cpuid_page *b);

#endif
