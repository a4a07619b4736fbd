// SPDX-License-Identifier: MIT
/*
 * mem/: conversions, the checked accessor and holds, on memfd-backed
 * memory (a memfd behaves like a guest_memfd here: mmap, punch, mincore).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../mem/access.h"
#include "../../mem/guest_mem.h"
#include "../../lib/util.h"
#include "suites.h"

#define PAGES 64
#define SLOT_SIZE (PAGES * PAGE_SIZE)

static struct guest_mem m;
static struct mem_domain dom;
static int fd_a, fd_b;

/* A fake KVM: records attribute changes, can be told to fail. */
static struct {
	int calls, fail;
	uint64_t gpa, len;
	bool private;
} attrs;

static int fake_set_attributes(void *opaque, uint64_t g, uint64_t len,
			       bool private)
{
	(void)opaque;
	attrs.calls++;
	attrs.gpa = g;
	attrs.len = len;
	attrs.private = private;
	return attrs.fail;
}

static int new_memfd(void)
{
	int fd = memfd_create("test", MFD_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, SLOT_SIZE), 0);
	return fd;
}

/* In place (one backing), all private at start, ZERO by default. */
static void setup_in_place(void)
{
	struct mem_backend b = { .in_place = true };

	fd_a = new_memfd();
	fd_b = -1;
	mem_init(&m, &b, MEM_CONTENT_ZERO, false);
	ck_assert_int_eq(mem_add_slot(&m, 0, SLOT_SIZE, fd_a, fd_a), 0);
	mem_domain_init(&dom, &m, "test", 0, 0);
	memset(&attrs, 0, sizeof(attrs));
}

/* Two backings with KVM attributes (sw-protected), all shared at start. */
static void setup_dual(void)
{
	struct mem_backend b = { .in_place = false,
				 .set_attributes = fake_set_attributes };

	fd_a = new_memfd(); /* stands in for the guest_memfd */
	fd_b = new_memfd(); /* the shared backing */
	mem_init(&m, &b, MEM_CONTENT_ZERO, true);
	ck_assert_int_eq(mem_add_slot(&m, 0x100000, SLOT_SIZE, fd_a, fd_b), 0);
	mem_domain_init(&dom, &m, "test", 0, 0);
	memset(&attrs, 0, sizeof(attrs));
}

static void teardown(void)
{
	mem_destroy(&m);
	close(fd_a);
	if (fd_b >= 0)
		close(fd_b);
}

static void fill(uint64_t g, uint64_t len, uint8_t v)
{
	uint8_t buf[PAGE_SIZE];

	memset(buf, v, sizeof(buf));
	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		ck_assert_int_eq(mem_launch_write(&m, gpa(g + off), buf, PAGE_SIZE), 0);
}

static bool all_bytes(uint64_t g, uint64_t len, uint8_t v)
{
	uint8_t buf[PAGE_SIZE];

	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		if (mem_read(&dom, gpa(g + off), buf, PAGE_SIZE))
			return false;
		for (size_t i = 0; i < PAGE_SIZE; i++)
			if (buf[i] != v)
				return false;
	}
	return true;
}

START_TEST(accessor_refuses_private)
{
	uint64_t v = 0;
	struct mem_stats st;

	ck_assert_int_eq(mem_read_obj(&dom, gpa(0x1000), &v), -EACCES);
	ck_assert_uint_eq(dom.refused, 1);
	ck_assert_int_eq(mem_convert(&m, gpa(0), 2 * PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_DEFAULT), CONV_DONE);
	ck_assert_int_eq(mem_read_obj(&dom, gpa(0x1000), &v), 0);
	/* Shared page then private page: refused as a whole. */
	ck_assert_int_eq(mem_read(&dom, gpa(0x1ff8), &v, 16), -EACCES);
	ck_assert_int_eq(mem_write(&dom, gpa(0x1ff8), &v, 16), -EACCES);
	/* Outside RAM, empty, overflowing: refused too. */
	ck_assert_int_eq(mem_read_obj(&dom, gpa(SLOT_SIZE), &v), -EFAULT);
	ck_assert_int_eq(mem_read(&dom, gpa(0), &v, 0), -EFAULT);
	ck_assert_int_eq(mem_read(&dom, gpa(UINT64_MAX - 3), &v, 8), -EFAULT);
	ck_assert_uint_eq(dom.refused, 6);
	mem_get_stats(&m, &st);
	ck_assert_uint_eq(st.guard_refused, 6);
}
END_TEST

