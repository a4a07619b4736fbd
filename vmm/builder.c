// SPDX-License-Identifier: MIT
#include "builder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../arch/x86/layout.h"
#include "../arch/x86/loader.h"
#include "../arch/x86/pvh.h"
#include "../devices/convert_dev.h"
#include "../devices/cpu_start.h"
#include "../devices/power.h"
#include "../devices/pv_abi.h"
#include "../devices/serial.h"
#include "../devices/test_dev.h"
#include "kvm.h"
#include "log.h"
#include "util.h"

/* The devices every VM has, allocated together and freed at destroy. */
struct devices {
	struct serial serial;
	struct power power;
	struct cpu_start cpu_start;
	struct convert_dev convert;
	struct test_dev test;
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

	test_dev_destroy(&d->test);
	free(d);
}

static int add_devices(struct vm *vm, const struct vm_config *c)
{
	struct devices *d = calloc(1, sizeof(*d));
	int ret;

	if (!d || vm_on_destroy(vm, free_devices, d)) {
		free(d);
		return -ENOMEM;
	}
	serial_init(&d->serial, STDOUT_FILENO, serial_irq, vm);
	d->power = (struct power){ .stop = guest_stop, .opaque = vm };
	d->cpu_start = (struct cpu_start){ .start = start_ap, .opaque = vm };
	d->convert.mem = &vm->mem;
	test_dev_init(&d->test, &vm->mem);
	vm_set_input(vm, isatty(STDIN_FILENO) ? STDIN_FILENO : -1,
		     serial_receive, &d->serial);

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

static int write_boot_info(struct vm *vm, const struct vm_config *c)
{
	struct pvh_boot_page page;
	int ret;

	ret = pvh_build(&page, X86_BOOT_INFO_GPA, c->memory, X86_CMDLINE_GPA,
			NULL, 0);
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

/*
 * Options the platform cannot honour, refused before anything runs. With
 * two backings (shared pages in a memfd, private ones in a guest_memfd
 * the host cannot write in Linux 7.3) contents cannot survive a
 * conversion, and the boot image can only be loaded into shared RAM.
 */
static int check_platform_options(const struct vm_config *c,
				  const struct platform *p,
				  enum mem_content *mode, bool *shared)
{
	*mode = c->convert_mode != MEM_CONTENT_DEFAULT ? c->convert_mode
						      : p->default_mode;
	*shared = c->initial == INITIAL_PLATFORM ? p->initial_shared
						 : c->initial == INITIAL_SHARED;
	if (*mode == MEM_CONTENT_PRESERVE && !p->in_place) {
		log_err("convert-mode: platform %s cannot preserve contents "
			"(its shared and private pages live in different files)",
			p->name);
		return CVMM_EXIT_BAD_INPUT;
	}
	if (!*shared && !p->in_place) {
		log_err("initial-state: platform %s cannot start with private "
			"RAM (the host cannot write the boot image into its "
			"guest_memfd)", p->name);
		return CVMM_EXIT_BAD_INPUT;
	}
	return 0;
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

static int build_machine(struct vm *vm, const struct vm_config *c,
			 const uint8_t *file, const struct kernel_image *img)
{
	int ret = step(add_ram(vm, c), "adding guest memory");

	if (!ret)
		ret = step(load_kernel(vm, file, img), "loading the kernel");
	if (!ret)
		ret = step(write_boot_info(vm, c), "writing boot information");
	if (!ret)
		ret = step(add_devices(vm, c), "adding devices");
	if (!ret)
		ret = step(vm_create_vcpus(vm, c->cpus, img->entry,
					   (uint32_t)X86_BOOT_INFO_GPA),
			   "creating vCPUs");
	if (!ret)
		mem_launch_done(&vm->mem);
	return ret;
}

int vm_build(struct vm *vm, const struct vm_config *c)
{
	const struct platform *plat;
	struct kernel_image img;
	uint8_t *file = NULL;
	enum mem_content mode;
	bool shared;
	int sys_fd, ret;

	memset(vm, 0, sizeof(*vm));
	vm->vm_fd = vm->sys_fd = vm->stop_efd = -1;
	plat = platform_find(c->platform);
	ret = read_kernel(c, &file, &img);
	if (!ret)
		ret = check_platform_options(c, plat, &mode, &shared);
	if (!ret)
		ret = open_platform(plat, &sys_fd);
	if (ret) {
		free(file);
		return ret;
	}
	ret = step(vm_create(vm, plat, sys_fd, mode, shared), "creating the VM");
	vm->mem.track_footprint = c->stats;
	if (!ret)
		ret = build_machine(vm, c, file, &img);
	free(file);
	return ret ? CVMM_EXIT_FAILURE : 0;
}
