/* SPDX-License-Identifier: MIT */
/* Small helpers shared by every directory: checked arithmetic, sizes. */
#ifndef CVMM_UTIL_H
#define CVMM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MUST_CHECK __attribute__((warn_unused_result))

#define KiB (1ULL << 10)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* The most vCPUs a VM may have (per-vCPU device state is sized by it). */
#define MAX_VCPUS 64

#define PAGE_SIZE 4096ULL
#define PAGE_SHIFT 12

static inline bool is_aligned(uint64_t v, uint64_t align)
{
	return (v & (align - 1)) == 0;
}

static inline uint64_t align_up(uint64_t v, uint64_t align)
{
	return (v + align - 1) & ~(align - 1);
}

/* *end = start + len; false on overflow or len == 0 (empty ranges are bugs). */
static inline bool range_end(uint64_t start, uint64_t len, uint64_t *end)
{
	return len != 0 && !__builtin_add_overflow(start, len, end);
}

/* Is [start, start+len) wholly inside [base, base+size)? Overflow-safe. */
static inline bool range_within(uint64_t start, uint64_t len, uint64_t base,
				uint64_t size)
{
	uint64_t end;

	return range_end(start, len, &end) && start >= base &&
	       end - base <= size;
}

/* Do [a, a+alen) and [b, b+blen) overlap? Both must be valid ranges. */
static inline bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b,
				  uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/*
 * Parse a size such as "64M", "2G", "4096" or "512K" (binary units,
 * case-insensitive, optional trailing "iB"/"B"). Returns 0 or -EINVAL
 * (malformed) / -ERANGE (overflow).
 */
int parse_size(const char *s, uint64_t *out) MUST_CHECK;

/* Parse a decimal unsigned int in [min, max]; 0 or -EINVAL/-ERANGE. */
int parse_uint(const char *s, unsigned int min, unsigned int max,
	       unsigned int *out) MUST_CHECK;

/* Tell the CPU we are spinning (saves power, yields to a hyperthread). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield" ::: "memory");
#else
	__asm__ volatile("" ::: "memory");
#endif
}

/* Monotonic time in nanoseconds. */
uint64_t now_ns(void);

/*
 * A hint that [p, p+len), fresh anonymous memory, is about to be written
 * whole: its pages are faulted in with one system call
 * (MADV_POPULATE_WRITE) instead of one fault each. Where cvmm's host is
 * itself a VM a first-touch fault can cost ~30 us (measured on ours)
 * against ~1 us a page populated. Errors (a kernel before 5.14) are
 * ignored: the pages then fault as before.
 */
void prefault_write(void *p, size_t len);

/* Human-readable size ("64 MiB", "4 KiB", "1.5 GiB") into buf. */
const char *format_size(uint64_t bytes, char *buf, size_t len);

#endif
