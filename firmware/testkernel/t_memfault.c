/*
 * test=memfault (needs --testdev): the guest touches memory whose KVM
 * attributes disagree with its backing, KVM stops it with a real
 * KVM_EXIT_MEMORY_FAULT, and cvmm must resolve the fault so that the
 * guest carries on with its data intact.
 *
 * The test memory (PV_TESTMEM_GPA, devices/pv_abi.h) is a memslot with a
 * shared backing and no guest_memfd. The test device's DESYNC command
 * makes KVM consider a page of it private; a slot without guest_memfd
 * cannot serve a private access, so the next access to that page exits.
 * On a platform without memory attributes DESYNC answers EOPNOTSUPP and
 * only the parts that need no fault are checked.
 */
#include "kernel.h"

#define TM PV_TESTMEM_GPA

static uint32_t faults_handled(void)
{
	pv_test(PV_TEST_CMD_FAULTS, 0, 0, 0);
	return pv_test_value();
}

/* DESYNC one page, then read (or write) it: one fault, resolved. */
static void fault_on(uint64_t a, bool write, uint32_t seed)
{
	uint32_t before = faults_handled(), st, h;

	st = pv_test(PV_TEST_CMD_DESYNC, a, PAGE, 0);
	check(st == PV_OK, "KVM told that test page 0x%lx is private (%u)", a,
	      st);
	if (write) {
		pattern_fill(a, PAGE, seed);
		check(pattern_holds(a, PAGE, seed),
		      "a write to it faulted, was resolved and landed");
		h = host_hash(a, PAGE, &st);
		check(st == PV_OK && h == fnv1a((void *)a, PAGE),
		      "the host reads what the guest wrote (status %u)", st);
	} else {
		check(pattern_holds(a, PAGE, seed),
		      "a read of it faulted, was resolved, and the guest "
		      "read its data");
	}
	check(faults_handled() == before + 1,
	      "cvmm handled exactly one memory fault (%u -> %u)", before,
	      faults_handled());
}

/* Explicit requests: the test memory can be shared, never private. */
static void requests(void)
{
	check(pv_convert(TM, 1, PV_CONV_ENCRYPTED) == PV_EINVAL,
	      "a request to make the test memory private is refused (EINVAL)");
	check(pv_convert(TM, 1, PV_CONV_ENCRYPTED | PV_CONV_MODE_ZERO) ==
		      PV_EINVAL,
	      "also through the conversion device");
	check(pv_convert(TM, 2, 0) == PV_OK,
	      "a request to make it shared is done (it is)");
	check(pattern_holds(TM, PAGE, 0x5151) &&
	      pattern_holds(TM + PAGE, PAGE, 0x6262),
	      "the requests left its contents alone");
}

void t_memfault(const char *arg)
{
	uint32_t st;

	(void)arg;
	if (!have_testdev()) {
		check(false, "memfault needs --testdev");
		return;
	}
	printk("conversions by %s\n", conv_trigger());
	pattern_fill(TM, PV_TESTMEM_SIZE, 0x4040);
	check(pattern_holds(TM, PV_TESTMEM_SIZE, 0x4040),
	      "the test memory is plain memory to the guest");
	pattern_fill(TM, PAGE, 0x5151);
	st = pv_test(PV_TEST_CMD_DESYNC, TM + 2 * PAGE, PAGE, 0);
	if (st == PV_EOPNOTSUPP) {
		printk("SKIP memory faults: this platform has no memory "
		       "attributes, so KVM cannot disagree with cvmm\n");
		pattern_fill(TM + PAGE, PAGE, 0x6262);
		requests();
		return;
	}
	check(st == PV_OK, "DESYNC accepted (%u)", st);
	check(pattern_holds(TM + 2 * PAGE, PAGE, 0x4040 + 2 * 1024 * 2654435761u),
	      "the guest continues past a first fault");
	check(pv_test(PV_TEST_CMD_DESYNC, 0x200000, PAGE, 0) == PV_EINVAL,
	      "DESYNC of RAM is refused (EINVAL)");
	fault_on(TM, false, 0x5151);
	fault_on(TM + PAGE, true, 0x6262);
	fault_on(TM + 3 * PAGE, false,
		 0x4040 + 3 * 1024 * 2654435761u);
	requests();
}
