/* SPDX-License-Identifier: MIT */
/*
 * Reading a PVH kernel: an ELF (32- or 64-bit, x86) with a Xen
 * PHYS32_ENTRY note, optionally gzip-compressed. Parsing and checking are
 * separate from writing into guest memory, so both are unit-tested on
 * buffers. Every error comes back as one line of text in err. The
 * interface (kernel_read_file, kernel_parse, kernel_check_fit) is
 * declared in arch/arch.h; this file implements it for x86.
 */
#ifndef CVMM_X86_LOADER_H
#define CVMM_X86_LOADER_H

#include "../arch.h"

#endif
