/* SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later */
/*
 * pcore.h - the PASID allocator core: scope-aware PASIDs over a value source.
 *
 * This is the one implementation of the contract in docs/DESIGN.md section 2.
 * It is compiled into the kernel shim and into libpasid's simulated backend.
 * It does no locking: the embedding serialises every call on one core.
 *
 * Model
 *   RID      a PCI requester ID with a PASID width (1..20).
 *   value    1 .. 2^20-1. A value is *leased* from the source while at least
 *            one allocation uses it and released when the last one goes.
 *   group    allocation valid on a set of RIDs; the same value may live in
 *            several groups at once as long as their RID sets are disjoint.
 *   global   allocation reserved on every RID, present and future; one per
 *            process (mm), shared by all owners of that process.
 *   owner    an open /dev/pasid file or a library context; releasing it frees
 *            what it holds.
 *
 * Costs: most allocations are a group with no binding, on one RID or on the
 * same RIDs again and again. Such an allocation is a 32-bit "hot word" in a
 * value-indexed table (owner and RID, or an interned RID set, as small
 * table indexes) and nothing else, so a free or an allocation touches 4
 * bytes per value besides the source's bitmap; a value reused on a
 * disjoint group keeps its second allocation in a second word. Anything
 * else (a binding, a third allocation of a value, a global, a group changed
 * by EXTEND) is a full record in a cold value-indexed leaf, and the value's
 * hot word says so. A hot allocation becomes a record when an operation
 * needs one (extend, attach) and stays one until freed.
 * The reuse index (values groups hold, each RID's occupancy and the words
 * it marks as maybe holding a reusable value, marked on a loss or a new
 * lease, cleared when found empty) makes "reuse a value held on a disjoint
 * group" a word-wise search; a search that failed is remembered until a RID
 * of it loses a value or a fresh value is leased. The order of fresh lease
 * against reuse is the source's choice (PCORE_SRC_REUSE_FIRST); a
 * fresh-first source builds the index when it first runs dry.
 */
#ifndef PCORE_H
#define PCORE_H

#include "pcore_env.h"

#define PCORE_PASID_BITS	20
#define PCORE_PASID_LIMIT	(1u << PCORE_PASID_BITS)	/* values < LIMIT */
#define PCORE_MAX_GROUP_RIDS	1024

/* Radix index over values: PCORE_IDX_TOP leaves of PCORE_IDX_LEAF slots. */
#define PCORE_IDX_SHIFT		10
#define PCORE_IDX_LEAF		(1u << PCORE_IDX_SHIFT)
#define PCORE_IDX_TOP		(PCORE_PASID_LIMIT >> PCORE_IDX_SHIFT)

enum pcore_intent {
	PCORE_INTENT_GROUP = 1,
	PCORE_INTENT_GLOBAL = 2,
};

/* flags for pcore_alloc_group() / pcore_alloc_global() */
#define PCORE_ALLOC_EXACT	(1u << 0)	/* *inout_value or a precise error */
/* global only: the value is owned outside the source (the mm's PASID) */
#define PCORE_ALLOC_EXTERNAL	(1u << 1)

enum pcore_event_type {
	PCORE_EV_ALLOC = 1,
	PCORE_EV_FREE,
	PCORE_EV_EXTEND,
	PCORE_EV_ATTACH,
	PCORE_EV_DETACH,
	PCORE_EV_REVOKE,	/* a RID was dropped from a group by removal */
	PCORE_EV_RID_ADD,
	PCORE_EV_RID_REMOVE,
};

struct pcore_owner;
struct pcore_bitmap;

/**
 * struct pcore_event - what the core tells its embedding, under its lock
 * @type: PCORE_EV_*
 * @intent: PCORE_INTENT_* of the allocation (0 for RID events)
 * @value: the PASID (0 for RID events)
 * @rid: the RID concerned (extend, attach, detach, revoke, RID events), else 0
 * @owner: the owner acting or affected (NULL for RID events and for the
 *	free of a global whose last reference went away)
 */
struct pcore_event {
	unsigned int type;
	unsigned int intent;
	pcore_u32 value;
	pcore_u32 rid;
	const struct pcore_owner *owner;
};

