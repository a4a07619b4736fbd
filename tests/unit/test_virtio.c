// SPDX-License-Identifier: MIT
/*
 * devices/virtio: the descriptor walker against every malformed chain,
 * the register file, and virtio-blk requests on a scratch disk, with a
 * driver played in-process on memfd-backed guest memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../devices/virtio/blk.h"
#include "../../devices/virtio/virtio.h"
#include "../../lib/log.h"
#include "../../lib/util.h"
#include "../../vmm/seccomp.h"
#include "../common/vqdriver.h"
#include "suites.h"

#define RAM (4 * MiB)
#define POOL (1 * MiB)
#define POOL_SIZE (2 * MiB)
#define QSIZE 8
#define BUF (POOL + 64 * KiB) /* buffers start here */

static struct guest_mem m;
static struct mem_domain dom;
static struct virtq q;
static struct vqdrv drv;
static struct vq_chain chain;
static int memfd;

static void setup(void)
{
	struct mem_backend b = { .in_place = true };

	memfd = memfd_create("virtio-test", MFD_CLOEXEC);
	ck_assert_int_eq(ftruncate(memfd, RAM), 0);
	mem_init(&m, &b, MEM_CONTENT_ZERO, false);
	ck_assert_int_eq(mem_add_slot(&m, 0, RAM, memfd, memfd), 0);
	ck_assert_int_eq(mem_convert(&m, gpa(POOL), POOL_SIZE, MEM_SHARED, 0),
			 CONV_DONE);
	mem_domain_init(&dom, &m, "pool", POOL, POOL_SIZE);
	vqdrv_init(&drv, m.slot[0].kvm_map, POOL, QSIZE);
	q = (struct virtq){ .size = QSIZE, .ready = true, .desc = drv.desc,
			    .avail = drv.avail, .used = drv.used,
			    .indirect = true };
}

static void teardown(void)
{
	mem_destroy(&m);
	close(memfd);
}

static enum vq_error walk(uint16_t head)
{
	return vq_walk(&dom, &q, head, &chain);
}

