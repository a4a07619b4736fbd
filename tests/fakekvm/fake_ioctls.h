/* SPDX-License-Identifier: MIT */
/*
 * Inside the fake KVM: the generic ioctls (fake_ioctls.c) and the fds the
 * core hands out (fakekvm.c). A handler returns 0 (success), a positive
 * errno, or FAKE_RESULT(v) for a successful call whose result is v >= 0
 * (an fd, a size, a capability's value).
 */
#ifndef CVMM_FAKE_IOCTLS_H
#define CVMM_FAKE_IOCTLS_H

#include "fakekvm.h"

#define FAKE_RESULT(v) (-(int)(v) - 1)

const char *fake_ioctl_name(unsigned long req);
int fake_dispatch(struct fake *f, struct fake_call *c);

int fake_new_vm(struct fake *f, unsigned long type);
int fake_new_vcpu(struct fake *f, struct fake_vm *vm, unsigned int id);
int fake_new_gmem(struct fake *f, struct fake_vm *vm, uint64_t size);

#endif
