// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench-wq.c - submission and the software DSA engine (issue 6, 6 and 7).
 *
 * 6. pasid_wq_submit() on a SIMULATED dedicated WQ against the raw
 *    64-byte store loop with the same portal rotation (what the submit
 *    writes: MOVDIR64B where the CPU has it, else plain stores, as the sim
 *    WQ itself does), and against a raw single-producer ring that another
 *    thread drains (the same cross-core traffic the engine causes).
 *    Same-line versus rotating MOVDIR64B where the CPU has MOVDIR64B.
 * 7. End-to-end no-op descriptors per second (one submitter, one engine
 *    thread) against a raw two-thread handoff of 64-byte descriptors and
 *    32-byte completion records; MEMMOVE against memcpy() for 4 KiB,
 *    64 KiB, 1 MiB, one at a time and four in flight.
 *
 * The program links libpasid statically (the work-queue calls are not in
 * libpasid.sym yet, so the shared library does not export them). --cpuid-probe
 * runs only the submission loop (bench_submit_window) for the CPUID check
 * under callgrind (bench/cpuid-check).
 */
#include <errno.h>
#include <linux/idxd.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpasid/pasid.h>
#include <libpasid/portal.h>

#include "bench.h"

#define WAIT_NS		2000000000ull	/* a completion later than 2 s is a bug */

static struct pasid_ctx *ctx;
static struct pasid_wq *wq;
static struct pasid_wq_info info = { .size = sizeof(info) };
static uint64_t overhead;
static bool have_movdir64b;
static uint64_t cpu_all;	/* pasid_cpu_features() */

static double sample_ns(uint64_t t0, uint64_t t1)
{
	uint64_t d = t1 - t0;

	return bench_tsc_to_ns(d > overhead ? d - overhead : 0);
}

static size_t nrounds(size_t full)
{
	return bench_quick() ? (full / 10 ? full / 10 : 1) : full;
}

static void *xalloc(size_t align, size_t size)
{
	void *p = aligned_alloc(align, (size + align - 1) / align * align);

	if (!p)
		bench_die("out of memory (%zu bytes)", size);
	memset(p, 0, size);
	return p;
}

static void desc_noop(struct dsa_hw_desc *d, struct dsa_completion_record *cr)
{
	memset(d, 0, sizeof(*d));
	d->opcode = DSA_OPCODE_NOOP;
	if (cr) {
		d->flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
		d->completion_addr = (uint64_t)(uintptr_t)cr;
	}
}

static void desc_move(struct dsa_hw_desc *d, struct dsa_completion_record *cr, void *dst,
		      const void *src, uint32_t len)
{
	memset(d, 0, sizeof(*d));
	d->opcode = DSA_OPCODE_MEMMOVE;
	d->flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR | IDXD_OP_FLAG_CC;
	d->completion_addr = (uint64_t)(uintptr_t)cr;
	d->src_addr = (uint64_t)(uintptr_t)src;
	d->dst_addr = (uint64_t)(uintptr_t)dst;
	d->xfer_size = len;
}

static void submit(struct dsa_hw_desc *d)
{
	int err = pasid_wq_submit(wq, d);

	if (err)
		bench_die("pasid_wq_submit: %s", strerror(-err));
}

static void wait_cr(struct dsa_completion_record *cr)
{
	if (pasid_wq_wait(wq, cr, WAIT_NS))
		bench_die("completion timed out");
	if (cr->status != DSA_COMP_SUCCESS)
		bench_die("descriptor failed: status %#x", cr->status);
}

/* ---- 6. submission ----------------------------------------------------- */

/*
 * One window of @n submissions of prepared no-op descriptors without
 * completion records: what is timed. noinline: bench/cpuid-check collects
 * exactly what runs inside it.
 */
__attribute__((noinline)) void bench_submit_window(struct pasid_wq *q, struct dsa_hw_desc *d,
						   unsigned int n);
__attribute__((noinline)) void bench_submit_window(struct pasid_wq *q, struct dsa_hw_desc *d,
						   unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		pasid_wq_submit(q, &d[i]);
}

/* What the sim dedicated WQ writes per descriptor: MOVDIR64B, else 64 bytes. */
static inline void store64(volatile void *dst, const void *src)
{
	if (have_movdir64b)
		pasid_movdir64b(dst, src);
	else
		memcpy((void *)(uintptr_t)dst, src, 64);
}

