/*
 * Test kernel entry. The BSP arrives through the PVH note (32-bit
 * protected mode, paging off, EBX = hvm_start_info); application
 * processors arrive at ap_entry in the same state with EBX = their index
 * (cvmm's CPU start device). Both switch to long mode on static page
 * tables that identity-map the low 4 GiB with 2 MiB user-accessible pages.
 * Ring-0 code is emulated on some hosts (slow), so it is kept short: the
 * BSP sets up the IDT and TSS and drops to ring 3 with IOPL 3.
 */
#include "kernel_asm.h"

	.section .note.Xen, "a"
	.p2align 2
	.long 4			/* name size */
	.long 4			/* descriptor size */
	.long 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.p2align 2
	.long pvh_entry

	.section .text.entry, "ax"
	.code32
	.globl pvh_entry
pvh_entry:
	cli
	cld
	movl %ebx, %esi		/* start_info */
	xorl %edi, %edi		/* CPU 0 */
	jmp 1f

	.globl ap_entry
ap_entry:
	cli
	cld
	movl %ebx, %edi		/* CPU index */
	xorl %esi, %esi
1:	lgdt gdt_desc
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $(CR0_PG | CR0_WP | CR0_PE), %eax
	movl %eax, %cr0
	ljmp $SEL_KCODE, $long_mode

	.code64
long_mode:
	movl $SEL_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	lidt idt_desc
	testl %edi, %edi
	jnz ap_main
	leaq boot_stack_top(%rip), %rsp
	movq %rsi, %rdi
	call kernel_init	/* never returns */
	ud2

/* Application processors: count in, record the APIC ID, then halt. */
ap_main:
	cmpl $MAX_CPUS, %edi
	jae 3f
	movl %edi, %eax
	incl %eax
	shll $12, %eax
	leaq ap_stacks(%rip), %rsp
	addq %rax, %rsp
	movl $1, %eax
	cpuid
	shrl $24, %ebx
	leaq ap_apic_id(%rip), %rax
	movl %ebx, (%rax,%rdi,4)
	lock incl ap_online(%rip)
3:	hlt
	jmp 3b

/* The registers a C call may clobber, saved around handlers. */
	.macro save_scratch
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	.endm

	.macro restore_scratch
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	.endm

/* enter_user(rip, rsp, arg): iretq to ring 3 with IOPL 3, interrupts off. */
	.globl enter_user
enter_user:
	movq %rdi, %rax
	movq %rdx, %rdi
	pushq $(SEL_UDATA | 3)
	pushq %rsi
	pushq $(RFLAGS_IOPL3 | RFLAGS_FIXED)
	pushq $(SEL_UCODE | 3)
	pushq %rax
	iretq

/* Exception stubs: push a dummy error code where the CPU pushes none. */
	.macro isr vec, has_error
	.globl isr_\vec
isr_\vec:
	.if \has_error == 0
	pushq $0
	.endif
	pushq $\vec
	jmp isr_common
	.endm

	isr 0, 0; isr 1, 0; isr 2, 0; isr 3, 0; isr 4, 0; isr 5, 0; isr 6, 0
	isr 7, 0; isr 8, 1; isr 9, 0; isr 10, 1; isr 11, 1; isr 12, 1
	isr 13, 1; isr 14, 1; isr 15, 0; isr 16, 0; isr 17, 1; isr 18, 0
	isr 19, 0; isr 20, 0; isr 21, 1

isr_common:
	save_scratch
	movq %rsp, %rdi
	call exception_handler	/* reports and ends the VM */
	ud2

/*
 * System calls from ring 3: `int3` through a DPL-3 gate. (Neither
 * `int $0x80` nor `syscall` reaches ring 0 on every host; the breakpoint
 * does.) rax = number, rdi/rsi/rdx/r10 = arguments, result in rax.
 */
	.globl isr_syscall
