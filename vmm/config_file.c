// SPDX-License-Identifier: MIT
#include "config_file.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../lib/files.h"
#include "options.h"

struct file_ctx {
	struct vm_config *c;
	const char *path;
	FILE *f;
	int line;	   /* lines read so far: the one inih is parsing */
	bool continuation; /* that line starts with whitespace */
	bool failed;
	char *err;
	size_t errlen;
	const struct option_desc *last; /* the previous key's option */
	int seen[CONFIG_MAX_OPTIONS];	/* line where each option was set */
	char cmdline[4200];		/* cmdline and its continuations */
};

static int fail(struct file_ctx *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct file_ctx *x, const char *fmt, ...)
{
	int n = snprintf(x->err, x->errlen, "%s:%d: ", x->path, x->line);
	va_list ap;

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < x->errlen)
		vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	x->failed = true;
	return 0; /* tells inih this line failed */
}

/* Bytes a text file may hold: printable ASCII, tab, CR, LF and UTF-8. */
static bool is_text(int ch)
{
	return ch >= 0x20 ? ch != 0x7f : ch == '\t' || ch == '\r' || ch == '\n';
}

/*
 * inih's line reader: reads one line of at most num - 1 bytes (newline
 * included) and counts it. It reads byte by byte rather than with fgets()
 * so that a NUL byte cannot end a line early: a NUL or another control
 * byte is refused (a binary file, or /dev/zero-like input, ends at its
 * first line), as is a line inih would cut.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct file_ctx *x = stream;
	int n = 0, ch;

	if (x->failed || (ch = getc(x->f)) == EOF)
		return NULL;
	x->line++;
	for (; ch != EOF; ch = getc(x->f)) {
		if (!is_text(ch)) {
			fail(x, "byte 0x%02x is not text (a binary file?)", ch);
			return NULL;
		}
		if (n == num - 1) {
			fail(x, "line longer than %d bytes (continue a long "
			     "cmdline on indented lines)", num - 2);
			return NULL;
		}
		str[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	str[n] = 0;
	x->continuation = str[0] == ' ' || str[0] == '\t';
	return str;
}

/* "value" with its quotes stripped: values keep their spaces. */
static const char *unquote(const char *v, char *buf, size_t len)
{
	size_t n = strlen(v);

	if (n < 2 || v[0] != '"' || v[n - 1] != '"' || n - 1 > len)
		return v;
	memcpy(buf, v + 1, n - 2);
	buf[n - 2] = 0;
	return buf;
}

/*
 * An indented line continues cmdline: joined into x->cmdline, which goes
 * into the config once the whole file is read.
 */
static int continue_cmdline(struct file_ctx *x, const char *value)
{
	size_t used = strlen(x->cmdline);
	char *end;
	int n;

	if (!x->last || strcmp(x->last->name, "cmdline"))
		return fail(x, "only cmdline may continue on an indented line");
	n = snprintf(x->cmdline + used, sizeof(x->cmdline) - used, " %s", value);
	if (n < 0 || (size_t)n >= sizeof(x->cmdline) - used)
		return fail(x, "cmdline: longer than %zu bytes",
			    sizeof(x->cmdline) - 1);
	/* inih leaves inline comments on continuation lines: drop them too. */
	for (end = x->cmdline + used + 1; *end; end++)
		if (*end == ';' && (end[-1] == ' ' || end[-1] == '\t'))
			break;
	while (end > x->cmdline && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = 0;
	return 1;
}

static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct file_ctx *x = user;
	const struct option_desc *o;
	char reason[300], buf[4200];
	size_t i;

	if (x->failed)
		return 0;
	if (x->continuation)
		return continue_cmdline(x, value);
	if (!section[0])
		return fail(x, "key '%s' before the [vm] section", name);
	if (strcmp(section, "vm"))
		return fail(x, "unknown section [%s] (a VM file has one [vm] "
			    "section)", section);
	o = option_find(name);
	if (!o)
		return fail(x, "unknown key '%s' (keys are the options of "
			    "`cvmm run --help`)", name);
	i = (size_t)(o - vm_options);
	if (x->seen[i] && !o->repeatable)
		return fail(x, "%s: set twice (first on line %d)", name,
			    x->seen[i]);
	if (option_apply(x->c, o, unquote(value, buf, sizeof(buf)), reason,
			 sizeof(reason)))
		return fail(x, "%s", reason);
	option_set_origin(x->c, o, x->path, x->line);
	x->seen[i] = x->line;
	x->last = o;
	if (o == option_find("cmdline"))
		snprintf(x->cmdline, sizeof(x->cmdline), "%s", x->c->cmdline);
	return 1;
}

int config_load_file(struct vm_config *c, const char *path, char *err,
		     size_t errlen)
{
	struct file_ctx x = { .c = c, .err = err, .errlen = errlen };
	char why[256];
	int fd, ret;

	x.path = config_strndup(c, path, strlen(path));
	if (!x.path) {
		snprintf(err, errlen, "--config: path too long");
		return -EINVAL;
	}
	fd = open_user_file(path, O_RDONLY, false, why, sizeof(why));
	if (fd >= 0 && !(x.f = fdopen(fd, "r"))) {
		snprintf(why, sizeof(why), "cannot read: %s", strerror(errno));
		close(fd);
	}
	if (!x.f) {
		snprintf(err, errlen, "--config '%s': %s", path, why);
		return -EINVAL;
	}
	ret = ini_parse_stream(read_line, &x, on_key, &x);
	if (!x.failed && ferror(x.f)) {
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		x.failed = true;
	}
	fclose(x.f);
	if (x.failed)
		return -EINVAL;
	/* A continued cmdline becomes the config's only now: one copy. */
	if (x.seen[option_find("cmdline") - vm_options] &&
	    strcmp(x.cmdline, c->cmdline) &&
	    !(c->cmdline = config_strndup(c, x.cmdline, strlen(x.cmdline)))) {
		snprintf(err, errlen, "%s: cmdline: too long", path);
		return -EINVAL;
	}
	if (ret) {
		snprintf(err, errlen, "%s:%d: expected [vm] or key = value",
			 path, ret);
		return -EINVAL;
	}
	return 0;
}
