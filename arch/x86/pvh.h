/* SPDX-License-Identifier: MIT */
/*
 * The PVH boot ABI (Xen's hvm_start_info, as Linux and our test kernel
 * read it) and the e820-style memory map cvmm hands to guests.
 */
#ifndef CVMM_X86_PVH_H
#define CVMM_X86_PVH_H

#include <stddef.h>
#include <stdint.h>

#define PVH_START_MAGIC 0x336ec578u
#define PVH_ELFNOTE_PHYS32_ENTRY 18

#define E820_RAM 1
#define E820_RESERVED 2

struct hvm_start_info {
	uint32_t magic;
	uint32_t version;
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "start_info layout");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "modlist layout");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "memmap layout");

#define PVH_MAX_MODULES 4
#define PVH_MAX_MEMMAP 8

/* The boot info page: everything at fixed offsets, one 4 KiB page. */
struct pvh_boot_page {
	struct hvm_start_info start;
	uint8_t pad0[8];
	struct hvm_modlist_entry mods[PVH_MAX_MODULES];
	struct hvm_memmap_table_entry memmap[PVH_MAX_MEMMAP];
};
_Static_assert(sizeof(struct pvh_boot_page) <= 4096, "boot page fits");

struct pvh_module {
	uint64_t paddr, size;
};

/*
 * The memory map of a guest with `ram` bytes: RAM below the legacy window,
 * the window reserved, RAM up to the MMIO hole, RAM above 4 GiB. Returns
 * the number of entries written (at most PVH_MAX_MEMMAP).
 */
size_t x86_memmap(uint64_t ram, struct hvm_memmap_table_entry *out);

/*
 * Fill the boot info page for a guest whose page sits at page_gpa, whose
 * command line is at cmdline_gpa and ACPI RSDP at rsdp_gpa (0: none). Returns 0 or -E2BIG (too many
 * modules).
 */
int pvh_build(struct pvh_boot_page *page, uint64_t page_gpa, uint64_t ram,
	      uint64_t cmdline_gpa, uint64_t rsdp_gpa,
	      const struct pvh_module *mods, size_t nmods)
	__attribute__((warn_unused_result));

#endif
