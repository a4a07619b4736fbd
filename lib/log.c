// SPDX-License-Identifier: MIT
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum log_level log_level = LOG_WARN;
bool (*log_write)(const char *line, size_t len);

static const char *const level_names[] = {
	[LOG_ERR] = "error",
	[LOG_WARN] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

int log_level_parse(const char *s, enum log_level *out)
{
	for (unsigned int i = 0; i < sizeof(level_names) / sizeof(*level_names);
	     i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

void log_msg(enum log_level lvl, const char *func, bool with_errno,
	     const char *fmt, ...)
{
	int saved = errno;
	char buf[512], line[640];
	va_list ap;
	int n;

	if (lvl > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/*
	 * One write per message keeps lines from different threads whole.
	 * The function name is noise for users and only shown at debug level.
	 */
	n = snprintf(line, sizeof(line), "cvmm: %s: %s%s%s%s%s\n",
		     level_names[lvl], log_level >= LOG_DEBUG ? func : "",
		     log_level >= LOG_DEBUG ? ": " : "", buf,
		     with_errno ? ": " : "", with_errno ? strerror(saved) : "");
	if (n >= (int)sizeof(line)) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (n > 0 && !(log_write && log_write(line, (size_t)n)))
		fputs(line, stderr);
	errno = saved;
}

bool log_ratelimit_ok(struct log_ratelimit *rl, unsigned int burst)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	/* Racy across threads by design: an extra line is harmless. */
	if (rl->window != ts.tv_sec) {
		rl->window = ts.tv_sec;
		rl->count = 0;
	}
	return rl->count++ < burst;
}
