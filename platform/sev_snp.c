// SPDX-License-Identifier: MIT
/*
 * sev-snp: AMD SEV-SNP on Linux 7.3 KVM (VM type KVM_X86_SNP_VM), the
 * launch flow of ../shared/SNP-TDX.md (b):
 *
 *   vm_init:  /dev/sev opened and kept for the VM's life (KVM stores its
 *             number at LAUNCH_START and uses it again at FINISH and for
 *             the guest's attestation requests), hypercall exits on (every
 *             page-state change of the guest comes as MAP_GPA_RANGE),
 *             KVM_SEV_INIT2 (before any vCPU), SNP_LAUNCH_START (policy).
 *   memory:   RAM starts private (each slot set PRIVATE at creation).
 *   launch:   each launch-list item is staged in the shared backing at its
 *             GPA, where KVM copies it from.
 *   finalize: after the vCPUs (and their registers) exist: the CPUID page
 *             from vCPU 0's CPUID; then for each run of the launch plan
 *             (platform/snp_plan.c) PRIVATE + SNP_LAUNCH_UPDATE, repeated
 *             until KVM has done every page; then SNP_LAUNCH_FINISH, which
 *             measures each vCPU's state. Registers are sealed from here.
 *
 * A conversion that is busy with host I/O waits instead of answering
 * EAGAIN (an SNP guest terminates on any error), and the guest's SEV_TERM
 * request ends the run with a line saying so.
 */
#if defined(__x86_64__)
#include "platform.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/kvm.h"
#include "../lib/log.h"
#include "snp_cpuid.h"
#include "snp_measure.h"
#include "snp_plan.h"

#define SEV_RET_INVALID_PARAM 0x16 /* SEV firmware status */
#define MAX_NO_PROGRESS 1000	   /* EAGAINs in a row before giving up */
#define SNP_POLICY_BITS_FALLBACK 0 /* when KVM does not say: refuse none */

struct snp {
	int sev_fd;
	struct launch_list items; /* what launch() staged, in order */
};

static int sev_attr(int sys_fd, uint64_t attr, uint64_t *val)
{
	struct kvm_device_attr a = { .group = KVM_X86_GRP_SEV, .attr = attr,
				     .addr = (uint64_t)(uintptr_t)val };

	return kvm_ioctl_raw(sys_fd, KVM_GET_DEVICE_ATTR, (unsigned long)&a);
}

static int snp_probe(int sys_fd, const char **missing)
{
	uint64_t features;
	int fd;

	if (sev_attr(sys_fd, KVM_X86_SEV_VMSA_FEATURES, &features)) {
		*missing = "SEV in KVM (kvm_amd with sev=1, sev_es=1, "
			   "sev_snp=1: KVM_X86_GRP_SEV attributes)";
		return -ENOTSUP;
	}
	fd = kvm_open_dev("/dev/sev");
	if (fd < 0) {
		*missing = "/dev/sev (the SEV firmware device: the ccp module, "
			   "and root or its group)";
		return -ENOTSUP;
	}
	close(fd);
	return 0;
}

/* "Y", "N", a number, or NULL when kvm_amd is not loaded. */
static const char *kvm_amd_param(const char *name, char *buf, size_t len)
{
	return kvm_module_param("kvm_amd", name, buf, len) < 0 ? NULL : buf;
}

static void snp_caps(int sys_fd, plat_caps_row row, void *ctx)
{
	static const char *const params[] = { "sev", "sev_es", "sev_snp" };
	char label[64], detail[96], val[16];
	uint64_t v;
	int fd = kvm_open_dev("/dev/sev");

	row(ctx, "  sev-snp: /dev/sev", fd >= 0,
	    fd >= 0 ? "the SEV firmware device (ccp)"
		    : "cannot open /dev/sev (no ccp, or not root)");
	if (fd >= 0)
		close(fd);
	row(ctx, "  sev-snp: SEV in KVM",
	    !sev_attr(sys_fd, KVM_X86_SEV_VMSA_FEATURES, &v),
	    "KVM_X86_GRP_SEV attributes on /dev/kvm");
	for (unsigned int i = 0; i < 3; i++) {
		const char *p = kvm_amd_param(params[i], val, sizeof(val));

		snprintf(label, sizeof(label), "  sev-snp: kvm_amd %s",
			 params[i]);
		snprintf(detail, sizeof(detail), "%s%s", p ? "= " : "",
			 p ? p : "kvm_amd is not loaded");
		row(ctx, label, p && (p[0] == 'Y' || p[0] == '1'), detail);
	}
}

