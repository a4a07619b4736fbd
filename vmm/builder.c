// SPDX-License-Identifier: MIT
/*
 * Assembles one VM from a resolved config, in this order: check the kernel
 * and plan the layout, open the disks, create the VM and its RAM, load the
 * kernel, add the devices, write the device tree and boot info, share the
 * DMA pool, create the vCPUs, end the launch, start the device threads.
 * Everything that reads user input happens before KVM is touched.
 */
#include "builder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../arch/x86/fdt.h"
#include "../arch/x86/layout.h"
#include "../arch/x86/loader.h"
#include "../arch/x86/pvh.h"
#include "../devices/convert_dev.h"
#include "../devices/cpu_start.h"
#include "../devices/power.h"
#include "../devices/pv_abi.h"
#include "../devices/serial.h"
#include "../devices/test_dev.h"
#include "../devices/virtio/blk.h"
#include "../devices/virtio/console.h"
#include "../devices/virtio/rng.h"
#include "kvm.h"
#include "layout_plan.h"
#include "log.h"
#include "util.h"

/* The devices a VM can have, allocated together and freed at destroy. */
struct devices {
	struct serial serial;
	struct power power;
	struct cpu_start cpu_start;
	struct convert_dev convert;
	struct test_dev test;
	struct virtio_blk blk[CONFIG_MAX_DISKS];
	struct virtio_rng rng;
	struct virtio_console console;
	struct fdt_virtio fdt[VM_MAX_VIRTIO];
};

static void serial_irq(void *opaque, int level)
{
	vm_irq_line(opaque, SERIAL_COM1_IRQ, level);
}

static void guest_stop(void *opaque, int status)
{
	vm_stop(opaque, status);
}

static int start_ap(void *opaque, unsigned int cpu, uint32_t entry,
		    uint32_t arg)
{
	struct vm *vm = opaque;

	if (!mem_find_slot(&vm->mem, entry, 1))
		return -EINVAL;
	return vm_start_ap(vm, cpu, entry, arg);
}

static void free_devices(void *arg)
{
	struct devices *d = arg;

	/* Device threads stop before guest memory goes away. */
	for (unsigned int i = 0; i < CONFIG_MAX_DISKS; i++) {
		if (d->blk[i].dev.ops)
			virtio_dev_destroy(&d->blk[i].dev);
		virtio_blk_close(&d->blk[i]);
	}
	if (d->rng.dev.ops)
		virtio_dev_destroy(&d->rng.dev);
	if (d->console.dev.ops)
		virtio_dev_destroy(&d->console.dev);
	test_dev_destroy(&d->test);
	free(d);
}

static int add_legacy_devices(struct vm *vm, struct devices *d,
			      const struct vm_config *c)
{
	int ret;

	serial_init(&d->serial, STDOUT_FILENO, serial_irq, vm);
	d->power = (struct power){ .stop = guest_stop, .opaque = vm };
	d->cpu_start = (struct cpu_start){ .start = start_ap, .opaque = vm };
	d->convert.mem = &vm->mem;
	test_dev_init(&d->test, &vm->mem);
	if (c->console == CONSOLE_SERIAL)
		vm_set_input(vm, STDIN_FILENO, serial_receive, &d->serial);

	ret = bus_register(&vm->pio, SERIAL_COM1_PORT, 8, &serial_ops,
			   &d->serial);
	if (!ret)
		ret = bus_register(&vm->pio, PV_EXIT_PORT, 4, &exit_dev_ops,
				   &d->power);
	if (!ret)
		ret = bus_register(&vm->pio, RESET_I8042_PORT, 1,
				   &reset_i8042_ops, &d->power);
	if (!ret)
		ret = bus_register(&vm->pio, RESET_CF9_PORT, 1, &reset_cf9_ops,
				   &d->power);
	if (!ret)
		ret = bus_register(&vm->pio, PV_CPU_BASE, PV_CPU_SIZE,
				   &cpu_start_ops, &d->cpu_start);
	if (!ret)
		ret = bus_register(&vm->pio, PV_CONV_BASE, PV_CONV_SIZE,
				   &convert_dev_ops, &d->convert);
	if (!ret && c->testdev)
		ret = bus_register(&vm->pio, PV_TEST_BASE, PV_TEST_SIZE,
				   &test_dev_ops, &d->test);
	return ret;
}

