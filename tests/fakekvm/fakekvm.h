/* SPDX-License-Identifier: MIT */
/*
 * A fake KVM for tests: installed behind lib/kvm.h's kvm_sys seam, it
 * answers every open of /dev/kvm and /dev/sev, every KVM ioctl (KVM_RUN
 * included) and the kvm_run mapping, without a kernel.
 *
 *  - It records each call as one normalised line ("vm CREATE_VCPU 0",
 *    "vcpu0 SET_CPUID2 nent=6", "vm ENCRYPT_OP SNP_LAUNCH_UPDATE
 *    gfn=0x100 uaddr=slot0+0x100000 ..."): file descriptors become their
 *    kind (sys, vm, vcpuN, gmemN, sev), host addresses become offsets into
 *    the memslot mapping they fall in. fake_check_golden() compares the
 *    trace with tests/fakekvm/golden/NAME.trace; CVMM_GOLDEN_UPDATE=1
 *    rewrites the file instead (then review the diff).
 *  - It models KVM's preconditions: a call the kernel would refuse is
 *    refused with the kernel's errno, and fake_violation() records a
 *    "!! rule: why" line and counts it. Tests assert there are none, so a
 *    wrong order fails even when a golden file was regenerated carelessly.
 *    Generic rules live in fakekvm.c; a platform's own in fake_<name>.c,
 *    one struct fake_platform each, listed in fake_platforms.c.
 *  - It scripts the kernel's awkward answers: fake_script() queues an
 *    answer for the next call of a name (an errno, partial progress, a
 *    firmware error, a fill function that writes results or an exit).
 *
 * One fake at a time (the seam has no context): fake_install() /
 * fake_remove().
 */
#ifndef CVMM_FAKEKVM_H
#define CVMM_FAKEKVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../lib/kvm.h"
#include "../../mem/rangeset.h"

#define FAKE_MAX_FD 1024
#define FAKE_MAX_VMS 4
#define FAKE_MAX_VCPUS 64
#define FAKE_MAX_SLOTS 16
#define FAKE_MAX_ANSWERS 128 /* > KVM_EINTR_TRIES */

enum fake_kind { FK_NONE, FK_SYS, FK_VM, FK_VCPU, FK_GMEM, FK_SEV };

struct fake_fd {
	enum fake_kind kind;
	unsigned int vm;    /* the VM it belongs to (VM, vCPU, gmem) */
	unsigned int index; /* vCPU id, guest_memfd number */
};

#define FAKE_MAX_PARAMS 8

/* A KVM module's parameter: what /sys/module/MODULE/parameters/NAME
 * reads (and a newline); value NULL: absent. */
struct fake_param {
	const char *module, *name, *value;
};

/* What the fake host has; fake_install() sets a Linux 7.3 host with all. */
struct fake_host {
	bool dev_kvm, dev_sev;
	uint64_t vm_types;	/* KVM_CAP_VM_TYPES bitmap */
	uint64_t vmsa_features; /* KVM_X86_GRP_SEV attributes */
	uint64_t snp_policy_bits;
	/* kvm_intel's tdx, kvm_amd's sev, sev_es and sev_snp: all Y */
	struct fake_param param[FAKE_MAX_PARAMS];
};

struct fake_slot {
	bool used, gmem;
	uint64_t gpa, size, uaddr;
	unsigned int gmem_index;
};

struct fake;
struct fake_platform;

struct fake_vm {
	bool used;
	unsigned long type;
	const struct fake_platform *plat;
	void *plat_state; /* the platform module's, allocated by its init */
	unsigned int nvcpus, ngmem;
	bool vcpu_made[FAKE_MAX_VCPUS];
	bool irqchip, split_irqchip, pit;
	struct fake_slot slot[FAKE_MAX_SLOTS];
	struct rangeset private; /* pages with the PRIVATE attribute */
	struct kvm_run *run[FAKE_MAX_VCPUS];
	struct kvm_cpuid2 *cpuid[FAKE_MAX_VCPUS]; /* the last SET_CPUID2 */
};

