/* SPDX-License-Identifier: MIT */
/*
 * The sandbox of a running VM: once setup is done (files open, memory
 * mapped, devices and their threads started), every thread of cvmm runs
 * under a seccomp allowlist of the system calls a running VM makes, and
 * any other system call kills the whole process (SIGSYS). A guest that
 * found a bug in a device thus cannot open files, sockets or programs.
 */
#ifndef CVMM_SECCOMP_H
#define CVMM_SECCOMP_H

#include <linux/filter.h>
#include <stddef.h>

/*
 * Install the filter on every thread of the process (TSYNC), and on the
 * threads created later. Returns 0, or -errno after logging why.
 */
int seccomp_install(void);

/* The compiled program seccomp_install() installs; its length. */
size_t seccomp_program(const struct sock_filter **prog);

#endif
