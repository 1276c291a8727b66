// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench-alloc.c - the allocator at scale (issue 6, benchmarks 1-4).
 *
 * 1. alloc+free churn on one RID at 1K, 100K, 1M live values through the
 *    public API (sim backend), against a plain summary-bitmap allocator
 *    written here (baseline) and, at 1M, a naive linear scan. The same
 *    churn on the core alone and on its bitmap source splits the cost.
 * 2. group allocation across 2, 8, 64 RIDs at 1K and 100K live values,
 *    against the single-RID figure at the same number of live values.
 * 3. exhaustion: a failing allocation on a full space against a successful
 *    one in the same state.
 * 5. policy (issue 13): reuse-first against fresh-first allocation, core alone.
 * 4. memory: bytes per idle RID, per live allocation, total at 1M live,
 *    against the 128 KiB per RID of a flat bitmap.
 *
 * Churn: pick a live value at random, free it, allocate again on the same
 * RIDs (the allocator hands back the lowest free value: the hole just made).
 * Each free+alloc pair is timed on its own (TSC, the empty timer's cost
 * subtracted), so p50 and p99 are per pair.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpasid/pasid.h>
#include <libpasid/testing.h>

#include "bench.h"
#include "pcore.h"
#include "pcore_bitmap.h"
#include "sim/platform.h"

#define K1	1000u
#define K100	100000u
#define M1	1000000u
#define FULL20	((1u << 20) - 1)

static struct pasid_ctx *ctx, *ctx2;
static uint32_t next_rid = 0x10000;	/* mock RIDs on segment 1 */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t overhead;

static size_t nsamples(size_t full)
{
	return bench_quick() ? full / 10 : full;
}

static double sample_ns(uint64_t t0, uint64_t t1)
{
	uint64_t d = t1 - t0;

	return bench_tsc_to_ns(d > overhead ? d - overhead : 0);
}

static uint32_t new_rid(struct pasid_ctx *c, unsigned int width)
{
	uint32_t rid = next_rid++;
	int err = pasid_mock_rid_add(c, rid, width);

	if (err)
		bench_die("pasid_mock_rid_add: %s: %s", strerror(-err), pasid_ctx_last_error(c));
	return rid;
}

static void fill(struct pasid_ctx *c, const uint32_t *rids, size_t k, uint32_t *vals, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int err = pasid_alloc_for_rids(c, rids, k, 0, &vals[i]);

		if (err)
			bench_die("fill: alloc %zu of %zu: %s: %s", i, n, strerror(-err),
				  pasid_ctx_last_error(c));
	}
}

static void drain(struct pasid_ctx *c, const uint32_t *vals, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pasid_free(c, vals[i]))
			bench_die("drain: free %u failed", vals[i]);
}

/* ---- baselines written here -------------------------------------------- */

/* A plain 2^20-bit bitmap with a 64-ary two-level "word is full" summary. */
struct sbm {
	uint64_t l0[1u << 14];
	uint64_t l1[1u << 8];
	uint64_t l2[1u << 2];
};

/* The lowest free value and its allocation, written plainly. */
static inline uint32_t sbm_alloc_v(struct sbm *b)
{
	uint32_t k = 0, j, i, bit;

	while (!~b->l2[k])
		if (++k == 4)
			return 0;
	j = k * 64 + (uint32_t)__builtin_ctzll(~b->l2[k]);
	i = j * 64 + (uint32_t)__builtin_ctzll(~b->l1[j]);
	bit = (uint32_t)__builtin_ctzll(~b->l0[i]);
	b->l0[i] |= 1ull << bit;
	if (!~b->l0[i]) {
		b->l1[j] |= 1ull << (i % 64);
		if (!~b->l1[j])
			b->l2[k] |= 1ull << (j % 64);
	}
	return i * 64 + bit;
}

static inline void sbm_free(struct sbm *b, uint32_t v)
{
	uint32_t i = v / 64;

	b->l0[i] &= ~(1ull << (v % 64));
	b->l1[i / 64] &= ~(1ull << (i % 64));
	b->l2[i / 4096] &= ~(1ull << ((i / 64) % 64));
}

static void sbm_init(struct sbm *b)
{
	memset(b, 0, sizeof(*b));
	b->l0[0] = 1;	/* value 0 is never handed out */
}

/* The naive allocator: scan the words from the start for a free bit. */
static inline uint32_t lin_alloc(uint64_t *w)
{
	for (uint32_t i = 0; i < (1u << 14); i++) {
		if (~w[i]) {
			uint32_t bit = (uint32_t)__builtin_ctzll(~w[i]);

			w[i] |= 1ull << bit;
			return i * 64 + bit;
		}
	}
	return 0;
}

static inline void lin_free(uint64_t *w, uint32_t v)
{
	w[v / 64] &= ~(1ull << (v % 64));
}

/* ---- churn loops ------------------------------------------------------- */

/*
 * The churn loop: @n timed pairs of FREE(vals[i]) and ALLOC(into vals[i]) on
 * random i < live, after a short untimed warm-up.
 */
