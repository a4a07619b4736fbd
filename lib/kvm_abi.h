/* SPDX-License-Identifier: MIT */
/*
 * KVM ABI values that Debian 12's linux-libc-dev (6.1) lacks.
 *
 * Written from ../shared/uapi.md (checked against the 7.3 uAPI headers).
 * uAPI numbers never change once assigned, so each definition is guarded
 * and the system header wins where it already has the name.
 */
#ifndef CVMM_KVM_ABI_H
#define CVMM_KVM_ABI_H

#include <linux/kvm.h>
#include <linux/kvm_para.h>
#include <stddef.h>
#include <stdint.h>

/* Capabilities. */
#ifndef KVM_CAP_USER_MEMORY2
#define KVM_CAP_USER_MEMORY2 231
#endif
#ifndef KVM_CAP_MEMORY_FAULT_INFO
#define KVM_CAP_MEMORY_FAULT_INFO 232
#endif
#ifndef KVM_CAP_MEMORY_ATTRIBUTES
#define KVM_CAP_MEMORY_ATTRIBUTES 233
#endif
#ifndef KVM_CAP_GUEST_MEMFD
#define KVM_CAP_GUEST_MEMFD 234
#endif
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235
#endif
#ifndef KVM_CAP_GUEST_MEMFD_FLAGS
#define KVM_CAP_GUEST_MEMFD_FLAGS 244
#endif

/* VM types (KVM_CREATE_VM argument). */
#ifndef KVM_X86_DEFAULT_VM
#define KVM_X86_DEFAULT_VM 0
#define KVM_X86_SW_PROTECTED_VM 1
#define KVM_X86_SEV_VM 2
#define KVM_X86_SEV_ES_VM 3
#define KVM_X86_SNP_VM 4
#define KVM_X86_TDX_VM 5
#endif
/* arm64: a pKVM protected VM (ORed with the IPA size bits; 0: 40 bits). */
#ifndef KVM_VM_TYPE_ARM_PROTECTED
#define KVM_VM_TYPE_ARM_PROTECTED (1UL << 31)
#endif

/* guest_memfd. */
#ifndef KVM_CREATE_GUEST_MEMFD
struct kvm_create_guest_memfd {
	__u64 size;
	__u64 flags;
	__u64 reserved[6];
};
#define KVM_CREATE_GUEST_MEMFD _IOWR(KVMIO, 0xd4, struct kvm_create_guest_memfd)
#endif
#ifndef GUEST_MEMFD_FLAG_MMAP
#define GUEST_MEMFD_FLAG_MMAP (1ULL << 0)
#endif
#ifndef GUEST_MEMFD_FLAG_INIT_SHARED
#define GUEST_MEMFD_FLAG_INIT_SHARED (1ULL << 1)
#endif

/* Memslots backed by guest_memfd. */
#ifndef KVM_SET_USER_MEMORY_REGION2
struct kvm_userspace_memory_region2 {
	__u32 slot;
	__u32 flags;
	__u64 guest_phys_addr;
	__u64 memory_size;
	__u64 userspace_addr;
	__u64 guest_memfd_offset;
	__u32 guest_memfd;
	__u32 pad1;
	__u64 pad2[14];
};
#define KVM_SET_USER_MEMORY_REGION2 \
	_IOW(KVMIO, 0x49, struct kvm_userspace_memory_region2)
#endif
#ifndef KVM_MEM_GUEST_MEMFD
#define KVM_MEM_GUEST_MEMFD (1U << 2)
#endif

/* Memory attributes (VM-wide, per gfn). */
#ifndef KVM_SET_MEMORY_ATTRIBUTES
struct kvm_memory_attributes {
	__u64 address;
	__u64 size;
	__u64 attributes;
	__u64 flags;
};
#define KVM_SET_MEMORY_ATTRIBUTES \
	_IOW(KVMIO, 0xd2, struct kvm_memory_attributes)
#endif
#ifndef KVM_MEMORY_ATTRIBUTE_PRIVATE
#define KVM_MEMORY_ATTRIBUTE_PRIVATE (1ULL << 3)
#endif

