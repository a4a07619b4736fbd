/* SPDX-License-Identifier: MIT */
/*
 * TDX's exits (x86 only): KVM_EXIT_TDX (GetQuote, GetTdVmCallInfo,
 * SetupEventNotifyInterrupt), answered by re-entering with the answer KVM
 * already wrote; and the TDX_FATAL system event (TDG.VP.VMCALL
 * <ReportFatalError>), which ends the run as a guest crash with its error
 * code and message in one line.
 */
#ifndef CVMM_TDX_EXIT_H
#define CVMM_TDX_EXIT_H

#include "platform.h"

#if defined(__x86_64__)
enum plat_exit tdx_handle_exit(struct plat_vm *vm, struct kvm_run *run,
			       int *status);
#endif

#endif