static struct bench_stats submit_lib(struct pasid_wq *q, unsigned int win, size_t rounds)
{
	struct dsa_hw_desc *d = xalloc(64, (win + 1) * sizeof(*d));
	struct dsa_completion_record *cr = xalloc(64, sizeof(*cr));
	struct bench_samples s;
	struct bench_stats st;

	for (unsigned int i = 0; i < win; i++)
		desc_noop(&d[i], NULL);
	bench_samples_init(&s, rounds);
	for (size_t r = 0; r < rounds + rounds / 10; r++) {
		uint64_t t0, t1;

		t0 = bench_tsc_begin();
		bench_submit_window(q, d, win);
		t1 = bench_tsc_end();
		/* drain: one more with a completion record (room: win < size) */
		cr->status = 0;
		desc_noop(&d[win], cr);
		if (pasid_wq_submit(q, &d[win]) || pasid_wq_wait(q, cr, WAIT_NS))
			bench_die("drain of the submission window failed");
		if (r >= rounds / 10)
			bench_samples_add(&s, sample_ns(t0, t1) / win);
	}
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	free(cr);
	free(d);
	return st;
}

/* The raw loop: the same stores into a private portal page, same rotation. */
static struct bench_stats submit_raw(unsigned int win, size_t rounds, bool same_line)
{
	struct dsa_hw_desc *d = xalloc(64, win * sizeof(*d));
	void *portal = xalloc(PASID_PORTAL_SIZE, PASID_PORTAL_SIZE);
	struct bench_samples s;
	struct bench_stats st;
	uint32_t off = 0;

	for (unsigned int i = 0; i < win; i++)
		desc_noop(&d[i], NULL);
	bench_samples_init(&s, rounds);
	for (size_t r = 0; r < rounds + rounds / 10; r++) {
		uint64_t t0, t1;

		t0 = bench_tsc_begin();
		for (unsigned int i = 0; i < win; i++) {
			volatile void *p = same_line ? portal : pasid_portal_next(portal, &off);

			store64(p, &d[i]);
		}
		t1 = bench_tsc_end();
		if (r >= rounds / 10)
			bench_samples_add(&s, sample_ns(t0, t1) / win);
	}
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	free(portal);
	free(d);
	return st;
}

/* A raw single-producer ring, drained by a thread that reads each slot. */
struct raw_ring {
	struct dsa_hw_desc *slots;
	uint32_t mask;
	_Alignas(64) uint64_t p_tail, p_head_cache;
	_Alignas(64) _Atomic uint64_t tail;
	_Alignas(64) _Atomic uint64_t head;
	_Alignas(64) _Atomic bool stop;
	/* handoff mode: the consumer writes a completion record per descriptor */
	bool complete;
	bool plain;		/* 64-byte stores even where MOVDIR64B exists */
	/*
	 * stamped: dword 0 of a slot carries (uint32_t)(index + 1), stored
	 * last; the consumer reads slots, not the tail, and stores its head
	 * once per group of up to 16 (the engine's shared-WQ rings)
	 */
	bool stamped;
	uint64_t sum;
};

static void *raw_consumer(void *arg)
{
	struct raw_ring *r = arg;
	uint64_t h = 0, sum = 0;

	while (!atomic_load_explicit(&r->stop, memory_order_acquire)) {
		uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);

		if (h == t) {
			pasid_pause();
			continue;
		}
		for (; h != t; h++) {
			_Alignas(64) struct dsa_hw_desc d = r->slots[h & r->mask];

			atomic_store_explicit(&r->head, h + 1, memory_order_release);
			sum += d.opcode;
			if (r->complete && (d.flags & IDXD_OP_FLAG_RCR)) {
				uint8_t *cr = (uint8_t *)(uintptr_t)d.completion_addr;

				memset(cr + 1, 0, 31);
				__atomic_store_n(cr, DSA_COMP_SUCCESS, __ATOMIC_RELEASE);
			}
		}
	}
	r->sum = sum;
	return NULL;
}

static bool stamped_next;	/* the next raw_ring_start() makes a stamped ring */

static inline uint32_t *raw_stamp(struct raw_ring *r, uint64_t i)
{
	return (uint32_t *)(void *)&r->slots[i & r->mask];
}

