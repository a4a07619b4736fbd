// SPDX-License-Identifier: MIT
/*
 * The platform lifecycle without KVM: the launch list, the table of
 * platforms, the launch and finalize hooks as vm_launch()/vm_finalize()
 * call them, the register policy, the busy-conversion policy and the
 * platform exit hook as exit_handle() applies them, and the launch list
 * vm_resolve() plans for a kernel.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../lib/log.h"
#include "../../lib/util.h"
#include "../../mem/launch.h"
#include "../../vmm/config.h"
#include "../../vmm/resolve.h"
#include "../../vmm/vm.h"
#include "../common/elfgen.h"
#include "suites.h"

static const uint8_t bytes[64];

START_TEST(launch_list_rules)
{
	struct launch_list l = { 0 };

	ck_assert_int_eq(launch_add(&l, 0x1000, bytes, 16, LAUNCH_KERNEL, "a"), 0);
	ck_assert_int_eq(launch_add(&l, 0x2000, bytes, 16, LAUNCH_BOOT_DATA, "b"), 0);
	/* Empty, overflowing, overlapping, no data, unknown kind. */
	ck_assert_int_eq(launch_add(&l, 0x3000, bytes, 0, LAUNCH_KERNEL, "x"), -EINVAL);
	ck_assert_int_eq(launch_add(&l, ~0ULL - 4, bytes, 16, LAUNCH_KERNEL, "x"), -EINVAL);
	ck_assert_int_eq(launch_add(&l, 0x100f, bytes, 2, LAUNCH_KERNEL, "x"), -EINVAL);
	ck_assert_int_eq(launch_add(&l, 0x3000, NULL, 2, LAUNCH_KERNEL, "x"), -EINVAL);
	ck_assert_int_eq(launch_add(&l, 0x3000, bytes, 2, LAUNCH_KINDS, "x"), -EINVAL);
	ck_assert_uint_eq(l.n, 2);
	ck_assert_str_eq(l.item[1].what, "b");
	for (unsigned int i = 2; i < LAUNCH_MAX; i++)
		ck_assert_int_eq(launch_add(&l, 0x10000 * i, bytes, 1,
					    LAUNCH_BOOT_DATA, "n"), 0);
	ck_assert_int_eq(launch_add(&l, 0x900000, bytes, 1, LAUNCH_KERNEL, "x"),
			 -ENOSPC);
}
END_TEST

START_TEST(platform_table)
{
	const struct platform *soft = platform_find("soft");
	const struct platform *sw = platform_find("sw-protected");

	const struct platform *snp = platform_find("sev-snp");
	const struct platform *tdx = platform_find("tdx");

	/* The table's order. */
	ck_assert_str_eq(platform_names(), "soft, sw-protected, sev-snp, tdx");
	ck_assert_ptr_eq(platform_at(0), soft);
	ck_assert_ptr_eq(platform_at(1), sw);
	ck_assert_ptr_eq(platform_at(2), snp);
	ck_assert_ptr_eq(platform_at(3), tdx);
	ck_assert_ptr_null(platform_at(4));
	ck_assert_ptr_null(platform_find("nosuch"));
	/* sev-snp: RAM starts private, loaded by LAUNCH_UPDATE, sealed. */
	ck_assert(!snp->initial_shared && snp->launch_update);
	ck_assert_int_eq(snp->regs, REGS_BEFORE_FINALIZE);
	ck_assert_int_eq(snp->busy, BUSY_WAIT);
	/* tdx: the facts its launch and exits depend on. */
	ck_assert_uint_eq(tdx->vm_type, KVM_X86_TDX_VM);
	ck_assert_int_eq(tdx->irqchip, ARCH_IRQCHIP_SPLIT);
	ck_assert_int_eq(tdx->regs, REGS_NEVER);
	ck_assert_int_eq(tdx->busy, BUSY_ANSWER_RETRY);
	ck_assert(!tdx->initial_shared && tdx->launch_update);
	ck_assert(tdx->firmware_only && tdx->shared_outside_ram_ok);
	ck_assert(tdx->launch && tdx->finalize && tdx->handle_exit &&
		  tdx->measure);
	/* soft: one guest_memfd in place, nothing sealed, no hooks. */
	ck_assert_int_eq(soft->backing, RAM_GMEM_IN_PLACE);
	ck_assert(platform_in_place(soft));
	ck_assert(!soft->vm_init && !soft->launch && !soft->finalize &&
		  !soft->handle_exit && !soft->probe);
	ck_assert_int_eq(soft->regs, REGS_ANY_TIME);
	/* sw-protected: two backings, hypercall exits turned on at vm_init. */
	ck_assert_int_eq(sw->backing, RAM_GMEM_AND_MEMFD);
	ck_assert(!platform_in_place(sw));
	ck_assert_ptr_nonnull(sw->vm_init);
	ck_assert(sw->attributes && sw->hypercalls && sw->initial_shared);
	ck_assert_int_eq(sw->irqchip, ARCH_IRQCHIP_KERNEL);
	ck_assert_int_eq(sw->busy, BUSY_ANSWER_RETRY);
}
END_TEST

