// SPDX-License-Identifier: MIT
/*
 * platform/tdx.c against the fake KVM (tests/fakekvm/fake_tdx.c, which
 * models Linux 7.3's TDX preconditions): the whole launch of a crafted
 * TDVF image (golden trace, no broken rule, the MRTD of what was really
 * added equal to cvmm's prediction), each awkward kernel answer, a host
 * without TDX, the fake's rules themselves, and TDX's exits and
 * conversion answers on synthetic kvm_run records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../mem/access.h"
#include "../../mem/launch.h"
#include "../../platform/tdx_plan.h"
#include "../../vmm/caps.h"
#include "../../vmm/config.h"
#include "../../vmm/exit.h"
#include "../common/tdvfgen.h"
#include "../fakekvm/fakekvm.h"
#include "fakevm.h"
#include "suites.h"

#define IMG (64 * 1024)

static char fw_path[64];

static void write_firmware(const uint8_t *img, size_t len)
{
	int fd;

	snprintf(fw_path, sizeof(fw_path), "/tmp/cvmm-tdvf-XXXXXX");
	fd = mkstemp(fw_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, img, len), (ssize_t)len);
	close(fd);
}

/* A TDX VM config on the default crafted image, cpus vCPUs. */
static struct vm_config *tdx_config(unsigned int cpus)
{
	struct vm_config *c = malloc(sizeof(*c));
	uint8_t *img = tdvfgen_default(IMG);

	write_firmware(img, IMG);
	free(img);
	fakevm_config(c, "tdx", cpus);
	c->kernel = NULL;
	c->firmware = fw_path;
	return c;
}

static void done(struct fake *f, struct vm_config *c)
{
	fake_remove(f);
	free(c);
	unlink(fw_path);
	fakevm_cleanup();
}

/* cvmm's expected MRTD for the default image, computed by the plan. */
static void predicted_mrtd(uint8_t out[TDX_MRTD_SIZE])
{
	uint8_t *img = tdvfgen_default(IMG);
	struct tdx_plan *p = malloc(sizeof(*p));
	struct launch_list *l = calloc(1, sizeof(*l));
	char err[256];

	ck_assert_int_eq(tdx_plan_build(p, img, IMG, err, sizeof(err)), 0);
	ck_assert_int_eq(launch_add(l, (1ULL << 32) - IMG, img, IMG,
				    LAUNCH_FIRMWARE, "firmware"), 0);
	ck_assert_int_eq(tdx_plan_items(p, img, l), 0);
	ck_assert_int_eq(tdx_plan_mrtd(p, l, out), 0);
	free(l);
	free(p);
	free(img);
}

/* Build, expect no broken rule and the MRTD cvmm predicted. */
static void build_ok(struct fake *f, const struct vm_config *c)
{
	uint8_t want[TDX_MRTD_SIZE];
	const uint8_t *got;

	ck_assert_int_eq(fakevm_build(f, c), 0);
	ck_assert_msg(f->violations == 0, "a TDX rule broke: %s",
		      f->first_violation);
	got = fake_tdx_mrtd(&f->vm[0]);
	ck_assert_ptr_nonnull(got);
	predicted_mrtd(want);
	ck_assert_mem_eq(got, want, TDX_MRTD_SIZE);
}

START_TEST(trace_tdx)
{
	struct vm_config *c = tdx_config(2);
	struct fake *f = fake_install();

	build_ok(f, c);
	ck_assert_msg(fake_check_golden(f, "tdx-2cpu"), "trace of tdx differs");
	/* Never a register ioctl, an in-kernel irqchip or a PIT; no TSS
	 * area either (Linux 7.3 ignores it for a TD). */
	ck_assert_ptr_null(strstr(f->trace, "REGS"));
	ck_assert_ptr_null(strstr(f->trace, "CREATE_IRQCHIP"));
	ck_assert_ptr_null(strstr(f->trace, "PIT"));
	ck_assert_ptr_null(strstr(f->trace, "TSS"));
	done(f, c);
}
END_TEST

/* A device's interrupt goes through an irqfd on a GSI the split irqchip
 * routes as an MSI (the fake refuses unrouted ones). */
