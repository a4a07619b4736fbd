// SPDX-License-Identifier: MIT
/*
 * Test only: the scrub probe. pKVM should clear a page before it gives it
 * back to the host at VM teardown; ../shared/PKVM.md saw a page the guest
 * had shared and unshared come back with the guest's bytes in it. The
 * guest fills pages and names them (the test device); once the VM is gone,
 * cvmm reads them back through its own mapping and says what it found. A
 * report, not a check: what the hypervisor does is not cvmm's to assert.
 */
#include "guest_mem.h"

#include <errno.h>
#include <stdlib.h>

#include "access.h"
#include "fault_guard.h"

/* A watch is a page or two: what teardown reads back stays small. */
#define WATCH_MAX_LEN (2 * 4096u)

int mem_test_watch(struct guest_mem *m, gpa_t g, uint32_t len, uint8_t fill,
		   const char *what)
{
	struct mem_slot *s;
	int err = 0;

	/* The write lock: vCPUs may name pages at the same time. */
	pthread_rwlock_wrlock(&m->lock);
	s = mem_find_slot(m, g.v, len);
	if (!len || len > WATCH_MAX_LEN || !s || s->test_mem)
		err = -EINVAL;
	else if (m->nwatch == MEM_MAX_WATCHES)
		err = -ENOSPC;
	else
		m->watch[m->nwatch++] = (struct mem_watch){ g.v, len, fill, what };
	pthread_rwlock_unlock(&m->lock);
	return err;
}

static void report_one(const struct mem_watch *w, const uint8_t *p, FILE *f)
{
	uint32_t guests = 0, zeros = 0;

	for (uint32_t i = 0; i < w->len; i++) {
		guests += p[i] == w->fill;
		zeros += p[i] == 0;
	}
	if (guests == w->len)
		fprintf(f, "REPORT scrub: %s page 0x%llx: NOT scrubbed, the host "
			"reads the guest's bytes after teardown\n", w->what,
			(unsigned long long)w->gpa);
	else if (zeros == w->len)
		fprintf(f, "REPORT scrub: %s page 0x%llx: scrubbed, zeros after "
			"teardown\n", w->what, (unsigned long long)w->gpa);
	else
		fprintf(f, "REPORT scrub: %s page 0x%llx: %u of %u bytes still "
			"the guest's, %u zero after teardown\n", w->what,
			(unsigned long long)w->gpa, guests, w->len, zeros);
}

void mem_test_report_watches(struct guest_mem *m, FILE *f)
{
	for (unsigned int i = 0; i < m->nwatch; i++) {
		const struct mem_watch *w = &m->watch[i];
		struct mem_slot *s = mem_find_slot(m, w->gpa, w->len);
		uint8_t *buf = malloc(w->len);

		if (!s || !buf)
			fprintf(f, "REPORT scrub: %s page 0x%llx: not read\n",
				w->what, (unsigned long long)w->gpa);
		else if (mem_guarded_copy(buf, s->kvm_map + (w->gpa - s->gpa),
					  w->len))
			fprintf(f, "REPORT scrub: %s page 0x%llx: still "
				"inaccessible to the host after teardown\n",
				w->what, (unsigned long long)w->gpa);
		else
			report_one(w, buf, f);
		free(buf);
	}
	m->nwatch = 0;
}
