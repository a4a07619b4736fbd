// SPDX-License-Identifier: MIT
/*
 * The filter is a BPF program compiled at build time by libseccomp from
 * the rules in seccomp_rules.c (vmm/gen/seccomp_gen.c writes it into
 * seccomp_bpf.h, for the architecture being built). Installing it is two
 * system calls: compiling it at run time, and libseccomp's probing of the
 * kernel, cost more than the rest of setup's seccomp phase (make bench).
 */
#include "seccomp.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/log.h"
#include "../lib/util.h"

#include "seccomp_bpf.h" /* generated: static const seccomp_bpf[] */

size_t seccomp_program(const struct sock_filter **prog)
{
	*prog = seccomp_bpf;
	return ARRAY_SIZE(seccomp_bpf);
}

int seccomp_install(void)
{
	struct sock_fprog prog = { .len = ARRAY_SIZE(seccomp_bpf),
				   .filter = (struct sock_filter *)seccomp_bpf };
	long ret;

	/* Without it, an unprivileged process may not install a filter. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
		log_err_errno("seccomp: cannot set no_new_privs (--seccomp off "
			      "runs without the filter)");
		return -errno;
	}
	/* Every thread that exists now: device threads, the console writer. */
	ret = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		      SECCOMP_FILTER_FLAG_TSYNC, &prog);
	if (ret > 0) {
		/* A thread with a filter of its own: not cvmm's. */
		log_err("seccomp: thread %ld cannot take the filter (--seccomp "
			"off runs without it)", ret);
		return -ESRCH;
	}
	if (ret) {
		log_err_errno("seccomp: cannot install the filter (the kernel "
			      "needs CONFIG_SECCOMP_FILTER; --seccomp off runs "
			      "without it)");
		return -errno;
	}
	return 0;
}
