/*
 * A minimal flattened-device-tree reader: enough to find nodes by
 * compatible string or phandle and read their properties. Offsets are
 * checked against the blob's declared sizes.
 */
#include "kernel.h"

#define FDT_MAGIC 0xd00dfeedu
#define TOK_BEGIN 1
#define TOK_END 2
#define TOK_PROP 3
#define TOK_NOP 4
#define TOK_FINISH 9

struct fdt_hdr {
	uint32_t magic, totalsize, off_struct, off_strings, off_rsvmap;
	uint32_t version, last_comp, boot_cpu, size_strings, size_struct;
};

uint32_t be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

uint64_t be64(const void *p)
{
	return (uint64_t)be32(p) << 32 | be32((const uint8_t *)p + 4);
}

static const uint8_t *structs(const void *fdt, uint32_t *size)
{
	const struct fdt_hdr *h = fdt;

	*size = be32(&h->size_struct);
	return (const uint8_t *)fdt + be32(&h->off_struct);
}

bool fdt_valid(const void *fdt)
{
	const struct fdt_hdr *h = fdt;

	return be32(&h->magic) == FDT_MAGIC &&
	       be32(&h->off_struct) + be32(&h->size_struct) <=
		       be32(&h->totalsize);
}

/* Offset just past a token's payload (names and values are 4-aligned). */
static uint32_t skip(const uint8_t *s, uint32_t size, uint32_t off)
{
	uint32_t tok = be32(s + off);

	off += 4;
	if (tok == TOK_BEGIN) {
		while (off < size && s[off])
			off++;
		return (off + 4) & ~3u;
	}
	if (tok == TOK_PROP)
		return (off + 8 + be32(s + off) + 3) & ~3u;
	return off;
}

const void *fdt_prop(const void *fdt, uint32_t node, const char *name,
		     uint32_t *len)
{
	const struct fdt_hdr *h = fdt;
	const char *strings = (const char *)fdt + be32(&h->off_strings);
	uint32_t size, off;
	const uint8_t *s = structs(fdt, &size);

	for (off = skip(s, size, node); off + 12 <= size; off = skip(s, size, off)) {
		uint32_t tok = be32(s + off);

		if (tok == TOK_NOP)
			continue;
		if (tok != TOK_PROP)
			return NULL; /* child node or end: no such property */
		if (!strncmp(strings + be32(s + off + 8), name, 64) &&
		    strlen(strings + be32(s + off + 8)) == strlen(name)) {
			*len = be32(s + off + 4);
			return s + off + 12;
		}
	}
	return NULL;
}

/* The first node after `after` (~0: from the start) that pred accepts. */
static uint32_t next_node(const void *fdt, uint32_t after,
			  bool (*pred)(const void *, uint32_t, const void *),
			  const void *arg)
{
	uint32_t size, off;
	const uint8_t *s = structs(fdt, &size);

	for (off = after == ~0u ? 0 : skip(s, size, after); off + 4 <= size;
	     off = skip(s, size, off)) {
		uint32_t tok = be32(s + off);

		if (tok == TOK_FINISH)
			break;
		if (tok == TOK_BEGIN && pred(fdt, off, arg))
			return off;
	}
	return ~0u;
}

static bool has_compatible(const void *fdt, uint32_t node, const void *want)
{
	uint32_t len;
	const char *c = fdt_prop(fdt, node, "compatible", &len);

	/* compatible is a list of NUL-separated strings. */
	for (uint32_t i = 0; c && i < len; i += (uint32_t)strlen(c + i) + 1)
		if (!strncmp(c + i, want, len - i) &&
		    strlen(c + i) == strlen(want))
			return true;
	return false;
}

uint32_t fdt_next_compatible(const void *fdt, uint32_t after, const char *compat)
{
	return next_node(fdt, after, has_compatible, compat);
}

static bool has_phandle(const void *fdt, uint32_t node, const void *want)
{
	uint32_t len;
	const void *p = fdt_prop(fdt, node, "phandle", &len);

	return p && len == 4 && be32(p) == *(const uint32_t *)want;
}

uint32_t fdt_by_phandle(const void *fdt, uint32_t phandle)
{
	return next_node(fdt, ~0u, has_phandle, &phandle);
}

/* reg = <addr64 size64> (our #address-cells = #size-cells = 2). */
bool fdt_reg(const void *fdt, uint32_t node, uint64_t *base, uint64_t *size)
{
	uint32_t len;
	const uint8_t *p = fdt_prop(fdt, node, "reg", &len);

	if (!p || len < 16)
		return false;
	*base = be64(p);
	*size = be64(p + 8);
	return true;
}

/* The first node after `after` whose name starts with `name` (before '@'). */
static bool has_name(const void *fdt, uint32_t node, const void *want)
{
	uint32_t size;
	const char *n = (const char *)structs(fdt, &size) + node + 4;
	size_t len = strlen(want);

	return !strncmp(n, want, len) && (n[len] == 0 || n[len] == '@');
}

uint32_t fdt_next_named(const void *fdt, uint32_t after, const char *name)
{
	return next_node(fdt, after, has_name, name);
}
