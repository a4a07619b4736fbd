/* SPDX-License-Identifier: MIT */
/*
 * Confidential-computing platforms as data. Everything that differs
 * between them (VM type, guest_memfd flags, where shared pages live,
 * whether KVM tracks attributes, how the guest asks for conversions) is a
 * field here; the rest of cvmm reads the fields and never the name.
 */
#ifndef CVMM_PLATFORM_H
#define CVMM_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include "../mem/guest_mem.h"

struct platform {
	const char *name;
	const char *summary;
	unsigned long vm_type;	   /* KVM_CREATE_VM argument */
	uint64_t gmem_flags;	   /* KVM_CREATE_GUEST_MEMFD flags */
	bool in_place;		   /* shared pages live in guest_memfd */
	bool attributes;	   /* KVM_SET_MEMORY_ATTRIBUTES tracks state */
	bool hypercalls;	   /* MAP_GPA_RANGE exits reach cvmm */
	bool initial_shared;	   /* default state of RAM at launch */
	enum mem_content default_mode;
};

/* The platform called name, or NULL. */
const struct platform *platform_find(const char *name);

/* "soft, sw-protected": the names, for error messages and --help. */
const char *platform_names(void);

/*
 * Can this host run p? Returns 0, or -ENOTSUP with *missing naming the
 * capability it lacks (a static string).
 */
int platform_probe(const struct platform *p, int sys_fd,
		   const char **missing);

#endif
