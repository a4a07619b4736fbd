// SPDX-License-Identifier: MIT
/* devices/: UART, conversion device, test device, CPU start device. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../devices/convert_dev.h"
#include "../../devices/cpu_start.h"
#include "../../devices/power.h"
#include "../../devices/pv_abi.h"
#include "../../devices/serial.h"
#include "../../devices/test_dev.h"
#include "../../lib/outbuf.h"
#include "../../lib/util.h"
#include "suites.h"

static int irq_level = -1, irq_changes;

static void record_irq(void *opaque, int level)
{
	(void)opaque;
	irq_level = level;
	irq_changes++;
}

static uint8_t reg_read(struct serial *s, unsigned int reg)
{
	struct io_req req = { reg, 1, 0 };
	uint8_t v;

	serial_ops.read(s, &req, &v);
	return v;
}

static void reg_write(struct serial *s, unsigned int reg, uint8_t v)
{
	struct io_req req = { reg, 1, 0 };

	serial_ops.write(s, &req, &v);
}

START_TEST(serial_transmit_and_receive)
{
	struct serial s;
	int p[2];
	char out[8] = { 0 };

	ck_assert_int_eq(pipe(p), 0);
	serial_init(&s, p[1], record_irq, NULL);
	reg_write(&s, 0, 'h');
	reg_write(&s, 0, 'i');
	ck_assert(outbuf_flush(s.out, 10000000000ULL)); /* the writer thread's */
	ck_assert_int_eq(read(p[0], out, sizeof(out)), 2);
	ck_assert_str_eq(out, "hi");
	ck_assert_uint_eq(reg_read(&s, 5) & 0x61, 0x60); /* THRE|TEMT, no data */
	/* Input raises the interrupt only once enabled, and reads drain it. */
	serial_receive(&s, (const uint8_t *)"ab", 2);
	ck_assert_int_eq(irq_changes, 0);
	ck_assert_uint_eq(reg_read(&s, 5) & 1, 1);
	reg_write(&s, 1, 0x01);
	ck_assert_int_eq(irq_level, 1);
	ck_assert_uint_eq(reg_read(&s, 2) & 0x0f, 0x04);
	ck_assert_uint_eq(reg_read(&s, 0), 'a');
	ck_assert_uint_eq(reg_read(&s, 0), 'b');
	ck_assert_int_eq(irq_level, 0);
	ck_assert_uint_eq(reg_read(&s, 2) & 0x0f, 0x01);
	/* Divisor latch: DLL/DLM behind DLAB do not transmit. */
	reg_write(&s, 3, 0x80);
	reg_write(&s, 0, 12);
	ck_assert_uint_eq(reg_read(&s, 0), 12);
	reg_write(&s, 3, 0x03);
	ck_assert_uint_eq(s.tx_bytes, 2);
	/* A full FIFO drops, it does not overflow. */
	uint8_t many[100];

	memset(many, 'x', sizeof(many));
	serial_receive(&s, many, sizeof(many));
	ck_assert_uint_eq(s.rx_count, SERIAL_FIFO);
	ck_assert_uint_eq(s.rx_dropped, 100 - SERIAL_FIFO);
	close(p[0]);
	close(p[1]);
}
END_TEST

static struct guest_mem m;
static int memfd;

static void mem_setup(void)
{
	struct mem_backend b = { .in_place = true };

	memfd = memfd_create("dev-test", MFD_CLOEXEC);
	ck_assert_int_eq(ftruncate(memfd, 1 << 20), 0);
	mem_init(&m, &b, MEM_CONTENT_ZERO, false);
	ck_assert_int_eq(mem_add_slot(&m, 0, 1 << 20, memfd, memfd), 0);
}

static void mem_teardown(void)
{
	mem_destroy(&m);
	close(memfd);
}

START_TEST(convert_device_codes)
{
	ck_assert_uint_eq(convert_dev_request(&m, 0x1000, 1, 0), PV_OK);
	ck_assert_uint_eq(convert_dev_request(&m, 0x1000, 1, PV_CONV_ENCRYPTED |
					      PV_CONV_MODE_PRESERVE), PV_OK);
	ck_assert_uint_eq(convert_dev_request(&m, 0x1001, 1, 0), PV_EINVAL);
	ck_assert_uint_eq(convert_dev_request(&m, 0x1000, 0, 0), PV_EINVAL);
	ck_assert_uint_eq(convert_dev_request(&m, 0xff000, 2, 0), PV_EINVAL);
	ck_assert_uint_eq(convert_dev_request(&m, 0x1000, 1, PV_CONV_MODE_ZERO |
					      PV_CONV_MODE_PRESERVE), PV_EINVAL);
	ck_assert_uint_eq(convert_dev_request(&m, 0x1000, 1, 1u << 12), PV_EINVAL);
}
END_TEST

