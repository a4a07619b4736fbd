// SPDX-License-Identifier: MIT
/*
 * mem/ at scale, on sparse memfds (no KVM): the footprint count against
 * mincore after random conversions, the footprint register in a tight
 * loop on a 1 TiB guest (counting work, never timing it), and 131,072
 * scattered shared runs in a 1 GiB slot with a bounded number of
 * mappings.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../devices/convert_dev.h"
#include "../../devices/pv_abi.h"
#include "../../mem/access.h"
#include "../../mem/guest_mem.h"
#include "../../lib/util.h"
#include "suites.h"

static struct guest_mem m;
static int fd_a, fd_b;

static int fake_attrs(void *opaque, uint64_t g, uint64_t len, bool private)
{
	(void)opaque, (void)g, (void)len, (void)private;
	return 0;
}

static int new_memfd(uint64_t size)
{
	int fd = memfd_create("scale", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
	return fd;
}

/* soft: in place, private at start. sw-protected: two files, shared. */
static void setup(bool dual, uint64_t size)
{
	struct mem_backend soft = { .in_place = true };
	struct mem_backend swp = { .in_place = false,
				   .kernel_guards_private = true,
				   .set_attributes = fake_attrs };

	fd_a = new_memfd(size);
	fd_b = dual ? new_memfd(size) : fd_a;
	mem_init(&m, dual ? &swp : &soft, MEM_CONTENT_ZERO, dual);
}

static void add_slot(uint64_t size)
{
	ck_assert_int_eq(mem_add_slot(&m, 0, size, fd_a, fd_b), 0);
}

static void teardown(void)
{
	mem_destroy(&m);
	close(fd_a);
	if (fd_b != fd_a)
		close(fd_b);
}

/* Allocated pages of fd by mincore on a mapping of the test's own. */
static uint64_t mincore_pages(int fd, uint64_t size)
{
	uint8_t *map = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
	unsigned char *vec = malloc(size / PAGE_SIZE);
	uint64_t n = 0;

	ck_assert(map != MAP_FAILED && vec);
	ck_assert_int_eq(mincore(map, size, vec), 0);
	for (uint64_t i = 0; i < size / PAGE_SIZE; i++)
		n += vec[i] & 1;
	munmap(map, size);
	free(vec);
	return n;
}

static uint64_t allocated(uint64_t size)
{
	return mincore_pages(fd_a, size) +
	       (fd_b != fd_a ? mincore_pages(fd_b, size) : 0);
}

/* One random step: a launch write, a guest touch or a conversion. */
static void random_step(unsigned int *seed, uint64_t size)
{
	uint64_t pages = size / PAGE_SIZE, n = 1 + rand_r(seed) % 64;
	uint64_t p = rand_r(seed) % (pages - n);
	int what = rand_r(seed) % 4;
	static const uint8_t one = 1;

	if (what == 0 && !m.launched) {
		ck_assert_int_eq(mem_launch_write(&m, gpa(p * PAGE_SIZE), &one, 1), 0);
	} else if (what == 1) {
		/* The guest touching a page: KVM faults it in, cvmm sees nothing. */
		m.slot[0].kvm_map[p * PAGE_SIZE] = 1;
	} else {
		enum mem_content mode = m.backend.in_place && rand_r(seed) % 2
						? MEM_CONTENT_PRESERVE
						: MEM_CONTENT_ZERO;
		enum mem_state to = what == 2 ? MEM_SHARED : MEM_PRIVATE;

		ck_assert_int_eq(mem_convert(&m, gpa(p * PAGE_SIZE), n * PAGE_SIZE,
					     to, mode), CONV_DONE);
	}
}

static void random_against_mincore(bool dual)
{
	uint64_t size = 512 * MiB; /* two accounting chunks */
	unsigned int seed = 7;

	setup(dual, size);
	add_slot(size);
	for (int i = 0; i < 400; i++) {
		random_step(&seed, size);
		if (i == 200)
			mem_launch_done(&m);
		/*
		 * Each sample measures a changed chunk and moves the cursor
		 * by one chunk at least (more as time allows): four cover
		 * both chunks whatever the clock says.
		 */
		for (int k = 0; k < 3; k++)
			mem_sample_footprint(&m);
		ck_assert_uint_eq(mem_sample_footprint(&m) / PAGE_SIZE,
				  allocated(size));
	}
	ck_assert_uint_gt(allocated(size), 0);
	ck_assert_uint_eq(mem_footprint(&m), mem_footprint_counted(&m));
	/* Samples never measured all of RAM at once. */
	ck_assert_uint_eq(m.fp.full_scans, 1);
	teardown();
}

START_TEST(count_equals_mincore_soft)
{
	random_against_mincore(false);
}
END_TEST

START_TEST(count_equals_mincore_dual)
{
	random_against_mincore(true);
}
END_TEST

static uint32_t read_footprint_register(struct convert_dev *c)
{
	struct io_req req = { PV_CONV_FOOTPRINT - PV_CONV_BASE, 4, 0 };
	uint8_t data[4];

	convert_dev_ops.read(c, &req, data);
	return (uint32_t)io_get(data, 4);
}

