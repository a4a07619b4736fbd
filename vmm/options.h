/* SPDX-License-Identifier: MIT */
/*
 * Every `cvmm run` option, as one table. The command line (getopt_long)
 * and config files read the same table, and the README's option table is
 * checked against it by a test, so the three cannot drift apart.
 */
#ifndef CVMM_OPTIONS_H
#define CVMM_OPTIONS_H

#include <stddef.h>

#include "config.h"

struct option_desc {
	const char *name;    /* --name on the command line, key in files */
	const char *metavar; /* "SIZE"; NULL for a flag without a value */
	const char *type;    /* for the docs: size, uint, string, bool, ... */
	const char *def;     /* default, as the docs show it */
	const char *help;    /* one line */
	int (*set)(struct vm_config *c, const char *val, char *err,
		   size_t errlen);
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

/* Checks that need the whole config (kernel given, sizes consistent). */
int config_validate(const struct vm_config *c, char *err, size_t errlen)
	__attribute__((warn_unused_result));

#endif
