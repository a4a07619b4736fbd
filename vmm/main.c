// SPDX-License-Identifier: MIT
/*
 * cvmm: a small VMM for confidential guests on KVM.
 *   cvmm run --kernel FILE [options]   boot a guest (or --config FILE)
 *   cvmm caps                          what this host's KVM offers
 * Exit statuses: the guest's (exit device), 0 after a guest power-off or
 * reset, 1 for bad input (nothing ran), 2 when cvmm or KVM failed or the
 * guest crashed, 128+N after signal N.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "builder.h"
#include "caps.h"
#include "measure.h"
#include "cli.h"
#include "../lib/log.h"
#include "resolve.h"
#include "seccomp.h"
#include "stats.h"
#include "term.h"
#include "../lib/util.h"

#ifndef CVMM_VERSION
#define CVMM_VERSION "0.0.0"
#endif

static void usage(FILE *f)
{
	fprintf(f, "usage: cvmm run --kernel FILE [options]   boot a guest\n"
		   "       cvmm run --config FILE [options]   boot the VM a file "
		   "describes\n"
		   "       cvmm measure [run options]         the expected "
		   "launch measurement\n"
		   "       cvmm caps                          what this host's "
		   "KVM offers\n"
		   "       cvmm --help | --version\n"
		   "`cvmm run --help` lists the run options.\n");
}

/* --dry-run: resolve and print the VM, create nothing. */
static int dry_run(const struct vm_config *c)
{
	struct resolved r;
	int status = vm_resolve(c, &r);

	/* The disks are opened (and closed) as a run would open them. */
	if (status == 0)
		status = vm_check_devices(c, &r.plan);
	if (status == 0)
		vm_describe(stdout, c, &r);
	/* Where the platform measures the launch: what to expect. */
	if (status == 0 && r.plat->measure)
		status = vm_print_measurement(stdout, c, &r, false);
	vm_resolved_free(&r);
	return status;
}

static int cmd_run(int argc, char **argv, uint64_t t_start)
{
	static struct vm_config c;
	char err[512];
	struct vm vm;
	bool dry;
	int status;

	config_defaults(&c);
	switch (cli_parse_run(argc, argv, &c, &dry, err, sizeof(err))) {
	case CLI_HELP:
		cli_usage_run(stdout);
		return 0;
	case CLI_ERROR:
		fprintf(stderr, "cvmm: error: %s\n", err);
		return CVMM_EXIT_BAD_INPUT;
	case CLI_OK:
		break;
	}
	log_level = c.log_level;
	if (dry)
		return dry_run(&c);
	status = vm_build(&vm, &c);
	if (status == 0) {
		term_raw(STDIN_FILENO);
		/* Setup is over: from here on, only what a running VM needs. */
		if (c.seccomp && seccomp_install()) {
			status = CVMM_EXIT_FAILURE;
		} else {
			vm_mark(&vm, SETUP_SECCOMP);
			status = vm_run(&vm);
		}
		term_restore();
		if (c.stats)
			stats_print(&vm, t_start, stderr);
	}
	vm_destroy(&vm);
	return status;
}

/*
 * Open /dev/null on any of fds 0, 1 and 2 that is closed. Otherwise the
 * next file cvmm opens (a disk image) would get that number, and console
 * output, error messages or console input would go to the disk.
 */
static void open_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int n;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		/* The lower fds are open, so open() returns fd itself. */
		n = open("/dev/null", fd ? O_WRONLY : O_RDONLY);
		if (n != fd)
			_exit(CVMM_EXIT_FAILURE); /* no stderr to say why */
	}
}

int main(int argc, char **argv)
{
	uint64_t t_start = now_ns();

	open_std_fds();
	/* A closed console must not kill the VMM. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return CVMM_EXIT_BAD_INPUT;
	}
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1, t_start);
	if (!strcmp(argv[1], "measure"))
		return cmd_measure(argc - 1, argv + 1);
	if (!strcmp(argv[1], "caps"))
		return caps_print(stdout);
	if (!strcmp(argv[1], "--version")) {
		printf("cvmm %s\n", CVMM_VERSION);
		return 0;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "cvmm: error: %s: unknown command\n", argv[1]);
	usage(stderr);
	return CVMM_EXIT_BAD_INPUT;
}
