// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: a hostile driver's whole view of a virtio-blk queue.
 * The input becomes the DMA pool's contents (descriptor table, avail ring,
 * indirect tables, request headers) plus the queue's size, features and
 * avail index; the device then walks and serves every chain, as its
 * thread would. All RAM but the pool is private, so any access past the
 * guard faults on the closed host view and the fuzzer reports it.
 *
 * Input: [0] log2 queue size (mod 9), [1] bit 0 INDIRECT, bit 1 EVENT_IDX,
 * [2..3] avail idx, [4..] pool bytes from the pool's start.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../devices/virtio/blk.h"
#include "../../devices/virtio/virtio.h"
#include "../../lib/log.h"
#include "../../lib/util.h"
#include "../common/vqdriver.h"

#define RAM (8 * MiB)
#define POOL (2 * MiB)
#define POOL_SIZE (2 * MiB)
#define DISK (1 * MiB)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct guest_mem m;
static struct virtio_blk blk;
static int ram_fd;

static void write_seeds(const char *dir);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct mem_backend b = { .in_place = true };
	/*
	 * The disk lives in tmpfs where there is one: a flush request there
	 * costs nothing, whereas on a disk file its fdatasync waits for
	 * whatever else the host is writing back (a unit ran 5 ms alone and
	 * 76 s beside a kernel build, which libFuzzer reports as a timeout).
	 */
	char shm[] = "/dev/shm/cvmm-fuzz-disk-XXXXXX";
	char tmp[] = "/tmp/cvmm-fuzz-disk-XXXXXX", err[128], *path = shm;
	int fd;

	(void)argc;
	(void)argv;
	log_level = LOG_ERR;
	ram_fd = memfd_create("fuzz-ram", MFD_CLOEXEC);
	if (ram_fd < 0 || ftruncate(ram_fd, RAM))
		abort();
	mem_init(&m, &b, MEM_CONTENT_ZERO, false);
	if (mem_add_slot(&m, 0, RAM, ram_fd, ram_fd) < 0 ||
	    mem_convert(&m, gpa(POOL), POOL_SIZE, MEM_SHARED, 0) != CONV_DONE)
		abort();
	fd = mkstemp(shm);
	if (fd < 0)
		fd = mkstemp(path = tmp);
	if (fd < 0 || ftruncate(fd, DISK))
		abort();
	close(fd);
	if (virtio_blk_open(&blk, path, false, err, sizeof(err)) ||
	    virtio_dev_init(&blk.dev, &virtio_blk_ops, &blk, "blk0", &m, POOL,
			    POOL_SIZE, true))
		abort();
	unlink(path);
	if (getenv("FUZZ_SEED_DIR"))
		write_seeds(getenv("FUZZ_SEED_DIR"));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t want = 1ULL << VIRTIO_F_VERSION_1;
	uint8_t *ram = m.slot[0].kvm_map;
	struct vqdrv drv;
	uint16_t qsize, idx;

	if (size < 4)
		return 0;
	qsize = (uint16_t)(1u << (data[0] % 9));
	if (data[1] & 1)
		want |= 1ULL << VIRTIO_F_INDIRECT_DESC;
	if (data[1] & 2)
		want |= 1ULL << VIRTIO_F_EVENT_IDX;
	memcpy(&idx, data + 2, 2);
	vqdrv_init(&drv, ram, POOL, qsize);
	vqdrv_setup(&blk.dev, want, 0, &drv);
	size -= 4;
	memcpy(ram + POOL, data + 4, size < POOL_SIZE ? size : POOL_SIZE);
	memcpy(ram + drv.avail + 2, &idx, 2);
	virtio_kick(&blk.dev, 0);
	return 0;
}

/* A few valid requests to start from (the fuzzer mutates them). */
static void seed(const char *dir, const char *name, uint32_t type,
		 uint32_t data_len, bool indirect)
{
	static uint8_t buf[4 + 64 * 1024];
	uint16_t qsize = 8, idx = 1, flags_next = VIRTQ_DESC_F_NEXT;
	uint8_t *pool = buf + 4;
	uint64_t hdr = POOL + 0x8000, dat = POOL + 0x9000, st = POOL + 0xf000;
	struct vqdrv v = { .ram = pool - POOL, .size = qsize };
	char path[512];
	FILE *f;

	memset(buf, 0, sizeof(buf));
	buf[0] = 3;
	buf[1] = indirect ? 3 : 2;
	memcpy(buf + 2, &idx, 2);
	v.desc = indirect ? POOL + 0xa000 : POOL;
	v.avail = POOL + 16ULL * qsize;
	vqdrv_desc(&v, 0, hdr, 16, flags_next, 1);
	vqdrv_desc(&v, 1, dat, data_len, (uint16_t)(flags_next |
		   (type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0)), 2);
	vqdrv_desc(&v, 2, st, 1, VIRTQ_DESC_F_WRITE, 0);
	if (indirect) {
		v.desc = POOL;
		vqdrv_desc(&v, 0, POOL + 0xa000, 48, VIRTQ_DESC_F_INDIRECT, 0);
	}
	memcpy(pool + 0x8000, &type, 4);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (f) {
		fwrite(buf, 1, 4 + 0x10000, f);
		fclose(f);
	}
}

static void write_seeds(const char *dir)
{
	seed(dir, "seed-read", VIRTIO_BLK_T_IN, 4096, false);
	seed(dir, "seed-write", VIRTIO_BLK_T_OUT, 4096, false);
	seed(dir, "seed-read-indirect", VIRTIO_BLK_T_IN, 512, true);
	seed(dir, "seed-discard", VIRTIO_BLK_T_DISCARD, 16, false);
	seed(dir, "seed-id", VIRTIO_BLK_T_GET_ID, 20, false);
}
