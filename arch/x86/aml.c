// SPDX-License-Identifier: MIT
/*
 * AML encoding after the ACPI specification (chapter 20, "ACPI Machine
 * Language Specification"; chapter 6.4, resource data types). Package
 * lengths are written at close time: a nested object's length is known
 * only then, so AML_PKGLEN_MAX bytes are reserved and the contents moved
 * down when the encoding is shorter.
 */
#include "aml.h"

#include <errno.h>
#include <string.h>

#define OP_ZERO 0x00
#define OP_ONE 0x01
#define OP_NAME 0x08
#define OP_BYTE 0x0a
#define OP_WORD 0x0b
#define OP_DWORD 0x0c
#define OP_STRING 0x0d
#define OP_QWORD 0x0e
#define OP_SCOPE 0x10
#define OP_BUFFER 0x11
#define OP_PACKAGE 0x12
#define OP_EXT 0x5b
#define OP_EXT_DEVICE 0x82
#define ROOT_CHAR '\\'
#define DUAL_NAME 0x2e
#define MULTI_NAME 0x2f

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = cap;
}

void aml_bytes(struct aml *a, const void *p, size_t n)
{
	if (a->err)
		return;
	if (n > a->cap - a->len) {
		a->err = -ENOSPC;
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void le(struct aml *a, uint64_t v, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		aml_byte(a, (uint8_t)(v >> (8 * i)));
}

/* Segments of exactly four characters from [A-Z0-9_], split by '.'. */
void aml_name(struct aml *a, const char *path)
{
	const char *p = path;
	size_t n, nseg;

	if (*p == ROOT_CHAR) {
		aml_byte(a, ROOT_CHAR);
		p++;
	}
	n = strlen(p);
	nseg = (n + 1) / 5;
	if (!n || (n + 1) % 5 || nseg > 255) {
		a->err = a->err ? a->err : -EINVAL;
		return;
	}
	if (nseg == 2)
		aml_byte(a, DUAL_NAME);
	else if (nseg > 2) {
		aml_byte(a, MULTI_NAME);
		aml_byte(a, (uint8_t)nseg);
	}
	for (size_t i = 0; i < nseg; i++)
		aml_bytes(a, p + i * 5, 4);
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v == 0)
		aml_byte(a, OP_ZERO);
	else if (v == 1)
		aml_byte(a, OP_ONE);
	else if (v <= 0xff) {
		aml_byte(a, OP_BYTE);
		le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, OP_WORD);
		le(a, v, 2);
	} else if (v <= 0xffffffffu) {
		aml_byte(a, OP_DWORD);
		le(a, v, 4);
	} else {
		aml_byte(a, OP_QWORD);
		le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, OP_STRING);
	aml_bytes(a, s, strlen(s) + 1);
}

void aml_name_decl(struct aml *a, const char *path)
{
	aml_byte(a, OP_NAME);
	aml_name(a, path);
}

/* Reserve room for a package length and remember where it goes. */
static void open_pkg(struct aml *a)
{
	static const uint8_t zero[AML_PKGLEN_MAX];

	if (a->depth == AML_MAX_DEPTH) {
		a->err = a->err ? a->err : -EINVAL;
		return;
	}
	a->open[a->depth++] = a->len;
	aml_bytes(a, zero, sizeof(zero));
}

void aml_open_scope(struct aml *a, const char *path)
{
	aml_byte(a, OP_SCOPE);
	open_pkg(a);
	aml_name(a, path);
}

void aml_open_device(struct aml *a, const char *path)
{
	aml_byte(a, OP_EXT);
	aml_byte(a, OP_EXT_DEVICE);
	open_pkg(a);
	aml_name(a, path);
}

void aml_open_package(struct aml *a, uint8_t nelems)
{
	aml_byte(a, OP_PACKAGE);
	open_pkg(a);
	aml_byte(a, nelems);
}

/*
 * The buffer's size operand is written at close time too: it is kept as a
 * DWORD so that its encoding does not change the length being measured.
 */
void aml_open_buffer(struct aml *a)
{
	static const uint8_t size[5] = { OP_DWORD };

	aml_byte(a, OP_BUFFER);
	open_pkg(a);
	aml_bytes(a, size, sizeof(size));
}

