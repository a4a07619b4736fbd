// SPDX-License-Identifier: MIT
/*
 * tdx: an Intel TDX trust domain on Linux 7.3 KVM (KVM_X86_TDX_VM). The
 * launch follows the kernel's order (intel-tdx.rst; ../shared/SNP-TDX.md
 * (b)): KVM_CREATE_VM(5); a split irqchip (no in-kernel IOAPIC, PIC or
 * PIT: arch/x86 routes the devices' GSIs as MSIs); KVM_TDX_CAPABILITIES
 * (grown on E2BIG, which carries no size); hypercall exits for MapGPA;
 * KVM_TDX_INIT_VM with the host's CPUID masked by the capabilities and
 * GPAW 48, before any vCPU; per vCPU KVM_TDX_INIT_VCPU with the TD HOB's
 * address; per TDVF section, in metadata order, the range made PRIVATE
 * and KVM_TDX_INIT_MEM_REGION from its shared copy (measured where the
 * firmware says); KVM_TDX_FINALIZE_VM. The host never reads or sets a
 * vCPU register (REGS_NEVER): the TDX module starts every vCPU at the
 * reset vector. RAM starts private; conversions are the two-backing
 * kind sw-protected has. KVM_EXIT_TDX is answered by re-entering (KVM
 * has written the "unsupported" answer), TDX_FATAL ends the run.
 * Nothing here has run on TDX hardware (none is available): the fake KVM
 * of the tests checks the order and KVM's preconditions.
 */
#include "platform.h"

#if defined(__x86_64__)

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/kvm.h"
#include "../lib/log.h"
#include "../lib/util.h"
#include "tdx_exit.h"
#include "tdx_plan.h"

#define TDX_KVM_PARAM "/sys/module/kvm_intel/parameters/tdx"
#define TDX_ATTR_SEPT_VE_DISABLE (1ULL << 28)
#define CAPS_NENT_FIRST 32
#define CAPS_NENT_MAX 256 /* KVM_MAX_CPUID_ENTRIES */
#define BUSY_TRIES 16	  /* EAGAIN (RNG busy) / EBUSY (contention) */

struct tdx_state {
	struct tdx_plan plan; /* from the firmware item of the launch list */
	bool planned;
};

/* KVM_MEMORY_ENCRYPT_OP with a TDX command on a VM or vCPU fd. */
static int tdx_cmd(int fd, uint32_t id, uint32_t flags, uint64_t data,
		   uint64_t *hw_error)
{
	struct kvm_tdx_cmd c = { .id = id, .flags = flags, .data = data };
	int ret = kvm_ioctl_raw(fd, KVM_MEMORY_ENCRYPT_OP, (unsigned long)&c);

	if (hw_error)
		*hw_error = c.hw_error;
	return ret;
}

/* Does this host's kvm_intel run TDs (module parameter tdx=Y)? */
static bool kvm_intel_tdx(char *why, size_t len)
{
	char v[8];
	int n = kvm_module_param("kvm_intel", "tdx", v, sizeof(v));

	snprintf(why, len, "%s", n < 0 ? "absent (kvm_intel not loaded, or "
					 "built without TDX)"
			   : !strcmp(v, "Y") ? "Y"
					     : "N (load kvm_intel with tdx=1 "
					       "on a TDX host)");
	return n > 0 && !strcmp(v, "Y");
}

static int tdx_probe(int sys_fd, const char **missing)
{
	char why[96];

	(void)sys_fd;
	if (kvm_intel_tdx(why, sizeof(why)))
		return 0;
	*missing = "kvm_intel's tdx parameter "
		   "(/sys/module/kvm_intel/parameters/tdx is not Y)";
	return -ENOTSUP;
}

static void tdx_caps(int sys_fd, plat_caps_row row, void *ctx)
{
	long types = kvm_cap(sys_fd, KVM_CAP_VM_TYPES);
	char why[96], detail[160];
	bool ok = kvm_intel_tdx(why, sizeof(why));

	row(ctx, "  tdx: VM type KVM_X86_TDX_VM (5)",
	    (types >> KVM_X86_TDX_VM) & 1, "KVM_CAP_VM_TYPES");
	snprintf(detail, sizeof(detail), "%s: %s", TDX_KVM_PARAM, why);
	row(ctx, "  tdx: kvm_intel tdx parameter", ok, detail);
}

/* KVM_TDX_CAPABILITIES, growing the CPUID room on E2BIG (no size hint). */
static struct kvm_tdx_capabilities *get_caps(int vm_fd)
{
	for (uint32_t n = CAPS_NENT_FIRST; n <= CAPS_NENT_MAX; n *= 2) {
		struct kvm_tdx_capabilities *c =
			calloc(1, sizeof(*c) + n * sizeof(c->cpuid.entries[0]));
		int ret;

		if (!c)
			return NULL;
		c->cpuid.nent = n;
		ret = tdx_cmd(vm_fd, KVM_TDX_CAPABILITIES, 0, (uintptr_t)c, NULL);
		if (!ret && c->cpuid.nent <= n)
			return c;
		free(c);
		if (ret != -E2BIG) {
			log_err("KVM_TDX_CAPABILITIES: %s",
				strerror(ret ? -ret : EIO));
			return NULL;
		}
	}
	log_err("KVM_TDX_CAPABILITIES: more than %u CPUID entries",
		CAPS_NENT_MAX);
	return NULL;
}

