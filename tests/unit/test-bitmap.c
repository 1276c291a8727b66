// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-bitmap.c - the core's bitmap value source (kmod/core/pcore_bitmap.h)
 * against a plain array: every lease is the lowest free value in its range,
 * in both layouts (one flat level 0, pages one by one), with random ranges
 * that start on and around word, summary-word and page boundaries, and
 * through a source filled to the last value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pcore_bitmap.h"

#define NVALS (1u << PCORE_BM_BITS)

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* The lowest value of [min, max] (clamped as the source does) the model has free, or 0. */
static uint32_t model_lowest(const uint8_t *used, uint32_t min, uint32_t max)
{
	uint32_t v;

	if (min == 0)
		min = 1;
	if (max >= NVALS)
		max = NVALS - 1;
	for (v = min; v <= max; v++)
		if (!used[v])
			return v;
	return 0;
}

/* A start near a boundary the summaries care about. */
static uint32_t near_boundary(void)
{
	static const uint32_t unit[] = { 64, 64 * 64, 512 * 64, 64 * 64 * 64 };
	uint32_t u = unit[rnd(4)], base = u * rnd(NVALS / u);

	return (base + rnd(130) + NVALS - 65) % NVALS;
}

static void check_against_model(bool paged, bool inline_lease)
{
	uint8_t *used = calloc(NVALS, 1);
	uint32_t *held = calloc(NVALS, sizeof(*held)), nr = 0, i, n;
	unsigned long leased = 0, refused = 0;
	struct pcore_bitmap bm;

	assert_non_null(used);
	assert_non_null(held);
	if (paged)
		pcore_bitmap_init_paged(&bm);
	else
		pcore_bitmap_init(&bm);
	assert_true(paged ? bm.flat == NULL : bm.flat != NULL);
	for (n = 0; n < 200000; n++) {
		if (nr && rnd(100) < 45) {
			i = rnd(nr);
			assert_true(pcore_bitmap_test(&bm, held[i]));
			pcore_bitmap_release(&bm, held[i]);
			used[held[i]] = 0;
			assert_false(pcore_bitmap_test(&bm, held[i]));
			held[i] = held[--nr];
		} else {
			uint32_t min = near_boundary(), max = min + rnd(3000), want, v = 0;
			int err;

			want = model_lowest(used, min, max);
			if (inline_lease && min >= 1 && max < NVALS) {
				err = pcore_bitmap_lease_in(&bm, min, max, &v);
				if (err == 1)	/* its page is not there: the full call adds it */
					err = pcore_bitmap_lease(&bm, min, max, &v);
			} else {
				err = pcore_bitmap_lease(&bm, min, max, &v);
			}
			if (!want) {
				assert_int_equal(err, -ENOSPC);
				refused++;
				continue;
			}
			leased++;
			assert_int_equal(err, 0);
			assert_int_equal(v, want);
			used[v] = 1;
			held[nr++] = v;
		}
		assert_int_equal(bm.nr_used, nr);
	}
	/* ranges crowd: both outcomes are really taken */
	assert_true(leased > 50000);
	assert_true(refused > 1000);
	pcore_bitmap_destroy(&bm);
	free(used);
	free(held);
}

static void test_flat_inline(void **state)
{
	(void)state;
	check_against_model(false, true);
}

static void test_paged(void **state)
{
	(void)state;
	check_against_model(true, false);
}

static void test_paged_inline(void **state)
{
	(void)state;
	check_against_model(true, true);
}

