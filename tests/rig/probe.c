/* Rig probe: report the KVM capabilities cvmm needs for confidential guests.
 * Build: gcc -static -O2 -o probe probe.c. Exit 0 if /dev/kvm opened, else 1.
 * The ABI numbers are defined here because Debian 12's linux-libc-dev (6.1) lacks them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define KVMIO 0xAE
#define KVM_GET_API_VERSION _IO(KVMIO, 0x00)
#define KVM_CREATE_VM _IO(KVMIO, 0x01)
#define KVM_CHECK_EXTENSION _IO(KVMIO, 0x03)

#define KVM_CAP_EXIT_HYPERCALL 201
#define KVM_CAP_MEMORY_ATTRIBUTES 233
#define KVM_CAP_GUEST_MEMFD 234
#define KVM_CAP_VM_TYPES 235
#define KVM_CAP_GUEST_MEMFD_FLAGS 244

#define KVM_X86_SW_PROTECTED_VM 1

static void cap(int fd, const char *where, const char *name, int nr)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, nr);
	if (r < 0)
		printf("%s %s(%d) error %s\n", where, name, nr, strerror(errno));
	else
		printf("%s %s(%d)=0x%x\n", where, name, nr, r);
}

#define CAP(fd, where, c) cap(fd, where, #c, c)

int main(void)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		printf("probe: open /dev/kvm: %s\n", strerror(errno));
		return 1;
	}
	printf("probe: KVM_GET_API_VERSION=%d\n", ioctl(kvm, KVM_GET_API_VERSION, 0));
	CAP(kvm, "kvm", KVM_CAP_VM_TYPES);
	CAP(kvm, "kvm", KVM_CAP_MEMORY_ATTRIBUTES);
	CAP(kvm, "kvm", KVM_CAP_GUEST_MEMFD);
	CAP(kvm, "kvm", KVM_CAP_GUEST_MEMFD_FLAGS);
	CAP(kvm, "kvm", KVM_CAP_EXIT_HYPERCALL);

	int vm = ioctl(kvm, KVM_CREATE_VM, KVM_X86_SW_PROTECTED_VM);
	if (vm < 0) {
		printf("probe: KVM_CREATE_VM(type 1 KVM_X86_SW_PROTECTED_VM) failed: %s\n",
		       strerror(errno));
	} else {
		printf("probe: KVM_CREATE_VM(type 1 KVM_X86_SW_PROTECTED_VM) ok\n");
		/* Some answers differ per VM type: ask the VM itself too. */
		CAP(vm, "vm1", KVM_CAP_MEMORY_ATTRIBUTES);
		CAP(vm, "vm1", KVM_CAP_GUEST_MEMFD_FLAGS);
		close(vm);
	}
	close(kvm);
	return 0;
}
