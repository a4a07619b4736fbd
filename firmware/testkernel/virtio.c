/*
 * A virtio-mmio driver for the test kernel: feature negotiation, split
 * queues whose rings live in the DMA pool, synchronous requests. Every
 * buffer handed to a device must come from the bounce allocator; the raw
 * interface exists so tests can post what a buggy or hostile driver would.
 */
#include "kernel.h"

#include "../../devices/virtio/virtio.h"

#define RING_ALIGN 4096u

static uint32_t rd(const struct vdev *d, uint32_t off)
{
	return mmio_rd32(d->base + off);
}

static void wr(const struct vdev *d, uint32_t off, uint32_t v)
{
	mmio_wr32(d->base + off, v);
}

/*
 * Ring sizes for n entries (<linux/virtio_ring.h>), each ring's event
 * field after its last entry included.
 */
static uint64_t avail_bytes(uint16_t n)
{
	return offsetof(struct vring_avail, ring) +
	       sizeof(__virtio16) * (n + 1ULL);
}

static uint64_t used_bytes(uint16_t n)
{
	return offsetof(struct vring_used, ring) +
	       sizeof(struct vring_used_elem) * n + sizeof(__virtio16);
}

/* The used ring starts at the next RING_ALIGN boundary after avail. */
static uint64_t ring_bytes(uint16_t size)
{
	return sizeof(struct vring_desc) * size + RING_ALIGN + used_bytes(size);
}

static volatile struct vring_avail *avail_ring(const struct vq *q)
{
	return (volatile struct vring_avail *)q->avail;
}

static volatile struct vring_used *used_ring(const struct vq *q)
{
	return (volatile struct vring_used *)q->used;
}

static bool setup_queue(struct vdev *d, unsigned int qi)
{
	struct vq *q = &d->q[qi];
	uint32_t max;

	wr(d, VIRTIO_MMIO_QUEUE_SEL, qi);
	max = rd(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
	q->size = (uint16_t)(max < VQ_SIZE ? max : VQ_SIZE);
	q->mem = bounce_alloc(ring_bytes(q->size), RING_ALIGN);
	if (!q->size || !q->mem)
		return false;
	memset((void *)q->mem, 0, ring_bytes(q->size));
	q->desc = q->mem;
	q->avail = q->desc + sizeof(struct vring_desc) * q->size;
	q->used = (q->avail + avail_bytes(q->size) + RING_ALIGN - 1) &
		  ~(uint64_t)(RING_ALIGN - 1);
	q->avail_idx = q->last_used = 0;
	wr(d, VIRTIO_MMIO_QUEUE_NUM, q->size);
	wr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)q->desc);
	wr(d, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(q->desc >> 32));
	wr(d, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)q->avail);
	wr(d, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(q->avail >> 32));
	wr(d, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)q->used);
	wr(d, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(q->used >> 32));
	wr(d, VIRTIO_MMIO_QUEUE_READY, 1);
	return rd(d, VIRTIO_MMIO_QUEUE_READY) == 1;
}

