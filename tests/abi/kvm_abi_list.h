/* SPDX-License-Identifier: MIT */
/*
 * Everything lib/kvm_abi.h defines, for the ABI check (make abi-check):
 * table.c turns each line into named values twice, once from
 * lib/kvm_abi.h on the system's 6.1 headers and once from the Linux 7.3
 * uAPI headers alone, and main.c compares the two tables.
 *
 *   ABI_MACRO(name)          a macro's value
 *   ABI_STRUCT(tag)          sizeof(struct tag)
 *   ABI_FIELD(tag, field)    offset and size of a member
 *   ABI_VIEW(label, project, kernel)
 *                            a view of cvmm's own (no such name in the
 *                            kernel) against the kernel's expression
 *
 * tests/abi/coverage.sh fails when lib/kvm_abi.h defines a macro, a
 * struct or a struct member that no line here names.
 */

/* Capabilities. */
ABI_MACRO(KVM_CAP_USER_MEMORY2)
ABI_MACRO(KVM_CAP_MEMORY_FAULT_INFO)
ABI_MACRO(KVM_CAP_MEMORY_ATTRIBUTES)
ABI_MACRO(KVM_CAP_GUEST_MEMFD)
ABI_MACRO(KVM_CAP_VM_TYPES)
ABI_MACRO(KVM_CAP_GUEST_MEMFD_FLAGS)

/* VM types. */
ABI_MACRO(KVM_X86_DEFAULT_VM)
ABI_MACRO(KVM_X86_SW_PROTECTED_VM)
ABI_MACRO(KVM_X86_SEV_VM)
ABI_MACRO(KVM_X86_SEV_ES_VM)
ABI_MACRO(KVM_X86_SNP_VM)
ABI_MACRO(KVM_X86_TDX_VM)
ABI_MACRO(KVM_VM_TYPE_ARM_PROTECTED)

/* guest_memfd. */
ABI_MACRO(KVM_CREATE_GUEST_MEMFD)
ABI_STRUCT(kvm_create_guest_memfd)
ABI_FIELD(kvm_create_guest_memfd, size)
ABI_FIELD(kvm_create_guest_memfd, flags)
ABI_FIELD(kvm_create_guest_memfd, reserved)
ABI_MACRO(GUEST_MEMFD_FLAG_MMAP)
ABI_MACRO(GUEST_MEMFD_FLAG_INIT_SHARED)

/* Memslots backed by guest_memfd. */
ABI_MACRO(KVM_SET_USER_MEMORY_REGION2)
ABI_STRUCT(kvm_userspace_memory_region2)
ABI_FIELD(kvm_userspace_memory_region2, slot)
ABI_FIELD(kvm_userspace_memory_region2, flags)
ABI_FIELD(kvm_userspace_memory_region2, guest_phys_addr)
ABI_FIELD(kvm_userspace_memory_region2, memory_size)
ABI_FIELD(kvm_userspace_memory_region2, userspace_addr)
ABI_FIELD(kvm_userspace_memory_region2, guest_memfd_offset)
ABI_FIELD(kvm_userspace_memory_region2, guest_memfd)
ABI_FIELD(kvm_userspace_memory_region2, pad1)
ABI_FIELD(kvm_userspace_memory_region2, pad2)
ABI_MACRO(KVM_MEM_GUEST_MEMFD)

/* Memory attributes. */
ABI_MACRO(KVM_SET_MEMORY_ATTRIBUTES)
ABI_STRUCT(kvm_memory_attributes)
ABI_FIELD(kvm_memory_attributes, address)
ABI_FIELD(kvm_memory_attributes, size)
ABI_FIELD(kvm_memory_attributes, attributes)
ABI_FIELD(kvm_memory_attributes, flags)
ABI_MACRO(KVM_MEMORY_ATTRIBUTE_PRIVATE)

/* Exits. */
ABI_MACRO(KVM_EXIT_MEMORY_FAULT)
ABI_MACRO(KVM_MEMORY_EXIT_FLAG_PRIVATE)
ABI_MACRO(KVM_EXIT_HYPERCALL_LONG_MODE)

/* KVM_HC_MAP_GPA_RANGE. */
ABI_MACRO(KVM_MAP_GPA_RANGE_PAGE_SZ_4K)
ABI_MACRO(KVM_MAP_GPA_RANGE_PAGE_SZ_2M)
ABI_MACRO(KVM_MAP_GPA_RANGE_PAGE_SZ_1G)
ABI_MACRO(KVM_MAP_GPA_RANGE_ENCRYPTED)
ABI_MACRO(KVM_MAP_GPA_RANGE_DECRYPTED)
ABI_MACRO(KVM_FEATURE_HC_MAP_GPA_RANGE)

