// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-submit.c - the runtime-facing submission calls on SIMULATED work
 * queues: several descriptors at once, batches built by the library, many
 * completion records under one deadline, the portal hand-over refused on a
 * simulator, and a NULL context that follows LIBPASID_BACKEND.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "wq-test.h"

#define N 16
#define LEN 8192

static _Alignas(64) struct dsa_hw_desc d[128];
static _Alignas(32) struct dsa_completion_record c[128];

static void memmoves(struct wqt_fx *f, unsigned int n, size_t len)
{
	for (unsigned int i = 0; i < n; i++) {
		wqt_desc(&d[i], DSA_OPCODE_MEMMOVE, &c[i]);
		d[i].src_addr = (uintptr_t)f->a + i * len;
		d[i].dst_addr = (uintptr_t)f->b + i * len;
		d[i].xfer_size = (uint32_t)len;
		c[i].status = 0;
	}
}

static void test_submit_many(void **state)
{
	struct wqt_fx *f = *state;
	volatile void *recs[N + 1];
	unsigned int done = 99;

	for (int w = 0; w < 2; w++) {
		for (size_t i = 0; i < N * 512; i++)
			f->a[i] = (uint8_t)(i * 7 + (size_t)w);
		memset(f->b, 0, N * 512);
		memmoves(f, N, 512);
		assert_int_equal(pasid_wq_submit_many(f->wq[w], d, N), N);
		for (int i = 0; i < N; i++)
			recs[i] = &c[i];
		recs[N] = NULL;		/* skipped */
		assert_int_equal(pasid_wq_wait_many(f->wq[w], recs, N + 1, 2 * SEC, &done), 0);
		assert_int_equal(done, N + 1);
		for (int i = 0; i < N; i++)
			assert_int_equal(c[i].status, DSA_COMP_SUCCESS);
		assert_memory_equal(f->a, f->b, N * 512);
	}
	/* bad arguments change nothing */
	assert_int_equal(pasid_wq_submit_many(f->wq[0], d, 0), -EINVAL);
	assert_int_equal(pasid_wq_submit_many(f->wq[0], (uint8_t *)d + 8, 2), -EINVAL);
	assert_int_equal(pasid_wq_submit_many(NULL, d, 1), -EINVAL);
}

/* A full shared WQ: the run stops where it stops and says how many went in. */
static void test_submit_many_partial(void **state)
{
	struct wqt_fx *f = *state;
	struct pasid_wq_submit_opts o = { .size = sizeof(o) }, def = { .size = sizeof(def) };
	volatile void *recs[128];
	uint8_t *big = malloc(2u << 20), *big2 = malloc(2u << 20);
	unsigned int done = 0;
	int n;

	assert_non_null(big);
	assert_non_null(big2);
	memset(big, 1, 2u << 20);
	memset(big2, 0, 2u << 20);
	assert_int_equal(pasid_wq_get_submit_opts(f->wq[0], &def), 0);
	o = def;
	o.max_retries = 2;
	o.deadline_ns = 10000;
	assert_int_equal(pasid_wq_set_submit_opts(f->wq[0], &o), 0);
	for (int i = 0; i < 128; i++) {
		wqt_desc(&d[i], DSA_OPCODE_MEMMOVE, &c[i]);
		d[i].src_addr = (uintptr_t)big;
		d[i].dst_addr = (uintptr_t)big2;
		d[i].xfer_size = 2u << 20;
		c[i].status = 0;
		recs[i] = &c[i];
	}
	n = pasid_wq_submit_many(f->wq[0], d, 128);
	print_message("128 x 2 MiB into a 32-entry shared WQ: %d went in (%s)\n", n,
		      pasid_ctx_last_error(f->ctx));
	assert_true(n >= 32 && n < 128);
	assert_non_null(strstr(pasid_ctx_last_error(f->ctx), "retry"));
	/* one deadline for all that went in; the others were never submitted */
	assert_int_equal(pasid_wq_wait_many(f->wq[0], recs, (unsigned int)n, 20 * SEC, &done), 0);
	assert_int_equal(done, (unsigned int)n);
	assert_int_equal(pasid_wq_wait_many(f->wq[0], recs, 128, SEC / 1000, &done), -ETIMEDOUT);
	assert_int_equal(done, (unsigned int)n);
	assert_int_equal(pasid_wq_set_submit_opts(f->wq[0], &def), 0);
	free(big);
	free(big2);
}

