/* Freestanding helpers: memory and string functions, printk. */
#include "kernel.h"

#if defined(__x86_64__)
void *memset(void *d, int c, size_t n)
{
	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *r = d;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return r;
}
#else
/* Plain loops (built with -fno-tree-loop-distribute-patterns, so the
 * compiler does not turn them back into calls to themselves). */
void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;

	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}
#endif

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			return (uint8_t)a[i] - (uint8_t)b[i];
		if (!a[i])
			return 0;
	}
	return 0;
}

bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s < '0' || *s > '9')
		return false;
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (uint64_t)(*s - '0');
	*out = v;
	return *s == 0 || *s == ' ' || *s == ',';
}

struct out {
	char *buf;
	size_t len, pos;
};

static void put(struct out *o, char c)
{
	if (o->pos + 1 < o->len)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_num(struct out *o, uint64_t v, unsigned int base, int width,
		    char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (width-- > n)
		put(o, pad);
	while (n)
		put(o, tmp[--n]);
}

/* %s %c %d %u %x %p with l/ll and a zero-padded width. */
int vsnprintf_(char *buf, size_t len, const char *fmt, va_list ap)
{
	struct out o = { buf, len, 0 };

	for (; *fmt; fmt++) {
		int width = 0, longs = 0;
		char pad = ' ';
		uint64_t v;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		if (*++fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' && longs < 2)
			longs++, fmt++;
		switch (*fmt) {
		case 's':
			for (const char *s = va_arg(ap, const char *); *s; s++)
				put(&o, *s);
			break;
		case 'c': put(&o, (char)va_arg(ap, int)); break;
		case 'd': {
			int64_t s = longs ? va_arg(ap, int64_t) : va_arg(ap, int);

			if (s < 0) {
				put(&o, '-');
				s = -s;
			}
			put_num(&o, (uint64_t)s, 10, width, pad);
			break;
		}
		case 'u':
		case 'x':
			v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int);
			put_num(&o, v, *fmt == 'u' ? 10 : 16, width, pad);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (uint64_t)va_arg(ap, void *), 16, 0, pad);
			break;
		default: put(&o, *fmt); break;
		}
	}
	if (len)
		buf[o.pos < len ? o.pos : len - 1] = 0;
	return (int)o.pos;
}

/*
 * One write per byte to the UART's transmit register, without polling the
 * line status: cvmm's UART is always ready. (On x86, `rep outsb` would be
 * one exit per line, but some hosts do not emulate string I/O from ring 3.)
 */
void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		uart_out((uint8_t)s[i]);
}

void printk(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf_(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_write(buf, n < (int)sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

void check(bool ok, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf_(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk("%s %s\n", ok ? "PASS" : "FAIL", buf);
	if (ok)
		checks_passed++;
	else
		checks_failed++;
}