#define CHURN(samples, vals, live, n, batch, FREE, ALLOC)			\
	do {									\
		for (size_t w_ = 0; w_ < (n) / 10 + 1000; w_++) {		\
			size_t i_ = bench_rand(&rng) % (live);			\
			uint32_t v_ = (vals)[i_];				\
			FREE;							\
			ALLOC;							\
			(vals)[i_] = v_;					\
		}								\
		for (size_t s_ = 0; s_ < (n); s_++) {				\
			size_t idx_[64];					\
			uint64_t t0_, t1_;					\
			for (size_t b_ = 0; b_ < (batch); b_++) {		\
				idx_[b_] = bench_rand(&rng) % (live);		\
				__builtin_prefetch(&(vals)[idx_[b_]]);		\
			}							\
			t0_ = bench_tsc_begin();				\
			for (size_t b_ = 0; b_ < (batch); b_++) {		\
				uint32_t v_ = (vals)[idx_[b_]];			\
				FREE;						\
				ALLOC;						\
				(vals)[idx_[b_]] = v_;				\
			}							\
			t1_ = bench_tsc_end();					\
			bench_samples_add((samples), sample_ns(t0_, t1_) / (double)(batch)); \
		}								\
	} while (0)

/* Pairs per timed sample: the TSC here ticks in steps of ~10 ns. */
#define BATCH	16

static struct bench_stats churn_sbm(size_t live, size_t n)
{
	struct sbm *b = aligned_alloc(64, sizeof(*b));
	uint32_t *vals = malloc(live * sizeof(*vals));
	struct bench_samples s;
	struct bench_stats st;

	if (!b || !vals)
		bench_die("out of memory");
	sbm_init(b);
	for (size_t i = 0; i < live; i++)
		vals[i] = sbm_alloc_v(b);
	bench_samples_init(&s, n);
	CHURN(&s, vals, live, n / BATCH, BATCH, sbm_free(b, v_), v_ = sbm_alloc_v(b));
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	free(vals);
	free(b);
	return st;
}

/* The baseline the issue names: the same bitmap, each call under a mutex. */
static struct bench_stats churn_sbm_mutex(size_t live, size_t n)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	struct sbm *b = aligned_alloc(64, sizeof(*b));
	uint32_t *vals = malloc(live * sizeof(*vals));
	struct bench_samples s;
	struct bench_stats st;

	if (!b || !vals)
		bench_die("out of memory");
	sbm_init(b);
	for (size_t i = 0; i < live; i++)
		vals[i] = sbm_alloc_v(b);
	bench_samples_init(&s, n);
	CHURN(&s, vals, live, n / BATCH, BATCH,
	      (pthread_mutex_lock(&mu), sbm_free(b, v_), pthread_mutex_unlock(&mu)),
	      (pthread_mutex_lock(&mu), v_ = sbm_alloc_v(b), pthread_mutex_unlock(&mu)));
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	free(vals);
	free(b);
	return st;
}

static struct bench_stats churn_linear(size_t live, size_t n)
{
	uint64_t *w = aligned_alloc(64, (1u << 14) * sizeof(uint64_t));
	uint32_t *vals = malloc(live * sizeof(*vals));
	struct bench_samples s;
	struct bench_stats st;

	if (!w || !vals)
		bench_die("out of memory");
	memset(w, 0, (1u << 14) * sizeof(uint64_t));
	w[0] = 1;
	for (size_t i = 0; i < live; i++)
		vals[i] = lin_alloc(w);
	bench_samples_init(&s, n);
	CHURN(&s, vals, live, n / BATCH, BATCH, lin_free(w, v_), v_ = lin_alloc(w));
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	free(vals);
	free(w);
	return st;
}

/* The library's own bitmap value source alone. */
static struct bench_stats churn_source(size_t live, size_t n)
{
	struct pcore_bitmap *bm = malloc(sizeof(*bm));
	uint32_t *vals = malloc(live * sizeof(*vals));
	struct bench_samples s;
	struct bench_stats st;

	if (!bm || !vals)
		bench_die("out of memory");
	pcore_bitmap_init(bm);
	for (size_t i = 0; i < live; i++)
		if (pcore_bitmap_lease(bm, 1, FULL20, &vals[i]))
			bench_die("source fill");
	bench_samples_init(&s, n);
	CHURN(&s, vals, live, n / BATCH, BATCH, pcore_bitmap_release(bm, v_),
	      pcore_bitmap_lease(bm, 1, FULL20, &v_));
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	pcore_bitmap_destroy(bm);
	free(bm);
	free(vals);
	return st;
}

/* The allocator core over that source, leasing on it inline as the library does; no API, no locks. */
static struct bench_stats churn_core(size_t live, size_t n)
{
	static const struct pcore_ops ops = {
		.lease = pcore_bitmap_lease_op,
		.release = pcore_bitmap_release_op,
	};
	struct pcore_bitmap *bm = malloc(sizeof(*bm));
	struct pcore *c = malloc(sizeof(*c));
	uint32_t *vals = malloc(live * sizeof(*vals));
	struct pcore_owner o;
	struct bench_samples s;
	struct bench_stats st;
	uint32_t rid = 0x100;

