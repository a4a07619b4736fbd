// SPDX-License-Identifier: MIT
#include "layout_plan.h"

#include <errno.h>
#include <stdio.h>

#include "../arch/x86/fdt.h"
#include "../arch/x86/layout.h"
#include "../lib/util.h"

static void add_virtio(struct plan *p, enum plan_kind kind,
		       unsigned int disk, const char *name)
{
	struct plan_virtio *v = &p->virtio[p->nvirtio];

	*v = (struct plan_virtio){ kind, disk, "",
				   PLAN_VIRTIO_BASE + p->nvirtio * PLAN_VIRTIO_STRIDE,
				   PLAN_VIRTIO_GSI + p->nvirtio };
	snprintf(v->name, sizeof(v->name), "%s", name);
	p->nvirtio++;
}

/* Disks first, then rng, then the console: the order is the ABI. */
static void plan_virtio(const struct vm_config *c, struct plan *p)
{
	char name[16];

	p->nvirtio = 0;
	for (unsigned int i = 0; i < c->ndisks; i++) {
		snprintf(name, sizeof(name), "blk%u", i);
		add_virtio(p, PLAN_BLK, i, name);
	}
	if (c->rng)
		add_virtio(p, PLAN_RNG, 0, "rng");
	if (c->console == CONSOLE_VIRTIO)
		add_virtio(p, PLAN_CONSOLE, 0, "console");
}

int plan_layout(const struct vm_config *c, uint64_t kernel_end,
		struct plan *p, char *err, size_t errlen)
{
	struct x86_ram_layout l = x86_ram_layout(c->memory);
	char a[32], b[32];

	plan_virtio(c, p);
	/* After the kernel, and never below 1 MiB: boot info lives there. */
	p->dtb_base = align_up(kernel_end > X86_HIGH_START ? kernel_end
							  : X86_HIGH_START,
			       PAGE_SIZE);
	if (p->dtb_base + X86_FDT_MAX > X86_MMIO_HOLE_START) {
		snprintf(err, errlen, "the kernel ends at 0x%llx, but the "
			 "device tree that follows it must lie below 3 GiB",
			 (unsigned long long)kernel_end);
		return -E2BIG;
	}
	p->dtb_size = X86_FDT_MAX;
	p->pool_size = p->nvirtio ? c->dma_pool : 0;
	/* 2 MiB aligned when it can be: conversions of whole huge pages. */
	p->pool_base = p->pool_size > l.low_size ? 0
		       : (l.low_size - p->pool_size) &
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
