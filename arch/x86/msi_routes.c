// SPDX-License-Identifier: MIT
/*
 * Interrupts without an in-kernel IOAPIC (split irqchip, as TDX requires):
 * every GSI cvmm's devices use (the UART's, the virtio pins) is routed as
 * an MSI to the boot vCPU's local APIC, fixed delivery, edge-triggered,
 * vector X86_MSI_VECTOR_BASE + gsi. KVM_IRQ_LINE and irqfds then work as
 * with an IOAPIC; a raise is one edge, a lower does nothing. Edge only:
 * a TD's EOIs never reach the host, so level-triggered lines could not be
 * re-armed.
 */
#include "msi_routes.h"

#include <errno.h>
#include <stdlib.h>

#include "../../lib/kvm.h"

#define MSI_ADDR_BASE 0xfee00000u /* dest APIC ID in bits 19:12 */

int x86_msi_routes(int vm_fd, uint32_t dest_apic)
{
	struct kvm_irq_routing *r;
	int ret;

	r = calloc(1, sizeof(*r) + X86_MSI_GSIS * sizeof(r->entries[0]));
	if (!r)
		return -ENOMEM;
	for (unsigned int gsi = 0; gsi < X86_MSI_GSIS; gsi++) {
		struct kvm_irq_routing_entry *e = &r->entries[r->nr++];

		e->gsi = gsi;
		e->type = KVM_IRQ_ROUTING_MSI;
		e->u.msi.address_lo = MSI_ADDR_BASE | (dest_apic & 0xff) << 12;
		/* Fixed delivery (bits 10:8 = 0), edge (bit 15 = 0). */
		e->u.msi.data = X86_MSI_VECTOR_BASE + gsi;
	}
	ret = kvm_ioctl_ptr(vm_fd, KVM_SET_GSI_ROUTING, r);
	free(r);
	return ret;
}
