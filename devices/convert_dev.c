// SPDX-License-Identifier: MIT
#include "convert_dev.h"

#include "../lib/log.h"
#include "../lib/util.h"
#include "pv_abi.h"

enum { R_GPA_LO, R_GPA_HI, R_NPAGES, R_RESULT };

#define MODE_BITS (PV_CONV_MODE_ZERO | PV_CONV_MODE_PRESERVE)

uint32_t convert_dev_request(struct guest_mem *m, uint64_t addr,
			     uint32_t npages, uint32_t attrs)
{
	enum mem_content mode = MEM_CONTENT_DEFAULT;
	struct conv_request req;
	enum conv_result r;

	if ((attrs & MODE_BITS) == MODE_BITS ||
	    !conv_decode(addr, npages, attrs & ~MODE_BITS, &req))
		return PV_EINVAL;
	if (attrs & PV_CONV_MODE_ZERO)
		mode = MEM_CONTENT_ZERO;
	else if (attrs & PV_CONV_MODE_PRESERVE)
		mode = MEM_CONTENT_PRESERVE;
	r = mem_convert(m, gpa(req.gpa), req.len, req.to, mode);
	log_debug("convert [0x%llx, +%u pages) to %s: %s",
		  (unsigned long long)addr, npages,
		  req.to == MEM_PRIVATE ? "private" : "shared",
		  conv_result_name(r));
	switch (r) {
	case CONV_DONE: return PV_OK;
	case CONV_RETRY: return PV_EAGAIN;
	case CONV_UNSUPPORTED: return PV_EOPNOTSUPP;
	default: return PV_EINVAL;
	}
}

static void convert_read(void *dev, const struct io_req *req, uint8_t *data)
{
	struct convert_dev *c = dev;
	uint32_t *r = pvregs_at(&c->regs, req);
	uint64_t pages;

	if (r && req->offset == PV_CONV_FOOTPRINT - PV_CONV_BASE) {
		pages = mem_sample_footprint(c->mem) / PAGE_SIZE;
		*r = pages > UINT32_MAX ? UINT32_MAX : (uint32_t)pages;
	}
	io_put(data, req->len, r ? *r : ~0u);
}

static void convert_write(void *dev, const struct io_req *req,
			  const uint8_t *data)
{
	struct convert_dev *c = dev;
	uint32_t *r = pvregs_at(&c->regs, req), v = (uint32_t)io_get(data, 4);
	uint32_t *regs;

	if (!r)
		return;
	if (req->offset != PV_CONV_ATTRS - PV_CONV_BASE) {
		*r = v;
		return;
	}
	regs = c->regs.r[req->cpu];
	*r = convert_dev_request(c->mem,
				 regs[R_GPA_LO] | (uint64_t)regs[R_GPA_HI] << 32,
				 regs[R_NPAGES], v);
}

const struct dev_ops convert_dev_ops = {
	.name = "convert",
	.read = convert_read,
	.write = convert_write,
};
