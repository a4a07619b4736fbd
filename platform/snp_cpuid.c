// SPDX-License-Identifier: MIT
#if defined(__x86_64__)
#include "snp_cpuid.h"

#include <errno.h>
#include <string.h>

/*
 * Bits the SEV firmware rejects in a CPUID page (QEMU, cloud-hypervisor and
 * OpenVMM clear the same ones): TSC-deadline timer (1.ECX[24]),
 * IA32_TSC_ADJUST (7.EBX[1]), VIRT_SSBD (0x80000008.EBX[25]).
 */
static void sanitise(struct snp_cpuid_entry *e)
{
	if (e->eax_in == 1)
		e->ecx &= ~(1u << 24);
	if (e->eax_in == 7 && e->ecx_in == 0)
		e->ebx &= ~(1u << 1);
	if (e->eax_in == 0x80000008)
		e->ebx &= ~(1u << 25);
	/* XSAVE sizes for the legacy area and header only (x87|SSE). */
	if (e->eax_in == 0xd && e->ecx_in <= 1) {
		e->xcr0_in = 1;
		e->ebx = 0x240;
	}
}

int snp_cpuid_page(const struct kvm_cpuid2 *c, struct snp_cpuid_page *page)
{
	memset(page, 0, sizeof(*page));
	if (c->nent > SNP_CPUID_MAX)
		return -E2BIG;
	for (uint32_t i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *k = &c->entries[i];
		struct snp_cpuid_entry *e = &page->e[i];

		*e = (struct snp_cpuid_entry){
			.eax_in = k->function,
			.ecx_in = k->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX
					  ? k->index : 0,
			.eax = k->eax, .ebx = k->ebx, .ecx = k->ecx, .edx = k->edx,
		};
		sanitise(e);
	}
	page->count = c->nent;
	return 0;
}

unsigned int snp_cpuid_diff(const struct snp_cpuid_page *a,
			    const struct snp_cpuid_page *b)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < SNP_CPUID_MAX; i++)
		n += memcmp(&a->e[i], &b->e[i], sizeof(a->e[i])) != 0;
	return n + (a->count != b->count);
}
#endif