/* Wire one virtio device: MMIO window, a kick eventfd per queue, irqfd. */
static int add_virtio(struct vm *vm, struct devices *d, struct virtio_dev *v)
{
	unsigned int i = vm->nvirtio;
	uint64_t base = plan_virtio_base(i);
	int ret;

	if (i == VM_MAX_VIRTIO)
		return -ENOSPC;
	ret = bus_register(&vm->mmio, base, VIRTIO_MMIO_SIZE, &virtio_mmio_ops, v);
	for (unsigned int q = 0; !ret && q < v->ops->num_queues; q++)
		ret = vm_ioeventfd(vm, base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, q,
				   v->kick_efd[q]);
	if (!ret)
		ret = vm_irqfd(vm, plan_virtio_gsi(i), v->irq_efd);
	if (ret)
		return ret;
	d->fdt[i] = (struct fdt_virtio){ base, VIRTIO_MMIO_SIZE,
					 plan_virtio_gsi(i) };
	vm->virtio[vm->nvirtio++] = v;
	return 0;
}

static int init_virtio(struct vm *vm, struct virtio_dev *v,
		       const struct virtio_dev_ops *ops, void *priv,
		       const char *name, const struct plan *p)
{
	/* Every cvmm platform is confidential: offer ACCESS_PLATFORM. */
	return virtio_dev_init(v, ops, priv, name, &vm->mem, p->dma_base,
			       p->dma_size, true);
}

static int add_virtio_devices(struct vm *vm, struct devices *d,
			      const struct vm_config *c, const struct plan *p)
{
	char name[16];
	int ret = 0;

	for (unsigned int i = 0; !ret && i < c->ndisks; i++) {
		snprintf(name, sizeof(name), "blk%u", i);
		ret = init_virtio(vm, &d->blk[i].dev, &virtio_blk_ops, &d->blk[i],
				  name, p);
		if (!ret && c->disk[i].readonly)
			d->blk[i].dev.features |= 1ULL << VIRTIO_BLK_F_RO;
		if (!ret)
			ret = add_virtio(vm, d, &d->blk[i].dev);
	}
	if (!ret && c->rng) {
		ret = init_virtio(vm, &d->rng.dev, &virtio_rng_ops, &d->rng,
				  "rng", p);
		if (!ret)
			ret = add_virtio(vm, d, &d->rng.dev);
	}
	if (!ret && c->console == CONSOLE_VIRTIO) {
		virtio_console_init(&d->console, STDOUT_FILENO);
		ret = init_virtio(vm, &d->console.dev, &virtio_console_ops,
				  &d->console, "console", p);
		if (!ret)
			ret = add_virtio(vm, d, &d->console.dev);
		vm_set_input(vm, STDIN_FILENO, virtio_console_input, &d->console);
	}
	return ret;
}

/* Disks are user input: open them before anything else exists. */
static int open_disks(struct devices *d, const struct vm_config *c)
{
	char err[256];

	for (unsigned int i = 0; i < c->ndisks; i++) {
		if (virtio_blk_open(&d->blk[i], c->disk[i].path,
				    c->disk[i].readonly, err, sizeof(err))) {
			log_err("disk '%s': %s", c->disk[i].path, err);
			return CVMM_EXIT_BAD_INPUT;
		}
	}
	return 0;
}

/* Read, parse and check the kernel before any KVM object exists. */
static int read_kernel(const struct vm_config *c, uint8_t **file,
		       struct kernel_image *img)
{
	char err[256];
	size_t len;

