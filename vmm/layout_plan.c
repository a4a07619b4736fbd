// SPDX-License-Identifier: MIT
#include "layout_plan.h"

#include <errno.h>
#include <stdio.h>

#include "../lib/util.h"

static int add_virtio(struct plan *p, const struct device_type *t,
		      unsigned int idx)
{
	struct plan_virtio *v = &p->virtio[p->nvirtio];

	v->place = arch_virtio_place(p->nvirtio);
	if (p->nvirtio == PLAN_MAX_VIRTIO || !v->place.len)
		return -E2BIG;
	v->type = t;
	v->idx = idx;
	if (t->numbered)
		snprintf(v->name, sizeof(v->name), "%s%u", t->prefix, idx);
	else
		snprintf(v->name, sizeof(v->name), "%s", t->prefix);
	p->nvirtio++;
	return 0;
}

/* Every instance of every kind, in the table's order (the ABI). */
static int plan_virtio(const struct vm_config *c, struct plan *p, char *err,
		       size_t errlen)
{
	const struct device_type *t;

	p->nvirtio = 0;
	for (unsigned int k = 0; (t = device_type_at(k)); k++) {
		unsigned int n = t->count(c);

		for (unsigned int i = 0; i < n; i++) {
			if (add_virtio(p, t, i)) {
				snprintf(err, errlen, "too many virtio devices "
					 "(at most %u)", p->nvirtio);
				return -E2BIG;
			}
		}
	}
	return 0;
}

int plan_layout(const struct vm_config *c, uint64_t kernel_end,
		struct plan *p, char *err, size_t errlen)
{
	struct arch_ram_region ram[ARCH_MAX_RAM_REGIONS];
	uint64_t low;
	char a[32], b[32];

	unsigned int n = arch_ram_regions(c->memory, ram);

	low = ram[0].gpa + ram[0].size;
	if (ram[n - 1].gpa + ram[n - 1].size > ARCH_GPA_LIMIT) {
		snprintf(err, errlen, "%s does not fit below this "
			 "architecture's guest-physical limit 0x%llx",
			 format_size(c->memory, a, sizeof(a)),
			 (unsigned long long)ARCH_GPA_LIMIT);
		return -E2BIG;
	}
	if (plan_virtio(c, p, err, errlen))
		return -E2BIG;
	/* After the kernel, and never below the floor: boot info lives there. */
	p->dtb_base = align_up(kernel_end > ARCH_DT_FLOOR ? kernel_end
							 : ARCH_DT_FLOOR,
			       PAGE_SIZE);
	if (p->dtb_base + ARCH_DT_MAX > ARCH_DT_CEILING) {
		snprintf(err, errlen, "the kernel ends at 0x%llx, but the "
			 "device tree that follows it must end below 0x%llx",
			 (unsigned long long)kernel_end,
			 (unsigned long long)ARCH_DT_CEILING);
		return -E2BIG;
	}
	p->dtb_size = ARCH_DT_MAX;
	p->pool_size = p->nvirtio ? c->dma_pool : 0;
	/* 2 MiB aligned when it can be: conversions of whole huge pages. */
	p->pool_base = p->pool_size > low ? 0
		       : (low - p->pool_size) &
			 ~((p->pool_size >= 2 * MiB ? 2 * MiB : PAGE_SIZE) - 1);
	if (p->dtb_base + p->dtb_size > low ||
	    (p->pool_size && p->pool_base < p->dtb_base + p->dtb_size)) {
		snprintf(err, errlen, "%s is too small for the kernel, "
			 "its device tree and a %s DMA pool",
			 format_size(c->memory, a, sizeof(a)),
			 format_size(p->pool_size, b, sizeof(b)));
		return -E2BIG;
	}
	p->dma_base = c->dma_anywhere ? 0 : p->pool_base;
	p->dma_size = c->dma_anywhere ? 0 : p->pool_size;
	return 0;
}

int plan_initrd(const struct vm_config *c, uint64_t size, struct plan *p,
		char *err, size_t errlen)
{
	struct arch_ram_region ram[ARCH_MAX_RAM_REGIONS];
	uint64_t top, base;
	char a[32], b[32];

	arch_ram_regions(c->memory, ram);
	top = p->pool_size ? p->pool_base : ram[0].gpa + ram[0].size;
	base = align_up(p->dtb_base + p->dtb_size, PAGE_SIZE);
	p->initrd_base = base;
	p->initrd_size = size;
	if (size && (size > top || base > top - size)) {
		snprintf(err, errlen, "%s is too small for the kernel, its "
			 "device tree and a %s initrd below 0x%llx",
			 format_size(c->memory, a, sizeof(a)),
			 format_size(size, b, sizeof(b)),
			 (unsigned long long)top);
		return -E2BIG;
	}
	return 0;
}
