/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk on a raw image file: read, write, flush (fdatasync), get-id,
 * discard (punches holes), optionally read-only. Requests run on the
 * device's own thread; data moves with preadv/pwritev straight to and from
 * the guest's buffers, which stay held (so they cannot turn private) for
 * the duration of the request.
 */
#ifndef CVMM_VIRTIO_BLK_H
#define CVMM_VIRTIO_BLK_H

#include <stdbool.h>

#include "core.h"
#include "virtio.h"

#define BLK_MAX_DISCARD_SECTORS (1u << 22) /* 2 GiB per segment */
#define BLK_MAX_DISCARD_SEG 16

struct virtio_blk {
	struct virtio_dev dev;
	int fd;
	bool readonly;
	uint64_t capacity; /* 512-byte sectors */
	char id[VIRTIO_BLK_ID_BYTES];
	uint8_t config[VIRTIO_BLK_CFG_SIZE];
	/* Scratch for one request (the thread runs one at a time). */
	struct vq_chain chain;
	struct iovec iov[VQ_MAX_BUFS];
	struct mem_hold holds[VQ_MAX_BUFS];
};

/*
 * Open path as a disk (locked against other writers) and fill in the
 * config space. The caller then sets up b->dev with virtio_blk_ops and b
 * as priv, and adds VIRTIO_BLK_F_RO to b->dev.features if read-only. On
 * failure returns -errno and writes a one-line reason to err.
 */
int virtio_blk_open(struct virtio_blk *b, const char *path, bool readonly,
		    char *err, size_t errlen) __attribute__((warn_unused_result));
void virtio_blk_close(struct virtio_blk *b);

/* Handle one request chain; returns the bytes written into the guest. */
uint32_t virtio_blk_request(struct virtio_blk *b, const struct vq_chain *c);

extern const struct virtio_dev_ops virtio_blk_ops;

#endif