/* 16-bit fields: one access, the same checks, alignment required. */
START_TEST(sixteen_bit_fields)
{
	uint16_t v = 0;

	ck_assert_int_eq(mem_load16(&dom, gpa(0x1000), &v), -EACCES);
	ck_assert_int_eq(mem_convert(&m, gpa(0x1000), PAGE_SIZE, MEM_SHARED, 0),
			 CONV_DONE);
	ck_assert_int_eq(mem_store16(&dom, gpa(0x1ffe), 0xbeef), 0);
	ck_assert_int_eq(mem_load16(&dom, gpa(0x1ffe), &v), 0);
	ck_assert_uint_eq(v, 0xbeef);
	ck_assert_int_eq(mem_load16(&dom, gpa(0x1001), &v), -EINVAL);
	ck_assert_int_eq(mem_store16(&dom, gpa(0x2000), 1), -EACCES);
}
END_TEST

START_TEST(window_limits_domain)
{
	struct mem_domain pool;
	uint32_t v;

	ck_assert_int_eq(mem_convert(&m, gpa(0), SLOT_SIZE, MEM_SHARED,
				     MEM_CONTENT_DEFAULT), CONV_DONE);
	mem_domain_init(&pool, &m, "pool", 0x4000, 0x2000);
	ck_assert_int_eq(mem_read_obj(&pool, gpa(0x4000), &v), 0);
	ck_assert_int_eq(mem_read_obj(&pool, gpa(0x5ffc), &v), 0);
	ck_assert_int_eq(mem_read_obj(&pool, gpa(0x5ffe), &v), -EFAULT);
	ck_assert_int_eq(mem_read_obj(&pool, gpa(0x3ffc), &v), -EFAULT);
	ck_assert_uint_eq(pool.refused, 2);
}
END_TEST

/* The host view really is closed: touching it directly faults. */
START_TEST(host_view_closed)
{
	volatile uint8_t *p = m.slot[0].host_view;

	(void)p[0];
}
END_TEST

START_TEST(preserve_keeps_zero_wipes)
{
	fill(0, 4 * PAGE_SIZE, 0xab);
	mem_launch_done(&m);
	ck_assert_int_eq(mem_launch_write(&m, gpa(0), "x", 1), -EPERM);
	ck_assert_int_eq(mem_convert(&m, gpa(0), 4 * PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_PRESERVE), CONV_DONE);
	ck_assert(all_bytes(0, 4 * PAGE_SIZE, 0xab));
	ck_assert_uint_eq(mem_footprint(&m), 4 * PAGE_SIZE);
	ck_assert_int_eq(mem_convert(&m, gpa(0), 2 * PAGE_SIZE, MEM_PRIVATE,
				     MEM_CONTENT_ZERO), CONV_DONE);
	/* ZERO freed the pages: the footprint dropped by two pages. */
	ck_assert_uint_eq(mem_footprint(&m), 2 * PAGE_SIZE);
	ck_assert_int_eq(mem_convert(&m, gpa(0), 2 * PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_PRESERVE), CONV_DONE);
	ck_assert(all_bytes(0, 2 * PAGE_SIZE, 0));
	ck_assert(all_bytes(2 * PAGE_SIZE, 2 * PAGE_SIZE, 0xab));
}
END_TEST

