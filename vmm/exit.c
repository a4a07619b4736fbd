// SPDX-License-Identifier: MIT
#include "exit.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "../arch/arch.h"
#include "../lib/log.h"

#include "../lib/util.h"

/* Exit status for a guest that ended in a way cvmm treats as a crash. */
#define STATUS_GUEST_CRASH 2

const char *exit_kind_name(enum exit_kind k)
{
	static const char *const names[EXIT_KINDS] = {
		[EXIT_IO] = "io",
		[EXIT_MMIO] = "mmio",
		[EXIT_HLT] = "hlt",
		[EXIT_HYPERCALL] = "hypercall",
		[EXIT_MEMORY_FAULT] = "memory_fault",
		[EXIT_SYSTEM_EVENT] = "system_event",
		[EXIT_SHUTDOWN] = "shutdown",
		[EXIT_INTR] = "intr",
		[EXIT_INTERNAL_ERROR] = "internal_error",
		[EXIT_FAIL_ENTRY] = "fail_entry",
		[EXIT_PLATFORM] = "platform",
		[EXIT_OTHER] = "other",
	};

	return (unsigned int)k < EXIT_KINDS ? names[k] : "?";
}

enum exit_kind exit_classify(int ret, int err, const struct kvm_run *run)
{
	if (ret < 0) {
		if (err == EINTR || err == EAGAIN)
			return EXIT_INTR;
		if ((err == EFAULT || err == EHWPOISON) &&
		    run->exit_reason == KVM_EXIT_MEMORY_FAULT)
			return EXIT_MEMORY_FAULT;
		return EXIT_OTHER;
	}
	if (arch_owns_exit(run))
		return EXIT_IO;
	switch (run->exit_reason) {
	case KVM_EXIT_MMIO: return EXIT_MMIO;
	case KVM_EXIT_HLT: return EXIT_HLT;
	case KVM_EXIT_HYPERCALL: return EXIT_HYPERCALL;
	case KVM_EXIT_SYSTEM_EVENT: return EXIT_SYSTEM_EVENT;
	case KVM_EXIT_SHUTDOWN: return EXIT_SHUTDOWN;
	case KVM_EXIT_INTR: return EXIT_INTR;
	case KVM_EXIT_INTERNAL_ERROR: return EXIT_INTERNAL_ERROR;
	case KVM_EXIT_FAIL_ENTRY: return EXIT_FAIL_ENTRY;
	default: return EXIT_OTHER;
	}
}

bool exit_decode_map_gpa(const struct kvm_run *run, struct conv_request *req)
{
	return run->hypercall.nr == KVM_HC_MAP_GPA_RANGE &&
	       conv_decode(run->hypercall.args[0], run->hypercall.args[1],
			   run->hypercall.args[2], req);
}

bool exit_decode_memory_fault(const struct kvm_run *run,
			      struct conv_request *req)
{
	const struct kvm_memory_fault_exit *mf =
		kvm_run_memory_fault((struct kvm_run *)run);

	if (mf->flags & ~KVM_MEMORY_EXIT_FLAG_PRIVATE)
		return false;
	req->gpa = mf->gpa;
	req->len = mf->size;
	req->to = (mf->flags & KVM_MEMORY_EXIT_FLAG_PRIVATE) ? MEM_PRIVATE
							    : MEM_SHARED;
	return true;
}

uint64_t exit_hypercall_ret(enum conv_result r)
{
	switch (r) {
	case CONV_DONE: return 0;
	case CONV_RETRY: return EAGAIN;
	default: return EINVAL; /* the only other value KVM accepts */
	}
}

static enum exit_action handle_io(struct exit_env *env, struct kvm_run *run)
{
	return arch_handle_exit(run, env->run_size, env->io, env->cpu,
				env->stopping)
		       ? EXIT_STOP_FAILURE
		       : EXIT_RESUME;
}

static enum exit_action handle_mmio(struct exit_env *env, struct kvm_run *run)
{
	if (run->mmio.len == 0 || run->mmio.len > sizeof(run->mmio.data)) {
		log_err("malformed MMIO exit (len %u)", run->mmio.len);
		return EXIT_STOP_FAILURE;
	}
	bus_access(env->mmio, run->mmio.phys_addr, run->mmio.data,
		   run->mmio.len, run->mmio.is_write, env->cpu);
	return EXIT_RESUME;
}

static bool stopping(const struct exit_env *env)
{
	return env->stopping && __atomic_load_n(env->stopping, __ATOMIC_ACQUIRE);
}

/* Does [gpa, gpa+len) touch no memslot at all (an MMIO window)? */
static bool outside_memory(struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	uint64_t end;

	if (!len || !range_end(gpa, len, &end))
		return false;
	for (unsigned int i = 0; i < m->nslots; i++)
		if (ranges_overlap(gpa, len, m->slot[i].gpa, m->slot[i].size))
			return false;
	return true;
}

/*
 * A platform whose guests must never hear "busy" (BUSY_WAIT) waits here
 * until host I/O releases the range; the wait ends when the VM stops.
 * Where the platform says so, making an MMIO window shared is done: it
 * never was anything else.
 */
static enum conv_result convert(struct exit_env *env,
				const struct conv_request *req)
{
	bool wait = env->plat && env->plat->busy == BUSY_WAIT;
	enum conv_result r;

	if (env->plat && env->plat->shared_outside_ram_ok &&
	    req->to == MEM_SHARED && !(req->gpa & 0xfff) &&
	    outside_memory(env->mem, req->gpa, req->len))
		return CONV_DONE;
	for (;;) {
		r = mem_convert(env->mem, gpa(req->gpa), req->len, req->to,
				MEM_CONTENT_DEFAULT);
		if (r != CONV_RETRY || !wait || stopping(env))
			return r;
		sched_yield();
	}
}

