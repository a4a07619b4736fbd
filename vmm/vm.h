/* SPDX-License-Identifier: MIT */
/*
 * One virtual machine: the KVM file descriptors, guest memory, the buses,
 * the vCPU threads, and how the VM stops. The builder assembles a VM from
 * a config; main runs it. What differs between platforms is asked of
 * vm->plat; what differs between architectures goes through arch/arch.h.
 */
#ifndef CVMM_VM_H
#define CVMM_VM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../arch/arch.h"
#include "../devices/bus.h"
#include "../devices/virtio/core.h"
#include "../mem/access.h"
#include "../mem/guest_mem.h"
#include "../mem/launch.h"
#include "../platform/platform.h"
#include "exit.h"
#include "../lib/util.h"

struct vm;

enum vcpu_state { VCPU_PARKED, VCPU_STARTING, VCPU_RUNNING };

struct vcpu {
	struct vm *vm;
	unsigned int index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	/* Start requests for application processors (the CPU start device). */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum vcpu_state state;
	uint64_t start_entry, start_arg;
	uint64_t exits[EXIT_KINDS];
};

/* Cleanup of something the builder created (a device), run at destroy. */
struct vm_cleanup {
	void (*fn)(void *arg);
	void *arg;
};

/* The phases of setup, in order, timed for --stats (vm_mark). */
enum setup_phase {
	SETUP_RESOLVE,	/* options resolved, disks opened */
	SETUP_KVM,	/* /dev/kvm, the VM, its irqchip */
	SETUP_MEMORY,	/* guest_memfds, mappings, memslots */
	SETUP_LAUNCH,	/* the kernel and boot data in guest memory */
	SETUP_VCPUS,	/* vCPUs created, entry state set */
	SETUP_DEVICES,	/* devices, the DMA pool shared, launch sealed */
	SETUP_THREADS,	/* device threads started */
	SETUP_SECCOMP,	/* terminal and syscall filter (main) */
	SETUP_PHASES
};

#define VM_MAX_CLEANUPS 32
#define VM_MAX_VIRTIO 8

struct vm {
	const struct platform *plat;
	struct plat_vm pv; /* what the platform's hooks see */
	struct arch_vm arch;
	int sys_fd, vm_fd;
	size_t run_size;
	struct guest_mem mem;
	struct mem_domain host; /* the domain of VMM-internal accesses */
	int gmem_fd[MEM_MAX_SLOTS], shared_fd[MEM_MAX_SLOTS];
	struct bus io, mmio; /* io: the architecture's I/O space, if any */
	struct vcpu *vcpu;
	int *vcpu_fds; /* the same fds, for the platform's hooks */
	unsigned int ncpus;
	bool finalized; /* the platform sealed the launch */
	struct vm_cleanup cleanup[VM_MAX_CLEANUPS];
	unsigned int ncleanups;
	struct virtio_dev *virtio[VM_MAX_VIRTIO]; /* for --stats */
	unsigned int nvirtio;

	/* Stopping: the first vm_stop() wins, sets the status, wakes main. */
	pthread_mutex_t stop_lock;
	bool stopping;
	int exit_status;
	int stop_efd;

	/* Host input (stdin) forwarded to a device by vm_run's loop. */
	int input_fd;
	void (*input)(void *opaque, const uint8_t *buf, size_t len);
	void *input_opaque;

	/* Timestamps (now_ns) for --stats. */
	uint64_t t_start, t_first_run, t_end;
	uint64_t t_setup[SETUP_PHASES]; /* when each phase of setup ended */
};

/* Note that a phase of setup ended now (for --stats' setup.* lines). */
static inline void vm_mark(struct vm *vm, enum setup_phase p)
{
	vm->t_setup[p] = now_ns();
}

/* Put vm in its empty state; vm_destroy() is then always safe. */
void vm_init(struct vm *vm);

