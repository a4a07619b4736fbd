/* SPDX-License-Identifier: MIT */
/*
 * ACPI tables for x86 guests, which take no device tree: RSDP, XSDT, a
 * hardware-reduced FADT whose sleep registers are cvmm's sleep port (so
 * that an ACPI power-off ends the VM), MADT (local APICs, the IOAPIC) and
 * a DSDT naming each virtio-mmio device (LNRO0005) and the UART (PNP0501).
 * All of them are built into one blob placed at X86_ACPI_GPA; the RSDP
 * comes first, so its address is the blob's.
 */
#ifndef CVMM_X86_ACPI_H
#define CVMM_X86_ACPI_H

#include <stddef.h>
#include <stdint.h>

/* In the legacy window (reserved in the memory map), where a guest that
 * is not told the RSDP's address also finds it by the BIOS-area scan. */
#define X86_ACPI_GPA 0xe0000ULL
#define X86_ACPI_MAX 0x10000ULL

/* The sleep control and status registers (one byte each). */
#define X86_ACPI_SLEEP_PORT 0x600

#define X86_LAPIC_BASE 0xfee00000ULL

struct acpi_mmio_dev {
	uint64_t base, len;
	unsigned int gsi;
};

struct acpi_desc {
	unsigned int ncpus;
	const struct acpi_mmio_dev *virtio;
	unsigned int nvirtio;
	uint16_t uart_port;
	unsigned int uart_irq;
};

/*
 * Build every table into buf (cap bytes) as it will sit at gpa. Returns
 * the blob's size, or -ENOSPC / -EINVAL.
 */
int x86_acpi_build(uint8_t *buf, size_t cap, uint64_t gpa,
		   const struct acpi_desc *d) __attribute__((warn_unused_result));

/* The 8-bit checksum that makes bytes sum to zero. */
uint8_t acpi_checksum(const uint8_t *p, size_t n);

#endif
