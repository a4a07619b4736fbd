// SPDX-License-Identifier: MIT
#include "cpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/kvm.h"
#include "../../lib/log.h"


struct kvm_cpuid2 *x86_vcpu_cpuid(const struct kvm_cpuid2 *supported,
				  unsigned int index, unsigned int ncpus,
				  bool map_gpa_hypercall)
{
	size_t size = sizeof(*supported) +
		      supported->nent * sizeof(supported->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);

	if (!c)
		return NULL;
	memcpy(c, supported, size);
	for (unsigned int i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		switch (e->function) {
		case 1:
			/* Initial APIC ID and logical processor count. */
			e->ebx = (e->ebx & 0x0000ffffu) | (index << 24) |
				 ((ncpus & 0xff) << 16);
			if (ncpus > 1)
				e->edx |= 1u << 28; /* HTT: count is valid */
			break;
		case 0xb:
		case 0x1f:
			e->edx = index; /* x2APIC ID */
			break;
		case KVM_CPUID_FEATURES:
			if (map_gpa_hypercall)
				e->eax |= 1u << KVM_FEATURE_HC_MAP_GPA_RANGE;
			else
				e->eax &= ~(1u << KVM_FEATURE_HC_MAP_GPA_RANGE);
			break;
		}
	}
	return c;
}

/*
 * XCR0 starts as every user state component the vCPU's CPUID enumerates
 * (leaf 0xd, sub-leaf 0), not KVM's reset value 1 (x87 only). On hardware
 * the guest's XSETBV exits to KVM, which takes the guest's value. Under a
 * nested hypervisor that does not intercept XSETBV (the rig: KVM inside
 * QEMU TCG), KVM never sees the guest's XCR0: it keeps answering CPUID
 * 0xd.0 EBX (the XSAVE area size) for its own value and loads that value
 * again on entry. With 1 there, Linux finds the size (576) smaller than its
 * features need and disables XSAVE, and the 7.3 kernel's fallback then
 * resets the idle task's FPU state at the end of init_task, i.e. over
 * init_cred (the guest's NULL refcount_inc in prepare_creds before init).
 * Best effort: an error (a vCPU whose state KVM keeps) is ignored.
 */
void x86_vcpu_init_xcr0(int vcpu_fd, const struct kvm_cpuid2 *cpuid)
{
	struct kvm_xcrs xcrs;

	for (unsigned int i = 0; i < cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != 0xd || e->index != 0)
			continue;
		memset(&xcrs, 0, sizeof(xcrs));
		xcrs.nr_xcrs = 1;
		xcrs.xcrs[0].xcr = 0;
		xcrs.xcrs[0].value = (e->eax | (uint64_t)e->edx << 32) | 1;
		if (xcrs.xcrs[0].value == 1)
			return;
		(void)kvm_ioctl_raw(vcpu_fd, KVM_SET_XCRS, (unsigned long)&xcrs);
		return;
	}
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
	*s = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = 0,
		.db = 1,
		.s = 1,
		.l = 0,
		.g = 1,
	};
}

/* Load sregs, then general registers all zero but rip, rbx, rsi (and
 * the reserved flags bit): the last step of either boot entry. */
static int set_entry(int vcpu_fd, const struct kvm_sregs *sregs,
		     uint64_t rip, uint64_t rbx, uint64_t rsi)
{
	struct kvm_regs regs = { .rip = rip, .rbx = rbx, .rsi = rsi,
				 .rflags = 0x2 };
	int ret = kvm_ioctl_ptr(vcpu_fd, KVM_SET_SREGS, sregs);

	return ret ? ret : kvm_ioctl_ptr(vcpu_fd, KVM_SET_REGS, &regs);
}

int x86_set_entry_regs(int vcpu_fd, uint32_t entry, uint32_t ebx)
{
	struct kvm_sregs sregs;
	int ret;

	ret = kvm_ioctl_ptr(vcpu_fd, KVM_GET_SREGS, &sregs);
	if (ret)
		return ret;
	flat_segment(&sregs.cs, 0x8, 0xb);  /* execute/read, accessed */
	flat_segment(&sregs.ds, 0x10, 0x3); /* read/write, accessed */
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.tr = (struct kvm_segment){ .limit = 0x67, .selector = 0x18,
					 .type = 0xb, .present = 1 };
	sregs.ldt = (struct kvm_segment){ .selector = 0, .type = 0x2,
					  .present = 1, .unusable = 1 };
	sregs.cr0 = 0x1; /* PE only, as the PVH ABI says */
	sregs.cr3 = 0;
	sregs.cr4 = 0;
	sregs.efer = 0;
	return set_entry(vcpu_fd, &sregs, entry, ebx, 0);
}

int x86_set_long_entry_regs(int vcpu_fd, uint64_t entry, uint64_t rsi,
			    uint64_t cr3, uint64_t gdt)
{
	struct kvm_sregs sregs;
	int ret;

	ret = kvm_ioctl_ptr(vcpu_fd, KVM_GET_SREGS, &sregs);
	if (ret)
		return ret;
	flat_segment(&sregs.cs, 0x10, 0xb); /* __BOOT_CS: execute/read */
	sregs.cs.db = 0;
	sregs.cs.l = 1;
	flat_segment(&sregs.ds, 0x18, 0x3); /* __BOOT_DS: read/write */
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.tr = (struct kvm_segment){ .limit = 0x67, .selector = 0x20,
					 .type = 0xb, .present = 1 };
	sregs.ldt = (struct kvm_segment){ .selector = 0, .type = 0x2,
					  .present = 1, .unusable = 1 };
	sregs.gdt = (struct kvm_dtable){ .base = gdt, .limit = 0x2f };
	sregs.cr0 = 0x80000011; /* PG, ET, PE */
	sregs.cr3 = cr3;
	sregs.cr4 = 0x20;	/* PAE */
	sregs.efer = 0x500;	/* LME, LMA */
	return set_entry(vcpu_fd, &sregs, entry, 0, rsi);
}

struct kvm_cpuid2 *kvm_supported_cpuid(int sys_fd)
{
	/* Grow until KVM stops answering E2BIG. */
	for (unsigned int n = 64; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c =
			calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		int ret;

		if (!c)
			return NULL;
		c->nent = n;
		ret = kvm_ioctl_raw(sys_fd, KVM_GET_SUPPORTED_CPUID,
				    (unsigned long)c);
		if (ret == 0)
			return c;
		free(c);
		if (ret != -E2BIG) {
			errno = -ret;
			log_err_errno("KVM_GET_SUPPORTED_CPUID");
			return NULL;
		}
	}
	return NULL;
}
