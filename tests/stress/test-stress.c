// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-stress.c - many threads on a few shared SIMULATED contexts.
 *
 * STRESS_THREADS workers (default 8) share STRESS_CTXS contexts (default 4:
 * four simulated processes), so every context is used by several threads at
 * once, as docs/threading.md allows. Each worker does STRESS_OPS random
 * operations (default 50000): group and global allocations (some exact),
 * extend, free, attach, detach, mock RID hot-add/remove, a private context
 * opened and closed, and work-queue open/submit/wait/close on the simulated
 * engine. Every return value must be one the API documents for that call.
 *
 * A monitor thread takes snapshots through pasid_list_allocs() the whole
 * time and checks the invariants that hold at every instant (no value twice
 * on a RID, globals not shared); one context is subscribed to events and
 * drained. At the end, on a quiescent platform, the cross-checks (nr_values,
 * nr_attached, widths) run, then every context is closed and the platform
 * must hold nothing.
 *
 * Built plainly for the unit suite (and run there under ASan+UBSan and
 * valgrind by tests/run), and with clang -fsanitize=thread by
 * tests/stress/tsan.sh. Exit 0 on success; any violation prints where and
 * why and exits 1.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/idxd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpasid/pasid.h>
#include <libpasid/testing.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

#include "snapshot.h"

#define MAX_THREADS	64
#define MAX_CTXS	16
#define SEG		0x00fd0000u		/* our mock RIDs: 00fd:01:dd.f */
#define NR_STABLE	12
#define NR_HOT		8
#define SEC		1000000000ull

enum op {
	OP_ALLOC_GROUP, OP_ALLOC_EXACT, OP_ALLOC_GLOBAL, OP_EXTEND, OP_FREE, OP_ATTACH,
	OP_DETACH, OP_RID_ADD, OP_RID_REMOVE, OP_PRIVATE_CTX, OP_WQ, NR_OPS
};

static const char *const op_names[NR_OPS] = {
	"alloc-group", "alloc-exact", "alloc-global", "extend", "free", "attach", "detach",
	"rid-add", "rid-remove", "private-ctx", "wq-open-submit",
};

/* Relative frequency of each operation. */
static const unsigned int op_weight[NR_OPS] = { 20, 4, 3, 10, 12, 10, 8, 2, 2, 1, 2 };

static unsigned int nr_threads = 8, nr_ctxs = 4, nr_ops = 50000, use_wq = 1;
static uint64_t seed0;
static struct pasid_ctx *ctxs[MAX_CTXS];
static struct pasid_ctx *admin;
static uint32_t stable[NR_STABLE], hot[NR_HOT];
static atomic_bool stop_monitor;
static atomic_ulong done[NR_OPS], ok[NR_OPS], snaps, events_seen, descs_done;

static uint64_t rnd(uint64_t *s)
{
	/* xorshift64* */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1Dull;
}

static unsigned int rnd_below(uint64_t *s, unsigned int n)
{
	return (unsigned int)(rnd(s) % n);
}

static uint32_t rnd_rid(uint64_t *s)
{
	unsigned int i = rnd_below(s, NR_STABLE + NR_HOT);

	return i < NR_STABLE ? stable[i] : hot[i - NR_STABLE];
}

static bool allowed(int err, const int *ok_errs)
{
	if (err == 0)
		return true;
	for (; *ok_errs; ok_errs++)
		if (err == *ok_errs)
			return true;
	return false;
}

#define EXPECT(op, err, ...)							\
	do {									\
		static const int ok_[] = { __VA_ARGS__, 0 };			\
		CHECK(allowed((err), ok_), "%s: unexpected %d (%s)", op_names[op], (err), \
		      strerror(-(err)));					\
	} while (0)

/* What a worker remembers it allocated: (context, value). */
struct held {
	unsigned int ctx;
	uint32_t pasid;
};

struct worker {
	pthread_t thread;
	unsigned int id;
	uint64_t rng;
	struct held held[64];
	unsigned int nr_held;
	uint8_t *buf;		/* src and dst for work-queue descriptors */
};

