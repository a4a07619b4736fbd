// SPDX-License-Identifier: MIT
/*
 * arch/x86/acpi.c and aml.c: the tables are parsed back (pointers,
 * lengths, checksums, the fields a guest relies on), and Debian's iasl
 * (acpica-tools) disassembles each one without complaint.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../arch/arch.h"
#include "../../arch/x86/acpi.h"
#include "../../arch/x86/aml.h"
#include "../../arch/x86/fdt.h"
#include "../../mem/launch.h"
#include "suites.h"

#define GPA 0xe0000ULL

static uint8_t blob[X86_ACPI_MAX];
static int blob_len;

static const struct acpi_mmio_dev devs[3] = {
	{ 0xd0000000, 0x1000, 16 },
	{ 0xd0001000, 0x1000, 17 },
	{ 0xd0002000, 0x1000, 18 },
};

static uint64_t get(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* The table at gpa, checked: inside the blob, signature, checksum. */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
	const uint8_t *t;
	uint64_t len;

	ck_assert_uint_ge(gpa, GPA);
	ck_assert_uint_lt(gpa - GPA + 36, (uint64_t)blob_len);
	t = blob + (gpa - GPA);
	len = get(t + 4, 4);
	ck_assert_uint_le(gpa - GPA + len, (uint64_t)blob_len);
	ck_assert_int_eq(memcmp(t, sig, 4), 0);
	ck_assert_uint_eq(acpi_checksum(t, len), 0);
	return t;
}

static void build(unsigned int ncpus, unsigned int ndev)
{
	struct acpi_desc d = { ncpus, devs, ndev, 0x3f8, 4 };

	blob_len = x86_acpi_build(blob, sizeof(blob), GPA, &d);
	ck_assert_int_gt(blob_len, 0);
}

static const uint8_t *find(const uint8_t *hay, size_t n, const void *needle,
			   size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return hay + i;
	return NULL;
}

START_TEST(tables_parse_back)
{
	const uint8_t *xsdt, *fadt, *madt, *dsdt, *e;
	uint64_t n;

	build(2, 3);
	/* RSDP: 2.0+, both checksums, the XSDT. */
	ck_assert_int_eq(memcmp(blob, "RSD PTR ", 8), 0);
	ck_assert_uint_eq(acpi_checksum(blob, 20), 0);
	ck_assert_uint_eq(acpi_checksum(blob, 36), 0);
	ck_assert_uint_eq(blob[15], 2);
	xsdt = table(get(blob + 24, 8), "XSDT");
	n = (get(xsdt + 4, 4) - 36) / 8;
	ck_assert_uint_eq(n, 2);
	fadt = table(get(xsdt + 36, 8), "FACP");
	madt = table(get(xsdt + 44, 8), "APIC");
	/* FADT: hardware-reduced, sleep registers are cvmm's ports. */
	ck_assert_uint_eq(get(fadt + 4, 4), 276);
	ck_assert(get(fadt + 112, 4) & (1u << 20));
	ck_assert_uint_eq(fadt[244], 1); /* system I/O */
	ck_assert_uint_eq(get(fadt + 248, 8), X86_ACPI_SLEEP_PORT);
	ck_assert_uint_eq(get(fadt + 260, 8), X86_ACPI_SLEEP_PORT + 1);
	ck_assert_uint_eq(get(fadt + 40, 4), get(fadt + 140, 8));
	dsdt = table(get(fadt + 140, 8), "DSDT");
	/* MADT: two enabled local APICs with ids 0 and 1, then the IOAPIC. */
	e = madt + 44;
	for (unsigned int i = 0; i < 2; i++, e += 8) {
		ck_assert_uint_eq(e[0], 0);
		ck_assert_uint_eq(e[3], i);
		ck_assert_uint_eq(get(e + 4, 4) & 1, 1);
	}
	ck_assert_uint_eq(e[0], 1);
	ck_assert_uint_eq(get(e + 4, 4), X86_IOAPIC_BASE);
	ck_assert_uint_eq(get(e + 8, 4), 0);
	ck_assert_ptr_eq(e + 12, madt + get(madt + 4, 4));
	/* DSDT: the UART, each device's id, window and interrupt, \_S5. */
	n = get(dsdt + 4, 4);
	ck_assert_ptr_nonnull(find(dsdt, n, "COM1", 4));
	for (unsigned int i = 0; i < 3; i++) {
		uint8_t mem[] = { 0x86, 9, 0, 1, 0, 0, 0, 0, 0, 0x10, 0, 0 };
		uint8_t irq[] = { 0x89, 6, 0, 3, 1, 0, 0, 0, 0 };
		char name[5];

		snprintf(name, sizeof(name), "VR%02X", i);
		ck_assert_ptr_nonnull(find(dsdt, n, name, 4));
		mem[6] = (uint8_t)(devs[i].base >> 16);
		mem[7] = (uint8_t)(devs[i].base >> 24);
		mem[5] = (uint8_t)(devs[i].base >> 8);
		irq[5] = (uint8_t)devs[i].gsi;
		ck_assert_ptr_nonnull(find(dsdt, n, mem, sizeof(mem)));
		ck_assert_ptr_nonnull(find(dsdt, n, irq, sizeof(irq)));
	}
	ck_assert_ptr_nonnull(find(dsdt, n, "LNRO0005", 9));
	ck_assert_ptr_nonnull(find(dsdt, n, "_S5_", 4));
}
END_TEST

