// SPDX-License-Identifier: MIT
/*
 * The sev-snp platform against the fake KVM: whole builds compared with
 * golden traces (no kernel rule broken), each awkward answer KVM can give
 * during the launch, the fake's SNP rules themselves (each wrong order is
 * refused), the launch plan, the CPUID page and the SEV_TERM exit.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../platform/platform.h"
#include "../../platform/snp_cpuid.h"
#include "../../platform/snp_plan.h"
#include "../../vmm/caps.h"
#include "../../vmm/exit.h"
#include "../common/fwgen.h"
#include "../fakekvm/fakekvm.h"
#include "fakevm.h"
#include "suites.h"

static char fw_path[64];

/* An OVMF-like image with SEV metadata for pages in the first 64 MiB. */
static const char *firmware(void)
{
	struct fwgen g = { .size = 64 * 4096, .table = true, .sev = true,
			   .nsec = 3,
			   .sec = { { 0x800000, 0x3000, 1 },
				    { 0x803000, 0x1000, 2 },
				    { 0x804000, 0x1000, 3 } } };
	uint8_t *img = fwgen_build(&g, NULL);
	FILE *f;
	int fd;

	snprintf(fw_path, sizeof(fw_path), "/tmp/cvmm-fw-XXXXXX");
	fd = mkstemp(fw_path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "wb");
	ck_assert_uint_eq(fwrite(img, 1, g.size, f), g.size);
	fclose(f);
	free(img);
	return fw_path;
}

static void cleanup(void)
{
	if (fw_path[0])
		unlink(fw_path);
	fw_path[0] = 0;
	fakevm_cleanup();
}

/* Build a sev-snp VM under f; returns vm_build's status. */
static int build(struct fake *f, unsigned int cpus, bool with_firmware)
{
	struct vm_config *c = malloc(sizeof(*c));
	int ret;

	fakevm_config(c, "sev-snp", cpus);
	if (with_firmware)
		c->firmware = firmware();
	ret = fakevm_build(f, c);
	free(c);
	return ret;
}

static void no_violation(const struct fake *f)
{
	ck_assert_msg(f->violations == 0, "a kernel rule broke: %s\n%s",
		      f->first_violation, f->trace);
}