START_TEST(device_interrupts_routed)
{
	struct vm_config *c = tdx_config(1);
	struct fake *f = fake_install();

	c->rng = true;
	build_ok(f, c);
	ck_assert_ptr_nonnull(strstr(f->trace, "vm IRQFD gsi=16\n"));
	done(f, c);
}
END_TEST

static unsigned int count(const char *trace, const char *what)
{
	unsigned int n = 0;

	for (const char *p = trace; (p = strstr(p, what)); p++)
		n++;
	return n;
}

/* E2BIG without a size, a busy RNG, contention: each retried. */
START_TEST(retried_answers)
{
	struct vm_config *c = tdx_config(1);
	struct fake *f = fake_install();

	fake_script(f, (struct fake_answer){ .call = "TDX_CAPABILITIES",
					     .err = E2BIG });
	fake_script(f, (struct fake_answer){ .call = "TDX_INIT_VM",
					     .err = EAGAIN });
	fake_script(f, (struct fake_answer){ .call = "TDX_FINALIZE_VM",
					     .err = EBUSY });
	build_ok(f, c);
	ck_assert_ptr_nonnull(strstr(f->trace, "TDX_CAPABILITIES nent=32\n"));
	ck_assert_ptr_nonnull(strstr(f->trace, "TDX_CAPABILITIES nent=64\n"));
	ck_assert_uint_eq(count(f->trace, "TDX_INIT_VM "), 2);
	ck_assert_uint_eq(count(f->trace, "TDX_FINALIZE_VM"), 2);
	done(f, c);
}
END_TEST

/* INIT_MEM_REGION stopped part way (EINTR, then EAGAIN) resumes where
 * KVM left off: every page added once, MRTD unchanged. */
START_TEST(mem_region_progress)
{
	struct vm_config *c = tdx_config(1);
	struct fake *f = fake_install();

	fake_script(f, (struct fake_answer){ .call = "TDX_INIT_MEM_REGION",
					     .err = EINTR, .progress = 5 });
	fake_script(f, (struct fake_answer){ .call = "TDX_INIT_MEM_REGION",
					     .err = EAGAIN, .progress = 0 });
	fake_script(f, (struct fake_answer){ .call = "TDX_INIT_MEM_REGION",
					     .err = EAGAIN, .progress = 7 });
	build_ok(f, c);
	ck_assert_ptr_nonnull(strstr(f->trace, "gpa=0xffff5000 pages=11 "));
	ck_assert_ptr_nonnull(strstr(f->trace, "gpa=0xffffc000 pages=4 "));
	done(f, c);
}
END_TEST

/* An INIT_MEM_REGION that never moves, or fails: one error, no hang. */
START_TEST(mem_region_gives_up)
{
	struct vm_config *c = tdx_config(1);
	struct fake *f = fake_install();

	for (int i = 0; i < 20; i++)
		fake_script(f, (struct fake_answer){
			.call = "TDX_INIT_MEM_REGION", .err = EAGAIN });
	ck_assert_int_eq(fakevm_build(f, c), 2);
	ck_assert_uint_eq(count(f->trace, "TDX_INIT_MEM_REGION"), 16);
	ck_assert_ptr_null(strstr(f->trace, "TDX_FINALIZE_VM"));
	fake_remove(f);
	f = fake_install();
	fake_script(f, (struct fake_answer){ .call = "TDX_INIT_MEM_REGION",
					     .err = EIO, .progress = 2 });
	ck_assert_int_eq(fakevm_build(f, c), 2);
	ck_assert_uint_eq(count(f->trace, "TDX_INIT_MEM_REGION"), 1);
	done(f, c);
}
END_TEST

/* A host without TDX: one refusal before any VM exists. */
START_TEST(host_without_tdx)
{
	struct vm_config *c = tdx_config(1);
	struct fake *f = fake_install();

	fake_set_param(f, "kvm_intel", "tdx", "N");
	ck_assert_int_eq(fakevm_build(f, c), 1);
	ck_assert_ptr_null(strstr(f->trace, "CREATE_VM"));
	fake_remove(f);
	f = fake_install();
	f->host.vm_types &= ~(1ULL << KVM_X86_TDX_VM);
	ck_assert_int_eq(fakevm_build(f, c), 1);
	ck_assert_ptr_null(strstr(f->trace, "CREATE_VM"));
	done(f, c);
}
END_TEST

