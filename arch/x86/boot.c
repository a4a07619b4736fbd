// SPDX-License-Identifier: MIT
/*
 * The PVH boot protocol as launch-list items: the device tree (a PVH
 * module after the kernel), the hvm_start_info page with the memory map,
 * and the command line, each at its place in the x86 address map.
 */
#include "../arch.h"

#include <errno.h>
#include <string.h>

#include "../../mem/launch.h"

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

int arch_boot_build(struct arch_boot *b, const struct arch_boot_desc *d,
		    struct launch_list *l)
{
	struct pvh_module mod;
	size_t cmdline_len = strlen(d->cmdline) + 1;
	int size = build_dt(b, d), ret;

	if (size < 0)
		return size;
	if (cmdline_len > X86_CMDLINE_MAX)
		return -E2BIG;
	mod = (struct pvh_module){ d->dt_base, (uint64_t)size };
	ret = pvh_build(&b->page, X86_BOOT_INFO_GPA, d->ram, X86_CMDLINE_GPA,
			&mod, 1);
	if (!ret)
		ret = launch_add(l, d->dt_base, b->dtb, (uint64_t)size,
				 LAUNCH_BOOT_DATA, "device tree");
	if (!ret)
		ret = launch_add(l, X86_BOOT_INFO_GPA, &b->page, sizeof(b->page),
				 LAUNCH_BOOT_DATA, "PVH start info");
	if (!ret)
		ret = launch_add(l, X86_CMDLINE_GPA, d->cmdline, cmdline_len,
				 LAUNCH_BOOT_DATA, "command line");
	return ret;
}

struct arch_entry arch_boot_entry(const struct arch_boot *b,
				  uint64_t kernel_entry)
{
	(void)b;
	return (struct arch_entry){ kernel_entry, X86_BOOT_INFO_GPA };
}
