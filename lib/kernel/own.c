// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * own.c - the kernel backend's memory of its own group allocations.
 *
 * Does a dumped allocation belong to THIS context? The kernel can only say
 * "held by the requesting process" (PASID_NL_F_OWN_PROCESS): a netlink
 * request does not name an open file. So the context remembers what it
 * allocated and narrows the flag down:
 * - global: the process's value and this context holds it (it allocated it
 *   and did not free it);
 * - group: this context allocated a group with this value whose RIDs (as
 *   allocated and extended, pruned to the kernel's view whenever a listing
 *   shows the group: kown_refresh()) meet the dumped group's RIDs. Two live
 *   groups with one value have disjoint RIDs, so this is exact but for two
 *   approximations, both needing an unplug and another context of this
 *   process with the same value: a group whose RIDs were all unplugged has
 *   none left to compare and counts as ours when we hold a group of that
 *   value; and a RID unplugged and plugged back before any listing still
 *   counts as ours.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "own.h"

/* Index of @v in the set, or where it would go; *@found says which. */
static size_t own_pos(const struct kown_set *s, uint32_t v, bool *found)
{
	size_t lo = 0, hi = s->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].value < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < s->nr && s->v[lo].value == v;
	return lo;
}

struct kown *kown_find(const struct kown_set *s, uint32_t v)
{
	bool found;
	size_t i = own_pos(s, v, &found);

	return found ? &s->v[i] : NULL;
}

int kown_prepare(struct kown_set *s, const uint32_t *rids, uint32_t nr, struct kown *ret)
{
	*ret = (struct kown){ .nr = nr, .cap = nr };
	if (pasid_grow_array((void **)&s->v, &s->cap, s->nr + 1, sizeof(*s->v)))
		return -ENOMEM;
	ret->rids = malloc(nr * sizeof(*ret->rids));
	if (!ret->rids)
		return -ENOMEM;
	memcpy(ret->rids, rids, nr * sizeof(*ret->rids));
	qsort(ret->rids, nr, sizeof(*ret->rids), pasid_cmp_u32);
	return 0;
}

void kown_commit(struct kown_set *s, struct kown *o, uint32_t value)
{
	bool found;
	size_t pos = own_pos(s, value, &found);

	o->value = value;
	if (found) {
		/* cannot happen (the kernel says EEXIST): keep the newer RIDs */
		free(s->v[pos].rids);
	} else {
		memmove(&s->v[pos + 1], &s->v[pos], (s->nr - pos) * sizeof(*s->v));
		s->nr++;
	}
	s->v[pos] = *o;
}

void kown_discard(struct kown *o)
{
	free(o->rids);
	o->rids = NULL;
}

int kown_reserve_rid(struct kown *o)
{
	uint32_t n;
	uint32_t *p;

	if (o->nr < o->cap)
		return 0;
	n = o->cap ? o->cap * 2 : 4;
	p = realloc(o->rids, n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	o->rids = p;
	o->cap = n;
	return 0;
}

void kown_insert_rid(struct kown *o, uint32_t rid)
{
	uint32_t i = o->nr;

	while (i && o->rids[i - 1] > rid) {
		o->rids[i] = o->rids[i - 1];
		i--;
	}
	o->rids[i] = rid;
	o->nr++;
}

void kown_remove(struct kown_set *s, uint32_t v)
{
	bool found;
	size_t i = own_pos(s, v, &found);

	if (!found)
		return;
	free(s->v[i].rids);
	memmove(&s->v[i], &s->v[i + 1], (s->nr - i - 1) * sizeof(*s->v));
	s->nr--;
}

void kown_clear(struct kown_set *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		free(s->v[i].rids);
	free(s->v);
	*s = (struct kown_set){ 0 };
}

/* Do two sorted RID arrays share a RID? */
static bool sorted_intersect(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb)
{
	uint32_t i = 0, j = 0;

	while (i < na && j < nb) {
		if (a[i] == b[j])
			return true;
		if (a[i] < b[j])
			i++;
		else
			j++;
	}
	return false;
}

const uint32_t *kown_first_in(const uint32_t *rids, uint32_t nr, const uint32_t *set,
			      uint32_t nset)
{
	uint32_t i;

	for (i = 0; i < nr; i++)
		if (bsearch(&rids[i], set, nset, sizeof(*set), pasid_cmp_u32))
			return &rids[i];
	return NULL;
}

bool kown_is_mine(const struct kown_set *s, uint32_t global, const struct kernel_alloc_list *l,
		  const struct kernel_alloc *a)
{
	const struct kown *o;

	if (!(a->nl_flags & PASID_NL_F_OWN_PROCESS))
		return false;
	if (a->intent == PASID_NL_INTENT_GLOBAL_ENQCMD)
		return global && global == a->pasid;
	o = kown_find(s, a->pasid);
	if (!o)
		return false;
	return !a->nr_rids || sorted_intersect(kernel_alloc_rids(l, a), a->nr_rids, o->rids, o->nr);
}

void kown_refresh(struct kown_set *s, const struct kernel_alloc_list *l,
		  const struct kernel_alloc *a)
{
	struct kown *o = kown_find(s, a->pasid);

	/* the kernel only ever drops RIDs behind our back, so they fit */
	if (!o || a->intent != PASID_NL_INTENT_GROUP || a->nr_rids > o->nr)
		return;
	if (a->nr_rids)
		memcpy(o->rids, kernel_alloc_rids(l, a), a->nr_rids * sizeof(*o->rids));
	o->nr = a->nr_rids;
}
