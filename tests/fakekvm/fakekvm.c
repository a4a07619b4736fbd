// SPDX-License-Identifier: MIT
/*
 * The fake KVM's core: file descriptors, the trace, scripted answers, and
 * the ioctls every VM type has (with the generic kernel rules). A
 * platform's own rules and KVM_MEMORY_ENCRYPT_OP are in fake_<name>.c.
 * The fds handed out are real (/dev/null, or a memfd for a guest_memfd,
 * so that cvmm may punch and close them); the fake keeps what each is.
 */
#include "fakekvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fake_ioctls.h"

static struct fake *cur;

const char *fake_errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} n[] = {
		{ EPERM, "EPERM" },   { ENOENT, "ENOENT" }, { EINTR, "EINTR" },
		{ EIO, "EIO" },	      { E2BIG, "E2BIG" },   { EBADF, "EBADF" },
		{ EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" },   { EEXIST, "EEXIST" }, { ENXIO, "ENXIO" },
		{ EINVAL, "EINVAL" }, { ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" },
	};
	static char buf[24];

	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++)
		if (n[i].err == err)
			return n[i].name;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

void fake_trace(struct fake *f, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (f->len + (size_t)n + 2 > f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8192;
		char *t;

		while (cap < f->len + (size_t)n + 2)
			cap *= 2;
		t = realloc(f->trace, cap);
		if (!t)
			abort();
		f->trace = t;
		f->cap = cap;
	}
	memcpy(f->trace + f->len, line, (size_t)n);
	f->len += (size_t)n;
	f->trace[f->len++] = '\n';
	f->trace[f->len] = 0;
}

void fake_violation(struct fake *f, const char *rule, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	fake_trace(f, "!! %s: %s", rule, why);
	if (!f->violations++)
		snprintf(f->first_violation, sizeof(f->first_violation),
			 "%s: %s", rule, why);
}

void fake_set_param(struct fake *f, const char *module, const char *name,
		    const char *value)
{
	struct fake_param *free_slot = NULL;

	for (unsigned int i = 0; i < FAKE_MAX_PARAMS; i++) {
		struct fake_param *p = &f->host.param[i];

		if (p->module && !strcmp(p->module, module) &&
		    !strcmp(p->name, name)) {
			p->value = value;
			return;
		}
		if (!p->module && !free_slot)
			free_slot = p;
	}
	if (!free_slot)
		abort();
	*free_slot = (struct fake_param){ module, name, value };
}

void fake_script(struct fake *f, struct fake_answer a)
{
	if (f->nanswers == FAKE_MAX_ANSWERS)
		abort();
	f->answer[f->nanswers++] = a;
}

const struct fake_answer *fake_take(struct fake *f, const char *call)
{
	static struct fake_answer taken;

	for (unsigned int i = 0; i < f->nanswers; i++) {
		if (strcmp(f->answer[i].call, call))
			continue;
		taken = f->answer[i];
		memmove(&f->answer[i], &f->answer[i + 1],
			(f->nanswers - i - 1) * sizeof(f->answer[0]));
		f->nanswers--;
		return &taken;
	}
	return NULL;
}

struct fake_fd *fake_fd_of(struct fake *f, int fd)
{
	if (fd < 0 || fd >= FAKE_MAX_FD || f->fd[fd].kind == FK_NONE)
		return NULL;
	return &f->fd[fd];
}

void fake_fd_name(const struct fake *f, int fd, char *buf, size_t len)
{
	const struct fake_fd *d =
		fd >= 0 && fd < FAKE_MAX_FD ? &f->fd[fd] : NULL;
	const char *vm = d && d->vm ? "vm1." : "";

	switch (d ? d->kind : FK_NONE) {
	case FK_SYS: snprintf(buf, len, "sys"); break;
	case FK_SEV: snprintf(buf, len, "sev"); break;
	case FK_VM: snprintf(buf, len, d->vm ? "vm%u" : "vm", d->vm); break;
	case FK_VCPU: snprintf(buf, len, "%svcpu%u", vm, d->index); break;
	case FK_GMEM: snprintf(buf, len, "%sgmem%u", vm, d->index); break;
	default: snprintf(buf, len, "fd?"); break;
	}
}

void fake_addr(const struct fake *f, const struct fake_vm *vm, uint64_t uaddr,
	       char *buf, size_t len)
{
	(void)f;
	for (unsigned int i = 0; vm && i < FAKE_MAX_SLOTS; i++) {
		const struct fake_slot *s = &vm->slot[i];

		if (s->used && uaddr >= s->uaddr && uaddr - s->uaddr < s->size) {
			snprintf(buf, len, "slot%u+0x%llx", i,
				 (unsigned long long)(uaddr - s->uaddr));
			return;
		}
	}
	snprintf(buf, len, "host");
}

const struct fake_slot *fake_slot_of(const struct fake_vm *vm, uint64_t gpa,
				     uint64_t len)
{
	for (unsigned int i = 0; i < FAKE_MAX_SLOTS; i++) {
		const struct fake_slot *s = &vm->slot[i];

		if (s->used && gpa >= s->gpa && len <= s->size &&
		    gpa - s->gpa <= s->size - len)
			return s;
	}
	return NULL;
}

bool fake_is_private(const struct fake_vm *vm, uint64_t gpa, uint64_t len)
{
	return len && rangeset_contains(&vm->private, gpa >> 12,
					(gpa + len + 4095) >> 12);
}

/* A new real fd the fake knows as kind. */
static int new_fd(struct fake *f, enum fake_kind kind, unsigned int vm,
		  unsigned int index, uint64_t gmem_size)
{
	int fd = kind == FK_GMEM ? memfd_create("fakekvm-gmem", MFD_CLOEXEC)
				 : open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if ((kind == FK_GMEM && ftruncate(fd, (off_t)gmem_size)) ||
	    fd >= FAKE_MAX_FD) {
		close(fd);
		errno = EMFILE;
		return -1;
	}
	f->fd[fd] = (struct fake_fd){ kind, vm, index };
	return fd;
}

/* A module parameter's file: its value and a newline. */
static int fake_param_fd(const char *value)
{
	int fd = memfd_create("fakekvm-param", MFD_CLOEXEC);
	size_t n = strlen(value);

	if (fd < 0 || write(fd, value, n) != (ssize_t)n || write(fd, "\n", 1) != 1 ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		if (fd >= 0)
			close(fd);
		errno = EIO;
		return -1;
	}
	return fd;
}

static int fake_open(const char *path, int flags)
{
	struct fake *f = cur;
	bool kvm = !strcmp(path, "/dev/kvm"), sev = !strcmp(path, "/dev/sev");

	(void)flags;
	fake_trace(f, "open %s", path);
	if ((kvm && f->host.dev_kvm) || (sev && f->host.dev_sev))
		return new_fd(f, kvm ? FK_SYS : FK_SEV, 0, 0, 0);
	for (unsigned int i = 0; i < FAKE_MAX_PARAMS; i++) {
		const struct fake_param *p = &f->host.param[i];
		char want[128];

		if (!p->value)
			continue;
		snprintf(want, sizeof(want), "/sys/module/%s/parameters/%s",
			 p->module, p->name);
		if (!strcmp(path, want))
			return fake_param_fd(p->value);
	}
	errno = ENOENT;
	return -1;
}

static void *fake_map_run(int vcpu_fd, size_t size)
{
	struct fake_fd *d = fake_fd_of(cur, vcpu_fd);

	if (!d || d->kind != FK_VCPU) {
		fake_violation(cur, "mmap", "kvm_run of fd %d, not a vCPU",
			       vcpu_fd);
		errno = EINVAL;
		return MAP_FAILED;
	}
	void *run = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (run != MAP_FAILED)
		cur->vm[d->vm].run[d->index] = run;
	return run;
}

static int fake_ioctl(int fd, unsigned long req, unsigned long arg)
{
	struct fake *f = cur;
	struct fake_fd *d = fake_fd_of(f, fd);
	struct fake_call c = { d, NULL, req, arg, fake_ioctl_name(req) };
	int err;

	if (!d || d->kind == FK_GMEM || d->kind == FK_SEV) {
		char name[16];

		fake_fd_name(f, fd, name, sizeof(name));
		fake_violation(f, "ioctl", "%s on %s (not a KVM fd)", c.name,
			       name);
		errno = ENOTTY;
		return -1;
	}
	if (d->kind != FK_SYS)
		c.vm = &f->vm[d->vm];
	err = fake_dispatch(f, &c);
	if (err > 0)
		fake_trace(f, "  -> %s", fake_errno_name(err));
	if (err < 0) /* a non-negative result (an fd, a size) */
		return -err - 1;
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

static const struct kvm_sys_ops fake_ops = { fake_open, fake_ioctl,
					     fake_map_run };

struct fake *fake_install(void)
{
	struct fake *f = calloc(1, sizeof(*f));

	if (!f)
		abort();
	f->host = (struct fake_host){
		.dev_kvm = true,
		.dev_sev = true,
		.vm_types = (1u << KVM_X86_DEFAULT_VM) |
			    (1u << KVM_X86_SW_PROTECTED_VM) |
			    (1u << KVM_X86_SNP_VM) | (1u << KVM_X86_TDX_VM),
		.vmsa_features = 0,
		/* Linux 7.3's KVM_SNP_POLICY_MASK_VALID without the bits
		 * newer firmware adds: ABI, SMT, reserved-1, DEBUG,
		 * SINGLE_SOCKET (sev.c:79-91). */
		.snp_policy_bits = 0xffff | (1u << 16) | (1u << 17) |
				   (1u << 19) | (1u << 20),
		.param = { { "kvm_intel", "tdx", "Y" },
			   { "kvm_amd", "sev", "Y" },
			   { "kvm_amd", "sev_es", "Y" },
			   { "kvm_amd", "sev_snp", "Y" } },
	};
	f->trace = NULL;
	cur = f;
	kvm_sys = &fake_ops;
	return f;
}

void fake_remove(struct fake *f)
{
	kvm_sys = &kvm_sys_host;
	cur = NULL;
	for (unsigned int i = 0; i < FAKE_MAX_VMS; i++) {
		struct fake_vm *vm = &f->vm[i];

		if (vm->plat && vm->plat->fini)
			vm->plat->fini(vm->plat_state);
		rangeset_free(&vm->private);
		for (unsigned int v = 0; v < FAKE_MAX_VCPUS; v++)
			free(vm->cpuid[v]);
	}
	free(f->trace);
	free(f);
}

/* The VM ioctl created a vCPU or a guest_memfd: hand out its fd. */
int fake_new_vcpu(struct fake *f, struct fake_vm *vm, unsigned int id)
{
	int fd = new_fd(f, FK_VCPU, (unsigned int)(vm - f->vm), id, 0);

	if (fd < 0)
		return errno;
	vm->vcpu_made[id] = true;
	vm->nvcpus++;
	return -fd - 1;
}

int fake_new_gmem(struct fake *f, struct fake_vm *vm, uint64_t size)
{
	int fd = new_fd(f, FK_GMEM, (unsigned int)(vm - f->vm), vm->ngmem,
			size);

	if (fd < 0)
		return errno;
	vm->ngmem++;
	return -fd - 1;
}

int fake_new_vm(struct fake *f, unsigned long type)
{
	unsigned int i;
	int fd;

	for (i = 0; i < FAKE_MAX_VMS && f->vm[i].used; i++)
		;
	if (i == FAKE_MAX_VMS)
		return ENOMEM;
	fd = new_fd(f, FK_VM, i, 0, 0);
	if (fd < 0)
		return errno;
	f->vm[i] = (struct fake_vm){ .used = true, .type = type };
	rangeset_init(&f->vm[i].private);
	for (unsigned int p = 0; fake_platforms[p]; p++)
		if (fake_platforms[p]->vm_type == type)
			f->vm[i].plat = fake_platforms[p];
	if (f->vm[i].plat && f->vm[i].plat->init)
		f->vm[i].plat_state = f->vm[i].plat->init(&f->vm[i]);
	return -fd - 1;
}

static const char *golden_dir(void)
{
	const char *d = getenv("CVMM_GOLDEN_DIR");

	return d ? d : "tests/fakekvm/golden";
}

static char *read_all(const char *path)
{
	FILE *in = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (!in)
		return NULL;
	if (getdelim(&buf, &len, 0, in) < 0) {
		free(buf);
		buf = strdup("");
	}
	fclose(in);
	return buf;
}

static void first_difference(const char *want, const char *got,
			     const char *path)
{
	unsigned int line = 1;

	while (*want && *want == *got) {
		if (*want == '\n')
			line++;
		want++;
		got++;
	}
	fprintf(stderr, "fakekvm: trace differs from %s at line %u:\n"
			"  golden: %.*s\n  actual: %.*s\n"
			"  (CVMM_GOLDEN_UPDATE=1 rewrites it; review the diff)\n",
		path, line, (int)strcspn(want, "\n"), want,
		(int)strcspn(got, "\n"), got);
}

bool fake_check_golden(const struct fake *f, const char *name)
{
	char path[256];
	const char *got = f->trace ? f->trace : "";
	char *want;
	bool same;

	snprintf(path, sizeof(path), "%s/%s.trace", golden_dir(), name);
	if (getenv("CVMM_GOLDEN_UPDATE")) {
		FILE *out = fopen(path, "w");

		if (!out)
			return false;
		fputs(got, out);
		return fclose(out) == 0;
	}
	want = read_all(path);
	if (!want) {
		fprintf(stderr, "fakekvm: no golden trace %s (make "
				"golden-traces writes it)\n", path);
		return false;
	}
	same = strcmp(want, got) == 0;
	if (!same)
		first_difference(want, got, path);
	free(want);
	return same;
}
