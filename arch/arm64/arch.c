// SPDX-License-Identifier: MIT
/*
 * arm64's implementation of arch/arch.h for the VM and its vCPUs: the
 * address map and device places, the in-kernel GICv3, vCPU init with PSCI
 * 0.2 and the entry registers. arm64 has no I/O space and no exit of its
 * own: PSCI SYSTEM_OFF/RESET arrive as system events, CPU_ON is KVM's.
 */
#include "../arch.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include "../../lib/kvm.h"
#include "../../lib/log.h"
#include "../../lib/util.h"

/* One 64-bit core register as KVM_{GET,SET}_ONE_REG names it. */
#define CORE_REG(field)                                                   \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |            \
	 (offsetof(struct kvm_regs, field) / sizeof(uint32_t)))

unsigned int arch_ram_regions(uint64_t ram,
			      struct arch_ram_region out[ARCH_MAX_RAM_REGIONS])
{
	out[0] = (struct arch_ram_region){ ARM64_RAM_BASE, ram };
	return 1;
}

static struct arch_place mmio(uint64_t base, uint64_t len, unsigned int gsi)
{
	return (struct arch_place){ ARCH_SPACE_MMIO, base, len, gsi };
}

struct arch_place arch_sysdev_place(enum arch_sysdev d)
{
	switch (d) {
	case SYSDEV_UART: return mmio(ARM64_UART_BASE, 8, ARM64_UART_SPI);
	case SYSDEV_EXIT: return mmio(ARM64_PV_BASE, 4, ARCH_NO_IRQ);
	case SYSDEV_CONVERT:
		return mmio(ARM64_PV_BASE + ARM64_PV_STRIDE, 0x14, ARCH_NO_IRQ);
	case SYSDEV_TEST:
		return mmio(ARM64_PV_BASE + 2 * ARM64_PV_STRIDE, 0x1c, ARCH_NO_IRQ);
	default: /* reset and CPU start are PSCI calls KVM handles */
		return mmio(0, 0, ARCH_NO_IRQ);
	}
}

struct arch_place arch_virtio_place(unsigned int i)
{
	if (i >= ARM64_VIRTIO_MAX)
		return mmio(0, 0, ARCH_NO_IRQ);
	return mmio(ARM64_VIRTIO_BASE + i * ARM64_VIRTIO_STRIDE,
		    ARM64_VIRTIO_STRIDE, ARM64_VIRTIO_SPI + i);
}

struct arch_place arch_test_memory(void)
{
	return mmio(ARM64_TESTMEM_GPA, 0x10000, ARCH_NO_IRQ);
}

const char *arch_vm_type_name(unsigned int t)
{
	return t == 0 ? "default" : NULL;
}

static int gic_attr(int fd, uint32_t group, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = { .group = group, .attr = attr,
				     .addr = (uint64_t)(uintptr_t)val };

	return kvm_ioctl_ptr(fd, KVM_SET_DEVICE_ATTR, &a);
}

/* A GICv3 whose distributor and redistributors sit in the address map. */
static int create_gic(struct arch_vm *a, int vm_fd)
{
	struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	uint64_t dist = ARM64_GICD_BASE, redist = ARM64_GICR_BASE;
	uint32_t nr_irqs = ARM64_NR_IRQS;
	int ret = kvm_ioctl_ptr(vm_fd, KVM_CREATE_DEVICE, &dev);

	if (ret)
		return ret;
	a->gic_fd = (int)dev.fd;
	ret = gic_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
		       KVM_VGIC_V3_ADDR_TYPE_DIST, &dist);
	if (!ret)
		ret = gic_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR,
			       KVM_VGIC_V3_ADDR_TYPE_REDIST, &redist);
	if (!ret)
		ret = gic_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0,
			       &nr_irqs);
	return ret;
}

void arch_vm_init(struct arch_vm *a)
{
	a->gic_fd = -1;
	a->target_known = false;
}

int arch_vm_create(struct arch_vm *a, int sys_fd, int vm_fd,
		   enum arch_irqchip irqchip, bool protected_state)
{
	struct kvm_vcpu_init init;

	(void)sys_fd, (void)protected_state;
	if (irqchip != ARCH_IRQCHIP_KERNEL) {
		log_err("arm64 has only an in-kernel GIC");
		return -ENOTSUP;
	}
	if (kvm_ioctl_ptr(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) == 0) {
		a->target = init.target;
		a->target_known = true;
	}
	return create_gic(a, vm_fd);
}

void arch_vm_destroy(struct arch_vm *a)
{
	if (a->gic_fd >= 0)
		close(a->gic_fd);
	a->gic_fd = -1;
}

void arch_vcpu_host_state(struct arch_vm *a, int vcpu_fd)
{
	(void)a;
	(void)vcpu_fd;
}

int arch_vcpu_init(struct arch_vm *a, int vcpu_fd, unsigned int index,
		   unsigned int ncpus, bool conv_hypercall)
{
	struct kvm_vcpu_init init = { .target = a->target };

	(void)ncpus;
	(void)conv_hypercall;
	if (!a->target_known)
		return -ENOTSUP;
	init.features[0] = 1u << KVM_ARM_VCPU_PSCI_0_2;
	/* Secondaries wait, powered off, for the guest's PSCI CPU_ON. */
	if (index)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	return kvm_ioctl_ptr(vcpu_fd, KVM_ARM_VCPU_INIT, &init);
}

int arch_vcpus_created(struct arch_vm *a)
{
	return gic_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			KVM_DEV_ARM_VGIC_CTRL_INIT, NULL);
}

uint32_t arch_irq_line_id(unsigned int gsi)
{
	/* An SPI: type in bits 24-27, interrupt ID (SPIs from 32) below. */
	return (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) | (gsi + 32);
}

static int set_reg(int vcpu_fd, uint64_t id, uint64_t value)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&value };

	return kvm_ioctl_ptr(vcpu_fd, KVM_SET_ONE_REG, &r);
}

/* The arm64 boot protocol: PC at the entry, X0 the device tree. KVM's
 * vCPU reset already left EL1h with interrupts masked and the MMU off. */
int arch_vcpu_set_entry(int vcpu_fd, uint64_t pc, uint64_t arg)
{
	int ret = set_reg(vcpu_fd, CORE_REG(regs.pc), pc);

	for (unsigned int i = 0; !ret && i < 4; i++)
		ret = set_reg(vcpu_fd, CORE_REG(regs.regs[i]), i ? 0 : arg);
	return ret;
}

int arch_vcpu_set_boot_entry(int vcpu_fd, const struct arch_entry *e)
{
	return arch_vcpu_set_entry(vcpu_fd, e->pc, e->arg);
}

size_t arch_runtime_ioctls(const unsigned long **list)
{
	/* Secondaries start through PSCI inside KVM: nothing after setup. */
	*list = NULL;
	return 0;
}

bool arch_owns_exit(const struct kvm_run *run)
{
	(void)run;
	return false;
}

int arch_handle_exit(struct kvm_run *run, size_t run_size, struct bus *io,
		     unsigned int cpu, const bool *stopping)
{
	(void)run, (void)run_size, (void)io, (void)cpu, (void)stopping;
	return -EINVAL;
}

/* No firmware images on arm64: cvmm boots the kernel directly there. */
int arch_firmware_parse(const uint8_t *img, size_t len,
			struct arch_firmware *fw, char *err, size_t errlen)
{
	*fw = (struct arch_firmware){ .data = img, .size = len };
	snprintf(err, errlen, "firmware images are not supported on arm64");
	return -ENOTSUP;
}
