// SPDX-License-Identifier: MIT
/*
 * virtio-blk's I/O engine. Requests are taken under the device lock
 * (blk.c), and their I/O is only queued there: io_uring SQEs are filled
 * in (memory only; room for them was reserved by blk_io_get), and
 * submitted by blk_io_submit with the lock dropped. Completions are reaped
 * from the ring, without a system call, by blk_io_complete, which the
 * device's loop calls after each submit and whenever the ring's eventfd
 * (signalled only while the loop sleeps) or a busy-poll says there are
 * some; only finishing a request (release, status, used ring) takes the
 * lock again.
 *
 * Without io_uring, blk_io_submit runs the queued requests in order with
 * preadv/pwritev/fdatasync/fallocate, lock not held.
 */
#include "blk_io.h"

#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../lib/log.h"
#include "../../lib/util.h"

#define RING_ENTRIES 256
/* The most SQEs one request needs when taken (a discard's segments). */
#define SQES_PER_REQ BLK_MAX_DISCARD_SEG

/* A FIFO of requests. */
struct blk_list {
	struct blk_req *head, **tail;
};

struct blk_io {
	bool uring;
	struct io_uring ring;
	int efd;		/* the ring signals completions here */
	bool eventfd_toggle;	/* the kernel lets us mute it while awake */
	struct blk_req *slots, *free;
	struct blk_list queued;	/* without io_uring: taken, I/O not done */
	struct blk_list done;	/* I/O over, not yet finished */
	struct blk_list flushes; /* io_uring: waiting for earlier writes */
	unsigned int writes;	/* io_uring: writes and discards in flight */
	uint64_t seq;
	bool starved;		/* a request was left for lack of room */
	struct blk_req *run;	/* io_uring: the run being gathered */
	unsigned int ops;	/* io_uring: SQEs prepared, CQE not reaped */
};

static void list_init(struct blk_list *l)
{
	l->head = NULL;
	l->tail = &l->head;
}

static void list_add(struct blk_list *l, struct blk_req *r)
{
	r->next = NULL;
	*l->tail = r;
	l->tail = &r->next;
}

/* Take the whole list. */
static struct blk_req *list_take(struct blk_list *l)
{
	struct blk_req *r = l->head;

	list_init(l);
	return r;
}

bool virtio_blk_uring(const struct virtio_blk *b)
{
	return b->io && b->io->uring;
}

int virtio_blk_ring_try_nop(struct virtio_blk *b)
{
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int res;

	if (!virtio_blk_uring(b) || b->dev.inflight ||
	    !(sqe = io_uring_get_sqe(&b->io->ring)))
		return -EINVAL;
	io_uring_prep_nop(sqe);
	io_uring_sqe_set_data(sqe, NULL);
	if (io_uring_submit_and_wait(&b->io->ring, 1) < 0 ||
	    io_uring_peek_cqe(&b->io->ring, &cqe))
		return -EIO;
	res = cqe->res;
	io_uring_cqe_seen(&b->io->ring, cqe);
	return res;
}

struct blk_req *blk_io_get(struct virtio_blk *b)
{
	struct blk_io *io = b->io;
	struct blk_req *r = io->free;

	if (!r || (io->uring &&
		   io_uring_sq_space_left(&io->ring) < SQES_PER_REQ)) {
		io->starved = true;
		return NULL;
	}
	io->free = r->next;
	return r;
}

void blk_io_put(struct virtio_blk *b, struct blk_req *r)
{
	r->next = b->io->free;
	b->io->free = r;
}

/* --- io_uring --- */

/* An SQE; when taking requests, blk_io_get reserved it already. */
static struct io_uring_sqe *get_sqe(struct blk_io *io)
{
	struct io_uring_sqe *s;

	while (!(s = io_uring_get_sqe(&io->ring)))
		io_uring_submit(&io->ring); /* only on the completion path */
	io->ops++;
	return s;
}

