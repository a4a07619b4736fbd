/* SPDX-License-Identifier: MIT */
/*
 * What one KVM_RUN return means, and what cvmm does about it. Kept free of
 * threads and ioctls so that unit tests can feed it kvm_run records that
 * this host's KVM can never produce (hypercall and memory-fault exits).
 */
#ifndef CVMM_EXIT_H
#define CVMM_EXIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../devices/bus.h"
#include "../mem/guest_mem.h"
#include "../lib/kvm_abi.h"

enum exit_kind {
	EXIT_IO,
	EXIT_MMIO,
	EXIT_HLT,
	EXIT_HYPERCALL,
	EXIT_MEMORY_FAULT,
	EXIT_SYSTEM_EVENT,
	EXIT_SHUTDOWN,
	EXIT_INTR,
	EXIT_INTERNAL_ERROR,
	EXIT_FAIL_ENTRY,
	EXIT_OTHER,
	EXIT_KINDS
};

const char *exit_kind_name(enum exit_kind k);

/* What the vCPU loop does next. */
enum exit_action {
	EXIT_RESUME,	   /* run the vCPU again */
	EXIT_STOP_GUEST,   /* the guest ended the VM; status in outcome */
	EXIT_STOP_FAILURE  /* cvmm cannot go on; reason logged */
};

/* Everything an exit may touch. */
struct exit_env {
	struct bus *pio, *mmio;
	struct guest_mem *mem;
	unsigned int cpu;
	size_t run_size; /* bytes mapped for kvm_run, to bound io.data_offset */
	const bool *stopping; /* the VM's stop flag (atomic); NULL: never */
};

struct exit_outcome {
	enum exit_kind kind;
	int status; /* for EXIT_STOP_GUEST */
};

/*
 * Classify a KVM_RUN return: ret and err (errno) as KVM_RUN gave them. A
 * memory-fault exit arrives as -1/EFAULT (or EHWPOISON); any other failure
 * leaves exit_reason stale.
 */
enum exit_kind exit_classify(int ret, int err, const struct kvm_run *run);

/*
 * Decode KVM_HC_MAP_GPA_RANGE from a hypercall exit. Returns false when the
 * guest's arguments are malformed (the caller answers EINVAL).
 */
bool exit_decode_map_gpa(const struct kvm_run *run, struct conv_request *req);

/* Decode a memory-fault exit. False if its fields are malformed. */
bool exit_decode_memory_fault(const struct kvm_run *run,
			      struct conv_request *req);

/* The hypercall return value for a conversion result (0, EINVAL, EAGAIN). */
uint64_t exit_hypercall_ret(enum conv_result r);

/* Handle one KVM_RUN return; fills out and says what to do next. */
enum exit_action exit_handle(struct exit_env *env, struct kvm_run *run,
			     int ret, int err, struct exit_outcome *out);

#endif
