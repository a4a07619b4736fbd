/* SPDX-License-Identifier: MIT */
/*
 * The checked accessor: after launch, the only way host code (devices,
 * exit handlers) reads or writes guest RAM.
 *
 * Each device gets a mem_domain: a window of guest-physical addresses it
 * may touch (its DMA pool, or all of RAM). An access is done only if the
 * range is non-empty, does not overflow, lies inside the window and inside
 * one memslot, and every page of it is shared. Anything else is refused:
 * an error is returned, the refusal is counted, nothing is touched.
 */
#ifndef CVMM_ACCESS_H
#define CVMM_ACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"

struct mem_domain {
	struct guest_mem *mem;
	uint64_t base, size; /* the window */
	bool test_mem;	     /* may also touch slots without private backing */
	const char *name;    /* for log lines */
	uint64_t refused;    /* accesses refused (atomic) */
	bool warned;	     /* the first refusal is logged, later ones counted */
};

/*
 * A window of [base, base+size); size 0 means all of guest RAM: every
 * slot with a private backing, never the test memory (a slot without one,
 * in the MMIO hole) nor anything outside the slots.
 */
void mem_domain_init(struct mem_domain *d, struct guest_mem *m,
		     const char *name, uint64_t base, uint64_t size);

/*
 * Let d also touch slots without private backing (the test memory): for
 * the test device, whose memory it is. Devices that do DMA never get this.
 */
void mem_domain_allow_test_mem(struct mem_domain *d);

/*
 * Copy len bytes between guest RAM and buf. Returns 0, -EFAULT (outside
 * the window or RAM, empty, overflowing) or -EACCES (a page is private).
 * Safe against concurrent conversions: one never runs during a copy.
 */
int mem_read(struct mem_domain *d, gpa_t gpa, void *buf, size_t len)
	__attribute__((warn_unused_result));
int mem_write(struct mem_domain *d, gpa_t gpa, const void *buf, size_t len)
	__attribute__((warn_unused_result));

/*
 * The same checks without touching memory (counted when refused): lets a
 * device refuse a request before starting it. The answer can change with
 * the next conversion, so the access itself still checks.
 */
int mem_check(struct mem_domain *d, gpa_t gpa, uint64_t len)
	__attribute__((warn_unused_result));

/*
 * One naturally aligned 16-bit field, read or written with a single
 * access, with the same checks. For fields the guest changes while the
 * host reads them (ring indexes): memcpy may split a 2-byte copy into
 * byte accesses and return a mix of old and new bytes. -EINVAL if gpa is
 * not 2-aligned.
 */
int mem_load16(struct mem_domain *d, gpa_t gpa, uint16_t *v)
	__attribute__((warn_unused_result));
int mem_store16(struct mem_domain *d, gpa_t gpa, uint16_t v)
	__attribute__((warn_unused_result));

#define mem_read_obj(d, g, objp) mem_read((d), (g), (objp), sizeof(*(objp)))
#define mem_write_obj(d, g, objp) mem_write((d), (g), (objp), sizeof(*(objp)))

/*
 * Hold [gpa, gpa+len) for an access that outlives one call (a device's
 * I/O request): same checks as mem_read; on success h->iov describes the
 * range in the host view and stays valid until mem_release(). While held,
 * a conversion of any part of it to private answers CONV_RETRY. The iovec
 * is for I/O system calls and copies only, never stored past the release.
 */
int mem_hold(struct mem_domain *d, gpa_t gpa, uint64_t len,
	     struct mem_hold *h) __attribute__((warn_unused_result));
void mem_release(struct mem_domain *d, struct mem_hold *h);

#endif
