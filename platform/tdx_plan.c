// SPDX-License-Identifier: MIT
/* The TDX launch plan (see tdx_plan.h). */
#include "tdx_plan.h"

#if defined(__x86_64__)

#include <errno.h>
#include <string.h>

#include "../lib/util.h"

#define FOUR_GIB (1ULL << 32)

static bool in_ram(const struct tdx_region *r, const struct tdvf_ram *ram,
		   unsigned int nram)
{
	for (unsigned int i = 0; i < nram; i++)
		if (range_within(r->gpa, r->size, ram[i].gpa, ram[i].size))
			return true;
	return false;
}

/* Sections live in RAM or in the firmware's own slot below 4 GiB. */
static int check_place(const struct tdx_region *r, size_t len,
		       const struct tdvf_ram *ram, unsigned int nram,
		       char *err, size_t errlen)
{
	if (in_ram(r, ram, nram) ||
	    range_within(r->gpa, r->size, FOUR_GIB - len, len))
		return 0;
	snprintf(err, errlen, "TDVF section %s at 0x%llx-0x%llx lies neither "
		 "in guest RAM nor in the firmware's 0x%zx bytes below 4 GiB",
		 tdvf_type_name(r->type), (unsigned long long)r->gpa,
		 (unsigned long long)(r->gpa + r->size - 1), len);
	return -EINVAL;
}

static int add_hob(struct tdx_plan *p, const struct tdvf_ram *ram,
		   unsigned int nram, char *err, size_t errlen)
{
	const struct tdvf_section *s = tdvf_hob_section(&p->meta);
	long n;

	if (!s) {
		snprintf(err, errlen, "TDVF metadata has no TD_HOB section "
			 "(cvmm describes memory to the firmware only there)");
		return -EINVAL;
	}
	n = tdvf_hob_build(&p->meta, ram, nram, p->hob, sizeof(p->hob));
	if (n < 0) {
		snprintf(err, errlen, "the TD HOB for this memory layout %s",
			 n == -E2BIG ? "does not fit the TD_HOB section"
				     : "cannot be built: a section straddles "
				       "the end of RAM");
		return -EINVAL;
	}
	p->hob_gpa = s->gpa;
	p->hob_len = (size_t)n;
	return 0;
}

int tdx_plan_build(struct tdx_plan *p, const uint8_t *img, size_t len,
		   const struct tdvf_ram *ram, unsigned int nram, char *err,
		   size_t errlen)
{
	int ret;

	memset(p, 0, sizeof(*p));
	if (len > FOUR_GIB || (len & 0xfff)) {
		snprintf(err, errlen, "a TDVF image must be a multiple of "
			 "4 KiB and at most 4 GiB (%zu bytes)", len);
		return -EINVAL;
	}
	ret = tdvf_parse(img, len, &p->meta, err, errlen);
	if (!ret)
		ret = add_hob(p, ram, nram, err, errlen);
	for (unsigned int i = 0; !ret && i < p->meta.n; i++) {
		const struct tdvf_section *s = &p->meta.s[i];
		struct tdx_region *r = &p->r[p->n];

		if (!tdvf_section_added(s))
			continue;
		*r = (struct tdx_region){
			.gpa = s->gpa, .size = s->size,
			.data = img + s->data_offset, .data_len = s->raw_size,
			.measure = s->attributes & TDVF_ATTR_MR_EXTEND,
			.type = s->type,
		};
		if (s->type == TDVF_TD_HOB) {
			r->data = p->hob;
			r->data_len = p->hob_len;
		}
		if (!r->data_len)
			r->data = NULL;
		ret = check_place(r, len, ram, nram, err, errlen);
		p->n++;
	}
	return ret;
}

/* Page i of r: a pointer into its data, or a zero-padded copy, or NULL. */
static const uint8_t *page_of(const struct tdx_region *r, uint64_t off,
			      uint8_t *tmp)
{
	if (off >= r->data_len)
		return NULL;
	if (r->data_len - off >= TDX_PAGE)
		return r->data + off;
	memset(tmp, 0, TDX_PAGE);
	memcpy(tmp, r->data + off, r->data_len - off);
	return tmp;
}

int tdx_plan_mrtd(const struct tdx_plan *p, uint8_t out[TDX_MRTD_SIZE])
{
	static uint8_t tmp[TDX_PAGE];
	struct tdx_mrtd m;
	int ret = tdx_mrtd_init(&m);

	for (unsigned int i = 0; !ret && i < p->n; i++) {
		const struct tdx_region *r = &p->r[i];

		for (uint64_t off = 0; !ret && off < r->size; off += TDX_PAGE)
			ret = tdx_mrtd_add_page(&m, r->gpa + off,
						page_of(r, off, tmp), r->measure);
	}
	if (!ret)
		ret = tdx_mrtd_final(&m, out);
	tdx_mrtd_free(&m);
	return ret;
}

void tdx_plan_describe(FILE *f, const struct tdx_plan *p)
{
	uint8_t mrtd[TDX_MRTD_SIZE];

	for (unsigned int i = 0; i < p->meta.n; i++) {
		const struct tdvf_section *s = &p->meta.s[i];

		fprintf(f, "vm: tdx section %u: gpa 0x%llx-0x%llx %s, %s\n", i,
			(unsigned long long)s->gpa,
			(unsigned long long)(s->gpa + s->size - 1),
			tdvf_type_name(s->type),
			!tdvf_section_added(s) ? "not added (PAGE.AUG: the "
						 "guest accepts it)"
			: s->attributes & TDVF_ATTR_MR_EXTEND
				? "added and measured (MR.EXTEND)"
				: "added, not measured");
	}
	fprintf(f, "vm: tdx TD HOB: gpa 0x%llx, %zu bytes (RCX/R8 of every "
		"vCPU)\n", (unsigned long long)p->hob_gpa, p->hob_len);
	if (tdx_plan_mrtd(p, mrtd)) {
		fprintf(f, "vm: tdx MRTD: cannot be computed (SHA-384 failed)\n");
		return;
	}
	fprintf(f, "vm: tdx MRTD ");
	for (unsigned int i = 0; i < TDX_MRTD_SIZE; i++)
		fprintf(f, "%02x", mrtd[i]);
	fputc('\n', f);
}

#endif