/*
 * A 1 TiB guest reading the footprint register in a tight loop: every
 * read stays within the budget, none measures all of RAM, and a page the
 * guest touches far away still shows within a bounded number of reads.
 */
static void tight_loop_1tib(bool mincore_only)
{
	uint64_t size = 1ULL << 40, far = size - 3 * GiB, reads;
	struct convert_dev c = { .mem = &m };
	static const uint8_t one = 1;

	setup(false, size);
	m.fp.no_cachestat = mincore_only;
	add_slot(size);
	ck_assert_int_eq(mem_launch_write(&m, gpa(0), &one, 1), 0);
	ck_assert_int_eq(mem_launch_write(&m, gpa(size - PAGE_SIZE), &one, 1), 0);
	mem_launch_done(&m);
	if (mincore_only) {
		/* Both written chunks are measured before any other. */
		for (reads = 1; read_footprint_register(&c) != 2; reads++)
			ck_assert_uint_lt(reads, 2);
		for (int i = 0; i < 100; i++)
			ck_assert_uint_eq(read_footprint_register(&c), 2);
	} else {
		/* What cvmm wrote is measured first: exact at the first read. */
		ck_assert_uint_eq(read_footprint_register(&c), 2);
		m.slot[0].kvm_map[far] = 1; /* unseen by cvmm */
		for (reads = 1; read_footprint_register(&c) != 3; reads++)
			ck_assert_uint_lt(reads, m.slot[0].fp_nchunks + 1);
		for (int i = 0; i < 1000; i++)
			ck_assert_uint_eq(read_footprint_register(&c), 3);
		fprintf(stderr, "1 TiB: %llu reads, %llu chunks measured, a "
			"guest touch seen after %llu reads\n",
			(unsigned long long)m.fp.samples,
			(unsigned long long)m.fp.chunks_measured,
			(unsigned long long)reads);
	}
	ck_assert_uint_eq(m.fp.full_scans, 0);
	/* The cap on chunks per read held; the clock may have cut earlier. */
	ck_assert_uint_le(m.fp.max_call_chunks, MEM_FP_MAX_CHUNKS + 1);
	ck_assert_uint_le(m.fp.chunks_measured,
			  m.fp.samples * (MEM_FP_MAX_CHUNKS + 1));
	ck_assert_uint_lt(m.fp.chunks_measured,
			  m.fp.samples * m.slot[0].fp_nchunks / 8);
	teardown();
}

START_TEST(register_tight_loop_1tib)
{
	tight_loop_1tib(false);
}
END_TEST

START_TEST(register_tight_loop_1tib_mincore)
{
	tight_loop_1tib(true);
}
END_TEST

/* Mappings of /proc/self/maps that overlap [lo, lo+len). */
static int count_mappings(const uint8_t *lo, uint64_t len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long a, b;
	char line[512];
	int n = 0;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 &&
		    a < (unsigned long)(lo + len) && b > (unsigned long)lo)
			n++;
	fclose(f);
	return n;
}

/* Mappings of slot 0's two views (the allocator's are not counted). */
static int view_mappings(void)
{
	return count_mappings(m.slot[0].kvm_map, m.slot[0].size) +
	       count_mappings(m.slot[0].host_view, m.slot[0].size);
}

/*
 * Every other page of a 1 GiB slot shared: 131,072 runs. soft starts
 * private and shares every other page; sw-protected starts shared and
 * makes every other page private.
 */
static void scattered(bool dual)
{
	uint64_t size = GiB, v = 0;
	enum mem_state to = dual ? MEM_PRIVATE : MEM_SHARED;
	struct mem_domain d;

	setup(dual, size);
	add_slot(size);
	for (uint64_t off = 0; off < size; off += 2 * PAGE_SIZE)
		ck_assert_int_eq(mem_convert(&m, gpa(off), PAGE_SIZE, to,
					     MEM_CONTENT_ZERO), CONV_DONE);
	ck_assert_uint_eq(m.slot[0].shared.n, size / PAGE_SIZE / 2);
	/* kvm_map, and the host view in one piece (all blocks open). */
	ck_assert_int_eq(view_mappings(), 2);
	mem_domain_init(&d, &m, "test", 0, 0);
	ck_assert_int_eq(mem_read_obj(&d, gpa(dual ? PAGE_SIZE : 0), &v), 0);
	ck_assert_int_eq(mem_read_obj(&d, gpa(dual ? 0 : PAGE_SIZE), &v),
			 -EACCES);
	ck_assert_int_eq(m.slot[0].view,
			 dual ? MEM_VIEW_OPEN : MEM_VIEW_GUARD);
	teardown();
}

START_TEST(scattered_runs_soft)
{
	scattered(false);
}
END_TEST

START_TEST(scattered_runs_sw_protected)
{
	scattered(true);
}
END_TEST

