/* SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later */
/*
 * pcore_internal.h - what the allocator core's own files share
 * (pcore.c: allocations and owners; pcore_attach.c: bindings;
 * pcore_rid.c: the RID table; pcore_query.c: read-only views). Embeddings include pcore.h only.
 */
#ifndef PCORE_INTERNAL_H
#define PCORE_INTERNAL_H

#include "pcore.h"

#define PCORE_EVENT(c, t, i, v, r, o)						\
	do {									\
		if ((c)->ops->event) {						\
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

/* Memory the core owns, counted in c->st.bytes; fail-nth applies. */
void *pcore_mem_alloc(struct pcore *c, size_t size);
void pcore_mem_free(struct pcore *c, void *p, size_t size);

bool pcore_alloc_has_rid(const struct pcore_alloc *a, pcore_u32 rid);
struct pcore_attach **pcore_attach_find(struct pcore_alloc *a, const struct pcore_owner *o,
					pcore_u32 rid);
void pcore_detach_matching(struct pcore *c, struct pcore_alloc *a, const struct pcore_owner *o,
			   bool any_rid, pcore_u32 rid);
/* The owner's allocation of @v: 0, -ENOENT (none; also out of range), -EPERM. */
int pcore_find_owned(const struct pcore *c, const struct pcore_owner *o, pcore_u32 v,
		     struct pcore_alloc **ret);
/* True when no value can be free on @r any more (groups + globals fill it). */
bool pcore_rid_full(const struct pcore *c, const struct pcore_rid *r);

#endif /* PCORE_INTERNAL_H */
