// SPDX-License-Identifier: MIT
/*
 * Kernel profile of warm ZERO conversions (`bench kprof`, run by make
 * rig-bench's kprof section; not part of a plain `bench`). Issue 11 wants
 * one warm 2 MiB ZERO conversion 20x cheaper than 512 of 4 KiB; this
 * shows where the kernel spends the time of each, so a ratio short of
 * the goal is explained by a measured per-page kernel cost or by
 * something cvmm could avoid.
 *
 * Every case converts (or calls) over the whole region in 4 KiB and in
 * 2 MiB requests, after untimed warming (every page allocated):
 *   convert     cvmm's mem_convert(to private, ZERO) on an in-place
 *               guest_memfd (soft's layout; bench convert's slot)
 *   bare        its bare system calls on a second file of the same kind:
 *               guard install, (2 MiB) madvise(DONTNEED), punch
 *   attrs       KVM_SET_MEMORY_ATTRIBUTES(private) on a sw-protected VM
 *               whose memslot is bound to a guest_memfd
 *   bound-punch the punch of that bound guest_memfd (sw-protected's
 *               private side freed on a ZERO conversion to shared)
 * All timed first (rounds alternate between cases, medians), then each
 * once under ftrace's function_graph tracer (tracefs; this process
 * only, graphs rooted at fallocate, madvise and ioctl, the buffer on only
 * around the requests), summed per function: calls, time with children
 * and self time, and whether a function scales per call, per page or per
 * batch of pages. (The function profiler would be lighter, but switching
 * it on oopsed the rig's 7.3.) Without tracefs, timings only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../mem/guest_mem.h"
#include "../../lib/kvm.h"
#include "../../lib/util.h"
#include "bench.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE 103
#endif

#define CHUNK (2 * MiB)
#define ROUNDS 3
#define NCASES 4
#define PUNCH (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)

static uint64_t region = 16 * MiB;
static const char *tracefs = "/sys/kernel/tracing";

/* Write val to a tracefs file; false (and one line) when that fails. */
static bool tracefs_write(const char *file, const char *val, int flags)
{
	char path[256];
	int fd;
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", tracefs, file);
	fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	ok = fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	if (!ok)
		fprintf(stderr, "kprof: cannot write %s to %s: %s\n", val, path,
			strerror(errno));
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Appending: set_graph_function and set_ftrace_pid add one entry. */
static bool tracefs_put(const char *file, const char *val)
{
	return tracefs_write(file, val, 0);
}

/* Everything the cases work on. */
struct kp {
	struct guest_mem m;            /* convert: cvmm's in-place slot */
	int vm, gmem;                  /* the slot's (default) VM and file */
	int bgmem;                     /* bare: a second file like it */
	uint8_t *bkvm, *bview;
	int svm, sgmem;                /* attrs, bound-punch: sw-protected */
	void *sshared;
	bool have_sw;
};

struct kcase {
	const char *name;
	void (*prepare)(struct kp *k);
	int (*step)(struct kp *k, uint64_t a, uint64_t size);
};

static void touch(uint8_t *map)
{
	for (uint64_t off = 0; off < region; off += PAGE_SIZE)
		map[off] = 1;
}

static void conv_prepare(struct kp *k)
{
	if (mem_convert(&k->m, gpa(0), region, MEM_SHARED,
			MEM_CONTENT_PRESERVE) != CONV_DONE)
		fprintf(stderr, "kprof: conversion to shared failed\n");
	touch(k->m.slot[0].kvm_map);
}

static int conv_step(struct kp *k, uint64_t a, uint64_t size)
{
	return mem_convert(&k->m, gpa(a), size, MEM_PRIVATE,
			   MEM_CONTENT_ZERO) == CONV_DONE ? 0 : -1;
}

static void bare_prepare(struct kp *k)
{
	if (madvise(k->bview, region, MADV_GUARD_REMOVE))
		perror("kprof: MADV_GUARD_REMOVE");
	touch(k->bkvm);
}

/* What conv_step asks of the kernel (bench convert's bare calls). */
static int bare_step(struct kp *k, uint64_t a, uint64_t size)
{
	int err = madvise(k->bview + a, size, MADV_GUARD_INSTALL);

	if (size > PAGE_SIZE)
		err |= madvise(k->bkvm + a, size, MADV_DONTNEED);
	return err | fallocate(k->bgmem, PUNCH, (off_t)a, (off_t)size);
}

static void attrs_prepare(struct kp *k)
{
	if (kvm_set_private(k->svm, 0, region, false))
		fprintf(stderr, "kprof: KVM_SET_MEMORY_ATTRIBUTES failed\n");
}

static int attrs_step(struct kp *k, uint64_t a, uint64_t size)
{
	return kvm_set_private(k->svm, a, size, true);
}

static void bpunch_prepare(struct kp *k)
{
	/* guest_memfd allocates only with KEEP_SIZE (its size is fixed). */
	if (fallocate(k->sgmem, FALLOC_FL_KEEP_SIZE, 0, (off_t)region))
		perror("kprof: allocating the bound guest_memfd");
}

static int bpunch_step(struct kp *k, uint64_t a, uint64_t size)
{
	return fallocate(k->sgmem, PUNCH, (off_t)a, (off_t)size);
}

static const struct kcase cases[NCASES] = {
	{ "convert", conv_prepare, conv_step },
	{ "bare", bare_prepare, bare_step },
	{ "attrs", attrs_prepare, attrs_step },
	{ "bound-punch", bpunch_prepare, bpunch_step },
};

static bool case_ok(const struct kp *k, int c)
{
	return c < 2 || k->have_sw;
}

/* Seconds for the whole region in `size` requests, after prepare. */
static double run_once(struct kp *k, const struct kcase *kc, uint64_t size,
		       const char *trace_switch)
{
	int fails = 0;
	double t0;

	kc->prepare(k);
	if (trace_switch && !tracefs_put(trace_switch, "1"))
		return -1;
	t0 = bench_now();
	for (uint64_t a = 0; a < region; a += size)
		fails += kc->step(k, a, size) != 0;
	t0 = bench_now() - t0;
	if (trace_switch)
		tracefs_put(trace_switch, "0");
	if (fails)
		fprintf(stderr, "kprof: %s: %d requests failed\n", kc->name, fails);
	return t0;
}

/* One function's summed profile over every CPU. */
struct fn {
	char name[40];
	double hits, us, self;
};

struct prof {
	struct fn *f;
	size_t n, cap;
};

static struct fn *prof_slot(struct prof *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->f[i].name, name))
			return &p->f[i];
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 256;
		struct fn *f = realloc(p->f, cap * sizeof(*f));

		if (!f)
			return NULL;
		p->f = f;
		p->cap = cap;
	}
	p->f[p->n] = (struct fn){ .hits = 0 };
	snprintf(p->f[p->n].name, sizeof(p->f[p->n].name), "%s", name);
	return &p->f[p->n++];
}

