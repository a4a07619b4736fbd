/* SPDX-License-Identifier: MIT */
/* `cvmm caps`: what this host's KVM offers to confidential guests. */
#ifndef CVMM_CAPS_H
#define CVMM_CAPS_H

#include <stdio.h>

/* Print the table; returns 0, or 2 when /dev/kvm cannot be used. */
int caps_print(FILE *f);

#endif
