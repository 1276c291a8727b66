// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * pcore_attach.c - bindings of a PASID on a RID: attach, detach, and the
 * teardown that frees, owner release and RID removal rely on.
 */
#include "pcore_internal.h"

struct pcore_attach **pcore_attach_find(struct pcore_alloc *a, const struct pcore_owner *o,
					pcore_u32 rid)
{
	struct pcore_attach **pp;

	for (pp = &a->attach; *pp; pp = &(*pp)->next)
		if ((*pp)->rid == rid && (!o || (*pp)->owner == o))
			return pp;
	return NULL;
}

static void attach_drop(struct pcore *c, struct pcore_alloc *a, struct pcore_attach **pp)
{
	struct pcore_attach *at = *pp;
	struct pcore_rid *r = pcore_rid_find(c, at->rid);

	*pp = at->next;
	if (r)
		r->nr_attached--;
	PCORE_EVENT(c, PCORE_EV_DETACH, a->intent, a->value, at->rid, at->owner);
	pcore_mem_free(c, at, sizeof(*at));
}

/* Detach what @o has bound of @a (all owners' if @o is NULL), on @rid or all RIDs. */
void pcore_detach_matching(struct pcore *c, struct pcore_alloc *a, const struct pcore_owner *o,
			   bool any_rid, pcore_u32 rid)
{
	struct pcore_attach **pp = &a->attach;

	while (*pp) {
		if ((!o || (*pp)->owner == o) && (any_rid || (*pp)->rid == rid))
			attach_drop(c, a, pp);
		else
			pp = &(*pp)->next;
	}
}

int pcore_attach(struct pcore *c, struct pcore_owner *o, pcore_u32 v, pcore_u32 rid)
{
	struct pcore_attach *at;
	struct pcore_alloc *a;
	struct pcore_rid *r;
	int err = pcore_find_owned(c, o, v, &a);

	if (err)
		return err;
	r = pcore_rid_find(c, rid);
	if (!r)
		return -ENODEV;
	if (a->intent == PCORE_INTENT_GROUP && !pcore_alloc_has_rid(a, rid))
		return -EINVAL;
	if (v > width_max(r->width))
		return -ERANGE;
	if (pcore_attach_find(a, o, rid))
		return -EALREADY;
	at = pcore_mem_alloc(c, sizeof(*at));
	if (!at)
		return -ENOMEM;
	at->owner = o;
	at->rid = rid;
	at->next = a->attach;
	a->attach = at;
	r->nr_attached++;
	PCORE_EVENT(c, PCORE_EV_ATTACH, a->intent, v, rid, o);
	return 0;
}

int pcore_detach(struct pcore *c, struct pcore_owner *o, pcore_u32 v, pcore_u32 rid)
{
	struct pcore_attach **pp;
	struct pcore_alloc *a;
	int err;

	/* a hot allocation has no binding: no record needed to say so */
	if (pcore_owns_hot(c, o, v))
		return pcore_rid_find(c, rid) ? -ENOENT : -ENODEV;
	err = pcore_find_owned(c, o, v, &a);
	if (err)
		return err;
	if (!pcore_rid_find(c, rid))
		return -ENODEV;
	pp = pcore_attach_find(a, o, rid);
	if (!pp)
		return -ENOENT;
	attach_drop(c, a, pp);
	return 0;
}
