// SPDX-License-Identifier: MIT
/*
 * The fake KVM's TDX rules (VM type KVM_X86_TDX_VM), from Linux 7.3's
 * arch/x86/kvm/vmx/tdx.c, x86.c and virt/kvm/guest_memfd.c
 * (../shared/SNP-TDX.md (b), (d), (e)): the KVM_MEMORY_ENCRYPT_OP
 * commands decoded into the trace and checked (hw_error 0 on input,
 * flags, reserved bytes, INIT_VM before vCPUs with CPUID inside the
 * capabilities and GPAW 48 or 52, INIT_VCPU once per vCPU before
 * INIT_MEM_REGION, PRIVATE pages in a guest_memfd slot, nothing after
 * FINALIZE), and the rules around them: no register ioctl ever, no
 * in-kernel irqchip or PIT, a split irqchip before vCPUs, interrupts only
 * on GSIs with an MSI route, no run before FINALIZE. The fake also
 * computes MRTD from the pages it is handed, as the TDX module would, so
 * tests can hold cvmm's prediction against what the launch really added.
 * Scripted answers ("TDX_CAPABILITIES", "TDX_INIT_VM",
 * "TDX_INIT_MEM_REGION", "TDX_FINALIZE_VM" with err and progress)
 * model E2BIG, a busy RNG, interrupted and partial progress, contention.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/util.h"
#include "../../platform/tdx_mrtd.h"
#include "fake_ioctls.h"

#define NO_SUBLEAF_INDEX 0
#define GPAW_SHIFT 16

struct tdx_state {
	bool init_vm, finalized;
	bool vcpu_init[FAKE_MAX_VCPUS];
	uint32_t routed[2]; /* GSIs 0-63 with an MSI route */
	struct rangeset added; /* pages INIT_MEM_REGION added */
	struct tdx_mrtd mrtd;
	uint8_t value[TDX_MRTD_SIZE]; /* MRTD once finalized */
};

/* The fake module's configurable CPUID: masks of the bits a VMM may set
 * (KVM already took TSX and WAITPKG out, tdx.c:184). */
static const struct kvm_cpuid_entry2 caps_cpuid[] = {
	{ .function = 1, .eax = 0x0fff3fff, .ebx = 0xff00ffff,
	  .ecx = 0x31f8d3bf, .edx = 0x1fa9fbff },
	{ .function = 7, .index = 0, .ebx = 0xdc9d4fbb, .ecx = 0x7b5d5f5e,
	  .edx = 0xbc004410 },
	{ .function = 0xd, .index = 1, .eax = 0xf },
	{ .function = 0x80000000, .eax = 0xffffffff },
	{ .function = 0x80000008, .eax = 0x00ff00ff },
	{ .function = 0x80000001, .ecx = 0x121, .edx = 0x2c100800 },
};
#define CAPS_ATTRS ((1ULL << 28) | (1ULL << 30) | 1ULL) /* SEPT_VE_DISABLE, PKS, DEBUG */
#define CAPS_XFAM 0x2e7ULL

static void *tdx_init(struct fake_vm *vm)
{
	struct tdx_state *s = calloc(1, sizeof(*s));

	(void)vm;
	if (!s || tdx_mrtd_init(&s->mrtd))
		abort();
	rangeset_init(&s->added);
	return s;
}

static void tdx_fini(void *state)
{
	struct tdx_state *s = state;

	rangeset_free(&s->added);
	tdx_mrtd_free(&s->mrtd);
	free(s);
}

static bool is_reg_ioctl(unsigned long req)
{
	return req == KVM_SET_REGS || req == KVM_GET_REGS ||
	       req == KVM_SET_SREGS || req == KVM_GET_SREGS ||
	       req == KVM_SET_FPU || req == KVM_GET_FPU ||
	       req == KVM_SET_XCRS || req == KVM_SET_MSRS ||
	       req == KVM_SET_MP_STATE;
}

static bool routed(const struct tdx_state *s, uint32_t gsi)
{
	return gsi < 64 && (s->routed[gsi / 32] >> (gsi % 32)) & 1;
}

static uint32_t gsi_of(const struct fake_call *c)
{
	return c->req == KVM_IRQFD ? ((const struct kvm_irqfd *)c->arg)->gsi
				   : ((const struct kvm_irq_level *)c->arg)->irq;
}

