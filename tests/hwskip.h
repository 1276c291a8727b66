/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * hwskip.h - report that a test cannot run on this machine.
 *
 * cmocka's skip() exits 0, so meson would count a test that did not run as
 * passed. A test that needs hardware calls HW_SKIP() instead: one line that
 * tests/run checks against tests/hw-skips, and exit status 77, which meson
 * reports as SKIP. Call it only from a test program that runs one test (a
 * meson test of its own), since it ends the process.
 */
#ifndef LIBPASID_TESTS_HWSKIP_H
#define LIBPASID_TESTS_HWSKIP_H

#include <stdio.h>
#include <stdlib.h>

#define HW_SKIP_STATUS	77

#define HW_SKIP(id, ...)						\
	do {								\
		printf("HW-SKIP " id ": " __VA_ARGS__);			\
		printf("\n");						\
		fflush(stdout);						\
		exit(HW_SKIP_STATUS);					\
	} while (0)

#endif
