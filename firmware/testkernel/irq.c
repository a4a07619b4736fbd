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
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LVT_MASKED 0x10000
#define IOAPIC 0xfec00000ULL
#define IRQ_BASE_VECTOR 0x30
#define SPURIOUS_VECTOR 0xff

volatile uint32_t irq_count[IRQ_VECTORS];
volatile uint32_t irq_spurious, irq_unexpected;

static void mmio_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

/* Ring 0: count, then end of interrupt (not for spurious ones). */
void irq_handler(uint64_t vector);
void irq_handler(uint64_t vector)
{
	if (vector == SPURIOUS_VECTOR) {
		irq_spurious++;
		return;
	}
	if (vector >= IRQ_BASE_VECTOR && vector < IRQ_BASE_VECTOR + IRQ_VECTORS)
		irq_count[vector - IRQ_BASE_VECTOR]++;
	else
		irq_unexpected++;
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

/*
 * Enable the local APIC, then interrupts in ring 3 (through ring 0). The
 * legacy 8259s and LINT0/1 are masked first: KVM resets the BSP's LINT0 to
 * ExtINT and its PIT ticks from creation, so an unprogrammed PIC would
 * otherwise deliver IRQ 0 on a vector of its choosing.
 */
void irq_enable(void)
{
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	mmio_write32(LAPIC + LAPIC_LVT_LINT0, LVT_MASKED);
	mmio_write32(LAPIC + LAPIC_LVT_LINT1, LVT_MASKED);
	mmio_write32(LAPIC + LAPIC_TPR, 0);
	mmio_write32(LAPIC + LAPIC_SVR, 0x100 | SPURIOUS_VECTOR);
	syscall4(SYS_IRQ_ENABLE, 0, 0, 0, 0);
	/*
	 * Under the rig's nested KVM (SVM emulated by QEMU TCG), an MMIO
	 * access right after the iretq that set IF is reported to KVM as a
	 * fault during event delivery, which KVM cannot emulate (internal
	 * error, suberror 3). One port exit in between avoids it (test=irq).
	 * Port 0x80, the POST port, is harmless.
	 */
	outb(0x80, 0);
}

void irq_wait_change(const volatile uint16_t *p, uint16_t seen)
{
	syscall4(SYS_IRQ_WAIT, (uint64_t)(uintptr_t)p, seen, 0, 0);
}

/*
 * A wall clock for benchmarks: the local APIC timer, periodic, masked, at
 * KVM's default bus rate of 1 GHz divided by 16, counted down from 2^32-1
 * (68 s per period; callers read it far more often). Not the TSC: in the
 * rig's nested KVM the guest's TSC stops while its vCPU thread is off the
 * CPU (an unstable host TSC), so it measures the guest's CPU time.
 */
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_PERIODIC 0x20000
#define TIMER_NS_PER_TICK 16u

uint64_t arch_clock_ns(void)
{
	static bool started;
	static uint32_t last;
	static uint64_t ticks;
	uint32_t cur;

	if (!started) {
		mmio_write32(LAPIC + LAPIC_TIMER_DIV, 0x3); /* divide by 16 */
		mmio_write32(LAPIC + LAPIC_LVT_TIMER,
			     LVT_MASKED | LVT_PERIODIC | SPURIOUS_VECTOR);
		mmio_write32(LAPIC + LAPIC_TIMER_INIT, 0xffffffffu);
		last = *(volatile uint32_t *)(LAPIC + LAPIC_TIMER_CUR);
		started = true;
	}
	cur = *(volatile uint32_t *)(LAPIC + LAPIC_TIMER_CUR);
	ticks += (uint32_t)(last - cur);
	last = cur;
	return ticks * TIMER_NS_PER_TICK;
}
