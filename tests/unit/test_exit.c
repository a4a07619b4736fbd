// SPDX-License-Identifier: MIT
/*
 * vmm/exit.c on synthetic kvm_run records, including the hypercall and
 * memory-fault exits that this host's KVM can never produce.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../mem/access.h"
#include "../../vmm/exit.h"
#include "../../lib/util.h"
#include "suites.h"

#define RUN_SIZE 8192

static struct kvm_run *run;
static struct bus pio, mmio;
static struct guest_mem m;
static struct exit_env env;
static int fd;

/* A fake device that records what it saw. */
static struct {
	unsigned int writes, reads;
	uint64_t last;
	unsigned int cpu;
} dev;
/* The VM's stop flag; the fake device raises it after stop_after reads. */
static bool stopping;
static unsigned int stop_after;

static void fake_read(void *d, const struct io_req *req, uint8_t *data)
{
	(void)d;
	dev.reads++;
	if (stop_after && dev.reads == stop_after)
		__atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
	io_put(data, req->len, 0xabcd);
}

static void fake_write(void *d, const struct io_req *req, const uint8_t *data)
{
	(void)d;
	dev.writes++;
	dev.cpu = req->cpu;
	dev.last = io_get(data, req->len);
}

static const struct dev_ops fake_ops = { "fake", fake_read, fake_write };

static void setup(void)
{
	struct mem_backend b = { .in_place = true };

	run = calloc(1, RUN_SIZE);
	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	ck_assert_int_eq(bus_register(&pio, 0x500, 4, &fake_ops, NULL), 0);
	ck_assert_int_eq(bus_register(&mmio, 0xd0000000, 0x200, &fake_ops, NULL), 0);
	fd = memfd_create("exit-test", MFD_CLOEXEC);
	ck_assert_int_eq(ftruncate(fd, 1 << 20), 0);
	mem_init(&m, &b, MEM_CONTENT_ZERO, false);
	ck_assert_int_eq(mem_add_slot(&m, 0, 1 << 20, fd, fd), 0);
	env = (struct exit_env){ .io = &pio, .mmio = &mmio, .mem = &m, .cpu = 3,
				 .run_size = RUN_SIZE, .stopping = &stopping };
	memset(&dev, 0, sizeof(dev));
	stopping = false;
	stop_after = 0;
}

static void teardown(void)
{
	mem_destroy(&m);
	close(fd);
	bus_destroy(&pio);
	bus_destroy(&mmio);
	free(run);
}

static enum exit_action handle(int ret, int err, struct exit_outcome *out)
{
	return exit_handle(&env, run, ret, err, out);
}

START_TEST(io_out_string)
{
	struct exit_outcome out;
	uint32_t *data = (uint32_t *)((char *)run + 4096);

	run->exit_reason = KVM_EXIT_IO;
	run->io = (typeof(run->io)){ .direction = KVM_EXIT_IO_OUT, .size = 4,
				     .port = 0x500, .count = 3,
				     .data_offset = 4096 };
	data[0] = 1, data[1] = 2, data[2] = 7;
	ck_assert_int_eq(handle(0, 0, &out), EXIT_RESUME);
	ck_assert_int_eq(out.kind, EXIT_IO);
	ck_assert_uint_eq(dev.writes, 3);
	ck_assert_uint_eq(dev.last, 7);
	ck_assert_uint_eq(dev.cpu, 3);
}
END_TEST

/* A `rep insb` of a page stops at the access during which the VM stops. */
START_TEST(io_string_stops_when_vm_stops)
{
	struct exit_outcome out;

	run->exit_reason = KVM_EXIT_IO;
	run->io = (typeof(run->io)){ .direction = KVM_EXIT_IO_IN, .size = 1,
				     .port = 0x500, .count = 4096,
				     .data_offset = 4096 };
	ck_assert_int_eq(handle(0, 0, &out), EXIT_RESUME);
	ck_assert_uint_eq(dev.reads, 4096);
	dev.reads = 0;
	stop_after = 10;
	ck_assert_int_eq(handle(0, 0, &out), EXIT_RESUME);
	ck_assert_uint_eq(dev.reads, 10);
	/* Already stopping: nothing at all. */
	dev.reads = 0;
	ck_assert_int_eq(handle(0, 0, &out), EXIT_RESUME);
	ck_assert_uint_eq(dev.reads, 0);
}
END_TEST