START_TEST(only_changing_pages_are_touched)
{
	fill(0, 4 * PAGE_SIZE, 0x5a);
	ck_assert_int_eq(mem_convert(&m, gpa(PAGE_SIZE), PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_PRESERVE), CONV_DONE);
	/* Page 1 is shared already: a ZERO conversion leaves it alone. */
	ck_assert_int_eq(mem_convert(&m, gpa(0), 4 * PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_ZERO), CONV_DONE);
	ck_assert(all_bytes(0, PAGE_SIZE, 0));
	ck_assert(all_bytes(PAGE_SIZE, PAGE_SIZE, 0x5a));
	ck_assert(all_bytes(2 * PAGE_SIZE, 2 * PAGE_SIZE, 0));
}
END_TEST

START_TEST(invalid_requests)
{
	struct mem_stats st;

	ck_assert_int_eq(mem_convert(&m, gpa(0x800), PAGE_SIZE, MEM_SHARED, 0),
			 CONV_INVALID);
	ck_assert_int_eq(mem_convert(&m, gpa(0), 0, MEM_SHARED, 0), CONV_INVALID);
	ck_assert_int_eq(mem_convert(&m, gpa(0), 0x800, MEM_SHARED, 0),
			 CONV_INVALID);
	ck_assert_int_eq(mem_convert(&m, gpa(SLOT_SIZE - PAGE_SIZE),
				     2 * PAGE_SIZE, MEM_SHARED, 0), CONV_INVALID);
	ck_assert_int_eq(mem_convert(&m, gpa(UINT64_MAX & ~0xfffULL),
				     2 * PAGE_SIZE, MEM_SHARED, 0), CONV_INVALID);
	mem_get_stats(&m, &st);
	ck_assert_uint_eq(st.conv_invalid, 5);
	ck_assert_uint_eq(st.conv_count[MEM_SHARED][0], 0);
}
END_TEST

/* An in-flight host access holds its range against going private. */
START_TEST(hold_blocks_private)
{
	struct mem_hold h;
	struct mem_stats st;
	enum mem_state state;

	ck_assert_int_eq(mem_convert(&m, gpa(0), 8 * PAGE_SIZE, MEM_SHARED, 0),
			 CONV_DONE);
	ck_assert_int_eq(mem_hold(&dom, gpa(2 * PAGE_SIZE), 100, &h), 0);
	ck_assert_ptr_eq(h.iov.iov_base, m.slot[0].host_view + 2 * PAGE_SIZE);
	ck_assert_int_eq(mem_convert(&m, gpa(0), 8 * PAGE_SIZE, MEM_PRIVATE, 0),
			 CONV_RETRY);
	ck_assert_int_eq(mem_page_state(&m, gpa(0), &state), 0);
	ck_assert_int_eq(state, MEM_SHARED); /* nothing changed */
	/* Pages next to the held range may still go. */
	ck_assert_int_eq(mem_convert(&m, gpa(3 * PAGE_SIZE), PAGE_SIZE,
				     MEM_PRIVATE, 0), CONV_DONE);
	mem_release(&dom, &h);
	ck_assert_int_eq(mem_convert(&m, gpa(0), 8 * PAGE_SIZE, MEM_PRIVATE, 0),
			 CONV_DONE);
	mem_get_stats(&m, &st);
	ck_assert_uint_eq(st.conv_retry, 1);
	/* A hold is refused on private memory, like any access. */
	ck_assert_int_eq(mem_hold(&dom, gpa(0), PAGE_SIZE, &h), -EACCES);
}
END_TEST

