// SPDX-License-Identifier: MIT
#include "term.h"

#include <stdbool.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static int saved_fd = -1;

void term_restore(void)
{
	if (saved_fd >= 0)
		tcsetattr(saved_fd, TCSANOW, &saved);
	saved_fd = -1;
}

void term_raw(int fd)
{
	struct termios raw;

	if (!isatty(fd) || tcgetattr(fd, &saved))
		return;
	raw = saved;
	/* No echo, no line editing, no signals: every key goes to the guest. */
	cfmakeraw(&raw);
	raw.c_oflag |= OPOST; /* keep \n -> \r\n for host-side messages */
	if (tcsetattr(fd, TCSANOW, &raw) == 0) {
		saved_fd = fd;
		atexit(term_restore);
	}
}
