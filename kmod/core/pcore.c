// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * pcore.c - the PASID allocator core. See pcore.h for the model and
 * docs/DESIGN.md section 2 for the contract implemented here.
 *
 * Every mutating call validates and allocates everything it needs first and
 * only then links the result in, so a failure leaves nothing changed.
 */
#include "pcore_internal.h"
#include "pcore_bitmap.h"
#include "pcore_plain.h"

/* ---- the value source ----------------------------------------------------- */

/* The core asks for 1 <= @min <= @max < 2^20 and gives back only what it leased. */
static inline int src_lease(struct pcore *c, pcore_u32 min, pcore_u32 max, pcore_u32 *ret)
{
	int err;

	if (c->src_bitmap) {
		err = pcore_bitmap_lease_in(c->src_bitmap, min, max, ret);
		if (err != 1)
			return err;
	}
	return c->ops->lease(c->priv, min, max, ret);
}

static inline void src_release(struct pcore *c, pcore_u32 v)
{
	if (c->src_bitmap) {
		pcore_bitmap_release_leased(c->src_bitmap, v);
		if (c->compact && !pcore_bm_l0(c->src_bitmap, v / 64))
			pcore_compact_lost(c, v >> PCORE_IDX_SHIFT);
	} else {
		c->ops->release(c->priv, v);
	}
}

/* ---- helpers the core's files share (pcore_internal.h) ---------------- */

void *pcore_mem_alloc(struct pcore *c, size_t size)
{
	void *p = pcore_env_alloc(size);

	if (p)
		c->st.bytes += size;
	return p;
}

void pcore_mem_free(struct pcore *c, void *p, size_t size)
{
	if (p) {
		c->st.bytes -= size;
		pcore_env_free(p);
	}
}