#define MAX_DEPTH 64

/* The open calls of a function_graph trace: name and children's time. */
struct frame {
	char name[40];
	double children;
};

/* A call ended after `us`: count it, and its time in its caller's. */
static void prof_add(struct prof *p, struct frame *st, int depth,
		     const char *name, double us)
{
	struct fn *e = prof_slot(p, name);
	double children = depth >= 0 && depth < MAX_DEPTH ? st[depth].children : 0;

	if (e) {
		e->hits++;
		e->us += us;
		e->self += us - children;
	}
	if (depth > 0 && depth <= MAX_DEPTH)
		st[depth - 1].children += us;
}

/*
 * One line of the trace (funcgraph-cpu, -proc, -overhead, -irqs off,
 * -tail on): "DUR us | name();" (a leaf), "| name() {" (a call opens)
 * or "DUR us | } /\* name *\/" (it closes); two spaces of indent per level.
 */
static void prof_line(struct prof *p, struct frame *st, int *depth,
		      const char *line)
{
	const char *bar = strchr(line, '|'), *f;
	char name[40];
	double us = 0;

	if (line[0] == '#' || !bar)
		return;
	sscanf(line, "%lf", &us);
	for (f = bar + 1; *f == ' '; f++)
		;
	if (*f == '}') {
		if (*depth > 0) {
			(*depth)--;
			prof_add(p, st, *depth, st[*depth < MAX_DEPTH ? *depth : 0].name, us);
		}
	} else if (sscanf(f, "%39[^(]", name) == 1) {
		if (strstr(f, "() {")) {
			if (*depth < MAX_DEPTH) {
				snprintf(st[*depth].name, sizeof(st[0].name), "%s", name);
				st[*depth].children = 0;
			}
			(*depth)++;
		} else {
			if (*depth < MAX_DEPTH)
				st[*depth].children = 0;
			prof_add(p, st, *depth, name, us);
		}
	}
}