	if (kernel_read_file(c->kernel, file, &len, err, sizeof(err)) ||
	    kernel_parse(*file, len, img, err, sizeof(err)) ||
	    kernel_check_fit(img, c->memory, err, sizeof(err))) {
		log_err("kernel '%s': %s", c->kernel, err);
		return CVMM_EXIT_BAD_INPUT;
	}
	if (strlen(c->cmdline) >= X86_CMDLINE_MAX) {
		log_err("cmdline: longer than %llu bytes", X86_CMDLINE_MAX - 1);
		return CVMM_EXIT_BAD_INPUT;
	}
	return 0;
}

static int load_kernel(struct vm *vm, const uint8_t *file,
		       const struct kernel_image *img)
{
	/* guest_memfd pages start zeroed, so bss needs no writes. */
	for (size_t i = 0; i < img->nseg; i++) {
		const struct kernel_segment *s = &img->seg[i];

		if (s->filesz && mem_launch_write(&vm->mem, gpa(s->paddr),
						  file + s->offset, s->filesz))
			return -EFAULT;
	}
	return 0;
}

/* The device tree goes in as a module; boot info and cmdline after it. */
static int write_boot_info(struct vm *vm, const struct vm_config *c,
			   const struct devices *d, const struct plan *p)
{
	struct fdt_layout fl = { c->memory, c->cmdline, p->pool_base,
				 p->pool_size, d->fdt, vm->nvirtio };
	static uint8_t dtb[X86_FDT_MAX];
	struct pvh_module mod;
	struct pvh_boot_page page;
	int size = x86_build_fdt(dtb, sizeof(dtb), &fl), ret;

	if (size < 0)
		return size;
	if ((uint64_t)size > p->dtb_size)
		return -E2BIG;
	mod = (struct pvh_module){ p->dtb_base, (uint64_t)size };
	ret = mem_launch_write(&vm->mem, gpa(p->dtb_base), dtb, (size_t)size);
	if (!ret)
		ret = pvh_build(&page, X86_BOOT_INFO_GPA, c->memory,
				X86_CMDLINE_GPA, &mod, 1);
	if (!ret)
		ret = mem_launch_write(&vm->mem, gpa(X86_BOOT_INFO_GPA), &page,
				       sizeof(page));
	if (!ret)
		ret = mem_launch_write(&vm->mem, gpa(X86_CMDLINE_GPA),
				       c->cmdline, strlen(c->cmdline) + 1);
	return ret;
}

static int add_ram(struct vm *vm, uint64_t size)
{
	struct x86_ram_layout l = x86_ram_layout(size);
	int ret = vm_add_ram(vm, 0, l.low_size);

	if (!ret && l.high_size)
		ret = vm_add_ram(vm, X86_MMIO_HOLE_END, l.high_size);
	return ret;
}

/* The pool is shared before the guest runs: devices need nothing else. */
static int share_pool(struct vm *vm, const struct plan *p)
{
	if (!p->pool_size)
		return 0;
	return mem_convert(&vm->mem, gpa(p->pool_base), p->pool_size,
			   MEM_SHARED, MEM_CONTENT_ZERO) == CONV_DONE ? 0 : -EIO;
}

static int start_virtio(struct vm *vm)
{
	int ret = 0;

	for (unsigned int i = 0; !ret && i < vm->nvirtio; i++)
		ret = virtio_dev_start(vm->virtio[i]);
	return ret;
}

static int open_platform(const struct vm_config *c,
			 const struct platform **plat, int *sys_fd)
{
	const char *missing;

	*plat = platform_find(c->platform);
	*sys_fd = kvm_open_system();
	if (*sys_fd < 0) {
		errno = -*sys_fd;
		log_err_errno("cannot use /dev/kvm");
		return CVMM_EXIT_FAILURE;
	}
	if (platform_probe(*plat, *sys_fd, &missing)) {
		log_err("platform %s is not available: this host's KVM lacks %s",
			(*plat)->name, missing);
		close(*sys_fd);
		return CVMM_EXIT_BAD_INPUT;
	}
	return 0;
}

