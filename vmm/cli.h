/* SPDX-License-Identifier: MIT */
/* The `cvmm run` command line, parsed with getopt_long from vm_options. */
#ifndef CVMM_CLI_H
#define CVMM_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"

enum cli_result { CLI_OK, CLI_HELP, CLI_ERROR };

/*
 * Parse `run`'s arguments (argv[0] is "run") into c, which must hold
 * defaults: first the file of --config FILE, then every other option in
 * order, so the command line overrides the file (a repeatable option given
 * on the command line replaces the file's values). *dry_run tells whether
 * --dry-run was given. On CLI_ERROR err holds one line naming the problem.
 */
enum cli_result cli_parse_run(int argc, char **argv, struct vm_config *c,
			      bool *dry_run, char *err, size_t errlen);

/* The usage text of `cvmm run`. */
void cli_usage_run(FILE *f);

#endif
