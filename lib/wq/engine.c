// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * engine.c - the SIMULATED engine thread and its portal rings.
 *
 * Each handle on a simulated WQ owns one single-producer ring; the WQ's one
 * engine thread drains every ring in order, so there is no lock per
 * descriptor: the producer publishes each slot (stamped rings, engine.h)
 * and its tail with release stores, the engine publishes the dispatched
 * count (head) the same way, once per group.
 *
 * The attachment of a ring's PASID (sim_pasid_attached(), which takes the
 * platform lock) is checked when a ring gets work after the engine slept
 * and then at most once a millisecond, so a detach takes effect at once on
 * an idle WQ (idle > 50 us) and within 1 ms on a busy one (an
 * IOTLB-invalidation-like delay).
 *
 * Idle: the thread spins about 50 us of its own running time (a preemption
 * counts as 20 us at most), then sleeps on a futex (the doorbell) without
 * a timeout. Before sleeping it announces it (`sleeping`), runs
 * membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) and looks at every ring once
 * more (the next slot's stamp, or the tail); a submitter publishes its slot
 * and tail and then reads `sleeping` with only a compiler barrier between.
 * membarrier() makes every other running thread of the process execute a
 * full barrier, so either the engine sees the new descriptor or the
 * submitter sees `sleeping` and wakes it: no wake-up is lost and
 * the submit path has no fence (the asymmetric barrier of liburcu and of
 * Linux's membarrier(2) man page). Where membarrier() is missing (before
 * Linux 4.14, or filtered), submitters execute a full fence instead.
 */
#include <errno.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <libpasid/portal.h>

#include "../sim/sim.h"
#include "engine.h"
#include "guard.h"

#define RECHECK_NS	1000000ull
#define SPIN_NS		50000ull	/* idle spinning before the engine sleeps */
#define SPIN_STEP_NS	20000ull	/* a longer gap between two looks: preempted */
#define DISPATCH	16		/* descriptors taken from a ring at once */
#define STREAM_POLLS	64		/* looks spent waiting for a streaming group */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* membarrier(): registered once per process; false where the kernel lacks it. */
static bool membarrier_ok;
static _Atomic bool force_fence;	/* tests: the path without membarrier() */

void eng_doorbell_force_fence(bool on)
{
	atomic_store(&force_fence, on);
}
static pthread_once_t membarrier_once = PTHREAD_ONCE_INIT;

static void membarrier_register(void)
{
	long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);

	membarrier_ok = cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED) &&
			!syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0);
}

/*
 * PREFETCHW (CPUID 0x80000001 ECX[8]: AMD since 3DNow!, Intel since
 * Broadwell) asks for a line exclusive, ready for a store.
 * __builtin_prefetch(p, 1) emits it only when the build targets a CPU
 * with it: the baseline x86-64 build gets PREFETCHT0, which brings a
 * shared copy, and the store then has to ask for the line a second time.
 */
static bool cpu_has_prefetchw(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int a, b, c, d;

	return __get_cpuid(0x80000001, &a, &b, &c, &d) && (c & (1u << 8));
#else
	return false;
#endif
}

/* Ask for the line at @p exclusive, ready for a store; never faults. */
static inline void prefetch_for_store(const struct engine *e, const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	if (e->prefetchw) {
		__asm__ __volatile__("prefetchw %0" : : "m"(*(const char *)p));
		return;
	}
#endif
	__builtin_prefetch(p, 1, 3);
}

/*
 * Descriptors of @r ready from index @h on, at most @max: a stamped ring's
 * slots are read in order up to the first without its stamp (each load is
 * the line the engine needs next anyway); a dedicated WQ's ring publishes
 * its tail.
 */