/* A platform that records its hooks' calls instead of measuring. */
static struct {
	unsigned int launched, finalized;
	uint64_t gpa[8];
	int fail_at; /* launch item index that fails, or -1 */
} rec;

static int rec_launch(struct plat_vm *pv, const struct launch_item *it)
{
	(void)pv;
	if ((int)rec.launched == rec.fail_at)
		return -EIO;
	rec.gpa[rec.launched++] = it->gpa;
	return 0;
}

static int rec_finalize(struct plat_vm *pv)
{
	(void)pv;
	rec.finalized++;
	return 0;
}

static struct platform fake = {
	.name = "fake",
	.backing = RAM_GMEM_IN_PLACE,
	.regs = REGS_BEFORE_FINALIZE,
	.launch = rec_launch,
	.finalize = rec_finalize,
};

static struct vm vm;
static int mfd;

static void vm_setup(void)
{
	struct mem_backend b = { .in_place = true };

	memset(&rec, 0, sizeof(rec));
	rec.fail_at = -1;
	vm_init(&vm);
	vm.plat = &fake;
	vm.pv.mem = &vm.mem;
	mfd = memfd_create("platform-test", MFD_CLOEXEC);
	ck_assert_int_eq(ftruncate(mfd, 1 << 20), 0);
	mem_init(&vm.mem, &b, MEM_CONTENT_ZERO, false);
	ck_assert_int_eq(mem_add_slot(&vm.mem, 0, 1 << 20, mfd, mfd), 0);
}

static void vm_teardown(void)
{
	mem_destroy(&vm.mem);
	vm.plat = NULL; /* the memory is gone already */
	free(vm.vcpu);
	vm.vcpu = NULL;
	vm.ncpus = 0;
	vm_destroy(&vm);
	close(mfd);
}

static void list3(struct launch_list *l, const uint8_t *data)
{
	memset(l, 0, sizeof(*l));
	ck_assert_int_eq(launch_add(l, 0x3000, data, 8, LAUNCH_KERNEL, "k"), 0);
	ck_assert_int_eq(launch_add(l, 0x1000, data, 8, LAUNCH_BOOT_DATA, "d"), 0);
	ck_assert_int_eq(launch_add(l, 0x2000, data, 8, LAUNCH_BOOT_DATA, "c"), 0);
}

START_TEST(launch_hook_gets_items_in_order)
{
	static const uint8_t data[8] = "cvmm!!!";
	struct launch_list l;
	uint8_t back[8];

	list3(&l, data);
	ck_assert_int_eq(vm_launch(&vm, &l), 0);
	ck_assert_uint_eq(rec.launched, 3);
	ck_assert_uint_eq(rec.gpa[0], 0x3000);
	ck_assert_uint_eq(rec.gpa[1], 0x1000);
	ck_assert_uint_eq(rec.gpa[2], 0x2000);
	/* The hook, not a copy, put them in: guest memory is untouched. */
	ck_assert_int_eq(pread(mfd, back, 8, 0x3000), 8);
	ck_assert_int_ne(memcmp(back, data, 8), 0);
	/* A failing item stops the launch there. */
	memset(&rec, 0, sizeof(rec));
	rec.fail_at = 1;
	log_level = LOG_QUIET;
	ck_assert_int_eq(vm_launch(&vm, &l), -EIO);
	log_level = LOG_WARN;
	ck_assert_uint_eq(rec.launched, 1);
}
END_TEST

