// SPDX-License-Identifier: MIT
/*
 * The PVH boot protocol as launch-list items: the ACPI tables, the device
 * tree and the initrd as PVH modules, the hvm_start_info page with the
 * memory map and the RSDP's address, and the command line, each at its
 * place in the x86 address map. Module 0 is the initrd (an empty module
 * when there is none), as Linux reads it; the device tree comes after it
 * (cvmm's test kernel looks for it among all modules). A bzImage gets the
 * 64-bit Linux boot protocol instead (bzimage.h), with the same ACPI
 * tables and command line.
 */
#include "../arch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../mem/launch.h"
#include "bzimage.h"

static int build_dt(struct arch_boot *b, const struct arch_boot_desc *d)
{
	struct fdt_virtio v[X86_VIRTIO_MAX];
	struct fdt_layout fl = { d->ram, d->cmdline, d->pool_base,
				 d->pool_size, v, d->nvirtio };

	if (d->nvirtio > X86_VIRTIO_MAX)
		return -E2BIG;
	for (unsigned int i = 0; i < d->nvirtio; i++)
		v[i] = (struct fdt_virtio){ d->virtio[i].base, d->virtio[i].len,
					    d->virtio[i].gsi };
	return x86_build_fdt(b->dtb, sizeof(b->dtb), &fl);
}

/*
 * Is the device at base given on the command line as
 * virtio_mmio.device=<size>@<base>:<irq>? Then Linux creates it from
 * there, and the DSDT leaves it out so that it is not claimed twice.
 */
static bool on_cmdline(const char *cmdline, uint64_t base)
{
	static const char key[] = "virtio_mmio.device=";
	const char *p = cmdline;

	while ((p = strstr(p, key))) {
		const char *at;
		char *end;

		p += sizeof(key) - 1;
		at = strchr(p, '@');
		if (!at || strcspn(p, " ") < (size_t)(at - p))
			continue;
		if (strtoull(at + 1, &end, 0) == base && *end == ':')
			return true;
	}
	return false;
}

static int build_acpi(struct arch_boot *b, const struct arch_boot_desc *d)
{
	struct acpi_mmio_dev v[X86_VIRTIO_MAX];
	struct arch_place uart = arch_sysdev_place(SYSDEV_UART);
	struct acpi_desc a = { d->ncpus, v, 0, (uint16_t)uart.base, uart.gsi };

	if (d->nvirtio > X86_VIRTIO_MAX)
		return -E2BIG;
	for (unsigned int i = 0; i < d->nvirtio; i++)
		if (!on_cmdline(d->cmdline, d->virtio[i].base))
			v[a.nvirtio++] = (struct acpi_mmio_dev){
				d->virtio[i].base, d->virtio[i].len,
				d->virtio[i].gsi };
	return x86_acpi_build(b->acpi, sizeof(b->acpi), X86_ACPI_GPA, &a);
}

static int build_bzimage(struct arch_boot *b, const struct arch_boot_desc *d,
			 struct launch_list *l)
{
	struct bz_boot_in in = { d->img->boot_hdr, d->img->boot_hdr_len, d->ram,
				 X86_CMDLINE_GPA, strlen(d->cmdline),
				 d->initrd_base, d->initrd_size, X86_ACPI_GPA };
	int ret = bzimage_zero_page(b->zero_page, &in);

	b->mode = X86_ENTRY_LONG;
	bzimage_gdt(b->gdt);
	bzimage_page_tables(b->pt, X86_PML4_GPA);
	if (!ret)
		ret = launch_add(l, X86_BOOT_INFO_GPA, b->zero_page,
				 sizeof(b->zero_page), LAUNCH_BOOT_DATA,
				 "boot params");
	if (!ret)
		ret = launch_add(l, X86_GDT_GPA, b->gdt, sizeof(b->gdt),
				 LAUNCH_BOOT_DATA, "GDT");
	if (!ret)
		ret = launch_add(l, X86_PML4_GPA, b->pt, sizeof(b->pt),
				 LAUNCH_BOOT_DATA, "page tables");
	return ret;
}

static int build_pvh(struct arch_boot *b, const struct arch_boot_desc *d,
		     struct launch_list *l)
{
	struct pvh_module mods[2];
	int size = build_dt(b, d), ret;

	if (size < 0)
		return size;
	b->mode = 0;
	mods[0] = (struct pvh_module){ d->initrd_size ? d->initrd_base : 0,
				       d->initrd_size };
	mods[1] = (struct pvh_module){ d->dt_base, (uint64_t)size };
	ret = pvh_build(&b->page, X86_BOOT_INFO_GPA, d->ram, X86_CMDLINE_GPA,
			X86_ACPI_GPA, mods, 2);
	if (!ret)
		ret = launch_add(l, d->dt_base, b->dtb, (uint64_t)size,
				 LAUNCH_BOOT_DATA, "device tree");
	if (!ret)
		ret = launch_add(l, X86_BOOT_INFO_GPA, &b->page, sizeof(b->page),
				 LAUNCH_BOOT_DATA, "PVH start info");
	return ret;
}

int arch_boot_build(struct arch_boot *b, const struct arch_boot_desc *d,
		    struct launch_list *l)
{
	size_t cmdline_len = strlen(d->cmdline) + 1;
	int acpi = build_acpi(b, d), ret;

	if (acpi < 0)
		return acpi;
	if (cmdline_len > X86_CMDLINE_MAX)
		return -E2BIG;
	ret = launch_add(l, X86_ACPI_GPA, b->acpi, (uint64_t)acpi,
			 LAUNCH_BOOT_DATA, "ACPI tables");
	if (!ret)
		ret = d->img && d->img->boot_hdr ? build_bzimage(b, d, l)
						 : build_pvh(b, d, l);
	if (!ret)
		ret = launch_add(l, X86_CMDLINE_GPA, d->cmdline, cmdline_len,
				 LAUNCH_BOOT_DATA, "command line");
	return ret;
}

struct arch_entry arch_boot_entry(const struct arch_boot *b,
				  uint64_t kernel_entry)
{
	return (struct arch_entry){ .pc = kernel_entry, .arg = X86_BOOT_INFO_GPA,
				    .mode = b->mode };
}
