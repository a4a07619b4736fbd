// SPDX-License-Identifier: MIT
#include "virtqueue.h"

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "../../lib/log.h"
#include "../../lib/util.h"
#include "virtio.h"

/*
 * Split ring layout (virtio 1.2, 2.7; all little-endian) from the kernel's
 * <linux/virtio_ring.h>: the event fields sit right after each ring's
 * last entry.
 */
#define DESC_SIZE sizeof(struct vring_desc)
#define AVAIL_ENTRY sizeof(((struct vring_avail *)0)->ring[0])
#define USED_ENTRY sizeof(struct vring_used_elem)
#define AVAIL_IDX(q) ((q)->avail + offsetof(struct vring_avail, idx))
#define AVAIL_RING(q, i) \
	((q)->avail + offsetof(struct vring_avail, ring) + \
	 AVAIL_ENTRY * (uint64_t)(i))
#define USED_EVENT(q) AVAIL_RING(q, (q)->size)
#define USED_IDX(q) ((q)->used + offsetof(struct vring_used, idx))
#define USED_RING(q, i) \
	((q)->used + offsetof(struct vring_used, ring) + \
	 USED_ENTRY * (uint64_t)(i))
#define AVAIL_EVENT(q) USED_RING(q, (q)->size)
/* Bytes of each ring for n entries, its event field included. */
#define AVAIL_BYTES(n) \
	(offsetof(struct vring_avail, ring) + AVAIL_ENTRY * ((uint64_t)(n) + 1))
#define USED_BYTES(n) \
	(offsetof(struct vring_used, ring) + USED_ENTRY * (uint64_t)(n) + \
	 sizeof(__virtio16))

const char *vq_error_name(enum vq_error e)
{
	static const char *const names[VQ_ERRORS] = {
		[VQ_OK] = "ok",
		[VQ_E_ACCESS] = "buffer outside the device's memory",
		[VQ_E_HEAD] = "descriptor index out of range",
		[VQ_E_LOOP] = "chain loops or is longer than the queue",
		[VQ_E_LENGTH] = "bad buffer length",
		[VQ_E_ORDER] = "readable buffer after a writable one",
		[VQ_E_INDIRECT] = "bad indirect descriptor",
		[VQ_E_TOO_MANY] = "too many buffers",
	};

	return (unsigned int)e < VQ_ERRORS ? names[e] : "?";
}

bool vq_valid(struct mem_domain *d, const struct virtq *q)
{
	uint64_t n = q->size;

	if (n == 0 || n > VQ_MAX_SIZE || (n & (n - 1)))
		return false;
	if (!is_aligned(q->desc, VRING_DESC_ALIGN_SIZE) ||
	    !is_aligned(q->avail, VRING_AVAIL_ALIGN_SIZE) ||
	    !is_aligned(q->used, VRING_USED_ALIGN_SIZE))
		return false;
	return !mem_check(d, gpa(q->desc), DESC_SIZE * n) &&
	       !mem_check(d, gpa(q->avail), AVAIL_BYTES(n)) &&
	       !mem_check(d, gpa(q->used), USED_BYTES(n));
}

/*
 * Ring indexes and event fields change under us: one 16-bit access each
 * (vq_valid() made the rings aligned), never a memcpy that could tear.
 */
static int read16(struct mem_domain *d, uint64_t addr, uint16_t *v)
{
	uint16_t le;
	int err = mem_load16(d, gpa(addr), &le);

	*v = le16toh(le);
	return err;
}

static int write16(struct mem_domain *d, uint64_t addr, uint16_t v)
{
	return mem_store16(d, gpa(addr), htole16(v));
}

bool vq_has_avail(struct mem_domain *d, const struct virtq *q)
{
	uint16_t idx;

	return !read16(d, AVAIL_IDX(q), &idx) && idx != q->last_avail;
}

