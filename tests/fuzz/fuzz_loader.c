// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: a kernel file, through everything cvmm does with one
 * before the VM exists: kernel_read_file() (gzip inflate when the input
 * starts with the gzip magic), kernel_parse() (libelf, program headers,
 * the PVH note) and kernel_check_fit(). Whatever parses must describe
 * segments inside the file. Seeds: tests/fuzz/corpus/loader/ (small PVH
 * ELF files, plain and gzip-compressed).
 */
#include <stdint.h>
#include <string.h>

#include "../../arch/x86/loader.h"
#include "../../lib/log.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_level = LOG_QUIET;
	return 0;
}

/* What the builder relies on: every segment's file bytes are in buf. */
static void check_image(const struct kernel_image *img, size_t len)
{
	for (size_t i = 0; i < img->nseg; i++) {
		const struct kernel_segment *s = &img->seg[i];

		if (s->filesz > s->memsz ||
		    (s->filesz && (s->offset > len || s->filesz > len - s->offset)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_input_file(data, size);
	struct kernel_image img;
	uint8_t *buf = NULL;
	char err[256];
	size_t len;

	if (kernel_read_file(path, &buf, &len, err, sizeof(err)))
		return 0;
	if (!kernel_parse(buf, len, &img, err, sizeof(err))) {
		check_image(&img, len);
		(void)kernel_check_fit(&img, 256 << 20, err, sizeof(err));
	}
	free(buf);
	return 0;
}
