/*
 * test=blkbench[:OP:BS:QD[:N]]: virtio-blk measured from inside the guest.
 *
 * The driver keeps up to QD requests in flight on one queue, each request
 * an indirect table of three descriptors (header, data, status) so 32 fit
 * a 64-entry ring. It batches as a real driver does: completions are
 * reaped from the used ring, every freed slot is refilled, the new
 * requests are published with one avail index update, and the device is
 * notified only when its avail_event asks (VIRTIO_RING_F_EVENT_IDX). When
 * nothing has completed it sleeps until an interrupt, as a real guest's
 * idle loop does, with used_event asking for one interrupt once half of
 * what is in flight is done. Polling instead would take the CPU from the
 * device whenever the two share one (as in the rigs, where a polling
 * guest left cvmm's device thread a third of its CPU). It never reads
 * InterruptStatus (the interrupt handler only counts), so the only exits
 * it causes are its notifies; the sleep is KVM's (hlt, wfi).
 *
 * Data buffers live in the DMA pool itself (no bounce copy: the figure is
 * the device's, not memcpy's). The first 16 bytes of every 512-byte
 * sector written carry a stamp of its sector number, so a read can check
 * that each sector it got is the one written there.
 *
 * Without an argument it writes then reads 4 KiB and 64 KiB at depth 1 and
 * 32, then reads the whole span back and checks it (the rig's correctness
 * test). OP:BS:QD[:N] runs one case (OP read or write) of N requests, the
 * rig benchmark's way to get cvmm's --stats per case. Each case prints
 *   BLKBENCH op=OP bs=BS qd=QD requests=N us=T kB/s=R lat_ns=L notifies=K irqs=I
 * with T the case's wall time (arch_clock_ns, read at its start and end
 * only), R its throughput and L the mean latency, T * QD / N (exact at
 * depth 1, Little's law at depth 32).
 */
#include "kernel.h"

#include "../../devices/virtio/virtio.h"

#define SECTOR VIRTIO_BLK_SECTOR
#define BB_QD 32u
#define BB_MAX_BS (64u * 1024)

struct bb_slot {
	uint64_t tbl, hdr, data, st; /* pool addresses */
	uint64_t sector;
};

static struct bb {
	struct vdev d;
	struct bb_slot s[BB_QD];
	uint64_t span; /* sectors of the disk the cases use */
	bool ready;
} bb;

struct bb_case {
	bool write, verify; /* verify: check every read's stamps */
	uint32_t bs, qd;
	uint64_t n;
	/* results */
	uint64_t ns, done, errors, bad, notifies, irqs;
};

static uint64_t stamp(uint64_t sector, uint32_t word)
{
	return sector * 0x9e3779b97f4a7c15ULL + word;
}

/* Stamp [data, data+bs) as disk sectors from `sector` on. */
static void fill(uint64_t data, uint64_t sector, uint32_t bs)
{
	for (uint32_t off = 0; off < bs; off += SECTOR) {
		volatile uint64_t *p = (volatile uint64_t *)(data + off);

		p[0] = stamp(sector + off / SECTOR, 0);
		p[1] = stamp(sector + off / SECTOR, 1);
	}
}

static bool holds(uint64_t data, uint64_t sector, uint32_t bs)
{
	for (uint32_t off = 0; off < bs; off += SECTOR) {
		volatile uint64_t *p = (volatile uint64_t *)(data + off);

		if (p[0] != stamp(sector + off / SECTOR, 0) ||
		    p[1] != stamp(sector + off / SECTOR, 1))
			return false;
	}
	return true;
}

static bool bb_open(void)
{
	uint64_t base, size, cap;

	if (bb.ready)
		return true;
	if (!dma_pool_init(&base, &size) || !dma_pool_share(base, size)) {
		check(false, "DMA pool found and shared");
		return false;
	}
	if (!virtio_find(&bb.d, VIRTIO_ID_BLOCK, 0) ||
	    !virtio_init(&bb.d, VIRTIO_ID_BLOCK, 1)) {
		check(false, "a virtio-blk device (needs --disk)");
		return false;
	}
	if (!(bb.d.features & (1ULL << VIRTIO_RING_F_EVENT_IDX)) ||
	    !(bb.d.features & (1ULL << VIRTIO_RING_F_INDIRECT_DESC))) {
		check(false, "the device offers EVENT_IDX and indirect tables");
		return false;
	}
	cap = mmio_rd64(bb.d.base + VIRTIO_MMIO_CONFIG +
			offsetof(struct virtio_blk_config, capacity));
	bb.span = cap & ~(uint64_t)(BB_MAX_BS / SECTOR - 1);
	if (bb.span < 2 * BB_QD * BB_MAX_BS / SECTOR) {
		check(false, "a disk of at least 4 MiB (%lu sectors)", cap);
		return false;
	}
	for (unsigned int i = 0; i < BB_QD; i++) {
		struct bb_slot *s = &bb.s[i];

		s->tbl = bounce_alloc(3 * sizeof(struct vring_desc), 16);
		s->hdr = bounce_alloc(sizeof(struct virtio_blk_outhdr), 16);
		s->st = bounce_alloc(1, 1);
		s->data = bounce_alloc(BB_MAX_BS, 4096);
		if (!s->tbl || !s->hdr || !s->st || !s->data) {
			check(false, "%u x 64 KiB of DMA pool (use --dma-pool 4M)",
			      BB_QD);
			return false;
		}
	}
	irq_route(bb.d.gsi, 0);
	irq_enable();
	printk("blkbench: %lu MiB of disk\n", bb.span * SECTOR >> 20);
	bb.ready = true;
	return true;
}

