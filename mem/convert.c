// SPDX-License-Identifier: MIT
/*
 * The one conversion path. Every trigger (memory-fault exit, MAP_GPA_RANGE
 * hypercall, the paravirtual device, the builder before launch) ends here.
 *
 * Order matters for the guard: a range going private is closed to the host
 * (in the host view, mem/view.c) before anything else; a range going shared is
 * opened only after its old contents are gone (ZERO) or known to stay.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#include "guest_mem.h"
#include "../lib/log.h"
#include "../lib/util.h"

#define FOOTPRINT_SAMPLE_NS (10 * 1000 * 1000)

#define ATTR_ENCRYPTED (1ULL << 4)
#define ATTR_PAGE_SIZE_MASK 0xfULL
#define ATTR_PAGE_SIZE_MAX 2 /* 4K, 2M, 1G */

bool conv_decode(uint64_t gpa, uint64_t npages, uint64_t attrs,
		 struct conv_request *req)
{
	if ((attrs & ~(ATTR_ENCRYPTED | ATTR_PAGE_SIZE_MASK)) ||
	    (attrs & ATTR_PAGE_SIZE_MASK) > ATTR_PAGE_SIZE_MAX)
		return false;
	if (npages == 0 || npages > (UINT64_MAX >> PAGE_SHIFT))
		return false;
	req->gpa = gpa;
	req->len = npages << PAGE_SHIFT;
	req->to = (attrs & ATTR_ENCRYPTED) ? MEM_PRIVATE : MEM_SHARED;
	return true;
}

static int punch(int fd, uint64_t off, uint64_t len)
{
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      (off_t)off, (off_t)len))
		return -errno;
	return 0;
}

static int set_attrs(struct guest_mem *m, uint64_t gpa, uint64_t len,
		     bool private)
{
	if (!m->backend.set_attributes)
		return 0;
	return m->backend.set_attributes(m->backend.opaque, gpa, len, private);
}

/*
 * Free [off, off+len) of fd. In place, fd is the guest_memfd that KVM's
 * mapping (kvm_map) maps, and a guest_memfd punch unmaps its mapped
 * folios one at a time; one madvise(DONTNEED) of the whole range first
 * zaps them in one walk. It only drops mappings, never contents, so a
 * failed punch loses nothing. Not for one page (nothing to batch), nor
 * for a memfd (sw-protected's shared side: shmem already unmaps the
 * whole range at once).
 */
static int free_range(struct guest_mem *m, struct mem_slot *s, int fd,
		      uint64_t off, uint64_t len)
{
	int err;

	if (m->backend.in_place && fd == s->shared_fd && len > PAGE_SIZE &&
	    madvise(s->kvm_map + off, len, MADV_DONTNEED))
		log_debug("madvise(DONTNEED) before a punch: %s",
			  strerror(errno));
	err = punch(fd, off, len);
	if (!err)
		mem_fp_changed(m, s, off, len);
	return err;
}

/*
 * Drop the contents that must not survive the change. With two backings
 * the side being left is always freed (so memory is never held twice);
 * in place, only ZERO frees.
 */
static int drop_contents(struct guest_mem *m, struct mem_slot *s,
			 uint64_t off, uint64_t len, enum mem_state to,
			 enum mem_content mode)
{
	if (!m->backend.in_place)
		return free_range(m, s,
				  to == MEM_PRIVATE ? s->shared_fd
						    : s->private_fd,
				  off, len);
	return mode == MEM_CONTENT_ZERO ? free_range(m, s, s->private_fd, off, len)
					: 0;
}

static void roll_back_attrs(struct guest_mem *m, uint64_t gpa, uint64_t len,
			    bool private)
{
	if (set_attrs(m, gpa, len, private))
		log_err("cannot roll back the attributes of [0x%llx, +0x%llx)",
			(unsigned long long)gpa, (unsigned long long)len);
}

static int to_private(struct guest_mem *m, struct mem_slot *s, uint64_t off,
		      uint64_t len, enum mem_content mode)
{
	uint64_t g = s->gpa + off;
	int err = mem_view_close(s, off, len);

	if (err)
		return err;
	err = set_attrs(m, g, len, true);
	if (!err) {
		err = drop_contents(m, s, off, len, MEM_PRIVATE, mode);
		if (err)
			roll_back_attrs(m, g, len, false);
	}
	if (err) {
		/* The range stays shared: reopen it to the host. */
		if (mem_view_open(s, off, len))
			log_err("cannot reopen [0x%llx, +0x%llx) to the host",
				(unsigned long long)g, (unsigned long long)len);
		return err;
	}
	return rangeset_remove(&s->shared, off / PAGE_SIZE,
			       (off + len) / PAGE_SIZE);
}

static int to_shared(struct guest_mem *m, struct mem_slot *s, uint64_t off,
		     uint64_t len, enum mem_content mode)
{
	uint64_t g = s->gpa + off;
	int err = set_attrs(m, g, len, false);

	if (err)
		return err;
	err = drop_contents(m, s, off, len, MEM_SHARED, mode);
	if (!err) {
		err = mem_view_open(s, off, len);
		/* Opening may have got half way: close it all again. */
		if (err && mem_view_close(s, off, len))
			log_err("cannot close [0x%llx, +0x%llx) to the host again",
				(unsigned long long)g, (unsigned long long)len);
	}
	if (err) {
		roll_back_attrs(m, g, len, true);
		return err;
	}
	return rangeset_add(&s->shared, off / PAGE_SIZE,
			    (off + len) / PAGE_SIZE);
}

static bool held(struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	bool busy = false;

	pthread_mutex_lock(&m->hold_lock);
	for (struct mem_hold *h = m->holds.next; h != &m->holds; h = h->next)
		if (ranges_overlap(gpa, len, h->gpa, h->len)) {
			busy = true;
			break;
		}
	pthread_mutex_unlock(&m->hold_lock);
	return busy;
}