START_TEST(walks_a_request)
{
	vqdrv_desc(&drv, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	vqdrv_desc(&drv, 1, BUF + 512, 4096, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	vqdrv_desc(&drv, 2, BUF + 8192, 1, VIRTQ_DESC_F_WRITE, 0);
	ck_assert_int_eq(walk(0), VQ_OK);
	ck_assert_uint_eq(chain.n, 3);
	ck_assert_uint_eq(chain.nread, 1);
	ck_assert_uint_eq(chain.read_len, 16);
	ck_assert_uint_eq(chain.write_len, 4097);
	ck_assert(chain.buf[1].write);
}
END_TEST

START_TEST(refuses_loops_and_bad_indices)
{
	vqdrv_desc(&drv, 0, BUF, 16, VIRTQ_DESC_F_NEXT, 1);
	vqdrv_desc(&drv, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0);
	ck_assert_int_eq(walk(0), VQ_E_LOOP);
	ck_assert_int_eq(walk(QSIZE), VQ_E_HEAD);
	vqdrv_desc(&drv, 1, BUF, 16, VIRTQ_DESC_F_NEXT, QSIZE + 3);
	ck_assert_int_eq(walk(0), VQ_E_HEAD);
	/* A chain exactly as long as the queue is fine. */
	for (uint16_t i = 0; i < QSIZE; i++)
		vqdrv_desc(&drv, i, BUF, 16,
			   i + 1 < QSIZE ? VIRTQ_DESC_F_NEXT : 0, i + 1);
	ck_assert_int_eq(walk(0), VQ_OK);
	ck_assert_uint_eq(chain.n, QSIZE);
}
END_TEST

START_TEST(refuses_bad_lengths_and_order)
{
	vqdrv_desc(&drv, 0, BUF, 0, 0, 0);
	ck_assert_int_eq(walk(0), VQ_E_LENGTH);
	vqdrv_desc(&drv, 0, UINT64_MAX - 8, 16, 0, 0);
	ck_assert_int_eq(walk(0), VQ_E_LENGTH);
	vqdrv_desc(&drv, 0, BUF, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	vqdrv_desc(&drv, 1, BUF, 16, 0, 0);
	ck_assert_int_eq(walk(0), VQ_E_ORDER);
	/* Totals beyond 4 GiB would overflow used.len. */
	for (uint16_t i = 0; i < 3; i++)
		vqdrv_desc(&drv, i, BUF, 0x7fffffff, i < 2 ? VIRTQ_DESC_F_NEXT : 0,
			   i + 1);
	ck_assert_int_ne(walk(0), VQ_OK);
}
END_TEST

START_TEST(refuses_memory_outside_the_pool)
{
	uint64_t refused = dom.refused;

	vqdrv_desc(&drv, 0, POOL + POOL_SIZE - 8, 16, 0, 0); /* runs out */
	ck_assert_int_eq(walk(0), VQ_E_ACCESS);
	vqdrv_desc(&drv, 0, 0x1000, 16, 0, 0); /* RAM below the pool */
	ck_assert_int_eq(walk(0), VQ_E_ACCESS);
	vqdrv_desc(&drv, 0, 0xd0000000, 16, 0, 0); /* MMIO */
	ck_assert_int_eq(walk(0), VQ_E_ACCESS);
	ck_assert_uint_eq(dom.refused, refused + 3);
	/* Inside the pool but private: refused as well. */
	ck_assert_int_eq(mem_convert(&m, gpa(BUF), PAGE_SIZE, MEM_PRIVATE, 0),
			 CONV_DONE);
	vqdrv_desc(&drv, 0, BUF, 16, 0, 0);
	ck_assert_int_eq(walk(0), VQ_E_ACCESS);
}
END_TEST

START_TEST(indirect_tables)
{
	struct vqdrv ind = drv;

	/* The indirect table lives at BUF; point a driver view at it. */
	ind.desc = BUF;
	vqdrv_desc(&ind, 0, BUF + 4096, 16, VIRTQ_DESC_F_NEXT, 1);
	vqdrv_desc(&ind, 1, BUF + 8192, 1, VIRTQ_DESC_F_WRITE, 0);
	vqdrv_desc(&drv, 0, BUF, 32, VIRTQ_DESC_F_INDIRECT, 0);
	ck_assert_int_eq(walk(0), VQ_OK);
	ck_assert_uint_eq(chain.n, 2);
	q.indirect = false; /* not negotiated */
	ck_assert_int_eq(walk(0), VQ_E_INDIRECT);
	q.indirect = true;
	vqdrv_desc(&drv, 0, BUF, 24, VIRTQ_DESC_F_INDIRECT, 0); /* not 16*n */
	ck_assert_int_eq(walk(0), VQ_E_INDIRECT);
	vqdrv_desc(&drv, 0, BUF, 32, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	ck_assert_int_eq(walk(0), VQ_E_INDIRECT);
	vqdrv_desc(&drv, 0, UINT64_MAX - 15, 32, VIRTQ_DESC_F_INDIRECT, 0);
	ck_assert_int_eq(walk(0), VQ_E_INDIRECT);
	vqdrv_desc(&drv, 0, 0x2000, 32, VIRTQ_DESC_F_INDIRECT, 0); /* outside */
	ck_assert_int_eq(walk(0), VQ_E_ACCESS);
	vqdrv_desc(&ind, 1, BUF, 32, VIRTQ_DESC_F_INDIRECT, 0); /* nested */
	vqdrv_desc(&drv, 0, BUF, 32, VIRTQ_DESC_F_INDIRECT, 0);
	ck_assert_int_eq(walk(0), VQ_E_INDIRECT);
	vqdrv_desc(&ind, 1, BUF, 16, VIRTQ_DESC_F_NEXT, 0); /* loop inside */
	ck_assert_int_eq(walk(0), VQ_E_LOOP);
}
END_TEST

START_TEST(pop_push_and_event_idx)
{
	uint16_t head;
	uint32_t id, len;

	ck_assert_int_eq(vq_pop(&dom, &q, &head), 0);
	vqdrv_publish(&drv, 5);
	ck_assert_int_eq(vq_pop(&dom, &q, &head), 1);
	ck_assert_uint_eq(head, 5);
	ck_assert_int_eq(vq_push(&dom, &q, 5, 77), 0);
	ck_assert(vq_should_interrupt(&dom, &q)); /* no EVENT_IDX */
	ck_assert(!vq_should_interrupt(&dom, &q)); /* nothing new */
	ck_assert_int_eq(vqdrv_used(&drv, &id, &len), 1);
	ck_assert_uint_eq(id, 5);
	ck_assert_uint_eq(len, 77);
	/* EVENT_IDX: interrupt only when used_idx passes used_event. */
	q.event_idx = true;
	vqdrv_used_event(&drv, 2);
	ck_assert_int_eq(vq_push(&dom, &q, 1, 0), 0); /* used_idx 2 */
	ck_assert(!vq_should_interrupt(&dom, &q));
	ck_assert_int_eq(vq_push(&dom, &q, 1, 0), 0); /* used_idx 3 */
	ck_assert(vq_should_interrupt(&dom, &q));
	/* A guest claiming more new entries than slots breaks the ring. */
	drv.avail_idx += QSIZE + 1;
	vqdrv_publish(&drv, 0);
	ck_assert_int_eq(vq_pop(&dom, &q, &head), -1);
}
END_TEST

/* --- the register file and virtio-blk on a scratch disk --- */

static struct virtio_blk blk;
static char disk_path[64];

static bool sync_io; /* the blk-sync case: as if io_uring were unavailable */

static void blk_setup(void)
{
	char err[128];
	int fd;

	setup();
	snprintf(disk_path, sizeof(disk_path), "/tmp/cvmm-disk-XXXXXX");
	fd = mkstemp(disk_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 1 * MiB), 0);
	close(fd);
	memset(&blk, 0, sizeof(blk));
	ck_assert_int_eq(virtio_blk_open(&blk, disk_path, false, err, sizeof(err)), 0);
	blk.no_uring = sync_io;
	ck_assert_int_eq(virtio_dev_init(&blk.dev, &virtio_blk_ops, &blk, "blk0",
					 &m, POOL, POOL_SIZE, true), 0);
	ck_assert(virtio_blk_uring(&blk) == !sync_io);
}

static void blk_setup_sync(void)
{
	sync_io = true;
	blk_setup();
}

static void blk_teardown(void)
{
	virtio_dev_destroy(&blk.dev);
	virtio_blk_close(&blk);
	unlink(disk_path);
	teardown();
}

START_TEST(register_file)
{
	uint32_t st;

	ck_assert_uint_eq(vqdrv_reg_read(&blk.dev, VIRTIO_MMIO_MAGIC_VALUE),
			  VIRTIO_MMIO_MAGIC);
	ck_assert_uint_eq(vqdrv_reg_read(&blk.dev, VIRTIO_MMIO_VERSION), 2);
	ck_assert_uint_eq(vqdrv_reg_read(&blk.dev, VIRTIO_MMIO_DEVICE_ID),
			  VIRTIO_ID_BLOCK);
	vqdrv_reg_write(&blk.dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ck_assert_uint_eq(vqdrv_reg_read(&blk.dev, VIRTIO_MMIO_DEVICE_FEATURES) &
			  3, 3); /* VERSION_1 and ACCESS_PLATFORM */
	/* Without VERSION_1 the device refuses FEATURES_OK. */
	st = vqdrv_setup(&blk.dev, 1ULL << VIRTIO_F_EVENT_IDX, 0, &drv);
	ck_assert_uint_eq(st & VIRTIO_S_FEATURES_OK, 0);
	st = vqdrv_setup(&blk.dev, ~0ULL, 0, &drv);
	ck_assert_uint_eq(st & VIRTIO_S_FEATURES_OK, VIRTIO_S_FEATURES_OK);
	ck_assert_uint_eq(vqdrv_reg_read(&blk.dev, VIRTIO_MMIO_QUEUE_READY), 1);
	/* Rings outside the pool: not ready, and the device needs a reset. */
	struct vqdrv bad = drv;

	bad.used = 0x3000;
	st = vqdrv_setup(&blk.dev, ~0ULL, 0, &bad);
	ck_assert_uint_eq(vqdrv_reg_read(&blk.dev, VIRTIO_MMIO_QUEUE_READY), 0);
	ck_assert_uint_eq(st & VIRTIO_S_NEEDS_RESET, VIRTIO_S_NEEDS_RESET);
}
END_TEST

/* One request: header, optional data, status; returns the status byte. */
static uint8_t blk_req(uint32_t type, uint64_t sector, uint32_t data_len,
		       bool data_write, uint32_t *used_len)
{
	uint8_t *ram = m.slot[0].kvm_map;
	uint32_t hdr[4] = { type, 0, (uint32_t)sector, (uint32_t)(sector >> 32) };
	uint32_t id;
	uint16_t n = 0;

	memcpy(ram + BUF, hdr, 16);
	ram[BUF + 4096 + 65536] = 0xee;
	vqdrv_desc(&drv, n, BUF, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(n + 1));
	n++;
	if (data_len) {
		vqdrv_desc(&drv, n, BUF + 4096, data_len,
			   VIRTQ_DESC_F_NEXT | (data_write ? VIRTQ_DESC_F_WRITE : 0),
			   (uint16_t)(n + 1));
		n++;
	}
	vqdrv_desc(&drv, n, BUF + 4096 + 65536, 1, VIRTQ_DESC_F_WRITE, 0);
	vqdrv_publish(&drv, 0);
	virtio_kick(&blk.dev, 0);
	ck_assert_int_eq(vqdrv_used(&drv, &id, used_len), 1);
	ck_assert_uint_eq(id, 0);
	return ram[BUF + 4096 + 65536];
}

START_TEST(blk_read_write_flush_id)
{
	uint8_t *ram = m.slot[0].kvm_map, buf[4096];
	uint32_t len;
	int fd = open(disk_path, O_RDONLY);

	ck_assert_uint_eq(vqdrv_setup(&blk.dev, ~0ULL, 0, &drv) & VIRTIO_S_DRIVER_OK,
			  VIRTIO_S_DRIVER_OK);
	memset(ram + BUF + 4096, 0x5a, 4096);
	ck_assert_uint_eq(blk_req(VIRTIO_BLK_T_OUT, 8, 4096, false, &len),
			  VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(pread(fd, buf, 4096, 8 * 512), 4096);
	ck_assert_uint_eq(buf[0], 0x5a);
	ck_assert_uint_eq(buf[4095], 0x5a);
	memset(ram + BUF + 4096, 0, 4096);
	ck_assert_uint_eq(blk_req(VIRTIO_BLK_T_IN, 8, 4096, true, &len),
			  VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(len, 4097);
	ck_assert_uint_eq(ram[BUF + 4096 + 100], 0x5a);
	ck_assert_uint_eq(blk_req(VIRTIO_BLK_T_FLUSH, 0, 0, false, &len),
			  VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(blk_req(VIRTIO_BLK_T_GET_ID, 0, 20, true, &len),
			  VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(len, 21);
	ck_assert_int_eq(memcmp(ram + BUF + 4096, "cvmm-disk-", 10), 0);
	/* Past the end, a partial sector, an unknown type. */
	ck_assert_uint_eq(blk_req(VIRTIO_BLK_T_IN, 2047, 4096, true, &len),
			  VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(blk_req(VIRTIO_BLK_T_OUT, UINT64_MAX / 2, 512, false, &len),
			  VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(blk_req(VIRTIO_BLK_T_IN, 0, 100, true, &len),
			  VIRTIO_BLK_S_IOERR);
	ck_assert_uint_eq(blk_req(99, 0, 0, false, &len), VIRTIO_BLK_S_UNSUPP);
	close(fd);
}
END_TEST

START_TEST(blk_discard_and_readonly)
{
	uint8_t *ram = m.slot[0].kvm_map, buf[512];
	uint64_t seg[2] = { 8, 8 }; /* sector 8, 8 sectors, flags 0 */
	uint32_t len;
	int fd = open(disk_path, O_RDWR);

	ck_assert_int_eq(pwrite(fd, "xxxx", 4, 8 * 512), 4);
	vqdrv_setup(&blk.dev, ~0ULL, 0, &drv);
	memcpy(ram + BUF + 4096, seg, 16);
	ck_assert_uint_eq(blk_req(VIRTIO_BLK_T_DISCARD, 0, 16, false, &len),
			  VIRTIO_BLK_S_OK);
	ck_assert_int_eq(pread(fd, buf, 4, 8 * 512), 4);
	ck_assert_int_eq(memcmp(buf, "\0\0\0\0", 4), 0);
	seg[1] = 1ULL << 33; /* flags with an undefined bit */
	memcpy(ram + BUF + 4096, seg, 16);
	ck_assert_uint_eq(blk_req(VIRTIO_BLK_T_DISCARD, 0, 16, false, &len),
			  VIRTIO_BLK_S_UNSUPP);
	blk.readonly = true;
	ck_assert_uint_eq(blk_req(VIRTIO_BLK_T_OUT, 0, 512, false, &len),
			  VIRTIO_BLK_S_IOERR);
	close(fd);
}
END_TEST

/* A bad chain is completed with nothing written; the next one works. */
START_TEST(blk_bad_chain_then_good)
{
	uint32_t id, len;

	vqdrv_setup(&blk.dev, ~0ULL, 0, &drv);
	vqdrv_desc(&drv, 0, 0x1000, 16, VIRTQ_DESC_F_NEXT, 1); /* outside pool */
	vqdrv_desc(&drv, 1, BUF, 1, VIRTQ_DESC_F_WRITE, 0);
	vqdrv_publish(&drv, 0);
	virtio_kick(&blk.dev, 0);
	ck_assert_int_eq(vqdrv_used(&drv, &id, &len), 1);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(blk.dev.stats.bad_chains, 1);
	ck_assert_uint_eq(blk_req(VIRTIO_BLK_T_FLUSH, 0, 0, false, &len),
			  VIRTIO_BLK_S_OK);
	ck_assert_uint_eq(blk.dev.stats.requests, 1); /* the bad one is not */
}
END_TEST

/* A refused request interrupts like any completion (EVENT_IDX too). */
START_TEST(blk_bad_chain_interrupts)
{
	uint64_t before, v;
	uint32_t id, len;

	vqdrv_setup(&blk.dev, ~0ULL, 0, &drv);
	vqdrv_used_event(&drv, 0); /* interrupt me at the next completion */
	before = blk.dev.stats.interrupts;
	vqdrv_desc(&drv, 0, 0x1000, 16, VIRTQ_DESC_F_NEXT, 1);
	vqdrv_desc(&drv, 1, BUF, 1, VIRTQ_DESC_F_WRITE, 0);
	vqdrv_publish(&drv, 0);
	virtio_kick(&blk.dev, 0);
	ck_assert_int_eq(vqdrv_used(&drv, &id, &len), 1);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(blk.dev.stats.interrupts, before + 1);
	ck_assert_int_eq(read(blk.dev.irq_efd, &v, sizeof(v)), sizeof(v));
	ck_assert_uint_eq(vqdrv_reg_read(&blk.dev, VIRTIO_MMIO_INTERRUPT_STATUS) &
			  VIRTIO_MMIO_INT_VRING, VIRTIO_MMIO_INT_VRING);
}
END_TEST

/* --- requests in flight --- */

#define BIGQ 32
#define SLOT(i) (BUF + (uint64_t)(i) * 0x3000) /* header; data +4K; status +8K */

/* Post request i (descriptors 3i..3i+2) without kicking. */
static void post(unsigned int i, uint32_t type, uint64_t sector, bool data_write)
{
	uint8_t *ram = m.slot[0].kvm_map;
	uint32_t hdr[4] = { type, 0, (uint32_t)sector, (uint32_t)(sector >> 32) };
	uint16_t d = (uint16_t)(3 * i);

	memcpy(ram + SLOT(i), hdr, 16);
	ram[SLOT(i) + 0x2000] = 0xee;
	vqdrv_desc(&drv, d, SLOT(i), 16, VIRTQ_DESC_F_NEXT, (uint16_t)(d + 1));
	vqdrv_desc(&drv, (uint16_t)(d + 1), SLOT(i) + 0x1000, 4096,
		   VIRTQ_DESC_F_NEXT | (data_write ? VIRTQ_DESC_F_WRITE : 0),
		   (uint16_t)(d + 2));
	vqdrv_desc(&drv, (uint16_t)(d + 2), SLOT(i) + 0x2000, 1,
		   VIRTQ_DESC_F_WRITE, 0);
	vqdrv_publish(&drv, d);
}

static uint8_t status_of(unsigned int i)
{
	return m.slot[0].kvm_map[SLOT(i) + 0x2000];
}

/* The order requests were completed in (their indexes); returns how many. */
static unsigned int used_order(unsigned int *order, unsigned int max)
{
	unsigned int n = 0;
	uint32_t id, len;

	while (n < max && vqdrv_used(&drv, &id, &len))
		order[n++] = id / 3;
	return n;
}

static unsigned int position(const unsigned int *order, unsigned int n,
			     unsigned int i)
{
	for (unsigned int k = 0; k < n; k++)
		if (order[k] == i)
			return k;
	return n;
}

static void big_queue(void)
{
	vqdrv_init(&drv, m.slot[0].kvm_map, POOL, BIGQ);
	ck_assert_uint_eq(vqdrv_setup(&blk.dev, ~0ULL, 0, &drv) &
			  VIRTIO_S_DRIVER_OK, VIRTIO_S_DRIVER_OK);
}

/* Eight reads taken at once stay in flight, buffers held, until drained. */
START_TEST(blk_several_in_flight)
{
	uint8_t *ram = m.slot[0].kvm_map, sector[4096];
	unsigned int order[8];
	int fd = open(disk_path, O_RDWR);

	big_queue();
	for (unsigned int i = 0; i < 8; i++) {
		memset(sector, 0x10 + i, sizeof(sector));
		/* every other 4 KiB: some runs, not all one */
		ck_assert_int_eq(pwrite(fd, sector, 4096, (off_t)(i / 2 * 3 + i % 2) * 4096),
				 4096);
		post(i, VIRTIO_BLK_T_IN, (i / 2 * 3 + i % 2) * 8, true);
	}
	virtio_serve(&blk.dev, 0);
	ck_assert_uint_eq(blk.dev.inflight, 8);
	ck_assert_uint_eq(blk.dev.stats.inflight_max, 8);
	ck_assert_uint_eq(used_order(order, 8), 0);
	virtio_drain(&blk.dev);
	ck_assert_uint_eq(blk.dev.inflight, 0);
	ck_assert_uint_eq(used_order(order, 8), 8);
	for (unsigned int i = 0; i < 8; i++) {
		ck_assert_uint_eq(status_of(i), VIRTIO_BLK_S_OK);
		ck_assert_uint_eq(ram[SLOT(i) + 0x1000], 0x10 + i);
		ck_assert_uint_eq(ram[SLOT(i) + 0x1000 + 4095], 0x10 + i);
		ck_assert_uint_lt(position(order, 8, i), 8);
	}
	close(fd);
}
END_TEST

/*
 * Sequential writes taken together go out as one (merged) write: alone
 * (written by the device thread) and beside a read in flight (through
 * io_uring). Each lands where it should.
 */
START_TEST(blk_merged_writes_land_in_place)
{
	uint8_t *ram = m.slot[0].kvm_map, buf[4096];
	unsigned int order[8];
	int fd = open(disk_path, O_RDONLY);

	big_queue();
	for (unsigned int round = 0; round < 2; round++) {
		unsigned int first = round; /* round 1: request 0 is a read */

		if (round)
			post(0, VIRTIO_BLK_T_IN, 512, true);
		for (unsigned int i = first; i < first + 6; i++) {
			memset(ram + SLOT(i) + 0x1000, 0x40 + 8 * round + i, 4096);
			post(i, VIRTIO_BLK_T_OUT, 800 + 8 * i, false);
		}
		virtio_kick(&blk.dev, 0);
		ck_assert_uint_eq(used_order(order, 8), first + 6);
		for (unsigned int i = first; i < first + 6; i++) {
			ck_assert_uint_eq(status_of(i), VIRTIO_BLK_S_OK);
			ck_assert_int_eq(pread(fd, buf, 4096, (off_t)(800 + 8 * i) * 512),
					 4096);
			ck_assert_uint_eq(buf[0], 0x40 + 8 * round + i);
			ck_assert_uint_eq(buf[4095], 0x40 + 8 * round + i);
		}
	}
	close(fd);
}
END_TEST

/*
 * Completions come back in their own order: a get-id taken last is
 * answered first (no disk I/O), and a flush only after the writes taken
 * before it.
 */
START_TEST(blk_completion_order_and_flush)
{
	uint8_t *ram = m.slot[0].kvm_map, buf[4096];
	unsigned int order[6], n;
	int fd = open(disk_path, O_RDONLY);

	big_queue();
	for (unsigned int i = 0; i < 2; i++)
		memset(ram + SLOT(i) + 0x1000, 0x70 + i, 4096);
	post(0, VIRTIO_BLK_T_OUT, 64, false);
	post(1, VIRTIO_BLK_T_OUT, 128, false);
	post(2, VIRTIO_BLK_T_FLUSH, 0, false);
	post(3, VIRTIO_BLK_T_IN, 256, true);
	post(4, VIRTIO_BLK_T_GET_ID, 0, true);
	virtio_kick(&blk.dev, 0);
	n = used_order(order, 6);
	ck_assert_uint_eq(n, 5);
	ck_assert_uint_eq(order[0], 4);
	ck_assert_uint_gt(position(order, n, 2), position(order, n, 0));
	ck_assert_uint_gt(position(order, n, 2), position(order, n, 1));
	for (unsigned int i = 0; i < 5; i++)
		ck_assert_uint_eq(status_of(i), VIRTIO_BLK_S_OK);
	ck_assert_int_eq(pread(fd, buf, 4096, 128 * 512), 4096);
	ck_assert_uint_eq(buf[0], 0x71);
	ck_assert_uint_eq(blk.dev.stats.requests, 5);
	close(fd);
}
END_TEST

/* A buffer held by a request in flight cannot turn private until it ends. */
START_TEST(blk_conversion_waits_for_held_buffer)
{
	uint64_t page = SLOT(0) + 0x1000;

	big_queue();
	post(0, VIRTIO_BLK_T_IN, 8, true);
	virtio_serve(&blk.dev, 0);
	ck_assert_uint_eq(blk.dev.inflight, 1);
	ck_assert_int_eq(mem_convert(&m, gpa(page), PAGE_SIZE, MEM_PRIVATE, 0),
			 CONV_RETRY);
	/* The status page is not held: it converts. */
	ck_assert_int_eq(mem_convert(&m, gpa(SLOT(1)), PAGE_SIZE, MEM_PRIVATE, 0),
			 CONV_DONE);
	virtio_drain(&blk.dev);
	ck_assert_uint_eq(status_of(0), VIRTIO_BLK_S_OK);
	ck_assert_int_eq(mem_convert(&m, gpa(page), PAGE_SIZE, MEM_PRIVATE, 0),
			 CONV_DONE);
}
END_TEST

/* With the device thread: kicks, completions and interrupts by eventfd. */
START_TEST(blk_thread_serves_in_flight)
{
	struct pollfd p = { .fd = blk.dev.irq_efd, .events = POLLIN };
	unsigned int order[16], n = 0;
	uint64_t one = 1;

	big_queue();
	ck_assert_int_eq(virtio_dev_start(&blk.dev), 0);
	for (unsigned int i = 0; i < 10; i++)
		post(i, i % 3 == 2 ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, 8 * i,
		     i % 3 != 2);
	ck_assert_int_eq(write(blk.dev.kick_efd[0], &one, sizeof(one)), 8);
	/* Bounded (10 s): a lost completion fails the test, it does not hang
	 * it. Writes may go through io_uring's workers: slow on a busy host. */
	for (int tries = 0; n < 10 && tries < 100; tries++) {
		uint64_t v;

		if (poll(&p, 1, 100) > 0 && read(p.fd, &v, sizeof(v)) < 0)
			break;
		n += used_order(order + n, 16 - n);
	}
	ck_assert_uint_eq(n, 10);
	for (unsigned int i = 0; i < 10; i++)
		ck_assert_uint_eq(status_of(i), VIRTIO_BLK_S_OK);
	/* A reset waits for whatever is in flight: nothing stays held. */
	post(10, VIRTIO_BLK_T_IN, 0, true);
	ck_assert_int_eq(write(blk.dev.kick_efd[0], &one, sizeof(one)), 8);
	vqdrv_reg_write(&blk.dev, VIRTIO_MMIO_STATUS, 0);
	ck_assert_uint_eq(blk.dev.inflight, 0);
	ck_assert_ptr_eq(m.holds.next, &m.holds);
}
END_TEST

/*
 * io_uring refused (as seccomp or the io_uring_disabled sysctl would):
 * the device says so in one line and serves requests synchronously. In a
 * child, so the filter stays there.
 */
static int fallback_child(int log_fd)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { ARRAY_SIZE(f), f };
	uint32_t len;

	if (dup2(log_fd, STDERR_FILENO) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return 2;
	log_level = LOG_INFO;
	virtio_dev_destroy(&blk.dev);
	if (virtio_dev_init(&blk.dev, &virtio_blk_ops, &blk, "blk0", &m, POOL,
			    POOL_SIZE, true))
		return 3;
	if (virtio_blk_uring(&blk))
		return 4;
	vqdrv_setup(&blk.dev, ~0ULL, 0, &drv);
	memset(m.slot[0].kvm_map + BUF + 4096, 0x3c, 512);
	if (blk_req(VIRTIO_BLK_T_OUT, 1, 512, false, &len) != VIRTIO_BLK_S_OK)
		return 5;
	memset(m.slot[0].kvm_map + BUF + 4096, 0, 512);
	if (blk_req(VIRTIO_BLK_T_IN, 1, 512, true, &len) != VIRTIO_BLK_S_OK ||
	    m.slot[0].kvm_map[BUF + 4096 + 511] != 0x3c)
		return 6;
	return 0;
}

START_TEST(blk_fallback_without_io_uring)
{
	char out[512] = "";
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe(pipefd), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fallback_child(pipefd[1]));
	close(pipefd[1]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	n = read(pipefd[0], out, sizeof(out) - 1);
	close(pipefd[0]);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_nonnull(strstr(out, "io_uring unavailable"));
	ck_assert_ptr_null(strchr(strchr(out, '\n') + 1, '\n')); /* one line */
}
END_TEST

/*
 * The device's event loop, disk I/O and completions under the sandbox a
 * running VM has (vmm/seccomp.c): a system call the filter lacks kills
 * the child with SIGSYS. In a child, so the filter stays there.
 */
static int sandboxed_child(void)
{
	struct pollfd p = { .fd = blk.dev.irq_efd, .events = POLLIN };
	unsigned int order[16], n = 0;
	uint64_t one = 1;

	big_queue();
	if (virtio_dev_start(&blk.dev) || seccomp_install())
		return 2;
	for (unsigned int i = 0; i < 6; i++)
		post(i, i % 3 == 2 ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, 8 * i,
		     i % 3 != 2);
	if (write(blk.dev.kick_efd[0], &one, sizeof(one)) != 8)
		return 3;
	for (int tries = 0; n < 6 && tries < 100; tries++) {
		uint64_t v;

		if (poll(&p, 1, 100) > 0 && read(p.fd, &v, sizeof(v)) < 0)
			return 4;
		n += used_order(order + n, 16 - n);
	}
	return n == 6 ? 0 : 5;
}

START_TEST(blk_thread_under_the_sandbox)
{
	pid_t pid = fork();
	int status;

	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(sandboxed_child());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(!WIFSIGNALED(status), "killed by signal %d (SIGSYS is %d)",
		      WTERMSIG(status), SIGSYS);
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

/* The ring takes only the operations the device submits (the sandbox). */
START_TEST(blk_ring_refuses_other_operations)
{
	if (!virtio_blk_uring(&blk))
		return; /* the synchronous case has no ring */
	ck_assert_int_eq(virtio_blk_ring_try_nop(&blk), -EACCES);
}
END_TEST

static void add_blk_tests(TCase *t)
{
	tcase_add_test(t, register_file);
	tcase_add_test(t, blk_read_write_flush_id);
	tcase_add_test(t, blk_discard_and_readonly);
	tcase_add_test(t, blk_bad_chain_then_good);
	tcase_add_test(t, blk_bad_chain_interrupts);
	tcase_add_test(t, blk_several_in_flight);
	tcase_add_test(t, blk_merged_writes_land_in_place);
	tcase_add_test(t, blk_completion_order_and_flush);
	tcase_add_test(t, blk_conversion_waits_for_held_buffer);
	tcase_add_test(t, blk_thread_serves_in_flight);
	tcase_add_test(t, blk_thread_under_the_sandbox);
	tcase_add_test(t, blk_ring_refuses_other_operations);
}

Suite *virtio_suite(void)
{
	Suite *s = suite_create("virtio");
	TCase *walker = tcase_create("walker");
	TCase *blkc = tcase_create("blk");
	TCase *blks = tcase_create("blk-sync");

	tcase_add_checked_fixture(walker, setup, teardown);
	tcase_add_test(walker, walks_a_request);
	tcase_add_test(walker, refuses_loops_and_bad_indices);
	tcase_add_test(walker, refuses_bad_lengths_and_order);
	tcase_add_test(walker, refuses_memory_outside_the_pool);
	tcase_add_test(walker, indirect_tables);
	tcase_add_test(walker, pop_push_and_event_idx);
	suite_add_tcase(s, walker);
	/* The blk tests twice: through io_uring, and without it. */
	tcase_add_checked_fixture(blkc, blk_setup, blk_teardown);
	add_blk_tests(blkc);
	tcase_add_test(blkc, blk_fallback_without_io_uring);
	suite_add_tcase(s, blkc);
	tcase_add_checked_fixture(blks, blk_setup_sync, blk_teardown);
	add_blk_tests(blks);
	suite_add_tcase(s, blks);
	return s;
}
