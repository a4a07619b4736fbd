// SPDX-License-Identifier: MIT
/*
 * Conversion benchmark, no guest: pages per second when converting 4 KiB
 * and 2 MiB ranges, both directions, both content modes, on "cold" memory
 * (nothing allocated) and "warm" memory (every page allocated before a
 * ZERO conversion frees it); then the cost of one checked access against
 * a plain memcpy. Backed by a real guest_memfd when /dev/kvm allows one,
 * else by a memfd (said in one line: the kernel's costs differ).
 *
 * The baseline for conversions is the bare system calls a conversion
 * needs, issued directly on a second file of the same kind mapped the
 * same way, in the same pattern: closing or opening the host view
 * (guard regions on soft), and for ZERO the zap of KVM's mapping and the
 * punch. The ratio says what cvmm adds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../mem/access.h"
#include "../../lib/kvm.h"
#include "../../lib/util.h"
#include "bench.h"

/* 64 MiB; CVMM_BENCH_CONVERT_MIB (a multiple of 2) for slow machines. */
static uint64_t region = 64 * MiB;
#define CHUNK (2 * MiB)

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE 103
#endif

#define ROUNDS 5 /* conversion and baseline alternate; medians compared */

struct backing {
	int vm_fd, fd;
	const char *what;
};

/* A second file like the slot's, mapped twice, for the bare calls. */
struct bare {
	struct backing b;
	uint8_t *kvm, *view;
};

static struct backing open_backing(void)
{
	struct backing b = { -1, -1, "memfd" };
	const char *want = getenv("CVMM_BENCH_BACKING");
	/* CVMM_BENCH_BACKING=memfd: a memfd even where KVM is, to compare the
	 * kernel's costs of the two files in one kernel. */
	bool memfd_only = want && !strcmp(want, "memfd");
	int sys = memfd_only || access("/dev/kvm", F_OK) ? -ENOENT
							: kvm_open_system();

	if (sys >= 0) {
		b.vm_fd = kvm_ioctl_raw(sys, KVM_CREATE_VM, KVM_X86_DEFAULT_VM);
		if (b.vm_fd >= 0)
			b.fd = kvm_ioctl_raw(b.vm_fd, KVM_CREATE_GUEST_MEMFD,
					     (unsigned long)&(struct kvm_create_guest_memfd){
						     .size = region,
						     .flags = GUEST_MEMFD_FLAG_MMAP |
							      GUEST_MEMFD_FLAG_INIT_SHARED });
		close(sys);
	}
	if (b.fd >= 0) {
		b.what = "guest_memfd (MMAP|INIT_SHARED)";
		return b;
	}
	b.fd = memfd_create("bench", MFD_CLOEXEC);
	if (b.fd < 0 || ftruncate(b.fd, region))
		perror("memfd");
	return b;
}

static void close_backing(struct backing *b)
{
	close(b->fd);
	if (b->vm_fd >= 0)
		close(b->vm_fd);
}

static void touch(uint8_t *map, uint64_t g, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		map[g + off] = 1;
}

/* Touch every page of [gpa, gpa+len) through the KVM view, untimed. */
static void warm(struct guest_mem *m, uint64_t g, uint64_t len)
{
	touch(m->slot[0].kvm_map, g, len);
}

/*
 * Convert the whole region in `size` pieces, to_shared then to_private.
 * Returns the seconds spent in each direction.
 */
static void run_case(struct guest_mem *m, uint64_t size, enum mem_content mode,
		     bool warm_first, double secs[2])
{
	secs[0] = secs[1] = 0;
	for (int to = MEM_SHARED; to >= MEM_PRIVATE; to--) {
		for (uint64_t g = 0; g < region; g += CHUNK) {
			double t0;

			if (warm_first && mode == MEM_CONTENT_ZERO)
				warm(m, g, CHUNK);
			t0 = bench_now();
			for (uint64_t a = g; a < g + CHUNK; a += size)
				if (mem_convert(m, gpa(a), size, to, mode) != CONV_DONE)
					fprintf(stderr, "conversion failed\n");
			secs[to] += bench_now() - t0;
		}
	}
}

/* The system calls of one conversion of [a, a+size), issued directly. */
static void bare_calls(struct bare *b, uint64_t a, uint64_t size, int to,
		       enum mem_content mode)
{
	int err = 0;

	if (to == MEM_PRIVATE)
		err |= madvise(b->view + a, size, MADV_GUARD_INSTALL);
	if (mode == MEM_CONTENT_ZERO) {
		if (size > PAGE_SIZE)
			err |= madvise(b->kvm + a, size, MADV_DONTNEED);
		err |= fallocate(b->b.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				 (off_t)a, (off_t)size);
	}
	if (to == MEM_SHARED)
		err |= madvise(b->view + a, size, MADV_GUARD_REMOVE);
	if (err)
		perror("bare system call");
}