/**
 * struct pcore_ops - what the embedding provides
 * @lease: take a free value in [@min, @max] from the source: 0 and
 *	*@ret, or -ENOSPC (none free), -ENOMEM. Called with @min == @max for
 *	exact requests; -ENOSPC then means someone outside holds it.
 * @release: give a value back to the source.
 * @event: optional; told about every change after it is made.
 */
struct pcore_ops {
	int (*lease)(void *priv, pcore_u32 min, pcore_u32 max, pcore_u32 *ret);
	void (*release)(void *priv, pcore_u32 value);
	void (*event)(void *priv, const struct pcore_event *ev);
	unsigned int flags;	/* PCORE_SRC_* */
};

/*
 * The source's values are scarce and shared with others (the kernel's PASID
 * space): a group first reuses a value held on a disjoint group and leases
 * only when there is none. Without it a fresh value comes first (fast,
 * cache-friendly) and reuse only when the source is exhausted.
 */
#define PCORE_SRC_REUSE_FIRST	(1u << 0)

/* Occupancy of one RID: pages of 512 words, allocated on first use. */
#define PCORE_SET_PAGE_WORDS	512
#define PCORE_SET_PAGES		(PCORE_PASID_LIMIT / 64 / PCORE_SET_PAGE_WORDS)

struct pcore_rset {
	pcore_u64 *page[PCORE_SET_PAGES];
	/* words that may hold a value reusable here (a superset), summarised */
	pcore_u64 maybe1[PCORE_PASID_LIMIT / 64 / 64];
	pcore_u64 maybe2[PCORE_PASID_LIMIT / 64 / 64 / 64];
};

struct pcore_rid {
	pcore_u32 id;		/* segment << 16 | bus << 8 | devfn */
	pcore_u8 width;		/* 1..20 */
	pcore_u16 hot_id;	/* index in c->rid_tab, 0: none (records only) */
	/*
	 * Group allocations naming this RID as records or alone; those on
	 * RID sets are counted by the set (pcore_rid_nr_values() adds them).
	 */
	pcore_u32 nr_direct;
	pcore_u32 nr_attached;	/* bindings on this RID */
	void *cookie;		/* the embedding's (e.g. a pci_dev) */
	struct pcore_rset *set;	/* group values on this RID, NULL = none yet */
	pcore_u64 loss_stamp;	/* c->stamp when it last lost a value */
	pcore_u64 hint_gain;	/* c->gain_seq that set->maybe* accounts for */
};

struct pcore_attach {
	struct pcore_attach *next;
	const struct pcore_owner *owner;
	pcore_u32 rid;
};

/*
 * One allocation in its record form: 48 bytes on LP64. The first allocation
 * of a value lives inline in the cold leaf (intent 0 marks a free slot);
 * others of the same value (disjoint groups) are chained records. A group keeps its RID
 * ids sorted and the RIDs resolved: inline when there is one, else in one
 * block of ids[cap] followed by struct pcore_rid *[cap]. A global has no
 * owner: it is keyed by mm and counts the owners that hold it. A group's
 * record may move (the oldest allocation of a value has the inline slot;
 * when it is freed the next one moves in, and a hot one becomes a record):
 * hold values, not record pointers, across calls. A global's never moves
 * (its value is not shared).
 */
struct pcore_alloc {
	struct pcore_alloc *value_next;	/* other allocations of this value */
	union {
		struct pcore_owner *owner;	/* group */
		pcore_u64 mm;			/* global */
	};
	struct pcore_attach *attach;
	pcore_u32 value;
	pcore_u8 intent;		/* 0: an unused inline slot */
	pcore_u8 flags;			/* PCORE_ALLOC_EXTERNAL */
	pcore_u16 cap_rids;		/* capacity of ext_rids, 0 = inline */
	pcore_u32 nr;			/* group: RIDs; global: owner refs */
	pcore_u32 inline_rid;
	union {
		struct pcore_rid *rid1;		/* cap_rids == 0 */
		pcore_u32 *ext_rids;		/* cap_rids > 0 */
		struct pcore_alloc *gnext;	/* global: the core's list */
	};
};

/**
 * struct pcore_owner - one owner; embed it and set it up with pcore_owner_init()
 * @mm: the process it belongs to (global allocations are per mm)
 * @cookie: the embedding's (file, context)
 *
 * Its group values are found by their hot words and records: a release
 * walks the values in use (the owner keeps no per-value state of its own,
 * so a free or an allocation touches nothing of it but a counter).
 */
