// SPDX-License-Identifier: MIT
/*
 * cvmm's whole build of a VM (vm_build: probe, VM, memory, launch, vCPUs,
 * devices, finalize) against the fake KVM (tests/fakekvm/): the trace of
 * every KVM call must equal the golden file of the platform and
 * configuration, and no kernel rule may be broken. The fake's rules are
 * tested here too: each wrong order a rule guards against is refused.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../vmm/builder.h"
#include "../../vmm/caps.h"
#include "../../vmm/config.h"
#include "../../vmm/vm.h"
#include "../common/elfgen.h"
#include "../fakekvm/fakekvm.h"
#include "fakevm.h"
#include "suites.h"

static char kernel_path[64];

void fakevm_kernel(char *path, size_t len)
{
	struct elfgen g = { .seg = { { 0x100000, 0x3000, 0x5000 } },
			    .nseg = 1, .pvh_note = true, .entry = 0x100000 };
	size_t n;
	uint8_t *buf = elfgen_build(&g, &n);
	int fd;

	snprintf(path, len, "/tmp/cvmm-fakevm-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(elfgen_write_file(path, buf, n), 0);
	free(buf);
}

void fakevm_config(struct vm_config *c, const char *platform,
		   unsigned int cpus)
{
	if (!kernel_path[0])
		fakevm_kernel(kernel_path, sizeof(kernel_path));
	config_defaults(c);
	c->kernel = kernel_path;
	c->platform = platform;
	c->memory = 64ULL << 20;
	c->cpus = cpus;
	c->cmdline = "console=ttyS0";
}

void fakevm_cleanup(void)
{
	if (kernel_path[0])
		unlink(kernel_path);
	kernel_path[0] = 0;
}

int fakevm_build(struct fake *f, const struct vm_config *c)
{
	struct vm vm;
	int ret = vm_build(&vm, c);

	fake_trace(f, "-- vm_build: %d", ret);
	vm_destroy(&vm);
	return ret;
}

char *fakevm_caps(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(caps_print(out), 0);
	fclose(out);
	return text;
}

bool fakevm_caps_row(const char *text, const char *feature, const char *yes,
		     const char *detail)
{
	char row[192];

	if (detail)
		snprintf(row, sizeof(row), "%-44s %-4s %s\n", feature, yes,
			 detail);
	else
		snprintf(row, sizeof(row), "%-44s %-4s", feature, yes);
	return strstr(text, row) != NULL;
}

/* Build with the fake, check the golden trace and that no rule broke. */
static void golden(const char *platform, unsigned int cpus, const char *name)
{
	struct vm_config *c = malloc(sizeof(*c));
	struct fake *f = fake_install();
	int ret;

	fakevm_config(c, platform, cpus);
	ret = fakevm_build(f, c);
	ck_assert_msg(f->violations == 0, "%s broke a kernel rule: %s", name,
		      f->first_violation);
	ck_assert_int_eq(ret, 0);
	ck_assert_msg(fake_check_golden(f, name), "trace of %s differs", name);
	fake_remove(f);
	free(c);
	fakevm_cleanup();
}

START_TEST(trace_soft)
{
	golden("soft", 1, "soft-1cpu");
}
END_TEST

START_TEST(trace_sw_protected)
{
	golden("sw-protected", 2, "sw-protected-2cpu");
}
END_TEST

/* A host without /dev/kvm: one line, nothing else tried. */
START_TEST(no_dev_kvm)
{
	struct vm_config *c = malloc(sizeof(*c));
	struct fake *f = fake_install();

	f->host.dev_kvm = false;
	fakevm_config(c, "soft", 1);
	ck_assert_int_ne(fakevm_build(f, c), 0);
	ck_assert_str_eq(f->trace, "open /dev/kvm\n-- vm_build: 1\n");
	fake_remove(f);
	free(c);
	fakevm_cleanup();
}
END_TEST

/* E2BIG from GET_SUPPORTED_CPUID: cvmm grows its buffer and asks again. */
START_TEST(e2big_grows)
{
	struct vm_config *c = malloc(sizeof(*c));
	struct fake *f = fake_install();

	fake_script(f, (struct fake_answer){ .call = "GET_SUPPORTED_CPUID",
					     .err = E2BIG });
	fakevm_config(c, "soft", 1);
	ck_assert_int_eq(fakevm_build(f, c), 0);
	ck_assert_ptr_nonnull(strstr(f->trace, "sys GET_SUPPORTED_CPUID\n"
					       "  -> E2BIG\n"
					       "sys GET_SUPPORTED_CPUID\n"));
	ck_assert_uint_eq(f->violations, 0);
	fake_remove(f);
	free(c);
	fakevm_cleanup();
}
END_TEST

