// SPDX-License-Identifier: MIT
/*
 * The tables, laid out one after the other: RSDP, XSDT, FADT, MADT, DSDT.
 * Field offsets follow the ACPI 6.5 specification (chapter 5.2). Every
 * table is checksummed once complete.
 */
#include "acpi.h"

#include <errno.h>
#include <string.h>

#include "../../devices/power.h"
#include "aml.h"
#include "fdt.h"

#define HDR_LEN 36
#define RSDP_LEN 36
#define FADT_LEN 276
#define FADT_HW_REDUCED (1u << 20)
/* IA-PC boot flags: no VGA, MSI not supported, no ASPM, no CMOS RTC; and
 * by leaving bits 0 and 1 clear, no legacy devices and no i8042. */
#define FADT_BOOT_ARCH ((1u << 2) | (1u << 3) | (1u << 4) | (1u << 5))
#define GAS_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

uint8_t acpi_checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "CVMM  ", 6);	/* OEM id */
	memcpy(t + 16, "CVMMVM  ", 8);	/* OEM table id */
	put32(t + 24, 1);		/* OEM revision */
	memcpy(t + 28, "CVMM", 4);	/* creator id */
	put32(t + 32, 1);		/* creator revision */
}

static void finish(uint8_t *t, uint32_t len)
{
	put32(t + 4, len);
	t[9] = 0;
	t[9] = acpi_checksum(t, len);
}

static void gas_io(uint8_t *g, uint16_t port)
{
	g[0] = GAS_SYSTEM_IO;
	g[1] = 8; /* bit width */
	g[2] = 0; /* bit offset */
	g[3] = GAS_ACCESS_BYTE;
	put64(g + 4, port);
}

static void build_rsdp(uint8_t *p, uint64_t xsdt)
{
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "CVMM  ", 6);
	p[15] = 2; /* revision: ACPI 2.0+, the XSDT is used */
	put32(p + 20, RSDP_LEN);
	put64(p + 24, xsdt);
	p[8] = acpi_checksum(p, 20);
	p[32] = acpi_checksum(p, RSDP_LEN);
}

static void build_fadt(uint8_t *t, uint64_t dsdt)
{
	header(t, "FACP", FADT_LEN, 6);
	put32(t + 40, (uint32_t)dsdt);
	put16(t + 109, FADT_BOOT_ARCH);
	put32(t + 112, FADT_HW_REDUCED);
	t[131] = 5; /* minor version: ACPI 6.5 */
	put64(t + 140, dsdt);
	gas_io(t + 244, X86_ACPI_SLEEP_PORT);	  /* sleep control */
	gas_io(t + 256, X86_ACPI_SLEEP_PORT + 1); /* sleep status */
	memcpy(t + 268, "CVMM    ", 8);	  /* hypervisor vendor */
	finish(t, FADT_LEN);
}

static uint32_t build_madt(uint8_t *t, const struct acpi_desc *d)
{
	uint32_t len = HDR_LEN + 8;

	header(t, "APIC", 0, 5);
	put32(t + 36, (uint32_t)X86_LAPIC_BASE);
	put32(t + 40, 0); /* no 8259 PICs to disable */
	for (unsigned int i = 0; i < d->ncpus; i++, len += 8) {
		t[len] = 0;	 /* processor local APIC */
		t[len + 1] = 8;
		t[len + 2] = (uint8_t)i; /* ACPI processor uid */
		t[len + 3] = (uint8_t)i; /* APIC id */
		put32(t + len + 4, 1);	 /* enabled */
	}
	t[len] = 1; /* I/O APIC */
	t[len + 1] = 12;
	t[len + 2] = 0; /* its id */
	put32(t + len + 4, (uint32_t)X86_IOAPIC_BASE);
	put32(t + len + 8, 0); /* GSI base */
	len += 12;
	finish(t, len);
	return len;
}

