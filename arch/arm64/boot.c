// SPDX-License-Identifier: MIT
/*
 * The arm64 boot protocol as launch-list items: one device tree after the
 * kernel, described the arm64 way (cpus started by PSCI, a GICv3, the
 * architected timer, a 16550 UART as the console, virtio-mmio devices
 * bounced through a restricted-dma-pool), and the kernel entered with X0
 * pointing at it. The command line lives in /chosen/bootargs.
 */
#include "../arch.h"

#include <errno.h>
#include <stdio.h>

#include "../../mem/launch.h"
#include "../fdt_common.h"

#define PHANDLE_GIC 2
#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_EDGE_RISING 1
#define IRQ_LEVEL_HIGH 4

static int cpus_node(void *fdt, unsigned int ncpus)
{
	char name[32];
	int err = 0;

	FDT_TRY(fdt_begin_node(fdt, "cpus"));
	FDT_TRY(fdt_property_u32(fdt, "#address-cells", 1));
	FDT_TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (unsigned int i = 0; i < ncpus; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		FDT_TRY(fdt_begin_node(fdt, name));
		FDT_TRY(fdt_property_string(fdt, "device_type", "cpu"));
		FDT_TRY(fdt_property_string(fdt, "compatible", "arm,arm-v8"));
		/* KVM gives vCPU i the MPIDR Aff0 = i[3:0], Aff1 = i[11:4]:
		 * PSCI CPU_ON and the GIC find a CPU by that. */
		FDT_TRY(fdt_property_u32(fdt, "reg", ((i >> 4) << 8) | (i & 0xf)));
		FDT_TRY(fdt_property_string(fdt, "enable-method", "psci"));
		FDT_TRY(fdt_end_node(fdt));
	}
	FDT_TRY(fdt_end_node(fdt));
	FDT_TRY(fdt_begin_node(fdt, "psci"));
	FDT_TRY(fdt_property_string(fdt, "compatible", "arm,psci-0.2"));
	FDT_TRY(fdt_property_string(fdt, "method", "hvc"));
	FDT_TRY(fdt_end_node(fdt));
	return err;
}

static int gic_node(void *fdt, unsigned int ncpus)
{
	fdt64_t reg[4] = { cpu_to_fdt64(ARM64_GICD_BASE),
			   cpu_to_fdt64(ARM64_GICD_SIZE),
			   cpu_to_fdt64(ARM64_GICR_BASE),
			   cpu_to_fdt64(ARM64_GICR_STRIDE * ncpus) };
	int err = 0;

	FDT_TRY(fdt_begin_node(fdt, "intc@8000000"));
	FDT_TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
	FDT_TRY(fdt_property_u32(fdt, "#interrupt-cells", 3));
	FDT_TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	FDT_TRY(fdt_property(fdt, "reg", reg, sizeof(reg)));
	FDT_TRY(fdt_property_u32(fdt, "phandle", PHANDLE_GIC));
	FDT_TRY(fdt_end_node(fdt));
	return err;
}

