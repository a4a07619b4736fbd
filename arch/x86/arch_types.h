/* SPDX-License-Identifier: MIT */
/*
 * x86's side of arch/arch.h: the types and constants the core sees under
 * architecture-neutral names. Only arch/arch.h includes this file.
 */
#ifndef CVMM_X86_ARCH_TYPES_H
#define CVMM_X86_ARCH_TYPES_H

#include <stdint.h>

#include "acpi.h"
#include "fdt.h"
#include "layout.h"
#include "pvh.h"
#include "tdvf.h"
#include "tdx_cpuid.h"
#include "tdvf_hob.h"

#define ARCH_NAME "x86_64"
/* The I/O space (ARCH_SPACE_IO) in messages and --stats: port I/O. */
#define ARCH_IO_NAME "pio"
/* Below the 32-bit MMIO hole, and from 4 GiB on. */
#define ARCH_MAX_RAM_REGIONS 2
/* The command line, NUL included, fits this. */
#define ARCH_CMDLINE_MAX X86_CMDLINE_MAX
/* The device tree: at most this big, after the kernel and at or above
 * ARCH_DT_FLOOR (the boot info lives below), ending below ARCH_DT_CEILING. */
#define ARCH_DT_MAX X86_FDT_MAX
#define ARCH_DT_FLOOR X86_HIGH_START
#define ARCH_DT_CEILING X86_MMIO_HOLE_START
/* Guest-physical addresses RAM may reach (cvmm allows at most 1 TiB). */
#define ARCH_GPA_LIMIT (1ULL << 48)

/* Secondary vCPUs cannot run real mode here, so cvmm starts them (the
 * CPU start device) in the PVH entry state. */
#define ARCH_SECONDARIES_START_IN_KERNEL false

struct kvm_cpuid2;

/* Per-VM state: the CPUID KVM supports, adjusted per vCPU. */
struct arch_vm {
	struct kvm_cpuid2 *cpuid;
};

/* Boot information built before launch (PVH: device tree, boot page). */
struct arch_boot {
	uint8_t dtb[X86_FDT_MAX];
	uint8_t acpi[X86_ACPI_MAX];
	struct pvh_boot_page page;
	/* bzImage boots: the zero page, GDT and page tables; the entry mode. */
	uint8_t zero_page[4096];
	uint64_t gdt[6];
	uint64_t pt[X86_PT_PAGES][512];
	unsigned int mode;
};

#endif
