/* SPDX-License-Identifier: MIT */
/*
 * virtio-console, one port (no MULTIPORT): the transmit queue goes to the
 * output fd's buffer (lib/outbuf.h: it never blocks the device thread),
 * host input waits in a small buffer until the guest posts receive
 * buffers.
 */
#ifndef CVMM_VIRTIO_CONSOLE_H
#define CVMM_VIRTIO_CONSOLE_H

#include <pthread.h>

#include "core.h"

struct outbuf;

#define CONSOLE_INBUF 4096

struct virtio_console {
	struct virtio_dev dev;
	struct outbuf *out; /* shared with the UART when both use stdout */
	pthread_mutex_t in_lock; /* the input buffer: main thread vs device */
	uint8_t in[CONSOLE_INBUF];
	size_t in_len;
	uint64_t in_dropped;
	struct vq_chain chain;
	struct iovec iov[VQ_MAX_BUFS];
	struct mem_hold holds[VQ_MAX_BUFS];
};

void virtio_console_init(struct virtio_console *c, int out_fd);

/* Host input for the guest (from vm_run's input loop). */
void virtio_console_input(void *c, const uint8_t *buf, size_t len);

extern const struct virtio_dev_ops virtio_console_ops;

#endif
