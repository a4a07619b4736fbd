// SPDX-License-Identifier: MIT
/*
 * The fake KVM's SEV-SNP rules (VM type KVM_X86_SNP_VM): the
 * KVM_MEMORY_ENCRYPT_OP commands cvmm issues, decoded into the trace and
 * checked against what Linux 7.3 requires (arch/x86/kvm/svm/sev.c and
 * virt/kvm/guest_memfd.c; ../shared/SNP-TDX.md (b) and (d)), and the
 * ordering rules around them. Scripted answers ("SNP_LAUNCH_UPDATE" with
 * progress, err, fw_error, fill) model KVM stopping early, -EAGAIN and
 * the firmware's CPUID-page correction.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_ioctls.h"

struct snp_state {
	bool init2, started, finished;
	int sev_fd; /* the /dev/sev fd LAUNCH_START stored */
	struct rangeset launched; /* pages LAUNCH_UPDATE assigned */
};

static void *snp_init(struct fake_vm *vm)
{
	struct snp_state *s = calloc(1, sizeof(*s));

	(void)vm;
	if (!s)
		abort();
	s->sev_fd = -1;
	rangeset_init(&s->launched);
	return s;
}

static void snp_fini(void *state)
{
	struct snp_state *s = state;

	rangeset_free(&s->launched);
	free(s);
}

static bool is_reg_ioctl(unsigned long req)
{
	return req == KVM_SET_REGS || req == KVM_SET_SREGS ||
	       req == KVM_SET_FPU || req == KVM_SET_XCRS ||
	       req == KVM_SET_MSRS || req == KVM_GET_REGS ||
	       req == KVM_GET_SREGS;
}

static int snp_check(struct fake *f, const struct fake_call *c)
{
	struct snp_state *s = c->vm->plat_state;

	/* regs.c:135-146: the state is a measured, encrypted VMSA now. */
	if (s->finished && is_reg_ioctl(c->req)) {
		fake_violation(f, "sev-snp", "%s after SNP_LAUNCH_FINISH",
			       c->name);
		return EINVAL;
	}
	/* sev.c:3591-3594 (no run before INIT2); before LAUNCH_FINISH no
	 * vCPU has a VMSA to run from. */
	if (c->req == KVM_RUN && !s->finished) {
		fake_violation(f, "sev-snp", "RUN before SNP_LAUNCH_FINISH");
		return EINVAL;
	}
	return 0;
}

static const char *page_type(unsigned int t)
{
	static const char *const n[] = { "?", "NORMAL", "VMSA", "ZERO",
					  "UNMEASURED", "SECRETS", "CPUID" };

	return t < 7 ? n[t] : "?";
}

/* The /dev/sev fd of a command: one of the fake's, still open. */
static bool sev_fd_ok(struct fake *f, uint32_t fd)
{
	struct fake_fd *d = fake_fd_of(f, (int)fd);

	return d && d->kind == FK_SEV && fcntl((int)fd, F_GETFD) >= 0;
}

static int init2(struct fake *f, struct fake_vm *vm, struct snp_state *s,
		 const struct kvm_sev_init *in)
{
	fake_trace(f, "vm ENCRYPT_OP INIT2 features=0x%llx ghcb=%u",
		   (unsigned long long)in->vmsa_features, in->ghcb_version);
	if (s->init2 || vm->nvcpus) { /* sev.c:516-517 */
		fake_violation(f, "INIT2", "%s", s->init2 ? "twice"
							  : "after vCPUs");
		return EINVAL;
	}
	/* SNP_ACTIVE (bit 0) is KVM's to add; the rest must be offered. */
	if (in->flags || (in->vmsa_features & ~f->host.vmsa_features) ||
	    (in->vmsa_features & 1) ||
	    (in->ghcb_version && in->ghcb_version != 2)) {
		fake_violation(f, "INIT2", "features, flags or GHCB version "
			       "refused");
		return EINVAL;
	}
	s->init2 = true;
	return 0;
}

