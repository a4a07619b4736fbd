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
#include "log.h"

#define CONFIG_MAX_CPUS 64
#define CONFIG_DEFAULT_MEMORY (256ULL << 20)

enum initial_state { INITIAL_PLATFORM, INITIAL_PRIVATE, INITIAL_SHARED };

struct vm_config {
	const char *kernel;
	const char *cmdline;
	uint64_t memory;
	unsigned int cpus;
	enum log_level log_level;
	bool stats;
	const char *platform;
	enum mem_content convert_mode; /* DEFAULT: the platform's */
	enum initial_state initial;
	bool testdev;
};

/* Fill in every default. */
void config_defaults(struct vm_config *c);

#endif
