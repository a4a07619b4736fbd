/* SPDX-License-Identifier: MIT */
/* One named value of the KVM ABI; see kvm_abi_list.h. */
#ifndef CVMM_ABI_TABLE_H
#define CVMM_ABI_TABLE_H

#include <stddef.h>

struct abi_value {
	const char *name;
	unsigned long long value;
};

/* table.c built on lib/kvm_abi.h (the project's definitions) ... */
extern const struct abi_value abi_project[];
extern const size_t abi_project_count;
/* ... and on the newer kernel's uAPI headers alone. */
extern const struct abi_value abi_kernel[];
extern const size_t abi_kernel_count;

#endif
