// SPDX-License-Identifier: MIT
#include "resolve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../devices/virtio/virtio.h"
#include "../lib/files.h"
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
	if (c->initrd && boot_file_read(c->initrd, &r->initrd, &r->initrd_len,
					err, sizeof(err))) {
		log_err("%s '%s': %s", option_origin(c, "initrd", where,
						      sizeof(where)),
			c->initrd, err);
		return BAD_INPUT;
	}
	if (strlen(c->cmdline) >= ARCH_CMDLINE_MAX) {
		log_err("%s: longer than %llu bytes",
			option_origin(c, "cmdline", where, sizeof(where)),
			(unsigned long long)ARCH_CMDLINE_MAX - 1);
		return BAD_INPUT;
	}
	return 0;
}

static int check_firmware(const struct vm_config *c, struct resolved *r)
{
	char err[256], where[256];
	size_t len;
	int ret;

	if (!c->firmware)
		return 0;
	ret = read_user_file(c->firmware, FW_MAX_SIZE, &r->fw_file, &len, err,
			     sizeof(err));
	if (!ret)
		ret = arch_firmware_parse(r->fw_file, len, &r->fw, err,
					  sizeof(err));
	if (ret) {
		log_err("%s '%s': %s", option_origin(c, "firmware", where,
						      sizeof(where)),
			c->firmware, err);
		return BAD_INPUT;
	}
	return 0;
}

/* Items the firmware's metadata placed must lie in RAM or the image. */
static int check_placed(const struct vm_config *c, const struct resolved *r,
			unsigned int from)
{
	struct arch_ram_region ram[ARCH_MAX_RAM_REGIONS];
	unsigned int n = arch_ram_regions(c->memory, ram);
	char where[256];

	for (unsigned int i = from; i < r->launch.n; i++) {
		const struct launch_item *it = &r->launch.item[i];
		bool in = range_within(it->gpa, it->len, r->fw.gpa, r->fw.size);

		for (unsigned int j = 0; j < n && !in; j++)
			in = range_within(it->gpa, it->len, ram[j].gpa,
					  ram[j].size);
		if (!in) {
			log_err("%s '%s': %s at 0x%llx-0x%llx lies outside guest "
				"RAM (--memory) and the image",
				option_origin(c, "firmware", where, sizeof(where)),
				c->firmware, it->what, (unsigned long long)it->gpa,
				(unsigned long long)(it->gpa + it->len - 1));
			return BAD_INPUT;
		}
	}
	return 0;
}

/* The image first, then what its metadata asks the platform for. */
static int plan_firmware(const struct vm_config *c, struct resolved *r)
{
	char where[256], err[256] = "";
	int ret;

	if (!c->firmware)
		return 0;
	ret = launch_add(&r->launch, r->fw.gpa, r->fw.data, r->fw.size,
			 LAUNCH_FIRMWARE, "firmware");
	if (!ret && r->plat->plan_firmware)
		ret = r->plat->plan_firmware(&r->fw, &r->launch, err,
					     sizeof(err));
	if (ret) {
		if (!err[0])
			snprintf(err, sizeof(err), "its metadata's sections "
				 "overlap or are too many (%s)", strerror(-ret));
		log_err("%s '%s': %s", option_origin(c, "firmware", where,
						      sizeof(where)),
			c->firmware, err);
		return BAD_INPUT;
	}
	r->entry.at_reset = true;
	return check_placed(c, r, 1);
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
	if (r->mode == MEM_CONTENT_PRESERVE && !platform_in_place(r->plat)) {
		log_err("%s: platform %s cannot preserve contents (its shared "
			"and private pages live in different files)",
			option_origin(c, "convert-mode", where, sizeof(where)),
			r->plat->name);
		return BAD_INPUT;
	}
	if (!r->initial_shared && !platform_in_place(r->plat) &&
	    !r->plat->launch_update) {
		log_err("%s: platform %s cannot start with private RAM (the "
			"host cannot write the boot image into its guest_memfd)",
			option_origin(c, "initial-state", where, sizeof(where)),
			r->plat->name);
		return BAD_INPUT;
	}
	if (option_given(c, "snp-policy") && !r->plat->uses_policy) {
		log_err("%s: platform %s has no guest policy",
			option_origin(c, "snp-policy", where, sizeof(where)),
			r->plat->name);
		return BAD_INPUT;
	}
	if (c->dma_anywhere && r->plat->sharing_unseen) {
		log_err("%s: platform %s cannot see which pages the guest "
			"shares, so devices may touch only the DMA pool",
			option_origin(c, "dma-anywhere", where, sizeof(where)),
			r->plat->name);
		return BAD_INPUT;
	}
	if (plan_layout(c, r->img.end, &r->plan, err, sizeof(err)) ||
	    plan_initrd(c, r->initrd_len, &r->plan, err, sizeof(err))) {
		log_err("%s: %s", option_origin(c, "memory", where, sizeof(where)),
			err);
		return BAD_INPUT;
	}
	return 0;
}