START_TEST(launch_without_hook_copies)
{
	static const uint8_t data[8] = "cvmm!!!";
	struct launch_list l;
	uint8_t back[8];

	fake.launch = NULL;
	list3(&l, data);
	ck_assert_int_eq(vm_launch(&vm, &l), 0);
	fake.launch = rec_launch;
	for (unsigned int i = 0; i < 3; i++) {
		ck_assert_int_eq(pread(mfd, back, 8, l.item[i].gpa), 8);
		ck_assert_int_eq(memcmp(back, data, 8), 0);
	}
	/* Finalize runs the hook once and closes launch writes. */
	ck_assert_int_eq(vm_finalize(&vm), 0);
	ck_assert_uint_eq(rec.finalized, 1);
	ck_assert_int_eq(mem_launch_write(&vm.mem, gpa(0x1000), data, 8), -EPERM);
}
END_TEST

START_TEST(register_policy)
{
	vm.vcpu = calloc(2, sizeof(*vm.vcpu));
	vm.ncpus = 2;
	for (unsigned int i = 0; i < 2; i++) {
		pthread_mutex_init(&vm.vcpu[i].lock, NULL);
		pthread_cond_init(&vm.vcpu[i].cond, NULL);
	}
	/* SNP-like: allowed before finalize, refused after. */
	ck_assert_int_eq(vm_start_ap(&vm, 1, 0x100000, 0), 0);
	ck_assert_int_eq(vm_start_ap(&vm, 1, 0x100000, 0), -EBUSY);
	vm.vcpu[1].state = VCPU_PARKED;
	ck_assert_int_eq(vm_finalize(&vm), 0);
	ck_assert_int_eq(vm_start_ap(&vm, 1, 0x100000, 0), -EPERM);
	/* TDX-like: never. */
	fake.regs = REGS_NEVER;
	vm.finalized = false;
	ck_assert_int_eq(vm_start_ap(&vm, 1, 0x100000, 0), -EPERM);
	fake.regs = REGS_BEFORE_FINALIZE;
}
END_TEST

/* --- exits under a platform's policies ---------------------------------- */

static struct kvm_run *run;
static struct mem_domain dom;
static struct mem_hold hold;

static void *release_later(void *arg)
{
	(void)arg;
	usleep(20000);
	mem_release(&dom, &hold);
	return NULL;
}

static enum exit_action map_gpa(struct exit_env *env, uint64_t g,
				struct exit_outcome *out)
{
	run->exit_reason = KVM_EXIT_HYPERCALL;
	run->hypercall.nr = KVM_HC_MAP_GPA_RANGE;
	run->hypercall.args[0] = g;
	run->hypercall.args[1] = 1;
	run->hypercall.args[2] = KVM_MAP_GPA_RANGE_ENCRYPTED;
	return exit_handle(env, run, 0, 0, out);
}

START_TEST(busy_wait_never_answers_eagain)
{
	struct exit_env env = { &vm.io, &vm.mmio, &vm.mem, 0, 8192, &fake,
				&vm.pv, &vm.stopping };
	struct exit_outcome out;
	enum mem_state st;
	pthread_t t;

	run = calloc(1, 8192);
	ck_assert_int_eq(mem_convert(&vm.mem, gpa(0x4000), 0x1000, MEM_SHARED, 0),
			 CONV_DONE);
	mem_domain_init(&dom, &vm.mem, "dev", 0, 0);
	/* BUSY_ANSWER_RETRY: the guest hears EAGAIN while I/O holds it. */
	fake.busy = BUSY_ANSWER_RETRY;
	ck_assert_int_eq(mem_hold(&dom, gpa(0x4000), 16, &hold), 0);
	ck_assert_int_eq(map_gpa(&env, 0x4000, &out), EXIT_RESUME);
	ck_assert_uint_eq(run->hypercall.ret, EAGAIN);
	/* BUSY_WAIT: it waits until the hold goes, then converts. */
	fake.busy = BUSY_WAIT;
	pthread_create(&t, NULL, release_later, NULL);
	ck_assert_int_eq(map_gpa(&env, 0x4000, &out), EXIT_RESUME);
	pthread_join(t, NULL);
	ck_assert_uint_eq(run->hypercall.ret, 0);
	ck_assert_int_eq(mem_page_state(&vm.mem, gpa(0x4000), &st), 0);
	ck_assert_int_eq(st, MEM_PRIVATE);
	/* ... unless the VM is stopping: then it gives up. */
	ck_assert_int_eq(mem_convert(&vm.mem, gpa(0x4000), 0x1000, MEM_SHARED, 0),
			 CONV_DONE);
	ck_assert_int_eq(mem_hold(&dom, gpa(0x4000), 16, &hold), 0);
	vm.stopping = true;
	ck_assert_int_eq(map_gpa(&env, 0x4000, &out), EXIT_RESUME);
	ck_assert_uint_eq(run->hypercall.ret, EAGAIN);
	mem_release(&dom, &hold);
	vm.stopping = false;
	fake.busy = BUSY_ANSWER_RETRY;
	free(run);
}
END_TEST