/* A scripted answer for the next call traced under `call`. */
struct fake_answer {
	const char *call; /* "SNP_LAUNCH_UPDATE", "RUN", "CREATE_VCPU", ... */
	int err;	  /* errno to fail with; 0: succeed */
	uint64_t progress; /* pages done before stopping (partial progress) */
	uint32_t fw_error; /* firmware status to report */
	/* Writes what the kernel would (an exit into kvm_run, a corrected
	 * table into the caller's buffer); arg is the ioctl's argument. */
	void (*fill)(struct fake *f, void *arg);
};

struct fake {
	struct fake_host host;
	struct fake_fd fd[FAKE_MAX_FD];
	struct fake_vm vm[FAKE_MAX_VMS];
	char *trace;
	size_t len, cap;
	unsigned int violations;
	char first_violation[256];
	struct fake_answer answer[FAKE_MAX_ANSWERS];
	unsigned int nanswers;
	unsigned int run_calls;
};

/* One call being handled, as the platform hooks see it. */
struct fake_call {
	struct fake_fd *fd;
	struct fake_vm *vm; /* NULL for /dev/kvm and /dev/sev */
	unsigned long req;
	unsigned long arg;
	const char *name; /* the ioctl's name in the trace */
};

/*
 * A platform's rules. check() runs before the core handles any VM or
 * vCPU ioctl of a VM of this type: return 0 to go on, or an errno (after
 * fake_violation()) to refuse. encrypt_op() handles KVM_MEMORY_ENCRYPT_OP
 * entirely (trace detail, rules, answer) and returns 0 or an errno.
 * after() sees each call the core answered with success (state changes).
 */
struct fake_platform {
	const char *name;
	unsigned long vm_type;
	void *(*init)(struct fake_vm *vm);
	void (*fini)(void *state);
	int (*check)(struct fake *f, const struct fake_call *c);
	int (*encrypt_op)(struct fake *f, const struct fake_call *c);
	void (*after)(struct fake *f, const struct fake_call *c);
};

/* The MRTD of what TDX_INIT_MEM_REGION added, once finalized; or NULL
 * (fake_tdx.c). */
const uint8_t *fake_tdx_mrtd(const struct fake_vm *vm);

/* The table (fake_platforms.c); NULL-terminated. */
extern const struct fake_platform *const fake_platforms[];

/* Install a fresh fake as kvm_sys (host: Linux 7.3 with everything). */
struct fake *fake_install(void);
/* Put the host's system calls back and free the fake. */
void fake_remove(struct fake *f);

/* Set a module parameter of the fake host (value NULL: absent). */
void fake_set_param(struct fake *f, const char *module, const char *name,
		    const char *value);

void fake_script(struct fake *f, struct fake_answer a);
/* The next scripted answer for `call`, consumed; NULL if none. */
const struct fake_answer *fake_take(struct fake *f, const char *call);

/* "EINVAL" for EINVAL (the names the trace shows). */
const char *fake_errno_name(int err);

/* Append one line to the trace (printf-style, no newline). */
void fake_trace(struct fake *f, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Record a broken kernel rule ("!! rule: why") and count it. */
void fake_violation(struct fake *f, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A host address as the trace shows it: "slotN+0x..." or "host". */
void fake_addr(const struct fake *f, const struct fake_vm *vm, uint64_t uaddr,
	       char *buf, size_t len);
/* The fd's name in the trace: "sys", "vm", "vcpu0", "gmem1", "sev". */
void fake_fd_name(const struct fake *f, int fd, char *buf, size_t len);
/* The fake's record of fd, or NULL when it is not one of the fake's. */
struct fake_fd *fake_fd_of(struct fake *f, int fd);
/* The memslot holding [gpa, gpa+len) wholly, or NULL. */
const struct fake_slot *fake_slot_of(const struct fake_vm *vm, uint64_t gpa,
				     uint64_t len);
/* Every page of [gpa, gpa+len) has the PRIVATE attribute. */
bool fake_is_private(const struct fake_vm *vm, uint64_t gpa, uint64_t len);

/*
 * Compare the trace with tests/fakekvm/golden/NAME.trace (or rewrite it
 * when CVMM_GOLDEN_UPDATE is set). Returns true when equal (or written);
 * on a difference, prints the first differing line to stderr.
 */
bool fake_check_golden(const struct fake *f, const char *name);

#endif