static int sev_cmd(struct plat_vm *vm, uint32_t id, void *data,
		   const char *what)
{
	struct snp *s = vm->state;
	struct kvm_sev_cmd cmd = { .id = id,
				   .data = (uint64_t)(uintptr_t)data,
				   .sev_fd = (uint32_t)s->sev_fd };
	int ret = kvm_ioctl_raw(vm->vm_fd, KVM_MEMORY_ENCRYPT_OP,
				(unsigned long)&cmd);

	if (ret) {
		errno = -ret;
		log_err_errno("%s (SEV firmware error 0x%x)", what, cmd.error);
	}
	return ret;
}

static int check_policy(struct plat_vm *vm)
{
	uint64_t bits = SNP_POLICY_BITS_FALLBACK;

	/* KVM names the policy bits it accepts (Linux 6.16 on). */
	if (sev_attr(vm->sys_fd, KVM_X86_SNP_POLICY_BITS, &bits) || !bits)
		return 0;
	if (vm->policy & ~bits) {
		log_err("--snp-policy 0x%llx: this host's KVM accepts only the "
			"policy bits 0x%llx", (unsigned long long)vm->policy,
			(unsigned long long)bits);
		return -EINVAL;
	}
	return 0;
}

static int snp_vm_init(struct plat_vm *vm)
{
	struct kvm_enable_cap hc = { .cap = KVM_CAP_EXIT_HYPERCALL,
				     .args[0] = 1ULL << KVM_HC_MAP_GPA_RANGE };
	struct kvm_sev_init init = { 0 }; /* KVM adds SNP_ACTIVE itself */
	struct kvm_sev_snp_launch_start start = { .policy = vm->policy };
	struct snp *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->sev_fd = -1;
	vm->state = s;
	ret = check_policy(vm);
	if (ret)
		return ret;
	s->sev_fd = kvm_open_dev("/dev/sev");
	if (s->sev_fd < 0) {
		errno = -s->sev_fd;
		log_err_errno("/dev/sev");
		return s->sev_fd;
	}
	ret = kvm_ioctl_ptr(vm->vm_fd, KVM_ENABLE_CAP, &hc);
	if (!ret)
		ret = sev_cmd(vm, KVM_SEV_INIT2, &init, "KVM_SEV_INIT2");
	if (!ret)
		ret = sev_cmd(vm, KVM_SEV_SNP_LAUNCH_START, &start,
			      "SNP_LAUNCH_START");
	return ret;
}

/* Stage the bytes where KVM will copy them from; remember the item. */
static int snp_launch(struct plat_vm *vm, const struct launch_item *it)
{
	struct snp *s = vm->state;
	int ret = it->data ? mem_launch_write(vm->mem, gpa(it->gpa), it->data,
					      it->len)
			   : 0;

	return ret ? ret : launch_add(&s->items, it->gpa, it->data, it->len,
				      it->kind, it->what);
}

/*
 * KVM has copied [g, g+len) into private memory: the staged copy in the
 * shared backing is stale, and a page must not be held twice. Freeing it
 * is an optimisation: a failure is only logged.
 */
static void drop_staged(struct plat_vm *vm, uint64_t g, uint64_t len)
{
	int err = mem_launch_discard(vm->mem, gpa(g), len);

	if (err)
		log_warn("freeing the staged launch copy at 0x%llx: %s",
			 (unsigned long long)g, strerror(-err));
}

