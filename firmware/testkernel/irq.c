/*
 * Device interrupts: the IOAPIC routes a pin to a vector on the boot CPU's
 * local APIC; a ring-0 handler counts it and signals end of interrupt.
 * Drivers only watch the counters, from ring 3.
 */
#include "kernel.h"

#define LAPIC 0xfee00000ULL
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define IOAPIC 0xfec00000ULL
#define IRQ_BASE_VECTOR 0x30
#define SPURIOUS_VECTOR 0xff

volatile uint32_t irq_count[IRQ_VECTORS];

static void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

/* Ring 0: count, then end of interrupt (not for spurious ones). */
void irq_handler(uint64_t vector);
void irq_handler(uint64_t vector)
{
	if (vector == SPURIOUS_VECTOR)
		return;
	if (vector >= IRQ_BASE_VECTOR && vector < IRQ_BASE_VECTOR + IRQ_VECTORS)
		irq_count[vector - IRQ_BASE_VECTOR]++;
	mmio_write32(LAPIC + LAPIC_EOI, 0);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(IOAPIC, reg);
	mmio_write32(IOAPIC + 0x10, v);
}

/* Route IOAPIC pin `gsi` to counter slot `slot`; edge, active high. */
void irq_route(uint32_t gsi, uint32_t slot)
{
	ioapic_write(0x10 + 2 * gsi, IRQ_BASE_VECTOR + slot);
	ioapic_write(0x11 + 2 * gsi, 0); /* destination: APIC ID 0 */
}

/* Enable the local APIC, then interrupts in ring 3 (through ring 0). */
void irq_enable(void)
{
	mmio_write32(LAPIC + LAPIC_TPR, 0);
	mmio_write32(LAPIC + LAPIC_SVR, 0x100 | SPURIOUS_VECTOR);
	syscall4(SYS_IRQ_ENABLE, 0, 0, 0, 0);
}
