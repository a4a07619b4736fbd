/*
 * The test kernel's internal interface, shared by both architectures. It
 * runs identity-mapped. On x86, after kernel_init everything runs in ring
 * 3 with IOPL 3 (port I/O allowed), interrupts off, and reaches ring 0
 * only through sys_*() calls; on arm64 everything runs at EL1 with the
 * MMU on.
 */
#ifndef TK_KERNEL_H
#define TK_KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../devices/pv_abi.h"

#define PAGE 4096ULL
#define MiB_ (1ULL << 20)
#define GiB_ (1ULL << 30)

/*
 * The arch interface: pv_in/pv_out for the paravirtual registers of
 * devices/pv_abi.h (ports on x86, MMIO on arm64), mmio_rd32/mmio_wr32/
 * mmio_rd64 (one access instruction each), the barriers wmb/rmb/mb,
 * cpu_relax, arch_ticks and ARCH_WAIT_TICKS for polling deadlines,
 * ARCH_MMIO_SAMPLE (some device's registers), MAX_CPUS, struct boot, and
 * what only one architecture has.
 */
#if defined(__x86_64__)
#include "x86/arch.h"
#elif defined(__aarch64__)
#include "arm64/arch.h"
#else
#error "the test kernel is built for x86_64 or aarch64"
#endif

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

/* pv_dev.c: cvmm's paravirtual devices, through pv_in/pv_out. */
__attribute__((noreturn)) void vm_exit(uint32_t status);
/* Convert by hypercall where it reaches cvmm, else by the device. */
uint32_t pv_convert(uint64_t gpa, uint64_t npages, uint32_t attrs);
uint32_t pv_convert_device(uint64_t gpa, uint64_t npages, uint32_t attrs);
uint32_t pv_footprint_pages(void);
uint32_t pv_test(uint32_t cmd, uint64_t addr, uint32_t len, uint32_t arg);
uint32_t pv_test_value(void);
uint32_t pv_test_refused(void);
uint32_t fnv1a(const void *p, size_t n);
uint32_t fnv1a_continue(uint32_t h, const void *p, size_t n);

/*
 * Sharing with the host, the arch's way (pv.c): the whole DMA pool, as a
 * confidential guest does with a restricted-dma-pool; one page outside
 * it; one page made (or kept) private. PV_OK or the platform's answer.
 */
bool dma_pool_share(uint64_t base, uint64_t size);
uint32_t page_share(uint64_t gpa);
uint32_t page_private(uint64_t gpa);

/* fdt.c: reading the device tree (fdt_from_boot: main.c, the arch way). */
uint32_t be32(const void *p);
uint64_t be64(const void *p);
bool fdt_valid(const void *fdt);
const void *fdt_from_boot(void);
const void *fdt_prop(const void *fdt, uint32_t node, const char *name,
		     uint32_t *len);
uint32_t fdt_next_compatible(const void *fdt, uint32_t after,
			     const char *compat);
uint32_t fdt_by_phandle(const void *fdt, uint32_t phandle);
uint32_t fdt_next_named(const void *fdt, uint32_t after, const char *name);
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
/* Sleep until an interrupt unless *p != seen already. The check and the
 * sleep are one step with interrupts masked, so an interrupt that comes
 * after the check still wakes it. Only after irq_enable(). */
void irq_wait_change(const volatile uint16_t *p, uint16_t seen);
/* Wall-clock nanoseconds from an arbitrary start, for benchmarks (x86:
 * the local APIC timer, arm64: the architected counter). */
uint64_t arch_clock_ns(void);

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

/* Is [addr, addr+len) in use by the kernel or boot information? */
bool range_in_use(uint64_t addr, uint64_t len);

static inline bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
				  uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* What the exit device hears besides 0 (every check passed). */
#define EXIT_CHECKS_FAILED 3
#define EXIT_BAD_TEST 4
#define EXIT_EXCEPTION 5

/* Checks: one line each, counted. */
void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
extern unsigned int checks_passed, checks_failed;

/* Tests. arg is what follows "NAME:" in test=NAME:ARG (or ""). */
struct test {
	const char *name;
	void (*run)(const char *arg);
};
/*
 * dispatch.c: run the test of tests[] (n of them) that test=NAME[:ARG] on
 * the command line names (default hello), then the arch's report lines
 * (arch_test_report), the RESULT line and the exit.
 */
__attribute__((noreturn)) void run_test(const struct test *tests, size_t n);

/*
 * t_common.c: memtest walks RAM region i (false past the last), as the
 * arch's boot information gives it (arch_ram_region), after
 * arch_memtest_prepare() (x86: RAM above 4 GiB mapped, one check).
 */
bool arch_ram_region(unsigned int i, uint64_t *base, uint64_t *len);
/* smp:N: N from arg (one failed check if it is not 1..MAX_CPUS), and the
 * wait until N-1 secondary CPUs are online (ap_online) or the deadline. */
bool smp_cpus_arg(const char *arg, uint64_t *ncpus);
void smp_wait_online(uint64_t ncpus);

void t_hello(const char *arg);
void t_exit(const char *arg);
void t_memtest(const char *arg);
void t_smp(const char *arg);
void t_virtio_blk(const char *arg);
void t_virtio_rng(const char *arg);
void t_virtio_console(const char *arg);
void t_flood(const char *arg);
void t_blk_durable(const char *arg);
void t_blkbench(const char *arg);
void t_dma_escape(const char *arg);
void t_pool_exhaust(const char *arg);

/* The tests every architecture has: the start of each arch's table. */
#define TESTS_EVERY_ARCH                                                     \
	{ "hello", t_hello }, { "exit", t_exit }, { "memtest", t_memtest },  \
	{ "smp", t_smp }, { "virtio-blk", t_virtio_blk },                    \
	{ "virtio-rng", t_virtio_rng },                                      \
	{ "virtio-console", t_virtio_console }, { "flood", t_flood },        \
	{ "blk-durable", t_blk_durable }, { "blkbench", t_blkbench },        \
	{ "dma-escape", t_dma_escape }, { "pool-exhaust", t_pool_exhaust }

extern volatile uint32_t ap_online;
extern char __kernel_start[], __kernel_end[];

#endif
