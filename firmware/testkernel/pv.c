/*
 * x86: the conversion request, which goes by hypercall where the platform
 * delivers hypercalls to cvmm (else by the device, pv_dev.c), sharing for
 * the shared tests, and the CPU start device.
 */
#include "kernel.h"

#define KVM_HC_MAP_GPA_RANGE 12
#define KVM_FEATURE_HC_MAP_GPA_RANGE 16
#define KVM_ENOSYS 1000
#define MODE_BITS (PV_CONV_MODE_ZERO | PV_CONV_MODE_PRESERVE)

struct conv_counts conv_counts;

/*
 * The hypercall instruction, or 0 for none: KVM's CPUID signature with
 * KVM_FEATURE_HC_MAP_GPA_RANGE, which cvmm sets only where the exit
 * reaches it (elsewhere a VMMCALL might never return). VMMCALL on AMD
 * and Hygon, VMCALL otherwise: KVM would patch the other one in place.
 */
static uint64_t hypercall_insn(void)
{
	static int64_t insn = -1;
	uint32_t r[4];
	char v[12];

	if (insn >= 0)
		return (uint64_t)insn;
	insn = 0;
	cpuid(0x40000000, 0, r);
	memcpy(v, &r[1], 4);
	memcpy(v + 4, &r[2], 4);
	memcpy(v + 8, &r[3], 4);
	if (memcmp(v, "KVMKVMKVM\0\0\0", 12) || r[0] < 0x40000001)
		return 0;
	cpuid(0x40000001, 0, r);
	if (!(r[0] & (1u << KVM_FEATURE_HC_MAP_GPA_RANGE)))
		return 0;
	cpuid(0, 0, r);
	memcpy(v, &r[1], 4); /* vendor: EBX, EDX, ECX */
	memcpy(v + 4, &r[3], 4);
	memcpy(v + 8, &r[2], 4);
	insn = !memcmp(v, "AuthenticAMD", 12) || !memcmp(v, "HygonGenuine", 12)
		       ? SYS_VMMCALL
		       : SYS_VMCALL;
	return (uint64_t)insn;
}

const char *conv_trigger(void)
{
	switch (hypercall_insn()) {
	case SYS_VMMCALL: return "VMMCALL";
	case SYS_VMCALL: return "VMCALL";
	default: return "the conversion device";
	}
}

/*
 * KVM_HC_MAP_GPA_RANGE from ring 0. cvmm answers 0, EINVAL or EAGAIN
 * (positive); KVM's own argument checks answer -KVM_EINVAL without an
 * exit. Anything else is passed on as it came, so checks show it.
 */
static uint32_t map_gpa_range(uint64_t gpa, uint64_t npages, uint32_t attrs)
{
	int64_t ret = (int64_t)syscall4(hypercall_insn(), KVM_HC_MAP_GPA_RANGE,
				       gpa, npages, attrs);

	conv_counts.hypercall++;
	switch (ret) {
	case 0: return PV_OK;
	case PV_EAGAIN: case -PV_EAGAIN: return PV_EAGAIN;
	case PV_EINVAL: case -PV_EINVAL: return PV_EINVAL;
	default:
		printk("MAP_GPA_RANGE returned %ld%s\n", ret,
		       ret == -KVM_ENOSYS ? " (KVM_ENOSYS: no hypercall exit)"
					  : "");
		return (uint32_t)ret;
	}
}

/*
 * A conversion request. One that names a content mode needs the device:
 * the hypercall has no bits for it.
 */
uint32_t pv_convert(uint64_t gpa, uint64_t npages, uint32_t attrs)
{
	if (!(attrs & MODE_BITS) && hypercall_insn())
		return map_gpa_range(gpa, npages, attrs);
	conv_counts.device++;
	return pv_convert_device(gpa, npages, attrs);
}

/* What a CoCo guest does with a restricted-dma-pool: share it. */
bool dma_pool_share(uint64_t base, uint64_t size)
{
	return pv_convert(base, size / PAGE, PV_CONV_MODE_PRESERVE) == PV_OK ||
	       pv_convert(base, size / PAGE, 0) == PV_OK;
}

uint32_t page_share(uint64_t gpa)
{
	return pv_convert(gpa, 1, 0);
}

uint32_t page_private(uint64_t gpa)
{
	return pv_convert(gpa, 1, PV_CONV_ENCRYPTED);
}

uint32_t pv_cpu_start(uint32_t cpu, uint32_t entry, uint32_t arg)
{
	outl(PV_CPU_INDEX, cpu);
	outl(PV_CPU_ENTRY, entry);
	outl(PV_CPU_ARG, arg);
	outl(PV_CPU_CMD, PV_CPU_CMD_START);
	return inl(PV_CPU_STATUS);
}
