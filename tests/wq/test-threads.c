// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-threads.c - several threads, each with its own handle (portal) on
 * one SIMULATED shared WQ and on distinct dedicated WQs, submitting and
 * checking at the same time; handles opened and closed while others run.
 * Meant for ThreadSanitizer as well (tests/stress/tsan.sh style builds).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wq-test.h"

#define THREADS	4
#define ROUNDS	2000

struct worker {
	pthread_t t;
	struct pasid_ctx *ctx;
	const char *name;
	int id;
	int errors;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct pasid_wq *wq = NULL;
	_Alignas(64) struct dsa_hw_desc d;
	/* IAA records are 64 bytes (struct iax_completion_record), 64-aligned */
	_Alignas(64) union {
		struct dsa_completion_record c;
		uint8_t raw[64];
	} cr;
	struct dsa_completion_record *cp = &cr.c;
	uint8_t src[512], dst[512];

	if (pasid_wq_open(w->ctx, w->name, 0, &wq)) {
		w->errors++;
		return NULL;
	}
	for (int i = 0; i < ROUNDS; i++) {
		uint32_t len = 1 + (uint32_t)((i * 37 + w->id) % 512);

		memset(src, (uint8_t)(i + w->id), len);
		memset(dst, 0, sizeof(dst));
		wqt_desc(&d, DSA_OPCODE_MEMMOVE, cp);
		d.src_addr = (uintptr_t)src;
		d.dst_addr = (uintptr_t)dst;
		d.xfer_size = len;
		memset(&cr, 0, sizeof(cr));
		if (pasid_wq_submit(wq, &d) || pasid_wq_wait(wq, cp, 5 * SEC) ||
		    cp->status != DSA_COMP_SUCCESS || memcmp(src, dst, len))
			w->errors++;
		if (i % 500 == 499) {	/* a new portal while the others run */
			pasid_wq_close(wq);
			if (pasid_wq_open(w->ctx, w->name, 0, &wq)) {
				w->errors++;
				return NULL;
			}
		}
	}
	pasid_wq_close(wq);
	return NULL;
}

static void test_threads(void **state)
{
	struct pasid_ctx *ctx = wqt_sim_ctx();
	static const char *const names[] = { "dsa0/wq0.0", "dsa0/wq0.0", "dsa0/wq0.0",
					     "dsa0/wq0.0", "dsa2/wq2.1", "iax1/wq1.1" };
	struct worker w[THREADS + 2];

	(void)state;
	for (int i = 0; i < THREADS + 2; i++) {
		w[i] = (struct worker){ .ctx = ctx, .name = names[i], .id = i };
		assert_int_equal(pthread_create(&w[i].t, NULL, work, &w[i]), 0);
	}
	for (int i = 0; i < THREADS + 2; i++) {
		pthread_join(w[i].t, NULL);
		if (w[i].errors)
			fail_msg("thread %d (%s): %d errors", i, w[i].name, w[i].errors);
	}
	pasid_ctx_unref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
