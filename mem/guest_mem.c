// SPDX-License-Identifier: MIT
#include "guest_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"

const char *conv_result_name(enum conv_result r)
{
	static const char *const names[] = {
		[CONV_DONE] = "done",
		[CONV_INVALID] = "invalid",
		[CONV_RETRY] = "retry",
		[CONV_UNSUPPORTED] = "unsupported",
		[CONV_FAILED] = "failed",
	};

	return (unsigned int)r < ARRAY_SIZE(names) ? names[r] : "?";
}

void mem_init(struct guest_mem *m, const struct mem_backend *backend,
	      enum mem_content default_mode, bool initial_shared)
{
	memset(m, 0, sizeof(*m));
	pthread_rwlock_init(&m->lock, NULL);
	pthread_mutex_init(&m->hold_lock, NULL);
	m->holds.next = m->holds.prev = &m->holds;
	m->backend = *backend;
	m->default_mode = default_mode;
	m->initial_shared = initial_shared;
}

void mem_destroy(struct guest_mem *m)
{
	for (unsigned int i = 0; i < m->nslots; i++) {
		struct mem_slot *s = &m->slot[i];

		munmap(s->kvm_map, s->size);
		munmap(s->host_view, s->size);
		rangeset_free(&s->shared);
	}
	m->nslots = 0;
	pthread_rwlock_destroy(&m->lock);
	pthread_mutex_destroy(&m->hold_lock);
}

static bool overlaps_slot(const struct guest_mem *m, uint64_t gpa,
			  uint64_t size)
{
	for (unsigned int i = 0; i < m->nslots; i++)
		if (ranges_overlap(gpa, size, m->slot[i].gpa, m->slot[i].size))
			return true;
	return false;
}

static int map_slot(struct mem_slot *s, bool shared)
{
	s->kvm_map = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			  s->shared_fd, 0);
	if (s->kvm_map == MAP_FAILED)
		return -errno;
	/* The host view starts out matching the initial state. */
	s->host_view = mmap(NULL, s->size,
			    shared ? PROT_READ | PROT_WRITE : PROT_NONE,
			    MAP_SHARED, s->shared_fd, 0);
	if (s->host_view == MAP_FAILED) {
		int err = -errno;

		munmap(s->kvm_map, s->size);
		return err;
	}
	return 0;
}

int mem_add_slot(struct guest_mem *m, uint64_t gpa, uint64_t size,
		 int private_fd, int shared_fd)
{
	struct mem_slot *s;
	uint64_t end;
	bool shared = m->initial_shared || private_fd < 0;
	int err;

	if (m->nslots == MEM_MAX_SLOTS)
		return -ENOSPC;
	if (!range_end(gpa, size, &end) || !is_aligned(gpa, PAGE_SIZE) ||
	    !is_aligned(size, PAGE_SIZE) || overlaps_slot(m, gpa, size))
		return -EINVAL;
	s = &m->slot[m->nslots];
	memset(s, 0, sizeof(*s));
	s->gpa = gpa;
	s->size = size;
	s->private_fd = private_fd;
	s->shared_fd = shared_fd;
	rangeset_init(&s->shared);
	if (shared && rangeset_add(&s->shared, 0, size / PAGE_SIZE))
		return -ENOMEM;
	err = map_slot(s, shared);
	if (err) {
		rangeset_free(&s->shared);
		return err;
	}
	return (int)m->nslots++;
}

struct mem_slot *mem_find_slot(struct guest_mem *m, uint64_t gpa,
			       uint64_t len)
{
	for (unsigned int i = 0; i < m->nslots; i++)
		if (range_within(gpa, len, m->slot[i].gpa, m->slot[i].size))
			return &m->slot[i];
	return NULL;
}

int mem_page_state(struct guest_mem *m, gpa_t g, enum mem_state *state)
{
	struct mem_slot *s;
	uint64_t page;

	pthread_rwlock_rdlock(&m->lock);
	s = mem_find_slot(m, g.v, 1);
	if (s) {
		page = (g.v - s->gpa) / PAGE_SIZE;
		*state = rangeset_contains(&s->shared, page, page + 1)
				 ? MEM_SHARED
				 : MEM_PRIVATE;
	}
	pthread_rwlock_unlock(&m->lock);
	return s ? 0 : -EFAULT;
}

int mem_launch_write(struct guest_mem *m, gpa_t g, const void *buf,
		     size_t len)
{
	struct mem_slot *s;

	if (m->launched)
		return -EPERM;
	s = mem_find_slot(m, g.v, len);
	if (!s)
		return -EFAULT;
	memcpy(s->kvm_map + (g.v - s->gpa), buf, len);
	return 0;
}

