// SPDX-License-Identifier: MIT
/*
 * x86 firmware images: loaded as RAM ending at 4 GiB, where the reset
 * vector (0xfffffff0) is, as QEMU loads OVMF and TDVF for SEV-SNP and TDX
 * (no ROM or pflash: such VMs cannot have read-only memslots). At most
 * 16 MiB, so that it stays clear of the LAPIC, IOAPIC and the TSS pages
 * below 0xff000000.
 */
#include "../arch.h"

#include <errno.h>
#include <stdio.h>

#include "layout.h"
#include "ovmf.h"

_Static_assert(X86_TSS_GPA + 3 * 4096 <= X86_MMIO_HOLE_END - FW_MAX_SIZE,
	       "the TSS pages overlap the firmware's place");

int arch_firmware_parse(const uint8_t *img, size_t len,
			struct arch_firmware *fw, char *err, size_t errlen)
{
	*fw = (struct arch_firmware){ .data = img, .size = len };
	if (!len || len % 4096) {
		snprintf(err, errlen, "is %zu bytes, not a multiple of 4 KiB",
			 len);
		return -EINVAL;
	}
	if (len > FW_MAX_SIZE) {
		snprintf(err, errlen, "is %zu bytes, more than the %llu MiB "
			 "below 4 GiB a firmware image may take", len,
			 FW_MAX_SIZE >> 20);
		return -EINVAL;
	}
	fw->gpa = X86_MMIO_HOLE_END - len;
	return ovmf_sev_metadata(img, len, fw, err, errlen);
}
