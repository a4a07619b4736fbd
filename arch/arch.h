/* SPDX-License-Identifier: MIT */
/*
 * The architecture seam: everything vmm/ needs to know about the CPU
 * architecture, as one set of names. arch/<arch>/ implements them; the
 * core (vmm/, mem/, devices/) includes only this header, never a file
 * under arch/<arch>/, so a second architecture is a new folder written
 * against this header. What an architecture owns: the address map and
 * where each system device sits, RAM regions, interrupt numbering, the
 * interrupt controller, vCPU setup (CPUID, entry registers), the boot
 * protocol (kernel format, boot information, device tree), and exits that
 * only it has (x86 port I/O).
 */
#ifndef CVMM_ARCH_H
#define CVMM_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../devices/bus.h"

#if defined(__x86_64__)
#include "x86/arch_types.h"
#elif defined(__aarch64__)
#include "arm64/arch_types.h"
#else
#error "cvmm supports x86_64 and arm64"
#endif

struct kvm_run;
struct launch_list;
struct arch_entry;

/* --- Address map ----------------------------------------------------- */

/* One range of guest RAM; each becomes one memslot. */
struct arch_ram_region {
	uint64_t gpa, size;
};

/* Split ram bytes of guest RAM into regions; returns how many (>= 1). */
unsigned int arch_ram_regions(uint64_t ram,
			      struct arch_ram_region out[ARCH_MAX_RAM_REGIONS]);

/*
 * The address spaces a device can sit in. ARCH_SPACE_IO is an address
 * space separate from memory (x86 port I/O); an architecture without one
 * never places a device there.
 */
enum arch_space { ARCH_SPACE_MMIO, ARCH_SPACE_IO };

/* The system devices every VM has, whose place the architecture decides. */
enum arch_sysdev {
	SYSDEV_UART,	  /* the console UART (a 16550) */
	SYSDEV_EXIT,	  /* paravirtual exit device */
	SYSDEV_RESET,	  /* reset control (x86: the 0xcf9 port) */
	SYSDEV_RESET_KBD, /* reset through the keyboard controller */
	SYSDEV_CPU_START, /* starts secondary vCPUs (no real mode here) */
	SYSDEV_CONVERT,	  /* paravirtual conversion device */
	SYSDEV_TEST,	  /* test device (--testdev) */
	SYSDEV_SLEEP,	  /* ACPI sleep control/status (x86: power-off) */
	SYSDEV_COUNT
};

/*
 * Where a device sits: its space, range, and its interrupt as the GSI the
 * architecture maps its line to (ARCH_NO_IRQ: none). len 0: the device
 * does not exist on this architecture.
 */
#define ARCH_NO_IRQ (~0u)
struct arch_place {
	enum arch_space space;
	uint64_t base, len;
	unsigned int gsi;
};

struct arch_place arch_sysdev_place(enum arch_sysdev d);

/* Where virtio-mmio device number i sits and its interrupt. */
struct arch_place arch_virtio_place(unsigned int i);

/* Memory without guest_memfd for --testdev, outside the RAM regions. */
struct arch_place arch_test_memory(void);

/* --- The VM and its vCPUs --------------------------------------------- */

/* The name of KVM VM type t ("default", ...), or NULL past the last. */
const char *arch_vm_type_name(unsigned int t);

/*
 * The interrupt controller a platform asks for: all of it in KVM, or only
 * the local APICs in KVM and the rest (IOAPIC, PIC, PIT) left out.
 */
enum arch_irqchip { ARCH_IRQCHIP_KERNEL, ARCH_IRQCHIP_SPLIT };

/* Put a in its empty state: arch_vm_destroy() is then always safe. */
void arch_vm_init(struct arch_vm *a);

/*
 * After KVM_CREATE_VM: interrupt controller, timers, CPU features.
 * protected_state: KVM keeps the vCPUs' state from the host (SEV-SNP,
 * TDX), so nothing that serves only emulated real mode is set up.
 */
