// SPDX-License-Identifier: MIT
#include "cpu_start.h"

#include <errno.h>

#include "pv_abi.h"

enum { R_INDEX, R_ENTRY, R_ARG, R_STATUS };

static void cpu_start_read(void *dev, const struct io_req *req, uint8_t *data)
{
	struct cpu_start *c = dev;
	uint32_t *r = pvregs_at(&c->regs, req);

	io_put(data, req->len, r ? *r : ~0u);
}

static uint32_t do_start(struct cpu_start *c, const uint32_t *r)
{
	int ret = c->start(c->opaque, r[R_INDEX], r[R_ENTRY], r[R_ARG]);

	return ret == -EBUSY ? PV_EBUSY : ret ? PV_EINVAL : PV_OK;
}

static void cpu_start_write(void *dev, const struct io_req *req,
			    const uint8_t *data)
{
	struct cpu_start *c = dev;
	uint32_t *r = pvregs_at(&c->regs, req), v = (uint32_t)io_get(data, 4);

	if (!r)
		return;
	if (req->offset == PV_CPU_CMD - PV_CPU_BASE)
		*r = v == PV_CPU_CMD_START ? do_start(c, c->regs.r[req->cpu])
					   : PV_EINVAL;
	else
		*r = v;
}

const struct dev_ops cpu_start_ops = {
	.name = "cpu-start",
	.read = cpu_start_read,
	.write = cpu_start_write,
};
