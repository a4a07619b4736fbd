// SPDX-License-Identifier: MIT
#include "fdt.h"

#include <errno.h>
#include <libfdt.h>
#include <stdbool.h>
#include <stdio.h>

#include "layout.h"

#define PHANDLE_POOL 1
#define PHANDLE_IOAPIC 2
#define IRQ_EDGE_RISING 3 /* intel,ce4100-ioapic interrupt type cell */

/* fdt_* return 0 or a negative FDT_ERR_*: keep the first failure. */
#define TRY(expr)                                  \
	do {                                       \
		if (!err)                          \
			err = (expr);              \
	} while (0)

static int reg2(void *fdt, uint64_t base, uint64_t size)
{
	fdt64_t cells[2] = { cpu_to_fdt64(base), cpu_to_fdt64(size) };

	return fdt_property(fdt, "reg", cells, sizeof(cells));
}

static int memory_node(void *fdt, uint64_t ram)
{
	struct x86_ram_layout l = x86_ram_layout(ram);
	fdt64_t cells[4] = { cpu_to_fdt64(0), cpu_to_fdt64(l.low_size),
			     cpu_to_fdt64(X86_MMIO_HOLE_END),
			     cpu_to_fdt64(l.high_size) };
	int err = 0;

	TRY(fdt_begin_node(fdt, "memory@0"));
	TRY(fdt_property_string(fdt, "device_type", "memory"));
	TRY(fdt_property(fdt, "reg", cells, l.high_size ? 32 : 16));
	TRY(fdt_end_node(fdt));
	return err;
}

static int pool_node(void *fdt, uint64_t base, uint64_t size)
{
	char name[48];
	int err = 0;

	snprintf(name, sizeof(name), "dma-pool@%llx", (unsigned long long)base);
	TRY(fdt_begin_node(fdt, "reserved-memory"));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property(fdt, "ranges", NULL, 0));
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "restricted-dma-pool"));
	TRY(reg2(fdt, base, size));
	TRY(fdt_property_u32(fdt, "phandle", PHANDLE_POOL));
	TRY(fdt_end_node(fdt));
	TRY(fdt_end_node(fdt));
	return err;
}

static int ioapic_node(void *fdt)
{
	int err = 0;

	TRY(fdt_begin_node(fdt, "ioapic@fec00000"));
	TRY(fdt_property_string(fdt, "compatible", "intel,ce4100-ioapic"));
	TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 2));
	TRY(reg2(fdt, X86_IOAPIC_BASE, 0x1000));
	TRY(fdt_property_u32(fdt, "phandle", PHANDLE_IOAPIC));
	TRY(fdt_end_node(fdt));
	return err;
}

static int virtio_node(void *fdt, const struct fdt_virtio *v, bool pool)
{
	fdt32_t irq[2] = { cpu_to_fdt32(v->gsi), cpu_to_fdt32(IRQ_EDGE_RISING) };
	char name[48];
	int err = 0;

	snprintf(name, sizeof(name), "virtio@%llx", (unsigned long long)v->base);
	TRY(fdt_begin_node(fdt, name));
	TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
	TRY(reg2(fdt, v->base, v->size));
	TRY(fdt_property(fdt, "interrupts", irq, sizeof(irq)));
	TRY(fdt_property_u32(fdt, "interrupt-parent", PHANDLE_IOAPIC));
	TRY(fdt_property(fdt, "dma-coherent", NULL, 0));
	if (pool)
		TRY(fdt_property_u32(fdt, "memory-region", PHANDLE_POOL));
	TRY(fdt_end_node(fdt));
	return err;
}

int x86_build_fdt(void *buf, size_t len, const struct fdt_layout *l)
{
	int err = fdt_create(buf, (int)len);

	TRY(fdt_finish_reservemap(buf));
	TRY(fdt_begin_node(buf, ""));
	TRY(fdt_property_u32(buf, "#address-cells", 2));
	TRY(fdt_property_u32(buf, "#size-cells", 2));
	TRY(fdt_property_string(buf, "compatible", "cvmm,x86"));
	TRY(fdt_property_string(buf, "model", "cvmm"));
	TRY(fdt_begin_node(buf, "chosen"));
	TRY(fdt_property_string(buf, "bootargs", l->bootargs));
	TRY(fdt_end_node(buf));
	TRY(memory_node(buf, l->ram));
	if (l->pool_size)
		TRY(pool_node(buf, l->pool_base, l->pool_size));
	TRY(ioapic_node(buf));
	for (size_t i = 0; i < l->nvirtio; i++)
		TRY(virtio_node(buf, &l->virtio[i], l->pool_size != 0));
	TRY(fdt_end_node(buf));
	TRY(fdt_finish(buf));
	if (err)
		return err == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;
	return (int)fdt_totalsize(buf);
}
