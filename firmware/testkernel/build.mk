# The test kernel: freestanding C and a little assembly, built with the host
# compiler into an ELF with a PVH note. Included by the top-level Makefile.

TK_DIR := firmware/testkernel
TK_SRCS := $(wildcard $(TK_DIR)/*.c) $(wildcard $(TK_DIR)/*.S)
TK_OBJS := $(patsubst %,$(O)/tk/%.o,$(basename $(notdir $(TK_SRCS))))
TK_CFLAGS := -std=gnu11 -O2 -g $(WARNINGS) -ffreestanding -fno-pic -fno-pie \
	-mno-red-zone -mgeneral-regs-only -fno-stack-protector -fno-builtin \
	-fno-asynchronous-unwind-tables -fcf-protection=none -mcmodel=small \
	-MMD -MP
TK_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,$(TK_DIR)/kernel.ld \
	-Wl,--build-id=none -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack

$(O)/tk/%.o: $(TK_DIR)/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC [tk] $<")
	$(Q)$(CC) $(TK_CFLAGS) -c $< -o $@

$(O)/tk/%.o: $(TK_DIR)/%.S
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS [tk] $<")
	$(Q)$(CC) $(TK_CFLAGS) -c $< -o $@

$(O)/testkernel.elf: $(TK_OBJS) $(TK_DIR)/kernel.ld
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(TK_CFLAGS) $(TK_LDFLAGS) -o $@ $(TK_OBJS) -lgcc

-include $(wildcard $(O)/tk/*.d)
