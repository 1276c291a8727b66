// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * pcore_rid.c - the core's RIDs: an open-addressing table by id, hot-add and
 * removal (which drops the RID from every group and tears its bindings down).
 */
#include "pcore_internal.h"

static inline pcore_u32 rid_hash(pcore_u32 id, pcore_u32 cap)
{
	pcore_u32 h = id * 0x9e3779b1u;

	return (h ^ (h >> 15)) & (cap - 1);
}

struct pcore_rid *pcore_rid_find(const struct pcore *c, pcore_u32 id)
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
	unsigned int w;

	for (w = 1; w <= PCORE_PASID_BITS; w++)
		if (c->width_count[w])
			return w;
	return PCORE_PASID_BITS;
}

bool pcore_rid_full(const struct pcore *c, const struct pcore_rid *r)
{
	return r->nr_values + c->globals_within[r->width] >= width_max(r->width);
}

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
	if (err) {
		pcore_mem_free(c, r, sizeof(*r));
		return err;
	}
	r->id = id;
	r->width = width;
	r->cookie = cookie;
	rid_slot_put(c->rid_slots, c->rid_cap, r);
	c->nr_rids++;
	c->width_count[width]++;
	c->st.nr_rids++;
	PCORE_EVENT(c, PCORE_EV_RID_ADD, 0, 0, id, NULL);
	return 0;
}

static void group_drop_rid(struct pcore *c, struct pcore_alloc *a, struct pcore_rid *r)
{
	pcore_u32 *ids = alloc_rids_mut(a), i, j;

	for (i = 0, j = 0; i < a->nr; i++)
		if (ids[i] != r->id)
			ids[j++] = ids[i];
	a->nr = j;
	r->nr_values--;
	PCORE_EVENT(c, PCORE_EV_REVOKE, a->intent, a->value, r->id, a->owner);
}

int pcore_rid_remove(struct pcore *c, pcore_u32 id)
{
	struct pcore_rid *r = pcore_rid_find(c, id);
	struct pcore_owner *o;
	struct pcore_alloc *a;

	if (!r)
		return -ENODEV;
	/* bindings first, then the RID leaves every group that named it */
	for (a = c->globals; a; a = a->next)
		pcore_detach_matching(c, a, NULL, false, id);
	for (o = c->owners; o; o = o->next) {
		for (a = o->allocs; a; a = a->next) {
			if (!pcore_alloc_has_rid(a, id))
				continue;
			pcore_detach_matching(c, a, NULL, false, id);
			group_drop_rid(c, a, r);
		}
	}
	rid_table_delete(c, r);
	c->nr_rids--;
	c->width_count[r->width]--;
	c->st.nr_rids--;
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