/* Read and clear the trace: per function, calls, time and self time. */
static void prof_read(struct prof *p)
{
	static struct frame st[MAX_DEPTH];
	char path[256], line[512];
	int depth = 0;
	FILE *f;

	p->n = 0;
	snprintf(path, sizeof(path), "%s/trace", tracefs);
	f = fopen(path, "re");
	if (!f) {
		perror("kprof: reading the trace");
		return;
	}
	while (fgets(line, sizeof(line), f))
		prof_line(p, st, &depth, line);
	fclose(f);
	tracefs_write("trace", "", O_TRUNC);
}

static const struct fn *prof_get(const struct prof *p, const char *name)
{
	static const struct fn none;

	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->f[i].name, name))
			return &p->f[i];
	return &none;
}

enum scale { PER_PAGE, PER_CALL, PER_BATCH, OTHER };
static const char *const scale_name[] = { "page", "call", "batch", "other" };

/*
 * How a function's hits grow: over the same pages, a per-page function
 * is hit as often with 2 MiB requests as with 4 KiB ones, a per-call one
 * 512 times less; in between, per batch of pages (truncation frees
 * folios 31 at a time), which is per-page cost too. Hit less than once
 * per two requests either way: not the conversion's (timer ticks and the
 * like).
 */
static enum scale classify(double h4, double h2)
{
	double pages = (double)(region / PAGE_SIZE), calls2 = pages / 512;

	if (h4 < pages / 2 && h2 < calls2 / 2)
		return OTHER;
	if (h2 == 0 || h4 / h2 > 128)
		return PER_CALL;
	return h4 / h2 < 4 ? PER_PAGE : PER_BATCH;
}

static bool show_self; /* the table being printed: self time or with children */

static double val(const struct fn *e)
{
	return show_self ? e->self : e->us;
}

static double us_of(const struct prof *p, const char *name)
{
	return val(prof_get(p, name));
}

