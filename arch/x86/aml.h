/* SPDX-License-Identifier: MIT */
/*
 * A small writer of ACPI Machine Language (the DSDT's byte code): just
 * what cvmm's DSDT needs (scopes, devices, names bound to integers,
 * strings, packages and resource-template buffers). Nested objects are
 * written by opening them (aml_open_*), writing their contents, and
 * closing them, which fills in the package length. Errors are sticky:
 * the first overflow sets err and later calls do nothing.
 */
#ifndef CVMM_X86_AML_H
#define CVMM_X86_AML_H

#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH 8
/* Space reserved for a package length: the longest encoding (4 bytes). */
#define AML_PKGLEN_MAX 4

struct aml {
	uint8_t *buf;
	size_t cap, len;
	int err;			/* 0, or -ENOSPC / -EINVAL */
	size_t open[AML_MAX_DEPTH];	/* where each open package length is */
	unsigned int depth;
};

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_byte(struct aml *a, uint8_t b);
/* A name path such as "\\_SB_" or "VR00" (4-character segments). */
void aml_name(struct aml *a, const char *path);
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
/* Name(path, <object that follows>) */
void aml_name_decl(struct aml *a, const char *path);
void aml_open_scope(struct aml *a, const char *path);
void aml_open_device(struct aml *a, const char *path);
void aml_open_package(struct aml *a, uint8_t nelems);
/* Buffer(){...} holding a resource template; its size is known at close. */
void aml_open_buffer(struct aml *a);
void aml_close(struct aml *a);

/* Resource descriptors, inside an open buffer. */
void aml_res_mem32(struct aml *a, uint32_t base, uint32_t len);
void aml_res_irq_ext(struct aml *a, uint32_t gsi); /* edge, active high */
void aml_res_io(struct aml *a, uint16_t port, uint8_t len);
void aml_res_irq_legacy(struct aml *a, unsigned int irq);
void aml_res_end(struct aml *a);

/* A compressed EISA id ("PNP0501") as the integer ACPI stores. */
uint32_t aml_eisa_id(const char *id);

#endif
