// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * pcore_rid.c - the core's RIDs: an open-addressing table by id, hot-add and
 * removal (which drops the RID from every group and tears its bindings down),
 * and the occupancy bitmaps the reuse search reads (per RID, and the core's
 * set of values groups hold).
 */
#include "pcore_internal.h"

struct pcore_rid *pcore_rid_find(const struct pcore *c, pcore_u32 id)
{
	return rid_lookup(c, id);
}

static void rid_slot_put(struct pcore_rid **slots, pcore_u32 cap, struct pcore_rid *r)
{
	pcore_u32 i = rid_hash(r->id, cap);

	while (slots[i])
		i = (i + 1) & (cap - 1);
	slots[i] = r;
}

static int rid_table_reserve(struct pcore *c)
{
	struct pcore_rid **slots;
	pcore_u32 cap, i;

	if ((c->nr_rids + 1) * 2 <= c->rid_cap)
		return 0;
	cap = c->rid_cap ? c->rid_cap * 2 : 16;
	slots = pcore_mem_alloc(c, cap * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < c->rid_cap; i++)
		if (c->rid_slots[i])
			rid_slot_put(slots, cap, c->rid_slots[i]);
	pcore_mem_free(c, c->rid_slots, c->rid_cap * sizeof(*slots));
	c->rid_slots = slots;
	c->rid_cap = cap;
	return 0;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void rid_table_delete(struct pcore *c, struct pcore_rid *r)
{
	pcore_u32 mask = c->rid_cap - 1, i, j, k;

	for (i = rid_hash(r->id, c->rid_cap); c->rid_slots[i] != r; i = (i + 1) & mask)
		;
	c->rid_slots[i] = NULL;
	for (j = (i + 1) & mask; c->rid_slots[j]; j = (j + 1) & mask) {
		k = rid_hash(c->rid_slots[j]->id, c->rid_cap);
		/* leave it if its home k lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		c->rid_slots[i] = c->rid_slots[j];
		c->rid_slots[j] = NULL;
		i = j;
	}
}

unsigned int pcore_min_width(const struct pcore *c)
{
	return min_width_of(c);
}

/* Every group allocation asks for it: kept up to date as RIDs come and go. */
static void min_width_update(struct pcore *c)
{
	unsigned int w;

	for (w = 1; w <= PCORE_PASID_BITS; w++)
		if (c->width_count[w])
			break;
	c->min_width = w <= PCORE_PASID_BITS ? w : 0;
	c->fresh_low = width_max(min_width_of(c)) + 1;
}

/* ---- occupancy bitmaps ---------------------------------------------------- */

#define SET_PAGE_BYTES (PCORE_SET_PAGE_WORDS * sizeof(pcore_u64))

int pcore_rset_prepare(struct pcore *c, struct pcore_rid *r, pcore_u32 v)
{
	pcore_u64 **pg;

	if (!c->reuse_index)
		return 0;
	if (pcore_unlikely(!r->set)) {
		r->set = pcore_mem_alloc(c, sizeof(*r->set));
		if (!r->set)
			return -ENOMEM;
		/* it holds nothing yet: every word groups hold may be reusable here */
		if (c->reuse_index) {
			memcpy(r->set->maybe1, c->held.l1, sizeof(c->held.l1));
			memcpy(r->set->maybe2, c->held.l2, sizeof(c->held.l2));
		}
		r->hint_gain = c->gain_seq;
	}
	pg = &r->set->page[v / 64 / PCORE_SET_PAGE_WORDS];
	if (pcore_likely(*pg != NULL))
		return 0;
	*pg = pcore_mem_alloc(c, SET_PAGE_BYTES);
	return *pg ? 0 : -ENOMEM;
}

void pcore_rset_free(struct pcore *c, struct pcore_rid *r)
{
	unsigned int i;

	if (!r->set)
		return;
	for (i = 0; i < PCORE_SET_PAGES; i++)
		pcore_mem_free(c, r->set->page[i], SET_PAGE_BYTES);
	pcore_mem_free(c, r->set, sizeof(*r->set));
	r->set = NULL;
}

int pcore_vset_prepare(struct pcore *c, pcore_u32 v)
{
	pcore_u64 **pg = &c->held.page[v / 64 / PCORE_SET_PAGE_WORDS];

	if (pcore_likely(*pg != NULL))
		return 0;
	*pg = pcore_mem_alloc(c, SET_PAGE_BYTES);
	return *pg ? 0 : -ENOMEM;
}

void pcore_vset_free(struct pcore *c)
{
	unsigned int i;

	for (i = 0; i < PCORE_SET_PAGES; i++) {
		pcore_mem_free(c, c->held.page[i], SET_PAGE_BYTES);
		c->held.page[i] = NULL;
	}
}

pcore_u32 pcore_sum_next(const pcore_u64 *l1, const pcore_u64 *l2, pcore_u32 w, pcore_u32 last)
{
	pcore_u32 j = w / 64, k;
	pcore_u64 m;

	if (w > last)
		return last + 1;
	m = l1[j] & (~(pcore_u64)0 << (w % 64));
	if (m)
		return j * 64 + pcore_ctz64(m);
	for (j++; j <= last / 64;) {
		k = j / 64;
		m = l2[k] & (~(pcore_u64)0 << (j % 64));
		if (!m) {
			j = (k + 1) * 64;
			continue;
		}
		j = k * 64 + pcore_ctz64(m);
		if (j > last / 64)
			break;
		return j * 64 + pcore_ctz64(l1[j]);
	}
	return last + 1;
}

/* ---- adding and removing RIDs ---------------------------------------------- */

int pcore_rid_add(struct pcore *c, pcore_u32 id, unsigned int width, void *cookie)
{
	struct pcore_rid *r;
	int err;

	if (width < 1 || width > PCORE_PASID_BITS)
		return -EINVAL;
	if (pcore_rid_find(c, id))
		return -EEXIST;
	r = pcore_mem_alloc(c, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = rid_table_reserve(c);
	if (!err)
		err = pcore_rid_tab_get(c, r);	/* 0: none left, records only */
	if (err < 0) {
		pcore_mem_free(c, r, sizeof(*r));
		return err;
	}
	r->hot_id = err;
	r->id = id;
	r->width = width;
	r->cookie = cookie;
	/* a failed search remembered before this RID existed says nothing of it */
	r->loss_stamp = ++c->stamp;
	r->hint_gain = c->gain_seq;
	rid_slot_put(c->rid_slots, c->rid_cap, r);
	c->nr_rids++;
	c->width_count[width]++;
	min_width_update(c);
	c->st.nr_rids++;
	PCORE_EVENT(c, PCORE_EV_RID_ADD, 0, 0, id, NULL);
	return 0;
}

static void group_drop_rid(struct pcore *c, struct pcore_alloc *a, struct pcore_rid *r)
{
	pcore_u32 *ids = alloc_rids_mut(a), i, j;
	struct pcore_rid **rp = alloc_rid_ptrs(a);

	for (i = 0, j = 0; i < a->nr; i++) {
		if (ids[i] == r->id)
			continue;
		ids[j] = ids[i];
		rp[j++] = rp[i];
	}
	a->nr = j;
	if (!j && !a->cap_rids)
		a->rid1 = NULL;
	r->nr_direct--;
	PCORE_EVENT(c, PCORE_EV_REVOKE, a->intent, a->value, r->id, a->owner);
}

/* @r leaves the group allocations of @v that name it (bindings first). */
/* @r leaves the hot allocation of @v in word *@w if it names it: 1, else 0. */
static pcore_u32 rid_leave_hot(struct pcore *c, struct pcore_rid *r, pcore_u32 v, pcore_u32 *w)
{
	struct pcore_gset *gs = hot_gset(c, *w);
	struct pcore_alloc view;

	if (gs) {
		/* its set loses the RID afterwards (pcore_gset_drop_rid()) */
		pcore_hot_fill(c, v, *w, &view);
		if (!pcore_alloc_has_rid(&view, r->id))
			return 0;
	} else if (!r->hot_id || hot_rid_id(*w) != r->hot_id) {
		return 0;
	} else {
		/* a hot group on this RID alone: it keeps no RID */
		*w &= ~0xffffu;
		r->nr_direct--;
	}
	PCORE_EVENT(c, PCORE_EV_REVOKE, PCORE_INTENT_GROUP, v, r->id,
		    c->owner_tab[hot_owner_id(*w)]);
	return 1;
}

static pcore_u32 rid_leave_value(struct pcore *c, struct pcore_rid *r, pcore_u32 v)
{
	pcore_u32 *h = hot_word(c, v), *h2;
	struct pcore_alloc *a;

	if (hot_is_fast(*h)) {
		/* the two allocations of a value are on disjoint RIDs: one at most */
		h2 = hot2_word(c, v, *h);
		return rid_leave_hot(c, r, v, h) || (h2 && rid_leave_hot(c, r, v, h2));
	}
	if (*h != PCORE_HOT_SLOW)
		return 0;
	for (a = idx_leaf_slot(c, v); a; a = a->value_next) {
		if (a->intent != PCORE_INTENT_GROUP || !pcore_alloc_has_rid(a, r->id))
			continue;
		pcore_detach_matching(c, a, NULL, false, r->id);
		group_drop_rid(c, a, r);
		return 1;
	}
	return 0;
}

int pcore_rid_remove(struct pcore *c, pcore_u32 id)
{
	struct pcore_rid *r = pcore_rid_find(c, id);
	struct pcore_owner *o;
	struct pcore_alloc *a;
	pcore_u32 w, i, left;
	pcore_u64 bits;

	if (!r)
		return -ENODEV;
	left = pcore_rid_nr_values(c, r);
	/* bindings first, then the RID leaves every group that named it */
	for (a = c->globals; a; a = a->gnext)
		pcore_detach_matching(c, a, NULL, false, id);
	if (c->reuse_index) {
		/* the RID's set names its values */
		for (w = 0; left && w < PCORE_PASID_LIMIT / 64; w++) {
			if (!r->set->page[w / PCORE_SET_PAGE_WORDS]) {
				w |= PCORE_SET_PAGE_WORDS - 1;
				continue;
			}
			for (bits = rset_word(r->set, w); bits; bits &= bits - 1)
				left -= rid_leave_value(c, r, w * 64 + pcore_ctz64(bits));
		}
	} else {
		/* no index: a walk over the values in use (removal is rare) */
		for (w = 0; left && w < PCORE_IDX_TOP; w++)
			for (i = 0; c->hot[w] && i < PCORE_IDX_LEAF; i++)
				if (hot_get(c, w * PCORE_IDX_LEAF + i))
					left -= rid_leave_value(c, r, w * PCORE_IDX_LEAF + i);
	}
	pcore_gset_drop_rid(c, r);
	for (o = c->owners; o; o = o->next)
		if (o->last_rid == r)
			o->last_rid = NULL;
	rid_table_delete(c, r);
	if (r->hot_id)
		c->rid_tab[r->hot_id] = NULL;
	c->nr_rids--;
	c->width_count[r->width]--;
	min_width_update(c);
	c->st.nr_rids--;
	pcore_rset_free(c, r);
	pcore_mem_free(c, r, sizeof(*r));
	PCORE_EVENT(c, PCORE_EV_RID_REMOVE, 0, 0, id, NULL);
	return 0;
}

int pcore_for_each_rid(const struct pcore *c, pcore_rid_fn fn, void *data)
{
	pcore_u32 i;
	int ret;

	for (i = 0; i < c->rid_cap; i++) {
		if (!c->rid_slots[i])
			continue;
		ret = fn(c->rid_slots[i], data);
		if (ret)
			return ret;
	}
	return 0;
}
