/* SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later */
/*
 * pcore_internal.h - what the allocator core's own files share
 * (pcore.c: allocations and owners; pcore_attach.c: bindings;
 * pcore_rid.c: the RID table; pcore_query.c: read-only views). Embeddings include pcore.h only.
 */
#ifndef PCORE_INTERNAL_H
#define PCORE_INTERNAL_H

#include "pcore.h"
#include "pcore_bitmap.h"

#define PCORE_EVENT(c, t, i, v, r, o)						\
	do {									\
		if ((c)->events_on) {						\
			struct pcore_event ev_ = { (t), (i), (v), (r), (o) };	\
			(c)->ops->event((c)->priv, &ev_);			\
		}								\
	} while (0)

static inline bool value_ok(pcore_u32 v)
{
	return v != 0 && v < PCORE_PASID_LIMIT;
}

static inline pcore_u32 width_max(unsigned int width)
{
	return (1u << width) - 1;
}

static inline pcore_u32 *alloc_rids_mut(struct pcore_alloc *a)
{
	return a->cap_rids ? a->ext_rids : &a->inline_rid;
}

/* The resolved RIDs of a group, in the order of its ids (cap_rids is even). */
static inline struct pcore_rid **alloc_rid_ptrs(struct pcore_alloc *a)
{
	return a->cap_rids ? (struct pcore_rid **)(a->ext_rids + a->cap_rids) : &a->rid1;
}

/* Bytes of an id + pointer block for @cap RIDs (@cap even). */
static inline size_t rid_block_bytes(pcore_u32 cap)
{
	return cap * (sizeof(pcore_u32) + sizeof(struct pcore_rid *));
}

static inline struct pcore_alloc *idx_leaf_slot(const struct pcore *c, pcore_u32 v)
{
	struct pcore_alloc *leaf = c->idx[v >> PCORE_IDX_SHIFT];

	return leaf ? &leaf[v & (PCORE_IDX_LEAF - 1)] : NULL;
}

/* ---- hot words (pcore.c) ---- */

/* pcore_hot.c */
void pcore_hot_unpack(struct pcore *c, pcore_u32 v);
int pcore_hot2_prepare(struct pcore *c, pcore_u32 v);
void pcore_hot_destroy(struct pcore *c);

/* @v's second word, whatever its first says (after pcore_hot2_prepare()). */
static inline pcore_u32 *hot2_word_at(struct pcore *c, pcore_u32 v)
{
	return &c->hot2[v >> PCORE_IDX_SHIFT][v & (PCORE_IDX_LEAF - 1)];
}

/* The compact word of @v's leaf (flags included), 0 where none. */
static inline pcore_u32 hot_leaf_word(const struct pcore *c, pcore_u32 v)
{
	return c->compact ? c->compact->word[v >> PCORE_IDX_SHIFT] : 0;
}

/* Does @v have its leaf's compact word @cw (hot_leaf_word())? */
static inline bool hot_packed_in(const struct pcore *c, pcore_u32 v, pcore_u32 cw)
{
	if (!(cw & ~PCORE_LEAF_MIXED) || !((pcore_bm_l0(c->src_bitmap, v / 64) >> (v % 64)) & 1))
		return false;
	return !(cw & PCORE_LEAF_MIXED) ||
	       !c->hot[v >> PCORE_IDX_SHIFT][v & (PCORE_IDX_LEAF - 1)];
}

static inline bool hot_packed(const struct pcore *c, pcore_u32 v)
{
	return hot_packed_in(c, v, hot_leaf_word(c, v));
}

/*
 * @v's hot word to write, or NULL where no leaf (then @v has no allocation).
 * It becomes @v's own word, and the leaf is mixed from then on.
 */
static inline pcore_u32 *hot_word(struct pcore *c, pcore_u32 v)
{
	pcore_u32 *leaf = c->hot[v >> PCORE_IDX_SHIFT];

	if (pcore_unlikely(c->compact && c->compact->word[v >> PCORE_IDX_SHIFT] != PCORE_LEAF_MIXED))
		pcore_hot_unpack(c, v);
	return leaf ? &leaf[v & (PCORE_IDX_LEAF - 1)] : NULL;
}

