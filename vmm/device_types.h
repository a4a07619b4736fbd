/* SPDX-License-Identifier: MIT */
/*
 * One table of the device kinds a user can add to a VM (virtio devices so
 * far). Everything the VMM knows about a kind is its entry: how many
 * instances a config asks for, its name, what must be checked before KVM
 * is touched, how to set one up and tear it down, and what --dry-run says
 * about it. Adding a kind is its device file under devices/ plus one entry
 * here (and its option in vmm/options.c). The table's order is the order
 * of the devices in the guest's address map, which guests may rely on.
 */
#ifndef CVMM_DEVICE_TYPES_H
#define CVMM_DEVICE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../devices/virtio/core.h"
#include "config.h"

struct vm;

/* What an instance's init gets: its VM, config, index and DMA window. */
struct dev_ctx {
	struct vm *vm;
	const struct vm_config *c;
	unsigned int idx;    /* 0..count-1 among instances of its kind */
	const char *name;    /* "blk0", "rng", ... */
	uint64_t dma_base, dma_size; /* size 0: any shared RAM */
};

struct device_type {
	const char *kind;   /* "virtio-blk": for --dry-run and logs */
	const char *prefix; /* instance names: the prefix ... */
	bool numbered;	    /* ... plus the index ("blk0") */
	unsigned int (*count)(const struct vm_config *c);
	size_t state_size;  /* per instance, zeroed, freed at destroy */
	/*
	 * Before KVM exists (user input: open files). Optional. Returns 0 or
	 * -errno after writing one line into err.
	 */
	int (*prepare)(void *state, const struct vm_config *c, unsigned int idx,
		       char *err, size_t errlen);
	/* Set the device up; *out is its virtio device, wired by the builder. */
	int (*init)(void *state, const struct dev_ctx *ctx,
		    struct virtio_dev **out);
	/* After its thread stopped (or if it never started). */
	void (*cleanup)(void *state);
	/* Extra text after the --dry-run line (", FILE (read-only)"). Optional. */
	void (*describe)(FILE *f, const struct vm_config *c, unsigned int idx);
};

/* The i-th kind, or NULL past the end. */
const struct device_type *device_type_at(unsigned int i);

#endif
