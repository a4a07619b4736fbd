/* SPDX-License-Identifier: MIT */
/*
 * A 16550A UART: transmitted bytes go to the fd's output buffer at once
 * (the line status always says "transmitter empty"; a writer thread does
 * the write(), so a stuck output never holds a vCPU), received bytes wait
 * in a 64-byte FIFO and raise the interrupt when the guest enabled it.
 */
#ifndef CVMM_SERIAL_H
#define CVMM_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus.h"

struct outbuf;

#define SERIAL_REGS 8 /* bytes of I/O space */
#define SERIAL_FIFO 64

struct serial {
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thr_irq; /* "transmitter empty" interrupt pending */
	uint8_t rx[SERIAL_FIFO];
	unsigned int rx_head, rx_count;
	bool irq_level;
	struct outbuf *out; /* shared with other devices on the same fd */
	void (*set_irq)(void *opaque, int level);
	void *irq_opaque;
	uint64_t tx_bytes, rx_dropped;
};

extern const struct dev_ops serial_ops;

void serial_init(struct serial *s, int out_fd,
		 void (*set_irq)(void *opaque, int level), void *irq_opaque);

/* Queue host input for the guest; bytes beyond the FIFO are dropped. */
void serial_receive(void *s, const uint8_t *buf, size_t len);

#endif
