/* SPDX-License-Identifier: MIT */
/*
 * The launch list: every byte cvmm puts into guest memory before the
 * first KVM_RUN, as ordered (address, length, kind) items. The
 * architecture's boot code and the kernel loader append to it; the
 * platform executes it (a plain copy on soft and sw-protected, a launch
 * update that also measures on SNP and TDX); --dry-run prints it. The
 * data is borrowed: it must outlive the launch.
 */
#ifndef CVMM_LAUNCH_H
#define CVMM_LAUNCH_H

#include <stdint.h>
#include <stdio.h>

/* What an item is, which decides how a platform measures it. */
enum launch_kind {
	LAUNCH_KERNEL,	  /* the kernel image: code and data */
	LAUNCH_BOOT_DATA, /* boot information the VMM generated */
	LAUNCH_FIRMWARE,  /* a firmware image (--firmware): code, measured */
	/* Kinds without data: pages the firmware's metadata asks for. */
	LAUNCH_ZERO,	  /* zeros the guest may use without validating */
	LAUNCH_SECRETS,	  /* filled by the security processor (SNP) */
	LAUNCH_CPU_INFO,  /* CPU feature table the platform builds (SNP) */
	LAUNCH_KINDS
};

/* Does an item of kind k carry bytes (else data is NULL)? */
static inline int launch_kind_has_data(enum launch_kind k)
{
	return k < LAUNCH_ZERO;
}

struct launch_item {
	uint64_t gpa, len;
	const void *data;
	enum launch_kind kind;
	char what[24]; /* "kernel segment 0", "device tree", ... */
};

#define LAUNCH_MAX 32

struct launch_list {
	unsigned int n;
	struct launch_item item[LAUNCH_MAX];
};

const char *launch_kind_name(enum launch_kind k);

/*
 * Append an item (data NULL exactly for the kinds without data).
 * Returns 0, -EINVAL (empty, overflowing or overlapping
 * an earlier item: two writes to one byte would make the result depend on
 * the order) or -ENOSPC (list full).
 */
int launch_add(struct launch_list *l, uint64_t gpa, const void *data,
	       uint64_t len, enum launch_kind kind, const char *what)
	__attribute__((warn_unused_result));

/* One "vm: launch ..." line per item, in order. */
void launch_describe(FILE *f, const struct launch_list *l);

#endif
