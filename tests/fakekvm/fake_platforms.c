// SPDX-License-Identifier: MIT
/*
 * The fake KVM's platform rules, one struct fake_platform per VM type
 * with rules of its own (tests/fakekvm/fake_<name>.c). A VM type without
 * an entry gets the generic rules only.
 */
#include "fakekvm.h"

extern const struct fake_platform fake_sev_snp;
extern const struct fake_platform fake_tdx;

const struct fake_platform *const fake_platforms[] = {
	&fake_sev_snp,
	&fake_tdx,
	NULL,
};
