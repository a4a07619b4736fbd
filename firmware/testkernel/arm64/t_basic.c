/* Basic arm64 tests: console, boot state, secondary CPUs by PSCI
 * (memtest: t_common.c). */
#include "../kernel.h"

volatile uint32_t ap_online;
volatile uint64_t ap_mpidr[MAX_CPUS];

uint64_t read_mpidr(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(v));
	return v & 0xff00ffffffULL; /* the affinity fields */
}

void t_hello(const char *arg)
{
	uint64_t el, sctlr, v;

	(void)arg;
	printk("Hello from the cvmm test kernel\n");
	__asm__ volatile("mrs %0, CurrentEL" : "=r"(el));
	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
	check(el >> 2 == 1, "running at EL%lu", el >> 2);
	check(sctlr & 1, "MMU on (SCTLR_EL1 0x%lx)", sctlr);
	check(boot.fdt != NULL, "device tree at %p (X0)", boot.fdt);
	check(boot.ram_base == ARM64_RAM_BASE && boot.ram_bytes > 0,
	      "memory node: %lu KiB of RAM at 0x%lx", boot.ram_bytes >> 10,
	      boot.ram_base);
	v = hvc_call(PSCI_VERSION, 0, 0, 0).a0;
	check(v >= 2 && v < 0x80000000u, "PSCI %lu.%lu by hvc", v >> 16,
	      v & 0xffff);
	if (pkvm_sharing())
		printk("memory sharing: pKVM MEM_SHARE, granule %lu\n",
		       pkvm_granule());
	else
		printk("memory sharing: cvmm's conversion device\n");
}

/* One region: the device tree's memory node. */
bool arch_ram_region(unsigned int i, uint64_t *base, uint64_t *len)
{
	*base = boot.ram_base;
	*len = boot.ram_bytes;
	return i == 0;
}

/* A secondary CPU, MMU on and on its own stack (entry.S). */
void ap_main(uint64_t cpu);
void ap_main(uint64_t cpu)
{
	ap_mpidr[cpu] = read_mpidr();
	__atomic_add_fetch(&ap_online, 1, __ATOMIC_SEQ_CST);
}

static int64_t cpu_on(uint32_t cpu)
{
	return (int64_t)hvc_call(PSCI_CPU_ON, CPU_MPIDR(cpu),
				 (uint64_t)ap_entry, cpu).a0;
}

void t_smp(const char *arg)
{
	uint64_t ncpus = 0;
	int64_t r;

	if (!smp_cpus_arg(arg, &ncpus))
		return;
	for (uint32_t c = 1; c < ncpus; c++) {
		r = cpu_on(c);
		check(r == PSCI_SUCCESS, "PSCI CPU_ON of CPU %u: %ld", c, r);
	}
	if (ncpus > 1) {
		r = cpu_on(1);
		check(r == PSCI_ALREADY_ON || r == -5 /* ON_PENDING */,
		      "CPU_ON of CPU 1 twice is refused (%ld)", r);
	}
	if (ncpus < MAX_CPUS) {
		r = cpu_on((uint32_t)ncpus);
		check(r == PSCI_INVALID_PARAMETERS,
		      "CPU_ON of CPU %lu (absent) is refused (%ld)", ncpus, r);
	}
	smp_wait_online(ncpus);
	check(ap_online == ncpus - 1, "%u of %lu secondary CPUs online",
	      ap_online, ncpus - 1);
	for (uint32_t c = 1; c < ncpus; c++)
		check(ap_mpidr[c] == CPU_MPIDR(c), "CPU %u reports MPIDR 0x%lx",
		      c, ap_mpidr[c]);
	check(read_mpidr() == CPU_MPIDR(0), "the boot CPU is MPIDR 0x%lx",
	      read_mpidr());
}
