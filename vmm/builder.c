// SPDX-License-Identifier: MIT
/*
 * Assembles one VM from a resolved config, in this order: resolve (check
 * the kernel, plan the layout and the launch list), prepare the devices'
 * user input (open the disks), probe the platform, create the VM and its
 * RAM, execute the launch list through the platform, create the vCPUs,
 * add the devices, share the DMA pool, finalize the launch, start the
 * device threads. Everything that reads user input happens before KVM is
 * touched. The builder is the only code that knows every device; kinds
 * come from one table (device_types.c), places from the architecture.
 */
#include "builder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../devices/convert_dev.h"
#include "../devices/cpu_start.h"
#include "../devices/power.h"
#include "../devices/serial.h"
#include "../devices/test_dev.h"
#include "../devices/virtio/virtio.h"
#include "../lib/kvm.h"
#include "../lib/log.h"
#include "../lib/util.h"
#include "device_types.h"
#include "layout_plan.h"
#include "resolve.h"

/* One device of a kind from the table, with its state. */
struct instance {
	const struct device_type *type;
	void *state;
	bool prepared; /* prepare() succeeded (or the kind has none) */
};

/* The devices of a VM, allocated together and freed at destroy. */
struct devices {
	struct serial serial;
	struct power power;
	struct cpu_start cpu_start;
	struct convert_dev convert;
	struct test_dev test;
	struct instance inst[PLAN_MAX_VIRTIO];
	unsigned int ninst;
};

static void uart_irq(void *opaque, int level)
{
	vm_irq_line(opaque, arch_sysdev_place(SYSDEV_UART).gsi, level);
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
	for (unsigned int i = 0; i < d->ninst; i++) {
		if (d->inst[i].prepared)
			d->inst[i].type->cleanup(d->inst[i].state);
		free(d->inst[i].state);
	}
	test_dev_destroy(&d->test);
	free(d);
}

static struct bus *bus_of(struct vm *vm, const struct arch_place *p)
{
	return p->space == ARCH_SPACE_IO ? &vm->io : &vm->mmio;
}

static int place(struct vm *vm, enum arch_sysdev which,
		 const struct dev_ops *ops, void *dev)
{
	struct arch_place p = arch_sysdev_place(which);

	/* A device this architecture does not have is not an error. */
	if (!p.len)
		return 0;
	return bus_register(bus_of(vm, &p), p.base, p.len, ops, dev);
}

static int add_system_devices(struct vm *vm, struct devices *d,
			      const struct vm_config *c)
{
	int ret;

	serial_init(&d->serial, STDOUT_FILENO, uart_irq, vm);
	d->power = (struct power){ .stop = guest_stop, .opaque = vm };
	d->cpu_start = (struct cpu_start){ .start = start_ap, .opaque = vm };
	d->convert.mem = &vm->mem;
	test_dev_init(&d->test, &vm->mem);
	if (c->console == CONSOLE_SERIAL)
		vm_set_input(vm, STDIN_FILENO, serial_receive, &d->serial);

	ret = place(vm, SYSDEV_UART, &serial_ops, &d->serial);
	if (!ret)
		ret = place(vm, SYSDEV_EXIT, &exit_dev_ops, &d->power);
	if (!ret)
		ret = place(vm, SYSDEV_RESET_KBD, &reset_i8042_ops, &d->power);
	if (!ret)
		ret = place(vm, SYSDEV_RESET, &reset_cf9_ops, &d->power);
	if (!ret)
		ret = place(vm, SYSDEV_CPU_START, &cpu_start_ops, &d->cpu_start);
	if (!ret)
		ret = place(vm, SYSDEV_CONVERT, &convert_dev_ops, &d->convert);
	if (!ret)
		ret = place(vm, SYSDEV_SLEEP, &acpi_sleep_ops, &d->power);
	if (!ret && c->testdev)
		ret = place(vm, SYSDEV_TEST, &test_dev_ops, &d->test);
	return ret;
}

/* Wire one virtio device: MMIO window, a kick eventfd per queue, irqfd. */
static int wire_virtio(struct vm *vm, struct virtio_dev *v,
		       const struct arch_place *p)
{
	int ret;

	if (vm->nvirtio == VM_MAX_VIRTIO)
		return -ENOSPC;
	ret = bus_register(bus_of(vm, p), p->base, VIRTIO_MMIO_SIZE,
			   &virtio_mmio_ops, v);
	for (unsigned int q = 0; !ret && q < v->ops->num_queues; q++)
		ret = vm_ioeventfd(vm, p->base + VIRTIO_MMIO_QUEUE_NOTIFY, 4, q,
				   v->kick_efd[q]);
	if (!ret)
		ret = vm_irqfd(vm, p->gsi, v->irq_efd);
	if (!ret)
		vm->virtio[vm->nvirtio++] = v;
	return ret;
}

