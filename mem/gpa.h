/* SPDX-License-Identifier: MIT */
/*
 * Guest physical addresses get their own type, so one cannot be passed
 * where a host pointer or a file offset is expected.
 */
#ifndef CVMM_GPA_H
#define CVMM_GPA_H

#include <stdint.h>

typedef struct {
	uint64_t v;
} gpa_t;

static inline gpa_t gpa(uint64_t v)
{
	return (gpa_t){ v };
}

#endif
