/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM: memslots backed by guest_memfd, the shared/private state of
 * every 4 KiB page, the one conversion path, and the checked accessors
 * through which all host code reaches guest RAM.
 *
 * A slot has a private backing (its guest_memfd) and a shared backing
 * (the same guest_memfd on in-place platforms, a separate file where the
 * kernel cannot share guest_memfd pages). A slot may also have no private
 * backing at all (private_fd -1): its pages can only be shared; only the
 * test memory is such a slot. The shared backing is mapped twice:
 *   kvm_map    registered with KVM as userspace_addr; always whole;
 *              touched by cvmm only before launch (mem_launch_write);
 *   host_view  what devices see; private pages fault here where cvmm
 *              must close them itself (see mem/view.c).
 *
 * mem/ knows nothing of KVM: the platform's part of a conversion (memory
 * attributes) comes in through struct mem_backend.
 */
#ifndef CVMM_GUEST_MEM_H
#define CVMM_GUEST_MEM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/uio.h>

#include "gpa.h"
#include "rangeset.h"

#define MEM_MAX_SLOTS 8

enum mem_state { MEM_PRIVATE, MEM_SHARED };

/* What happens to a page's contents when its state changes. */
enum mem_content {
	MEM_CONTENT_DEFAULT, /* the VM's default (requests only) */
	MEM_CONTENT_ZERO,    /* contents are gone, pages are freed */
	MEM_CONTENT_PRESERVE /* contents survive */
};

/* The result of a conversion, as the guest gets to see it. */
enum conv_result {
	CONV_DONE,	  /* the whole range is in the requested state */
	CONV_INVALID,	  /* bad range: unaligned, empty, not all RAM */
	CONV_RETRY,	  /* part of the range is busy (host I/O): ask again */
	CONV_UNSUPPORTED, /* the content mode is not possible here */
	CONV_FAILED	  /* the host could not do it (resources) */
};

const char *conv_result_name(enum conv_result r);

/* A conversion request as a guest makes it (any trigger). */
struct conv_request {
	uint64_t gpa, len;
	enum mem_state to;
};

/*
 * Decode the arguments of KVM_HC_MAP_GPA_RANGE (the same for the
 * paravirtual device): start gpa, number of 4 KiB pages, attributes (bit 4
 * encrypted = to private, bits 3:0 page-size hint 0..2, the rest zero).
 * False when malformed; alignment and RAM are mem_convert()'s to judge.
 */
bool conv_decode(uint64_t gpa, uint64_t npages, uint64_t attrs,
		 struct conv_request *req);

/*
 * The platform's part of a conversion. in_place: one backing holds both
 * states (PRESERVE possible). set_attributes, when non-NULL, tells KVM the
 * new state of [gpa, gpa+len); it returns 0 or -errno.
 * kernel_guards_private: the kernel itself keeps private pages from the
 * host (they live where the host view does not map: sw-protected's
 * guest_memfd; SNP, TDX, pKVM): the host view then stays open and a
 * conversion changes no protection (mem/view.c). false (the default)
 * means cvmm closes private pages in its host view itself (soft).
 */
struct mem_backend {
	bool in_place;
	bool kernel_guards_private;
	int (*set_attributes)(void *opaque, uint64_t gpa, uint64_t len,
			      bool private);
	void *opaque;
};

/* How a slot's host view keeps private pages out (mem/view.c). */
enum mem_view_mode {
	MEM_VIEW_OPEN,	   /* the kernel does: the view stays open */
	MEM_VIEW_GUARD,	   /* guard regions inside coarse PROT_NONE blocks */
	MEM_VIEW_MPROTECT  /* PROT_NONE per run (no guard regions) */
};

/* Shared runs per VM the MPROTECT fallback allows (2 mappings each). */
#define VIEW_MPROTECT_MAX_RUNS 16000