/* Exits the 6.1 header does not name. */
#ifndef KVM_EXIT_MEMORY_FAULT
#define KVM_EXIT_MEMORY_FAULT 39
#endif
#ifndef KVM_MEMORY_EXIT_FLAG_PRIVATE
#define KVM_MEMORY_EXIT_FLAG_PRIVATE (1ULL << 3)
#endif
#ifndef KVM_EXIT_HYPERCALL_LONG_MODE
#define KVM_EXIT_HYPERCALL_LONG_MODE (1ULL << 0)
#endif

/* KVM_HC_MAP_GPA_RANGE attributes (asm/kvm_para.h, may be absent). */
#ifndef KVM_MAP_GPA_RANGE_ENCRYPTED
#define KVM_MAP_GPA_RANGE_PAGE_SZ_4K 0
#define KVM_MAP_GPA_RANGE_PAGE_SZ_2M 1
#define KVM_MAP_GPA_RANGE_PAGE_SZ_1G 2
#define KVM_MAP_GPA_RANGE_ENCRYPTED (1 << 4)
#define KVM_MAP_GPA_RANGE_DECRYPTED (0 << 4)
#endif
#ifndef KVM_FEATURE_HC_MAP_GPA_RANGE
#define KVM_FEATURE_HC_MAP_GPA_RANGE 16
#endif

/*
 * kvm_run.memory_fault sits at the start of the exit union (offset 32),
 * where the 6.1 header only knows other members. Read it through this view.
 */
struct kvm_memory_fault_exit {
	__u64 flags;
	__u64 gpa;
	__u64 size;
};

#define KVM_RUN_UNION_OFFSET 32
_Static_assert(offsetof(struct kvm_run, hypercall) == KVM_RUN_UNION_OFFSET,
	       "kvm_run exit union moved");

static inline struct kvm_memory_fault_exit *
kvm_run_memory_fault(struct kvm_run *run)
{
	/* The union starts 8-aligned (asserted above): void * keeps clang quiet. */
	return (struct kvm_memory_fault_exit *)(void *)((char *)run +
							KVM_RUN_UNION_OFFSET);
}

/*
 * kvm_run.hypercall.flags overlays the 6.1 header's `longmode` + `pad`.
 */
static inline __u64 kvm_run_hypercall_flags(const struct kvm_run *run)
{
	__u64 v = run->hypercall.longmode;

	v |= (__u64)run->hypercall.pad << 32;
	return v;
}

/*
 * Confidential x86 VMs: KVM_MEMORY_ENCRYPT_OP commands and the values
 * around them (Linux 7.3 arch/x86/include/uapi/asm/kvm.h).
 */
#ifndef KVM_CAP_EXIT_HYPERCALL
#define KVM_CAP_EXIT_HYPERCALL 201
#endif

/* SEV-SNP (platform/sev_snp.c). struct kvm_sev_cmd is in 6.1 already;
 * Linux 7.3 has all of these in x86's asm/kvm.h only. */
#if defined(__x86_64__)
#ifndef KVM_SEV_SNP_PAGE_TYPE_NORMAL
#define KVM_SEV_INIT2 22
#define KVM_SEV_SNP_LAUNCH_START 100
#define KVM_SEV_SNP_LAUNCH_UPDATE 101
#define KVM_SEV_SNP_LAUNCH_FINISH 102
#define KVM_SEV_SNP_PAGE_TYPE_NORMAL 0x1
#define KVM_SEV_SNP_PAGE_TYPE_ZERO 0x3
#define KVM_SEV_SNP_PAGE_TYPE_UNMEASURED 0x4
#define KVM_SEV_SNP_PAGE_TYPE_SECRETS 0x5
#define KVM_SEV_SNP_PAGE_TYPE_CPUID 0x6
#define KVM_X86_GRP_SEV 1
#define KVM_X86_SEV_VMSA_FEATURES 0
#define KVM_X86_SNP_POLICY_BITS 1

struct kvm_sev_init {
	__u64 vmsa_features;
	__u32 flags;
	__u16 ghcb_version;
	__u16 pad1;
	__u32 pad2[8];
};

