// SPDX-License-Identifier: MIT
/*
 * lib/outbuf.c: the ring (wrap, full, drops) and its writer thread; the
 * UART and virtio-console on a full pipe nobody reads.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../devices/serial.h"
#include "../../devices/virtio/console.h"
#include "../../devices/virtio/virtio.h"
#include "../../lib/log.h"
#include "../../lib/outbuf.h"
#include "../../lib/util.h"
#include "../common/vqdriver.h"
#include "suites.h"

#define SEC 1000000000ULL

/* Read back everything the ring holds, in order, through peek/consume. */
static size_t drain(struct outbuf *o, char *dst, size_t max)
{
	size_t got = 0, n;
	const uint8_t *p;

	while ((n = outbuf_peek(o, &p)) && got < max) {
		if (n > max - got)
			n = max - got;
		memcpy(dst + got, p, n);
		outbuf_consume(o, n);
		got += n;
	}
	return got;
}

START_TEST(ring_wraps_in_order)
{
	uint8_t storage[8];
	struct outbuf o;
	const uint8_t *p;
	char out[16] = { 0 };
	uint64_t w, d;

	outbuf_init(&o, -1, storage, sizeof(storage));
	ck_assert_uint_eq(outbuf_put(&o, "abcde", 5), 5);
	ck_assert_uint_eq(outbuf_peek(&o, &p), 5);
	ck_assert_int_eq(memcmp(p, "abcde", 5), 0);
	outbuf_consume(&o, 3);
	/* "de" sits at 3..4; "fghij" fills 5..7 and wraps to 0..1. */
	ck_assert_uint_eq(outbuf_put(&o, "fghij", 5), 5);
	ck_assert_uint_eq(outbuf_peek(&o, &p), 5); /* up to the end only */
	ck_assert_uint_eq(drain(&o, out, sizeof(out)), 7);
	ck_assert_str_eq(out, "defghij");
	outbuf_counts(&o, &w, &d);
	ck_assert_uint_eq(d, 0);
}
END_TEST

START_TEST(full_ring_drops_and_counts)
{
	uint8_t storage[8];
	struct outbuf o;
	char out[16] = { 0 };
	uint64_t w, d;

	outbuf_init(&o, -1, storage, sizeof(storage));
	ck_assert_uint_eq(outbuf_put(&o, "1234567", 7), 7);
	/* One byte left: the first byte of the next put fits, nine drop. */
	ck_assert_uint_eq(outbuf_put(&o, "abcdefghij", 10), 1);
	ck_assert_uint_eq(outbuf_put(&o, "z", 1), 0);
	outbuf_counts(&o, &w, &d);
	ck_assert_uint_eq(d, 10);
	ck_assert_uint_eq(drain(&o, out, sizeof(out)), 8);
	ck_assert_str_eq(out, "1234567a");
	/* Emptied: room again. */
	ck_assert_uint_eq(outbuf_put(&o, "xy", 2), 2);
	/* Abandoned: queued bytes and later ones count as dropped. */
	outbuf_abandon(&o);
	ck_assert_uint_eq(outbuf_put(&o, "q", 1), 0);
	outbuf_counts(&o, &w, &d);
	ck_assert_uint_eq(d, 13);
	ck_assert_uint_eq(outbuf_peek(&o, &(const uint8_t *){ NULL }), 0);
}
END_TEST