/* Queue slot i's request (not yet published). */
static void submit(struct vq *q, struct bb_case *c, unsigned int i,
		   uint64_t sector)
{
	struct bb_slot *s = &bb.s[i];
	struct vq t = { .desc = s->tbl };
	volatile struct virtio_blk_outhdr *h = (void *)s->hdr;
	volatile struct vring_avail *a = (void *)q->avail;

	h->type = c->write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
	h->ioprio = 0;
	h->sector = sector;
	*(volatile uint8_t *)s->st = 0xee;
	if (c->write)
		fill(s->data, sector, c->bs);
	vq_desc(&t, 0, s->hdr, sizeof(struct virtio_blk_outhdr),
		VRING_DESC_F_NEXT, 1);
	vq_desc(&t, 1, s->data, c->bs,
		(uint16_t)(VRING_DESC_F_NEXT | (c->write ? 0 : VRING_DESC_F_WRITE)), 2);
	vq_desc(&t, 2, s->st, 1, VRING_DESC_F_WRITE, 0);
	vq_desc(q, (uint16_t)i, s->tbl, 3 * sizeof(struct vring_desc),
		VRING_DESC_F_INDIRECT, 0);
	s->sector = sector;
	a->ring[q->avail_idx % q->size] = (uint16_t)i;
	q->avail_idx++;
}

/* Publish what submit() queued; notify only if avail_event asks. */
static void publish(struct vq *q, struct bb_case *c, uint16_t old)
{
	volatile struct vring_avail *a = (void *)q->avail;
	uint16_t event, now = q->avail_idx;

	wmb(); /* the entries before the index that publishes them */
	a->idx = now;
	mb(); /* the index before reading avail_event */
	event = *(volatile uint16_t *)(q->used + offsetof(struct vring_used, ring) +
				       sizeof(struct vring_used_elem) * q->size);
	if ((uint16_t)(now - event - 1) < (uint16_t)(now - old)) {
		mmio_wr32(bb.d.base + VIRTIO_MMIO_QUEUE_NOTIFY, 0);
		c->notifies++;
	}
}

/*
 * Sleep until the device has completed half of the `inflight` requests
 * (at least one): used_event first, then a full barrier, then the check
 * of the used index that irq_wait_change() makes with interrupts masked.
 * The device writes the used index before it reads used_event, so either
 * it sees the new used_event and interrupts, or the check sees its entry.
 */
static void wait_used(struct vq *q, uint32_t inflight)
{
	volatile struct vring_avail *a = (void *)q->avail;
	volatile struct vring_used *u = (void *)q->used;
	uint32_t half = inflight > 1 ? inflight / 2 : 1;

	a->ring[q->size] = (uint16_t)(q->last_used + half - 1);
	mb();
	irq_wait_change(&u->idx, q->last_used);
}

/*
 * Run one case; false when the device names a request that is not ours,
 * or on a timeout. The sleep has no timer behind it, so a device that
 * stops answering altogether leaves the guest halted: the run's own
 * timeout (the rig's `timeout`) ends it then, and the case has no
 * BLKBENCH line.
 */
