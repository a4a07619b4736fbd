/* Tests that are the same on every architecture and need no device. */
#include "kernel.h"

void t_exit(const char *arg)
{
	uint64_t status;

	if (!parse_u64(arg, &status) || status > 255) {
		check(false, "exit:N needs N in 0..255, got '%s'", arg);
		return;
	}
	printk("exiting with status %lu\n", status);
	vm_exit((uint32_t)status);
}

/* Fill, then verify, [a, b) with an address-derived pattern. */
static uint64_t pattern_range(uint64_t a, uint64_t b, bool verify)
{
	uint64_t bad = 0;

	for (volatile uint64_t *p = (uint64_t *)a; (uint64_t)p < b; p++) {
		uint64_t want = (uint64_t)p * 0x9e3779b97f4a7c15ULL;

		if (!verify)
			*p = want;
		else if (*p != want)
			bad++;
	}
	return bad;
}

/* Every page of RAM but those the kernel and boot information use. */
static uint64_t memtest_pass(bool verify, uint64_t *tested)
{
	uint64_t bad = 0, base, len;

	for (unsigned int r = 0; arch_ram_region(r, &base, &len); r++) {
		for (uint64_t a = base; a < base + len; a += PAGE) {
			if (range_in_use(a, PAGE))
				continue;
			bad += pattern_range(a, a + PAGE, verify);
			*tested += PAGE;
		}
	}
	return bad;
}

void t_memtest(const char *arg)
{
	uint64_t tested = 0, bad;

	(void)arg;
	arch_memtest_prepare();
	memtest_pass(false, &tested);
	tested = 0;
	bad = memtest_pass(true, &tested);
	check(bad == 0, "memtest: %lu KiB of %lu KiB RAM written and verified, "
	      "%lu bad words", tested >> 10, boot.ram_bytes >> 10, bad);
	check(tested + 2 * MiB_ >= boot.ram_bytes - 1 * MiB_,
	      "memtest covered all RAM but the kernel and boot info");
}

bool smp_cpus_arg(const char *arg, uint64_t *ncpus)
{
	if (parse_u64(arg, ncpus) && *ncpus >= 1 && *ncpus <= MAX_CPUS)
		return true;
	check(false, "smp:N needs N in 1..%u, got '%s'", MAX_CPUS, arg);
	return false;
}

void smp_wait_online(uint64_t ncpus)
{
	uint64_t deadline = arch_ticks() + ARCH_WAIT_TICKS;

	while (ap_online < ncpus - 1 && arch_ticks() < deadline)
		cpu_relax();
}
