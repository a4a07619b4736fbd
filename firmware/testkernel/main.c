/*
 * x86 test kernel core: the short ring-0 setup, ring-0 services for ring
 * 3 (exceptions, system calls), boot-information parsing and the x86
 * test table (the dispatcher and the output protocol: dispatch.c).
 */
#include "kernel.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp0, rsp1, rsp2;
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3, iomap_base;
} __attribute__((packed));

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, reserved;
};

extern uint64_t gdt[];
extern struct idt_gate idt[256];
extern char boot_stack_top[];
extern void isr_syscall(void);
void irq_sleep(const volatile uint16_t *p, uint16_t seen); /* entry.S */
extern void enter_user(void (*fn)(const struct hvm_start_info *),
		       void *stack, const void *arg)
	__attribute__((noreturn));
#define ISR(n) extern void isr_##n(void)
ISR(0); ISR(1); ISR(2); ISR(3); ISR(4); ISR(5); ISR(6); ISR(7); ISR(8);
ISR(9); ISR(10); ISR(11); ISR(12); ISR(13); ISR(14); ISR(15); ISR(16);
ISR(17); ISR(18); ISR(19); ISR(20); ISR(21);

extern void irq_0x30(void), irq_0x31(void), irq_0x32(void), irq_0x33(void),
	irq_0x34(void), irq_0x35(void), irq_0x36(void), irq_0x37(void),
	irq_0xff(void);
static void (*const irq_stubs[])(void) = {
	irq_0x30, irq_0x31, irq_0x32, irq_0x33,
	irq_0x34, irq_0x35, irq_0x36, irq_0x37,
};

static void (*const exception_stubs[])(void) = {
	isr_0, isr_1, isr_2, isr_3, isr_4, isr_5, isr_6, isr_7,
	isr_8, isr_9, isr_10, isr_11, isr_12, isr_13, isr_14, isr_15,
	isr_16, isr_17, isr_18, isr_19, isr_20, isr_21,
};

/*
 * The TSS carries an all-zero I/O permission bitmap as well as IOPL 3 in
 * RFLAGS: some hosts check only one of the two for ring-3 port I/O.
 */
static struct {
	struct tss tss;
	uint8_t iomap[8192];
	uint8_t iomap_end; /* must be 0xff */
} tss_io __attribute__((aligned(16))) = { .iomap_end = 0xff };
#define tss tss_io.tss
static uint8_t user_stack[65536] __attribute__((aligned(16)));
struct boot boot;

static void set_gate(unsigned int vec, void (*fn)(void), unsigned int dpl)
{
	uint64_t a = (uint64_t)fn;

	idt[vec] = (struct idt_gate){
		.off0 = (uint16_t)a, .sel = SEL_KCODE, .ist = 0,
		.type = (uint8_t)(0x8e | (dpl << 5)), /* present interrupt gate */
		.off1 = (uint16_t)(a >> 16), .off2 = (uint32_t)(a >> 32),
	};
}

static void user_main(const struct hvm_start_info *si);

/* Ring 0, emulated on some hosts: do the minimum, then leave. */
__attribute__((noreturn)) void kernel_init(const struct hvm_start_info *si);
void kernel_init(const struct hvm_start_info *si)
{
	uint64_t base = (uint64_t)&tss_io;

	tss.rsp0 = (uint64_t)boot_stack_top;
	tss.iomap_base = sizeof(tss);
	gdt[SEL_TSS / 8] = (sizeof(tss_io) - 1) | (base & 0xffffff) << 16 |
			   0x89ULL << 40 | ((base >> 24) & 0xff) << 56;
	gdt[SEL_TSS / 8 + 1] = base >> 32;
	__asm__ volatile("ltr %w0" : : "r"(SEL_TSS));
	for (unsigned int v = 0; v < sizeof(exception_stubs) /
					    sizeof(exception_stubs[0]); v++)
		set_gate(v, exception_stubs[v], 0);
	set_gate(SYSCALL_VECTOR, isr_syscall, 3);
	for (unsigned int v = 0; v < IRQ_VECTORS; v++)
		set_gate(0x30 + v, irq_stubs[v], 0);
	set_gate(0xff, irq_0xff, 0);
	enter_user(user_main, user_stack + sizeof(user_stack), si);
}

struct frame {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

void exception_handler(const struct frame *f);
void exception_handler(const struct frame *f)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	printk("FAIL exception %u error 0x%x at rip 0x%lx (cs 0x%x) cr2 0x%lx\n",
	       (unsigned int)f->vector, (unsigned int)f->error, f->rip,
	       (unsigned int)f->cs, cr2);
	vm_exit(EXIT_EXCEPTION);
}

struct iret_frame {
	uint64_t rip, cs, rflags, rsp, ss;
};

uint64_t syscall_handler(uint64_t nr, uint64_t a, uint64_t b, uint64_t c,
			 uint64_t d, struct iret_frame *f);
uint64_t syscall_handler(uint64_t nr, uint64_t a, uint64_t b, uint64_t c,
			 uint64_t d, struct iret_frame *f)
{
	uint64_t ret = (uint64_t)-1, cr3;

	switch (nr) {
	case SYS_IRQ_ENABLE:
		/* sti in ring 3 faults on some hosts; iretq sets IF instead. */
		f->rflags |= 0x200;
		ret = 0;
		break;
	case SYS_IRQ_WAIT: /* hlt is ring 0's; iretq restores ring 3's IF */
		irq_sleep((const volatile uint16_t *)a, (uint16_t)b);
		ret = 0;
		break;
	case SYS_FLUSH_TLB:
		__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3) : : "memory");
		ret = 0;
		break;
	case SYS_TRIPLE_FAULT: {
		/* An empty IDT turns the next exception into a triple fault. */
		static const struct { uint16_t limit; uint64_t base; }
			__attribute__((packed)) none = { 0, 0 };

		__asm__ volatile("lidt %0; int3" : : "m"(none));
		break;
	}
	case SYS_VMCALL: /* Intel; KVM's hypercall ABI: nr in rax, rbx.. */
		__asm__ volatile("vmcall" : "=a"(ret) : "a"(a), "b"(b), "c"(c), "d"(d) : "memory");
		break;
	case SYS_VMMCALL: /* AMD */
		__asm__ volatile("vmmcall" : "=a"(ret) : "a"(a), "b"(b), "c"(c), "d"(d) : "memory");
		break;
	}
	return ret;
}

