// SPDX-License-Identifier: MIT
/*
 * The host view: the mapping of a slot's shared backing through which
 * devices reach guest memory, and how it keeps private pages out.
 *
 * The checked accessor (mem/access.c) refuses private pages before any
 * access; the host view is defence in depth behind it, so that even a bug
 * that bypassed the check would fault. Three ways, chosen per slot:
 *
 * OPEN     the kernel keeps private pages from the host itself (they live
 *          in a guest_memfd the view does not map: sw-protected, and SNP,
 *          TDX, pKVM later). The view is read-write throughout and a
 *          conversion changes nothing in it.
 * GUARD    in place (soft): one file holds private and shared pages, so
 *          the view must close private pages itself. mprotect per run
 *          would split the mapping once per run and run out of mappings
 *          (vm.max_map_count) after about 32,000 scattered runs. Instead,
 *          guard regions (MADV_GUARD_INSTALL, Linux 6.15 for file
 *          mappings) mark single pages as faulting without splitting
 *          anything. A guard needs a page table entry, so whole private
 *          areas stay PROT_NONE at a coarse grain instead: the view is cut
 *          in at most VIEW_BLOCKS blocks; a block opens (guards on its
 *          private pages, then read-write) when one of its pages goes
 *          shared, and closes again when all of them go private at once.
 *          Closed blocks hold only private pages. Mappings per slot stay
 *          below VIEW_BLOCKS + 1 whatever the number of runs, and a
 *          conversion of whole blocks needs no guards at all.
 * MPROTECT the fallback where guard regions are missing: PROT_NONE per
 *          run, as before, refused cleanly (CONV_FAILED and one log
 *          line) beyond VIEW_MPROTECT_MAX_RUNS shared runs per VM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "guest_mem.h"
#include "../lib/log.h"
#include "../lib/util.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE 103
#endif

#define VIEW_BLOCKS 1024
#define VIEW_MIN_BLOCK (2 * MiB)

const char *mem_view_mode_name(enum mem_view_mode v)
{
	static const char *const names[] = {
		[MEM_VIEW_OPEN] = "open",
		[MEM_VIEW_GUARD] = "guard",
		[MEM_VIEW_MPROTECT] = "mprotect",
	};

	return (unsigned int)v < ARRAY_SIZE(names) ? names[v] : "?";
}

/*
 * Guard regions work on this mapping (Linux 6.15 for file mappings; not
 * on locked ones). Tried on the first page before anyone uses the view.
 */
static bool guards_supported(struct mem_slot *s)
{
	if (madvise(s->host_view, PAGE_SIZE, MADV_GUARD_INSTALL))
		return false;
	return madvise(s->host_view, PAGE_SIZE, MADV_GUARD_REMOVE) == 0;
}

static int setup_blocks(struct mem_slot *s, bool shared)
{
	s->view_block = VIEW_MIN_BLOCK;
	while (s->size / s->view_block >= VIEW_BLOCKS)
		s->view_block *= 2;
	s->view_nblocks = (uint32_t)((s->size + s->view_block - 1) /
				     s->view_block);
	s->view_open = calloc(s->view_nblocks, 1);
	if (!s->view_open)
		return -ENOMEM;
	/* All shared: every block open, nothing to guard. */
	memset(s->view_open, shared, s->view_nblocks);
	return 0;
}

int mem_view_map(struct guest_mem *m, struct mem_slot *s, bool shared)
{
	bool open = shared || m->backend.kernel_guards_private;

	s->host_view = mmap(NULL, s->size,
			    open ? PROT_READ | PROT_WRITE : PROT_NONE,
			    MAP_SHARED, s->shared_fd, 0);
	if (s->host_view == MAP_FAILED)
		return -errno;
	s->view_open = NULL;
	if (m->backend.kernel_guards_private) {
		s->view = MEM_VIEW_OPEN;
		return 0;
	}
	if (m->force_mprotect_view || !guards_supported(s)) {
		s->view = MEM_VIEW_MPROTECT;
		return 0;
	}
	s->view = MEM_VIEW_GUARD;
	if (setup_blocks(s, shared)) {
		munmap(s->host_view, s->size);
		return -ENOMEM;
	}
	return 0;
}

void mem_view_unmap(struct mem_slot *s)
{
	munmap(s->host_view, s->size);
	free(s->view_open);
	s->view_open = NULL;
}

static int advise(struct mem_slot *s, uint64_t off, uint64_t len, int advice)
{
	if (madvise(s->host_view + off, len, advice))
		return -errno;
	return 0;
}