static int add_virtio_devices(struct vm *vm, struct devices *d,
			      const struct vm_config *c, const struct plan *p)
{
	struct virtio_dev *v;
	int ret = 0;

	for (unsigned int i = 0; !ret && i < p->nvirtio; i++) {
		const struct plan_virtio *pv = &p->virtio[i];
		struct dev_ctx ctx = { vm, c, pv->idx, pv->name, p->dma_base,
				       p->dma_size };

		ret = pv->type->init(d->inst[i].state, &ctx, &v);
		if (!ret)
			ret = wire_virtio(vm, v, &pv->place);
	}
	return ret;
}

/* User input of each device (disks): before anything else exists. */
static int prepare_devices(struct devices *d, const struct vm_config *c,
			   const struct plan *p)
{
	char err[256];

	for (unsigned int i = 0; i < p->nvirtio; i++) {
		const struct plan_virtio *pv = &p->virtio[i];
		struct instance *in = &d->inst[d->ninst];

		in->type = pv->type;
		in->state = calloc(1, pv->type->state_size);
		if (!in->state)
			return CVMM_EXIT_FAILURE;
		d->ninst++;
		if (pv->type->prepare &&
		    pv->type->prepare(in->state, c, pv->idx, err, sizeof(err))) {
			log_err("%s", err);
			return CVMM_EXIT_BAD_INPUT;
		}
		in->prepared = true;
	}
	return 0;
}

int vm_check_devices(const struct vm_config *c, const struct plan *p)
{
	struct devices *d = calloc(1, sizeof(*d));
	int ret;

	if (!d)
		return CVMM_EXIT_FAILURE;
	ret = prepare_devices(d, c, p);
	free_devices(d);
	return ret;
}

static int add_ram(struct vm *vm, const struct vm_config *c,
		   const struct resolved *r)
{
	struct arch_ram_region ram[ARCH_MAX_RAM_REGIONS];
	unsigned int n = arch_ram_regions(c->memory, ram);
	struct arch_place t = arch_test_memory();
	int ret = 0;

	for (unsigned int i = 0; !ret && i < n; i++)
		ret = vm_add_ram(vm, ram[i].gpa, ram[i].size);
	/* The firmware image is RAM of its own, as private as the rest. */
	if (!ret && r->fw.size)
		ret = vm_add_ram(vm, r->fw.gpa, r->fw.size);
	if (!ret && c->testdev)
		ret = vm_add_test_mem(vm, t.base, t.len);
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
	if (*sys_fd == -ENOENT) {
		log_err("platform %s is not available: this host has no "
			"/dev/kvm (KVM is not loaded, or not given to this "
			"machine)", plat->name);
		return CVMM_EXIT_BAD_INPUT;
	}
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
			 const struct vm_config *c, const struct resolved *r)
{
	int ret = step(add_ram(vm, c, r), "adding guest memory");

	vm_mark(vm, SETUP_MEMORY);
	if (!ret)
		ret = step(vm_launch(vm, &r->launch), "loading the boot image");
	vm_mark(vm, SETUP_LAUNCH);
	/* vCPUs before devices: arm64's vGIC takes irqfds only once it is
	 * initialised, and it can be only after every vCPU exists. */
	if (!ret)
		ret = step(vm_create_vcpus(vm, c->cpus, r->entry),
			   "creating vCPUs");
	vm_mark(vm, SETUP_VCPUS);
	if (!ret)
		ret = step(add_system_devices(vm, d, c), "adding devices");
	if (!ret)
		ret = step(add_virtio_devices(vm, d, c, &r->plan),
			   "adding virtio devices");
	if (!ret)
		ret = step(share_pool(vm, &r->plan), "sharing the DMA pool");
	if (!ret)
		ret = step(vm_finalize(vm), "finalizing the launch");
	vm_mark(vm, SETUP_DEVICES);
	if (!ret)
		ret = step(start_virtio(vm), "starting device threads");
	vm_mark(vm, SETUP_THREADS);
	return ret;
}

int vm_build(struct vm *vm, const struct vm_config *c)
{
	struct devices *d = calloc(1, sizeof(*d));
	struct resolved *r = malloc(sizeof(*r));
	int sys_fd, ret;

	vm_init(vm);
	vm_block_signals();
	if (!d || !r || vm_on_destroy(vm, free_devices, d)) {
		free(d);
		free(r);
		return CVMM_EXIT_FAILURE;
	}
	/* Everything the user gave is checked before KVM is touched. */
	ret = vm_resolve(c, r);
	if (!ret)
		ret = prepare_devices(d, c, &r->plan);
	vm_mark(vm, SETUP_RESOLVE);
	if (!ret)
		ret = open_platform(r->plat, &sys_fd);
	if (ret)
		goto out;
	if (log_level >= LOG_INFO)
		vm_describe(stderr, c, r);
	vm->pv.policy = c->snp_policy;
	ret = step(vm_create(vm, r->plat, sys_fd, r->mode, r->initial_shared),
		   "creating the VM");
	vm->mem.track_footprint = c->stats;
	vm_mark(vm, SETUP_KVM);
	if (!ret)
		ret = build_machine(vm, d, c, r);
	ret = ret ? CVMM_EXIT_FAILURE : 0;
out:
	vm_resolved_free(r);
	free(r);
	return ret;
}