/* Keep at most 64 per worker: the oldest idea of a value is freed to make room. */
static void remember(struct worker *w, unsigned int c, uint32_t v)
{
	if (w->nr_held == sizeof(w->held) / sizeof(w->held[0])) {
		struct held *h = &w->held[rnd_below(&w->rng, w->nr_held)];
		int err = pasid_free(ctxs[h->ctx], h->pasid);

		CHECK(!err || err == -ENOENT || err == -EPERM, "free: unexpected %d", err);
		*h = (struct held){ c, v };
	} else {
		w->held[w->nr_held++] = (struct held){ c, v };
	}
}

static struct held *pick(struct worker *w)
{
	return w->nr_held ? &w->held[rnd_below(&w->rng, w->nr_held)] : NULL;
}

static void forget(struct worker *w, struct held *h)
{
	*h = w->held[--w->nr_held];
}

static enum op pick_op(struct worker *w)
{
	unsigned int total = 0, r;

	for (int i = 0; i < NR_OPS; i++)
		total += op_weight[i];
	r = rnd_below(&w->rng, total);
	for (int i = 0; i < NR_OPS; i++) {
		if (r < op_weight[i])
			return (enum op)i;
		r -= op_weight[i];
	}
	return OP_ALLOC_GROUP;
}

static int alloc_group(struct worker *w, unsigned int c, uint32_t flags, uint32_t *v)
{
	uint32_t rids[3];
	unsigned int n = 1 + rnd_below(&w->rng, 3), i = 0;

	while (i < n) {
		uint32_t r = rnd_rid(&w->rng);
		bool dup = false;

		for (unsigned int k = 0; k < i; k++)
			dup |= rids[k] == r;
		if (!dup)
			rids[i++] = r;
	}
	return pasid_alloc_for_rids(ctxs[c], rids, n, flags, v);
}

/* Open a WQ, run 1..4 memmoves through it, close it. */
static void wq_op(struct worker *w, unsigned int c)
{
	static const char *const names[] = { "dsa0/wq0.0", "dsa2/wq2.0", "iax1/wq1.0",
					     "dsa0/wq0.1" };
	_Alignas(64) struct dsa_hw_desc d;
	/* IAA writes 64-byte completion records (pasid_wq_info.cr_align) */
	_Alignas(64) union {
		struct dsa_completion_record r;
		uint8_t iaa[64];
	} cr;
	const char *name = names[rnd_below(&w->rng, 4)];
	struct pasid_wq *wq = NULL;
	unsigned int n = 1 + rnd_below(&w->rng, 4);
	int err;

	err = pasid_wq_open(ctxs[c], name, 0, &wq);
	/*
	 * EBUSY: the dedicated WQ is taken. The others: the context's global
	 * could not be had (ENOSPC), or another thread freed it between the
	 * open's allocation and its attach, and the value went elsewhere
	 * (ENOENT; EPERM: another context's; EINVAL: a group of this context).
	 */
	EXPECT(OP_WQ, err, -EBUSY, -ENOSPC, -ENOENT, -EPERM, -EINVAL, -ERANGE, -EEXIST);
	if (err)
		return;
	for (unsigned int i = 0; i < n; i++) {
		size_t len = 64 + rnd_below(&w->rng, 1024);
		uint8_t fill = (uint8_t)rnd(&w->rng);
		int st;

		memset(w->buf, fill, len);
		memset(w->buf + 4096, (uint8_t)~fill, len);
		memset(&d, 0, sizeof(d));
		memset(&cr, 0, sizeof(cr));
		d.opcode = DSA_OPCODE_MEMMOVE;
		d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
		d.completion_addr = (uintptr_t)&cr.r;
		d.src_addr = (uintptr_t)w->buf;
		d.dst_addr = (uintptr_t)(w->buf + 4096);
		d.xfer_size = (uint32_t)len;
		err = pasid_wq_submit(wq, &d);
		EXPECT(OP_WQ, err, -EAGAIN);
		if (err)
			continue;
		CHECK(pasid_wq_wait(wq, &cr.r, 10 * SEC) == 0, "%s: no completion in 10 s", name);
		st = __atomic_load_n(&cr.r.status, __ATOMIC_ACQUIRE) & DSA_COMP_STATUS_MASK;
		/* another thread may free the context's global (and so its binding) */
		CHECK(st == DSA_COMP_SUCCESS || st == DSA_COMP_TRANSLATION_FAIL,
		      "%s: completion status %#x", name, st);
		if (st == DSA_COMP_SUCCESS)
			CHECK(memcmp(w->buf, w->buf + 4096, len) == 0, "%s: memmove wrong", name);
		atomic_fetch_add(&descs_done, 1);
	}
	pasid_wq_close(wq);
}