static int launch_start(struct fake *f, struct snp_state *s,
			const struct kvm_sev_cmd *cmd,
			const struct kvm_sev_snp_launch_start *in)
{
	char who[16];

	fake_fd_name(f, (int)cmd->sev_fd, who, sizeof(who));
	fake_trace(f, "vm ENCRYPT_OP SNP_LAUNCH_START policy=0x%llx sev_fd=%s",
		   (unsigned long long)in->policy, who);
	if (!s->init2 || s->started) {
		fake_violation(f, "SNP_LAUNCH_START", "%s", s->started
				       ? "twice" : "before INIT2");
		return EINVAL;
	}
	/* sev.c:2306-2318 */
	if (!(in->policy & (1ULL << 17)) ||
	    (in->policy & ~f->host.snp_policy_bits) || in->flags) {
		fake_violation(f, "SNP_LAUNCH_START", "policy 0x%llx refused",
			       (unsigned long long)in->policy);
		return EINVAL;
	}
	if (!sev_fd_ok(f, cmd->sev_fd)) {
		fake_violation(f, "SNP_LAUNCH_START", "sev_fd is not /dev/sev");
		return EBADF;
	}
	s->started = true;
	s->sev_fd = (int)cmd->sev_fd;
	return 0;
}

/* After LAUNCH_START: the stored /dev/sev fd is used again (sev.c:663). */
static int later_command(struct fake *f, struct snp_state *s,
			 const struct kvm_sev_cmd *cmd, const char *what)
{
	if (!s->started || s->finished) {
		fake_violation(f, what, "%s", s->finished
				       ? "after SNP_LAUNCH_FINISH"
				       : "before SNP_LAUNCH_START");
		return EINVAL;
	}
	if ((int)cmd->sev_fd != s->sev_fd || !sev_fd_ok(f, cmd->sev_fd)) {
		fake_violation(f, what, "not the open /dev/sev fd of "
			       "SNP_LAUNCH_START");
		return EBADF;
	}
	return 0;
}

/* sev.c:2446-2495, guest_memfd.c:805-899: checked page by page. */
static int update_pages(struct fake *f, struct fake_vm *vm,
			struct snp_state *s,
			struct kvm_sev_snp_launch_update *u, uint64_t max)
{
	const struct fake_slot *slot = fake_slot_of(vm, u->gfn_start << 12,
						    4096);
	uint64_t done = 0;

	if (!slot || !slot->gmem) {
		fake_violation(f, "SNP_LAUNCH_UPDATE", "gfn 0x%llx is not in a "
			       "guest_memfd slot",
			       (unsigned long long)u->gfn_start);
		return EINVAL;
	}
	while (u->len && done < max) {
		uint64_t gfn = u->gfn_start;

		/* KVM stops at the slot's end; the caller calls again. */
		if ((gfn << 12) - slot->gpa >= slot->size)
			break;
		if (!fake_is_private(vm, gfn << 12, 4096)) {
			fake_violation(f, "SNP_LAUNCH_UPDATE", "gfn 0x%llx is "
				       "not PRIVATE", (unsigned long long)gfn);
			return EIO;
		}
		if (rangeset_contains(&s->launched, gfn, gfn + 1)) {
			fake_violation(f, "SNP_LAUNCH_UPDATE", "gfn 0x%llx "
				       "launched twice",
				       (unsigned long long)gfn);
			return EIO;
		}
		if (rangeset_add(&s->launched, gfn, gfn + 1))
			return ENOMEM;
		u->gfn_start++;
		u->len -= 4096;
		if (u->type != KVM_SEV_SNP_PAGE_TYPE_ZERO)
			u->uaddr += 4096;
		done++;
	}
	return 0;
}

static int launch_update(struct fake *f, struct fake_vm *vm,
			 struct snp_state *s, struct kvm_sev_cmd *cmd,
			 struct kvm_sev_snp_launch_update *u)
{
	const struct fake_answer *a;
	char where[48], name[48];
	int ret;