int arch_vm_create(struct arch_vm *a, int sys_fd, int vm_fd,
		   enum arch_irqchip irqchip, bool protected_state)
	__attribute__((warn_unused_result));
void arch_vm_destroy(struct arch_vm *a);

/*
 * Set up vCPU index of ncpus right after KVM_CREATE_VCPU (x86: CPUID,
 * telling the guest whether conversion hypercalls reach the VMM).
 */
int arch_vcpu_init(struct arch_vm *a, int vcpu_fd, unsigned int index,
		   unsigned int ncpus, bool conv_hypercall)
	__attribute__((warn_unused_result));

/*
 * Only where the host owns the vCPU's state (REGS_ANY_TIME: not a measured
 * SEV-SNP VMSA, not a TD), after arch_vcpu_init: state beyond the entry
 * registers (x86: XCR0, see arch/x86/cpu.c). Best effort.
 */
void arch_vcpu_host_state(struct arch_vm *a, int vcpu_fd);

/* After every vCPU exists (arm64: the vGIC can only be initialised then). */
int arch_vcpus_created(struct arch_vm *a) __attribute__((warn_unused_result));

/* The number KVM_IRQ_LINE wants for a device's gsi (arm64 encodes it). */
uint32_t arch_irq_line_id(unsigned int gsi);

/* Put a vCPU in the boot protocol's entry state: pc, and its argument. */
int arch_vcpu_set_entry(int vcpu_fd, uint64_t pc, uint64_t arg)
	__attribute__((warn_unused_result));

/* The boot vCPU's entry state, in the mode arch_boot_entry() chose. */
int arch_vcpu_set_boot_entry(int vcpu_fd, const struct arch_entry *e)
	__attribute__((warn_unused_result));

/*
 * The vCPU ioctls a running VM may still need (the seccomp filter allows
 * them): x86 sets registers of application processors the guest starts.
 */
size_t arch_runtime_ioctls(const unsigned long **list);

/* --- Exits ------------------------------------------------------------ */

/* Is this exit reason one the architecture handles (arch_handle_exit)? */
bool arch_owns_exit(const struct kvm_run *run);

/*
 * Handle an exit the architecture owns. io is the VM's ARCH_SPACE_IO bus,
 * run_size the bytes mapped for kvm_run; a repeated access (x86 `rep
 * ins/outs`, up to a page of them) ends early once *stopping (read
 * atomically; NULL: never). Returns 0 to resume, -EINVAL for a malformed
 * exit (the VM stops).
 */
int arch_handle_exit(struct kvm_run *run, size_t run_size, struct bus *io,
		     unsigned int cpu, const bool *stopping)
	__attribute__((warn_unused_result));

/* --- The kernel -------------------------------------------------------- */

/*
 * A kernel image as the architecture's boot protocol reads it: loadable
 * segments (file bytes at offset, then zeros up to memsz) and the entry.
 */
#define KERNEL_MAX_SEGMENTS 16
#define KERNEL_MAX_FILE (512ULL << 20) /* after decompression */

struct kernel_segment {
	uint64_t paddr, memsz, filesz, offset;
};

struct kernel_image {
	struct kernel_segment seg[KERNEL_MAX_SEGMENTS];
	size_t nseg;
	uint32_t entry;	 /* entry point (below 4 GiB on every cvmm layout) */
	uint64_t end;	 /* highest paddr + memsz of any segment */
	/*
	 * A header of the file the boot protocol hands on (x86 bzImage: the
	 * setup header, copied into boot_params), pointing into the buffer
	 * kernel_parse() read; NULL for ELF images.
	 */
	const uint8_t *boot_hdr;
	size_t boot_hdr_len;
};

/*
 * Read path into a malloc'd buffer, inflating it if it is gzip data.
 * Returns 0 or -errno with err filled.
 */
int kernel_read_file(const char *path, uint8_t **buf, size_t *len,
		     char *err, size_t errlen)
	__attribute__((warn_unused_result));

