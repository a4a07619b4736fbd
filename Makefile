# cvmm: one non-recursive Makefile for the VMM, the test kernel and tests.
#   make run        install missing packages, build, boot the test kernel
#   make check      install missing packages, build, run every test
#   make            build/cvmm and build/testkernel.elf only
#   make check-sanitize   the tests under AddressSanitizer + UBSan
#   make bench      benchmarks (tables with ratios against a baseline)
#   make rig-check  the suite inside the rig: Linux 7.3 KVM under QEMU
#                   (tests/rig/check.sh; the kernel is cached in build/rig,
#                   or in $$RIG_OUT/kernel)

VERSION := 0.1.0
O ?= build
CC ?= cc
PKG_CONFIG ?= pkg-config

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

# libfdt ships no .pc file on Debian 12; the others do.
LIBS := $(shell $(PKG_CONFIG) --libs libelf zlib inih liburing) -lfdt \
	-lpthread
# The rig's initramfs carries a static cvmm (Debian ships the .a files).
STATIC_LIBS := $(shell $(PKG_CONFIG) --static --libs libelf zlib inih \
	liburing) -lfdt -lpthread
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS := $(shell $(PKG_CONFIG) --libs check)

LIB_SRCS := $(filter-out vmm/main.c,$(wildcard vmm/*.c)) \
	$(wildcard mem/*.c) $(wildcard devices/*.c) $(wildcard devices/virtio/*.c) \
	$(wildcard arch/x86/*.c) $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(O)/obj/%.o)
COMMON_TEST_SRCS := $(wildcard tests/common/*.c)
UNIT_SRCS := $(wildcard tests/unit/*.c) $(COMMON_TEST_SRCS)
INTEG_SRCS := $(wildcard tests/integration/*.c) $(COMMON_TEST_SRCS)
BENCH_SRCS := $(wildcard tests/bench/*.c)

.PHONY: all deps run check check-all check-unit check-integration \
	check-sanitize bench fuzz rig-check clean
all: $(O)/cvmm $(O)/testkernel.elf

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
	$(Q)ar rcs $@ $^

$(O)/cvmm: $(O)/obj/vmm/main.o $(O)/libcvmm.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(O)/static/cvmm: $(O)/obj/vmm/main.o $(O)/libcvmm.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -static -o $@ $^ $(STATIC_LIBS)

$(O)/unit-tests: $(UNIT_SRCS:%.c=$(O)/obj/%.o) $(O)/libcvmm.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LIBS)

$(O)/integration-tests: $(INTEG_SRCS:%.c=$(O)/obj/%.o) $(O)/libcvmm.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LIBS)

$(O)/bench: $(BENCH_SRCS:%.c=$(O)/obj/%.o) $(O)/obj/tests/common/vqdriver.o \
		$(O)/libcvmm.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

include firmware/testkernel/build.mk

check-unit: $(O)/unit-tests
	$(O)/unit-tests

check-integration: $(O)/integration-tests $(O)/cvmm $(O)/testkernel.elf
	CVMM=$(O)/cvmm TESTKERNEL=$(O)/testkernel.elf $(O)/integration-tests

check: deps
	@$(MAKE) --no-print-directory check-all

check-all: all
	@$(MAKE) --no-print-directory check-unit
	@$(MAKE) --no-print-directory check-integration

# The test kernel is freestanding and never sanitized; it is shared.
check-sanitize: $(O)/testkernel.elf
	$(MAKE) --no-print-directory O=$(O)/san SANITIZE=1 \
		$(O)/san/unit-tests $(O)/san/integration-tests $(O)/san/cvmm
	ASAN_OPTIONS=detect_leaks=1:handle_segv=0 $(O)/san/unit-tests
	ASAN_OPTIONS=detect_leaks=1 CVMM=$(O)/san/cvmm \
		TESTKERNEL=$(O)/testkernel.elf $(O)/san/integration-tests

bench: $(O)/bench
	$(O)/bench

# libFuzzer on the virtio descriptor walker and virtio-blk requests, for
# FUZZ_SECONDS (default 60); crashes are written to $(O)/fuzz/.
FUZZ_SECONDS ?= 60
$(O)/fuzz-virtio: tests/fuzz/fuzz_virtio.c tests/common/vqdriver.c $(O)/libcvmm.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fsanitize=fuzzer $^ -o $@ $(LIBS)

fuzz:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory O=$(O)/fuzz CC=clang SANITIZE=1 FUZZ=1 \
		$(O)/fuzz/fuzz-virtio
	@mkdir -p $(O)/fuzz/corpus
	FUZZ_SEED_DIR=$(O)/fuzz/corpus $(O)/fuzz/fuzz-virtio -runs=0 \
		$(O)/fuzz/corpus >/dev/null 2>&1
	$(O)/fuzz/fuzz-virtio -max_total_time=$(FUZZ_SECONDS) \
		-print_final_stats=1 -artifact_prefix=$(O)/fuzz/ $(O)/fuzz/corpus

# Builds (or reuses) the rig kernel, boots it under QEMU TCG and runs the
# test kernel's suite under sw-protected and soft; see tests/rig/check.sh.
rig-check: deps
	@$(MAKE) --no-print-directory all $(O)/static/cvmm
	tests/rig/check.sh $(O)/static/cvmm $(O)/testkernel.elf

clean:
	rm -rf $(O)

-include $(shell find $(O)/obj -name '*.d' 2>/dev/null)
