// SPDX-License-Identifier: MIT
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "platform.h"
#include "util.h"

#define MIN_MEMORY (2 * MiB)
#define MAX_MEMORY (1024 * GiB)

void config_defaults(struct vm_config *c)
{
	memset(c, 0, sizeof(*c));
	c->cmdline = "";
	c->memory = CONFIG_DEFAULT_MEMORY;
	c->cpus = 1;
	c->log_level = LOG_WARN;
	c->platform = "soft";
	c->convert_mode = MEM_CONTENT_DEFAULT;
	c->initial = INITIAL_PLATFORM;
}

static int fail(char *err, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int set_kernel(struct vm_config *c, const char *v, char *err, size_t n)
{
	if (!*v)
		return fail(err, n, "the kernel path is empty");
	c->kernel = v;
	return 0;
}

static int set_cmdline(struct vm_config *c, const char *v, char *e, size_t n)
{
	(void)e;
	(void)n;
	c->cmdline = v;
	return 0;
}

static int set_memory(struct vm_config *c, const char *v, char *err, size_t n)
{
	uint64_t size;

	if (parse_size(v, &size))
		return fail(err, n, "'%s' is not a size (use e.g. 512M, 2G)", v);
	if (size < MIN_MEMORY || size > MAX_MEMORY)
		return fail(err, n, "'%s' is out of range (2M to 1T)", v);
	if (!is_aligned(size, PAGE_SIZE))
		return fail(err, n, "'%s' is not a multiple of 4K", v);
	c->memory = size;
	return 0;
}

static int set_cpus(struct vm_config *c, const char *v, char *err, size_t n)
{
	int ret = parse_uint(v, 1, CONFIG_MAX_CPUS, &c->cpus);

	if (ret == -ERANGE)
		return fail(err, n, "'%s' is out of range (1 to 64)", v);
	if (ret)
		return fail(err, n, "'%s' is not a number", v);
	return 0;
}

static int set_log_level(struct vm_config *c, const char *v, char *err,
			 size_t n)
{
	if (log_level_parse(v, &c->log_level))
		return fail(err, n, "'%s' is not a log level "
			    "(error, warn, info, debug)", v);
	return 0;
}

/* Flags: NULL from the command line, a boolean word from a file. */
static int parse_bool(const char *v, bool *out)
{
	if (!v || !strcmp(v, "true") || !strcmp(v, "yes") || !strcmp(v, "on") ||
	    !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "false") || !strcmp(v, "no") ||
		 !strcmp(v, "off") || !strcmp(v, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static int set_stats(struct vm_config *c, const char *v, char *err, size_t n)
{
	if (parse_bool(v, &c->stats))
		return fail(err, n, "'%s' is not a boolean", v);
	return 0;
}

static int set_testdev(struct vm_config *c, const char *v, char *err,
		       size_t n)
{
	if (parse_bool(v, &c->testdev))
		return fail(err, n, "'%s' is not a boolean", v);
	return 0;
}

static int set_platform(struct vm_config *c, const char *v, char *err,
			size_t n)
{
	if (!platform_find(v))
		return fail(err, n, "unknown platform '%s' (known: %s)", v,
			    platform_names());
	c->platform = v;
	return 0;
}

static int set_convert_mode(struct vm_config *c, const char *v, char *err,
			    size_t n)
{
	if (!strcmp(v, "zero"))
		c->convert_mode = MEM_CONTENT_ZERO;
	else if (!strcmp(v, "preserve"))
		c->convert_mode = MEM_CONTENT_PRESERVE;
	else
		return fail(err, n, "'%s' is not a content mode "
			    "(zero, preserve)", v);
	return 0;
}

static int set_initial(struct vm_config *c, const char *v, char *err,
		       size_t n)
{
	if (!strcmp(v, "private"))
		c->initial = INITIAL_PRIVATE;
	else if (!strcmp(v, "shared"))
		c->initial = INITIAL_SHARED;
	else
		return fail(err, n, "'%s' is not a memory state "
			    "(private, shared)", v);
	return 0;
}

const struct option_desc vm_options[] = {
	{ "kernel", "FILE", "path", "(required)",
	  "ELF kernel with a PVH entry note, optionally gzip-compressed",
	  set_kernel },
	{ "cmdline", "STR", "string", "\"\"", "kernel command line",
	  set_cmdline },
	{ "memory", "SIZE", "size", "256M",
	  "guest RAM (K/M/G/T suffixes); above 3G it continues at 4G",
	  set_memory },
	{ "cpus", "N", "uint", "1", "number of vCPUs (1 to 64)", set_cpus },
	{ "platform", "NAME", "string", "soft",
	  "confidential platform: soft or sw-protected", set_platform },
	{ "convert-mode", "MODE", "zero|preserve", "platform's",
	  "what conversions do to page contents unless a request says",
	  set_convert_mode },
	{ "initial-state", "STATE", "private|shared", "platform's",
	  "state of guest RAM when the guest starts", set_initial },
	{ "testdev", NULL, "bool", "false",
	  "add the test device and test memory that let the guest probe the "
	  "guard and memory faults",
	  set_testdev },
	{ "stats", NULL, "bool", "false",
	  "print timings, exits, conversions and footprint at exit",
	  set_stats },
	{ "log-level", "LEVEL", "error|warn|info|debug", "warn",
	  "how much cvmm logs to stderr", set_log_level },
};

const size_t vm_options_count = ARRAY_SIZE(vm_options);

const struct option_desc *option_find(const char *name)
{
	for (size_t i = 0; i < vm_options_count; i++)
		if (!strcmp(vm_options[i].name, name))
			return &vm_options[i];
	return NULL;
}

int option_apply(struct vm_config *c, const struct option_desc *o,
		 const char *val, char *err, size_t errlen)
{
	char reason[256];
	int ret;

	if (o->metavar && !val)
		ret = fail(reason, sizeof(reason), "a value is needed");
	else
		ret = o->set(c, val, reason, sizeof(reason));
	if (ret)
		snprintf(err, errlen, "%s: %s", o->name, reason);
	return ret;
}

int config_validate(const struct vm_config *c, char *err, size_t errlen)
{
	if (!c->kernel) {
		snprintf(err, errlen, "kernel: no kernel given (--kernel FILE)");
		return -EINVAL;
	}
	return 0;
}
