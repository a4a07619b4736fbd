// SPDX-License-Identifier: MIT
#include "blk.h"
#include "blk_io.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/files.h"
#include "../../lib/log.h"
#include "../../lib/util.h"

#define HDR_SIZE 16
#define SECTOR VIRTIO_BLK_SECTOR

struct blk_hdr {
	uint32_t type, reserved;
	uint64_t sector;
};

struct discard_seg {
	uint64_t sector;
	uint32_t num_sectors, flags;
};

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void build_config(struct virtio_blk *b)
{
	memset(b->config, 0, sizeof(b->config));
	put_le(b->config + VIRTIO_BLK_CFG_CAPACITY, b->capacity, 8);
	put_le(b->config + VIRTIO_BLK_CFG_SEG_MAX, VQ_MAX_SIZE - 2, 4);
	put_le(b->config + VIRTIO_BLK_CFG_BLK_SIZE, SECTOR, 4);
	put_le(b->config + VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS,
	       BLK_MAX_DISCARD_SECTORS, 4);
	put_le(b->config + VIRTIO_BLK_CFG_MAX_DISCARD_SEG, BLK_MAX_DISCARD_SEG, 4);
	put_le(b->config + VIRTIO_BLK_CFG_DISCARD_ALIGN, 1, 4);
}

static int disk_size(int fd, uint64_t *size)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, size) ? -errno : 0;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	*size = (uint64_t)st.st_size;
	return 0;
}