static unsigned int count(const char *trace, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = trace; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

START_TEST(golden_kernel)
{
	struct fake *f = fake_install();

	ck_assert_int_eq(build(f, 1, false), 0);
	no_violation(f);
	ck_assert(fake_check_golden(f, "sev-snp-kernel-1cpu"));
	/* No TSS area (Linux 7.3's SVM ignores it); the PIT stays: KVM
	 * serves an SNP guest's port I/O (GHCB IOIO exits) from it. */
	ck_assert_ptr_null(strstr(f->trace, "TSS"));
	ck_assert_ptr_nonnull(strstr(f->trace, "vm CREATE_PIT2"));
	fake_remove(f);
	cleanup();
}
END_TEST

START_TEST(golden_firmware)
{
	struct fake *f = fake_install();

	ck_assert_int_eq(build(f, 2, true), 0);
	no_violation(f);
	ck_assert(fake_check_golden(f, "sev-snp-firmware-2cpu"));
	/* Firmware: the vCPUs start at the reset vector, no registers set. */
	ck_assert_uint_eq(count(f->trace, "SET_REGS"), 0);
	fake_remove(f);
	cleanup();
}
END_TEST

/* KVM stops after one page (a memslot end): cvmm calls again. */
START_TEST(partial_progress)
{
	struct fake *f = fake_install();
	unsigned int plain;

	ck_assert_int_eq(build(f, 1, false), 0);
	plain = count(f->trace, "SNP_LAUNCH_UPDATE");
	fake_remove(f);
	f = fake_install();
	fake_script(f, (struct fake_answer){ .call = "SNP_LAUNCH_UPDATE",
					     .progress = 1 });
	fake_script(f, (struct fake_answer){ .call = "SNP_LAUNCH_UPDATE",
					     .progress = 1 });
	ck_assert_int_eq(build(f, 1, false), 0);
	no_violation(f);
	ck_assert_uint_eq(count(f->trace, "SNP_LAUNCH_UPDATE"), plain + 2);
	fake_remove(f);
	cleanup();
}
END_TEST

/* -EAGAIN (with and without progress) means: call again. */
START_TEST(eagain_retried)
{
	struct fake *f = fake_install();

	fake_script(f, (struct fake_answer){ .call = "SNP_LAUNCH_UPDATE",
					     .err = EAGAIN });
	fake_script(f, (struct fake_answer){ .call = "SNP_LAUNCH_UPDATE",
					     .err = EAGAIN, .progress = 1 });
	ck_assert_int_eq(build(f, 1, false), 0);
	no_violation(f);
	ck_assert_uint_eq(count(f->trace, "-> EAGAIN"), 2);
	ck_assert_ptr_nonnull(strstr(f->trace, "SNP_LAUNCH_FINISH"));
	fake_remove(f);
	cleanup();
}
END_TEST

/* The firmware corrects the CPUID page: KVM writes its version back. */
static void correct_cpuid(struct fake *f, void *arg)
{
	struct kvm_sev_snp_launch_update *u = arg;
	struct snp_cpuid_page *page = (void *)(uintptr_t)u->uaddr;

	(void)f;
	page->e[0].ebx ^= 0x10;
}

static void cpuid_answer(struct fake *f)
{
	fake_script(f, (struct fake_answer){ .call = "SNP_LAUNCH_UPDATE CPUID",
					     .err = EIO, .fw_error = 0x16,
					     .fill = correct_cpuid });
}

START_TEST(cpuid_correction_retried_once)
{
	struct fake *f = fake_install();

	cpuid_answer(f);
	ck_assert_int_eq(build(f, 1, true), 0);
	no_violation(f);
	ck_assert_uint_eq(count(f->trace, "type=CPUID"), 2);
	fake_remove(f);
	/* A second refusal is not corrected again: the launch fails. */
	f = fake_install();
	cpuid_answer(f);
	cpuid_answer(f);
	ck_assert_int_ne(build(f, 1, true), 0);
	no_violation(f);
	ck_assert_ptr_null(strstr(f->trace, "SNP_LAUNCH_FINISH"));
	fake_remove(f);
	cleanup();
}
END_TEST

/* Any other failure ends the launch, before LAUNCH_FINISH and KVM_RUN. */
START_TEST(firmware_error_fails)
{
	struct fake *f = fake_install();

	fake_script(f, (struct fake_answer){ .call = "SNP_LAUNCH_UPDATE",
					     .err = EIO, .fw_error = 0x16 });
	ck_assert_int_ne(build(f, 1, false), 0);
	no_violation(f);
	ck_assert_ptr_null(strstr(f->trace, "SNP_LAUNCH_FINISH"));
	fake_remove(f);
	cleanup();
}
END_TEST

/* Hosts without SNP: one reason, nothing created. */
START_TEST(host_lacks_snp)
{
	struct fake *f = fake_install();

	f->host.dev_sev = false;
	ck_assert_int_eq(build(f, 1, false), 1);
	ck_assert_ptr_null(strstr(f->trace, "CREATE_VM"));
	fake_remove(f);
	f = fake_install();
	f->host.vm_types = 3;
	ck_assert_int_eq(build(f, 1, false), 1);
	ck_assert_ptr_null(strstr(f->trace, "CREATE_VM"));
	fake_remove(f);
	/* KVM's policy mask lacks SMT (bit 16): the default is refused. */
	f = fake_install();
	f->host.snp_policy_bits &= ~(1ULL << 16);
	ck_assert_int_ne(build(f, 1, false), 0);
	no_violation(f);
	ck_assert_ptr_null(strstr(f->trace, "SNP_LAUNCH_START"));
	fake_remove(f);
	cleanup();
}
END_TEST

/* The fake's SNP rules: each wrong order is refused as the kernel does. */
struct snp_vm {
	int sys, vm, sev, cpu;
};

static int op(int vm, int sev, uint32_t id, void *data)
{
	struct kvm_sev_cmd cmd = { .id = id, .data = (uint64_t)(uintptr_t)data,
				   .sev_fd = (uint32_t)sev };

	return kvm_ioctl_raw(vm, KVM_MEMORY_ENCRYPT_OP, (unsigned long)&cmd);
}

static struct snp_vm open_snp(void)
{
	struct snp_vm v;

	v.sys = kvm_open_system();
	v.vm = kvm_ioctl_raw(v.sys, KVM_CREATE_VM, KVM_X86_SNP_VM);
	v.sev = kvm_open_dev("/dev/sev");
	v.cpu = -1;
	ck_assert_int_ge(v.vm, 0);
	ck_assert_int_ge(v.sev, 0);
	return v;
}

START_TEST(rules_enforced)
{
	struct fake *f = fake_install();
	struct snp_vm v = open_snp();
	struct kvm_sev_init init = { 0 };
	struct kvm_sev_snp_launch_start start = { .policy = 0x10000 };
	struct kvm_sev_snp_launch_update u = { .gfn_start = 0, .len = 4096,
					       .type = 1 };
	struct kvm_sev_snp_launch_finish fin = { 0 };
	struct kvm_regs regs = { 0 };
	static uint8_t page[8192] __attribute__((aligned(4096)));
	int gmem;

	/* LAUNCH_START before INIT2; then without policy bit 17. */
	start.policy = 0x30000;
	ck_assert_int_eq(op(v.vm, v.sev, KVM_SEV_SNP_LAUNCH_START, &start),
			 -EINVAL);
	ck_assert_int_eq(op(v.vm, v.sev, KVM_SEV_INIT2, &init), 0);
	start.policy = 0x10000;
	ck_assert_int_eq(op(v.vm, v.sev, KVM_SEV_SNP_LAUNCH_START, &start),
			 -EINVAL);
	start.policy = 0x30000;
	/* A /dev/kvm fd is not /dev/sev. */
	ck_assert_int_eq(op(v.vm, v.sys, KVM_SEV_SNP_LAUNCH_START, &start),
			 -EBADF);
	ck_assert_int_eq(op(v.vm, v.sev, KVM_SEV_SNP_LAUNCH_START, &start), 0);
	/* A page with no guest_memfd slot, then one that is not PRIVATE. */
	u.uaddr = (uint64_t)(uintptr_t)page;
	ck_assert_int_eq(op(v.vm, v.sev, KVM_SEV_SNP_LAUNCH_UPDATE, &u),
			 -EINVAL);
	gmem = kvm_create_guest_memfd(v.vm, 1 << 20, 0);
	ck_assert_int_eq(kvm_set_memslot(v.vm, 0, 0, 1 << 20, page, gmem), 0);
	ck_assert_int_eq(op(v.vm, v.sev, KVM_SEV_SNP_LAUNCH_UPDATE, &u), -EIO);
	ck_assert_int_eq(kvm_set_private(v.vm, 0, 1 << 20, true), 0);
	/* Another fd than LAUNCH_START's. */
	ck_assert_int_eq(op(v.vm, v.sys, KVM_SEV_SNP_LAUNCH_UPDATE, &u),
			 -EBADF);
	ck_assert_int_eq(op(v.vm, v.sev, KVM_SEV_SNP_LAUNCH_UPDATE, &u), 0);
	/* The same page twice. */
	u = (struct kvm_sev_snp_launch_update){ .gfn_start = 0, .len = 4096,
		.type = 1, .uaddr = (uint64_t)(uintptr_t)page };
	ck_assert_int_eq(op(v.vm, v.sev, KVM_SEV_SNP_LAUNCH_UPDATE, &u), -EIO);
	/* INIT2 after a vCPU; FINISH, then registers and updates. */
	v.cpu = kvm_ioctl_raw(v.vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_eq(op(v.vm, v.sev, KVM_SEV_INIT2, &init), -EINVAL);
	ck_assert_int_eq(kvm_ioctl_raw(v.cpu, KVM_RUN, 0), -EINVAL);
	ck_assert_int_eq(op(v.vm, v.sev, KVM_SEV_SNP_LAUNCH_FINISH, &fin), 0);
	ck_assert_int_eq(kvm_ioctl_raw(v.cpu, KVM_SET_REGS,
				       (unsigned long)&regs), -EINVAL);
	u.gfn_start = 1;
	ck_assert_int_eq(op(v.vm, v.sev, KVM_SEV_SNP_LAUNCH_UPDATE, &u),
			 -EINVAL);
	/* Legacy SEV commands on an SNP VM. */
	ck_assert_int_eq(op(v.vm, v.sev, 2, NULL), -EPERM);
	ck_assert_uint_eq(f->violations, 12);
	close(gmem);
	close(v.cpu);
	close(v.sev);
	close(v.vm);
	close(v.sys);
	fake_remove(f);
}
END_TEST

/* The plan: whole pages, shared pages once, one run per type change. */
START_TEST(plan_pages)
{
	static const uint8_t a[100], b[5000];
	struct launch_list l = { 0 };
	struct snp_plan p;
	char err[128];

	ck_assert_int_eq(launch_add(&l, 0x1000, a, 100, LAUNCH_KERNEL, "a"), 0);
	ck_assert_int_eq(launch_add(&l, 0x1100, b, 5000, LAUNCH_BOOT_DATA,
				    "b"), 0);
	ck_assert_int_eq(launch_add(&l, 0x3000, NULL, 0x2000, LAUNCH_ZERO,
				    "z"), 0);
	ck_assert_int_eq(snp_plan_build(&l, &p, err, sizeof(err)), 0);
	ck_assert_uint_eq(p.n, 2);
	ck_assert_uint_eq(p.run[0].gpa, 0x1000);
	ck_assert_uint_eq(p.run[0].npages, 2);
	ck_assert_uint_eq(p.run[1].gpa, 0x3000);
	ck_assert_uint_eq(p.run[1].npages, 2);
	ck_assert_uint_eq(p.run[1].type, KVM_SEV_SNP_PAGE_TYPE_ZERO);
	/* A zero page sharing a page with data cannot be both. */
	ck_assert_int_eq(launch_add(&l, 0x2800, NULL, 0x100, LAUNCH_SECRETS,
				    "s"), 0);
	ck_assert_int_eq(snp_plan_build(&l, &p, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "shares page 0x2000"));
}
END_TEST

START_TEST(cpuid_page)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 65 * sizeof(c->entries[0]));
	struct snp_cpuid_page page;

	c->nent = 3;
	c->entries[0] = (struct kvm_cpuid_entry2){ .function = 1,
						   .ecx = 1u << 24 | 1 };
	c->entries[1] = (struct kvm_cpuid_entry2){
		.function = 0xd, .index = 1, .ebx = 0x999,
		.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX };
	c->entries[2] = (struct kvm_cpuid_entry2){ .function = 0x80000008,
						   .ebx = 1u << 25 | 2 };
	ck_assert_int_eq(snp_cpuid_page(c, &page), 0);
	ck_assert_uint_eq(page.count, 3);
	ck_assert_uint_eq(page.e[0].ecx, 1); /* TSC-deadline cleared */
	ck_assert_uint_eq(page.e[1].ecx_in, 1);
	ck_assert_uint_eq(page.e[1].xcr0_in, 1);
	ck_assert_uint_eq(page.e[1].ebx, 0x240);
	ck_assert_uint_eq(page.e[2].ebx, 2); /* VIRT_SSBD cleared */
	c->nent = 65;
	ck_assert_int_eq(snp_cpuid_page(c, &page), -E2BIG);
	free(c);
}
END_TEST

