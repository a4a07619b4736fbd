// SPDX-License-Identifier: MIT
/*
 * Conversion benchmark, no guest: pages per second when converting 4 KiB
 * and 2 MiB ranges, both directions, both content modes, on "cold" memory
 * (nothing allocated) and "warm" memory (every page allocated before a
 * ZERO conversion frees it); then the cost of one checked access against
 * a plain memcpy. Backed by a real guest_memfd when /dev/kvm allows one.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../mem/access.h"
#include "../../lib/kvm.h"
#include "../../lib/util.h"
#include "bench.h"

#define REGION (64 * MiB)
#define CHUNK (2 * MiB)

struct backing {
	int vm_fd, fd;
	const char *what;
};

static struct backing open_backing(void)
{
	struct backing b = { -1, -1, "memfd" };
	int sys = kvm_open_system();

	if (sys >= 0) {
		b.vm_fd = kvm_ioctl_raw(sys, KVM_CREATE_VM, KVM_X86_DEFAULT_VM);
		if (b.vm_fd >= 0)
			b.fd = kvm_ioctl_raw(b.vm_fd, KVM_CREATE_GUEST_MEMFD,
					     (unsigned long)&(struct kvm_create_guest_memfd){
						     .size = REGION,
						     .flags = GUEST_MEMFD_FLAG_MMAP |
							      GUEST_MEMFD_FLAG_INIT_SHARED });
		close(sys);
	}
	if (b.fd >= 0) {
		b.what = "guest_memfd (MMAP|INIT_SHARED)";
		return b;
	}
	b.fd = memfd_create("bench", MFD_CLOEXEC);
	if (b.fd < 0 || ftruncate(b.fd, REGION))
		perror("memfd");
	return b;
}

/* Touch every page of [gpa, gpa+len) through the KVM view, untimed. */
static void warm(struct guest_mem *m, uint64_t g, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE)
		m->slot[0].kvm_map[g + off] = 1;
}

/*
 * Convert the whole region in `size` pieces, to_shared then to_private,
 * `rounds` times. Returns the seconds spent in each direction.
 */
static void run_case(struct guest_mem *m, uint64_t size, enum mem_content mode,
		     bool warm_first, int rounds, double secs[2])
{
	secs[0] = secs[1] = 0;
	for (int r = 0; r < rounds; r++) {
		for (int to = MEM_SHARED; to >= MEM_PRIVATE; to--) {
			for (uint64_t g = 0; g < REGION; g += CHUNK) {
				double t0;

				if (warm_first && mode == MEM_CONTENT_ZERO)
					warm(m, g, CHUNK);
				t0 = bench_now();
				for (uint64_t a = g; a < g + CHUNK; a += size)
					if (mem_convert(m, gpa(a), size, to, mode) !=
					    CONV_DONE)
						fprintf(stderr, "conversion failed\n");
				secs[to] += bench_now() - t0;
			}
		}
	}
}

static void conversions(struct guest_mem *m)
{
	static const char *const mode_name[] = { "", "zero", "preserve" };
	enum { ROUNDS = 3 };
	double pages = (double)ROUNDS * REGION / PAGE_SIZE, per[2][2][2][2];

	printf("\n%-6s %-9s %-5s %-10s %14s %12s\n", "range", "mode", "mem",
	       "direction", "pages/s", "us/request");
	for (int sz = 0; sz < 2; sz++)
		for (int md = 1; md <= 2; md++)
			for (int w = 0; w < 2; w++) {
				uint64_t size = sz ? CHUNK : PAGE_SIZE;
				double secs[2];

				if (md == MEM_CONTENT_PRESERVE && w)
					continue; /* nothing is freed: same as cold */
				run_case(m, size, (enum mem_content)md, w, ROUNDS, secs);
				for (int to = 0; to < 2; to++) {
					double reqs = pages * PAGE_SIZE / (double)size;

					per[sz][md - 1][w][to] = secs[to] / reqs;
					printf("%-6s %-9s %-5s %-10s %14.0f %12.2f\n",
					       sz ? "2M" : "4K", mode_name[md],
					       w ? "warm" : "cold",
					       to ? "to-shared" : "to-private",
					       pages / secs[to], 1e6 * secs[to] / reqs);
				}
			}
	printf("\none 2 MiB request vs 512 requests of 4 KiB (goal >= 20x):\n");
	for (int md = 0; md < 2; md++)
		for (int w = 0; w < 2 - md; w++)
			for (int to = 0; to < 2; to++)
				printf("  %-9s %-5s %-10s %6.1fx\n", mode_name[md + 1],
				       w ? "warm" : "cold",
				       to ? "to-shared" : "to-private",
				       512 * per[0][md][w][to] / per[1][md][w][to]);
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
	struct backing b = open_backing();
	struct guest_mem m;

	printf("== conversion benchmark: %llu MiB on %s\n",
	       (unsigned long long)(REGION / MiB), b.what);
	mem_init(&m, &be, MEM_CONTENT_ZERO, false);
	if (mem_add_slot(&m, 0, REGION, b.fd, b.fd) < 0) {
		fprintf(stderr, "cannot map the benchmark region\n");
		return;
	}
	conversions(&m);
	accessor(&m);
	mem_destroy(&m);
	close(b.fd);
	if (b.vm_fd >= 0)
		close(b.vm_fd);
}