static void prep_rw(struct virtio_blk *b, struct blk_req *r)
{
	struct io_uring_sqe *s = get_sqe(b->io);
	unsigned int n = (unsigned int)(r->run_niov - r->iov_at);

	if (r->op == BLK_OP_WRITE)
		io_uring_prep_writev(s, b->fd, r->iov + r->iov_at, n, r->off);
	else
		io_uring_prep_readv(s, b->fd, r->iov + r->iov_at, n, r->off);
	io_uring_sqe_set_data(s, r);
}

static void prep_flush(struct virtio_blk *b, struct blk_req *r)
{
	struct io_uring_sqe *s = get_sqe(b->io);

	io_uring_prep_fsync(s, b->fd, IORING_FSYNC_DATASYNC);
	io_uring_sqe_set_data(s, r);
	r->ops = 1;
}

static void prep_discard(struct virtio_blk *b, struct blk_req *r)
{
	for (unsigned int i = 0; i < r->nseg; i++) {
		struct io_uring_sqe *s = get_sqe(b->io);

		io_uring_prep_fallocate(s, b->fd,
					FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					(off_t)r->seg[i].off, (off_t)r->seg[i].len);
		io_uring_sqe_set_data(s, r);
	}
	r->ops = r->nseg;
}

/*
 * Sequential reads (or writes) taken together go out as one operation, as
 * a block layer merges them: one system call or io-wq item for many
 * requests. A run is capped so its first request does not wait long.
 */
#define RUN_MAX_BYTES (256 * 1024)

static bool full_io(int fd, struct iovec *iov, int n, uint64_t off,
		    bool write);
static void op_done(struct virtio_blk *b, struct blk_req *r);

/*
 * A write with nothing else in flight (a guest writing at depth 1) is
 * cheapest done here, lock not held: where the file system cannot write
 * without blocking (ext4), io_uring would hand it to a worker thread, and
 * the two wake-ups cost several times the write itself on these machines.
 */
static void run_write_here(struct virtio_blk *b, struct blk_req *l)
{
	bool ok = full_io(b->fd, l->iov, l->run_niov, l->off, true);
	struct blk_req *r = l, *next;

	for (; r; r = next) {
		next = r->run_next;
		r->run_next = NULL;
		if (!ok)
			r->status = VIRTIO_BLK_S_IOERR;
		op_done(b, r);
	}
}

/* Send the run gathered; from blk_io_submit, lock not held. */
static void run_flush(struct virtio_blk *b)
{
	struct blk_req *l = b->io->run;

	b->io->run = NULL;
	if (l && l->op == BLK_OP_WRITE && !b->io->ops)
		run_write_here(b, l);
	else if (l)
		prep_rw(b, l);
}

static void run_add(struct virtio_blk *b, struct blk_req *r)
{
	struct blk_req *l = b->io->run;

	if (l && l->op == r->op && l->off + l->run_len == r->off &&
	    l->run_niov + r->niov <= VQ_MAX_BUFS &&
	    l->run_len + r->len <= RUN_MAX_BYTES) {
		memcpy(l->iov + l->run_niov, r->iov,
		       (size_t)r->niov * sizeof(*r->iov));
		l->run_niov += r->niov;
		l->run_len += r->len;
		r->run_next = NULL;
		*l->run_tail = r;
		l->run_tail = &r->run_next;
		return;
	}
	if (l)
		prep_rw(b, l); /* lock held: only queued */
	r->run_niov = r->niov;
	r->run_len = r->len;
	r->run_next = NULL;
	r->run_tail = &r->run_next;
	b->io->run = r;
}

static bool is_write(const struct blk_req *r)
{
	return r->op == BLK_OP_WRITE || r->op == BLK_OP_DISCARD;
}