	if (!bm || !c || !vals)
		bench_die("out of memory");
	pcore_bitmap_init(bm);
	pcore_init(c, &ops, bm);
	pcore_set_bitmap_source(c, bm);
	if (pcore_rid_add(c, rid, 20, NULL))
		bench_die("core rid");
	pcore_owner_init(c, &o, 1, NULL);
	for (size_t i = 0; i < live; i++)
		if (pcore_alloc_group(c, &o, &rid, 1, 0, &vals[i]))
			bench_die("core fill");
	bench_samples_init(&s, n);
	CHURN(&s, vals, live, n / BATCH, BATCH, pcore_free(c, &o, v_),
	      pcore_alloc_group(c, &o, &rid, 1, 0, &v_));
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	pcore_owner_release(c, &o);
	pcore_destroy(c);
	pcore_bitmap_destroy(bm);
	free(c);
	free(bm);
	free(vals);
	return st;
}

/* The public API on @k fresh RIDs of width 20. */
static struct bench_stats churn_api(size_t k, size_t live, size_t n, size_t batch)
{
	uint32_t *rids = malloc(k * sizeof(*rids));
	uint32_t *vals = malloc(live * sizeof(*vals));
	struct bench_samples s;
	struct bench_stats st;

	if (!rids || !vals)
		bench_die("out of memory");
	for (size_t i = 0; i < k; i++)
		rids[i] = new_rid(ctx, 20);
	fill(ctx, rids, k, vals, live);
	bench_samples_init(&s, n);
	CHURN(&s, vals, live, n / batch, batch, pasid_free(ctx, v_),
	      pasid_alloc_for_rids(ctx, rids, k, 0, &v_));
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	drain(ctx, vals, live);
	free(vals);
	free(rids);
	return st;
}

/*
 * Reuse against a fresh lease, core alone over a bitmap source standing in
 * for a leased one: owner A holds @live values on RID A; owner B churns
 * @live values on RID B. Reuse first, B's values are A's (shared across the
 * disjoint RIDs) and each allocation finds the value just freed through the
 * reuse search; fresh first, B's are leased values of their own.
 */
static struct bench_stats churn_core_policy(size_t live, size_t n, unsigned int flags)
{
	const struct pcore_ops ops = {
		.lease = pcore_bitmap_lease_op,
		.release = pcore_bitmap_release_op,
		.flags = flags,
	};
	struct pcore_bitmap *bm = malloc(sizeof(*bm));
	struct pcore *c = malloc(sizeof(*c));
	uint32_t *vals = malloc(live * sizeof(*vals)), ra = 0x100, rb = 0x108, v;
	struct pcore_owner oa, ob;
	struct bench_samples s;
	struct bench_stats st;

	if (!bm || !c || !vals)
		bench_die("out of memory");
	pcore_bitmap_init(bm);
	pcore_init(c, &ops, bm);
	if (pcore_rid_add(c, ra, 20, NULL) || pcore_rid_add(c, rb, 20, NULL))
		bench_die("core rid");
	pcore_owner_init(c, &oa, 1, NULL);
	pcore_owner_init(c, &ob, 2, NULL);
	for (size_t i = 0; i < live; i++)
		if (pcore_alloc_group(c, &oa, &ra, 1, 0, &v))
			bench_die("core fill A");
	for (size_t i = 0; i < live; i++)
		if (pcore_alloc_group(c, &ob, &rb, 1, 0, &vals[i]))
			bench_die("core fill B");
	if ((flags & PCORE_SRC_REUSE_FIRST) ? bm->nr_used != live : bm->nr_used != 2 * live)
		bench_die("policy %u: %u values leased", flags, bm->nr_used);
	bench_samples_init(&s, n);
	CHURN(&s, vals, live, n / BATCH, BATCH, pcore_free(c, &ob, v_),
	      pcore_alloc_group(c, &ob, &rb, 1, 0, &v_));
	if ((flags & PCORE_SRC_REUSE_FIRST) ? bm->nr_used != live : bm->nr_used != 2 * live)
		bench_die("policy %u after churn: %u values leased", flags, bm->nr_used);
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	pcore_owner_release(c, &oa);
	pcore_owner_release(c, &ob);
	pcore_destroy(c);
	pcore_bitmap_destroy(bm);
	free(c);
	free(bm);
	free(vals);
	return st;
}

static void bench_policy(void)
{
	struct bench_result *r;
	size_t n = nsamples(200000);

	bench_add("policy.100k.fresh-lease",
		  "free+alloc on RID B, 100000 live on A and on B: fresh first (own leased values; "
		  "core over a bitmap source)", "ns", churn_core_policy(K100, n, 0), NULL);
	r = bench_add("policy.100k.reuse-first",
		      "the same, reuse first (B shares A's values: the reuse search finds each)",
		      "ns", churn_core_policy(K100, n, PCORE_SRC_REUSE_FIRST),
		      "policy.100k.fresh-lease");
	bench_target(r, BENCH_RATIO_MAX, 2.0, "reuse-first alloc <= 2x a fresh lease");
	bench_note(r, "the source holds 100000 values reuse first, 200000 fresh first "
		      "(checked): reuse halves what is leased from the kernel");
}

/* ---- 1. churn ---------------------------------------------------------- */