START_TEST(stats_count_bytes)
{
	struct mem_stats st;

	ck_assert_int_eq(mem_convert(&m, gpa(0), 4 * PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_PRESERVE), CONV_DONE);
	ck_assert_int_eq(mem_convert(&m, gpa(0), 8 * PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_ZERO), CONV_DONE);
	ck_assert_int_eq(mem_convert(&m, gpa(0), 8 * PAGE_SIZE, MEM_PRIVATE,
				     MEM_CONTENT_ZERO), CONV_DONE);
	mem_get_stats(&m, &st);
	ck_assert_uint_eq(st.conv_count[MEM_SHARED][1], 1);
	ck_assert_uint_eq(st.conv_bytes[MEM_SHARED][1], 4 * PAGE_SIZE);
	ck_assert_uint_eq(st.conv_count[MEM_SHARED][0], 1);
	ck_assert_uint_eq(st.conv_bytes[MEM_SHARED][0], 4 * PAGE_SIZE);
	ck_assert_uint_eq(st.conv_bytes[MEM_PRIVATE][0], 8 * PAGE_SIZE);
}
END_TEST

START_TEST(dual_backing_frees_the_side_left)
{
	uint64_t base = 0x100000;

	fill(base, 8 * PAGE_SIZE, 0x77);
	ck_assert_uint_eq(mem_footprint(&m), 8 * PAGE_SIZE);
	ck_assert_int_eq(mem_convert(&m, gpa(base), 8 * PAGE_SIZE, MEM_PRIVATE,
				     MEM_CONTENT_DEFAULT), CONV_DONE);
	ck_assert_int_eq(attrs.calls, 1);
	ck_assert(attrs.private);
	ck_assert_uint_eq(attrs.gpa, base);
	ck_assert_uint_eq(attrs.len, 8 * PAGE_SIZE);
	/* The shared copy is gone: memory is never held twice. */
	ck_assert_uint_eq(mem_footprint(&m), 0);
	ck_assert_int_eq(mem_convert(&m, gpa(base), PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_PRESERVE), CONV_UNSUPPORTED);
	ck_assert_int_eq(mem_convert(&m, gpa(base), PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_ZERO), CONV_DONE);
	ck_assert(!attrs.private);
	ck_assert(all_bytes(base, PAGE_SIZE, 0));
}
END_TEST

START_TEST(backend_failure_rolls_back)
{
	uint64_t base = 0x100000;
	enum mem_state state;
	uint32_t v;

	attrs.fail = -EIO;
	ck_assert_int_eq(mem_convert(&m, gpa(base), PAGE_SIZE, MEM_PRIVATE, 0),
			 CONV_FAILED);
	ck_assert_int_eq(mem_page_state(&m, gpa(base), &state), 0);
	ck_assert_int_eq(state, MEM_SHARED);
	/* The host view was reopened: access still works. */
	ck_assert_int_eq(mem_read_obj(&dom, gpa(base), &v), 0);
}
END_TEST

/* The private side is a separate file: its pages count too (cachestat). */
START_TEST(dual_footprint_counts_private_pages)
{
	uint64_t base = 0x100000;
	char page[PAGE_SIZE];

	memset(page, 0x5a, sizeof(page));
	ck_assert_int_eq(mem_convert(&m, gpa(base), 4 * PAGE_SIZE, MEM_PRIVATE,
				     MEM_CONTENT_DEFAULT), CONV_DONE);
	/* The guest touching private pages allocates them in the guest_memfd. */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pwrite(fd_a, page, sizeof(page),
					(off_t)(i * PAGE_SIZE)), PAGE_SIZE);
	mem_footprint(&m);
	if (strcmp(mem_footprint_method(&m), "cachestat")) {
		/* A host kernel without cachestat (before 6.5): nothing to test. */
		ck_assert_str_eq(mem_footprint_method(&m),
				 "mincore,private-unmeasured");
		return;
	}
	ck_assert_uint_eq(mem_footprint(&m), 4 * PAGE_SIZE);
	fill(base + 4 * PAGE_SIZE, PAGE_SIZE, 1); /* a shared page */
	ck_assert_uint_eq(mem_footprint(&m), 5 * PAGE_SIZE);
	/* Going shared frees the private copy; nothing is held twice. */
	ck_assert_int_eq(mem_convert(&m, gpa(base), 4 * PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_DEFAULT), CONV_DONE);
	ck_assert_uint_eq(mem_footprint(&m), PAGE_SIZE);
}
END_TEST

