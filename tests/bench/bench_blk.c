// SPDX-License-Identifier: MIT
/*
 * virtio-blk benchmark, no vCPU: this thread plays the guest driver on
 * guest memory (rings and buffers in the DMA pool), the device runs on its
 * own thread as in a VM, kicks go through its eventfd and completions come
 * back through its interrupt eventfd. The baseline is plain pread/pwrite
 * of the same file, same sizes and offsets, in the same run. CPU per
 * request (all threads, io_uring's workers included) is compared with the
 * same device with busy-polling off, also in the same run.
 *
 * Sequential cases at depth 1 and 32, then random offsets at depth 32 (the
 * device merges sequential requests; random ones cannot merge).
 * CVMM_BENCH_BLK=op:KiB:depth (e.g. write:4:32, rread:4:32) runs one case.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
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

/* Random offsets (else sequential): no two requests can be merged. */
static bool random_io;

/* Byte offset of request i, the same for the device and the baseline. */
static uint64_t offset_of(uint64_t i, uint32_t bs)
{
	uint64_t x = (i + 1) * 0x9e3779b97f4a7c15ULL;

	if (!random_io)
		return i * bs % DISK_SIZE;
	x ^= x >> 29;
	return x % (DISK_SIZE / bs) * bs;
}

/* Keep qd requests in flight until n have completed; returns seconds. */
static double run_device(struct bench *b, bool write, uint32_t bs,
			 unsigned int qd, unsigned int n)
{
	unsigned int posted = 0, done = 0;
	uint16_t old = b->drv.avail_idx;
	uint32_t id;
	double t0 = bench_now();

	for (; posted < qd && posted < n; posted++)
		post(b, posted, write, bs, offset_of(posted, bs) / 512);
	kick(b, old);
	while (done < n) {
		next_used(b, &id, posted - done);
		done++;
		if (posted < n) {
			old = b->drv.avail_idx;
			post(b, id / 3, write, bs, offset_of(posted, bs) / 512);
			posted++;
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
	double t0;

	memset(buf, 0x5a, (size_t)bs * qd);
	t0 = bench_now();
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *p = buf + (size_t)(i % qd) * bs;
		uint64_t off = offset_of(i, bs);

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

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Device, plain and no-poll device runs alternate ROUNDS times, so all
 * see the same machine weather; the medians are compared. The no-poll
 * device is the same device with busy-polling off (poll_max_ns 0).
 */
#define ROUNDS 5

struct result {
	double mbs, plain_mbs, cpu_us, nopoll_cpu_us, nopoll_mbs, plain_cpu_us;
	double wakeups, polls; /* per request */
};

static void set_poll(struct bench *b, uint32_t max)
{
	__atomic_store_n(&b->blk.dev.poll_max_ns, max, __ATOMIC_RELAXED);
	__atomic_store_n(&b->blk.dev.poll_ns, 0, __ATOMIC_RELAXED);
}

/* One device run: MB/s, and CPU microseconds per request (all threads). */
static double device_round(struct bench *b, bool write, uint32_t bs,
			   unsigned int qd, unsigned int n, double *cpu_us)
{
	double c0 = cpu_now(), secs = run_device(b, write, bs, qd, n);

	*cpu_us = (cpu_now() - c0) * 1e6 / n;
	return n * (double)bs / secs / 1e6;
}

static struct result run_case(struct bench *b, bool write, uint32_t bs,
			      unsigned int qd, int rounds)
{
	unsigned int n = (unsigned int)(256 * MiB / bs);
	double dev[ROUNDS], plain[ROUNDS], cpu[ROUNDS], np[ROUNDS], npcpu[ROUNDS];
	double pcpu[ROUNDS];
	struct virtio_stats s0 = b->blk.dev.stats, s1;
	struct result r;
	int fd = open(b->path, O_RDWR);

	if (n > 30000)
		n = 30000;
	for (int i = 0; i < rounds; i++) {
		double c0 = cpu_now();

		plain[i] = n * (double)bs / run_plain(fd, write, bs, qd, n) / 1e6;
		pcpu[i] = (cpu_now() - c0) * 1e6 / n;
		set_poll(b, 0);
		np[i] = device_round(b, write, bs, qd, n, &npcpu[i]);
		set_poll(b, VIRTIO_POLL_MAX_NS);
		s0 = b->blk.dev.stats;
		dev[i] = device_round(b, write, bs, qd, n, &cpu[i]);
	}
	close(fd);
	s1 = b->blk.dev.stats; /* of the last adaptive run */
	r.wakeups = (double)(s1.wakeups - s0.wakeups) / n;
	r.polls = (double)(s1.polls - s0.polls) / n;
	r.mbs = bench_median(dev, rounds);
	r.plain_mbs = bench_median(plain, rounds);
	r.cpu_us = bench_median(cpu, rounds);
	r.nopoll_mbs = bench_median(np, rounds);
	r.nopoll_cpu_us = bench_median(npcpu, rounds);
	r.plain_cpu_us = bench_median(pcpu, rounds);
	return r;
}

static const char *op_name(bool write)
{
	if (random_io)
		return write ? "rwrite" : "rread";
	return write ? "write" : "read";
}

static void print_case(bool write, uint32_t bs, unsigned int qd,
		       const struct result *r)
{
	printf("%-6s %4uK %3u %10.0f %9.1f %9.1f %6.2fx %8.2f %8.2f %6.2fx "
	       "%8.2f %6.2fx %5.2f %5.3f\n", op_name(write), bs / 1024, qd,
	       r->mbs * 1e6 / bs, r->mbs, r->plain_mbs, r->mbs / r->plain_mbs,
	       r->cpu_us, r->nopoll_cpu_us, r->cpu_us / r->nopoll_cpu_us,
	       r->plain_cpu_us, r->cpu_us / r->plain_cpu_us, r->wakeups,
	       r->polls);
}

/* CVMM_BENCH_BLK="read:4:32" runs that case only (quick checks). */
static bool selected(const char *only, bool write, uint32_t bs,
		     unsigned int qd)
{
	char op[8];
	unsigned int k, q;

	if (!only || sscanf(only, "%7[a-z]:%u:%u", op, &k, &q) != 3)
		return true;
	return !strcmp(op, op_name(write)) && k * 1024 == bs && q == qd;
}

void bench_blk(void)
{
	static struct bench b;
	static const uint32_t sizes[] = { 4096, 65536 };
	static const unsigned int depths[] = { 1, MAX_QD };
	const char *only = getenv("CVMM_BENCH_BLK");

	printf("\n== virtio-blk benchmark: %llu MiB file, device thread vs "
	       "plain pread/pwrite (medians of %d alternating runs)\n",
	       (unsigned long long)(DISK_SIZE / MiB), ROUNDS);
	if (setup(&b)) {
		fprintf(stderr, "bench: virtio-blk setup failed\n");
		return;
	}
	printf("I/O through %s\n", virtio_blk_uring(&b.blk)
					   ? "io_uring"
					   : "preadv/pwritev (no io_uring)");
	printf("%-6s %5s %3s %10s %9s %9s %7s %8s %8s %7s %8s %7s %5s %5s\n",
	       "op", "bs", "qd", "req/s", "MB/s", "plain", "ratio", "cpu us",
	       "no-poll", "ratio", "plain", "ratio", "wake", "polls");
	/* Sequential at both depths, then random at depth 32. */
	for (int rnd = 0; rnd < 2; rnd++)
		for (int w = 0; w < 2; w++)
			for (int s = 0; s < 2; s++)
				for (int q = rnd; q < 2; q++) {
					struct result r;

					random_io = rnd;
					if (!selected(only, w, sizes[s], depths[q]))
						continue;
					r = run_case(&b, w, sizes[s], depths[q], ROUNDS);
					print_case(w, sizes[s], depths[q], &r);
				}
	printf("(ratio = device MB/s / plain pread/pwrite MB/s; goals at qd 32: "
	       "64K >= 0.9, 4K >= 0.8. Sequential requests taken together\n"
	       " are merged; rread/rwrite: random offsets, nothing merges.\n cpu us = CPU per request, all threads, "
	       "adaptive polling; no-poll = the same device with polling off;\n"
	       " goal at qd 1: ratio <= 1; plain = CPU per plain pread/pwrite "
	       "(one thread: on a loaded\n machine the device's two threads "
	       "get more of it, so compare CPU too).\n wake, polls = loop "
	       "wake-ups and busy-polls per request)\n");
	virtio_dev_destroy(&b.blk.dev);
	virtio_blk_close(&b.blk);
	mem_destroy(&b.m);
	close(b.ram_fd);
	unlink(b.path);
}