/*
 * The same churn once the process has a second thread (it waits on a pipe):
 * glibc's mutex and the library's lock then both take an atomic each way.
 * Last in the run: a process stays "threaded" for glibc once it was.
 */
static void *idle_thread(void *arg)
{
	char c;

	return read(*(int *)arg, &c, 1) < 0 ? NULL : arg;
}

static void bench_churn_threaded(void)
{
	static const struct {
		size_t live;
		const char *tag;
	} sizes[] = { { K1, "1k" }, { K100, "100k" } };
	char id[96], base[96], title[160];
	pthread_t t;
	int fd[2];

	if (pipe(fd) || pthread_create(&t, NULL, idle_thread, &fd[0]))
		bench_die("the idle thread");
	for (size_t z = 0; z < 2; z++) {
		size_t live = sizes[z].live, n = nsamples(200000);
		struct bench_result *r;

		snprintf(base, sizeof(base), "churn.%s.threaded.baseline-bitmap-mutex", sizes[z].tag);
		snprintf(title, sizeof(title), "free+alloc, %zu live, a second thread in the "
			 "process: summary bitmap + mutex per call (baseline)", live);
		bench_add(base, title, "ns", churn_sbm_mutex(live, n), NULL);
		snprintf(id, sizeof(id), "churn.%s.threaded.api", sizes[z].tag);
		snprintf(title, sizeof(title), "free+alloc, %zu live, a second thread in the "
			 "process: public API (sim backend), one RID", live);
		r = bench_add(id, title, "ns", churn_api(1, live, n, BATCH), base);
		bench_target(r, BENCH_RATIO_MAX, 2.0, "p50 <= 2x summary bitmap + mutex");
	}
	close(fd[1]);
	pthread_join(t, NULL);
	close(fd[0]);
}

static void bench_churn(void)
{
	static const struct {
		size_t live;
		const char *tag;
	} sizes[] = { { K1, "1k" }, { K100, "100k" }, { M1, "1m" } };
	char id[96], base[96], title[160];

	for (size_t z = 0; z < 3; z++) {
		size_t live = sizes[z].live, n = nsamples(200000);
		struct bench_result *r;

		snprintf(id, sizeof(id), "churn.%s.baseline-summary-bitmap", sizes[z].tag);
		snprintf(title, sizeof(title), "free+alloc, %zu live: plain summary bitmap, no lock",
			 live);
		bench_add(id, title, "ns", churn_sbm(live, n), NULL);
		snprintf(base, sizeof(base), "churn.%s.baseline-bitmap-mutex", sizes[z].tag);
		snprintf(title, sizeof(title),
			 "free+alloc, %zu live: summary bitmap + mutex per call (baseline)", live);
		bench_add(base, title, "ns", churn_sbm_mutex(live, n), NULL);

		snprintf(id, sizeof(id), "churn.%s.source-pcore_bitmap", sizes[z].tag);
		snprintf(title, sizeof(title), "free+alloc, %zu live: libpasid's bitmap source alone",
			 live);
		bench_add(id, title, "ns", churn_source(live, n), base);

		snprintf(id, sizeof(id), "churn.%s.core-pcore", sizes[z].tag);
		snprintf(title, sizeof(title), "free+alloc, %zu live: allocator core, no API", live);
		bench_add(id, title, "ns", churn_core(live, n), base);

		snprintf(id, sizeof(id), "churn.%s.api", sizes[z].tag);
		snprintf(title, sizeof(title),
			 "free+alloc, %zu live: public API (sim backend), one RID", live);
		r = bench_add(id, title, "ns", churn_api(1, live, n, BATCH), base);
		if (live == M1)
			bench_target(r, BENCH_RATIO_MAX, 4.0, "p50 <= 4x summary bitmap + mutex");
		else
			bench_target(r, BENCH_RATIO_MAX, 2.0, "p50 <= 2x summary bitmap + mutex");
		snprintf(id, sizeof(id), "churn.%s.api-single", sizes[z].tag);
		snprintf(title, sizeof(title),
			 "free+alloc, %zu live: public API, each pair timed alone (for p99)", live);
		r = bench_add(id, title, "ns", churn_api(1, live, n, 1), NULL);
		bench_target(r, BENCH_P99_MAX, 100.0, "p99 <= 100 ns");
		bench_note(r, "single pairs timed: the TSC of this VM advances in steps of about "
			      "10 ns, so p50 here is coarse; p99 is what this row is for");

		if (live == M1) {
			struct bench_result *lin;

			lin = bench_add("churn.1m.baseline-linear-scan",
					"free+alloc, 1000000 live: naive linear scan", "ns",
					churn_linear(live, nsamples(20000)), NULL);
			r = bench_add_value("churn.1m.linear-vs-api",
					    "speed-up of the public API over a linear scan at 1M live",
					    "x", lin->st.p50 / bench_find("churn.1m.api")->st.p50,
					    NULL);
			bench_target(r, BENCH_VALUE_MIN, 50.0, "public API >= 50x faster than a linear scan");
		}
	}
}

/* ---- 2. groups ---------------------------------------------------------- */

