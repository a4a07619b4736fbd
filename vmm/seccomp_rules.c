// SPDX-License-Identifier: MIT
/*
 * The rules of the filter, written with libseccomp. They are compiled to
 * BPF at build time (vmm/gen/seccomp_gen.c), for the target architecture,
 * and cvmm installs that program (vmm/seccomp.c).
 *
 * The allowlist comes from reading every path that runs after setup:
 * vCPU threads (KVM_RUN, exits, device emulation, conversions, AP start),
 * virtio device threads (eventfds, disk I/O, getrandom), the console
 * writer thread, the main thread's wait loop, and the exit path (stats,
 * device teardown, terminal restore). Anything setup-only (open, memfd,
 * KVM_CREATE_*, flock, ...) is absent on purpose.
 */
#include "seccomp_rules.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <termios.h>

#include "../arch/arch.h"
#include "../lib/kvm_abi.h"
#include "../lib/log.h"
#include "../lib/util.h"

#ifndef __NR_cachestat
#define __NR_cachestat 451 /* x86-64; Debian 12's headers lack it */
#endif

/* Allowed with any arguments. */
static const int plain[] = {
	/* I/O on descriptors opened during setup: console, disks, eventfds. */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv),
	SCMP_SYS(pwritev), SCMP_SYS(preadv2), SCMP_SYS(pwritev2),
	SCMP_SYS(fdatasync), SCMP_SYS(fsync), SCMP_SYS(fallocate),
	SCMP_SYS(lseek), SCMP_SYS(fstat), SCMP_SYS(newfstatat),
	SCMP_SYS(close), SCMP_SYS(poll), SCMP_SYS(ppoll),
	/* The virtio devices' event loops and their disk I/O (io_uring). */
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_pwait2),
	SCMP_SYS(epoll_ctl), SCMP_SYS(io_uring_enter),
	SCMP_SYS(signalfd4), /* vm_run's stop signals */
	/* Memory: malloc, thread stacks, conversions (mprotect below). */
	SCMP_SYS(munmap), SCMP_SYS(madvise), SCMP_SYS(mremap), SCMP_SYS(brk),
	SCMP_SYS(mincore), __NR_cachestat, /* the footprint */
	/* Threads and their synchronisation. */
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(sched_yield), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill),
	/* Signals: the vCPU kick, abort(), glibc's lazy setxid handler. */
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction),
	SCMP_SYS(restart_syscall),
	/* Time (normally the vDSO), sleeping, entropy for virtio-rng. */
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
	SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep), SCMP_SYS(getrandom),
};

/* ioctl requests of a running VM (others: setup only). */
static const unsigned long ioctls[] = {
	KVM_RUN, KVM_IRQ_LINE, KVM_SET_MEMORY_ATTRIBUTES,
	/* isatty() and the terminal restored at exit. */
	TCGETS, TCSETS, TCSETSW, TCSETSF,
};

#ifdef __SANITIZE_ADDRESS__
/*
 * AddressSanitizer's own runtime: alternate signal stacks for new threads
 * and LeakSanitizer's exit-time check, which stops the threads through a
 * ptrace()ing helper task and reads /proc. Sanitizer builds only.
 */
static const int sanitizer[] = {
	SCMP_SYS(sigaltstack), SCMP_SYS(ptrace),
	SCMP_SYS(wait4), SCMP_SYS(prctl), SCMP_SYS(open), SCMP_SYS(openat),
	SCMP_SYS(getdents64), SCMP_SYS(readlink), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(prlimit64), SCMP_SYS(getrlimit), SCMP_SYS(getppid),
	SCMP_SYS(kill), SCMP_SYS(pipe2), SCMP_SYS(dup2),
};
#endif

static int allow_plain(scmp_filter_ctx ctx)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < ARRAY_SIZE(plain); i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, plain[i], 0);
#ifdef __SANITIZE_ADDRESS__
	for (size_t i = 0; !ret && i < ARRAY_SIZE(sanitizer); i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sanitizer[i], 0);
#endif
	return ret;
}

static int allow_ioctl_list(scmp_filter_ctx ctx, const unsigned long *l,
			    size_t n)
{
	int ret = 0;

	for (size_t i = 0; !ret && i < n; i++)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				       SCMP_A1(SCMP_CMP_EQ, l[i]));
	return ret;
}

/* cvmm's own, and the architecture's (vCPUs the guest starts later). */
static int allow_ioctls(scmp_filter_ctx ctx)
{
	const unsigned long *arch;
	size_t n = arch_runtime_ioctls(&arch);
	int ret = allow_ioctl_list(ctx, ioctls, ARRAY_SIZE(ioctls));

	return ret ? ret : allow_ioctl_list(ctx, arch, n);
}

/*
 * Memory may be mapped and protected, never made executable: no new code
 * enters the process. Threads (clone with CLONE_THREAD) may be created,
 * not processes. clone3 passes its flags in memory a filter cannot read,
 * so it answers ENOSYS and glibc falls back to clone.
 */
static int allow_memory_and_threads(scmp_filter_ctx ctx)
{
#ifdef __SANITIZE_ADDRESS__
	/* LeakSanitizer's helper task shares memory but is no thread. */
	const uint64_t thread = CLONE_VM;
#else
	const uint64_t thread = CLONE_THREAD | CLONE_VM;
#endif
	int ret;

	ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
			       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				       SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				       SCMP_A0(SCMP_CMP_MASKED_EQ, thread, thread));
	if (!ret)
		ret = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				       SCMP_SYS(clone3), 0);
	return ret;
}

scmp_filter_ctx seccomp_rules_filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int ret;

	if (!ctx)
		return NULL;
	/* Every thread that exists now: device threads, the console writer. */
	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!ret)
		ret = allow_plain(ctx);
	if (!ret)
		ret = allow_ioctls(ctx);
	if (!ret)
		ret = allow_memory_and_threads(ctx);
	if (ret) {
		seccomp_release(ctx);
		errno = -ret;
		return NULL;
	}
	return ctx;
}