	fake_addr(f, vm, u->uaddr, where, sizeof(where));
	fake_trace(f, "vm ENCRYPT_OP SNP_LAUNCH_UPDATE gfn=0x%llx uaddr=%s "
		      "len=0x%llx type=%s", (unsigned long long)u->gfn_start,
		   where, (unsigned long long)u->len, page_type(u->type));
	ret = later_command(f, s, cmd, "SNP_LAUNCH_UPDATE");
	if (ret)
		return ret;
	if (!u->len || u->len & 4095 || u->uaddr & 4095 || u->flags ||
	    u->type < KVM_SEV_SNP_PAGE_TYPE_NORMAL ||
	    u->type > KVM_SEV_SNP_PAGE_TYPE_CPUID ||
	    u->type == 2 /* VMSA: KVM's own, at FINISH */) {
		fake_violation(f, "SNP_LAUNCH_UPDATE", "len, uaddr, flags or "
			       "type refused");
		return EINVAL;
	}
	/* An answer for this page type ("SNP_LAUNCH_UPDATE CPUID") first. */
	snprintf(name, sizeof(name), "SNP_LAUNCH_UPDATE %s", page_type(u->type));
	a = fake_take(f, name);
	if (!a)
		a = fake_take(f, "SNP_LAUNCH_UPDATE");
	ret = update_pages(f, vm, s, u, a && (a->progress || a->err)
					      ? a->progress : UINT64_MAX);
	if (ret || !a)
		return ret;
	cmd->error = a->fw_error;
	if (a->fill)
		a->fill(f, u);
	return a->err;
}

static int launch_finish(struct fake *f, struct fake_vm *vm,
			 struct snp_state *s, const struct kvm_sev_cmd *cmd,
			 const struct kvm_sev_snp_launch_finish *in)
{
	int ret;

	fake_trace(f, "vm ENCRYPT_OP SNP_LAUNCH_FINISH id_block=%u "
		      "auth_key=%u", in->id_block_en, in->auth_key_en);
	ret = later_command(f, s, cmd, "SNP_LAUNCH_FINISH");
	if (ret)
		return ret;
	if (in->flags || !vm->nvcpus) { /* sev.c:2575-2649 */
		fake_violation(f, "SNP_LAUNCH_FINISH", "flags set or no vCPU");
		return EINVAL;
	}
	s->finished = true;
	return 0;
}

static int snp_encrypt_op(struct fake *f, const struct fake_call *c)
{
	struct kvm_sev_cmd *cmd = (void *)c->arg;
	struct snp_state *s = c->vm->plat_state;
	void *data = (void *)(uintptr_t)cmd->data;

	if (c->fd->kind != FK_VM) {
		fake_violation(f, "ENCRYPT_OP", "SEV commands go to the VM fd");
		return ENOTTY;
	}
	switch (cmd->id) {
	case KVM_SEV_INIT2:
		return init2(f, c->vm, s, data);
	case KVM_SEV_SNP_LAUNCH_START:
		return launch_start(f, s, cmd, data);
	case KVM_SEV_SNP_LAUNCH_UPDATE:
		return launch_update(f, c->vm, s, cmd, data);
	case KVM_SEV_SNP_LAUNCH_FINISH:
		return launch_finish(f, c->vm, s, cmd, data);
	default: /* legacy ids: -EPERM on an SNP VM (sev.c:2682-2687) */
		fake_trace(f, "vm ENCRYPT_OP id=%u", cmd->id);
		fake_violation(f, "ENCRYPT_OP", "id %u on an SNP VM", cmd->id);
		return cmd->id < 100 ? EPERM : EINVAL;
	}
}

const struct fake_platform fake_sev_snp = {
	.name = "sev-snp",
	.vm_type = KVM_X86_SNP_VM,
	.init = snp_init,
	.fini = snp_fini,
	.check = snp_check,
	.encrypt_op = snp_encrypt_op,
};
