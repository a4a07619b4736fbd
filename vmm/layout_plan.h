/* SPDX-License-Identifier: MIT */
/*
 * Where things go in a guest, decided from the config and the kernel
 * before the VM exists: the device tree right after the kernel, the DMA
 * pool at the top of the first RAM region, virtio devices where the
 * architecture places them.
 * Pure functions, so --dry-run and tests see the same plan as the VM.
 */
#ifndef CVMM_LAYOUT_PLAN_H
#define CVMM_LAYOUT_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "../arch/arch.h"
#include "config.h"
#include "device_types.h"

/* One virtio device: its kind, which instance, where it sits. */
struct plan_virtio {
	const struct device_type *type;
	unsigned int idx;  /* among instances of its kind (disk number) */
	char name[16];	   /* blk0, rng, console */
	struct arch_place place;
};

#define PLAN_MAX_VIRTIO 8

struct plan {
	unsigned int nvirtio;
	struct plan_virtio virtio[PLAN_MAX_VIRTIO];
	uint64_t dtb_base, dtb_size;
	uint64_t pool_base, pool_size;	/* size 0: no pool */
	uint64_t dma_base, dma_size;	/* devices' window; size 0: all RAM */
	uint64_t initrd_base, initrd_size; /* size 0: no initrd */
};

/*
 * Plan a guest whose kernel ends at kernel_end. Returns 0, or -E2BIG with
 * a one-line reason in err when the pool, the device tree or the devices
 * do not fit.
 */
int plan_layout(const struct vm_config *c, uint64_t kernel_end,
		struct plan *p, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Place an initrd of size bytes after the device tree, below the DMA pool
 * (plan_layout() first). Returns 0, or -E2BIG with a reason in err.
 */
int plan_initrd(const struct vm_config *c, uint64_t size, struct plan *p,
		char *err, size_t errlen) __attribute__((warn_unused_result));

#endif