/* The kernel's bytes, then the boot information, in launch order. */
static int plan_launch(const struct vm_config *c, struct resolved *r)
{
	const struct plan *p = &r->plan;
	struct arch_place virtio[PLAN_MAX_VIRTIO];
	struct arch_boot_desc d = { c->memory, c->cmdline, p->pool_base,
				    p->pool_size, virtio, p->nvirtio, c->cpus,
				    p->dtb_base, &r->img, p->initrd_base,
				    p->initrd_size };
	char what[40], where[256];
	int ret = plan_firmware(c, r);

	if (ret || !c->kernel)
		return ret;
	/* guest_memfd pages start zeroed, so bss needs no item. */
	for (size_t i = 0; !ret && i < r->img.nseg; i++) {
		const struct kernel_segment *s = &r->img.seg[i];

		snprintf(what, sizeof(what), "kernel segment %zu", i);
		if (s->filesz)
			ret = launch_add(&r->launch, s->paddr, r->file + s->offset,
					 s->filesz, LAUNCH_KERNEL, what);
	}
	if (!ret && p->initrd_size)
		ret = launch_add(&r->launch, p->initrd_base, r->initrd,
				 p->initrd_size, LAUNCH_BOOT_DATA, "initrd");
	for (unsigned int i = 0; i < p->nvirtio; i++)
		virtio[i] = p->virtio[i].place;
	if (!ret)
		ret = arch_boot_build(&r->boot, &d, &r->launch);
	if (ret == -EOPNOTSUPP) {
		log_err("%s: this architecture cannot hand an initrd to the "
			"kernel yet", option_origin(c, "initrd", where,
						    sizeof(where)));
		return BAD_INPUT;
	}
	if (ret) {
		log_err("%s: the boot image does not fit (%s)",
			option_origin(c, "kernel", where, sizeof(where)),
			strerror(-ret));
		return BAD_INPUT;
	}
	if (!c->firmware)
		r->entry = arch_boot_entry(&r->boot, r->img.entry);
	return 0;
}

int vm_resolve(const struct vm_config *c, struct resolved *r)
{
	char where[256];
	int ret;

	/* 112 KiB, most of it boot-data buffers: fault them in at once. */
	prefault_write(r, sizeof(*r));
	memset(r, 0, sizeof(*r));
	r->plat = platform_find(c->platform);
	if (r->plat->firmware_only && (!c->firmware || c->kernel)) {
		log_err("%s: platform %s boots only a firmware image: %s",
			option_origin(c, c->firmware ? "kernel" : "platform",
				      where, sizeof(where)), r->plat->name,
			c->firmware ? "--kernel would never reach its private "
				      "memory (the firmware loads its payload)"
				    : "give one with --firmware (a TDVF image)");
		return BAD_INPUT;
	}
	ret = c->kernel ? check_kernel(c, r) : 0;
	if (!ret)
		ret = check_firmware(c, r);
	if (!ret)
		ret = check_memory(c, r);
	return ret ? ret : plan_launch(c, r);
}

void vm_resolved_free(struct resolved *r)
{
	free(r->file);
	r->file = NULL;
	free(r->fw_file);
	r->fw_file = NULL;
	free(r->initrd);
	r->initrd = NULL;
}

static void describe_memory(FILE *f, const struct vm_config *c,
			    const struct resolved *r)
{
	struct arch_ram_region ram[ARCH_MAX_RAM_REGIONS];
	unsigned int n = arch_ram_regions(c->memory, ram);
	struct arch_place t = arch_test_memory();
	char s[32];

	static const char *const backing[] = {
		[RAM_GMEM_IN_PLACE] = "one guest_memfd",
		[RAM_GMEM_AND_MEMFD] = "one guest_memfd (private) and a memfd",
		[RAM_MEMFD_ONLY] = "one memfd (no guest_memfd)",
	};

	for (unsigned int i = 0; i < n; i++) {
		format_size(ram[i].size, s, sizeof(s));
		fprintf(f, "vm: memslot %u: gpa 0x%llx-0x%llx (%s), %s\n", i,
			(unsigned long long)ram[i].gpa,
			(unsigned long long)(ram[i].gpa + ram[i].size - 1), s,
			backing[r->plat->backing]);
	}
	if (c->testdev)
		fprintf(f, "vm: test memory: gpa 0x%llx-0x%llx, a memslot without "
			"guest_memfd (--testdev)\n", (unsigned long long)t.base,
			(unsigned long long)(t.base + t.len - 1));
	fprintf(f, "vm: device-tree: gpa 0x%llx (at most %llu KiB)\n",
		(unsigned long long)r->plan.dtb_base,
		(unsigned long long)(r->plan.dtb_size >> 10));
	if (r->plan.pool_size)
		fprintf(f, "vm: dma-pool: gpa 0x%llx-0x%llx (%s), shared before "
			"launch; devices may touch %s\n",
			(unsigned long long)r->plan.pool_base,
			(unsigned long long)(r->plan.pool_base + r->plan.pool_size - 1),
			format_size(r->plan.pool_size, s, sizeof(s)),
			c->dma_anywhere ? "any shared page of guest RAM" : "only the pool");
	else
		fprintf(f, "vm: dma-pool: none (no virtio devices)\n");
}

