// SPDX-License-Identifier: MIT
#include "loader.h"

#include <errno.h>
#include <gelf.h>
#include <string.h>

#include "../../lib/util.h"
#include "../kernel_load.h"
#include "bzimage.h"
#include "layout.h"
#include "pvh.h"

#define fail kernel_fail

/* Look for the Xen PHYS32_ENTRY note in one PT_NOTE segment. */
static int find_pvh_note(Elf *elf, const GElf_Phdr *ph, uint32_t *entry)
{
	Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset,
					   ph->p_filesz, ELF_T_NHDR);
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	if (!d)
		return -ENOENT;
	while (off < d->d_size &&
	       (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const char *name = (const char *)d->d_buf + name_off;
		const uint8_t *desc = (const uint8_t *)d->d_buf + desc_off;

		if (nh.n_type != PVH_ELFNOTE_PHYS32_ENTRY || nh.n_namesz != 4 ||
		    memcmp(name, "Xen", 4) != 0)
			continue;
		if (nh.n_descsz != 4 && nh.n_descsz != 8)
			return -EINVAL;
		/* Pointer-sized; the low 32 bits are the entry (little-endian). */
		memcpy(entry, desc, sizeof(*entry));
		return 0;
	}
	return -ENOENT;
}

static const struct elf_arch x86_elf = {
	.name = "x86",
	.machine = { EM_X86_64, EM_386 },
	.entry_name = "PVH entry",
	.note = find_pvh_note,
	.no_entry = "no PVH entry note (Xen ELF note PHYS32_ENTRY); cvmm boots "
		    "ELF kernels by their PVH entry, or bzImages",
};

int kernel_parse(const uint8_t *buf, size_t len, struct kernel_image *img,
		 char *err, size_t errlen)
{
	if (!elf_looks_like(buf, len) && bzimage_looks_like(buf, len))
		return bzimage_parse(buf, len, img, err, errlen);
	return elf_kernel_parse(buf, len, &x86_elf, img, err, errlen);
}

int kernel_check_fit(const struct kernel_image *img, uint64_t ram, char *err,
		     size_t errlen)
{
	struct hvm_memmap_table_entry map[PVH_MAX_MEMMAP];
	size_t n = x86_memmap(ram, map);

	for (size_t i = 0; i < img->nseg; i++) {
		const struct kernel_segment *s = &img->seg[i];
		bool in_ram = false;

		for (size_t j = 0; j < n; j++)
			if (map[j].type == E820_RAM &&
			    range_within(s->paddr, s->memsz, map[j].addr,
					 map[j].size))
				in_ram = true;
		if (!in_ram)
			return fail(err, errlen, -E2BIG,
				    "does not fit in guest RAM: segment at "
				    "[0x%llx, 0x%llx) is outside RAM",
				    (unsigned long long)s->paddr,
				    (unsigned long long)(s->paddr + s->memsz));
		if (ranges_overlap(s->paddr, s->memsz, X86_BOOT_AREA_START,
				   X86_BOOT_AREA_END - X86_BOOT_AREA_START))
			return fail(err, errlen, -E2BIG,
				    "segment at 0x%llx overlaps cvmm's boot info "
				    "area [0x%llx, 0x%llx)",
				    (unsigned long long)s->paddr,
				    X86_BOOT_AREA_START, X86_BOOT_AREA_END);
	}
	return 0;
}
