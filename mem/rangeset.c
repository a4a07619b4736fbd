// SPDX-License-Identifier: MIT
#include "rangeset.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rangeset_init(struct rangeset *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void rangeset_free(struct rangeset *rs)
{
	free(rs->v);
	rangeset_init(rs);
}

int rangeset_reserve(struct rangeset *rs, size_t extra)
{
	size_t want = rs->n + extra, cap = rs->cap ? rs->cap : 4;
	struct range *v;

	if (want <= rs->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	v = realloc(rs->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	rs->v = v;
	rs->cap = cap;
	return 0;
}

/* Index of the first interval whose end is >= page (n if none). */
static size_t first_ending_at_or_after(const struct rangeset *rs,
				       uint64_t page)
{
	size_t lo = 0, hi = rs->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (rs->v[mid].end < page)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Replace intervals [i, j) by `count` intervals from `with`. */
static void splice(struct rangeset *rs, size_t i, size_t j,
		   const struct range *with, size_t count)
{
	memmove(&rs->v[i + count], &rs->v[j], (rs->n - j) * sizeof(*rs->v));
	memcpy(&rs->v[i], with, count * sizeof(*with));
	rs->n = rs->n - (j - i) + count;
}

int rangeset_add(struct rangeset *rs, uint64_t start, uint64_t end)
{
	/* Intervals touching [start, end) (adjacent ones too) merge into it. */
	size_t i = first_ending_at_or_after(rs, start), j = i;
	struct range merged = { start, end };

	while (j < rs->n && rs->v[j].start <= end) {
		if (rs->v[j].start < merged.start)
			merged.start = rs->v[j].start;
		if (rs->v[j].end > merged.end)
			merged.end = rs->v[j].end;
		j++;
	}
	if (i == j && rangeset_reserve(rs, 1))
		return -ENOMEM;
	splice(rs, i, j, &merged, 1);
	return 0;
}

int rangeset_remove(struct rangeset *rs, uint64_t start, uint64_t end)
{
	/* Only intervals overlapping [start, end) change; adjacency is kept. */
	size_t i = first_ending_at_or_after(rs, start + 1), j = i;
	struct range keep[2];
	size_t nkeep = 0;

	while (j < rs->n && rs->v[j].start < end)
		j++;
	if (i == j)
		return 0;
	if (rs->v[i].start < start)
		keep[nkeep++] = (struct range){ rs->v[i].start, start };
	if (rs->v[j - 1].end > end)
		keep[nkeep++] = (struct range){ end, rs->v[j - 1].end };
	if (nkeep > j - i && rangeset_reserve(rs, nkeep - (j - i)))
		return -ENOMEM;
	splice(rs, i, j, keep, nkeep);
	return 0;
}

bool rangeset_contains(const struct rangeset *rs, uint64_t start,
		       uint64_t end)
{
	size_t i = first_ending_at_or_after(rs, start + 1);

	return i < rs->n && rs->v[i].start <= start && rs->v[i].end >= end;
}

bool rangeset_intersects(const struct rangeset *rs, uint64_t start,
			 uint64_t end)
{
	size_t i = first_ending_at_or_after(rs, start + 1);

	return i < rs->n && rs->v[i].start < end;
}

bool rangeset_next_run(const struct rangeset *rs, bool in, uint64_t *start,
		       uint64_t end, uint64_t *run_end)
{
	uint64_t s = *start;
	size_t i;

	while (s < end) {
		i = first_ending_at_or_after(rs, s + 1);
		bool inside = i < rs->n && rs->v[i].start <= s;
		/* Where the current run (in or out) stops. */
		uint64_t stop = inside ? rs->v[i].end
				       : (i < rs->n ? rs->v[i].start : end);

		if (stop > end)
			stop = end;
		if (inside == in) {
			*start = s;
			*run_end = stop;
			return true;
		}
		s = stop;
	}
	return false;
}

uint64_t rangeset_pages(const struct rangeset *rs)
{
	uint64_t total = 0;

	for (size_t i = 0; i < rs->n; i++)
		total += rs->v[i].end - rs->v[i].start;
	return total;
}
