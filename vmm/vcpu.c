// SPDX-License-Identifier: MIT
/*
 * vCPU threads and the VM's run/stop cycle. One thread per vCPU runs
 * KVM_RUN and hands each exit to exit_handle(). The main thread waits in
 * poll() for the stop eventfd, signals and console input. Stopping kicks
 * every vCPU out of KVM_RUN with SIGUSR1 plus kvm_run.immediate_exit, so a
 * kick that lands before KVM_RUN starts is not lost.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "../arch/arch.h"
#include "../lib/kvm.h"
#include "../lib/log.h"
#include "../lib/outbuf.h"
#include "../lib/util.h"
#include "vm.h"

#define SIG_KICK SIGUSR1
#define STATUS_FAILURE 2
/* Console output still queued at the end gets this long, then is dropped. */
#define OUTPUT_FLUSH_NS 1000000000ULL

bool vm_stopping(struct vm *vm)
{
	return __atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE);
}

void vm_stop(struct vm *vm, int status)
{
	uint64_t one = 1;

	pthread_mutex_lock(&vm->stop_lock);
	if (!vm->stopping) {
		vm->exit_status = status;
		__atomic_store_n(&vm->stopping, true, __ATOMIC_RELEASE);
		if (write(vm->stop_efd, &one, sizeof(one)) < 0)
			log_err_errno("waking the main thread");
	}
	pthread_mutex_unlock(&vm->stop_lock);
	/* Wake parked application processors too. */
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		pthread_mutex_lock(&vm->vcpu[i].lock);
		pthread_cond_signal(&vm->vcpu[i].cond);
		pthread_mutex_unlock(&vm->vcpu[i].lock);
	}
}

void vm_set_input(struct vm *vm, int fd,
		  void (*input)(void *opaque, const uint8_t *buf, size_t len),
		  void *opaque)
{
	vm->input_fd = fd;
	vm->input = input;
	vm->input_opaque = opaque;
}

/* May the host still set a vCPU's registers on this platform? */
static bool regs_settable(const struct vm *vm)
{
	switch (vm->plat->regs) {
	case REGS_ANY_TIME: return true;
	case REGS_BEFORE_FINALIZE: return !vm->finalized;
	default: return false;
	}
}

int vm_start_ap(struct vm *vm, unsigned int index, uint64_t entry,
		uint64_t arg)
{
	struct vcpu *v;
	int ret = 0;

	if (index == 0 || index >= vm->ncpus)
		return -EINVAL;
	if (!regs_settable(vm))
		return -EPERM;
	v = &vm->vcpu[index];
	pthread_mutex_lock(&v->lock);
	if (v->state != VCPU_PARKED) {
		ret = -EBUSY;
	} else {
		v->start_entry = entry;
		v->start_arg = arg;
		v->state = VCPU_STARTING;
		pthread_cond_signal(&v->cond);
	}
	pthread_mutex_unlock(&v->lock);
	return ret;
}

/* An AP waits here until started; false if the VM stopped first. */
static bool wait_for_start(struct vcpu *v)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	uint64_t entry, arg;

	pthread_mutex_lock(&v->lock);
	while (v->state == VCPU_PARKED && !vm_stopping(v->vm))
		pthread_cond_wait(&v->cond, &v->lock);
	entry = v->start_entry;
	arg = v->start_arg;
	pthread_mutex_unlock(&v->lock);
	if (vm_stopping(v->vm))
		return false;
	/* Registers are set on the vCPU's own thread, as KVM prefers. */
	if (arch_vcpu_set_entry(v->fd, entry, arg) ||
	    kvm_ioctl_ptr(v->fd, KVM_SET_MP_STATE, &mp)) {
		vm_stop(v->vm, STATUS_FAILURE);
		return false;
	}
	pthread_mutex_lock(&v->lock);
	v->state = VCPU_RUNNING;
	pthread_mutex_unlock(&v->lock);
	log_info("vCPU %u started at 0x%llx", v->index,
		 (unsigned long long)entry);
	return true;
}

