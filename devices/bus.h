/* SPDX-License-Identifier: MIT */
/*
 * An address space of devices (port I/O or MMIO). Ranges are registered
 * once while the VM is built, never overlap, and are looked up by a binary
 * search. An access is given to a device only if it lies wholly inside the
 * device's range; anything else is "unclaimed": logged at debug level,
 * reads return all ones, the guest goes on.
 */
#ifndef CVMM_BUS_H
#define CVMM_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct io_req {
	uint64_t offset;  /* from the start of the device's range */
	unsigned int len; /* 1, 2, 4 or 8 */
	unsigned int cpu; /* index of the vCPU doing the access */
};

/*
 * A device's handlers; `data` holds len bytes, little-endian. Handlers
 * may be called from several vCPU threads at once and lock themselves.
 */
struct dev_ops {
	const char *name;
	void (*read)(void *dev, const struct io_req *req, uint8_t *data);
	void (*write)(void *dev, const struct io_req *req,
		      const uint8_t *data);
};

struct bus_range {
	uint64_t base, len;
	const struct dev_ops *ops;
	void *dev;
};

struct bus {
	const char *name; /* "pio" or "mmio" */
	struct bus_range *r;
	size_t n, cap;
	uint64_t unclaimed; /* accesses no device claimed (atomic) */
};

void bus_init(struct bus *b, const char *name);
void bus_destroy(struct bus *b);

/* Register [base, base+len). Returns 0, -EINVAL (empty, overflowing),
 * -EEXIST (overlap) or -ENOMEM. Not thread-safe: build time only. */
int bus_register(struct bus *b, uint64_t base, uint64_t len,
		 const struct dev_ops *ops, void *dev)
	__attribute__((warn_unused_result));

/* Dispatch one access; returns true if a device claimed it. */
bool bus_access(struct bus *b, uint64_t addr, uint8_t *data,
		unsigned int len, bool write, unsigned int cpu);

/* The range containing addr, or NULL. */
const struct bus_range *bus_find(const struct bus *b, uint64_t addr);

/* Little-endian helpers for handlers. */
static inline uint64_t io_get(const uint8_t *data, unsigned int len)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < len && i < 8; i++)
		v |= (uint64_t)data[i] << (8 * i);
	return v;
}

static inline void io_put(uint8_t *data, unsigned int len, uint64_t v)
{
	for (unsigned int i = 0; i < len && i < 8; i++)
		data[i] = (uint8_t)(v >> (8 * i));
}

#endif
