/*
 * Virtio tests. Every buffer a device sees is bounced through the DMA
 * pool the device tree declares; data starts and ends in the guest's
 * private memory. dma-escape plays a hostile driver.
 */
#include "kernel.h"

#include "../../devices/virtio/virtio.h"

#define SECTOR VIRTIO_BLK_SECTOR
#define HDR sizeof(struct virtio_blk_outhdr)
#define PATTERN_SECTOR 64 /* the host test checks the file here */
#define PATTERN_LEN 8192u
#define BAD_SECTOR 300
#define GOOD_SECTOR 310
#define ST_UNTOUCHED 0xee

static uint64_t pool_base, pool_size;

/* Private scratch memory past the kernel, for data to and from disks. */
static uint8_t *scratch(unsigned int i)
{
	uint64_t a = ((uint64_t)__kernel_end + 2 * MiB_ - 1) & ~(2 * MiB_ - 1);

	return (uint8_t *)(a + i * 64 * 1024);
}

static uint8_t pattern(uint64_t i)
{
	return (uint8_t)(i * 7 + 3);
}

static bool prepare(void)
{
	static bool done;

	if (done)
		return true;
	if (!dma_pool_init(&pool_base, &pool_size)) {
		check(false, "DMA pool found in the device tree");
		return false;
	}
	check(dma_pool_share(pool_base, pool_size),
	      "DMA pool [0x%lx, +%lu KiB) is shared", pool_base, pool_size >> 10);
	irq_enable();
	done = true;
	return true;
}

static bool open_dev(struct vdev *d, uint32_t id, unsigned int nq,
		     uint64_t extra, unsigned int slot)
{
	if (!prepare())
		return false;
	if (!virtio_find(d, id, 0)) {
		check(false, "virtio device %u in the device tree", id);
		return false;
	}
	d->extra_features = extra;
	if (!virtio_init(d, id, nq)) {
		check(false, "virtio device %u initialised", id);
		return false;
	}
	check(d->features & (1ULL << VIRTIO_F_ACCESS_PLATFORM),
	      "device %u offers ACCESS_PLATFORM (a confidential platform)", id);
	irq_route(d->gsi, slot);
	return true;
}

/*
 * One virtio-blk request, bounced: data (len bytes) leaves from or lands
 * in `data`. Returns the status byte, 0xfe without bounce buffers, 0xfd
 * on timeout.
 */
static uint8_t blk_io(struct vdev *d, uint32_t type, uint64_t sector,
		      uint8_t *data, uint32_t len, bool indirect)
{
	bool in = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
	uint64_t hdr = bounce_alloc(HDR, HDR);
	uint64_t buf = len ? bounce_alloc(len, SECTOR) : 0;
	uint64_t st = bounce_alloc(1, 1);
	struct vbuf b[3];
	unsigned int n = 0;
	uint8_t status = 0xfe;

	if (hdr && st && (buf || !len)) {
		volatile struct virtio_blk_outhdr *h =
			(volatile struct virtio_blk_outhdr *)hdr;

		h->type = type;
		h->ioprio = 0;
		h->sector = sector;
		*(volatile uint8_t *)st = ST_UNTOUCHED;
		if (len && !in)
			memcpy((void *)buf, data, len);
		b[n++] = (struct vbuf){ hdr, HDR, false };
		if (len)
			b[n++] = (struct vbuf){ buf, len, in };
		b[n++] = (struct vbuf){ st, 1, true };
		status = vq_request(d, 0, b, n, indirect) == ~0u
				 ? 0xfd : *(volatile uint8_t *)st;
		if (len && in)
			memcpy(data, (void *)buf, len);
	}
	if (hdr)
		bounce_free(hdr, HDR);
	if (buf)
		bounce_free(buf, len);
	if (st)
		bounce_free(st, 1);
	return status;
}

static bool all(const uint8_t *p, uint32_t len, uint8_t v)
{
	for (uint32_t i = 0; i < len; i++)
		if (p[i] != v)
			return false;
	return true;
}

