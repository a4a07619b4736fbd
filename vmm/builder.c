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
#include "../lib/kvm.h"
#include "layout_plan.h"
#include "resolve.h"
#include "../lib/log.h"
#include "../lib/util.h"

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
static int add_virtio(struct vm *vm, struct devices *d, struct virtio_dev *v,
		      const struct plan_virtio *pv)
{
	int ret;

	if (vm->nvirtio == VM_MAX_VIRTIO)
		return -ENOSPC;
	ret = bus_register(&vm->mmio, pv->base, VIRTIO_MMIO_SIZE,
			   &virtio_mmio_ops, v);
	for (unsigned int q = 0; !ret && q < v->ops->num_queues; q++)
		ret = vm_ioeventfd(vm, pv->base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, q,
				   v->kick_efd[q]);
	if (!ret)
		ret = vm_irqfd(vm, pv->gsi, v->irq_efd);
	if (ret)
		return ret;
	d->fdt[vm->nvirtio] = (struct fdt_virtio){ pv->base, VIRTIO_MMIO_SIZE,
						   pv->gsi };
	vm->virtio[vm->nvirtio++] = v;
	return 0;
}

/* The device the plan names, set up but not yet wired. */
static int init_virtio(struct vm *vm, struct devices *d,
		       const struct vm_config *c, const struct plan *p,
		       const struct plan_virtio *pv, struct virtio_dev **out)
{
	static const struct virtio_dev_ops *const ops[] = {
		[PLAN_BLK] = &virtio_blk_ops,
		[PLAN_RNG] = &virtio_rng_ops,
		[PLAN_CONSOLE] = &virtio_console_ops,
	};
	struct virtio_dev *v;
	void *priv;
	int ret;

	switch (pv->kind) {
	case PLAN_BLK:
		priv = &d->blk[pv->disk];
		v = &d->blk[pv->disk].dev;
		break;
	case PLAN_RNG:
		priv = &d->rng;
		v = &d->rng.dev;
		break;
	default:
		priv = &d->console;
		v = &d->console.dev;
		virtio_console_init(&d->console, STDOUT_FILENO);
		vm_set_input(vm, STDIN_FILENO, virtio_console_input, &d->console);
		break;
	}
	/* Every cvmm platform is confidential: offer ACCESS_PLATFORM. */
	ret = virtio_dev_init(v, ops[pv->kind], priv, pv->name, &vm->mem,
			      p->dma_base, p->dma_size, true);
	if (!ret && pv->kind == PLAN_BLK && c->disk[pv->disk].readonly)
		v->features |= 1ULL << VIRTIO_BLK_F_RO;
	*out = v;
	return ret;
}

static int add_virtio_devices(struct vm *vm, struct devices *d,
			      const struct vm_config *c, const struct plan *p)
{
	struct virtio_dev *v;
	int ret = 0;

	for (unsigned int i = 0; !ret && i < p->nvirtio; i++) {
		ret = init_virtio(vm, d, c, p, &p->virtio[i], &v);
		if (!ret)
			ret = add_virtio(vm, d, v, &p->virtio[i]);
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

int vm_check_disks(const struct vm_config *c)
{
	struct devices *d = calloc(1, sizeof(*d));
	int ret;

	if (!d)
		return CVMM_EXIT_FAILURE;
	for (unsigned int i = 0; i < CONFIG_MAX_DISKS; i++)
		d->blk[i].fd = -1;
	ret = open_disks(d, c);
	for (unsigned int i = 0; i < CONFIG_MAX_DISKS; i++)
		virtio_blk_close(&d->blk[i]);
	free(d);
	return ret;
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

static int add_ram(struct vm *vm, const struct vm_config *c)
{
	struct x86_ram_layout l = x86_ram_layout(c->memory);
	int ret = vm_add_ram(vm, 0, l.low_size);

	if (!ret && l.high_size)
		ret = vm_add_ram(vm, X86_MMIO_HOLE_END, l.high_size);
	if (!ret && c->testdev)
		ret = vm_add_test_mem(vm, PV_TESTMEM_GPA, PV_TESTMEM_SIZE);
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

static int open_platform(const struct platform *plat, int *sys_fd)
{
	const char *missing;

	*sys_fd = kvm_open_system();
	if (*sys_fd < 0) {
		errno = -*sys_fd;
		log_err_errno("cannot use /dev/kvm");
		return CVMM_EXIT_FAILURE;
	}
	if (platform_probe(plat, *sys_fd, &missing)) {
		log_err("platform %s is not available: this host's KVM lacks %s",
			plat->name, missing);
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
	int ret = step(add_ram(vm, c), "adding guest memory");

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

int vm_build(struct vm *vm, const struct vm_config *c)
{
	struct devices *d = calloc(1, sizeof(*d));
	struct resolved r;
	int sys_fd, ret;

	vm_init(vm);
	vm_block_signals();
	if (!d || vm_on_destroy(vm, free_devices, d)) {
		free(d);
		return CVMM_EXIT_FAILURE;
	}
	for (unsigned int i = 0; i < CONFIG_MAX_DISKS; i++)
		d->blk[i].fd = -1;
	/* Everything the user gave is checked before KVM is touched. */
	ret = vm_resolve(c, &r);
	if (!ret)
		ret = open_disks(d, c);
	if (!ret)
		ret = open_platform(r.plat, &sys_fd);
	if (ret) {
		vm_resolved_free(&r);
		return ret;
	}
	if (log_level >= LOG_INFO)
		vm_describe(stderr, c, &r);
	ret = step(vm_create(vm, r.plat, sys_fd, r.mode, r.initial_shared),
		   "creating the VM");
	vm->mem.track_footprint = c->stats;
	if (!ret)
		ret = build_machine(vm, d, c, r.file, &r.img, &r.plan);
	vm_resolved_free(&r);
	return ret ? CVMM_EXIT_FAILURE : 0;
}
