/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * engine.h - the SIMULATED DSA engine: one thread per simulated WQ in use,
 * executing 64-byte descriptors from single-producer rings (one ring per
 * opened handle, the "portal") and writing real completion records.
 */
#ifndef LIBPASID_WQ_ENGINE_H
#define LIBPASID_WQ_ENGINE_H

#include <linux/idxd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct pasid_ctx;

#define ENG_MAX_RINGS	64	/* handles open on one simulated WQ */
#define ENG_MAX_FAULTS	32	/* injected not-present pages per WQ */
#define ENG_PAGE	4096ull
#define ENG_VCACHE	4096	/* validated-page cache entries */
#define ENG_VRANGES	64	/* validated multi-page ranges */
#define ENG_RESVEC	4096	/* pages per mincore() call */

/* What the engine knows of its WQ (from the sim topology). */
struct eng_cfg {
	bool dedicated;
	bool iaa;		/* IAA: only NOOP, DRAIN, MEMMOVE; 64-byte CRs */
	bool bof;		/* WQ block_on_fault */
	uint32_t size;		/* entries (shared: accept while occupancy < size) */
	uint32_t max_xfer;
	uint32_t max_batch;
	uint32_t cr_align;
	uint32_t rid;
	uint64_t ops[4];	/* op_config: operations accepted */
};

/*
 * What one portal publishes: the submitter's tail, the engine's head
 * (descriptors dispatched). Kept in the engine, which outlives its rings,
 * so that a submitter on a shared WQ can read every portal's occupancy
 * without a lock while portals come and go.
 */
struct eng_port {
	_Alignas(64) _Atomic uint64_t tail;	/* written by the portal's submitter */
	_Alignas(64) _Atomic uint64_t head;	/* written by the engine */
};

/*
 * One portal: written by one submitter, read by the engine thread.
 *
 * A shared WQ's ring is stamped: ENQCMD fills a descriptor's first dword
 * with the submitter's PASID, which the engine knows from the ring, so that
 * dword of a slot carries the slot's stamp instead, (uint32_t)(index + 1),
 * stored last with release order. The engine finds new descriptors by
 * reading the slots it is about to execute, not the tail: the tail's line
 * then stays with the submitter (only other submitters' accept tests and
 * the engine's last look before sleeping read it), and a descriptor costs
 * one line handed from core to core instead of two. A dedicated WQ's
 * descriptor keeps all 64 bytes as written (MOVDIR64B): its engine reads
 * the tail.
 */
struct eng_ring {
	struct dsa_hw_desc *slots;	/* 64-byte aligned, mask + 1 entries */
	uint32_t mask;
	uint32_t pasid;			/* the opener's PASID (ENQCMD / WQCFG) */
	bool stamped;			/* shared WQ: dword 0 of a slot is its stamp */
	struct pasid_ctx *ctx;		/* for sim_pasid_attached() */
	struct engine *eng;
	struct eng_port *port;		/* &eng->ports[port_idx] */
	unsigned int port_idx;
	/* producer's line */
	_Alignas(64) uint64_t p_tail;
	uint64_t p_head_cache;
	/* engine's line */
	_Alignas(64) uint64_t e_head;
	uint64_t e_checked_ns;		/* when pasid_ok was last checked, 0: stale */
	uint64_t e_checked_at;		/* e_head then */
	bool pasid_ok;
	uint8_t e_stream;		/* streaming: the group to wait for (engine.c) */
	uint8_t e_waits;		/* looks spent waiting for it */
	struct eng_ring *next;		/* engine list, under engine->lock */
};

struct engine {
	struct eng_cfg cfg;
	const void *topo;		/* registry key: topology and WQ index */
	unsigned int wq_index;
	unsigned int users;		/* handles open, under the registry lock */
	bool dedicated_open;
	pthread_t thread;
	bool running;
	bool prefetchw;			/* the CPU has PREFETCHW (engine.c) */
	bool kick_fence;		/* no membarrier(): submitters fence (eng_kick) */
	_Atomic bool stop;
	pthread_mutex_t lock;		/* rings list, port allocation */
	struct eng_ring *rings;
	_Atomic unsigned int nr_rings;
	_Atomic unsigned int gen, seen_gen;
	_Atomic uint64_t fault_pages[ENG_MAX_FAULTS];	/* 0: free slot */
	_Atomic unsigned int nr_faults;
	_Atomic uint64_t errors, dropped;
	_Atomic uint32_t last_error;
	/* bit i: ports[i] belongs to an open ring (read by shared-WQ submitters) */
	_Alignas(64) _Atomic uint64_t ports_used;
	_Alignas(64) _Atomic uint32_t sleeping;	/* the doorbell: engine waits on it */
	struct engine *next;		/* registry */
	struct eng_port ports[ENG_MAX_RINGS];
	/* engine thread only: pages and ranges seen accessible (bits 0 read, 1 write)
	 * and resident (bit 2); exec.c says for how long */
	uint64_t vcache[ENG_VCACHE];
	struct {
		uint64_t start, end;
		uint8_t rights;		/* 1 readable, 2 writable */
		bool resident;
	} vranges[ENG_VRANGES];		/* multi-page */
	unsigned int vrange_next;
	unsigned char resvec[ENG_RESVEC];	/* mincore() output */
	uint64_t win_lo, win_hi;	/* resvec holds [win_lo, win_hi): this group */
	uint64_t group_ns;		/* clock at the group's first data descriptor */
	uint64_t res_since_ns;		/* residency remembered since (0: none) */
	uint64_t rights_since_ns;	/* access rights remembered since (0: none) */
};

