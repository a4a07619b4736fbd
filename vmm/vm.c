// SPDX-License-Identifier: MIT
#include "vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../lib/kvm.h"
#include "../mem/fault_guard.h"
#include "../lib/log.h"
#include "../lib/util.h"

static int set_attributes(void *opaque, uint64_t gpa, uint64_t len,
			  bool private)
{
	struct vm *vm = opaque;

	return kvm_set_private(vm->vm_fd, gpa, len, private);
}

static void init_memory(struct vm *vm, enum mem_content mode,
			bool initial_shared);

void vm_init(struct vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->sys_fd = vm->vm_fd = vm->stop_efd = vm->input_fd = -1;
	pthread_mutex_init(&vm->stop_lock, NULL);
	bus_init(&vm->io, ARCH_IO_NAME);
	arch_vm_init(&vm->arch);
	bus_init(&vm->mmio, "mmio");
	for (unsigned int i = 0; i < MEM_MAX_SLOTS; i++)
		vm->gmem_fd[i] = vm->shared_fd[i] = -1;
}

int vm_create(struct vm *vm, const struct platform *p, int sys_fd,
	      enum mem_content mode, bool initial_shared)
{
	uint64_t flags_ok;
	int ret;

	vm->plat = p;
	vm->sys_fd = sys_fd;
	vm->pv = (struct plat_vm){ .sys_fd = sys_fd, .vm_fd = -1,
				   .mem = &vm->mem, .policy = vm->pv.policy };
	vm->stop_efd = eventfd(0, EFD_CLOEXEC);
	if (vm->stop_efd < 0)
		return -errno;
	init_memory(vm, mode, initial_shared);

	ret = kvm_ioctl(sys_fd, KVM_CREATE_VM, p->vm_type);
	if (ret < 0)
		return ret;
	vm->vm_fd = vm->pv.vm_fd = ret;
	flags_ok = (uint64_t)kvm_cap(vm->vm_fd, KVM_CAP_GUEST_MEMFD_FLAGS);
	if (p->gmem_flags & ~flags_ok) {
		log_err("platform %s needs guest_memfd flags 0x%llx, this VM "
			"accepts 0x%llx (KVM_CAP_GUEST_MEMFD_FLAGS)", p->name,
			(unsigned long long)p->gmem_flags,
			(unsigned long long)flags_ok);
		return -ENOTSUP;
	}
	if (p->sharing_unseen && (ret = mem_fault_guard_install()))
		return ret;
	ret = arch_vm_create(&vm->arch, sys_fd, vm->vm_fd, p->irqchip,
			     p->protected_state);
	if (!ret && p->vm_init)
		ret = p->vm_init(&vm->pv);
	if (ret)
		return ret;
	ret = kvm_ioctl(sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < 0)
		return ret;
	vm->run_size = (size_t)ret;
	return 0;
}

static int new_memfd(uint64_t size)
{
	int fd = memfd_create("cvmm-shared", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, (off_t)size)) {
		log_err_errno("shared backing memfd");
		if (fd >= 0)
			close(fd);
		return -ENOMEM;
	}
	return fd;
}

/* The private backing: a guest_memfd, or none (-1) for RAM_MEMFD_ONLY. */
static int private_backing(struct vm *vm, uint64_t size)
{
	if (vm->plat->backing == RAM_MEMFD_ONLY)
		return -1;
	return kvm_create_guest_memfd(vm->vm_fd, size, vm->plat->gmem_flags);
}

static int shared_backing(struct vm *vm, int gmem, uint64_t size)
{
	return vm->plat->backing == RAM_GMEM_IN_PLACE ? gmem : new_memfd(size);
}

int vm_add_ram(struct vm *vm, uint64_t gpa, uint64_t size)
{
	int gmem, shared, idx, ret;

	gmem = private_backing(vm, size);
	if (gmem < -1)
		return gmem;
	shared = shared_backing(vm, gmem, size);
	if (shared < 0) {
		if (gmem >= 0)
			close(gmem);
		return shared;
	}
	idx = mem_add_slot(&vm->mem, gpa, size, gmem, shared);
	if (idx < 0) {
		errno = -idx;
		log_err_errno("mapping guest RAM at 0x%llx",
			      (unsigned long long)gpa);
		if (shared != gmem)
			close(shared);
		if (gmem >= 0)
			close(gmem);
		return idx;
	}
	vm->gmem_fd[idx] = gmem;
	vm->shared_fd[idx] = shared != gmem ? shared : -1;
	ret = kvm_set_memslot(vm->vm_fd, (unsigned int)idx, gpa, size,
			      vm->mem.slot[idx].kvm_map, gmem);
	/* KVM starts every page shared; a private start must say so. */
	if (!ret && vm->plat->attributes && !vm->mem.initial_shared)
		ret = kvm_set_private(vm->vm_fd, gpa, size, true);
	return ret;
}

