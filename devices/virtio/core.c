// SPDX-License-Identifier: MIT
#include "core.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../../lib/log.h"
#include "../../lib/util.h"
#include "virtio.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void close_fds(struct virtio_dev *d)
{
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		close_fd(&d->kick_efd[q]);
	close_fd(&d->irq_efd);
	close_fd(&d->extra_efd);
	close_fd(&d->stop_efd);
	close_fd(&d->epoll_fd);
}

static void drain_fd(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn_errno("reading an eventfd");
}

/* Queue q was kicked: served once the loop has looked at every event. */
static void on_kick(struct virtio_dev *d, void *arg, bool woken)
{
	unsigned int q = (unsigned int)(uintptr_t)arg;

	if (woken)
		drain_fd(d->kick_efd[q]);
	d->kicked |= 1u << q;
}

static void on_extra(struct virtio_dev *d, void *arg, bool woken)
{
	(void)arg;
	if (woken)
		drain_fd(d->extra_efd);
	if (!d->ops->extra)
		return;
	pthread_mutex_lock(&d->lock);
	d->ops->extra(d);
	pthread_mutex_unlock(&d->lock);
}

static void on_stop(struct virtio_dev *d, void *arg, bool woken)
{
	(void)arg;
	(void)woken;
	d->stopping = true;
}

int virtio_add_source(struct virtio_dev *d, const struct virtio_source *s)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = d->nsrc };

	if (d->nsrc == VIRTIO_MAX_SOURCES)
		return -ENOSPC;
	if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, s->fd, &ev))
		return -errno;
	d->src[d->nsrc++] = *s;
	return 0;
}

