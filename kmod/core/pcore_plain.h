/* SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later */
/*
 * pcore_plain.h - the plain paths, inline: the common allocation (automatic,
 * one RID, a fresh value from an in-process bitmap) and its free, while
 * c->plain holds. pcore_alloc_group() and pcore_free() start with them; an
 * embedding whose entry points are hot (the library's sim backend) calls
 * them itself first, under its lock, and the full call where they decline.
 * They touch the bitmap, one hot word or the leaf's compact word, and
 * counters.
 */
#ifndef PCORE_PLAIN_H
#define PCORE_PLAIN_H

#include "pcore_internal.h"
#include "pcore_bitmap.h"

/* pcore.c: is there one table for the hot words; @v's leaf (0, -ENOMEM) */
bool pcore_hot_table_ready(struct pcore *c);
int pcore_hot_prepare(struct pcore *c, pcore_u32 v);
/* pcore.c: leaf @top may have no value leased any more. */
void pcore_compact_lost(struct pcore *c, pcore_u32 top);

/*
 * pcore.c: the lease from @lo on @r gave @err (1: a page to add, -ENOSPC):
 * the values below @lo, else the failure decided as the general path would
 * (-ENOSPC, why set), or 1 where the general path must decide (reuse).
 */
int pcore_plain_lease_more(struct pcore *c, struct pcore_owner *o, struct pcore_rid *r,
			   pcore_u32 lo, int err, pcore_u32 *v);
/* pcore.c: -ENOSPC for the full RID @r, c->why set. */
int pcore_plain_full(struct pcore *c, const struct pcore_rid *r);

/*
 * The plain allocation (c->plain): automatic, one RID, a fresh value from
 * the bitmap (above the narrow RIDs' values first), its hot leaf there.
 * 0, -ENOSPC (decided, with c->why), or 1 where it took nothing and the
 * general path decides.
 */
static pcore_always_inline int pcore_alloc_plain(struct pcore *c, struct pcore_owner *o,
						  pcore_u32 id, pcore_u32 *ret)
{
	struct pcore_rid *r = o->last_rid;
	pcore_u32 v, lo, max, want, *leaf, *cw;
	int err;

	/* a runtime allocates on the same RID again and again */
	if (pcore_unlikely(!r || r->id != id)) {
		r = rid_lookup(c, id);
		o->last_rid = r;
	}
	if (!r || !r->hot_id || !o->hot_id)
		return 1;
	max = width_max(r->width);
	/* a full RID fails here, before any search, as the general path would */
	if (pcore_unlikely(r->nr_direct + c->globals_within[r->width] >= max))
		return pcore_plain_full(c, r);
	lo = c->fresh_low <= max ? c->fresh_low : 1;
	err = pcore_bitmap_lease_in(c->src_bitmap, lo, max, &v);
	if (pcore_unlikely(err)) {
		err = pcore_plain_lease_more(c, o, r, lo, err, &v);
		if (err)
			return err;
	}
	if (pcore_unlikely(!c->hot[v >> PCORE_IDX_SHIFT]) &&
	    (!pcore_hot_table_ready(c) || pcore_hot_prepare(c, v))) {
		/* leaves one by one are the general path's to allocate (fail-nth) */
		pcore_bitmap_release_leased(c->src_bitmap, v);
		return 1;
	}
	leaf = c->hot[v >> PCORE_IDX_SHIFT];
	want = (pcore_u32)o->hot_id << 16 | r->hot_id;
	cw = c->compact ? &c->compact->word[v >> PCORE_IDX_SHIFT] : NULL;
	/* a fresh value's own word is 0: leased, it has the leaf's word */
	if (pcore_likely(cw && ((*cw & ~PCORE_LEAF_MIXED) == want ||
				!(*cw & ~PCORE_LEAF_MIXED)))) {
		*cw |= want;
	} else {
		leaf[v & (PCORE_IDX_LEAF - 1)] = want;
		if (cw)
			*cw |= PCORE_LEAF_MIXED;
	}
	r->nr_direct++;
	o->nr_allocs++;
	c->st.nr_groups++;
	c->st.nr_values++;
	*ret = v;
	return 0;
}

/*
 * The plain free (c->plain): @o's only allocation of @v, on one RID (its
 * word is exactly owner << 16 | RID): true, else false (nothing changed).
 */
static pcore_always_inline bool pcore_free_plain(struct pcore *c, struct pcore_owner *o,
						   pcore_u32 v)
{
	pcore_u32 *leaf = c->hot[v >> PCORE_IDX_SHIFT], *h = NULL, w, rid;
	pcore_u32 cw = hot_leaf_word(c, v);
	struct pcore_rid *r;

	if (!leaf)
		return false;
	if (hot_packed_in(c, v, cw)) {
		w = cw & ~PCORE_LEAF_MIXED;
	} else {
		h = &leaf[v & (PCORE_IDX_LEAF - 1)];
		w = *h;
	}
	rid = w & 0xffff;
	/* the flags (second word, records) sit above the owner: any makes it differ */
	if (w >> 16 != o->hot_id || rid == 0 || rid >= PCORE_HOT_GSET)
		return false;
	r = o->last_rid;
	if (pcore_unlikely(!r || r->hot_id != rid))
		r = c->rid_tab[rid];
	r->nr_direct--;
	if (h)
		*h = 0;
	o->nr_allocs--;
	c->st.nr_groups--;
	c->st.nr_values--;
	/* a compact value stops having the leaf's word here, with its lease */
	pcore_bitmap_release_leased(c->src_bitmap, v);
	/* as src_release(): the last value out of a leaf, own word or not */
	if (c->compact && !pcore_bm_l0(c->src_bitmap, v / 64))
		pcore_compact_lost(c, v >> PCORE_IDX_SHIFT);
	return true;
}

#endif /* PCORE_PLAIN_H */
