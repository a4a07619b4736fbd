// SPDX-License-Identifier: MIT
/*
 * arm64 kernels: a Linux Image (its 64-byte header: text offset, image
 * size, the "ARM\x64" magic; loaded at the start of RAM plus the text
 * offset and entered at its first byte) or an executable aarch64 ELF such
 * as the test kernel (entered at e_entry). Either may be gzip-compressed
 * (kernel_read_file).
 */
#include "../arch.h"

#include <errno.h>
#include <gelf.h>
#include <string.h>

#include "../../lib/util.h"
#include "../kernel_load.h"

#define IMAGE_MAGIC 0x644d5241u /* "ARM\x64", little-endian */
#define IMAGE_HEADER 64
/* Before Linux 3.17 the header had no size and the offset was this. */
#define IMAGE_OLD_TEXT_OFFSET 0x80000ULL

static const struct elf_arch arm64_elf = {
	.name = "aarch64",
	.machine = { EM_AARCH64, 0 },
	.entry_name = "entry",
};

static uint64_t le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static int parse_image(const uint8_t *buf, size_t len,
		       struct kernel_image *img, char *err, size_t errlen)
{
	uint64_t text_offset = le64(buf + 8), size = le64(buf + 16), base;
	uint32_t magic;

	memcpy(&magic, buf + 56, sizeof(magic));
	if (magic != IMAGE_MAGIC)
		return kernel_fail(err, errlen, -EINVAL,
				   "neither an ELF file nor an arm64 Linux Image "
				   "(no \"ARM\\x64\" magic)");
	if (size == 0) {
		text_offset = IMAGE_OLD_TEXT_OFFSET;
		size = len;
	}
	if (size < len || text_offset >= (1ULL << 30) ||
	    !is_aligned(text_offset, PAGE_SIZE))
		return kernel_fail(err, errlen, -EINVAL,
				   "Image header is inconsistent (text offset "
				   "0x%llx, size 0x%llx, file 0x%zx)",
				   (unsigned long long)text_offset,
				   (unsigned long long)size, len);
	base = ARM64_RAM_BASE + text_offset;
	img->seg[0] = (struct kernel_segment){ base, size, len, 0 };
	img->nseg = 1;
	img->entry = (uint32_t)base;
	img->end = base + size;
	return 0;
}

int kernel_parse(const uint8_t *buf, size_t len, struct kernel_image *img,
		 char *err, size_t errlen)
{
	memset(img, 0, sizeof(*img));
	if (elf_looks_like(buf, len))
		return elf_kernel_parse(buf, len, &arm64_elf, img, err, errlen);
	if (len < IMAGE_HEADER)
		return kernel_fail(err, errlen, -EINVAL,
				   "too short for an ELF file or an Image");
	return parse_image(buf, len, img, err, errlen);
}

int kernel_check_fit(const struct kernel_image *img, uint64_t ram, char *err,
		     size_t errlen)
{
	for (size_t i = 0; i < img->nseg; i++) {
		const struct kernel_segment *s = &img->seg[i];

		if (!range_within(s->paddr, s->memsz, ARM64_RAM_BASE, ram))
			return kernel_fail(err, errlen, -E2BIG,
					   "does not fit in guest RAM: segment at "
					   "[0x%llx, 0x%llx) is outside RAM at "
					   "0x%llx",
					   (unsigned long long)s->paddr,
					   (unsigned long long)(s->paddr + s->memsz),
					   ARM64_RAM_BASE);
	}
	return 0;
}