struct mem_slot {
	uint64_t gpa, size;
	int private_fd, shared_fd; /* private_fd -1: can only be shared */
	bool test_mem;		   /* not RAM: the test device's alone */
	uint8_t *kvm_map, *host_view;
	struct rangeset shared; /* slot-relative page numbers */
	enum mem_view_mode view;
	uint64_t view_block;	/* GUARD: block size, a power of 2 */
	uint8_t *view_open;	/* GUARD: per block, open now */
	uint32_t view_nblocks;
	/* Footprint (mem/footprint.c): allocated pages per 256 MiB chunk. */
	uint32_t *fp_count; /* high bits: changed since measured, queued */
	uint32_t *fp_dirty; /* stack of such chunks */
	uint32_t fp_nchunks, fp_ndirty;
};

/* Footprint accounting state; fields are read by tests. */
struct mem_footprint {
	pthread_mutex_t lock;
	uint64_t pages;		   /* sum of the chunks' counts */
	uint64_t dirty;		   /* chunks marked changed */
	unsigned int cur_slot;	   /* rolling cursor */
	uint32_t cur_chunk;
	bool no_cachestat;	   /* use mincore (kernel lacks it, or a test) */
	uint64_t samples;	   /* mem_sample_footprint() calls */
	uint64_t chunks_measured;  /* by those */
	uint64_t max_call_chunks;  /* most chunks measured by one */
	uint64_t full_scans;	   /* mem_footprint() calls */
};

/* An in-flight host access. Owned by the caller; see mem_hold(). */
struct mem_hold {
	uint64_t gpa, len;
	struct iovec iov;
	struct mem_hold *prev, *next;
};

struct mem_stats {
	uint64_t conv_count[2][2]; /* [to MEM_PRIVATE/MEM_SHARED][ZERO/PRESERVE] */
	uint64_t conv_bytes[2][2];
	uint64_t conv_invalid, conv_retry, conv_unsupported, conv_failed;
	uint64_t guard_refused;	     /* accessor calls refused */
	uint64_t footprint_peak;     /* bytes, highest mem_sample_footprint() */
	uint64_t faults;	     /* memory faults given to mem_resolve_fault */
	uint64_t faults_reasserted;  /* ... resolved by re-asserting shared */
	uint64_t host_faults;	     /* host copies the hypervisor refused */
};

#define MEM_MAX_WATCHES 4

struct guest_mem {
	pthread_rwlock_t lock; /* writers: conversions; readers: accessors */
	pthread_mutex_t hold_lock;
	struct mem_hold holds; /* list head */
	struct mem_slot slot[MEM_MAX_SLOTS];
	unsigned int nslots;
	struct mem_backend backend;
	enum mem_content default_mode;
	bool initial_shared;
	bool launched;
	/*
	 * The hypervisor may take shared pages back without telling cvmm
	 * (pKVM): host copies fault-tolerant (mem/fault_guard.h).
	 */
	bool fault_tolerant;
	bool force_mprotect_view; /* tests: as if without guard regions */
	bool track_footprint; /* sample the footprint at conversions */
	uint64_t footprint_sampled; /* now_ns() of the last sample */
	int footprint_err;	    /* -errno if a private backing is uncounted */
	struct mem_footprint fp;
	struct mem_stats stats;
	/* Test only: pages to read back once the VM is destroyed. */
	struct mem_watch {
		uint64_t gpa;
		uint32_t len;
		uint8_t fill;	  /* the byte the guest left in every place */
		const char *what; /* a static label for the report */
	} watch[MEM_MAX_WATCHES];
	unsigned int nwatch;
};

/*
 * Set up an empty guest memory. default_mode is ZERO or PRESERVE;
 * initial_shared says what state new slots start in.
 */
void mem_init(struct guest_mem *m, const struct mem_backend *backend,
	      enum mem_content default_mode, bool initial_shared);

/* Unmap every slot and free the state. Does not close the fds. */
void mem_destroy(struct guest_mem *m);

/*
 * Add a slot at [gpa, gpa+size) (page-aligned, not overlapping another)
 * and map its shared backing twice. The fds stay owned by the caller.
 * private_fd -1 makes a slot without private backing: it starts shared
 * whatever initial_shared says, and stays so. Returns the slot index or
 * -errno.
 */
