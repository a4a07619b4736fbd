/*
 * The arm64 side of the test kernel's arch interface (included by
 * kernel.h). cvmm's arm64 map (arch/arm64/layout.h): the paravirtual
 * devices of devices/pv_abi.h are 32-bit MMIO registers at the same
 * offsets from 0x0a00_0000 (exit), 0x0a00_1000 (conversion) and
 * 0x0a00_2000 (test); the console is a 16550 with byte-wide registers.
 *
 * Every device access is one `ldr`/`str` of inline assembly: only such an
 * access carries the syndrome (ISV) that lets KVM hand it to cvmm; on a
 * protected VM, pKVM turns any other form into an external abort.
 */
#ifndef TK_ARM64_ARCH_H
#define TK_ARM64_ARCH_H

#include "../../../arch/arm64/layout.h"

#define MAX_CPUS 8
#define STACK_SIZE 16384

static inline uint32_t mmio_rd32(uint64_t a)
{
	uint32_t v;

	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}
static inline void mmio_wr32(uint64_t a, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}
static inline uint64_t mmio_rd64(uint64_t a)
{
	uint64_t v;

	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}
static inline void mmio_wr8(uint64_t a, uint8_t v)
{
	__asm__ volatile("strb %w0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

static inline void uart_out(uint8_t c)
{
	mmio_wr8(ARM64_UART_BASE, c);
}

/* A pv_abi.h register (a port number on x86) as an MMIO address. */
static inline uint64_t pv_addr(uint16_t reg)
{
	if (reg >= PV_TEST_BASE)
		return ARM64_PV_BASE + 2 * ARM64_PV_STRIDE + (reg - PV_TEST_BASE);
	if (reg >= PV_CONV_BASE)
		return ARM64_PV_BASE + ARM64_PV_STRIDE + (reg - PV_CONV_BASE);
	return ARM64_PV_BASE + (reg - PV_EXIT_PORT);
}
static inline void pv_out(uint16_t reg, uint32_t v)
{
	mmio_wr32(pv_addr(reg), v);
}
static inline uint32_t pv_in(uint16_t reg)
{
	return mmio_rd32(pv_addr(reg));
}

static inline void cpu_relax(void)
{
	__asm__ volatile("yield" ::: "memory");
}

/*
 * The host is another CPU in the inner shareable domain for ring memory;
 * the notify is a device write, so the full barrier is a DSB.
 */
#define wmb() __asm__ volatile("dmb ishst" ::: "memory")
#define rmb() __asm__ volatile("dmb ishld" ::: "memory")
#define mb() __asm__ volatile("dsb sy" ::: "memory")

static inline uint64_t arch_ticks(void)
{
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}
static inline uint64_t counter_hz(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}
/* Polling deadlines: 30 s of the architected counter. */
#define ARCH_WAIT_TICKS (30 * counter_hz())

/* The first virtio-mmio device's registers, for dma-escape. */
#define ARCH_MMIO_SAMPLE ARM64_VIRTIO_BASE

/* SMCCC calls by `hvc #0`: x0 = function, x1..x3 arguments; x0..x3 back. */
struct smccc_res {
	uint64_t a0, a1, a2, a3;
};
struct smccc_res hvc_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3);

#define PSCI_VERSION 0x84000000u
#define PSCI_CPU_ON 0xc4000003u
#define PSCI_SUCCESS 0
#define PSCI_INVALID_PARAMETERS (-2)
#define PSCI_ALREADY_ON (-4)
/* The MPIDR KVM gives vCPU i (Aff0: 4 bits, then Aff1). */
#define CPU_MPIDR(i) (((uint64_t)(i) & 0xf) | ((uint64_t)(i) >> 4 & 0xff) << 8)

/* Nothing to report after a test; all RAM is mapped from the start. */
static inline void arch_test_report(void)
{
}

static inline void arch_memtest_prepare(void)
{
}

/* Boot information from the device tree in X0 (main.c). */
struct boot {
	const void *fdt;
	const char *cmdline;
	uint64_t ram_base, ram_bytes;
};
extern struct boot boot;

/* pv.c: pKVM's memory sharing, when the hypervisor offers it. */
bool pkvm_sharing(void);
uint64_t pkvm_granule(void);
uint32_t pkvm_mem_share(uint64_t ipa);
uint32_t pkvm_mem_unshare(uint64_t ipa);

/* t_pkvm.c */
void t_isolation(const char *arg);
void t_scrub(const char *arg);
void t_unshare_under_io(const char *arg);

extern volatile uint64_t ap_mpidr[MAX_CPUS];
void ap_entry(void);
uint64_t read_mpidr(void);

#endif
