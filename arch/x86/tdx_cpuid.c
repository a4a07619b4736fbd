// SPDX-License-Identifier: MIT
#include "tdx_cpuid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/kvm.h"
#include "cpu.h"

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid2 *c,
					   uint32_t function, uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == function &&
		    c->entries[i].index == index)
			return &c->entries[i];
	return NULL;
}

struct kvm_cpuid2 *x86_tdx_init_cpuid(int sys_fd,
				      const struct kvm_cpuid2 *caps,
				      char *err, size_t errlen)
{
	struct kvm_cpuid2 *host = kvm_supported_cpuid(sys_fd), *out;
	const struct kvm_cpuid_entry2 *h;

	out = host ? calloc(1, sizeof(*out) +
				       caps->nent * sizeof(out->entries[0]))
		   : NULL;
	if (!out) {
		free(host);
		snprintf(err, errlen, "no memory for the TD's CPUID");
		return NULL;
	}
	/* A leaf the host lacks stays out: the module then uses its own. */
	for (uint32_t i = 0; i < caps->nent; i++) {
		const struct kvm_cpuid_entry2 *m = &caps->entries[i];
		struct kvm_cpuid_entry2 *e = &out->entries[out->nent];

		h = find(host, m->function, m->index);
		if (!h)
			continue;
		*e = *h;
		e->eax &= m->eax, e->ebx &= m->ebx;
		e->ecx &= m->ecx, e->edx &= m->edx;
		if (e->function == 0x80000008)
			e->eax = (e->eax & ~0xff0000u) | X86_TDX_GPAW << 16;
		out->nent++;
	}
	free(host);
	if (!find(out, 0x80000008, 0)) {
		snprintf(err, errlen, "the TDX capabilities (or the host) lack "
			 "CPUID 0x80000008, which sets the TD's address width");
		free(out);
		return NULL;
	}
	return out;
}