int virtio_blk_open(struct virtio_blk *b, const char *path, bool readonly,
		    char *err, size_t errlen)
{
	const char *base = strrchr(path, '/');
	uint64_t size;
	int ret;

	b->readonly = readonly;
	/* A FIFO or a device must be refused before open() can block. */
	b->fd = open_user_file(path, readonly ? O_RDONLY : O_RDWR, true, err,
			       errlen);
	if (b->fd < 0) {
		ret = b->fd;
		b->fd = -1;
		return ret;
	}
	/* Two writers on one image would corrupt it. */
	if (flock(b->fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		snprintf(err, errlen, "in use by another process");
		ret = -EBUSY;
		goto fail;
	}
	ret = disk_size(b->fd, &size);
	if (ret) {
		snprintf(err, errlen, "not a regular file or block device");
		goto fail;
	}
	if (size % SECTOR)
		log_warn("disk %s: the last %llu bytes are past the last sector",
			 path, (unsigned long long)(size % SECTOR));
	b->capacity = size / SECTOR;
	snprintf(b->id, sizeof(b->id), "%s", base ? base + 1 : path);
	build_config(b);
	return 0;
fail:
	close(b->fd);
	b->fd = -1;
	return ret;
}

void virtio_blk_close(struct virtio_blk *b)
{
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}

/* Is [sector, +len bytes) inside the disk? */
static bool in_disk(const struct virtio_blk *b, uint64_t sector, uint64_t len)
{
	return sector <= b->capacity &&
	       len <= (b->capacity - sector) * SECTOR && len % SECTOR == 0;
}

/* IN reads into the writable part (all but its last byte), OUT writes. */
static uint8_t take_rw(struct virtio_blk *b, struct blk_req *r,
		       uint64_t sector, bool out)
{
	const struct vq_chain *c = &r->chain;
	uint64_t len = out ? c->read_len - HDR_SIZE : c->write_len - 1;

	if (out && b->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (!in_disk(b, sector, len))
		return VIRTIO_BLK_S_IOERR;
	r->niov = vq_hold(&b->dev.dom, c, !out, out ? HDR_SIZE : 0, len, r->iov,
			  r->holds, VQ_MAX_BUFS);
	if (r->niov < 0) {
		r->niov = 0;
		return VIRTIO_BLK_S_IOERR;
	}
	r->op = out ? BLK_OP_WRITE : BLK_OP_READ;
	r->off = sector * SECTOR;
	r->len = len;
	return VIRTIO_BLK_S_OK;
}

/* Every segment is checked before any is punched. */
static uint8_t take_discard(struct virtio_blk *b, struct blk_req *r)
{
	uint64_t nseg = (r->chain.read_len - HDR_SIZE) / sizeof(struct discard_seg);
	struct discard_seg s;

	if (b->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (nseg == 0 || nseg > BLK_MAX_DISCARD_SEG ||
	    (r->chain.read_len - HDR_SIZE) % sizeof(s))
		return VIRTIO_BLK_S_UNSUPP;
	r->nseg = 0;
	for (uint64_t i = 0; i < nseg; i++) {
		if (vq_chain_copy(&b->dev.dom, &r->chain, false,
				  HDR_SIZE + i * sizeof(s), &s, sizeof(s)))
			return VIRTIO_BLK_S_IOERR;
		s.sector = le64toh(s.sector);
		s.num_sectors = le32toh(s.num_sectors);
		if (le32toh(s.flags) & ~1u) /* only "unmap" is defined */
			return VIRTIO_BLK_S_UNSUPP;
		if (s.num_sectors > BLK_MAX_DISCARD_SECTORS ||
		    !in_disk(b, s.sector, (uint64_t)s.num_sectors * SECTOR))
			return VIRTIO_BLK_S_IOERR;
		if (s.num_sectors)
			r->seg[r->nseg++] = (struct blk_range){
				s.sector * SECTOR, (uint64_t)s.num_sectors * SECTOR };
	}
	r->op = BLK_OP_DISCARD;
	return VIRTIO_BLK_S_OK;
}

static uint8_t get_id(struct virtio_blk *b, struct blk_req *r)
{
	uint64_t n = r->chain.write_len - 1;

	if (n > VIRTIO_BLK_ID_BYTES)
		n = VIRTIO_BLK_ID_BYTES;
	if (vq_chain_copy(&b->dev.dom, &r->chain, true, 0, b->id, n))
		return VIRTIO_BLK_S_IOERR;
	r->written = (uint32_t)n;
	return VIRTIO_BLK_S_OK;
}

/*
 * Parse and check r's chain; memory-only work, done under the lock. True
 * if r has I/O to start; else r->status is its answer.
 */
static bool take(struct virtio_blk *b, struct blk_req *r)
{
	const struct vq_chain *c = &r->chain;
	struct blk_hdr h;

	r->op = BLK_OP_NONE;
	r->niov = 0;
	r->written = 0;
	r->status = BLK_S_NONE;
	/* Without a header and a status byte nothing can be answered. */
	if (c->read_len < HDR_SIZE || c->write_len < 1 ||
	    vq_chain_copy(&b->dev.dom, c, false, 0, &h, sizeof(h)))
		return false;
	switch (le32toh(h.type)) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		r->status = take_rw(b, r, le64toh(h.sector),
				    le32toh(h.type) == VIRTIO_BLK_T_OUT);
		break;
	case VIRTIO_BLK_T_FLUSH:
		r->op = BLK_OP_FLUSH;
		r->status = VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID: r->status = get_id(b, r); break;
	case VIRTIO_BLK_T_DISCARD: r->status = take_discard(b, r); break;
	default: r->status = VIRTIO_BLK_S_UNSUPP; break;
	}
	return r->status == VIRTIO_BLK_S_OK && r->op != BLK_OP_NONE;
}

void blk_finish(struct virtio_blk *b, struct blk_req *r)
{
	struct mem_domain *d = &b->dev.dom;
	uint32_t len = 0;

	if (r->niov > 0)
		vq_release(d, r->holds, r->niov);
	r->niov = 0;
	if (r->op == BLK_OP_READ && r->status == VIRTIO_BLK_S_OK)
		r->written = (uint32_t)r->len;
	if (r->status != BLK_S_NONE &&
	    !vq_chain_copy(d, &r->chain, true, r->chain.write_len - 1,
			   &r->status, 1))
		len = r->written + 1;
	virtio_push(&b->dev, r->q, r->chain.head, len);
	virtio_end_async(&b->dev);
	blk_io_put(b, r);
}

/* Take every available request there is room for; start their I/O. */
static void blk_process(struct virtio_dev *d, unsigned int q)
{
	struct virtio_blk *b = d->priv;
	struct blk_req *r;

	while ((r = blk_io_get(b))) {
		if (!virtio_next(d, q, &r->chain)) {
			blk_io_put(b, r);
			break;
		}
		r->q = q;
		virtio_begin_async(d);
		if (take(b, r))
			blk_io_start(b, r);
		else
			blk_finish(b, r);
	}
	virtio_notify(d, q);
}

static void blk_config_read(struct virtio_dev *d, uint32_t off, uint8_t *data,
			    unsigned int len)
{
	struct virtio_blk *b = d->priv;

	memcpy(data, b->config + off, len);
}

const struct virtio_dev_ops virtio_blk_ops = {
	.device_id = VIRTIO_ID_BLOCK,
	.num_queues = 1,
	.features = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
		    1ULL << VIRTIO_BLK_F_FLUSH | 1ULL << VIRTIO_BLK_F_DISCARD,
	.config_size = VIRTIO_BLK_CFG_SIZE,
	.config_read = blk_config_read,
	.process = blk_process,
	.init = blk_io_init,
	.fini = blk_io_fini,
	.submit = blk_io_submit,
	.complete = blk_io_complete,
};
