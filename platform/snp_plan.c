// SPDX-License-Identifier: MIT
#if defined(__x86_64__)
#include "snp_plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lib/kvm.h"
#include "../lib/util.h"

uint8_t snp_page_type(enum launch_kind k)
{
	switch (k) {
	case LAUNCH_ZERO: return KVM_SEV_SNP_PAGE_TYPE_ZERO;
	case LAUNCH_SECRETS: return KVM_SEV_SNP_PAGE_TYPE_SECRETS;
	case LAUNCH_CPU_INFO: return KVM_SEV_SNP_PAGE_TYPE_CPUID;
	default: return KVM_SEV_SNP_PAGE_TYPE_NORMAL; /* code and data */
	}
}

const char *snp_page_type_name(uint8_t type)
{
	static const char *const n[] = { "?", "normal", "vmsa", "zero",
					  "unmeasured", "secrets", "cpuid" };

	return type < ARRAY_SIZE(n) ? n[type] : "?";
}

/* The type an earlier run gave the page at gpa, or 0. */
static uint8_t planned(const struct snp_plan *p, uint64_t gpa)
{
	for (unsigned int i = 0; i < p->n; i++)
		if (gpa >= p->run[i].gpa &&
		    (gpa - p->run[i].gpa) / SNP_PAGE < p->run[i].npages)
			return p->run[i].type;
	return 0;
}

static int add_page(struct snp_plan *p, uint64_t gpa, uint8_t type)
{
	struct snp_run *last = p->n ? &p->run[p->n - 1] : NULL;

	if (last && last->type == type &&
	    last->gpa + last->npages * SNP_PAGE == gpa) {
		last->npages++;
		return 0;
	}
	if (p->n == SNP_PLAN_MAX)
		return -ENOSPC;
	p->run[p->n++] = (struct snp_run){ gpa, 1, type };
	return 0;
}

int snp_plan_build(const struct launch_list *l, struct snp_plan *p,
		   char *err, size_t errlen)
{
	p->n = 0;
	for (unsigned int i = 0; i < l->n; i++) {
		const struct launch_item *it = &l->item[i];
		uint8_t type = snp_page_type(it->kind), had;
		uint64_t end = align_up(it->gpa + it->len, SNP_PAGE);

		for (uint64_t g = it->gpa & ~(SNP_PAGE - 1); g < end;
		     g += SNP_PAGE) {
			if ((had = planned(p, g))) {
				if (had == type)
					continue;
				snprintf(err, errlen, "%s shares page 0x%llx with "
					 "an item launched as %s", it->what,
					 (unsigned long long)g,
					 snp_page_type_name(had));
				return -EINVAL;
			}
			if (add_page(p, g, type)) {
				snprintf(err, errlen, "more than %d launch "
					 "ranges", SNP_PLAN_MAX);
				return -ENOSPC;
			}
		}
	}
	return 0;
}

void snp_page_bytes(const struct launch_list *l, uint64_t gpa,
		    uint8_t page[SNP_PAGE])
{
	memset(page, 0, SNP_PAGE);
	for (unsigned int i = 0; i < l->n; i++) {
		const struct launch_item *it = &l->item[i];
		uint64_t a = it->gpa > gpa ? it->gpa : gpa;
		uint64_t b = it->gpa + it->len < gpa + SNP_PAGE
				     ? it->gpa + it->len
				     : gpa + SNP_PAGE;

		if (it->data && a < b)
			memcpy(page + (a - gpa),
			       (const uint8_t *)it->data + (a - it->gpa), b - a);
	}
}
#endif
