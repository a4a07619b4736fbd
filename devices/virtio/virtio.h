/* SPDX-License-Identifier: MIT */
/*
 * Virtio definitions: the names and layouts come from the kernel's uAPI
 * headers (Debian's linux-libc-dev, 6.1 on Debian 12), so the device side
 * and the test kernel's drivers use the same ABI as Linux. Only what the
 * kernel does not define lives here. The test kernel includes this file
 * too: the kernel headers it pulls in need only <linux/types.h> and the
 * compiler's <stdint.h>, never libc.
 */
#ifndef CVMM_VIRTIO_H
#define CVMM_VIRTIO_H

/* Virtio 1.x only: no vring_init()/vring_size() for the legacy layout. */
#ifndef VIRTIO_RING_NO_LEGACY
#define VIRTIO_RING_NO_LEGACY
#endif

#include <stddef.h>

#include <linux/virtio_blk.h>
#include <linux/virtio_config.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <linux/virtio_rng.h>

/*
 * The MagicValue register's content, "virt" read as a little-endian word:
 * virtio_mmio.h names the register but not the value.
 */
#define VIRTIO_MMIO_MAGIC 0x74726976

/*
 * The MMIO window cvmm gives each device: the registers (up to
 * VIRTIO_MMIO_CONFIG) plus as much config space again. A layout choice of
 * cvmm's, not an ABI value.
 */
#define VIRTIO_MMIO_SIZE 0x200

/*
 * virtio-blk counts addresses and sizes in 512-byte sectors; the kernel's
 * header says so in comments only.
 */
#define VIRTIO_BLK_SECTOR 512

/*
 * virtio-console queue indices without VIRTIO_CONSOLE_F_MULTIPORT (spec
 * 5.3.2): receiveq (host to guest) and transmitq. The kernel numbers them
 * in its driver only.
 */
#define VIRTIO_CONSOLE_RX 0
#define VIRTIO_CONSOLE_TX 1

/*
 * aliases still used by blk.c/core.c; to be removed (blk.h and the tests
 * use some too). Each is defined from the kernel's name, so it cannot
 * drift.
 */
#define VIRTIO_S_DRIVER_OK VIRTIO_CONFIG_S_DRIVER_OK
#define VIRTIO_S_NEEDS_RESET VIRTIO_CONFIG_S_NEEDS_RESET
#define VIRTIO_F_INDIRECT_DESC VIRTIO_RING_F_INDIRECT_DESC
#define VIRTIO_F_EVENT_IDX VIRTIO_RING_F_EVENT_IDX
#define VIRTIO_BLK_CFG_CAPACITY offsetof(struct virtio_blk_config, capacity)
#define VIRTIO_BLK_CFG_SIZE_MAX offsetof(struct virtio_blk_config, size_max)
#define VIRTIO_BLK_CFG_SEG_MAX offsetof(struct virtio_blk_config, seg_max)
#define VIRTIO_BLK_CFG_BLK_SIZE offsetof(struct virtio_blk_config, blk_size)
#define VIRTIO_BLK_CFG_MAX_DISCARD_SECTORS \
	offsetof(struct virtio_blk_config, max_discard_sectors)
#define VIRTIO_BLK_CFG_MAX_DISCARD_SEG \
	offsetof(struct virtio_blk_config, max_discard_seg)
#define VIRTIO_BLK_CFG_DISCARD_ALIGN \
	offsetof(struct virtio_blk_config, discard_sector_alignment)
/*
 * cvmm's config space ends before the secure-erase fields it does not
 * offer (60 bytes).
 */
#define VIRTIO_BLK_CFG_SIZE \
	offsetof(struct virtio_blk_config, max_secure_erase_sectors)

/*
 * aliases still used by the tests (tests/unit/test_virtio.c,
 * tests/common/vqdriver.c, tests/fuzz/, tests/bench/); to be removed.
 */
#define VIRTIO_S_ACKNOWLEDGE VIRTIO_CONFIG_S_ACKNOWLEDGE
#define VIRTIO_S_DRIVER VIRTIO_CONFIG_S_DRIVER
#define VIRTIO_S_FEATURES_OK VIRTIO_CONFIG_S_FEATURES_OK
#define VIRTQ_DESC_F_NEXT VRING_DESC_F_NEXT
#define VIRTQ_DESC_F_WRITE VRING_DESC_F_WRITE
#define VIRTQ_DESC_F_INDIRECT VRING_DESC_F_INDIRECT
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW VIRTIO_MMIO_QUEUE_AVAIL_LOW
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH VIRTIO_MMIO_QUEUE_AVAIL_HIGH
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW VIRTIO_MMIO_QUEUE_USED_LOW
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH VIRTIO_MMIO_QUEUE_USED_HIGH

#endif