/*
 * kvm_run.memory_fault through cvmm's view (struct kvm_memory_fault_exit
 * at KVM_RUN_UNION_OFFSET), which the 6.1 kvm_run lacks.
 */
ABI_VIEW("KVM_RUN_UNION_OFFSET", KVM_RUN_UNION_OFFSET,
	 offsetof(struct kvm_run, memory_fault))
ABI_VIEW("sizeof(kvm_run.memory_fault)", sizeof(struct kvm_memory_fault_exit),
	 sizeof(((struct kvm_run *)0)->memory_fault))
ABI_VIEW("offsetof(kvm_run, memory_fault.flags)",
	 KVM_RUN_UNION_OFFSET + offsetof(struct kvm_memory_fault_exit, flags),
	 offsetof(struct kvm_run, memory_fault.flags))
ABI_VIEW("offsetof(kvm_run, memory_fault.gpa)",
	 KVM_RUN_UNION_OFFSET + offsetof(struct kvm_memory_fault_exit, gpa),
	 offsetof(struct kvm_run, memory_fault.gpa))
ABI_VIEW("offsetof(kvm_run, memory_fault.size)",
	 KVM_RUN_UNION_OFFSET + offsetof(struct kvm_memory_fault_exit, size),
	 offsetof(struct kvm_run, memory_fault.size))

/*
 * kvm_run.hypercall.flags, which kvm_run_hypercall_flags() reads as the
 * 6.1 header's longmode and pad: same offset, and pad must follow
 * longmode so that the two make the 8 bytes of flags.
 */
ABI_VIEW("offsetof(kvm_run, hypercall.flags)",
	 offsetof(struct kvm_run, hypercall.longmode),
	 offsetof(struct kvm_run, hypercall.flags))
ABI_VIEW("sizeof(kvm_run.hypercall.flags)",
	 offsetof(struct kvm_run, hypercall.pad) +
		 sizeof(((struct kvm_run *)0)->hypercall.pad) -
		 offsetof(struct kvm_run, hypercall.longmode),
	 sizeof(((struct kvm_run *)0)->hypercall.flags))

/* Confidential x86 VMs. */
ABI_MACRO(KVM_CAP_EXIT_HYPERCALL)

/* SEV-SNP. */
ABI_MACRO(KVM_SEV_INIT2)
ABI_MACRO(KVM_SEV_SNP_LAUNCH_START)
ABI_MACRO(KVM_SEV_SNP_LAUNCH_UPDATE)
ABI_MACRO(KVM_SEV_SNP_LAUNCH_FINISH)
ABI_MACRO(KVM_SEV_SNP_PAGE_TYPE_NORMAL)
ABI_MACRO(KVM_SEV_SNP_PAGE_TYPE_ZERO)
ABI_MACRO(KVM_SEV_SNP_PAGE_TYPE_UNMEASURED)
ABI_MACRO(KVM_SEV_SNP_PAGE_TYPE_SECRETS)
ABI_MACRO(KVM_SEV_SNP_PAGE_TYPE_CPUID)
ABI_MACRO(KVM_X86_GRP_SEV)
ABI_MACRO(KVM_X86_SEV_VMSA_FEATURES)
ABI_MACRO(KVM_X86_SNP_POLICY_BITS)
ABI_STRUCT(kvm_sev_cmd)
ABI_FIELD(kvm_sev_cmd, id)
ABI_FIELD(kvm_sev_cmd, data)
ABI_FIELD(kvm_sev_cmd, error)
ABI_FIELD(kvm_sev_cmd, sev_fd)
ABI_STRUCT(kvm_sev_init)
ABI_FIELD(kvm_sev_init, vmsa_features)
ABI_FIELD(kvm_sev_init, flags)
ABI_FIELD(kvm_sev_init, ghcb_version)
ABI_FIELD(kvm_sev_init, pad1)
ABI_FIELD(kvm_sev_init, pad2)
ABI_STRUCT(kvm_sev_snp_launch_start)
ABI_FIELD(kvm_sev_snp_launch_start, policy)
ABI_FIELD(kvm_sev_snp_launch_start, gosvw)
ABI_FIELD(kvm_sev_snp_launch_start, flags)
ABI_FIELD(kvm_sev_snp_launch_start, pad0)
ABI_FIELD(kvm_sev_snp_launch_start, pad1)
ABI_STRUCT(kvm_sev_snp_launch_update)
ABI_FIELD(kvm_sev_snp_launch_update, gfn_start)
ABI_FIELD(kvm_sev_snp_launch_update, uaddr)
ABI_FIELD(kvm_sev_snp_launch_update, len)
ABI_FIELD(kvm_sev_snp_launch_update, type)
ABI_FIELD(kvm_sev_snp_launch_update, pad0)
ABI_FIELD(kvm_sev_snp_launch_update, flags)
ABI_FIELD(kvm_sev_snp_launch_update, pad1)
ABI_FIELD(kvm_sev_snp_launch_update, pad2)
ABI_STRUCT(kvm_sev_snp_launch_finish)
ABI_FIELD(kvm_sev_snp_launch_finish, id_block_uaddr)
ABI_FIELD(kvm_sev_snp_launch_finish, id_auth_uaddr)
ABI_FIELD(kvm_sev_snp_launch_finish, id_block_en)
ABI_FIELD(kvm_sev_snp_launch_finish, auth_key_en)
ABI_FIELD(kvm_sev_snp_launch_finish, vcek_disabled)
ABI_FIELD(kvm_sev_snp_launch_finish, host_data)
ABI_FIELD(kvm_sev_snp_launch_finish, pad0)
ABI_FIELD(kvm_sev_snp_launch_finish, flags)
ABI_FIELD(kvm_sev_snp_launch_finish, pad1)

