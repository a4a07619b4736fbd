// SPDX-License-Identifier: MIT
/*
 * The fake KVM's generic ioctls: what /dev/kvm, every VM and every vCPU
 * answer whatever the VM type, with the kernel rules that hold for all
 * types (each rule names the kernel code it models, Linux 7.3). Each call
 * is traced first, then the VM type's platform rules run (check), then a
 * scripted answer if one is queued, then the generic rules and answer.
 */
#include "fake_ioctls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/util.h"

#define VCPU_MMAP_SIZE (3 * 4096)

static const struct {
	unsigned long req;
	const char *name;
} names[] = {
	{ KVM_GET_API_VERSION, "GET_API_VERSION" },
	{ KVM_CHECK_EXTENSION, "CHECK_EXTENSION" },
	{ KVM_CREATE_VM, "CREATE_VM" },
	{ KVM_GET_VCPU_MMAP_SIZE, "GET_VCPU_MMAP_SIZE" },
	{ KVM_GET_SUPPORTED_CPUID, "GET_SUPPORTED_CPUID" },
	{ KVM_GET_DEVICE_ATTR, "GET_DEVICE_ATTR" },
	{ KVM_ENABLE_CAP, "ENABLE_CAP" },
	{ KVM_SET_TSS_ADDR, "SET_TSS_ADDR" },
	{ KVM_CREATE_IRQCHIP, "CREATE_IRQCHIP" },
	{ KVM_CREATE_PIT2, "CREATE_PIT2" },
	{ KVM_CREATE_GUEST_MEMFD, "CREATE_GUEST_MEMFD" },
	{ KVM_SET_USER_MEMORY_REGION2, "SET_USER_MEMORY_REGION2" },
	{ KVM_SET_MEMORY_ATTRIBUTES, "SET_MEMORY_ATTRIBUTES" },
	{ KVM_CREATE_VCPU, "CREATE_VCPU" },
	{ KVM_IOEVENTFD, "IOEVENTFD" },
	{ KVM_IRQFD, "IRQFD" },
	{ KVM_IRQ_LINE, "IRQ_LINE" },
	{ KVM_SIGNAL_MSI, "SIGNAL_MSI" },
	{ KVM_SET_GSI_ROUTING, "SET_GSI_ROUTING" },
	{ KVM_MEMORY_ENCRYPT_OP, "ENCRYPT_OP" },
	{ KVM_SET_CPUID2, "SET_CPUID2" },
	{ KVM_GET_CPUID2, "GET_CPUID2" },
	{ KVM_GET_REGS, "GET_REGS" },
	{ KVM_SET_REGS, "SET_REGS" },
	{ KVM_GET_SREGS, "GET_SREGS" },
	{ KVM_SET_SREGS, "SET_SREGS" },
	{ KVM_SET_FPU, "SET_FPU" },
	{ KVM_SET_XCRS, "SET_XCRS" },
	{ KVM_SET_MSRS, "SET_MSRS" },
	{ KVM_GET_MP_STATE, "GET_MP_STATE" },
	{ KVM_SET_MP_STATE, "SET_MP_STATE" },
	{ KVM_RUN, "RUN" },
};

const char *fake_ioctl_name(unsigned long req)
{
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].req == req)
			return names[i].name;
	return "UNKNOWN_IOCTL";
}

static const struct {
	long cap;
	const char *name;
} caps[] = {
	{ KVM_CAP_VM_TYPES, "VM_TYPES" },
	{ KVM_CAP_GUEST_MEMFD, "GUEST_MEMFD" },
	{ KVM_CAP_GUEST_MEMFD_FLAGS, "GUEST_MEMFD_FLAGS" },
	{ KVM_CAP_USER_MEMORY2, "USER_MEMORY2" },
	{ KVM_CAP_MEMORY_ATTRIBUTES, "MEMORY_ATTRIBUTES" },
	{ KVM_CAP_MEMORY_FAULT_INFO, "MEMORY_FAULT_INFO" },
	{ KVM_CAP_EXIT_HYPERCALL, "EXIT_HYPERCALL" },
	{ KVM_CAP_SET_TSS_ADDR, "SET_TSS_ADDR" },
	{ KVM_CAP_IRQCHIP, "IRQCHIP" },
	{ KVM_CAP_SPLIT_IRQCHIP, "SPLIT_IRQCHIP" },
	{ KVM_CAP_IRQFD, "IRQFD" },
	{ KVM_CAP_IOEVENTFD, "IOEVENTFD" },
	{ KVM_CAP_MAX_VCPUS, "MAX_VCPUS" },
};

