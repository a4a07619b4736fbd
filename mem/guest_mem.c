// SPDX-License-Identifier: MIT
#include "guest_mem.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
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
	pthread_mutex_init(&m->fp.lock, NULL);
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
		mem_view_unmap(s);
		rangeset_free(&s->shared);
		mem_fp_free_slot(s);
	}
	m->nslots = 0;
	pthread_rwlock_destroy(&m->lock);
	pthread_mutex_destroy(&m->hold_lock);
	pthread_mutex_destroy(&m->fp.lock);
}

static bool overlaps_slot(const struct guest_mem *m, uint64_t gpa,
			  uint64_t size)
{
	for (unsigned int i = 0; i < m->nslots; i++)
		if (ranges_overlap(gpa, size, m->slot[i].gpa, m->slot[i].size))
			return true;
	return false;
}

static int map_slot(struct guest_mem *m, struct mem_slot *s, bool shared)
{
	int err;

	s->kvm_map = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			  s->shared_fd, 0);
	if (s->kvm_map == MAP_FAILED)
		return -errno;
	/* The host view starts out matching the initial state. */
	err = mem_view_map(m, s, shared);
	if (err)
		munmap(s->kvm_map, s->size);
	return err;
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
	err = mem_fp_add_slot(m, s);
	if (!err) {
		err = map_slot(m, s, shared);
		if (err)
			mem_fp_free_slot(s);
	}
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
	if (len)
		mem_fp_changed(m, s, g.v - s->gpa, len);
	return 0;
}

int mem_launch_discard(struct guest_mem *m, gpa_t g, uint64_t len)
{
	struct mem_slot *s = mem_find_slot(m, g.v, len);

	if (!s)
		return -EFAULT;
	if (s->private_fd < 0 || s->private_fd == s->shared_fd)
		return 0;
	if (fallocate(s->shared_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)(g.v - s->gpa), (off_t)len))
		return -errno;
	mem_fp_changed(m, s, g.v - s->gpa, len);
	return 0;
}

void mem_launch_done(struct guest_mem *m)
{
	m->launched = true;
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

void mem_mark_test_memory(struct guest_mem *m, int idx)
{
	if (idx >= 0 && (unsigned int)idx < m->nslots)
		m->slot[idx].test_mem = true;
}