/* Indices of the union of both profiles' functions, costliest first. */
static size_t prof_union(const struct prof p[2], const char **names,
			 size_t max)
{
	size_t n = 0;

	for (int s = 0; s < 2; s++)
		for (size_t i = 0; i < p[s].n && n < max; i++) {
			bool seen = false;

			for (size_t j = 0; j < n && !seen; j++)
				seen = !strcmp(names[j], p[s].f[i].name);
			if (!seen)
				names[n++] = p[s].f[i].name;
		}
	for (size_t i = 1; i < n; i++) /* insertion sort by max time */
		for (size_t j = i; j > 0; j--) {
			double a = us_of(&p[0], names[j - 1]) + us_of(&p[1], names[j - 1]),
			       b = us_of(&p[0], names[j]) + us_of(&p[1], names[j]);

			const char *t = names[j];

			if (a >= b)
				break;
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	return n;
}

#define MAX_FNS 4096
#define TOP_ROWS 18

/* One profile table: p[0] with 4 KiB requests, p[1] with 2 MiB. */
static void print_profile(const char *cname, const struct prof p[2],
			  bool self)
{
	static const char *names[MAX_FNS];
	double pages = (double)(region / PAGE_SIZE), sum[4][2] = { { 0 } };
	size_t n;

	show_self = self;
	n = prof_union(p, names, MAX_FNS);
	printf("\nkprof %s, %s, per 4 KiB page (calls, ns):\n"
	       "  %-30s %9s %9s %10s %10s  %s\n", cname,
	       self ? "self time" : "time with children", "function",
	       "calls 4K", "calls 2M", "ns 4K", "ns 2M", "scales per");
	for (size_t i = 0; i < n; i++) {
		const struct fn *a = prof_get(&p[0], names[i]),
				*b = prof_get(&p[1], names[i]);
		enum scale sc = classify(a->hits, b->hits);

		sum[sc][0] += val(a);
		sum[sc][1] += val(b);
		if (i < TOP_ROWS)
			printf("  %-30s %9.3f %9.3f %10.1f %10.1f  %s\n", names[i],
			       a->hits / pages, b->hits / pages,
			       1e3 * val(a) / pages, 1e3 * val(b) / pages,
			       scale_name[sc]);
	}
	if (!self)
		return; /* nested times overlap: no sums */
	printf("  self time by how it scales, ns per page (4K, 2M):");
	for (int sc = 0; sc < 4; sc++)
		printf(" %s %.0f, %.0f;", scale_name[sc], 1e3 * sum[sc][0] / pages,
		       1e3 * sum[sc][1] / pages);
	printf("\n");
}

static int new_vm(int sys, unsigned long type)
{
	return kvm_ioctl_raw(sys, KVM_CREATE_VM, type);
}

/* The sw-protected VM with one memslot bound to a guest_memfd. */
static bool open_sw(struct kp *k, int sys)
{
	k->svm = new_vm(sys, KVM_X86_SW_PROTECTED_VM);
	k->sgmem = k->svm < 0 ? -1 : kvm_create_guest_memfd(k->svm, region, 0);
	k->sshared = mmap(NULL, region, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (k->sgmem < 0 || k->sshared == MAP_FAILED ||
	    kvm_set_memslot(k->svm, 0, 0, region, k->sshared, k->sgmem)) {
		printf("kprof: no sw-protected VM with a bound guest_memfd here: "
		       "attrs and bound-punch skipped\n");
		return false;
	}
	return true;
}

/* The in-place slot and the bare file: guest_memfds that can be mapped. */
static bool open_inplace(struct kp *k, int sys)
{
	const uint64_t fl = GUEST_MEMFD_FLAG_MMAP | GUEST_MEMFD_FLAG_INIT_SHARED;
	struct mem_backend be = { .in_place = true };

	mem_init(&k->m, &be, MEM_CONTENT_ZERO, false);
	k->vm = new_vm(sys, KVM_X86_DEFAULT_VM);
	k->gmem = k->vm < 0 ? -1 : kvm_create_guest_memfd(k->vm, region, fl);
	k->bgmem = k->vm < 0 ? -1 : kvm_create_guest_memfd(k->vm, region, fl);
	if (k->gmem < 0 || k->bgmem < 0)
		return false;
	k->bkvm = mmap(NULL, region, PROT_READ | PROT_WRITE, MAP_SHARED,
		       k->bgmem, 0);
	k->bview = mmap(NULL, region, PROT_READ | PROT_WRITE, MAP_SHARED,
			k->bgmem, 0);
	return mem_add_slot(&k->m, 0, region, k->gmem, k->gmem) >= 0 &&
	       k->bkvm != MAP_FAILED && k->bview != MAP_FAILED;
}

static void close_fd(int fd)
{
	if (fd >= 0)
		close(fd);
}

static void kp_close(struct kp *k)
{
	mem_destroy(&k->m);
	if (k->bkvm && k->bkvm != MAP_FAILED)
		munmap(k->bkvm, region);
	if (k->bview && k->bview != MAP_FAILED)
		munmap(k->bview, region);
	close_fd(k->bgmem);
	close_fd(k->gmem);
	close_fd(k->vm);
}

/*
 * Unprofiled: us per request with 4 KiB (c4) and 2 MiB (c2) requests.
 * Modelled as c = C + pages * p (C per call, p per page):
 * p = (c2 - c4) / 511 and C = c4 - p. No 2 MiB request can cost less than
 * 512 p, so no ratio can pass c4 / p while the 4 KiB cost stays.
 */
static void print_times(const struct kp *k, double t[NCASES][2][ROUNDS])
{
	double reqs[2] = { (double)(region / PAGE_SIZE), (double)(region / CHUNK) };

	printf("\nkprof: warm requests over %llu MiB, unprofiled, median of %d "
	       "rounds\n%-12s %10s %10s %9s %8s %8s %10s\n",
	       (unsigned long long)(region / MiB), ROUNDS, "case", "us/req 4K",
	       "us/req 2M", "512x4K/2M", "C us", "p us", "max c4/p");
	for (int c = 0; c < NCASES; c++) {
		double c4, c2, p;

		if (!case_ok(k, c))
			continue;
		c4 = 1e6 * bench_median(t[c][0], ROUNDS) / reqs[0];
		c2 = 1e6 * bench_median(t[c][1], ROUNDS) / reqs[1];
		p = (c2 - c4) / 511;
		printf("%-12s %10.2f %10.1f %8.1fx %8.2f %8.3f", cases[c].name, c4,
		       c2, 512 * c4 / c2, c4 - p, p);
		if (p > 0)
			printf(" %9.1fx\n", c4 / p);
		else
			printf(" %10s\n", "-");
	}
}

/* Events the ring buffer lost (overwritten), over every CPU. */
static unsigned long lost_events(void)
{
	char path[256], line[128];
	unsigned long n = 0, v;

	for (int cpu = 0;; cpu++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/per_cpu/cpu%d/stats", tracefs, cpu);
		f = fopen(path, "re");
		if (!f)
			break;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "overrun: %lu", &v) == 1)
				n += v;
		fclose(f);
	}
	return n;
}

