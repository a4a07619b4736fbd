// SPDX-License-Identifier: MIT
#include "fault_guard.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

/* Where this thread's guarded copy resumes after a fault; NULL: none. */
static __thread sigjmp_buf *resume;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *to = resume;

	(void)si;
	(void)uc;
	if (to) {
		resume = NULL;
		siglongjmp(*to, 1);
	}
	/* Not a guarded copy: fault again with the default action. */
	signal(sig, SIG_DFL);
}

int mem_fault_guard_install(void)
{
	static int installed;
	struct sigaction sa = { .sa_sigaction = on_segv };

	if (__atomic_exchange_n(&installed, 1, __ATOMIC_ACQ_REL))
		return 0;
	/* NODEFER: the longjmp leaves the handler without restoring the
	 * mask, so SIGSEGV must not be blocked while it runs. */
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSEGV, &sa, NULL) ? -errno : 0;
}

int mem_guarded_copy(void *dst, const void *src, size_t len)
{
	sigjmp_buf here;

	/* savemask 0: no system call per copy (see SA_NODEFER above). */
	if (sigsetjmp(here, 0))
		return -EFAULT;
	__atomic_store_n(&resume, &here, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	memcpy(dst, src, len);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&resume, NULL, __ATOMIC_RELAXED);
	return 0;
}