/* vCPU 0's CPUID, as the page the firmware checks, at gpa. */
static int write_cpuid_page(struct plat_vm *vm, uint64_t g)
{
	unsigned int n = 256;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	struct snp_cpuid_page *page = calloc(1, SNP_PAGE);
	int ret = c && page ? 0 : -ENOMEM;

	if (!ret) {
		c->nent = n;
		ret = kvm_ioctl(vm->vcpu_fd[0], KVM_GET_CPUID2, c);
	}
	if (!ret && (ret = snp_cpuid_page(c, page)))
		log_err("vCPU 0 has %u CPUID entries, more than the %d of an "
			"SNP CPUID page", c->nent, SNP_CPUID_MAX);
	if (!ret)
		ret = mem_launch_write(vm->mem, gpa(g), page, SNP_PAGE);
	free(c);
	free(page);
	return ret;
}

/* The firmware refused the CPUID page and KVM wrote its corrected one. */
static bool take_correction(uint8_t *uaddr, const struct snp_cpuid_page *sent)
{
	unsigned int n = snp_cpuid_diff(sent, (const void *)uaddr);

	log_warn("the SEV firmware corrected %u CPUID entries of the CPUID "
		 "page; launching it with the firmware's values", n);
	return n != 0;
}

/* One LAUNCH_UPDATE range inside one memslot, repeated until done. */
static int update_range(struct plat_vm *vm, uint64_t g, uint64_t len,
			uint8_t type, uint8_t *uaddr)
{
	struct snp *s = vm->state;
	struct kvm_sev_snp_launch_update u = {
		.gfn_start = g / SNP_PAGE, .uaddr = (uint64_t)(uintptr_t)uaddr,
		.len = len, .type = type };
	struct kvm_sev_cmd cmd = { .id = KVM_SEV_SNP_LAUNCH_UPDATE,
				   .data = (uint64_t)(uintptr_t)&u,
				   .sev_fd = (uint32_t)s->sev_fd };
	struct snp_cpuid_page sent;
	unsigned int stalls = 0;
	bool corrected = false;

	if (type == KVM_SEV_SNP_PAGE_TYPE_CPUID)
		memcpy(&sent, uaddr, sizeof(sent));
	while (u.len) {
		uint64_t before = u.len;
		int ret = kvm_ioctl_raw(vm->vm_fd, KVM_MEMORY_ENCRYPT_OP,
					(unsigned long)&cmd);

		if (ret == -EIO && type == KVM_SEV_SNP_PAGE_TYPE_CPUID &&
		    cmd.error == SEV_RET_INVALID_PARAM && !corrected &&
		    take_correction(uaddr, &sent)) {
			corrected = true;
			continue;
		}
		if (ret && ret != -EAGAIN) {
			errno = -ret;
			log_err_errno("SNP_LAUNCH_UPDATE of gpa 0x%llx+0x%llx (%s, "
				      "SEV firmware error 0x%x)",
				      (unsigned long long)(u.gfn_start * SNP_PAGE),
				      (unsigned long long)u.len,
				      snp_page_type_name(type), cmd.error);
			return ret;
		}
		stalls = u.len < before ? 0 : stalls + 1;
		if (stalls > MAX_NO_PROGRESS) {
			log_err("SNP_LAUNCH_UPDATE at gpa 0x%llx made no progress "
				"in %d calls", (unsigned long long)(u.gfn_start *
								    SNP_PAGE),
				MAX_NO_PROGRESS);
			return -EAGAIN;
		}
	}
	return 0;
}

/* A run of the plan: PRIVATE, then LAUNCH_UPDATE per memslot it spans. */
static int launch_run(struct plat_vm *vm, const struct snp_run *r)
{
	uint64_t g = r->gpa, left = r->npages * SNP_PAGE;
	int ret = kvm_set_private(vm->vm_fd, r->gpa, left, true);

	while (!ret && left) {
		struct mem_slot *s = mem_find_slot(vm->mem, g, SNP_PAGE);
		uint64_t off = s ? g - s->gpa : 0, n;

		if (!s) {
			log_err("launch page 0x%llx is not guest RAM",
				(unsigned long long)g);
			return -EFAULT;
		}
		n = left < s->size - off ? left : s->size - off;
		ret = update_range(vm, g, n, r->type, s->kvm_map + off);
		if (!ret)
			drop_staged(vm, g, n);
		g += n;
		left -= n;
	}
	return ret;
}

