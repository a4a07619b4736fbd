/* Basic x86 tests: console, ring 0, application processors, faults,
 * unclaimed accesses, reset, interrupts (memtest: t_common.c). */
#include "kernel.h"

void t_hello(const char *arg)
{
	(void)arg;
	printk("Hello from the cvmm test kernel\n");
	check(boot.si->magic == PVH_START_MAGIC, "hvm_start_info magic");
	check(syscall4(SYS_FLUSH_TLB, 0, 0, 0, 0) == 0,
	      "system call into ring 0 and back");
	check(boot.nmemmap > 0 && boot.ram_bytes > 0,
	      "memory map: %u entries, %lu KiB of RAM", boot.nmemmap,
	      boot.ram_bytes >> 10);
}

void t_smp(const char *arg)
{
	uint64_t ncpus = 0;
	uint32_t st;

	if (!smp_cpus_arg(arg, &ncpus))
		return;
	for (uint32_t c = 1; c < ncpus; c++) {
		st = pv_cpu_start(c, (uint32_t)(uint64_t)ap_entry, c);
		check(st == PV_OK, "start CPU %u: status %u", c, st);
	}
	st = pv_cpu_start(1, (uint32_t)(uint64_t)ap_entry, 1);
	if (ncpus > 1)
		check(st == PV_EBUSY, "starting CPU 1 twice is refused (%u)", st);
	st = pv_cpu_start((uint32_t)ncpus, (uint32_t)(uint64_t)ap_entry, 0);
	check(st == PV_EINVAL, "starting CPU %lu (absent) is refused (%u)",
	      ncpus, st);
	smp_wait_online(ncpus);
	check(ap_online == ncpus - 1, "%u of %lu application processors online",
	      ap_online, ncpus - 1);
	for (uint32_t c = 1; c < ncpus && c < MAX_CPUS; c++)
		check(ap_apic_id[c] == c, "CPU %u reports APIC ID %u", c,
		      ap_apic_id[c]);
}

/* A deliberate page fault: the kernel must report it and exit 5. */
void t_fault(const char *arg)
{
	(void)arg;
	*(volatile uint64_t *)0x8000000000ULL = 1; /* beyond the mapping */
	check(false, "the page fault was not reported");
}

/* Ports and MMIO nobody claims read as all ones; the guest goes on. */
void t_unclaimed(const char *arg)
{
	volatile uint32_t *mmio = (volatile uint32_t *)0xfe000000ULL;

	(void)arg;
	outb(0x3e0, 0x55);
	check(inb(0x3e0) == 0xff, "unclaimed port reads 0xff");
	check(inl(0x5f0) == 0xffffffff, "unclaimed 32-bit port reads all ones");
	mmio[0] = 0x1234;
	check(mmio[0] == 0xffffffff, "unclaimed MMIO reads all ones");
}

/* Pulse reset through the i8042: cvmm ends with status 0. */
void t_reset(const char *arg)
{
	(void)arg;
	printk("resetting through the i8042\n");
	outb(0x64, 0xfe);
	check(false, "still running after the reset request");
}

void t_triple(const char *arg)
{
	(void)arg;
	printk("triple-faulting on purpose\n");
	syscall4(SYS_TRIPLE_FAULT, 0, 0, 0, 0);
	check(false, "still running after a triple fault");
}

/*
 * Interrupts on with nothing routed: a device register can be read at
 * once (the rig once failed exactly there), and no interrupt arrives:
 * the legacy PIC and LINT0/1 are masked.
 */
void t_irq(const char *arg)
{
	uint64_t end;
	uint32_t total = 0;

	(void)arg;
	irq_enable();
	check(*(volatile uint32_t *)0xd0000008ULL != 0x12345678u,
	      "a virtio-mmio read right after interrupts are enabled");
	end = rdtsc() + 200000000ULL;
	while (rdtsc() < end)
		cpu_relax();
	for (unsigned int i = 0; i < IRQ_VECTORS; i++)
		total += irq_count[i];
	check(total + irq_unexpected == 0,
	      "no interrupt while none is routed (%u device, %u other, "
	      "%u spurious)", total, irq_unexpected, irq_spurious);
}

/* Runs until cvmm is stopped from outside (signal tests). */
void t_idle(const char *arg)
{
	(void)arg;
	printk("idling until stopped\n");
	for (;;)
		cpu_relax();
}