/* A context of its own: allocate, and close with the allocations live. */
static void private_ctx(struct worker *w)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	struct pasid_ctx *p = NULL;
	uint32_t v = 0, rid = rnd_rid(&w->rng);
	int err = pasid_ctx_new(&o, &p);

	CHECK(!err, "pasid_ctx_new: %d %s", err, pasid_strerror_last());
	err = pasid_alloc_for_rids(p, &rid, 1, 0, &v);
	EXPECT(OP_PRIVATE_CTX, err, -ENODEV, -ENOSPC);
	if (!err) {
		/* EINVAL: another thread removed the RID (dropping it from the
		 * group) and added it again in between */
		err = pasid_attach(p, v, rid);
		EXPECT(OP_PRIVATE_CTX, err, -ENODEV, -EINVAL);
	}
	if (rnd_below(&w->rng, 2)) {
		err = pasid_alloc_global_enqcmd(p, 0, &v);
		EXPECT(OP_PRIVATE_CTX, err, -ENOSPC);
	}
	pasid_ctx_unref(p);
}

static bool run_op(struct worker *w, enum op op)
{
	unsigned int c = rnd_below(&w->rng, nr_ctxs);
	struct held *h;
	uint32_t v = 0;
	int err;

	switch (op) {
	case OP_ALLOC_GROUP:
		err = alloc_group(w, c, 0, &v);
		EXPECT(op, err, -ENODEV, -ENOSPC);
		if (!err)
			remember(w, c, v);
		return !err;
	case OP_ALLOC_EXACT:
		v = 1 + rnd_below(&w->rng, rnd_below(&w->rng, 2) ? 64 : PASID_LIMIT - 1);
		err = alloc_group(w, c, PASID_ALLOC_EXACT, &v);
		EXPECT(op, err, -ENODEV, -ERANGE, -EEXIST, -EBUSY);
		if (!err)
			remember(w, c, v);
		return !err;
	case OP_ALLOC_GLOBAL:
		err = pasid_alloc_global_enqcmd(ctxs[c], 0, &v);
		EXPECT(op, err, -ENOSPC);
		if (!err)
			remember(w, c, v);
		return !err;
	case OP_EXTEND:
		h = pick(w);
		if (!h)
			return false;
		err = pasid_extend(ctxs[h->ctx], h->pasid, rnd_rid(&w->rng));
		EXPECT(op, err, -ENOENT, -EPERM, -EINVAL, -ENODEV, -EALREADY, -ERANGE, -EBUSY,
		       -E2BIG);
		return !err;
	case OP_FREE:
		h = pick(w);
		if (!h)
			return false;
		err = pasid_free(ctxs[h->ctx], h->pasid);
		EXPECT(op, err, -ENOENT, -EPERM);
		forget(w, h);
		return !err;
	case OP_ATTACH:
	case OP_DETACH:
		h = pick(w);
		if (!h)
			return false;
		if (op == OP_ATTACH) {
			err = pasid_attach(ctxs[h->ctx], h->pasid, rnd_rid(&w->rng));
			EXPECT(op, err, -ENOENT, -EPERM, -ENODEV, -EINVAL, -ERANGE, -EALREADY);
		} else {
			err = pasid_detach(ctxs[h->ctx], h->pasid, rnd_rid(&w->rng));
			EXPECT(op, err, -ENOENT, -EPERM, -ENODEV);
		}
		return !err;
	case OP_RID_ADD:
		err = pasid_mock_rid_add(ctxs[c], hot[rnd_below(&w->rng, NR_HOT)],
					 9 + rnd_below(&w->rng, PASID_WIDTH_MAX - 8));
		EXPECT(op, err, -EEXIST);
		return !err;
	case OP_RID_REMOVE:
		err = pasid_mock_rid_remove(ctxs[c], hot[rnd_below(&w->rng, NR_HOT)]);
		EXPECT(op, err, -ENODEV);
		return !err;
	case OP_PRIVATE_CTX:
		private_ctx(w);
		return true;
	case OP_WQ:
		if (!use_wq)
			return false;
		wq_op(w, c);
		return true;
	default:
		return false;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (unsigned int i = 0; i < nr_ops; i++) {
		enum op op = pick_op(w);

		atomic_fetch_add_explicit(&done[op], 1, memory_order_relaxed);
		if (run_op(w, op))
			atomic_fetch_add_explicit(&ok[op], 1, memory_order_relaxed);
	}
	return NULL;
}

static void count_event(const struct pasid_event *ev, void *data)
{
	(void)data;
	CHECK(ev->type >= PASID_EVENT_ALLOC && ev->type <= PASID_EVENT_RID_REMOVE,
	      "event type %u", ev->type);
	atomic_fetch_add_explicit(&events_seen, 1, memory_order_relaxed);
}

/* Snapshots while the workers run; events drained from the same thread. */
static void *monitor_main(void *arg)
{
	struct pasid_ctx *mon = arg;
	char msg[256];

	while (!atomic_load(&stop_monitor)) {
		struct snap s;
		int err = snap_take(mon, &s);

		CHECK(!err, "monitor: list: %d", err);
		CHECK(!snap_check(&s, false, msg, sizeof(msg)), "monitor: invariant broken: %s",
		      msg);
		snap_free(&s);
		atomic_fetch_add(&snaps, 1);
		err = pasid_ctx_dispatch_events(ctxs[0], count_event, NULL);
		CHECK(err >= 0, "dispatch: %d", err);
	}
	return NULL;
}

static unsigned int env_uint(const char *name, unsigned int def, unsigned int max)
{
	const char *s = getenv(name);
	unsigned long v;
	char *end;

	if (!s || !*s)
		return def;
	v = strtoul(s, &end, 0);
	if (*end || v > max)
		FAIL("%s=%s: expected 0..%u", name, s, max);
	return (unsigned int)v;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	static struct worker w[MAX_THREADS];
	struct pasid_ctx *mon = NULL;
	unsigned long total = 0, total_ok = 0;
	pthread_t monitor;
	char msg[256];
	struct snap s;
	double t0;

	nr_threads = env_uint("STRESS_THREADS", nr_threads, MAX_THREADS);
	nr_ctxs = env_uint("STRESS_CTXS", nr_ctxs, MAX_CTXS);
#ifdef RUNNING_ON_VALGRIND
	if (RUNNING_ON_VALGRIND)
		nr_ops /= 20;	/* tests/run's memcheck pass: leaks, not load */
#endif
	nr_ops = env_uint("STRESS_OPS", nr_ops, 100000000);
	use_wq = env_uint("STRESS_WQ", use_wq, 1);
	seed0 = env_uint("STRESS_SEED", (unsigned int)time(NULL), ~0u);
	CHECK(nr_threads && nr_ctxs, "STRESS_THREADS and STRESS_CTXS must be > 0");
	printf("test-stress: %u threads x %u ops on %u shared sim contexts, seed %" PRIu64
	       " (STRESS_SEED to repeat), wq %s\n", nr_threads, nr_ops, nr_ctxs, seed0,
	       use_wq ? "on" : "off");

	CHECK(!pasid_ctx_new(&o, &admin), "admin context: %s", pasid_strerror_last());
	for (unsigned int i = 0; i < NR_STABLE; i++) {
		stable[i] = SEG | 0x0100 | i << 3;
		/* two narrow RIDs make ENOSPC and ERANGE happen (globals must fit
		 * them too: narrower would leave no value for globals) */
		CHECK(!pasid_mock_rid_add(admin, stable[i], i < 2 ? 9 : 20), "rid add: %s",
		      pasid_ctx_last_error(admin));
	}
	for (unsigned int i = 0; i < NR_HOT; i++)
		hot[i] = SEG | 0x0200 | i << 3;
	for (unsigned int i = 0; i < nr_ctxs; i++) {
		uint32_t v;

		CHECK(!pasid_ctx_new(&o, &ctxs[i]), "context %u: %s", i, pasid_strerror_last());
		/*
		 * Each process takes its ENQCMD PASID first, as a real one does
		 * before opening WQs: once hundreds of groups live, no value below
		 * 2^8 may be free everywhere any more (see test-global-starvation).
		 */
		CHECK(!pasid_alloc_global_enqcmd(ctxs[i], 0, &v), "global: %s",
		      pasid_ctx_last_error(ctxs[i]));
	}
	CHECK(!pasid_ctx_new(&o, &mon), "monitor context: %s", pasid_strerror_last());
	CHECK(pasid_ctx_get_event_fd(ctxs[0]) >= 0, "event fd");

	t0 = now_s();
	CHECK(!pthread_create(&monitor, NULL, monitor_main, mon), "monitor thread");
	for (unsigned int i = 0; i < nr_threads; i++) {
		w[i].id = i;
		w[i].rng = (seed0 + 1) * 0x9E3779B97F4A7C15ull + i * 0xD1B54A32D192ED03ull;
		if (!w[i].rng)
			w[i].rng = 1;
		w[i].buf = aligned_alloc(4096, 8192);
		CHECK(w[i].buf, "out of memory");
		CHECK(!pthread_create(&w[i].thread, NULL, worker_main, &w[i]), "thread %u", i);
	}
	for (unsigned int i = 0; i < nr_threads; i++) {
		pthread_join(w[i].thread, NULL);
		free(w[i].buf);
	}
	atomic_store(&stop_monitor, true);
	pthread_join(monitor, NULL);

	/* quiescent: the full cross-check */
	CHECK(!snap_take(admin, &s), "final list");
	CHECK(!snap_check(&s, true, msg, sizeof(msg)), "final state: %s", msg);
	printf("test-stress: final state: %zu allocations on %zu RIDs, invariants hold\n", s.nr,
	       s.nr_r);
	snap_free(&s);
	CHECK(pasid_ctx_dispatch_events(ctxs[0], count_event, NULL) >= 0, "dispatch");

	for (unsigned int i = 0; i < nr_ctxs; i++)
		ctxs[i] = pasid_ctx_unref(ctxs[i]);
	mon = pasid_ctx_unref(mon);
	/* every owner is gone: nothing may be held, nothing bound */
	CHECK(!snap_take(admin, &s), "list after close");
	CHECK(!snap_check(&s, true, msg, sizeof(msg)), "after close: %s", msg);
	CHECK(s.nr == 0, "after every context closed, %zu allocations remain (first: PASID %u)",
	      s.nr, s.nr ? s.a[0].pasid : 0);
	for (size_t i = 0; i < s.nr_r; i++)
		CHECK(!s.r[i].nr_values && !s.r[i].nr_attached,
		      "RID %#x still has %u values, %u bindings", s.r[i].rid, s.r[i].nr_values,
		      s.r[i].nr_attached);
	snap_free(&s);
	for (unsigned int i = 0; i < NR_STABLE; i++)
		CHECK(!pasid_mock_rid_remove(admin, stable[i]), "rid remove");
	for (unsigned int i = 0; i < NR_HOT; i++)
		pasid_mock_rid_remove(admin, hot[i]);
	admin = pasid_ctx_unref(admin);

	for (int i = 0; i < NR_OPS; i++) {
		total += done[i];
		total_ok += ok[i];
		printf("  %-15s %8lu done, %8lu succeeded\n", op_names[i], (unsigned long)done[i],
		       (unsigned long)ok[i]);
	}
	printf("test-stress: OK: %lu operations (%lu succeeded), %lu descriptors, %lu snapshots "
	       "checked, %lu events, %.2f s\n", total, total_ok, (unsigned long)descs_done,
	       (unsigned long)snaps, (unsigned long)events_seen, now_s() - t0);
	return 0;
}
