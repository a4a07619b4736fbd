/* SPDX-License-Identifier: MIT */
/*
 * The device tree cvmm hands to a guest as a PVH module: memory, the DMA
 * pool as a restricted-dma-pool under /reserved-memory, the IOAPIC, one
 * virtio,mmio node per device (with its interrupt and a memory-region link
 * to the pool) and /chosen/bootargs.
 */
#ifndef CVMM_X86_FDT_H
#define CVMM_X86_FDT_H

#include <stddef.h>
#include <stdint.h>

#define X86_IOAPIC_BASE 0xfec00000ULL
#define X86_FDT_MAX 16384

struct fdt_virtio {
	uint64_t base, size;
	unsigned int gsi;
};

struct fdt_layout {
	uint64_t ram;
	const char *bootargs;
	uint64_t pool_base, pool_size; /* size 0: no pool */
	const struct fdt_virtio *virtio;
	size_t nvirtio;
};

/*
 * Write the blob into buf (len bytes). Returns its size, or -ENOSPC /
 * -EINVAL when libfdt fails.
 */
int x86_build_fdt(void *buf, size_t len, const struct fdt_layout *l)
	__attribute__((warn_unused_result));

#endif
