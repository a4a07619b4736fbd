/* SPDX-License-Identifier: MIT */
/* Whole-VM builds against the fake KVM, shared by the unit tests. */
#ifndef CVMM_TEST_FAKEVM_H
#define CVMM_TEST_FAKEVM_H

#include <stdbool.h>
#include <stddef.h>

#include "../../vmm/config.h"
#include "../fakekvm/fakekvm.h"

/* A small PVH kernel in a temporary file (removed by fakevm_cleanup). */
void fakevm_kernel(char *path, size_t len);
/* Defaults, that kernel, 64 MiB, the platform and vCPU count. */
void fakevm_config(struct vm_config *c, const char *platform,
		   unsigned int cpus);
/* vm_build + vm_destroy under the installed fake; "-- vm_build: N". */
int fakevm_build(struct fake *f, const struct vm_config *c);
void fakevm_cleanup(void);

/* What `cvmm caps` prints on the installed fake host; free() it. */
char *fakevm_caps(void);
/* Has that text the row "FEATURE YES" (with DETAIL after it, if given)? */
bool fakevm_caps_row(const char *text, const char *feature, const char *yes,
		     const char *detail);

#endif
