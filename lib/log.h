/* SPDX-License-Identifier: MIT */
/*
 * Logging: four printf-checked levels, written to stderr with the calling
 * function's name. The level is the project's only global.
 */
#ifndef CVMM_LOG_H
#define CVMM_LOG_H

#include <stdbool.h>
#include <stddef.h>

/* LOG_QUIET prints nothing (unit tests of error paths use it). */
enum log_level { LOG_QUIET = -1, LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_level;

/* Parse "error|warn|info|debug"; returns 0 or -EINVAL. */
int log_level_parse(const char *s, enum log_level *out)
	__attribute__((warn_unused_result));

void log_msg(enum log_level lvl, const char *func, bool with_errno,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * When set, each line goes here first (lib/outbuf.c: the console buffer
 * of the same file, when stderr is the terminal or `2>&1`), so a log line
 * keeps its place among the guest's output and never blocks a stop. A
 * false return means "not taken": the line goes to stderr directly.
 */
extern bool (*log_write)(const char *line, size_t len);

#define log_err(...) log_msg(LOG_ERR, __func__, false, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __func__, false, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __func__, false, __VA_ARGS__)
#define log_debug(...)                                                  \
	do {                                                            \
		if (log_level >= LOG_DEBUG)                             \
			log_msg(LOG_DEBUG, __func__, false, __VA_ARGS__); \
	} while (0)
/* The _errno variants append strerror(errno). */
#define log_err_errno(...) log_msg(LOG_ERR, __func__, true, __VA_ARGS__)
#define log_warn_errno(...) log_msg(LOG_WARN, __func__, true, __VA_ARGS__)

/*
 * Guest-triggered warnings go through this: at most `burst` messages per
 * call site and per second, so a hostile guest cannot flood the log.
 */
struct log_ratelimit {
	long window;
	unsigned int count;
};

bool log_ratelimit_ok(struct log_ratelimit *rl, unsigned int burst);

#define log_warn_rl(...)                                        \
	do {                                                    \
		static struct log_ratelimit rl_;                \
		if (log_ratelimit_ok(&rl_, 5))                  \
			log_warn(__VA_ARGS__);                  \
	} while (0)

#endif
