/* SPDX-License-Identifier: MIT */
/*
 * Where things go in a guest, decided from the config and the kernel
 * before the VM exists: the device tree module right after the kernel,
 * the DMA pool at the top of low RAM, virtio devices in the MMIO hole.
 * Pure functions, so --dry-run and tests see the same plan as the VM.
 */
#ifndef CVMM_LAYOUT_PLAN_H
#define CVMM_LAYOUT_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define PLAN_VIRTIO_BASE 0xd0000000ULL
#define PLAN_VIRTIO_STRIDE 0x1000ULL
#define PLAN_VIRTIO_GSI 16 /* IOAPIC pins 16..23: not shared with ISA */

struct plan {
	unsigned int nvirtio;
	uint64_t dtb_base, dtb_size;
	uint64_t pool_base, pool_size;	/* size 0: no pool */
	uint64_t dma_base, dma_size;	/* devices' window; size 0: all RAM */
};

static inline uint64_t plan_virtio_base(unsigned int i)
{
	return PLAN_VIRTIO_BASE + i * PLAN_VIRTIO_STRIDE;
}

static inline unsigned int plan_virtio_gsi(unsigned int i)
{
	return PLAN_VIRTIO_GSI + i;
}

/* Number of virtio devices the config asks for. */
unsigned int plan_virtio_count(const struct vm_config *c);

/*
 * Plan a guest whose kernel ends at kernel_end. Returns 0, or -E2BIG with
 * a one-line reason in err when the pool or device tree does not fit.
 */
int plan_layout(const struct vm_config *c, uint64_t kernel_end,
		struct plan *p, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