void mem_launch_done(struct guest_mem *m)
{
	m->launched = true;
}

/* Resident pages of one mapping, counted in chunks to bound the vector. */
static uint64_t resident_bytes(uint8_t *map, uint64_t size)
{
	enum { CHUNK_PAGES = 16384 };
	static __thread unsigned char vec[CHUNK_PAGES];
	uint64_t total = 0;

	for (uint64_t off = 0; off < size; off += CHUNK_PAGES * PAGE_SIZE) {
		uint64_t len = size - off;

		if (len > CHUNK_PAGES * PAGE_SIZE)
			len = CHUNK_PAGES * PAGE_SIZE;
		if (mincore(map + off, len, vec)) {
			log_warn_errno("mincore");
			return 0;
		}
		for (uint64_t i = 0; i < len / PAGE_SIZE; i++)
			total += vec[i] & 1;
	}
	return total * PAGE_SIZE;
}

/* cachestat(2) (Linux 6.5); Debian 12's 6.1 headers lack it. */
#ifndef __NR_cachestat
#define __NR_cachestat 451 /* x86-64 */
#endif
struct mem_cachestat_range {
	uint64_t off, len;
};
struct mem_cachestat {
	uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted,
		nr_recently_evicted;
};

/*
 * Pages of fd in the page cache. A guest_memfd keeps its pages there (it
 * is a filemap of unevictable folios), so this counts what it allocated
 * without mapping it, which a guest_memfd of a confidential VM refuses.
 */
static int cached_bytes(int fd, uint64_t size, uint64_t *bytes)
{
	struct mem_cachestat_range r = { 0, size };
	struct mem_cachestat cs;

	if (syscall(__NR_cachestat, fd, &r, &cs, 0))
		return -errno;
	*bytes = cs.nr_cache * PAGE_SIZE;
	return 0;
}

/* The slot's private pages, when they live apart from its shared ones. */
static uint64_t private_bytes(struct guest_mem *m, struct mem_slot *s)
{
	uint64_t bytes = 0;
	int err;

	if (m->backend.in_place || s->private_fd < 0)
		return 0;
	err = cached_bytes(s->private_fd, s->size, &bytes);
	if (err && !__atomic_exchange_n(&m->footprint_err, err,
					__ATOMIC_RELAXED)) {
		errno = -err;
		log_warn_errno("cachestat on a guest_memfd: the footprint "
			       "leaves private pages out");
	}
	return bytes;
}

uint64_t mem_footprint(struct guest_mem *m)
{
	uint64_t total = 0;

	/*
	 * kvm_map maps the shared backing, which on in-place platforms is the
	 * guest_memfd itself, so this counts every allocated page once; with
	 * two backings the private one is added.
	 */
	for (unsigned int i = 0; i < m->nslots; i++) {
		total += resident_bytes(m->slot[i].kvm_map, m->slot[i].size);
		total += private_bytes(m, &m->slot[i]);
	}
	return total;
}

const char *mem_footprint_method(const struct guest_mem *m)
{
	if (m->backend.in_place)
		return "mincore";
	if (__atomic_load_n(&m->footprint_err, __ATOMIC_RELAXED))
		return "mincore,private-unmeasured";
	return "mincore+cachestat";
}

uint64_t mem_sample_footprint(struct guest_mem *m)
{
	uint64_t fp = mem_footprint(m), peak;

	__atomic_store_n(&m->footprint_sampled, now_ns(), __ATOMIC_RELAXED);
	peak = __atomic_load_n(&m->stats.footprint_peak, __ATOMIC_RELAXED);
	while (fp > peak &&
	       !__atomic_compare_exchange_n(&m->stats.footprint_peak, &peak, fp,
					    false, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
	return fp;
}

uint64_t mem_ram_size(const struct guest_mem *m)
{
	uint64_t total = 0;

	for (unsigned int i = 0; i < m->nslots; i++)
		total += m->slot[i].size;
	return total;
}

void mem_get_stats(struct guest_mem *m, struct mem_stats *out)
{
	pthread_rwlock_rdlock(&m->lock);
	*out = m->stats;
	out->guard_refused =
		__atomic_load_n(&m->stats.guard_refused, __ATOMIC_RELAXED);
	out->footprint_peak =
		__atomic_load_n(&m->stats.footprint_peak, __ATOMIC_RELAXED);

	pthread_rwlock_unlock(&m->lock);
}
