// SPDX-License-Identifier: MIT
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "config_file.h"
#include "options.h"
#include "../lib/util.h"

/* getopt values: the table's options count up from OPT_TABLE_BASE. */
enum { OPT_HELP = 'h', OPT_CONFIG = 0x80, OPT_DRY_RUN, OPT_TABLE_BASE = 0x100 };

#define MAX_ARGS 128

struct arg {
	const struct option_desc *o;
	const char *val;
};

static void build_longopts(struct option *lo)
{
	size_t i;

	for (i = 0; i < vm_options_count; i++)
		lo[i] = (struct option){ vm_options[i].name,
					 vm_options[i].metavar ? required_argument
							       : no_argument,
					 NULL, OPT_TABLE_BASE + (int)i };
	lo[i++] = (struct option){ "config", required_argument, NULL, OPT_CONFIG };
	lo[i++] = (struct option){ "dry-run", no_argument, NULL, OPT_DRY_RUN };
	lo[i++] = (struct option){ "help", no_argument, NULL, OPT_HELP };
	lo[i] = (struct option){ 0 };
}

/* Name the problem with an option getopt refused, precisely. */
static enum cli_result bad_option(const char *arg, int opt, char *err,
				  size_t errlen)
{
	const char *eq = strchr(arg, '=');
	char name[64];

	if (optopt && optopt < 0x80) /* a short option, maybe in a group */
		snprintf(err, errlen, "-%c: %s", optopt,
			 opt == '?' ? "unknown option" : "a value is needed");
	else if (opt == '?' && eq && eq - arg > 2 && (size_t)(eq - arg) < sizeof(name)) {
		snprintf(name, sizeof(name), "%.*s", (int)(eq - arg - 2), arg + 2);
		snprintf(err, errlen, "%s: %s", arg,
			 option_find(name) ? "this option takes no value"
					   : "unknown option");
	} else
		snprintf(err, errlen, "%s: %s", arg,
			 opt == '?' ? "unknown option" : "a value is needed");
	return CLI_ERROR;
}

/* First pass: collect options without applying them. */
static enum cli_result collect(int argc, char **argv, struct arg *args,
			       size_t *nargs, const char **config,
			       bool *dry_run, char *err, size_t errlen)
{
	struct option lo[CONFIG_MAX_OPTIONS + 4];
	int opt;

	build_longopts(lo);
	optind = 0; /* full re-initialisation, so tests can parse twice */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:h", lo, NULL)) != -1) {
		if (opt == OPT_HELP)
			return CLI_HELP;
		if (opt == '?' || opt == ':')
			return bad_option(argv[optind - 1], opt, err, errlen);
		if (opt == OPT_CONFIG && *config) {
			/* Which one would win is a guess: refuse to make it. */
			snprintf(err, errlen, "--config: given twice ('%s', then "
				 "'%s'); a VM is described by one file", *config,
				 optarg);
			return CLI_ERROR;
		} else if (opt == OPT_CONFIG)
			*config = optarg;
		else if (opt == OPT_DRY_RUN)
			*dry_run = true;
		else if (*nargs == MAX_ARGS) {
			snprintf(err, errlen, "more than %d options", MAX_ARGS);
			return CLI_ERROR;
		} else
			args[(*nargs)++] = (struct arg){
				&vm_options[opt - OPT_TABLE_BASE], optarg };
	}
	if (optind < argc) {
		snprintf(err, errlen, "%s: unexpected argument", argv[optind]);
		return CLI_ERROR;
	}
	return CLI_OK;
}

enum cli_result cli_parse_run(int argc, char **argv, struct vm_config *c,
			      bool *dry_run, char *err, size_t errlen)
{
	struct arg args[MAX_ARGS];
	bool replaced[CONFIG_MAX_OPTIONS] = { false };
	const char *config = NULL;
	size_t nargs = 0;
	enum cli_result r;

	*dry_run = false;
	r = collect(argc, argv, args, &nargs, &config, dry_run, err, errlen);
	if (r != CLI_OK)
		return r;
	if (config && config_load_file(c, config, err, errlen))
		return CLI_ERROR;
	for (size_t i = 0; i < nargs; i++) {
		const struct option_desc *o = args[i].o;
		size_t idx = (size_t)(o - vm_options);

		/* The command line's values replace the file's. */
		if (o->reset && !replaced[idx])
			o->reset(c);
		replaced[idx] = true;
		if (option_apply(c, o, args[i].val, err + 2, errlen - 2)) {
			memcpy(err, "--", 2); /* "--memory: '1x' is not a size" */
			return CLI_ERROR;
		}
		option_set_origin(c, o, NULL, 0);
	}
	return config_validate(c, err, errlen) ? CLI_ERROR : CLI_OK;
}

void cli_usage_run(FILE *f)
{
	char flag[64];

	fprintf(f, "usage: cvmm run [--config FILE] [--dry-run] [options]\n\n"
		   "options (each also a key of a config file's [vm] section):\n");
	for (size_t i = 0; i < vm_options_count; i++) {
		const struct option_desc *o = &vm_options[i];

		snprintf(flag, sizeof(flag), "--%s%s%s", o->name,
			 o->metavar ? " " : "", o->metavar ? o->metavar : "");
		fprintf(f, "  %-24s %s (default %s)\n", flag, o->help, o->def);
	}
	fprintf(f, "\ncommand line only:\n"
		   "  %-24s %s\n  %-24s %s\n  %-24s %s\n",
		   "--config FILE", "read the VM from FILE; options given too "
		   "override it", "--dry-run", "print the resolved VM and exit "
		   "without creating it", "--help", "this text");
}
