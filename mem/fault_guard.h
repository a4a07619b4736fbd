/* SPDX-License-Identifier: MIT */
/*
 * Copies that survive the hypervisor taking a page away. Under pKVM the
 * guest can unshare a page of the DMA pool at any time, and cvmm is never
 * told: the hypervisor removes it from the host, and a host load or store
 * to it raises SIGSEGV. A copy made through mem_guarded_copy() turns that
 * fault into -EFAULT for its caller (the request fails, the VM runs on).
 * Outside a guarded copy a SIGSEGV keeps its default action: a fault
 * anywhere else is a bug and must crash.
 */
#ifndef CVMM_FAULT_GUARD_H
#define CVMM_FAULT_GUARD_H

#include <stddef.h>

/* Install the SIGSEGV handler (once per process). 0 or -errno. */
int mem_fault_guard_install(void) __attribute__((warn_unused_result));

/* memcpy(dst, src, len), or -EFAULT if either side faulted. */
int mem_guarded_copy(void *dst, const void *src, size_t len)
	__attribute__((warn_unused_result));

#endif
