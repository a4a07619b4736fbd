// SPDX-License-Identifier: MIT
#if defined(__x86_64__)
#include "snp_measure.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/kvm.h"
#include "sha384.h"

#define PAGE_INFO_LEN 0x70

static int page_info(uint8_t digest[48], const uint8_t *page, uint8_t type,
		     uint64_t gpa)
{
	uint8_t info[PAGE_INFO_LEN] = { 0 };

	memcpy(info, digest, 48);
	if (type == KVM_SEV_SNP_PAGE_TYPE_NORMAL && sha384(page, SNP_PAGE,
							    info + 48))
		return -ENOMEM;
	info[96] = PAGE_INFO_LEN;
	info[98] = type;
	for (int i = 0; i < 8; i++)
		info[104 + i] = (uint8_t)(gpa >> (8 * i));
	return sha384(info, sizeof(info), digest);
}

int snp_page_digest(const struct launch_list *l, const struct snp_plan *p,
		    uint8_t digest[48])
{
	uint8_t *page = malloc(SNP_PAGE);
	int ret = page ? 0 : -ENOMEM;

	memset(digest, 0, 48);
	for (unsigned int i = 0; !ret && i < p->n; i++) {
		const struct snp_run *r = &p->run[i];

		for (uint64_t k = 0; !ret && k < r->npages; k++) {
			uint64_t gpa = r->gpa + k * SNP_PAGE;

			if (r->type == KVM_SEV_SNP_PAGE_TYPE_NORMAL)
				snp_page_bytes(l, gpa, page);
			ret = page_info(digest, page, r->type, gpa);
		}
	}
	free(page);
	return ret;
}

int snp_measure(const struct launch_list *l, unsigned int ncpus,
		uint64_t policy, struct plat_measure *out, char *err,
		size_t errlen)
{
	struct snp_plan *p = malloc(sizeof(*p));
	int ret;

	(void)ncpus;
	(void)policy;
	if (!p)
		return -ENOMEM;
	ret = snp_plan_build(l, p, err, errlen);
	if (!ret && (ret = snp_page_digest(l, p, out->digest)))
		snprintf(err, errlen, "SHA-384 failed");
	free(p);
	out->name = "snp-page-digest";
	out->note = "exact for the launch pages; the launch digest the guest "
		    "reports continues with one VMSA page per vCPU, whose "
		    "bytes KVM derives from the registers (not computed)";
	return ret;
}
#endif
