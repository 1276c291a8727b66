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

/* One portal: written by one submitter, read by the engine thread. */
struct eng_ring {
	struct dsa_hw_desc *slots;	/* 64-byte aligned, mask + 1 entries */
	uint32_t mask;
	uint32_t pasid;			/* the opener's PASID (ENQCMD / WQCFG) */
	struct pasid_ctx *ctx;		/* for sim_pasid_attached() */
	struct engine *eng;
	/* producer's line */
	_Alignas(64) uint64_t p_tail;
	uint64_t p_head_cache;
	/* published by the producer */
	_Alignas(64) _Atomic uint64_t tail;
	/* published by the engine: descriptors finished */
	_Alignas(64) _Atomic uint64_t head;
	/* engine's line */
	_Alignas(64) uint64_t e_head;
	uint64_t e_checked_ns;		/* when pasid_ok was last checked, 0: stale */
	uint64_t e_checked_at;		/* e_head then */
	bool pasid_ok;
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
	_Atomic bool stop;
	pthread_mutex_t lock;		/* rings list */
	struct eng_ring *rings;
	_Atomic unsigned int nr_rings;
	_Atomic unsigned int gen, seen_gen;
	_Atomic uint64_t fault_pages[ENG_MAX_FAULTS];	/* 0: free slot */
	_Atomic unsigned int nr_faults;
	_Alignas(64) _Atomic uint32_t sleeping;	/* the doorbell: engine waits on it */
	_Atomic uint64_t errors, dropped;
	_Atomic uint32_t last_error;
	struct engine *next;		/* registry */
	/* engine thread only: pages seen present (bit 0 readable, 1 writable) */
	uint64_t vcache[ENG_VCACHE];
	struct { uint64_t start, end; bool write; } vranges[ENG_VRANGES];	/* multi-page */
	unsigned int vrange_next;
	unsigned char resvec[ENG_RESVEC];	/* mincore() output */
};

/* Engine lifetime and rings (engine.c). */
int eng_start(struct engine *e);
void eng_stop(struct engine *e);
int eng_ring_new(struct engine *e, struct pasid_ctx *ctx, uint32_t pasid,
		 struct eng_ring **ret);
void eng_ring_free(struct eng_ring *r);
/* Wake the engine if it sleeps (the submitter calls it after publishing). */
void eng_kick_slow(struct engine *e);
static inline void eng_kick(struct engine *e)
{
	if (atomic_load_explicit(&e->sleeping, memory_order_relaxed))
		eng_kick_slow(e);
}

/* Occupancy of the whole WQ (all rings), for the shared WQ's accept test. */
uint64_t eng_occupancy(struct engine *e);

/* Execute one descriptor (exec.c); runs on the engine thread. */
void eng_exec(struct engine *e, const struct dsa_hw_desc *d, uint32_t pasid, bool pasid_ok);

/* Latch an error no completion record could carry (like SWERROR). */
void eng_latch_error(struct engine *e, uint32_t status);

/* Is the page at @page mapped (and writable if @write)? Engine thread only. */
bool eng_page_ok(struct engine *e, uint64_t page, bool write);
/* Forget the pages seen present (exec.c). Engine thread only. */
void eng_cache_forget(struct engine *e);

/* Fault injection (exec.c). */
int eng_fault_inject(struct engine *e, uint64_t addr);
void eng_fault_resolve(struct engine *e, uint64_t addr);

#endif