START_TEST(writer_thread_writes_and_flushes)
{
	/* Static, as outbuf.h asks of a started buffer: the detached writer
	 * may still wake on the abandoned buffer after this test returns. */
	static uint8_t storage[64];
	static struct outbuf o;
	char out[256] = { 0 };
	size_t got = 0;
	uint64_t w, d;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	outbuf_init(&o, p[1], storage, sizeof(storage));
	ck_assert_int_eq(outbuf_start(&o), 0);
	/* More than the ring in total, in pieces the writer keeps up with. */
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(outbuf_put(&o, "0123456789012345678901234567890"
					       "1234567890123456789", 50), 50);
		ck_assert(outbuf_flush(&o, 10 * SEC));
	}
	while (got < 200) {
		ssize_t r = read(p[0], out + got, sizeof(out) - got);

		ck_assert_int_gt(r, 0);
		got += (size_t)r;
	}
	ck_assert_uint_eq(got, 200);
	ck_assert_int_eq(memcmp(out + 150, "0123456789", 10), 0);
	outbuf_counts(&o, &w, &d);
	ck_assert_uint_eq(w, 200);
	ck_assert_uint_eq(d, 0);
	outbuf_abandon(&o);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* A pipe with no room left: its writer blocks until someone reads. */
static void fill_pipe(int fd)
{
	char junk[4096];
	int fl = fcntl(fd, F_GETFL);

	memset(junk, '.', sizeof(junk));
	ck_assert_int_eq(fcntl(fd, F_SETFL, fl | O_NONBLOCK), 0);
	while (write(fd, junk, sizeof(junk)) > 0)
		;
	while (write(fd, junk, 1) > 0)
		;
	ck_assert_int_eq(fcntl(fd, F_SETFL, fl), 0);
}

/*
 * The UART on a full pipe nobody reads: the vCPU's port writes return at
 * once and what the buffer cannot hold is counted. Before the buffer the
 * first byte blocked the caller forever.
 */
START_TEST(serial_on_stuck_pipe_never_blocks)
{
	static const struct io_req req = { 0, 1, 0 };
	const size_t total = OUTBUF_SIZE + 5000;
	struct serial s;
	uint64_t w, d;
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	fill_pipe(p[1]);
	serial_init(&s, p[1], NULL, NULL);
	ck_assert_ptr_nonnull(s.out);
	for (size_t i = 0; i < total; i++)
		serial_ops.write(&s, &req, &(uint8_t){ 'x' });
	ck_assert_uint_eq(s.tx_bytes, total);
	outbuf_counts(s.out, &w, &d);
	ck_assert_uint_eq(w, 0);
	ck_assert_uint_eq(d, total - OUTBUF_SIZE);
	/* The flush at exit gives up instead of waiting for a reader. */
	ck_assert(!outbuf_flush(s.out, SEC / 10));
	outbuf_finish_all(SEC / 10);
	outbuf_counts(s.out, &w, &d);
	ck_assert_uint_eq(d, total);
	close(p[0]);
	close(p[1]);
}
END_TEST

/*
 * virtio-console on the same kind of pipe, its queue played in-process:
 * each transmit chain completes at once and the overflow is counted.
 * Before the buffer, the first chain blocked the device thread in write()
 * under the device lock and a hold on guest memory.
 */
