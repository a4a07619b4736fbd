# The arm64 test kernel: the shared test logic (firmware/testkernel/*.c
# listed below) and arm64/*.{c,S}, cross-compiled with $(CC) (the
# aarch64-linux-gnu gcc of make ARCH=arm64) into an ELF linked at the start
# of RAM and entered at e_entry. Included by the top-level Makefile.

TK_DIR := firmware/testkernel
TK_SHARED := lib.c pv_dev.c fdt.c bounce.c virtio.c dispatch.c t_common.c t_virtio.c \
	t_dma.c t_blkbench.c
TK_SRCS := $(addprefix $(TK_DIR)/,$(TK_SHARED)) $(wildcard $(TK_DIR)/arm64/*.c) \
	$(wildcard $(TK_DIR)/arm64/*.S)
TK_OBJS := $(patsubst $(TK_DIR)/%,$(O)/tk/%.o,$(basename $(TK_SRCS)))
# No FP/SIMD (the kernel never enables it), no outline atomics (they need
# libc's HWCAP probe), no loop-to-memcpy rewriting inside memcpy itself.
TK_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -ffreestanding -fno-pic -fno-pie \
	-mgeneral-regs-only -mno-outline-atomics -mbranch-protection=none \
	-fno-stack-protector -fno-builtin -fno-tree-loop-distribute-patterns \
	-fno-asynchronous-unwind-tables -mcmodel=small -MMD -MP
# Headers: the compiler's freestanding ones and the kernel's arm64 uAPI
# headers (the virtio ABI), from Debian's linux-libc-dev-arm64-cross, and
# nothing of libc.
TK_INC := $(O)/tk/include
TK_UAPI := $(firstword $(wildcard /usr/aarch64-linux-gnu/include) \
	$(SYSROOT)/usr/include)
TK_INCFLAGS := -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-isystem $(TK_INC)
TK_LDS := $(TK_DIR)/arm64/kernel.ld
TK_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(TK_LDS) \
	-Wl,--build-id=none -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack

$(TK_INC)/.stamp:
	@mkdir -p $(TK_INC)
	$(Q)for d in linux asm asm-generic; do ln -sfn $(TK_UAPI)/$$d $(TK_INC)/$$d; done
	$(Q)test -f $(TK_INC)/linux/types.h -a -f $(TK_INC)/asm/types.h || \
		{ echo "testkernel: no arm64 kernel uAPI headers (linux-libc-dev-arm64-cross)"; exit 1; }
	@touch $@

include $(TK_DIR)/rules.mk
