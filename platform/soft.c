// SPDX-License-Identifier: MIT
/*
 * soft: the default VM type, on any KVM with guest_memfd. The kernel keeps
 * no private memory for it, so cvmm enforces the split itself: every page
 * lives in one guest_memfd (shared in place, contents may survive a
 * conversion) and private pages are closed in cvmm's host view. The
 * launch is a plain copy and nothing is sealed: every hook is absent.
 */
#include "platform.h"

#include "../lib/kvm_abi.h"


const struct platform platform_soft = {
	.name = "soft",
	.summary = "default VM type; guest_memfd shared in place, "
		   "private pages closed to the host by cvmm",
	.vm_type = 0, /* the default VM type on every architecture */
	.gmem_flags = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED,
	.backing = RAM_GMEM_IN_PLACE,
	.attributes = false,
	.hypercalls = false,
	.initial_shared = false,
	.default_mode = MEM_CONTENT_ZERO,
	.irqchip = ARCH_IRQCHIP_KERNEL,
	.regs = REGS_ANY_TIME,
	.busy = BUSY_ANSWER_RETRY,
};