static uint32_t pv_io(const struct dev_ops *ops, void *d, uint32_t off,
		      bool write, uint32_t v, unsigned int cpu)
{
	struct io_req req = { off, 4, cpu };
	uint8_t data[4];

	io_put(data, 4, v);
	if (write)
		ops->write(d, &req, data);
	else
		ops->read(d, &req, data);
	return (uint32_t)io_get(data, 4);
}

/* Registers are per vCPU: vCPU 1's staging does not disturb vCPU 0's. */
START_TEST(convert_device_registers)
{
	struct convert_dev c = { .mem = &m };

	pv_io(&convert_dev_ops, &c, 0x0, true, 0x3000, 0);
	pv_io(&convert_dev_ops, &c, 0x0, true, 0x3333, 1);
	pv_io(&convert_dev_ops, &c, 0x8, true, 2, 0);
	pv_io(&convert_dev_ops, &c, 0xc, true, 0, 0);
	ck_assert_uint_eq(pv_io(&convert_dev_ops, &c, 0xc, false, 0, 0), PV_OK);
	ck_assert_uint_eq(pv_io(&convert_dev_ops, &c, 0x10, false, 0, 0), 0);
	/* A byte access or an odd offset is ignored (reads all ones). */
	struct io_req odd = { 0x2, 4, 0 };
	uint8_t data[4];

	convert_dev_ops.read(&c, &odd, data);
	ck_assert_uint_eq(io_get(data, 4), 0xffffffff);
}
END_TEST

START_TEST(test_device_guard)
{
	static struct test_dev t;
	uint32_t *pg;

	test_dev_init(&t, &m);
	pv_io(&test_dev_ops, &t, 0x0, true, 0x5000, 0);
	pv_io(&test_dev_ops, &t, 0x8, true, 16, 0);
	pv_io(&test_dev_ops, &t, 0x10, true, PV_TEST_CMD_READ, 0);
	ck_assert_uint_eq(pv_io(&test_dev_ops, &t, 0x10, false, 0, 0), PV_EACCES);
	ck_assert_uint_eq(pv_io(&test_dev_ops, &t, 0x18, false, 0, 0), 1);
	ck_assert_int_eq(mem_convert(&m, gpa(0x5000), 0x1000, MEM_SHARED, 0),
			 CONV_DONE);
	pv_io(&test_dev_ops, &t, 0xc, true, 0x41, 0);
	pv_io(&test_dev_ops, &t, 0x10, true, PV_TEST_CMD_WRITE, 0);
	ck_assert_uint_eq(pv_io(&test_dev_ops, &t, 0x10, false, 0, 0), PV_OK);
	pg = (uint32_t *)(void *)(m.slot[0].host_view + 0x5000);
	ck_assert_uint_eq(pg[0], 0x41414141);
	pv_io(&test_dev_ops, &t, 0x10, true, PV_TEST_CMD_HOLD, 0);
	ck_assert_uint_eq(pv_io(&test_dev_ops, &t, 0x10, false, 0, 0), PV_OK);
	ck_assert_int_eq(mem_convert(&m, gpa(0x5000), 0x1000, MEM_PRIVATE, 0),
			 CONV_RETRY);
	pv_io(&test_dev_ops, &t, 0x10, true, PV_TEST_CMD_HOLD, 0);
	ck_assert_uint_eq(pv_io(&test_dev_ops, &t, 0x10, false, 0, 0), PV_EBUSY);
	pv_io(&test_dev_ops, &t, 0x10, true, PV_TEST_CMD_RELEASE, 0);
	ck_assert_int_eq(mem_convert(&m, gpa(0x5000), 0x1000, MEM_PRIVATE, 0),
			 CONV_DONE);
	/* No memory attributes here: DESYNC is not possible, FAULTS is 0. */
	pv_io(&test_dev_ops, &t, 0x10, true, PV_TEST_CMD_DESYNC, 0);
	ck_assert_uint_eq(pv_io(&test_dev_ops, &t, 0x10, false, 0, 0),
			  PV_EOPNOTSUPP);
	pv_io(&test_dev_ops, &t, 0x10, true, PV_TEST_CMD_FAULTS, 0);
	ck_assert_uint_eq(pv_io(&test_dev_ops, &t, 0x10, false, 0, 0), PV_OK);
	ck_assert_uint_eq(pv_io(&test_dev_ops, &t, 0x14, false, 0, 0), 0);
	test_dev_destroy(&t);
}
END_TEST

