// SPDX-License-Identifier: MIT
#include "outbuf.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

void outbuf_init(struct outbuf *o, int fd, uint8_t *storage, size_t cap)
{
	pthread_condattr_t ca;

	memset(o, 0, sizeof(*o));
	pthread_mutex_init(&o->lock, NULL);
	/* Flush deadlines are monotonic: a clock step must not stretch them. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&o->more, NULL);
	pthread_cond_init(&o->drained, &ca);
	pthread_condattr_destroy(&ca);
	o->buf = storage;
	o->cap = cap;
	o->fd = fd;
}

size_t outbuf_put(struct outbuf *o, const void *p, size_t n)
{
	const uint8_t *src = p;
	size_t take, tail, first;
	bool was_empty;

	pthread_mutex_lock(&o->lock);
	was_empty = o->len == 0;
	take = o->abandoned ? 0 : n < o->cap - o->len ? n : o->cap - o->len;
	tail = (o->head + o->len) % o->cap;
	first = take < o->cap - tail ? take : o->cap - tail;
	memcpy(o->buf + tail, src, first);
	memcpy(o->buf, src + first, take - first);
	o->len += take;
	o->dropped += n - take;
	/* The writer only sleeps on an empty ring: wake it on the first byte. */
	if (take && was_empty)
		pthread_cond_signal(&o->more);
	pthread_mutex_unlock(&o->lock);
	return take;
}

/* Lock held. Bytes at the head up to the end of the storage. */
static size_t head_run(const struct outbuf *o)
{
	return o->len < o->cap - o->head ? o->len : o->cap - o->head;
}

size_t outbuf_peek(struct outbuf *o, const uint8_t **p)
{
	size_t n;

	pthread_mutex_lock(&o->lock);
	*p = o->buf + o->head;
	n = head_run(o);
	pthread_mutex_unlock(&o->lock);
	return n;
}

/* Lock held. */
static void consume_locked(struct outbuf *o, size_t n)
{
	if (n > o->len)
		n = o->len;
	o->head = (o->head + n) % o->cap;
	o->len -= n;
	pthread_cond_broadcast(&o->drained);
}

void outbuf_consume(struct outbuf *o, size_t n)
{
	pthread_mutex_lock(&o->lock);
	consume_locked(o, n);
	pthread_mutex_unlock(&o->lock);
}

/*
 * Blocking write of some of p[0..n): how many bytes went, or -1 when the
 * fd refuses them (closed reader, bad fd). A non-blocking fd someone
 * else configured is waited on with poll().
 */
static ssize_t write_some(int fd, const uint8_t *p, size_t n)
{
	for (;;) {
		ssize_t w = write(fd, p, n);

		if (w > 0)
			return w;
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };

			if (poll(&pf, 1, -1) >= 0 || errno == EINTR)
				continue;
		}
		return -1;
	}
}

/*
 * The ring is written from in place, outside the lock: producers only
 * append after head+len and the run being written stays counted in len
 * until the write returns.
 */
static void *writer_main(void *arg)
{
	struct outbuf *o = arg;

	pthread_mutex_lock(&o->lock);
	for (;;) {
		const uint8_t *p;
		size_t n;
		ssize_t w;

		while (!o->len && !o->abandoned)
			pthread_cond_wait(&o->more, &o->lock);
		if (o->abandoned)
			break;
		p = o->buf + o->head;
		n = head_run(o);
		pthread_mutex_unlock(&o->lock);
		w = write_some(o->fd, p, n);
		pthread_mutex_lock(&o->lock);
		if (o->abandoned)
			break; /* the stop path already counted these */
		if (w < 0) {
			o->dropped += n; /* a closed output loses bytes, not the VM */
			w = (ssize_t)n;
		} else {
			o->written += (uint64_t)w;
		}
		consume_locked(o, (size_t)w);
	}
	pthread_mutex_unlock(&o->lock);
	return NULL;
}

