// SPDX-License-Identifier: MIT
#include "platform.h"

#include <errno.h>
#include <string.h>

#include "../lib/kvm.h"
#include "../lib/util.h"

static const struct platform platforms[] = {
	{
		/*
		 * This host's KVM has no private memory, so cvmm enforces the
		 * split itself: private pages are closed in its host view.
		 */
		.name = "soft",
		.summary = "default VM type; guest_memfd shared in place, "
			   "private pages closed to the host by cvmm",
		.vm_type = KVM_X86_DEFAULT_VM,
		.gmem_flags = GUEST_MEMFD_FLAG_MMAP |
			      GUEST_MEMFD_FLAG_INIT_SHARED,
		.in_place = true,
		.attributes = false,
		.hypercalls = false,
		.initial_shared = false,
		.default_mode = MEM_CONTENT_ZERO,
	},
	{
		/*
		 * KVM's own private memory without encryption. In 6.18-7.3 a
		 * guest_memfd cannot hold shared pages of such a VM, so the
		 * shared side is a memfd and conversions free the side left.
		 */
		.name = "sw-protected",
		.summary = "KVM_X86_SW_PROTECTED_VM; private pages in "
			   "guest_memfd, shared pages in a memfd",
		.vm_type = KVM_X86_SW_PROTECTED_VM,
		.gmem_flags = 0,
		.in_place = false,
		.attributes = true,
		.hypercalls = true,
		.initial_shared = true,
		.default_mode = MEM_CONTENT_ZERO,
	},
};

const struct platform *platform_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(platforms); i++)
		if (strcmp(platforms[i].name, name) == 0)
			return &platforms[i];
	return NULL;
}

const char *platform_names(void)
{
	return "soft, sw-protected";
}

int platform_probe(const struct platform *p, int sys_fd, const char **missing)
{
	long types = kvm_cap(sys_fd, KVM_CAP_VM_TYPES);

	*missing = NULL;
	if (!kvm_cap(sys_fd, KVM_CAP_GUEST_MEMFD))
		*missing = "KVM_CAP_GUEST_MEMFD (guest_memfd)";
	else if (!kvm_cap(sys_fd, KVM_CAP_USER_MEMORY2))
		*missing = "KVM_CAP_USER_MEMORY2 (KVM_SET_USER_MEMORY_REGION2)";
	else if (p->vm_type && !(types & (1L << p->vm_type)))
		*missing = p->vm_type == KVM_X86_SW_PROTECTED_VM
				   ? "VM type KVM_X86_SW_PROTECTED_VM (KVM_CAP_VM_TYPES)"
				   : "its VM type (KVM_CAP_VM_TYPES)";
	else if (p->attributes &&
		 !(kvm_cap(sys_fd, KVM_CAP_MEMORY_ATTRIBUTES) &
		   KVM_MEMORY_ATTRIBUTE_PRIVATE))
		*missing = "KVM_CAP_MEMORY_ATTRIBUTES with PRIVATE";
	else if (p->hypercalls &&
		 !(kvm_cap(sys_fd, KVM_CAP_EXIT_HYPERCALL) &
		   (1L << KVM_HC_MAP_GPA_RANGE)))
		*missing = "KVM_CAP_EXIT_HYPERCALL with KVM_HC_MAP_GPA_RANGE";
	return *missing ? -ENOTSUP : 0;
}
