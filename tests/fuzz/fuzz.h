/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz.h - what the fuzz targets share: a check that aborts with a message. */
#ifndef LIBPASID_TESTS_FUZZ_H
#define LIBPASID_TESTS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A broken property is a crash for libFuzzer: abort() with the reason. */
#define FUZZ_CHECK(cond, ...)							\
	do {									\
		if (!(cond)) {							\
			fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,	\
				__LINE__, #cond);				\
			fprintf(stderr, __VA_ARGS__);				\
			fputc('\n', stderr);					\
			abort();						\
		}								\
	} while (0)

#endif