int mem_add_slot(struct guest_mem *m, uint64_t gpa, uint64_t size,
		 int private_fd, int shared_fd)
	__attribute__((warn_unused_result));

/* The slot containing [gpa, gpa+len) wholly, or NULL. */
struct mem_slot *mem_find_slot(struct guest_mem *m, uint64_t gpa,
			       uint64_t len);

/*
 * The one conversion path: make [gpa, gpa+len) private or shared. Only
 * pages whose state changes are touched. mode DEFAULT means the VM's.
 * Thread-safe; waits for accessors in progress, and answers RETRY when a
 * mem_hold() overlaps a range going private. A slot without private
 * backing cannot go private: INVALID.
 */
enum conv_result mem_convert(struct guest_mem *m, gpa_t gpa, uint64_t len,
			     enum mem_state to, enum mem_content mode);

/*
 * The memory-fault trigger: the guest accessed [gpa, gpa+len) as `to` and
 * the platform stopped it because its attributes disagree. Normally that
 * is a conversion request (mem_convert with the VM's mode). A private
 * access to a slot without private backing cannot be honoured: the only
 * state such a slot can hold (shared) is asserted to the platform again,
 * *reasserted is set, and the answer is DONE so that the guest re-enters
 * and reaches the shared backing.
 */
enum conv_result mem_resolve_fault(struct guest_mem *m, gpa_t gpa,
				   uint64_t len, enum mem_state to,
				   bool *reasserted);

/*
 * Test only (the test device): tell the platform that [gpa, gpa+len),
 * wholly in a slot without private backing, is private, leaving cvmm's
 * record (shared) and the backing alone, so that the guest's next access
 * ends in a memory fault. Returns 0, -EINVAL (not such a slot, unaligned)
 * or -EOPNOTSUPP (the platform keeps no attributes).
 */
int mem_test_desync(struct guest_mem *m, gpa_t gpa, uint64_t len)
	__attribute__((warn_unused_result));

/* Slot idx is the test memory (--testdev): not RAM, no device reaches it. */
void mem_mark_test_memory(struct guest_mem *m, int idx);

/*
 * Test only (the test device's isolation probe): copy [gpa, gpa+len) out
 * through the mapping KVM uses, bypassing every check of cvmm's own, with
 * a fault turned into -EFAULT. What this reads is what the host kernel
 * lets a VMM see: under pKVM a private page faults; on soft it does not.
 * Returns 0, -EFAULT (faulted) or -EINVAL (not wholly in one RAM slot).
 */
int mem_test_raw_read(struct guest_mem *m, gpa_t gpa, void *buf, size_t len)
	__attribute__((warn_unused_result));

/*
 * Test only (the test device's scrub probe): remember [gpa, gpa+len),
 * wholly in one RAM slot, to be read back by mem_test_report_watches()
 * after the VM is destroyed: the guest filled it with fill; what is a
 * static label for the report. Returns 0, -EINVAL or -ENOSPC
 * (MEM_MAX_WATCHES already).
 */
int mem_test_watch(struct guest_mem *m, gpa_t gpa, uint32_t len, uint8_t fill,
		   const char *what)
	__attribute__((warn_unused_result));

/*
 * Once the VM is destroyed (its fds closed, so the hypervisor has given
 * every page back) but before mem_destroy(): read each watched range
 * through the host's mapping and print one "REPORT scrub:" line per range
 * to f saying whether the guest's bytes are still there.
 */
void mem_test_report_watches(struct guest_mem *m, FILE *f);

/* State of one page (for tests and diagnostics); -EFAULT outside RAM. */
int mem_page_state(struct guest_mem *m, gpa_t gpa, enum mem_state *state)
	__attribute__((warn_unused_result));

/*
 * Before launch only: write the boot image (kernel, boot info) into guest
 * RAM whatever the pages' state, as a platform's launch flow would.
 * Returns 0, -EFAULT (not RAM) or -EPERM (after mem_launch_done()).
 */