bool virtio_init(struct vdev *d, uint32_t device_id, unsigned int nq)
{
	uint64_t want = 1ULL << VIRTIO_F_VERSION_1 |
			1ULL << VIRTIO_RING_F_EVENT_IDX |
			1ULL << VIRTIO_RING_F_INDIRECT_DESC |
			1ULL << VIRTIO_F_ACCESS_PLATFORM | d->extra_features;
	uint32_t st = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

	if (rd(d, VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC ||
	    rd(d, VIRTIO_MMIO_VERSION) != 2 ||
	    rd(d, VIRTIO_MMIO_DEVICE_ID) != device_id)
		return false;
	wr(d, VIRTIO_MMIO_STATUS, 0);
	wr(d, VIRTIO_MMIO_STATUS, st);
	wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	d->features = (uint64_t)rd(d, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	wr(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	d->features |= rd(d, VIRTIO_MMIO_DEVICE_FEATURES);
	d->features &= want;
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)d->features);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(d, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(d->features >> 32));
	st |= VIRTIO_CONFIG_S_FEATURES_OK;
	wr(d, VIRTIO_MMIO_STATUS, st);
	if (!(rd(d, VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_FEATURES_OK))
		return false;
	for (unsigned int i = 0; i < nq; i++)
		if (!setup_queue(d, i))
			return false;
	d->nq = nq;
	wr(d, VIRTIO_MMIO_STATUS, st | VIRTIO_CONFIG_S_DRIVER_OK);
	return true;
}

void virtio_teardown(struct vdev *d)
{
	wr(d, VIRTIO_MMIO_STATUS, 0);
	for (unsigned int i = 0; i < d->nq; i++)
		bounce_free(d->q[i].mem, ring_bytes(d->q[i].size));
	d->nq = 0;
}

void vq_desc(struct vq *q, uint16_t i, uint64_t addr, uint32_t len,
	     uint16_t flags, uint16_t next)
{
	volatile struct vring_desc *p = (volatile struct vring_desc *)q->desc + i;

	p->addr = addr;
	p->len = len;
	p->flags = flags;
	p->next = next;
}

/* Publish a chain head and kick the device (an ioeventfd on the host). */
void vq_kick(struct vdev *d, unsigned int qi, uint16_t head)
{
	struct vq *q = &d->q[qi];
	volatile struct vring_avail *a = avail_ring(q);

	a->ring[q->avail_idx % q->size] = head;
	wmb(); /* the entry before the index that publishes it */
	q->avail_idx++;
	a->idx = q->avail_idx;
	/* used_event (the entry after the ring): interrupt with the next one. */
	a->ring[q->size] = q->last_used;
	mb(); /* the ring in memory before the notify */
	wr(d, VIRTIO_MMIO_QUEUE_NOTIFY, qi);
}

/* Wait for the next used entry; false on timeout. */
bool vq_wait(struct vdev *d, unsigned int qi, uint32_t *id, uint32_t *len)
{
	struct vq *q = &d->q[qi];
	uint64_t deadline = arch_ticks() + ARCH_WAIT_TICKS;
	volatile struct vring_used *u = used_ring(q);
	volatile struct vring_used_elem *e;

	while (u->idx == q->last_used)
		if (arch_ticks() > deadline)
			return false;
		else
			cpu_relax();
	rmb(); /* the index before the entry it covers */
	e = &u->ring[q->last_used % q->size];
	*id = e->id;
	*len = e->len;
	q->last_used++;
	wr(d, VIRTIO_MMIO_INTERRUPT_ACK, rd(d, VIRTIO_MMIO_INTERRUPT_STATUS));
	return true;
}

/*
 * One synchronous request of n buffers (readable first): descriptors
 * 0..n-1, or an indirect table when indirect is set. Returns the used
 * length, or ~0 on timeout.
 */
uint32_t vq_request(struct vdev *d, unsigned int qi, const struct vbuf *b,
		    unsigned int n, bool indirect)
{
	struct vq *q = &d->q[qi], table = *q;
	uint64_t tbl = 0, tbl_bytes = sizeof(struct vring_desc) * n;
	uint32_t id, len;

	if (indirect) {
		tbl = bounce_alloc(tbl_bytes, VRING_DESC_ALIGN_SIZE);
		if (!tbl)
			return ~0u;
		table.desc = tbl;
	}
	for (unsigned int i = 0; i < n; i++)
		vq_desc(indirect ? &table : q, (uint16_t)i, b[i].addr, b[i].len,
			(uint16_t)((b[i].write ? VRING_DESC_F_WRITE : 0) |
				   (i + 1 < n ? VRING_DESC_F_NEXT : 0)),
			(uint16_t)(i + 1));
	if (indirect)
		vq_desc(q, 0, tbl, (uint32_t)tbl_bytes, VRING_DESC_F_INDIRECT, 0);
	vq_kick(d, qi, 0);
	if (!vq_wait(d, qi, &id, &len))
		len = ~0u;
	if (tbl)
		bounce_free(tbl, tbl_bytes);
	return len;
}

/* Find the n-th virtio,mmio device with device_id in the device tree. */
bool virtio_find(struct vdev *d, uint32_t device_id, unsigned int nth)
{
	const void *fdt = fdt_from_boot();
	uint32_t node = ~0u, len;
	uint64_t size;

	memset(d, 0, sizeof(*d));
	while (fdt && (node = fdt_next_compatible(fdt, node, "virtio,mmio")) != ~0u) {
		const uint8_t *irq = fdt_prop(fdt, node, "interrupts", &len);

		if (!fdt_reg(fdt, node, &d->base, &size) || !irq || len < 8)
			continue;
		if (rd(d, VIRTIO_MMIO_DEVICE_ID) != device_id || nth--)
			continue;
		/* <gsi flags> (x86's IOAPIC) or <type spi flags> (a GIC). */
		d->gsi = be32(irq + (len >= 12 ? 4 : 0));
		return true;
	}
	return false;
}

/* The DMA pool from the device tree, handed to the bounce allocator. */
bool dma_pool_init(uint64_t *base, uint64_t *size)
{
	const void *fdt = fdt_from_boot();
	uint32_t node;

	if (!fdt)
		return false;
	node = fdt_next_compatible(fdt, ~0u, "restricted-dma-pool");
	return node != ~0u && fdt_reg(fdt, node, base, size) &&
	       bounce_init(*base, *size);
}