static void uring_start(struct virtio_blk *b, struct blk_req *r)
{
	struct blk_io *io = b->io;

	r->seq = io->seq++;
	r->iov_at = 0;
	r->ops = 1;
	if (is_write(r))
		io->writes++;
	switch (r->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE: run_add(b, r); break;
	case BLK_OP_DISCARD: prep_discard(b, r); break;
	case BLK_OP_FLUSH:
		/* Every write taken before it must have completed. */
		r->waits = io->writes;
		if (r->waits)
			list_add(&io->flushes, r);
		else
			prep_flush(b, r);
		break;
	default: break;
	}
	if (!r->ops) /* a discard of nothing */
		list_add(&io->done, r);
}

/* A write (or discard) taken as number seq has completed. */
static void write_done(struct virtio_blk *b, uint64_t seq)
{
	struct blk_io *io = b->io;
	struct blk_req *f = list_take(&io->flushes), *next;

	io->writes--;
	for (; f; f = next) {
		next = f->next;
		if (f->seq > seq && --f->waits == 0)
			prep_flush(b, f);
		else
			list_add(&io->flushes, f);
	}
}

/* Move past n more bytes; true if some are left to move. */
static bool advance(struct blk_req *r, uint64_t n)
{
	r->off += n;
	while (r->iov_at < r->niov && n >= r->iov[r->iov_at].iov_len)
		n -= r->iov[r->iov_at++].iov_len;
	if (r->iov_at < r->niov) {
		r->iov[r->iov_at].iov_base = (uint8_t *)r->iov[r->iov_at].iov_base + n;
		r->iov[r->iov_at].iov_len -= n;
	}
	return r->iov_at < r->niov;
}

static void op_done(struct virtio_blk *b, struct blk_req *r)
{
	if (--r->ops)
		return;
	if (is_write(r))
		write_done(b, r->seq);
	list_add(&b->io->done, r);
}

/*
 * A run completed: wholly, or else each of its requests goes again on
 * its own (moving the same bytes again is harmless), so a short transfer
 * or an error is told apart per request.
 */
static void run_cqe(struct virtio_blk *b, struct blk_req *l, int res)
{
	bool whole = res >= 0 && (uint64_t)res == l->run_len;
	struct blk_req *r = l, *next;

	for (; r; r = next) {
		next = r->run_next;
		r->run_next = NULL;
		r->run_niov = r->niov;
		r->run_len = r->len;
		if (whole)
			op_done(b, r);
		else
			prep_rw(b, r);
	}
}

static void on_cqe(struct virtio_blk *b, struct blk_req *r, int res)
{
	bool rw = r->op == BLK_OP_READ || r->op == BLK_OP_WRITE;

	if (rw && r->run_next) {
		run_cqe(b, r, res);
		return;
	}
	if (rw && (res == -EINTR || res == -EAGAIN)) {
		prep_rw(b, r); /* nothing moved: the same again */
		return;
	}
	if (rw && res > 0 && advance(r, (uint64_t)res)) {
		prep_rw(b, r); /* a short transfer: the rest */
		return;
	}
	if (res < 0 || (rw && res == 0))
		r->status = VIRTIO_BLK_S_IOERR;
	op_done(b, r);
}

/* Reap what the ring holds (if wait, at least one completion). */
static void reap(struct virtio_blk *b, bool wait)
{
	struct io_uring *ring = &b->io->ring;
	struct io_uring_cqe *cqe;
	unsigned int head, n = 0;

	if (wait && !b->io->done.head && !io_uring_cq_ready(ring)) {
		int err;

		while ((err = io_uring_submit_and_wait(ring, 1)) == -EINTR)
			;
		if (err < 0)
			log_err("%s: waiting for I/O: %s", b->dev.name,
				strerror(-err));
	}
	io_uring_for_each_cqe(ring, head, cqe)
	{
		on_cqe(b, io_uring_cqe_get_data(cqe), cqe->res);
		n++;
	}
	io_uring_cq_advance(ring, n);
	b->io->ops -= n;
	if (io_uring_sq_ready(ring)) /* the rest of short ones, flushes */
		io_uring_submit(ring);
}