static const char *cap_name(long cap)
{
	static char buf[24];

	for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
		if (caps[i].cap == cap)
			return caps[i].name;
	snprintf(buf, sizeof(buf), "cap%ld", cap);
	return buf;
}

static bool confidential(unsigned long type)
{
	return type != KVM_X86_DEFAULT_VM;
}

/* What a Linux 7.3 x86 host answers (vm NULL: on /dev/kvm). */
static long cap_value(const struct fake *f, const struct fake_vm *vm, long cap)
{
	switch (cap) {
	case KVM_CAP_VM_TYPES: return (long)f->host.vm_types;
	case KVM_CAP_GUEST_MEMFD:
	case KVM_CAP_USER_MEMORY2:
	case KVM_CAP_MEMORY_FAULT_INFO:
	case KVM_CAP_SET_TSS_ADDR:
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_SPLIT_IRQCHIP:
	case KVM_CAP_IRQFD:
	case KVM_CAP_IOEVENTFD: return 1;
	case KVM_CAP_MAX_VCPUS: return 1024;
	case KVM_CAP_EXIT_HYPERCALL: return 1L << KVM_HC_MAP_GPA_RANGE;
	/* x86.c: attributes only where the VM has private memory. */
	case KVM_CAP_MEMORY_ATTRIBUTES:
		return !vm || confidential(vm->type)
			       ? (long)KVM_MEMORY_ATTRIBUTE_PRIVATE : 0;
	/* mmap and init-shared only for VMs without private memory
	 * (x86.c:10670-10673). */
	case KVM_CAP_GUEST_MEMFD_FLAGS:
		return !vm || !confidential(vm->type)
			       ? (long)(GUEST_MEMFD_FLAG_MMAP |
					GUEST_MEMFD_FLAG_INIT_SHARED)
			       : 0;
	default: return 0;
	}
}

/* One trace line per call: who, what, and the arguments that matter. */
static void describe(struct fake *f, const struct fake_call *c)
{
	char who[16], d[200] = "";
	const void *p = (const void *)c->arg;

	fake_fd_name(f, (int)(c->fd - f->fd), who, sizeof(who));
	switch (c->req) {
	case KVM_CHECK_EXTENSION:
		snprintf(d, sizeof(d), " %s", cap_name((long)c->arg));
		break;
	case KVM_CREATE_VM:
	case KVM_CREATE_VCPU:
		snprintf(d, sizeof(d), " %lu", c->arg);
		break;
	case KVM_GET_DEVICE_ATTR: {
		const struct kvm_device_attr *at = p;

		snprintf(d, sizeof(d), " group=%u attr=%llu", at->group,
			 (unsigned long long)at->attr);
		break;
	}
	case KVM_ENABLE_CAP: {
		const struct kvm_enable_cap *e = p;

		snprintf(d, sizeof(d), " %s 0x%llx", cap_name(e->cap),
			 (unsigned long long)e->args[0]);
		break;
	}
	case KVM_CREATE_GUEST_MEMFD: {
		const struct kvm_create_guest_memfd *g = p;

		snprintf(d, sizeof(d), " size=0x%llx flags=0x%llx",
			 (unsigned long long)g->size,
			 (unsigned long long)g->flags);
		break;
	}
	case KVM_SET_USER_MEMORY_REGION2: {
		const struct kvm_userspace_memory_region2 *r = p;
		char g[16] = "none";

		if (r->flags & KVM_MEM_GUEST_MEMFD)
			fake_fd_name(f, (int)r->guest_memfd, g, sizeof(g));
		snprintf(d, sizeof(d),
			 " slot=%u gpa=0x%llx size=0x%llx flags=0x%x gmem=%s",
			 r->slot, (unsigned long long)r->guest_phys_addr,
			 (unsigned long long)r->memory_size, r->flags, g);
		break;
	}
	case KVM_SET_MEMORY_ATTRIBUTES: {
		const struct kvm_memory_attributes *m = p;

		snprintf(d, sizeof(d), " 0x%llx+0x%llx %s",
			 (unsigned long long)m->address,
			 (unsigned long long)m->size,
			 m->attributes ? "PRIVATE" : "SHARED");
		break;
	}
	case KVM_SET_CPUID2:
		snprintf(d, sizeof(d), " nent=%u",
			 ((const struct kvm_cpuid2 *)p)->nent);
		break;
	case KVM_SET_XCRS: {
		const struct kvm_xcrs *x = p;

		snprintf(d, sizeof(d), " n=%u xcr%u=0x%llx", x->nr_xcrs,
			 x->xcrs[0].xcr, (unsigned long long)x->xcrs[0].value);
		break;
	}
	case KVM_SET_REGS: {
		const struct kvm_regs *r = p;

		snprintf(d, sizeof(d), " rip=0x%llx rbx=0x%llx",
			 (unsigned long long)r->rip,
			 (unsigned long long)r->rbx);
		break;
	}
	case KVM_IRQFD:
		snprintf(d, sizeof(d), " gsi=%u",
			 ((const struct kvm_irqfd *)p)->gsi);
		break;
	case KVM_IOEVENTFD: {
		const struct kvm_ioeventfd *io = p;

		snprintf(d, sizeof(d), " addr=0x%llx len=%u",
			 (unsigned long long)io->addr, io->len);
		break;
	}
	default:
		break;
	}
	if (c->req != KVM_MEMORY_ENCRYPT_OP) /* the platform traces it */
		fake_trace(f, "%s %s%s", who, c->name, d);
}

