// SPDX-License-Identifier: MIT
#include "access.h"

#include <errno.h>
#include <string.h>

#include "fault_guard.h"

#include "../lib/log.h"
#include "../lib/util.h"

void mem_domain_init(struct mem_domain *d, struct guest_mem *m,
		     const char *name, uint64_t base, uint64_t size)
{
	d->mem = m;
	d->name = name;
	d->base = base;
	d->size = size;
	d->refused = 0;
	d->warned = false;
	d->test_mem = false;
}

void mem_domain_allow_test_mem(struct mem_domain *d)
{
	d->test_mem = true;
}

static int refuse(struct mem_domain *d, uint64_t gpa, uint64_t len, int err)
{
	const char *why = err == -EACCES ? "not shared" : "outside its memory";

	__atomic_fetch_add(&d->refused, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&d->mem->stats.guard_refused, 1, __ATOMIC_RELAXED);
	/* A hostile guest can refuse itself in a loop: warn once, count all. */
	if (!__atomic_exchange_n(&d->warned, true, __ATOMIC_RELAXED))
		log_warn("%s: refused access to [0x%llx, +0x%llx): %s (further "
			 "refusals are counted)", d->name,
			 (unsigned long long)gpa, (unsigned long long)len, why);
	else
		log_debug("%s: refused access to [0x%llx, +0x%llx): %s", d->name,
			  (unsigned long long)gpa, (unsigned long long)len, why);
	return err;
}

/*
 * Check [gpa, gpa+len) for domain d and return its host-view address.
 * Caller holds mem->lock for reading.
 */
static int check(struct mem_domain *d, uint64_t gpa, uint64_t len,
		 uint8_t **hva)
{
	struct mem_slot *s;
	uint64_t off;

	if (d->size && !range_within(gpa, len, d->base, d->size))
		return refuse(d, gpa, len, -EFAULT);
	s = mem_find_slot(d->mem, gpa, len);
	/* The test memory is not RAM: only the test device may reach it. */
	if (!s || (s->test_mem && !d->test_mem))
		return refuse(d, gpa, len, -EFAULT);
	off = gpa - s->gpa;
	if (!rangeset_contains(&s->shared, off / PAGE_SIZE,
			       (off + len - 1) / PAGE_SIZE + 1))
		return refuse(d, gpa, len, -EACCES);
	*hva = s->host_view + off;
	return 0;
}

/*
 * The copy itself. Where the guest can take pages from the host without
 * telling cvmm (pKVM), a fault is the guest's doing: the access fails
 * (-EFAULT, counted) and the VM runs on.
 */
static int host_copy(struct guest_mem *m, void *dst, const void *src,
		     size_t len)
{
	int err;

	if (!m->fault_tolerant) {
		memcpy(dst, src, len);
		return 0;
	}
	err = mem_guarded_copy(dst, src, len);
	if (err)
		__atomic_fetch_add(&m->stats.host_faults, 1, __ATOMIC_RELAXED);
	return err;
}

static int copy(struct mem_domain *d, gpa_t g, void *buf, size_t len,
		bool write)
{
	uint8_t *hva;
	int err;

	pthread_rwlock_rdlock(&d->mem->lock);
	err = check(d, g.v, len, &hva);
	if (!err)
		err = host_copy(d->mem, write ? hva : buf, write ? buf : hva,
				len);
	pthread_rwlock_unlock(&d->mem->lock);
	return err;
}

int mem_check(struct mem_domain *d, gpa_t g, uint64_t len)
{
	uint8_t *hva;
	int err;

	pthread_rwlock_rdlock(&d->mem->lock);
	err = check(d, g.v, len, &hva);
	pthread_rwlock_unlock(&d->mem->lock);
	return err;
}

static int access16(struct mem_domain *d, gpa_t g, uint16_t *v, bool write)
{
	uint8_t *hva;
	int err;

	if (g.v & 1)
		return -EINVAL;
	pthread_rwlock_rdlock(&d->mem->lock);
	err = check(d, g.v, sizeof(*v), &hva);
	if (!err) {
		/* The host view is 2-aligned where the gpa is (page offsets). */
		uint16_t *p = (uint16_t *)(void *)hva;

		/* A 2-byte aligned copy is one 16-bit access too. */
		if (d->mem->fault_tolerant)
			err = host_copy(d->mem, write ? (void *)p : v,
					write ? (void *)v : p, sizeof(*v));
		else if (write)
			__atomic_store_n(p, *v, __ATOMIC_RELAXED);
		else
			*v = __atomic_load_n(p, __ATOMIC_RELAXED);
	}
	pthread_rwlock_unlock(&d->mem->lock);
	return err;
}

int mem_load16(struct mem_domain *d, gpa_t g, uint16_t *v)
{
	return access16(d, g, v, false);
}

int mem_store16(struct mem_domain *d, gpa_t g, uint16_t v)
{
	return access16(d, g, &v, true);
}

int mem_read(struct mem_domain *d, gpa_t g, void *buf, size_t len)
{
	return copy(d, g, buf, len, false);
}

int mem_write(struct mem_domain *d, gpa_t g, const void *buf, size_t len)
{
	return copy(d, g, (void *)buf, len, true);
}

int mem_hold(struct mem_domain *d, gpa_t g, uint64_t len, struct mem_hold *h)
{
	struct guest_mem *m = d->mem;
	uint8_t *hva;
	int err;

	pthread_rwlock_rdlock(&m->lock);
	err = check(d, g.v, len, &hva);
	if (!err) {
		h->gpa = g.v;
		h->len = len;
		h->iov.iov_base = hva;
		h->iov.iov_len = len;
		/* Listed before the read lock drops: no conversion in between. */
		pthread_mutex_lock(&m->hold_lock);
		h->next = m->holds.next;
		h->prev = &m->holds;
		h->next->prev = h;
		m->holds.next = h;
		pthread_mutex_unlock(&m->hold_lock);
	}
	pthread_rwlock_unlock(&m->lock);
	return err;
}

void mem_release(struct mem_domain *d, struct mem_hold *h)
{
	pthread_mutex_lock(&d->mem->hold_lock);
	h->prev->next = h->next;
	h->next->prev = h->prev;
	pthread_mutex_unlock(&d->mem->hold_lock);
	h->next = h->prev = NULL;
	h->iov.iov_base = NULL;
	h->iov.iov_len = 0;
}

int mem_test_raw_read(struct guest_mem *m, gpa_t g, void *buf, size_t len)
{
	struct mem_slot *s;
	int err = -EINVAL;

	pthread_rwlock_rdlock(&m->lock);
	s = mem_find_slot(m, g.v, len);
	if (s && !s->test_mem) {
		err = mem_guarded_copy(buf, s->kvm_map + (g.v - s->gpa), len);
		if (err)
			__atomic_fetch_add(&m->stats.host_faults, 1,
					   __ATOMIC_RELAXED);
	}
	pthread_rwlock_unlock(&m->lock);
	return err;
}