/* SEV_TERM ends the run as a guest crash; a conversion never says busy. */
START_TEST(sev_term_exit)
{
	struct kvm_run *run = calloc(1, 8192);
	struct exit_env env = { .plat = &platform_sev_snp, .run_size = 8192 };
	struct exit_outcome out;

	ck_assert_int_eq(platform_sev_snp.busy, BUSY_WAIT);
	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	run->system_event.type = KVM_SYSTEM_EVENT_SEV_TERM;
	run->system_event.ndata = 1;
	run->system_event.data[0] = 0x5000;
	ck_assert_int_eq(exit_handle(&env, run, 0, 0, &out), EXIT_STOP_GUEST);
	ck_assert_int_eq(out.status, 2);
	/* Other system events are the generic code's. */
	run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	ck_assert_int_eq(exit_handle(&env, run, 0, 0, &out), EXIT_STOP_GUEST);
	ck_assert_int_eq(out.status, 0);
	free(run);
}
END_TEST

/* cvmm caps names what the host has and lacks for sev-snp. */
START_TEST(caps_rows)
{
	struct fake *f = fake_install();
	char *out;

	f->host.dev_sev = false;
	out = fakevm_caps();
	ck_assert_ptr_nonnull(strstr(out, "cvmm platform sev-snp"));
	ck_assert_ptr_nonnull(strstr(out, "lacks SEV in KVM"));
	ck_assert_ptr_nonnull(strstr(out, "sev-snp: /dev/sev"));
	ck_assert_ptr_nonnull(strstr(out, "cannot open /dev/sev"));
	ck_assert_ptr_nonnull(strstr(out, "sev-snp: kvm_amd sev_snp"));
	free(out);
	fake_remove(f);
}
END_TEST