int vm_add_test_mem(struct vm *vm, uint64_t gpa, uint64_t size)
{
	int fd = new_memfd(size), idx;

	if (fd < 0)
		return fd;
	idx = mem_add_slot(&vm->mem, gpa, size, -1, fd);
	if (idx < 0) {
		close(fd);
		return idx;
	}
	vm->shared_fd[idx] = fd;
	mem_mark_test_memory(&vm->mem, idx);
	/* KVM starts it shared too: no attributes to set. */
	return kvm_set_memslot(vm->vm_fd, (unsigned int)idx, gpa, size,
			       vm->mem.slot[idx].kvm_map, -1);
}

static void init_memory(struct vm *vm, enum mem_content mode,
			bool initial_shared)
{
	struct mem_backend b = {
		.in_place = platform_in_place(vm->plat),
		.set_attributes = vm->plat->attributes ? set_attributes : NULL,
		.opaque = vm,
		/* Private pages live where the host view cannot reach them:
		 * in guest_memfd, or (pKVM) with the hypervisor. */
		.kernel_guards_private = !platform_in_place(vm->plat),
	};

	mem_init(&vm->mem, &b, mode, initial_shared);
	/* The guest shares and unshares behind cvmm's back: survive it. */
	vm->mem.fault_tolerant = vm->plat->sharing_unseen;
	mem_domain_init(&vm->host, &vm->mem, "cvmm", 0, 0);
}

static int create_vcpu(struct vm *vm, struct vcpu *v, unsigned int i)
{
	int ret;

	v->vm = vm;
	v->index = i;
	pthread_mutex_init(&v->lock, NULL);
	pthread_cond_init(&v->cond, NULL);
	v->state = i == 0 ? VCPU_RUNNING : VCPU_PARKED;
	ret = kvm_ioctl(vm->vm_fd, KVM_CREATE_VCPU, i);
	if (ret < 0)
		return ret;
	v->fd = ret;
	v->run = kvm_map_run(v->fd, vm->run_size);
	if (!v->run) {
		log_err_errno("mapping kvm_run");
		return -ENOMEM;
	}
	ret = arch_vcpu_init(&vm->arch, v->fd, i, vm->ncpus,
			     vm->plat->hypercalls);
	if (!ret && vm->plat->regs == REGS_ANY_TIME)
		arch_vcpu_host_state(&vm->arch, v->fd);
	return ret;
}

int vm_create_vcpus(struct vm *vm, unsigned int ncpus, struct arch_entry entry)
{
	int ret;

	vm->vcpu = calloc(ncpus, sizeof(*vm->vcpu));
	vm->vcpu_fds = calloc(ncpus, sizeof(*vm->vcpu_fds));
	if (!vm->vcpu || !vm->vcpu_fds)
		return -ENOMEM;
	vm->ncpus = ncpus;
	for (unsigned int i = 0; i < ncpus; i++)
		vm->vcpu[i].fd = -1;
	for (unsigned int i = 0; i < ncpus; i++) {
		ret = create_vcpu(vm, &vm->vcpu[i], i);
		vm->vcpu_fds[i] = vm->vcpu[i].fd;
		if (ret)
			return ret;
	}
	vm->pv.vcpu_fd = vm->vcpu_fds;
	vm->pv.ncpus = ncpus;
	ret = arch_vcpus_created(&vm->arch);
	/* TDX: the TDX module sets the entry state, not the host; with
	 * firmware the vCPU starts at the reset vector, as KVM made it. */
	if (ret || vm->plat->regs == REGS_NEVER || entry.at_reset)
		return ret;
	return arch_vcpu_set_boot_entry(vm->vcpu[0].fd, &entry);
}

/* Without a platform hook: copy the bytes; data-less pages stay zero. */
static int launch_copy(struct vm *vm, const struct launch_item *it)
{
	return it->data ? mem_launch_write(&vm->mem, gpa(it->gpa), it->data,
					   it->len)
			: 0;
}