static void bench_groups(void)
{
	static const size_t ks[] = { 2, 8, 64 };
	static const struct {
		size_t live;
		const char *tag;
	} sizes[] = { { K1, "1k" }, { K100, "100k" } };
	char id[96], base[96], title[160];

	for (size_t z = 0; z < 2; z++) {
		size_t live = sizes[z].live, n = nsamples(100000);

		/* the single-RID figure, measured again here, next to the groups */
		snprintf(base, sizeof(base), "group.%s.k1", sizes[z].tag);
		snprintf(title, sizeof(title), "free+alloc, %zu live: single RID (baseline)", live);
		bench_add(base, title, "ns", churn_api(1, live, n, BATCH), NULL);
		for (size_t g = 0; g < 3; g++) {
			struct bench_result *r;

			snprintf(id, sizeof(id), "group.%s.k%zu", sizes[z].tag, ks[g]);
			snprintf(title, sizeof(title), "free+alloc, %zu live: group of %zu RIDs", live,
				 ks[g]);
			r = bench_add(id, title, "ns", churn_api(ks[g], live, n, BATCH), base);
			bench_target(r, BENCH_RATIO_MAX, 3.0, "p50 within 3x of the single-RID figure");
		}
	}
	for (size_t g = 0; g < 3; g++) {
		const struct bench_result *a, *b;
		struct bench_result *r;

		snprintf(id, sizeof(id), "group.k%zu.100k-vs-1k", ks[g]);
		snprintf(title, sizeof(title), "group of %zu RIDs: p50 at 100K live / at 1K live", ks[g]);
		snprintf(base, sizeof(base), "group.1k.k%zu", ks[g]);
		a = bench_find(base);
		snprintf(base, sizeof(base), "group.100k.k%zu", ks[g]);
		b = bench_find(base);
		r = bench_add_value(id, title, "x", b->st.p50 / a->st.p50, NULL);
		snprintf(base, sizeof(base), "group.%s.k1", "100k");
		a = bench_find("group.1k.k1");
		b = bench_find(base);
		bench_note(r, "one RID scales by %.2fx over the same range: the growth is cache "
			      "misses on a larger working set, not work per live value",
			   b->st.p50 / a->st.p50);
	}
}

/* ---- 3. exhaustion ------------------------------------------------------ */

/* Time allocations on @rids that fail (-ENOSPC expected), @batch per sample. */
static struct bench_stats time_failing(struct pasid_ctx *c, const uint32_t *rids, size_t k,
				       size_t n, size_t batch)
{
	struct bench_samples s;
	struct bench_stats st;
	uint32_t v;

	bench_samples_init(&s, n);
	for (size_t i = 0; i < n; i++) {
		uint64_t t0, t1;
		int err = 0;

		t0 = bench_tsc_begin();
		for (size_t j = 0; j < batch; j++)
			err |= pasid_alloc_for_rids(c, rids, k, 0, &v) != -ENOSPC;
		t1 = bench_tsc_end();
		if (err)
			bench_die("exhaustion: expected -ENOSPC");
		bench_samples_add(&s, sample_ns(t0, t1) / (double)batch);
	}
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	return st;
}

/*
 * Time successful allocations in the full state: free @batch values of
 * @vals (owned by @owner, untimed), allocate @batch times on @rids (timed),
 * then free those and allocate @vals' values again for @owner.
 */
static struct bench_stats time_success_full(struct pasid_ctx *owner, uint32_t *vals, size_t live,
					    const uint32_t *owner_rids, size_t owner_k,
					    struct pasid_ctx *c, const uint32_t *rids, size_t k,
					    size_t n, size_t batch)
{
	struct bench_samples s;
	struct bench_stats st;
	uint32_t got[64];

	bench_samples_init(&s, n);
	for (size_t i = 0; i < n; i++) {
		size_t start = bench_rand(&rng) % (live - batch);
		uint64_t t0, t1;
		int err = 0;

		for (size_t j = 0; j < batch; j++)
			if (pasid_free(owner, vals[start + j]))
				bench_die("exhaustion: free");
		t0 = bench_tsc_begin();
		for (size_t j = 0; j < batch; j++)
			err |= pasid_alloc_for_rids(c, rids, k, 0, &got[j]);
		t1 = bench_tsc_end();
		if (err)
			bench_die("exhaustion: expected success: %s", pasid_ctx_last_error(c));
		bench_samples_add(&s, sample_ns(t0, t1) / (double)batch);
		for (size_t j = 0; j < batch; j++)
			if (pasid_free(c, got[j]) ||
			    pasid_alloc_for_rids(owner, owner_rids, owner_k, 0, &vals[start + j]))
				bench_die("exhaustion: refill");
	}
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	return st;
}