/* The kvm_amd parameters are read through the KVM seam (the fake's). */
START_TEST(caps_kvm_amd_params)
{
	struct fake *f = fake_install();
	char *t = fakevm_caps();

	ck_assert_msg(fakevm_caps_row(t, "  sev-snp: kvm_amd sev", "yes", "= Y"), "%s", t);
	ck_assert_msg(fakevm_caps_row(t, "  sev-snp: kvm_amd sev_snp", "yes", "= Y"), "%s",
		      t);
	free(t);
	fake_set_param(f, "kvm_amd", "sev_snp", "N");
	fake_set_param(f, "kvm_amd", "sev_es", "1");
	t = fakevm_caps();
	ck_assert_msg(fakevm_caps_row(t, "  sev-snp: kvm_amd sev_es", "yes", "= 1"), "%s",
		      t);
	ck_assert_msg(fakevm_caps_row(t, "  sev-snp: kvm_amd sev_snp", "no", "= N"), "%s", t);
	free(t);
	fake_set_param(f, "kvm_amd", "sev", NULL);
	t = fakevm_caps();
	ck_assert_msg(fakevm_caps_row(t, "  sev-snp: kvm_amd sev", "no",
			      "kvm_amd is not loaded"), "%s", t);
	free(t);
	fake_remove(f);
}
END_TEST

Suite *sev_snp_suite(void)
{
	Suite *s = suite_create("sev-snp");
	TCase *tc = tcase_create("launch");

	tcase_add_test(tc, golden_kernel);
	tcase_add_test(tc, golden_firmware);
	tcase_add_test(tc, partial_progress);
	tcase_add_test(tc, eagain_retried);
	tcase_add_test(tc, cpuid_correction_retried_once);
	tcase_add_test(tc, firmware_error_fails);
	tcase_add_test(tc, host_lacks_snp);
	tcase_add_test(tc, rules_enforced);
	tcase_add_test(tc, plan_pages);
	tcase_add_test(tc, cpuid_page);
	tcase_add_test(tc, sev_term_exit);
	tcase_add_test(tc, caps_rows);
	tcase_add_test(tc, caps_kvm_amd_params);
	suite_add_tcase(s, tc);
	return s;
}
