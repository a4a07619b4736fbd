// SPDX-License-Identifier: MIT
#include "layout_plan.h"

#include <errno.h>
#include <stdio.h>

#include "../arch/x86/fdt.h"
#include "../arch/x86/layout.h"
#include "util.h"

unsigned int plan_virtio_count(const struct vm_config *c)
{
	return c->ndisks + (c->rng ? 1 : 0) +
	       (c->console == CONSOLE_VIRTIO ? 1 : 0);
}

int plan_layout(const struct vm_config *c, uint64_t kernel_end,
		struct plan *p, char *err, size_t errlen)
{
	struct x86_ram_layout l = x86_ram_layout(c->memory);
	char a[32], b[32];

	p->nvirtio = plan_virtio_count(c);
	p->dtb_base = align_up(kernel_end, PAGE_SIZE);
	p->dtb_size = X86_FDT_MAX;
	p->pool_size = p->nvirtio ? c->dma_pool : 0;
	/* 2 MiB aligned when it can be: conversions of whole huge pages. */
	p->pool_base = (l.low_size - p->pool_size) &
		       ~((p->pool_size >= 2 * MiB ? 2 * MiB : PAGE_SIZE) - 1);
	if (p->dtb_base + p->dtb_size > l.low_size ||
	    (p->pool_size && p->pool_base < p->dtb_base + p->dtb_size)) {
		snprintf(err, errlen, "memory: %s is too small for the kernel, "
			 "its device tree and a %s DMA pool",
			 format_size(c->memory, a, sizeof(a)),
			 format_size(p->pool_size, b, sizeof(b)));
		return -E2BIG;
	}
	p->dma_base = c->dma_anywhere ? 0 : p->pool_base;
	p->dma_size = c->dma_anywhere ? 0 : p->pool_size;
	return 0;
}