/* --- without io_uring --- */

/* Transfer all of iov at file offset off; false on error or short I/O. */
static bool full_io(int fd, struct iovec *iov, int n, uint64_t off,
		    bool write)
{
	while (n > 0) {
		ssize_t r = write ? pwritev(fd, iov, n, (off_t)off)
				  : preadv(fd, iov, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		off += (uint64_t)r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return true;
}

static bool run_sync(struct virtio_blk *b, struct blk_req *r)
{
	switch (r->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE:
		return full_io(b->fd, r->iov, r->niov, r->off,
			       r->op == BLK_OP_WRITE);
	case BLK_OP_FLUSH: return !fdatasync(b->fd);
	case BLK_OP_DISCARD:
		for (unsigned int i = 0; i < r->nseg; i++)
			if (fallocate(b->fd,
				      FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      (off_t)r->seg[i].off, (off_t)r->seg[i].len))
				return false;
		return true;
	default: return true;
	}
}

/* In taking order, so a flush follows the writes before it. */
static void sync_submit(struct virtio_blk *b)
{
	struct blk_req *r = list_take(&b->io->queued), *next;

	for (; r; r = next) {
		next = r->next;
		if (!run_sync(b, r))
			r->status = VIRTIO_BLK_S_IOERR;
		list_add(&b->io->done, r);
	}
}

/* --- both --- */

void blk_io_start(struct virtio_blk *b, struct blk_req *r)
{
	if (b->io->uring)
		uring_start(b, r);
	else
		list_add(&b->io->queued, r);
}

void blk_io_submit(struct virtio_dev *d)
{
	struct virtio_blk *b = d->priv;

	if (!b->io->uring) {
		sync_submit(b);
		return;
	}
	run_flush(b);
	if (io_uring_sq_ready(&b->io->ring))
		io_uring_submit(&b->io->ring);
}

/*
 * Finish what is done, under the lock; requests left in the ring for lack
 * of room are taken now. Returns true if that took any.
 */
static bool finish_done(struct virtio_blk *b)
{
	struct virtio_dev *d = &b->dev;
	struct blk_req *r = list_take(&b->io->done), *next;
	uint32_t queues = 0;
	bool took = false;

	pthread_mutex_lock(&d->lock);
	for (; r; r = next) {
		next = r->next;
		queues |= 1u << r->q;
		blk_finish(b, r);
	}
	for (unsigned int q = 0; q < d->ops->num_queues; q++)
		if (queues & (1u << q))
			virtio_notify(d, q);
	if (b->io->starved) {
		b->io->starved = false;
		for (unsigned int q = 0; q < d->ops->num_queues; q++)
			if (virtio_queue_live(d, q)) {
				uint16_t before = d->vq[q].last_avail;

				d->ops->process(d, q);
				took |= d->vq[q].last_avail != before;
			}
	}
	pthread_mutex_unlock(&d->lock);
	return took;
}

void blk_io_complete(struct virtio_dev *d, bool wait)
{
	struct virtio_blk *b = d->priv;

	for (;;) {
		if (b->io->uring)
			reap(b, wait);
		else
			sync_submit(b);
		wait = false;
		if (!b->io->done.head || !finish_done(b))
			return;
		blk_io_submit(d);
	}
}

/* --- the ring in the device's loop --- */

static void on_ring(struct virtio_dev *d, void *arg, bool woken)
{
	struct virtio_blk *b = arg;
	uint64_t v;

	if (woken && read(b->io->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn_errno("%s: reading the ring's eventfd", d->name);
	blk_io_complete(d, false);
}

static bool ring_ready(void *arg)
{
	struct virtio_blk *b = arg;

	return io_uring_cq_ready(&b->io->ring) > 0;
}

/*
 * The eventfd is signalled only while the loop sleeps: awake, it reaps
 * (a completion posted inline by a submit would otherwise wake the next
 * sleep for nothing). The flag must be visible before the loop looks at
 * the ring once more and sleeps.
 */
static void ring_sleep(void *arg, bool asleep)
{
	struct virtio_blk *b = arg;

	if (!b->io->eventfd_toggle)
		return;
	io_uring_cq_eventfd_toggle(&b->io->ring, asleep);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * seccomp never sees what a ring does, so a ring able to open files or
 * sockets would be a hole in the sandbox: the ring takes only the
 * operations this device submits, and no register call once enabled.
 */
static int restrict_ring(struct io_uring *ring)
{
	static const uint8_t ops[] = { IORING_OP_READV, IORING_OP_WRITEV,
				       IORING_OP_FSYNC, IORING_OP_FALLOCATE };
	struct io_uring_restriction r[ARRAY_SIZE(ops)];

	memset(r, 0, sizeof(r));
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		r[i].opcode = IORING_RESTRICTION_SQE_OP;
		r[i].sqe_op = ops[i];
	}
	/* By system call: Debian 12's liburing 2.3 declares the wrappers
	 * but its library does not export them. */
	if (syscall(__NR_io_uring_register, ring->ring_fd,
		    IORING_REGISTER_RESTRICTIONS, r, ARRAY_SIZE(r)) ||
	    syscall(__NR_io_uring_register, ring->ring_fd,
		    IORING_REGISTER_ENABLE_RINGS, NULL, 0))
		return -errno;
	return 0;
}

static int uring_init(struct virtio_blk *b)
{
	/* Room for every completion that can be outstanding at once;
	 * disabled until restricted (restrict_ring). */
	struct io_uring_params p = {
		.flags = IORING_SETUP_CQSIZE | IORING_SETUP_R_DISABLED,
		.cq_entries = BLK_MAX_INFLIGHT * SQES_PER_REQ,
	};
	struct blk_io *io = b->io;
	int err;

	if (b->no_uring)
		return -ENOSYS;
	err = io_uring_queue_init_params(RING_ENTRIES, &io->ring, &p);
	if (err)
		return err;
	io->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	err = io->efd < 0 ? -errno : io_uring_register_eventfd(&io->ring, io->efd);
	if (!err)
		err = restrict_ring(&io->ring);
	if (!err)
		err = virtio_add_source(&b->dev, &(struct virtio_source){
			io->efd, on_ring, ring_ready, ring_sleep, b });
	if (err) {
		io_uring_queue_exit(&io->ring);
		return err;
	}
	io->eventfd_toggle = !io_uring_cq_eventfd_toggle(&io->ring, false);
	io->uring = true;
	return 0;
}

int blk_io_init(struct virtio_dev *d)
{
	struct virtio_blk *b = d->priv;
	struct blk_io *io = calloc(1, sizeof(*io));
	int err;

	/* Large, but only the parts of a slot a request uses are touched. */
	if (io)
		io->slots = calloc(BLK_MAX_INFLIGHT, sizeof(*io->slots));
	if (!io || !io->slots) {
		free(io);
		return -ENOMEM;
	}
	io->efd = -1;
	for (unsigned int i = BLK_MAX_INFLIGHT; i-- > 0;) {
		io->slots[i].next = io->free;
		io->free = &io->slots[i];
	}
	list_init(&io->queued);
	list_init(&io->done);
	list_init(&io->flushes);
	b->io = io;
	err = uring_init(b);
	if (err && !b->no_uring)
		log_info("%s: io_uring unavailable (%s): synchronous I/O on the "
			 "device thread", d->name, strerror(-err));
	return 0;
}

void blk_io_fini(struct virtio_dev *d)
{
	struct virtio_blk *b = d->priv;

	if (!b->io)
		return;
	if (b->io->uring)
		io_uring_queue_exit(&b->io->ring);
	if (b->io->efd >= 0)
		close(b->io->efd);
	free(b->io->slots);
	free(b->io);
	b->io = NULL;
}