static enum exit_action handle_hypercall(struct exit_env *env,
					 struct kvm_run *run)
{
	struct conv_request req;
	enum conv_result r = CONV_INVALID;

	if (exit_decode_map_gpa(run, &req))
		r = convert(env, &req);
	log_info("MAP_GPA_RANGE gpa 0x%llx pages %llu attrs 0x%llx: %s",
		 (unsigned long long)run->hypercall.args[0],
		 (unsigned long long)run->hypercall.args[1],
		 (unsigned long long)run->hypercall.args[2],
		 conv_result_name(r));
	run->hypercall.ret = exit_hypercall_ret(r);
	return EXIT_RESUME;
}

static enum exit_action handle_memory_fault(struct exit_env *env,
					    struct kvm_run *run, int err)
{
	struct conv_request req;
	enum conv_result r;
	bool reasserted;

	if (err == EHWPOISON || !exit_decode_memory_fault(run, &req)) {
		log_err("unrecoverable memory fault at 0x%llx (%s)",
			(unsigned long long)kvm_run_memory_fault(run)->gpa,
			err == EHWPOISON ? "poisoned page" : "malformed exit");
		return EXIT_STOP_FAILURE;
	}
	r = mem_resolve_fault(env->mem, gpa(req.gpa), req.len, req.to,
			      &reasserted);
	log_info("memory fault gpa 0x%llx size 0x%llx (%s access): %s%s",
		 (unsigned long long)req.gpa, (unsigned long long)req.len,
		 req.to == MEM_PRIVATE ? "private" : "shared",
		 conv_result_name(r),
		 reasserted ? ", the slot has no private memory: "
			      "re-asserted shared" : "");
	if (r == CONV_RETRY) {
		/* Host I/O holds the range; the guest faults again shortly. */
		sched_yield();
		return EXIT_RESUME;
	}
	if (r != CONV_DONE) {
		/* Re-entering would fault forever. */
		log_err("guest memory fault at 0x%llx cannot be resolved: %s",
			(unsigned long long)req.gpa, conv_result_name(r));
		return EXIT_STOP_FAILURE;
	}
	return EXIT_RESUME;
}

static enum exit_action handle_system_event(struct kvm_run *run,
					    struct exit_outcome *out)
{
	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		log_info("guest powered off");
		out->status = 0;
		break;
	case KVM_SYSTEM_EVENT_RESET:
		log_info("guest asked for a reset; cvmm does not reboot");
		out->status = 0;
		break;
	default:
		log_err("guest crashed (system event %u)",
			run->system_event.type);
		out->status = STATUS_GUEST_CRASH;
		break;
	}
	return EXIT_STOP_GUEST;
}

/* KVM says why in up to 16 words (for delivery errors: what it was doing). */
static void log_internal_error(const struct kvm_run *run)
{
	char words[16 * 20 + 1] = "";
	uint32_t n = run->internal.ndata;
	size_t used = 0;

	if (n > 16)
		n = 16;
	for (uint32_t i = 0; i < n && used < sizeof(words); i++)
		used += (size_t)snprintf(words + used, sizeof(words) - used,
					 " 0x%llx",
					 (unsigned long long)run->internal.data[i]);
	log_err("KVM internal error, suberror %u%s%s", run->internal.suberror,
		n ? ", data:" : "", words);
}

/* The platform's own exits (SEV termination, TDX calls) come first. */
static bool platform_exit(struct exit_env *env, struct kvm_run *run, int ret,
			  struct exit_outcome *out, enum exit_action *a)
{
	enum plat_exit p;

	if (ret < 0 || !env->plat || !env->plat->handle_exit)
		return false;
	p = env->plat->handle_exit(env->pv, run, &out->status);
	if (p == PLAT_EXIT_NOT_MINE)
		return false;
	out->kind = EXIT_PLATFORM;
	*a = p == PLAT_EXIT_RESUME ? EXIT_RESUME : EXIT_STOP_GUEST;
	return true;
}

enum exit_action exit_handle(struct exit_env *env, struct kvm_run *run,
			     int ret, int err, struct exit_outcome *out)
{
	enum exit_action a;

	out->status = 0;
	if (platform_exit(env, run, ret, out, &a))
		return a;
	out->kind = exit_classify(ret, err, run);
	switch (out->kind) {
	case EXIT_IO: return handle_io(env, run);
	case EXIT_MMIO: return handle_mmio(env, run);
	case EXIT_HYPERCALL: return handle_hypercall(env, run);
	case EXIT_MEMORY_FAULT: return handle_memory_fault(env, run, err);
	case EXIT_SYSTEM_EVENT: return handle_system_event(run, out);
	case EXIT_INTR:
	case EXIT_HLT:
		return EXIT_RESUME;
	case EXIT_SHUTDOWN:
		log_err("guest triple-faulted (shutdown exit)");
		out->status = STATUS_GUEST_CRASH;
		return EXIT_STOP_GUEST;
	case EXIT_INTERNAL_ERROR:
		log_internal_error(run);
		return EXIT_STOP_FAILURE;
	case EXIT_FAIL_ENTRY:
		log_err("vCPU entry failed, hardware reason 0x%llx",
			(unsigned long long)
				run->fail_entry.hardware_entry_failure_reason);
		return EXIT_STOP_FAILURE;
	default:
		if (ret < 0) {
			errno = err;
			log_err_errno("KVM_RUN");
		} else {
			log_err("unexpected exit reason %u", run->exit_reason);
		}
		return EXIT_STOP_FAILURE;
	}
}
