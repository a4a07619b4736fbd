/* SPDX-License-Identifier: MIT */
/*
 * The resolved description of one VM, as the command line (and config
 * files) produce it and the builder consumes it. Plain data: strings
 * point into argv or into storage owned by the config.
 */
#ifndef CVMM_CONFIG_H
#define CVMM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "../mem/guest_mem.h"
#include "../lib/log.h"
#include "../lib/util.h"

#define CONFIG_MAX_CPUS MAX_VCPUS
#define CONFIG_MAX_DISKS 4
#define CONFIG_DEFAULT_MEMORY (256ULL << 20)
#define CONFIG_DEFAULT_DMA_POOL (4ULL << 20)
/* SEV-SNP guest policy: ABI 0.0, SMT allowed, bit 17 (must be 1). */
#define CONFIG_DEFAULT_SNP_POLICY 0x30000ULL
#define SNP_POLICY_RESERVED_1 (1ULL << 17)
#define SNP_POLICY_KNOWN ((1ULL << 26) - 1) /* bits 0-25 (psp-sev.h) */
#define CONFIG_STRINGS 32768
#define CONFIG_MAX_OPTIONS 32

enum initial_state { INITIAL_PLATFORM, INITIAL_PRIVATE, INITIAL_SHARED };
enum console_kind { CONSOLE_SERIAL, CONSOLE_VIRTIO };

struct disk_config {
	const char *path;
	bool readonly;
};

struct vm_config {
	const char *kernel;
	const char *firmware; /* NULL: none */
	const char *initrd;  /* NULL: none */
	const char *cmdline;
	uint64_t memory;
	unsigned int cpus;
	enum log_level log_level;
	bool stats;
	const char *platform;
	enum mem_content convert_mode; /* DEFAULT: the platform's */
	enum initial_state initial;
	bool testdev;
	struct disk_config disk[CONFIG_MAX_DISKS];
	unsigned int ndisks;
	bool rng;
	enum console_kind console;
	uint64_t dma_pool;   /* bytes; the pool exists when virtio devices do */
	bool dma_anywhere;   /* devices may touch any shared page */
	bool seccomp;	     /* run under the syscall filter (vmm/seccomp.h) */
	uint64_t snp_policy; /* SEV-SNP guest policy (--snp-policy) */

	/* Where each option's value came from (by vm_options index). */
	struct {
		const char *file; /* NULL: the command line */
		int line;	  /* 0: not set (the default) */
	} origin[CONFIG_MAX_OPTIONS];

	/* Storage for strings the config keeps (copied option values). */
	char strings[CONFIG_STRINGS];
	size_t strings_used;
};

/* Copy n bytes of s into the config's storage; NULL when it is full. */
const char *config_strndup(struct vm_config *c, const char *s, size_t n);

/* Fill in every default. */
void config_defaults(struct vm_config *c);

#endif
