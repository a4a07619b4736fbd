/* SPDX-License-Identifier: MIT */
/*
 * The seccomp filter's rules as a libseccomp filter. Used where the
 * filter is compiled (vmm/gen/seccomp_gen.c, at build time) and by the
 * setup benchmark's baseline (libseccomp at run time); a running cvmm
 * installs the compiled program instead (seccomp.h).
 */
#ifndef CVMM_SECCOMP_RULES_H
#define CVMM_SECCOMP_RULES_H

#include <seccomp.h>

/*
 * The whole filter: kill the process on any system call not allowed,
 * synchronised to every thread (TSYNC). NULL (errno set) on failure;
 * seccomp_release() it.
 */
scmp_filter_ctx seccomp_rules_filter(void);

#endif