/* Engine lifetime and rings (engine.c). */
int eng_start(struct engine *e);
void eng_stop(struct engine *e);
int eng_ring_new(struct engine *e, struct pasid_ctx *ctx, uint32_t pasid,
		 struct eng_ring **ret);
void eng_ring_free(struct eng_ring *r);
/*
 * Wake the engine if it sleeps: the submitter calls it after publishing its
 * slot and tail. The engine announces sleep, then runs membarrier(), then
 * looks at the rings once more (engine.c): with that barrier on the sleeping side, a
 * compiler barrier here is enough for one of the two to see the other's
 * store (an asymmetric Dekker handshake). Without membarrier() the
 * submitter pays a full fence instead (kick_fence).
 */
void eng_kick_slow(struct engine *e);
/* Tests: engines started from now on use the fence instead of membarrier(). */
void eng_doorbell_force_fence(bool on);
static inline void eng_kick(struct engine *e)
{
	if (e->kick_fence)
		atomic_thread_fence(memory_order_seq_cst);
	else
		atomic_signal_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&e->sleeping, memory_order_relaxed))
		eng_kick_slow(e);
}

/*
 * Descriptors queued on the WQ by every portal but @self (a bit mask of
 * ports_used): what a shared WQ's accept test adds to its own count. Each
 * head is read before its tail, so a race only over-counts. The engine
 * follows stamps, so a head may pass a tail for the instant between a
 * submitter's stamp and its tail store: such a portal counts as empty.
 */
static inline uint64_t eng_others_occupancy(struct engine *e, uint64_t others)
{
	uint64_t n = 0;

	while (others) {
		struct eng_port *p = &e->ports[__builtin_ctzll(others)];
		uint64_t h = atomic_load_explicit(&p->head, memory_order_acquire);
		uint64_t q = atomic_load_explicit(&p->tail, memory_order_acquire) - h;

		n += (int64_t)q > 0 ? q : 0;
		others &= others - 1;
	}
	return n;
}

/* The stamp of ring index @i in a stamped ring: never 0 on its first lap's slot. */
static inline uint32_t eng_stamp(uint64_t i)
{
	return (uint32_t)(i + 1);
}

static inline uint32_t *eng_stamp_of(const struct eng_ring *r, uint64_t i)
{
	return (uint32_t *)(void *)&r->slots[i & r->mask];
}

/*
 * Queue @desc at index @t of a stamped ring: bytes 4-63, then the stamp
 * (release), so that an engine that sees the stamp sees the descriptor.
 */
static inline void eng_slot_stamp(struct eng_ring *r, uint64_t t, const void *desc)
{
	uint8_t *slot = (uint8_t *)&r->slots[t & r->mask];

	memcpy(slot + 4, (const uint8_t *)desc + 4, sizeof(struct dsa_hw_desc) - 4);
	__atomic_store_n(eng_stamp_of(r, t), eng_stamp(t), __ATOMIC_RELEASE);
}

/* Execute one descriptor (exec.c); runs on the engine thread. */
void eng_exec(struct engine *e, const struct dsa_hw_desc *d, uint32_t pasid, bool pasid_ok);

/* Residency of a group of descriptors taken from a ring at once (exec.c). */
void eng_group_residency(struct engine *e, const struct dsa_hw_desc *d, unsigned int k);
void eng_group_end(struct engine *e);

/* Latch an error no completion record could carry (like SWERROR). */
void eng_latch_error(struct engine *e, uint32_t status);

/* Is the page at @page mapped (and writable if @write)? Engine thread only. */
bool eng_page_ok(struct engine *e, uint64_t page, bool write);
/* Forget what is known of pages: everything, or residency only (exec.c). */
void eng_cache_forget(struct engine *e);
void eng_res_forget(struct engine *e);

/* Fault injection (exec.c). */
int eng_fault_inject(struct engine *e, uint64_t addr);
void eng_fault_resolve(struct engine *e, uint64_t addr);

#endif
