/* SPDX-License-Identifier: MIT */
/* virtio-rng: entropy from getrandom(), at most 64 KiB per request. */
#ifndef CVMM_VIRTIO_RNG_H
#define CVMM_VIRTIO_RNG_H

#include "core.h"

struct virtio_rng {
	struct virtio_dev dev;
	struct vq_chain chain;
	struct iovec iov[VQ_MAX_BUFS];
	struct mem_hold holds[VQ_MAX_BUFS];
};

extern const struct virtio_dev_ops virtio_rng_ops;

#endif
