// SPDX-License-Identifier: MIT
#include "core.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
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
}

int virtio_dev_init(struct virtio_dev *d, const struct virtio_dev_ops *ops,
		    void *priv, const char *name, struct guest_mem *m,
		    uint64_t win_base, uint64_t win_size, bool confidential)
{
	memset(d, 0, sizeof(*d));
	d->ops = ops;
	d->priv = priv;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->confidential = confidential;
	d->features = ops->features;
	mem_domain_init(&d->dom, m, d->name, win_base, win_size);
	pthread_mutex_init(&d->lock, NULL);
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		d->kick_efd[q] = -1;
	d->irq_efd = d->extra_efd = d->stop_efd = -1;
	for (unsigned int q = 0; q < ops->num_queues; q++)
		if ((d->kick_efd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
			goto fail;
	d->irq_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->extra_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->stop_efd = eventfd(0, EFD_CLOEXEC);
	if (d->irq_efd >= 0 && d->extra_efd >= 0 && d->stop_efd >= 0)
		return 0;
fail:
	close_fds(d);
	d->ops = NULL; /* not a device: nothing for destroy to undo */
	return -errno;
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

void virtio_reset(struct virtio_dev *d)
{
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

void virtio_complete(struct virtio_dev *d, unsigned int qi,
		     const struct vq_chain *c, uint32_t len)
{
	struct virtq *q = &d->vq[qi];

	if (vq_push(&d->dom, q, c->head, len)) {
		broken(d, q, "its used ring cannot be written");
		return;
	}
	d->stats.requests++;
	if (vq_should_interrupt(&d->dom, q))
		interrupt(d, VIRTIO_MMIO_INT_VRING);
}

void virtio_kick(struct virtio_dev *d, unsigned int q)
{
	pthread_mutex_lock(&d->lock);
	d->stats.kicks++;
	if ((d->status & VIRTIO_S_DRIVER_OK) && d->vq[q].ready)
		d->ops->process(d, q);
	pthread_mutex_unlock(&d->lock);
}

/*
 * After work, keep looking for more for a short while before sleeping:
 * a driver refilling its queue is then served without a thread wake-up,
 * which costs tens of microseconds on these machines (vhost's busyloop).
 */
#define BUSY_POLL_NS 50000

/*
 * Serve what is waiting; true if any entry was taken. Available entries a
 * device leaves in place (console receive buffers with no input yet) are
 * not progress, or the poll would never end.
 */
static bool work_pending(struct virtio_dev *d)
{
	bool progress = false;

	pthread_mutex_lock(&d->lock);
	for (unsigned int q = 0; q < d->ops->num_queues; q++) {
		struct virtq *vq = &d->vq[q];
		uint16_t before = vq->last_avail;

		if ((d->status & VIRTIO_S_DRIVER_OK) && vq->ready &&
		    vq_has_avail(&d->dom, vq)) {
			d->ops->process(d, q);
			progress |= vq->last_avail != before;
		}
	}
	pthread_mutex_unlock(&d->lock);
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
	uint64_t end = now_ns() + BUSY_POLL_NS;

	set_polling(d, true);
	while (now_ns() < end)
		if (work_pending(d))
			end = now_ns() + BUSY_POLL_NS;
		else
			for (int i = 0; i < 32; i++) /* the clock is not free */
				cpu_relax();
	set_polling(d, false);
	pthread_mutex_lock(&d->lock);
	for (unsigned int q = 0; q < d->ops->num_queues; q++)
		if ((d->status & VIRTIO_S_DRIVER_OK) && d->vq[q].ready)
			d->ops->process(d, q); /* re-arms when the queue empties */
	pthread_mutex_unlock(&d->lock);
}

static void drain(int fd)
{
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn_errno("reading an eventfd");
}

static void *thread_main(void *arg)
{
	struct virtio_dev *d = arg;
	unsigned int nq = d->ops->num_queues;
	struct pollfd p[VIRTIO_MAX_QUEUES + 2];

	for (unsigned int q = 0; q < nq; q++)
		p[q] = (struct pollfd){ .fd = d->kick_efd[q], .events = POLLIN };
	p[nq] = (struct pollfd){ .fd = d->extra_efd, .events = POLLIN };
	p[nq + 1] = (struct pollfd){ .fd = d->stop_efd, .events = POLLIN };
	for (;;) {
		if (poll(p, nq + 2, -1) < 0 && errno != EINTR)
			break;
		if (p[nq + 1].revents)
			break;
		for (unsigned int q = 0; q < nq; q++)
			if (p[q].revents & POLLIN) {
				drain(p[q].fd);
				virtio_kick(d, q);
				busy_poll(d);
			}
		if ((p[nq].revents & POLLIN) && d->ops->extra) {
			drain(p[nq].fd);
			pthread_mutex_lock(&d->lock);
			d->ops->extra(d);
			pthread_mutex_unlock(&d->lock);
		}
	}
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
	close_fds(d);
	pthread_mutex_destroy(&d->lock);
}