static unsigned int ring_ready(const struct eng_ring *r, uint64_t h, unsigned int max)
{
	uint64_t t;
	unsigned int k = 0;

	if (r->stamped) {
		while (k < max && __atomic_load_n(eng_stamp_of(r, h + k), __ATOMIC_ACQUIRE) ==
				  eng_stamp(h + k))
			k++;
		return k;
	}
	t = atomic_load_explicit(&r->port->tail, memory_order_acquire);
	return t - h < max ? (unsigned int)(t - h) : max;
}

/*
 * What the engine takes from @r at @h (at most @max), waiting for a whole
 * group while the submitter streams.
 *
 * A stamped ring's next slot is the line its submitter writes next: an
 * engine that has caught up and polls that slot takes the line back while
 * the submitter is still filling it (60 bytes, then the stamp), so the
 * submitter asks for it again, and a descriptor costs two or three line
 * transfers instead of one. Measured on a 2-vCPU EPYC VM where a line
 * takes long to cross: one submitter with 128 in flight, record each,
 * ran at 59-67 ns a descriptor, the engine spinning about 7 times per
 * group. So, when the last group held at least half of DISPATCH, the
 * submitter has that many in flight: the engine polls only the slot that
 * would end the same group again (one contended line per group instead of
 * one per descriptor), for at most STREAM_POLLS looks, then reads what is
 * there. The same handoff ran at 33-38 ns. A submitter that keeps fewer
 * in flight, or waits for each record, never enters this; the last group
 * of a burst waits at most STREAM_POLLS looks (about 1.2 us there). A
 * DRAIN on another portal (@draining) takes what is there at once: it
 * completes after every descriptor submitted before it.
 */
static unsigned int ring_take(struct eng_ring *r, uint64_t h, unsigned int max, bool draining)
{
	unsigned int b = draining ? 0 : r->e_stream < max ? r->e_stream : max, k;

	if (b && __atomic_load_n(eng_stamp_of(r, h + b - 1), __ATOMIC_ACQUIRE) !=
		 eng_stamp(h + b - 1) && ++r->e_waits < STREAM_POLLS)
		return 0;
	r->e_waits = 0;
	k = ring_ready(r, h, max);
	r->e_stream = r->stamped && k >= DISPATCH / 2 ? k : 0;
	return k;
}

/*
 * Run @r over what it holds now (at most one ring's worth, so that a busy
 * portal cannot hold the engine from the others). A DRAIN completes after
 * every descriptor submitted to the WQ before it: the other portals
 * (@others, @n; NULL when already draining) are run first.
 */
static bool ring_run(struct engine *e, struct eng_ring *r, struct eng_ring **others,
		     unsigned int n)
{
	uint64_t h = r->e_head, end = h + r->mask + 1;
	unsigned int k = ring_take(r, h, DISPATCH, !others);

	if (!k)
		return false;
	/* the clock is read once per 256 descriptors, not per pass */
	if (!r->e_checked_ns || ((h - r->e_checked_at) >= 256 &&
				 now_ns() - r->e_checked_ns > RECHECK_NS)) {
		if (!r->e_checked_ns)
			eng_res_forget(e);	/* idle: pages may have left memory meanwhile */
		r->e_checked_at = h;
		r->pasid_ok = sim_pasid_attached(r->ctx, r->pasid, e->cfg.rid);
		r->e_checked_ns = now_ns();
	}
	do {
		_Alignas(64) struct dsa_hw_desc d[DISPATCH];

		for (unsigned int i = 0; i < k; i++) {
			d[i] = r->slots[(h + i) & r->mask];
			if (r->stamped)
				memcpy(&d[i], &r->pasid, sizeof(r->pasid));	/* as ENQCMD wrote it */
			/*
			 * The record's line is the submitter's (it cleared the
			 * status): ask for it now, exclusive, so that the
			 * group's transfers overlap instead of each record
			 * waiting for its own (a prefetch never faults).
			 */
			if (d[i].flags & IDXD_OP_FLAG_CRAV)
				prefetch_for_store(e, (const void *)(uintptr_t)d[i].completion_addr);
		}
		/*
		 * Dispatched: the WQ entries are free again, as in the device.
		 * One head store per group keeps the line the submitters read
		 * from bouncing for every descriptor.
		 */
		h += k;
		atomic_store_explicit(&r->port->head, h, memory_order_release);
		eng_group_residency(e, d, k);
		for (unsigned int i = 0; i < k; i++) {
			if (d[i].opcode == DSA_OPCODE_DRAIN && others)
				for (unsigned int j = 0; j < n; j++)
					if (others[j] != r)
						ring_run(e, others[j], NULL, 0);
			eng_exec(e, &d[i], r->pasid, r->pasid_ok);
		}
		eng_group_end(e);
		k = ring_take(r, h, end - h < DISPATCH ? (unsigned int)(end - h) : DISPATCH,
			      !others);
	} while (k);
	r->e_head = h;
	return true;
}