static int timer_node(void *fdt)
{
	static const uint32_t ppi[4] = { ARM64_TIMER_PPI_SEC,
					 ARM64_TIMER_PPI_NONSEC,
					 ARM64_TIMER_PPI_VIRT,
					 ARM64_TIMER_PPI_HYP };
	fdt32_t irq[12];
	int err = 0;

	for (unsigned int i = 0; i < 4; i++) {
		irq[3 * i] = cpu_to_fdt32(GIC_PPI);
		irq[3 * i + 1] = cpu_to_fdt32(ppi[i]);
		irq[3 * i + 2] = cpu_to_fdt32(IRQ_LEVEL_HIGH);
	}
	FDT_TRY(fdt_begin_node(fdt, "timer"));
	FDT_TRY(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	FDT_TRY(fdt_property(fdt, "interrupts", irq, sizeof(irq)));
	FDT_TRY(fdt_property(fdt, "always-on", NULL, 0));
	FDT_TRY(fdt_end_node(fdt));
	return err;
}

static int uart_node(void *fdt)
{
	struct arch_place p = arch_sysdev_place(SYSDEV_UART);
	fdt32_t irq[3] = { cpu_to_fdt32(GIC_SPI), cpu_to_fdt32(p.gsi),
			   cpu_to_fdt32(IRQ_LEVEL_HIGH) };
	int err = 0;

	FDT_TRY(fdt_begin_node(fdt, "uart@9000000"));
	FDT_TRY(fdt_property_string(fdt, "compatible", "ns16550a"));
	FDT_TRY(fdt_reg2(fdt, p.base, p.len));
	FDT_TRY(fdt_property(fdt, "interrupts", irq, sizeof(irq)));
	FDT_TRY(fdt_property_u32(fdt, "clock-frequency", 1843200));
	FDT_TRY(fdt_end_node(fdt));
	return err;
}

static int devices(void *fdt, const struct arch_boot_desc *d)
{
	int err = 0;

	FDT_TRY(uart_node(fdt));
	for (unsigned int i = 0; i < d->nvirtio; i++) {
		const struct arch_place *v = &d->virtio[i];
		fdt32_t irq[3] = { cpu_to_fdt32(GIC_SPI), cpu_to_fdt32(v->gsi),
				   cpu_to_fdt32(IRQ_EDGE_RISING) };

		FDT_TRY(fdt_virtio_node(fdt, v->base, v->len, irq, 3,
					PHANDLE_GIC, d->pool_size != 0));
	}
	return err;
}

static int build_dt(void *buf, size_t len, const struct arch_boot_desc *d)
{
	struct arch_ram_region ram[ARCH_MAX_RAM_REGIONS];
	unsigned int n = arch_ram_regions(d->ram, ram);
	int err = fdt_create(buf, (int)len);

	FDT_TRY(fdt_finish_reservemap(buf));
	FDT_TRY(fdt_begin_node(buf, ""));
	FDT_TRY(fdt_property_u32(buf, "#address-cells", 2));
	FDT_TRY(fdt_property_u32(buf, "#size-cells", 2));
	FDT_TRY(fdt_property_string(buf, "compatible", "linux,dummy-virt"));
	FDT_TRY(fdt_property_string(buf, "model", "cvmm"));
	FDT_TRY(fdt_property_u32(buf, "interrupt-parent", PHANDLE_GIC));
	FDT_TRY(fdt_begin_node(buf, "chosen"));
	FDT_TRY(fdt_property_string(buf, "bootargs", d->cmdline));
	FDT_TRY(fdt_property_string(buf, "stdout-path", "/uart@9000000"));
	FDT_TRY(fdt_end_node(buf));
	FDT_TRY(fdt_memory_node(buf, ram, n));
	if (d->pool_size)
		FDT_TRY(fdt_pool_node(buf, d->pool_base, d->pool_size));
	FDT_TRY(cpus_node(buf, d->ncpus));
	FDT_TRY(gic_node(buf, d->ncpus));
	FDT_TRY(timer_node(buf));
	FDT_TRY(devices(buf, d));
	FDT_TRY(fdt_end_node(buf));
	return fdt_done(buf, err);
}

int arch_boot_build(struct arch_boot *b, const struct arch_boot_desc *d,
		    struct launch_list *l)
{
	int size;

	/* No /chosen initrd properties yet: refused, never ignored. */
	if (d->initrd_size)
		return -EOPNOTSUPP;
	size = build_dt(b->dtb, sizeof(b->dtb), d);
	if (size < 0)
		return size;
	b->dtb_gpa = d->dt_base;
	return launch_add(l, d->dt_base, b->dtb, (uint64_t)size,
			  LAUNCH_BOOT_DATA, "device tree");
}

struct arch_entry arch_boot_entry(const struct arch_boot *b,
				  uint64_t kernel_entry)
{
	return (struct arch_entry){ .pc = kernel_entry, .arg = b->dtb_gpa };
}
