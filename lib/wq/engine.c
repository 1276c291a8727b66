// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * engine.c - the SIMULATED engine thread and its portal rings.
 *
 * Each handle on a simulated WQ owns one single-producer ring; the WQ's one
 * engine thread drains every ring in order, so there is no lock per
 * descriptor: the producer publishes its tail with a release store, the
 * engine publishes the finished count (head) the same way.
 *
 * The attachment of a ring's PASID (sim_pasid_attached(), which takes the
 * platform lock) is checked when a ring gets work after the engine slept
 * and then at most once a millisecond, so a detach takes effect at once on
 * an idle WQ (idle > 50 us) and within 1 ms on a busy one (an
 * IOTLB-invalidation-like delay).
 *
 * Idle: the thread spins about 50 us, then sleeps on a futex (the doorbell)
 * that a submitter rings when it sees the engine asleep. The submitter reads
 * the flag without a fence (no cost on the fast path), so in a rare race a
 * wake-up can be missed: the engine also wakes every millisecond.
 */
#include <errno.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <libpasid/portal.h>

#include "../sim/sim.h"
#include "engine.h"
#include "guard.h"

#define RECHECK_NS	1000000ull
#define SPIN_NS		50000ull
#define SLEEP_NS	1000000l
#define DOORBELL_NS	2000ull		/* see the doorbell comment in eng_thread() */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t eng_occupancy(struct engine *e)
{
	uint64_t n = 0;

	pthread_mutex_lock(&e->lock);
	for (struct eng_ring *r = e->rings; r; r = r->next)
		n += atomic_load_explicit(&r->tail, memory_order_acquire) -
		     atomic_load_explicit(&r->head, memory_order_acquire);
	pthread_mutex_unlock(&e->lock);
	return n;
}

/*
 * Run @r up to its current tail. A DRAIN completes after every descriptor
 * submitted to the WQ before it: the other portals (@others, @n; NULL when
 * already draining) are run up to their tails first.
 */
static bool ring_run(struct engine *e, struct eng_ring *r, struct eng_ring **others,
		     unsigned int n)
{
	uint64_t t = atomic_load_explicit(&r->tail, memory_order_acquire);
	uint64_t h = r->e_head;

	if (h == t)
		return false;
	/* the clock is read once per 256 descriptors, not per pass */
	if (!r->e_checked_ns || ((h - r->e_checked_at) >= 256 &&
				 now_ns() - r->e_checked_ns > RECHECK_NS)) {
		r->e_checked_at = h;
		r->pasid_ok = sim_pasid_attached(r->ctx, r->pasid, e->cfg.rid);
		r->e_checked_ns = now_ns();
		eng_cache_forget(e);	/* pages may have left memory meanwhile */
	}
	for (; h != t; h++) {
		_Alignas(64) struct dsa_hw_desc d = r->slots[h & r->mask];

		/* dispatched: the WQ entry is free again, as in the device */
		atomic_store_explicit(&r->head, h + 1, memory_order_release);
		if (d.opcode == DSA_OPCODE_DRAIN && others)
			for (unsigned int i = 0; i < n; i++)
				if (others[i] != r)
					ring_run(e, others[i], NULL, 0);
		eng_exec(e, &d, r->pasid, r->pasid_ok);
	}
	r->e_head = h;
	return true;
}

static void *eng_thread(void *arg)
{
	struct engine *e = arg;
	struct eng_ring *rings[ENG_MAX_RINGS];
	unsigned int n = 0, gen = ~0u, spins = 0;
	uint64_t idle_since = 0;

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
			idle_since = 0;
			continue;
		}
		if (!idle_since)
			idle_since = now_ns();
		if (++spins % 64 == 0 && now_ns() - idle_since > SPIN_NS) {
			struct timespec ts = { 0, SLEEP_NS };
			uint64_t look_until;
			bool work = false;

			atomic_store(&e->sleeping, 1);		/* seq_cst: then look again */
			/*
			 * A submitter publishes its tail (release) and then reads
			 * `sleeping` without a full fence (it is the hot path), so
			 * its load may pass its own buffered store: it can miss
			 * this announcement while we miss its tail. Look for
			 * DOORBELL_NS, long enough for any store buffer to drain,
			 * before sleeping; the futex timeout bounds what is left.
			 */
			look_until = now_ns() + DOORBELL_NS;
			do {
				for (unsigned int i = 0; i < n; i++) {
					rings[i]->e_checked_ns = 0;	/* recheck PASIDs */
					work |= atomic_load(&rings[i]->tail) != rings[i]->e_head;
				}
			} while (!work && now_ns() < look_until);
			if (!work && !atomic_load(&e->stop) &&
			    atomic_load(&e->gen) == gen)
				syscall(SYS_futex, &e->sleeping, FUTEX_WAIT_PRIVATE, 1, &ts,
					NULL, 0);
			atomic_store(&e->sleeping, 0);
		} else {
			pasid_pause();
		}
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
	r->next = e->rings;
	e->rings = r;
	atomic_fetch_add(&e->nr_rings, 1);
	atomic_fetch_add_explicit(&e->gen, 1, memory_order_release);
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
	atomic_fetch_sub(&e->nr_rings, 1);
	g = atomic_fetch_add_explicit(&e->gen, 1, memory_order_acq_rel) + 1;
	pthread_mutex_unlock(&e->lock);
	/* the engine must have dropped its pointer before the ring goes */
	eng_kick_slow(e);
	while (e->running && (int)(atomic_load(&e->seen_gen) - g) < 0) {
		struct timespec ts = { 0, 10000 };

		nanosleep(&ts, NULL);
	}
	free(r->slots);
	free(r);
}
