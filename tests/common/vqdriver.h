/* SPDX-License-Identifier: MIT */
/*
 * A driver-side virtqueue for tests, the fuzzer and benchmarks: plays the
 * guest by writing rings straight into guest RAM (the slot's KVM view) and
 * drives a virtio device through its MMIO register file, no vCPU needed.
 */
#ifndef CVMM_TEST_VQDRIVER_H
#define CVMM_TEST_VQDRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "../../devices/virtio/core.h"

struct vqdrv {
	uint8_t *ram; /* guest-physical 0 */
	uint64_t desc, avail, used;
	uint16_t size, avail_idx, last_used;
};

/* Rings for a queue of `size` entries laid out from ring_gpa on. */
void vqdrv_init(struct vqdrv *v, uint8_t *ram, uint64_t ring_gpa,
		uint16_t size);

/* Bytes the rings of a `size` queue take (rounded to 4 KiB). */
uint64_t vqdrv_ring_bytes(uint16_t size);

void vqdrv_desc(struct vqdrv *v, uint16_t i, uint64_t addr, uint32_t len,
		uint16_t flags, uint16_t next);
void vqdrv_publish(struct vqdrv *v, uint16_t head);
/* used_event for EVENT_IDX drivers. */
void vqdrv_used_event(struct vqdrv *v, uint16_t idx);
/*
 * After publishing the entries since old_idx: does the device want a kick
 * (EVENT_IDX's avail_event)? A real driver kicks only then.
 */
bool vqdrv_kick_needed(struct vqdrv *v, uint16_t old_idx);
/* Take the next used entry: 1 with id/len, 0 if none. */
int vqdrv_used(struct vqdrv *v, uint32_t *id, uint32_t *len);

/* MMIO register access to the device. */
uint32_t vqdrv_reg_read(struct virtio_dev *d, uint32_t off);
void vqdrv_reg_write(struct virtio_dev *d, uint32_t off, uint32_t v);

/*
 * Negotiate features (the offered ones & want) and make queue q live on
 * v's rings; returns the device status afterwards.
 */
uint32_t vqdrv_setup(struct virtio_dev *d, uint64_t want, unsigned int q,
		     const struct vqdrv *v);

#endif
