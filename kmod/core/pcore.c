// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * pcore.c - the PASID allocator core. See pcore.h for the model and
 * docs/DESIGN.md section 2 for the contract implemented here.
 *
 * Every mutating call validates and allocates everything it needs first and
 * only then links the result in, so a failure leaves nothing changed.
 */
#include "pcore.h"

#define PCORE_EVENT(c, t, i, v, r, o)						\
	do {									\
		if ((c)->ops->event) {						\
			struct pcore_event ev_ = { (t), (i), (v), (r), (o) };	\
			(c)->ops->event((c)->priv, &ev_);			\
		}								\
	} while (0)

static void *core_alloc(struct pcore *c, size_t size)
{
	void *p = pcore_env_alloc(size);

	if (p)
		c->st.bytes += size;
	return p;
}

static void core_free(struct pcore *c, void *p, size_t size)
{
	if (p) {
		c->st.bytes -= size;
		pcore_env_free(p);
	}
}

static inline bool value_ok(pcore_u32 v)
{
	return v != 0 && v < PCORE_PASID_LIMIT;
}

static inline pcore_u32 width_max(unsigned int width)
{
	return (1u << width) - 1;
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

struct pcore_alloc *pcore_value_first(const struct pcore *c, pcore_u32 v)
{
	struct pcore_alloc **leaf;

	if (!value_ok(v))
		return NULL;
	leaf = c->idx[v >> PCORE_IDX_SHIFT];
	return leaf ? leaf[v & (PCORE_IDX_LEAF - 1)] : NULL;
}

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
	*leaf = core_alloc(c, PCORE_IDX_LEAF * sizeof(**leaf));
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

/* ---- RID table: open addressing, linear probing ------------------------ */

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
	slots = core_alloc(c, cap * sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (i = 0; i < c->rid_cap; i++)
		if (c->rid_slots[i])
			rid_slot_put(slots, cap, c->rid_slots[i]);
	core_free(c, c->rid_slots, c->rid_cap * sizeof(*slots));
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

/* Count global value @v in (or out of) every width it fits. */
static void globals_account(struct pcore *c, pcore_u32 v, int delta)
{
	unsigned int w;

	for (w = bit_length(v); w <= PCORE_PASID_BITS; w++)
		c->globals_within[w] += delta;
}

static bool rid_full(const struct pcore *c, const struct pcore_rid *r)
{
	return r->nr_values + c->globals_within[r->width] >= width_max(r->width);
}

/* ---- a group's RID set (sorted ids) ------------------------------------ */

static pcore_u32 *alloc_rids_mut(struct pcore_alloc *a)
{
	return a->cap_rids ? a->ext_rids : &a->inline_rid;
}

static bool alloc_has_rid(const struct pcore_alloc *a, pcore_u32 rid)
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

static bool alloc_intersects(const struct pcore_alloc *a, const pcore_u32 *ids, pcore_u32 n)
{
	const pcore_u32 *mine = pcore_alloc_rids(a);
	pcore_u32 i = 0, j = 0;

	if (n == 1)
		return alloc_has_rid(a, ids[0]);
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

static void sort_ids(pcore_u32 *ids, pcore_u32 n)
{
	pcore_u32 i, j, x;

	/* callers pass short lists, usually already sorted */
	for (i = 1; i < n; i++) {
		x = ids[i];
		for (j = i; j > 0 && ids[j - 1] > x; j--)
			ids[j] = ids[j - 1];
		ids[j] = x;
	}
}

static void alloc_release_mem(struct pcore *c, struct pcore_alloc *a)
{
	if (a->cap_rids)
		core_free(c, a->ext_rids, a->cap_rids * sizeof(pcore_u32));
	core_free(c, a, sizeof(*a));
}

/* ---- attachments -------------------------------------------------------- */

static struct pcore_attach **attach_find(struct pcore_alloc *a, const struct pcore_owner *o,
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
	core_free(c, at, sizeof(*at));
}

/* Detach what @o has bound of @a (all owners' if @o is NULL), on @rid or all RIDs. */
static void detach_matching(struct pcore *c, struct pcore_alloc *a, const struct pcore_owner *o,
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
static int find_owned(const struct pcore *c, const struct pcore_owner *o, pcore_u32 v,
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
		core_free(c, c->rid_slots[i], sizeof(struct pcore_rid));
	core_free(c, c->rid_slots, c->rid_cap * sizeof(*c->rid_slots));
	for (i = 0; i < PCORE_IDX_TOP; i++)
		core_free(c, c->idx[i], PCORE_IDX_LEAF * sizeof(*c->idx[i]));
	c->rid_slots = NULL;
	c->rid_cap = 0;
	c->nr_rids = 0;
}

/* ---- RIDs ---------------------------------------------------------------- */

int pcore_rid_add(struct pcore *c, pcore_u32 id, unsigned int width, void *cookie)
{
	struct pcore_rid *r;
	int err;

	if (width < 1 || width > PCORE_PASID_BITS)
		return -EINVAL;
	if (pcore_rid_find(c, id))
		return -EEXIST;
	r = core_alloc(c, sizeof(*r));
	if (!r)
		return -ENOMEM;
	err = rid_table_reserve(c);
	if (err) {
		core_free(c, r, sizeof(*r));
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
		detach_matching(c, a, NULL, false, id);
	for (o = c->owners; o; o = o->next) {
		for (a = o->allocs; a; a = a->next) {
			if (!alloc_has_rid(a, id))
				continue;
			detach_matching(c, a, NULL, false, id);
			group_drop_rid(c, a, r);
		}
	}
	rid_table_delete(c, r);
	c->nr_rids--;
	c->width_count[r->width]--;
	c->st.nr_rids--;
	core_free(c, r, sizeof(*r));
	PCORE_EVENT(c, PCORE_EV_RID_REMOVE, 0, 0, id, NULL);
	return 0;
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

	a = core_alloc(c, sizeof(*a));
	if (!a)
		return -ENOMEM;
	if (nr > 1) {
		a->ext_rids = core_alloc(c, nr * sizeof(pcore_u32));
		if (!a->ext_rids) {
			core_free(c, a, sizeof(*a));
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
		full = full || rid_full(c, r);
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
	g = core_alloc(c, sizeof(*g));
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
	core_free(c, g, sizeof(*g));
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

	detach_matching(c, g, o, true, 0);
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
		core_free(c, g, sizeof(*g));
	}
	PCORE_EVENT(c, PCORE_EV_FREE, PCORE_INTENT_GLOBAL, v, 0, o);
}

int pcore_free(struct pcore *c, struct pcore_owner *o, pcore_u32 v)
{
	struct pcore_alloc *a;
	int err = find_owned(c, o, v, &a);

	if (err)
		return err;
	if (a->intent == PCORE_INTENT_GLOBAL) {
		global_put(c, o);
	} else {
		detach_matching(c, a, NULL, true, 0);
		group_free(c, a);
	}
	return 0;
}

void pcore_owner_release(struct pcore *c, struct pcore_owner *o)
{
	struct pcore_alloc *a;

	/* detach everything before any value goes back to the source */
	for (a = o->allocs; a; a = a->next)
		detach_matching(c, a, NULL, true, 0);
	if (o->global)
		detach_matching(c, o->global, o, true, 0);
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

/* ---- extend, attach, detach ------------------------------------------------ */

int pcore_extend(struct pcore *c, struct pcore_owner *o, pcore_u32 v, pcore_u32 rid)
{
	struct pcore_alloc *a, *b;
	struct pcore_rid *r;
	pcore_u32 *ids, i;
	int err = find_owned(c, o, v, &a);

	if (err)
		return err;
	if (a->intent == PCORE_INTENT_GLOBAL)
		return -EINVAL;
	r = pcore_rid_find(c, rid);
	if (!r)
		return -ENODEV;
	if (alloc_has_rid(a, rid))
		return -EALREADY;
	if (v > width_max(r->width))
		return -ERANGE;
	for (b = pcore_value_first(c, v); b; b = b->value_next)
		if (b != a && alloc_has_rid(b, rid))
			return -EBUSY;
	if (a->nr >= PCORE_MAX_GROUP_RIDS)
		return -E2BIG;

	if (a->nr + 1 > (a->cap_rids ? a->cap_rids : 1u)) {
		pcore_u32 cap = a->nr * 2 < 4 ? 4 : a->nr * 2;

		if (cap > PCORE_MAX_GROUP_RIDS)
			cap = PCORE_MAX_GROUP_RIDS;
		ids = core_alloc(c, cap * sizeof(*ids));
		if (!ids)
			return -ENOMEM;
		memcpy(ids, pcore_alloc_rids(a), a->nr * sizeof(*ids));
		if (a->cap_rids)
			core_free(c, a->ext_rids, a->cap_rids * sizeof(*ids));
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

int pcore_attach(struct pcore *c, struct pcore_owner *o, pcore_u32 v, pcore_u32 rid)
{
	struct pcore_attach *at;
	struct pcore_alloc *a;
	struct pcore_rid *r;
	int err = find_owned(c, o, v, &a);

	if (err)
		return err;
	r = pcore_rid_find(c, rid);
	if (!r)
		return -ENODEV;
	if (a->intent == PCORE_INTENT_GROUP && !alloc_has_rid(a, rid))
		return -EINVAL;
	if (v > width_max(r->width))
		return -ERANGE;
	if (attach_find(a, o, rid))
		return -EALREADY;
	at = core_alloc(c, sizeof(*at));
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
	int err = find_owned(c, o, v, &a);

	if (err)
		return err;
	if (!pcore_rid_find(c, rid))
		return -ENODEV;
	pp = attach_find(a, o, rid);
	if (!pp)
		return -ENOENT;
	attach_drop(c, a, pp);
	return 0;
}

/* ---- queries ----------------------------------------------------------------- */

bool pcore_value_on_rid(const struct pcore *c, pcore_u32 v, pcore_u32 rid)
{
	const struct pcore_rid *r = pcore_rid_find(c, rid);
	const struct pcore_alloc *a;

	if (!r || v > width_max(r->width))
		return false;
	for (a = pcore_value_first(c, v); a; a = a->value_next)
		if (a->intent == PCORE_INTENT_GLOBAL || alloc_has_rid(a, rid))
			return true;
	return false;
}

bool pcore_is_attached(const struct pcore *c, pcore_u32 v, pcore_u32 rid)
{
	struct pcore_alloc *a;

	for (a = pcore_value_first(c, v); a; a = a->value_next)
		if (attach_find(a, NULL, rid))
			return true;
	return false;
}

int pcore_for_each_alloc(const struct pcore *c, pcore_alloc_fn fn, void *data)
{
	pcore_u32 top, i;
	int ret;

	for (top = 0; top < PCORE_IDX_TOP; top++) {
		struct pcore_alloc **leaf = c->idx[top];

		if (!leaf)
			continue;
		for (i = 0; i < PCORE_IDX_LEAF; i++) {
			const struct pcore_alloc *a;

			for (a = leaf[i]; a; a = a->value_next) {
				ret = fn(a, data);
				if (ret)
					return ret;
			}
		}
	}
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

void pcore_get_stats(const struct pcore *c, struct pcore_stats *st)
{
	*st = c->st;
}
