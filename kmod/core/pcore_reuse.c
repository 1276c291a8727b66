// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * pcore_reuse.c - "reuse a value held on a disjoint group": the reuse index
 * (values groups hold, each RID's occupancy and maybe-reusable marks), its
 * lazy build for fresh-first sources, and the search over it.
 */
#include "pcore_internal.h"

/* Mark the words of values newly held since @r last looked as maybe reusable on it. */
static void rid_refresh(const struct pcore *c, struct pcore_rid *r)
{
	struct pcore_rset *rs = r->set;
	pcore_u64 s;
	pcore_u32 w, i;

	if (!rs || r->hint_gain == c->gain_seq)
		return;
	if (c->gain_seq - r->hint_gain > PCORE_GAIN_RING) {
		for (i = 0; i < PCORE_PASID_LIMIT / 64 / 64; i++)
			rs->maybe1[i] |= c->held.l1[i];
		for (i = 0; i < PCORE_PASID_LIMIT / 64 / 64 / 64; i++)
			rs->maybe2[i] |= c->held.l2[i];
	} else {
		for (s = r->hint_gain + 1; s <= c->gain_seq; s++) {
			w = c->gain_word[s % PCORE_GAIN_RING];
			rs->maybe1[w / 64] |= (pcore_u64)1 << (w % 64);
			rs->maybe2[w / 4096] |= (pcore_u64)1 << ((w / 64) % 64);
		}
	}
	r->hint_gain = c->gain_seq;
}

/* The first word that may hold a value reusable on @r (all held words if it has no set). */
static pcore_u32 rid_first_maybe(const struct pcore *c, const struct pcore_rid *r, pcore_u32 w,
				 pcore_u32 last)
{
	if (!r->set)
		return pcore_sum_next(c->held.l1, c->held.l2, w, last);
	return pcore_sum_next(r->set->maybe1, r->set->maybe2, w, last);
}

/* Did the same search fail before, with no loss on its RIDs and no gain since? */
static bool miss_known(const struct pcore *c, const pcore_u32 *ids, struct pcore_rid **rp,
		       pcore_u32 n, pcore_u32 max)
{
	pcore_u32 i;

	if (c->miss_nr != n || c->miss_max != max || c->miss_gain != c->gain_seq ||
	    memcmp(c->miss_ids, ids, n * sizeof(*ids)))
		return false;
	for (i = 0; i < n; i++)
		if (rp[i]->loss_stamp > c->miss_stamp)
			return false;
	return true;
}

/* Best effort: without memory the next failure searches again. */
static void miss_remember(struct pcore *c, const pcore_u32 *ids, pcore_u32 n, pcore_u32 max)
{
	if (n > c->miss_cap) {
		pcore_u32 *m = pcore_mem_alloc(c, n * sizeof(*m));

		c->miss_nr = 0;
		if (!m)
			return;
		pcore_mem_free(c, c->miss_ids, c->miss_cap * sizeof(*m));
		c->miss_ids = m;
		c->miss_cap = n;
	}
	memcpy(c->miss_ids, ids, n * sizeof(*ids));
	c->miss_nr = n;
	c->miss_max = max;
	c->miss_stamp = c->stamp;
	c->miss_gain = c->gain_seq;
}

/* Forget the reuse index's sets (before a build, and when one runs out of memory). */
static void reuse_clear(struct pcore *c)
{
	struct pcore_rid *r;
	pcore_u32 i, j;

	for (i = 0; i < PCORE_SET_PAGES; i++)
		if (c->held.page[i])
			memset(c->held.page[i], 0, PCORE_SET_PAGE_WORDS * sizeof(pcore_u64));
	memset(c->held.l1, 0, sizeof(c->held.l1));
	memset(c->held.l2, 0, sizeof(c->held.l2));
	for (j = 0; j < c->rid_cap; j++) {
		r = c->rid_slots[j];
		for (i = 0; r && r->set && i < PCORE_SET_PAGES; i++)
			if (r->set->page[i])
				memset(r->set->page[i], 0, PCORE_SET_PAGE_WORDS * sizeof(pcore_u64));
	}
}

/* Index the group allocations of @v (hot word @h): the held set and their RIDs' sets. */
static int reuse_index_value(struct pcore *c, pcore_u32 v, pcore_u32 h)
{
	struct pcore_alloc *a, view, view2;
	struct pcore_rid **rp;
	pcore_u32 i;
	int err;

	/* a global's value is never shared: its record is the head */
	if (h == PCORE_HOT_SLOW && idx_leaf_slot(c, v)->intent != PCORE_INTENT_GROUP)
		return 0;
	err = pcore_vset_prepare(c, v);
	if (err)
		return err;
	pcore_vset_add(c, v);
	a = hot_is_fast(h) ? pcore_hot_views(c, v, h, &view, &view2) : idx_leaf_slot(c, v);
	for (; a; a = a->value_next) {
		rp = alloc_rid_ptrs(a);
		for (i = 0; i < a->nr; i++) {
			err = pcore_rset_prepare(c, rp[i], v);
			if (err)
				return err;
			rset_set(c, rp[i], v);
		}
	}
	return 0;
}

/*
 * Build the reuse index from the hot words and records: every value a group
 * holds, each RID's values, and for each RID every held word marked maybe
 * reusable. One walk over the values in use, once: the index is kept from
 * then on.
 */
static int reuse_build(struct pcore *c)
{
	pcore_u32 top, i;
	struct pcore_rid *r;
	int err;

	reuse_clear(c);
	c->reuse_index = true;	/* the helpers below write the sets */
	pcore_plain_update(c);
	for (top = 0; top < PCORE_IDX_TOP; top++) {
		for (i = 0; c->hot[top] && i < PCORE_IDX_LEAF; i++) {
			pcore_u32 h = hot_get(c, top * PCORE_IDX_LEAF + i);

			if (!h)
				continue;
			err = reuse_index_value(c, top * PCORE_IDX_LEAF + i, h);
			if (err) {
				reuse_clear(c);
				c->reuse_index = false;
				pcore_plain_update(c);
				return err;
			}
		}
	}
	for (i = 0; i < c->rid_cap; i++) {
		r = c->rid_slots[i];
		if (!r)
			continue;
		if (r->set) {
			memcpy(r->set->maybe1, c->held.l1, sizeof(c->held.l1));
			memcpy(r->set->maybe2, c->held.l2, sizeof(c->held.l2));
		}
		r->hint_gain = c->gain_seq;
		r->loss_stamp = ++c->stamp;
	}
	return 0;
}

/*
 * The lowest value up to @max that groups hold, no global does, none of the
 * RIDs has and @o does not hold: the OR of the RIDs' bitmap words against
 * the held set. One RID: only the words it marks as maybe reusable (marks
 * found empty are cleared, so each loss is paid for once). Several: the held
 * set's non-empty words from the highest first mark of the RIDs. 0 and
 * *@ret (0 if none), or -ENOMEM (the index could not be built).
 */
int pcore_find_reusable(struct pcore *c, const struct pcore_owner *o, const pcore_u32 *ids,
			struct pcore_rid **rp, pcore_u32 n, pcore_u32 max, pcore_u32 *ret)
{
	pcore_u32 last = max / 64, start = 0, w, i, v;
	bool any = false;
	pcore_u64 cand, held;
	int err;

	*ret = 0;
	if (!c->reuse_index) {
		err = reuse_build(c);
		if (err)
			return err;
	}
	if (n > 1 && miss_known(c, ids, rp, n, max))
		return 0;
	for (i = 0; i < n; i++) {
		rid_refresh(c, rp[i]);
		w = rid_first_maybe(c, rp[i], 0, last);
		if (w > start)
			start = w;
	}
	/* one RID: walk its maybe-words, clearing those found empty */
	for (w = start; w <= last; w = n == 1 ? rid_first_maybe(c, rp[0], w + 1, last)
					   : pcore_sum_next(c->held.l1, c->held.l2, w + 1, last)) {
		held = vset_word(&c->held, w);
		cand = held;
		for (i = 0; i < n && cand; i++)
			cand &= ~rset_word(rp[i]->set, w);
		if (n == 1 && !cand && rp[0]->set) {
			struct pcore_rset *rs = rp[0]->set;

			rs->maybe1[w / 64] &= ~((pcore_u64)1 << (w % 64));
			if (!rs->maybe1[w / 64])
				rs->maybe2[w / 4096] &= ~((pcore_u64)1 << ((w / 64) % 64));
		}
		if (w == last && max % 64 != 63)
			cand &= ((pcore_u64)2 << (max % 64)) - 1;
		any = any || cand;
		for (; cand; cand &= cand - 1) {
			v = w * 64 + pcore_ctz64(cand);
			if (!owner_holds(c, o, v)) {
				*ret = v;
				return 0;
			}
		}
	}
	if (n > 1 && !any)
		miss_remember(c, ids, n, max);
	return 0;
}