/* TDX. */
/* TDX. */
ABI_MACRO(KVM_TDX_CAPABILITIES)
ABI_MACRO(KVM_TDX_INIT_VM)
ABI_MACRO(KVM_TDX_INIT_VCPU)
ABI_MACRO(KVM_TDX_INIT_MEM_REGION)
ABI_MACRO(KVM_TDX_FINALIZE_VM)
ABI_MACRO(KVM_TDX_GET_CPUID)
ABI_MACRO(KVM_TDX_MEASURE_MEMORY_REGION)
ABI_STRUCT(kvm_tdx_cmd)
ABI_FIELD(kvm_tdx_cmd, id)
ABI_FIELD(kvm_tdx_cmd, flags)
ABI_FIELD(kvm_tdx_cmd, data)
ABI_FIELD(kvm_tdx_cmd, hw_error)
ABI_STRUCT(kvm_tdx_capabilities)
ABI_FIELD(kvm_tdx_capabilities, supported_attrs)
ABI_FIELD(kvm_tdx_capabilities, supported_xfam)
ABI_FIELD(kvm_tdx_capabilities, kernel_tdvmcallinfo_1_r11)
ABI_FIELD(kvm_tdx_capabilities, user_tdvmcallinfo_1_r11)
ABI_FIELD(kvm_tdx_capabilities, kernel_tdvmcallinfo_1_r12)
ABI_FIELD(kvm_tdx_capabilities, user_tdvmcallinfo_1_r12)
ABI_FIELD(kvm_tdx_capabilities, reserved)
ABI_FIELD(kvm_tdx_capabilities, cpuid)
ABI_STRUCT(kvm_tdx_init_vm)
ABI_FIELD(kvm_tdx_init_vm, attributes)
ABI_FIELD(kvm_tdx_init_vm, xfam)
ABI_FIELD(kvm_tdx_init_vm, mrconfigid)
ABI_FIELD(kvm_tdx_init_vm, mrowner)
ABI_FIELD(kvm_tdx_init_vm, mrownerconfig)
ABI_FIELD(kvm_tdx_init_vm, reserved)
ABI_FIELD(kvm_tdx_init_vm, cpuid)
ABI_STRUCT(kvm_tdx_init_mem_region)
ABI_FIELD(kvm_tdx_init_mem_region, source_addr)
ABI_FIELD(kvm_tdx_init_mem_region, gpa)
ABI_FIELD(kvm_tdx_init_mem_region, nr_pages)
ABI_MACRO(KVM_EXIT_TDX)
ABI_MACRO(KVM_SYSTEM_EVENT_TDX_FATAL)

/* kvm_run.tdx through cvmm's view (struct kvm_tdx_exit). */
ABI_VIEW("offsetof(kvm_run, tdx.flags)",
	 KVM_RUN_UNION_OFFSET + offsetof(struct kvm_tdx_exit, flags),
	 offsetof(struct kvm_run, tdx.flags))
ABI_VIEW("offsetof(kvm_run, tdx.nr)",
	 KVM_RUN_UNION_OFFSET + offsetof(struct kvm_tdx_exit, nr),
	 offsetof(struct kvm_run, tdx.nr))
ABI_VIEW("offsetof(kvm_run, tdx.unknown.ret)",
	 KVM_RUN_UNION_OFFSET + offsetof(struct kvm_tdx_exit, ret),
	 offsetof(struct kvm_run, tdx.unknown.ret))
ABI_VIEW("offsetof(kvm_run, tdx.get_quote.ret)",
	 KVM_RUN_UNION_OFFSET + offsetof(struct kvm_tdx_exit, ret),
	 offsetof(struct kvm_run, tdx.get_quote.ret))
ABI_VIEW("offsetof(kvm_run, tdx.unknown.data)",
	 KVM_RUN_UNION_OFFSET + offsetof(struct kvm_tdx_exit, data),
	 offsetof(struct kvm_run, tdx.unknown.data))
