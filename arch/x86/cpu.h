/* SPDX-License-Identifier: MIT */
/* x86 vCPU setup: CPUID and the register state of a PVH-style entry. */
#ifndef CVMM_X86_CPU_H
#define CVMM_X86_CPU_H

#include <stdbool.h>
#include <stdint.h>

struct kvm_cpuid2;

/* KVM_GET_SUPPORTED_CPUID into a malloc'd struct; NULL on failure. */
struct kvm_cpuid2 *kvm_supported_cpuid(int sys_fd);

/*
 * A copy of the host's supported CPUID adjusted for vCPU `index` of
 * `ncpus`: its APIC IDs, and the KVM paravirtual feature bit that tells the
 * guest whether KVM_HC_MAP_GPA_RANGE reaches the VMM. Caller frees.
 */
struct kvm_cpuid2 *x86_vcpu_cpuid(const struct kvm_cpuid2 *supported,
				  unsigned int index, unsigned int ncpus,
				  bool map_gpa_hypercall);

/*
 * Start the vCPU's XCR0 with every user state component its CPUID leaf 0xd
 * enumerates (see cpu.c for why); best effort, after KVM_SET_CPUID2.
 */
void x86_vcpu_init_xcr0(int vcpu_fd, const struct kvm_cpuid2 *cpuid);

/*
 * Put a vCPU in the PVH entry state: 32-bit protected mode, paging off,
 * flat 4 GiB code and data segments, EIP = entry, EBX = ebx.
 * Returns 0 or -errno.
 */
int x86_set_entry_regs(int vcpu_fd, uint32_t entry, uint32_t ebx)
	__attribute__((warn_unused_result));

/*
 * Put a vCPU in the 64-bit Linux boot protocol's entry state: long mode,
 * paging on with the page tables at cr3, the GDT at gdt (flat code 0x10,
 * data 0x18), interrupts off, RIP = entry, RSI = rsi. Returns 0 or -errno.
 */
int x86_set_long_entry_regs(int vcpu_fd, uint64_t entry, uint64_t rsi,
			    uint64_t cr3, uint64_t gdt)
	__attribute__((warn_unused_result));

#endif
