/*
 * pKVM tests: what the hypervisor, not cvmm, guarantees.
 *
 * isolation (needs --testdev): the guest keeps a secret in a page it never shares and shares
 * another; the host then reads both through its raw mapping of guest RAM,
 * bypassing cvmm's guard. The private read must fault, the shared one
 * must see the guest's bytes.
 *
 * scrub (needs --testdev; a report): the guest fills a page it never
 * shares and a page it shares, unshares and fills again, and names both
 * to the test device; after the VM is destroyed cvmm reads them back and
 * reports whether the hypervisor scrubbed them (../shared/PKVM.md saw the
 * shared-then-unshared one come back with the guest's bytes).
 *
 * unshare-under-io: the guest unshares the pool page a disk request uses
 * before kicking the device; cvmm must survive the host's fault on it,
 * the guest must see an error, and the device must go on serving.
 */
#include "../kernel.h"

#include "../../../devices/virtio/virtio.h"

#define SECTOR_UNSHARED 320
#define ST_UNTOUCHED 0xee
#define HDR sizeof(struct virtio_blk_outhdr)

static bool have_testdev(void)
{
	return pv_in(PV_TEST_STATUS) != 0xffffffffu;
}

/* Two pages past everything the kernel uses, one granule apart. */
static uint64_t scratch(unsigned int i)
{
	uint64_t a = ((uint64_t)__kernel_end + 2 * MiB_ - 1) & ~(2 * MiB_ - 1);

	while (range_in_use(a, 2 * MiB_))
		a += 2 * MiB_;
	return a + i * pkvm_granule();
}

/*
 * The host's read of one page through KVM's own mapping, bypassing cvmm's
 * guard (the test device's RAW_READ): status, and the hash when it read.
 */
static uint32_t raw_read(uint64_t a, uint32_t *hash)
{
	uint32_t st = pv_test(PV_TEST_CMD_RAW_READ, a, (uint32_t)PAGE, 0);

	*hash = st == PV_OK ? pv_test_value() : 0;
	return st;
}

void t_isolation(const char *arg)
{
	uint64_t secret = scratch(0), shared = scratch(1);
	uint32_t st, h;

	(void)arg;
	if (!pkvm_sharing() || !have_testdev()) {
		check(false, "isolation needs pKVM's MEM_SHARE and --testdev");
		return;
	}
	for (uint64_t i = 0; i < PAGE / 8; i++)
		((volatile uint64_t *)secret)[i] = 0x5ec2e75ec2e7ULL ^ i;
	check(page_share(shared) == PV_OK, "page 0x%lx shared (MEM_SHARE)",
	      shared);
	for (uint64_t i = 0; i < PAGE / 8; i++)
		((volatile uint64_t *)shared)[i] = 0x5a4ed0005a4ed000ULL ^ i;
	st = pv_test(PV_TEST_CMD_READ, secret, 64, 0);
	/* Refused by cvmm's guard, or faulted inside its guarded copy. */
	check(st == PV_EACCES || st == PV_EFAULT,
	      "cvmm's checked read of the private page fails (%u)", st);
	st = raw_read(shared, &h);
	check(st == PV_OK && h == fnv1a((const void *)shared, PAGE),
	      "the host's raw read of the shared page sees the guest's bytes "
	      "(status %u)", st);
	st = raw_read(secret, &h);
	check(st == PV_EFAULT,
	      "the host's raw read of the private page faults (status %u)", st);
	bool intact = true;

	for (uint64_t i = 0; i < PAGE / 8; i++)
		intact &= ((volatile uint64_t *)secret)[i] == (0x5ec2e75ec2e7ULL ^ i);
	check(intact, "the secret is still the guest's");
	check(pkvm_mem_unshare(shared) == PV_OK, "the shared page unshared");
}

static void fill(uint64_t a, uint8_t byte)
{
	for (uint64_t i = 0; i < PAGE; i++)
		((volatile uint8_t *)a)[i] = byte;
}

