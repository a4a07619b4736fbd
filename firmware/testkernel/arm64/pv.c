/*
 * arm64: SMCCC calls, and sharing memory with the host. On pKVM a
 * protected guest's pages are private to it unless it shares them with
 * the hypervisor's MEM_SHARE call (cvmm is never told); on a VM whose
 * hypervisor does not offer that (soft), sharing goes through cvmm's
 * conversion device as on x86.
 */
#include "../kernel.h"

#define KVM_FEATURES 0x86000000u
#define HYP_MEMINFO 0xc6000002u
#define MEM_SHARE 0xc6000003u
#define MEM_UNSHARE 0xc6000004u
/* KVM_FEATURES bits: function numbers of the vendor hypervisor calls. */
#define FEAT_HYP_MEMINFO (1u << 2)
#define FEAT_MEM_SHARE (1u << 3)
#define FEAT_MEM_UNSHARE (1u << 4)
#define SMCCC_NOT_SUPPORTED ((uint64_t)-1)

struct smccc_res hvc_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
			   "x12", "x13", "x14", "x15", "x16", "x17", "memory");
	return (struct smccc_res){ x0, x1, x2, x3 };
}

/* No hypercall reaches cvmm on arm64: conversions go to the device. */
uint32_t pv_convert(uint64_t gpa, uint64_t npages, uint32_t attrs)
{
	return pv_convert_device(gpa, npages, attrs);
}

/* Does the hypervisor offer MEM_SHARE, MEM_UNSHARE and HYP_MEMINFO? */
bool pkvm_sharing(void)
{
	static int have = -1;
	uint32_t want = FEAT_HYP_MEMINFO | FEAT_MEM_SHARE | FEAT_MEM_UNSHARE;

	if (have < 0) {
		uint64_t f = hvc_call(KVM_FEATURES, 0, 0, 0).a0;

		have = f != SMCCC_NOT_SUPPORTED && (f & want) == want;
	}
	return have;
}

/* The sharing granule, from HYP_MEMINFO (4 KiB if it answers nonsense). */
uint64_t pkvm_granule(void)
{
	int64_t g = (int64_t)hvc_call(HYP_MEMINFO, 0, 0, 0).a0;

	return g >= (int64_t)PAGE && !(g & (g - 1)) ? (uint64_t)g : PAGE;
}

uint32_t pkvm_mem_share(uint64_t ipa)
{
	uint64_t r = hvc_call(MEM_SHARE, ipa, 0, 0).a0;

	return r == 0 ? PV_OK : (uint32_t)r;
}

uint32_t pkvm_mem_unshare(uint64_t ipa)
{
	uint64_t r = hvc_call(MEM_UNSHARE, ipa, 0, 0).a0;

	return r == 0 ? PV_OK : (uint32_t)r;
}

/* The whole pool, one granule per call (what Linux's pkvm guest does). */
bool dma_pool_share(uint64_t base, uint64_t size)
{
	uint64_t g, calls = 0;

	if (!pkvm_sharing())
		return pv_convert(base, size / PAGE, PV_CONV_MODE_PRESERVE) ==
			       PV_OK ||
		       pv_convert(base, size / PAGE, 0) == PV_OK;
	g = pkvm_granule();
	for (uint64_t a = base; a < base + size; a += g, calls++) {
		uint32_t r = pkvm_mem_share(a);

		if (r != PV_OK) {
			printk("MEM_SHARE of 0x%lx answered 0x%x\n", a, r);
			return false;
		}
	}
	printk("DMA pool shared with MEM_SHARE: %lu calls of %lu bytes\n",
	       calls, g);
	return true;
}

uint32_t page_share(uint64_t gpa)
{
	return pkvm_sharing() ? pkvm_mem_share(gpa) : pv_convert(gpa, 1, 0);
}

/*
 * On pKVM a page the guest never shared is private once touched (the
 * hypervisor takes it from the host on first access): touch it.
 */
uint32_t page_private(uint64_t gpa)
{
	if (!pkvm_sharing())
		return pv_convert(gpa, 1, PV_CONV_ENCRYPTED);
	*(volatile uint64_t *)gpa = 0;
	return PV_OK;
}
