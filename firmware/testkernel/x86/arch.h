/*
 * The x86 side of the test kernel's arch interface (included by kernel.h):
 * port I/O for cvmm's paravirtual devices and the UART, the TSC, barriers,
 * and what only the x86 kernel has (PVH boot information, ring 3 and its
 * system calls, the CPU start device, CPUID).
 */
#ifndef TK_X86_ARCH_H
#define TK_X86_ARCH_H

#include "../../../arch/x86/pvh.h"
#include "../kernel_asm.h"

/* Port I/O. */
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}
static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

/* The paravirtual devices' registers are the ports of devices/pv_abi.h. */
static inline void pv_out(uint16_t reg, uint32_t v)
{
	outl(reg, v);
}
static inline uint32_t pv_in(uint16_t reg)
{
	return inl(reg);
}

/* The console: COM1's transmit register. */
static inline void uart_out(uint8_t c)
{
	outb(0x3f8, c);
}

/* MMIO: x86 loads and stores of any form exit with a full decode. */
static inline uint32_t mmio_rd32(uint64_t a)
{
	return *(volatile uint32_t *)a;
}
static inline void mmio_wr32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}
static inline uint64_t mmio_rd64(uint64_t a)
{
	return *(volatile uint64_t *)a;
}

/* x86 keeps stores in order and loads in order: compiler barriers. */
#define wmb() __asm__ volatile("" ::: "memory")
#define rmb() __asm__ volatile("" ::: "memory")
#define mb() __asm__ volatile("mfence" ::: "memory")

/* Polling deadlines, in TSC cycles: generous, some hosts are slow. */
#define arch_ticks() rdtsc()
#define ARCH_WAIT_TICKS 20000000000ULL

/* A virtio-mmio device's registers (cvmm's x86 map), for dma-escape. */
#define ARCH_MMIO_SAMPLE 0xd0000000ULL

/* main.c: ring-0 services for ring 3. */
enum { SYS_FLUSH_TLB = 1, SYS_VMCALL = 2, SYS_VMMCALL = 3, SYS_TRIPLE_FAULT = 4,
       SYS_IRQ_ENABLE = 5, SYS_IRQ_WAIT = 6 };
uint64_t syscall4(uint64_t nr, uint64_t a, uint64_t b, uint64_t c,
		  uint64_t d);

/* pv.c: "VMMCALL", "VMCALL" or "the conversion device": what pv_convert uses. */
const char *conv_trigger(void);
extern struct conv_counts {
	uint64_t hypercall, device;
} conv_counts;
uint32_t pv_cpu_start(uint32_t cpu, uint32_t entry, uint32_t arg);

/* Boot information, parsed once in ring 3. */
struct boot {
	const struct hvm_start_info *si;
	const char *cmdline;
	const struct hvm_memmap_table_entry *memmap;
	uint32_t nmemmap;
	uint64_t ram_bytes; /* sum of RAM entries */
};
extern struct boot boot;

/* Map RAM above 4 GiB (identity, 2 MiB pages); false if too much. */
bool map_high_ram(void);

/* main.c: the conversions line after a test; memtest's check that RAM
 * above 4 GiB is mapped. */
void arch_test_report(void);
void arch_memtest_prepare(void);

/* t_mem.c: helpers for memory tests. */
/* Fill [a, a+len) with a pattern derived from seed; check it is there. */
void pattern_fill(uint64_t a, uint64_t len, uint32_t seed);
bool pattern_holds(uint64_t a, uint64_t len, uint32_t seed);
/* First 2 MiB-aligned address past everything the kernel uses. */
uint64_t scratch_base(void);
/* Was cvmm started with --testdev? */
bool have_testdev(void);
/* The host's FNV-1a of [a, a+len) through the test device, or ~0. */
uint32_t host_hash(uint64_t a, uint32_t len, uint32_t *status);

/* x86-only tests. */
void t_fault(const char *arg);
void t_unclaimed(const char *arg);
void t_reset(const char *arg);
void t_triple(const char *arg);
void t_irq(const char *arg);
void t_idle(const char *arg);
void t_convert(const char *arg);
void t_convert_bad(const char *arg);
void t_guard(const char *arg);
void t_churn(const char *arg);
void t_scatter(const char *arg);
void t_memfault(const char *arg);
void t_initial(const char *arg);

extern volatile uint32_t ap_apic_id[MAX_CPUS];
extern char ap_entry[];

#endif