/* Read path as it is (an initrd) into a malloc'd buffer; as above. */
int boot_file_read(const char *path, uint8_t **buf, size_t *len, char *err,
		   size_t errlen) __attribute__((warn_unused_result));

/* Parse and check an ELF image in buf. Returns 0 or -EINVAL with err. */
int kernel_parse(const uint8_t *buf, size_t len, struct kernel_image *img,
		 char *err, size_t errlen) __attribute__((warn_unused_result));

/*
 * Does every segment lie in RAM of a `ram`-byte guest, clear of the boot
 * info area? Returns 0 or -E2BIG with err.
 */
int kernel_check_fit(const struct kernel_image *img, uint64_t ram, char *err,
		     size_t errlen) __attribute__((warn_unused_result));

/* --- Firmware (--firmware) --------------------------------------------- */

/*
 * A firmware image loaded as RAM so that it ends where the architecture's
 * reset vector is (x86: 4 GiB), and the sections its metadata declares
 * that the VMM must place in guest memory before launch (OVMF's SEV
 * metadata on x86). Which sections a platform uses, and how they are
 * measured, is the platform's choice.
 */
#define FW_MAX_SIZE (16ULL << 20)
#define FW_MAX_SECTIONS 32

enum fw_section_kind {
	FW_SEC_SNP_MEM,	    /* RAM the guest expects pre-validated (zeros) */
	FW_SEC_SNP_SECRETS, /* the SNP secrets page */
	FW_SEC_SNP_CPUID,   /* the SNP CPUID page */
	FW_SEC_HASHES,	    /* kernel/initrd/cmdline hashes (measured boot) */
};

struct fw_section {
	uint64_t gpa, len;
	enum fw_section_kind kind;
};

struct arch_firmware {
	const uint8_t *data; /* the image (borrowed) */
	uint64_t gpa, size;  /* where it is loaded: [gpa, gpa+size) */
	bool sev_metadata;   /* the image has OVMF's SEV metadata */
	unsigned int nsev;
	struct fw_section sev[FW_MAX_SECTIONS];
};

/*
 * Check an image of len bytes and parse the metadata this architecture
 * knows (x86: OVMF's GUIDed footer table and its SEV metadata). Returns 0,
 * or -EINVAL with one line in err (a wrong size, malformed metadata).
 */
int arch_firmware_parse(const uint8_t *img, size_t len,
			struct arch_firmware *fw, char *err, size_t errlen)
	__attribute__((warn_unused_result));

const char *fw_section_name(enum fw_section_kind k);

/* --- Boot ------------------------------------------------------------- */

/* What the boot protocol needs to describe the machine to the guest. */
struct arch_boot_desc {
	uint64_t ram;
	const char *cmdline;
	uint64_t pool_base, pool_size; /* size 0: no DMA pool */
	const struct arch_place *virtio;
	unsigned int nvirtio;
	unsigned int ncpus;
	uint64_t dt_base; /* where the device tree goes */
	const struct kernel_image *img;
	uint64_t initrd_base, initrd_size; /* size 0: no initrd */
};

/*
 * Build the boot information (device tree, boot info page, command line)
 * and append it to the launch list. Returns 0 or -errno (-E2BIG: does not
 * fit its place).
 */
int arch_boot_build(struct arch_boot *b, const struct arch_boot_desc *d,
		    struct launch_list *l) __attribute__((warn_unused_result));

/*
 * The vCPU entry state that arch_boot_build() set up: pc and argument, in
 * the architecture's entry mode (0: its usual one; x86: 0 is the 32-bit
 * PVH state, X86_ENTRY_LONG the 64-bit Linux boot protocol's).
 */
struct arch_entry {
	uint64_t pc, arg;
	bool at_reset; /* firmware: the vCPU starts in its reset state */
	unsigned int mode;
};
struct arch_entry arch_boot_entry(const struct arch_boot *b,
				  uint64_t kernel_entry);

#endif