isr_syscall:
	pushq %rcx
	pushq %r8
	pushq %r9
	pushq %r11
	leaq 32(%rsp), %r9	/* the interrupt frame: rip, cs, rflags */
	movq %r10, %r8
	movq %rdx, %rcx
	movq %rsi, %rdx
	movq %rdi, %rsi
	movq %rax, %rdi
	call syscall_handler
	popq %r11
	popq %r9
	popq %r8
	popq %rcx
	iretq

/* Device interrupts (vectors 0x30-0x37) and the spurious vector. */
	.macro irq_stub vec
	.globl irq_\vec
irq_\vec:
	pushq $\vec
	jmp irq_common
	.endm

	irq_stub 0x30; irq_stub 0x31; irq_stub 0x32; irq_stub 0x33
	irq_stub 0x34; irq_stub 0x35; irq_stub 0x36; irq_stub 0x37
	irq_stub 0xff

irq_common:
	save_scratch
	movq 72(%rsp), %rdi	/* the vector */
	call irq_handler
	/* Interrupted between irq_sleep's check and its hlt: resume past the
	 * hlt, which would otherwise sleep through the wake-up just taken. */
	movq 80(%rsp), %rax	/* the interrupted rip */
	leaq irq_sleep(%rip), %rcx
	cmpq %rcx, %rax
	jb 1f
	leaq irq_sleep_hlt(%rip), %rcx
	cmpq %rcx, %rax
	ja 1f
	leaq irq_sleep_done(%rip), %rcx
	movq %rcx, 80(%rsp)
1:	restore_scratch
	addq $8, %rsp
	iretq

/*
 * irq_sleep(p, seen), ring 0, interrupts off: hlt unless the u16 at p
 * differs from seen. Interrupts are on from the check to the hlt, and one
 * taken there resumes at irq_sleep_done (irq_common). This does not lean
 * on sti's one-instruction interrupt shadow (`cli; check; sti; hlt`),
 * which each layer of the rig's nested, emulated SVM would have to keep.
 */
	.globl irq_sleep
irq_sleep:
	sti
	cmpw %si, (%rdi)
	jne irq_sleep_done
irq_sleep_hlt:
	hlt
irq_sleep_done:
	cli
	ret

/* Segments: kernel code/data, user data/code (DPL 3), then the TSS. */
	.section .data
	.p2align 4
	.globl gdt
gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08 kernel code, 64-bit */
	.quad 0x00cf92000000ffff	/* 0x10 kernel data */
	.quad 0x00cff2000000ffff	/* 0x18 user data */
	.quad 0x00affa000000ffff	/* 0x20 user code, 64-bit */
	.quad 0, 0			/* 0x28 TSS, filled by kernel_init */
gdt_end:
gdt_desc:
	.word gdt_end - gdt - 1
	.quad gdt

	.globl idt_desc
idt_desc:
	.word 256 * 16 - 1
	.quad idt

	.globl ap_online
ap_online:
	.long 0

/* Page tables: 4 GiB identity map, 2 MiB pages, the MMIO hole uncached. */
	.section .data.pagetables, "aw"
	.p2align 12
	.globl pml4
pml4:
	.quad pdpt + PTE_TABLE
	.fill 511, 8, 0
	.globl pdpt
pdpt:
	.quad pd + PTE_TABLE
	.quad pd + 0x1000 + PTE_TABLE
	.quad pd + 0x2000 + PTE_TABLE
	.quad pd + 0x3000 + PTE_TABLE
	.fill 508, 8, 0
pd:
	.set i, 0
	.rept 1536
	.quad (i << 21) | PTE_LARGE
	.set i, i + 1
	.endr
	.rept 512
	.quad (i << 21) | PTE_LARGE | PTE_UNCACHED
	.set i, i + 1
	.endr

	.section .bss
	.p2align 12
	.globl idt
idt:
	.fill 256 * 16, 1, 0
boot_stack:
	.fill 16384, 1, 0
	.globl boot_stack_top
boot_stack_top:
ap_stacks:
	.fill 4096 * MAX_CPUS, 1, 0
	.globl ap_apic_id
ap_apic_id:
	.fill MAX_CPUS, 4, 0