static int init_vm(int sys_fd, int vm_fd,
		   const struct kvm_tdx_capabilities *caps)
{
	struct kvm_tdx_init_vm *iv;
	struct kvm_cpuid2 *cpuid;
	uint64_t hw = 0;
	char err[160];
	int ret = -EAGAIN;

	cpuid = x86_tdx_init_cpuid(sys_fd, &caps->cpuid, err, sizeof(err));
	if (!cpuid) {
		log_err("KVM_TDX_INIT_VM: %s", err);
		return -EINVAL;
	}
	iv = calloc(1, sizeof(*iv) + cpuid->nent * sizeof(cpuid->entries[0]));
	if (!iv) {
		free(cpuid);
		return -ENOMEM;
	}
	/* Linux TD guests need SEPT #VE disabled; every module offers it. */
	iv->attributes = caps->supported_attrs & TDX_ATTR_SEPT_VE_DISABLE;
	iv->xfam = caps->supported_xfam;
	memcpy(&iv->cpuid, cpuid,
	       sizeof(*cpuid) + cpuid->nent * sizeof(cpuid->entries[0]));
	/* -EAGAIN: the TDX module's RNG was busy; bounded retries. */
	for (int i = 0; i < BUSY_TRIES && ret == -EAGAIN; i++)
		ret = tdx_cmd(vm_fd, KVM_TDX_INIT_VM, 0, (uintptr_t)iv, &hw);
	if (ret)
		log_err("KVM_TDX_INIT_VM: %s (TDX status 0x%llx)",
			strerror(-ret), (unsigned long long)hw);
	free(iv);
	free(cpuid);
	return ret;
}

static int tdx_vm_init(struct plat_vm *vm)
{
	struct kvm_enable_cap hc = { .cap = KVM_CAP_EXIT_HYPERCALL,
				     .args[0] = 1ULL << KVM_HC_MAP_GPA_RANGE };
	struct kvm_tdx_capabilities *caps;
	int ret;

	vm->state = calloc(1, sizeof(struct tdx_state));
	if (!vm->state)
		return -ENOMEM;
	caps = get_caps(vm->vm_fd);
	if (!caps)
		return -EIO;
	/* Without it every MapGPA gets SUBFUNC_UNSUPPORTED (tdx.c:1275). */
	ret = kvm_ioctl_ptr(vm->vm_fd, KVM_ENABLE_CAP, &hc);
	if (!ret)
		ret = init_vm(vm->sys_fd, vm->vm_fd, caps);
	free(caps);
	return ret;
}

/*
 * The firmware's item of the launch list (the image, ending at 4 GiB)
 * carries the TDVF metadata: plan from it. Every item with bytes is
 * staged in the shared backing, where INIT_MEM_REGION copies from.
 */
static int tdx_launch(struct plat_vm *vm, const struct launch_item *it)
{
	struct tdx_state *s = vm->state;
	char err[256];

	if (it->kind == LAUNCH_FIRMWARE && it->gpa + it->len == 1ULL << 32) {
		if (tdx_plan_build(&s->plan, it->data, it->len, err,
				   sizeof(err))) {
			log_err("platform tdx: %s", err);
			return -EINVAL;
		}
		s->planned = true;
	}
	return it->data ? mem_launch_write(vm->mem, gpa(it->gpa), it->data,
					   it->len)
			: 0;
}

/* Every vCPU learns the TD HOB's address (RCX and R8 at reset). */
static int init_vcpu(int vcpu_fd, unsigned int index, uint64_t hob)
{
	uint64_t hw = 0;
	int ret = tdx_cmd(vcpu_fd, KVM_TDX_INIT_VCPU, 0, hob, &hw);

	if (ret)
		log_err("KVM_TDX_INIT_VCPU on vCPU %u: %s (TDX status 0x%llx)",
			index, strerror(-ret), (unsigned long long)hw);
	return ret;
}

/*
 * One section: PRIVATE first (guest_memfd.c:824-829), then KVM copies its
 * shared copy into private memory page by page, writing progress back
 * into the struct; -EAGAIN and -EINTR (after progress) re-issue it.
 */
