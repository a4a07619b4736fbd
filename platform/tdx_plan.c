// SPDX-License-Identifier: MIT
/* The TDX launch plan (see tdx_plan.h). */
#include "tdx_plan.h"

#if defined(__x86_64__)

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"

#define FOUR_GIB (1ULL << 32)

/* Inside the window, a section must be the loaded image itself. */
static const char *check_window(const struct tdx_plan *p,
				const struct tdvf_section *s)
{
	if (!ranges_overlap(s->gpa, s->size, p->fw_gpa, p->fw_size))
		return NULL;
	if (!range_within(s->gpa, s->size, p->fw_gpa, p->fw_size))
		return "straddles the edge of the image's place below 4 GiB";
	if (!s->raw_size || s->data_offset != s->gpa - p->fw_gpa ||
	    s->raw_size != s->size)
		return "lies in the image's place below 4 GiB but is not the "
		       "image's own bytes there (cvmm loads the image whole)";
	return NULL;
}

int tdx_plan_build(struct tdx_plan *p, const uint8_t *img, size_t len,
		   char *err, size_t errlen)
{
	int ret;

	memset(p, 0, sizeof(*p));
	if (!len || len > FOUR_GIB || (len & 0xfff)) {
		snprintf(err, errlen, "a TDVF image must be a non-empty "
			 "multiple of 4 KiB below 4 GiB (%zu bytes)", len);
		return -EINVAL;
	}
	p->fw_gpa = FOUR_GIB - len;
	p->fw_size = len;
	ret = tdvf_parse(img, len, &p->meta, err, errlen);
	for (unsigned int i = 0; !ret && i < p->meta.n; i++) {
		const struct tdvf_section *s = &p->meta.s[i];
		const char *why = check_window(p, s);

		if (why) {
			snprintf(err, errlen, "TDVF section %u (%s at 0x%llx) %s",
				 i, tdvf_type_name(s->type),
				 (unsigned long long)s->gpa, why);
			return -EINVAL;
		}
		if (s->type == TDVF_TD_HOB)
			p->hob_gpa = s->gpa, p->hob_size = s->size;
		if (tdvf_section_added(s))
			p->r[p->n++] = (struct tdx_region){
				s->gpa, s->size,
				s->attributes & TDVF_ATTR_MR_EXTEND, s->type };
	}
	if (!ret && !p->hob_size) {
		snprintf(err, errlen, "TDVF metadata has no TD_HOB section "
			 "(cvmm tells the firmware its memory only there)");
		ret = -EINVAL;
	}
	return ret;
}

int tdx_plan_items(const struct tdx_plan *p, const uint8_t *img,
		   struct launch_list *l)
{
	char what[24];
	int ret = 0;

	for (unsigned int i = 0; !ret && i < p->meta.n; i++) {
		const struct tdvf_section *s = &p->meta.s[i];

		if (!tdvf_section_added(s) ||
		    range_within(s->gpa, s->size, p->fw_gpa, p->fw_size))
			continue;
		snprintf(what, sizeof(what), "TDVF %s", tdvf_type_name(s->type));
		if (s->raw_size)
			ret = launch_add(l, s->gpa, img + s->data_offset,
					 s->raw_size, LAUNCH_FIRMWARE, what);
		/* Zeros: the rest of a data section, or all of one without. */
		if (!ret && s->size > s->raw_size)
			ret = launch_add(l, s->gpa + s->raw_size, NULL,
					 s->size - s->raw_size, LAUNCH_ZERO,
					 what);
	}
	return ret;
}

/* The page at gpa as launch list l fills it (zeros where it does not). */
static void page_of(const struct launch_list *l, uint64_t gpa, uint8_t *page)
{
	memset(page, 0, TDX_PAGE);
	for (unsigned int i = 0; i < l->n; i++) {
		const struct launch_item *it = &l->item[i];
		uint64_t from, to;

		if (!it->data || !ranges_overlap(it->gpa, it->len, gpa, TDX_PAGE))
			continue;
		from = it->gpa > gpa ? it->gpa : gpa;
		to = it->gpa + it->len < gpa + TDX_PAGE ? it->gpa + it->len
							: gpa + TDX_PAGE;
		memcpy(page + (from - gpa),
		       (const uint8_t *)it->data + (from - it->gpa), to - from);
	}
}