struct pcore_owner {
	pcore_u32 nr_allocs;		/* group allocations held */
	pcore_u16 hot_id;		/* index in c->owner_tab, 0: none (records only) */
	pcore_u16 last_gset;		/* id of the RID set it last allocated on (a hint) */
	struct pcore_rid *last_rid;	/* the RID it last allocated on alone (a hint) */
	struct pcore_alloc *global;	/* the mm's global if this owner holds it */
	struct pcore_owner *next, *prev;
	pcore_u64 mm;
	void *cookie;
};

struct pcore_stats {
	pcore_u32 nr_rids;
	pcore_u32 nr_owners;
	pcore_u32 nr_groups;
	pcore_u32 nr_globals;
	pcore_u32 nr_values;		/* distinct values in use (leased or external) */
	pcore_u32 nr_index_leaves;
	size_t bytes;			/* memory held by the core's own structures */
};

/* The core's values held by groups, with a "word is non-zero" summary. */
struct pcore_vset {
	pcore_u64 *page[PCORE_SET_PAGES];
	pcore_u64 l1[PCORE_PASID_LIMIT / 64 / 64];	/* bit: level-0 word != 0 */
	pcore_u64 l2[PCORE_PASID_LIMIT / 64 / 64 / 64];	/* bit: level-1 word != 0 */
};

#define PCORE_GAIN_RING		64

/*
 * A value's hot word: 0 (no allocation), PCORE_HOT_SLOW (records in the
 * cold leaf), or owner hot_id << 16 | where of an allocation, a group with
 * no binding: where is its RID's hot_id (0: its RID was removed), or
 * PCORE_HOT_GSET | the id of its RID set (several RIDs). With PCORE_HOT_TWO
 * the value has a second such allocation (reuse on a disjoint group, the
 * common case of sharing), in the same form in c->hot2.
 */
#define PCORE_HOT_SLOW		0x80000000u
#define PCORE_HOT_TWO		0x40000000u
#define PCORE_HOT_GSET		0x8000u
#define PCORE_HOT_OWNERS	0x4000u		/* owner hot_ids 1 .. 0x3fff */
#define PCORE_HOT_RIDS		0x8000u		/* RID hot_ids 1 .. 0x7fff */
#define PCORE_HOT_GSETS		0x8000u		/* RID set ids 1 .. 0x7fff */

/*
 * The RIDs of multi-RID groups, interned: allocations on the same RIDs
 * share one set, so a hot word names the group and a request resolves its
 * RIDs with one lookup of the whole (sorted) list. Sets no allocation names
 * are kept, up to PCORE_GSET_IDLE of them, for the next allocation.
 */
#define PCORE_GSET_IDLE		16

struct pcore_gset {
	struct pcore_gset *hnext;	/* hash chain */
	pcore_u32 *blk;			/* ids[cap] (sorted), then struct pcore_rid *[cap] */
	pcore_u32 nr, cap;
	pcore_u32 hash;
	pcore_u32 refs;			/* hot words naming it */
	pcore_u16 id;			/* index in c->gset_tab */
	pcore_u8 min_width;
};

/*
 * Compact hot words (userspace, beside the hot table, over an in-process
 * bitmap source): most allocations of a leaf's values have the same hot
 * word (one owner on one RID: a runtime's values). word[top] is that word
 * (0: none yet), and a value of the leaf has it where the value is leased
 * and its own hot word is 0, so such an allocation writes nothing but its
 * lease. PCORE_LEAF_MIXED in word[top] says own words may have been written
 * in the leaf; without it no own word needs a look. So a free at 1M live
 * values touches the source's bitmap and 4 KiB of leaf words, not 4 MiB of
 * hot words.
 */
#define PCORE_LEAF_MIXED	0x80000000u

struct pcore_compact {
	pcore_u32 word[PCORE_IDX_TOP];
};

