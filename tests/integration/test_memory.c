// SPDX-License-Identifier: MIT
/* Private/shared memory through the test kernel (filled in with issue 3). */
#include "harness.h"

Suite *memory_suite(void)
{
	Suite *s = suite_create("memory");

	return s;
}
