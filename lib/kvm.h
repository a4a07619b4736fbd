/* SPDX-License-Identifier: MIT */
/*
 * Thin owners of the KVM file descriptors, and paired ioctl wrappers:
 * kvm_ioctl_raw() returns the result or -errno; kvm_ioctl() also logs the
 * failing ioctl by name. Pointer arguments are checked against the size
 * encoded in the ioctl number at compile time.
 */
#ifndef CVMM_KVM_H
#define CVMM_KVM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include <stddef.h>

#include "kvm_abi.h"

/*
 * The one seam between cvmm and the kernel's KVM: every open of a KVM
 * device (/dev/kvm, /dev/sev), every KVM ioctl (KVM_RUN included) and the
 * mapping of each vCPU's kvm_run area go through kvm_sys. It points at
 * the host's system calls; the tests' fake KVM (tests/fakekvm/) swaps it
 * to record every call and to enforce KVM's rules without a kernel. The
 * calls behave as the system calls do (-1 and errno; MAP_FAILED).
 */
struct kvm_sys_ops {
	int (*open)(const char *path, int flags);
	int (*ioctl)(int fd, unsigned long req, unsigned long arg);
	void *(*map_run)(int vcpu_fd, size_t size);
};

extern const struct kvm_sys_ops kvm_sys_host;
extern const struct kvm_sys_ops *kvm_sys;

/* Open a KVM device node read-write (close-on-exec). Returns fd or -errno. */
int kvm_open_dev(const char *path) __attribute__((warn_unused_result));

/*
 * Read a KVM module's parameter (/sys/module/MODULE/parameters/PARAM)
 * through the seam, NUL-terminated and without the newline. Returns its
 * length or -errno (-ENOENT: the module or the parameter is absent).
 */
int kvm_module_param(const char *module, const char *param, char *buf,
		     size_t len);

/* Map a vCPU's kvm_run area. Returns it or NULL (errno set). */
struct kvm_run *kvm_map_run(int vcpu_fd, size_t size);

/*
 * How many times in a row kvm_ioctl_raw() issues an ioctl that fails with
 * EINTR before it returns -EINTR. cvmm's own signals (a vCPU kick) come
 * one at a time, so a few interruptions are ordinary; a hundred in a row
 * are a storm.
 */
#define KVM_EINTR_TRIES 100

int kvm_ioctl_raw(int fd, unsigned long req, unsigned long arg);
int kvm_ioctl_named(int fd, unsigned long req, unsigned long arg,
		    const char *name);

#define kvm_ioctl(fd, req, arg) \
	kvm_ioctl_named((fd), (req), (unsigned long)(arg), #req)

/* For ioctls taking a struct pointer: also checks sizeof(*ptr). */
#define kvm_ioctl_ptr(fd, req, ptr)                                       \
	({                                                                \
		_Static_assert(sizeof(*(ptr)) == _IOC_SIZE(req),          \
			       "argument size mismatch for " #req);       \
		kvm_ioctl_named((fd), (req), (unsigned long)(ptr), #req); \
	})

/* KVM_CHECK_EXTENSION on fd (system or VM); 0 when absent or on error. */
long kvm_cap(int fd, long cap);

/* Open /dev/kvm and check the API version. Returns the fd or -errno. */
int kvm_open_system(void) __attribute__((warn_unused_result));

/* Create a guest_memfd on vm_fd. Returns the fd or -errno. */
int kvm_create_guest_memfd(int vm_fd, uint64_t size, uint64_t flags)
	__attribute__((warn_unused_result));

/*
 * Bind [gpa, gpa+size) to a guest_memfd (offset 0) and userspace_addr;
 * gmem_fd -1 makes a plain slot of userspace_addr alone.
 */
int kvm_set_memslot(int vm_fd, unsigned int slot, uint64_t gpa,
		    uint64_t size, void *uaddr, int gmem_fd)
	__attribute__((warn_unused_result));

/* KVM_SET_MEMORY_ATTRIBUTES: private or shared for [gpa, gpa+size). */
int kvm_set_private(int vm_fd, uint64_t gpa, uint64_t size, bool private)
	__attribute__((warn_unused_result));

#endif