START_TEST(virtio_console_on_stuck_pipe_never_blocks)
{
	enum { RAM = 4 << 20, POOL = 1 << 20, POOL_SIZE = 2 << 20,
	       BUF = POOL + (64 << 10), CHAIN = 64 << 10, CHAINS = 5 };
	struct mem_backend b = { .in_place = true };
	static struct virtio_console c;
	struct guest_mem m;
	struct vqdrv drv;
	uint32_t id, len;
	uint64_t w, d;
	int p[2], memfd = memfd_create("console-test", MFD_CLOEXEC);

	ck_assert_int_eq(ftruncate(memfd, RAM), 0);
	mem_init(&m, &b, MEM_CONTENT_ZERO, false);
	ck_assert_int_eq(mem_add_slot(&m, 0, RAM, memfd, memfd), 0);
	ck_assert_int_eq(mem_convert(&m, gpa(POOL), POOL_SIZE, MEM_SHARED, 0),
			 CONV_DONE);
	ck_assert_int_eq(pipe(p), 0);
	fill_pipe(p[1]);
	virtio_console_init(&c, p[1]);
	ck_assert_int_eq(virtio_dev_init(&c.dev, &virtio_console_ops, &c,
					 "console", &m, POOL, POOL_SIZE, true), 0);
	vqdrv_init(&drv, m.slot[0].kvm_map, POOL, 8);
	ck_assert_uint_eq(vqdrv_setup(&c.dev, ~0ULL, VIRTIO_CONSOLE_TX, &drv) &
				  VIRTIO_S_DRIVER_OK, VIRTIO_S_DRIVER_OK);
	memset(m.slot[0].kvm_map + BUF, 'v', CHAIN);
	for (int i = 0; i < CHAINS; i++) {
		vqdrv_desc(&drv, 0, BUF, CHAIN, 0, 0);
		vqdrv_publish(&drv, 0);
		virtio_kick(&c.dev, VIRTIO_CONSOLE_TX);
		ck_assert_int_eq(vqdrv_used(&drv, &id, &len), 1);
	}
	ck_assert_uint_eq(c.dev.stats.requests, CHAINS);
	outbuf_counts(c.out, &w, &d);
	ck_assert_uint_eq(w, 0);
	ck_assert_uint_eq(d, (uint64_t)CHAINS * CHAIN - OUTBUF_SIZE);
	virtio_dev_destroy(&c.dev);
	mem_destroy(&m);
	close(memfd);
	close(p[0]);
	close(p[1]);
}
END_TEST

/*
 * stdout and stderr on one file (a terminal, `2>&1`): a log line queues
 * behind the guest's bytes, so it never lands inside the guest's line.
 */
START_TEST(log_line_follows_queued_output_on_the_same_file)
{
	enum log_level saved_level = log_level;
	int p[2], saved_err = dup(STDERR_FILENO);
	char out[256] = { 0 };
	struct outbuf *o;

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	o = outbuf_for_fd(p[1]);
	ck_assert_ptr_nonnull(o);
	log_level = LOG_ERR;
	ck_assert_uint_eq(outbuf_put(o, "RESULT test=x passed=1 failed=0\n", 32),
			  32);
	log_err("guest exit device: status 0");
	log_level = saved_level;
	dup2(saved_err, STDERR_FILENO);
	ck_assert(outbuf_flush(o, 10000000000ULL));
	ck_assert_int_gt(read(p[0], out, sizeof(out) - 1), 32);
	ck_assert_msg(!strncmp(out, "RESULT test=x passed=1 failed=0\ncvmm: ", 38),
		      "got '%s'", out);
	close(saved_err);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* ... and on a full pipe nobody reads, a log line does not block either. */
START_TEST(log_line_on_stuck_shared_output_never_blocks)
{
	enum log_level saved_level = log_level;
	int p[2], saved_err = dup(STDERR_FILENO);
	uint64_t w, d;
	struct outbuf *o;

	ck_assert_int_eq(pipe(p), 0);
	fill_pipe(p[1]);
	ck_assert_int_eq(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	o = outbuf_for_fd(p[1]);
	ck_assert_ptr_nonnull(o);
	log_level = LOG_WARN;
	log_warn("signal 15: stopping the VM");
	log_level = saved_level;
	dup2(saved_err, STDERR_FILENO);
	outbuf_counts(o, &w, &d);
	ck_assert_uint_eq(w, 0); /* queued behind the stuck pipe */
	close(saved_err);
	close(p[0]);
	close(p[1]);
}
END_TEST

Suite *outbuf_suite(void)
{
	Suite *s = suite_create("outbuf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, ring_wraps_in_order);
	tcase_add_test(tc, full_ring_drops_and_counts);
	tcase_add_test(tc, writer_thread_writes_and_flushes);
	tcase_add_test(tc, serial_on_stuck_pipe_never_blocks);
	tcase_add_test(tc, virtio_console_on_stuck_pipe_never_blocks);
	tcase_add_test(tc, log_line_follows_queued_output_on_the_same_file);
	tcase_add_test(tc, log_line_on_stuck_shared_output_never_blocks);
	suite_add_tcase(s, tc);
	return s;
}
