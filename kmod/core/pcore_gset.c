// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * pcore_gset.c - the RID sets of multi-RID groups, interned (see struct
 * pcore_gset): a hash table by the sorted ids and a table by id for the
 * hot words that name them.
 */
#include "pcore_internal.h"

#define GSET_HASH_MIN	64

int pcore_tab_get_id(struct pcore *c, void ***tab, pcore_u32 *cap, pcore_u32 max, void *p)
{
	pcore_u32 i, ncap;
	void **t;

	for (i = 1; i < *cap; i++) {
		if (!(*tab)[i]) {
			(*tab)[i] = p;
			return i;
		}
	}
	if (*cap >= max)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if (ncap > max)
		ncap = max;
	t = pcore_mem_alloc(c, ncap * sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (*cap)
		memcpy(t, *tab, *cap * sizeof(*t));
	pcore_mem_free(c, *tab, *cap * sizeof(*t));
	i = *cap ? *cap : 1;
	*tab = t;
	*cap = ncap;
	t[i] = p;
	return i;
}

/*
 * Each id is mixed on its own and the results summed: the multiplies do not
 * wait for each other, so a 64-RID list hashes in a few dozen cycles.
 */
pcore_u32 pcore_gset_hash(const pcore_u32 *ids, pcore_u32 nr)
{
	pcore_u32 h = nr, i;

	for (i = 0; i < nr; i++)
		h += (ids[i] ^ (i * 0x632be5abu)) * 0x9e3779b1u;
	h ^= h >> 15;
	h *= 0x85ebca6bu;
	return h ^ (h >> 13);
}

struct pcore_gset *pcore_gset_find(const struct pcore *c, const pcore_u32 *ids, pcore_u32 nr,
				   pcore_u32 hash)
{
	struct pcore_gset *gs;

	if (!c->gset_hash_cap)
		return NULL;
	for (gs = c->gset_hash[hash & (c->gset_hash_cap - 1)]; gs; gs = gs->hnext)
		if (gs->hash == hash && gs->nr == nr && !memcmp(gs->blk, ids, nr * sizeof(*ids)))
			return gs;
	return NULL;
}

static void hash_insert(struct pcore *c, struct pcore_gset *gs)
{
	struct pcore_gset **b = &c->gset_hash[gs->hash & (c->gset_hash_cap - 1)];

	gs->hnext = *b;
	*b = gs;
}

static void hash_remove(struct pcore *c, struct pcore_gset *gs)
{
	struct pcore_gset **pp = &c->gset_hash[gs->hash & (c->gset_hash_cap - 1)];

	while (*pp != gs)
		pp = &(*pp)->hnext;
	*pp = gs->hnext;
}

/* Room in the hash table for one more set: 0 or -ENOMEM. */
static int hash_reserve(struct pcore *c)
{
	struct pcore_gset **old = c->gset_hash, *gs, *next;
	pcore_u32 cap = c->gset_hash_cap, ncap, i;

	if (c->nr_gsets + 1 <= cap)
		return 0;
	ncap = cap ? cap * 2 : GSET_HASH_MIN;
	c->gset_hash = pcore_mem_alloc(c, ncap * sizeof(*c->gset_hash));
	if (!c->gset_hash) {
		c->gset_hash = old;
		return -ENOMEM;
	}
	c->gset_hash_cap = ncap;
	for (i = 0; i < cap; i++) {
		for (gs = old[i]; gs; gs = next) {
			next = gs->hnext;
			hash_insert(c, gs);
		}
	}
	pcore_mem_free(c, old, cap * sizeof(*old));
	return 0;
}

int pcore_gset_alloc(struct pcore *c, struct pcore_gset **ret)
{
	struct pcore_gset *gs;
	int id;

	*ret = NULL;
	if (hash_reserve(c))
		return -ENOMEM;
	gs = pcore_mem_alloc(c, sizeof(*gs));
	if (!gs)
		return -ENOMEM;
	id = pcore_tab_get_id(c, (void ***)&c->gset_tab, &c->gset_tab_cap, PCORE_HOT_GSETS, gs);
	if (id <= 0) {
		pcore_mem_free(c, gs, sizeof(*gs));
		return id;
	}
	gs->id = id;
	*ret = gs;
	return 0;
}

void pcore_gset_discard(struct pcore *c, struct pcore_gset *gs)
{
	c->gset_tab[gs->id] = NULL;
	pcore_mem_free(c, gs->blk, gs->cap * (sizeof(pcore_u32) + sizeof(struct pcore_rid *)));
	pcore_mem_free(c, gs, sizeof(*gs));
}

void pcore_gset_install(struct pcore *c, struct pcore_gset *gs, pcore_u32 *blk, pcore_u32 nr,
			pcore_u32 cap, pcore_u32 hash, unsigned int min_width)
{
	gs->blk = blk;
	gs->nr = nr;
	gs->cap = cap;
	gs->hash = hash;
	gs->min_width = min_width;
	gs->refs = 0;
	hash_insert(c, gs);
	c->nr_gsets++;
	c->gset_idle++;
}

void pcore_gset_get(struct pcore *c, struct pcore_gset *gs)
{
	if (gs->refs++ == 0)
		c->gset_idle--;
}

void pcore_gset_put(struct pcore *c, struct pcore_gset *gs)
{
	if (--gs->refs)
		return;
	if (c->gset_idle < PCORE_GSET_IDLE) {
		c->gset_idle++;
		return;
	}
	hash_remove(c, gs);
	c->nr_gsets--;
	pcore_gset_discard(c, gs);
}

static bool gset_has(const struct pcore_gset *gs, pcore_u32 id)
{
	pcore_u32 lo = 0, hi = gs->nr, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (gs->blk[mid] == id)
			return true;
		if (gs->blk[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* A walk over the sets: only counts and removals ask, never an allocation. */
pcore_u32 pcore_rid_nr_values(const struct pcore *c, const struct pcore_rid *r)
{
	pcore_u32 n = r->nr_direct, i;
	const struct pcore_gset *gs;

	for (i = 1; c->nr_gsets > c->gset_idle && i < c->gset_tab_cap; i++) {
		gs = c->gset_tab[i];
		if (gs && gs->refs && gset_has(gs, r->id))
			n += gs->refs;
	}
	return n;
}

static unsigned int gset_min_width(const struct pcore_gset *gs)
{
	struct pcore_rid **rp = gset_rids(gs);
	unsigned int w = PCORE_PASID_BITS;
	pcore_u32 i;

	for (i = 0; i < gs->nr; i++)
		if (rp[i]->width < w)
			w = rp[i]->width;
	return w;
}

void pcore_gset_drop_rid(struct pcore *c, const struct pcore_rid *r)
{
	struct pcore_gset *gs;
	struct pcore_rid **rp;
	pcore_u32 i, j, k;

	for (i = 1; i < c->gset_tab_cap; i++) {
		gs = c->gset_tab[i];
		if (!gs)
			continue;
		rp = gset_rids(gs);
		for (j = 0; j < gs->nr && gs->blk[j] != r->id; j++)
			;
		if (j == gs->nr)
			continue;
		/* every group on this set loses the RID: so does the set */
		hash_remove(c, gs);
		for (k = j + 1; k < gs->nr; k++) {
			gs->blk[k - 1] = gs->blk[k];
			rp[k - 1] = rp[k];
		}
		gs->nr--;
		gs->hash = pcore_gset_hash(gs->blk, gs->nr);
		gs->min_width = gset_min_width(gs);
		hash_insert(c, gs);
	}
}

void pcore_gset_destroy(struct pcore *c)
{
	pcore_u32 i;

	for (i = 1; i < c->gset_tab_cap; i++)
		if (c->gset_tab[i])
			pcore_gset_discard(c, c->gset_tab[i]);
	pcore_mem_free(c, c->gset_tab, c->gset_tab_cap * sizeof(*c->gset_tab));
	pcore_mem_free(c, c->gset_hash, c->gset_hash_cap * sizeof(*c->gset_hash));
	c->gset_tab = NULL;
	c->gset_hash = NULL;
	c->gset_tab_cap = c->gset_hash_cap = c->nr_gsets = c->gset_idle = 0;
}
