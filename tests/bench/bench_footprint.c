// SPDX-License-Identifier: MIT
/*
 * Footprint accounting on a large guest without KVM: a 256 GiB slot on a
 * sparse memfd with 64 MiB allocated. The baseline is what cvmm did
 * before on every --stats sample, exit and footprint-register read:
 * mincore over all of RAM, measured in the same run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../mem/guest_mem.h"
#include "../../lib/util.h"
#include "bench.h"

#define RAM (256 * GiB)
#define TOUCHED (64 * MiB)

static uint64_t mincore_all(uint8_t *map)
{
	enum { PIECE = 16384 };
	static unsigned char vec[PIECE];
	uint64_t n = 0;

	for (uint64_t off = 0; off < RAM; off += PIECE * PAGE_SIZE) {
		if (mincore(map + off, PIECE * PAGE_SIZE, vec))
			return 0;
		for (int i = 0; i < PIECE; i++)
			n += vec[i] & 1;
	}
	return n * PAGE_SIZE;
}

/* Seconds per call of f over n calls; *bytes its last answer. */
static double per_call(uint64_t (*f)(struct guest_mem *), struct guest_mem *m,
		       int n, uint64_t *bytes)
{
	double t0 = bench_now();

	for (int i = 0; i < n; i++)
		*bytes = f(m);
	return (bench_now() - t0) / n;
}

static uint64_t baseline(struct guest_mem *m)
{
	return mincore_all(m->slot[0].kvm_map);
}

void bench_footprint(void)
{
	static const struct {
		const char *name;
		uint64_t (*f)(struct guest_mem *);
		int n;
	} ways[] = {
		{ "mincore over RAM (baseline)", baseline, 3 },
		{ "mem_footprint (exact)", mem_footprint, 100 },
		{ "mem_sample_footprint", mem_sample_footprint, 1000 },
		{ "mem_footprint_counted", mem_footprint_counted, 100000 },
	};
	struct mem_backend be = { .in_place = true };
	int fd = memfd_create("footprint", MFD_CLOEXEC);
	struct guest_mem m;
	double base = 0;

	mem_init(&m, &be, MEM_CONTENT_ZERO, false);
	if (fd < 0 || ftruncate(fd, (off_t)RAM) || mem_add_slot(&m, 0, RAM, fd, fd) < 0) {
		fprintf(stderr, "footprint benchmark: cannot set up 256 GiB\n");
		return;
	}
	for (uint64_t off = 0; off < TOUCHED; off += PAGE_SIZE)
		m.slot[0].kvm_map[off * 64] = 1; /* spread over 16 GiB */
	printf("\n== footprint: 256 GiB slot (memfd), %llu MiB allocated\n"
	       "%-30s %12s %14s %9s\n", (unsigned long long)(TOUCHED / MiB),
	       "way", "us/call", "answer MiB", "speedup");
	for (size_t i = 0; i < ARRAY_SIZE(ways); i++) {
		uint64_t bytes = 0;
		double s = per_call(ways[i].f, &m, ways[i].n, &bytes);

		if (i == 0)
			base = s;
		printf("%-30s %12.2f %14.1f %8.0fx\n", ways[i].name, s * 1e6,
		       (double)bytes / MiB, base / s);
	}
	mem_destroy(&m);
	close(fd);
}
