// SPDX-License-Identifier: MIT
/*
 * sw-protected: KVM_X86_SW_PROTECTED_VM, KVM's own private memory without
 * encryption. In Linux 6.18-7.3 a guest_memfd of such a VM cannot hold
 * shared pages, so shared pages live in a memfd beside it and a
 * conversion frees the side left. KVM tracks the state (memory
 * attributes) and passes the guest's MAP_GPA_RANGE hypercalls to cvmm.
 * The host cannot write private pages (no launch update for this VM type),
 * so RAM starts shared and the launch is a plain copy into the memfd.
 */
#include "platform.h"

#include "../lib/kvm.h"

/* Conversions requested by hypercall come to cvmm as exits. */
static int sw_vm_init(struct plat_vm *vm)
{
	struct kvm_enable_cap cap = {
		.cap = KVM_CAP_EXIT_HYPERCALL,
		.args[0] = 1ULL << KVM_HC_MAP_GPA_RANGE,
	};

	return kvm_ioctl_ptr(vm->vm_fd, KVM_ENABLE_CAP, &cap);
}

const struct platform platform_sw_protected = {
	.name = "sw-protected",
	.summary = "KVM_X86_SW_PROTECTED_VM; private pages in guest_memfd, "
		   "shared pages in a memfd",
	.vm_type = KVM_X86_SW_PROTECTED_VM,
	.gmem_flags = 0,
	.backing = RAM_GMEM_AND_MEMFD,
	.attributes = true,
	.hypercalls = true,
	.initial_shared = true,
	.default_mode = MEM_CONTENT_ZERO,
	.irqchip = ARCH_IRQCHIP_KERNEL,
	.regs = REGS_ANY_TIME,
	.busy = BUSY_ANSWER_RETRY,
	.vm_init = sw_vm_init,
};
