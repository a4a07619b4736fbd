// SPDX-License-Identifier: MIT
#include "options.h"

#include <stdbool.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../platform/platform.h"
#include "../lib/util.h"

#define MIN_MEMORY (2 * MiB)
#define MAX_MEMORY (1024 * GiB)

void config_defaults(struct vm_config *c)
{
	prefault_write(c, sizeof(*c)); /* 33 KiB, zeroed whole */
	memset(c, 0, sizeof(*c));
	c->cmdline = "";
	c->memory = CONFIG_DEFAULT_MEMORY;
	c->cpus = 1;
	c->log_level = LOG_WARN;
	c->platform = "soft";
	c->convert_mode = MEM_CONTENT_DEFAULT;
	c->initial = INITIAL_PLATFORM;
	c->console = CONSOLE_SERIAL;
	c->dma_pool = CONFIG_DEFAULT_DMA_POOL;
	c->seccomp = true;
	c->snp_policy = CONFIG_DEFAULT_SNP_POLICY;
}

const char *config_strndup(struct vm_config *c, const char *s, size_t n)
{
	char *p = c->strings + c->strings_used;

	if (n + 1 > sizeof(c->strings) - c->strings_used)
		return NULL;
	memcpy(p, s, n);
	p[n] = 0;
	c->strings_used += n + 1;
	return p;
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

/* Keep a copy: values from files live in buffers that go away. */
static int keep(struct vm_config *c, const char *v, const char **out,
		char *err, size_t n)
{
	*out = config_strndup(c, v, strlen(v));
	return *out ? 0 : fail(err, n, "too many long strings");
}

static int set_kernel(struct vm_config *c, const char *v, char *err, size_t n)
{
	if (!*v)
		return fail(err, n, "the kernel path is empty");
	return keep(c, v, &c->kernel, err, n);
}

static int set_firmware(struct vm_config *c, const char *v, char *err,
			size_t n)
{
	if (!*v)
		return fail(err, n, "the firmware path is empty");
	return keep(c, v, &c->firmware, err, n);
}

static int set_initrd(struct vm_config *c, const char *v, char *err, size_t n)
{
	if (!*v)
		return fail(err, n, "the initrd path is empty");
	return keep(c, v, &c->initrd, err, n);
}

static int set_cmdline(struct vm_config *c, const char *v, char *err, size_t n)
{
	return keep(c, v, &c->cmdline, err, n);
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

static int set_flag(bool *flag, const char *v, char *err, size_t n)
{
	return parse_bool(v, flag) ? fail(err, n, "'%s' is not a boolean", v) : 0;
}

/* The boolean options, each a one-line setter over set_flag(). */
#define FLAG_SETTER(field)                                                  \
	static int set_##field(struct vm_config *c, const char *v, char *err, \
			       size_t n)                                      \
	{                                                                   \
		return set_flag(&c->field, v, err, n);                      \
	}
FLAG_SETTER(stats)
FLAG_SETTER(testdev)
FLAG_SETTER(rng)
FLAG_SETTER(dma_anywhere)

static int set_seccomp(struct vm_config *c, const char *v, char *err,
		       size_t n)
{
	if (parse_bool(v, &c->seccomp))
		return fail(err, n, "'%s' is neither on nor off", v);
	return 0;
}

static int set_platform(struct vm_config *c, const char *v, char *err,
			size_t n)
{
	if (!platform_find(v))
		return fail(err, n, "unknown platform '%s' (known: %s)", v,
			    platform_names());
	return keep(c, v, &c->platform, err, n);
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

static int set_disk(struct vm_config *c, const char *v, char *err, size_t n)
{
	static const char suffix[] = ",readonly";
	size_t len = strlen(v), slen = sizeof(suffix) - 1;
	bool ro = len > slen && !strcmp(v + len - slen, suffix);
	struct disk_config *d;

	if (c->ndisks == CONFIG_MAX_DISKS)
		return fail(err, n, "more than %d disks", CONFIG_MAX_DISKS);
	if (ro)
		len -= slen;
	if (len == 0)
		return fail(err, n, "the disk path is empty");
	d = &c->disk[c->ndisks];
	d->path = config_strndup(c, v, len);
	if (!d->path)
		return fail(err, n, "too many long strings");
	d->readonly = ro;
	c->ndisks++;
	return 0;
}

static void reset_disks(struct vm_config *c)
{
	c->ndisks = 0;
}

static int set_console(struct vm_config *c, const char *v, char *err,
		       size_t n)
{
	if (!strcmp(v, "serial"))
		c->console = CONSOLE_SERIAL;
	else if (!strcmp(v, "virtio"))
		c->console = CONSOLE_VIRTIO;
	else
		return fail(err, n, "'%s' is not a console (serial, virtio)", v);
	return 0;
}

static int set_dma_pool(struct vm_config *c, const char *v, char *err,
			size_t n)
{
	uint64_t size;

	if (parse_size(v, &size))
		return fail(err, n, "'%s' is not a size (use e.g. 4M)", v);
	if (size && (size < 64 * KiB || size > 1 * GiB))
		return fail(err, n, "'%s' is out of range (0, or 64K to 1G)", v);
	if (!is_aligned(size, PAGE_SIZE))
		return fail(err, n, "'%s' is not a multiple of 4K", v);
	c->dma_pool = size;
	return 0;
}

static int set_snp_policy(struct vm_config *c, const char *v, char *err,
			  size_t n)
{
	char *end;
	uint64_t p;

	errno = 0;
	p = strtoull(v, &end, 0);
	if (!*v || *end || errno || *v == '-')
		return fail(err, n, "'%s' is not a number (e.g. 0x30000)", v);
	if (!(p & SNP_POLICY_RESERVED_1))
		return fail(err, n, "0x%llx lacks bit 17, which the SEV-SNP "
			    "firmware requires set", (unsigned long long)p);
	if (p & ~SNP_POLICY_KNOWN)
		return fail(err, n, "0x%llx sets unknown bits 0x%llx (known: "
			    "0-25)", (unsigned long long)p,
			    (unsigned long long)(p & ~SNP_POLICY_KNOWN));
	c->snp_policy = p;
	return 0;
}

const struct option_desc vm_options[] = {
	{ "kernel", false, "FILE", "path", "(required)",
	  "ELF kernel with a PVH entry note, or a bzImage; optionally "
	  "gzip-compressed",
	  set_kernel },
	{ "firmware", false, "FILE", "path", "none",
	  "firmware image loaded to end at 4 GiB; vCPUs start at its reset "
	  "vector (then --kernel is optional)",
	  set_firmware },
	{ "initrd", false, "FILE", "path", "none",
	  "initial ramdisk handed to the kernel as it is", set_initrd },
	{ "cmdline", false, "STR", "string", "\"\"", "kernel command line",
	  set_cmdline },
	{ "memory", false, "SIZE", "size", "256M",
	  "guest RAM (K/M/G/T suffixes); above 3G it continues at 4G",
	  set_memory },
	{ "cpus", false, "N", "uint", "1", "number of vCPUs (1 to 64)", set_cpus },
	{ "platform", false, "NAME", "string", "soft",
	  "confidential platform: soft, sw-protected, sev-snp, ... "
	  "(cvmm caps lists them)", set_platform },
	{ "snp-policy", false, "POLICY", "uint", "0x30000",
	  "SEV-SNP guest policy (bit 17 set; bits above 25 refused)",
	  set_snp_policy },
	{ "convert-mode", false, "MODE", "zero|preserve", "platform's",
	  "what conversions do to page contents unless a request says",
	  set_convert_mode },
	{ "initial-state", false, "STATE", "private|shared", "platform's",
	  "state of guest RAM when the guest starts", set_initial },
	{ "disk", true, "FILE[,readonly]", "path, repeatable", "none",
	  "virtio-blk disk on a raw image file (up to 4)", set_disk,
	  reset_disks },
	{ "rng", false, NULL, "bool", "false", "virtio-rng device (getrandom)",
	  set_rng },
	{ "console", false, "KIND", "serial|virtio", "serial",
	  "device that owns stdin; virtio adds a virtio-console beside the UART",
	  set_console },
	{ "dma-pool", false, "SIZE", "size", "4M",
	  "shared DMA pool declared to the guest when it has virtio devices",
	  set_dma_pool },
	{ "dma-anywhere", false, NULL, "bool", "false",
	  "let devices touch any shared page of guest RAM, not only the DMA "
	  "pool",
	  set_dma_anywhere },
	{ "testdev", false, NULL, "bool", "false",
	  "add the test device and test memory that let the guest probe the "
	  "guard and memory faults",
	  set_testdev },
	{ "stats", false, NULL, "bool", "false",
	  "print timings, exits, conversions and footprint at exit",
	  set_stats },
	{ "log-level", false, "LEVEL", "error|warn|info|debug", "warn",
	  "how much cvmm logs to stderr", set_log_level },
	{ "seccomp", false, "MODE", "on|off", "on",
	  "run the VM under a syscall allowlist (off: for debugging)",
	  set_seccomp },
};

const size_t vm_options_count = ARRAY_SIZE(vm_options);
_Static_assert(ARRAY_SIZE(vm_options) <= CONFIG_MAX_OPTIONS,
	       "raise CONFIG_MAX_OPTIONS");

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

bool option_given(const struct vm_config *c, const char *name)
{
	const struct option_desc *o = option_find(name);

	return o && c->origin[o - vm_options].line != 0;
}

void option_set_origin(struct vm_config *c, const struct option_desc *o,
		       const char *file, int line)
{
	size_t i = (size_t)(o - vm_options);

	c->origin[i].file = file;
	c->origin[i].line = file ? line : -1;
}

const char *option_origin(const struct vm_config *c, const char *name,
			  char *buf, size_t len)
{
	const struct option_desc *o = option_find(name);
	size_t i = o ? (size_t)(o - vm_options) : 0;

	if (!o || c->origin[i].line == 0)
		snprintf(buf, len, "%s", name);
	else if (!c->origin[i].file)
		snprintf(buf, len, "--%s", name);
	else
		snprintf(buf, len, "%s:%d: %s", c->origin[i].file,
			 c->origin[i].line, name);
	return buf;
}

int config_validate(const struct vm_config *c, char *err, size_t errlen)
{
	bool virtio = c->ndisks || c->rng || c->console == CONSOLE_VIRTIO;
	char where[256];

	if (!c->kernel && !c->firmware)
		return fail(err, errlen, "kernel: no kernel given (--kernel FILE "
			    "or kernel = FILE in [vm]; or a --firmware)");
	if (virtio && !c->dma_pool && !c->dma_anywhere)
		return fail(err, errlen, "%s: virtio devices need a DMA pool "
			    "(or --dma-anywhere)",
			    option_origin(c, "dma-pool", where, sizeof(where)));
	return 0;
}
