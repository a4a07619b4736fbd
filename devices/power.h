/* SPDX-License-Identifier: MIT */
/*
 * The ways a guest ends the VM: cvmm's exit device (status from the
 * guest) and the legacy reset ports (0xcf9 reset control, the i8042
 * command port's pulse-reset), which end cvmm with status 0 because it
 * does not reboot guests; and the ACPI sleep registers, whose soft-off
 * request ends it with status 0 too.
 */
#ifndef CVMM_POWER_H
#define CVMM_POWER_H

#include "bus.h"

/* The sleep type (SLP_TYP) an architecture's ACPI tables give \_S5. */
#define POWER_ACPI_S5_TYPE 5

struct power {
	void (*stop)(void *opaque, int status);
	void *opaque;
	uint8_t cf9;
};

extern const struct dev_ops exit_dev_ops;
extern const struct dev_ops reset_cf9_ops;
extern const struct dev_ops reset_i8042_ops;
extern const struct dev_ops acpi_sleep_ops;

#endif