static int tdx_check(struct fake *f, const struct fake_call *c)
{
	struct tdx_state *s = c->vm->plat_state;

	/* tdx.c:701-702, regs.c:90-146: the state is the TDX module's. */
	if (is_reg_ioctl(c->req)) {
		fake_violation(f, "tdx", "%s on a TD", c->name);
		return EINVAL;
	}
	switch (c->req) {
	case KVM_CREATE_IRQCHIP: /* x86.c:4426-4441 */
		fake_violation(f, "tdx", "CREATE_IRQCHIP on a TD");
		return ENOTTY;
	case KVM_CREATE_VCPU: /* tdx.c:673-682 */
		if (!s->init_vm || !c->vm->split_irqchip) {
			fake_violation(f, "tdx", "CREATE_VCPU before %s",
				       s->init_vm ? "a split irqchip"
						  : "TDX_INIT_VM");
			return s->init_vm ? EINVAL : EIO;
		}
		return 0;
	case KVM_IRQFD:
	case KVM_IRQ_LINE:
		/* No IOAPIC: a GSI without an MSI route goes nowhere. */
		if (!routed(s, gsi_of(c))) {
			fake_violation(f, "tdx", "%s gsi %u without an MSI "
				       "route (the interrupt would be lost)",
				       c->name, gsi_of(c));
			return EINVAL;
		}
		return 0;
	case KVM_RUN:
		if (!s->finalized || !s->vcpu_init[c->fd->index]) {
			fake_violation(f, "tdx", "RUN before TDX_FINALIZE_VM "
				       "and TDX_INIT_VCPU");
			return EINVAL;
		}
		return 0;
	default:
		return 0;
	}
}

/* Remember which GSIs SET_GSI_ROUTING routed as MSIs. */
static void tdx_after(struct fake *f, const struct fake_call *c)
{
	const struct kvm_irq_routing *r = (const void *)c->arg;
	struct tdx_state *s = c->vm->plat_state;

	(void)f;
	if (c->req != KVM_SET_GSI_ROUTING)
		return;
	memset(s->routed, 0, sizeof(s->routed));
	for (uint32_t i = 0; i < r->nr; i++)
		if (r->entries[i].type == KVM_IRQ_ROUTING_MSI &&
		    r->entries[i].gsi < 64)
			s->routed[r->entries[i].gsi / 32] |=
				1u << (r->entries[i].gsi % 32);
}

static int capabilities(struct fake *f, struct kvm_tdx_capabilities *c)
{
	const struct fake_answer *a = fake_take(f, "TDX_CAPABILITIES");
	uint32_t n = ARRAY_SIZE(caps_cpuid);

	fake_trace(f, "vm ENCRYPT_OP TDX_CAPABILITIES nent=%u", c->cpuid.nent);
	if (a && a->err)
		return a->err;
	if (c->cpuid.nent < n) /* tdx.c:2320: no size hint */
		return E2BIG;
	memset(c, 0, sizeof(*c));
	c->supported_attrs = CAPS_ATTRS;
	c->supported_xfam = CAPS_XFAM;
	c->cpuid.nent = n;
	memcpy(c->cpuid.entries, caps_cpuid, sizeof(caps_cpuid));
	return 0;
}

static const struct kvm_cpuid_entry2 *cap_of(uint32_t fn, uint32_t idx)
{
	for (size_t i = 0; i < ARRAY_SIZE(caps_cpuid); i++)
		if (caps_cpuid[i].function == fn && caps_cpuid[i].index == idx)
			return &caps_cpuid[i];
	return NULL;
}

/* tdx.c:2353-2434: each entry in a capability slot, inside its masks. */
static const char *cpuid_refused(const struct kvm_cpuid2 *cpuid)
{
	bool gpaw = false;

	for (uint32_t i = 0; i < cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
		const struct kvm_cpuid_entry2 *m = cap_of(e->function, e->index);
		uint32_t eax = e->eax;

		if (!m)
			return "a CPUID leaf the capabilities do not list";
		if (e->function == 0x80000008) {
			uint32_t w = (eax >> GPAW_SHIFT) & 0xff;

			if (w != 48 && w != 52)
				return "GPAW (0x80000008 EAX[23:16]) not 48 or 52";
			gpaw = true;
		}
		if ((eax & ~m->eax) || (e->ebx & ~m->ebx) ||
		    (e->ecx & ~m->ecx) || (e->edx & ~m->edx))
			return "CPUID bits outside the configurable masks";
	}
	return gpaw ? NULL : "no CPUID 0x80000008 (GPAW)";
}