static int supported_cpuid(struct kvm_cpuid2 *c)
{
	/* A small, fixed host: enough for cvmm's CPUID code to work on. */
	static const struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 0xd, .ebx = 0x68747541 },
		{ .function = 1, .eax = 0xa00f11, .ecx = 0x80000000 },
		{ .function = 7, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0xd, .index = 0, .eax = 7, .ebx = 0x340,
		  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0xd, .index = 1, .eax = 0xf,
		  .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0x40000000, .eax = 0x40000001 },
		{ .function = 0x40000001 },
		{ .function = 0x80000000, .eax = 0x80000021 },
		{ .function = 0x80000008, .eax = 0x3030 },
		{ .function = 0x8000001f, .eax = 0x1b, .ebx = 0x33 },
	};

	if (c->nent < ARRAY_SIZE(e)) {
		c->nent = ARRAY_SIZE(e);
		return E2BIG;
	}
	c->nent = ARRAY_SIZE(e);
	memcpy(c->entries, e, sizeof(e));
	return 0;
}

static int sys_ioctl(struct fake *f, struct fake_call *c)
{
	switch (c->req) {
	case KVM_GET_API_VERSION: return FAKE_RESULT(KVM_API_VERSION);
	case KVM_CHECK_EXTENSION:
		return FAKE_RESULT(cap_value(f, NULL, (long)c->arg));
	case KVM_GET_VCPU_MMAP_SIZE: return FAKE_RESULT(VCPU_MMAP_SIZE);
	case KVM_GET_SUPPORTED_CPUID:
		return supported_cpuid((struct kvm_cpuid2 *)c->arg);
	case KVM_CREATE_VM:
		if (c->arg >= 64 || !(f->host.vm_types >> c->arg & 1)) {
			fake_violation(f, "CREATE_VM", "type %lu not in "
				       "KVM_CAP_VM_TYPES", c->arg);
			return EINVAL;
		}
		return fake_new_vm(f, c->arg);
	case KVM_GET_DEVICE_ATTR: {
		struct kvm_device_attr *at = (struct kvm_device_attr *)c->arg;
		uint64_t v;

		/* sev.c:2233-2252: only with SEV support in KVM. */
		if (at->group != KVM_X86_GRP_SEV || !f->host.dev_sev ||
		    at->attr > KVM_X86_SNP_POLICY_BITS)
			return ENXIO;
		v = at->attr == KVM_X86_SEV_VMSA_FEATURES
			    ? f->host.vmsa_features
			    : f->host.snp_policy_bits;
		memcpy((void *)at->addr, &v, sizeof(v));
		return 0;
	}
	default:
		fake_violation(f, "ioctl", "%s on /dev/kvm", c->name);
		return ENOTTY;
	}
}

