/* SPDX-License-Identifier: MIT */
/*
 * The guest-physical address map cvmm gives an arm64 guest. Everything
 * below 2 GiB is devices; RAM is one region from 2 GiB up, as on QEMU's
 * and kvmtool's arm64 machines, so a kernel built for them finds RAM where
 * it expects it.
 *
 *   0x0800_0000  GICv3 distributor (64 KiB)
 *   0x080a_0000  GICv3 redistributors (128 KiB per vCPU)
 *   0x0900_0000  16550 UART (SPI 1)
 *   0x0a00_0000  paravirtual exit device; 0x0a00_1000 conversion device;
 *                0x0a00_2000 test device
 *   0x0b00_0000  virtio-mmio devices, one page each (SPI 16 on)
 *   0x0c00_0000  test memory (--testdev): 64 KiB without guest_memfd
 *   0x8000_0000  RAM: kernel, device tree, ..., DMA pool at the top
 */
#ifndef CVMM_ARM64_LAYOUT_H
#define CVMM_ARM64_LAYOUT_H

#define ARM64_GICD_BASE 0x08000000ULL
#define ARM64_GICD_SIZE 0x10000ULL
#define ARM64_GICR_BASE 0x080a0000ULL
#define ARM64_GICR_STRIDE 0x20000ULL /* per vCPU: RD and SGI frames */
#define ARM64_UART_BASE 0x09000000ULL
#define ARM64_UART_SPI 1
#define ARM64_PV_BASE 0x0a000000ULL
#define ARM64_PV_STRIDE 0x1000ULL
#define ARM64_VIRTIO_BASE 0x0b000000ULL
#define ARM64_VIRTIO_STRIDE 0x1000ULL
#define ARM64_VIRTIO_SPI 16
#define ARM64_VIRTIO_MAX 8
#define ARM64_TESTMEM_GPA 0x0c000000ULL
#define ARM64_RAM_BASE 0x80000000ULL
/* The default IPA space of a VM (type 0): 40 bits. */
#define ARM64_IPA_LIMIT (1ULL << 40)
#define ARM64_NR_IRQS 128 /* SGIs, PPIs and 96 SPIs */

/* The PPIs of the architected timer, as intids minus 16 for the DT. */
#define ARM64_TIMER_PPI_SEC 13
#define ARM64_TIMER_PPI_NONSEC 14
#define ARM64_TIMER_PPI_VIRT 11
#define ARM64_TIMER_PPI_HYP 10

#endif
