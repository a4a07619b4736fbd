// SPDX-License-Identifier: MIT
/*
 * x86's implementation of arch/arch.h for the VM and its vCPUs: the
 * address map and device places, the in-kernel interrupt controller,
 * CPUID and entry registers, and port-I/O exits.
 */
#include "../arch.h"

#include <errno.h>
#include <stdlib.h>

#include "../../devices/pv_abi.h"
#include "../../lib/kvm.h"
#include "../../lib/log.h"
#include "../../lib/util.h"
#include "acpi.h"
#include "cpu.h"
#include "msi_routes.h"

unsigned int arch_ram_regions(uint64_t ram,
			      struct arch_ram_region out[ARCH_MAX_RAM_REGIONS])
{
	struct x86_ram_layout l = x86_ram_layout(ram);

	out[0] = (struct arch_ram_region){ 0, l.low_size };
	if (!l.high_size)
		return 1;
	out[1] = (struct arch_ram_region){ X86_MMIO_HOLE_END, l.high_size };
	return 2;
}

static struct arch_place pio(uint64_t base, uint64_t len, unsigned int gsi)
{
	return (struct arch_place){ ARCH_SPACE_IO, base, len, gsi };
}

struct arch_place arch_sysdev_place(enum arch_sysdev d)
{
	switch (d) {
	case SYSDEV_UART: return pio(X86_COM1_PORT, 8, X86_COM1_GSI);
	case SYSDEV_EXIT: return pio(PV_EXIT_PORT, 4, ARCH_NO_IRQ);
	case SYSDEV_RESET: return pio(X86_RESET_CF9_PORT, 1, ARCH_NO_IRQ);
	case SYSDEV_RESET_KBD: return pio(X86_RESET_I8042_PORT, 1, ARCH_NO_IRQ);
	case SYSDEV_CPU_START: return pio(PV_CPU_BASE, PV_CPU_SIZE, ARCH_NO_IRQ);
	case SYSDEV_CONVERT: return pio(PV_CONV_BASE, PV_CONV_SIZE, ARCH_NO_IRQ);
	case SYSDEV_TEST: return pio(PV_TEST_BASE, PV_TEST_SIZE, ARCH_NO_IRQ);
	case SYSDEV_SLEEP: return pio(X86_ACPI_SLEEP_PORT, 2, ARCH_NO_IRQ);
	default: return (struct arch_place){ ARCH_SPACE_MMIO, 0, 0, ARCH_NO_IRQ };
	}
}

struct arch_place arch_virtio_place(unsigned int i)
{
	if (i >= X86_VIRTIO_MAX)
		return (struct arch_place){ ARCH_SPACE_MMIO, 0, 0, ARCH_NO_IRQ };
	return (struct arch_place){ ARCH_SPACE_MMIO,
				    X86_VIRTIO_BASE + i * X86_VIRTIO_STRIDE,
				    X86_VIRTIO_STRIDE, X86_VIRTIO_GSI + i };
}

struct arch_place arch_test_memory(void)
{
	return (struct arch_place){ ARCH_SPACE_MMIO, PV_TESTMEM_GPA,
				    PV_TESTMEM_SIZE, ARCH_NO_IRQ };
}

const char *arch_vm_type_name(unsigned int t)
{
	static const char *const names[] = {
		"default", "sw-protected", "sev", "sev-es", "sev-snp", "tdx",
	};

	return t < ARRAY_SIZE(names) ? names[t] : NULL;
}

/*
 * KERNEL: IOAPIC, PIC and PIT in KVM. SPLIT: only the local APICs (24
 * IOAPIC routes left to the VMM), as TDX requires; no PIT then, and the
 * devices' GSIs become MSIs to the boot vCPU (msi_routes.c).
 */
static int create_irqchip(int vm_fd, enum arch_irqchip irqchip)
{
	struct kvm_pit_config pit = { .flags = 0 };
	struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP,
					.args[0] = X86_MSI_GSIS };
	int ret;

	if (irqchip == ARCH_IRQCHIP_SPLIT) {
		ret = kvm_ioctl_ptr(vm_fd, KVM_ENABLE_CAP, &split);
		return ret ? ret : x86_msi_routes(vm_fd, 0);
	}
	ret = kvm_ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0);
	return ret ? ret : kvm_ioctl_ptr(vm_fd, KVM_CREATE_PIT2, &pit);
}

