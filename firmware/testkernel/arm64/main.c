/*
 * arm64 test kernel core: boot information from the device tree in X0,
 * exception reports, and the arm64 test table (the dispatcher and the
 * output protocol: dispatch.c).
 */
#include "../kernel.h"

struct boot boot;

const void *fdt_from_boot(void)
{
	return boot.fdt;
}

bool range_in_use(uint64_t addr, uint64_t len)
{
	uint64_t kstart = (uint64_t)__kernel_start, kend = (uint64_t)__kernel_end;
	uint64_t dt = (uint64_t)boot.fdt & ~(PAGE - 1);
	uint64_t dt_len = boot.fdt ? be32((const uint8_t *)boot.fdt + 4) + PAGE : 0;

	return ranges_overlap(addr, len, kstart, kend - kstart) ||
	       ranges_overlap(addr, len, dt, dt_len);
}

/* The bootargs and the (one) memory node. */
static void parse_boot(const void *fdt)
{
	uint32_t node, len;
	const char *args;

	boot.cmdline = "";
	if (!fdt || !fdt_valid(fdt))
		return;
	boot.fdt = fdt;
	node = fdt_next_named(fdt, ~0u, "chosen");
	args = node == ~0u ? NULL : fdt_prop(fdt, node, "bootargs", &len);
	if (args && len)
		boot.cmdline = args;
	node = fdt_next_named(fdt, ~0u, "memory");
	if (node == ~0u || !fdt_reg(fdt, node, &boot.ram_base, &boot.ram_bytes))
		boot.ram_base = boot.ram_bytes = 0;
}

/* Anything but an IRQ at EL1 (entry.S): say what and where, then stop. */
__attribute__((noreturn)) void exception_handler(uint64_t kind);
void exception_handler(uint64_t kind)
{
	uint64_t esr, elr, far;

	__asm__ volatile("mrs %0, esr_el1" : "=r"(esr));
	__asm__ volatile("mrs %0, elr_el1" : "=r"(elr));
	__asm__ volatile("mrs %0, far_el1" : "=r"(far));
	printk("FAIL exception (vector %lu) ESR 0x%lx (class 0x%lx) at pc 0x%lx "
	       "far 0x%lx\n", kind, esr, esr >> 26, elr, far);
	vm_exit(EXIT_EXCEPTION);
}

static const struct test tests[] = {
	TESTS_EVERY_ARCH,
	{ "isolation", t_isolation },
	{ "unshare-under-io", t_unshare_under_io },
	{ "scrub", t_scrub },
};

__attribute__((noreturn)) void kernel_main(const void *fdt);
void kernel_main(const void *fdt)
{
	parse_boot(fdt);
	if (!boot.fdt) {
		printk("FAIL no device tree in X0 (0x%lx)\n", (uint64_t)fdt);
		vm_exit(EXIT_BAD_TEST);
	}
	run_test(tests, sizeof(tests) / sizeof(tests[0]));
}