static int started_cpu = -1;

static int fake_start(void *opaque, unsigned int cpu, uint32_t entry,
		      uint32_t arg)
{
	(void)opaque;
	(void)arg;
	if (cpu == 0 || cpu > 3 || entry == 0)
		return -EINVAL;
	if ((int)cpu == started_cpu)
		return -EBUSY;
	started_cpu = (int)cpu;
	return 0;
}

static int stops, stop_status;

static void record_stop(void *opaque, int status)
{
	(void)opaque;
	stops++;
	stop_status = status;
}

/* The ACPI sleep control register: only SLP_EN with \_S5's type stops. */
START_TEST(acpi_sleep_power_off)
{
	struct power p = { .stop = record_stop };
	struct io_req ctl = { 0, 1, 0 }, sts = { 1, 1, 0 };
	uint8_t v;

	stops = 0;
	v = (uint8_t)(POWER_ACPI_S5_TYPE << 2); /* type without SLP_EN */
	acpi_sleep_ops.write(&p, &ctl, &v);
	v = 0x20 | (3 << 2); /* SLP_EN with another sleep type */
	acpi_sleep_ops.write(&p, &ctl, &v);
	v = (uint8_t)(0x20 | POWER_ACPI_S5_TYPE << 2);
	acpi_sleep_ops.write(&p, &sts, &v); /* the status register */
	ck_assert_int_eq(stops, 0);
	acpi_sleep_ops.read(&p, &sts, &v);
	ck_assert_uint_eq(v, 0);
	stop_status = -1;
	v = (uint8_t)(0x20 | POWER_ACPI_S5_TYPE << 2);
	acpi_sleep_ops.write(&p, &ctl, &v);
	ck_assert_int_eq(stops, 1);
	ck_assert_int_eq(stop_status, 0);
}
END_TEST

START_TEST(cpu_start_device)
{
	static struct cpu_start c = { .start = fake_start };
	uint32_t base = PV_CPU_BASE;

	pv_io(&cpu_start_ops, &c, PV_CPU_INDEX - base, true, 2, 0);
	pv_io(&cpu_start_ops, &c, PV_CPU_ENTRY - base, true, 0x100000, 0);
	pv_io(&cpu_start_ops, &c, PV_CPU_CMD - base, true, PV_CPU_CMD_START, 0);
	ck_assert_uint_eq(pv_io(&cpu_start_ops, &c, PV_CPU_STATUS - base, false,
				0, 0), PV_OK);
	ck_assert_int_eq(started_cpu, 2);
	pv_io(&cpu_start_ops, &c, PV_CPU_CMD - base, true, PV_CPU_CMD_START, 0);
	ck_assert_uint_eq(pv_io(&cpu_start_ops, &c, PV_CPU_STATUS - base, false,
				0, 0), PV_EBUSY);
	pv_io(&cpu_start_ops, &c, PV_CPU_CMD - base, true, 99, 0);
	ck_assert_uint_eq(pv_io(&cpu_start_ops, &c, PV_CPU_STATUS - base, false,
				0, 0), PV_EINVAL);
	/* An access from a vCPU index past the table is ignored. */
	ck_assert_uint_eq(pv_io(&cpu_start_ops, &c, 0, false, 0, 1000), 0xffffffff);
}
END_TEST

Suite *devices_suite(void)
{
	Suite *s = suite_create("devices");
	TCase *tc = tcase_create("serial");
	TCase *pv = tcase_create("paravirtual");

	tcase_add_test(tc, serial_transmit_and_receive);
	tcase_add_test(tc, cpu_start_device);
	tcase_add_test(tc, acpi_sleep_power_off);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(pv, mem_setup, mem_teardown);
	tcase_add_test(pv, convert_device_codes);
	tcase_add_test(pv, convert_device_registers);
	tcase_add_test(pv, test_device_guard);
	suite_add_tcase(s, pv);
	return s;
}