/*
 * function_graph on this process only, its graphs rooted at the system
 * calls a conversion makes (interrupts left out), the buffer off until
 * run_once() switches it on around the requests.
 */
static bool graph_setup(void)
{
	static const char *const opts[][2] = {
		{ "options/funcgraph-cpu", "0" },  { "options/funcgraph-proc", "0" },
		{ "options/funcgraph-overhead", "0" }, { "options/funcgraph-irqs", "0" },
		{ "options/funcgraph-tail", "1" }, { "options/funcgraph-duration", "1" },
		{ "set_graph_function", "__x64_sys_fallocate" },
		{ "set_graph_function", "__x64_sys_madvise" },
		{ "set_graph_function", "__x64_sys_ioctl" },
	};
	char pid[32];
	bool ok = tracefs_put("tracing_on", "0") &&
		  tracefs_put("buffer_size_kb", "65536") &&
		  tracefs_put("current_tracer", "function_graph");

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	ok = ok && tracefs_put("set_ftrace_pid", pid);
	for (size_t i = 0; ok && i < sizeof(opts) / sizeof(opts[0]); i++)
		ok = tracefs_put(opts[i][0], opts[i][1]);
	return ok && tracefs_write("trace", "", O_TRUNC);
}

static void graph_reset(void)
{
	tracefs_put("current_tracer", "nop");
	tracefs_write("set_graph_function", "", O_TRUNC);
	tracefs_write("set_ftrace_pid", "", O_TRUNC);
	tracefs_put("buffer_size_kb", "1408");
}

/* Cases [first, last) once per request size under function_graph, 4 MiB. */
static void profile_cases(struct kp *k, int first, int last)
{
	static struct prof p[2];
	uint64_t full = region;

	region = full < 4 * MiB ? full : 4 * MiB; /* the buffer holds it */
	printf("\nkprof: function_graph over %llu MiB (the tracer's own cost is "
	       "in every time: apportion with these, take absolute figures from "
	       "the table above)\n", (unsigned long long)(region / MiB));
	for (int c = first; c < last; c++) {
		unsigned long lost = lost_events();

		for (int sz = 0; sz < 2; sz++) {
			if (run_once(k, &cases[c], sz ? CHUNK : PAGE_SIZE,
				     "tracing_on") < 0)
				break;
			prof_read(&p[sz]);
		}
		if (lost_events() != lost)
			printf("kprof: %s: %lu trace events lost: incomplete\n",
			       cases[c].name, lost_events() - lost);
		print_profile(cases[c].name, p, true);
		print_profile(cases[c].name, p, false);
	}
	region = full;
}

