/* SPDX-License-Identifier: MIT */
/*
 * Console output that never blocks its producer: a bounded ring drained
 * by one writer thread that does the blocking write()s. A vCPU or device
 * thread only copies bytes in under a short lock; bytes that do not fit
 * are dropped and counted, so a full pipe nobody reads can slow the
 * output, never the guest or cvmm's stop path.
 *
 * Shared buffers (outbuf_for_fd) live in static storage and are never
 * freed: the stop path can abandon a writer stuck in write() and the
 * process can still exit cleanly.
 */
#ifndef CVMM_OUTBUF_H
#define CVMM_OUTBUF_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OUTBUF_SIZE (256 * 1024)

struct outbuf {
	pthread_mutex_t lock;
	pthread_cond_t more;	/* the writer waits for bytes */
	pthread_cond_t drained; /* flushers wait for the ring to shrink */
	uint8_t *buf;
	size_t cap, head, len; /* len counts bytes being written too */
	uint64_t written, dropped;
	int fd;
	bool started, abandoned;
};

/* An empty buffer over storage[cap] for fd, with no writer yet. */
void outbuf_init(struct outbuf *o, int fd, uint8_t *storage, size_t cap);

/*
 * Start the writer thread (detached, every signal blocked). 0 or -errno.
 * The writer may wake on o after outbuf_abandon(): o and its storage must
 * never be freed (static storage, as outbuf_for_fd uses).
 */
int outbuf_start(struct outbuf *o);

/*
 * Queue n bytes without blocking: what fits is copied, the rest counted
 * as dropped. Returns the bytes queued.
 */
size_t outbuf_put(struct outbuf *o, const void *p, size_t n);

/*
 * The writer's side, also usable without a thread: the contiguous bytes
 * at the head (*p, returned length), and releasing n of them.
 */
size_t outbuf_peek(struct outbuf *o, const uint8_t **p);
void outbuf_consume(struct outbuf *o, size_t n);

/* Wait up to timeout_ns for the writer to empty the ring; true if empty. */
bool outbuf_flush(struct outbuf *o, uint64_t timeout_ns);

/* Give up on what is queued (counted as dropped); later puts drop too. */
void outbuf_abandon(struct outbuf *o);

/* Bytes written to the fd and bytes dropped so far. */
void outbuf_counts(struct outbuf *o, uint64_t *written, uint64_t *dropped);

/*
 * The shared, started buffer for fd (one per fd, so the UART and
 * virtio-console keep their relative order on stdout). NULL only when
 * every slot is taken.
 */
struct outbuf *outbuf_for_fd(int fd);

/*
 * At exit: flush every shared buffer, waiting at most timeout_ns in
 * all, then abandon what is left so the counts are final.
 */
void outbuf_finish_all(uint64_t timeout_ns);

/* Sums over the shared buffers (for --stats). */
void outbuf_counts_all(uint64_t *written, uint64_t *dropped);

#endif