/* Each step logs its own KVM failures; this names the step that failed. */
static int step(int ret, const char *what)
{
	if (ret) {
		errno = ret < 0 ? -ret : EIO;
		log_err_errno("%s", what);
	}
	return ret;
}

static int build_machine(struct vm *vm, struct devices *d,
			 const struct vm_config *c, const uint8_t *file,
			 const struct kernel_image *img, const struct plan *p)
{
	int ret = step(add_ram(vm, c->memory), "adding guest RAM");

	if (!ret)
		ret = step(load_kernel(vm, file, img), "loading the kernel");
	if (!ret)
		ret = step(add_legacy_devices(vm, d, c), "adding devices");
	if (!ret)
		ret = step(add_virtio_devices(vm, d, c, p), "adding virtio devices");
	if (!ret)
		ret = step(write_boot_info(vm, c, d, p), "writing boot information");
	if (!ret)
		ret = step(share_pool(vm, p), "sharing the DMA pool");
	if (!ret)
		ret = step(vm_create_vcpus(vm, c->cpus, img->entry,
					   (uint32_t)X86_BOOT_INFO_GPA),
			   "creating vCPUs");
	if (!ret)
		mem_launch_done(&vm->mem);
	if (!ret)
		ret = step(start_virtio(vm), "starting device threads");
	return ret;
}

/* User-facing checks that need no KVM: kernel, layout, disks. */
static int prepare(const struct vm_config *c, struct devices *d,
		   uint8_t **file, struct kernel_image *img, struct plan *p)
{
	char err[256];
	int ret = read_kernel(c, file, img);

	if (!ret && plan_layout(c, img->end, p, err, sizeof(err))) {
		log_err("%s", err);
		ret = CVMM_EXIT_BAD_INPUT;
	}
	if (!ret)
		ret = open_disks(d, c);
	return ret;
}

static int check_mode(const struct platform *plat, enum mem_content mode)
{
	if (mode == MEM_CONTENT_PRESERVE && !plat->in_place) {
		log_err("convert-mode: platform %s cannot preserve contents "
			"(its shared and private pages live in different files)",
			plat->name);
		return CVMM_EXIT_BAD_INPUT;
	}
	return 0;
}

int vm_build(struct vm *vm, const struct vm_config *c)
{
	struct devices *d = calloc(1, sizeof(*d));
	const struct platform *plat;
	struct kernel_image img;
	uint8_t *file = NULL;
	enum mem_content mode;
	struct plan p;
	bool shared;
	int sys_fd, ret;

	vm_init(vm);
	if (!d || vm_on_destroy(vm, free_devices, d)) {
		free(d);
		return CVMM_EXIT_FAILURE;
	}
	for (unsigned int i = 0; i < CONFIG_MAX_DISKS; i++)
		d->blk[i].fd = -1;
	ret = prepare(c, d, &file, &img, &p);
	if (!ret)
		ret = open_platform(c, &plat, &sys_fd);
	if (ret) {
		free(file);
		return ret;
	}
	mode = c->convert_mode != MEM_CONTENT_DEFAULT ? c->convert_mode
						       : plat->default_mode;
	shared = c->initial == INITIAL_PLATFORM ? plat->initial_shared
						: c->initial == INITIAL_SHARED;
	ret = check_mode(plat, mode);
	if (ret) {
		close(sys_fd);
		free(file);
		return ret;
	}
	ret = step(vm_create(vm, plat, sys_fd, mode, shared), "creating the VM");
	vm->mem.track_footprint = c->stats;
	if (!ret)
		ret = build_machine(vm, d, c, file, &img, &p);
	free(file);
	return ret ? CVMM_EXIT_FAILURE : 0;
}
