// SPDX-License-Identifier: MIT
#include "measure.h"

#include "../lib/log.h"
#include "builder.h"
#include "cli.h"

int vm_print_measurement(FILE *f, const struct vm_config *c,
			 const struct resolved *r, bool bare)
{
	struct plat_measure m = { 0 };
	char err[256] = "";

	if (!r->plat->measure) {
		log_err("platform %s has no launch measurement", r->plat->name);
		return CVMM_EXIT_BAD_INPUT;
	}
	if (r->plat->measure(&r->launch, c->cpus, c->snp_policy, &m, err,
			     sizeof(err))) {
		log_err("measuring the launch: %s", err);
		return CVMM_EXIT_BAD_INPUT;
	}
	fprintf(f, "%s%s ", bare ? "" : "vm: measurement ", m.name);
	for (unsigned int i = 0; i < sizeof(m.digest); i++)
		fprintf(f, "%02x", m.digest[i]);
	fputc('\n', f);
	if (!bare)
		fprintf(f, "vm: measurement covers: %s\n", m.note);
	return 0;
}

int cmd_measure(int argc, char **argv)
{
	static struct vm_config c;
	struct resolved r;
	char err[512];
	bool dry;
	int status;

	config_defaults(&c);
	switch (cli_parse_run(argc, argv, &c, &dry, err, sizeof(err))) {
	case CLI_HELP:
		printf("usage: cvmm measure [run options]: the expected launch "
		       "measurement of that VM (sev-snp)\n");
		return 0;
	case CLI_ERROR:
		fprintf(stderr, "cvmm: error: %s\n", err);
		return CVMM_EXIT_BAD_INPUT;
	case CLI_OK:
		break;
	}
	log_level = c.log_level;
	status = vm_resolve(&c, &r);
	if (!status)
		status = vm_print_measurement(stdout, &c, &r, true);
	vm_resolved_free(&r);
	return status;
}
