// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: a VM config file (vmm/config_file.c on libinih, the
 * option setters of vmm/options.c, then the checks of config_validate()).
 * Any input must end in success or one error line naming the file, never
 * a crash, a hang or a leak. Seeds: tests/fuzz/corpus/config/.
 */
#include <stdint.h>
#include <string.h>

#include "../../lib/log.h"
#include "../../vmm/config_file.h"
#include "../../vmm/options.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_level = LOG_QUIET;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vm_config c;
	const char *path = fuzz_input_file(data, size);
	char err[512];

	config_defaults(&c);
	err[0] = 0;
	if (config_load_file(&c, path, err, sizeof(err))) {
		/* An error is one line that names the file. */
		if (!strstr(err, path) || strchr(err, '\n'))
			abort();
		return 0;
	}
	if (config_validate(&c, err, sizeof(err)) && strchr(err, '\n'))
		abort();
	return 0;
}
