// SPDX-License-Identifier: MIT
#include "resolve.h"

#include <stdlib.h>
#include <string.h>

#include "../arch/x86/layout.h"
#include "../devices/power.h"
#include "../devices/pv_abi.h"
#include "../devices/serial.h"
#include "../devices/virtio/virtio.h"
#include "../lib/log.h"
#include "options.h"
#include "../lib/util.h"

#define BAD_INPUT 1

static int check_kernel(const struct vm_config *c, struct resolved *r)
{
	char err[256], where[256], size[32];
	size_t len;

	if (kernel_read_file(c->kernel, &r->file, &len, err, sizeof(err)) ||
	    kernel_parse(r->file, len, &r->img, err, sizeof(err))) {
		log_err("%s '%s': %s", option_origin(c, "kernel", where,
						      sizeof(where)),
			c->kernel, err);
		return BAD_INPUT;
	}
	if (kernel_check_fit(&r->img, c->memory, err, sizeof(err))) {
		log_err("%s: %s is too small for kernel '%s' (%s)",
			option_origin(c, "memory", where, sizeof(where)),
			format_size(c->memory, size, sizeof(size)), c->kernel,
			err);
		return BAD_INPUT;
	}
	if (strlen(c->cmdline) >= X86_CMDLINE_MAX) {
		log_err("%s: longer than %llu bytes",
			option_origin(c, "cmdline", where, sizeof(where)),
			X86_CMDLINE_MAX - 1);
		return BAD_INPUT;
	}
	return 0;
}

static int check_memory(const struct vm_config *c, struct resolved *r)
{
	char err[256], where[256];

	r->mode = c->convert_mode != MEM_CONTENT_DEFAULT ? c->convert_mode
							 : r->plat->default_mode;
	r->initial_shared = c->initial == INITIAL_PLATFORM
				    ? r->plat->initial_shared
				    : c->initial == INITIAL_SHARED;
	/*
	 * With two backings (shared pages in a memfd, private ones in a
	 * guest_memfd the host cannot write in Linux 7.3) contents cannot
	 * survive a conversion, and the boot image loads only into shared RAM.
	 */
	if (r->mode == MEM_CONTENT_PRESERVE && !r->plat->in_place) {
		log_err("%s: platform %s cannot preserve contents (its shared "
			"and private pages live in different files)",
			option_origin(c, "convert-mode", where, sizeof(where)),
			r->plat->name);
		return BAD_INPUT;
	}
	if (!r->initial_shared && !r->plat->in_place) {
		log_err("%s: platform %s cannot start with private RAM (the "
			"host cannot write the boot image into its guest_memfd)",
			option_origin(c, "initial-state", where, sizeof(where)),
			r->plat->name);
		return BAD_INPUT;
	}
	if (plan_layout(c, r->img.end, &r->plan, err, sizeof(err))) {
		log_err("%s: %s", option_origin(c, "memory", where, sizeof(where)),
			err);
		return BAD_INPUT;
	}
	return 0;
}

int vm_resolve(const struct vm_config *c, struct resolved *r)
{
	int ret;

	memset(r, 0, sizeof(*r));
	r->plat = platform_find(c->platform);
	ret = check_kernel(c, r);
	return ret ? ret : check_memory(c, r);
}

void vm_resolved_free(struct resolved *r)
{
	free(r->file);
	r->file = NULL;
}

