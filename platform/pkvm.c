// SPDX-License-Identifier: MIT
/*
 * pkvm: a protected VM under arm64's pKVM (Linux 7.3, host booted with
 * kvm-arm.mode=protected). The hypervisor at EL2 takes a page from the
 * host the first time the guest touches it and gives it back only when
 * the guest shares it; the guest's MEM_SHARE/MEM_UNSHARE hypercalls are
 * handled there and cvmm is never told (sharing_unseen). In 7.3 protected
 * memory cannot be guest_memfd (the first KVM_RUN fails with EIO), so RAM
 * is a memfd per memslot; the day the kernel accepts guest_memfd, only
 * `backing` changes here. The launch is a plain write before the first
 * run. Donated pages are pinned and count against RLIMIT_MEMLOCK.
 */
#include "platform.h"

#include <errno.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../lib/kvm.h"
#include "../lib/log.h"

/* There is no capability to ask: try to create one and throw it away. */
static int pkvm_probe(int sys_fd, const char **missing)
{
	int fd = kvm_ioctl_raw(sys_fd, KVM_CREATE_VM, KVM_VM_TYPE_ARM_PROTECTED);

	if (fd < 0) {
		*missing = "protected VMs (KVM_CREATE_VM with "
			   "KVM_VM_TYPE_ARM_PROTECTED is refused: boot the "
			   "host with kvm-arm.mode=protected)";
		return -ENOTSUP;
	}
	close(fd);
	return 0;
}

/*
 * Every guest page may end up donated and pinned: the limit must cover
 * all of RAM, or KVM_RUN fails with ENOMEM halfway through the guest's
 * life. Raise it where cvmm may (CAP_SYS_RESOURCE), else say so now.
 */
static int pkvm_finalize(struct plat_vm *vm)
{
	uint64_t need = mem_ram_size(vm->mem);
	struct rlimit rl;

	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		return -errno;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	rl.rlim_cur = need;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		rl.rlim_max = need; /* needs CAP_SYS_RESOURCE */
	if (setrlimit(RLIMIT_MEMLOCK, &rl)) {
		log_err("RLIMIT_MEMLOCK is below the guest's %llu bytes of RAM, "
			"which pKVM pins as the guest touches it; raise it "
			"(ulimit -l) or run cvmm with CAP_SYS_RESOURCE",
			(unsigned long long)need);
		return -ENOMEM;
	}
	return 0;
}

const struct platform platform_pkvm = {
	.name = "pkvm",
	.summary = "KVM_VM_TYPE_ARM_PROTECTED; a memfd per memslot, private "
		   "pages taken from the host by the hypervisor",
	.vm_type = KVM_VM_TYPE_ARM_PROTECTED,
	.gmem_flags = 0,
	.backing = RAM_MEMFD_ONLY,
	.attributes = false,
	.hypercalls = false,
	.initial_shared = true,
	.default_mode = MEM_CONTENT_ZERO,
	.irqchip = ARCH_IRQCHIP_KERNEL,
	.regs = REGS_ANY_TIME,
	.busy = BUSY_ANSWER_RETRY,
	.sharing_unseen = true,
	.probe = pkvm_probe,
	.finalize = pkvm_finalize,
};