START_TEST(io_in_and_unclaimed)
{
	struct exit_outcome out;
	uint8_t *data = (uint8_t *)run + 4096;

	run->exit_reason = KVM_EXIT_IO;
	run->io = (typeof(run->io)){ .direction = KVM_EXIT_IO_IN, .size = 2,
				     .port = 0x500, .count = 1,
				     .data_offset = 4096 };
	ck_assert_int_eq(handle(0, 0, &out), EXIT_RESUME);
	ck_assert_uint_eq(data[0] | data[1] << 8, 0xabcd);
	run->io.port = 0x600; /* nothing there: all ones, guest goes on */
	ck_assert_int_eq(handle(0, 0, &out), EXIT_RESUME);
	ck_assert_uint_eq(data[0], 0xff);
	ck_assert_uint_eq(pio.unclaimed, 1);
	run->io.port = 0x503; /* straddles the device's end */
	ck_assert_int_eq(handle(0, 0, &out), EXIT_RESUME);
	ck_assert_uint_eq(pio.unclaimed, 2);
}
END_TEST

START_TEST(malformed_exits_stop)
{
	struct exit_outcome out;

	run->exit_reason = KVM_EXIT_IO;
	run->io = (typeof(run->io)){ .size = 3, .port = 0x500, .count = 1,
				     .data_offset = 4096 };
	ck_assert_int_eq(handle(0, 0, &out), EXIT_STOP_FAILURE);
	run->io.size = 4;
	run->io.data_offset = RUN_SIZE - 4;
	run->io.count = 2; /* would read past the kvm_run mapping */
	ck_assert_int_eq(handle(0, 0, &out), EXIT_STOP_FAILURE);
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = 0xd0000000;
	run->mmio.len = 9;
	ck_assert_int_eq(handle(0, 0, &out), EXIT_STOP_FAILURE);
	run->mmio.len = 4;
	run->mmio.is_write = 1;
	ck_assert_int_eq(handle(0, 0, &out), EXIT_RESUME);
	ck_assert_uint_eq(dev.writes, 1);
}
END_TEST

static void hypercall(uint64_t nr, uint64_t g, uint64_t npages, uint64_t attrs)
{
	run->exit_reason = KVM_EXIT_HYPERCALL;
	run->hypercall.nr = nr;
	run->hypercall.args[0] = g;
	run->hypercall.args[1] = npages;
	run->hypercall.args[2] = attrs;
	run->hypercall.ret = 0; /* KVM presets 0 */
}

START_TEST(map_gpa_range_hypercall)
{
	struct exit_outcome out;
	enum mem_state st;

	hypercall(KVM_HC_MAP_GPA_RANGE, 0x2000, 2, KVM_MAP_GPA_RANGE_DECRYPTED);
	ck_assert_int_eq(handle(0, 0, &out), EXIT_RESUME);
	ck_assert_int_eq(out.kind, EXIT_HYPERCALL);
	ck_assert_uint_eq(run->hypercall.ret, 0);
	ck_assert_int_eq(mem_page_state(&m, gpa(0x3000), &st), 0);
	ck_assert_int_eq(st, MEM_SHARED);
	hypercall(KVM_HC_MAP_GPA_RANGE, 0x2000, 1,
		  KVM_MAP_GPA_RANGE_ENCRYPTED | KVM_MAP_GPA_RANGE_PAGE_SZ_2M);
	ck_assert_int_eq(handle(0, 0, &out), EXIT_RESUME);
	ck_assert_uint_eq(run->hypercall.ret, 0);
	ck_assert_int_eq(mem_page_state(&m, gpa(0x2000), &st), 0);
	ck_assert_int_eq(st, MEM_PRIVATE);
}
END_TEST

