// SPDX-License-Identifier: MIT
/*
 * make abi-check: lib/kvm_abi.h's values against the kernel's, entry by
 * entry (both tables come from kvm_abi_list.h, in the same order). Names
 * every mismatch; exit status 1 if there is one.
 */
#include <stdio.h>
#include <string.h>

#include "abi_table.h"

int main(int argc, char **argv)
{
	const char *kernel = argc > 1 ? argv[1] : "the kernel's headers";
	size_t bad = 0;

	if (abi_project_count != abi_kernel_count) {
		fprintf(stderr, "abi-check: tables differ in length (%zu, %zu)\n",
			abi_project_count, abi_kernel_count);
		return 1;
	}
	for (size_t i = 0; i < abi_project_count; i++) {
		const struct abi_value *p = &abi_project[i], *k = &abi_kernel[i];

		if (strcmp(p->name, k->name)) {
			fprintf(stderr, "abi-check: entry %zu is %s and %s\n",
				i, p->name, k->name);
			return 1;
		}
		if (p->value == k->value)
			continue;
		fprintf(stderr,
			"abi-check: %s: %llu (%#llx) in lib/kvm_abi.h, "
			"%llu (%#llx) in %s\n",
			p->name, p->value, p->value, k->value, k->value, kernel);
		bad++;
	}
	if (bad) {
		fprintf(stderr, "abi-check: %zu of %zu values differ\n", bad,
			abi_project_count);
		return 1;
	}
	printf("abi-check: all %zu values of lib/kvm_abi.h equal %s\n",
	       abi_project_count, kernel);
	return 0;
}
