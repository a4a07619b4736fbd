// SPDX-License-Identifier: MIT
#include "launch.h"

#include <errno.h>
#include <stdio.h>

#include "../lib/util.h"

const char *launch_kind_name(enum launch_kind k)
{
	static const char *const names[LAUNCH_KINDS] = {
		[LAUNCH_KERNEL] = "kernel",
		[LAUNCH_BOOT_DATA] = "boot-data",
		[LAUNCH_FIRMWARE] = "firmware",
		[LAUNCH_ZERO] = "zero",
		[LAUNCH_SECRETS] = "secrets",
		[LAUNCH_CPU_INFO] = "cpu-info",
	};

	return (unsigned int)k < LAUNCH_KINDS ? names[k] : "?";
}

int launch_add(struct launch_list *l, uint64_t gpa, const void *data,
	       uint64_t len, enum launch_kind kind, const char *what)
{
	uint64_t end;

	if (!range_end(gpa, len, &end) || (unsigned int)kind >= LAUNCH_KINDS ||
	    !data != !launch_kind_has_data(kind))
		return -EINVAL;
	for (unsigned int i = 0; i < l->n; i++)
		if (ranges_overlap(gpa, len, l->item[i].gpa, l->item[i].len))
			return -EINVAL;
	if (l->n == LAUNCH_MAX)
		return -ENOSPC;
	l->item[l->n] = (struct launch_item){ gpa, len, data, kind, "" };
	snprintf(l->item[l->n].what, sizeof(l->item[l->n].what), "%s", what);
	l->n++;
	return 0;
}

void launch_describe(FILE *f, const struct launch_list *l)
{
	for (unsigned int i = 0; i < l->n; i++) {
		const struct launch_item *it = &l->item[i];

		fprintf(f, "vm: launch %u: gpa 0x%llx-0x%llx %s (%s)\n", i,
			(unsigned long long)it->gpa,
			(unsigned long long)(it->gpa + it->len - 1), it->what,
			launch_kind_name(it->kind));
	}
}
