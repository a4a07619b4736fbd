/*
 * arm64 test kernel entry. cvmm enters _start at EL1 with the MMU off,
 * interrupts masked and X0 = the device tree; secondaries arrive at
 * ap_entry from PSCI CPU_ON with X0 = their index. Both turn the MMU on
 * before any C runs: with it off every access is Device memory, where
 * unaligned accesses fault and atomics are not guaranteed, and C's
 * memcpy and atomics need Normal memory.
 *
 * The map is an identity map of the low 512 GiB in 1 GiB blocks (4 KiB
 * granule, 39-bit VA, one level-1 table): the first 2 GiB, where cvmm
 * puts every device, Device-nGnRE and never executable; the rest, RAM
 * from 0x8000_0000, Normal write-back cacheable.
 */

#define STACK_SIZE 16384
#define MAX_CPUS 8

/* MAIR: index 0 Device-nGnRE, index 1 Normal write-back. */
#define MAIR_VALUE 0xff04
/* Block descriptors: valid block, AttrIndx, AF, SH, PXN/UXN. */
#define BLOCK_DEVICE 0x0060000000000401
#define BLOCK_NORMAL 0x0000000000000705
/*
 * TCR: T0SZ = 25 (39 bits), table walks non-cacheable (the table is
 * written with the MMU off, so no stale cache line can hide it), TG0
 * 4 KiB, EPD1 (no TTBR1 walks); IPS is filled in from the CPU's PARange.
 */
#define TCR_VALUE ((1 << 23) | 25)
#define SCTLR_M (1 << 0)
#define SCTLR_A (1 << 1)
#define SCTLR_C (1 << 2)
#define SCTLR_I (1 << 12)
#define SCTLR_WXN (1 << 19)

	.section .text.entry, "ax"
	.globl _start
_start:
	msr daifset, #0xf
	mov x19, x0			/* the device tree */
	bl build_table
	bl mmu_on
	adrp x0, boot_stack_top
	add x0, x0, :lo12:boot_stack_top
	mov sp, x0
	adrp x0, __bss_start		/* the stack is in .bss: nothing on it yet */
	add x0, x0, :lo12:__bss_start
	adrp x1, __bss_end
	add x1, x1, :lo12:__bss_end
1:	cmp x0, x1
	b.hs 2f
	str xzr, [x0], #8
	b 1b
2:	bl set_vectors
	mov x0, x19
	bl kernel_main
3:	wfi
	b 3b

	.globl ap_entry
ap_entry:
	msr daifset, #0xf
	mov x19, x0			/* CPU index, < MAX_CPUS (t_smp) */
	bl mmu_on
	adrp x1, ap_stacks
	add x1, x1, :lo12:ap_stacks
	add x2, x19, #1
	lsl x2, x2, #14			/* STACK_SIZE */
	add x1, x1, x2
	mov sp, x1
	bl set_vectors
	mov x0, x19
	bl ap_main
4:	wfi
	b 4b

/* The level-1 table: 512 blocks of 1 GiB (the BSP, once). */
build_table:
	adrp x0, pgd
	add x0, x0, :lo12:pgd
	mov x1, #0
	ldr x4, =BLOCK_DEVICE
	ldr x5, =BLOCK_NORMAL
1:	lsl x2, x1, #30
	cmp x1, #2
	csel x3, x4, x5, lo
	orr x2, x2, x3
	str x2, [x0, x1, lsl #3]
	add x1, x1, #1
	cmp x1, #512
	b.lo 1b
	dsb sy
	ret

/* This CPU's MMU on, with the shared table. Leaf: no stack. */
mmu_on:
	ldr x0, =MAIR_VALUE
	msr mair_el1, x0
	ldr x0, =TCR_VALUE
	mrs x1, id_aa64mmfr0_el1
	and x1, x1, #7			/* PARange */
	bfi x0, x1, #32, #3		/* IPS */
	msr tcr_el1, x0
	adrp x0, pgd
	msr ttbr0_el1, x0
	isb
	tlbi vmalle1
	dsb nsh
	isb
	mrs x0, sctlr_el1
	ldr x1, =(SCTLR_M | SCTLR_C | SCTLR_I)
	orr x0, x0, x1
	ldr x1, =(SCTLR_A | SCTLR_WXN)
	bic x0, x0, x1
	msr sctlr_el1, x0
	isb
	ret

set_vectors:
	adrp x0, vectors
	add x0, x0, :lo12:vectors
	msr vbar_el1, x0
	isb
	ret

/*
 * Exceptions. Only IRQs at EL1 with SP_EL1 are expected (device
 * interrupts, irq.c); everything else is reported and ends the VM.
 */
	.macro ventry target, kind
	.p2align 7
	mov x0, #\kind
	b \target
	.endm

	.p2align 11
vectors:
	ventry exc_fatal, 0		/* current EL, SP_EL0 */
	ventry exc_fatal, 1
	ventry exc_fatal, 2
	ventry exc_fatal, 3
	ventry exc_fatal, 4		/* current EL, SP_ELx: synchronous */
	.p2align 7
	b exc_irq			/* current EL, SP_ELx: IRQ */
	ventry exc_fatal, 6
	ventry exc_fatal, 7
	ventry exc_fatal, 8		/* lower EL */
	ventry exc_fatal, 9
	ventry exc_fatal, 10
	ventry exc_fatal, 11
	ventry exc_fatal, 12
	ventry exc_fatal, 13
	ventry exc_fatal, 14
	ventry exc_fatal, 15

exc_fatal:
	bl exception_handler		/* does not return */
	b .

/* Save what a C call may clobber, count the interrupt, return. */
exc_irq:
	sub sp, sp, #176
	stp x0, x1, [sp, #0]
	stp x2, x3, [sp, #16]
	stp x4, x5, [sp, #32]
	stp x6, x7, [sp, #48]
	stp x8, x9, [sp, #64]
	stp x10, x11, [sp, #80]
	stp x12, x13, [sp, #96]
	stp x14, x15, [sp, #112]
	stp x16, x17, [sp, #128]
	stp x18, x29, [sp, #144]
	str x30, [sp, #160]
	bl irq_handler
	ldp x0, x1, [sp, #0]
	ldp x2, x3, [sp, #16]
	ldp x4, x5, [sp, #32]
	ldp x6, x7, [sp, #48]
	ldp x8, x9, [sp, #64]
	ldp x10, x11, [sp, #80]
	ldp x12, x13, [sp, #96]
	ldp x14, x15, [sp, #112]
	ldp x16, x17, [sp, #128]
	ldp x18, x29, [sp, #144]
	ldr x30, [sp, #160]
	add sp, sp, #176
	eret

	.ltorg

	.section .data.pagetables, "aw"
	.p2align 12
	.globl pgd
pgd:
	.fill 512, 8, 0

	.section .bss, "aw", %nobits
	.p2align 4
boot_stack:
	.skip STACK_SIZE
boot_stack_top:
ap_stacks:
	.skip STACK_SIZE * MAX_CPUS
