/*
 * The test kernel's internal interface. It runs identity-mapped; after
 * kernel_init everything runs in ring 3 with IOPL 3 (port I/O allowed),
 * interrupts off, and reaches ring 0 only through sys_*() calls.
 */
#ifndef TK_KERNEL_H
#define TK_KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../arch/x86/pvh.h"
#include "../../devices/pv_abi.h"
#include "kernel_asm.h"

#define PAGE 4096ULL
#define MiB_ (1ULL << 20)
#define GiB_ (1ULL << 30)

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

/* lib.c: strings, memory, console. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
bool parse_u64(const char *s, uint64_t *out);
int vsnprintf_(char *buf, size_t len, const char *fmt, va_list ap);
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, size_t n);

/* pv.c: cvmm's paravirtual devices. */
__attribute__((noreturn)) void vm_exit(uint32_t status);
/* Convert by hypercall where it reaches cvmm, else by the device. */
uint32_t pv_convert(uint64_t gpa, uint64_t npages, uint32_t attrs);
/* "VMMCALL", "VMCALL" or "the conversion device": what pv_convert uses. */
const char *conv_trigger(void);
extern struct conv_counts {
	uint64_t hypercall, device;
} conv_counts;
uint32_t pv_footprint_pages(void);
uint32_t pv_cpu_start(uint32_t cpu, uint32_t entry, uint32_t arg);
uint32_t pv_test(uint32_t cmd, uint64_t addr, uint32_t len, uint32_t arg);
uint32_t pv_test_value(void);
uint32_t pv_test_refused(void);
uint32_t fnv1a(const void *p, size_t n);
uint32_t fnv1a_continue(uint32_t h, const void *p, size_t n);

/* main.c: ring-0 services for ring 3. */
enum { SYS_FLUSH_TLB = 1, SYS_VMCALL = 2, SYS_VMMCALL = 3, SYS_TRIPLE_FAULT = 4,
       SYS_IRQ_ENABLE = 5 };
uint64_t syscall4(uint64_t nr, uint64_t a, uint64_t b, uint64_t c,
		  uint64_t d);

/* fdt.c: reading the device tree cvmm passes as a module. */
uint32_t be32(const void *p);
uint64_t be64(const void *p);
bool fdt_valid(const void *fdt);
const void *fdt_from_boot(void);
const void *fdt_prop(const void *fdt, uint32_t node, const char *name,
		     uint32_t *len);
uint32_t fdt_next_compatible(const void *fdt, uint32_t after,
			     const char *compat);
uint32_t fdt_by_phandle(const void *fdt, uint32_t phandle);
bool fdt_reg(const void *fdt, uint32_t node, uint64_t *base, uint64_t *size);

/* bounce.c: the allocator over the DMA pool. */
bool bounce_init(uint64_t base, uint64_t size);
uint64_t bounce_alloc(uint64_t len, uint64_t align); /* 0 when exhausted */
void bounce_free(uint64_t addr, uint64_t len);
uint32_t bounce_free_slots(void);
uint64_t bounce_failures(void);
bool bounce_contains(uint64_t addr, uint64_t len);

/* irq.c: device interrupts, counted per slot. */
#define IRQ_VECTORS 8
extern volatile uint32_t irq_count[IRQ_VECTORS];
extern volatile uint32_t irq_spurious, irq_unexpected;
void irq_route(uint32_t gsi, uint32_t slot);
void irq_enable(void);

/* virtio.c: a virtio-mmio driver. */
#define VQ_SIZE 64
struct vq {
	uint16_t size, avail_idx, last_used;
	uint64_t mem, desc, avail, used;
};
struct vdev {
	uint64_t base, features, extra_features;
	uint32_t gsi;
	unsigned int nq;
	struct vq q[2];
};
struct vbuf {
	uint64_t addr;
	uint32_t len;
	bool write;
};
bool virtio_find(struct vdev *d, uint32_t device_id, unsigned int nth);
bool virtio_init(struct vdev *d, uint32_t device_id, unsigned int nq);
void virtio_teardown(struct vdev *d);
bool dma_pool_init(uint64_t *base, uint64_t *size);
void vq_desc(struct vq *q, uint16_t i, uint64_t addr, uint32_t len,
	     uint16_t flags, uint16_t next);
void vq_kick(struct vdev *d, unsigned int qi, uint16_t head);
bool vq_wait(struct vdev *d, unsigned int qi, uint32_t *id, uint32_t *len);
uint32_t vq_request(struct vdev *d, unsigned int qi, const struct vbuf *b,
		    unsigned int n, bool indirect);

/* Boot information, parsed once in ring 3. */
struct boot {
	const struct hvm_start_info *si;
	const char *cmdline;
	const struct hvm_memmap_table_entry *memmap;
	uint32_t nmemmap;
	uint64_t ram_bytes; /* sum of RAM entries */
};
extern struct boot boot;

/* Is [addr, addr+len) in use by the kernel or boot information? */
bool range_in_use(uint64_t addr, uint64_t len);
/* Map RAM above 4 GiB (identity, 2 MiB pages); false if too much. */
bool map_high_ram(void);

/* Checks: one line each, counted. */
void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
extern unsigned int checks_passed, checks_failed;

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

/* Tests. arg is what follows "NAME:" in test=NAME:ARG (or ""). */
struct test {
	const char *name;
	void (*run)(const char *arg);
};
void t_hello(const char *arg);
void t_exit(const char *arg);
void t_memtest(const char *arg);
void t_smp(const char *arg);
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
void t_virtio_blk(const char *arg);
void t_virtio_rng(const char *arg);
void t_virtio_console(const char *arg);
void t_flood(const char *arg);
void t_blk_durable(const char *arg);
void t_dma_escape(const char *arg);
void t_pool_exhaust(const char *arg);
void t_memfault(const char *arg);
void t_initial(const char *arg);

extern volatile uint32_t ap_online;
extern volatile uint32_t ap_apic_id[MAX_CPUS];
extern char ap_entry[], __kernel_start[], __kernel_end[];

#endif
