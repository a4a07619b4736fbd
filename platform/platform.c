// SPDX-License-Identifier: MIT
/*
 * The table of platforms (one line each) and what every platform shares:
 * lookup and the host checks any confidential VM needs.
 */
#include "platform.h"

#include <errno.h>
#include <string.h>

#include "../lib/kvm.h"
#include "../lib/util.h"

static const struct platform *const platforms[] = {
	&platform_soft,
#if defined(__x86_64__)
	&platform_sw_protected,
	&platform_sev_snp,
	&platform_tdx,
#endif
#if defined(__aarch64__)
	&platform_pkvm,
#endif
};

const struct platform *platform_at(unsigned int i)
{
	return i < ARRAY_SIZE(platforms) ? platforms[i] : NULL;
}

const struct platform *platform_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(platforms); i++)
		if (strcmp(platforms[i]->name, name) == 0)
			return platforms[i];
	return NULL;
}

const char *platform_names(void)
{
	static char names[128];

	if (!names[0]) {
		size_t used = 0;

		for (size_t i = 0; i < ARRAY_SIZE(platforms) &&
				   used < sizeof(names); i++)
			used += (size_t)snprintf(names + used, sizeof(names) - used,
						 "%s%s", i ? ", " : "",
						 platforms[i]->name);
	}
	return names;
}

/* What every platform needs: guest_memfd, memslot v2, its VM type. */
static const char *generic_missing(const struct platform *p, int sys_fd)
{
	long types = kvm_cap(sys_fd, KVM_CAP_VM_TYPES);

	if (p->backing != RAM_MEMFD_ONLY && !kvm_cap(sys_fd, KVM_CAP_GUEST_MEMFD))
		return "KVM_CAP_GUEST_MEMFD (guest_memfd)";
	if (!kvm_cap(sys_fd, KVM_CAP_USER_MEMORY2))
		return "KVM_CAP_USER_MEMORY2 (KVM_SET_USER_MEMORY_REGION2)";
	/* KVM_CAP_VM_TYPES is a bitmap of small types (x86); a platform
	 * with another kind of type checks it in its own probe. */
	if (p->vm_type && p->vm_type < 64 && !(types & (1UL << p->vm_type)))
		return "its VM type (KVM_CAP_VM_TYPES)";
	if (p->attributes && !(kvm_cap(sys_fd, KVM_CAP_MEMORY_ATTRIBUTES) &
			       KVM_MEMORY_ATTRIBUTE_PRIVATE))
		return "KVM_CAP_MEMORY_ATTRIBUTES with PRIVATE";
	if (p->hypercalls && !(kvm_cap(sys_fd, KVM_CAP_EXIT_HYPERCALL) &
			       (1L << KVM_HC_MAP_GPA_RANGE)))
		return "KVM_CAP_EXIT_HYPERCALL with KVM_HC_MAP_GPA_RANGE";
	return NULL;
}

int platform_probe(const struct platform *p, int sys_fd, const char **missing)
{
	*missing = generic_missing(p, sys_fd);
	if (*missing)
		return -ENOTSUP;
	return p->probe ? p->probe(sys_fd, missing) : 0;
}