int vm_launch(struct vm *vm, const struct launch_list *l)
{
	int ret = 0;

	for (unsigned int i = 0; !ret && i < l->n; i++) {
		const struct launch_item *it = &l->item[i];

		ret = vm->plat->launch
			      ? vm->plat->launch(&vm->pv, it)
			      : launch_copy(vm, it);
		if (ret)
			log_err("launch item %u (%s at 0x%llx) failed", i,
				it->what, (unsigned long long)it->gpa);
	}
	return ret;
}

int vm_finalize(struct vm *vm)
{
	int ret = vm->plat->finalize ? vm->plat->finalize(&vm->pv) : 0;

	if (!ret) {
		mem_launch_done(&vm->mem);
		vm->finalized = true;
	}
	return ret;
}

int vm_on_destroy(struct vm *vm, void (*fn)(void *), void *arg)
{
	if (vm->ncleanups == VM_MAX_CLEANUPS)
		return -ENOSPC;
	vm->cleanup[vm->ncleanups++] = (struct vm_cleanup){ fn, arg };
	return 0;
}

int vm_ioeventfd(struct vm *vm, uint64_t addr, unsigned int len,
		 uint64_t datamatch, int fd)
{
	struct kvm_ioeventfd io = {
		.datamatch = datamatch,
		.addr = addr,
		.len = len,
		.fd = fd,
		.flags = KVM_IOEVENTFD_FLAG_DATAMATCH,
	};

	return kvm_ioctl_ptr(vm->vm_fd, KVM_IOEVENTFD, &io);
}

int vm_irqfd(struct vm *vm, unsigned int gsi, int fd)
{
	struct kvm_irqfd irq = { .fd = (uint32_t)fd, .gsi = gsi };

	return kvm_ioctl_ptr(vm->vm_fd, KVM_IRQFD, &irq);
}

int vm_irq_line(struct vm *vm, unsigned int gsi, int level)
{
	struct kvm_irq_level irq = { .irq = arch_irq_line_id(gsi),
				     .level = (uint32_t)level };

	return kvm_ioctl_ptr(vm->vm_fd, KVM_IRQ_LINE, &irq);
}

/*
 * The VM itself: vCPUs (their kvm_run mappings and fds), then the VM fd
 * and the memory files, each of which holds a reference on the VM. KVM
 * frees the VM with the last of them, before guest RAM is unmapped: while
 * the VM lives, every munmap of a memslot's mapping goes through KVM's
 * MMU notifier, which zaps the slot's range. (An in-place guest_memfd
 * is also mapped as kvm_map, which keeps its file and so the VM alive
 * until mem_destroy() unmaps it.)
 */
static void release_kvm(struct vm *vm)
{
	for (unsigned int i = 0; vm->vcpu && i < vm->ncpus; i++) {
		if (vm->vcpu[i].run)
			munmap(vm->vcpu[i].run, vm->run_size);
		if (vm->vcpu[i].fd >= 0)
			close(vm->vcpu[i].fd);
	}
	free(vm->vcpu);
	vm->vcpu = NULL;
	free(vm->vcpu_fds);
	vm->vcpu_fds = NULL;
	if (vm->plat && vm->plat->destroy)
		vm->plat->destroy(&vm->pv);
	arch_vm_destroy(&vm->arch);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	vm->vm_fd = -1;
	for (unsigned int i = 0; i < MEM_MAX_SLOTS; i++) {
		if (vm->gmem_fd[i] >= 0)
			close(vm->gmem_fd[i]);
		if (vm->shared_fd[i] >= 0)
			close(vm->shared_fd[i]);
		vm->gmem_fd[i] = vm->shared_fd[i] = -1;
	}
}

void vm_destroy(struct vm *vm)
{
	/* Devices first: they may still hold guest memory. */
	while (vm->ncleanups) {
		struct vm_cleanup *c = &vm->cleanup[--vm->ncleanups];

		c->fn(c->arg);
	}
	release_kvm(vm);
	bus_destroy(&vm->io);
	bus_destroy(&vm->mmio);
	/* Guest RAM last: nothing in KVM refers to it any more. A protected
	 * VM's pages came back to the host with the VM; the scrub probe
	 * reads them now, before RAM is unmapped. */
	if (vm->plat) { /* memory exists once vm_create() ran */
		mem_test_report_watches(&vm->mem, stderr);
		mem_destroy(&vm->mem);
	}
	if (vm->stop_efd >= 0)
		close(vm->stop_efd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
}
