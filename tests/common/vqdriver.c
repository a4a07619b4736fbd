// SPDX-License-Identifier: MIT
#include "vqdriver.h"

#include <string.h>

#include "../../devices/virtio/virtio.h"

uint64_t vqdrv_ring_bytes(uint16_t size)
{
	uint64_t bytes = 16ULL * size + 4096 + 6 + 8ULL * size;

	return (bytes + 4095) & ~4095ULL;
}

void vqdrv_init(struct vqdrv *v, uint8_t *ram, uint64_t ring_gpa,
		uint16_t size)
{
	memset(v, 0, sizeof(*v));
	v->ram = ram;
	v->size = size;
	v->desc = ring_gpa;
	v->avail = ring_gpa + 16ULL * size;
	v->used = (v->avail + 6 + 2ULL * size + 4095) & ~4095ULL;
	memset(ram + ring_gpa, 0, vqdrv_ring_bytes(size));
}

void vqdrv_desc(struct vqdrv *v, uint16_t i, uint64_t addr, uint32_t len,
		uint16_t flags, uint16_t next)
{
	uint8_t *p = v->ram + v->desc + 16ULL * i;

	memcpy(p, &addr, 8);
	memcpy(p + 8, &len, 4);
	memcpy(p + 12, &flags, 2);
	memcpy(p + 14, &next, 2);
}

void vqdrv_publish(struct vqdrv *v, uint16_t head)
{
	memcpy(v->ram + v->avail + 4 + 2ULL * (v->avail_idx % v->size), &head, 2);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	v->avail_idx++;
	memcpy(v->ram + v->avail + 2, &v->avail_idx, 2);
}

void vqdrv_used_event(struct vqdrv *v, uint16_t idx)
{
	memcpy(v->ram + v->avail + 4 + 2ULL * v->size, &idx, 2);
	/*
	 * The store must be visible before the caller reads used->idx, or a
	 * completion can slip between them without an interrupt (x86 lets a
	 * load pass an earlier store).
	 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool vqdrv_kick_needed(struct vqdrv *v, uint16_t old_idx)
{
	uint16_t event;

	/* The new avail idx must be visible before avail_event is read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	memcpy(&event, v->ram + v->used + 4 + 8ULL * v->size, 2);
	return (uint16_t)(v->avail_idx - event - 1) <
	       (uint16_t)(v->avail_idx - old_idx);
}

int vqdrv_used(struct vqdrv *v, uint32_t *id, uint32_t *len)
{
	uint16_t idx;
	uint8_t *e;

	memcpy(&idx, v->ram + v->used + 2, 2);
	if (idx == v->last_used)
		return 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	e = v->ram + v->used + 4 + 8ULL * (v->last_used % v->size);
	memcpy(id, e, 4);
	memcpy(len, e + 4, 4);
	v->last_used++;
	return 1;
}

uint32_t vqdrv_reg_read(struct virtio_dev *d, uint32_t off)
{
	struct io_req req = { off, 4, 0 };
	uint8_t data[4];

	virtio_mmio_ops.read(d, &req, data);
	return (uint32_t)io_get(data, 4);
}

void vqdrv_reg_write(struct virtio_dev *d, uint32_t off, uint32_t val)
{
	struct io_req req = { off, 4, 0 };
	uint8_t data[4];

	io_put(data, 4, val);
	virtio_mmio_ops.write(d, &req, data);
}

uint32_t vqdrv_setup(struct virtio_dev *d, uint64_t want, unsigned int q,
		     const struct vqdrv *v)
{
	uint64_t offered;

	vqdrv_reg_write(d, VIRTIO_MMIO_STATUS, 0);
	vqdrv_reg_write(d, VIRTIO_MMIO_STATUS, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	vqdrv_reg_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	offered = (uint64_t)vqdrv_reg_read(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	vqdrv_reg_write(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	offered |= vqdrv_reg_read(d, VIRTIO_MMIO_DEVICE_FEATURES);
	want &= offered;
	vqdrv_reg_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vqdrv_reg_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)want);
	vqdrv_reg_write(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vqdrv_reg_write(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(want >> 32));
	vqdrv_reg_write(d, VIRTIO_MMIO_STATUS, VIRTIO_S_ACKNOWLEDGE |
			VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
	vqdrv_reg_write(d, VIRTIO_MMIO_QUEUE_SEL, q);
	vqdrv_reg_write(d, VIRTIO_MMIO_QUEUE_NUM, v->size);
	vqdrv_reg_write(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)v->desc);
	vqdrv_reg_write(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(v->desc >> 32));
	vqdrv_reg_write(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)v->avail);
	vqdrv_reg_write(d, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(v->avail >> 32));
	vqdrv_reg_write(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)v->used);
	vqdrv_reg_write(d, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(v->used >> 32));
	vqdrv_reg_write(d, VIRTIO_MMIO_QUEUE_READY, 1);
	vqdrv_reg_write(d, VIRTIO_MMIO_STATUS, VIRTIO_S_ACKNOWLEDGE |
			VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK | VIRTIO_S_DRIVER_OK);
	return vqdrv_reg_read(d, VIRTIO_MMIO_STATUS);
}