static void *raw_consumer_stamped(void *arg)
{
	struct raw_ring *r = arg;
	uint64_t h = 0, sum = 0;

	while (!atomic_load_explicit(&r->stop, memory_order_acquire)) {
		_Alignas(64) struct dsa_hw_desc d[16];
		unsigned int k = 0;

		while (k < 16 && __atomic_load_n(raw_stamp(r, h + k), __ATOMIC_ACQUIRE) ==
				 (uint32_t)(h + k + 1))
			k++;
		if (!k) {
			pasid_pause();
			continue;
		}
		for (unsigned int i = 0; i < k; i++)
			d[i] = r->slots[(h + i) & r->mask];
		h += k;
		atomic_store_explicit(&r->head, h, memory_order_release);
		for (unsigned int i = 0; i < k; i++) {
			sum += d[i].opcode;
			if (d[i].flags & IDXD_OP_FLAG_RCR) {
				uint8_t *cr = (uint8_t *)(uintptr_t)d[i].completion_addr;

				memset(cr + 1, 0, 31);
				__atomic_store_n(cr, DSA_COMP_SUCCESS, __ATOMIC_RELEASE);
			}
		}
	}
	r->sum = sum;
	return NULL;
}

static struct raw_ring *raw_ring_start(uint32_t size, bool complete, bool plain, pthread_t *th)
{
	struct raw_ring *r = xalloc(64, sizeof(*r));

	uint32_t cap = 64;

	while (cap < size)
		cap <<= 1;
	r->slots = xalloc(64, cap * sizeof(*r->slots));
	r->mask = cap - 1;
	r->complete = complete;
	r->plain = plain;
	r->stamped = plain && complete && stamped_next;
	stamped_next = false;
	/* no slot looks queued before its first use */
	for (uint32_t i = 0; i < cap; i++)
		*raw_stamp(r, i) = (uint32_t)(i + 1 - cap);
	if (pthread_create(th, NULL, r->stamped ? raw_consumer_stamped : raw_consumer, r))
		bench_die("pthread_create");
	return r;
}

static void raw_ring_stop(struct raw_ring *r, pthread_t th)
{
	atomic_store_explicit(&r->stop, true, memory_order_release);
	pthread_join(th, NULL);
	free(r->slots);
	free(r);
}

static inline bool raw_ring_push(struct raw_ring *r, const struct dsa_hw_desc *d, uint32_t size)
{
	uint64_t t = r->p_tail;

	if (t - r->p_head_cache >= size) {
		r->p_head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
		if (t - r->p_head_cache >= size)
			return false;
	}
	if (r->stamped) {
		memcpy((uint8_t *)&r->slots[t & r->mask] + 4, (const uint8_t *)d + 4, 60);
		__atomic_store_n(raw_stamp(r, t), (uint32_t)(t + 1), __ATOMIC_RELEASE);
	} else if (r->plain) {
		memcpy(&r->slots[t & r->mask], d, 64);
	} else {
		store64(&r->slots[t & r->mask], d);
		if (have_movdir64b)
			pasid_sfence();
	}
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
	r->p_tail = t + 1;
	return true;
}

static struct bench_stats submit_raw_ring(unsigned int win, size_t rounds)
{
	struct dsa_hw_desc *d = xalloc(64, win * sizeof(*d));
	struct bench_samples s;
	struct bench_stats st;
	pthread_t th;
	struct raw_ring *r = raw_ring_start(info.wq_size, false, false, &th);

	for (unsigned int i = 0; i < win; i++)
		desc_noop(&d[i], NULL);
	bench_samples_init(&s, rounds);
	for (size_t k = 0; k < rounds + rounds / 10; k++) {
		uint64_t t0, t1;

		t0 = bench_tsc_begin();
		for (unsigned int i = 0; i < win; i++)
			raw_ring_push(r, &d[i], info.wq_size);
		t1 = bench_tsc_end();
		while (atomic_load_explicit(&r->head, memory_order_acquire) != r->p_tail)
			pasid_pause();
		if (k >= rounds / 10)
			bench_samples_add(&s, sample_ns(t0, t1) / win);
	}
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	raw_ring_stop(r, th);
	free(d);
	return st;
}

