// SPDX-License-Identifier: MIT
/*
 * The values kvm_abi_list.h names, built one of two ways:
 *
 * ABI_SIDE_PROJECT: on the system's (6.1) headers with lib/kvm_abi.h. The
 *   listed macros the system already has are undefined first (undef.h,
 *   generated from the list), so every value comes from lib/kvm_abi.h's
 *   own #ifndef blocks, even those the system header makes dead code.
 * ABI_SIDE_KERNEL: on the Linux 7.3 uAPI headers (make headers) alone.
 */
#include <stddef.h>

#include <linux/kvm.h>
#include <linux/kvm_para.h>

#include "abi_table.h"

#if defined(ABI_SIDE_PROJECT)
/*
 * lib/kvm_abi.h's structs are guarded by their ioctl's name; a system
 * header that has the ioctl has the struct too, and the project's copy
 * could not be compiled next to it.
 */
#if defined(KVM_CREATE_GUEST_MEMFD) || defined(KVM_SET_USER_MEMORY_REGION2) || \
	defined(KVM_SET_MEMORY_ATTRIBUTES)
#error "system <linux/kvm.h> has lib/kvm_abi.h's structs: need 6.1 headers"
#endif
#include "undef.h"
#include "../../lib/kvm_abi.h"
#define ABI_TABLE abi_project
#define ABI_COUNT abi_project_count
#define ABI_VIEW(label, project, kernel) { label, (project) },
#elif defined(ABI_SIDE_KERNEL)
#define ABI_TABLE abi_kernel
#define ABI_COUNT abi_kernel_count
#define ABI_VIEW(label, project, kernel) { label, (kernel) },
#else
#error "define ABI_SIDE_PROJECT or ABI_SIDE_KERNEL"
#endif

#define ABI_MACRO(name) { #name, (unsigned long long)(name) },
#define ABI_STRUCT(tag) { "sizeof(struct " #tag ")", sizeof(struct tag) },
#define ABI_FIELD(tag, field)                                           \
	{ "offsetof(struct " #tag ", " #field ")",                      \
	  offsetof(struct tag, field) },                                \
	{ "sizeof(struct " #tag "." #field ")",                         \
	  sizeof(((struct tag *)0)->field) },

const struct abi_value ABI_TABLE[] = {
#include "kvm_abi_list.h"
};
const size_t ABI_COUNT = sizeof(ABI_TABLE) / sizeof(ABI_TABLE[0]);
