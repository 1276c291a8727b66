// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * pcore.c - the PASID allocator core. See pcore.h for the model and
 * docs/DESIGN.md section 2 for the contract implemented here.
 *
 * Every mutating call validates and allocates everything it needs first and
 * only then links the result in, so a failure leaves nothing changed.
 */
#include "pcore_internal.h"

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

/* ---- value index: value -> chain of allocations ------------------------ */

/* Only valid once idx_prepare() succeeded for @v. */
static struct pcore_alloc **idx_slot(struct pcore *c, pcore_u32 v)
{
	return &c->idx[v >> PCORE_IDX_SHIFT][v & (PCORE_IDX_LEAF - 1)];
}

static int idx_prepare(struct pcore *c, pcore_u32 v)
{
	struct pcore_alloc ***leaf = &c->idx[v >> PCORE_IDX_SHIFT];

	if (*leaf)
		return 0;
	*leaf = pcore_mem_alloc(c, PCORE_IDX_LEAF * sizeof(**leaf));
	if (!*leaf)
		return -ENOMEM;
	c->st.nr_index_leaves++;
	return 0;
}

static void idx_unlink(struct pcore *c, struct pcore_alloc *a)
{
	struct pcore_alloc **pp = idx_slot(c, a->value);

	while (*pp != a)
		pp = &(*pp)->value_next;
	*pp = a->value_next;
	a->value_next = NULL;
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

static void alloc_release_mem(struct pcore *c, struct pcore_alloc *a)
{
	if (a->cap_rids)
		pcore_mem_free(c, a->ext_rids, a->cap_rids * sizeof(pcore_u32));
	pcore_mem_free(c, a, sizeof(*a));
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

/* The owner's allocation of @v, or -ENOENT (none; also out of range) / -EPERM. */
int pcore_find_owned(const struct pcore *c, const struct pcore_owner *o, pcore_u32 v,
		     struct pcore_alloc **ret)
{
	*ret = NULL;
	if (!value_ok(v))
		return -ENOENT;
	*ret = pcore_find(c, o, v);
	if (*ret)
		return 0;
	return pcore_value_first(c, v) ? -EPERM : -ENOENT;
}

/* ---- lifecycle ---------------------------------------------------------- */

void pcore_init(struct pcore *c, const struct pcore_ops *ops, void *priv)
{
	memset(c, 0, sizeof(*c));
	c->ops = ops;
	c->priv = priv;
}

void pcore_owner_init(struct pcore *c, struct pcore_owner *o, pcore_u64 mm, void *cookie)
{
	memset(o, 0, sizeof(*o));
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
	for (i = 0; i < c->rid_cap; i++)
		pcore_mem_free(c, c->rid_slots[i], sizeof(struct pcore_rid));
	pcore_mem_free(c, c->rid_slots, c->rid_cap * sizeof(*c->rid_slots));
	for (i = 0; i < PCORE_IDX_TOP; i++)
		pcore_mem_free(c, c->idx[i], PCORE_IDX_LEAF * sizeof(*c->idx[i]));
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

/* The space is tight: the lowest leased value usable on a disjoint group. */
static pcore_u32 find_reusable(const struct pcore *c, const struct pcore_owner *o,
			       const pcore_u32 *ids, pcore_u32 n, pcore_u32 max)
{
	pcore_u32 top, v;

	for (top = 0; top <= (max >> PCORE_IDX_SHIFT); top++) {
		struct pcore_alloc **leaf = c->idx[top];

		if (!leaf)
			continue;
		for (v = top << PCORE_IDX_SHIFT; v < ((top + 1) << PCORE_IDX_SHIFT) && v <= max;
		     v++) {
			if (leaf[v & (PCORE_IDX_LEAF - 1)] &&
			    group_value_check(c, o, v, ids, n) == 0)
				return v;
		}
	}
	return 0;
}

/*
 * A fresh value for a group whose narrowest RID has width @minw. Values
 * below 2^(narrowest width on the platform) are the only ones a global (and
 * a group on the narrowest RIDs) can use, so a wider group takes them last.
 */
/* RIDs of a group remembered on the stack between validation and linking. */
#define PCORE_RID_CACHE 16

static int lease_for_group(struct pcore *c, unsigned int minw, pcore_u32 *ret)
{
	pcore_u32 low = width_max(pcore_min_width(c)) + 1;
	int err;

	if (low <= width_max(minw)) {
		err = c->ops->lease(c->priv, low, width_max(minw), ret);
		if (err != -ENOSPC)
			return err;
	}
	return c->ops->lease(c->priv, 1, width_max(minw), ret);
}

int pcore_alloc_group(struct pcore *c, struct pcore_owner *o, const pcore_u32 *rids,
		      pcore_u32 nr, pcore_u32 flags, pcore_u32 *inout_value)
{
	bool exact = flags & PCORE_ALLOC_EXACT, fresh = false;
	struct pcore_rid *found[PCORE_RID_CACHE];	/* RIDs looked up once */
	struct pcore_alloc *a, *head;
	unsigned int minw = PCORE_PASID_BITS;
	pcore_u32 *ids, v = 0, i;
	bool full = false;
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

	a = pcore_mem_alloc(c, sizeof(*a));
	if (!a)
		return -ENOMEM;
	if (nr > 1) {
		a->ext_rids = pcore_mem_alloc(c, nr * sizeof(pcore_u32));
		if (!a->ext_rids) {
			pcore_mem_free(c, a, sizeof(*a));
			return -ENOMEM;
		}
		a->cap_rids = nr;
	}
	a->nr = nr;
	ids = alloc_rids_mut(a);
	memcpy(ids, rids, nr * sizeof(*ids));
	sort_ids(ids, nr);

	for (i = 0; i < nr; i++) {
		struct pcore_rid *r;

		if (i && ids[i] == ids[i - 1]) {
			err = -EINVAL;
			goto err_free;
		}
		r = pcore_rid_find(c, ids[i]);
		if (!r) {
			err = -ENODEV;
			goto err_free;
		}
		if (i < PCORE_RID_CACHE)
			found[i] = r;
		if (r->width < minw)
			minw = r->width;
		full = full || pcore_rid_full(c, r);
	}

	head = exact ? pcore_value_first(c, v) : NULL;
	if (exact) {
		err = -ERANGE;
		if (v > width_max(minw))
			goto err_free;
		err = group_value_check(c, o, v, ids, nr);
		if (err)
			goto err_free;
		if (!head) {
			err = c->ops->lease(c->priv, v, v, &v);
			if (err)
				goto err_lease;
			fresh = true;
		}
	} else {
		err = -ENOSPC;
		if (full)
			goto err_free;
		err = lease_for_group(c, minw, &v);
		if (err == 0) {
			fresh = true;
		} else if (err == -ENOSPC) {
			v = find_reusable(c, o, ids, nr, width_max(minw));
			if (!v)
				goto err_free;
			head = pcore_value_first(c, v);
		} else {
			goto err_free;
		}
	}
	if (fresh) {
		err = idx_prepare(c, v);
		if (err) {
			c->ops->release(c->priv, v);
			goto err_free;
		}
		head = NULL;
		c->st.nr_values++;
	}

	a->value = v;
	a->intent = PCORE_INTENT_GROUP;
	a->owner = o;
	a->value_next = head;
	*idx_slot(c, v) = a;
	a->next = o->allocs;
	if (o->allocs)
		o->allocs->prev = a;
	o->allocs = a;
	o->nr_allocs++;
	for (i = 0; i < nr; i++)
		(i < PCORE_RID_CACHE ? found[i] : pcore_rid_find(c, ids[i]))->nr_values++;
	c->st.nr_groups++;
	*inout_value = v;
	PCORE_EVENT(c, PCORE_EV_ALLOC, PCORE_INTENT_GROUP, v, nr == 1 ? ids[0] : 0, o);
	return 0;

err_lease:
	/* the source holds it for someone outside the core */
	if (err == -ENOSPC)
		err = -EBUSY;
err_free:
	alloc_release_mem(c, a);
	return err;
}

/* ---- global allocation --------------------------------------------------- */

static struct pcore_alloc *global_of_mm(const struct pcore *c, pcore_u64 mm)
{
	struct pcore_alloc *g;

	for (g = c->globals; g; g = g->next)
		if (g->mm == mm)
			return g;
	return NULL;
}

int pcore_alloc_global(struct pcore *c, struct pcore_owner *o, pcore_u32 flags,
		       pcore_u32 *inout_value)
{
	bool want = flags & (PCORE_ALLOC_EXACT | PCORE_ALLOC_EXTERNAL);
	pcore_u32 v = 0, max = width_max(pcore_min_width(c));
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
	g = pcore_mem_alloc(c, sizeof(*g));
	if (!g)
		return -ENOMEM;
	if (flags & PCORE_ALLOC_EXTERNAL) {
		err = 0;
	} else if (want) {
		/* -ENOSPC: someone outside the core holds it */
		err = c->ops->lease(c->priv, v, v, &v);
		if (err == -ENOSPC)
			err = -EBUSY;
	} else {
		err = c->ops->lease(c->priv, 1, max, &v);
	}
	if (err)
		goto err_free;
	err = idx_prepare(c, v);
	if (err) {
		if (!(flags & PCORE_ALLOC_EXTERNAL))
			c->ops->release(c->priv, v);
		goto err_free;
	}

	g->value = v;
	g->intent = PCORE_INTENT_GLOBAL;
	g->flags = flags & PCORE_ALLOC_EXTERNAL;
	g->mm = o->mm;
	g->nr = 1;
	*idx_slot(c, v) = g;
	g->next = c->globals;
	if (c->globals)
		c->globals->prev = g;
	c->globals = g;
	globals_account(c, v, 1);
	c->st.nr_globals++;
	c->st.nr_values++;
	o->global = g;
	*inout_value = v;
	PCORE_EVENT(c, PCORE_EV_ALLOC, PCORE_INTENT_GLOBAL, v, 0, o);
	return 0;

err_free:
	pcore_mem_free(c, g, sizeof(*g));
	return err;
}

/* ---- freeing -------------------------------------------------------------- */

static void value_put(struct pcore *c, struct pcore_alloc *a)
{
	idx_unlink(c, a);
	if (!pcore_value_first(c, a->value)) {
		if (!(a->flags & PCORE_ALLOC_EXTERNAL))
			c->ops->release(c->priv, a->value);
		c->st.nr_values--;
	}
}

/* Bindings must be gone already. */
static void group_free(struct pcore *c, struct pcore_alloc *a)
{
	struct pcore_owner *o = a->owner;
	const pcore_u32 *ids = pcore_alloc_rids(a);
	pcore_u32 i, v = a->value;

	value_put(c, a);
	if (a->prev)
		a->prev->next = a->next;
	else
		o->allocs = a->next;
	if (a->next)
		a->next->prev = a->prev;
	o->nr_allocs--;
	for (i = 0; i < a->nr; i++)
		pcore_rid_find(c, ids[i])->nr_values--;
	c->st.nr_groups--;
	alloc_release_mem(c, a);
	PCORE_EVENT(c, PCORE_EV_FREE, PCORE_INTENT_GROUP, v, 0, o);
}

/* @o lets go of its global; the last holder frees it. Its bindings go first. */
static void global_put(struct pcore *c, struct pcore_owner *o)
{
	struct pcore_alloc *g = o->global;
	pcore_u32 v = g->value;

	pcore_detach_matching(c, g, o, true, 0);
	o->global = NULL;
	if (--g->nr == 0) {
		value_put(c, g);
		if (g->prev)
			g->prev->next = g->next;
		else
			c->globals = g->next;
		if (g->next)
			g->next->prev = g->prev;
		globals_account(c, v, -1);
		c->st.nr_globals--;
		pcore_mem_free(c, g, sizeof(*g));
	}
	PCORE_EVENT(c, PCORE_EV_FREE, PCORE_INTENT_GLOBAL, v, 0, o);
}

int pcore_free(struct pcore *c, struct pcore_owner *o, pcore_u32 v)
{
	struct pcore_alloc *a;
	int err = pcore_find_owned(c, o, v, &a);

	if (err)
		return err;
	if (a->intent == PCORE_INTENT_GLOBAL) {
		global_put(c, o);
	} else {
		pcore_detach_matching(c, a, NULL, true, 0);
		group_free(c, a);
	}
	return 0;
}

void pcore_owner_release(struct pcore *c, struct pcore_owner *o)
{
	struct pcore_alloc *a;

	/* detach everything before any value goes back to the source */
	for (a = o->allocs; a; a = a->next)
		pcore_detach_matching(c, a, NULL, true, 0);
	if (o->global)
		pcore_detach_matching(c, o->global, o, true, 0);
	while (o->allocs)
		group_free(c, o->allocs);
	if (o->global)
		global_put(c, o);

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
	struct pcore_alloc *a, *b;
	struct pcore_rid *r;
	pcore_u32 *ids, i;
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
	for (b = pcore_value_first(c, v); b; b = b->value_next)
		if (b != a && pcore_alloc_has_rid(b, rid))
			return -EBUSY;
	if (a->nr >= PCORE_MAX_GROUP_RIDS)
		return -E2BIG;

	if (a->nr + 1 > (a->cap_rids ? a->cap_rids : 1u)) {
		pcore_u32 cap = a->nr * 2 < 4 ? 4 : a->nr * 2;

		if (cap > PCORE_MAX_GROUP_RIDS)
			cap = PCORE_MAX_GROUP_RIDS;
		ids = pcore_mem_alloc(c, cap * sizeof(*ids));
		if (!ids)
			return -ENOMEM;
		memcpy(ids, pcore_alloc_rids(a), a->nr * sizeof(*ids));
		if (a->cap_rids)
			pcore_mem_free(c, a->ext_rids, a->cap_rids * sizeof(*ids));
		a->ext_rids = ids;
		a->cap_rids = cap;
	}
	ids = alloc_rids_mut(a);
	for (i = a->nr; i > 0 && ids[i - 1] > rid; i--)
		ids[i] = ids[i - 1];
	ids[i] = rid;
	a->nr++;
	r->nr_values++;
	PCORE_EVENT(c, PCORE_EV_EXTEND, a->intent, v, rid, o);
	return 0;
}

