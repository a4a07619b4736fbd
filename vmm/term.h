/* SPDX-License-Identifier: MIT */
/*
 * The host terminal: raw mode while a guest owns the console, restored
 * on every way out of cvmm (normal exit or a fatal signal).
 */
#ifndef CVMM_TERM_H
#define CVMM_TERM_H

/* Put fd in raw mode if it is a terminal; restored by term_restore(). */
void term_raw(int fd);
void term_restore(void);

#endif