/*
 * Create the KVM VM for platform p (its VM type, the interrupt controller
 * it allows, then its vm_init hook) with empty guest memory whose
 * conversions default to mode and whose RAM starts shared or private.
 * Returns 0 or -errno, logging what failed; vm_destroy() cleans up either
 * way.
 */
int vm_create(struct vm *vm, const struct platform *p, int sys_fd,
	      enum mem_content mode, bool initial_shared)
	__attribute__((warn_unused_result));

/*
 * Add [gpa, gpa+size) of RAM backed as the platform says (one guest_memfd,
 * plus a memfd for shared pages where it needs one, or a memfd only),
 * mapped by mem/ and registered with KVM_SET_USER_MEMORY_REGION2.
 */
int vm_add_ram(struct vm *vm, uint64_t gpa, uint64_t size)
	__attribute__((warn_unused_result));

/*
 * Add the test memory (--testdev): [gpa, gpa+size) in a memslot with a
 * memfd as its only backing, no guest_memfd, so it can only be shared.
 * On platforms with memory attributes the test device can make KVM think
 * a page of it private, which produces real memory-fault exits.
 */
int vm_add_test_mem(struct vm *vm, uint64_t gpa, uint64_t size)
	__attribute__((warn_unused_result));

/*
 * Put every launch-list item into guest memory, in order, through the
 * platform's launch hook (a plain copy when it has none).
 */
int vm_launch(struct vm *vm, const struct launch_list *l)
	__attribute__((warn_unused_result));

/*
 * Create ncpus vCPUs (the architecture's setup); vCPU 0 gets the entry
 * state unless the platform never lets the host set registers.
 */
int vm_create_vcpus(struct vm *vm, unsigned int ncpus, struct arch_entry entry)
	__attribute__((warn_unused_result));

/* Seal the launch (the platform's finalize hook); no launch writes after. */
int vm_finalize(struct vm *vm) __attribute__((warn_unused_result));

/* Run something at vm_destroy() (devices the builder made). */
int vm_on_destroy(struct vm *vm, void (*fn)(void *), void *arg)
	__attribute__((warn_unused_result));

/* Signal fd when the guest writes datamatch (len bytes) at MMIO addr. */
int vm_ioeventfd(struct vm *vm, uint64_t addr, unsigned int len,
		 uint64_t datamatch, int fd) __attribute__((warn_unused_result));

/* Inject an edge on gsi whenever fd is written. */
int vm_irqfd(struct vm *vm, unsigned int gsi, int fd)
	__attribute__((warn_unused_result));

/* Raise or lower a GSI on the in-kernel irqchip. */
int vm_irq_line(struct vm *vm, unsigned int gsi, int level);

/*
 * Start a secondary vCPU in the boot protocol's entry state (the CPU start
 * device calls this from a vCPU thread). Returns 0, -EINVAL, -EBUSY, or
 * -EPERM when the platform no longer lets the host set registers.
 */
int vm_start_ap(struct vm *vm, unsigned int index, uint64_t entry,
		uint64_t arg);

/* Forward bytes read from fd to input() while the VM runs (one source). */
void vm_set_input(struct vm *vm, int fd,
		  void (*input)(void *opaque, const uint8_t *buf, size_t len),
		  void *opaque);

/*
 * Block SIGINT, SIGTERM and the vCPU kick signal in the calling thread, so
 * every thread created after it (vCPUs, devices) inherits the mask and the
 * stop signals reach vm_run's signalfd, never a thread's default action.
 * The builder calls it before creating any thread.
 */
void vm_block_signals(void);

/*
 * Start all vCPU threads and wait until the VM stops (guest exit, failure,
 * SIGINT/SIGTERM, or input ending with Ctrl-A x). Returns the exit status.
 */
int vm_run(struct vm *vm);

/* Ask the VM to stop with status (first call wins). Thread-safe. */
void vm_stop(struct vm *vm, int status);

/* Has the VM been asked to stop? */
bool vm_stopping(struct vm *vm);

/* Release everything (threads must have ended). */
void vm_destroy(struct vm *vm);

#endif
