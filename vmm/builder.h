/* SPDX-License-Identifier: MIT */
/*
 * The only code that knows every device: turns a resolved vm_config into a
 * ready-to-run VM, in a visible order (platform, kernel, memory, boot
 * info, devices, vCPUs).
 */
#ifndef CVMM_BUILDER_H
#define CVMM_BUILDER_H

#include "config.h"
#include "layout_plan.h"
#include "vm.h"

/* Exit statuses of cvmm itself (documented in the README). */
#define CVMM_EXIT_BAD_INPUT 1
#define CVMM_EXIT_FAILURE 2

/*
 * Build the VM. Returns 0, CVMM_EXIT_BAD_INPUT (the kernel or an option is
 * wrong; one line was logged) or CVMM_EXIT_FAILURE (KVM or the host
 * failed). vm_destroy() must be called in every case.
 */
int vm_build(struct vm *vm, const struct vm_config *c);

/*
 * What vm_build() does with the devices' user input, for --dry-run: each
 * device of plan p prepares (a disk is opened as a run would open it:
 * type, size, lock, read-only, with the same messages), then everything is
 * released. Returns 0, CVMM_EXIT_BAD_INPUT (one line logged) or
 * CVMM_EXIT_FAILURE.
 */
int vm_check_devices(const struct vm_config *c, const struct plan *p);

#endif
