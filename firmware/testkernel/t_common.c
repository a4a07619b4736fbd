/* Tests that are the same on every architecture and need no device. */
#include "kernel.h"

void t_exit(const char *arg)
{
	uint64_t status;

	if (!parse_u64(arg, &status) || status > 255) {
		check(false, "exit:N needs N in 0..255, got '%s'", arg);
		return;
	}
	printk("exiting with status %lu\n", status);
	vm_exit((uint32_t)status);
}
