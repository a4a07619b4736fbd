// SPDX-License-Identifier: MIT
#include "bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/log.h"
#include "../lib/util.h"

void bus_init(struct bus *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
}

void bus_destroy(struct bus *b)
{
	free(b->r);
	b->r = NULL;
	b->n = b->cap = 0;
}

/* Index of the first range whose base is > addr. */
static size_t upper_bound(const struct bus *b, uint64_t addr)
{
	size_t lo = 0, hi = b->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->r[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bus_register(struct bus *b, uint64_t base, uint64_t len,
		 const struct dev_ops *ops, void *dev)
{
	uint64_t end;
	size_t i;

	if (!range_end(base, len, &end))
		return -EINVAL;
	i = upper_bound(b, base);
	if ((i > 0 && ranges_overlap(base, len, b->r[i - 1].base,
				     b->r[i - 1].len)) ||
	    (i < b->n && ranges_overlap(base, len, b->r[i].base, b->r[i].len)))
		return -EEXIST;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 8;
		struct bus_range *r = realloc(b->r, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		b->r = r;
		b->cap = cap;
	}
	memmove(&b->r[i + 1], &b->r[i], (b->n - i) * sizeof(*b->r));
	b->r[i] = (struct bus_range){ base, len, ops, dev };
	b->n++;
	return 0;
}

const struct bus_range *bus_find(const struct bus *b, uint64_t addr)
{
	size_t i = upper_bound(b, addr);

	if (i == 0 || addr - b->r[i - 1].base >= b->r[i - 1].len)
		return NULL;
	return &b->r[i - 1];
}

bool bus_access(struct bus *b, uint64_t addr, uint8_t *data,
		unsigned int len, bool write, unsigned int cpu)
{
	const struct bus_range *r = bus_find(b, addr);
	struct io_req req;

	if (!r || !range_within(addr, len, r->base, r->len) ||
	    (write ? !r->ops->write : !r->ops->read)) {
		__atomic_fetch_add(&b->unclaimed, 1, __ATOMIC_RELAXED);
		log_debug("unclaimed %s %s at 0x%llx len %u", b->name,
			  write ? "write" : "read", (unsigned long long)addr,
			  len);
		if (!write)
			memset(data, 0xff, len);
		return false;
	}
	req = (struct io_req){ addr - r->base, len, cpu };
	if (write)
		r->ops->write(r->dev, &req, data);
	else
		r->ops->read(r->dev, &req, data);
	return true;
}