static int add_region(struct plat_vm *vm, int vcpu_fd,
		      const struct tdx_region *r)
{
	struct mem_slot *slot = mem_find_slot(vm->mem, r->gpa, r->size);
	struct kvm_tdx_init_mem_region m;
	uint64_t hw = 0;
	int ret, stalls = 0;

	if (!slot) {
		log_err("TDVF %s at 0x%llx is not in one memslot",
			tdvf_type_name(r->type), (unsigned long long)r->gpa);
		return -EINVAL;
	}
	ret = kvm_set_private(vm->vm_fd, r->gpa, r->size, true);
	m = (struct kvm_tdx_init_mem_region){
		.source_addr = (uintptr_t)(slot->kvm_map + (r->gpa - slot->gpa)),
		.gpa = r->gpa,
		.nr_pages = r->size / TDX_PAGE,
	};
	while (!ret && m.nr_pages) {
		uint64_t before = m.nr_pages;

		ret = tdx_cmd(vcpu_fd, KVM_TDX_INIT_MEM_REGION,
			      r->measure ? KVM_TDX_MEASURE_MEMORY_REGION : 0,
			      (uintptr_t)&m, &hw);
		/* Retry while it moves; give up after BUSY_TRIES stalls. */
		if (ret == -EAGAIN || ret == -EINTR) {
			stalls = m.nr_pages < before ? 0 : stalls + 1;
			if (stalls < BUSY_TRIES)
				ret = 0;
		} else if (!ret && m.nr_pages) {
			ret = -EIO; /* success must mean done */
		}
	}
	if (ret)
		log_err("KVM_TDX_INIT_MEM_REGION %s at 0x%llx: %s (TDX status "
			"0x%llx, %llu pages left)", tdvf_type_name(r->type),
			(unsigned long long)r->gpa, strerror(-ret),
			(unsigned long long)hw, (unsigned long long)m.nr_pages);
	return ret;
}

/*
 * The TD HOB into its section's shared copy: RAM is every memslot but
 * the firmware's (and the test memory, which is not RAM).
 */
static int write_hob(struct plat_vm *vm, const struct tdx_plan *p)
{
	struct tdvf_ram ram[MEM_MAX_SLOTS];
	uint8_t hob[TDVF_HOB_MAX];
	unsigned int n = 0;
	long len;

	for (unsigned int i = 0; i < vm->mem->nslots; i++) {
		const struct mem_slot *sl = &vm->mem->slot[i];

		if (!sl->test_mem && sl->gpa != p->fw_gpa)
			ram[n++] = (struct tdvf_ram){ sl->gpa, sl->size };
	}
	len = tdx_plan_hob(p, ram, n, hob, sizeof(hob));
	if (len < 0) {
		log_err("the TD HOB cannot describe this memory (%s)",
			len == -E2BIG ? "larger than its section"
				      : "a section straddles the end of RAM");
		return (int)len;
	}
	return mem_launch_write(vm->mem, gpa(p->hob_gpa), hob, (size_t)len);
}

static int tdx_finalize(struct plat_vm *vm)
{
	struct tdx_state *s = vm->state;
	const struct tdx_plan *p = &s->plan;
	uint64_t hw = 0;
	int ret;

	if (!s->planned || !vm->ncpus) {
		log_err("platform tdx: no TDVF firmware in the launch list");
		return -EINVAL;
	}
	ret = write_hob(vm, p);
	for (unsigned int i = 0; !ret && i < vm->ncpus; i++)
		ret = init_vcpu(vm->vcpu_fd[i], i, p->hob_gpa);
	for (unsigned int i = 0; !ret && i < p->n; i++)
		ret = add_region(vm, vm->vcpu_fd[0], &p->r[i]);
	if (ret)
		return ret;
	/* -EBUSY: contention on the TDX module; bounded retries. */
	for (int i = 0; i < BUSY_TRIES; i++) {
		ret = tdx_cmd(vm->vm_fd, KVM_TDX_FINALIZE_VM, 0, 0, &hw);
		if (ret != -EBUSY)
			break;
		sched_yield();
	}
	if (ret) {
		log_err("KVM_TDX_FINALIZE_VM: %s (TDX status 0x%llx)",
			strerror(-ret), (unsigned long long)hw);
		return ret;
	}
	/* The shared copies are stale now: free them (QEMU does too). */
	for (unsigned int i = 0; !ret && i < p->n; i++)
		ret = mem_launch_discard(vm->mem, gpa(p->r[i].gpa), p->r[i].size);
	return ret;
}

static void tdx_destroy(struct plat_vm *vm)
{
	free(vm->state);
	vm->state = NULL;
}

const struct platform platform_tdx = {
	.name = "tdx",
	.summary = "KVM_X86_TDX_VM; a TDVF firmware added and measured into "
		   "MRTD, split irqchip, no host access to vCPU registers",
	.vm_type = KVM_X86_TDX_VM,
	PLATFORM_HW_ISOLATED_FACTS,
	.irqchip = ARCH_IRQCHIP_SPLIT,
	.regs = REGS_NEVER,
	.busy = BUSY_ANSWER_RETRY,
	.shared_outside_ram_ok = true,
	.firmware_only = true,
	.probe = tdx_probe,
	.plan_firmware = tdx_plan_firmware,
	.caps = tdx_caps,
	.vm_init = tdx_vm_init,
	.launch = tdx_launch,
	.finalize = tdx_finalize,
	.measure = tdx_measure,
	.handle_exit = tdx_handle_exit,
	.destroy = tdx_destroy,
};

#endif
