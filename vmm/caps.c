// SPDX-License-Identifier: MIT
#include "caps.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../lib/kvm.h"
#include "../arch/arch.h"
#include "../platform/platform.h"
#include "../lib/util.h"

static void row(FILE *f, const char *feature, bool yes, const char *detail)
{
	fprintf(f, "%-44s %-4s %s\n", feature, yes ? "yes" : "no", detail);
}

static void vm_types(FILE *f, int sys_fd)
{
	long types = kvm_cap(sys_fd, KVM_CAP_VM_TYPES);
	const char *name;
	char label[64];

	for (unsigned int t = 0; (name = arch_vm_type_name(t)); t++) {
		snprintf(label, sizeof(label), "VM type %u (%s)", t, name);
		/* Without KVM_CAP_VM_TYPES only the default type exists. */
		row(f, label, t == 0 ? true : (types >> t) & 1,
		    types ? "KVM_CAP_VM_TYPES" : "no KVM_CAP_VM_TYPES");
	}
}

static void guest_memfd(FILE *f, int sys_fd)
{
	int vm_fd = kvm_ioctl_raw(sys_fd, KVM_CREATE_VM, 0);
	long flags = vm_fd >= 0 ? kvm_cap(vm_fd, KVM_CAP_GUEST_MEMFD_FLAGS) : 0;

	row(f, "guest_memfd", kvm_cap(sys_fd, KVM_CAP_GUEST_MEMFD),
	    "KVM_CAP_GUEST_MEMFD");
	row(f, "guest_memfd flag MMAP", flags & GUEST_MEMFD_FLAG_MMAP,
	    "KVM_CAP_GUEST_MEMFD_FLAGS on a default VM");
	row(f, "guest_memfd flag INIT_SHARED",
	    flags & GUEST_MEMFD_FLAG_INIT_SHARED,
	    "KVM_CAP_GUEST_MEMFD_FLAGS on a default VM");
	if (vm_fd >= 0)
		close(vm_fd);
}

static void memory_caps(FILE *f, int sys_fd)
{
	long hc = kvm_cap(sys_fd, KVM_CAP_EXIT_HYPERCALL);

	row(f, "KVM_SET_USER_MEMORY_REGION2",
	    kvm_cap(sys_fd, KVM_CAP_USER_MEMORY2), "KVM_CAP_USER_MEMORY2");
	row(f, "memory attributes (PRIVATE)",
	    kvm_cap(sys_fd, KVM_CAP_MEMORY_ATTRIBUTES) &
		    KVM_MEMORY_ATTRIBUTE_PRIVATE,
	    "KVM_CAP_MEMORY_ATTRIBUTES");
	row(f, "memory-fault exits", kvm_cap(sys_fd, KVM_CAP_MEMORY_FAULT_INFO),
	    "KVM_CAP_MEMORY_FAULT_INFO");
	row(f, "hypercall exits (KVM_HC_MAP_GPA_RANGE)",
	    hc & (1L << KVM_HC_MAP_GPA_RANGE),
	    "KVM_CAP_EXIT_HYPERCALL (reported; delivery is not probed)");
}

static void caps_row(void *ctx, const char *feature, bool yes,
		     const char *detail)
{
	row(ctx, feature, yes, detail);
}

/* What backs each platform's RAM (platform.h: the backing property). */
static const char *const backing_text[] = {
	[RAM_GMEM_IN_PLACE] = "one guest_memfd, shared pages mapped in place",
	[RAM_GMEM_AND_MEMFD] = "guest_memfd for private pages, a memfd for "
			       "shared ones",
	[RAM_MEMFD_ONLY] = "a memfd per memslot, because the kernel "
			   "refuses guest_memfd for protected memory (the "
			   "first KVM_RUN fails with EIO)",
};

static void platform_caps(FILE *f, int sys_fd)
{
	char label[64], detail[160];
	const struct platform *p;
	const char *missing;

	for (unsigned int i = 0; (p = platform_at(i)); i++) {
		bool ok = platform_probe(p, sys_fd, &missing) == 0;

		snprintf(label, sizeof(label), "cvmm platform %s", p->name);
		snprintf(detail, sizeof(detail), "%s%s", ok ? "" : "lacks ",
			 ok ? p->summary : missing);
		row(f, label, ok, detail);
		if (p->caps)
			p->caps(sys_fd, caps_row, f);

		snprintf(label, sizeof(label), "  %s RAM in guest_memfd", p->name);
		row(f, label, p->backing != RAM_MEMFD_ONLY,
		    backing_text[p->backing]);
	}
}

int caps_print(FILE *f)
{
	int sys_fd = kvm_open_system();

	if (sys_fd < 0) {
		fprintf(stderr, "cvmm: error: cannot use /dev/kvm: %s\n",
			strerror(-sys_fd));
		return 2;
	}
	fprintf(f, "%-44s %-4s %s\n", "feature", "", "from");
	vm_types(f, sys_fd);
	guest_memfd(f, sys_fd);
	memory_caps(f, sys_fd);
	row(f, "in-kernel irqchip", kvm_cap(sys_fd, KVM_CAP_IRQCHIP),
	    "KVM_CAP_IRQCHIP");
	row(f, "irqfd", kvm_cap(sys_fd, KVM_CAP_IRQFD), "KVM_CAP_IRQFD");
	row(f, "ioeventfd", kvm_cap(sys_fd, KVM_CAP_IOEVENTFD),
	    "KVM_CAP_IOEVENTFD");
	platform_caps(f, sys_fd);
	close(sys_fd);
	return 0;
}