uint64_t syscall4(uint64_t nr, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
	register uint64_t r10 __asm__("r10") = d;

	__asm__ volatile("int3"
			 : "+a"(nr), "+D"(a), "+S"(b), "+d"(c), "+r"(r10)
			 :
			 : "memory");
	return nr;
}

bool range_in_use(uint64_t addr, uint64_t len)
{
	const struct hvm_start_info *si = boot.si;
	uint64_t kstart = (uint64_t)__kernel_start, kend = (uint64_t)__kernel_end;

	if (ranges_overlap(addr, len, kstart, kend - kstart) ||
	    ranges_overlap(addr, len, (uint64_t)si & ~(PAGE - 1), PAGE) ||
	    ranges_overlap(addr, len, si->cmdline_paddr & ~(PAGE - 1), PAGE) ||
	    ranges_overlap(addr, len, si->memmap_paddr & ~(PAGE - 1), PAGE))
		return true;
	for (uint32_t i = 0; i < si->nr_modules; i++) {
		const struct hvm_modlist_entry *m =
			(const void *)(si->modlist_paddr + i * sizeof(*m));

		if (m->size && ranges_overlap(addr, len, m->paddr, m->size))
			return true;
	}
	return false;
}

/* The i-th RAM entry of the memory map. */
bool arch_ram_region(unsigned int i, uint64_t *base, uint64_t *len)
{
	for (uint32_t e = 0; e < boot.nmemmap; e++) {
		if (boot.memmap[e].type != E820_RAM || i--)
			continue;
		*base = boot.memmap[e].addr;
		*len = boot.memmap[e].size;
		return true;
	}
	return false;
}

void arch_memtest_prepare(void)
{
	check(map_high_ram(), "RAM above 4 GiB is mapped");
}

/* PDs for RAM above 4 GiB: up to 60 GiB more, filled on demand. */
static uint64_t high_pd[60][512] __attribute__((aligned(4096)));
extern uint64_t pdpt[512];

bool map_high_ram(void)
{
	uint64_t top = 0;

	for (uint32_t i = 0; i < boot.nmemmap; i++)
		if (boot.memmap[i].type == E820_RAM &&
		    boot.memmap[i].addr + boot.memmap[i].size > top)
			top = boot.memmap[i].addr + boot.memmap[i].size;
	if (top <= 4 * GiB_)
		return true;
	if (top > 64 * GiB_)
		return false;
	for (uint64_t g = 4; g * GiB_ < top; g++) {
		uint64_t *pd = high_pd[g - 4];

		for (uint64_t i = 0; i < 512; i++)
			pd[i] = (g * GiB_ + (i << 21)) | PTE_LARGE;
		pdpt[g] = (uint64_t)pd | PTE_TABLE;
	}
	/* Entries went from not-present to present: no stale TLB entries. */
	return true;
}

/* The device tree module cvmm passed, or NULL. */
const void *fdt_from_boot(void)
{
	const struct hvm_start_info *si = boot.si;

	for (uint32_t i = 0; i < si->nr_modules; i++) {
		const struct hvm_modlist_entry *m =
			(const void *)(si->modlist_paddr + i * sizeof(*m));

		if (m->size >= 40 /* an FDT header */ && fdt_valid((const void *)m->paddr))
			return (const void *)m->paddr;
	}
	return NULL;
}

static void parse_boot(const struct hvm_start_info *si)
{
	boot.si = si;
	boot.cmdline = si->cmdline_paddr ? (const char *)si->cmdline_paddr : "";
	boot.memmap = (const void *)si->memmap_paddr;
	boot.nmemmap = si->memmap_entries;
	for (uint32_t i = 0; i < boot.nmemmap; i++)
		if (boot.memmap[i].type == E820_RAM)
			boot.ram_bytes += boot.memmap[i].size;
}

static const struct test tests[] = {
	TESTS_EVERY_ARCH,
	{ "fault", t_fault },
	{ "unclaimed", t_unclaimed },
	{ "reset", t_reset },
	{ "triple-fault", t_triple },
	{ "irq", t_irq },
	{ "idle", t_idle },
	{ "convert", t_convert },
	{ "convert-bad", t_convert_bad },
	{ "guard", t_guard },
	{ "churn", t_churn },
	{ "scatter", t_scatter },
	{ "memfault", t_memfault },
	{ "initial", t_initial },
};

void arch_test_report(void)
{
	if (conv_counts.hypercall + conv_counts.device)
		printk("conversions: %lu by hypercall, %lu by the conversion "
		       "device\n", conv_counts.hypercall, conv_counts.device);
}

static void user_main(const struct hvm_start_info *si)
{
	if (si->magic != PVH_START_MAGIC) {
		printk("FAIL bad hvm_start_info magic 0x%x\n", si->magic);
		vm_exit(EXIT_BAD_TEST);
	}
	parse_boot(si);
	run_test(tests, sizeof(tests) / sizeof(tests[0]));
}
