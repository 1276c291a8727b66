// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-threads.c - several threads, each with its own handle (portal) on
 * one SIMULATED shared WQ and on distinct dedicated WQs, submitting and
 * checking at the same time; handles opened and closed while others run.
 * Meant for ThreadSanitizer as well (tests/stress/tsan.sh style builds).
 * Also: threads racing to open the last portals of a WQ never get more than
 * its 64, and every open portal is served (the oldest one included).
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
#include <time.h>

#include <cmocka.h>

#include "wq-test.h"
#include "../../lib/wq/engine.h"	/* the doorbell: engine->sleeping */
#include "../../lib/wq/wq_internal.h"

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

/* ---- the 64-portal limit under racing opens ---------------------------- */

#define MAX_PORTALS	64	/* handles one simulated WQ serves */
#define RACERS		8
#define RACE_ROUNDS	150

struct racer {
	pthread_t t;
	struct pasid_ctx *ctx;
	pthread_barrier_t *go;
	struct pasid_wq *wq;
	int err;
};

static void *race_open(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->go);
	r->wq = NULL;
	r->err = pasid_wq_open(r->ctx, "dsa0/wq0.0", 0, &r->wq);
	return NULL;
}

/* A no-op with a record through @wq completes. */
static bool served(struct pasid_wq *wq)
{
	_Alignas(64) struct dsa_hw_desc d;
	_Alignas(64) struct dsa_completion_record cr;

	wqt_desc(&d, DSA_OPCODE_NOOP, &cr);
	memset(&cr, 0, sizeof(cr));
	return !pasid_wq_submit(wq, &d) && !pasid_wq_wait(wq, &cr, 5 * SEC) &&
	       cr.status == DSA_COMP_SUCCESS;
}

/*
 * 62 handles open, then RACERS threads open at once: exactly two may
 * succeed, the others get -EMFILE, whatever the interleaving. Before the
 * limit was checked under the engine's lock, several racers passed the
 * check together and the WQ ended with more than 64 portals, of which the
 * engine never served the oldest.
 */
static void test_portal_limit_race(void **state)
{
	struct pasid_ctx *ctx = wqt_sim_ctx();
	struct pasid_wq *held[MAX_PORTALS];
	struct racer r[RACERS];
	pthread_barrier_t go;
	int over = 0;

	(void)state;
	for (int i = 0; i < MAX_PORTALS - 2; i++)
		held[i] = wqt_open(ctx, "dsa0/wq0.0");
	for (int round = 0; round < RACE_ROUNDS; round++) {
		int ok = 0;

		assert_int_equal(pthread_barrier_init(&go, NULL, RACERS), 0);
		for (int i = 0; i < RACERS; i++) {
			r[i] = (struct racer){ .ctx = ctx, .go = &go };
			assert_int_equal(pthread_create(&r[i].t, NULL, race_open, &r[i]), 0);
		}
		for (int i = 0; i < RACERS; i++)
			pthread_join(r[i].t, NULL);
		pthread_barrier_destroy(&go);
		for (int i = 0; i < RACERS; i++) {
			if (!r[i].err)
				ok++;
			else if (r[i].err != -EMFILE)
				fail_msg("round %d: racer %d: %d, wanted 0 or -EMFILE", round, i,
					 r[i].err);
		}
		if (ok != 2)
			over++;
		/* the first handle opened, the oldest portal, is still served */
		if (!served(held[0]))
			fail_msg("round %d: %d portals open: the oldest one is not served", round,
				 MAX_PORTALS - 2 + ok);
		for (int i = 0; i < RACERS; i++)
			pasid_wq_close(r[i].wq);
		if (over)
			fail_msg("round %d: %d racing opens succeeded with 2 portals left", round,
				 ok);
	}
	for (int i = 0; i < MAX_PORTALS - 2; i++)
		pasid_wq_close(held[i]);
	pasid_ctx_unref(ctx);
}

/* ---- the doorbell: submissions racing the engine going to sleep -------- */

#define DOORBELL_ROUNDS	1500

static uint64_t wqt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Each round: one descriptor, then a pause of 0 to 120 us (around the 50 us
 * the engine spins before it sleeps), or until the engine says it is going
 * to sleep, then the next one. The engine sleeps without a timeout, so a
 * lost wake-up hangs the wait: it must finish within 5 s every time. Once
 * with membarrier() on the sleeping side (where the kernel has it), once
 * with the submitter's fence.
 */
static void doorbell_rounds(bool fence)
{
	struct pasid_ctx *ctx = wqt_sim_ctx();
	struct pasid_wq *wq;
	_Alignas(64) struct dsa_hw_desc d;
	_Alignas(64) struct dsa_completion_record cr;
	unsigned int seed = 12345;
	int late = 0;

	eng_doorbell_force_fence(fence);
	wq = wqt_open(ctx, "dsa2/wq2.0");
	eng_doorbell_force_fence(false);
	for (int i = 0; i < DOORBELL_ROUNDS; i++) {
		struct engine *e = wq->eng;
		unsigned int us = (seed = seed * 1103515245u + 12345u) >> 16 & 127;

		if (us < 8) {
			/* submit as soon as the engine announces sleep */
			for (int spin = 0; spin < 1000000 && !atomic_load(&e->sleeping); spin++)
				;
		} else if (us < 121) {
			uint64_t end = wqt_now_ns() + us * 1000ull;

			while (wqt_now_ns() < end)
				;
		}
		wqt_desc(&d, DSA_OPCODE_NOOP, &cr);
		memset(&cr, 0, sizeof(cr));
		assert_int_equal(pasid_wq_submit(wq, &d), 0);
		if (pasid_wq_wait(wq, &cr, 5 * SEC))
			late++;
	}
	pasid_wq_close(wq);
	pasid_ctx_unref(ctx);
	if (late)
		fail_msg("%d of %d wake-ups lost (%s)", late, DOORBELL_ROUNDS,
			 fence ? "fence" : "membarrier");
}

static void test_doorbell(void **state)
{
	(void)state;
	doorbell_rounds(false);
	doorbell_rounds(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_portal_limit_race),
		cmocka_unit_test(test_doorbell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