static void describe_memory(FILE *f, const struct vm_config *c,
			    const struct resolved *r)
{
	struct x86_ram_layout l = x86_ram_layout(c->memory);
	uint64_t base[2] = { 0, X86_MMIO_HOLE_END }, size[2] = { l.low_size,
								l.high_size };
	char s[32];

	for (int i = 0; i < 2 && size[i]; i++) {
		format_size(size[i], s, sizeof(s));
		fprintf(f, "vm: memslot %d: gpa 0x%llx-0x%llx (%s), one guest_memfd "
			"of %s%s%s\n", i, (unsigned long long)base[i],
			(unsigned long long)(base[i] + size[i] - 1), s, s,
			r->plat->in_place ? "" : " (private) and a memfd of ",
			r->plat->in_place ? "" : s);
	}
	if (c->testdev)
		fprintf(f, "vm: test memory: gpa 0x%llx-0x%llx, a memslot without "
			"guest_memfd (--testdev)\n",
			(unsigned long long)PV_TESTMEM_GPA,
			(unsigned long long)(PV_TESTMEM_GPA + PV_TESTMEM_SIZE - 1));
	fprintf(f, "vm: device-tree: gpa 0x%llx (a PVH module of at most %llu KiB)\n",
		(unsigned long long)r->plan.dtb_base,
		(unsigned long long)(r->plan.dtb_size >> 10));
	if (r->plan.pool_size)
		fprintf(f, "vm: dma-pool: gpa 0x%llx-0x%llx (%s), shared before "
			"launch; devices may touch %s\n",
			(unsigned long long)r->plan.pool_base,
			(unsigned long long)(r->plan.pool_base + r->plan.pool_size - 1),
			format_size(r->plan.pool_size, s, sizeof(s)),
			c->dma_anywhere ? "any shared page" : "only the pool");
	else
		fprintf(f, "vm: dma-pool: none (no virtio devices)\n");
}

static void describe_devices(FILE *f, const struct vm_config *c,
			     const struct plan *p)
{
	static const char *const kind[] = { "virtio-blk", "virtio-rng",
					    "virtio-console" };

	fprintf(f, "vm: device serial: pio 0x%x-0x%x irq %d\n", SERIAL_COM1_PORT,
		SERIAL_COM1_PORT + 7, SERIAL_COM1_IRQ);
	fprintf(f, "vm: device exit: pio 0x%x-0x%x\n", PV_EXIT_PORT,
		PV_EXIT_PORT + 3);
	fprintf(f, "vm: device reset: pio 0x%x, 0x%x\n", RESET_I8042_PORT,
		RESET_CF9_PORT);
	fprintf(f, "vm: device convert: pio 0x%x-0x%x\n", PV_CONV_BASE,
		PV_CONV_BASE + PV_CONV_SIZE - 1);
	fprintf(f, "vm: device cpu-start: pio 0x%x-0x%x\n", PV_CPU_BASE,
		PV_CPU_BASE + PV_CPU_SIZE - 1);
	if (c->testdev)
		fprintf(f, "vm: device testdev: pio 0x%x-0x%x\n", PV_TEST_BASE,
			PV_TEST_BASE + PV_TEST_SIZE - 1);
	for (unsigned int i = 0; i < p->nvirtio; i++) {
		const struct plan_virtio *v = &p->virtio[i];

		fprintf(f, "vm: device %s %s: mmio 0x%llx-0x%llx gsi %u", kind[v->kind],
			v->name, (unsigned long long)v->base,
			(unsigned long long)(v->base + VIRTIO_MMIO_SIZE - 1), v->gsi);
		if (v->kind == PLAN_BLK)
			fprintf(f, ", %s (%s)", c->disk[v->disk].path,
				c->disk[v->disk].readonly ? "read-only" : "read-write");
		fputc('\n', f);
	}
	fprintf(f, "vm: console: stdin to %s\n",
		c->console == CONSOLE_VIRTIO ? "virtio-console" : "serial");
}

void vm_describe(FILE *f, const struct vm_config *c, const struct resolved *r)
{
	char s[32];

	fprintf(f, "vm: platform %s (KVM VM type %lu, guest_memfd flags 0x%llx)\n",
		r->plat->name, r->plat->vm_type,
		(unsigned long long)r->plat->gmem_flags);
	fprintf(f, "vm: memory %s, starts %s, conversions %s\n",
		format_size(c->memory, s, sizeof(s)),
		r->initial_shared ? "shared" : "private",
		r->mode == MEM_CONTENT_PRESERVE ? "preserve" : "zero");
	fprintf(f, "vm: kernel %s: PVH entry 0x%x, %zu segments, image ends 0x%llx\n",
		c->kernel, r->img.entry, r->img.nseg,
		(unsigned long long)r->img.end);
	fprintf(f, "vm: cmdline \"%s\"\n", c->cmdline);
	fprintf(f, "vm: cpus %u\n", c->cpus);
	describe_memory(f, c, r);
	describe_devices(f, c, &r->plan);
}