struct kvm_sev_snp_launch_start {
	__u64 policy;
	__u8 gosvw[16];
	__u16 flags;
	__u8 pad0[6];
	__u64 pad1[4];
};

struct kvm_sev_snp_launch_update {
	__u64 gfn_start;
	__u64 uaddr;
	__u64 len;
	__u8 type;
	__u8 pad0;
	__u16 flags;
	__u32 pad1;
	__u64 pad2[4];
};

struct kvm_sev_snp_launch_finish {
	__u64 id_block_uaddr;
	__u64 id_auth_uaddr;
	__u8 id_block_en;
	__u8 auth_key_en;
	__u8 vcek_disabled;
	__u8 host_data[32];
	__u8 pad0[3];
	__u16 flags;
	__u64 pad1[4];
};
#endif
_Static_assert(sizeof(struct kvm_sev_cmd) == 24, "kvm_sev_cmd");
_Static_assert(sizeof(struct kvm_sev_init) == 48, "kvm_sev_init");
_Static_assert(sizeof(struct kvm_sev_snp_launch_start) == 64, "launch_start");
_Static_assert(sizeof(struct kvm_sev_snp_launch_update) == 64, "launch_update");
_Static_assert(sizeof(struct kvm_sev_snp_launch_finish) == 88, "launch_finish");
#endif

/* TDX (platform/tdx.c). Linux 7.3 has these in x86's asm/kvm.h only. */
#if defined(__x86_64__)
#ifndef KVM_TDX_MEASURE_MEMORY_REGION
#define KVM_TDX_CAPABILITIES 0
#define KVM_TDX_INIT_VM 1
#define KVM_TDX_INIT_VCPU 2
#define KVM_TDX_INIT_MEM_REGION 3
#define KVM_TDX_FINALIZE_VM 4
#define KVM_TDX_GET_CPUID 5
#define KVM_TDX_MEASURE_MEMORY_REGION (1ULL << 0)

struct kvm_tdx_cmd {
	__u32 id;
	__u32 flags;
	__u64 data;
	__u64 hw_error;
};

struct kvm_tdx_capabilities {
	__u64 supported_attrs;
	__u64 supported_xfam;
	__u64 kernel_tdvmcallinfo_1_r11;
	__u64 user_tdvmcallinfo_1_r11;
	__u64 kernel_tdvmcallinfo_1_r12;
	__u64 user_tdvmcallinfo_1_r12;
	__u64 reserved[250];
	struct kvm_cpuid2 cpuid;
};

struct kvm_tdx_init_vm {
	__u64 attributes;
	__u64 xfam;
	__u64 mrconfigid[6];
	__u64 mrowner[6];
	__u64 mrownerconfig[6];
	__u64 reserved[12];
	struct kvm_cpuid2 cpuid;
};

struct kvm_tdx_init_mem_region {
	__u64 source_addr;
	__u64 gpa;
	__u64 nr_pages;
};
#endif
_Static_assert(sizeof(struct kvm_tdx_cmd) == 24, "kvm_tdx_cmd");
_Static_assert(sizeof(struct kvm_tdx_capabilities) == 2056, "tdx caps");
_Static_assert(sizeof(struct kvm_tdx_init_vm) == 264, "kvm_tdx_init_vm");
_Static_assert(sizeof(struct kvm_tdx_init_mem_region) == 24, "mem_region");
#endif

#ifndef KVM_EXIT_TDX
#define KVM_EXIT_TDX 40
#endif
#ifndef KVM_SYSTEM_EVENT_TDX_FATAL
#define KVM_SYSTEM_EVENT_TDX_FATAL 7
#endif

/*
 * kvm_run.tdx (KVM_EXIT_TDX) at the exit union: the TDVMCALL leaf (the
 * guest's R11) and the answer KVM has already filled in, which every
 * leaf's member of the kernel's union keeps first.
 */
struct kvm_tdx_exit {
	__u64 flags;
	__u64 nr;
	__u64 ret;
	__u64 data[5];
};

static inline struct kvm_tdx_exit *kvm_run_tdx(struct kvm_run *run)
{
	return (struct kvm_tdx_exit *)(void *)((char *)run +
					      KVM_RUN_UNION_OFFSET);
}

#endif