static void bench_submission(void)
{
	unsigned int win = info.wq_size / 2;
	size_t rounds = nrounds(20000);
	struct bench_result *r;
	char note[256];

	snprintf(note, sizeof(note), "%s", have_movdir64b ? "MOVDIR64B" : "64-byte stores");
	bench_fact("submit_store", "%s (sim method %s)", note, info.method_name);
	bench_fact("submit_window", "%u descriptors per timed window, then drained", win);

	bench_add("submit.raw-rotating", "raw store loop, portal rotation, private page (baseline)",
		  "ns", submit_raw(win, rounds, false), NULL);
	bench_add("submit.raw-ring", "raw SPSC ring drained by another thread (baseline 2)", "ns",
		  submit_raw_ring(win, rounds), NULL);
	r = bench_add("submit.lib", "pasid_wq_submit, SIMULATED dedicated WQ (engine draining)",
		      "ns", submit_lib(wq, win, rounds), "submit.raw-rotating");
	bench_target(r, BENCH_RATIO_MAX, 1.2, "overhead <= 20% over the raw rotation loop");
	if (!have_movdir64b)
		bench_note(r, "this CPU has no MOVDIR64B: the sim WQ and both baselines use plain "
			      "64-byte stores");
	r = bench_add("submit.lib-vs-ring", "pasid_wq_submit against the raw ring (same traffic)",
		      "ns", r->st, "submit.raw-ring");
	bench_target(r, BENCH_RATIO_MAX, 1.2, "overhead <= 20% over a raw ring with a consumer");

	{
		/* a shared WQ: ENQCMD emulated; with a second handle open the accept test
		 * also reads the other portal's published tail and head (no lock) */
		struct pasid_wq *sq = NULL, *sq2 = NULL;

		if (pasid_wq_open(ctx, "dsa0/wq0.2", 0, &sq))
			bench_die("pasid_wq_open(dsa0/wq0.2): %s", pasid_ctx_last_error(ctx));
		bench_add("submit.shared-1", "pasid_wq_submit, SIMULATED shared WQ, one handle",
			  "ns", submit_lib(sq, win, rounds), "submit.raw-ring");
		if (pasid_wq_open(ctx, "dsa0/wq0.2", 0, &sq2))
			bench_die("second pasid_wq_open(dsa0/wq0.2): %s", pasid_ctx_last_error(ctx));
		r = bench_add("submit.shared-2", "the same with a second handle open (idle)", "ns",
			      submit_lib(sq, win, rounds), "submit.shared-1");
		bench_target(r, BENCH_RATIO_MAX, 1.2, "a second handle costs <= 20% (no mutex "
			     "per submission)");
		pasid_wq_close(sq2);
		pasid_wq_close(sq);
	}

	if (have_movdir64b) {
		bench_add("movdir64b.rotating", "MOVDIR64B over 64 lines of a page (baseline)", "ns",
			  submit_raw(win, rounds, false), NULL);
		bench_add("movdir64b.same-line", "MOVDIR64B to the same line every time", "ns",
			  submit_raw(win, rounds, true), "movdir64b.rotating");
	} else {
		char why[256];

		const char *hide = getenv("LIBPASID_CPU_HIDE");

		snprintf(why, sizeof(why), "not run: %s",
			 hide && strstr(hide, "movdir64b") ?
			 "MOVDIR64B hidden by LIBPASID_CPU_HIDE" :
			 (cpu_all & PASID_CPU_CPUID_MOVDIR64B) ?
			 "the kernel does not offer MOVDIR64B (no movdir64b in /proc/cpuinfo)" :
			 "this CPU has no MOVDIR64B (CPUID.(7,0):ECX[28] = 0)");
		bench_skip("movdir64b.same-line", "MOVDIR64B same line vs rotating over 64 lines",
			   why);
	}
}

/* ---- 7. engine ---------------------------------------------------------- */

/*
 * End-to-end no-ops: keep @win in flight, one completion record per slot
 * (every @cr_every-th descriptor asks for one; the engine runs a WQ in
 * order, so that record covers the ones before), records @stride bytes
 * apart. Returns ns per descriptor for each of @rounds rounds of
 * @per_round descriptors.
 */
#define CR_AT(base, i) ((struct dsa_completion_record *)((char *)(base) + stride * (i)))