int vq_pop(struct mem_domain *d, struct virtq *q, uint16_t *head)
{
	uint16_t idx;

	if (read16(d, AVAIL_IDX(q), &idx))
		return -1;
	if (idx == q->last_avail)
		return 0;
	/* More new entries than slots: the driver is broken or hostile. */
	if ((uint16_t)(idx - q->last_avail) > q->size) {
		log_debug("avail idx %u, %u taken: more than %u new entries", idx,
			  q->last_avail, q->size);
		return -1;
	}
	/* Entries are read only after the index that published them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (read16(d, AVAIL_RING(q, q->last_avail % q->size), head))
		return -1;
	q->last_avail++;
	return 1;
}

static enum vq_error add_buf(struct mem_domain *d, struct vq_chain *c,
			     const struct vring_desc *dsc)
{
	bool write = dsc->flags & VRING_DESC_F_WRITE;
	uint64_t end, *total = write ? &c->write_len : &c->read_len;

	if (!range_end(dsc->addr, dsc->len, &end) ||
	    *total + dsc->len > UINT32_MAX)
		return VQ_E_LENGTH;
	if (!write && c->n > c->nread)
		return VQ_E_ORDER;
	if (c->n == VQ_MAX_BUFS)
		return VQ_E_TOO_MANY;
	if (mem_check(d, gpa(dsc->addr), dsc->len))
		return VQ_E_ACCESS;
	c->buf[c->n++] = (struct vq_buf){ dsc->addr, dsc->len, write };
	c->nread += !write;
	*total += dsc->len;
	return VQ_OK;
}

static bool read_desc(struct mem_domain *d, uint64_t table, uint16_t i,
		      struct vring_desc *out)
{
	struct vring_desc raw;

	if (mem_read_obj(d, gpa(table + DESC_SIZE * (uint64_t)i), &raw))
		return false;
	out->addr = le64toh(raw.addr);
	out->len = le32toh(raw.len);
	out->flags = le16toh(raw.flags);
	out->next = le16toh(raw.next);
	return true;
}

/* Switch the walk to an indirect table; checks it as a whole first. */
static enum vq_error enter_indirect(struct mem_domain *d, const struct virtq *q,
				   const struct vring_desc *dsc, uint64_t *table,
				   uint32_t *table_size)
{
	uint64_t end;

	if (!q->indirect || (dsc->flags & VRING_DESC_F_NEXT) || dsc->len == 0 ||
	    dsc->len % DESC_SIZE || dsc->len / DESC_SIZE > VQ_MAX_SIZE ||
	    !range_end(dsc->addr, dsc->len, &end))
		return VQ_E_INDIRECT;
	if (mem_check(d, gpa(dsc->addr), dsc->len))
		return VQ_E_ACCESS;
	*table = dsc->addr;
	*table_size = dsc->len / DESC_SIZE;
	return VQ_OK;
}

enum vq_error vq_walk(struct mem_domain *d, const struct virtq *q,
		      uint16_t head, struct vq_chain *c)
{
	uint64_t table = q->desc;
	uint32_t table_size = q->size, budget = q->size;
	bool indirect = false;
	struct vring_desc dsc;
	enum vq_error err;
	uint16_t i = head;

	c->head = head;
	c->n = c->nread = 0;
	c->read_len = c->write_len = 0;
	for (;;) {
		/* Each table is walked at most its own size: no loops. */
		if (i >= table_size)
			return VQ_E_HEAD;
		if (budget-- == 0)
			return VQ_E_LOOP;
		if (!read_desc(d, table, i, &dsc))
			return VQ_E_ACCESS;
		if (dsc.flags & VRING_DESC_F_INDIRECT) {
			if (indirect)
				return VQ_E_INDIRECT;
			err = enter_indirect(d, q, &dsc, &table, &table_size);
			if (err)
				return err;
			indirect = true;
			budget = table_size;
			i = 0;
			continue;
		}
		if (dsc.len == 0)
			return VQ_E_LENGTH;
		err = add_buf(d, c, &dsc);
		if (err)
			return err;
		if (!(dsc.flags & VRING_DESC_F_NEXT))
			return VQ_OK;
		i = dsc.next;
	}
}

int vq_push(struct mem_domain *d, struct virtq *q, uint16_t head,
	    uint32_t len)
{
	struct vring_used_elem elem = { htole32(head), htole32(len) };

	if (mem_write_obj(d, gpa(USED_RING(q, q->used_idx % q->size)), &elem))
		return -EFAULT;
	/* The entry must be visible before the index that publishes it. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	q->used_idx++;
	return write16(d, USED_IDX(q), q->used_idx) ? -EFAULT : 0;
}

bool vq_should_interrupt(struct mem_domain *d, struct virtq *q)
{
	uint16_t old = q->signalled, now = q->used_idx, event;

	if (old == now)
		return false;
	if (q->event_idx) {
		/* used_idx was written before used_event is read (2.7.10). */
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (read16(d, USED_EVENT(q), &event))
			return true; /* cannot read it: err on interrupting */
		if (!vring_need_event(event, now, old))
			return false;
	}
	q->signalled = now;
	return true;
}