/* The eventfds and the loop's own sources. */
static int init_fds(struct virtio_dev *d)
{
	int err = 0;

	for (unsigned int q = 0; q < d->ops->num_queues; q++)
		if ((d->kick_efd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
			return -errno;
	d->irq_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->extra_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (d->irq_efd < 0 || d->extra_efd < 0 || d->stop_efd < 0 ||
	    d->epoll_fd < 0)
		return -errno;
	for (unsigned int q = 0; !err && q < d->ops->num_queues; q++)
		err = virtio_add_source(d, &(struct virtio_source){
			d->kick_efd[q], on_kick, NULL, NULL, (void *)(uintptr_t)q });
	if (!err)
		err = virtio_add_source(d, &(struct virtio_source){
			d->extra_efd, on_extra, NULL, NULL, NULL });
	if (!err)
		err = virtio_add_source(d, &(struct virtio_source){
			d->stop_efd, on_stop, NULL, NULL, NULL });
	return err;
}

int virtio_dev_init(struct virtio_dev *d, const struct virtio_dev_ops *ops,
		    void *priv, const char *name, struct guest_mem *m,
		    uint64_t win_base, uint64_t win_size, bool confidential)
{
	int err;

	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->priv = priv;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->confidential = confidential;
	d->features = ops->features;
	d->poll_max_ns = VIRTIO_POLL_MAX_NS;
	mem_domain_init(&d->dom, m, d->name, win_base, win_size);
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		d->kick_efd[q] = -1;
	d->irq_efd = d->extra_efd = d->stop_efd = d->epoll_fd = -1;
	if (ops->num_queues > VIRTIO_MAX_QUEUES) {
		d->ops = NULL;
		return -EINVAL;
	}
	pthread_mutex_init(&d->lock, NULL);
	pthread_cond_init(&d->idle, NULL);
	err = init_fds(d);
	if (!err && ops->init)
		err = ops->init(d);
	if (err) {
		close_fds(d);
		pthread_cond_destroy(&d->idle);
		pthread_mutex_destroy(&d->lock);
		d->ops = NULL; /* not a device: nothing for destroy to undo */
	}
	return err;
}

uint64_t virtio_offered_features(const struct virtio_dev *d)
{
	uint64_t f = d->features | 1ULL << VIRTIO_F_VERSION_1 |
		     1ULL << VIRTIO_F_EVENT_IDX | 1ULL << VIRTIO_F_INDIRECT_DESC;

	/* Confidential guests must know the device sees only what they share. */
	if (d->confidential)
		f |= 1ULL << VIRTIO_F_ACCESS_PLATFORM;
	return f;
}

/*
 * Requests in flight hold guest buffers and will push to the rings: a
 * reset waits for them (as a real device drains before it reports the
 * reset done), taking no new ones meanwhile. Without a device thread the
 * caller is the serving thread and completes them itself.
 */
static void quiesce(struct virtio_dev *d)
{
	d->quiescing = true;
	while (d->inflight) {
		if (d->running) {
			pthread_cond_wait(&d->idle, &d->lock);
			continue;
		}
		pthread_mutex_unlock(&d->lock);
		d->ops->complete(d, true);
		pthread_mutex_lock(&d->lock);
	}
	d->quiescing = false;
}

void virtio_reset(struct virtio_dev *d)
{
	quiesce(d);
	if (d->ops->reset)
		d->ops->reset(d);
	d->status = 0;
	d->driver_features = 0;
	d->dev_feat_sel = d->drv_feat_sel = d->queue_sel = 0;
	__atomic_store_n(&d->isr, 0, __ATOMIC_RELAXED);
	memset(d->vq, 0, sizeof(d->vq));
}

static void interrupt(struct virtio_dev *d, uint32_t why)
{
	uint64_t one = 1;

	__atomic_fetch_or(&d->isr, why, __ATOMIC_RELEASE);
	d->stats.interrupts++;
	if (write(d->irq_efd, &one, sizeof(one)) < 0)
		log_warn_errno("%s: raising the interrupt", d->name);
}

/* The ring itself is unusable: stop the queue, tell the driver. */
static void broken(struct virtio_dev *d, struct virtq *q, const char *why)
{
	q->ready = false;
	d->stats.broken_rings++;
	d->status |= VIRTIO_S_NEEDS_RESET;
	log_warn("%s: %s; device needs reset", d->name, why);
	interrupt(d, VIRTIO_MMIO_INT_CONFIG);
}

static void refuse(struct virtio_dev *d, struct virtq *q,
		   const struct vq_chain *c, enum vq_error e)
{
	d->stats.bad_chains++;
	if (!d->warned)
		log_warn("%s: refused a request: %s (further ones are counted)",
			 d->name, vq_error_name(e));
	d->warned = true;
	/* Consumed with nothing written: the driver sees it failed, and is
	 * told so like any completion (else an interrupt-driven driver waits
	 * forever for it). */
	if (vq_push(&d->dom, q, c->head, 0))
		broken(d, q, "its used ring cannot be written");
	else if (vq_should_interrupt(&d->dom, q))
		interrupt(d, VIRTIO_MMIO_INT_VRING);
}

int virtio_next(struct virtio_dev *d, unsigned int qi, struct vq_chain *c)
{
	struct virtq *q = &d->vq[qi];
	uint16_t head;
	int r;

	while (q->ready) {
		r = vq_pop(&d->dom, q, &head);
		if (r == 0 && !d->polling) {
			/* Ask for a kick at the next entry, then look again. */
			vq_set_avail_event(&d->dom, q);
			r = vq_pop(&d->dom, q, &head);
		}
		if (r < 0)
			broken(d, q, "its avail ring is unreadable or claims "
				     "more entries than it holds");
		if (r <= 0)
			return 0;
		enum vq_error e = vq_walk(&d->dom, q, head, c);

		if (e == VQ_OK)
			return 1;
		c->head = head;
		refuse(d, q, c, e);
	}
	return 0;
}

void virtio_push(struct virtio_dev *d, unsigned int qi, unsigned int head,
		 uint32_t len)
{
	struct virtq *q = &d->vq[qi];

	if (!q->ready)
		return; /* disabled under a request in flight: nowhere to put it */
	if (vq_push(&d->dom, q, (uint16_t)head, len)) {
		broken(d, q, "its used ring cannot be written");
		return;
	}
	d->stats.requests++;
}

void virtio_notify(struct virtio_dev *d, unsigned int qi)
{
	struct virtq *q = &d->vq[qi];

	if (q->ready && vq_should_interrupt(&d->dom, q))
		interrupt(d, VIRTIO_MMIO_INT_VRING);
}

void virtio_complete(struct virtio_dev *d, unsigned int q,
		     const struct vq_chain *c, uint32_t len)
{
	virtio_push(d, q, c->head, len);
	virtio_notify(d, q);
}

void virtio_begin_async(struct virtio_dev *d)
{
	if (++d->inflight > d->stats.inflight_max)
		d->stats.inflight_max = d->inflight;
}

void virtio_end_async(struct virtio_dev *d)
{
	if (--d->inflight == 0)
		pthread_cond_broadcast(&d->idle);
}

bool virtio_queue_live(const struct virtio_dev *d, unsigned int q)
{
	return (d->status & VIRTIO_S_DRIVER_OK) && d->vq[q].ready &&
	       !d->quiescing;
}

static void submit(struct virtio_dev *d)
{
	if (d->ops->submit)
		d->ops->submit(d);
}

/* Start what process() took, and finish what has completed already. */
static void run(struct virtio_dev *d)
{
	submit(d);
	if (d->ops->complete)
		d->ops->complete(d, false);
}

/* Run process() for the queues in mask (lock taken here). */
static void take(struct virtio_dev *d, uint32_t mask, bool kicked)
{
	pthread_mutex_lock(&d->lock);
	for (unsigned int q = 0; q < d->ops->num_queues; q++)
		if (mask & (1u << q)) {
			d->stats.kicks += kicked;
			if (virtio_queue_live(d, q))
				d->ops->process(d, q);
		}
	pthread_mutex_unlock(&d->lock);
}

static void serve(struct virtio_dev *d, uint32_t mask, bool kicked)
{
	take(d, mask, kicked);
	run(d);
}

void virtio_serve(struct virtio_dev *d, unsigned int q)
{
	take(d, 1u << q, true);
	submit(d);
}

void virtio_drain(struct virtio_dev *d)
{
	while (__atomic_load_n(&d->inflight, __ATOMIC_ACQUIRE))
		d->ops->complete(d, true);
}

void virtio_kick(struct virtio_dev *d, unsigned int q)
{
	virtio_serve(d, q);
	virtio_drain(d);
}

static void tell_sleep(struct virtio_dev *d, bool asleep)
{
	for (unsigned int i = 0; i < d->nsrc; i++)
		if (d->src[i].sleep)
			d->src[i].sleep(d->src[i].arg, asleep);
}

/* Handle the sources that have work without their fd saying so. */
static bool handle_ready(struct virtio_dev *d)
{
	bool any = false;

	for (unsigned int i = 0; i < d->nsrc; i++)
		if (d->src[i].ready && d->src[i].ready(d->src[i].arg)) {
			d->src[i].handle(d, d->src[i].arg, false);
			any = true;
		}
	return any;
}

/*
 * Busy-polling: after work, look for more for a while before sleeping, so
 * a driver that refills its queue, or a completion that comes quickly, is
 * served without a sleep and wake-up. That costs about three system calls
 * (epoll_wait, the kick's write and read: 5 us of CPU on these machines),
 * so polling pays only for work that comes sooner than that; a window
 * capped at poll_max_ns adapts to what the last polls and sleeps saw:
 * - a poll that found work keeps its window;
 * - a poll that found nothing drops it to 0 (no polling), and the next
 *   poll_backoff wake-ups may not start it again; each further miss
 *   doubles poll_backoff (up to POLL_BACKOFF_MAX), a hit clears it;
 * - a sleep woken within poll_max_ns grows it (polling would have seen
 *   that work without the wake-up).
 * A driver whose next request comes later than that (a synchronous guest
 * at depth 1, a disk slower than the window) thus costs a wasted poll only
 * once per POLL_BACKOFF_MAX requests.
 */
#define POLL_BACKOFF_MAX 64

static void poll_grow(struct virtio_dev *d, uint64_t slept_ns)
{
	uint32_t max = d->poll_max_ns;

	if (!max || slept_ns >= max)
		return;
	if (d->poll_wait) {
		d->poll_wait--;
		return;
	}
	d->poll_ns = d->poll_ns ? d->poll_ns * 2 : max / 4;
	if (d->poll_ns > max)
		d->poll_ns = max;
}

static void poll_result(struct virtio_dev *d, bool hit)
{
	if (hit) {
		d->poll_backoff = 0;
		return;
	}
	d->poll_ns = 0;
	d->poll_backoff = d->poll_backoff ? d->poll_backoff * 2 : 1;
	if (d->poll_backoff > POLL_BACKOFF_MAX)
		d->poll_backoff = POLL_BACKOFF_MAX;
	d->poll_wait = d->poll_backoff;
}

/*
 * One look at every source that can be seen without a system call and
 * every live queue; true if any work was found. Available entries a device
 * leaves in place (console receive buffers with no input yet) are not
 * progress, or the poll would never end.
 */
static bool poll_once(struct virtio_dev *d)
{
	bool progress = handle_ready(d);

	pthread_mutex_lock(&d->lock);
	for (unsigned int q = 0; q < d->ops->num_queues; q++) {
		struct virtq *vq = &d->vq[q];
		uint16_t before = vq->last_avail;

		if (virtio_queue_live(d, q) && vq_has_avail(&d->dom, vq)) {
			d->ops->process(d, q);
			progress |= vq->last_avail != before;
		}
	}
	pthread_mutex_unlock(&d->lock);
	if (progress)
		run(d);
	return progress;
}

static void set_polling(struct virtio_dev *d, bool on)
{
	pthread_mutex_lock(&d->lock);
	d->polling = on;
	pthread_mutex_unlock(&d->lock);
}

/*
 * While polling, the driver need not kick (avail_event is left behind).
 * Before sleeping, kicks are asked for again and the queues looked at once
 * more, so an entry added in between is not left waiting.
 */
static void busy_poll(struct virtio_dev *d)
{
	uint64_t end = now_ns() + d->poll_ns;
	bool hit = false;

	d->stats.polls++;
	set_polling(d, true);
	while (now_ns() < end)
		if (poll_once(d)) {
			hit = true;
			end = now_ns() + d->poll_ns;
		} else {
			for (int i = 0; i < 32; i++) /* the clock is not free */
				cpu_relax();
		}
	set_polling(d, false);
	d->stats.poll_hits += hit;
	poll_result(d, hit);
	serve(d, (1u << d->ops->num_queues) - 1, false); /* re-arms */
}

/*
 * With requests in flight the loop also wakes every SAFETY_MS and lets
 * each pollable source look again: a completion ring's eventfd may be
 * muted while the loop is awake, and whether the kernel sees it unmuted
 * before it posts a completion that the loop just missed is not
 * documented; and a submit that failed (EINTR, ENOMEM) is tried again. A
 * lost wake-up costs a few milliseconds, never a hung request. An idle
 * device sleeps for good.
 */
#define SAFETY_MS 10

static int sleep_ms(struct virtio_dev *d)
{
	return __atomic_load_n(&d->inflight, __ATOMIC_RELAXED) ? SAFETY_MS : -1;
}

/*
 * Sleep until an event, unless a source has work already (checked after
 * it was told, so nothing slips in between), and handle what came; the
 * kicked queues are then served.
 */
static void wait_events(struct virtio_dev *d)
{
	struct epoll_event ev[VIRTIO_MAX_SOURCES];
	uint64_t t0;
	int n;

	tell_sleep(d, true);
	if (handle_ready(d)) {
		tell_sleep(d, false);
		return;
	}
	t0 = now_ns();
	n = epoll_wait(d->epoll_fd, ev, VIRTIO_MAX_SOURCES, sleep_ms(d));
	tell_sleep(d, false);
	if (n < 0) {
		if (errno != EINTR) {
			log_err_errno("%s: waiting for events", d->name);
			d->stopping = true;
		}
		return;
	}
	if (n == 0) { /* the safety timeout: let every source look again */
		for (unsigned int i = 0; i < d->nsrc; i++)
			if (d->src[i].ready)
				d->src[i].handle(d, d->src[i].arg, false);
		return;
	}
	d->stats.wakeups++;
	poll_grow(d, now_ns() - t0);
	for (int i = 0; i < n; i++) {
		struct virtio_source *s = &d->src[ev[i].data.u32];

		s->handle(d, s->arg, true);
	}
	if (d->kicked) {
		uint32_t mask = d->kicked;

		d->kicked = 0;
		serve(d, mask, true);
	}
}

static void *thread_main(void *arg)
{
	struct virtio_dev *d = arg;

	while (!d->stopping) {
		wait_events(d);
		if (d->poll_ns && !d->stopping)
			busy_poll(d);
	}
	/* Nothing may stay in flight: its buffers are still held. */
	virtio_drain(d);
	return NULL;
}

int virtio_dev_start(struct virtio_dev *d)
{
	int err = pthread_create(&d->thread, NULL, thread_main, d);

	d->running = !err;
	return -err;
}

void virtio_dev_destroy(struct virtio_dev *d)
{
	uint64_t one = 1;

	if (d->running) {
		if (write(d->stop_efd, &one, sizeof(one)) < 0)
			log_err_errno("stopping %s", d->name);
		pthread_join(d->thread, NULL);
		d->running = false;
	}
	if (d->ops->complete)
		virtio_drain(d);
	if (d->ops->fini)
		d->ops->fini(d);
	close_fds(d);
	pthread_cond_destroy(&d->idle);
	pthread_mutex_destroy(&d->lock);
}