static struct bench_stats noop_lib_stride(struct pasid_wq *q, unsigned int win,
					  unsigned int cr_every, size_t stride, size_t rounds,
					  size_t per_round)
{
	struct dsa_hw_desc *d = xalloc(64, win * sizeof(*d));
	struct dsa_completion_record *cr = xalloc(64, win * stride);
	struct bench_samples s;
	struct bench_stats st;

	bench_samples_init(&s, rounds);
	for (size_t k = 0; k < rounds + 1; k++) {
		uint64_t t0 = bench_now_ns(), t1;

		for (size_t i = 0; i < per_round; i++) {
			unsigned int slot = (unsigned int)(i % win);
			struct dsa_completion_record *c = CR_AT(cr, slot);
			bool want = (i + 1) % cr_every == 0;

			/*
			 * Before a block of cr_every: everything up to i + cr_every - 1
			 * - win must be done (at most win in flight, or the dedicated
			 * WQ drops). That descriptor ends a block: it has a record.
			 */
			if (i % cr_every == 0 && i >= win)
				wait_cr(CR_AT(cr, (i + cr_every - 1 - win) % win));
			if (want)
				c->status = 0;
			desc_noop(&d[slot], want ? c : NULL);
			if (pasid_wq_submit(q, &d[slot]))
				bench_die("pasid_wq_submit: no-op refused");
		}
		wait_cr(CR_AT(cr, (per_round - 1) % win));
		t1 = bench_now_ns();
		if (k)
			bench_samples_add(&s, (double)(t1 - t0) / (double)per_round);
	}
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	free(cr);
	free(d);
	return st;
}
#undef CR_AT

/* Records a line each: what every row but the packed one measures. */
static struct bench_stats noop_lib(struct pasid_wq *q, unsigned int win, unsigned int cr_every,
				   size_t rounds, size_t per_round)
{
	return noop_lib_stride(q, win, cr_every, 64, rounds, per_round);
}

/* The same handoff over the raw ring: the floor for two threads. */
static struct bench_stats noop_raw(unsigned int win, size_t rounds, size_t per_round, bool plain)
{
	struct dsa_hw_desc *d = xalloc(64, win * sizeof(*d));
	struct dsa_completion_record *cr = xalloc(64, win * 64);
	struct bench_samples s;
	struct bench_stats st;
	pthread_t th;
	struct raw_ring *r = raw_ring_start(info.wq_size, true, plain, &th);

	bench_samples_init(&s, rounds);
	for (size_t k = 0; k < rounds + 1; k++) {
		uint64_t t0 = bench_now_ns(), t1;

		for (size_t i = 0; i < per_round; i++) {
			unsigned int slot = (unsigned int)(i % win);
			struct dsa_completion_record *c =
				(struct dsa_completion_record *)((char *)cr + 64 * slot);

			if (i >= win)
				while (!__atomic_load_n(&c->status, __ATOMIC_ACQUIRE))
					pasid_pause();
			c->status = 0;
			desc_noop(&d[slot], c);
			while (!raw_ring_push(r, &d[slot], info.wq_size))
				pasid_pause();
		}
		for (unsigned int j = 0; j < win; j++) {
			struct dsa_completion_record *c =
				(struct dsa_completion_record *)((char *)cr + 64 * j);

			while (!__atomic_load_n(&c->status, __ATOMIC_ACQUIRE))
				pasid_pause();
		}
		t1 = bench_now_ns();
		if (k)
			bench_samples_add(&s, (double)(t1 - t0) / (double)per_round);
	}
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	raw_ring_stop(r, th);
	free(cr);
	free(d);
	return st;
}