/* run_case() with the bare calls instead of mem_convert(). */
static void run_bare(struct bare *b, uint64_t size, enum mem_content mode,
		     bool warm_first, double secs[2])
{
	secs[0] = secs[1] = 0;
	for (int to = MEM_SHARED; to >= MEM_PRIVATE; to--) {
		for (uint64_t g = 0; g < region; g += CHUNK) {
			double t0;

			if (warm_first && mode == MEM_CONTENT_ZERO)
				touch(b->kvm, g, CHUNK);
			t0 = bench_now();
			for (uint64_t a = g; a < g + CHUNK; a += size)
				bare_calls(b, a, size, to, mode);
			secs[to] += bench_now() - t0;
		}
	}
}

static bool open_bare(struct bare *b)
{
	b->b = open_backing();
	b->kvm = mmap(NULL, region, PROT_READ | PROT_WRITE, MAP_SHARED,
		      b->b.fd, 0);
	b->view = mmap(NULL, region, PROT_READ | PROT_WRITE, MAP_SHARED,
		       b->b.fd, 0);
	if (b->kvm == MAP_FAILED || b->view == MAP_FAILED) {
		perror("mapping the baseline file");
		return false;
	}
	/* Private at start, like the slot: every page guarded. */
	if (madvise(b->view, region, MADV_GUARD_INSTALL)) {
		perror("MADV_GUARD_INSTALL (no guard regions: no baseline)");
		return false;
	}
	return true;
}

static void close_bare(struct bare *b)
{
	munmap(b->kvm, region);
	munmap(b->view, region);
	close_backing(&b->b);
}

static const char *const mode_name[] = { "", "zero", "preserve" };

/* Seconds per request, [size 4K/2M][mode zero/preserve][cold/warm][to]. */
struct results {
	double conv[2][2][2][2], bare[2][2][2][2];
};

static void print_row(int sz, int md, int w, int to, double secs,
		      double reqs)
{
	double pages = reqs * (sz ? CHUNK : PAGE_SIZE) / PAGE_SIZE;

	printf("%-6s %-9s %-5s %-10s %14.0f %12.2f\n", sz ? "2M" : "4K",
	       mode_name[md], w ? "warm" : "cold",
	       to ? "to-shared" : "to-private", pages / secs, 1e6 * secs / reqs);
}

/* One case: ROUNDS alternating rounds of conversions and bare calls. */
static void measure_case(struct guest_mem *m, struct bare *b, int sz, int md,
			 int w, struct results *r)
{
	uint64_t size = sz ? CHUNK : PAGE_SIZE;
	double reqs = (double)region / (double)size, conv[2][ROUNDS],
	       bare[2][ROUNDS] = { { 0 } };

	for (int k = 0; k < ROUNDS; k++) {
		double secs[2], bsecs[2] = { 0, 0 };

		run_case(m, size, (enum mem_content)md, w, secs);
		if (b)
			run_bare(b, size, (enum mem_content)md, w, bsecs);
		for (int to = 0; to < 2; to++) {
			conv[to][k] = secs[to];
			bare[to][k] = bsecs[to];
		}
	}
	for (int to = 0; to < 2; to++) {
		double c = bench_median(conv[to], ROUNDS);

		r->conv[sz][md - 1][w][to] = c / reqs;
		r->bare[sz][md - 1][w][to] = bench_median(bare[to], ROUNDS) / reqs;
		print_row(sz, md, w, to, c, reqs);
	}
}

static void measure_all(struct guest_mem *m, struct bare *b, struct results *r)
{
	printf("\nmedians of %d rounds of %llu MiB\n%-6s %-9s %-5s %-10s %14s "
	       "%12s\n", ROUNDS, (unsigned long long)(region / MiB), "range",
	       "mode", "mem", "direction", "pages/s", "us/request");
	for (int sz = 0; sz < 2; sz++)
		for (int md = 1; md <= 2; md++)
			for (int w = 0; w < 2; w++)
				/* PRESERVE frees nothing: warm is the same as cold. */
				if (md != MEM_CONTENT_PRESERVE || !w)
					measure_case(m, b, sz, md, w, r);
}

static void print_ratios(const struct results *r, bool bare)
{
	printf("\none 2 MiB request vs 512 requests of 4 KiB (goal >= 20x):\n");
	for (int md = 0; md < 2; md++)
		for (int w = 0; w < 2 - md; w++)
			for (int to = 0; to < 2; to++)
				printf("  %-9s %-5s %-10s %6.1fx\n", mode_name[md + 1],
				       w ? "warm" : "cold",
				       to ? "to-shared" : "to-private",
				       512 * r->conv[0][md][w][to] / r->conv[1][md][w][to]);
	if (!bare)
		return;
	printf("\nconversion vs its bare system calls, us per 4 KiB page "
	       "(goal <= 1.5x):\n%-6s %-9s %-5s %-10s %10s %10s %7s\n", "range",
	       "mode", "mem", "direction", "convert", "bare", "ratio");
	for (int sz = 0; sz < 2; sz++)
		for (int md = 0; md < 2; md++)
			for (int w = 0; w < 2 - md; w++)
				for (int to = 0; to < 2; to++) {
					double per = sz ? 512.0 : 1.0;

					printf("%-6s %-9s %-5s %-10s %10.3f %10.3f %6.2fx\n",
					       sz ? "2M" : "4K", mode_name[md + 1],
					       w ? "warm" : "cold",
					       to ? "to-shared" : "to-private",
					       1e6 * r->conv[sz][md][w][to] / per,
					       1e6 * r->bare[sz][md][w][to] / per,
					       r->conv[sz][md][w][to] / r->bare[sz][md][w][to]);
				}
}

