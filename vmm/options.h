/* SPDX-License-Identifier: MIT */
/*
 * Every `cvmm run` option, as one table. The command line (getopt_long)
 * and config files read the same table, and the README's option table is
 * checked against it by a test, so the three cannot drift apart.
 */
#ifndef CVMM_OPTIONS_H
#define CVMM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct option_desc {
	const char *name;    /* --name on the command line, key in files */
	bool repeatable;     /* may be given several times (disks) */
	const char *metavar; /* "SIZE"; NULL for a flag without a value */
	const char *type;    /* for the docs: size, uint, string, bool, ... */
	const char *def;     /* default, as the docs show it */
	const char *help;    /* one line */
	int (*set)(struct vm_config *c, const char *val, char *err,
		   size_t errlen);
	/* Repeatable options: forget earlier values (the command line's
	 * first occurrence replaces a file's). */
	void (*reset)(struct vm_config *c);
};

extern const struct option_desc vm_options[];
extern const size_t vm_options_count;

/* The option called name, or NULL. */
const struct option_desc *option_find(const char *name);

/*
 * Apply one option. A flag takes val == NULL (or a boolean word from a
 * file). On error returns -EINVAL with a one-line reason in err.
 */
int option_apply(struct vm_config *c, const struct option_desc *o,
		 const char *val, char *err, size_t errlen)
	__attribute__((warn_unused_result));

/*
 * Where option `name` was set, for messages: "vm.ini:3: memory",
 * "--memory", or just "memory" for a default.
 */
const char *option_origin(const struct vm_config *c, const char *name,
			  char *buf, size_t len);

/* Was option name set (on the command line or in a file)? */
bool option_given(const struct vm_config *c, const char *name);

/* Record that option o was set from file:line (file NULL: command line). */
void option_set_origin(struct vm_config *c, const struct option_desc *o,
		       const char *file, int line);

/* Checks that need the whole config (kernel given, sizes consistent). */
int config_validate(const struct vm_config *c, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
