/* SPDX-License-Identifier: MIT */
/*
 * A confidential-computing platform is the behaviour that differs between
 * soft, sw-protected and (later) pKVM, SEV-SNP and TDX: how the host finds
 * out it can run one, what VM type it creates, what backs each memslot,
 * how the boot image gets into private memory (and is measured), when the
 * launch is sealed, whether the host may set vCPU registers, which
 * interrupt controller KVM may provide, what the guest hears when a
 * conversion cannot be done right now, and exits only it has.
 *
 * One file per platform (platform/<name>.c) fills in one struct platform;
 * platform.c lists them in one table. Hooks see the VM through struct
 * plat_vm (its KVM fds and guest memory), never vmm/'s struct vm. Facts
 * are fields; behaviour is a hook. A hook a platform does not need is
 * NULL and the builder and exit code do the plain thing, as OpenBSD vmd's
 * sev_* calls are no-ops without SEV. The builder calls them in order:
 *
 *   probe -> KVM_CREATE_VM(vm_type) -> vm_init -> memslots (backing) ->
 *   launch (each launch-list item, in order) -> vCPUs (entry registers
 *   when regs allows) -> finalize -> first KVM_RUN
 */
#ifndef CVMM_PLATFORM_H
#define CVMM_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "../arch/arch.h"
#include "../mem/guest_mem.h"
#include "../mem/launch.h"

struct kvm_run;

/* What a platform's hooks may touch of a VM. */
struct plat_vm {
	int sys_fd, vm_fd;
	struct guest_mem *mem;
	void *state; /* the platform's own (e.g. the /dev/sev fd) */
	const int *vcpu_fd; /* the vCPUs' fds, once they exist (finalize) */
	unsigned int ncpus;
	uint64_t policy; /* the guest policy the user chose (--snp-policy) */
};

/*
 * A launch measurement computed without KVM (`cvmm measure`, --dry-run),
 * from the launch list a run executes.
 */
struct plat_measure {
	const char *name;   /* "snp-page-digest", "mrtd" */
	uint8_t digest[48]; /* SHA-384 */
	const char *note;   /* what it covers and what it does not */
};

/* What backs a memslot of RAM. */
enum ram_backing {
	/* One guest_memfd holds both states; the host maps its shared pages. */
	RAM_GMEM_IN_PLACE,
	/* Private pages in guest_memfd, shared pages in a memfd beside it. */
	RAM_GMEM_AND_MEMFD,
	/* A memfd only: the kernel takes private pages from the host itself
	 * (pKVM in Linux 7.3 cannot back protected memory with guest_memfd). */
	RAM_MEMFD_ONLY,
};

/* When the host may set a vCPU's registers. */
enum vcpu_regs {
	REGS_ANY_TIME,	       /* soft, sw-protected, pKVM */
	REGS_BEFORE_FINALIZE,  /* SEV-SNP: sealed by LAUNCH_FINISH */
	REGS_NEVER,	       /* TDX: the TDX module sets them */
};

/* What the guest hears when part of a conversion is busy (host I/O). */
enum conv_busy {
	BUSY_ANSWER_RETRY, /* "try again" (EAGAIN to MAP_GPA_RANGE) */
	BUSY_WAIT,	   /* wait for the I/O, then answer: the guest never
			    * sees EAGAIN (SEV-SNP guests treat it as fatal) */
};

/* One row of `cvmm caps`: a feature, whether the host has it, from where. */
typedef void (*plat_caps_row)(void *ctx, const char *feature, bool yes,
			      const char *detail);

/* What a platform's exit hook did with an exit. */
enum plat_exit { PLAT_EXIT_NOT_MINE, PLAT_EXIT_RESUME, PLAT_EXIT_STOP };

struct platform {
	const char *name;
	const char *summary;
	unsigned long vm_type;	   /* KVM_CREATE_VM argument */
	uint64_t gmem_flags;	   /* KVM_CREATE_GUEST_MEMFD flags */
	enum ram_backing backing;
	bool attributes;	   /* KVM_SET_MEMORY_ATTRIBUTES tracks state */
	bool hypercalls;	   /* MAP_GPA_RANGE exits reach cvmm */
	bool initial_shared;	   /* default state of RAM at launch */
	enum mem_content default_mode;
	enum arch_irqchip irqchip;
	/*
	 * KVM keeps the vCPUs' state out of the host's reach (Linux's
	 * has_protected_state: SEV-SNP's VMSA, a TD): KVM never emulates
	 * their real mode, so the architecture skips what only that needs
	 * (x86: KVM_SET_TSS_ADDR, which Linux 7.3 accepts and ignores there).
	 */
	bool protected_state;
	enum vcpu_regs regs;
	enum conv_busy busy;
	/*
	 * The guest shares and unshares pages with the hypervisor and cvmm is
	 * never told (pKVM): cvmm's record cannot follow the guest, so
	 * devices may touch only the DMA pool, which the guest shares whole.
	 */
	bool sharing_unseen;
	/*
	 * KVM copies the launch list into private memory (SNP's
	 * LAUNCH_UPDATE, TDX's INIT_MEM_REGION) from the shared backing, so
	 * RAM may start private although the host cannot write it.
	 */
	bool launch_update;
	bool uses_policy; /* --snp-policy means something here */
	/*
	 * A request to make memory outside RAM shared (an MMIO window) is
	 * answered done: it is shared already. TDX firmware converts its MMIO
	 * ranges and treats a refusal as fatal (QEMU answers success too).
	 */
	bool shared_outside_ram_ok;
	/*
	 * The guest starts from a firmware image and nothing else reaches
	 * its private memory (TDX adds only the firmware's sections):
	 * --firmware is required and --kernel refused.
	 */
	bool firmware_only;