/* @v's hot word, wherever it is. */
static inline pcore_u32 hot_get(const struct pcore *c, pcore_u32 v)
{
	const pcore_u32 *leaf = c->hot[v >> PCORE_IDX_SHIFT];
	pcore_u32 cw = hot_leaf_word(c, v);

	if (hot_packed_in(c, v, cw))
		return cw & ~PCORE_LEAF_MIXED;
	return leaf ? leaf[v & (PCORE_IDX_LEAF - 1)] : 0;
}

/* A hot word naming one group allocation (not 0, not PCORE_HOT_SLOW). */
static inline bool hot_is_fast(pcore_u32 h)
{
	return h && h != PCORE_HOT_SLOW;
}

static inline pcore_u32 hot_owner_id(pcore_u32 h)
{
	return (h >> 16) & (PCORE_HOT_OWNERS - 1);
}

/* Does hot word @h name an allocation of @o's? */
static inline bool hot_is_of(pcore_u32 h, const struct pcore_owner *o)
{
	return hot_is_fast(h) && hot_owner_id(h) == o->hot_id;
}

/* @v's second hot word (its first is @h), or NULL where it has none. */
static inline pcore_u32 *hot2_word(const struct pcore *c, pcore_u32 v, pcore_u32 h)
{
	if (!hot_is_fast(h) || !(h & PCORE_HOT_TWO))
		return NULL;
	return &c->hot2[v >> PCORE_IDX_SHIFT][v & (PCORE_IDX_LEAF - 1)];
}

static inline pcore_u32 hot2_get(const struct pcore *c, pcore_u32 v, pcore_u32 h)
{
	const pcore_u32 *h2 = hot2_word(c, v, h);

	return h2 ? *h2 : 0;
}

/* Of @v's hot words (the first at @h, NULL if none), the one naming @o's allocation, or NULL. */
static inline pcore_u32 *hot_word_at_of(const struct pcore *c, pcore_u32 v, pcore_u32 *h,
					const struct pcore_owner *o)
{
	pcore_u32 *h2;

	if (!h || !hot_is_fast(*h))
		return NULL;
	if (hot_owner_id(*h) == o->hot_id)
		return h;
	h2 = hot2_word(c, v, *h);
	return h2 && hot_owner_id(*h2) == o->hot_id ? h2 : NULL;
}


/* The RID hot_id of a single-RID hot word (0: none, or a RID set's word). */
static inline pcore_u32 hot_rid_id(pcore_u32 h)
{
	return h & PCORE_HOT_GSET ? 0 : h & 0xffff;
}

/* The RID set of a hot word, or NULL. */
static inline struct pcore_gset *hot_gset(const struct pcore *c, pcore_u32 h)
{
	return h & PCORE_HOT_GSET ? c->gset_tab[h & (PCORE_HOT_GSET - 1)] : NULL;
}

static inline struct pcore_rid **gset_rids(const struct pcore_gset *gs)
{
	return (struct pcore_rid **)(gs->blk + gs->cap);
}

/* ---- RID sets (pcore_gset.c) ---- */

/* An index for @p in a table of pointers grown up to @max entries: > 0, 0 (full) or -ENOMEM. */
int pcore_tab_get_id(struct pcore *c, void ***tab, pcore_u32 *cap, pcore_u32 max, void *p);
pcore_u32 pcore_gset_hash(const pcore_u32 *ids, pcore_u32 nr);
struct pcore_gset *pcore_gset_find(const struct pcore *c, const pcore_u32 *ids, pcore_u32 nr,
				   pcore_u32 hash);
/* An empty set with an id, not yet findable: 0 and *@ret (NULL: no id left), or -ENOMEM. */
int pcore_gset_alloc(struct pcore *c, struct pcore_gset **ret);
void pcore_gset_discard(struct pcore *c, struct pcore_gset *gs);
/* Give the set from pcore_gset_alloc() its RIDs (it owns @blk now) and make it findable. */
void pcore_gset_install(struct pcore *c, struct pcore_gset *gs, pcore_u32 *blk, pcore_u32 nr,
			pcore_u32 cap, pcore_u32 hash, unsigned int min_width);
void pcore_gset_get(struct pcore *c, struct pcore_gset *gs);
void pcore_gset_put(struct pcore *c, struct pcore_gset *gs);
/* RID removal: @r leaves every set. */
void pcore_gset_drop_rid(struct pcore *c, const struct pcore_rid *r);
void pcore_gset_destroy(struct pcore *c);

