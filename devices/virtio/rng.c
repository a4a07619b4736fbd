// SPDX-License-Identifier: MIT
/* virtio-rng: fills each writable buffer with getrandom() bytes. */
#include "rng.h"

#include <errno.h>
#include <sys/random.h>

#include "virtio.h"

#define RNG_MAX_PER_REQUEST (64 * 1024)

/* Fill the held iovecs; returns bytes filled. */
static uint64_t fill(struct iovec *iov, int n)
{
	uint64_t total = 0;

	for (int i = 0; i < n; i++) {
		size_t got = 0;

		while (got < iov[i].iov_len) {
			ssize_t r = getrandom((uint8_t *)iov[i].iov_base + got,
					      iov[i].iov_len - got, 0);

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return total;
			got += (size_t)r;
			total += (uint64_t)r;
		}
	}
	return total;
}

static void rng_process(struct virtio_dev *d, unsigned int q)
{
	struct virtio_rng *r = d->priv;

	while (virtio_next(d, q, &r->chain)) {
		uint64_t len = r->chain.write_len < RNG_MAX_PER_REQUEST
				       ? r->chain.write_len
				       : RNG_MAX_PER_REQUEST;
		int n = vq_hold(&d->dom, &r->chain, true, 0, len, r->iov,
				r->holds, VQ_MAX_BUFS);
		uint64_t filled = n > 0 ? fill(r->iov, n) : 0;

		if (n > 0)
			vq_release(&d->dom, r->holds, n);
		virtio_complete(d, q, &r->chain, (uint32_t)filled);
	}
}

static void rng_config_read(struct virtio_dev *d, uint32_t off, uint8_t *data,
			    unsigned int len)
{
	(void)d;
	(void)off;
	(void)data;
	(void)len; /* no config space */
}

const struct virtio_dev_ops virtio_rng_ops = {
	.device_id = VIRTIO_ID_RNG,
	.num_queues = 1,
	.config_size = 0,
	.config_read = rng_config_read,
	.process = rng_process,
};