/* cvmm caps: what the host has and lacks for TDX, row by row. */
START_TEST(caps_rows)
{
	struct fake *f = fake_install();
	char *t = fakevm_caps();

	ck_assert_msg(fakevm_caps_row(t, "  tdx: VM type KVM_X86_TDX_VM (5)", "yes", NULL), "%s", t);
	ck_assert_msg(fakevm_caps_row(t, "  tdx: kvm_intel tdx parameter", "yes", NULL), "%s", t);
	ck_assert_msg(fakevm_caps_row(t, "cvmm platform tdx", "yes", NULL), "%s", t);
	free(t);
	fake_set_param(f, "kvm_intel", "tdx", NULL);
	f->host.vm_types &= ~(1ULL << KVM_X86_TDX_VM);
	t = fakevm_caps();
	ck_assert_msg(fakevm_caps_row(t, "  tdx: VM type KVM_X86_TDX_VM (5)", "no", NULL), "%s", t);
	ck_assert_msg(fakevm_caps_row(t, "  tdx: kvm_intel tdx parameter", "no", NULL), "%s", t);
	ck_assert_ptr_nonnull(strstr(t, "kvm_intel not loaded"));
	ck_assert_msg(fakevm_caps_row(t, "cvmm platform tdx", "no", NULL), "%s", t);
	free(t);
	fake_remove(f);
}
END_TEST

