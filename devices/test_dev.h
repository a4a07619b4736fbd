/* SPDX-License-Identifier: MIT */
/*
 * The test device (`--testdev`, ports in pv_abi.h): on the guest's
 * request the host reads, writes or holds guest memory through its own
 * mem_domain, exactly as a real device would, so a guest can check that
 * private memory is refused and that held ranges cannot go private.
 */
#ifndef CVMM_TEST_DEV_H
#define CVMM_TEST_DEV_H

#include <pthread.h>
#include <stdbool.h>

#include "../mem/access.h"
#include "bus.h"
#include "pvregs.h"

#define TEST_DEV_MAX_LEN (16u << 20)

struct test_dev {
	struct mem_domain dom;
	struct pvregs regs;
	pthread_mutex_t lock; /* the hold */
	struct mem_hold hold;
	bool holding;
};

extern const struct dev_ops test_dev_ops;

void test_dev_init(struct test_dev *t, struct guest_mem *m);
void test_dev_destroy(void *t);

#endif
