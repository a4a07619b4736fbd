// SPDX-License-Identifier: MIT
#include "pvh.h"

#include <errno.h>
#include <string.h>

#include "layout.h"

static size_t add(struct hvm_memmap_table_entry *out, size_t n,
		  uint64_t addr, uint64_t size, uint32_t type)
{
	if (size)
		out[n++] = (struct hvm_memmap_table_entry){ addr, size, type, 0 };
	return n;
}

size_t x86_memmap(uint64_t ram, struct hvm_memmap_table_entry *out)
{
	struct x86_ram_layout l = x86_ram_layout(ram);
	size_t n = 0;

	/* Callers guarantee ram >= 2 MiB, so the low pieces all exist. */
	n = add(out, n, 0, X86_LEGACY_START, E820_RAM);
	n = add(out, n, X86_LEGACY_START, X86_HIGH_START - X86_LEGACY_START,
		E820_RESERVED);
	n = add(out, n, X86_HIGH_START, l.low_size - X86_HIGH_START, E820_RAM);
	n = add(out, n, X86_MMIO_HOLE_END, l.high_size, E820_RAM);
	return n;
}

int pvh_build(struct pvh_boot_page *page, uint64_t page_gpa, uint64_t ram,
	      uint64_t cmdline_gpa, uint64_t rsdp_gpa,
	      const struct pvh_module *mods, size_t nmods)
{
	if (nmods > PVH_MAX_MODULES)
		return -E2BIG;
	memset(page, 0, sizeof(*page));
	page->start.magic = PVH_START_MAGIC;
	page->start.version = 1;
	page->start.cmdline_paddr = cmdline_gpa;
	page->start.rsdp_paddr = rsdp_gpa;
	page->start.nr_modules = (uint32_t)nmods;
	if (nmods)
		page->start.modlist_paddr =
			page_gpa + offsetof(struct pvh_boot_page, mods);
	for (size_t i = 0; i < nmods; i++) {
		page->mods[i].paddr = mods[i].paddr;
		page->mods[i].size = mods[i].size;
	}
	page->start.memmap_entries = (uint32_t)x86_memmap(ram, page->memmap);
	page->start.memmap_paddr =
		page_gpa + offsetof(struct pvh_boot_page, memmap);
	return 0;
}