/* A slot without private backing: the test memory. */
START_TEST(shared_only_slot)
{
	uint64_t base = 0x800000;
	enum mem_state state;
	struct mem_stats st;
	bool again;
	int fd = new_memfd();

	ck_assert_int_eq(mem_add_slot(&m, base, SLOT_SIZE, -1, fd), 1);
	mem_mark_test_memory(&m, 1);
	ck_assert_int_eq(mem_page_state(&m, gpa(base), &state), 0);
	ck_assert_int_eq(state, MEM_SHARED);
	ck_assert_int_eq(mem_convert(&m, gpa(base), PAGE_SIZE, MEM_PRIVATE,
				     MEM_CONTENT_DEFAULT), CONV_INVALID);
	ck_assert_int_eq(mem_convert(&m, gpa(base), PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_DEFAULT), CONV_DONE);
	/* The test device makes KVM disagree; RAM cannot be desynced. */
	ck_assert_int_eq(mem_test_desync(&m, gpa(base + PAGE_SIZE), PAGE_SIZE),
			 0);
	ck_assert(attrs.private);
	ck_assert_uint_eq(attrs.gpa, base + PAGE_SIZE);
	ck_assert_int_eq(mem_test_desync(&m, gpa(0x100000), PAGE_SIZE), -EINVAL);
	ck_assert_int_eq(mem_test_desync(&m, gpa(base + 1), PAGE_SIZE), -EINVAL);
	/* A private access there is answered by re-asserting shared. */
	ck_assert_int_eq(mem_resolve_fault(&m, gpa(base + PAGE_SIZE), PAGE_SIZE,
					   MEM_PRIVATE, &again), CONV_DONE);
	ck_assert(again);
	ck_assert(!attrs.private);
	ck_assert_int_eq(mem_page_state(&m, gpa(base + PAGE_SIZE), &state), 0);
	ck_assert_int_eq(state, MEM_SHARED);
	/* In RAM a fault is a conversion, as before. */
	ck_assert_int_eq(mem_resolve_fault(&m, gpa(0x100000), PAGE_SIZE,
					   MEM_PRIVATE, &again), CONV_DONE);
	ck_assert(!again);
	ck_assert_int_eq(mem_page_state(&m, gpa(0x100000), &state), 0);
	ck_assert_int_eq(state, MEM_PRIVATE);
	mem_get_stats(&m, &st);
	ck_assert_uint_eq(st.faults, 2);
	ck_assert_uint_eq(st.faults_reasserted, 1);
	close(fd); /* the mappings keep it; teardown unmaps */
}
END_TEST

/*
 * A window of "anywhere" (--dma-anywhere) is guest RAM only: the test
 * memory, shared but not RAM, is refused; the test device alone may
 * touch it. Before, any slot was in the window.
 */
START_TEST(anywhere_is_ram_only)
{
	uint64_t base = 0x800000, v = 0x1234;
	struct mem_domain any, testdev;
	int fd = new_memfd();

	ck_assert_int_eq(mem_add_slot(&m, base, SLOT_SIZE, -1, fd), 1);
	mem_mark_test_memory(&m, 1);
	ck_assert_int_eq(mem_convert(&m, gpa(0x2000), PAGE_SIZE, MEM_SHARED,
				     MEM_CONTENT_DEFAULT), CONV_DONE);
	mem_domain_init(&any, &m, "virtio", 0, 0);
	ck_assert_int_eq(mem_write_obj(&any, gpa(0x2000), &v), 0);
	ck_assert_int_eq(mem_write_obj(&any, gpa(base), &v), -EFAULT);
	ck_assert_int_eq(mem_check(&any, gpa(base + PAGE_SIZE), 8), -EFAULT);
	ck_assert_uint_eq(any.refused, 2);
	mem_domain_init(&testdev, &m, "testdev", 0, 0);
	mem_domain_allow_test_mem(&testdev);
	ck_assert_int_eq(mem_write_obj(&testdev, gpa(base), &v), 0);
	v = 0;
	ck_assert_int_eq(mem_read_obj(&testdev, gpa(base), &v), 0);
	ck_assert_uint_eq(v, 0x1234);
	close(fd);
}
END_TEST