void t_scrub(const char *arg)
{
	uint64_t priv = scratch(0), unshared = scratch(1);

	(void)arg;
	if (!pkvm_sharing() || !have_testdev()) {
		check(false, "scrub needs pKVM's MEM_SHARE and --testdev");
		return;
	}
	fill(priv, 0xa5);
	check(page_share(unshared) == PV_OK, "page 0x%lx shared (MEM_SHARE)",
	      unshared);
	fill(unshared, 0x11);
	check(pkvm_mem_unshare(unshared) == PV_OK, "page 0x%lx unshared",
	      unshared);
	/* What the guest writes once the page is private again. */
	fill(unshared, 0x5a);
	check(pv_test(PV_TEST_CMD_SCRUB_WATCH, priv, (uint32_t)PAGE, 0xa5) ==
		      PV_OK,
	      "the never-shared page 0x%lx is watched", priv);
	check(pv_test(PV_TEST_CMD_SCRUB_WATCH, unshared, (uint32_t)PAGE,
		      0x5a | PV_TEST_WATCH_UNSHARED) == PV_OK,
	      "the shared-then-unshared page 0x%lx is watched", unshared);
}

static bool blk_write(struct vdev *d, uint64_t hdr, uint64_t data,
		      uint64_t st, uint64_t sector, bool unshare_first,
		      uint32_t *used, uint8_t *status)
{
	volatile struct virtio_blk_outhdr *h = (volatile void *)hdr;
	struct vq *q = &d->q[0];
	uint32_t id;
	bool done;

	h->type = VIRTIO_BLK_T_OUT;
	h->ioprio = 0;
	h->sector = sector;
	*(volatile uint8_t *)st = ST_UNTOUCHED;
	vq_desc(q, 0, hdr, HDR, VRING_DESC_F_NEXT, 1);
	vq_desc(q, 1, data, (uint32_t)PAGE, VRING_DESC_F_NEXT, 2);
	vq_desc(q, 2, st, 1, VRING_DESC_F_WRITE, 0);
	if (unshare_first)
		check(pkvm_mem_unshare(data) == PV_OK,
		      "the request's data page unshared before the kick");
	vq_kick(d, 0, 0);
	done = vq_wait(d, 0, &id, used);
	*status = *(volatile uint8_t *)st;
	return done;
}

void t_unshare_under_io(const char *arg)
{
	uint64_t base, size, g, hdr, st, data;
	uint32_t used;
	uint8_t status;
	struct vdev d;

	(void)arg;
	if (!pkvm_sharing()) {
		check(false, "unshare-under-io needs pKVM's MEM_UNSHARE");
		return;
	}
	if (!dma_pool_init(&base, &size) || !dma_pool_share(base, size) ||
	    !virtio_find(&d, VIRTIO_ID_BLOCK, 0) ||
	    !virtio_init(&d, VIRTIO_ID_BLOCK, 1)) {
		check(false, "virtio-blk and the shared DMA pool are there");
		return;
	}
	g = pkvm_granule();
	hdr = bounce_alloc(HDR, HDR);
	st = bounce_alloc(1, 1);
	data = bounce_alloc(g, g); /* a granule of its own */
	memset((void *)data, 0x3c, PAGE);
	check(blk_write(&d, hdr, data, st, SECTOR_UNSHARED, true, &used, &status),
	      "the request completes: cvmm survived the unshared page");
	check(used == 0 || status != VIRTIO_BLK_S_OK,
	      "the guest sees an error (used %u, status 0x%x)", used, status);
	check(pkvm_mem_share(data) == PV_OK, "the page shared again");
	memset((void *)data, 0x3c, PAGE);
	check(blk_write(&d, hdr, data, st, SECTOR_UNSHARED, false, &used,
			&status) && status == VIRTIO_BLK_S_OK,
	      "the next request succeeds (status 0x%x)", status);
	virtio_teardown(&d);
}