static void *vcpu_main(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	struct exit_env env = { &vm->io,    &vm->mmio, &vm->mem, v->index,
				vm->run_size, vm->plat, &vm->pv, &vm->stopping };
	sigset_t kick;

	sigemptyset(&kick);
	sigaddset(&kick, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	/* Where the guest starts them through KVM (PSCI), or where every
	 * vCPU starts at the reset vector (REGS_NEVER: TDX), they just run. */
	if (v->index && !ARCH_SECONDARIES_START_IN_KERNEL &&
	    vm->plat->regs != REGS_NEVER && !wait_for_start(v))
		return NULL;
	if (v->index == 0)
		vm->t_first_run = now_ns();
	while (!vm_stopping(vm)) {
		struct exit_outcome out;
		int ret;

		/*
		 * A KVM_RUN failure leaves exit_reason as it was: mark it
		 * unknown so a stale reason is never taken for a new exit.
		 * Not after an MMIO exit: arm64 KVM completes the access (and
		 * moves the guest past it) only while exit_reason still says
		 * KVM_EXIT_MMIO, else the guest repeats it forever.
		 */
		if (v->run->exit_reason != KVM_EXIT_MMIO)
			v->run->exit_reason = KVM_EXIT_UNKNOWN;
		ret = kvm_sys->ioctl(v->fd, KVM_RUN, 0);
		enum exit_action a =
			exit_handle(&env, v->run, ret, ret < 0 ? errno : 0, &out);

		v->exits[out.kind]++;
		if (a == EXIT_STOP_GUEST)
			vm_stop(vm, out.status);
		else if (a == EXIT_STOP_FAILURE)
			vm_stop(vm, STATUS_FAILURE);
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;
}

static void kick_all(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpu[i];

		if (!v->thread_started)
			continue;
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		pthread_kill(v->thread, SIG_KICK);
	}
}

/* Ctrl-A x ends the VM from a terminal, as in QEMU; Ctrl-A Ctrl-A sends one. */
static size_t filter_escape(struct vm *vm, uint8_t *buf, size_t n,
			    bool *pending)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		if (*pending) {
			*pending = false;
			if (buf[i] == 'x') {
				log_info("Ctrl-A x: stopping the VM");
				vm_stop(vm, 0);
				return out;
			}
			if (buf[i] != 0x01)
				continue;
		} else if (buf[i] == 0x01) {
			*pending = true;
			continue;
		}
		buf[out++] = buf[i];
	}
	return out;
}

static void read_input(struct vm *vm, bool *pending)
{
	uint8_t buf[256];
	ssize_t n = read(vm->input_fd, buf, sizeof(buf));

	if (n <= 0) {
		vm->input_fd = -1; /* end of input: stop listening */
		return;
	}
	n = (ssize_t)filter_escape(vm, buf, (size_t)n, pending);
	if (n > 0)
		vm->input(vm->input_opaque, buf, (size_t)n);
}

static void wait_loop(struct vm *vm, int sig_fd)
{
	bool pending = false;

	while (!vm_stopping(vm)) {
		struct pollfd p[3] = {
			{ .fd = vm->stop_efd, .events = POLLIN },
			{ .fd = sig_fd, .events = POLLIN },
			{ .fd = vm->input ? vm->input_fd : -1, .events = POLLIN },
		};
		struct signalfd_siginfo si;

		if (poll(p, 3, -1) < 0 && errno != EINTR)
			break;
		if ((p[1].revents & POLLIN) &&
		    read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
			log_warn("signal %u: stopping the VM", si.ssi_signo);
			vm_stop(vm, 128 + (int)si.ssi_signo);
		}
		if (p[2].revents & (POLLIN | POLLHUP))
			read_input(vm, &pending);
	}
}

static void stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

void vm_block_signals(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };
	sigset_t block;

	sigaction(SIG_KICK, &sa, NULL);
	stop_signals(&block);
	sigaddset(&block, SIG_KICK);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
}

int vm_run(struct vm *vm)
{
	sigset_t stop;
	int sig_fd, ret;

	/* Already blocked by the builder; read through a signalfd here. */
	stop_signals(&stop);
	sig_fd = signalfd(-1, &stop, SFD_CLOEXEC);
	if (sig_fd < 0) {
		log_err_errno("signalfd");
		return STATUS_FAILURE;
	}
	for (unsigned int i = 0; i < vm->ncpus; i++) {
		ret = pthread_create(&vm->vcpu[i].thread, NULL, vcpu_main,
				     &vm->vcpu[i]);
		if (ret) {
			errno = ret;
			log_err_errno("creating vCPU thread %u", i);
			vm_stop(vm, STATUS_FAILURE);
			break;
		}
		vm->vcpu[i].thread_started = true;
	}
	wait_loop(vm, sig_fd);
	kick_all(vm);
	for (unsigned int i = 0; i < vm->ncpus; i++)
		if (vm->vcpu[i].thread_started)
			pthread_join(vm->vcpu[i].thread, NULL);
	vm->t_end = now_ns();
	/* What the guest wrote goes out, unless the output is stuck. */
	outbuf_finish_all(OUTPUT_FLUSH_NS);
	close(sig_fd);
	return vm->exit_status;
}