bool pcore_alloc_has_rid(const struct pcore_alloc *a, pcore_u32 rid)
{
	const pcore_u32 *ids = pcore_alloc_rids(a);
	pcore_u32 lo = 0, hi = a->nr;

	while (lo < hi) {
		pcore_u32 mid = lo + (hi - lo) / 2;

		if (ids[mid] == rid)
			return true;
		if (ids[mid] < rid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static unsigned int bit_length(pcore_u32 v)
{
	unsigned int n = 0;

	while (v) {
		n++;
		v >>= 1;
	}
	return n;
}

/* ---- value index: value -> inline record, then a chain ---------------- */

static int idx_prepare(struct pcore *c, pcore_u32 v)
{
	struct pcore_alloc **leaf = &c->idx[v >> PCORE_IDX_SHIFT];

	if (pcore_likely(*leaf != NULL))
		return 0;
	*leaf = pcore_mem_alloc(c, PCORE_IDX_LEAF * sizeof(**leaf));
	if (!*leaf)
		return -ENOMEM;
	c->st.nr_index_leaves++;
	return 0;
}

/* A multi-RID group's view shares its set's block: read it, never change it. */
void pcore_hot_fill(const struct pcore *c, pcore_u32 v, pcore_u32 h, struct pcore_alloc *a)
{
	struct pcore_rid *r = hot_rid_id(h) ? c->rid_tab[hot_rid_id(h)] : NULL;
	struct pcore_gset *gs = hot_gset(c, h);

	memset(a, 0, sizeof(*a));
	a->value = v;
	a->intent = PCORE_INTENT_GROUP;
	a->owner = c->owner_tab[hot_owner_id(h)];
	if (gs) {
		a->nr = gs->nr;
		a->cap_rids = gs->cap;
		a->ext_rids = gs->blk;
		return;
	}
	a->nr = r ? 1 : 0;
	a->inline_rid = r ? r->id : 0;
	a->rid1 = r;
}

/*
 * One chained record is kept for the next reuse: reuse-first churn frees and
 * takes one per call.
 */
static void spare_put(struct pcore *c, struct pcore_alloc *a)
{
	if (c->spare) {
		pcore_mem_free(c, a, sizeof(*a));
		return;
	}
	memset(a, 0, sizeof(*a));
	c->spare = a;
}

static struct pcore_alloc *spare_take(struct pcore *c)
{
	struct pcore_alloc *a = c->spare;

	if (a) {
		c->spare = NULL;
		return a;
	}
	return pcore_mem_alloc(c, sizeof(*a));
}

struct pcore_alloc *pcore_hot_views(const struct pcore *c, pcore_u32 v, pcore_u32 h,
				    struct pcore_alloc *a, struct pcore_alloc *a2)
{
	pcore_hot_fill(c, v, h, a);
	if (h & PCORE_HOT_TWO) {
		pcore_hot_fill(c, v, hot2_get(c, v, h), a2);
		a->value_next = a2;
	}
	return a;
}

/* A record's block for hot word @h if it names a RID set: 0, or -ENOMEM. */
static int hot_block(struct pcore *c, pcore_u32 h, pcore_u32 **blk)
{
	struct pcore_gset *gs = hot_gset(c, h);

	*blk = NULL;
	if (!gs)
		return 0;
	/* the record gets a block of its own: it may change (extend) */
	*blk = pcore_mem_alloc(c, rid_block_bytes(gs->cap));
	if (!*blk)
		return -ENOMEM;
	memcpy(*blk, gs->blk, rid_block_bytes(gs->cap));
	return 0;
}

/* Record @a takes over hot word @h's allocation of @v (@blk from hot_block()). */
static void hot_to_record(struct pcore *c, pcore_u32 v, pcore_u32 h, struct pcore_alloc *a,
			  pcore_u32 *blk)
{
	struct pcore_gset *gs = hot_gset(c, h);
	pcore_u32 i;

	pcore_hot_fill(c, v, h, a);
	if (!gs)
		return;
	/* its RIDs count the record themselves now */
	a->ext_rids = blk;
	for (i = 0; i < gs->nr; i++)
		gset_rids(gs)[i]->nr_direct++;
	pcore_gset_put(c, gs);
}

int pcore_value_slow(struct pcore *c, pcore_u32 v)
{
	pcore_u32 *h = hot_word(c, v), *h2, *blk = NULL, *blk2 = NULL;
	struct pcore_alloc *a2 = NULL;
	int err;

	if (!h || !hot_is_fast(*h))
		return 0;
	h2 = hot2_word(c, v, *h);
	/* everything that can fail first */
	err = idx_prepare(c, v);
	if (!err)
		err = hot_block(c, *h, &blk);
	if (!err && h2) {
		err = hot_block(c, *h2, &blk2);
		if (!err)
			err = (a2 = spare_take(c)) ? 0 : -ENOMEM;
	}
	if (err) {
		if (blk)
			pcore_mem_free(c, blk, rid_block_bytes(hot_gset(c, *h)->cap));
		if (blk2)
			pcore_mem_free(c, blk2, rid_block_bytes(hot_gset(c, *h2)->cap));
		return err;
	}
	hot_to_record(c, v, *h, idx_leaf_slot(c, v), blk);
	if (h2) {
		hot_to_record(c, v, *h2, a2, blk2);
		idx_leaf_slot(c, v)->value_next = a2;
		*h2 = 0;
	}
	*h = PCORE_HOT_SLOW;
	return 0;
}

int pcore_rid_tab_get(struct pcore *c, struct pcore_rid *r)
{
	return pcore_tab_get_id(c, (void ***)&c->rid_tab, &c->rid_tab_cap, PCORE_HOT_RIDS, r);
}

/*
 * @a leaves its value; the value goes back to the source with its last
 * allocation. A chained record that follows the inline one moves into the
 * inline slot (owners keep values, not record pointers, so nothing else
 * refers to it).
 */
static void record_free(struct pcore *c, struct pcore_alloc *a)
{
	struct pcore_alloc *head = idx_leaf_slot(c, a->value), *p;

	if (a != head) {
		for (p = head; p->value_next != a; p = p->value_next)
			;
		p->value_next = a->value_next;
		spare_put(c, a);
		return;
	}
	p = head->value_next;
	if (p) {
		*head = *p;
		spare_put(c, p);
		return;
	}
	if (head->intent == PCORE_INTENT_GROUP && c->reuse_index)
		pcore_vset_del(c, head->value);
	/* the own word first: a leaf the release empties then has none left */
	*hot_word(c, head->value) = 0;
	if (!(head->flags & PCORE_ALLOC_EXTERNAL))
		src_release(c, head->value);
	c->st.nr_values--;
	memset(head, 0, sizeof(*head));
}

/* Count global value @v in (or out of) every width it fits. */
static void globals_account(struct pcore *c, pcore_u32 v, int delta)
{
	unsigned int w;

	for (w = bit_length(v); w <= PCORE_PASID_BITS; w++)
		c->globals_within[w] += delta;
}

/* ---- a group's RID set (sorted ids) ------------------------------------ */

static bool alloc_intersects(const struct pcore_alloc *a, const pcore_u32 *ids, pcore_u32 n)
{
	const pcore_u32 *mine = pcore_alloc_rids(a);
	pcore_u32 i = 0, j = 0;

	if (n == 1)
		return pcore_alloc_has_rid(a, ids[0]);
	while (i < a->nr && j < n) {
		if (mine[i] == ids[j])
			return true;
		if (mine[i] < ids[j])
			i++;
		else
			j++;
	}
	return false;
}

static void sift_down(pcore_u32 *ids, pcore_u32 root, pcore_u32 n)
{
	pcore_u32 child, x = ids[root];

	while ((child = 2 * root + 1) < n) {
		if (child + 1 < n && ids[child + 1] > ids[child])
			child++;
		if (ids[child] <= x)
			break;
		ids[root] = ids[child];
		root = child;
	}
	ids[root] = x;
}

/*
 * Heapsort: O(n log n) in the worst case and no extra memory, so a request
 * naming 1024 RIDs in reverse order costs no more than any other. Callers
 * usually pass sorted lists: those cost one O(n) pass.
 */
static void sort_ids(pcore_u32 *ids, pcore_u32 n)
{
	pcore_u32 i, x;

	for (i = 1; i < n && ids[i - 1] <= ids[i]; i++)
		;
	if (i >= n)
		return;
	for (i = n / 2; i-- > 0;)
		sift_down(ids, i, n);
	for (i = n - 1; i > 0; i--) {
		x = ids[0];
		ids[0] = ids[i];
		ids[i] = x;
		sift_down(ids, 0, i);
	}
}

/* ---- lookup by owner ---------------------------------------------------- */

struct pcore_alloc *pcore_find(const struct pcore *c, const struct pcore_owner *o, pcore_u32 v)
{
	struct pcore_alloc *a;

	if (o->global && o->global->value == v)
		return o->global;
	for (a = pcore_value_first(c, v); a; a = a->value_next)
		if (a->intent == PCORE_INTENT_GROUP && a->owner == o)
			return a;
	return NULL;
}

int pcore_find_owned(struct pcore *c, const struct pcore_owner *o, pcore_u32 v,
		     struct pcore_alloc **ret)
{
	pcore_u32 h;
	int err;

	*ret = NULL;
	if (!value_ok(v))
		return -ENOENT;
	h = hot_get(c, v);
	if (!h)
		return -ENOENT;
	if (hot_is_fast(h)) {
		if (!pcore_owns_hot(c, o, v))
			return -EPERM;
		err = pcore_value_slow(c, v);
		if (err)
			return err;
	}
	*ret = pcore_find(c, o, v);
	return *ret ? 0 : -EPERM;
}

/* ---- lifecycle ---------------------------------------------------------- */

void pcore_init(struct pcore *c, const struct pcore_ops *ops, void *priv)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->priv = priv;
	c->events_on = ops->event != NULL;
	c->reuse_index = ops->flags & PCORE_SRC_REUSE_FIRST;
	c->fresh_low = width_max(min_width_of(c)) + 1;
	pcore_plain_update(c);
}

void pcore_owner_init(struct pcore *c, struct pcore_owner *o, pcore_u64 mm, void *cookie)
{
	int id;

	memset(o, 0, sizeof(*o));
	/* without an index (no memory, or 0x7fff owners) it uses records only */
	id = pcore_tab_get_id(c, (void ***)&c->owner_tab, &c->owner_tab_cap, PCORE_HOT_OWNERS, o);
	o->hot_id = id > 0 ? id : 0;
	o->mm = mm;
	o->cookie = cookie;
	o->next = c->owners;
	if (c->owners)
		c->owners->prev = o;
	c->owners = o;
	c->st.nr_owners++;
}

void pcore_destroy(struct pcore *c)
{
	pcore_u32 i;

	while (c->owners)
		pcore_owner_release(c, c->owners);
	for (i = 0; i < c->rid_cap; i++) {
		if (!c->rid_slots[i])
			continue;
		pcore_rset_free(c, c->rid_slots[i]);
		pcore_mem_free(c, c->rid_slots[i], sizeof(struct pcore_rid));
	}
	pcore_mem_free(c, c->rid_slots, c->rid_cap * sizeof(*c->rid_slots));
	for (i = 0; i < PCORE_IDX_TOP; i++) {
		pcore_mem_free(c, c->idx[i], PCORE_IDX_LEAF * sizeof(*c->idx[i]));
		c->idx[i] = NULL;
	}
	pcore_hot_destroy(c);
	pcore_gset_destroy(c);
	pcore_mem_free(c, c->rid_tab, c->rid_tab_cap * sizeof(*c->rid_tab));
	pcore_mem_free(c, c->owner_tab, c->owner_tab_cap * sizeof(*c->owner_tab));
	c->rid_tab = NULL;
	c->owner_tab = NULL;
	c->rid_tab_cap = c->owner_tab_cap = 0;
	pcore_vset_free(c);
	pcore_mem_free(c, c->spare, sizeof(*c->spare));
	c->spare = NULL;
	pcore_mem_free(c, c->miss_ids, c->miss_cap * sizeof(*c->miss_ids));
	c->miss_ids = NULL;
	c->miss_cap = c->miss_nr = 0;
	c->rid_slots = NULL;
	c->rid_cap = 0;
	c->nr_rids = 0;
}

/* ---- group allocation ---------------------------------------------------- */

/* May owner @o put value @v on the (sorted) RIDs? 0, -EEXIST or -EBUSY. */
static int group_value_check(const struct pcore *c, const struct pcore_owner *o, pcore_u32 v,
			     const pcore_u32 *ids, pcore_u32 n)
{
	const struct pcore_alloc *a, *head = pcore_value_first(c, v);

	for (a = head; a; a = a->value_next) {
		if (a->intent == PCORE_INTENT_GLOBAL)
			return o->global == a ? -EEXIST : -EBUSY;
		if (a->owner == o)
			return -EEXIST;
	}
	for (a = head; a; a = a->value_next)
		if (alloc_intersects(a, ids, n))
			return -EBUSY;
	return 0;
}

/*
 * A fresh value for a group whose narrowest RID has width @minw. Values
 * below 2^(narrowest width on the platform) are the only ones a global (and
 * a group on the narrowest RIDs) can use, so a wider group takes them last.
 */
static int lease_for_group(struct pcore *c, unsigned int minw, pcore_u32 *ret)
{
	pcore_u32 low = width_max(min_width_of(c)) + 1;
	int err;

	if (low <= width_max(minw)) {
		err = src_lease(c, low, width_max(minw), ret);
		if (err != -ENOSPC)
			return err;
	}
	return src_lease(c, 1, width_max(minw), ret);
}

/* A value just leased is now held by a group. After pcore_vset_prepare(). */
static inline void fresh_link(struct pcore *c, pcore_u32 v)
{
	if (c->reuse_index) {
		pcore_vset_add(c, v);
		c->gain_word[++c->gain_seq % PCORE_GAIN_RING] = v / 64;
	}
	c->st.nr_values++;
}

/*
 * @o's group on the RIDs @rp[0..@nr) (those of @gs, or the one RID) holds @v
 * as hot word *@word (the first or the second). After the pages are there.
 */
static inline void hot_link(struct pcore *c, struct pcore_owner *o, struct pcore_gset *gs,
			    struct pcore_rid **rp, pcore_u32 nr, pcore_u32 v, pcore_u32 *word)
{
	pcore_u32 i;

	if (gs) {
		*word = (pcore_u32)o->hot_id << 16 | PCORE_HOT_GSET | gs->id;
		pcore_gset_get(c, gs);	/* it counts for its RIDs */
	} else {
		*word = (pcore_u32)o->hot_id << 16 | rp[0]->hot_id;
		rp[0]->nr_direct++;
	}
	for (i = 0; i < nr && c->reuse_index; i++)
		rset_set(c, rp[i], v);
	o->nr_allocs++;
	c->st.nr_groups++;
	PCORE_EVENT(c, PCORE_EV_ALLOC, PCORE_INTENT_GROUP, v, nr == 1 ? rp[0]->id : 0, o);
}

/* @v, which has one hot allocation, takes @o's group on @rp as its second word. */
static inline void hot_link_second(struct pcore *c, struct pcore_owner *o,
				   struct pcore_gset *gs, struct pcore_rid **rp, pcore_u32 nr,
				   pcore_u32 v)
{
	hot_link(c, o, gs, rp, nr, v, hot2_word_at(c, v));
	*hot_word(c, v) |= PCORE_HOT_TWO;
}

/* Are the reuse index's pages for value page @pg there (held set, each RID's set)? */
static bool index_pages_there(const struct pcore *c, struct pcore_rid **rp, pcore_u32 nr,
			      pcore_u32 pg)
{
	pcore_u32 i;

	if (!c->held.page[pg])
		return false;
	for (i = 0; i < nr; i++)
		if (!rp[i]->set || !rp[i]->set->page[pg])
			return false;
	return true;
}

/*
 * The source has no fresh value for RIDs @rp resolved already (sorted @ids):
 * -ENOSPC when a RID is full or no value can be reused (the search remembers
 * its misses, so a repeated failure stays cheap), else 1 (the general path
 * takes the reusable value).
 */
static int alloc_fast_exhausted(struct pcore *c, struct pcore_owner *o, const pcore_u32 *ids,
				struct pcore_rid **rp, pcore_u32 nr, unsigned int minw)
{
	bool full = false;
	pcore_u32 i, v;

	for (i = 0; i < nr && !full; i++)
		full = pcore_rid_full(c, rp[i]);
	if (!full && (pcore_find_reusable(c, o, ids, rp, nr, width_max(minw), &v) || v))
		return 1;
	for (i = 0; rp[i]->width != minw; i++)
		;
	c->why.rid = ids[i];	/* the first of the narrowest, as the general path says */
	c->why.width = minw;
	return -ENOSPC;
}

int pcore_plain_full(struct pcore *c, const struct pcore_rid *r)
{
	c->why.rid = r->id;
	c->why.width = r->width;
	return -ENOSPC;
}

int pcore_plain_lease_more(struct pcore *c, struct pcore_owner *o, struct pcore_rid *r,
			   pcore_u32 lo, int err, pcore_u32 *v)
{
	pcore_u32 id = r->id;

	if (err == -ENOSPC && pcore_rid_full(c, r))
		return pcore_plain_full(c, r);	/* no second search, no reuse search */
	if (err == -ENOSPC && lo > 1)
		err = pcore_bitmap_lease_in(c->src_bitmap, 1, width_max(r->width), v);
	if (err != -ENOSPC)
		return err;
	return alloc_fast_exhausted(c, o, &id, &r, 1, r->width);
}

/*
 * Reuse first: @o's group on @rp (the RIDs of @gs, or the one RID) takes
 * reusable value @v as its second hot word, where @v has one hot allocation
 * and every page is there: 0, else 1 (the general path decides).
 */
static int alloc_fast_second(struct pcore *c, struct pcore_owner *o, struct pcore_gset *gs,
			     struct pcore_rid **rp, pcore_u32 nr, pcore_u32 v, pcore_u32 *ret)
{
	pcore_u32 h = hot_get(c, v);

	if (!hot_is_fast(h) || (h & PCORE_HOT_TWO) || !c->hot2[v >> PCORE_IDX_SHIFT] ||
	    !index_pages_there(c, rp, nr, v / 64 / PCORE_SET_PAGE_WORDS))
		return 1;
	hot_link_second(c, o, gs, rp, nr, v);
	*ret = v;
	return 0;
}

/*
 * The common allocation from start to end: automatic, a fresh value (or, on
 * a reuse-first source, one reused as a second hot word), on one RID or on
 * RIDs whose set is interned already (@ids sorted), every page it writes
 * already there. A fresh value is on no RID yet, so a lease that succeeds is
 * all the checking a group needs. 0, -ENOSPC, or 1 where it
 * changed nothing and the general path decides (its other errors included).
 */
static int alloc_hot_fast(struct pcore *c, struct pcore_owner *o, const pcore_u32 *ids,
			  pcore_u32 nr, pcore_u32 *ret)
{
	struct pcore_rid *r1, **rp = &r1;
	struct pcore_gset *gs = NULL;
	unsigned int minw;
	pcore_u32 v, i;
	int err;

	if (!o->hot_id)
		return 1;
	if (nr == 1) {
		r1 = rid_lookup(c, ids[0]);
		if (!r1 || !r1->hot_id)
			return 1;
		minw = r1->width;
	} else {
		/* a runtime asks for the same RIDs again and again */
		gs = o->last_gset < c->gset_tab_cap ? c->gset_tab[o->last_gset] : NULL;
		if (!gs || gs->nr != nr || memcmp(gs->blk, ids, nr * sizeof(*ids))) {
			for (i = 1; i < nr; i++)
				if (ids[i - 1] >= ids[i])
					return 1;	/* the general path sorts and checks */
			gs = pcore_gset_find(c, ids, nr, pcore_gset_hash(ids, nr));
			if (!gs)
				return 1;
			o->last_gset = gs->id;
		}
		rp = gset_rids(gs);
		minw = gs->min_width;
		ids = gs->blk;
	}
	if (c->ops->flags & PCORE_SRC_REUSE_FIRST) {
		err = pcore_find_reusable(c, o, ids, rp, nr, width_max(minw), &v);
		if (err)
			return 1;
		if (v)
			return alloc_fast_second(c, o, gs, rp, nr, v, ret);
	}
	err = lease_for_group(c, minw, &v);
	if (err == -ENOSPC)
		return alloc_fast_exhausted(c, o, ids, rp, nr, minw);
	if (err)
		return 1;
	if (pcore_unlikely(!c->hot[v >> PCORE_IDX_SHIFT] ||
			   (c->reuse_index &&
			    !index_pages_there(c, rp, nr, v / 64 / PCORE_SET_PAGE_WORDS)))) {
		src_release(c, v);
		return 1;
	}
	fresh_link(c, v);
	hot_link(c, o, gs, rp, nr, v, hot_word(c, v));
	*ret = v;
	return 0;
}

/* Pick the value of an automatic group allocation: 0 and *@fresh, or an error. */
static int group_pick(struct pcore *c, struct pcore_owner *o, const pcore_u32 *ids,
		      struct pcore_rid **rp, pcore_u32 nr, unsigned int minw, pcore_u32 *v,
		      bool *fresh)
{
	int err;

	if (c->ops->flags & PCORE_SRC_REUSE_FIRST) {
		err = pcore_find_reusable(c, o, ids, rp, nr, width_max(minw), v);
		if (err || *v)
			return err;
	}
	err = lease_for_group(c, minw, v);
	if (err == 0) {
		*fresh = true;
		return 0;
	}
	if (err != -ENOSPC || (c->ops->flags & PCORE_SRC_REUSE_FIRST))
		return err;
	err = pcore_find_reusable(c, o, ids, rp, nr, width_max(minw), v);
	if (err)
		return err;
	return *v ? 0 : -ENOSPC;
}

/* Everything but the common case (alloc_hot_fast()): apart, so that one stays short. */
static pcore_noinline int alloc_group_general(struct pcore *c, struct pcore_owner *o,
					       const pcore_u32 *rids, pcore_u32 nr, pcore_u32 flags,
					       pcore_u32 *inout_value)
{
	bool exact = flags & PCORE_ALLOC_EXACT, fresh = false, full = false, hot, second;
	struct pcore_gset *gs = NULL, *new_gs = NULL;
	struct pcore_rid *r1 = NULL, **rp = &r1;
	struct pcore_alloc *a = NULL, *head;
	unsigned int minw = PCORE_PASID_BITS;
	pcore_u32 id1, *ids = &id1, *blk = NULL, cap = 0, v = 0, i, hash = 0, h0;
	int err;

	if (flags & ~PCORE_ALLOC_EXACT)
		return -EINVAL;
	if (nr == 0 || nr > PCORE_MAX_GROUP_RIDS)
		return -EINVAL;
	if (exact) {
		v = *inout_value;
		if (!value_ok(v))
			return -EINVAL;
	}

	if (nr == 1) {
		id1 = rids[0];
	} else {
		/* ids and resolved RIDs in one block, kept by the record */
		cap = (nr + 1) & ~1u;
		blk = pcore_mem_alloc(c, rid_block_bytes(cap));
		if (!blk)
			return -ENOMEM;
		ids = blk;
		rp = (struct pcore_rid **)(blk + cap);
		memcpy(ids, rids, nr * sizeof(*ids));
		sort_ids(ids, nr);
	}
	for (i = 0; i < nr; i++) {
		err = -EINVAL;
		if (i && ids[i] == ids[i - 1])
			goto err_free;
		rp[i] = pcore_rid_find(c, ids[i]);
		err = -ENODEV;
		if (!rp[i]) {
			c->why.rid = ids[i];
			goto err_free;
		}
		if (rp[i]->width < minw || !i) {
			minw = rp[i]->width;
			c->why.rid = ids[i];
		}
		full = full || pcore_rid_full(c, rp[i]);
	}

	c->why.width = minw;
	if (exact) {
		err = -ERANGE;
		if (v > width_max(minw))
			goto err_free;
		err = group_value_check(c, o, v, ids, nr);
		if (err)
			goto err_free;
		if (!pcore_value_first(c, v)) {
			err = src_lease(c, v, v, &v);
			if (err == -ENOSPC)
				err = -EBUSY;	/* the source holds it for someone outside */
			if (err)
				goto err_free;
			fresh = true;
		}
	} else {
		err = -ENOSPC;
		if (full)
			goto err_free;
		err = group_pick(c, o, ids, rp, nr, minw, &v, &fresh);
		if (err)
			goto err_free;
	}

	/*
	 * Everything that can fail, before anything is linked in. A fresh
	 * value is a hot word only (on one RID, or on an interned RID set); so
	 * is a value reused while it has one hot allocation (the second word);
	 * otherwise the value becomes records (this allocation chains to the
	 * one there).
	 */
	h0 = fresh ? 0 : hot_get(c, v);
	second = hot_is_fast(h0) && !(h0 & PCORE_HOT_TWO);
	hot = (fresh || second) && o->hot_id && (nr > 1 || r1->hot_id);
	err = 0;
	if (hot && nr > 1) {
		hash = pcore_gset_hash(ids, nr);
		gs = pcore_gset_find(c, ids, nr, hash);
		if (!gs) {
			err = pcore_gset_alloc(c, &new_gs);
			gs = new_gs;
		}
		hot = gs != NULL;	/* no set id left: a record */
	}
	if (!err)
		err = pcore_hot_prepare(c, v);
	if (!err && hot && second)
		err = pcore_hot2_prepare(c, v);
	if (!err && fresh && c->reuse_index)
		err = pcore_vset_prepare(c, v);
	if (!err && !hot)
		err = idx_prepare(c, v);
	if (!err && !fresh && !hot) {
		err = pcore_value_slow(c, v);
		if (!err)
			err = (a = spare_take(c)) ? 0 : -ENOMEM;
	}
	for (i = 0; i < nr && !err; i++)
		err = pcore_rset_prepare(c, rp[i], v);
	if (err)
		goto err_release;

	if (fresh)
		fresh_link(c, v);
	if (hot) {
		if (new_gs) {
			pcore_gset_install(c, new_gs, blk, nr, cap, hash, minw);
			blk = NULL;	/* the set's now */
		}
		if (gs) {
			rp = gset_rids(gs);
			o->last_gset = gs->id;
		}
		if (second)
			hot_link_second(c, o, gs, rp, nr, v);
		else
			hot_link(c, o, gs, rp, nr, v, hot_word(c, v));
		pcore_mem_free(c, blk, rid_block_bytes(cap));
		*inout_value = v;
		return 0;
	}
	head = idx_leaf_slot(c, v);
	if (fresh) {
		a = head;
		*hot_word(c, v) = PCORE_HOT_SLOW;
	} else {
		/*
		 * The newest goes second: the head (whoever holds the value
		 * longest) is not rewritten, so a churn of reuses writes only
		 * its own chained record.
		 */
		a->value_next = head->value_next;
		head->value_next = a;
	}
	a->value = v;
	a->intent = PCORE_INTENT_GROUP;
	a->owner = o;
	a->nr = nr;
	if (nr == 1) {
		a->inline_rid = id1;
		a->rid1 = r1;
	} else {
		a->cap_rids = cap;
		a->ext_rids = blk;
	}
	for (i = 0; i < nr; i++) {
		rp[i]->nr_direct++;
		rset_set(c, rp[i], v);
	}
	o->nr_allocs++;
	c->st.nr_groups++;
	*inout_value = v;
	PCORE_EVENT(c, PCORE_EV_ALLOC, PCORE_INTENT_GROUP, v, nr == 1 ? id1 : 0, o);
	return 0;

err_release:
	if (new_gs)
		pcore_gset_discard(c, new_gs);
	if (fresh)
		src_release(c, v);
	else if (a)
		spare_put(c, a);
err_free:
	pcore_mem_free(c, blk, rid_block_bytes(cap));
	return err;
}

static pcore_noinline int alloc_group_other(struct pcore *c, struct pcore_owner *o,
					   const pcore_u32 *rids, pcore_u32 nr, pcore_u32 flags,
					   pcore_u32 *inout_value)
{
	int err;

	if (!flags && nr && nr <= PCORE_MAX_GROUP_RIDS) {
		err = alloc_hot_fast(c, o, rids, nr, inout_value);
		if (err <= 0)
			return err;
	}
	return alloc_group_general(c, o, rids, nr, flags, inout_value);
}

int pcore_alloc_group(struct pcore *c, struct pcore_owner *o, const pcore_u32 *rids,
		      pcore_u32 nr, pcore_u32 flags, pcore_u32 *inout_value)
{
	int err;

	if (pcore_likely(c->plain && nr == 1 && !flags)) {
		err = pcore_alloc_plain(c, o, rids[0], inout_value);
		if (err <= 0)
			return err;
	}
	return alloc_group_other(c, o, rids, nr, flags, inout_value);
}

/* ---- global allocation --------------------------------------------------- */

static struct pcore_alloc *global_of_mm(const struct pcore *c, pcore_u64 mm)
{
	struct pcore_alloc *g;

	for (g = c->globals; g; g = g->gnext)
		if (g->mm == mm)
			return g;
	return NULL;
}

int pcore_alloc_global(struct pcore *c, struct pcore_owner *o, pcore_u32 flags,
		       pcore_u32 *inout_value)
{
	bool want = flags & (PCORE_ALLOC_EXACT | PCORE_ALLOC_EXTERNAL);
	pcore_u32 v = 0, max = width_max(min_width_of(c));
	const struct pcore_alloc *a;
	struct pcore_alloc *g;
	int err;

	if (flags & ~(PCORE_ALLOC_EXACT | PCORE_ALLOC_EXTERNAL))
		return -EINVAL;
	if (want) {
		v = *inout_value;
		if (!value_ok(v))
			return -EINVAL;
	}

	g = o->global ? o->global : global_of_mm(c, o->mm);
	if (g) {
		if (want && v != g->value)
			return -EEXIST;
		if (!o->global) {
			o->global = g;
			g->nr++;
			PCORE_EVENT(c, PCORE_EV_ALLOC, PCORE_INTENT_GLOBAL, g->value, 0, o);
		}
		*inout_value = g->value;
		return 0;
	}

	if (want) {
		if (v > max)
			return -ERANGE;
		for (a = pcore_value_first(c, v); a; a = a->value_next)
			if (a->intent == PCORE_INTENT_GROUP && a->owner == o)
				return -EEXIST;
		if (pcore_value_first(c, v))
			return -EBUSY;
	}
	if (flags & PCORE_ALLOC_EXTERNAL) {
		err = 0;
	} else if (want) {
		/* -ENOSPC: someone outside the core holds it */
		err = src_lease(c, v, v, &v);
		if (err == -ENOSPC)
			err = -EBUSY;
	} else {
		err = src_lease(c, 1, max, &v);
	}
	if (err)
		return err;
	err = idx_prepare(c, v);
	if (!err)
		err = pcore_hot_prepare(c, v);
	if (err) {
		if (!(flags & PCORE_ALLOC_EXTERNAL))
			src_release(c, v);
		return err;
	}

	/* a global value is never shared: its record is always the inline one */
	*hot_word(c, v) = PCORE_HOT_SLOW;
	g = idx_leaf_slot(c, v);
	g->value = v;
	g->intent = PCORE_INTENT_GLOBAL;
	g->flags = flags & PCORE_ALLOC_EXTERNAL;
	g->mm = o->mm;
	g->nr = 1;
	g->gnext = c->globals;
	c->globals = g;
	globals_account(c, v, 1);
	c->st.nr_globals++;
	c->st.nr_values++;
	o->global = g;
	*inout_value = v;
	PCORE_EVENT(c, PCORE_EV_ALLOC, PCORE_INTENT_GLOBAL, v, 0, o);
	return 0;
}

/* ---- freeing -------------------------------------------------------------- */

/* Bindings must be gone already. */
static void group_free(struct pcore *c, struct pcore_alloc *a)
{
	struct pcore_owner *o = a->owner;
	struct pcore_rid **rp = alloc_rid_ptrs(a);
	pcore_u32 i, v = a->value;

	for (i = 0; i < a->nr; i++) {
		rp[i]->nr_direct--;
		rid_lose(c, rp[i], v);
	}
	o->nr_allocs--;
	if (a->cap_rids)
		pcore_mem_free(c, a->ext_rids, rid_block_bytes(a->cap_rids));
	c->st.nr_groups--;
	record_free(c, a);
	PCORE_EVENT(c, PCORE_EV_FREE, PCORE_INTENT_GROUP, v, 0, o);
}

/* @o lets go of its global; the last holder frees it. Its bindings go first. */
static void global_put(struct pcore *c, struct pcore_owner *o)
{
	struct pcore_alloc *g = o->global, **pp;
	pcore_u32 v = g->value;

	pcore_detach_matching(c, g, o, true, 0);
	o->global = NULL;
	if (--g->nr == 0) {
		for (pp = &c->globals; *pp != g; pp = &(*pp)->gnext)
			;
		*pp = g->gnext;
		globals_account(c, v, -1);
		c->st.nr_globals--;
		record_free(c, g);
	}
	PCORE_EVENT(c, PCORE_EV_FREE, PCORE_INTENT_GLOBAL, v, 0, o);
}

/*
 * @o's hot allocation of @v (if it has one) goes: true. The value goes with
 * it unless a second one holds it, which then becomes the first.
 */
static bool hot_free_owned(struct pcore *c, struct pcore_owner *o, pcore_u32 v)
{
	pcore_u32 *h, *w, *h2, first = hot_get(c, v);
	pcore_u32 rid, i;
	struct pcore_gset *gs;

	/*
	 * Not @o's: nothing written (hot_word() would unpack a compact value
	 * and mark its leaf mixed for good, for a free that fails)
	 */
	if (!hot_word_at_of(c, v, &first, o))
		return false;
	h = hot_word(c, v);
	w = hot_word_at_of(c, v, h, o);
	if (!w)
		return false;
	rid = hot_rid_id(*w);
	gs = hot_gset(c, *w);
	if (rid) {
		c->rid_tab[rid]->nr_direct--;
		rid_lose(c, c->rid_tab[rid], v);
	} else if (gs) {
		for (i = 0; i < gs->nr && c->reuse_index; i++)
			rid_lose(c, gset_rids(gs)[i], v);
		pcore_gset_put(c, gs);
	}
	o->nr_allocs--;
	c->st.nr_groups--;
	h2 = hot2_word(c, v, *h);
	if (h2) {
		*h = w == h ? *h2 : *h & ~PCORE_HOT_TWO;
		*h2 = 0;
	} else {
		*h = 0;
		if (c->reuse_index)
			pcore_vset_del(c, v);
		src_release(c, v);
		c->st.nr_values--;
	}
	PCORE_EVENT(c, PCORE_EV_FREE, PCORE_INTENT_GROUP, v, 0, o);
	return true;
}

static pcore_noinline int free_other(struct pcore *c, struct pcore_owner *o, pcore_u32 v)
{
	struct pcore_alloc *a;
	int err;

	if (value_ok(v) && hot_free_owned(c, o, v))
		return 0;
	err = pcore_find_owned(c, o, v, &a);
	if (err)
		return err;
	if (a->intent == PCORE_INTENT_GLOBAL) {
		global_put(c, o);
	} else {
		if (pcore_unlikely(a->attach != NULL))
			pcore_detach_matching(c, a, NULL, true, 0);
		group_free(c, a);
	}
	return 0;
}

int pcore_free(struct pcore *c, struct pcore_owner *o, pcore_u32 v)
{
	if (pcore_likely(c->plain) && value_ok(v) && pcore_free_plain(c, o, v))
		return 0;
	return free_other(c, o, v);
}

/*
 * Call @fn on each value @o holds in a group, in value order: a walk over
 * the hot words of every value in use, which stops when @o has none left.
 */
static void owner_for_each(struct pcore *c, struct pcore_owner *o,
			   void (*fn)(struct pcore *c, struct pcore_owner *o, pcore_u32 v))
{
	pcore_u32 top, i, v;

	for (top = 0; top < PCORE_IDX_TOP && o->nr_allocs; top++) {
		if (!c->hot[top])
			continue;
		for (i = 0; i < PCORE_IDX_LEAF; i++) {
			v = top * PCORE_IDX_LEAF + i;
			if (hot_get(c, v) && owner_holds(c, o, v))
				fn(c, o, v);
		}
	}
}

/* A record of @o's (not hot: those have no bindings) loses its bindings. */
static void owner_detach_one(struct pcore *c, struct pcore_owner *o, pcore_u32 v)
{
	struct pcore_alloc *a;

	if (hot_get(c, v) != PCORE_HOT_SLOW)
		return;
	a = owner_record(c, o, v);
	if (a)
		pcore_detach_matching(c, a, NULL, true, 0);
}

static void owner_free_one(struct pcore *c, struct pcore_owner *o, pcore_u32 v)
{
	struct pcore_alloc *a;

	if (hot_free_owned(c, o, v))
		return;
	a = owner_record(c, o, v);
	if (a)
		group_free(c, a);
}

void pcore_owner_release(struct pcore *c, struct pcore_owner *o)
{
	/* detach everything before any value goes back to the source */
	owner_for_each(c, o, owner_detach_one);
	if (o->global)
		pcore_detach_matching(c, o->global, o, true, 0);
	owner_for_each(c, o, owner_free_one);
	if (o->global)
		global_put(c, o);
	if (o->hot_id)
		c->owner_tab[o->hot_id] = NULL;
	o->hot_id = 0;

	if (o->prev)
		o->prev->next = o->next;
	else
		c->owners = o->next;
	if (o->next)
		o->next->prev = o->prev;
	o->next = o->prev = NULL;
	c->st.nr_owners--;
}

/* ---- extend ------------------------------------------------------------------ */

int pcore_extend(struct pcore *c, struct pcore_owner *o, pcore_u32 v, pcore_u32 rid)
{
	struct pcore_rid *r, **rp, **nrp;
	pcore_u32 *ids, *blk, cap, i;
	struct pcore_alloc *a, *b;
	int err = pcore_find_owned(c, o, v, &a);

	if (err)
		return err;
	if (a->intent == PCORE_INTENT_GLOBAL)
		return -EINVAL;
	r = pcore_rid_find(c, rid);
	if (!r)
		return -ENODEV;
	if (pcore_alloc_has_rid(a, rid))
		return -EALREADY;
	if (v > width_max(r->width))
		return -ERANGE;
	for (b = idx_leaf_slot(c, v); b; b = b->value_next)	/* @a is a record now */
		if (b->intent == PCORE_INTENT_GROUP && pcore_alloc_has_rid(b, rid))
			return -EBUSY;
	if (a->nr >= PCORE_MAX_GROUP_RIDS)
		return -E2BIG;
	err = pcore_rset_prepare(c, r, v);
	if (err)
		return err;

	if (a->nr + 1 > (a->cap_rids ? a->cap_rids : 1u)) {
		cap = a->nr * 2 < 4 ? 4 : a->nr * 2;
		if (cap > PCORE_MAX_GROUP_RIDS)
			cap = PCORE_MAX_GROUP_RIDS;
		blk = pcore_mem_alloc(c, rid_block_bytes(cap));
		if (!blk)
			return -ENOMEM;
		memcpy(blk, pcore_alloc_rids(a), a->nr * sizeof(*blk));
		memcpy(blk + cap, alloc_rid_ptrs(a), a->nr * sizeof(*rp));
		if (a->cap_rids)
			pcore_mem_free(c, a->ext_rids, rid_block_bytes(a->cap_rids));
		a->ext_rids = blk;
		a->cap_rids = cap;
	}
	ids = alloc_rids_mut(a);
	nrp = alloc_rid_ptrs(a);
	for (i = a->nr; i > 0 && ids[i - 1] > rid; i--) {
		ids[i] = ids[i - 1];
		nrp[i] = nrp[i - 1];
	}
	ids[i] = rid;
	nrp[i] = r;
	a->nr++;
	r->nr_direct++;
	rset_set(c, r, v);
	PCORE_EVENT(c, PCORE_EV_EXTEND, a->intent, v, rid, o);
	return 0;
}
