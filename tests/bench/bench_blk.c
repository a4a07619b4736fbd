// SPDX-License-Identifier: MIT
/*
 * virtio-blk benchmark, no vCPU: this thread plays the guest driver on
 * guest memory (rings and buffers in the DMA pool), the device runs on its
 * own thread as in a VM, kicks go through its eventfd and completions come
 * back through its interrupt eventfd. The baseline is plain pread/pwrite
 * of the same file, same sizes and offsets, in the same run.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../devices/virtio/blk.h"
#include "../../devices/virtio/virtio.h"
#include "../../lib/util.h"
#include "../common/vqdriver.h"
#include "bench.h"

#define RAM (64 * MiB)
#define POOL (8 * MiB)
#define POOL_SIZE (32 * MiB)
#define DISK_SIZE (256 * MiB)
#define QSIZE 128
#define MAX_QD 32
#define SLOT_BYTES (64 * KiB + 4096) /* data, then header and status */

struct bench {
	struct guest_mem m;
	struct virtio_blk blk;
	struct vqdrv drv;
	int ram_fd;
	char path[64];
};

static uint64_t slot_data(unsigned int i)
{
	return POOL + 64 * KiB + (uint64_t)i * SLOT_BYTES;
}

/* Post request slot i (descriptors 3i..3i+2) for sector. */
static void post(struct bench *b, unsigned int i, bool write, uint32_t bs,
		 uint64_t sector)
{
	uint64_t data = slot_data(i), hdr = data + 64 * KiB, st = hdr + 16;
	uint32_t h[4] = { write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN, 0,
			  (uint32_t)sector, (uint32_t)(sector >> 32) };
	uint16_t d = (uint16_t)(3 * i);

	memcpy(b->drv.ram + hdr, h, sizeof(h));
	vqdrv_desc(&b->drv, d, hdr, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(d + 1));
	vqdrv_desc(&b->drv, (uint16_t)(d + 1), data, bs,
		   (uint16_t)(VIRTQ_DESC_F_NEXT | (write ? 0 : VIRTQ_DESC_F_WRITE)),
		   (uint16_t)(d + 2));
	vqdrv_desc(&b->drv, (uint16_t)(d + 2), st, 1, VIRTQ_DESC_F_WRITE, 0);
	vqdrv_publish(&b->drv, d);
}

/* Kick the device if it asked for one since old (EVENT_IDX). */
static void kick(struct bench *b, uint16_t old)
{
	uint64_t one = 1;

	if (vqdrv_kick_needed(&b->drv, old) &&
	    write(b->blk.dev.kick_efd[0], &one, sizeof(one)) < 0)
		perror("kick");
}

/* What the device and the rings look like, when a completion is late. */
static void report_stall(struct bench *b)
{
	struct virtio_dev *d = &b->blk.dev;
	uint16_t avail, used;

	memcpy(&avail, b->drv.ram + b->drv.avail + 2, 2);
	memcpy(&used, b->drv.ram + b->drv.used + 2, 2);
	pthread_mutex_lock(&d->lock);
	fprintf(stderr, "bench: no completion for 1 s: status 0x%x ready %d "
		"last_avail %u used_idx %u; rings: avail %u used %u, driver "
		"avail %u last_used %u; bad %llu broken %llu kicks %llu "
		"refused %llu\n",
		d->status, d->vq[0].ready, d->vq[0].last_avail, d->vq[0].used_idx,
		avail, used, b->drv.avail_idx, b->drv.last_used,
		(unsigned long long)d->stats.bad_chains,
		(unsigned long long)d->stats.broken_rings,
		(unsigned long long)d->stats.kicks,
		(unsigned long long)d->dom.refused);
	pthread_mutex_unlock(&d->lock);
}

static void wait_irq(struct bench *b)
{
	struct pollfd p = { .fd = b->blk.dev.irq_efd, .events = POLLIN };
	uint64_t v;

	/* The caller re-checks the ring after a timeout: a lost wake-up
	 * costs time, which the figures would show, never a hang. */
	if (poll(&p, 1, 1000) <= 0 || read(p.fd, &v, sizeof(v)) < 0)
		report_stall(b);
}

/*
 * The next completion. Like a real driver, this asks for an interrupt
 * only when there is nothing to take, and then (as Linux's
 * virtqueue_enable_cb_delayed) only once 3/4 of what is in flight has
 * completed; it looks once more before sleeping.
 */
static void next_used(struct bench *b, uint32_t *id, unsigned int in_flight)
{
	uint32_t len;

	while (!vqdrv_used(&b->drv, id, &len)) {
		vqdrv_used_event(&b->drv, (uint16_t)(b->drv.last_used +
						     in_flight * 3 / 4));
		if (vqdrv_used(&b->drv, id, &len))
			return;
		wait_irq(b);
	}
}

/* Keep qd requests in flight until n have completed; returns seconds. */
static double run_device(struct bench *b, bool write, uint32_t bs,
			 unsigned int qd, unsigned int n)
{
	uint64_t sectors = DISK_SIZE / 512, next = 0;
	unsigned int posted = 0, done = 0;
	uint16_t old = b->drv.avail_idx;
	uint32_t id;
	double t0 = bench_now();

	for (; posted < qd && posted < n; posted++, next += bs / 512)
		post(b, posted, write, bs, next % sectors);
	kick(b, old);
	while (done < n) {
		next_used(b, &id, posted - done);
		done++;
		if (posted < n) {
			old = b->drv.avail_idx;
			post(b, id / 3, write, bs, next % sectors);
			posted++;
			next += bs / 512;
			kick(b, old);
		}
	}
	return bench_now() - t0;
}

