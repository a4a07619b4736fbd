// SPDX-License-Identifier: MIT
/* What every architecture's firmware support shares: names for messages. */
#include "arch.h"

const char *fw_section_name(enum fw_section_kind k)
{
	switch (k) {
	case FW_SEC_SNP_MEM: return "pre-validated memory";
	case FW_SEC_SNP_SECRETS: return "secrets";
	case FW_SEC_SNP_CPUID: return "CPUID";
	case FW_SEC_HASHES: return "kernel hashes";
	default: return "?";
	}
}