/* Without memory attributes (soft) nothing can disagree: no desync. */
START_TEST(desync_needs_attributes)
{
	int fd = new_memfd();
	enum mem_state state;

	/* Starts shared even though this VM's RAM starts private. */
	ck_assert_int_eq(mem_add_slot(&m, 0x800000, SLOT_SIZE, -1, fd), 1);
	mem_mark_test_memory(&m, 1);
	ck_assert_int_eq(mem_page_state(&m, gpa(0x800000), &state), 0);
	ck_assert_int_eq(state, MEM_SHARED);
	ck_assert_int_eq(mem_test_desync(&m, gpa(0x800000), PAGE_SIZE),
			 -EOPNOTSUPP);
	m.fp.no_cachestat = true; /* as on a kernel without cachestat */
	ck_assert_str_eq(mem_footprint_method(&m), "mincore");
	close(fd);
}
END_TEST

START_TEST(decode_map_gpa_arguments)
{
	struct conv_request r;

	ck_assert(conv_decode(0x1000, 2, 0x10, &r));
	ck_assert_uint_eq(r.gpa, 0x1000);
	ck_assert_uint_eq(r.len, 0x2000);
	ck_assert_int_eq(r.to, MEM_PRIVATE);
	ck_assert(conv_decode(0x1000, 1, 0x1, &r)); /* 2M hint, decrypted */
	ck_assert_int_eq(r.to, MEM_SHARED);
	ck_assert(!conv_decode(0x1000, 0, 0, &r));	      /* no pages */
	ck_assert(!conv_decode(0x1000, 1, 0x20, &r));	      /* reserved bit */
	ck_assert(!conv_decode(0x1000, 1, 0x3, &r));	      /* bad size hint */
	ck_assert(!conv_decode(0x1000, 1ULL << 60, 0, &r)); /* overflow */
}
END_TEST

Suite *guest_mem_suite(void)
{
	Suite *s = suite_create("guest_mem");
	TCase *tc = tcase_create("in_place");
	TCase *dual = tcase_create("dual_backing");
	TCase *plain = tcase_create("decode");

	tcase_add_checked_fixture(tc, setup_in_place, teardown);
	tcase_add_test(tc, accessor_refuses_private);
	tcase_add_test(tc, window_limits_domain);
	tcase_add_test(tc, sixteen_bit_fields);
	tcase_add_test_raise_signal(tc, host_view_closed, SIGSEGV);
	tcase_add_test(tc, preserve_keeps_zero_wipes);
	tcase_add_test(tc, only_changing_pages_are_touched);
	tcase_add_test(tc, invalid_requests);
	tcase_add_test(tc, hold_blocks_private);
	tcase_add_test(tc, stats_count_bytes);
	tcase_add_test(tc, desync_needs_attributes);
	tcase_add_test(tc, anywhere_is_ram_only);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(dual, setup_dual, teardown);
	tcase_add_test(dual, dual_backing_frees_the_side_left);
	tcase_add_test(dual, backend_failure_rolls_back);
	tcase_add_test(dual, dual_footprint_counts_private_pages);
	tcase_add_test(dual, shared_only_slot);
	suite_add_tcase(s, dual);
	tcase_add_test(plain, decode_map_gpa_arguments);
	suite_add_tcase(s, plain);
	return s;
}
