/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk's requests in flight, and how their I/O reaches the disk:
 * io_uring, or synchronous system calls where io_uring is unavailable.
 * Internal to blk.c and blk_io.c. All of it runs on the device's serving
 * thread; "lock held" marks what also needs the device lock.
 */
#ifndef CVMM_VIRTIO_BLK_IO_H
#define CVMM_VIRTIO_BLK_IO_H

#include "blk.h"

enum blk_op { BLK_OP_NONE, BLK_OP_READ, BLK_OP_WRITE, BLK_OP_FLUSH,
	      BLK_OP_DISCARD };

#define BLK_S_NONE 0xff

struct blk_range {
	uint64_t off, len; /* bytes */
};

/* One request, from its taking to its completion. */
struct blk_req {
	struct vq_chain chain;
	unsigned int q;
	enum blk_op op;
	uint8_t status;	   /* BLK_S_NONE: no status byte to answer in */
	uint32_t written;  /* bytes put in the guest's buffers, status aside */
	uint64_t len;	   /* data bytes (read, write) */
	uint64_t off;	   /* file offset of the next byte to move */
	int niov, iov_at;  /* iovecs and holds; the first not yet moved */
	unsigned int ops;  /* io_uring operations outstanding */
	unsigned int nseg; /* discard ranges */
	struct blk_range seg[BLK_MAX_DISCARD_SEG];
	/* A run: sequential reads or writes sent as one operation, led by
	 * the first (its iov then holds the others' after its own). */
	struct blk_req *run_next, **run_tail;
	int run_niov;
	uint64_t run_len;
	uint64_t seq;	   /* taking order: a flush waits for earlier writes */
	unsigned int waits; /* a flush: earlier writes still in flight */
	struct blk_req *next;
	struct iovec iov[VQ_MAX_BUFS];
	struct mem_hold holds[VQ_MAX_BUFS];
};

/* The device's init and fini ops: slots, io_uring or the fallback. */
int blk_io_init(struct virtio_dev *d);
void blk_io_fini(struct virtio_dev *d);

/*
 * A free request, or NULL when all are in flight (or io_uring has no room
 * for another): the queue is then served again as requests complete.
 * Lock held.
 */
struct blk_req *blk_io_get(struct virtio_blk *b);
void blk_io_put(struct virtio_blk *b, struct blk_req *r);

/* Queue r's I/O (op, off, iov or seg filled in); lock held. */
void blk_io_start(struct virtio_blk *b, struct blk_req *r);

/* The device's submit and complete ops. */
void blk_io_submit(struct virtio_dev *d);
void blk_io_complete(struct virtio_dev *d, bool wait);

/* blk.c: r's I/O is over: release, status, push. Lock held. */
void blk_finish(struct virtio_blk *b, struct blk_req *r);

#endif
