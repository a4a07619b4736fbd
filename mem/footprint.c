// SPDX-License-Identifier: MIT
/*
 * Footprint accounting: how much guest memory is allocated, answered in
 * bounded time whatever the size of guest RAM.
 *
 * Pages get allocated where cvmm cannot see it (the guest touches a page,
 * KVM faults it in) and freed where it can (punches). So the count is kept
 * per chunk of 256 MiB of each slot, each chunk's count exact as of its
 * last measurement (cachestat(2) on the backing files: the kernel walks
 * only the cached folios of that range). A sample re-measures first the
 * chunks cvmm changed (conversions, launch writes), then the next chunks
 * in a rolling order, until a time budget is spent or a number of chunks
 * measured: a page the guest touched shows within one turn of the
 * cursor, and no single call measures more than MEM_FP_MAX_CHUNKS + 1
 * chunks (in time: the budget plus two chunks, a few ms at worst).
 *
 * Locking: the accounting state changes under m->lock held for writing
 * (conversions; launch writes come before any other thread), or under
 * fp.lock and m->lock held for reading (samplers), taken in that order.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest_mem.h"
#include "../lib/log.h"
#include "../lib/util.h"

#define CHUNK_PAGES ((uint32_t)(256 * MiB / PAGE_SIZE))
#define DIRTY (1u << 31)	 /* changed by cvmm since measured */
#define QUEUED (1u << 30)	 /* on the slot's stack of dirty chunks */
#define COUNT(c) ((c) & ~(DIRTY | QUEUED))
#define FP_MIN_CHUNKS 8	 /* measured per call whatever the time budget */

/* cachestat(2) (Linux 6.5); Debian 12's 6.1 headers lack it. */
#ifndef __NR_cachestat
#define __NR_cachestat 451 /* x86-64 */
#endif
struct fp_cachestat_range {
	uint64_t off, len;
};
struct fp_cachestat {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted,
		nr_recently_evicted;
};

static int cached_pages(int fd, uint64_t off, uint64_t len, uint64_t *pages)
{
	struct fp_cachestat_range r = { off, len };
	struct fp_cachestat cs;

	if (syscall(__NR_cachestat, fd, &r, &cs, 0))
		return -errno;
	*pages = cs.nr_cache;
	return 0;
}

/* Resident pages of a mapped range, in pieces to bound the vector. */
static int resident_pages(uint8_t *map, uint64_t len, uint64_t *pages)
{
	enum { PIECE = 16384 };
	static __thread unsigned char vec[PIECE];

	*pages = 0;
	for (uint64_t off = 0; off < len; off += PIECE * PAGE_SIZE) {
		uint64_t n = len - off;

		if (n > PIECE * PAGE_SIZE)
			n = PIECE * PAGE_SIZE;
		if (mincore(map + off, n, vec))
			return -errno;
		for (uint64_t i = 0; i < n / PAGE_SIZE; i++)
			*pages += vec[i] & 1;
	}
	return 0;
}

static bool separate_private(const struct mem_slot *s)
{
	return s->private_fd >= 0 && s->private_fd != s->shared_fd;
}

/* Stop using cachestat (a kernel without it, or a filter refusing it). */
static void give_up_cachestat(struct guest_mem *m, int err)
{
	if (m->fp.no_cachestat)
		return;
	m->fp.no_cachestat = true;
	errno = -err;
	log_warn_errno("cachestat: measuring the footprint with mincore "
		       "instead (slower; private pages kept apart go uncounted)");
}

/*
 * Allocated pages of [off, off+len) of slot s, both backings. With
 * mincore only the shared backing can be seen (a guest_memfd of a
 * confidential VM cannot be mapped): the private one is left out and
 * footprint_err says so.
 */
static uint64_t measure(struct guest_mem *m, struct mem_slot *s, uint64_t off,
			uint64_t len)
{
	uint64_t a = 0, b = 0;
	int err = 0;

	if (!m->fp.no_cachestat) {
		err = cached_pages(s->shared_fd, off, len, &a);
		if (!err && separate_private(s))
			err = cached_pages(s->private_fd, off, len, &b);
		if (!err)
			return a + b;
		give_up_cachestat(m, err);
	}
	if (separate_private(s))
		__atomic_store_n(&m->footprint_err, -EOPNOTSUPP, __ATOMIC_RELAXED);
	err = resident_pages(s->kvm_map + off, len, &a);
	if (err) {
		errno = -err;
		log_warn_errno("mincore");
	}
	return a;
}