static int init_vm(struct fake *f, struct fake_vm *vm, struct tdx_state *s,
		   const struct kvm_tdx_init_vm *iv)
{
	const struct fake_answer *a = fake_take(f, "TDX_INIT_VM");
	static const uint64_t zero[12];
	const char *why = NULL;

	fake_trace(f, "vm ENCRYPT_OP TDX_INIT_VM attributes=0x%llx xfam=0x%llx "
		   "nent=%u", (unsigned long long)iv->attributes,
		   (unsigned long long)iv->xfam, iv->cpuid.nent);
	if (s->init_vm || vm->nvcpus)
		why = s->init_vm ? "twice" : "after vCPUs";
	else if (memcmp(iv->reserved, zero, sizeof(zero)) || iv->cpuid.padding)
		why = "reserved bytes set";
	else if (iv->attributes & ~CAPS_ATTRS || iv->xfam & ~CAPS_XFAM)
		why = "attributes or XFAM not supported";
	else if (iv->cpuid.nent > 256)
		why = "more than 256 CPUID entries";
	else
		why = cpuid_refused(&iv->cpuid);
	if (why) {
		fake_violation(f, "TDX_INIT_VM", "%s", why);
		return EINVAL;
	}
	if (a && a->err) /* -EAGAIN: the module's RNG was busy */
		return a->err;
	s->init_vm = true;
	return 0;
}

/* One page through TDH.MEM.PAGE.ADD (and MR.EXTEND): into MRTD too. */
static int add_page(struct fake *f, struct fake_vm *vm, struct tdx_state *s,
		    uint64_t gpa, uint64_t src, bool measure)
{
	const struct fake_slot *slot = fake_slot_of(vm, gpa, 4096);

	if (!slot || !slot->gmem || !fake_is_private(vm, gpa, 4096)) {
		fake_violation(f, "TDX_INIT_MEM_REGION", "gpa 0x%llx is %s",
			       (unsigned long long)gpa, !slot || !slot->gmem
				       ? "not in a guest_memfd slot"
				       : "not PRIVATE");
		return EINVAL; /* guest_memfd.c:824-829 */
	}
	if (rangeset_contains(&s->added, gpa >> 12, (gpa >> 12) + 1)) {
		fake_violation(f, "TDX_INIT_MEM_REGION", "gpa 0x%llx added "
			       "twice", (unsigned long long)gpa);
		return EEXIST;
	}
	if (rangeset_add(&s->added, gpa >> 12, (gpa >> 12) + 1))
		return ENOMEM;
	tdx_mrtd_add_page(&s->mrtd, gpa, (const void *)(uintptr_t)src, measure);
	return 0;
}

static int mem_region(struct fake *f, struct fake_vm *vm, struct tdx_state *s,
		      unsigned int id, uint32_t flags,
		      struct kvm_tdx_init_mem_region *m)
{
	const struct fake_answer *a = fake_take(f, "TDX_INIT_MEM_REGION");
	uint64_t budget = a && (a->err || a->progress) ? a->progress : ~0ULL;
	char src[48];
	int ret = 0;

	fake_addr(f, vm, m->source_addr, src, sizeof(src));
	fake_trace(f, "vcpu%u ENCRYPT_OP TDX_INIT_MEM_REGION gpa=0x%llx "
		   "pages=%llu src=%s%s", id, (unsigned long long)m->gpa,
		   (unsigned long long)m->nr_pages, src,
		   flags ? " MEASURE" : "");
	/* tdx.c:3274-3292 */
	if (!s->vcpu_init[id] || flags & ~KVM_TDX_MEASURE_MEMORY_REGION ||
	    !m->source_addr || (m->source_addr | m->gpa) & 4095 ||
	    !m->nr_pages || m->gpa + (m->nr_pages << 12) > 1ULL << 47) {
		fake_violation(f, "TDX_INIT_MEM_REGION", "%s",
			       !s->vcpu_init[id] ? "before TDX_INIT_VCPU"
						 : "flags, source or range");
		return EINVAL;
	}
	while (!ret && m->nr_pages && budget) {
		ret = add_page(f, vm, s, m->gpa, m->source_addr, flags);
		if (ret)
			break;
		m->gpa += 4096, m->source_addr += 4096;
		m->nr_pages--, budget--;
	}
	return ret ? ret : m->nr_pages && a ? a->err : 0;
}