	/*
	 * Extra host checks beyond the generic ones (guest_memfd, memslot
	 * v2, the VM type, attributes, hypercall exits). Returns 0 or
	 * -ENOTSUP with *missing naming what the host lacks.
	 */
	int (*probe)(int sys_fd, const char **missing);
	/*
	 * Add the launch items a firmware image's metadata asks this
	 * platform for (after the image itself, before the kernel), at
	 * resolve time. NULL: the image alone. Returns 0 or -errno, with
	 * err one line saying what is wrong (or left empty).
	 */
	int (*plan_firmware)(const struct arch_firmware *fw,
			     struct launch_list *l, char *err, size_t errlen);
	/*
	 * Rows for `cvmm caps`: what this host has and lacks for the
	 * platform beyond the generic checks. NULL: none.
	 */
	void (*caps)(int sys_fd, plat_caps_row row, void *ctx);
	/* After KVM_CREATE_VM, before memory and vCPUs exist. */
	int (*vm_init)(struct plat_vm *vm);
	/* Put one launch-list item into guest memory. NULL: plain copy. */
	int (*launch)(struct plat_vm *vm, const struct launch_item *item);
	/* After every vCPU is set up, before the first run. */
	int (*finalize)(struct plat_vm *vm);
	/* At VM teardown: release what the hooks kept in vm->state. */
	void (*destroy)(struct plat_vm *vm);
	/*
	 * The expected launch measurement of l with ncpus vCPUs, without
	 * KVM. Returns 0, or -errno with one line in err. NULL: none.
	 */
	int (*measure)(const struct launch_list *l, unsigned int ncpus,
		       uint64_t policy, struct plat_measure *out, char *err,
		       size_t errlen);
	/* Exits only this platform has; NULL or NOT_MINE: the generic code. */
	enum plat_exit (*handle_exit)(struct plat_vm *vm, struct kvm_run *run,
				      int *status);
};

/*
 * The facts every hardware-isolated x86 platform (SEV-SNP, TDX) shares,
 * as KVM gives them: private pages in guest_memfd and shared ones in a
 * memfd beside it, tracked by memory attributes and converted on
 * MAP_GPA_RANGE exits; RAM private from the start, the launch list
 * copied in by KVM's launch update; conversions in ZERO mode;
 * vCPU state out of the host's reach. A platform's own facts follow it
 * in its initializer.
 */
#define PLATFORM_HW_ISOLATED_FACTS                                      \
	.gmem_flags = 0, .backing = RAM_GMEM_AND_MEMFD, .attributes = true, \
	.hypercalls = true, .initial_shared = false,                      \
	.default_mode = MEM_CONTENT_ZERO, .launch_update = true,          \
	.protected_state = true

/* The platform called name, or NULL. */
const struct platform *platform_find(const char *name);

/* The i-th platform of the table, or NULL past the end. */
const struct platform *platform_at(unsigned int i);

/* "soft, sw-protected": the names, for error messages and --help. */
const char *platform_names(void);

/*
 * Can this host run p? Returns 0, or -ENOTSUP with *missing naming the
 * capability it lacks (a static string).
 */
int platform_probe(const struct platform *p, int sys_fd,
		   const char **missing);

/* Do shared pages live in the guest_memfd itself (contents can survive)? */
static inline bool platform_in_place(const struct platform *p)
{
	return p->backing == RAM_GMEM_IN_PLACE;
}

/* The platforms, one file each (platform/<name>.c). */
extern const struct platform platform_soft;
#if defined(__x86_64__)
extern const struct platform platform_sw_protected;
extern const struct platform platform_sev_snp;
extern const struct platform platform_tdx;
#endif
#if defined(__aarch64__)
extern const struct platform platform_pkvm;
#endif

#endif
