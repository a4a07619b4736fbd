# cvmm: one non-recursive Makefile for the VMM, the test kernel and tests.
#   make run        install missing packages, build, boot the test kernel
#   make check      install missing packages, build, run every test
#   make            build/cvmm and build/testkernel.elf only
#   make check-sanitize   the tests under AddressSanitizer + UBSan
#   make bench      benchmarks (tables with ratios against a baseline)
#   make rig-check  the test kernel's suite and the integration tests inside
#                   the rig: Linux 7.3 KVM under QEMU (tests/rig/check.sh;
#                   the kernel is cached in build/rig, or in $$RIG_OUT/kernel)
#   make rig-bench  benchmarks that need KVM, inside the same rig
#                   (tests/rig/bench.sh; tables, no pass/fail on timings)
#   make rig-run RIG_FILES=DIR RIG_CMD='...'  your files and a command
#                   inside the rig (tests/rig/rig-run.sh)
#   make headers    the Linux 7.3 uAPI headers in build/headers-7.3 (from
#                   Debian's linux-source-7.3; cached)
#   make abi-check  lib/kvm_abi.h's values, structs and offsets against
#                   those headers (tests/abi/)
#   make ARCH=arm64 a static arm64 cvmm in build/arm64, cross-compiled
#                   against an arm64 sysroot (scripts/arm64-sysroot.sh)
#   make rig-check-arm64  the suite under pkvm and soft inside the arm64 rig:
#                   Linux 7.3 pKVM under qemu-system-aarch64 (tests/rig-arm64)
#   make rig-run-arm64 RIG_CMD='...' [RIG_FILES=DIR]  your command (and DIR's
#                   files, in /files) inside the arm64 rig

VERSION := 0.1.0
CC ?= cc
PKG_CONFIG ?= pkg-config

# ARCH picks arch/$(ARCH_DIR)/; x86 is the host build, arm64 a cross build.
ifneq ($(filter $(ARCH),arm64 aarch64),)
ARCH_DIR := arm64
O ?= build/arm64
else ifneq ($(filter $(ARCH),x86 x86_64 amd64),$(ARCH))
$(error ARCH=$(ARCH) is not supported: use x86 (the default) or arm64)
else
ARCH_DIR := x86
O ?= build
endif
# Where the arm64 build goes when called from a host make (rig-check-arm64).
ARM64_O := $(if $(filter arm64,$(ARCH_DIR)),$(O),$(O)/arm64)

WARNINGS := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
	-Wshadow -Wundef -Wformat=2 -Wpointer-arith -Wcast-align \
	-Wwrite-strings -Wvla -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
ifeq ($(SANITIZE),1)
CFLAGS += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
endif
# Coverage instrumentation for libFuzzer (clang only; see `make fuzz`).
ifeq ($(FUZZ),1)
CFLAGS += -fsanitize=fuzzer-no-link
endif
CPPFLAGS += -D_GNU_SOURCE -DCVMM_VERSION='"$(VERSION)"' -MMD -MP
ALL_CFLAGS = -std=gnu11 $(WARNINGS) $(CFLAGS)

# The arm64 cross build links against Debian's arm64 libraries, unpacked into
# SYSROOT by scripts/arm64-sysroot.sh (never installed: see the script). The
# sysroot is made through an included makefile, so that make re-reads this
# file once it exists and pkg-config below finds the arm64 .pc files.
CROSS_COMPILE ?= aarch64-linux-gnu-
ifeq ($(ARCH_DIR),arm64)
SYSROOT ?= $(O)/sysroot
CC := $(CROSS_COMPILE)gcc
AR := $(CROSS_COMPILE)ar
CPPFLAGS += -isystem $(SYSROOT)/usr/include
LDFLAGS += -static -L$(SYSROOT)/usr/lib/aarch64-linux-gnu
ifneq ($(filter-out clean,$(or $(MAKECMDGOALS),all)),)
include $(SYSROOT)/sysroot.mk
endif
# Until the sysroot is up to date, pkg-config stays quiet: make remakes it and
# reads this file again.
SYSROOT_READY := $(shell [ $(SYSROOT)/sysroot.mk -nt scripts/arm64-sysroot.sh ] && echo 1)
PKG_CONFIG := $(if $(SYSROOT_READY),PKG_CONFIG_SYSROOT_DIR=$(SYSROOT) \
	PKG_CONFIG_LIBDIR=$(SYSROOT)/usr/lib/aarch64-linux-gnu/pkgconfig:$(SYSROOT)/usr/share/pkgconfig \
	pkg-config,:)