static uint32_t nchunks(const struct mem_slot *s)
{
	return (uint32_t)((s->size / PAGE_SIZE + CHUNK_PAGES - 1) / CHUNK_PAGES);
}

static void chunk_range(const struct mem_slot *s, uint32_t i, uint64_t *off,
			uint64_t *len)
{
	*off = (uint64_t)i * CHUNK_PAGES * PAGE_SIZE;
	*len = s->size - *off;
	if (*len > (uint64_t)CHUNK_PAGES * PAGE_SIZE)
		*len = (uint64_t)CHUNK_PAGES * PAGE_SIZE;
}

int mem_fp_add_slot(struct guest_mem *m, struct mem_slot *s)
{
	uint32_t n = nchunks(s);

	(void)m;
	/* A slot's backing starts empty: every count starts exact at 0. */
	s->fp_count = calloc(n, sizeof(*s->fp_count));
	s->fp_dirty = calloc(n, sizeof(*s->fp_dirty));
	if (!s->fp_count || !s->fp_dirty) {
		mem_fp_free_slot(s);
		return -ENOMEM;
	}
	s->fp_nchunks = n;
	s->fp_ndirty = 0;
	return 0;
}

void mem_fp_free_slot(struct mem_slot *s)
{
	free(s->fp_count);
	free(s->fp_dirty);
	s->fp_count = s->fp_dirty = NULL;
	s->fp_nchunks = s->fp_ndirty = 0;
}

void mem_fp_changed(struct guest_mem *m, struct mem_slot *s, uint64_t off,
		    uint64_t len)
{
	uint32_t first = (uint32_t)(off / PAGE_SIZE / CHUNK_PAGES);
	uint32_t last = (uint32_t)((off + len - 1) / PAGE_SIZE / CHUNK_PAGES);

	for (uint32_t i = first; i <= last; i++) {
		if (!(s->fp_count[i] & DIRTY))
			m->fp.dirty++;
		/* Once on the stack at most: it never outgrows fp_nchunks. */
		if (!(s->fp_count[i] & QUEUED))
			s->fp_dirty[s->fp_ndirty++] = i;
		s->fp_count[i] |= DIRTY | QUEUED;
	}
}

/* Measure chunk i again. fp.lock and the read lock held. */
static void refresh_chunk(struct guest_mem *m, struct mem_slot *s, uint32_t i)
{
	uint32_t old = COUNT(s->fp_count[i]);
	uint64_t off, len, now;

	chunk_range(s, i, &off, &len);
	now = measure(m, s, off, len);
	if (s->fp_count[i] & DIRTY)
		m->fp.dirty--;
	s->fp_count[i] = (uint32_t)now | (s->fp_count[i] & QUEUED);
	m->fp.pages = m->fp.pages - old + now;
	m->fp.chunks_measured++;
}

/*
 * What one sample may still do: time, since the cost of a chunk varies
 * a hundredfold with how its pages are spread (measured here: 14 ns per
 * page when dense, about 1 us per page when one page in 64), and a cap
 * on chunks, which bounds the work whatever the clock says.
 */
struct budget {
	uint64_t start;
	unsigned int chunks;
};

static bool budget_left(const struct budget *b)
{
	return b->chunks < MEM_FP_MAX_CHUNKS &&
	       now_ns() - b->start < MEM_FP_BUDGET_NS;
}

/* Chunks cvmm changed come first: their counts are known to be stale. */
static void refresh_dirty(struct guest_mem *m, struct budget *b)
{
	for (unsigned int k = 0; k < m->nslots; k++) {
		struct mem_slot *s = &m->slot[k];

		while (s->fp_ndirty && budget_left(b)) {
			uint32_t i = s->fp_dirty[--s->fp_ndirty];

			s->fp_count[i] &= ~QUEUED;
			/* The rolling cursor may have been there already. */
			if (s->fp_count[i] & DIRTY) {
				refresh_chunk(m, s, i);
				b->chunks++;
			}
		}
	}
}