void arch_vm_init(struct arch_vm *a)
{
	a->cpuid = NULL;
}

int arch_vm_create(struct arch_vm *a, int sys_fd, int vm_fd,
		   enum arch_irqchip irqchip, bool protected_state)
{
	int ret;

	/*
	 * Only Intel needs this (for real mode); it lives in the MMIO hole.
	 * Pointless with protected state: Linux 7.3 ignores it for SNP (SVM
	 * has no such op) and for a TD (vt_set_tss_addr returns 0).
	 */
	if (!protected_state && kvm_cap(vm_fd, KVM_CAP_SET_TSS_ADDR) &&
	    kvm_ioctl_raw(vm_fd, KVM_SET_TSS_ADDR, X86_TSS_GPA))
		log_debug("KVM_SET_TSS_ADDR refused");
	ret = create_irqchip(vm_fd, irqchip);
	if (ret)
		return ret;
	a->cpuid = kvm_supported_cpuid(sys_fd);
	return a->cpuid ? 0 : -ENOMEM;
}

void arch_vm_destroy(struct arch_vm *a)
{
	free(a->cpuid);
	a->cpuid = NULL;
}

int arch_vcpu_init(struct arch_vm *a, int vcpu_fd, unsigned int index,
		   unsigned int ncpus, bool conv_hypercall)
{
	struct kvm_cpuid2 *cpuid = x86_vcpu_cpuid(a->cpuid, index, ncpus,
						  conv_hypercall);
	int ret;

	if (!cpuid)
		return -ENOMEM;
	ret = kvm_ioctl(vcpu_fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return ret;
}

void arch_vcpu_host_state(struct arch_vm *a, int vcpu_fd)
{
	x86_vcpu_init_xcr0(vcpu_fd, a->cpuid);
}

int arch_vcpus_created(struct arch_vm *a)
{
	(void)a;
	return 0;
}

uint32_t arch_irq_line_id(unsigned int gsi)
{
	return gsi; /* an IOAPIC pin */
}

int arch_vcpu_set_entry(int vcpu_fd, uint64_t pc, uint64_t arg)
{
	/* The PVH entry is 32-bit: both fit, the builder checked. */
	return x86_set_entry_regs(vcpu_fd, (uint32_t)pc, (uint32_t)arg);
}

int arch_vcpu_set_boot_entry(int vcpu_fd, const struct arch_entry *e)
{
	if (e->mode == X86_ENTRY_LONG)
		return x86_set_long_entry_regs(vcpu_fd, e->pc, e->arg,
					       X86_PML4_GPA, X86_GDT_GPA);
	return arch_vcpu_set_entry(vcpu_fd, e->pc, e->arg);
}

size_t arch_runtime_ioctls(const unsigned long **list)
{
	static const unsigned long l[] = {
		KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
		KVM_GET_MP_STATE, KVM_SET_MP_STATE,
	};

	*list = l;
	return ARRAY_SIZE(l);
}

bool arch_owns_exit(const struct kvm_run *run)
{
	return run->exit_reason == KVM_EXIT_IO;
}

int arch_handle_exit(struct kvm_run *run, size_t run_size, struct bus *io,
		     unsigned int cpu, const bool *stopping)
{
	unsigned int size = run->io.size;
	uint64_t bytes = (uint64_t)size * run->io.count;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool write = run->io.direction == KVM_EXIT_IO_OUT;

	if ((size != 1 && size != 2 && size != 4) ||
	    !range_within(run->io.data_offset, bytes, 0, run_size)) {
		log_err("malformed I/O exit (size %u count %u)", size,
			run->io.count);
		return -EINVAL;
	}
	/* The vCPU is not resumed after a stop, so the rest never runs. */
	for (uint32_t i = 0; i < run->io.count; i++, data += size) {
		if (stopping && __atomic_load_n(stopping, __ATOMIC_ACQUIRE))
			break;
		bus_access(io, run->io.port, data, size, write, cpu);
	}
	return 0;
}