int outbuf_start(struct outbuf *o)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t t;
	int err;

	/* Signals belong to the main thread's signalfd, never to the writer. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&t, &attr, writer_main, o);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!err) {
		pthread_mutex_lock(&o->lock);
		o->started = true;
		pthread_mutex_unlock(&o->lock);
	}
	return -err;
}

static struct timespec deadline_after(uint64_t ns)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns += (uint64_t)ts.tv_nsec;
	ts.tv_sec += (time_t)(ns / 1000000000ULL);
	ts.tv_nsec = (long)(ns % 1000000000ULL);
	return ts;
}

bool outbuf_flush(struct outbuf *o, uint64_t timeout_ns)
{
	struct timespec end = deadline_after(timeout_ns);
	bool empty;

	pthread_mutex_lock(&o->lock);
	while (o->len && o->started && !o->abandoned &&
	       pthread_cond_timedwait(&o->drained, &o->lock, &end) != ETIMEDOUT)
		;
	empty = o->len == 0;
	pthread_mutex_unlock(&o->lock);
	return empty;
}

void outbuf_abandon(struct outbuf *o)
{
	pthread_mutex_lock(&o->lock);
	o->abandoned = true;
	o->dropped += o->len;
	o->len = 0;
	pthread_cond_broadcast(&o->more);
	pthread_cond_broadcast(&o->drained);
	pthread_mutex_unlock(&o->lock);
}

void outbuf_counts(struct outbuf *o, uint64_t *written, uint64_t *dropped)
{
	pthread_mutex_lock(&o->lock);
	*written = o->written;
	*dropped = o->dropped;
	pthread_mutex_unlock(&o->lock);
}

/* The shared buffers: static, so an abandoned writer never sees freed memory. */
#define OUTBUF_SLOTS 4
static struct outbuf shared[OUTBUF_SLOTS];
static uint8_t shared_storage[OUTBUF_SLOTS][OUTBUF_SIZE];
static unsigned int nshared;
static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * When stderr is the same file as a console buffer's (a terminal, `2>&1`),
 * log lines go through that buffer too: they keep their order among the
 * guest's bytes and never block a thread (or a stop) on a stuck output.
 * Once the buffer is abandoned at exit, they go to stderr directly again.
 */
static struct outbuf *same_as_stderr;

static bool log_through_console(const char *line, size_t len)
{
	struct outbuf *o = same_as_stderr;
	bool open;

	pthread_mutex_lock(&o->lock);
	open = !o->abandoned;
	pthread_mutex_unlock(&o->lock);
	if (open)
		outbuf_put(o, line, len);
	return open;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

struct outbuf *outbuf_for_fd(int fd)
{
	struct outbuf *o = NULL;

	pthread_mutex_lock(&shared_lock);
	for (unsigned int i = 0; i < nshared && !o; i++)
		if (shared[i].fd == fd)
			o = &shared[i];
	if (!o && nshared < OUTBUF_SLOTS) {
		o = &shared[nshared];
		outbuf_init(o, fd, shared_storage[nshared], OUTBUF_SIZE);
		nshared++;
		/* Without a writer the bytes are only counted as dropped. */
		if (outbuf_start(o)) {
			log_warn_errno("console output thread");
			outbuf_abandon(o);
		} else if (!same_as_stderr && same_file(fd, STDERR_FILENO)) {
			same_as_stderr = o;
			log_write = log_through_console;
		}
	}
	pthread_mutex_unlock(&shared_lock);
	return o;
}

void outbuf_finish_all(uint64_t timeout_ns)
{
	struct timespec now, end = deadline_after(timeout_ns);
	unsigned int n;

	pthread_mutex_lock(&shared_lock);
	n = nshared;
	pthread_mutex_unlock(&shared_lock);
	for (unsigned int i = 0; i < n; i++) {
		int64_t left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (int64_t)(end.tv_sec - now.tv_sec) * 1000000000LL +
		       (end.tv_nsec - now.tv_nsec);
		outbuf_flush(&shared[i], left > 0 ? (uint64_t)left : 0);
		outbuf_abandon(&shared[i]);
	}
}

void outbuf_counts_all(uint64_t *written, uint64_t *dropped)
{
	unsigned int n;

	*written = *dropped = 0;
	pthread_mutex_lock(&shared_lock);
	n = nshared;
	pthread_mutex_unlock(&shared_lock);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t w, d;

		outbuf_counts(&shared[i], &w, &d);
		*written += w;
		*dropped += d;
	}
}
