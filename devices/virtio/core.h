/* SPDX-License-Identifier: MIT */
/*
 * The virtio core: owns a device's queues, features, interrupt and
 * notification eventfds and its thread. A device (blk, rng, console)
 * supplies only its ID, feature bits, config space, process(queue) and
 * reset, and reaches guest memory only through its domain (the DMA pool).
 *
 * Threads: vCPUs touch the register file (mmio.c); the device's own thread
 * runs process() when a queue is kicked. Both hold dev->lock, so a device
 * never sees its queues change under it. dev->lock is never held across
 * I/O that can block (disk, network): process() only takes requests and
 * queues their I/O; submit() starts it with the lock dropped, and the
 * completions come back as events of the device's loop.
 *
 * The loop waits on any number of event sources (an epoll set): a kick
 * eventfd per queue, the stop and extra eventfds, and whatever a device
 * adds (an io_uring's eventfd, a tap, a socket). Only the serving thread
 * (the device thread, or the caller of virtio_kick() when the thread is
 * not running) runs process(), submit() and complete(), so a device's I/O
 * state needs no lock of its own.
 */
#ifndef CVMM_VIRTIO_CORE_H
#define CVMM_VIRTIO_CORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../mem/access.h"
#include "../bus.h"
#include "virtqueue.h"

#define VIRTIO_MAX_QUEUES 8
#define VIRTIO_MAX_SOURCES (VIRTIO_MAX_QUEUES + 8)

/* Default cap of the adaptive busy-poll window; see core.c. */
#define VIRTIO_POLL_MAX_NS 5000

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
	/*
	 * Devices whose requests outlive process() (virtio_begin_async):
	 * init (end of virtio_dev_init: add event sources; 0 or -errno),
	 * fini (virtio_dev_destroy, nothing in flight), submit (lock not held:
	 * start the I/O process() queued), complete (lock not held: finish
	 * what has completed; if wait, block until at least one has).
	 */
	int (*init)(struct virtio_dev *d);
	void (*fini)(struct virtio_dev *d);
	void (*submit)(struct virtio_dev *d);
	void (*complete)(struct virtio_dev *d, bool wait);
};

/*
 * An fd the device's loop waits on. handle() runs on the serving thread,
 * lock not held: woken says the fd was readable (else ready() said there
 * was work). Optional: ready(), work visible without a system call (a
 * completion ring), seen by busy-polls and before sleeping; sleep(), told
 * before (true) and after (false) the loop sleeps, so a source can have
 * its fd signalled only while the loop sleeps.
 */
struct virtio_source {
	int fd;
	void (*handle)(struct virtio_dev *d, void *arg, bool woken);
	bool (*ready)(void *arg);
	void (*sleep)(void *arg, bool asleep);
	void *arg;
};

struct virtio_stats {
	uint64_t requests;     /* chains completed */
	uint64_t bad_chains;   /* chains refused by vq_walk */
	uint64_t broken_rings; /* rings that became unusable */
	uint64_t interrupts;
	uint64_t kicks;
	uint64_t wakeups;      /* the loop slept and was woken */
	uint64_t polls;	       /* busy-polls started */
	uint64_t poll_hits;    /* ... that found work */
	unsigned int inflight_max; /* most requests in flight at once */
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
	int epoll_fd;			 /* the loop's sources */
	struct virtio_source src[VIRTIO_MAX_SOURCES];
	unsigned int nsrc;
	pthread_t thread;
	bool running, stopping;
	uint32_t kicked; /* queues whose kick the loop has yet to serve */

	/* Requests taken and not yet completed (lock); idle is signalled
	 * when it drops to 0, for a reset, which waits for it (quiescing:
	 * no new requests are taken meanwhile). */
	unsigned int inflight;
	pthread_cond_t idle;
	bool quiescing;

	/* Busy polling: the current window adapts within [0, poll_max_ns];
	 * poll_max_ns 0 never polls. Set poll_max_ns before start. */
	uint32_t poll_ns, poll_max_ns;
	uint32_t poll_backoff, poll_wait; /* after misses: wake-ups to skip */

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

/*
 * The same in two steps, for a batch: push each completion, then
 * interrupt once for the queue if EVENT_IDX asks for it. Lock held.
 */
void virtio_push(struct virtio_dev *d, unsigned int q, unsigned int head,
		 uint32_t len);
void virtio_notify(struct virtio_dev *d, unsigned int q);

/*
 * A request taken by process() that completes later: begin when it is
 * taken, end when it has been pushed. Lock held for both.
 */
void virtio_begin_async(struct virtio_dev *d);
void virtio_end_async(struct virtio_dev *d);

/* Is queue q serving requests (driver ready, queue live, no reset)? */
bool virtio_queue_live(const struct virtio_dev *d, unsigned int q);

/* Add an event source to the device's loop (before start, or from the
 * serving thread). Returns 0 or -errno. */
int virtio_add_source(struct virtio_dev *d, const struct virtio_source *s)
	__attribute__((warn_unused_result));

/*
 * Reset the transport state (driver wrote 0 to Status). Lock held; waits
 * (lock released meanwhile) for requests in flight to complete first.
 */
void virtio_reset(struct virtio_dev *d);

/*
 * For a device whose thread is not running (tests, the fuzzer): serve
 * queue q (process, then submit: requests may stay in flight), drain
 * (complete everything in flight), or both: kick.
 */
void virtio_serve(struct virtio_dev *d, unsigned int q);
void virtio_drain(struct virtio_dev *d);
void virtio_kick(struct virtio_dev *d, unsigned int q);

/* virtio-mmio register file, for the MMIO bus. */
extern const struct dev_ops virtio_mmio_ops;

#endif