/*
 * The baseline: the same I/O with plain pread/pwrite, rotating over qd
 * buffers as the device's requests do, so both move the same working set
 * through the caches.
 */
static double run_plain(int fd, bool write, uint32_t bs, unsigned int qd,
			unsigned int n)
{
	uint8_t *buf = aligned_alloc(4096, (size_t)bs * qd);
	uint64_t off = 0;
	double t0;

	memset(buf, 0x5a, (size_t)bs * qd);
	t0 = bench_now();
	for (unsigned int i = 0; i < n; i++, off = (off + bs) % DISK_SIZE) {
		uint8_t *p = buf + (size_t)(i % qd) * bs;

		if ((write ? pwrite(fd, p, bs, (off_t)off)
			   : pread(fd, p, bs, (off_t)off)) != (ssize_t)bs)
			perror("baseline I/O");
	}
	t0 = bench_now() - t0;
	free(buf);
	return t0;
}

static int setup(struct bench *b)
{
	struct mem_backend be = { .in_place = true };
	char err[128];
	int fd;

	snprintf(b->path, sizeof(b->path), "/tmp/cvmm-bench-XXXXXX");
	fd = mkstemp(b->path);
	b->ram_fd = memfd_create("bench-ram", MFD_CLOEXEC);
	if (fd < 0 || b->ram_fd < 0 || ftruncate(b->ram_fd, RAM))
		return -1;
	/* A written file: reads and writes hit allocated, cached blocks. */
	for (uint64_t off = 0; off < DISK_SIZE; off += MiB) {
		static uint8_t chunk[MiB];

		memset(chunk, 0xa5, sizeof(chunk));
		if (pwrite(fd, chunk, sizeof(chunk), (off_t)off) != (ssize_t)MiB)
			return -1;
	}
	close(fd);
	mem_init(&b->m, &be, MEM_CONTENT_ZERO, false);
	if (mem_add_slot(&b->m, 0, RAM, b->ram_fd, b->ram_fd) < 0 ||
	    mem_convert(&b->m, gpa(POOL), POOL_SIZE, MEM_SHARED, 0) != CONV_DONE ||
	    virtio_blk_open(&b->blk, b->path, false, err, sizeof(err)) ||
	    virtio_dev_init(&b->blk.dev, &virtio_blk_ops, &b->blk, "blk0", &b->m,
			    POOL, POOL_SIZE, true))
		return -1;
	vqdrv_init(&b->drv, b->m.slot[0].kvm_map, POOL, QSIZE);
	if (!(vqdrv_setup(&b->blk.dev, ~0ULL, 0, &b->drv) & VIRTIO_S_DRIVER_OK))
		return -1;
	return virtio_dev_start(&b->blk.dev);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Device and plain runs alternate ROUNDS times, so both see the same
 * machine weather; the medians are compared.
 */
#define ROUNDS 5

static void run_case(struct bench *b, bool write, uint32_t bs,
		     unsigned int qd)
{
	unsigned int n = (unsigned int)(256 * MiB / bs);
	double dev[ROUNDS], plain[ROUNDS], d, p;
	int fd = open(b->path, O_RDWR);

	if (n > 30000)
		n = 30000;
	for (int r = 0; r < ROUNDS; r++) {
		plain[r] = n * (double)bs / run_plain(fd, write, bs, qd, n);
		dev[r] = n * (double)bs / run_device(b, write, bs, qd, n);
	}
	close(fd);
	qsort(dev, ROUNDS, sizeof(double), cmp_double);
	qsort(plain, ROUNDS, sizeof(double), cmp_double);
	d = dev[ROUNDS / 2];
	p = plain[ROUNDS / 2];
	printf("%-6s %5uK %4u %12.0f %10.1f %12.1f %6.2fx\n",
	       write ? "write" : "read", bs / 1024, qd, d / bs, d / 1e6, p / 1e6,
	       d / p);
}

void bench_blk(void)
{
	static struct bench b;
	static const uint32_t sizes[] = { 4096, 65536 };
	static const unsigned int depths[] = { 1, MAX_QD };

	printf("\n== virtio-blk benchmark: %llu MiB file, device thread vs "
	       "plain pread/pwrite (medians of %d alternating runs)\n",
	       (unsigned long long)(DISK_SIZE / MiB), ROUNDS);
	if (setup(&b)) {
		fprintf(stderr, "bench: virtio-blk setup failed\n");
		return;
	}
	printf("%-6s %6s %4s %12s %10s %12s %7s\n", "op", "bs", "qd", "requests/s",
	       "MB/s", "plain MB/s", "ratio");
	for (int w = 0; w < 2; w++)
		for (int s = 0; s < 2; s++)
			for (int q = 0; q < 2; q++)
				run_case(&b, w, sizes[s], depths[q]);
	printf("(ratio = device throughput / plain throughput; goal at 64K, "
	       "qd 32: >= 0.8)\n");
	virtio_dev_destroy(&b.blk.dev);
	virtio_blk_close(&b.blk);
	mem_destroy(&b.m);
	close(b.ram_fd);
	unlink(b.path);
}
