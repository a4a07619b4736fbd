/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk on a raw image file: read, write, flush (fdatasync), get-id,
 * discard (punches holes), optionally read-only.
 *
 * The device thread takes requests under the device lock (parse, check,
 * hold the guest's buffers: mem_hold, so they cannot turn private) and
 * hands their I/O to io_uring, up to BLK_MAX_INFLIGHT at once, with the
 * lock dropped. Data moves straight to and from the guest's buffers, which
 * stay held until the completion arrives in the device's event loop. A
 * flush starts only once every write taken before it has completed. Where
 * io_uring is unavailable (disabled by sysctl or seccomp) the same
 * requests run with preadv/pwritev on the device thread, lock not held.
 */
#ifndef CVMM_VIRTIO_BLK_H
#define CVMM_VIRTIO_BLK_H

#include <stdbool.h>

#include "core.h"
#include "virtio.h"

#define BLK_MAX_DISCARD_SECTORS (1u << 22) /* 2 GiB per segment */
#define BLK_MAX_DISCARD_SEG 16
#define BLK_MAX_INFLIGHT 128

struct blk_io; /* requests in flight and their I/O (blk_io.c) */

struct virtio_blk {
	struct virtio_dev dev;
	int fd;
	bool readonly;
	bool no_uring; /* synchronous I/O even with io_uring (tests) */
	uint64_t capacity; /* 512-byte sectors */
	char id[VIRTIO_BLK_ID_BYTES];
	uint8_t config[VIRTIO_BLK_CFG_SIZE];
	struct blk_io *io; /* set up by virtio_dev_init, freed by destroy */
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

/* Does the device move its data through io_uring (else synchronously)? */
bool virtio_blk_uring(const struct virtio_blk *b);

/*
 * Test only, with nothing in flight: submit an operation the device never
 * uses (a NOP) to its ring; the ring's restrictions make it -EACCES.
 */
int virtio_blk_ring_try_nop(struct virtio_blk *b);

extern const struct virtio_dev_ops virtio_blk_ops;

#endif