struct pcore {
	const struct pcore_ops *ops;
	void *priv;
	bool events_on;				/* ops->event is called (pcore_set_events) */
	/*
	 * The plain paths apply: an in-process bitmap source, no events, no
	 * reuse index (pcore_plain_update() keeps it). Then a single-RID
	 * allocation and its free touch only the bitmap, one hot word and
	 * counters.
	 */
	bool plain;
	pcore_u32 fresh_low;			/* 2^(narrowest RID width): wide groups lease from here */
	struct pcore_bitmap *src_bitmap;	/* pcore_set_bitmap_source() */
	pcore_u32 *hot[PCORE_IDX_TOP];		/* leaves of PCORE_IDX_LEAF hot words */
	pcore_u32 *hot_table;			/* where the leaves lie, if one table */
	struct pcore_compact *compact;		/* with the table, if it could be had */
	pcore_u32 *hot2[PCORE_IDX_TOP];		/* second words (PCORE_HOT_TWO), leaves */
	bool hot_table_tried;
	struct pcore_alloc *idx[PCORE_IDX_TOP];	/* cold leaves of PCORE_IDX_LEAF records */
	struct pcore_rid **rid_tab;			/* by hot_id */
	struct pcore_owner **owner_tab;			/* by hot_id */
	pcore_u32 rid_tab_cap, owner_tab_cap;
	struct pcore_alloc view, view2;	/* hot allocations shown as records (queries) */
	struct pcore_gset **gset_tab;	/* by id */
	struct pcore_gset **gset_hash;	/* chains by hash of the ids */
	pcore_u32 gset_tab_cap, gset_hash_cap, nr_gsets, gset_idle;
	struct pcore_rid **rid_slots;			/* open addressing by id */
	pcore_u32 rid_cap, nr_rids;
	pcore_u32 width_count[PCORE_PASID_BITS + 1];	/* RIDs per width */
	pcore_u32 min_width;				/* narrowest RID's, 0: none */
	pcore_u32 globals_within[PCORE_PASID_BITS + 1];	/* globals < 2^w, per w */
	struct pcore_alloc *globals;
	struct pcore_owner *owners;
	/*
	 * The reuse index: the values groups hold, the recent gains, each
	 * RID's maybe-reusable marks and loss stamps. Kept from the start for
	 * a PCORE_SRC_REUSE_FIRST source; for others built the first time the
	 * source runs dry (reuse is their last resort) and kept from then on.
	 */
	bool reuse_index;
	struct pcore_vset held;			/* values some group holds */
	pcore_u64 stamp;			/* orders RID losses and proofs */
	pcore_u64 gain_seq;			/* values newly held by groups */
	pcore_u32 gain_word[PCORE_GAIN_RING];	/* word of each recent gain */
	/* the last group whose reuse search failed, while nothing changed */
	pcore_u32 *miss_ids, miss_nr, miss_cap, miss_max;
	pcore_u64 miss_stamp, miss_gain;
	struct pcore_alloc *spare;		/* a freed chained record, kept for reuse */
	/* what a failed pcore_alloc_group() was about, for messages */
	struct {
		pcore_u32 rid;		/* -ENODEV: the unknown RID; else the narrowest */
		pcore_u32 width;	/* the narrowest width of the group */
	} why;
	struct pcore_stats st;
};

/* Lifecycle. pcore_destroy() requires that every owner was released. */
void pcore_init(struct pcore *c, const struct pcore_ops *ops, void *priv);
void pcore_destroy(struct pcore *c);
void pcore_owner_init(struct pcore *c, struct pcore_owner *o, pcore_u64 mm, void *cookie);
void pcore_owner_release(struct pcore *c, struct pcore_owner *o);

/*
 * Events are on from pcore_init() when ops->event is set; an embedding with
 * no listener turns them off so that an allocation builds no event.
 */
static inline void pcore_plain_update(struct pcore *c)
{
	c->plain = c->src_bitmap && !c->events_on && !c->reuse_index;
}

static inline void pcore_set_events(struct pcore *c, bool on)
{
	c->events_on = on && c->ops->event;
	pcore_plain_update(c);
}

/*
 * The source is an in-process struct pcore_bitmap whose ops->lease and
 * ops->release are pcore_bitmap_lease() and pcore_bitmap_release() on @bm:
 * the core then takes and returns values on it directly, and calls
 * ops->lease only where the bitmap must allocate a page.
 */
