# The test kernel: freestanding C and a little assembly, built with the host
# compiler into an ELF with a PVH note. Included by the top-level Makefile.

TK_DIR := firmware/testkernel
TK_SRCS := $(wildcard $(TK_DIR)/*.c) $(wildcard $(TK_DIR)/*.S)
TK_OBJS := $(patsubst %,$(O)/tk/%.o,$(basename $(notdir $(TK_SRCS))))
TK_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -ffreestanding -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-builtin \
	-fno-asynchronous-unwind-tables -fcf-protection=none -mcmodel=small \
	-MMD -MP
# Headers: the compiler's own freestanding ones (stdint.h, stddef.h, ...)
# and the kernel's uAPI headers (linux/, asm/, asm-generic/: the virtio ABI
# in devices/virtio/virtio.h), and nothing of libc. -nostdinc drops
# /usr/include; TK_INC links back only the three kernel directories, so an
# accidental libc include fails to compile.
TK_INC := $(O)/tk/include
TK_MULTIARCH := $(or $(shell $(CC) -print-multiarch 2>/dev/null),x86_64-linux-gnu)
TK_INCFLAGS := -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-isystem $(TK_INC)
TK_LDS := $(TK_DIR)/kernel.ld
TK_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(TK_LDS) \
	-Wl,--build-id=none -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack

$(TK_INC)/.stamp:
	@mkdir -p $(TK_INC)
	$(Q)ln -sfn /usr/include/linux $(TK_INC)/linux
	$(Q)ln -sfn /usr/include/asm-generic $(TK_INC)/asm-generic
	$(Q)ln -sfn $(firstword $(wildcard /usr/include/$(TK_MULTIARCH)/asm \
		/usr/include/asm)) $(TK_INC)/asm
	$(Q)test -f $(TK_INC)/linux/types.h -a -f $(TK_INC)/asm/types.h || \
		{ echo "testkernel: no kernel uAPI headers (linux-libc-dev)"; exit 1; }
	@touch $@

include $(TK_DIR)/rules.mk
