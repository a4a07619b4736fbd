// SPDX-License-Identifier: MIT
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>

static int size_shift(const char *suffix, unsigned int *shift)
{
	static const struct {
		const char *name;
		unsigned int shift;
	} units[] = {
		{ "", 0 },    { "b", 0 },   { "k", 10 },   { "kb", 10 },
		{ "kib", 10 }, { "m", 20 },  { "mb", 20 },  { "mib", 20 },
		{ "g", 30 },  { "gb", 30 }, { "gib", 30 }, { "t", 40 },
		{ "tb", 40 }, { "tib", 40 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcasecmp(suffix, units[i].name) == 0) {
			*shift = units[i].shift;
			return 0;
		}
	}
	return -EINVAL;
}

int parse_size(const char *s, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	/* Decimal or 0x-hex; never octal, so "010M" is ten mebibytes. */
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');

	v = hex ? strtoull(s + 2, &end, 16) : strtoull(s, &end, 10);
	if (end == s || (hex && end == s + 2)) /* no digits, or a bare "0x" */
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	if (size_shift(end, &shift))
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

int parse_uint(const char *s, unsigned int min, unsigned int max,
	       unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = (unsigned int)v;
	return 0;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void prefault_write(void *p, size_t len)
{
	uint64_t start = align_up((uint64_t)(uintptr_t)p, PAGE_SIZE);
	uint64_t end = ((uint64_t)(uintptr_t)p + len) & ~(PAGE_SIZE - 1);

	/* Whole pages inside the buffer only: its neighbours are not ours. */
	if (end > start)
		(void)madvise((void *)(uintptr_t)start, end - start,
			      MADV_POPULATE_WRITE);
}

const char *format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;
	double v = (double)bytes;

	while (v >= 1024 && u + 1 < ARRAY_SIZE(unit)) {
		v /= 1024;
		u++;
	}
	if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%llu %s", (unsigned long long)v, unit[u]);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}