static void bench_noop(void)
{
	unsigned int win = info.wq_size;
	/* many short rounds: the median skips the ones another process preempted */
	size_t rounds = nrounds(300), per = getenv("BENCH_WQ_NOOP_PER") ?
		strtoul(getenv("BENCH_WQ_NOOP_PER"), NULL, 0) : 16384;
	struct bench_result *r;
	struct bench_stats st;
	struct pasid_wq *sq = NULL;

	/*
	 * The engine with one submitter on the shared WQ: ENQCMD is emulated
	 * with ordinary 64-byte stores, so this is the engine's own rate.
	 */
	if (pasid_wq_open(ctx, "dsa0/wq0.2", 0, &sq))
		bench_die("pasid_wq_open(dsa0/wq0.2): %s", pasid_ctx_last_error(ctx));
	bench_add("engine.noop.raw-handoff-stores",
		  "raw 2-thread handoff with 64-byte stores, completion each (baseline)",
		  "ns/desc", noop_raw(win, rounds, per, true), NULL);
	stamped_next = true;
	bench_add("engine.noop.raw-handoff-stamped",
		  "raw 2-thread handoff, stamped 64-byte slots (no tail read), head per 16, "
		  "completion each (baseline)", "ns/desc", noop_raw(win, rounds, per, true), NULL);
	st = noop_lib(sq, win, 1, rounds, per);
	bench_add("engine.noop.shared", "no-op end to end, completion record each, SIMULATED "
		  "shared WQ (one submitter)", "ns/desc", st, "engine.noop.raw-handoff-stores");
	bench_add("engine.noop.shared-vs-stamped", "the same against the stamped raw handoff",
		  "ns/desc", st, "engine.noop.raw-handoff-stamped");
	r = bench_add_value("engine.noop.shared-rate",
			    "no-op descriptors per second, shared WQ, one submitter", "M/s",
			    1000.0 / st.p50, NULL);
	bench_target(r, BENCH_VALUE_MIN, 20.0, ">= 20 M/s, one submitter and one engine thread");
	/*
	 * The same with the records 32 bytes apart (the DSA record size and
	 * alignment): two share a line, which the engine writes once for
	 * both and the caller takes back once for both.
	 */
	st = noop_lib_stride(sq, win, 1, 32, rounds, per);
	bench_add("engine.noop.shared-packed", "no-op end to end, completion record each, records "
		  "32 B apart (two per line), SIMULATED shared WQ", "ns/desc", st,
		  "engine.noop.raw-handoff-stamped");
	r = bench_add_value("engine.noop.shared-packed-rate",
			    "no-op per second, shared WQ, record each, two records per line", "M/s",
			    1000.0 / st.p50, NULL);
	bench_target(r, BENCH_VALUE_MIN, 20.0, ">= 20 M/s, one submitter and one engine thread");
	st = noop_lib(sq, win, win / 2, rounds, per);
	bench_add("engine.noop.shared-coalesced", "no-op end to end, shared WQ, completion record "
		  "every wq_size/2 descriptors", "ns/desc", st, "engine.noop.raw-handoff-stores");
	r = bench_add_value("engine.noop.shared-coalesced-rate",
			    "no-op per second, shared WQ, coalesced completions", "M/s",
			    1000.0 / st.p50, NULL);
	bench_target(r, BENCH_VALUE_MIN, 20.0, ">= 20 M/s, one submitter and one engine thread");
	pasid_wq_close(sq);

	/* The dedicated WQ: the real MOVDIR64B where the CPU has it. */
	bench_add("engine.noop.raw-handoff",
		  have_movdir64b ? "raw 2-thread handoff, MOVDIR64B descriptor + 32 B completion "
				   "each (baseline)" :
				   "raw 2-thread handoff, 64 B descriptor + 32 B completion each "
				   "(baseline)",
		  "ns/desc", noop_raw(win, rounds, per, false), NULL);
	st = noop_lib(wq, win, 1, rounds, per);
	r = bench_add("engine.noop.lib", "no-op end to end, completion record each, SIMULATED "
		      "dedicated WQ", "ns/desc", st, "engine.noop.raw-handoff");
	r = bench_add_value("engine.noop.lib-rate",
			    "no-op descriptors per second, dedicated WQ, end to end", "M/s",
			    1000.0 / st.p50, NULL);
	bench_target(r, BENCH_VALUE_MIN, 20.0, ">= 20 M/s, one submitter and one engine thread");
	if (have_movdir64b)
		bench_note(r, "each submission executes MOVDIR64B into the simulated ring "
			      "(sim-movdir64b): see movdir64b.rotating for what the instruction "
			      "alone costs on this CPU");
	st = noop_lib(wq, win, win / 2, rounds, per);
	r = bench_add("engine.noop.lib-coalesced",
		      "no-op end to end, completion record every wq_size/2 descriptors", "ns/desc",
		      st, "engine.noop.raw-handoff");
	bench_add_value("engine.noop.lib-coalesced-rate", "no-op per second, coalesced completions",
			"M/s", 1000.0 / st.p50, NULL);
}

/* Stats of ns per @len-byte operation turned into GB/s (p99: the slow end). */
static struct bench_stats to_gbs(struct bench_stats ns, size_t len)
{
	struct bench_stats g = ns;

	g.p50 = (double)len / ns.p50;
	g.p99 = (double)len / ns.p99;
	g.mean = (double)len / ns.mean;
	g.min = (double)len / ns.max;
	g.max = (double)len / ns.min;
	return g;
}