static int protect(struct mem_slot *s, uint64_t off, uint64_t len, bool open)
{
	if (mprotect(s->host_view + off, len,
		     open ? PROT_READ | PROT_WRITE : PROT_NONE))
		return -errno;
	return 0;
}

/* The part of block b inside [off, off+len); true if that is all of it. */
static bool piece(const struct mem_slot *s, uint64_t b, uint64_t off,
		  uint64_t len, uint64_t *poff, uint64_t *plen)
{
	uint64_t boff = b * s->view_block, bend = boff + s->view_block;
	uint64_t end = off + len;

	if (bend > s->size)
		bend = s->size;
	*poff = off > boff ? off : boff;
	*plen = (end < bend ? end : bend) - *poff;
	return *poff == boff && *plen == bend - boff;
}

/*
 * A block wholly going private closes (PROT_NONE, no guards, no page
 * tables needed); a part of one gets guards.
 */
static int close_guarded(struct mem_slot *s, uint64_t off, uint64_t len)
{
	for (uint64_t b = off / s->view_block; b <= (off + len - 1) / s->view_block;
	     b++) {
		uint64_t poff, plen;
		bool whole = piece(s, b, off, len, &poff, &plen);
		int err = whole ? protect(s, poff, plen, false)
				: advise(s, poff, plen, MADV_GUARD_INSTALL);

		if (err)
			return err;
		if (whole)
			s->view_open[b] = 0;
	}
	return 0;
}

/*
 * A closed block holds only private pages. Opening it guards them all
 * first, unless they all go shared now, then makes it accessible; then
 * the part going shared loses its guards (cheap where there are none).
 */
static int open_guarded(struct mem_slot *s, uint64_t off, uint64_t len)
{
	for (uint64_t b = off / s->view_block; b <= (off + len - 1) / s->view_block;
	     b++) {
		uint64_t poff, plen, boff = b * s->view_block;
		uint64_t blen = s->size - boff < s->view_block ? s->size - boff
							       : s->view_block;
		bool whole = piece(s, b, off, len, &poff, &plen);
		int err = 0;

		if (!s->view_open[b]) {
			if (!whole)
				err = advise(s, boff, blen, MADV_GUARD_INSTALL);
			if (!err)
				err = protect(s, boff, blen, true);
			if (err)
				return err; /* closed, or open and all guarded */
			s->view_open[b] = 1;
		}
		err = advise(s, poff, plen, MADV_GUARD_REMOVE);
		if (err)
			return err;
	}
	return 0;
}

int mem_view_close(struct mem_slot *s, uint64_t off, uint64_t len)
{
	switch (s->view) {
	case MEM_VIEW_GUARD:
		return close_guarded(s, off, len);
	case MEM_VIEW_MPROTECT:
		return protect(s, off, len, false);
	case MEM_VIEW_OPEN:
		break;
	}
	return 0;
}

int mem_view_open(struct mem_slot *s, uint64_t off, uint64_t len)
{
	switch (s->view) {
	case MEM_VIEW_GUARD:
		return open_guarded(s, off, len);
	case MEM_VIEW_MPROTECT:
		return protect(s, off, len, true);
	case MEM_VIEW_OPEN:
		break;
	}
	return 0;
}

/* Would converting pages [a, b) of s add a shared run? */
static bool adds_run(const struct mem_slot *s, uint64_t a, uint64_t b,
		     enum mem_state to)
{
	bool before = a > 0 && rangeset_contains(&s->shared, a - 1, a);
	bool after = rangeset_contains(&s->shared, b, b + 1);

	/* Going private splits a run only from its inside. */
	return to == MEM_SHARED ? !before && !after : before && after;
}

int mem_view_room(struct guest_mem *m, struct mem_slot *s, uint64_t a,
		  uint64_t b, enum mem_state to)
{
	size_t runs = 0;

	if (s->view != MEM_VIEW_MPROTECT || !adds_run(s, a, b, to))
		return 0;
	for (unsigned int i = 0; i < m->nslots; i++)
		if (m->slot[i].view == MEM_VIEW_MPROTECT)
			runs += m->slot[i].shared.n;
	if (runs < VIEW_MPROTECT_MAX_RUNS)
		return 0;
	log_warn_rl("more than %d separate shared ranges need guard regions "
		    "(Linux 6.15), which this kernel lacks: conversion refused",
		    VIEW_MPROTECT_MAX_RUNS);
	return -ENOSPC;
}