static int finalize(struct fake *f, struct tdx_state *s)
{
	const struct fake_answer *a = fake_take(f, "TDX_FINALIZE_VM");

	fake_trace(f, "vm ENCRYPT_OP TDX_FINALIZE_VM");
	if (a && a->err) /* -EBUSY: contention on the module */
		return a->err;
	tdx_mrtd_final(&s->mrtd, s->value);
	s->finalized = true;
	return 0;
}

static int vm_command(struct fake *f, const struct fake_call *c,
		      struct tdx_state *s, struct kvm_tdx_cmd *cmd)
{
	void *data = (void *)(uintptr_t)cmd->data;

	switch (cmd->id) {
	case KVM_TDX_CAPABILITIES:
		return capabilities(f, data);
	case KVM_TDX_INIT_VM:
		return init_vm(f, c->vm, s, data);
	case KVM_TDX_FINALIZE_VM:
		return finalize(f, s);
	default:
		fake_trace(f, "vm ENCRYPT_OP TDX id=%u", cmd->id);
		fake_violation(f, "ENCRYPT_OP", "TDX command %u on the VM fd",
			       cmd->id);
		return EINVAL;
	}
}

static int vcpu_command(struct fake *f, const struct fake_call *c,
			struct tdx_state *s, struct kvm_tdx_cmd *cmd)
{
	unsigned int id = c->fd->index;

	switch (cmd->id) {
	case KVM_TDX_INIT_VCPU:
		fake_trace(f, "vcpu%u ENCRYPT_OP TDX_INIT_VCPU hob=0x%llx", id,
			   (unsigned long long)cmd->data);
		if (s->vcpu_init[id] || cmd->flags) { /* tdx.c:3172-3176 */
			fake_violation(f, "TDX_INIT_VCPU", "twice or flags");
			return EINVAL;
		}
		s->vcpu_init[id] = true;
		return 0;
	case KVM_TDX_INIT_MEM_REGION:
		return mem_region(f, c->vm, s, id, cmd->flags,
				  (void *)(uintptr_t)cmd->data);
	default:
		fake_trace(f, "vcpu%u ENCRYPT_OP TDX id=%u", id, cmd->id);
		fake_violation(f, "ENCRYPT_OP", "TDX command %u on a vCPU fd",
			       cmd->id);
		return EINVAL;
	}
}

static int tdx_encrypt_op(struct fake *f, const struct fake_call *c)
{
	struct kvm_tdx_cmd *cmd = (void *)c->arg;
	struct tdx_state *s = c->vm->plat_state;

	if (cmd->hw_error) { /* tdx.c:2940-2945 */
		fake_trace(f, "%s ENCRYPT_OP TDX id=%u hw_error=0x%llx",
			   c->fd->kind == FK_VM ? "vm" : "vcpu", cmd->id,
			   (unsigned long long)cmd->hw_error);
		fake_violation(f, "ENCRYPT_OP", "hw_error set on input");
		return EINVAL;
	}
	/* tdx.c:3343-3344: the initial memory is fixed once finalized. */
	if (s->finalized && cmd->id != KVM_TDX_CAPABILITIES) {
		fake_trace(f, "%s ENCRYPT_OP TDX id=%u",
			   c->fd->kind == FK_VM ? "vm" : "vcpu", cmd->id);
		fake_violation(f, "ENCRYPT_OP", "TDX command %u after "
			       "TDX_FINALIZE_VM", cmd->id);
		return EINVAL;
	}
	return c->fd->kind == FK_VM ? vm_command(f, c, s, cmd)
				    : vcpu_command(f, c, s, cmd);
}

const uint8_t *fake_tdx_mrtd(const struct fake_vm *vm)
{
	const struct tdx_state *s = vm->plat_state;

	return s && s->finalized ? s->value : NULL;
}

const struct fake_platform fake_tdx = {
	.name = "tdx",
	.vm_type = KVM_X86_TDX_VM,
	.init = tdx_init,
	.fini = tdx_fini,
	.check = tdx_check,
	.encrypt_op = tdx_encrypt_op,
	.after = tdx_after,
};
