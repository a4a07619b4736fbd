/*
 * The bounce-buffer allocator: every buffer a device sees lives in the DMA
 * pool the device tree declares, which the host shares. Like swiotlb, the
 * pool is cut into fixed slots tracked by a bitmap; an allocation takes
 * the first aligned run of free slots, and exhaustion is reported, not
 * fatal. Not thread-safe: only the BSP does I/O.
 */
#include "kernel.h"

#define SLOT 512u
#define MAX_SLOTS (64u * 1024) /* a 32 MiB pool */

static struct {
	uint64_t base;
	uint32_t nslots, used;
	uint64_t failures;
	uint8_t map[MAX_SLOTS / 8];
} pool;

static bool slot_used(uint32_t s)
{
	return pool.map[s / 8] & (1u << (s % 8));
}

static void mark(uint32_t first, uint32_t n, bool used)
{
	for (uint32_t s = first; s < first + n; s++) {
		if (used)
			pool.map[s / 8] |= (uint8_t)(1u << (s % 8));
		else
			pool.map[s / 8] &= (uint8_t)~(1u << (s % 8));
	}
}

bool bounce_init(uint64_t base, uint64_t size)
{
	memset(&pool, 0, sizeof(pool));
	if ((base & (SLOT - 1)) || size / SLOT > MAX_SLOTS || size < SLOT)
		return false;
	pool.base = base;
	pool.nslots = (uint32_t)(size / SLOT);
	return true;
}

uint64_t bounce_alloc(uint64_t len, uint64_t align)
{
	uint32_t n = (uint32_t)((len + SLOT - 1) / SLOT);
	uint32_t step = align > SLOT ? (uint32_t)(align / SLOT) : 1;

	if (len == 0 || len > (uint64_t)pool.nslots * SLOT)
		goto fail;
	/* The pool base is aligned to 2 MiB or more, so slot alignment is. */
	for (uint32_t s = 0; s + n <= pool.nslots; s += step) {
		uint32_t i = 0;

		while (i < n && !slot_used(s + i))
			i++;
		if (i == n) {
			mark(s, n, true);
			pool.used += n;
			return pool.base + (uint64_t)s * SLOT;
		}
	}
fail:
	pool.failures++;
	return 0;
}

void bounce_free(uint64_t addr, uint64_t len)
{
	uint32_t first = (uint32_t)((addr - pool.base) / SLOT);
	uint32_t n = (uint32_t)((len + SLOT - 1) / SLOT);

	if (addr < pool.base || first + n > pool.nslots) {
		printk("FAIL bounce_free of 0x%lx outside the pool\n", addr);
		return;
	}
	mark(first, n, false);
	pool.used -= n;
}

uint32_t bounce_free_slots(void)
{
	return pool.nslots - pool.used;
}

uint64_t bounce_failures(void)
{
	return pool.failures;
}

bool bounce_contains(uint64_t addr, uint64_t len)
{
	return addr >= pool.base &&
	       addr + len <= pool.base + (uint64_t)pool.nslots * SLOT;
}
