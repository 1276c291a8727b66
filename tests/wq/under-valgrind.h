/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * under-valgrind.h - RUNNING_ON_VALGRIND where valgrind's header is
 * installed, 0 elsewhere: tests shrink their loops or leave out what
 * valgrind cannot execute (MOVDIR64B, UMWAIT).
 */
#ifndef TESTS_WQ_UNDER_VALGRIND_H
#define TESTS_WQ_UNDER_VALGRIND_H

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#endif