START_TEST(map_gpa_range_errors)
{
	struct exit_outcome out;
	struct mem_domain d;
	struct mem_hold h;

	/* Unaligned, reserved attribute bits, no pages, beyond RAM, other nr. */
	hypercall(KVM_HC_MAP_GPA_RANGE, 0x2100, 1, 0);
	handle(0, 0, &out);
	ck_assert_uint_eq(run->hypercall.ret, EINVAL);
	hypercall(KVM_HC_MAP_GPA_RANGE, 0x2000, 1, 1ULL << 5);
	handle(0, 0, &out);
	ck_assert_uint_eq(run->hypercall.ret, EINVAL);
	hypercall(KVM_HC_MAP_GPA_RANGE, 0x2000, 0, 0);
	handle(0, 0, &out);
	ck_assert_uint_eq(run->hypercall.ret, EINVAL);
	hypercall(KVM_HC_MAP_GPA_RANGE, 0xff000, 2, 0);
	handle(0, 0, &out);
	ck_assert_uint_eq(run->hypercall.ret, EINVAL);
	hypercall(1, 0x2000, 1, 0);
	handle(0, 0, &out);
	ck_assert_uint_eq(run->hypercall.ret, EINVAL);
	/* A held range answers EAGAIN (retry), as KVM allows. */
	ck_assert_int_eq(mem_convert(&m, gpa(0x4000), 0x1000, MEM_SHARED, 0),
			 CONV_DONE);
	mem_domain_init(&d, &m, "dev", 0, 0);
	ck_assert_int_eq(mem_hold(&d, gpa(0x4000), 16, &h), 0);
	hypercall(KVM_HC_MAP_GPA_RANGE, 0x4000, 1, KVM_MAP_GPA_RANGE_ENCRYPTED);
	ck_assert_int_eq(handle(0, 0, &out), EXIT_RESUME);
	ck_assert_uint_eq(run->hypercall.ret, EAGAIN);
	mem_release(&d, &h);
}
END_TEST

static void memory_fault(uint64_t flags, uint64_t g, uint64_t size)
{
	struct kvm_memory_fault_exit *mf = kvm_run_memory_fault(run);

	run->exit_reason = KVM_EXIT_MEMORY_FAULT;
	mf->flags = flags;
	mf->gpa = g;
	mf->size = size;
}

START_TEST(memory_fault_converts)
{
	struct exit_outcome out;
	enum mem_state st;

	memory_fault(0, 0x8000, 0x1000); /* shared access to a private page */
	ck_assert_int_eq(handle(-1, EFAULT, &out), EXIT_RESUME);
	ck_assert_int_eq(out.kind, EXIT_MEMORY_FAULT);
	ck_assert_int_eq(mem_page_state(&m, gpa(0x8000), &st), 0);
	ck_assert_int_eq(st, MEM_SHARED);
	memory_fault(KVM_MEMORY_EXIT_FLAG_PRIVATE, 0x8000, 0x1000);
	ck_assert_int_eq(handle(-1, EFAULT, &out), EXIT_RESUME);
	ck_assert_int_eq(mem_page_state(&m, gpa(0x8000), &st), 0);
	ck_assert_int_eq(st, MEM_PRIVATE);
}
END_TEST

/*
 * A private access to a slot without private backing (the test memory):
 * the only state it can hold is asserted again and the guest re-enters.
 */
