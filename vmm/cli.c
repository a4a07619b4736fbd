// SPDX-License-Identifier: MIT
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "util.h"

#define OPT_HELP 'h'
#define OPT_TABLE_BASE 0x100 /* getopt values of table options */

static void build_longopts(struct option *lo)
{
	size_t i;

	for (i = 0; i < vm_options_count; i++)
		lo[i] = (struct option){ vm_options[i].name,
					 vm_options[i].metavar ? required_argument
							       : no_argument,
					 NULL, OPT_TABLE_BASE + (int)i };
	lo[i++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	lo[i] = (struct option){ 0 };
}

enum cli_result cli_parse_run(int argc, char **argv, struct vm_config *c,
			      char *err, size_t errlen)
{
	struct option lo[64];
	int opt;

	_Static_assert(ARRAY_SIZE(lo) > 16, "room for the option table");
	if (vm_options_count + 2 > ARRAY_SIZE(lo)) {
		snprintf(err, errlen, "too many options");
		return CLI_ERROR;
	}
	build_longopts(lo);
	optind = 0; /* full re-initialisation, so tests can parse twice */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", lo, NULL)) != -1) {
		if (opt == OPT_HELP)
			return CLI_HELP;
		if (opt == '?' || opt == ':') {
			snprintf(err, errlen, "%s: %s", argv[optind - 1],
				 opt == '?' ? "unknown option"
					    : "a value is needed");
			return CLI_ERROR;
		}
		if (option_apply(c, &vm_options[opt - OPT_TABLE_BASE], optarg,
				 err, errlen))
			return CLI_ERROR;
	}
	if (optind < argc) {
		snprintf(err, errlen, "%s: unexpected argument", argv[optind]);
		return CLI_ERROR;
	}
	if (config_validate(c, err, errlen))
		return CLI_ERROR;
	return CLI_OK;
}

void cli_usage_run(FILE *f)
{
	char flag[64];

	fprintf(f, "usage: cvmm run --kernel FILE [options]\n\noptions:\n");
	for (size_t i = 0; i < vm_options_count; i++) {
		const struct option_desc *o = &vm_options[i];

		snprintf(flag, sizeof(flag), "--%s%s%s", o->name,
			 o->metavar ? " " : "", o->metavar ? o->metavar : "");
		fprintf(f, "  %-24s %s (default %s)\n", flag, o->help, o->def);
	}
	fprintf(f, "  %-24s %s\n", "--help", "this text");
}