START_TEST(bad_desc_refused)
{
	struct acpi_desc d = { 0, devs, 1, 0x3f8, 4 };

	ck_assert_int_lt(x86_acpi_build(blob, sizeof(blob), GPA, &d), 0);
	d.ncpus = 1;
	ck_assert_int_lt(x86_acpi_build(blob, 100, GPA, &d), 0);
	/* Room for the fixed tables but not the DSDT. */
	ck_assert_int_lt(x86_acpi_build(blob, 2600, GPA, &d), 0);
}
END_TEST

START_TEST(aml_encodings)
{
	uint8_t buf[256];
	struct aml a;

	ck_assert_uint_eq(aml_eisa_id("PNP0501"), 0x0105d041);
	aml_init(&a, buf, sizeof(buf));
	aml_integer(&a, 0);
	aml_integer(&a, 1);
	aml_integer(&a, 0x12);
	aml_integer(&a, 0x1234);
	aml_integer(&a, 0x12345678);
	ck_assert_int_eq(a.err, 0);
	{
		const uint8_t want[] = { 0, 1, 0x0a, 0x12, 0x0b, 0x34, 0x12,
					 0x0c, 0x78, 0x56, 0x34, 0x12 };

		ck_assert_uint_eq(a.len, sizeof(want));
		ck_assert_int_eq(memcmp(buf, want, sizeof(want)), 0);
	}
	/* A package of 100 ones: a two-byte package length (0x40 | low
	 * nibble, then the rest), counting itself. */
	aml_init(&a, buf, sizeof(buf));
	aml_open_package(&a, 100);
	for (int i = 0; i < 100; i++)
		aml_integer(&a, 1);
	aml_close(&a);
	ck_assert_int_eq(a.err, 0);
	ck_assert_uint_eq(a.len, 1 + 2 + 1 + 100);
	ck_assert_uint_eq(buf[1], 0x40 | ((2 + 1 + 100) & 0xf));
	ck_assert_uint_eq(buf[2], (2 + 1 + 100) >> 4);
	/* Bad names and overflow are sticky errors. */
	aml_init(&a, buf, sizeof(buf));
	aml_name(&a, "ABC");
	ck_assert_int_ne(a.err, 0);
	aml_init(&a, buf, 4);
	aml_string(&a, "LNRO0005");
	ck_assert_int_ne(a.err, 0);
}
END_TEST

static int run(const char *cmd)
{
	int st = system(cmd);

	return st == -1 ? -1 : WEXITSTATUS(st);
}