static void test_batch_prepare(void **state)
{
	struct wqt_fx *f = *state;
	static _Alignas(64) struct dsa_hw_desc batch;
	static _Alignas(32) struct dsa_completion_record bc;
	struct pasid_wq_info in = { .size = sizeof(in) };
	struct pasid_wq *iaa;

	assert_int_equal(pasid_wq_get_info(f->wq[0], &in), 0);
	assert_true(in.flags & PASID_WQ_INFO_BATCH);
	assert_int_equal(in.fd, -1);	/* SIMULATED: no file */
	for (size_t i = 0; i < 4 * 1024; i++)
		f->a[i] = (uint8_t)(i * 13);
	memset(f->b, 0, 4 * 1024);
	memmoves(f, 4, 1024);
	assert_int_equal(pasid_wq_batch_prepare(f->wq[0], &batch, d, 4, &bc), 0);
	assert_int_equal(batch.opcode, DSA_OPCODE_BATCH);
	assert_int_equal(batch.desc_count, 4);
	assert_int_equal(batch.desc_list_addr, (uintptr_t)d);
	assert_int_equal(wqt_run(f->wq[0], &batch, &bc), DSA_COMP_SUCCESS);
	assert_int_equal(bc.bytes_completed, 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(c[i].status, DSA_COMP_SUCCESS);
	assert_memory_equal(f->a, f->b, 4 * 1024);
	/* what cannot be a batch, said before anything is submitted */
	assert_int_equal(pasid_wq_batch_prepare(f->wq[0], &batch, d, 1, &bc), -EINVAL);
	assert_int_equal(pasid_wq_batch_prepare(f->wq[0], &batch, d, in.max_batch_size + 1, &bc),
			 -EINVAL);
	assert_int_equal(pasid_wq_batch_prepare(f->wq[0], &batch, d, 4, (uint8_t *)&bc + 8),
			 -EINVAL);
	assert_int_equal(pasid_wq_batch_prepare(f->wq[0], (uint8_t *)&batch + 8, d, 4, &bc),
			 -EINVAL);
	iaa = wqt_open(f->ctx, "iax1/wq1.0");
	assert_int_equal(pasid_wq_batch_prepare(iaa, &batch, d, 4, NULL), -EOPNOTSUPP);
	assert_non_null(strstr(pasid_ctx_last_error(f->ctx), "IAA"));
	pasid_wq_close(iaa);
}

static void test_portal_refused(void **state)
{
	struct wqt_fx *f = *state;
	struct pasid_wq_portal p = { .size = sizeof(p) };

	assert_int_equal(pasid_wq_get_portal(f->wq[0], &p), -EOPNOTSUPP);
	assert_non_null(strstr(pasid_ctx_last_error(f->ctx), "SIMULATED"));
	assert_int_equal(pasid_wq_get_portal(f->wq[0], NULL), -EINVAL);
}

static void test_wait_short(void **state)
{
	struct wqt_fx *f = *state;
	static _Alignas(32) struct dsa_completion_record never;
	uint64_t t0 = 0, t1;
	struct timespec ts;

	/* a record nothing writes: the deadline ends it (printed, not asserted) */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
	assert_int_equal(pasid_wq_wait(f->wq[0], &never, 10000), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t1 = (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
	print_message("10 us timeout returned after %llu ns\n", (unsigned long long)(t1 - t0));
	assert_int_equal(pasid_wq_wait(f->wq[0], &never, 0), -ETIMEDOUT);
	assert_int_equal(pasid_wq_wait_many(f->wq[0], NULL, 0, 0, NULL), 0);
}

/* NULL context: the SIMULATED platform when LIBPASID_BACKEND=sim says so. */
static void test_null_ctx(void **state)
{
	struct pasid_wq_info in = { .size = sizeof(in) };
	struct pasid_wq_discover_result r = { .size = sizeof(r) };
	struct pasid_wq *wq = NULL;

	(void)state;
	assert_int_equal(setenv("LIBPASID_BACKEND", "sim", 1), 0);
	assert_int_equal(pasid_wq_open(NULL, "dsa0/wq0.0", 0, &wq), 0);
	assert_int_equal(pasid_wq_get_info(wq, &in), 0);
	assert_true(in.flags & PASID_WQ_INFO_SIMULATED);
	assert_false(in.flags & PASID_WQ_INFO_IDXD_ONLY);
	assert_true(in.pasid > 0);
	pasid_wq_close(wq);
	assert_int_equal(pasid_wq_discover(NULL, NULL, NULL, NULL, &r), 0);
	assert_int_equal(r.chosen, 8);
	assert_int_equal(setenv("LIBPASID_BACKEND", "bogus", 1), 0);
	assert_int_equal(pasid_wq_open(NULL, "dsa0/wq0.0", 0, &wq), -EINVAL);
	assert_non_null(strstr(pasid_strerror_last(), "bogus"));
	assert_int_equal(setenv("LIBPASID_BACKEND", "sim", 1), 0);
}

static int setup(void **state)
{
	*state = wqt_fx_new("dsa0/wq0.0", "dsa0/wq0.1", 1u << 20);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_submit_many),
		cmocka_unit_test(test_submit_many_partial),
		cmocka_unit_test(test_batch_prepare),
		cmocka_unit_test(test_portal_refused),
		cmocka_unit_test(test_wait_short),
		cmocka_unit_test(test_null_ctx),
	};

	return cmocka_run_group_tests(tests, setup, wqt_fx_teardown);
}
