/* arm64 rig probe: proves the rig before cvmm runs in it. It uses each library of
 * the arm64 sysroot (so a broken static link shows here, not in cvmm), then tries
 * KVM_CREATE_VM with the plain type and with KVM_VM_TYPE_ARM_PROTECTED, the only way
 * to learn whether protected VMs can be created (there is no capability for it).
 * Built by smoke.sh: aarch64-linux-gnu-gcc -static against build/arm64/sysroot.
 * Exit 0 only if every library answered and a protected VM was created. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <ini.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <zlib.h>

#define KVMIO 0xAE
#define KVM_GET_API_VERSION _IO(KVMIO, 0x00)
#define KVM_CREATE_VM _IO(KVMIO, 0x01)
/* Linux 7.3 include/uapi/linux/kvm.h; Debian 12's cross headers (6.1) lack it. */
#define KVM_VM_TYPE_ARM_PROTECTED (1UL << 31)

static int ini_seen(void *user, const char *section, const char *name, const char *value)
{
	(void)section;
	(void)name;
	(void)value;
	++*(int *)user;
	return 1;
}

/* One line per library; returns how many failed. */
static int probe_libs(void)
{
	char fdt[256];
	int keys = 0, bad = 0;

	if (fdt_create_empty_tree(fdt, sizeof(fdt)) != 0 || fdt_check_header(fdt) != 0) {
		printf("probe: libfdt: cannot build an empty tree\n");
		bad++;
	}
	if (elf_version(EV_CURRENT) == EV_NONE) {
		printf("probe: libelf: %s\n", elf_errmsg(-1));
		bad++;
	}
	if (ini_parse_string("[a]\nb=1\n", ini_seen, &keys) != 0 || keys != 1) {
		printf("probe: inih: parsed %d keys, want 1\n", keys);
		bad++;
	}
	printf("probe: libraries: libfdt %s, libelf, zlib %s, inih: %d failed\n",
	       fdt_strerror(0), zlibVersion(), bad);
	return bad;
}

/* Prints the outcome and returns 1 if the VM was created. */
static int try_vm(int kvm, unsigned long type, const char *name)
{
	int vm = ioctl(kvm, KVM_CREATE_VM, type);

	if (vm < 0) {
		printf("probe: KVM_CREATE_VM(%s 0x%lx) failed: %s\n", name, type, strerror(errno));
		return 0;
	}
	printf("probe: KVM_CREATE_VM(%s 0x%lx) ok\n", name, type);
	close(vm);
	return 1;
}

int main(void)
{
	int bad = probe_libs();
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (kvm < 0) {
		printf("probe: open /dev/kvm: %s\n", strerror(errno));
		return 1;
	}
	printf("probe: KVM_GET_API_VERSION=%d\n", ioctl(kvm, KVM_GET_API_VERSION, 0));
	try_vm(kvm, 0, "default");
	int prot = try_vm(kvm, KVM_VM_TYPE_ARM_PROTECTED, "KVM_VM_TYPE_ARM_PROTECTED");
	close(kvm);
	return bad == 0 && prot ? 0 : 1;
}
