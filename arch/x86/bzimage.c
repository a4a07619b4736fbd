// SPDX-License-Identifier: MIT
/*
 * The bzImage reader and the 64-bit boot protocol's data. Offsets are
 * those of boot.rst's setup header and zero page. cvmm loads the
 * protected-mode kernel at its preferred address and enters it at
 * +0x200, the 64-bit entry, skipping the real-mode setup code.
 */
#include "bzimage.h"

#include <errno.h>
#include <string.h>

#include "../arch.h"
#include "../kernel_load.h"
#include "pvh.h"

#define fail kernel_fail

#define OFF_SETUP_SECTS 0x1f1
#define OFF_BOOT_FLAG 0x1fe
#define OFF_JUMP 0x200
#define OFF_MAGIC 0x202
#define OFF_VERSION 0x206
#define OFF_LOADER_TYPE 0x210
#define OFF_LOADFLAGS 0x211
#define OFF_RAMDISK_IMAGE 0x218
#define OFF_RAMDISK_SIZE 0x21c
#define OFF_CMD_LINE_PTR 0x228
#define OFF_INITRD_MAX 0x22c
#define OFF_XLOADFLAGS 0x236
#define OFF_CMDLINE_SIZE 0x238
#define OFF_PREF_ADDRESS 0x258
#define OFF_INIT_SIZE 0x260
#define OFF_ACPI_RSDP 0x070
#define OFF_E820_ENTRIES 0x1e8
#define OFF_E820_TABLE 0x2d0
#define E820_ENTRY_SIZE 20

#define LOADED_HIGH 0x01
#define XLF_KERNEL_64 0x01
#define ENTRY_64_OFFSET 0x200
#define MIN_VERSION 0x020c /* 2.12: xloadflags says whether 64-bit entry exists */

