// SPDX-License-Identifier: MIT
#include "fdt_common.h"

#include <errno.h>
#include <stdio.h>

int fdt_reg2(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t cells[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", cells, sizeof(cells));
}

int fdt_memory_node(void *fdt, const struct arch_ram_region *r,
		    unsigned int n)
{
	fdt64_t cells[2 * ARCH_MAX_RAM_REGIONS];
	char name[48];
	int err = 0;

	for (unsigned int i = 0; i < n && i < ARCH_MAX_RAM_REGIONS; i++) {
		cells[2 * i] = cpu_to_fdt64(r[i].gpa);
		cells[2 * i + 1] = cpu_to_fdt64(r[i].size);
	}
	snprintf(name, sizeof(name), "memory@%llx", (unsigned long long)r[0].gpa);
	FDT_TRY(fdt_begin_node(fdt, name));
	FDT_TRY(fdt_property_string(fdt, "device_type", "memory"));
	FDT_TRY(fdt_property(fdt, "reg", cells, (int)(n * 2 * sizeof(fdt64_t))));
	FDT_TRY(fdt_end_node(fdt));
	return err;
}

int fdt_pool_node(void *fdt, uint64_t base, uint64_t size)
{
	char name[48];
	int err = 0;

	snprintf(name, sizeof(name), "dma-pool@%llx", (unsigned long long)base);
	FDT_TRY(fdt_begin_node(fdt, "reserved-memory"));
	FDT_TRY(fdt_property_u32(fdt, "#address-cells", 2));
	FDT_TRY(fdt_property_u32(fdt, "#size-cells", 2));
	FDT_TRY(fdt_property(fdt, "ranges", NULL, 0));
	FDT_TRY(fdt_begin_node(fdt, name));
	FDT_TRY(fdt_property_string(fdt, "compatible", "restricted-dma-pool"));
	FDT_TRY(fdt_reg2(fdt, base, size));
	FDT_TRY(fdt_property_u32(fdt, "phandle", FDT_PHANDLE_POOL));
	FDT_TRY(fdt_end_node(fdt));
	FDT_TRY(fdt_end_node(fdt));
	return err;
}

int fdt_virtio_node(void *fdt, uint64_t base, uint64_t size,
		    const fdt32_t *irq, unsigned int ncells, uint32_t parent,
		    bool pool)
{
	char name[48];
	int err = 0;

	snprintf(name, sizeof(name), "virtio@%llx", (unsigned long long)base);
	FDT_TRY(fdt_begin_node(fdt, name));
	FDT_TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
	FDT_TRY(fdt_reg2(fdt, base, size));
	FDT_TRY(fdt_property(fdt, "interrupts", irq,
			     (int)(ncells * sizeof(fdt32_t))));
	FDT_TRY(fdt_property_u32(fdt, "interrupt-parent", parent));
	FDT_TRY(fdt_property(fdt, "dma-coherent", NULL, 0));
	if (pool)
		FDT_TRY(fdt_property_u32(fdt, "memory-region", FDT_PHANDLE_POOL));
	FDT_TRY(fdt_end_node(fdt));
	return err;
}

int fdt_done(void *fdt, int err)
{
	FDT_TRY(fdt_finish(fdt));
	if (err)
		return err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
	return (int)fdt_totalsize(fdt);
}