/* The fake's TDX rules refuse what Linux 7.3 refuses. */
START_TEST(fake_tdx_rules)
{
	struct fake *f = fake_install();
	int sys = kvm_open_system(), vm, cpu;
	struct kvm_regs regs;
	struct kvm_pit_config pit = { .flags = 0 };
	struct kvm_irqfd irqfd = { .fd = 0, .gsi = 5 };
	struct kvm_tdx_cmd cmd = { .id = KVM_TDX_INIT_VCPU, .hw_error = 1 };
	struct kvm_enable_cap split = { .cap = KVM_CAP_SPLIT_IRQCHIP,
					.args[0] = 24 };
	struct kvm_tdx_init_vm *iv =
		calloc(1, sizeof(*iv) + sizeof(iv->cpuid.entries[0]));

	vm = kvm_ioctl_raw(sys, KVM_CREATE_VM, KVM_X86_TDX_VM);
	ck_assert_int_ge(vm, 0);
	/* No in-kernel irqchip, so no PIT; no vCPU before INIT_VM. */
	ck_assert_int_eq(kvm_ioctl_raw(vm, KVM_CREATE_IRQCHIP, 0), -ENOTTY);
	ck_assert_int_eq(kvm_ioctl_raw(vm, KVM_CREATE_PIT2, (unsigned long)&pit),
			 -ENOENT);
	ck_assert_int_eq(kvm_ioctl_raw(vm, KVM_CREATE_VCPU, 0), -EIO);
	/* An interrupt on a GSI without an MSI route would be lost. */
	ck_assert_int_eq(kvm_ioctl_raw(vm, KVM_IRQFD, (unsigned long)&irqfd),
			 -EINVAL);
	/* hw_error must be 0 on input. */
	ck_assert_int_eq(kvm_ioctl_raw(vm, KVM_MEMORY_ENCRYPT_OP,
				       (unsigned long)&cmd), -EINVAL);
	ck_assert_uint_eq(f->violations, 5);
	/* Done right: split irqchip, INIT_VM with just the GPAW leaf. */
	ck_assert_int_eq(kvm_ioctl_ptr(vm, KVM_ENABLE_CAP, &split), 0);
	iv->cpuid.nent = 1;
	iv->cpuid.entries[0] = (struct kvm_cpuid_entry2){
		.function = 0x80000008, .eax = 48 << 16 };
	cmd = (struct kvm_tdx_cmd){ .id = KVM_TDX_INIT_VM,
				    .data = (uintptr_t)iv };
	ck_assert_int_eq(kvm_ioctl_raw(vm, KVM_MEMORY_ENCRYPT_OP,
				       (unsigned long)&cmd), 0);
	/* A second INIT_VM, and a GPAW of 40, are refused. */
	iv->cpuid.entries[0].eax = 40 << 16;
	cmd.hw_error = 0;
	ck_assert_int_eq(kvm_ioctl_raw(vm, KVM_MEMORY_ENCRYPT_OP,
				       (unsigned long)&cmd), -EINVAL);
	ck_assert_uint_eq(f->violations, 6);
	/* Registers: never. Run: not before FINALIZE. */
	cpu = kvm_ioctl_raw(vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(cpu, 0);
	ck_assert_int_eq(kvm_ioctl_raw(cpu, KVM_GET_REGS, (unsigned long)&regs),
			 -EINVAL);
	ck_assert_int_eq(kvm_ioctl_raw(cpu, KVM_RUN, 0), -EINVAL);
	ck_assert_uint_eq(f->violations, 8);
	ck_assert_ptr_nonnull(strstr(f->trace, "!! tdx: GET_REGS on a TD"));
	free(iv);
	close(cpu);
	close(vm);
	close(sys);
	fake_remove(f);
}
END_TEST

/* --- Exits and conversion answers on synthetic records ---------------- */

static struct guest_mem m;
static int memfd = -1;
static struct kvm_run *run;
static struct exit_env env;

static void exit_setup(void)
{
	struct mem_backend b = { .in_place = true };

	run = calloc(1, 4096);
	memfd = memfd_create("tdx-exit", MFD_CLOEXEC);
	ck_assert_int_eq(ftruncate(memfd, 1 << 20), 0);
	mem_init(&m, &b, MEM_CONTENT_ZERO, false);
	ck_assert_int_eq(mem_add_slot(&m, 0, 1 << 20, memfd, memfd), 0);
	env = (struct exit_env){ .mem = &m, .run_size = 4096,
				 .plat = platform_find("tdx") };
}

static void exit_teardown(void)
{
	mem_destroy(&m);
	close(memfd);
	free(run);
}

START_TEST(tdvmcall_resumes_with_kvm_answer)
{
	struct exit_outcome out;

	run->exit_reason = KVM_EXIT_TDX;
	kvm_run_tdx(run)->nr = 0x10002; /* GetQuote */
	kvm_run_tdx(run)->ret = 0x8000000000000003ULL; /* KVM's "unsupported" */
	ck_assert_int_eq(exit_handle(&env, run, 0, 0, &out), EXIT_RESUME);
	ck_assert_int_eq(out.kind, EXIT_PLATFORM);
	ck_assert_uint_eq(kvm_run_tdx(run)->ret, 0x8000000000000003ULL);
}
END_TEST

static void put_msg(uint64_t *r, unsigned int reg, const char *eight)
{
	memcpy(&r[reg], eight, 8);
}

START_TEST(tdx_fatal_stops)
{
	struct exit_outcome out;
	uint64_t *r = (uint64_t *)run->system_event.data;

	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	run->system_event.type = KVM_SYSTEM_EVENT_TDX_FATAL;
	run->system_event.ndata = 16;
	r[12] = 0x1234;					/* R12: error code */
	r[1] = (1 << 14) | (1 << 15) | (1 << 3);	/* RCX: R14, R15, RBX */
	put_msg(r, 14, "guest pa");
	put_msg(r, 15, "nicked\0\0");
	put_msg(r, 3, "ignored!");
	ck_assert_int_eq(exit_handle(&env, run, 0, 0, &out), EXIT_STOP_GUEST);
	ck_assert_int_eq(out.status, 2);
	/* Malformed (ndata short): still a clear stop. */
	run->system_event.ndata = 3;
	ck_assert_int_eq(exit_handle(&env, run, 0, 0, &out), EXIT_STOP_GUEST);
	ck_assert_int_eq(out.status, 2);
}
END_TEST

static uint64_t map_gpa(uint64_t gpa, uint64_t pages, bool private)
{
	struct exit_outcome out;

	memset(run, 0, 4096);
	run->exit_reason = KVM_EXIT_HYPERCALL;
	run->hypercall.nr = KVM_HC_MAP_GPA_RANGE;
	run->hypercall.args[0] = gpa;
	run->hypercall.args[1] = pages;
	run->hypercall.args[2] = private ? KVM_MAP_GPA_RANGE_ENCRYPTED : 0;
	run->hypercall.longmode = 1; /* TDX's MapGPA exits say long mode */
	ck_assert_int_eq(exit_handle(&env, run, 0, 0, &out), EXIT_RESUME);
	return run->hypercall.ret;
}

/* MMIO windows "to shared" are done (they are); into RAM works; the rest
 * is refused as before; a held range still answers EAGAIN (retry). */
START_TEST(conversion_answers)
{
	struct mem_domain d;
	struct mem_hold h;

	ck_assert_uint_eq(map_gpa(0xfec00000, 1, false), 0);  /* IOAPIC page */
	ck_assert_uint_eq(map_gpa(0xc0000000, 512, false), 0); /* 2 MiB hole */
	ck_assert_uint_eq(map_gpa(0xfec00000, 1, true), EINVAL);
	ck_assert_uint_eq(map_gpa(0xff000, 2, false), EINVAL); /* straddles */
	ck_assert_uint_eq(map_gpa(0x10000, 4, false), 0);
	ck_assert_uint_eq(map_gpa(0x10000, 4, true), 0);
	/* Held by host I/O and going private: EAGAIN, which a TD retries. */
	ck_assert_uint_eq(map_gpa(0x20000, 1, false), 0);
	mem_domain_init(&d, &m, "dev", 0, 0);
	ck_assert_int_eq(mem_hold(&d, gpa(0x20000), 16, &h), 0);
	ck_assert_uint_eq(map_gpa(0x20000, 1, true), EAGAIN);
	mem_release(&d, &h);
	ck_assert_uint_eq(map_gpa(0x20000, 1, true), 0);
	env.plat = platform_find("sw-protected"); /* the old answer stays */
	ck_assert_uint_eq(map_gpa(0xfec00000, 1, false), EINVAL);
	env.plat = platform_find("tdx");
}
END_TEST

/* After INIT_MEM_REGION copied them, the shared copies are freed. */
START_TEST(launch_discard_frees_shared_copy)
{
	struct mem_backend b = { .in_place = false };
	struct guest_mem g;
	int priv = memfd_create("priv", MFD_CLOEXEC);
	int shared = memfd_create("shared", MFD_CLOEXEC);
	uint8_t page[4096], back[4096];

	memset(page, 0x5a, sizeof(page));
	ck_assert_int_eq(ftruncate(priv, 1 << 20), 0);
	ck_assert_int_eq(ftruncate(shared, 1 << 20), 0);
	mem_init(&g, &b, MEM_CONTENT_ZERO, false);
	ck_assert_int_eq(mem_add_slot(&g, 0, 1 << 20, priv, shared), 0);
	ck_assert_int_eq(mem_launch_write(&g, gpa(0x3000), page, 4096), 0);
	ck_assert_int_eq(pread(shared, back, 4096, 0x3000), 4096);
	ck_assert_mem_eq(back, page, 4096);
	ck_assert_int_eq(mem_launch_discard(&g, gpa(0x3000), 4096), 0);
	ck_assert_int_eq(pread(shared, back, 4096, 0x3000), 4096);
	memset(page, 0, sizeof(page));
	ck_assert_mem_eq(back, page, 4096);
	ck_assert_int_eq(mem_launch_discard(&g, gpa(0xff000), 0x2000), -EFAULT);
	mem_destroy(&g);
	close(priv);
	close(shared);
}
END_TEST

Suite *tdx_suite(void)
{
	Suite *s = suite_create("tdx");
	TCase *tc = tcase_create("fake-kvm");
	TCase *ex = tcase_create("exits");

	tcase_add_test(tc, trace_tdx);
	tcase_add_test(tc, device_interrupts_routed);
	tcase_add_test(tc, retried_answers);
	tcase_add_test(tc, mem_region_progress);
	tcase_add_test(tc, mem_region_gives_up);
	tcase_add_test(tc, host_without_tdx);
	tcase_add_test(tc, fake_tdx_rules);
	tcase_add_test(tc, caps_rows);
	tcase_add_test(tc, launch_discard_frees_shared_copy);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(ex, exit_setup, exit_teardown);
	tcase_add_test(ex, tdvmcall_resumes_with_kvm_answer);
	tcase_add_test(ex, tdx_fatal_stops);
	tcase_add_test(ex, conversion_answers);
	suite_add_tcase(s, ex);
	return s;
}
