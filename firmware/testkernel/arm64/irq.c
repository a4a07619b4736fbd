/*
 * Device interrupts through the GICv3 cvmm creates in KVM: SPIs routed to
 * CPU 0 as Group 1, acknowledged and ended through the CPU interface's
 * system registers, and counted per slot. Drivers only watch the counters.
 * Distributor and redistributor registers go through mmio_rd32/mmio_wr32
 * like every device (one ldr/str each).
 */
#include "../kernel.h"

#define GICD_CTLR 0x0
#define GICD_IGROUPR 0x80
#define GICD_ISENABLER 0x100
#define GICD_IPRIORITYR 0x400
#define GICD_ICFGR 0xc00
#define GICD_IROUTER 0x6000
#define CTLR_ENABLE_G1 (1u << 1)
#define CTLR_ARE (1u << 4)
#define GICR_WAKER 0x14
#define WAKER_SLEEP (1u << 1)
#define WAKER_ASLEEP (1u << 2)
#define SPURIOUS 1020
#define PRIORITY 0xa0u

volatile uint32_t irq_count[IRQ_VECTORS];
volatile uint32_t irq_spurious, irq_unexpected;
static uint8_t slot_of[ARM64_NR_IRQS]; /* interrupt ID -> slot + 1 */

static void gicd_set(uint32_t off, uint32_t mask, uint32_t bits)
{
	uint64_t a = ARM64_GICD_BASE + off;

	mmio_wr32(a, (mmio_rd32(a) & ~mask) | bits);
}

/* EL1 with interrupts masked: count, then end of interrupt. */
void irq_handler(void);
void irq_handler(void)
{
	uint64_t iar, id;

	__asm__ volatile("mrs %0, icc_iar1_el1" : "=r"(iar));
	id = iar & 0xffffff;
	if (id >= SPURIOUS) {
		irq_spurious++;
		return;
	}
	if (id < ARM64_NR_IRQS && slot_of[id])
		irq_count[slot_of[id] - 1]++;
	else
		irq_unexpected++;
	__asm__ volatile("msr icc_eoir1_el1, %0; isb" : : "r"(iar));
}

/* Route SPI `gsi` (edge, as cvmm's device tree says) to counter `slot`. */
void irq_route(uint32_t gsi, uint32_t slot)
{
	uint32_t id = 32 + gsi, bit = 1u << (id % 32);

	if (id >= ARM64_NR_IRQS || slot >= IRQ_VECTORS)
		return;
	slot_of[id] = (uint8_t)(slot + 1);
	gicd_set(GICD_IGROUPR + 4 * (id / 32), 0, bit);
	gicd_set(GICD_IPRIORITYR + (id & ~3u), 0xffu << 8 * (id % 4),
		 PRIORITY << 8 * (id % 4));
	gicd_set(GICD_ICFGR + 4 * (id / 16), 0, 2u << 2 * (id % 16));
	mmio_wr32(ARM64_GICD_BASE + GICD_IROUTER + 8 * id, 0); /* CPU 0 */
	mmio_wr32(ARM64_GICD_BASE + GICD_IROUTER + 8 * id + 4, 0);
	mmio_wr32(ARM64_GICD_BASE + GICD_ISENABLER + 4 * (id / 32), bit);
}

/* The distributor, CPU 0's redistributor and CPU interface, then DAIF.I. */
void irq_enable(void)
{
	uint64_t waker = ARM64_GICR_BASE + GICR_WAKER;

	mmio_wr32(ARM64_GICD_BASE + GICD_CTLR, CTLR_ARE | CTLR_ENABLE_G1);
	mmio_wr32(waker, mmio_rd32(waker) & ~WAKER_SLEEP);
	for (int i = 0; i < 1000000 && (mmio_rd32(waker) & WAKER_ASLEEP); i++)
		cpu_relax();
	__asm__ volatile("mrs x0, icc_sre_el1; orr x0, x0, #1; msr icc_sre_el1, x0; isb"
			 ::: "x0");
	__asm__ volatile("msr icc_pmr_el1, %0" : : "r"(0xffull));
	__asm__ volatile("msr icc_igrpen1_el1, %0; isb" : : "r"(1ull));
	__asm__ volatile("msr daifclr, #2" ::: "memory");
}

/* WFI wakes for a pending interrupt even while DAIF.I masks it; the
 * handler runs once it is unmasked. */
void irq_wait_change(const volatile uint16_t *p, uint16_t seen)
{
	__asm__ volatile("msr daifset, #2" ::: "memory");
	if (*p == seen)
		__asm__ volatile("dsb sy; wfi" ::: "memory");
	__asm__ volatile("msr daifclr, #2; isb" ::: "memory");
}

/* The architected counter is a wall clock already. */
uint64_t arch_clock_ns(void)
{
	uint64_t t = arch_ticks(), hz = counter_hz();

	return t / hz * 1000000000ULL + t % hz * 1000000000ULL / hz;
}