static int snp_finalize(struct plat_vm *vm)
{
	struct kvm_sev_snp_launch_finish finish = { 0 };
	struct snp_plan *p = malloc(sizeof(*p));
	struct snp *s = vm->state;
	char err[200];
	int ret = p ? snp_plan_build(&s->items, p, err, sizeof(err)) : -ENOMEM;

	if (ret && p)
		log_err("SEV-SNP launch plan: %s", err);
	for (unsigned int i = 0; !ret && i < p->n; i++)
		if (p->run[i].type == KVM_SEV_SNP_PAGE_TYPE_CPUID)
			ret = write_cpuid_page(vm, p->run[i].gpa);
	for (unsigned int i = 0; !ret && i < p->n; i++)
		ret = launch_run(vm, &p->run[i]);
	free(p);
	return ret ? ret : sev_cmd(vm, KVM_SEV_SNP_LAUNCH_FINISH, &finish,
				   "SNP_LAUNCH_FINISH");
}

static void snp_destroy(struct plat_vm *vm)
{
	struct snp *s = vm->state;

	if (!s)
		return;
	if (s->sev_fd >= 0)
		close(s->sev_fd);
	free(s);
	vm->state = NULL;
}

/* The guest asked to be terminated (GHCB MSR protocol or VMGEXIT). */
static enum plat_exit snp_exit(struct plat_vm *vm, struct kvm_run *run,
			       int *status)
{
	(void)vm;
	if (run->exit_reason != KVM_EXIT_SYSTEM_EVENT ||
	    run->system_event.type != KVM_SYSTEM_EVENT_SEV_TERM)
		return PLAT_EXIT_NOT_MINE;
	log_err("the SEV-SNP guest asked to be terminated (SEV_TERM, GHCB at "
		"0x%llx)", run->system_event.ndata
				   ? (unsigned long long)run->system_event.data[0]
				   : 0ULL);
	*status = 2; /* a guest crash (see "Exit status") */
	return PLAT_EXIT_STOP;
}

static int snp_plan_firmware(const struct arch_firmware *fw,
			     struct launch_list *l, char *err, size_t errlen)
{
	static const enum launch_kind kind[] = {
		[FW_SEC_SNP_MEM] = LAUNCH_ZERO,
		[FW_SEC_SNP_SECRETS] = LAUNCH_SECRETS,
		[FW_SEC_SNP_CPUID] = LAUNCH_CPU_INFO,
		/* No measured direct boot: the hashes page stays zeros. */
		[FW_SEC_HASHES] = LAUNCH_ZERO,
	};
	int ret = 0;

	(void)err, (void)errlen; /* the resolver's message says it all */
	for (unsigned int i = 0; !ret && i < fw->nsev; i++)
		ret = launch_add(l, fw->sev[i].gpa, NULL, fw->sev[i].len,
				 kind[fw->sev[i].kind],
				 fw_section_name(fw->sev[i].kind));
	return ret;
}

const struct platform platform_sev_snp = {
	.name = "sev-snp",
	.summary = "KVM_X86_SNP_VM; pages encrypted and measured by the "
		   "SEV firmware, launched through SNP_LAUNCH_UPDATE",
	.vm_type = KVM_X86_SNP_VM,
	PLATFORM_HW_ISOLATED_FACTS,
	.irqchip = ARCH_IRQCHIP_KERNEL,
	.regs = REGS_BEFORE_FINALIZE,
	.busy = BUSY_WAIT,
	.uses_policy = true,
	.probe = snp_probe,
	.caps = snp_caps,
	.plan_firmware = snp_plan_firmware,
	.vm_init = snp_vm_init,
	.launch = snp_launch,
	.finalize = snp_finalize,
	.destroy = snp_destroy,
	.measure = snp_measure,
	.handle_exit = snp_exit,
};
#endif