/* memcpy over @nb buffer pairs in turn: the baseline, ns per copy per round. */
static struct bench_stats move_memcpy(char **src, char **dst, unsigned int nb, size_t len,
				      size_t rounds, size_t per_round)
{
	struct bench_samples s;
	struct bench_stats st;

	bench_samples_init(&s, rounds);
	for (size_t k = 0; k < rounds + 1; k++) {
		uint64_t t0 = bench_now_ns(), t1;

		for (size_t i = 0; i < per_round; i++) {
			memcpy(dst[i % nb], src[i % nb], len);
			bench_use(dst[i % nb]);
		}
		t1 = bench_now_ns();
		if (k)
			bench_samples_add(&s, (double)(t1 - t0) / (double)per_round);
	}
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	return st;
}

/* MEMMOVE through the sim WQ, @inflight at a time over @nb buffer pairs. */
static struct bench_stats move_lib(char **src, char **dst, unsigned int nb, size_t len,
				   unsigned int inflight, size_t rounds, size_t per_round)
{
	struct dsa_hw_desc *d = xalloc(64, inflight * sizeof(*d));
	struct dsa_completion_record *cr = xalloc(64, inflight * 64);
	struct bench_samples s;
	struct bench_stats st;

	bench_samples_init(&s, rounds);
	for (size_t k = 0; k < rounds + 1; k++) {
		uint64_t t0 = bench_now_ns(), t1;

		for (size_t i = 0; i < per_round; i++) {
			unsigned int slot = (unsigned int)(i % inflight);
			struct dsa_completion_record *c =
				(struct dsa_completion_record *)((char *)cr + 64 * slot);

			if (i >= inflight)
				wait_cr(c);
			c->status = 0;
			desc_move(&d[slot], c, dst[i % nb], src[i % nb], (uint32_t)len);
			submit(&d[slot]);
		}
		for (unsigned int j = 0; j < inflight && j < per_round; j++)
			wait_cr((struct dsa_completion_record *)((char *)cr + 64 * j));
		t1 = bench_now_ns();
		if (k)
			bench_samples_add(&s, (double)(t1 - t0) / (double)per_round);
	}
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	free(cr);
	free(d);
	return st;
}

static void bench_memmove(void)
{
	static const struct {
		size_t len;
		const char *tag;
		size_t per_round;
	} sizes[] = {
		{ 4096, "4k", 512 },
		{ 65536, "64k", 64 },
		{ 1u << 20, "1m", 8 },
	};
	enum { NB = 4 };
	char *src[NB], *dst[NB], id[96], base[96], title[160];

	for (size_t z = 0; z < 3; z++) {
		size_t len = sizes[z].len, per = sizes[z].per_round, rounds = nrounds(300);
		struct bench_result *r;

		for (int b = 0; b < NB; b++) {
			src[b] = xalloc(4096, len);
			dst[b] = xalloc(4096, len);
			memset(src[b], 0x5a + b, len);
		}
		snprintf(base, sizeof(base), "memmove.%s.memcpy", sizes[z].tag);
		snprintf(title, sizeof(title), "memcpy %zu B in the submitting thread (baseline)", len);
		bench_add(base, title, "GB/s",
			  to_gbs(move_memcpy(src, dst, NB, len, rounds, per), len), NULL);
		for (unsigned int infl = 1; infl <= 4; infl *= 4) {
			snprintf(id, sizeof(id), "memmove.%s.lib-inflight%u", sizes[z].tag, infl);
			snprintf(title, sizeof(title),
				 "MEMMOVE %zu B via sim WQ, %u in flight, end to end", len, infl);
			r = bench_add(id, title, "GB/s",
				      to_gbs(move_lib(src, dst, NB, len, infl, rounds, per), len),
				      base);
			bench_target(r, BENCH_RATIO_MIN, 0.8, ">= 0.8x memcpy throughput");
		}
		for (int b = 0; b < NB; b++) {
			free(src[b]);
			free(dst[b]);
		}
	}
}

/* ---- main ----------------------------------------------------------------- */

static void cpuid_probe(void)
{
	unsigned int win = info.wq_size / 2;
	struct dsa_hw_desc *d = xalloc(64, (win + 1) * sizeof(*d));
	struct dsa_completion_record *cr = xalloc(64, sizeof(*cr));

	for (unsigned int i = 0; i < win; i++)
		desc_noop(&d[i], NULL);
	for (int r = 0; r < 100; r++) {
		bench_submit_window(wq, d, win);
		cr->status = 0;
		desc_noop(&d[win], cr);
		submit(&d[win]);
		wait_cr(cr);
	}
	printf("cpuid-probe: %d windows of %u submissions\n", 100, win);
	free(cr);
	free(d);
}