void t_virtio_blk(const char *arg)
{
	uint64_t want = 1ULL << VIRTIO_BLK_F_FLUSH | 1ULL << VIRTIO_BLK_F_DISCARD;
	uint8_t *src = scratch(0), *dst = scratch(1);
	struct virtio_blk_discard_write_zeroes *seg = (void *)dst;
	uint32_t free0, irqs0;
	uint64_t capacity;
	struct vdev d;

	(void)arg;
	if (!open_dev(&d, VIRTIO_ID_BLOCK, 1, want, 0))
		return;
	free0 = bounce_free_slots();
	irqs0 = irq_count[0];
	capacity = mmio_rd64(d.base + VIRTIO_MMIO_CONFIG +
			     offsetof(struct virtio_blk_config, capacity));
	check(capacity >= 1024, "disk of %lu sectors", capacity);
	for (uint32_t i = 0; i < PATTERN_LEN; i++)
		src[i] = pattern(i);
	check(blk_io(&d, VIRTIO_BLK_T_OUT, PATTERN_SECTOR, src, PATTERN_LEN,
		     false) == VIRTIO_BLK_S_OK, "write 8 KiB at sector 64");
	check(blk_io(&d, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, false) ==
		      VIRTIO_BLK_S_OK, "flush");
	memset(dst, 0, PATTERN_LEN);
	check(blk_io(&d, VIRTIO_BLK_T_IN, PATTERN_SECTOR, dst, PATTERN_LEN,
		     false) == VIRTIO_BLK_S_OK &&
		      !memcmp(src, dst, PATTERN_LEN), "read it back");
	memset(dst, 0, PATTERN_LEN);
	check(blk_io(&d, VIRTIO_BLK_T_IN, PATTERN_SECTOR, dst, PATTERN_LEN,
		     true) == VIRTIO_BLK_S_OK &&
		      !memcmp(src, dst, PATTERN_LEN),
	      "read it back through an indirect table");
	memset(dst, 0, 32);
	check(blk_io(&d, VIRTIO_BLK_T_GET_ID, 0, dst, VIRTIO_BLK_ID_BYTES,
		     false) == VIRTIO_BLK_S_OK && dst[0],
	      "device id '%s'", (char *)dst);
	check(blk_io(&d, VIRTIO_BLK_T_OUT, 200, src, 4096, false) ==
		      VIRTIO_BLK_S_OK, "write sector 200");
	*seg = (struct virtio_blk_discard_write_zeroes){ .sector = 200,
							 .num_sectors = 8 };
	check(blk_io(&d, VIRTIO_BLK_T_DISCARD, 0, dst, sizeof(*seg), false) ==
		      VIRTIO_BLK_S_OK, "discard it");
	check(blk_io(&d, VIRTIO_BLK_T_IN, 200, dst, 4096, false) ==
		      VIRTIO_BLK_S_OK && all(dst, 4096, 0),
	      "discarded sectors read as zeros");
	check(blk_io(&d, VIRTIO_BLK_T_OUT, capacity, src, 512, false) ==
		      VIRTIO_BLK_S_IOERR, "a write past the end is refused");
	check(irq_count[0] > irqs0, "%u interrupts delivered",
	      irq_count[0] - irqs0);
	check(bounce_free_slots() == free0, "no bounce buffer leaked");
	virtio_teardown(&d);
}

void t_virtio_rng(const char *arg)
{
	uint64_t buf;
	uint8_t a[64], b[64];
	struct vdev d;
	uint32_t len;

	(void)arg;
	if (!open_dev(&d, VIRTIO_ID_RNG, 1, 0, 1))
		return;
	buf = bounce_alloc(64, 64);
	for (int round = 0; round < 2; round++) {
		struct vbuf v = { buf, 64, true };

		memset((void *)buf, 0, 64);
		len = vq_request(&d, 0, &v, 1, false);
		memcpy(round ? b : a, (void *)buf, 64);
		check(len == 64, "64 random bytes (got %u)", len);
	}
	check(!all(a, 64, 0) && memcmp(a, b, 64), "they are not zeros, and differ");
	bounce_free(buf, 64);
	virtio_teardown(&d);
}

