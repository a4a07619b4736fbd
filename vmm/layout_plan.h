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

enum plan_kind { PLAN_BLK, PLAN_RNG, PLAN_CONSOLE };

/* One virtio device: what it is, where it sits, its interrupt. */
struct plan_virtio {
	enum plan_kind kind;
	unsigned int disk; /* PLAN_BLK: index into the config's disks */
	char name[16];	   /* blk0, rng, console */
	uint64_t base;
	unsigned int gsi;
};

#define PLAN_MAX_VIRTIO 8

struct plan {
	unsigned int nvirtio;
	struct plan_virtio virtio[PLAN_MAX_VIRTIO];
	uint64_t dtb_base, dtb_size;
	uint64_t pool_base, pool_size;	/* size 0: no pool */
	uint64_t dma_base, dma_size;	/* devices' window; size 0: all RAM */
};

/*
 * Plan a guest whose kernel ends at kernel_end. Returns 0, or -E2BIG with
 * a one-line reason in err when the pool or device tree does not fit.
 */
int plan_layout(const struct vm_config *c, uint64_t kernel_end,
		struct plan *p, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
