/* SPDX-License-Identifier: MIT */
/*
 * The CPUID a TD is created with (KVM_TDX_INIT_VM): only leaves the TDX
 * module lets the VMM configure (the capabilities' CPUID list, whose
 * registers are masks of configurable bits), each the host's supported
 * value ANDed with that mask, and the guest-physical address width in
 * 0x80000008 EAX[23:16], which KVM reads as the TD's GPAW (48 or 52).
 */
#ifndef CVMM_X86_TDX_CPUID_H
#define CVMM_X86_TDX_CPUID_H

#include <stddef.h>

struct kvm_cpuid2;

#define X86_TDX_GPAW 48 /* 4-level EPT: every TDX host has it */

/*
 * The INIT_VM CPUID for this host (KVM_GET_SUPPORTED_CPUID on sys_fd) and
 * these capabilities, malloc'd with room for nothing more. Returns NULL
 * with err naming why (the capabilities lack 0x80000008, no memory).
 */
struct kvm_cpuid2 *x86_tdx_init_cpuid(int sys_fd,
				      const struct kvm_cpuid2 *caps,
				      char *err, size_t errlen);

#endif
