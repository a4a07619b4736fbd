/* SPDX-License-Identifier: MIT */
/*
 * Device-tree pieces every architecture writes the same way (libfdt
 * sequential-write API): reg pairs, the memory node, the DMA pool as a
 * restricted-dma-pool, a virtio-mmio node linked to it. Each returns 0 or
 * a negative FDT_ERR_*; FDT_TRY keeps the first failure.
 */
#ifndef CVMM_FDT_COMMON_H
#define CVMM_FDT_COMMON_H

#include <libfdt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"

#define FDT_TRY(expr)                              \
	do {                                       \
		if (!err)                          \
			err = (expr);              \
	} while (0)

/* The pool's phandle; architectures number their own from 2 on. */
#define FDT_PHANDLE_POOL 1

/* "reg" of one (base, size) pair, two cells each. */
int fdt_reg2(void *fdt, uint64_t base, uint64_t size);

/* memory@BASE listing the RAM regions. */
int fdt_memory_node(void *fdt, const struct arch_ram_region *r,
		    unsigned int n);

/* /reserved-memory with the DMA pool as a restricted-dma-pool. */
int fdt_pool_node(void *fdt, uint64_t base, uint64_t size);

/*
 * virtio@BASE: virtio,mmio with irq (ncells cells, in the parent's
 * format), dma-coherent, and memory-region pointing at the pool if any.
 */
int fdt_virtio_node(void *fdt, uint64_t base, uint64_t size,
		    const fdt32_t *irq, unsigned int ncells, uint32_t parent,
		    bool pool);

/* Finish the blob: its size, or -ENOSPC / -EINVAL from a libfdt error. */
int fdt_done(void *fdt, int err);

#endif
