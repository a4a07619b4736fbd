/* SPDX-License-Identifier: MIT */
/*
 * Everything decided about a VM before KVM is touched: the platform and
 * its memory defaults, the checked kernel, the layout, and the launch list
 * (every byte that goes into guest memory before the first run).
 * `cvmm run --dry-run` prints this and stops; the builder builds exactly
 * this.
 */
#ifndef CVMM_RESOLVE_H
#define CVMM_RESOLVE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../arch/arch.h"
#include "../mem/launch.h"
#include "../platform/platform.h"
#include "config.h"
#include "layout_plan.h"

struct resolved {
	const struct platform *plat;
	enum mem_content mode;
	bool initial_shared;
	struct kernel_image img;
	uint8_t *file; /* the kernel file, decompressed; NULL: no kernel */
	uint8_t *fw_file; /* the firmware image; NULL: none */
	struct arch_firmware fw;
	uint8_t *initrd; /* the initrd file as it is, or NULL */
	size_t initrd_len;
	struct plan plan;
	struct arch_boot boot;	  /* boot information the launch list points to */
	struct launch_list launch;
	struct arch_entry entry;  /* vCPU 0's entry state */
};

/*
 * Resolve c. Returns 0, or 1 (bad input) after logging one line that names
 * where the offending value came from. vm_resolved_free() in every case.
 */
int vm_resolve(const struct vm_config *c, struct resolved *r);
void vm_resolved_free(struct resolved *r);

/* The resolved VM, one "vm: ..." line per item. */
void vm_describe(FILE *f, const struct vm_config *c, const struct resolved *r);

#endif
