// SPDX-License-Identifier: MIT
/*
 * The virtio-mmio (version 2) register file. Registers take aligned 32-bit
 * accesses only; others are ignored (reads give 0). Config space takes
 * any width.
 */
#include <stdint.h>
#include <unistd.h>

#include "../../lib/log.h"
#include "core.h"
#include "virtio.h"

static struct virtq *selected(struct virtio_dev *d)
{
	return d->queue_sel < d->ops->num_queues ? &d->vq[d->queue_sel] : NULL;
}

static uint32_t queue_reg(struct virtio_dev *d, uint64_t off)
{
	struct virtq *q = selected(d);

	if (!q)
		return 0;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM_MAX: return VQ_MAX_SIZE;
	case VIRTIO_MMIO_QUEUE_NUM: return q->size;
	case VIRTIO_MMIO_QUEUE_READY: return q->ready;
	case VIRTIO_MMIO_QUEUE_DESC_LOW: return (uint32_t)q->desc;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH: return (uint32_t)(q->desc >> 32);
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW: return (uint32_t)q->avail;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH: return (uint32_t)(q->avail >> 32);
	case VIRTIO_MMIO_QUEUE_USED_LOW: return (uint32_t)q->used;
	case VIRTIO_MMIO_QUEUE_USED_HIGH: return (uint32_t)(q->used >> 32);
	default: return 0;
	}
}

static uint32_t reg_read(struct virtio_dev *d, uint64_t off)
{
	uint64_t feat;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE: return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION: return 2;
	case VIRTIO_MMIO_DEVICE_ID: return d->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID: return 0x4d4d5643; /* "CVMM" */
	case VIRTIO_MMIO_DEVICE_FEATURES:
		feat = virtio_offered_features(d);
		return d->dev_feat_sel == 0 ? (uint32_t)feat
		       : d->dev_feat_sel == 1 ? (uint32_t)(feat >> 32) : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return __atomic_load_n(&d->isr, __ATOMIC_ACQUIRE);
	case VIRTIO_MMIO_STATUS: return d->status;
	case VIRTIO_MMIO_CONFIG_GENERATION: return 0;
	default: return queue_reg(d, off);
	}
}

/* FEATURES_OK only for a subset of what was offered, with VERSION_1. */
static void set_status(struct virtio_dev *d, uint32_t v)
{
	uint64_t f = d->driver_features;

	if (v == 0) {
		virtio_reset(d);
		return;
	}
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(d->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((f & ~virtio_offered_features(d)) ||
	     !(f & (1ULL << VIRTIO_F_VERSION_1)))) {
		log_warn("%s: driver features 0x%llx refused", d->name,
			 (unsigned long long)f);
		v &= ~(uint32_t)VIRTIO_CONFIG_S_FEATURES_OK;
	}
	d->status = v | (d->status & VIRTIO_CONFIG_S_NEEDS_RESET);
}

static void set_ready(struct virtio_dev *d, struct virtq *q, uint32_t v)
{
	if (!v) {
		q->ready = false;
		return;
	}
	q->event_idx = d->driver_features & (1ULL << VIRTIO_RING_F_EVENT_IDX);
	q->indirect = d->driver_features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
	q->last_avail = q->used_idx = q->signalled = 0;
	/* Rings outside the device's memory are refused before any use. */
	if (!vq_valid(&d->dom, q)) {
		log_warn("%s: queue %u layout refused (size %u, rings outside "
			 "the device's memory or misaligned)", d->name,
			 d->queue_sel, q->size);
		d->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
		return;
	}
	q->ready = true;
}

static void set_half(uint64_t *v, bool high, uint32_t x)
{
	*v = high ? (*v & 0xffffffffULL) | (uint64_t)x << 32
		  : (*v & ~0xffffffffULL) | x;
}

static void queue_write(struct virtio_dev *d, uint64_t off, uint32_t v)
{
	struct virtq *q = selected(d);

	/* A live queue's layout is fixed until it is disabled or reset. */
	if (!q || (q->ready && off != VIRTIO_MMIO_QUEUE_READY))
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM: q->size = (uint16_t)(v <= VQ_MAX_SIZE ? v : 0); break;
	case VIRTIO_MMIO_QUEUE_READY: set_ready(d, q, v); break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW: set_half(&q->desc, false, v); break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH: set_half(&q->desc, true, v); break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW: set_half(&q->avail, false, v); break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH: set_half(&q->avail, true, v); break;
	case VIRTIO_MMIO_QUEUE_USED_LOW: set_half(&q->used, false, v); break;
	case VIRTIO_MMIO_QUEUE_USED_HIGH: set_half(&q->used, true, v); break;
	}
}

static void reg_write(struct virtio_dev *d, uint64_t off, uint32_t v)
{
	uint64_t one = 1;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL: d->dev_feat_sel = v; break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL: d->drv_feat_sel = v; break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (d->drv_feat_sel < 2 &&
		    !(d->status & VIRTIO_CONFIG_S_FEATURES_OK))
			set_half(&d->driver_features, d->drv_feat_sel == 1, v);
		break;
	case VIRTIO_MMIO_QUEUE_SEL: d->queue_sel = v; break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		/* Without an ioeventfd the kick arrives here: same path. */
		if (v < d->ops->num_queues &&
		    write(d->kick_efd[v], &one, sizeof(one)) < 0)
			log_warn_errno("%s: queue kick", d->name);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK:
		__atomic_fetch_and(&d->isr, ~v, __ATOMIC_RELEASE);
		break;
	case VIRTIO_MMIO_STATUS: set_status(d, v); break;
	default: queue_write(d, off, v); break;
	}
}

static bool is_config(const struct virtio_dev *d, const struct io_req *req)
{
	return req->offset >= VIRTIO_MMIO_CONFIG &&
	       req->offset - VIRTIO_MMIO_CONFIG + req->len <= d->ops->config_size;
}

static void mmio_read(void *dev, const struct io_req *req, uint8_t *data)
{
	struct virtio_dev *d = dev;
	uint32_t v = 0;

	pthread_mutex_lock(&d->lock);
	if (is_config(d, req)) {
		d->ops->config_read(d, (uint32_t)(req->offset - VIRTIO_MMIO_CONFIG),
				    data, req->len);
		pthread_mutex_unlock(&d->lock);
		return;
	}
	if (req->len == 4 && !(req->offset & 3) &&
	    req->offset < VIRTIO_MMIO_CONFIG)
		v = reg_read(d, req->offset);
	pthread_mutex_unlock(&d->lock);
	io_put(data, req->len, v);
}

static void mmio_write(void *dev, const struct io_req *req,
		       const uint8_t *data)
{
	struct virtio_dev *d = dev;

	/* Config space is read-only for the devices cvmm has. */
	if (req->len != 4 || (req->offset & 3) ||
	    req->offset >= VIRTIO_MMIO_CONFIG)
		return;
	pthread_mutex_lock(&d->lock);
	reg_write(d, req->offset, (uint32_t)io_get(data, 4));
	pthread_mutex_unlock(&d->lock);
}

const struct dev_ops virtio_mmio_ops = {
	.name = "virtio-mmio",
	.read = mmio_read,
	.write = mmio_write,
};