/* Convert every run of [first, end) pages not yet in state `to`. */
static int convert_runs(struct guest_mem *m, struct mem_slot *s,
			uint64_t first, uint64_t end, enum mem_state to,
			enum mem_content mode, uint64_t *bytes)
{
	bool want_in = to == MEM_PRIVATE; /* runs that are shared now */
	uint64_t run_end;
	int err;

	while (rangeset_next_run(&s->shared, want_in, &first, end, &run_end)) {
		uint64_t off = first * PAGE_SIZE, len = (run_end - first) * PAGE_SIZE;

		/* A remove or add needs at most one more interval. */
		err = mem_view_room(m, s, first, run_end, to);
		if (!err)
			err = rangeset_reserve(&s->shared, 1);
		if (!err)
			err = to == MEM_PRIVATE ? to_private(m, s, off, len, mode)
						: to_shared(m, s, off, len, mode);
		if (err)
			return err;
		*bytes += len;
		first = run_end;
	}
	return 0;
}

static enum conv_result count(struct guest_mem *m, enum conv_result r)
{
	switch (r) {
	case CONV_INVALID: m->stats.conv_invalid++; break;
	case CONV_RETRY: m->stats.conv_retry++; break;
	case CONV_UNSUPPORTED: m->stats.conv_unsupported++; break;
	case CONV_FAILED: m->stats.conv_failed++; break;
	case CONV_DONE: break;
	}
	return r;
}

enum conv_result mem_convert(struct guest_mem *m, gpa_t g, uint64_t len,
			     enum mem_state to, enum mem_content mode)
{
	enum conv_result r = CONV_DONE;
	struct mem_slot *s;
	uint64_t bytes = 0, first;
	int err;

	if (mode == MEM_CONTENT_DEFAULT)
		mode = m->default_mode;
	/*
	 * Conversions only free memory; the guest allocates between them. So
	 * the footprint is sampled before, rate-limited: a scan costs about
	 * 40 ns per page of RAM.
	 */
	if (m->track_footprint &&
	    now_ns() - __atomic_load_n(&m->footprint_sampled, __ATOMIC_RELAXED) >
		    FOOTPRINT_SAMPLE_NS)
		mem_sample_footprint(m);
	pthread_rwlock_wrlock(&m->lock);
	s = mem_find_slot(m, g.v, len);
	if (!s || !is_aligned(g.v, PAGE_SIZE) || !is_aligned(len, PAGE_SIZE))
		r = CONV_INVALID;
	else if (to == MEM_PRIVATE && s->private_fd < 0)
		r = CONV_INVALID; /* nowhere to put private pages */
	else if (mode == MEM_CONTENT_PRESERVE && !m->backend.in_place)
		r = CONV_UNSUPPORTED;
	else if (to == MEM_PRIVATE && held(m, g.v, len))
		r = CONV_RETRY;
	if (r != CONV_DONE)
		goto out;
	first = (g.v - s->gpa) / PAGE_SIZE;
	err = convert_runs(m, s, first, first + len / PAGE_SIZE, to, mode,
			   &bytes);
	if (err) {
		log_warn_rl("converting [0x%llx, +0x%llx) failed: %s",
			    (unsigned long long)g.v, (unsigned long long)len,
			    strerror(-err));
		r = CONV_FAILED;
	}
	/* Bytes converted before a failure count: their state did change. */
	if (r == CONV_DONE)
		m->stats.conv_count[to][mode == MEM_CONTENT_PRESERVE]++;
	m->stats.conv_bytes[to][mode == MEM_CONTENT_PRESERVE] += bytes;
out:
	count(m, r);
	pthread_rwlock_unlock(&m->lock);
	return r;
}

/* Is [gpa, gpa+len) page-aligned and in one slot without private backing? */
static bool in_shared_only_slot(struct guest_mem *m, uint64_t gpa,
				uint64_t len)
{
	struct mem_slot *s = mem_find_slot(m, gpa, len);

	return s && s->private_fd < 0 && is_aligned(gpa, PAGE_SIZE) &&
	       is_aligned(len, PAGE_SIZE);
}

enum conv_result mem_resolve_fault(struct guest_mem *m, gpa_t g, uint64_t len,
				   enum mem_state to, bool *reasserted)
{
	int err;

	*reasserted = false;
	pthread_rwlock_wrlock(&m->lock);
	m->stats.faults++;
	if (to != MEM_PRIVATE || !in_shared_only_slot(m, g.v, len)) {
		pthread_rwlock_unlock(&m->lock);
		return mem_convert(m, g, len, to, MEM_CONTENT_DEFAULT);
	}
	/*
	 * KVM found the range private, but the slot has no guest_memfd to
	 * serve a private access from (only the test memory is built so).
	 * Converting is impossible and refusing would leave the vCPU faulting
	 * forever; the slot's one possible state is shared, so say that again
	 * and let the guest retry. (QEMU reports such a conversion as an
	 * error instead.)
	 */
	err = set_attrs(m, g.v, len, false);
	if (!err) {
		m->stats.faults_reasserted++;
		*reasserted = true;
	}
	pthread_rwlock_unlock(&m->lock);
	return err ? CONV_FAILED : CONV_DONE;
}

int mem_test_desync(struct guest_mem *m, gpa_t g, uint64_t len)
{
	int err;

	if (!m->backend.set_attributes)
		return -EOPNOTSUPP;
	pthread_rwlock_wrlock(&m->lock);
	err = in_shared_only_slot(m, g.v, len) ? set_attrs(m, g.v, len, true)
					       : -EINVAL;
	pthread_rwlock_unlock(&m->lock);
	return err;
}