int tdx_plan_mrtd(const struct tdx_plan *p, const struct launch_list *l,
		  uint8_t out[TDX_MRTD_SIZE])
{
	static uint8_t page[TDX_PAGE];
	struct tdx_mrtd m;
	int ret = tdx_mrtd_init(&m);

	if (ret)
		return ret;
	for (unsigned int i = 0; i < p->n; i++) {
		const struct tdx_region *r = &p->r[i];

		for (uint64_t off = 0; off < r->size; off += TDX_PAGE) {
			if (r->measure)
				page_of(l, r->gpa + off, page);
			tdx_mrtd_add_page(&m, r->gpa + off, page, r->measure);
		}
	}
	tdx_mrtd_final(&m, out);
	return 0;
}

void tdx_plan_note(const struct tdx_plan *p, char *buf, size_t len)
{
	size_t n = 0;

	n += (size_t)snprintf(buf, len, "TDX MRTD (exact: TDH.MEM.PAGE.ADD of "
			      "every page, TDH.MR.EXTEND of measured ones) of");
	for (unsigned int i = 0; i < p->meta.n && n < len; i++) {
		const struct tdvf_section *s = &p->meta.s[i];

		n += (size_t)snprintf(buf + n, len - n, "%s%s 0x%llx+%llu "
				      "pages%s", i ? ", then " : " ", tdvf_type_name(
				      s->type), (unsigned long long)s->gpa,
				      (unsigned long long)(s->size / TDX_PAGE),
				      !tdvf_section_added(s) ? " (not added: "
				      "PAGE.AUG)" : s->attributes &
				      TDVF_ATTR_MR_EXTEND ? " measured"
				      : " added");
	}
	if (n < len)
		snprintf(buf + n, len - n, "; not RTMRs, TD attributes, XFAM "
			 "or the TD HOB's contents");
}

long tdx_plan_hob(const struct tdx_plan *p, const struct tdvf_ram *ram,
		  unsigned int nram, uint8_t *buf, size_t cap)
{
	return tdvf_hob_build(&p->meta, ram, nram, buf, cap);
}

/* Resolve time: the sections outside the image become launch items. */
int tdx_plan_firmware(const struct arch_firmware *fw,
			     struct launch_list *l, char *err, size_t errlen)
{
	struct tdx_plan *p = malloc(sizeof(*p));
	int ret;

	if (!p)
		return -ENOMEM;
	ret = tdx_plan_build(p, fw->data, fw->size, err, errlen);
	if (!ret && (ret = tdx_plan_items(p, fw->data, l)))
		snprintf(err, errlen, "TDVF sections overlap the image or "
			 "each other, or are too many (%s)", strerror(-ret));
	free(p);
	return ret;
}

/* MRTD of the launch list, from the TDVF metadata of its firmware item. */
int tdx_measure(const struct launch_list *l, unsigned int ncpus,
		       uint64_t policy, struct plat_measure *out, char *err,
		       size_t errlen)
{
	static char note[512];
	const struct launch_item *fw = NULL;
	struct tdx_plan *p;
	int ret;

	(void)ncpus, (void)policy; /* MRTD covers neither */
	for (unsigned int i = 0; i < l->n; i++)
		if (l->item[i].kind == LAUNCH_FIRMWARE &&
		    l->item[i].gpa + l->item[i].len == 1ULL << 32)
			fw = &l->item[i];
	if (!fw) {
		snprintf(err, errlen, "platform tdx measures a TDVF firmware "
			 "image (--firmware)");
		return -EINVAL;
	}
	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	ret = tdx_plan_build(p, fw->data, fw->len, err, errlen);
	if (!ret && (ret = tdx_plan_mrtd(p, l, out->digest)))
		snprintf(err, errlen, "SHA-384 failed");
	if (!ret)
		tdx_plan_note(p, note, sizeof(note));
	free(p);
	out->name = "mrtd";
	out->note = note;
	return ret;
}

#endif