/* A hot_id for @r: > 0, 0 (none left: it uses records only) or -ENOMEM. */
int pcore_rid_tab_get(struct pcore *c, struct pcore_rid *r);
/* Write the record form of @v's hot allocation @h into @a. */
void pcore_hot_fill(const struct pcore *c, pcore_u32 v, pcore_u32 h, struct pcore_alloc *a);
/* @v's hot allocations (first word @h) as a chain of one or two records in @a, @a2. */
struct pcore_alloc *pcore_hot_views(const struct pcore *c, pcore_u32 v, pcore_u32 h,
				    struct pcore_alloc *a, struct pcore_alloc *a2);
/* Turn @v's hot allocation (if it is one) into its record: 0 or -ENOMEM. */
int pcore_value_slow(struct pcore *c, pcore_u32 v);

/* ---- occupancy bitmaps (pcore_rid.c) ---- */

/* Word @w (values 64w .. 64w+63) of a RID's set; 0 where no page. */
static inline pcore_u64 rset_word(const struct pcore_rset *s, pcore_u32 w)
{
	const pcore_u64 *pg = s ? s->page[w / PCORE_SET_PAGE_WORDS] : NULL;

	return pg ? pg[w % PCORE_SET_PAGE_WORDS] : 0;
}

static inline pcore_u64 vset_word(const struct pcore_vset *s, pcore_u32 w)
{
	const pcore_u64 *pg = s->page[w / PCORE_SET_PAGE_WORDS];

	return pg ? pg[w % PCORE_SET_PAGE_WORDS] : 0;
}

/*
 * Make sure value @v can be set in @r's set / the held set: 0 or -ENOMEM
 * (a RID's set: only while the reuse index is kept).
 */
int pcore_rset_prepare(struct pcore *c, struct pcore_rid *r, pcore_u32 v);
int pcore_vset_prepare(struct pcore *c, pcore_u32 v);
void pcore_rset_free(struct pcore *c, struct pcore_rid *r);
void pcore_vset_free(struct pcore *c);

/* Part of the reuse index: kept only while c->reuse_index. */
static inline void rset_set(const struct pcore *c, struct pcore_rid *r, pcore_u32 v)
{
	pcore_u64 *word;
	pcore_u32 w = v / 64;

	if (!c->reuse_index)
		return;
	word = &r->set->page[w / PCORE_SET_PAGE_WORDS][w % PCORE_SET_PAGE_WORDS];
	*word |= (pcore_u64)1 << (v % 64);
	/* the word holds nothing reusable here any more: unmark it now, not in the next search */
	if (!(vset_word(&c->held, w) & ~*word)) {
		r->set->maybe1[w / 64] &= ~((pcore_u64)1 << (w % 64));
		if (!r->set->maybe1[w / 64])
			r->set->maybe2[w / 4096] &= ~((pcore_u64)1 << ((w / 64) % 64));
	}
}

/* @r no longer has @v: values below may be reusable on it now. */
static inline void rid_lose(struct pcore *c, struct pcore_rid *r, pcore_u32 v)
{
	if (!c->reuse_index)
		return;
	r->set->page[v / 64 / PCORE_SET_PAGE_WORDS][(v / 64) % PCORE_SET_PAGE_WORDS] &=
		~((pcore_u64)1 << (v % 64));
	r->loss_stamp = ++c->stamp;
	r->set->maybe1[v / 64 / 64] |= (pcore_u64)1 << ((v / 64) % 64);
	r->set->maybe2[v / 64 / 4096] |= (pcore_u64)1 << ((v / 64 / 64) % 64);
}

/* After pcore_vset_prepare(). */
static inline void pcore_vset_add(struct pcore *c, pcore_u32 v)
{
	struct pcore_vset *s = &c->held;
	pcore_u32 w = v / 64;

	s->page[w / PCORE_SET_PAGE_WORDS][w % PCORE_SET_PAGE_WORDS] |= (pcore_u64)1 << (v % 64);
	s->l1[w / 64] |= (pcore_u64)1 << (w % 64);
	s->l2[w / 4096] |= (pcore_u64)1 << ((w / 64) % 64);
}