/* Every value taken, in order; then holes are found lowest first, and 0 never. */
static void test_fill_to_the_last(void **state)
{
	struct pcore_bitmap bm;
	uint32_t v, w, i;

	(void)state;
	pcore_bitmap_init(&bm);
	for (v = 1; v < NVALS; v++) {
		assert_int_equal(pcore_bitmap_lease(&bm, 0, NVALS - 1, &w), 0);
		assert_int_equal(w, v);
	}
	assert_int_equal(pcore_bitmap_lease(&bm, 0, NVALS - 1, &w), -ENOSPC);
	assert_int_equal(pcore_bitmap_lease_in(&bm, 1, NVALS - 1, &w), -ENOSPC);
	/* holes in the last summary word, the first and one past a page */
	pcore_bitmap_release(&bm, NVALS - 1);
	pcore_bitmap_release(&bm, 262144 + 4096 * 3 + 5);
	pcore_bitmap_release(&bm, 4096);
	assert_int_equal(pcore_bitmap_lease_in(&bm, 4097, NVALS - 1, &w), 0);
	assert_int_equal(w, 262144 + 4096 * 3 + 5);
	assert_int_equal(pcore_bitmap_lease_in(&bm, 64, NVALS - 1, &w), 0);
	assert_int_equal(w, 4096);
	assert_int_equal(pcore_bitmap_lease_in(&bm, 262144, NVALS - 2, &w), -ENOSPC);
	assert_int_equal(pcore_bitmap_lease_in(&bm, 262144, NVALS - 1, &w), 0);
	assert_int_equal(w, NVALS - 1);
	for (i = 0; i < 64; i++)
		pcore_bitmap_release(&bm, 64 * 64 * 64 * 2 + i);
	assert_int_equal(pcore_bitmap_lease_in(&bm, 1, NVALS - 1, &w), 0);
	assert_int_equal(w, 64 * 64 * 64 * 2);
	assert_int_equal(bm.nr_used, NVALS - 1 - 63);
	pcore_bitmap_destroy(&bm);
}

/*
 * The allocator core's pattern: every lease from one start with the values
 * below it free (the narrow RIDs' values), more than a level-1 word and more
 * than a level-2 word of values live, then holes made and filled again. The
 * start's level-1 word is never marked full, so each search goes past it
 * (in the same level-2 word, or into the next). The holes are filled
 * lowest first, exactly.
 */
static void check_start_above_free_values(bool paged)
{
	const uint32_t min = 256, live = 300000;
	uint32_t *held = calloc(live, sizeof(*held)), hole[3], i, v, n;
	struct pcore_bitmap bm;

	assert_non_null(held);
	if (paged)
		pcore_bitmap_init_paged(&bm);
	else
		pcore_bitmap_init(&bm);
	for (i = 0; i < live; i++) {
		assert_int_equal(pcore_bitmap_lease(&bm, min, NVALS - 1, &v), 0);
		assert_int_equal(v, min + i);
		held[i] = v;
	}
	for (n = 0; n < 30000; n++) {
		uint32_t k = 1 + rnd(3), idx[3];

		for (i = 0; i < k; i++) {
			do
				idx[i] = rnd(live);
			while ((i > 0 && idx[i] == idx[0]) || (i > 1 && idx[i] == idx[1]));
			hole[i] = held[idx[i]];
			pcore_bitmap_release(&bm, hole[i]);
		}
		for (i = 0; i < k; i++) {
			uint32_t want = 0, j, at = 0;

			for (j = 0; j < k; j++)
				if (hole[j] && (!want || hole[j] < want)) {
					want = hole[j];
					at = j;
				}
			if (paged)
				assert_int_equal(pcore_bitmap_lease(&bm, min, NVALS - 1, &v), 0);
			else
				assert_int_equal(pcore_bitmap_lease_in(&bm, min, NVALS - 1, &v), 0);
			assert_int_equal(v, want);
			hole[at] = 0;
			held[idx[at]] = v;
		}
		assert_int_equal(bm.nr_used, live);
	}
	/* nothing below the start was taken */
	assert_int_equal(pcore_bitmap_lease(&bm, 1, NVALS - 1, &v), 0);
	assert_int_equal(v, 1);
	pcore_bitmap_destroy(&bm);
	free(held);
}

static void test_start_above_free_values(void **state)
{
	(void)state;
	check_start_above_free_values(false);
	check_start_above_free_values(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flat_inline),
		cmocka_unit_test(test_paged),
		cmocka_unit_test(test_paged_inline),
		cmocka_unit_test(test_fill_to_the_last),
		cmocka_unit_test(test_start_above_free_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