static void describe_place(FILE *f, const char *name, struct arch_place p)
{
	if (!p.len)
		return;
	fprintf(f, "vm: device %s: %s 0x%llx-0x%llx", name,
		p.space == ARCH_SPACE_IO ? ARCH_IO_NAME : "mmio",
		(unsigned long long)p.base,
		(unsigned long long)(p.base + p.len - 1));
	if (p.gsi != ARCH_NO_IRQ)
		fprintf(f, " gsi %u", p.gsi);
}

static void describe_devices(FILE *f, const struct vm_config *c,
			     const struct plan *p)
{
	static const char *const sysdev[SYSDEV_COUNT] = {
		[SYSDEV_UART] = "serial",	  [SYSDEV_EXIT] = "exit",
		[SYSDEV_RESET] = "reset",	  [SYSDEV_RESET_KBD] = "reset-kbd",
		[SYSDEV_CPU_START] = "cpu-start", [SYSDEV_CONVERT] = "convert",
		[SYSDEV_TEST] = "testdev",	  [SYSDEV_SLEEP] = "acpi-sleep",
	};
	char name[48];

	for (unsigned int i = 0; i < SYSDEV_COUNT; i++) {
		if (i == SYSDEV_TEST && !c->testdev)
			continue;
		describe_place(f, sysdev[i], arch_sysdev_place(i));
		fputc('\n', f);
	}
	for (unsigned int i = 0; i < p->nvirtio; i++) {
		const struct plan_virtio *v = &p->virtio[i];

		snprintf(name, sizeof(name), "%s %s", v->type->kind, v->name);
		describe_place(f, name, v->place);
		if (v->type->describe)
			v->type->describe(f, c, v->idx);
		fputc('\n', f);
	}
	fprintf(f, "vm: console: stdin to %s\n",
		c->console == CONSOLE_VIRTIO ? "virtio-console" : "serial");
}

void vm_describe(FILE *f, const struct vm_config *c, const struct resolved *r)
{
	char s[32];

	fprintf(f, "vm: platform %s (KVM VM type %lu, guest_memfd flags 0x%llx, "
		"%s irqchip)\n", r->plat->name, r->plat->vm_type,
		(unsigned long long)r->plat->gmem_flags,
		r->plat->irqchip == ARCH_IRQCHIP_SPLIT ? "split" : "in-kernel");
	fprintf(f, "vm: memory %s, starts %s, conversions %s\n",
		format_size(c->memory, s, sizeof(s)),
		r->initial_shared ? "shared" : "private",
		r->mode == MEM_CONTENT_PRESERVE ? "preserve" : "zero");
	if (c->firmware)
		fprintf(f, "vm: firmware %s: gpa 0x%llx-0x%llx, vCPUs start at "
			"its reset vector; %s\n", c->firmware,
			(unsigned long long)r->fw.gpa,
			(unsigned long long)(r->fw.gpa + r->fw.size - 1),
			r->fw.sev_metadata ? "SEV metadata" : "no SEV metadata");
	if (c->kernel)
		fprintf(f, "vm: kernel %s: entry 0x%x, %zu segments, image ends "
			"0x%llx\n", c->kernel, r->img.entry, r->img.nseg,
			(unsigned long long)r->img.end);
	else
		fprintf(f, "vm: kernel none\n");
	fprintf(f, "vm: cmdline \"%s\"\n", c->cmdline);
	fprintf(f, "vm: cpus %u\n", c->cpus);
	if (r->plat->uses_policy)
		fprintf(f, "vm: guest policy 0x%llx\n",
			(unsigned long long)c->snp_policy);
	describe_memory(f, c, r);
	describe_devices(f, c, &r->plan);
	launch_describe(f, &r->launch);
}
