// SPDX-License-Identifier: MIT
#include "power.h"

#include "../lib/log.h"

#define CF9_RESET_CPU 0x04
#define I8042_PULSE_RESET 0xfe
#define SLEEP_EN 0x20
#define SLEEP_TYPE(v) (((v) >> 2) & 7)

static void exit_write(void *dev, const struct io_req *req,
		       const uint8_t *data)
{
	struct power *p = dev;
	int status = (int)(io_get(data, req->len) & 0xff);

	log_info("guest exit device: status %d", status);
	p->stop(p->opaque, status);
}

const struct dev_ops exit_dev_ops = {
	.name = "exit",
	.write = exit_write,
};

static void cf9_read(void *dev, const struct io_req *req, uint8_t *data)
{
	struct power *p = dev;

	io_put(data, req->len, p->cf9);
}

static void cf9_write(void *dev, const struct io_req *req,
		      const uint8_t *data)
{
	struct power *p = dev;

	(void)req;
	p->cf9 = data[0];
	if (data[0] & CF9_RESET_CPU) {
		log_info("guest reset through port 0xcf9");
		p->stop(p->opaque, 0);
	}
}

const struct dev_ops reset_cf9_ops = {
	.name = "reset-cf9",
	.read = cf9_read,
	.write = cf9_write,
};

static void i8042_read(void *dev, const struct io_req *req, uint8_t *data)
{
	(void)dev;
	/* Status: output buffer empty, input buffer empty. */
	io_put(data, req->len, 0);
}

static void i8042_write(void *dev, const struct io_req *req,
			const uint8_t *data)
{
	struct power *p = dev;

	(void)req;
	if (data[0] == I8042_PULSE_RESET) {
		log_info("guest reset through the i8042");
		p->stop(p->opaque, 0);
	}
}

const struct dev_ops reset_i8042_ops = {
	.name = "reset-i8042",
	.read = i8042_read,
	.write = i8042_write,
};

/*
 * ACPI sleep control (offset 0) and status (offset 1) registers of a
 * hardware-reduced platform: SLP_EN with the soft-off sleep type ends the
 * VM with status 0; other sleep states are not offered (the DSDT declares
 * only \_S5), so their writes do nothing. Status reads as zero.
 */
static void sleep_read(void *dev, const struct io_req *req, uint8_t *data)
{
	(void)dev;
	io_put(data, req->len, 0);
}

static void sleep_write(void *dev, const struct io_req *req,
			const uint8_t *data)
{
	struct power *p = dev;

	if (req->offset != 0 || !(data[0] & SLEEP_EN))
		return;
	if (SLEEP_TYPE(data[0]) == POWER_ACPI_S5_TYPE) {
		log_info("guest powered off through ACPI");
		p->stop(p->opaque, 0);
	}
}

const struct dev_ops acpi_sleep_ops = {
	.name = "acpi-sleep",
	.read = sleep_read,
	.write = sleep_write,
};