/*
 * The built-in platform's dedicated WQs have 16 entries: too few to time a
 * window of submissions with a TSC that ticks every ~10 ns. This one has a
 * 128-entry dedicated WQ (the DSA maximum), the built-in 16-entry one and a
 * 128-entry shared WQ.
 */
static const char topology[] =
	"{ \"rids\": [],\n"
	"  \"devices\": [ { \"name\": \"dsa0\", \"type\": \"dsa\", \"rid\": \"0000:6a:01.0\",\n"
	"      \"width\": 20, \"wqs\": [\n"
	"        { \"name\": \"wq0.0\", \"mode\": \"dedicated\", \"size\": 128 },\n"
	"        { \"name\": \"wq0.1\", \"mode\": \"dedicated\", \"size\": 16 },\n"
	"        { \"name\": \"wq0.2\", \"mode\": \"shared\", \"size\": 128 } ] } ] }\n";

static void write_topology(char *path, size_t len)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd;

	snprintf(path, len, "%s/bench-wq-topology.XXXXXX", dir && *dir ? dir : "/tmp");
	fd = mkstemp(path);
	if (fd < 0 || !(f = fdopen(fd, "w")))
		bench_die("cannot write a topology file %s", path);
	fputs(topology, f);
	fclose(f);
}

static void loadavg_fact(const char *key)
{
	FILE *f = fopen("/proc/loadavg", "re");
	char buf[64] = "";

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = 0;
	bench_fact(key, "%s", buf);
}

int main(int argc, char **argv)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	char topo_path[256];
	bool probe = argc > 1 && !strcmp(argv[1], "--cpuid-probe");
	const char *only = getenv("BENCH_WQ_ONLY");	/* submit, noop, memmove */
	uint64_t cpu = 0;
	int err;

	if (probe) {
		argc--;
		argv++;
	}
	/*
	 * The probe runs under callgrind, whose decoder (valgrind 3.19) rejects
	 * RDTSCP on this CPU; it times nothing, so it skips the clock calibration.
	 */
	if (!probe) {
		bench_begin("bench-wq", argc, argv);
		overhead = bench_timer_overhead();
	}
	pasid_cpu_features(&cpu);
	cpu_all = cpu;
	have_movdir64b = (cpu & PASID_CPU_MOVDIR64B) && (cpu & PASID_CPU_CPUID_MOVDIR64B);
	bench_fact("cpu_movdir64b", "%s", have_movdir64b ? "yes" : "no");
	bench_fact("cpu_enqcmd", "%s", cpu & PASID_CPU_ENQCMD ? "yes" : "no");
	bench_fact("cpu_waitpkg", "%s", cpu & PASID_CPU_WAITPKG ? "yes" : "no");

	loadavg_fact("loadavg_start");
	write_topology(topo_path, sizeof(topo_path));
	o.sim_topology = topo_path;
	err = pasid_ctx_new(&o, &ctx);
	unlink(topo_path);
	if (err)
		bench_die("pasid_ctx_new(sim): %s: %s", strerror(-err), pasid_strerror_last());
	err = pasid_wq_open(ctx, "dsa0/wq0.0", 0, &wq);
	if (err)
		bench_die("pasid_wq_open(dsa0/wq0.0): %s: %s", strerror(-err),
			  pasid_ctx_last_error(ctx));
	info.size = sizeof(info);
	pasid_wq_get_info(wq, &info);
	if (info.mode != PASID_WQ_DEDICATED)
		bench_die("dsa0/wq0.0 is not dedicated");
	bench_fact("wq", "%s, %u entries, method %s", info.name, info.wq_size, info.method_name);
	printf("# %s: %s, %u entries, %s\n", info.name, "SIMULATED dedicated WQ", info.wq_size,
	       info.method_name);

	if (probe) {
		cpuid_probe();
	} else {
		if (!only || strstr(only, "submit"))
			bench_submission();
		if (!only || strstr(only, "noop"))
			bench_noop();
		if (!only || strstr(only, "memmove"))
			bench_memmove();
	}
	pasid_wq_close(wq);
	pasid_ctx_unref(ctx);
	loadavg_fact("loadavg_end");
	return bench_end();
}