/* The core alone on a full width-8 RID: is the failure itself slow? */
static void core_exhaustion(void)
{
	static const struct pcore_ops ops = {
		.lease = pcore_bitmap_lease_op,
		.release = pcore_bitmap_release_op,
	};
	struct pcore_bitmap *bm = malloc(sizeof(*bm));
	struct pcore *c = malloc(sizeof(*c));
	struct bench_samples s, f;
	struct pcore_owner o;
	uint32_t rid = 0x100, v, vals[255];

	if (!bm || !c)
		bench_die("out of memory");
	pcore_bitmap_init(bm);
	pcore_init(c, &ops, bm);
	if (pcore_rid_add(c, rid, 8, NULL))
		bench_die("core rid");
	pcore_owner_init(c, &o, 1, NULL);
	for (size_t i = 0; i < 255; i++)
		if (pcore_alloc_group(c, &o, &rid, 1, 0, &vals[i]))
			bench_die("core fill");
	bench_samples_init(&s, 1000);
	bench_samples_init(&f, 1000);
	for (size_t i = 0; i < nsamples(10000); i++) {
		uint64_t t0, t1;
		int err = 0;

		for (size_t j = 0; j < BATCH; j++)
			pcore_free(c, &o, vals[j]);
		t0 = bench_tsc_begin();
		for (size_t j = 0; j < BATCH; j++)
			err |= pcore_alloc_group(c, &o, &rid, 1, 0, &vals[j]);
		t1 = bench_tsc_end();
		bench_samples_add(&s, sample_ns(t0, t1) / BATCH);
		t0 = bench_tsc_begin();
		for (size_t j = 0; j < BATCH; j++)
			err |= pcore_alloc_group(c, &o, &rid, 1, 0, &v) != -ENOSPC;
		t1 = bench_tsc_end();
		bench_samples_add(&f, sample_ns(t0, t1) / BATCH);
		if (err)
			bench_die("core exhaustion");
	}
	bench_add("exhaust.w8.core-success", "width-8 RID full: core alone, successful alloc", "ns",
		  bench_stats_of(&s), NULL);
	bench_add("exhaust.w8.core-fail", "width-8 RID full: core alone, failing alloc", "ns",
		  bench_stats_of(&f), "exhaust.w8.core-success");
	bench_samples_free(&s);
	bench_samples_free(&f);
	pcore_owner_release(c, &o);
	pcore_destroy(c);
	pcore_bitmap_destroy(bm);
	free(c);
	free(bm);
}

/*
 * (d) 64 RIDs, every value held (value i on RID i % 64, by another context):
 * the source is exhausted, no RID is full, the 64-RID group has no value.
 */
static void exhaust_group64(uint32_t *vals)
{
	uint32_t rids[64], *owner_rid = malloc(FULL20 * sizeof(*owner_rid));
	struct bench_samples s;
	struct bench_result *r;
	uint64_t t0, t1;
	uint32_t v;

	if (!owner_rid)
		bench_die("out of memory");
	for (size_t i = 0; i < 64; i++)
		rids[i] = new_rid(ctx, 20);
	for (size_t i = 0; i < FULL20; i++) {
		owner_rid[i] = rids[i % 64];
		if (pasid_alloc_for_rids(ctx2, &owner_rid[i], 1, 0, &vals[i]))
			bench_die("exhaust64: fill %zu", i);
	}
	/* the first failure in this state: the search itself */
	bench_samples_init(&s, 1);
	t0 = bench_tsc_begin();
	if (pasid_alloc_for_rids(ctx, rids, 64, 0, &v) != -ENOSPC)
		bench_die("exhaust64: expected -ENOSPC");
	t1 = bench_tsc_end();
	bench_samples_add(&s, sample_ns(t0, t1));
	bench_add("exhaust.group64.first-fail",
		  "64-RID group, source exhausted, no RID full: first failing alloc (the scan)",
		  "ns", bench_stats_of(&s), NULL);
	bench_samples_free(&s);
	{
		/* successes: free BATCH values of the other context, allocate on the group */
		struct bench_samples ok;
		uint32_t got[BATCH];

		bench_samples_init(&ok, 1000);
		for (size_t i = 0; i < nsamples(2000); i++) {
			size_t start = bench_rand(&rng) % (FULL20 - BATCH);
			int err = 0;

			for (size_t j = 0; j < BATCH; j++)
				if (pasid_free(ctx2, vals[start + j]))
					bench_die("exhaust64: free");
			t0 = bench_tsc_begin();
			for (size_t j = 0; j < BATCH; j++)
				err |= pasid_alloc_for_rids(ctx, rids, 64, 0, &got[j]);
			t1 = bench_tsc_end();
			if (err)
				bench_die("exhaust64: expected success");
			bench_samples_add(&ok, sample_ns(t0, t1) / BATCH);
			for (size_t j = 0; j < BATCH; j++)
				if (pasid_free(ctx, got[j]) ||
				    pasid_alloc_for_rids(ctx2, &owner_rid[start + j], 1, 0,
							 &vals[start + j]))
					bench_die("exhaust64: refill");
		}
		bench_add("exhaust.group64.success",
			  "64-RID group, source exhausted: successful alloc (values freed)", "ns",
			  bench_stats_of(&ok), NULL);
		bench_samples_free(&ok);
	}
	r = bench_add("exhaust.group64.fail",
		      "64-RID group, source exhausted, no RID full: failing alloc (-ENOSPC)", "ns",
		      time_failing(ctx, rids, 64, nsamples(2000), BATCH), "exhaust.group64.success");
	bench_target(r, BENCH_RATIO_MAX, 2.0, "failing alloc <= 2x a successful one");
	bench_note(r, "after the first failure (exhaust.group64.first-fail) the miss is "
		      "remembered; the refills between successes invalidate it, so the first "
		      "sample here pays one scan");
	drain(ctx2, vals, FULL20);
	for (size_t i = 0; i < 64; i++)
		pasid_mock_rid_remove(ctx, rids[i]);
	free(owner_rid);
}