void t_virtio_console(const char *arg)
{
	static const char msg[] = "hello through virtio-console\n";
	uint64_t tx, rx;
	struct vdev d;
	uint32_t id, len;

	if (!open_dev(&d, VIRTIO_ID_CONSOLE, 2, 0, 2))
		return;
	rx = bounce_alloc(64, 64);
	tx = bounce_alloc(sizeof(msg), 64);
	/* A receive buffer waits for host input. */
	vq_desc(&d.q[VIRTIO_CONSOLE_RX], 0, rx, 64, VRING_DESC_F_WRITE, 0);
	vq_kick(&d, VIRTIO_CONSOLE_RX, 0);
	memcpy((void *)tx, msg, sizeof(msg) - 1);
	check(vq_request(&d, VIRTIO_CONSOLE_TX,
			 &(struct vbuf){ tx, sizeof(msg) - 1, false }, 1,
			 false) == 0, "line sent through the transmit queue");
	if (!strncmp(arg, "echo", 4)) {
		char line[65];

		bool got = vq_wait(&d, VIRTIO_CONSOLE_RX, &id, &len);

		check(got && len <= 64, "host input arrived (%u bytes)", len);
		memcpy(line, (void *)rx, len <= 64 ? len : 64);
		line[len <= 64 ? len : 64] = 0;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		printk("virtio-console received: %s\n", line);
	}
	bounce_free(rx, 64);
	bounce_free(tx, sizeof(msg));
	virtio_teardown(&d);
}

/*
 * test=flood:serial|virtio: console output without end, for the host's
 * "stdout is a pipe nobody reads" tests (cvmm must still stop on SIGTERM).
 * serial: 4 KiB lines to the UART (x86: `rep outsb` to COM1, one exit
 * per page of bytes);
 * virtio: 4 KiB buffers on virtio-console's transmit queue.
 */
#define FLOOD_CHUNK 4096u

static void fill_lines(uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		p[i] = (i % 64 == 63) ? '\n' : (uint8_t)('a' + i % 26);
}

static void flood_serial(void)
{
	static uint8_t line[FLOOD_CHUNK];

	fill_lines(line, sizeof(line));
	for (;;) {
#if defined(__x86_64__)
		const void *p = line;
		uint64_t n = sizeof(line);

		__asm__ volatile("rep outsb"
				 : "+S"(p), "+c"(n)
				 : "d"((uint16_t)0x3f8)
				 : "memory");
#else
		console_write((const char *)line, sizeof(line));
#endif
	}
}

static void flood_virtio(void)
{
	struct vdev d;
	uint64_t tx;

	if (!open_dev(&d, VIRTIO_ID_CONSOLE, 2, 0, 2))
		return;
	tx = bounce_alloc(FLOOD_CHUNK, 64);
	if (!tx) {
		check(false, "a transmit buffer");
		return;
	}
	fill_lines((uint8_t *)tx, FLOOD_CHUNK);
	printk("flooding virtio-console\n");
	for (;;) /* a stuck device times a request out; send again */
		vq_request(&d, VIRTIO_CONSOLE_TX,
			   &(struct vbuf){ tx, FLOOD_CHUNK, false }, 1, false);
}

void t_flood(const char *arg)
{
	if (!strncmp(arg, "serial", 6)) {
		printk("flooding the UART\n");
		flood_serial();
	} else if (!strncmp(arg, "virtio", 6)) {
		flood_virtio();
	} else {
		check(false, "flood:serial or flood:virtio, got '%s'", arg);
	}
}

/*
 * test=blk-durable: write generation after generation of the same 8 KiB
 * at sector 64, each sector stamped (generation, sector, pattern), flush,
 * then say "FLUSHED <generation>". The host SIGKILLs cvmm after some line
 * and checks that no sector is older than the generation it saw flushed.
 */
void t_blk_durable(const char *arg)
{
	uint64_t want = 1ULL << VIRTIO_BLK_F_FLUSH;
	uint8_t *src = scratch(0);
	struct vdev d;

	(void)arg;
	if (!open_dev(&d, VIRTIO_ID_BLOCK, 1, want, 0))
		return;
	for (uint64_t gen = 1;; gen++) {
		for (uint32_t s = 0; s < PATTERN_LEN / SECTOR; s++) {
			uint8_t *p = src + s * SECTOR;

			*(uint64_t *)p = gen;
			*(uint64_t *)(p + 8) = PATTERN_SECTOR + s;
			for (uint32_t i = 16; i < SECTOR; i++)
				p[i] = (uint8_t)(pattern(i) ^ gen);
		}
		if (blk_io(&d, VIRTIO_BLK_T_OUT, PATTERN_SECTOR, src,
			   PATTERN_LEN, false) != VIRTIO_BLK_S_OK ||
		    blk_io(&d, VIRTIO_BLK_T_FLUSH, 0, NULL, 0, false) !=
			    VIRTIO_BLK_S_OK) {
			check(false, "generation %lu written and flushed", gen);
			return;
		}
		printk("FLUSHED %lu\n", gen);
	}
}