/*
 * The hint of the issue, alone: punching 2 MiB of warm memory with and
 * without one madvise(DONTNEED) of the KVM-side mapping first.
 */
static void zap_first(struct bare *b)
{
	double secs[2][ROUNDS], n = region / CHUNK;

	for (int r = 0; r < ROUNDS; r++)
		for (int zap = 0; zap < 2; zap++) {
			secs[zap][r] = 0;
			for (uint64_t g = 0; g < region; g += CHUNK) {
				double t0;

				touch(b->kvm, g, CHUNK);
				t0 = bench_now();
				if (zap && madvise(b->kvm + g, CHUNK, MADV_DONTNEED))
					perror("madvise");
				if (fallocate(b->b.fd, FALLOC_FL_PUNCH_HOLE |
						      FALLOC_FL_KEEP_SIZE,
					      (off_t)g, CHUNK))
					perror("fallocate");
				secs[zap][r] += bench_now() - t0;
			}
		}
	printf("\nwarm 2 MiB punch, us (median): alone %.1f, after "
	       "madvise(DONTNEED) %.1f (%.2fx)\n",
	       1e6 * bench_median(secs[0], ROUNDS) / n,
	       1e6 * bench_median(secs[1], ROUNDS) / n,
	       bench_median(secs[0], ROUNDS) / bench_median(secs[1], ROUNDS));
}

static void conversions(struct guest_mem *m)
{
	struct results r;
	struct bare b;
	bool have_bare = open_bare(&b);

	measure_all(m, have_bare ? &b : NULL, &r);
	print_ratios(&r, have_bare);
	if (have_bare)
		zap_first(&b);
	close_bare(&b);
}

static void accessor(struct guest_mem *m)
{
	enum { N = 1000000 };
	static uint8_t buf[PAGE_SIZE], plain[PAGE_SIZE];
	struct mem_domain d;
	double t0, checked, base;
	int err = 0;

	mem_domain_init(&d, m, "bench", 0, 0);
	if (mem_convert(m, gpa(0), CHUNK, MEM_SHARED, MEM_CONTENT_ZERO) != CONV_DONE)
		fprintf(stderr, "conversion failed\n");
	printf("\n%-26s %12s %12s %8s\n", "checked access", "ns/call",
	       "memcpy ns", "ratio");
	for (size_t len = 8; len <= PAGE_SIZE; len *= 512) {
		t0 = bench_now();
		for (int i = 0; i < N; i++)
			err |= mem_read(&d, gpa((uint64_t)(i & 255) * 8), buf, len);
		checked = (bench_now() - t0) / N;
		t0 = bench_now();
		for (int i = 0; i < N; i++) {
			memcpy(buf, plain + (i & 7), len);
			__asm__ volatile("" : : "r"(buf) : "memory");
		}
		base = (bench_now() - t0) / N;
		printf("mem_read %-17zu %12.1f %12.1f %7.1fx\n", len, checked * 1e9,
		       base * 1e9, checked / base);
	}
	if (err)
		fprintf(stderr, "accessor refused a shared read\n");
}

void bench_convert(void)
{
	struct mem_backend be = { .in_place = true };
	const char *mib = getenv("CVMM_BENCH_CONVERT_MIB");
	struct backing b;
	struct guest_mem m;

	if (mib && atoi(mib) >= 2 && atoi(mib) % 2 == 0)
		region = (uint64_t)atoi(mib) * MiB;
	b = open_backing();
	if (b.vm_fd < 0)
		printf("== no guest_memfd (no /dev/kvm, or CVMM_BENCH_BACKING="
		       "memfd): conversions run on a memfd, whose kernel costs "
		       "differ from a guest_memfd's\n");
	mem_init(&m, &be, MEM_CONTENT_ZERO, false);
	if (mem_add_slot(&m, 0, region, b.fd, b.fd) < 0) {
		fprintf(stderr, "cannot map the benchmark region\n");
		return;
	}
	printf("== conversion benchmark: %llu MiB on %s, host view: %s\n",
	       (unsigned long long)(region / MiB), b.what,
	       mem_view_mode_name(m.slot[0].view));
	conversions(&m);
	accessor(&m);
	mem_destroy(&m);
	close_backing(&b);
}