static void bench_exhaustion(void)
{
	uint32_t *vals = malloc(FULL20 * sizeof(*vals));
	uint32_t a, ab[2], narrow;
	struct bench_result *r;
	size_t half = (1u << 19);

	if (!vals)
		bench_die("out of memory");

	/* (a) one RID of width 20, every value held: provably full */
	a = new_rid(ctx, 20);
	fill(ctx, &a, 1, vals, FULL20);
	bench_add("exhaust.w20.success", "one RID, 2^20-1 live: successful alloc (one value free)",
		  "ns", time_success_full(ctx, vals, FULL20, &a, 1, ctx, &a, 1, nsamples(5000),
				    BATCH),
		  NULL);
	r = bench_add("exhaust.w20.fail", "one RID, 2^20-1 live: failing alloc (-ENOSPC)", "ns",
		      time_failing(ctx, &a, 1, nsamples(5000), BATCH), "exhaust.w20.success");
	bench_target(r, BENCH_RATIO_MAX, 2.0, "failing alloc <= 2x a successful one");
	drain(ctx, vals, FULL20);

	/* (b) a narrow RID (width 8) full, the source nearly empty */
	narrow = new_rid(ctx, 8);
	fill(ctx, &narrow, 1, vals, 255);
	bench_add("exhaust.w8.success", "width-8 RID, 255 live: successful alloc (one value free)",
		  "ns", time_success_full(ctx, vals, 255, &narrow, 1, ctx, &narrow, 1,
					  nsamples(5000), BATCH), NULL);
	r = bench_add("exhaust.w8.fail", "width-8 RID, 255 live: failing alloc (-ENOSPC)", "ns",
		      time_failing(ctx, &narrow, 1, nsamples(5000), BATCH), "exhaust.w8.success");
	bench_target(r, BENCH_RATIO_MAX, 2.0, "failing alloc <= 2x a successful one");
	drain(ctx, vals, 255);
	core_exhaustion();

	/*
	 * (c) two RIDs, the source exhausted but neither RID full: 2^19 values
	 * on {A} (this context), the rest on {B} (another context).
	 * A group {A,B} has no value: the core proves it by scanning.
	 */
	ab[0] = new_rid(ctx, 20);
	ab[1] = new_rid(ctx, 20);
	fill(ctx, &ab[0], 1, vals, half);
	fill(ctx2, &ab[1], 1, vals + half, FULL20 - half);
	bench_add("exhaust.group.success",
		  "group {A,B}, source exhausted (A: 2^19 live, B: 2^19-1): successful alloc "
		  "(one value free)", "ns",
		  time_success_full(ctx2, vals + half, FULL20 - half, &ab[1], 1, ctx, ab, 2,
				    nsamples(2000), BATCH), NULL);
	r = bench_add("exhaust.group.fail",
		      "group {A,B}, source exhausted, no RID full: failing alloc (-ENOSPC)", "ns",
		      time_failing(ctx, ab, 2, nsamples(2000), BATCH), "exhaust.group.success");
	bench_target(r, BENCH_RATIO_MAX, 2.0, "failing alloc <= 2x a successful one");
	bench_note(r, "the first failure in a state scans the RIDs' bitmaps against the held "
		      "set; the search remembers the miss until one of the RIDs loses a value "
		      "or a value is newly leased, so the same failure again is O(RIDs)");
	{
		/* reuse on a disjoint group when tight: {A} takes a value of B */
		struct bench_samples s;
		uint32_t v = 0;

		bench_samples_init(&s, 16);
		for (int i = 0; i < (bench_quick() ? 3 : 15); i++) {
			uint64_t t0 = bench_tsc_begin();
			int err = pasid_alloc_for_rids(ctx, &ab[0], 1, 0, &v);
			uint64_t t1 = bench_tsc_end();

			if (err)
				bench_die("reuse: %d %s", err, pasid_ctx_last_error(ctx));
			bench_samples_add(&s, sample_ns(t0, t1));
			pasid_free(ctx, v);
		}
		r = bench_add("exhaust.reuse.success",
			      "source exhausted: alloc on {A} reusing a value of B", "ns",
			      bench_stats_of(&s), "exhaust.group.success");
		bench_note(r, "reuse search over the RID's maybe-reusable words (value found: %u)", v);
		bench_samples_free(&s);
	}
	drain(ctx, vals, half);
	drain(ctx2, vals + half, FULL20 - half);
	exhaust_group64(vals);
	free(vals);
}

/* ---- 4. memory ------------------------------------------------------------ */

static size_t core_bytes(void)
{
	struct pcore_stats st;

	pcore_get_stats(&sim_platform.core, &st);
	return st.bytes;
}