endif

# libfdt ships no .pc file on Debian 12; the others do.
LIBS := $(shell $(PKG_CONFIG) --libs libelf zlib inih libseccomp liburing) -lfdt \
	-lpthread
# The rig's initramfs carries a static cvmm (Debian ships the .a files).
STATIC_LIBS := $(shell $(PKG_CONFIG) --static --libs libelf zlib inih \
	libseccomp liburing) -lfdt -lpthread
ifeq ($(ARCH_DIR),x86)
# SHA-384 for the SEV-SNP and TDX launch measurements (x86-only platforms).
LIBS += $(shell $(PKG_CONFIG) --libs libcrypto)
STATIC_LIBS += $(shell $(PKG_CONFIG) --static --libs libcrypto)
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check)
# The rig also runs a static integration-tests (libcheck.a, libsubunit.a).
STATIC_CHECK_LIBS := $(shell $(PKG_CONFIG) --static --libs check)
else
# The arm64 rig has no shared libraries: cvmm is always static there.
LIBS := $(STATIC_LIBS)
endif

LIB_SRCS := $(filter-out vmm/main.c,$(wildcard vmm/*.c)) \
	$(wildcard mem/*.c) $(wildcard devices/*.c) $(wildcard devices/virtio/*.c) \
	$(wildcard arch/*.c) $(wildcard arch/$(ARCH_DIR)/*.c) $(wildcard lib/*.c) \
	$(wildcard platform/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/obj/%.o)
COMMON_TEST_SRCS := $(wildcard tests/common/*.c)
# The fake KVM (tests/fakekvm/) is linked into the unit tests only.
UNIT_SRCS := $(wildcard tests/unit/*.c) $(wildcard tests/fakekvm/*.c) \
	$(COMMON_TEST_SRCS)
INTEG_SRCS := $(wildcard tests/integration/*.c) $(COMMON_TEST_SRCS)
BENCH_SRCS := $(wildcard tests/bench/*.c)

# The test kernel for the architecture. The arm64 one (issue 12) brings its
# rules for $(O)/testkernel.elf in firmware/testkernel/arm64/build.mk; until
# that file exists, ARCH=arm64 builds cvmm alone.
ifeq ($(ARCH_DIR),arm64)
TESTKERNEL_MK := $(wildcard firmware/testkernel/arm64/build.mk)
else
TESTKERNEL_MK := firmware/testkernel/build.mk
endif
TESTKERNEL := $(if $(TESTKERNEL_MK),$(O)/testkernel.elf)

.PHONY: all deps run check check-all check-unit check-integration check-layers \
	golden-traces check-measure rig-run rig-run-arm64 \
	check-sanitize bench fuzz rig-check rig-check-arm64 rig-bench arm64-host-only \
	headers abi-check clean
all: $(O)/cvmm $(TESTKERNEL)

# The two README commands install what is missing first; the nested make
# then sees the libraries that pkg-config finds.
deps:
	@scripts/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	$(O)/cvmm run --kernel $(O)/testkernel.elf --cmdline test=hello --stats

# V=1 shows the full commands.
Q := $(if $(V),,@)

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(O)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

$(O)/libcvmm.a: $(LIB_OBJS)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

# --as-needed: cvmm installs a filter compiled at build time, so it need not
# load libseccomp at start (the generator, the benchmark and tests use it).
$(O)/cvmm: $(O)/obj/vmm/main.o $(O)/libcvmm.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -Wl,--as-needed -o $@ $^ $(LIBS)

$(O)/static/cvmm: $(O)/obj/vmm/main.o $(O)/libcvmm.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -static -o $@ $^ $(STATIC_LIBS)

# The seccomp filter is compiled at build time: vmm/gen/seccomp_gen.c, built
# for the target (against everything of libcvmm but seccomp.o, which includes
# its output), runs libseccomp on the rules and prints the BPF program. A
# cross build runs it under qemu-user (Debian qemu-user-static).
SECCOMP_GEN_RUN := $(if $(filter arm64,$(ARCH_DIR)),qemu-aarch64-static)
$(O)/gen/libgen.a: $(filter-out $(O)/obj/vmm/seccomp.o,$(LIB_OBJS))
	@mkdir -p $(dir $@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^

$(O)/gen/seccomp-gen: $(O)/obj/vmm/gen/seccomp_gen.o $(O)/gen/libgen.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIBS)

# (Sanitizer builds instrument the generator too; LeakSanitizer would need
# ptrace at build time, and the generator's leaks do not matter.)
$(O)/gen/seccomp_bpf.h: $(O)/gen/seccomp-gen
	@$(if $(Q),echo "  GEN     $@")
	$(Q)$(if $(SECCOMP_GEN_RUN),command -v $(SECCOMP_GEN_RUN) >/dev/null || \
		{ echo "$(SECCOMP_GEN_RUN) is missing: install Debian's qemu-user-static (scripts/deps.sh)"; exit 1; };) \
	ASAN_OPTIONS=detect_leaks=0 $(SECCOMP_GEN_RUN) $< > $@.tmp && mv $@.tmp $@

$(O)/obj/vmm/seccomp.o: $(O)/gen/seccomp_bpf.h
$(O)/obj/vmm/seccomp.o: CPPFLAGS += -I$(O)/gen

# --wrap=munmap: tests/unit/test_teardown.c watches what vm_destroy() unmaps.
$(O)/unit-tests: $(UNIT_SRCS:%.c=$(O)/obj/%.o) $(O)/libcvmm.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -Wl,--wrap=munmap -o $@ $^ $(CHECK_LIBS) $(LIBS)

$(O)/integration-tests: $(INTEG_SRCS:%.c=$(O)/obj/%.o) $(O)/libcvmm.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LIBS)

$(O)/static/integration-tests: $(INTEG_SRCS:%.c=$(O)/obj/%.o) $(O)/libcvmm.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -static -o $@ $^ $(STATIC_CHECK_LIBS) $(STATIC_LIBS)

# The setup benchmark runs cvmm's setup against the fake KVM.
$(O)/bench: $(BENCH_SRCS:%.c=$(O)/obj/%.o) $(O)/obj/tests/common/vqdriver.o \
		$(patsubst %.c,$(O)/obj/%.o,$(wildcard tests/fakekvm/*.c)) \
		$(O)/libcvmm.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

include $(TESTKERNEL_MK)

check-unit: $(O)/unit-tests
	$(O)/unit-tests

# Rewrite the fake KVM's golden traces (tests/fakekvm/golden/) from the
# current code; review the diff before committing it.
golden-traces: $(O)/unit-tests
	CVMM_GOLDEN_UPDATE=1 $(O)/unit-tests
	git diff --stat -- tests/fakekvm/golden

check-integration: $(O)/integration-tests $(O)/cvmm $(O)/testkernel.elf
	CVMM=$(O)/cvmm TESTKERNEL=$(O)/testkernel.elf $(O)/integration-tests

# Includes point down and the core names no x86 identifier (tests/layers).
check-layers:
	tests/layers/check.sh

check: deps
	@$(MAKE) --no-print-directory check-all

check-all: all
	@$(MAKE) --no-print-directory check-layers
	@$(MAKE) --no-print-directory check-unit
	@$(MAKE) --no-print-directory check-measure
	@$(MAKE) --no-print-directory check-integration

# Launch measurements against digests computed without cvmm's C code
# (tests/measure/*.sh: printf, dd and sha384sum against what cvmm prints).
check-measure: $(O)/cvmm
	@set -e; for t in tests/measure/*.sh; do $$t $(O)/cvmm; done

# The test kernel is freestanding and never sanitized; it is shared.
# Sanitized code runs several times slower (rangeset's random test takes
# 12 s under ASan on an idle two-core machine, 38 s on a loaded one,
# against check's 4 s), so check's per-test timeouts are scaled; a hang
# still ends in a failure, only later.
SAN_TIMEOUT_MULTIPLIER ?= 20
check-sanitize: $(O)/testkernel.elf
	$(MAKE) --no-print-directory O=$(O)/san SANITIZE=1 \
		$(O)/san/unit-tests $(O)/san/integration-tests $(O)/san/cvmm
	CK_TIMEOUT_MULTIPLIER=$(SAN_TIMEOUT_MULTIPLIER) \
		ASAN_OPTIONS=detect_leaks=1:handle_segv=0 $(O)/san/unit-tests
	CK_TIMEOUT_MULTIPLIER=$(SAN_TIMEOUT_MULTIPLIER) \
		ASAN_OPTIONS=detect_leaks=1 CVMM=$(O)/san/cvmm \
		TESTKERNEL=$(O)/testkernel.elf $(O)/san/integration-tests

bench: $(O)/bench $(O)/testkernel.elf
	TESTKERNEL=$(O)/testkernel.elf $(O)/bench

# libFuzzer targets (tests/fuzz/fuzz_NAME.c), each run for FUZZ_SECONDS
# (default 60) on its corpus in $(O)/fuzz/corpus-NAME, seeded from the
# committed tests/fuzz/corpus/NAME (virtio writes its own seeds); crashes
# are written to $(O)/fuzz/NAME-*. An input slower than 10 s is a finding.
#   virtio  the descriptor walker and virtio-blk requests
#   config  VM config files (libinih, the option setters, validation)
#   loader  kernel files: gzip inflate, the ELF/PVH parser, the fit check
#   firmware  the end of a firmware image: OVMF footer table, SEV metadata
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := virtio config loader firmware
$(O)/fuzz-virtio: tests/common/vqdriver.c
$(O)/fuzz-%: tests/fuzz/fuzz_%.c $(O)/libcvmm.a $(wildcard tests/fuzz/*.h)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fsanitize=fuzzer \
		$(filter %.c,$^) $(filter %.a,$^) -o $@ $(LIBS)

# -timeout=60: a unit that really hangs still fails the run, while one disk
# flush slowed down by a loaded machine (seen: over 10 s) does not.
fuzz:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory O=$(O)/fuzz CC=clang SANITIZE=1 FUZZ=1 \
		$(FUZZ_TARGETS:%=$(O)/fuzz/fuzz-%)
	@mkdir -p $(FUZZ_TARGETS:%=$(O)/fuzz/corpus-%)
	FUZZ_SEED_DIR=$(O)/fuzz/corpus-virtio $(O)/fuzz/fuzz-virtio -runs=0 \
		$(O)/fuzz/corpus-virtio >/dev/null 2>&1
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
		$(O)/fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -timeout=60 \
			-print_final_stats=1 -artifact_prefix=$(O)/fuzz/$$t- \
			$(O)/fuzz/corpus-$$t \
			$$(test -d tests/fuzz/corpus/$$t && echo tests/fuzz/corpus/$$t); \
	done

# Builds (or reuses) the rig kernel, boots it under QEMU TCG and runs the
# test kernel's suite under sw-protected and soft, then the whole
# integration suite; see tests/rig/check.sh.
rig-check: deps
	@$(MAKE) --no-print-directory all $(O)/static/cvmm \
		$(O)/static/integration-tests
	tests/rig/check.sh $(O)/static/cvmm $(O)/testkernel.elf \
		$(O)/static/integration-tests

# Benchmarks that need KVM, inside the rig (tests/rig/bench.sh; RIG_BENCH picks
# sections). RIG_BENCH_BASELINE=FILE adds another static cvmm, measured in the
# same run for a before/after comparison.
$(O)/static/rigtool: tests/rig/rigtool.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -static -o $@ $<

rig-bench: deps
	@$(MAKE) --no-print-directory all $(O)/static/cvmm $(O)/static/rigtool \
		$(O)/bench
	tests/rig/bench.sh $(O)/static/cvmm $(O)/testkernel.elf \
		$(O)/static/rigtool $(O)/bench $(RIG_BENCH_BASELINE)

# Your own files and command inside the rig, e.g. a kernel of yours under
# real private memory: make rig-run RIG_FILES=DIR RIG_CMD='cvmm run ...'
# (tests/rig/rig-run.sh; DIR is /files there, the status is the command's).
rig-run: deps
	@$(MAKE) --no-print-directory $(O)/static/cvmm
	@# From the environment (make exports command-line variables), so that
	@# quotes inside RIG_CMD survive; make still expands $ in it ($$ for $).
	tests/rig/rig-run.sh $(O)/static/cvmm "$$RIG_FILES" "$$RIG_CMD"

# The Linux 7.3 uAPI headers (scripts/headers.sh; cached by the stamp).
HEADERS_DIR := $(O)/headers-7.3
headers: deps
	@scripts/headers.sh $(HEADERS_DIR)

$(HEADERS_DIR)/.stamp:
	@scripts/headers.sh $(HEADERS_DIR)

# tests/abi/table.c twice: the project side on the system's 6.1 headers and
# lib/kvm_abi.h, the kernel side on the 7.3 headers alone; abi-check
# compares the two tables, and coverage.sh makes sure the list names
# everything lib/kvm_abi.h defines.
ABI_LIST := tests/abi/kvm_abi_list.h
$(O)/abi/undef.h: $(ABI_LIST)
	@mkdir -p $(dir $@)
	$(Q)sed -n 's/^[ \t]*ABI_MACRO(\([A-Za-z0-9_]*\)).*/#undef \1/p' $< > $@

ABI_OBJ := $(O)/obj/tests/abi
$(ABI_OBJ)/table-project.o: tests/abi/table.c $(ABI_LIST) lib/kvm_abi.h \
		$(O)/abi/undef.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (lib/kvm_abi.h)")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -DABI_SIDE_PROJECT -I$(O)/abi \
		-c $< -o $@

$(ABI_OBJ)/table-kernel.o: tests/abi/table.c $(ABI_LIST) $(HEADERS_DIR)/.stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $< (Linux 7.3 headers)")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -DABI_SIDE_KERNEL \
		-isystem $(HEADERS_DIR)/include -c $< -o $@

$(O)/abi-check: $(ABI_OBJ)/main.o $(ABI_OBJ)/table-project.o \
		$(ABI_OBJ)/table-kernel.o
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^

abi-check: headers
	@$(MAKE) --no-print-directory $(O)/abi-check
	tests/abi/coverage.sh lib/kvm_abi.h $(ABI_LIST)
	$(O)/abi-check "Linux 7.3 ($(HEADERS_DIR))"

# The arm64 rig: the suite under pkvm and soft inside Linux 7.3 pKVM under
# qemu-system-aarch64 (tests/rig-arm64/check.sh, which says so and fails while
# there is no arm64 cvmm to run). Works from the host build and from ARCH=arm64.
rig-check-arm64:
	$(if $(wildcard arch/arm64/*.c),@$(MAKE) --no-print-directory ARCH=arm64 \
		O=$(ARM64_O) CC=$(CROSS_COMPILE)gcc AR=$(CROSS_COMPILE)ar all)
	ARM64_SYSROOT=$(ARM64_O)/sysroot tests/rig-arm64/check.sh \
		$(ARM64_O)/cvmm $(ARM64_O)/testkernel.elf

# Your own command inside the arm64 rig: make rig-run-arm64 RIG_CMD='...'
# [RIG_FILES=DIR] (tests/rig-arm64/rig-run.sh; DIR is /files in the rig).
rig-run-arm64:
	$(if $(wildcard arch/arm64/*.c),@$(MAKE) --no-print-directory ARCH=arm64 \
		O=$(ARM64_O) CC=$(CROSS_COMPILE)gcc AR=$(CROSS_COMPILE)ar all)
	ARM64_SYSROOT=$(ARM64_O)/sysroot RIG_CMD="$$RIG_CMD" RIG_FILES="$$RIG_FILES" \
		tests/rig-arm64/rig-run.sh $(ARM64_O)/cvmm $(ARM64_O)/testkernel.elf

ifeq ($(ARCH_DIR),arm64)
$(SYSROOT)/sysroot.mk: scripts/arm64-sysroot.sh
	scripts/arm64-sysroot.sh $(SYSROOT)
	@echo '# made by scripts/arm64-sysroot.sh' > $@

# Tests and tools run on the host build; the arm64 build is for the arm64 rig.
run check check-all check-unit check-integration check-sanitize bench fuzz \
		rig-check rig-bench: arm64-host-only
arm64-host-only:
	@echo "make: ARCH=arm64 builds cvmm for the arm64 rig only; run" \
		"'$(MAKECMDGOALS)' without ARCH=arm64 (make rig-check-arm64 runs the" \
		"suite on arm64)" >&2
	@exit 1
endif

clean:
	rm -rf $(O)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