static void dsdt_virtio(struct aml *a, unsigned int i,
			const struct acpi_mmio_dev *v)
{
	char name[5];

	name[0] = 'V';
	name[1] = 'R';
	name[2] = "0123456789ABCDEF"[(i >> 4) & 0xf];
	name[3] = "0123456789ABCDEF"[i & 0xf];
	name[4] = 0;
	aml_open_device(a, name);
	aml_name_decl(a, "_HID");
	aml_string(a, "LNRO0005");
	aml_name_decl(a, "_UID");
	aml_integer(a, i);
	aml_name_decl(a, "_CRS");
	aml_open_buffer(a);
	aml_res_mem32(a, (uint32_t)v->base, (uint32_t)v->len);
	aml_res_irq_ext(a, v->gsi);
	aml_res_end(a);
	aml_close(a);
	aml_close(a);
}

static void dsdt_uart(struct aml *a, const struct acpi_desc *d)
{
	aml_open_device(a, "COM1");
	aml_name_decl(a, "_HID");
	aml_integer(a, aml_eisa_id("PNP0501"));
	aml_name_decl(a, "_UID");
	aml_integer(a, 0);
	aml_name_decl(a, "_CRS");
	aml_open_buffer(a);
	aml_res_io(a, d->uart_port, 8);
	aml_res_irq_legacy(a, d->uart_irq);
	aml_res_end(a);
	aml_close(a);
	aml_close(a);
}

static int build_dsdt(uint8_t *t, size_t cap, const struct acpi_desc *d)
{
	struct aml a;

	if (cap < HDR_LEN)
		return -ENOSPC;
	header(t, "DSDT", 0, 2);
	aml_init(&a, t + HDR_LEN, cap - HDR_LEN);
	aml_open_scope(&a, "\\_SB_");
	dsdt_uart(&a, d);
	for (unsigned int i = 0; i < d->nvirtio; i++)
		dsdt_virtio(&a, i, &d->virtio[i]);
	aml_close(&a);
	/* \_S5: the sleep type of soft-off (SLP_TYPa, SLP_TYPb). */
	aml_name_decl(&a, "\\_S5_");
	aml_open_package(&a, 2);
	aml_integer(&a, POWER_ACPI_S5_TYPE);
	aml_integer(&a, 0);
	aml_close(&a);
	if (a.err)
		return a.err;
	finish(t, (uint32_t)(HDR_LEN + a.len));
	return (int)(HDR_LEN + a.len);
}

/* The fixed-size part: RSDP, XSDT (two entries), FADT, then the MADT. */
#define XSDT_OFF 64
#define XSDT_LEN (HDR_LEN + 2 * 8)
#define FADT_OFF 128
#define MADT_OFF (FADT_OFF + 320)
#define MADT_MAX (HDR_LEN + 8 + 8 * 256 + 12)
#define DSDT_OFF (MADT_OFF + MADT_MAX)

int x86_acpi_build(uint8_t *buf, size_t cap, uint64_t gpa,
		   const struct acpi_desc *d)
{
	uint8_t *xsdt = buf + XSDT_OFF;
	uint32_t madt_len;
	int dsdt_len;

	if (d->ncpus == 0 || d->ncpus > 255 || cap < DSDT_OFF)
		return -EINVAL;
	memset(buf, 0, DSDT_OFF);
	madt_len = build_madt(buf + MADT_OFF, d);
	dsdt_len = build_dsdt(buf + DSDT_OFF, cap - DSDT_OFF, d);
	if (dsdt_len < 0)
		return dsdt_len;
	build_fadt(buf + FADT_OFF, gpa + DSDT_OFF);
	header(xsdt, "XSDT", XSDT_LEN, 1);
	put64(xsdt + HDR_LEN, gpa + FADT_OFF);
	put64(xsdt + HDR_LEN + 8, gpa + MADT_OFF);
	finish(xsdt, XSDT_LEN);
	build_rsdp(buf, gpa + XSDT_OFF);
	(void)madt_len;
	return DSDT_OFF + dsdt_len;
}
