/* SPDX-License-Identifier: MIT */
/*
 * Build small ELF64 kernels in memory for loader tests: PT_LOAD segments
 * with given addresses and sizes, and optionally a PVH note.
 */
#ifndef CVMM_TEST_ELFGEN_H
#define CVMM_TEST_ELFGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elfgen_seg {
	uint64_t paddr, filesz, memsz;
};

struct elfgen {
	struct elfgen_seg seg[4];
	unsigned int nseg;
	bool pvh_note;
	uint32_t entry;
	uint32_t note_descsz; /* 4 or 8; 0 means 4 */
};

/* A malloc'd ELF image; *len gets its size. Segment bytes are 0xCC. */
uint8_t *elfgen_build(const struct elfgen *g, size_t *len);

/* Write buf to path; returns 0 or -1. */
int elfgen_write_file(const char *path, const uint8_t *buf, size_t len);

#endif
