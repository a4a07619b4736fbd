// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the end of a firmware image (--firmware), where OVMF's
 * footer table and the offsets into the image are, through
 * arch_firmware_parse(): the footer table walk and the SEV metadata. The
 * input ends the image (zero-padded in front to 4 KiB multiples, exactly
 * that size, so ASan sees any read outside it); what parses must describe
 * sections below 4 GiB, and a refusal must be one line. The same image
 * goes through TDX's TDVF metadata parser and launch plan (x86), with the
 * same demands. Seeds: tests/fuzz/corpus/firmware/ (an image with SEV
 * metadata, one with TDVF metadata).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../arch/arch.h"
#include "../../lib/log.h"
#include "../../platform/tdx_plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_level = LOG_QUIET;
	return 0;
}

/* What tdx_plan_build() accepts is aligned, in the image, non-overlapping. */
static void check_tdvf(const uint8_t *img, size_t len)
{
	static struct tdx_plan p;
	char err[256] = "";

	if (tdx_plan_build(&p, img, len, err, sizeof(err))) {
		if (strchr(err, '\n') || !err[0])
			abort();
		return;
	}
	if (!p.meta.n || p.meta.n > TDVF_MAX_SECTIONS || p.n > p.meta.n)
		abort();
	for (unsigned int i = 0; i < p.meta.n; i++) {
		const struct tdvf_section *s = &p.meta.s[i];

		if (!s->size || (s->gpa | s->size) & 0xfff ||
		    s->gpa + s->size > 1ULL << 48 || s->gpa + s->size < s->gpa ||
		    s->raw_size > s->size ||
		    (uint64_t)s->data_offset + s->raw_size > len)
			abort();
		for (unsigned int j = 0; j < i; j++)
			if (s->gpa < p.meta.s[j].gpa + p.meta.s[j].size &&
			    p.meta.s[j].gpa < s->gpa + s->size)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = (size + 4095) / 4096 * 4096;
	struct arch_firmware fw;
	char err[256] = "";
	uint8_t *img;

	if (!size || size > (64 << 10))
		return 0;
	img = calloc(1, len);
	if (!img)
		return 0;
	memcpy(img + len - size, data, size);
	if (arch_firmware_parse(img, len, &fw, err, sizeof(err))) {
		if (strchr(err, '\n') || !err[0])
			abort();
	} else {
		if (fw.nsev > FW_MAX_SECTIONS || fw.gpa + fw.size != 1ULL << 32)
			abort();
		for (unsigned int i = 0; i < fw.nsev; i++)
			if (!fw.sev[i].len || fw.sev[i].gpa + fw.sev[i].len >
						      1ULL << 32)
				abort();
	}
	check_tdvf(img, len);
	free(img);
	return 0;
}