static int memslot(struct fake *f, struct fake_vm *vm,
		   const struct kvm_userspace_memory_region2 *r)
{
	struct fake_fd *g = fake_fd_of(f, (int)r->guest_memfd);
	bool gmem = r->flags & KVM_MEM_GUEST_MEMFD;

	if (r->slot >= FAKE_MAX_SLOTS || (r->guest_phys_addr | r->memory_size |
					   r->userspace_addr) & 4095) {
		fake_violation(f, "memslot", "slot %u unaligned or too high",
			       r->slot);
		return EINVAL;
	}
	/* kvm_main.c:1590-1615: no read-only memory with protected state. */
	if ((r->flags & KVM_MEM_READONLY) && confidential(vm->type)) {
		fake_violation(f, "memslot", "read-only slot in a VM of type "
			       "%lu", vm->type);
		return EINVAL;
	}
	if (gmem && (!g || g->kind != FK_GMEM || &f->vm[g->vm] != vm)) {
		fake_violation(f, "memslot", "slot %u: guest_memfd is not one "
			       "of this VM's", r->slot);
		return EINVAL;
	}
	vm->slot[r->slot] = (struct fake_slot){
		r->memory_size != 0, gmem, r->guest_phys_addr, r->memory_size,
		r->userspace_addr, gmem ? g->index : 0 };
	return 0;
}

static int attributes(struct fake *f, struct fake_vm *vm,
		      const struct kvm_memory_attributes *m)
{
	uint64_t first = m->address >> 12, end = (m->address + m->size) >> 12;
	int ret;

	/* kvm_main.c:2658-2684 */
	if (m->flags || !m->size || (m->address | m->size) & 4095 ||
	    m->attributes & ~(uint64_t)cap_value(f, vm,
						 KVM_CAP_MEMORY_ATTRIBUTES)) {
		fake_violation(f, "SET_MEMORY_ATTRIBUTES",
			       "flags, alignment or attributes refused");
		return EINVAL;
	}
	ret = m->attributes ? rangeset_add(&vm->private, first, end)
			    : rangeset_remove(&vm->private, first, end);
	return ret ? ENOMEM : 0;
}

static int create_vcpu(struct fake *f, struct fake_vm *vm, unsigned long id)
{
	if (id >= FAKE_MAX_VCPUS || vm->vcpu_made[id]) {
		fake_violation(f, "CREATE_VCPU", "id %lu twice or too high",
			       id);
		return EEXIST;
	}
	return fake_new_vcpu(f, vm, (unsigned int)id);
}

static int guest_memfd(struct fake *f, struct fake_vm *vm,
		       const struct kvm_create_guest_memfd *g)
{
	uint64_t ok = (uint64_t)cap_value(f, vm, KVM_CAP_GUEST_MEMFD_FLAGS);

	if (!g->size || g->size & 4095 || g->flags & ~ok) {
		fake_violation(f, "CREATE_GUEST_MEMFD", "size 0x%llx or flags "
			       "0x%llx refused", (unsigned long long)g->size,
			       (unsigned long long)g->flags);
		return EINVAL;
	}
	return fake_new_gmem(f, vm, g->size);
}

static int irqchip(struct fake *f, struct fake_vm *vm, const char *what)
{
	/* x86.c: an irqchip is created before any vCPU, once. */
	if (vm->nvcpus || vm->irqchip || vm->split_irqchip) {
		fake_violation(f, what, "after vCPUs or a second irqchip");
		return EINVAL;
	}
	return 0;
}

static int vm_ioctl(struct fake *f, struct fake_call *c)
{
	struct fake_vm *vm = c->vm;
	int ret;

	switch (c->req) {
	case KVM_CHECK_EXTENSION:
		return FAKE_RESULT(cap_value(f, vm, (long)c->arg));
	case KVM_ENABLE_CAP: {
		const struct kvm_enable_cap *e = (const void *)c->arg;

		if (e->cap != KVM_CAP_SPLIT_IRQCHIP)
			return 0;
		ret = irqchip(f, vm, "ENABLE_CAP SPLIT_IRQCHIP");
		vm->split_irqchip = !ret;
		return ret;
	}
	case KVM_CREATE_IRQCHIP:
		ret = irqchip(f, vm, "CREATE_IRQCHIP");
		vm->irqchip = !ret;
		return ret;
	case KVM_CREATE_PIT2:
		if (!vm->irqchip) { /* x86.c:4483-4485 */
			fake_violation(f, "CREATE_PIT2", "without the "
				       "in-kernel PIC");
			return ENOENT;
		}
		vm->pit = true;
		return 0;
	case KVM_CREATE_GUEST_MEMFD:
		return guest_memfd(f, vm, (const void *)c->arg);
	case KVM_SET_USER_MEMORY_REGION2:
		return memslot(f, vm, (const void *)c->arg);
	case KVM_SET_MEMORY_ATTRIBUTES:
		return attributes(f, vm, (const void *)c->arg);
	case KVM_CREATE_VCPU:
		return create_vcpu(f, vm, c->arg);
	case KVM_SET_TSS_ADDR: case KVM_IOEVENTFD: case KVM_IRQFD:
	case KVM_IRQ_LINE: case KVM_SIGNAL_MSI: case KVM_SET_GSI_ROUTING:
		return 0;
	default:
		fake_violation(f, "ioctl", "%s on a VM", c->name);
		return ENOTTY;
	}
}