static inline void pcore_vset_del(struct pcore *c, pcore_u32 v)
{
	struct pcore_vset *s = &c->held;
	pcore_u32 w = v / 64;
	pcore_u64 *word = &s->page[w / PCORE_SET_PAGE_WORDS][w % PCORE_SET_PAGE_WORDS];

	*word &= ~((pcore_u64)1 << (v % 64));
	if (*word)
		return;
	s->l1[w / 64] &= ~((pcore_u64)1 << (w % 64));
	if (!s->l1[w / 64])
		s->l2[w / 4096] &= ~((pcore_u64)1 << ((w / 64) % 64));
}
/* First word >= @w whose bit is set in a two-level summary; > @last if none. */
pcore_u32 pcore_sum_next(const pcore_u64 *l1, const pcore_u64 *l2, pcore_u32 w, pcore_u32 last);

/* Memory the core owns, counted in c->st.bytes; fail-nth applies. */
void *pcore_mem_alloc(struct pcore *c, size_t size);
void pcore_mem_free(struct pcore *c, void *p, size_t size);

bool pcore_alloc_has_rid(const struct pcore_alloc *a, pcore_u32 rid);
struct pcore_attach **pcore_attach_find(struct pcore_alloc *a, const struct pcore_owner *o,
					pcore_u32 rid);
void pcore_detach_matching(struct pcore *c, struct pcore_alloc *a, const struct pcore_owner *o,
			   bool any_rid, pcore_u32 rid);
/*
 * The owner's allocation of @v as a record (a hot one becomes one): 0,
 * -ENOENT (none; also out of range), -EPERM, -ENOMEM.
 */
int pcore_find_owned(struct pcore *c, const struct pcore_owner *o, pcore_u32 v,
		     struct pcore_alloc **ret);
/* Does @o hold @v as a hot allocation? */
static inline bool pcore_owns_hot(const struct pcore *c, const struct pcore_owner *o, pcore_u32 v)
{
	pcore_u32 h;

	if (!value_ok(v))
		return false;
	h = hot_get(c, v);
	return hot_is_of(h, o) || hot_is_of(hot2_get(c, v, h), o);
}
/* @o's group record of @v, a value whose hot word says "records". */
static inline struct pcore_alloc *owner_record(const struct pcore *c, const struct pcore_owner *o,
					pcore_u32 v)
{
	struct pcore_alloc *a;

	for (a = idx_leaf_slot(c, v); a; a = a->value_next)
		if (a->intent == PCORE_INTENT_GROUP && a->owner == o)
			return a;
	return NULL;
}

static inline bool owner_holds(const struct pcore *c, const struct pcore_owner *o, pcore_u32 v)
{
	pcore_u32 h = hot_get(c, v);

	if (h != PCORE_HOT_SLOW)
		return hot_is_of(h, o) || hot_is_of(hot2_get(c, v, h), o);
	return owner_record(c, o, v) != NULL;
}

/*
 * The lowest value up to @max that groups hold, no global does, none of the
 * RIDs (sorted @ids, resolved @rp) has and @o does not hold: 0 and *@ret
 * (0 if none), or -ENOMEM (the index could not be built). pcore_reuse.c.
 */
int pcore_find_reusable(struct pcore *c, const struct pcore_owner *o, const pcore_u32 *ids,
			struct pcore_rid **rp, pcore_u32 n, pcore_u32 max, pcore_u32 *ret);

/* True when no value can be free on @r any more (groups + globals fill it). */
static inline bool pcore_rid_full(const struct pcore *c, const struct pcore_rid *r)
{
	return pcore_rid_nr_values(c, r) + c->globals_within[r->width] >= width_max(r->width);
}

static inline pcore_u32 rid_hash(pcore_u32 id, pcore_u32 cap)
{
	pcore_u32 h = id * 0x9e3779b1u;

	return (h ^ (h >> 15)) & (cap - 1);
}

/* pcore_rid_find(), inline for the allocation path */
static inline struct pcore_rid *rid_lookup(const struct pcore *c, pcore_u32 id)
{
	pcore_u32 i;

	if (!c->rid_cap)
		return NULL;
	for (i = rid_hash(id, c->rid_cap);; i = (i + 1) & (c->rid_cap - 1)) {
		struct pcore_rid *r = c->rid_slots[i];

		if (!r || r->id == id)
			return r;
	}
}

static inline unsigned int min_width_of(const struct pcore *c)
{
	return c->min_width ? c->min_width : PCORE_PASID_BITS;
}

#endif /* PCORE_INTERNAL_H */