static size_t heap_bytes(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static void bench_memory(void)
{
	const size_t nr_idle = 1024;
	size_t c0, h0, c1, h1, b0, b1;
	struct pcore_stats st;
	struct bench_result *r;
	uint32_t *vals, rid;

	/* idle RIDs */
	c0 = core_bytes();
	h0 = heap_bytes();
	for (size_t i = 0; i < nr_idle; i++)
		new_rid(ctx, 20);
	c1 = core_bytes();
	h1 = heap_bytes();
	bench_add_value("mem.flat-bitmap-per-rid", "flat 2^20-bit bitmap per RID (baseline)",
			"bytes", 131072, NULL);
	r = bench_add_value("mem.idle-rid.core", "bytes per idle RID (core's own count, 1024 RIDs)",
			    "bytes", (double)(c1 - c0) / nr_idle, "mem.flat-bitmap-per-rid");
	r = bench_add_value("mem.idle-rid.heap", "bytes per idle RID (malloc'd, mallinfo2)",
			    "bytes", (double)(h1 - h0) / nr_idle, "mem.flat-bitmap-per-rid");

	/* live allocations on one RID */
	vals = malloc(M1 * sizeof(*vals));
	if (!vals)
		bench_die("out of memory");
	rid = new_rid(ctx, 20);
	c0 = core_bytes();
	b0 = pcore_bitmap_bytes(&sim_platform.source);
	h0 = heap_bytes();
	fill(ctx, &rid, 1, vals, M1);
	c1 = core_bytes();
	b1 = pcore_bitmap_bytes(&sim_platform.source);
	h1 = heap_bytes();
	pcore_get_stats(&sim_platform.core, &st);

	bench_add_value("mem.alloc-record.sizeof", "sizeof(struct pcore_alloc), one record", "bytes",
			(double)sizeof(struct pcore_alloc), NULL);
	r = bench_add_value("mem.per-alloc.core",
			    "bytes per live allocation (core count: record + index slots)", "bytes",
			    (double)(c1 - c0) / M1, NULL);
	bench_target(r, BENCH_VALUE_MAX, 64.0, "<= 64 bytes per allocation record");
	bench_note(r, "records inline in %u index leaves of %zu B (%.1f B/value) + owner value "
		      "array + occupancy bitmaps",
		   st.nr_index_leaves, (size_t)PCORE_IDX_LEAF * sizeof(struct pcore_alloc),
		   (double)st.nr_index_leaves * PCORE_IDX_LEAF * sizeof(struct pcore_alloc) / M1);
	r = bench_add_value("mem.per-alloc.heap",
			    "bytes per live allocation (malloc'd incl. malloc headers, mallinfo2)",
			    "bytes", (double)(h1 - h0) / M1, NULL);
	bench_target(r, BENCH_VALUE_MAX, 64.0, "<= 64 bytes per allocation record");
	r = bench_add_value("mem.space.bitmap-1m",
			    "value space at 1M live: bitmap source (pcore_bitmap_bytes)", "bytes",
			    (double)b1, "mem.flat-bitmap-per-rid");
	bench_target(r, BENCH_VALUE_MAX, 160.0 * 1024, "<= 160 KiB for a full 2^20 space");
	(void)b0;
	r = bench_add_value("mem.total-1m.core",
			    "total at 1M live: core count + bitmap source", "bytes",
			    (double)(c1 + b1), NULL);
	r = bench_add_value("mem.total-1m.heap", "total at 1M live: heap in use (mallinfo2)",
			    "bytes", (double)h1, NULL);
	bench_fact("mem_index_leaves_1m", "%u", st.nr_index_leaves);
	drain(ctx, vals, M1);
	free(vals);
}

int main(int argc, char **argv)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	int err;

	bench_begin("bench-alloc", argc, argv);
	overhead = bench_timer_overhead();
	err = pasid_ctx_new(&o, &ctx);
	if (!err)
		err = pasid_ctx_new(&o, &ctx2);
	if (err)
		bench_die("pasid_ctx_new(sim): %s: %s", strerror(-err), pasid_strerror_last());
	bench_fact("backend", "%s", pasid_ctx_backend_name(ctx));
	bench_fact("timing", "each free+alloc pair timed alone (LFENCE;RDTSC .. RDTSCP;LFENCE), "
			     "empty-timer median subtracted");

	if (!getenv("BENCH_ALLOC_ONLY") || strstr(getenv("BENCH_ALLOC_ONLY"), "mem"))
		bench_memory();		/* first: the core's index grows and never shrinks */
	if (!getenv("BENCH_ALLOC_ONLY") || strstr(getenv("BENCH_ALLOC_ONLY"), "churn"))
		bench_churn();
	if (!getenv("BENCH_ALLOC_ONLY") || strstr(getenv("BENCH_ALLOC_ONLY"), "policy"))
		bench_policy();
	if (!getenv("BENCH_ALLOC_ONLY") || strstr(getenv("BENCH_ALLOC_ONLY"), "group"))
		bench_groups();
	if (!getenv("BENCH_ALLOC_ONLY") || strstr(getenv("BENCH_ALLOC_ONLY"), "exhaust"))
		bench_exhaustion();
	if (!getenv("BENCH_ALLOC_ONLY") || strstr(getenv("BENCH_ALLOC_ONLY"), "churn"))
		bench_churn_threaded();	/* last: see there */

	pasid_ctx_unref(ctx2);
	pasid_ctx_unref(ctx);
	return bench_end();
}
