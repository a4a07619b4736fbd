// SPDX-License-Identifier: MIT
/* The TD HOB (see tdvf_hob.h); layouts from the UEFI PI specification. */
#include "tdvf_hob.h"

#include <errno.h>
#include <string.h>

#include "../../lib/util.h"

#define HOB_HANDOFF 0x0001
#define HOB_RESOURCE 0x0003
#define HOB_END 0xffff
#define PHIT_LEN 56
#define PHIT_VERSION 9
#define RESOURCE_LEN 48
#define END_LEN 8
#define RES_SYSTEM_MEMORY 0
#define RES_UNACCEPTED 7
/* PRESENT | INITIALIZED | TESTED, for added and for unaccepted RAM. */
#define RES_ATTRS 0x7

struct hob_buf {
	uint8_t *p;
	size_t len, cap;
};

static void put(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A zeroed HOB of len bytes with its generic header, or NULL if full. */
static uint8_t *hob_new(struct hob_buf *b, uint16_t type, uint16_t len)
{
	uint8_t *h;

	if (b->cap - b->len < len)
		return NULL;
	h = b->p + b->len;
	memset(h, 0, len);
	put(h, type, 2);
	put(h + 2, len, 2);
	b->len += len;
	return h;
}

static int resource(struct hob_buf *b, uint64_t gpa, uint64_t size,
		    bool added)
{
	uint8_t *h = hob_new(b, HOB_RESOURCE, RESOURCE_LEN);

	if (!h)
		return -E2BIG;
	/* 8: owner GUID (zero) */
	put(h + 24, added ? RES_SYSTEM_MEMORY : RES_UNACCEPTED, 4);
	put(h + 28, RES_ATTRS, 4);
	put(h + 32, gpa, 8);
	put(h + 40, size, 8);
	return 0;
}

/* The added section that starts lowest in [from, end), or NULL. */
static const struct tdvf_section *next_added(const struct tdvf *t,
					     uint64_t from, uint64_t end)
{
	const struct tdvf_section *best = NULL;

	for (unsigned int i = 0; i < t->n; i++) {
		const struct tdvf_section *s = &t->s[i];

		if (tdvf_section_added(s) && s->gpa >= from && s->gpa < end &&
		    (!best || s->gpa < best->gpa))
			best = s;
	}
	return best;
}

/* One RAM range: added sections as system memory, gaps unaccepted. */
static int describe_range(struct hob_buf *b, const struct tdvf *t,
			  const struct tdvf_ram *r)
{
	uint64_t at = r->gpa, end = r->gpa + r->size;
	const struct tdvf_section *s;
	int ret = 0;

	while (!ret && at < end) {
		s = next_added(t, at, end);
		if (!s) {
			ret = resource(b, at, end - at, false);
			break;
		}
		if (s->gpa > at)
			ret = resource(b, at, s->gpa - at, false);
		if (!ret)
			ret = resource(b, s->gpa, s->size, true);
		at = s->gpa + s->size;
	}
	return ret;
}

/* An added section is wholly in one RAM range or wholly outside RAM. */
static bool placed(const struct tdvf_section *s, const struct tdvf_ram *ram,
		   unsigned int nram)
{
	for (unsigned int i = 0; i < nram; i++) {
		if (!ranges_overlap(s->gpa, s->size, ram[i].gpa, ram[i].size))
			continue;
		return range_within(s->gpa, s->size, ram[i].gpa, ram[i].size);
	}
	return true;
}

long tdvf_hob_build(const struct tdvf *t, const struct tdvf_ram *ram,
		    unsigned int nram, uint8_t *buf, size_t cap)
{
	const struct tdvf_section *hob = tdvf_hob_section(t);
	struct hob_buf b = { buf, 0, cap < TDVF_HOB_MAX ? cap : TDVF_HOB_MAX };
	uint8_t *phit;
	int ret = 0;

	if (!hob)
		return -EINVAL;
	if (b.cap > hob->size)
		b.cap = hob->size;
	for (unsigned int i = 0; i < t->n; i++)
		if (tdvf_section_added(&t->s[i]) && !placed(&t->s[i], ram, nram))
			return -EINVAL;
	phit = hob_new(&b, HOB_HANDOFF, PHIT_LEN);
	if (!phit)
		return -E2BIG;
	put(phit + 8, PHIT_VERSION, 4);
	for (unsigned int i = 0; !ret && i < nram; i++)
		ret = describe_range(&b, t, &ram[i]);
	if (!ret && !hob_new(&b, HOB_END, END_LEN))
		ret = -E2BIG;
	if (ret)
		return ret;
	/* EfiEndOfHobList: the guest address just past the end marker. */
	put(phit + 48, hob->gpa + b.len, 8);
	return (long)b.len;
}
