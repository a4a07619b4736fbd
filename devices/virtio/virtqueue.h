/* SPDX-License-Identifier: MIT */
/*
 * Split virtqueues, device side. Every ring and buffer access goes through
 * the device's mem_domain, so a queue can reach only the memory that domain
 * allows (its DMA pool, shared pages). Descriptors are copied out once and
 * checked before use; chains are bounded by the queue size.
 */
#ifndef CVMM_VIRTQUEUE_H
#define CVMM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "../../mem/access.h"

#define VQ_MAX_SIZE 256 /* largest queue cvmm offers */
#define VQ_MAX_BUFS VQ_MAX_SIZE

struct virtq {
	uint16_t size;		  /* QueueNum; 0 until set */
	bool ready;
	uint64_t desc, avail, used; /* ring GPAs */
	uint16_t last_avail;	  /* next avail entry to take */
	uint16_t used_idx;	  /* our copy of used->idx */
	uint16_t signalled;	  /* used_idx at the last interrupt */
	bool event_idx, indirect; /* negotiated features */
};

/* One guest buffer of a chain, as the guest described it (checked). */
struct vq_buf {
	uint64_t addr;
	uint32_t len;
	bool write; /* device-writable */
};

/* A descriptor chain: readable buffers first, then writable ones. */
struct vq_chain {
	uint16_t head;
	unsigned int n, nread; /* buffers in all, readable ones */
	uint64_t read_len, write_len;
	struct vq_buf buf[VQ_MAX_BUFS];
};

/* Why a chain was refused (for counters and the log). */
enum vq_error {
	VQ_OK,
	VQ_E_ACCESS,   /* a ring, table or buffer is outside the domain */
	VQ_E_HEAD,     /* head index out of range */
	VQ_E_LOOP,     /* more descriptors than the queue holds */
	VQ_E_LENGTH,   /* zero length, or addr+len or total overflows */
	VQ_E_ORDER,    /* readable buffer after a writable one */
	VQ_E_INDIRECT, /* indirect not negotiated, nested, NEXT, or bad size */
	VQ_E_TOO_MANY, /* more buffers than VQ_MAX_BUFS */
	VQ_ERRORS
};

const char *vq_error_name(enum vq_error e);

/*
 * Check a queue's layout before it goes live: size a power of two up to
 * VQ_MAX_SIZE, rings aligned (16/2/4) and wholly inside the domain.
 */
bool vq_valid(struct mem_domain *d, const struct virtq *q);

/*
 * Take the next available chain head. Returns 1 with *head set, 0 when the
 * ring is empty, -1 when the ring cannot be read or the guest published
 * more than size new entries (the queue is then broken).
 */
int vq_pop(struct mem_domain *d, struct virtq *q, uint16_t *head);

/* Has the driver published entries not yet taken? (false if unreadable) */
bool vq_has_avail(struct mem_domain *d, const struct virtq *q);

/* Walk and check the chain starting at head into c. */
enum vq_error vq_walk(struct mem_domain *d, const struct virtq *q,
		      uint16_t head, struct vq_chain *c);

/*
 * Put head back in the used ring with len bytes written, and publish it.
 * Returns 0 or -EFAULT (the used ring is not accessible).
 */
int vq_push(struct mem_domain *d, struct virtq *q, uint16_t head,
	    uint32_t len);

/*
 * Should the driver be interrupted for what was pushed since the last
 * interrupt (EVENT_IDX's used_event, or its absence)? Updates the state as
 * if the interrupt was sent when it returns true.
 */
bool vq_should_interrupt(struct mem_domain *d, struct virtq *q);

/*
 * With EVENT_IDX, tell the driver to notify once it adds entry
 * last_avail (avail_event); a no-op otherwise.
 */
void vq_set_avail_event(struct mem_domain *d, struct virtq *q);

/*
 * Copy bytes at offset off of the chain's readable (write == false) or
 * writable part to or from buf. Returns 0 or -EFAULT (outside the part,
 * or refused by the domain).
 */
int vq_chain_copy(struct mem_domain *d, const struct vq_chain *c, bool write,
		  uint64_t off, void *buf, uint64_t len);

/*
 * Hold [off, off+len) of the chain's readable or writable part for I/O:
 * fills up to max iovecs (and their holds) and returns how many, or -EFAULT
 * / -E2BIG. Release with vq_release().
 */
int vq_hold(struct mem_domain *d, const struct vq_chain *c, bool write,
	    uint64_t off, uint64_t len, struct iovec *iov,
	    struct mem_hold *holds, int max);
void vq_release(struct mem_domain *d, struct mem_hold *holds, int n);

#endif