static bool any_work(struct eng_ring **rings, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (ring_ready(rings[i], rings[i]->e_head, 1))
			return true;
	return false;
}

static void *eng_thread(void *arg)
{
	struct engine *e = arg;
	struct eng_ring *rings[ENG_MAX_RINGS];
	unsigned int n = 0, gen = ~0u, spins = 0;
	uint64_t idle_ns = 0, last = 0;

	while (!atomic_load_explicit(&e->stop, memory_order_acquire)) {
		unsigned int g = atomic_load_explicit(&e->gen, memory_order_acquire);
		bool busy = false;

		if (g != gen) {
			pthread_mutex_lock(&e->lock);
			n = 0;
			for (struct eng_ring *r = e->rings; r && n < ENG_MAX_RINGS; r = r->next)
				rings[n++] = r;
			pthread_mutex_unlock(&e->lock);
			gen = g;
			atomic_store_explicit(&e->seen_gen, g, memory_order_release);
		}
		for (unsigned int i = 0; i < n; i++)
			busy |= ring_run(e, rings[i], rings, n);
		if (busy) {
			idle_ns = 0;
			last = 0;
			continue;
		}
		if (++spins % 64) {
			pasid_pause();
			continue;
		}
		/*
		 * Idle time counts mostly while this thread runs: a gap longer
		 * than SPIN_STEP_NS between two looks means it was preempted
		 * and counts as SPIN_STEP_NS only, so one preemption does not
		 * put it to sleep (the next submission would pay a futex
		 * wake-up and a scheduler round trip), while a thread that is
		 * always slow (valgrind) still sleeps after a few looks.
		 */
		{
			uint64_t now = now_ns();

			if (last)
				idle_ns += now - last < SPIN_STEP_NS ? now - last : SPIN_STEP_NS;
			last = now;
		}
		if (idle_ns < SPIN_NS)
			continue;
		idle_ns = 0;
		last = 0;
		atomic_store(&e->sleeping, 1);
		/*
		 * Either barrier orders that store before the looks at the
		 * rings below, against the submitters' publish-then-look: a
		 * fence pairs with their fence (eng_kick), by the C11 rules
		 * and on weakly ordered CPUs, not only x86.
		 */
		if (!e->kick_fence)
			syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
		else
			atomic_thread_fence(memory_order_seq_cst);
		for (unsigned int i = 0; i < n; i++) {
			rings[i]->e_checked_ns = 0;	/* recheck PASIDs on new work */
			rings[i]->e_stream = 0;
		}
		if (!any_work(rings, n) && !atomic_load(&e->stop) && atomic_load(&e->gen) == gen)
			syscall(SYS_futex, &e->sleeping, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
		atomic_store(&e->sleeping, 0);
	}
	atomic_store_explicit(&e->seen_gen, atomic_load(&e->gen), memory_order_release);
	return NULL;
}

void eng_kick_slow(struct engine *e)
{
	if (atomic_exchange(&e->sleeping, 0))
		syscall(SYS_futex, &e->sleeping, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

int eng_start(struct engine *e)
{
	int err;

	wq_guard_install();
	pthread_once(&membarrier_once, membarrier_register);
	e->kick_fence = !membarrier_ok || atomic_load(&force_fence);
	e->prefetchw = cpu_has_prefetchw();
	atomic_store(&e->stop, false);
	err = pthread_create(&e->thread, NULL, eng_thread, e);
	if (err)
		return -err;
	e->running = true;
	return 0;
}

void eng_stop(struct engine *e)
{
	if (!e->running)
		return;
	atomic_store(&e->stop, true);
	eng_kick_slow(e);
	pthread_join(e->thread, NULL);
	e->running = false;
}

int eng_ring_new(struct engine *e, struct pasid_ctx *ctx, uint32_t pasid, struct eng_ring **ret)
{
	struct eng_ring *r;
	uint32_t cap = 64;
	uint64_t used;

	while (cap < e->cfg.size)
		cap <<= 1;
	r = aligned_alloc(64, sizeof(*r));
	if (!r)
		return -ENOMEM;
	memset(r, 0, sizeof(*r));
	r->slots = aligned_alloc(64, (size_t)cap * sizeof(*r->slots));
	if (!r->slots) {
		free(r);
		return -ENOMEM;
	}
	memset(r->slots, 0, (size_t)cap * sizeof(*r->slots));
	r->mask = cap - 1;
	r->ctx = ctx;
	r->pasid = pasid;
	r->eng = e;
	pthread_mutex_lock(&e->lock);
	/* checked and counted under the lock: racing opens cannot pass it together */
	if (atomic_load(&e->nr_rings) >= ENG_MAX_RINGS) {
		pthread_mutex_unlock(&e->lock);
		free(r->slots);
		free(r);
		return -EMFILE;
	}
	used = atomic_load(&e->ports_used);
	r->port_idx = (unsigned int)__builtin_ctzll(~used);	/* nr_rings < 64: one is free */
	r->port = &e->ports[r->port_idx];
	/* a port left by a closed ring has tail == head: continue from there */
	r->p_tail = r->p_head_cache = r->e_head = atomic_load(&r->port->tail);
	r->stamped = !e->cfg.dedicated;
	/* each slot stamped for the lap before its first use: none looks queued */
	for (uint32_t i = 0; i < cap; i++)
		*eng_stamp_of(r, r->p_tail + i) = eng_stamp(r->p_tail + i - cap);
	atomic_store(&e->ports_used, used | 1ull << r->port_idx);
	r->next = e->rings;
	e->rings = r;
	atomic_fetch_add(&e->nr_rings, 1);
	atomic_fetch_add(&e->gen, 1);
	pthread_mutex_unlock(&e->lock);
	*ret = r;
	return 0;
}

void eng_ring_free(struct eng_ring *r)
{
	struct engine *e = r->eng;
	unsigned int g;

	pthread_mutex_lock(&e->lock);
	for (struct eng_ring **p = &e->rings; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			break;
		}
	g = atomic_fetch_add(&e->gen, 1) + 1;
	pthread_mutex_unlock(&e->lock);
	/* the engine must have dropped its pointer before the ring goes */
	eng_kick_slow(e);
	while (e->running && (int)(atomic_load(&e->seen_gen) - g) < 0) {
		struct timespec ts = { 0, 10000 };

		nanosleep(&ts, NULL);
	}
	/* what the ring left queued is dropped: the port is empty for the next one */
	pthread_mutex_lock(&e->lock);
	atomic_store(&r->port->head, atomic_load(&r->port->tail));
	atomic_fetch_and(&e->ports_used, ~(1ull << r->port_idx));
	atomic_fetch_sub(&e->nr_rings, 1);	/* only now may another open take the port */
	pthread_mutex_unlock(&e->lock);
	free(r->slots);
	free(r);
}
