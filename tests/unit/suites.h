/* SPDX-License-Identifier: MIT */
/* The unit-test suites (check), one per module, run by main.c. */
#ifndef CVMM_TEST_SUITES_H
#define CVMM_TEST_SUITES_H

#include <check.h>

Suite *rangeset_suite(void);
Suite *guest_mem_suite(void);
Suite *loader_suite(void);
Suite *pvh_suite(void);
Suite *util_suite(void);
Suite *cli_suite(void);
Suite *exit_suite(void);
Suite *bus_suite(void);
Suite *devices_suite(void);
Suite *virtio_suite(void);
Suite *fdt_suite(void);
Suite *config_suite(void);
Suite *platform_suite(void);
Suite *files_suite(void);
Suite *outbuf_suite(void);
Suite *seccomp_suite(void);
Suite *mem_scale_suite(void);
Suite *fault_guard_suite(void);
Suite *fakekvm_suite(void);
Suite *firmware_suite(void);
Suite *sev_snp_suite(void);
Suite *tdvf_suite(void);
Suite *tdx_suite(void);
Suite *teardown_suite(void);
Suite *acpi_suite(void);
Suite *bzimage_suite(void);

#endif
