// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "../../lib/log.h"
#include "suites.h"

int main(void)
{
	Suite *(*const suites[])(void) = {
		rangeset_suite, guest_mem_suite, loader_suite, pvh_suite,
		util_suite, cli_suite, exit_suite, bus_suite, devices_suite,
		virtio_suite, fdt_suite, config_suite, platform_suite,
		files_suite, outbuf_suite, seccomp_suite,
		mem_scale_suite, fault_guard_suite, fakekvm_suite,
		firmware_suite, sev_snp_suite, tdvf_suite, tdx_suite,
		teardown_suite,
		acpi_suite, bzimage_suite,
	};
	SRunner *sr;
	int failed;

	/* Error paths log by design; CVMM_TEST_VERBOSE=1 shows those lines. */
	log_level = getenv("CVMM_TEST_VERBOSE") ? LOG_DEBUG : LOG_QUIET;
	sr = srunner_create(suites[0]());
	for (size_t i = 1; i < sizeof(suites) / sizeof(suites[0]); i++)
		srunner_add_suite(sr, suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