int mem_launch_write(struct guest_mem *m, gpa_t gpa, const void *buf,
		     size_t len) __attribute__((warn_unused_result));
void mem_launch_done(struct guest_mem *m);

/*
 * After the platform copied [gpa, gpa+len) from the shared backing into
 * private memory (TDX INIT_MEM_REGION): free the shared copy, now stale,
 * so that no page is held twice. Nothing to do where one file holds both
 * states. Returns 0, -EFAULT (not in one memslot) or -errno.
 */
int mem_launch_discard(struct guest_mem *m, gpa_t gpa, uint64_t len);

/*
 * Bytes of guest memory that are allocated, counting every page once
 * whichever backing holds it. Three ways to ask (mem/footprint.c):
 *
 * mem_sample_footprint(): bounded work whatever the size of RAM: the
 *   count kept per 256 MiB chunk, after re-measuring (cachestat(2)) the
 *   chunks cvmm changed since, then the next chunks of a rolling cursor,
 *   within a budget (250 us, and at most MEM_FP_MAX_CHUNKS chunks). Exact for everything
 *   cvmm did when the chunks it changed fit the budget (else within a
 *   few samples); pages the guest allocated by touching them show within
 *   one turn of the cursor. Raises stats.footprint_peak. Used by the
 *   conversion device's footprint register and before conversions (at
 *   most every 10 ms, when track_footprint is set).
 * mem_footprint(): exact, one measurement of every backing file: cost
 *   proportional to the allocated pages with cachestat, to RAM with the
 *   mincore fallback. For the exit report and tests; counted in
 *   fp.full_scans.
 * mem_footprint_counted(): the kept count as it is, O(1).
 *
 * Without cachestat (before Linux 6.5, or refused) mincore on the shared
 * backing's mapping is used; a private backing kept apart (a guest_memfd
 * that cannot be mapped) is then left out, and mem_footprint_method()
 * says so.
 */
#define MEM_FP_BUDGET_NS 250000 /* time of one sample: this, then 2 chunks */
#define MEM_FP_MAX_CHUNKS 256	/* and at most this many chunks (+1) */
uint64_t mem_sample_footprint(struct guest_mem *m);
uint64_t mem_footprint(struct guest_mem *m);
uint64_t mem_footprint_counted(struct guest_mem *m);

/* How the footprint is measured, for --stats ("cachestat", ...). */
const char *mem_footprint_method(const struct guest_mem *m);

/* For mem/ itself: the accounting's part of slots and changes. */
int mem_fp_add_slot(struct guest_mem *m, struct mem_slot *s)
	__attribute__((warn_unused_result));
void mem_fp_free_slot(struct mem_slot *s);
/* cvmm allocated or freed pages in [off, off+len) of s (m->lock held
 * for writing, or before launch). */
void mem_fp_changed(struct guest_mem *m, struct mem_slot *s, uint64_t off,
		    uint64_t len);

/*
 * For mem/ itself: the host view (mem/view.c). map/unmap a slot's view;
 * close/open [off, off+len) as its pages go private/shared; room: 0 or
 * -ENOSPC when converting pages [a, b) would need one mapping too many.
 */
int mem_view_map(struct guest_mem *m, struct mem_slot *s, bool shared)
	__attribute__((warn_unused_result));
void mem_view_unmap(struct mem_slot *s);
int mem_view_close(struct mem_slot *s, uint64_t off, uint64_t len)
	__attribute__((warn_unused_result));
int mem_view_open(struct mem_slot *s, uint64_t off, uint64_t len)
	__attribute__((warn_unused_result));
int mem_view_room(struct guest_mem *m, struct mem_slot *s, uint64_t a,
		  uint64_t b, enum mem_state to)
	__attribute__((warn_unused_result));
const char *mem_view_mode_name(enum mem_view_mode v);

/* Total bytes of guest RAM in all slots. */
uint64_t mem_ram_size(const struct guest_mem *m);

/* A copy of the counters. */
void mem_get_stats(struct guest_mem *m, struct mem_stats *out);

#endif