static bool run_case(struct bb_case *c)
{
	struct vq *q = &bb.d.q[0];
	volatile struct vring_used *u = (void *)q->used;
	uint64_t spb = c->bs / SECTOR, next = 0, issued = 0, t_start, deadline;
	uint32_t inflight = 0, irq0 = irq_count[0];
	uint16_t old = q->avail_idx;

	t_start = arch_clock_ns();
	deadline = arch_ticks() + ARCH_WAIT_TICKS;
	for (unsigned int i = 0; i < c->qd && issued < c->n; i++, issued++) {
		submit(q, c, i, next);
		next = (next + spb) % bb.span;
		inflight++;
	}
	publish(q, c, old);
	while (c->done < c->n) {
		bool any = false, reaped = false;

		old = q->avail_idx;
		while (u->idx != q->last_used) {
			uint32_t i;

			rmb(); /* the index before the entry it covers */
			i = u->ring[q->last_used % q->size].id;
			q->last_used++;
			reaped = true;
			if (i >= c->qd) { /* no slot of ours: give up the case */
				c->errors++;
				return false;
			}
			c->errors += *(volatile uint8_t *)bb.s[i].st != VIRTIO_BLK_S_OK;
			if (c->verify && !holds(bb.s[i].data, bb.s[i].sector, c->bs))
				c->bad++;
			c->done++;
			inflight--;
			if (issued < c->n) {
				submit(q, c, i, next);
				next = (next + spb) % bb.span;
				issued++;
				inflight++;
				any = true;
			}
		}
		if (any)
			publish(q, c, old);
		/* Sleep only when this pass found nothing: the last pass may
		 * have taken the last completion there will be. */
		if (reaped)
			deadline = arch_ticks() + ARCH_WAIT_TICKS;
		else if (arch_ticks() > deadline)
			return false;
		else if (inflight)
			wait_used(q, inflight);
	}
	c->ns = arch_clock_ns() - t_start;
	c->irqs = irq_count[0] - irq0;
	return true;
}

static void report(const struct bb_case *c)
{
	uint64_t us = c->ns / 1000;
	uint64_t kbs = us ? c->done * c->bs / 1024 * 1000000 / us : 0;
	uint64_t lat = c->done ? c->ns * c->qd / c->done : 0;

	printk("BLKBENCH op=%s bs=%u qd=%u requests=%lu us=%lu kB/s=%lu "
	       "lat_ns=%lu notifies=%lu irqs=%lu errors=%lu\n",
	       c->write ? "write" : "read", c->bs, c->qd, c->done, us, kbs, lat,
	       c->notifies, c->irqs, c->errors);
}

static bool one(bool write, uint32_t bs, uint32_t qd, uint64_t n)
{
	struct bb_case c = { .write = write, .bs = bs, .qd = qd, .n = n };
	bool ok = run_case(&c);

	if (ok)
		report(&c);
	check(ok && !c.errors, "%s %u KiB at depth %u: %lu requests, %lu errors",
	      write ? "write" : "read", bs / 1024, qd, c.done, c.errors);
	return ok && !c.errors;
}

/* Read the whole span back at depth 32 and check every sector's stamp. */
static void verify(void)
{
	struct bb_case c = { .bs = BB_MAX_BS, .qd = BB_QD, .verify = true,
			     .n = bb.span / (BB_MAX_BS / SECTOR) };
	bool ok = run_case(&c);

	check(ok && !c.errors && !c.bad && c.done == c.n,
	      "all %lu MiB read back as written (%lu of %lu 64 KiB blocks bad)",
	      bb.span * SECTOR >> 20, c.bad, c.n);
}

static bool parse_case(const char *arg, bool *write, uint64_t v[3])
{
	unsigned int k = 0;

	if (!strncmp(arg, "read:", 5))
		*write = false, arg += 5;
	else if (!strncmp(arg, "write:", 6))
		*write = true, arg += 6;
	else
		return false;
	v[2] = 0;
	while (k < 3) {
		uint64_t x = 0;

		if (*arg < '0' || *arg > '9')
			return false;
		while (*arg >= '0' && *arg <= '9')
			x = x * 10 + (uint64_t)(*arg++ - '0');
		v[k++] = x;
		if (*arg != ':')
			break;
		arg++;
	}
	return k >= 2 && (*arg == 0 || *arg == ' ');
}

void t_blkbench(const char *arg)
{
	uint64_t v[3];
	bool write;

	if (!bb_open())
		return;
	if (*arg) {
		if (!parse_case(arg, &write, v) || (v[0] != 4096 && v[0] != 65536) ||
		    !v[1] || v[1] > BB_QD) {
			check(false, "blkbench:read|write:4096|65536:QD[:N] with QD "
				     "1..32, got '%s'", arg);
			return;
		}
		one(write, (uint32_t)v[0], (uint32_t)v[1],
		    v[2] ? v[2] : v[0] == 4096 ? 4096 : 1024);
		return;
	}
	for (int w = 1; w >= 0; w--)
		for (uint32_t bs = 4096; bs <= BB_MAX_BS; bs *= 16)
			for (uint32_t qd = 1; qd <= BB_QD; qd *= 32)
				one(w, bs, qd, bs == 4096 ? 256 : 64);
	/* The 64 KiB writes covered the span's start; fill the rest. */
	one(true, BB_MAX_BS, BB_QD, bb.span / (BB_MAX_BS / SECTOR));
	verify();
}
