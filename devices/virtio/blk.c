// SPDX-License-Identifier: MIT
#include "blk.h"

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

/* Transfer all of iov at file offset off; false on error or short I/O. */
static bool full_io(int fd, struct iovec *iov, int n, uint64_t off,
		    bool write)
{
	while (n > 0) {
		ssize_t r = write ? pwritev(fd, iov, n, (off_t)off)
				  : preadv(fd, iov, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		off += (uint64_t)r;
		while (n > 0 && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return true;
}

/* Is [sector, +len bytes) inside the disk? */
static bool in_disk(const struct virtio_blk *b, uint64_t sector, uint64_t len)
{
	return sector <= b->capacity &&
	       len <= (b->capacity - sector) * SECTOR && len % SECTOR == 0;
}

/* IN reads into the writable part (all but its last byte), OUT writes. */
static uint8_t rw(struct virtio_blk *b, const struct vq_chain *c,
		  uint64_t sector, bool out, uint32_t *written)
{
	struct mem_domain *d = &b->dev.dom;
	uint64_t len = out ? c->read_len - HDR_SIZE : c->write_len - 1;
	int n;
	bool ok;

	if (out && b->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (!in_disk(b, sector, len))
		return VIRTIO_BLK_S_IOERR;
	n = vq_hold(d, c, !out, out ? HDR_SIZE : 0, len, b->iov, b->holds,
		    VQ_MAX_BUFS);
	if (n < 0)
		return VIRTIO_BLK_S_IOERR;
	ok = full_io(b->fd, b->iov, n, sector * SECTOR, out);
	vq_release(d, b->holds, n);
	if (!out && ok)
		*written = (uint32_t)len;
	return ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
}

static uint8_t discard(struct virtio_blk *b, const struct vq_chain *c)
{
	uint64_t nseg = (c->read_len - HDR_SIZE) / sizeof(struct discard_seg);
	struct discard_seg s;

	if (b->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (nseg == 0 || nseg > BLK_MAX_DISCARD_SEG ||
	    (c->read_len - HDR_SIZE) % sizeof(s))
		return VIRTIO_BLK_S_UNSUPP;
	for (uint64_t i = 0; i < nseg; i++) {
		if (vq_chain_copy(&b->dev.dom, c, false,
				  HDR_SIZE + i * sizeof(s), &s, sizeof(s)))
			return VIRTIO_BLK_S_IOERR;
		s.sector = le64toh(s.sector);
		s.num_sectors = le32toh(s.num_sectors);
		if (le32toh(s.flags) & ~1u) /* only "unmap" is defined */
			return VIRTIO_BLK_S_UNSUPP;
		if (s.num_sectors > BLK_MAX_DISCARD_SECTORS ||
		    !in_disk(b, s.sector, (uint64_t)s.num_sectors * SECTOR))
			return VIRTIO_BLK_S_IOERR;
		if (s.num_sectors &&
		    fallocate(b->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)(s.sector * SECTOR),
			      (off_t)s.num_sectors * SECTOR))
			return VIRTIO_BLK_S_IOERR;
	}
	return VIRTIO_BLK_S_OK;
}

static uint8_t get_id(struct virtio_blk *b, const struct vq_chain *c,
		      uint32_t *written)
{
	uint64_t n = c->write_len - 1;

	if (n > VIRTIO_BLK_ID_BYTES)
		n = VIRTIO_BLK_ID_BYTES;
	if (vq_chain_copy(&b->dev.dom, c, true, 0, b->id, n))
		return VIRTIO_BLK_S_IOERR;
	*written = (uint32_t)n;
	return VIRTIO_BLK_S_OK;
}

uint32_t virtio_blk_request(struct virtio_blk *b, const struct vq_chain *c)
{
	struct mem_domain *d = &b->dev.dom;
	uint32_t written = 0;
	struct blk_hdr h;
	uint8_t status;

	/* Without a header and a status byte nothing can be answered. */
	if (c->read_len < HDR_SIZE || c->write_len < 1 ||
	    vq_chain_copy(d, c, false, 0, &h, sizeof(h)))
		return 0;
	switch (le32toh(h.type)) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		status = rw(b, c, le64toh(h.sector),
			    le32toh(h.type) == VIRTIO_BLK_T_OUT, &written);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = fdatasync(b->fd) ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_GET_ID: status = get_id(b, c, &written); break;
	case VIRTIO_BLK_T_DISCARD: status = discard(b, c); break;
	default: status = VIRTIO_BLK_S_UNSUPP; break;
	}
	if (vq_chain_copy(d, c, true, c->write_len - 1, &status, 1))
		return 0;
	return written + 1;
}

static void blk_process(struct virtio_dev *d, unsigned int q)
{
	struct virtio_blk *b = d->priv;

	while (virtio_next(d, q, &b->chain))
		virtio_complete(d, q, &b->chain, virtio_blk_request(b, &b->chain));
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
};
