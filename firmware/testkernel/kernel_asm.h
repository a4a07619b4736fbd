/* Constants shared by the test kernel's assembly and C. */
#ifndef TK_KERNEL_ASM_H
#define TK_KERNEL_ASM_H

#define MAX_CPUS 64

#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_UDATA 0x18
#define SEL_UCODE 0x20
#define SEL_TSS 0x28

#define CR0_PE 0x1
#define CR0_WP 0x10000
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100

#define RFLAGS_FIXED 0x2
#define RFLAGS_IOPL3 0x3000

#define PTE_PRESENT 0x1
#define PTE_WRITE 0x2
#define PTE_USER 0x4
#define PTE_PWT 0x8
#define PTE_PCD 0x10
#define PTE_PS 0x80
#define PTE_TABLE (PTE_PRESENT | PTE_WRITE | PTE_USER)
#define PTE_LARGE (PTE_TABLE | PTE_PS)
#define PTE_UNCACHED (PTE_PWT | PTE_PCD)

#define SYSCALL_VECTOR 3 /* int3 */

#endif