/* The fake's generic rules refuse what the kernel refuses. */
START_TEST(generic_rules)
{
	struct fake *f = fake_install();
	int sys = kvm_open_system(), vm, ret;
	struct kvm_pit_config pit = { 0 };
	struct kvm_memory_attributes a = { .address = 0, .size = 4096,
					   .attributes = 1 << 3, .flags = 1 };

	ck_assert_int_ge(sys, 0);
	vm = kvm_ioctl_raw(sys, KVM_CREATE_VM, KVM_X86_SW_PROTECTED_VM);
	ck_assert_int_ge(vm, 0);
	/* x86.c:4483: no PIT without the in-kernel PIC. */
	ck_assert_int_eq(kvm_ioctl_raw(vm, KVM_CREATE_PIT2,
				       (unsigned long)&pit), -ENOENT);
	ck_assert_int_eq(kvm_ioctl_raw(vm, KVM_SET_MEMORY_ATTRIBUTES,
				       (unsigned long)&a), -EINVAL);
	ck_assert_int_ge(kvm_ioctl_raw(vm, KVM_CREATE_VCPU, 0), 0);
	ck_assert_int_eq(kvm_ioctl_raw(vm, KVM_CREATE_VCPU, 0), -EEXIST);
	/* An irqchip after a vCPU. */
	ck_assert_int_eq(kvm_ioctl_raw(vm, KVM_CREATE_IRQCHIP, 0), -EINVAL);
	/* A VM type the host lacks. */
	f->host.vm_types = 1;
	ret = kvm_ioctl_raw(sys, KVM_CREATE_VM, KVM_X86_SNP_VM);
	ck_assert_int_eq(ret, -EINVAL);
	ck_assert_uint_eq(f->violations, 5);
	ck_assert_ptr_nonnull(strstr(f->trace, "!! CREATE_PIT2: without"));
	close(vm);
	close(sys);
	fake_remove(f);
}
END_TEST

/* Scripted answers reach the caller: an error, then a filled exit. */
static void fill_hlt(struct fake *f, void *arg)
{
	(void)f;
	((struct kvm_run *)arg)->exit_reason = KVM_EXIT_HLT;
}

START_TEST(scripted_answers)
{
	struct fake *f = fake_install();
	int sys = kvm_open_system();
	int vm = kvm_ioctl_raw(sys, KVM_CREATE_VM, 0), cpu;
	struct kvm_run *run;

	fake_script(f, (struct fake_answer){ .call = "CREATE_VCPU",
					     .err = ENOMEM });
	ck_assert_int_eq(kvm_ioctl_raw(vm, KVM_CREATE_VCPU, 0), -ENOMEM);
	cpu = kvm_ioctl_raw(vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(cpu, 0);
	run = kvm_map_run(cpu, 3 * 4096);
	ck_assert_ptr_nonnull(run);
	fake_script(f, (struct fake_answer){ .call = "RUN", .fill = fill_hlt });
	ck_assert_int_eq(kvm_sys->ioctl(cpu, KVM_RUN, 0), 0);
	ck_assert_uint_eq(run->exit_reason, KVM_EXIT_HLT);
	ck_assert_int_eq(kvm_sys->ioctl(cpu, KVM_RUN, 0), 0);
	ck_assert_uint_eq(run->exit_reason, KVM_EXIT_SHUTDOWN);
	ck_assert_uint_eq(f->violations, 0);
	munmap(run, 3 * 4096);
	close(cpu);
	close(vm);
	close(sys);
	fake_remove(f);
}
END_TEST

static unsigned int trace_count(const struct fake *f, const char *line)
{
	unsigned int n = 0;

	for (const char *p = f->trace; p && (p = strstr(p, line)); p++)
		n++;
	return n;
}

/* EINTR is retried, but a storm of them ends in -EINTR; KVM_RUN never. */
START_TEST(eintr_bounded)
{
	struct fake *f = fake_install();
	int sys = kvm_open_system(), vm, cpu;

	for (unsigned int i = 0; i + 1 < KVM_EINTR_TRIES; i++)
		fake_script(f, (struct fake_answer){ .call = "CREATE_VM",
						     .err = EINTR });
	vm = kvm_ioctl_raw(sys, KVM_CREATE_VM, 0);
	ck_assert_int_ge(vm, 0);
	ck_assert_uint_eq(trace_count(f, "sys CREATE_VM"), KVM_EINTR_TRIES);
	for (unsigned int i = 0; i < KVM_EINTR_TRIES + 1; i++)
		fake_script(f, (struct fake_answer){ .call = "CREATE_VCPU",
						     .err = EINTR });
	ck_assert_int_eq(kvm_ioctl_raw(vm, KVM_CREATE_VCPU, 0), -EINTR);
	ck_assert_uint_eq(trace_count(f, "vm CREATE_VCPU"), KVM_EINTR_TRIES);
	ck_assert_uint_eq(f->nanswers, 1); /* the last one never asked */
	f->nanswers = 0;
	cpu = kvm_ioctl_raw(vm, KVM_CREATE_VCPU, 0);
	ck_assert_int_ge(cpu, 0);
	fake_script(f, (struct fake_answer){ .call = "RUN", .err = EINTR });
	ck_assert_int_eq(kvm_ioctl_raw(cpu, KVM_RUN, 0), -EINTR);
	ck_assert_uint_eq(trace_count(f, "vcpu0 RUN"), 1);
	close(cpu);
	close(vm);
	close(sys);
	fake_remove(f);
}
END_TEST

Suite *fakekvm_suite(void)
{
	Suite *s = suite_create("fakekvm");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, trace_soft);
	tcase_add_test(tc, trace_sw_protected);
	tcase_add_test(tc, no_dev_kvm);
	tcase_add_test(tc, generic_rules);
	tcase_add_test(tc, scripted_answers);
	tcase_add_test(tc, e2big_grows);
	tcase_add_test(tc, eintr_bounded);
	suite_add_tcase(s, tc);
	return s;
}
