# The test kernel's compile and link rules, the same for both
# architectures. Included at the end of build.mk (x86) and arm64/build.mk,
# which set TK_DIR, TK_OBJS, TK_INC (its .stamp rule links the uAPI
# headers), TK_CFLAGS, TK_INCFLAGS, TK_LDFLAGS and TK_LDS (the linker
# script).

$(O)/tk/%.o: $(TK_DIR)/%.c | $(TK_INC)/.stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC [tk] $<")
	$(Q)$(CC) $(TK_INCFLAGS) $(TK_CFLAGS) -c $< -o $@

$(O)/tk/%.o: $(TK_DIR)/%.S | $(TK_INC)/.stamp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AS [tk] $<")
	$(Q)$(CC) $(TK_INCFLAGS) $(TK_CFLAGS) -c $< -o $@

$(O)/testkernel.elf: $(TK_OBJS) $(TK_LDS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(TK_CFLAGS) $(TK_LDFLAGS) -o $@ $(TK_OBJS) -lgcc

-include $(wildcard $(O)/tk/*.d $(O)/tk/arm64/*.d)
