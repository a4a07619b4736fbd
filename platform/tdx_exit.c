// SPDX-License-Identifier: MIT
/*
 * The exits only a TD has (see tdx_exit.h). Everything read from kvm_run
 * comes from a hostile guest: the message is bounded, printable, and
 * decoded only when KVM says all 16 registers are there.
 */
#include "tdx_exit.h"

#if defined(__x86_64__)

#include "../lib/kvm.h"
#include "../lib/log.h"
#include "../lib/util.h"

/*
 * TDG.VP.VMCALL<ReportFatalError>: R12 the error code, RCX a mask of the
 * registers the guest exposed; the message is in R14, R15, RBX, RDI, RSI,
 * R8, R9, RDX (8 bytes each, in that order: the GHCI's).
 */
static void fatal_message(const struct kvm_run *run, char *msg, size_t len)
{
	static const unsigned int order[] = { 14, 15, 3, 7, 6, 8, 9, 2 };
	const __u64 *r = run->system_event.data;
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(order) && n + 1 < len; i++) {
		if (!(r[1] & (1ULL << order[i])))
			continue;
		for (int b = 0; b < 8 && n + 1 < len; b++) {
			char c = (char)(r[order[i]] >> (8 * b));

			if (!c)
				goto out;
			msg[n++] = c >= 0x20 && c < 0x7f ? c : '?';
		}
	}
out:
	msg[n] = '\0';
}

static enum plat_exit tdx_fatal(struct kvm_run *run, int *status)
{
	const __u64 *r = run->system_event.data;
	char msg[65];

	if (run->system_event.ndata < 16) {
		log_err("guest TD reported a fatal error (malformed: %u words)",
			run->system_event.ndata);
	} else {
		fatal_message(run, msg, sizeof(msg));
		log_err("guest TD reported a fatal error: code 0x%llx%s%s%s",
			(unsigned long long)r[12], msg[0] ? ", \"" : "", msg,
			msg[0] ? "\"" : "");
	}
	*status = 2; /* a guest crash */
	return PLAT_EXIT_STOP;
}

enum plat_exit tdx_handle_exit(struct plat_vm *vm, struct kvm_run *run,
				      int *status)
{
	(void)vm;
	if (run->exit_reason == KVM_EXIT_SYSTEM_EVENT &&
	    run->system_event.type == KVM_SYSTEM_EVENT_TDX_FATAL)
		return tdx_fatal(run, status);
	if (run->exit_reason != KVM_EXIT_TDX)
		return PLAT_EXIT_NOT_MINE;
	/* GetQuote, GetTdVmCallInfo, SetupEventNotifyInterrupt: KVM has put
	 * "unsupported" (or leaf 1's defaults) in ret; cvmm offers none. */
	log_debug("TDVMCALL 0x%llx: answered by KVM (ret 0x%llx)",
		  (unsigned long long)kvm_run_tdx(run)->nr,
		  (unsigned long long)kvm_run_tdx(run)->ret);
	return PLAT_EXIT_RESUME;
}

#endif