/* A private page inside an opened block still faults in the host view. */
START_TEST(guard_closes_private_in_open_block)
{
	volatile uint8_t *p;

	setup(false, 8 * MiB);
	add_slot(8 * MiB);
	ck_assert_int_eq(mem_convert(&m, gpa(0), 2 * PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_ZERO), CONV_DONE);
	ck_assert_int_eq(mem_convert(&m, gpa(PAGE_SIZE), PAGE_SIZE, MEM_PRIVATE,
				     MEM_CONTENT_ZERO), CONV_DONE);
	p = m.slot[0].host_view;
	p[0] = 1; /* shared: fine */
	(void)p[PAGE_SIZE]; /* private again: SIGSEGV */
}
END_TEST

/*
 * Whole blocks open and close without guards; a page shared alone in a
 * closed block opens it with guards on the others.
 */
START_TEST(whole_blocks_close_again)
{
	uint64_t blk;
	volatile uint8_t *p;

	setup(false, 64 * MiB);
	add_slot(64 * MiB);
	blk = m.slot[0].view_block;
	ck_assert_int_eq(mem_convert(&m, gpa(0), blk, MEM_SHARED,
				     MEM_CONTENT_ZERO), CONV_DONE);
	ck_assert_uint_eq(m.slot[0].view_open[0], 1);
	p = m.slot[0].host_view;
	p[5 * PAGE_SIZE] = 1;
	ck_assert_int_eq(mem_convert(&m, gpa(0), blk, MEM_PRIVATE,
				     MEM_CONTENT_ZERO), CONV_DONE);
	ck_assert_uint_eq(m.slot[0].view_open[0], 0);
	ck_assert_int_eq(mem_convert(&m, gpa(3 * PAGE_SIZE), PAGE_SIZE,
				     MEM_SHARED, MEM_CONTENT_ZERO), CONV_DONE);
	ck_assert_uint_eq(m.slot[0].view_open[0], 1);
	p[3 * PAGE_SIZE] = 1;
	(void)p[4 * PAGE_SIZE]; /* private, guarded: SIGSEGV */
}
END_TEST

/* Every other block shared: mappings bounded by blocks, not runs. */
START_TEST(alternate_blocks_bounded)
{
	uint64_t blk;

	setup(false, GiB);
	add_slot(GiB);
	blk = m.slot[0].view_block;
	for (uint64_t off = 0; off < GiB; off += 2 * blk)
		ck_assert_int_eq(mem_convert(&m, gpa(off + blk / 2), PAGE_SIZE,
					     MEM_SHARED, MEM_CONTENT_ZERO),
				 CONV_DONE);
	ck_assert_int_le(view_mappings(), (int)m.slot[0].view_nblocks + 2);
	ck_assert_int_gt(view_mappings(), 2); /* blocks, not one piece */
	teardown();
}
END_TEST

/* Without guard regions: refused cleanly at the documented limit. */
START_TEST(mprotect_fallback_refuses_at_limit)
{
	uint64_t off;
	enum mem_state state;

	setup(false, GiB);
	m.force_mprotect_view = true;
	add_slot(GiB);
	ck_assert_int_eq(m.slot[0].view, MEM_VIEW_MPROTECT);
	for (off = 0; m.slot[0].shared.n < VIEW_MPROTECT_MAX_RUNS;
	     off += 2 * PAGE_SIZE)
		ck_assert_int_eq(mem_convert(&m, gpa(off), PAGE_SIZE, MEM_SHARED,
					     MEM_CONTENT_ZERO), CONV_DONE);
	ck_assert_int_eq(mem_convert(&m, gpa(off), PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_ZERO), CONV_FAILED);
	ck_assert_int_eq(mem_page_state(&m, gpa(off), &state), 0);
	ck_assert_int_eq(state, MEM_PRIVATE);
	/* Joining two runs adds none: still possible, and so is going back. */
	ck_assert_int_eq(mem_convert(&m, gpa(PAGE_SIZE), PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_ZERO), CONV_DONE);
	ck_assert_int_eq(mem_convert(&m, gpa(0), PAGE_SIZE, MEM_PRIVATE,
				     MEM_CONTENT_ZERO), CONV_DONE);
	teardown();
}
END_TEST

Suite *mem_scale_suite(void)
{
	Suite *s = suite_create("mem_scale");
	TCase *fp = tcase_create("footprint");
	TCase *sc = tcase_create("scattered");

	tcase_set_timeout(fp, 60);
	tcase_add_test(fp, count_equals_mincore_soft);
	tcase_add_test(fp, count_equals_mincore_dual);
	tcase_add_test(fp, register_tight_loop_1tib);
	tcase_add_test(fp, register_tight_loop_1tib_mincore);
	suite_add_tcase(s, fp);
	tcase_set_timeout(sc, 120);
	tcase_add_test(sc, scattered_runs_soft);
	tcase_add_test(sc, scattered_runs_sw_protected);
	tcase_add_test_raise_signal(sc, guard_closes_private_in_open_block,
				    SIGSEGV);
	tcase_add_test_raise_signal(sc, whole_blocks_close_again, SIGSEGV);
	tcase_add_test(sc, alternate_blocks_bounded);
	tcase_add_test(sc, mprotect_fallback_refuses_at_limit);
	suite_add_tcase(s, sc);
	return s;
}