void vq_set_avail_event(struct mem_domain *d, struct virtq *q)
{
	if (!q->event_idx)
		return;
	if (write16(d, AVAIL_EVENT(q), q->last_avail))
		return; /* the next vq_pop reports the broken ring */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* Visit [off, off+len) of one part of the chain, piece by piece. */
static int for_part(const struct vq_chain *c, bool write, uint64_t off,
		    uint64_t len,
		    int (*fn)(void *ctx, uint64_t addr, uint64_t n, uint64_t done),
		    void *ctx)
{
	unsigned int i = write ? c->nread : 0, end = write ? c->n : c->nread;
	uint64_t done = 0;
	int err;

	for (; i < end && done < len; i++) {
		uint64_t blen = c->buf[i].len, n;

		if (off >= blen) {
			off -= blen;
			continue;
		}
		n = blen - off < len - done ? blen - off : len - done;
		err = fn(ctx, c->buf[i].addr + off, n, done);
		if (err)
			return err;
		done += n;
		off = 0;
	}
	return done == len ? 0 : -EFAULT;
}

struct copy_ctx {
	struct mem_domain *d;
	uint8_t *buf;
	bool write;
};

static int copy_piece(void *ctx, uint64_t addr, uint64_t n, uint64_t done)
{
	struct copy_ctx *x = ctx;

	return x->write ? mem_write(x->d, gpa(addr), x->buf + done, n)
			: mem_read(x->d, gpa(addr), x->buf + done, n);
}

int vq_chain_copy(struct mem_domain *d, const struct vq_chain *c, bool write,
		  uint64_t off, void *buf, uint64_t len)
{
	struct copy_ctx x = { d, buf, write };

	return for_part(c, write, off, len, copy_piece, &x) ? -EFAULT : 0;
}

struct hold_ctx {
	struct mem_domain *d;
	struct iovec *iov;
	struct mem_hold *holds;
	int n, max;
};

static int hold_piece(void *ctx, uint64_t addr, uint64_t n, uint64_t done)
{
	struct hold_ctx *x = ctx;

	(void)done;
	if (x->n == x->max)
		return -E2BIG;
	if (mem_hold(x->d, gpa(addr), n, &x->holds[x->n]))
		return -EFAULT;
	x->iov[x->n] = x->holds[x->n].iov;
	x->n++;
	return 0;
}

int vq_hold(struct mem_domain *d, const struct vq_chain *c, bool write,
	    uint64_t off, uint64_t len, struct iovec *iov,
	    struct mem_hold *holds, int max)
{
	struct hold_ctx x = { d, iov, holds, 0, max };
	int err = len ? for_part(c, write, off, len, hold_piece, &x) : 0;

	if (err) {
		vq_release(d, holds, x.n);
		return err == -E2BIG ? -E2BIG : -EFAULT;
	}
	return x.n;
}

void vq_release(struct mem_domain *d, struct mem_hold *holds, int n)
{
	for (int i = 0; i < n; i++)
		mem_release(d, &holds[i]);
}
