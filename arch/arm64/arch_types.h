/* SPDX-License-Identifier: MIT */
/*
 * arm64's side of arch/arch.h: the types and constants the core sees under
 * architecture-neutral names. Only arch/arch.h includes this file.
 */
#ifndef CVMM_ARM64_ARCH_TYPES_H
#define CVMM_ARM64_ARCH_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "layout.h"

#define ARCH_NAME "arm64"
/* No separate I/O space: every device is MMIO. */
#define ARCH_IO_NAME "io"
#define ARCH_MAX_RAM_REGIONS 1
#define ARCH_CMDLINE_MAX 2048ULL /* Linux's COMMAND_LINE_SIZE on arm64 */
/* The device tree goes after the kernel in RAM (Linux: 8-byte aligned,
 * at most 2 MiB; cvmm's are far smaller). */
#define ARCH_DT_MAX 65536
#define ARCH_DT_FLOOR ARM64_RAM_BASE
#define ARCH_DT_CEILING ARM64_IPA_LIMIT
/* Guest-physical addresses RAM may reach: the default 40-bit IPA space. */
#define ARCH_GPA_LIMIT ARM64_IPA_LIMIT
/* Secondary vCPUs are started by the guest through PSCI CPU_ON, which
 * KVM handles: their threads enter KVM_RUN at once and wait there. */
#define ARCH_SECONDARIES_START_IN_KERNEL true

/* Per-VM state: the vGIC device and the vCPU target KVM prefers. */
struct arch_vm {
	int gic_fd;
	uint32_t target;
	bool target_known;
};

/* Boot information built before launch: the device tree. */
struct arch_boot {
	uint8_t dtb[ARCH_DT_MAX];
	uint64_t dtb_gpa;
};

#endif
