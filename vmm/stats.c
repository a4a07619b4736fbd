// SPDX-License-Identifier: MIT
#include "stats.h"

#include <stdlib.h>

#include "../lib/outbuf.h"
#include "../lib/util.h"

static double ms(uint64_t from, uint64_t to)
{
	return to > from ? (double)(to - from) / 1e6 : 0;
}

static void print_exits(struct vm *vm, FILE *f)
{
	uint64_t total = 0;

	for (unsigned int k = 0; k < EXIT_KINDS; k++) {
		uint64_t n = 0;

		for (unsigned int i = 0; i < vm->ncpus; i++)
			n += vm->vcpu[i].exits[k];
		total += n;
		fprintf(f, "stats: exits.%s %llu\n", exit_kind_name(k),
			(unsigned long long)n);
	}
	fprintf(f, "stats: exits.total %llu\n", (unsigned long long)total);
}

static void print_memory(struct vm *vm, FILE *f)
{
	static const char *const dir[2] = { "to_private", "to_shared" };
	static const char *const mode[2] = { "zero", "preserve" };
	struct mem_stats s;

	uint64_t fp = mem_sample_footprint(&vm->mem);

	mem_get_stats(&vm->mem, &s);
	fprintf(f, "stats: memory.ram_bytes %llu\n",
		(unsigned long long)mem_ram_size(&vm->mem));
	fprintf(f, "stats: memory.footprint_bytes %llu\n",
		(unsigned long long)fp);
	fprintf(f, "stats: memory.footprint_peak_bytes %llu\n",
		(unsigned long long)s.footprint_peak);
	fprintf(f, "stats: memory.footprint_method %s\n",
		mem_footprint_method(&vm->mem));
	for (int d = 0; d < 2; d++)
		for (int m = 0; m < 2; m++)
			fprintf(f, "stats: convert.%s.%s %llu ops %llu bytes\n",
				dir[d], mode[m],
				(unsigned long long)s.conv_count[d][m],
				(unsigned long long)s.conv_bytes[d][m]);
	fprintf(f, "stats: convert.refused invalid %llu retry %llu "
		"unsupported %llu failed %llu\n",
		(unsigned long long)s.conv_invalid,
		(unsigned long long)s.conv_retry,
		(unsigned long long)s.conv_unsupported,
		(unsigned long long)s.conv_failed);
	fprintf(f, "stats: memory_fault.handled %llu reasserted %llu\n",
		(unsigned long long)s.faults,
		(unsigned long long)s.faults_reasserted);
	fprintf(f, "stats: guard.refused %llu\n",
		(unsigned long long)s.guard_refused);
	fprintf(f, "stats: guard.host_faults %llu\n",
		(unsigned long long)s.host_faults);
}

static void print_virtio(struct vm *vm, FILE *f)
{
	for (unsigned int i = 0; i < vm->nvirtio; i++) {
		struct virtio_dev *d = vm->virtio[i];
		struct virtio_stats s;

		pthread_mutex_lock(&d->lock);
		s = d->stats;
		pthread_mutex_unlock(&d->lock);
		fprintf(f, "stats: virtio.%s requests %llu bad_chains %llu "
			"refused %llu broken_rings %llu kicks %llu interrupts %llu\n",
			d->name, (unsigned long long)s.requests,
			(unsigned long long)s.bad_chains,
			(unsigned long long)__atomic_load_n(&d->dom.refused,
							    __ATOMIC_RELAXED),
			(unsigned long long)s.broken_rings,
			(unsigned long long)s.kicks,
			(unsigned long long)s.interrupts);
	}
}

/* Guest console output (UART and virtio-console) that a stuck or closed
 * stdout could not take. */
static void print_console(FILE *f)
{
	uint64_t written, dropped;

	outbuf_counts_all(&written, &dropped);
	fprintf(f, "stats: console.written_bytes %llu\n",
		(unsigned long long)written);
	fprintf(f, "stats: console.dropped_bytes %llu\n",
		(unsigned long long)dropped);
}

/* Where setup's time went: each phase since the one before (vm_mark). */
static void print_setup(struct vm *vm, uint64_t t_start, FILE *f)
{
	static const char *const names[SETUP_PHASES] = {
		"resolve", "kvm", "memory", "launch", "vcpus", "devices",
		"threads", "seccomp",
	};
	uint64_t prev = t_start;

	for (unsigned int p = 0; p < SETUP_PHASES; p++) {
		if (!vm->t_setup[p])
			return;
		fprintf(f, "stats: setup.%s_ms %.3f\n", names[p],
			ms(prev, vm->t_setup[p]));
		prev = vm->t_setup[p];
	}
	fprintf(f, "stats: setup.first_run_ms %.3f\n", ms(prev, vm->t_first_run));
}

static void print_all(struct vm *vm, uint64_t t_start, FILE *f)
{
	fprintf(f, "stats: platform %s\n", vm->plat ? vm->plat->name : "-");
	fprintf(f, "stats: setup_ms %.3f\n", ms(t_start, vm->t_first_run));
	print_setup(vm, t_start, f);
	fprintf(f, "stats: run_ms %.3f\n", ms(vm->t_first_run, vm->t_end));
	fprintf(f, "stats: total_ms %.3f\n", ms(t_start, vm->t_end));
	print_exits(vm, f);
	print_memory(vm, f);
	print_virtio(vm, f);
	print_console(f);
	fprintf(f, "stats: bus.unclaimed %s %llu mmio %llu\n", ARCH_IO_NAME,
		(unsigned long long)vm->io.unclaimed,
		(unsigned long long)vm->mmio.unclaimed);
}

/*
 * The report is composed in memory and written at once: stderr is
 * unbuffered, so printing it line by line cost one write(2) per line
 * (some 45), which showed in boot-to-exit times with --stats.
 */
void stats_print(struct vm *vm, uint64_t t_start, FILE *f)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m) {
		print_all(vm, t_start, f);
		return;
	}
	print_all(vm, t_start, m);
	if (fclose(m) == 0)
		fwrite(buf, 1, len, f);
	else
		print_all(vm, t_start, f);
	free(buf);
}
