// SPDX-License-Identifier: MIT
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"

static int host_open(const char *path, int flags)
{
	return open(path, flags | O_CLOEXEC);
}

static int host_ioctl(int fd, unsigned long req, unsigned long arg)
{
	return ioctl(fd, req, arg);
}

static void *host_map_run(int vcpu_fd, size_t size)
{
	return mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu_fd, 0);
}

const struct kvm_sys_ops kvm_sys_host = { host_open, host_ioctl,
					  host_map_run };
const struct kvm_sys_ops *kvm_sys = &kvm_sys_host;

int kvm_open_dev(const char *path)
{
	int fd = kvm_sys->open(path, O_RDWR);

	return fd < 0 ? -errno : fd;
}

int kvm_module_param(const char *module, const char *param, char *buf,
		     size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	if (!len)
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", module,
		 param);
	fd = kvm_sys->open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return (int)n;
}

struct kvm_run *kvm_map_run(int vcpu_fd, size_t size)
{
	void *p = kvm_sys->map_run(vcpu_fd, size);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * An ioctl a signal interrupted is issued again (KVM_RUN excepted: its
 * EINTR is the kick that stops a vCPU), but only KVM_EINTR_TRIES times in
 * all: under a storm of signals the call could otherwise spin for ever,
 * and a caller does better to report -EINTR than to hang.
 */
int kvm_ioctl_raw(int fd, unsigned long req, unsigned long arg)
{
	unsigned int tries = 0;
	int ret;

	do
		ret = kvm_sys->ioctl(fd, req, arg);
	while (ret < 0 && errno == EINTR && req != KVM_RUN &&
	       ++tries < KVM_EINTR_TRIES);
	return ret < 0 ? -errno : ret;
}

int kvm_ioctl_named(int fd, unsigned long req, unsigned long arg,
		    const char *name)
{
	int ret = kvm_ioctl_raw(fd, req, arg);

	if (ret < 0) {
		errno = -ret;
		log_err_errno("%s", name);
	}
	return ret;
}

long kvm_cap(int fd, long cap)
{
	int ret = kvm_ioctl_raw(fd, KVM_CHECK_EXTENSION, (unsigned long)cap);

	return ret < 0 ? 0 : ret;
}

int kvm_open_system(void)
{
	int fd = kvm_open_dev("/dev/kvm");
	int version;

	if (fd < 0)
		return fd;
	version = kvm_ioctl_raw(fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION) {
		close(fd);
		return -ENOTSUP;
	}
	return fd;
}

int kvm_create_guest_memfd(int vm_fd, uint64_t size, uint64_t flags)
{
	struct kvm_create_guest_memfd gmem = { .size = size, .flags = flags };

	return kvm_ioctl_ptr(vm_fd, KVM_CREATE_GUEST_MEMFD, &gmem);
}

int kvm_set_memslot(int vm_fd, unsigned int slot, uint64_t gpa,
		    uint64_t size, void *uaddr, int gmem_fd)
{
	struct kvm_userspace_memory_region2 r = {
		.slot = slot,
		.flags = gmem_fd >= 0 ? KVM_MEM_GUEST_MEMFD : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)uaddr,
		.guest_memfd_offset = 0,
		.guest_memfd = gmem_fd >= 0 ? (uint32_t)gmem_fd : 0,
	};

	return kvm_ioctl_ptr(vm_fd, KVM_SET_USER_MEMORY_REGION2, &r);
}

int kvm_set_private(int vm_fd, uint64_t gpa, uint64_t size, bool private)
{
	struct kvm_memory_attributes a = {
		.address = gpa,
		.size = size,
		.attributes = private ? KVM_MEMORY_ATTRIBUTE_PRIVATE : 0,
	};

	return kvm_ioctl_ptr(vm_fd, KVM_SET_MEMORY_ATTRIBUTES, &a);
}
