// SPDX-License-Identifier: MIT
#include "fdt.h"

#include <stdbool.h>

#include "../fdt_common.h"
#include "layout.h"

#define PHANDLE_IOAPIC 2
#define IRQ_EDGE_RISING 3 /* intel,ce4100-ioapic interrupt type cell */

static int ioapic_node(void *fdt)
{
	int err = 0;

	FDT_TRY(fdt_begin_node(fdt, "ioapic@fec00000"));
	FDT_TRY(fdt_property_string(fdt, "compatible", "intel,ce4100-ioapic"));
	FDT_TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	FDT_TRY(fdt_property_u32(fdt, "#interrupt-cells", 2));
	FDT_TRY(fdt_reg2(fdt, X86_IOAPIC_BASE, 0x1000));
	FDT_TRY(fdt_property_u32(fdt, "phandle", PHANDLE_IOAPIC));
	FDT_TRY(fdt_end_node(fdt));
	return err;
}

static int memory_node(void *fdt, uint64_t ram)
{
	struct arch_ram_region r[ARCH_MAX_RAM_REGIONS];
	unsigned int n = arch_ram_regions(ram, r);

	return fdt_memory_node(fdt, r, n);
}

static int virtio_node(void *fdt, const struct fdt_virtio *v, bool pool)
{
	fdt32_t irq[2] = { cpu_to_fdt32(v->gsi), cpu_to_fdt32(IRQ_EDGE_RISING) };

	return fdt_virtio_node(fdt, v->base, v->size, irq, 2, PHANDLE_IOAPIC,
			       pool);
}

int x86_build_fdt(void *buf, size_t len, const struct fdt_layout *l)
{
	int err = fdt_create(buf, (int)len);

	FDT_TRY(fdt_finish_reservemap(buf));
	FDT_TRY(fdt_begin_node(buf, ""));
	FDT_TRY(fdt_property_u32(buf, "#address-cells", 2));
	FDT_TRY(fdt_property_u32(buf, "#size-cells", 2));
	FDT_TRY(fdt_property_string(buf, "compatible", "cvmm,x86"));
	FDT_TRY(fdt_property_string(buf, "model", "cvmm"));
	FDT_TRY(fdt_begin_node(buf, "chosen"));
	FDT_TRY(fdt_property_string(buf, "bootargs", l->bootargs));
	FDT_TRY(fdt_end_node(buf));
	FDT_TRY(memory_node(buf, l->ram));
	if (l->pool_size)
		FDT_TRY(fdt_pool_node(buf, l->pool_base, l->pool_size));
	FDT_TRY(ioapic_node(buf));
	for (size_t i = 0; i < l->nvirtio; i++)
		FDT_TRY(virtio_node(buf, &l->virtio[i], l->pool_size != 0));
	FDT_TRY(fdt_end_node(buf));
	return fdt_done(buf, err);
}