static inline void pcore_set_bitmap_source(struct pcore *c, struct pcore_bitmap *bm)
{
	c->src_bitmap = bm;
	pcore_plain_update(c);
}

/*
 * RIDs. add: -EINVAL (width not 1..20), -EEXIST, -ENOMEM.
 * remove: -ENODEV; drops the RID from every group, detaches its bindings.
 */
int pcore_rid_add(struct pcore *c, pcore_u32 rid, unsigned int width, void *cookie);
int pcore_rid_remove(struct pcore *c, pcore_u32 rid);
struct pcore_rid *pcore_rid_find(const struct pcore *c, pcore_u32 rid);
/* Group allocations naming @r. */
pcore_u32 pcore_rid_nr_values(const struct pcore *c, const struct pcore_rid *r);
unsigned int pcore_min_width(const struct pcore *c);

/*
 * Allocation. Errors (atomic: on error nothing changed, *inout_value included):
 * -EINVAL   bad flags, no RIDs, too many, duplicates, value 0 or >= 2^20
 * -ENODEV   a RID is not known
 * -ERANGE   the exact value does not fit the narrowest RID
 * -EEXIST   the owner already holds this value (group: use extend), or
 *           already holds a different global value
 * -EBUSY    the exact value is in use on one of the RIDs / anywhere (global)
 * -ENOSPC   no value is free on all the RIDs
 * -ENOMEM   out of memory
 */
int pcore_alloc_group(struct pcore *c, struct pcore_owner *o, const pcore_u32 *rids,
		      pcore_u32 nr_rids, pcore_u32 flags, pcore_u32 *inout_value);
int pcore_alloc_global(struct pcore *c, struct pcore_owner *o, pcore_u32 flags,
		       pcore_u32 *inout_value);

/*
 * A value of 0 or >= 2^20 is "not held": -ENOENT.
 * extend: -ENOENT (owner holds no such value), -EPERM (another owner's),
 * -EINVAL (a global), -ENODEV, -EALREADY (RID already in it), -ERANGE,
 * -EBUSY, -E2BIG (group full), -ENOMEM.
 * free: -ENOENT, -EPERM.
 * attach: -ENOENT, -EPERM, -ENODEV, -EINVAL (RID not in the group),
 * -ERANGE (global value too wide for the RID), -EALREADY, -ENOMEM.
 * detach: -ENOENT (also: not attached there), -EPERM, -ENODEV.
 */
int pcore_extend(struct pcore *c, struct pcore_owner *o, pcore_u32 value, pcore_u32 rid);
int pcore_free(struct pcore *c, struct pcore_owner *o, pcore_u32 value);
int pcore_attach(struct pcore *c, struct pcore_owner *o, pcore_u32 value, pcore_u32 rid);
int pcore_detach(struct pcore *c, struct pcore_owner *o, pcore_u32 value, pcore_u32 rid);

/*
 * Queries. A hot allocation is shown through one record the core keeps for
 * it (c->view): read it before the next call on the core; change records
 * only through the calls above.
 */
struct pcore_alloc *pcore_find(const struct pcore *c, const struct pcore_owner *o,
			       pcore_u32 value);
struct pcore_alloc *pcore_value_first(const struct pcore *c, pcore_u32 value);
bool pcore_value_on_rid(const struct pcore *c, pcore_u32 value, pcore_u32 rid);
bool pcore_is_attached(const struct pcore *c, pcore_u32 value, pcore_u32 rid);
static inline const pcore_u32 *pcore_alloc_rids(const struct pcore_alloc *a)
{
	return a->cap_rids ? a->ext_rids : &a->inline_rid;
}

/*
 * Walks. The callback returns 0 to go on, anything else stops the walk and
 * is returned. Allocations come in value order; groups before the global
 * for a shared value is impossible (a global's value is never shared).
 */
typedef int (*pcore_alloc_fn)(const struct pcore_alloc *a, void *data);
typedef int (*pcore_rid_fn)(const struct pcore_rid *r, void *data);
int pcore_for_each_alloc(const struct pcore *c, pcore_alloc_fn fn, void *data);
int pcore_for_each_rid(const struct pcore *c, pcore_rid_fn fn, void *data);
void pcore_get_stats(const struct pcore *c, struct pcore_stats *st);

#endif /* PCORE_H */