static int set_cpuid(struct fake_vm *vm, unsigned int id,
		     const struct kvm_cpuid2 *in)
{
	size_t size = sizeof(*in) + in->nent * sizeof(in->entries[0]);
	struct kvm_cpuid2 *copy = malloc(size);

	if (!copy)
		return ENOMEM;
	memcpy(copy, in, size);
	free(vm->cpuid[id]);
	vm->cpuid[id] = copy;
	return 0;
}

static int get_cpuid(struct fake_vm *vm, unsigned int id, struct kvm_cpuid2 *out)
{
	const struct kvm_cpuid2 *have = vm->cpuid[id];
	unsigned int n = have ? have->nent : 0;

	if (out->nent < n) {
		out->nent = n;
		return E2BIG;
	}
	out->nent = n;
	if (n)
		memcpy(out->entries, have->entries, n * sizeof(have->entries[0]));
	return 0;
}

static int vcpu_ioctl(struct fake *f, struct fake_call *c,
		      const struct fake_answer *a)
{
	unsigned int id = c->fd->index;
	struct kvm_run *run = c->vm->run[id];

	switch (c->req) {
	case KVM_SET_CPUID2:
		return set_cpuid(c->vm, id, (const void *)c->arg);
	case KVM_GET_CPUID2:
		return get_cpuid(c->vm, id, (void *)c->arg);
	case KVM_GET_SREGS:
	case KVM_GET_REGS:
	case KVM_GET_MP_STATE:
		memset((void *)c->arg, 0, _IOC_SIZE(c->req));
		return 0;
	case KVM_SET_REGS: case KVM_SET_SREGS: case KVM_SET_FPU:
	case KVM_SET_XCRS: case KVM_SET_MSRS: case KVM_SET_MP_STATE:
		return 0;
	case KVM_RUN:
		f->run_calls++;
		if (!run)
			return EFAULT;
		/* Unscripted: the guest shut down. */
		if (!a || !a->fill)
			run->exit_reason = KVM_EXIT_SHUTDOWN;
		return 0;
	default:
		fake_violation(f, "ioctl", "%s on a vCPU", c->name);
		return ENOTTY;
	}
}

int fake_dispatch(struct fake *f, struct fake_call *c)
{
	const struct fake_platform *p = c->vm ? c->vm->plat : NULL;
	const struct fake_answer *a;
	int ret;

	describe(f, c);
	if (c->fd->kind == FK_SYS) {
		a = fake_take(f, c->name);
		if (a && a->fill)
			a->fill(f, (void *)c->arg);
		return a && a->err ? a->err : sys_ioctl(f, c);
	}
	if (p && p->check && (ret = p->check(f, c)))
		return ret;
	if (c->req == KVM_MEMORY_ENCRYPT_OP) {
		if (p && p->encrypt_op)
			return p->encrypt_op(f, c);
		fake_violation(f, "ENCRYPT_OP", "VM type %lu has none",
			       c->vm->type);
		return ENOTTY;
	}
	a = fake_take(f, c->name);
	if (a && a->fill)
		a->fill(f, c->req == KVM_RUN ? (void *)c->vm->run[c->fd->index]
					     : (void *)c->arg);
	if (a && a->err)
		return a->err;
	ret = c->fd->kind == FK_VM ? vm_ioctl(f, c) : vcpu_ioctl(f, c, a);
	if (ret <= 0 && p && p->after)
		p->after(f, c);
	return ret;
}