/* Write a table to dir/name.dat, disassemble it, and read the .dsl. */
static void iasl_clean(const char *dir, const char *name, const uint8_t *t,
		       size_t len)
{
	char path[256], cmd[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(t, 1, len, f), len);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd %s && iasl -d %s.dat >%s.out 2>&1",
		 dir, name, name);
	ck_assert_msg(run(cmd) == 0, "iasl -d %s failed (see %s/%s.out)", name,
		      dir, name);
	/* The disassembler notes bad checksums and lengths in the text. */
	snprintf(cmd, sizeof(cmd),
		 "grep -qiE 'incorrect|invalid|error|warning' %s/%s.dsl %s/%s.out",
		 dir, name, dir, name);
	ck_assert_msg(run(cmd) == 1, "iasl -d %s complained (see %s/%s.dsl)",
		      name, dir, name);
}

START_TEST(iasl_disassembles)
{
	char dir[] = "/tmp/cvmm-acpi-XXXXXX", cmd[300];
	const uint8_t *xsdt, *fadt;

	ck_assert_msg(run("command -v iasl >/dev/null") == 0,
		      "iasl is missing: install acpica-tools (scripts/deps.sh)");
	build(4, 3);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	xsdt = table(get(blob + 24, 8), "XSDT");
	fadt = table(get(xsdt + 36, 8), "FACP");
	iasl_clean(dir, "xsdt", xsdt, get(xsdt + 4, 4));
	iasl_clean(dir, "facp", fadt, 276);
	iasl_clean(dir, "apic", table(get(xsdt + 44, 8), "APIC"),
		   get(blob + (get(xsdt + 44, 8) - GPA) + 4, 4));
	iasl_clean(dir, "dsdt", table(get(fadt + 140, 8), "DSDT"),
		   get(blob + (get(fadt + 140, 8) - GPA) + 4, 4));
	/* The DSDT's AML decompiles to the devices it describes. */
	snprintf(cmd, sizeof(cmd),
		 "grep -q 'LNRO0005' %s/dsdt.dsl && grep -q 'PNP0501' %s/dsdt.dsl"
		 " && grep -q 'Memory32Fixed' %s/dsdt.dsl && grep -q '_S5' %s/dsdt.dsl",
		 dir, dir, dir, dir);
	ck_assert_int_eq(run(cmd), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(run(cmd), 0);
}
END_TEST

/* How many LNRO0005 devices the DSDT built for this command line has. */
static int dsdt_devices(const char *cmdline)
{
	static struct arch_boot b;
	static struct launch_list l;
	static const struct arch_place v[2] = {
		{ ARCH_SPACE_MMIO, 0xd0000000, 0x1000, 16 },
		{ ARCH_SPACE_MMIO, 0xd0001000, 0x1000, 17 },
	};
	struct arch_boot_desc d = { 64 << 20, cmdline, 0, 0, v, 2, 1,
				    0x200000, NULL, 0, 0 };
	const uint8_t *p = b.acpi;
	int n = 0;

	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(arch_boot_build(&b, &d, &l), 0);
	while ((p = find(p, sizeof(b.acpi) - (size_t)(p - b.acpi),
			 "LNRO0005", 9))) {
		n++;
		p++;
	}
	return n;
}

/* A device named by virtio_mmio.device= is left out of the DSDT. */
START_TEST(cmdline_devices_left_out)
{
	ck_assert_int_eq(dsdt_devices("console=ttyS0"), 2);
	ck_assert_int_eq(dsdt_devices("virtio_mmio.device=4K@0xd0001000:17"), 1);
	ck_assert_int_eq(dsdt_devices("a virtio_mmio.device=4096@3489660928:16 "
				      "virtio_mmio.device=4K@0xd0001000:17"), 0);
	/* Another base, or no irq part: still described. */
	ck_assert_int_eq(dsdt_devices("virtio_mmio.device=4K@0xd0002000:18"), 2);
	ck_assert_int_eq(dsdt_devices("virtio_mmio.device=4K @0xd0000000:16"), 2);
}
END_TEST

Suite *acpi_suite(void)
{
	Suite *s = suite_create("acpi");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, tables_parse_back);
	tcase_add_test(tc, bad_desc_refused);
	tcase_add_test(tc, aml_encodings);
	tcase_add_test(tc, iasl_disassembles);
	tcase_add_test(tc, cmdline_devices_left_out);
	suite_add_tcase(s, tc);
	return s;
}