/* Cases [first, last) timed, rounds alternating between them. */
static void time_cases(struct kp *k, double t[NCASES][2][ROUNDS], int first,
		       int last)
{
	for (int r = 0; r < ROUNDS; r++)
		for (int c = first; c < last; c++)
			for (int sz = 0; sz < 2; sz++)
				t[c][sz][r] = run_once(k, &cases[c],
						       sz ? CHUNK : PAGE_SIZE, NULL);
}

static void close_sw(struct kp *k)
{
	if (k->sshared && k->sshared != MAP_FAILED)
		munmap(k->sshared, region);
	close_fd(k->sgmem);
	close_fd(k->svm);
	k->sshared = NULL;
	k->sgmem = k->svm = -1;
}

/*
 * The in-place cases with the one VM a cvmm process has (every VM in a
 * process adds its MMU notifier to each zap), then the sw-protected
 * VM's cases with that VM open: all timed, then all profiled. The tracer
 * is switched on once: in the rig's 7.3 switching function_graph on a
 * second time in one boot oopsed (an instruction fetch from an NX page,
 * as the function profiler did at once).
 */
static void measure(struct kp *k, int sys, double t[NCASES][2][ROUNDS])
{
	char sw[256];
	bool graph;

	snprintf(sw, sizeof(sw), "%s/set_graph_function", tracefs);
	graph = access(sw, W_OK) == 0;
	for (int profile = 0; profile < 1 + graph; profile++) {
		if (profile && !graph_setup()) {
			graph_reset();
			break;
		}
		for (int first = 0; first < NCASES; first += 2) {
			if (first && !(k->have_sw = open_sw(k, sys)))
				break;
			if (profile)
				profile_cases(k, first, first + 2);
			else
				time_cases(k, t, first, first + 2);
		}
		close_sw(k);
	}
	if (graph)
		graph_reset();
	else
		printf("\nkprof: no function_graph tracer (%s: %s; mount tracefs, "
		       "CONFIG_FUNCTION_GRAPH_TRACER): timings only\n", sw,
		       strerror(errno));
}

void bench_kprof(void)
{
	static double t[NCASES][2][ROUNDS];
	const char *mib = getenv("CVMM_BENCH_KPROF_MIB");
	struct kp k = { .vm = -1, .gmem = -1, .bgmem = -1,
			.svm = -1, .sgmem = -1 };
	int sys;

	if (mib && atoi(mib) >= 2 && atoi(mib) % 2 == 0)
		region = (uint64_t)atoi(mib) * MiB;
	if (getenv("CVMM_BENCH_TRACEFS"))
		tracefs = getenv("CVMM_BENCH_TRACEFS");
	sys = access("/dev/kvm", F_OK) ? -ENOENT : kvm_open_system();
	if (sys < 0 || !open_inplace(&k, sys)) {
		if (sys < 0)
			mem_init(&k.m, &(struct mem_backend){ 0 }, MEM_CONTENT_ZERO,
				 false);
		printf("== kprof: skipped: no guest_memfd that can be mapped "
		       "(needs /dev/kvm and a kernel with GUEST_MEMFD_FLAG_MMAP)\n");
		if (sys >= 0)
			close(sys);
		kp_close(&k);
		return;
	}
	printf("== kprof: warm ZERO requests, %llu MiB, 4 KiB and 2 MiB\n",
	       (unsigned long long)(region / MiB));
	measure(&k, sys, t);
	close(sys);
	print_times(&k, t);
	kp_close(&k);
}
