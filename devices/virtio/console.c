// SPDX-License-Identifier: MIT
#include "console.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/log.h"
#include "../../lib/outbuf.h"
#include "virtio.h"

void virtio_console_init(struct virtio_console *c, int out_fd)
{
	c->out = outbuf_for_fd(out_fd);
	pthread_mutex_init(&c->in_lock, NULL);
	c->in_len = 0;
}

void virtio_console_input(void *arg, const uint8_t *buf, size_t len)
{
	struct virtio_console *c = arg;
	size_t n;
	uint64_t one = 1;

	pthread_mutex_lock(&c->in_lock);
	n = CONSOLE_INBUF - c->in_len < len ? CONSOLE_INBUF - c->in_len : len;
	memcpy(c->in + c->in_len, buf, n);
	c->in_len += n;
	c->in_dropped += len - n;
	pthread_mutex_unlock(&c->in_lock);
	if (write(c->dev.extra_efd, &one, sizeof(one)) < 0)
		log_warn_errno("waking the console");
}

/*
 * Guest output: each readable buffer is copied to the output buffer. This
 * runs under the device lock and a hold on guest memory, so it must not
 * block: what does not fit is dropped and counted, never waited for.
 */
/*
 * Guest output goes through the checked copy into a bounce buffer, never
 * straight from guest memory into the output buffer: a guest that can
 * take pages back (pKVM) makes a host load fault, and the checked copy
 * survives that where a copy under the output buffer's lock would not.
 */
static void transmit(struct virtio_console *c, struct virtio_dev *d)
{
	uint8_t buf[4096];

	while (virtio_next(d, VIRTIO_CONSOLE_TX, &c->chain)) {
		uint64_t len = c->chain.read_len;

		for (uint64_t off = 0; off < len && c->out; off += sizeof(buf)) {
			uint64_t n = len - off < sizeof(buf) ? len - off
							     : sizeof(buf);

			if (vq_chain_copy(&d->dom, &c->chain, false, off, buf, n))
				break;
			outbuf_put(c->out, buf, (size_t)n);
		}
		virtio_complete(d, VIRTIO_CONSOLE_TX, &c->chain, 0);
	}
}

/* Host input: fill receive buffers while there is input and buffers. */
static void receive(struct virtio_console *c, struct virtio_dev *d)
{
	pthread_mutex_lock(&c->in_lock);
	while (c->in_len && virtio_next(d, VIRTIO_CONSOLE_RX, &c->chain)) {
		uint64_t n = c->chain.write_len < c->in_len ? c->chain.write_len
							      : c->in_len;

		if (vq_chain_copy(&d->dom, &c->chain, true, 0, c->in, n))
			n = 0;
		memmove(c->in, c->in + n, c->in_len - n);
		c->in_len -= n;
		virtio_complete(d, VIRTIO_CONSOLE_RX, &c->chain, (uint32_t)n);
	}
	pthread_mutex_unlock(&c->in_lock);
}

static void console_process(struct virtio_dev *d, unsigned int q)
{
	if (q == VIRTIO_CONSOLE_TX)
		transmit(d->priv, d);
	else
		receive(d->priv, d);
}

static void console_extra(struct virtio_dev *d)
{
	if ((d->status & VIRTIO_CONFIG_S_DRIVER_OK) &&
	    d->vq[VIRTIO_CONSOLE_RX].ready)
		receive(d->priv, d);
}

static void console_config_read(struct virtio_dev *d, uint32_t off,
				uint8_t *data, unsigned int len)
{
	(void)d;
	(void)off;
	memset(data, 0, len); /* cols, rows, max_nr_ports: unused */
}

const struct virtio_dev_ops virtio_console_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.num_queues = 2,
	.config_size = 12,
	.config_read = console_config_read,
	.process = console_process,
	.extra = console_extra,
};
