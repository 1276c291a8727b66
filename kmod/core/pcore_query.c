// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * pcore_query.c - read-only views of the core: by value, by RID, walks, stats.
 */
#include "pcore_internal.h"

struct pcore_alloc *pcore_value_first(const struct pcore *c, pcore_u32 v)
{
	/* the views are the core's scratch, not part of its state */
	struct pcore_alloc *view = (struct pcore_alloc *)&c->view;
	struct pcore_alloc *view2 = (struct pcore_alloc *)&c->view2;
	pcore_u32 h;

	if (!value_ok(v))
		return NULL;
	h = hot_get(c, v);
	if (h == PCORE_HOT_SLOW)
		return idx_leaf_slot(c, v);
	if (!h)
		return NULL;
	return pcore_hot_views(c, v, h, view, view2);
}

bool pcore_value_on_rid(const struct pcore *c, pcore_u32 v, pcore_u32 rid)
{
	const struct pcore_rid *r = pcore_rid_find(c, rid);
	const struct pcore_alloc *a;

	if (!r || v > width_max(r->width))
		return false;
	for (a = pcore_value_first(c, v); a; a = a->value_next)
		if (a->intent == PCORE_INTENT_GLOBAL || pcore_alloc_has_rid(a, rid))
			return true;
	return false;
}

bool pcore_is_attached(const struct pcore *c, pcore_u32 v, pcore_u32 rid)
{
	struct pcore_alloc *a;

	for (a = pcore_value_first(c, v); a; a = a->value_next)
		if (pcore_attach_find(a, NULL, rid))
			return true;
	return false;
}

int pcore_for_each_alloc(const struct pcore *c, pcore_alloc_fn fn, void *data)
{
	pcore_u32 top, i;
	int ret;

	for (top = 0; top < PCORE_IDX_TOP; top++) {
		if (!c->hot[top])
			continue;
		for (i = 0; i < PCORE_IDX_LEAF; i++) {
			pcore_u32 v = top * PCORE_IDX_LEAF + i, h = hot_get(c, v);
			const struct pcore_alloc *a = NULL;
			struct pcore_alloc view, view2;

			if (hot_is_fast(h)) {
				a = pcore_hot_views(c, v, h, &view, &view2);
			} else if (h) {
				a = idx_leaf_slot(c, v);
			}
			for (; a; a = a->value_next) {
				ret = fn(a, data);
				if (ret)
					return ret;
			}
		}
	}
	return 0;
}

void pcore_get_stats(const struct pcore *c, struct pcore_stats *st)
{
	*st = c->st;
}