START_TEST(memory_fault_in_shared_only_slot)
{
	struct exit_outcome out;
	struct mem_stats st;
	enum mem_state state;
	int tfd = memfd_create("exit-test-mem", MFD_CLOEXEC);

	ck_assert_int_eq(ftruncate(tfd, 0x10000), 0);
	ck_assert_int_eq(mem_add_slot(&m, 0xe0000000, 0x10000, -1, tfd), 1);
	mem_mark_test_memory(&m, 1);
	memory_fault(KVM_MEMORY_EXIT_FLAG_PRIVATE, 0xe0001000, 0x1000);
	ck_assert_int_eq(handle(-1, EFAULT, &out), EXIT_RESUME);
	ck_assert_int_eq(out.kind, EXIT_MEMORY_FAULT);
	ck_assert_int_eq(mem_page_state(&m, gpa(0xe0001000), &state), 0);
	ck_assert_int_eq(state, MEM_SHARED);
	mem_get_stats(&m, &st);
	ck_assert_uint_eq(st.faults_reasserted, 1);
	/* An explicit request to make it private is refused. */
	hypercall(KVM_HC_MAP_GPA_RANGE, 0xe0001000, 1,
		  KVM_MAP_GPA_RANGE_ENCRYPTED);
	ck_assert_int_eq(handle(0, 0, &out), EXIT_RESUME);
	ck_assert_uint_eq(run->hypercall.ret, EINVAL);
	close(tfd);
}
END_TEST

START_TEST(memory_fault_unresolvable)
{
	struct exit_outcome out;

	memory_fault(0, 0x80000000, 0x1000); /* not RAM: re-entry would loop */
	ck_assert_int_eq(handle(-1, EFAULT, &out), EXIT_STOP_FAILURE);
	memory_fault(1ULL << 5, 0x8000, 0x1000); /* unknown flag bits */
	ck_assert_int_eq(handle(-1, EFAULT, &out), EXIT_STOP_FAILURE);
	memory_fault(0, 0x8000, 0x1000);
	ck_assert_int_eq(handle(-1, EHWPOISON, &out), EXIT_STOP_FAILURE);
	/* With another errno the exit reason is stale: a plain failure. */
	ck_assert_int_eq(handle(-1, EINVAL, &out), EXIT_STOP_FAILURE);
	ck_assert_int_eq(out.kind, EXIT_OTHER);
	ck_assert_int_eq(handle(-1, EINTR, &out), EXIT_RESUME);
	ck_assert_int_eq(out.kind, EXIT_INTR);
}
END_TEST

START_TEST(guest_endings)
{
	struct exit_outcome out;

	run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
	run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	ck_assert_int_eq(handle(0, 0, &out), EXIT_STOP_GUEST);
	ck_assert_int_eq(out.status, 0);
	run->system_event.type = KVM_SYSTEM_EVENT_RESET;
	ck_assert_int_eq(handle(0, 0, &out), EXIT_STOP_GUEST);
	ck_assert_int_eq(out.status, 0);
	run->system_event.type = KVM_SYSTEM_EVENT_CRASH;
	ck_assert_int_eq(handle(0, 0, &out), EXIT_STOP_GUEST);
	ck_assert_int_eq(out.status, 2);
	run->exit_reason = KVM_EXIT_SHUTDOWN;
	ck_assert_int_eq(handle(0, 0, &out), EXIT_STOP_GUEST);
	ck_assert_int_eq(out.status, 2);
	run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
	ck_assert_int_eq(handle(0, 0, &out), EXIT_STOP_FAILURE);
	run->exit_reason = 0xfff;
	ck_assert_int_eq(handle(0, 0, &out), EXIT_STOP_FAILURE);
}
END_TEST

Suite *exit_suite(void)
{
	Suite *s = suite_create("exit");
	TCase *tc = tcase_create("dispatch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, io_out_string);
	tcase_add_test(tc, io_in_and_unclaimed);
	tcase_add_test(tc, io_string_stops_when_vm_stops);
	tcase_add_test(tc, malformed_exits_stop);
	tcase_add_test(tc, map_gpa_range_hypercall);
	tcase_add_test(tc, map_gpa_range_errors);
	tcase_add_test(tc, memory_fault_converts);
	tcase_add_test(tc, memory_fault_in_shared_only_slot);
	tcase_add_test(tc, memory_fault_unresolvable);
	tcase_add_test(tc, guest_endings);
	suite_add_tcase(s, tc);
	return s;
}
