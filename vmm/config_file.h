/* SPDX-License-Identifier: MIT */
/*
 * VM descriptions in INI files (parsed with libinih): one [vm] section
 * whose keys are the `cvmm run` option names, values written as on the
 * command line. `disk` may repeat; every other key may appear once. A long
 * cmdline may continue on indented lines (joined with a space).
 */
#ifndef CVMM_CONFIG_FILE_H
#define CVMM_CONFIG_FILE_H

#include <stddef.h>

#include "config.h"

/*
 * Apply the file at path to c. On error returns -EINVAL (or -errno when
 * the file cannot be read) with one line in err naming the file, the line
 * and the key.
 */
int config_load_file(struct vm_config *c, const char *path, char *err,
		     size_t errlen) __attribute__((warn_unused_result));

#endif