static enum plat_exit term_exit(struct plat_vm *pv, struct kvm_run *r,
				int *status)
{
	(void)pv;
	if (r->exit_reason != KVM_EXIT_SYSTEM_EVENT)
		return PLAT_EXIT_NOT_MINE;
	*status = 9;
	return PLAT_EXIT_STOP;
}

START_TEST(platform_exit_hook_first)
{
	struct exit_env env = { &vm.io, &vm.mmio, &vm.mem, 0, 8192, &fake,
				&vm.pv, &vm.stopping };
	struct exit_outcome out;

	run = calloc(1, 8192);
	fake.handle_exit = term_exit;
	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	ck_assert_int_eq(exit_handle(&env, run, 0, 0, &out), EXIT_STOP_GUEST);
	ck_assert_int_eq(out.kind, EXIT_PLATFORM);
	ck_assert_int_eq(out.status, 9);
	/* Not its exit: the generic code handles it. */
	run->exit_reason = KVM_EXIT_HLT;
	ck_assert_int_eq(exit_handle(&env, run, 0, 0, &out), EXIT_RESUME);
	ck_assert_int_eq(out.kind, EXIT_HLT);
	fake.handle_exit = NULL;
	free(run);
}
END_TEST

/* vm_resolve: the kernel's bytes first, then the boot data, no overlap. */
START_TEST(resolve_plans_the_launch)
{
	static const struct elfgen g = {
		.seg = { { 0x100000, 0x2000, 0x5000 }, { 0x200000, 0x1000, 0x1000 } },
		.nseg = 2, .pvh_note = true, .entry = 0x100010,
	};
	char path[] = "/tmp/cvmm-launch-XXXXXX";
	static struct vm_config c;
	static struct resolved r;
	size_t len;
	uint8_t *elf = elfgen_build(&g, &len);
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(elfgen_write_file(path, elf, len), 0);
	free(elf);
	config_defaults(&c);
	c.kernel = path;
	c.cmdline = "test=hello";
	c.rng = true;
	ck_assert_int_eq(vm_resolve(&c, &r), 0);
	unlink(path);
	ck_assert_uint_eq(r.launch.n, 6);
	ck_assert_int_eq(r.launch.item[0].kind, LAUNCH_KERNEL);
	ck_assert_uint_eq(r.launch.item[0].gpa, 0x100000);
	ck_assert_uint_eq(r.launch.item[0].len, 0x2000); /* file bytes only */
	ck_assert_uint_eq(r.launch.item[1].gpa, 0x200000);
	ck_assert_str_eq(r.launch.item[2].what, "ACPI tables");
	ck_assert_str_eq(r.launch.item[3].what, "device tree");
	ck_assert_uint_eq(r.launch.item[3].gpa, r.plan.dtb_base);
	ck_assert_int_eq(r.launch.item[5].kind, LAUNCH_BOOT_DATA);
	ck_assert_str_eq((const char *)r.launch.item[5].data, "test=hello");
	ck_assert_uint_eq(r.entry.pc, 0x100010);
	for (unsigned int i = 0; i < r.launch.n; i++)
		ck_assert(r.launch.item[i].gpa + r.launch.item[i].len <=
			  r.plan.pool_base);
	vm_resolved_free(&r);
}
END_TEST

Suite *platform_suite(void)
{
	Suite *s = suite_create("platform");
	TCase *tc = tcase_create("core");
	TCase *hooks = tcase_create("hooks");

	tcase_add_test(tc, launch_list_rules);
	tcase_add_test(tc, platform_table);
	tcase_add_test(tc, resolve_plans_the_launch);
	tcase_add_checked_fixture(hooks, vm_setup, vm_teardown);
	tcase_add_test(hooks, launch_hook_gets_items_in_order);
	tcase_add_test(hooks, launch_without_hook_copies);
	tcase_add_test(hooks, register_policy);
	tcase_add_test(hooks, busy_wait_never_answers_eagain);
	tcase_add_test(hooks, platform_exit_hook_first);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, hooks);
	return s;
}
