/* SPDX-License-Identifier: MIT */
/* GSIs as MSIs to one local APIC, for a split irqchip (msi_routes.c). */
#ifndef CVMM_X86_MSI_ROUTES_H
#define CVMM_X86_MSI_ROUTES_H

#include <stdint.h>

/* GSIs 0-23, as an IOAPIC would have: the UART's 4, virtio's 16-23. */
#define X86_MSI_GSIS 24
/* GSI g arrives as vector 0x20 + g (the first vector after exceptions). */
#define X86_MSI_VECTOR_BASE 0x20

/* Route every GSI to dest_apic. Returns 0 or -errno. */
int x86_msi_routes(int vm_fd, uint32_t dest_apic)
	__attribute__((warn_unused_result));

#endif
