/* SPDX-License-Identifier: MIT */
/*
 * The guest-physical address map cvmm gives an x86 guest.
 *
 *   0x0000_0000  RAM (the first page is left unused by cvmm)
 *   0x0000_6000  boot info page: hvm_start_info, module list, memory map
 *   0x0000_7000  kernel command line (one page, NUL-terminated)
 *   0x0000_8000  bzImage boots only: GDT, then page tables (PML4, PDPT,
 *                four PDs identity-mapping the first 4 GiB) up to 0xf000
 *   0x000e_0000  ACPI tables (in the legacy window)
 *   0x000a_0000  legacy VGA/ROM window, reported reserved (still backed)
 *   0x0010_0000  RAM: kernel, then modules, up to min(RAM, 3 GiB)
 *   0xc000_0000  32-bit MMIO hole: virtio-mmio devices, IOAPIC, LAPIC
 *   0x1_0000_0000 RAM above 3 GiB continues here, in a second memslot
 */
#ifndef CVMM_X86_LAYOUT_H
#define CVMM_X86_LAYOUT_H

#include <stdint.h>

#define X86_BOOT_INFO_GPA 0x6000ULL
#define X86_CMDLINE_GPA 0x7000ULL
#define X86_CMDLINE_MAX 4096ULL /* including the NUL */
#define X86_GDT_GPA 0x8000ULL
#define X86_PML4_GPA 0x9000ULL
#define X86_PT_PAGES 6 /* PML4, PDPT, 4 PDs of 2 MiB pages */
#define X86_BOOT_AREA_START X86_BOOT_INFO_GPA
#define X86_BOOT_AREA_END (X86_PML4_GPA + X86_PT_PAGES * 0x1000ULL)

/* arch_entry.mode of a bzImage boot: the 64-bit Linux boot protocol. */
#define X86_ENTRY_LONG 1
#define X86_LEGACY_START 0xa0000ULL
#define X86_HIGH_START 0x100000ULL
#define X86_MMIO_HOLE_START 0xc0000000ULL
#define X86_MMIO_HOLE_END 0x100000000ULL

/* Legacy ports: COM1 and its ISA interrupt, the two reset ports. */
#define X86_COM1_PORT 0x3f8
#define X86_COM1_GSI 4
#define X86_RESET_CF9_PORT 0xcf9
#define X86_RESET_I8042_PORT 0x64

/* virtio-mmio devices: one page each in the hole, IOAPIC pins from 16 on
 * (not shared with ISA devices). */
#define X86_VIRTIO_BASE 0xd0000000ULL
#define X86_VIRTIO_STRIDE 0x1000ULL
#define X86_VIRTIO_GSI 16
#define X86_VIRTIO_MAX 8 /* pins 16..23 */

/* Where the VMM-owned helpers for real mode would go (Intel), in the hole. */
#define X86_IDENTITY_MAP_GPA 0xfeffc000ULL
#define X86_TSS_GPA 0xfeffd000ULL

/* Guest RAM as memslots: [0, low) and, above 3 GiB, [4 GiB, 4 GiB+high). */
struct x86_ram_layout {
	uint64_t low_size;
	uint64_t high_size;
};

static inline struct x86_ram_layout x86_ram_layout(uint64_t ram)
{
	struct x86_ram_layout l = { ram, 0 };

	if (ram > X86_MMIO_HOLE_START) {
		l.low_size = X86_MMIO_HOLE_START;
		l.high_size = ram - X86_MMIO_HOLE_START;
	}
	return l;
}

#endif