/* The encoding of a package length covering body bytes plus itself. */
static size_t pkglen(size_t body, uint8_t out[AML_PKGLEN_MAX])
{
	size_t total;

	if (body + 1 < 0x40) {
		out[0] = (uint8_t)(body + 1);
		return 1;
	}
	for (size_t n = 2; n <= AML_PKGLEN_MAX; n++) {
		total = body + n;
		if (total >> (4 + 8 * (n - 1)))
			continue;
		out[0] = (uint8_t)(((n - 1) << 6) | (total & 0xf));
		for (size_t i = 1; i < n; i++)
			out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
		return n;
	}
	return 0;
}

void aml_close(struct aml *a)
{
	uint8_t enc[AML_PKGLEN_MAX];
	size_t at, body, n;

	if (a->err)
		return;
	if (!a->depth) {
		a->err = -EINVAL;
		return;
	}
	at = a->open[--a->depth];
	body = a->len - at - AML_PKGLEN_MAX;
	n = pkglen(body, enc);
	if (!n) {
		a->err = -E2BIG;
		return;
	}
	/* A buffer: its byte count follows the package length (DWORD op). */
	if (at > 0 && a->buf[at - 1] == OP_BUFFER && body >= 5 &&
	    a->buf[at + AML_PKGLEN_MAX] == OP_DWORD) {
		uint32_t bytes = (uint32_t)(body - 5);

		for (int i = 0; i < 4; i++)
			a->buf[at + AML_PKGLEN_MAX + 1 + i] = (uint8_t)(bytes >> (8 * i));
	}
	memmove(a->buf + at + n, a->buf + at + AML_PKGLEN_MAX, body);
	memcpy(a->buf + at, enc, n);
	a->len -= AML_PKGLEN_MAX - n;
}

void aml_res_mem32(struct aml *a, uint32_t base, uint32_t len)
{
	aml_byte(a, 0x86); /* large item: 32-bit fixed memory range */
	le(a, 9, 2);
	aml_byte(a, 1); /* read-write */
	le(a, base, 4);
	le(a, len, 4);
}

void aml_res_irq_ext(struct aml *a, uint32_t gsi)
{
	aml_byte(a, 0x89); /* large item: extended interrupt */
	le(a, 6, 2);
	aml_byte(a, 0x03); /* consumer, edge, active high, exclusive */
	aml_byte(a, 1);	   /* one interrupt */
	le(a, gsi, 4);
}

void aml_res_io(struct aml *a, uint16_t port, uint8_t len)
{
	aml_byte(a, 0x47); /* small item: I/O port, 7 bytes */
	aml_byte(a, 1);	   /* 16-bit decode */
	le(a, port, 2);	   /* minimum */
	le(a, port, 2);	   /* maximum */
	aml_byte(a, 1);	   /* alignment */
	aml_byte(a, len);
}

void aml_res_irq_legacy(struct aml *a, unsigned int irq)
{
	aml_byte(a, 0x22); /* small item: IRQ, 2 bytes (edge, high) */
	le(a, irq < 16 ? 1u << irq : 0, 2);
}

void aml_res_end(struct aml *a)
{
	aml_byte(a, 0x79); /* small item: end tag */
	aml_byte(a, 0);	   /* checksum 0: "treat as checksummed" */
}

uint32_t aml_eisa_id(const char *id)
{
	uint32_t v = 0;

	if (strlen(id) != 7)
		return 0;
	v |= (uint32_t)((id[0] - 0x40) & 0x1f) << 26;
	v |= (uint32_t)((id[1] - 0x40) & 0x1f) << 21;
	v |= (uint32_t)((id[2] - 0x40) & 0x1f) << 16;
	for (int i = 0; i < 4; i++) {
		char c = id[3 + i];
		uint32_t d = (uint32_t)(c <= '9' ? c - '0' : (c & ~0x20) - 'A' + 10);

		v |= (d & 0xf) << (12 - 4 * i);
	}
	/* Stored big-endian: the integer's bytes are swapped. */
	return __builtin_bswap32(v);
}
