// SPDX-License-Identifier: MIT
#include "test_dev.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pv_abi.h"

enum { R_ADDR_LO, R_ADDR_HI, R_LEN, R_ARG, R_STATUS, R_VALUE, R_REFUSED };

void test_dev_init(struct test_dev *t, struct guest_mem *m)
{
	memset(t, 0, sizeof(*t));
	mem_domain_init(&t->dom, m, "testdev", 0, 0);
	mem_domain_allow_test_mem(&t->dom); /* test=memfault reads it back */
	pthread_mutex_init(&t->lock, NULL);
}

void test_dev_destroy(void *arg)
{
	struct test_dev *t = arg;

	if (t->holding)
		mem_release(&t->dom, &t->hold);
	t->holding = false;
}

static uint32_t status_of(int err)
{
	switch (err) {
	case 0: return PV_OK;
	case -EACCES: return PV_EACCES;
	case -EFAULT: return PV_EFAULT;
	case -EBUSY: return PV_EBUSY;
	case -EOPNOTSUPP: return PV_EOPNOTSUPP;
	default: return PV_EINVAL;
	}
}

/* raw: through KVM's own mapping, no guard (the isolation probe). */
static int do_read(struct test_dev *t, uint64_t addr, uint32_t len,
		   uint32_t *value, bool raw)
{
	uint8_t *buf = malloc(len ? len : 1);
	uint32_t h = PV_FNV_OFFSET;
	int err;

	if (!buf)
		return -ENOMEM;
	err = raw ? mem_test_raw_read(t->dom.mem, gpa(addr), buf, len)
		  : mem_read(&t->dom, gpa(addr), buf, len);
	for (uint32_t i = 0; !err && i < len; i++)
		h = (h ^ buf[i]) * PV_FNV_PRIME;
	if (!err)
		*value = h;
	free(buf);
	return err;
}

static int do_write(struct test_dev *t, uint64_t addr, uint32_t len,
		    uint8_t fill)
{
	uint8_t *buf = malloc(len ? len : 1);
	int err;

	if (!buf)
		return -ENOMEM;
	memset(buf, fill, len);
	err = mem_write(&t->dom, gpa(addr), buf, len);
	free(buf);
	return err;
}

static int do_hold(struct test_dev *t, uint64_t addr, uint32_t len, bool on)
{
	int err = 0;

	pthread_mutex_lock(&t->lock);
	if (on && t->holding) {
		err = -EBUSY;
	} else if (on) {
		err = mem_hold(&t->dom, gpa(addr), len, &t->hold);
		t->holding = !err;
	} else if (t->holding) {
		mem_release(&t->dom, &t->hold);
		t->holding = false;
	}
	pthread_mutex_unlock(&t->lock);
	return err;
}

static void run_cmd(struct test_dev *t, uint32_t *r, uint32_t cmd)
{
	uint64_t addr = r[R_ADDR_LO] | (uint64_t)r[R_ADDR_HI] << 32;
	int err;

	if (r[R_LEN] > TEST_DEV_MAX_LEN) {
		r[R_STATUS] = PV_EINVAL;
		return;
	}
	switch (cmd) {
	case PV_TEST_CMD_READ:
	case PV_TEST_CMD_RAW_READ:
		err = do_read(t, addr, r[R_LEN], &r[R_VALUE],
			      cmd == PV_TEST_CMD_RAW_READ);
		break;
	case PV_TEST_CMD_WRITE:
		err = do_write(t, addr, r[R_LEN], (uint8_t)r[R_ARG]);
		break;
	case PV_TEST_CMD_HOLD: err = do_hold(t, addr, r[R_LEN], true); break;
	case PV_TEST_CMD_RELEASE: err = do_hold(t, addr, 0, false); break;
	case PV_TEST_CMD_SCRUB_WATCH:
		err = mem_test_watch(t->dom.mem, gpa(addr), r[R_LEN],
				     (uint8_t)r[R_ARG],
				     r[R_ARG] & PV_TEST_WATCH_UNSHARED
					     ? "shared-then-unshared"
					     : "never-shared");
		break;
	case PV_TEST_CMD_DESYNC:
		err = mem_test_desync(t->dom.mem, gpa(addr), r[R_LEN]);
		break;
	case PV_TEST_CMD_FAULTS: {
		struct mem_stats st;

		mem_get_stats(t->dom.mem, &st);
		r[R_VALUE] = (uint32_t)st.faults;
		err = 0;
		break;
	}
	default: err = -EINVAL; break;
	}
	r[R_STATUS] = status_of(err);
}

static void test_read(void *dev, const struct io_req *req, uint8_t *data)
{
	struct test_dev *t = dev;
	uint32_t *r = pvregs_at(&t->regs, req);

	if (r && req->offset == PV_TEST_REFUSED - PV_TEST_BASE)
		*r = (uint32_t)__atomic_load_n(&t->dom.refused,
					       __ATOMIC_RELAXED);
	io_put(data, req->len, r ? *r : ~0u);
}

static void test_write(void *dev, const struct io_req *req,
		       const uint8_t *data)
{
	struct test_dev *t = dev;
	uint32_t *r = pvregs_at(&t->regs, req), v = (uint32_t)io_get(data, 4);

	if (!r)
		return;
	if (req->offset == PV_TEST_CMD - PV_TEST_BASE)
		run_cmd(t, t->regs.r[req->cpu], v);
	else
		*r = v;
}

const struct dev_ops test_dev_ops = {
	.name = "testdev",
	.read = test_read,
	.write = test_write,
};
