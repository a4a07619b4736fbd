/* SPDX-License-Identifier: MIT */
/*
 * The virtio core: owns a device's queues, features, interrupt and
 * notification eventfds and its thread. A device (blk, rng, console)
 * supplies only its ID, feature bits, config space, process(queue) and
 * reset, and reaches guest memory only through its domain (the DMA pool).
 *
 * Threads: vCPUs touch the register file (mmio.c); the device's own thread
 * runs process() when a queue is kicked. Both hold dev->lock, so a device
 * never sees its queues change under it.
 */
#ifndef CVMM_VIRTIO_CORE_H
#define CVMM_VIRTIO_CORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../mem/access.h"
#include "../bus.h"
#include "virtqueue.h"

#define VIRTIO_MAX_QUEUES 2

struct virtio_dev;

struct virtio_dev_ops {
	uint32_t device_id;
	unsigned int num_queues;
	uint64_t features; /* device-specific bits */
	uint32_t config_size;
	/* Config space bytes [off, off+len) (len <= 8, inside config_size). */
	void (*config_read)(struct virtio_dev *d, uint32_t off, uint8_t *data,
			    unsigned int len);
	/* Take the queue's available chains (virtio_next, virtio_complete). */
	void (*process)(struct virtio_dev *d, unsigned int queue);
	/* Driver reset: drop device state. Optional. */
	void (*reset)(struct virtio_dev *d);
	/* Extra work the thread wakes for (console input). Optional. */
	void (*extra)(struct virtio_dev *d);
};

struct virtio_stats {
	uint64_t requests;     /* chains completed */
	uint64_t bad_chains;   /* chains refused by vq_walk */
	uint64_t broken_rings; /* rings that became unusable */
	uint64_t interrupts;
	uint64_t kicks;
};

struct virtio_dev {
	const struct virtio_dev_ops *ops;
	void *priv;
	char name[16];
	struct mem_domain dom; /* what this device may touch */
	bool confidential;     /* offer VIRTIO_F_ACCESS_PLATFORM */
	uint64_t features;     /* device bits offered: ops->features and more */

	pthread_mutex_t lock;
	uint32_t status, dev_feat_sel, drv_feat_sel, queue_sel;
	uint64_t driver_features;
	uint32_t isr; /* InterruptStatus, atomic */
	struct virtq vq[VIRTIO_MAX_QUEUES];

	int kick_efd[VIRTIO_MAX_QUEUES]; /* QueueNotify, via ioeventfd */
	int irq_efd;			 /* to the guest, via irqfd */
	int extra_efd;			 /* wakes ops->extra */
	int stop_efd;
	pthread_t thread;
	bool running;

	struct virtio_stats stats;
	bool warned; /* the first bad chain is logged, later ones counted */
	bool polling; /* the thread is busy-polling: no kicks wanted */
};

/*
 * Set up a device whose DMA window is [win_base, win_base+win_size) of m
 * (size 0: any shared page). Returns 0 or -errno. priv is the device's.
 */
int virtio_dev_init(struct virtio_dev *d, const struct virtio_dev_ops *ops,
		    void *priv, const char *name, struct guest_mem *m,
		    uint64_t win_base, uint64_t win_size, bool confidential)
	__attribute__((warn_unused_result));

/* Start the device thread; virtio_dev_destroy() stops it. */
int virtio_dev_start(struct virtio_dev *d) __attribute__((warn_unused_result));
void virtio_dev_destroy(struct virtio_dev *d);

/* All features offered: the device's plus the transport's. */
uint64_t virtio_offered_features(const struct virtio_dev *d);

/*
 * For process(): the next usable chain of queue q. Bad chains are counted,
 * logged once and completed with length 0, then skipped. Returns 1 with
 * *c filled, 0 when the queue is empty or broken.
 */
int virtio_next(struct virtio_dev *d, unsigned int q, struct vq_chain *c);

/* Complete a chain with len bytes written; interrupts as EVENT_IDX says. */
void virtio_complete(struct virtio_dev *d, unsigned int q,
		     const struct vq_chain *c, uint32_t len);

/* Reset the transport state (driver wrote 0 to Status). Lock held. */
void virtio_reset(struct virtio_dev *d);

/* Run process() for queue q now (lock taken here). */
void virtio_kick(struct virtio_dev *d, unsigned int q);

/* virtio-mmio register file, for the MMIO bus. */
extern const struct dev_ops virtio_mmio_ops;

#endif
