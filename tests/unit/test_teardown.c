// SPDX-License-Identifier: MIT
/*
 * Teardown order: vm_destroy() releases the vCPUs (kvm_run unmapped, fds
 * closed), the VM fd and the memory files before it unmaps guest RAM, so
 * KVM is gone (its MMU notifier with it) when the big mappings go. The
 * unit tests are linked with --wrap=munmap: every munmap passes through
 * __wrap_munmap below, which notes, when guest RAM is unmapped, what of
 * the VM was still there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../vmm/vm.h"
#include "suites.h"

int __real_munmap(void *addr, size_t len);
int __wrap_munmap(void *addr, size_t len);

/* What was still open or mapped at the first munmap of guest RAM. */
static struct {
	bool armed, seen;
	void *ram[2]; /* the slot's kvm_map and host_view */
	int fds[8];
	unsigned int nfds;
	void *runs[2];
	unsigned int open_fds, mapped_runs;
} watch;

int __wrap_munmap(void *addr, size_t len)
{
	if (watch.armed && !watch.seen &&
	    (addr == watch.ram[0] || addr == watch.ram[1])) {
		watch.seen = true;
		for (unsigned int i = 0; i < watch.nfds; i++)
			watch.open_fds += fcntl(watch.fds[i], F_GETFD) >= 0;
		for (unsigned int i = 0; i < 2; i++)
			watch.mapped_runs += msync(watch.runs[i], 4096,
						   MS_ASYNC) == 0;
	}
	return __real_munmap(addr, len);
}

static const struct platform fake = { .name = "fake" };

START_TEST(vm_goes_before_its_memory)
{
	struct mem_backend b = { .in_place = false };
	static struct vm vm;
	int mfd = memfd_create("teardown-test", MFD_CLOEXEC);

	ck_assert_int_ge(mfd, 0);
	ck_assert_int_eq(ftruncate(mfd, 1 << 20), 0);
	memset(&watch, 0, sizeof(watch));
	vm_init(&vm);
	vm.plat = &fake;
	mem_init(&vm.mem, &b, MEM_CONTENT_ZERO, false);
	ck_assert_int_eq(mem_add_slot(&vm.mem, 0, 1 << 20, -1, mfd), 0);
	/* Stand-ins for KVM's files: the VM, two vCPUs, the slot's backing. */
	vm.vm_fd = eventfd(0, EFD_CLOEXEC);
	vm.shared_fd[0] = mfd;
	vm.gmem_fd[0] = eventfd(0, EFD_CLOEXEC);
	vm.ncpus = 2;
	vm.run_size = 4096;
	vm.vcpu = calloc(2, sizeof(*vm.vcpu));
	ck_assert_ptr_nonnull(vm.vcpu);
	watch.fds[watch.nfds++] = vm.vm_fd;
	watch.fds[watch.nfds++] = vm.gmem_fd[0];
	watch.fds[watch.nfds++] = mfd;
	for (unsigned int i = 0; i < 2; i++) {
		vm.vcpu[i].fd = eventfd(0, EFD_CLOEXEC);
		vm.vcpu[i].run = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ck_assert_ptr_ne(vm.vcpu[i].run, MAP_FAILED);
		watch.fds[watch.nfds++] = vm.vcpu[i].fd;
		watch.runs[i] = vm.vcpu[i].run;
	}
	watch.ram[0] = vm.mem.slot[0].kvm_map;
	watch.ram[1] = vm.mem.slot[0].host_view;
	watch.armed = true;

	vm_destroy(&vm);
	watch.armed = false;
	ck_assert_msg(watch.seen, "vm_destroy never unmapped guest RAM");
	ck_assert_msg(!watch.open_fds, "%u of the VM's %u fds still open when "
		      "guest RAM was unmapped", watch.open_fds, watch.nfds);
	ck_assert_msg(!watch.mapped_runs, "%u kvm_run mappings left when guest "
		      "RAM was unmapped", watch.mapped_runs);
}
END_TEST

Suite *teardown_suite(void)
{
	Suite *s = suite_create("teardown");
	TCase *tc = tcase_create("order");

	tcase_add_test(tc, vm_goes_before_its_memory);
	suite_add_tcase(s, tc);
	return s;
}
