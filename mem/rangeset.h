/* SPDX-License-Identifier: MIT */
/*
 * A set of page numbers stored as sorted, disjoint, non-adjacent
 * half-open intervals [start, end). Memory is proportional to the number
 * of intervals, not pages: an empty set or one covering 64 GiB costs one
 * allocation at most. Not thread-safe; the owner (guest_mem) locks.
 */
#ifndef CVMM_RANGESET_H
#define CVMM_RANGESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct range {
	uint64_t start, end;
};

struct rangeset {
	struct range *v;
	size_t n, cap;
};

void rangeset_init(struct rangeset *rs);
void rangeset_free(struct rangeset *rs);

/*
 * Make room for `extra` more intervals, so that the next add or remove
 * cannot fail. Returns 0 or -ENOMEM.
 */
int rangeset_reserve(struct rangeset *rs, size_t extra)
	__attribute__((warn_unused_result));

/*
 * Add or remove [start, end) (start < end). Each call needs at most one
 * more interval than the set has; with that reserved they cannot fail,
 * otherwise they return -ENOMEM and leave the set unchanged.
 */
int rangeset_add(struct rangeset *rs, uint64_t start, uint64_t end)
	__attribute__((warn_unused_result));
int rangeset_remove(struct rangeset *rs, uint64_t start, uint64_t end)
	__attribute__((warn_unused_result));

/* Is every page of [start, end) in the set? */
bool rangeset_contains(const struct rangeset *rs, uint64_t start,
		       uint64_t end);
/* Is any page of [start, end) in the set? */
bool rangeset_intersects(const struct rangeset *rs, uint64_t start,
			 uint64_t end);

/*
 * Find the first maximal run inside [*start, end) whose pages are all in
 * the set (in == true) or all outside it (in == false). On success the run
 * is [*start, *run_end) and true is returned; false when there is none.
 */
bool rangeset_next_run(const struct rangeset *rs, bool in, uint64_t *start,
		       uint64_t end, uint64_t *run_end);

/* Number of pages in the set. */
uint64_t rangeset_pages(const struct rangeset *rs);

#endif