/* The next chunk in rolling order; some slot has one. */
static struct mem_slot *cursor_next(struct guest_mem *m, uint32_t *i)
{
	for (;;) {
		struct mem_slot *s;

		if (m->fp.cur_slot >= m->nslots)
			m->fp.cur_slot = 0;
		s = &m->slot[m->fp.cur_slot];
		if (m->fp.cur_chunk < s->fp_nchunks) {
			*i = m->fp.cur_chunk++;
			return s;
		}
		m->fp.cur_chunk = 0;
		m->fp.cur_slot++;
	}
}

/* Then the rolling cursor, for what was allocated out of cvmm's sight. */
static void refresh_rolling(struct guest_mem *m, struct budget *b)
{
	uint64_t total = 0;
	uint32_t i;

	for (unsigned int k = 0; k < m->nslots; k++)
		total += m->slot[k].fp_nchunks;
	/*
	 * Each chunk at most once per call, and a few at least whatever the
	 * clock says: conversions dirtying chunks faster than the budget
	 * re-measures them cannot stop the cursor, and a small guest (up to
	 * FP_MIN_CHUNKS chunks: 2 GiB with the test memory) is measured whole
	 * on every call even where one cachestat takes longer than the budget
	 * (emulated machines).
	 */
	for (uint64_t n = 0; n < total && (n < FP_MIN_CHUNKS || budget_left(b));
	     n++) {
		struct mem_slot *s = cursor_next(m, &i);

		refresh_chunk(m, s, i);
		b->chunks++;
	}
}

static void raise_peak(struct guest_mem *m, uint64_t bytes)
{
	uint64_t peak = __atomic_load_n(&m->stats.footprint_peak,
					__ATOMIC_RELAXED);

	while (bytes > peak &&
	       !__atomic_compare_exchange_n(&m->stats.footprint_peak, &peak,
					    bytes, false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
}

uint64_t mem_sample_footprint(struct guest_mem *m)
{
	struct budget b;
	uint64_t bytes;

	/*
	 * fp.lock first: a second sampler waits without holding the read
	 * lock, so samplers on several vCPUs cannot keep conversions out.
	 */
	pthread_mutex_lock(&m->fp.lock);
	pthread_rwlock_rdlock(&m->lock); /* no conversion punches meanwhile */
	b.start = now_ns();
	b.chunks = 0;
	refresh_dirty(m, &b);
	refresh_rolling(m, &b);
	if (b.chunks > m->fp.max_call_chunks)
		m->fp.max_call_chunks = b.chunks;
	m->fp.samples++;
	bytes = m->fp.pages * PAGE_SIZE;
	/* A stale chunk may still count pages a punch freed: no peak then. */
	if (!m->fp.dirty)
		raise_peak(m, bytes);
	pthread_rwlock_unlock(&m->lock);
	pthread_mutex_unlock(&m->fp.lock);
	__atomic_store_n(&m->footprint_sampled, now_ns(), __ATOMIC_RELAXED);
	return bytes;
}

uint64_t mem_footprint_counted(struct guest_mem *m)
{
	uint64_t pages;

	pthread_mutex_lock(&m->fp.lock);
	pages = m->fp.pages;
	pthread_mutex_unlock(&m->fp.lock);
	return pages * PAGE_SIZE;
}

uint64_t mem_footprint(struct guest_mem *m)
{
	uint64_t total = 0;

	pthread_mutex_lock(&m->fp.lock);
	pthread_rwlock_rdlock(&m->lock);
	/* One call per file: cachestat walks only what is cached. */
	for (unsigned int k = 0; k < m->nslots; k++)
		total += measure(m, &m->slot[k], 0, m->slot[k].size);
	m->fp.full_scans++;
	pthread_rwlock_unlock(&m->lock);
	pthread_mutex_unlock(&m->fp.lock);
	raise_peak(m, total * PAGE_SIZE);
	return total * PAGE_SIZE;
}

const char *mem_footprint_method(const struct guest_mem *m)
{
	if (!m->fp.no_cachestat)
		return "cachestat";
	if (__atomic_load_n(&m->footprint_err, __ATOMIC_RELAXED))
		return "mincore,private-unmeasured";
	return "mincore";
}
