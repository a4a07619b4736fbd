/*
 * Hostile-driver tests: descriptors that point where a device must not
 * go, and a bounce pool run dry.
 */
#include "kernel.h"

#include "../../devices/virtio/virtio.h"

#define BAD_SECTOR 300
#define GOOD_SECTOR 310
#define ST_UNTOUCHED 0xee
#define HDR sizeof(struct virtio_blk_outhdr)
/* 300 entries: more than any queue (at most 256) may hold. */
#define HUGE_TABLE (300 * sizeof(struct vring_desc))

struct escape {
	const char *what;
	uint64_t addr;
	uint32_t len;
};

static void set_hdr(uint64_t hdr, uint32_t type, uint64_t sector)
{
	volatile struct virtio_blk_outhdr *h =
		(volatile struct virtio_blk_outhdr *)hdr;

	h->type = type;
	h->ioprio = 0;
	h->sector = sector;
}

/*
 * Post a write to BAD_SECTOR whose data buffer is (addr, len). Returns
 * true when the device refused it: completed with nothing written and
 * the status byte untouched.
 */
static bool refused(struct vdev *d, uint64_t hdr, uint64_t st, uint64_t addr,
		    uint32_t len)
{
	struct vq *q = &d->q[0];
	uint32_t id, used;

	set_hdr(hdr, VIRTIO_BLK_T_OUT, BAD_SECTOR);
	*(volatile uint8_t *)st = ST_UNTOUCHED;
	vq_desc(q, 0, hdr, HDR, VRING_DESC_F_NEXT, 1);
	vq_desc(q, 1, addr, len, VRING_DESC_F_NEXT, 2);
	vq_desc(q, 2, st, 1, VRING_DESC_F_WRITE, 0);
	vq_kick(d, 0, 0);
	return vq_wait(d, 0, &id, &used) && used == 0 &&
	       *(volatile uint8_t *)st == ST_UNTOUCHED;
}

static bool loop_refused(struct vdev *d, uint64_t hdr)
{
	struct vq *q = &d->q[0];
	uint32_t id, used;

	vq_desc(q, 0, hdr, HDR, VRING_DESC_F_NEXT, 1);
	vq_desc(q, 1, hdr, HDR, VRING_DESC_F_NEXT, 0);
	vq_kick(d, 0, 0);
	return vq_wait(d, 0, &id, &used) && used == 0;
}

static bool huge_indirect_refused(struct vdev *d, uint64_t table)
{
	struct vq *q = &d->q[0];
	uint32_t id, used;

	vq_desc(q, 0, table, HUGE_TABLE, VRING_DESC_F_INDIRECT, 0);
	vq_kick(d, 0, 0);
	return vq_wait(d, 0, &id, &used) && used == 0;
}

void t_dma_escape(const char *arg)
{
	bool anywhere = !strncmp(arg, "anywhere", 8);
	uint64_t base, size, hdr, st, good, table, outside;
	uint8_t *priv = (uint8_t *)(((uint64_t)__kernel_end + 4 * MiB_) & ~(2 * MiB_ - 1));
	struct vdev d;

	/* The pool shared as the virtio tests do (on pKVM the guest must). */
	if (!dma_pool_init(&base, &size) || !dma_pool_share(base, size) ||
	    !virtio_find(&d, VIRTIO_ID_BLOCK, 0) ||
	    !virtio_init(&d, VIRTIO_ID_BLOCK, 1)) {
		check(false, "virtio-blk and the shared DMA pool are there");
		return;
	}
	hdr = bounce_alloc(HDR, HDR);
	st = bounce_alloc(1, 1);
	good = bounce_alloc(4096, 4096);
	table = bounce_alloc(HUGE_TABLE, VRING_DESC_ALIGN_SIZE);
	/* A shared page outside the pool, and private memory. */
	outside = (uint64_t)priv + 2 * MiB_;
	check(page_share(outside) == PV_OK, "a page outside the pool shared");
	check(page_private((uint64_t)priv) == PV_OK, "a private page");
	memset(priv, 0x66, 4096);
	memset((void *)outside, 0x77, 4096);

	const struct escape cases[] = {
		{ "private memory", (uint64_t)priv, 4096 },
		{ "MMIO (a device's registers)", ARCH_MMIO_SAMPLE, 4096 },
		{ "beyond the end of RAM", 0x7f00000000ULL, 4096 },
		{ "a length running out of the pool", base + size - 512, 4096 },
		{ "an address+length overflow", 0xfffffffffffff000ULL, 0x2000 },
	};
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(refused(&d, hdr, st, cases[i].addr, cases[i].len),
		      "refused: data in %s", cases[i].what);
	check(refused(&d, hdr, st, outside, 4096) == !anywhere,
	      "%s: data in a shared page outside the pool",
	      anywhere ? "allowed (--dma-anywhere)" : "refused");
	check(loop_refused(&d, hdr), "refused: a looping chain");
	check(huge_indirect_refused(&d, table),
	      "refused: a chain longer than the queue");
	/* The device keeps serving: a valid write, then the bad sector. */
	memset((void *)good, 0x5a, 4096);
	set_hdr(hdr, VIRTIO_BLK_T_OUT, GOOD_SECTOR);
	*(volatile uint8_t *)st = ST_UNTOUCHED;
	check(vq_request(&d, 0, (struct vbuf[]){ { hdr, HDR, false },
						{ good, 4096, false },
						{ st, 1, true } }, 3, false) == 1 &&
		      *(volatile uint8_t *)st == VIRTIO_BLK_S_OK,
	      "a valid request after them succeeds");
	virtio_teardown(&d);
}

void t_pool_exhaust(const char *arg)
{
	static uint64_t got[8192];
	uint64_t base, size, fails, big;
	uint32_t free0, n = 0;

	(void)arg;
	if (!dma_pool_init(&base, &size)) {
		check(false, "DMA pool found");
		return;
	}
	free0 = bounce_free_slots();
	fails = bounce_failures();
	while (n < 8192 && (got[n] = bounce_alloc(4096, 4096)) != 0)
		n++;
	check((uint64_t)n * 4096 == size, "%u buffers of 4 KiB fill the %lu KiB pool",
	      n, size >> 10);
	check(bounce_alloc(512, 1) == 0 && bounce_failures() == fails + 2,
	      "exhaustion is reported, not fatal");
	bool distinct = true;

	for (uint32_t i = 1; i < n; i++)
		distinct &= got[i] == got[i - 1] + 4096;
	check(distinct, "the buffers are distinct and cover the pool in order");
	for (uint32_t i = 0; i < n; i++)
		bounce_free(got[i], 4096);
	check(bounce_free_slots() == free0, "everything returned: no leak");
	big = bounce_alloc(size / 2, 64 * 1024);
	check(big && big % (64 * 1024) == 0 && bounce_contains(big, size / 2),
	      "a 64 KiB-aligned half-pool buffer fits again");
	bounce_free(big, size / 2);
	check(bounce_alloc(100, 4096) % 4096 == 0, "alignment is honoured");
}