static uint32_t rd(const uint8_t *p, unsigned int n)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static void wr(uint8_t *p, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int bzimage_looks_like(const uint8_t *buf, size_t len)
{
	return len > OFF_MAGIC + 4 && rd(buf + OFF_BOOT_FLAG, 2) == 0xaa55 &&
	       !memcmp(buf + OFF_MAGIC, "HdrS", 4);
}

/* The header checks that do not depend on where things go. */
static int check_header(const uint8_t *buf, size_t len, char *err,
			size_t errlen)
{
	uint32_t version;

	if (len < OFF_INIT_SIZE + 4)
		return fail(err, errlen, -EINVAL,
			    "truncated: %zu bytes cannot hold a bzImage header", len);
	version = rd(buf + OFF_VERSION, 2);
	if (version < MIN_VERSION)
		return fail(err, errlen, -EINVAL,
			    "bzImage boot protocol %u.%02u is older than 2.12 "
			    "(no 64-bit entry)", version >> 8, version & 0xff);
	if (!(rd(buf + OFF_XLOADFLAGS, 2) & XLF_KERNEL_64))
		return fail(err, errlen, -EINVAL,
			    "bzImage has no 64-bit entry point (XLF_KERNEL_64 "
			    "clear in xloadflags)");
	if (!(buf[OFF_LOADFLAGS] & LOADED_HIGH))
		return fail(err, errlen, -EINVAL,
			    "bzImage is not a high-loading kernel (LOADED_HIGH "
			    "clear)");
	return 0;
}

int bzimage_parse(const uint8_t *buf, size_t len, struct kernel_image *img,
		  char *err, size_t errlen)
{
	unsigned int sects;
	uint64_t pm_off, pm_size, pref, init_size, hdr_end;
	int ret = check_header(buf, len, err, errlen);

	memset(img, 0, sizeof(*img));
	if (ret)
		return ret;
	sects = buf[OFF_SETUP_SECTS] ? buf[OFF_SETUP_SECTS] : 4;
	pm_off = (uint64_t)(sects + 1) * 512;
	if (pm_off + ENTRY_64_OFFSET + 1 > len)
		return fail(err, errlen, -EINVAL,
			    "truncated: %u setup sectors leave no protected-mode "
			    "kernel in %zu bytes", sects, len);
	pm_size = len - pm_off;
	pref = rd(buf + OFF_PREF_ADDRESS, 4) |
	       (uint64_t)rd(buf + OFF_PREF_ADDRESS + 4, 4) << 32;
	init_size = rd(buf + OFF_INIT_SIZE, 4);
	if (init_size < pm_size)
		init_size = pm_size;
	if (pref & 0xfff || pref > UINT32_MAX || pref + init_size > UINT32_MAX)
		return fail(err, errlen, -EINVAL,
			    "bzImage preferred address 0x%llx (init size 0x%llx) "
			    "is not a page-aligned place below 4 GiB",
			    (unsigned long long)pref,
			    (unsigned long long)init_size);
	img->seg[0] = (struct kernel_segment){ pref, init_size, pm_size, pm_off };
	img->nseg = 1;
	img->entry = (uint32_t)(pref + ENTRY_64_OFFSET);
	img->end = pref + init_size;
	hdr_end = OFF_JUMP + 2 + (uint64_t)buf[OFF_JUMP + 1];
	if (hdr_end > BZ_HDR_END)
		hdr_end = BZ_HDR_END;
	img->boot_hdr = buf + BZ_HDR_START;
	img->boot_hdr_len = hdr_end - BZ_HDR_START;
	return 0;
}

static void put_e820(uint8_t *page, uint64_t ram)
{
	struct hvm_memmap_table_entry map[PVH_MAX_MEMMAP];
	size_t n = x86_memmap(ram, map);

	page[OFF_E820_ENTRIES] = (uint8_t)n;
	for (size_t i = 0; i < n; i++) {
		uint8_t *e = page + OFF_E820_TABLE + i * E820_ENTRY_SIZE;

		wr(e, map[i].addr, 8);
		wr(e + 8, map[i].size, 8);
		wr(e + 16, map[i].type, 4);
	}
}

int bzimage_zero_page(uint8_t page[4096], const struct bz_boot_in *in)
{
	uint64_t cmdline_max, initrd_max;

	memset(page, 0, 4096);
	if (in->hdr_len > BZ_HDR_END - BZ_HDR_START)
		return -EINVAL;
	memcpy(page + BZ_HDR_START, in->hdr, in->hdr_len);
	cmdline_max = rd(page + OFF_CMDLINE_SIZE, 4);
	initrd_max = rd(page + OFF_INITRD_MAX, 4);
	if (in->cmdline_len > cmdline_max)
		return -E2BIG;
	if (in->initrd_size && in->initrd_gpa + in->initrd_size - 1 > initrd_max)
		return -E2BIG;
	page[OFF_LOADER_TYPE] = 0xff; /* a boot loader without an id */
	wr(page + OFF_CMD_LINE_PTR, in->cmdline_gpa, 4);
	wr(page + OFF_RAMDISK_IMAGE, in->initrd_size ? in->initrd_gpa : 0, 4);
	wr(page + OFF_RAMDISK_SIZE, in->initrd_size, 4);
	wr(page + OFF_ACPI_RSDP, in->rsdp_gpa, 8);
	put_e820(page, in->ram);
	return 0;
}

void bzimage_gdt(uint64_t gdt[6])
{
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffULL; /* 0x10: 64-bit code, flat */
	gdt[3] = 0x00cf93000000ffffULL; /* 0x18: data, flat 4 GiB */
	gdt[4] = 0x0000890000000067ULL; /* 0x20: an idle 64-bit TSS */
	gdt[5] = 0;
}

void bzimage_page_tables(uint64_t pt[6][512], uint64_t pml4_gpa)
{
	const uint64_t present_rw = 0x3, large = 0x80;

	memset(pt, 0, 6 * 512 * sizeof(uint64_t));
	pt[0][0] = (pml4_gpa + 0x1000) | present_rw;
	for (uint64_t g = 0; g < 4; g++) {
		pt[1][g] = (pml4_gpa + (2 + g) * 0x1000) | present_rw;
		for (uint64_t i = 0; i < 512; i++)
			pt[2 + g][i] = (g << 30 | i << 21) | present_rw | large;
	}
}
