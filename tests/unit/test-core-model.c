// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-core-model.c - the allocator core against a deliberately simple
 * reference model, over long random operation sequences.
 *
 * The model keeps plain arrays and predicts the exact result of every call:
 * the errno, and for automatic allocations the value (lowest value free
 * everywhere, else the lowest value reusable on a disjoint group). After
 * every step the core's whole state is compared with the model and the
 * contract's invariants are checked. Allocation failures are injected at
 * random (fail-nth): a call that returns -ENOMEM must have changed nothing.
 *
 * Both value policies are checked exactly. Fresh first (the sim, mock mode):
 * a fresh value above the global window (2^narrowest width) first, then the
 * lowest fresh value, then the lowest reusable one. Reuse first (a source
 * leased from the kernel, PCORE_SRC_REUSE_FIRST): the lowest value held only
 * by groups on other RIDs (and not by the same owner), else the fresh order.
 * The occupancy bitmaps behind the reuse search are compared bit by bit.
 * Widths are small on purpose so the space runs out and reuse, -ENOSPC and
 * -ERANGE paths are taken all the time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core_env.h"
#include "pcore.h"
#include "pcore_plain.h"
#include "pcore_internal.h"
#include "pcore_bitmap.h"

#define NR_SLOTS	6	/* RID slots; a slot's RID may come and go */
#define NR_OWNERS	4	/* owners 0 and 1 share one mm */
#define MAX_ALLOCS	512
#define MAX_VALUE	4096	/* above the widest RID the model adds (12 bits) */
#define CHECK_VALUES	1024	/* values whose bitmap bits are compared */

static const pcore_u32 slot_id[NR_SLOTS] = { 0x0008, 0x0010, 0x6a08, 0x6a10, 0xe708, 0x10000 };
static const unsigned int owner_mm[NR_OWNERS] = { 100, 100, 200, 300 };

struct m_alloc {
	pcore_u32 value;
	int intent;
	int owner;			/* group: owner; global: -1 */
	unsigned int mm;		/* global */
	unsigned int holders;		/* global: owner mask */
	unsigned int rids;		/* group: slot mask */
	unsigned int att[NR_OWNERS];	/* slot mask of bindings, per owner */
};

struct model {
	bool present[NR_SLOTS];
	unsigned int width[NR_SLOTS];
	struct m_alloc a[MAX_ALLOCS];
	int n;
};

struct world {
	struct model m;
	struct pcore core;
	struct pcore_bitmap bm;
	struct pcore_owner owners[NR_OWNERS];
	bool reuse_first;
	unsigned int last_mask;
	unsigned long ops, enomem, reused;
};

static const struct pcore_ops ops = {
	.lease = pcore_bitmap_lease_op,
	.release = pcore_bitmap_release_op,
};

static const struct pcore_ops ops_reuse_first = {
	.lease = pcore_bitmap_lease_op,
	.release = pcore_bitmap_release_op,
	.flags = PCORE_SRC_REUSE_FIRST,
};

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)((rng_state >> 11) % n);
}

/* ---- model helpers ------------------------------------------------------ */

static int slot_of(pcore_u32 id)
{
	int i;

	for (i = 0; i < NR_SLOTS; i++)
		if (slot_id[i] == id)
			return i;
	return -1;
}

static pcore_u32 wmax(unsigned int w)
{
	return (1u << w) - 1;
}

static unsigned int m_min_width(const struct model *m)
{
	unsigned int w = 20;
	int i;

	for (i = 0; i < NR_SLOTS; i++)
		if (m->present[i] && m->width[i] < w)
			w = m->width[i];
	return w;
}

static bool m_used(const struct model *m, pcore_u32 v)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (m->a[i].value == v)
			return true;
	return false;
}

/* The owner's allocation of v, -1 if none. */
static int m_owned(const struct model *m, int o, pcore_u32 v)
{
	int i;

	for (i = 0; i < m->n; i++) {
		const struct m_alloc *a = &m->a[i];

		if (a->value != v)
			continue;
		if (a->intent == PCORE_INTENT_GROUP ? a->owner == o : !!(a->holders & (1u << o)))
			return i;
	}
	return -1;
}

static int m_global_of_mm(const struct model *m, unsigned int mm)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (m->a[i].intent == PCORE_INTENT_GLOBAL && m->a[i].mm == mm)
			return i;
	return -1;
}

static int m_owner_global(const struct model *m, int o)
{
	int i;

	for (i = 0; i < m->n; i++)
		if (m->a[i].intent == PCORE_INTENT_GLOBAL && (m->a[i].holders & (1u << o)))
			return i;
	return -1;
}

/* The same check order as the contract: -EEXIST before -EBUSY. */
static int m_group_check(const struct model *m, int o, pcore_u32 v, unsigned int mask)
{
	int i;

	for (i = 0; i < m->n; i++) {
		const struct m_alloc *a = &m->a[i];

		if (a->value != v)
			continue;
		if (a->intent == PCORE_INTENT_GLOBAL)
			return (a->holders & (1u << o)) ? -EEXIST : -EBUSY;
		if (a->owner == o)
			return -EEXIST;
	}
	for (i = 0; i < m->n; i++)
		if (m->a[i].value == v && (m->a[i].rids & mask))
			return -EBUSY;
	return 0;
}

static unsigned int popcount(unsigned int x)
{
	return (unsigned int)__builtin_popcount(x);
}

static void m_remove(struct model *m, int i)
{
	m->a[i] = m->a[--m->n];
}

/* ---- comparing the core with the model ------------------------------------ */

struct cmp {
	const struct world *w;
	bool seen[MAX_ALLOCS];
	int count;
};

static int owner_index(const struct world *w, const struct pcore_owner *o)
{
	return (int)(o - w->owners);
}

static int cmp_one(const struct pcore_alloc *a, void *data)
{
	struct cmp *c = data;
	const struct model *m = &c->w->m;
	const struct pcore_attach *at;
	unsigned int mask = 0, att[NR_OWNERS] = { 0 };
	pcore_u32 k;
	int i, o;

	c->count++;
	if (a->intent == PCORE_INTENT_GROUP) {
		const pcore_u32 *ids = pcore_alloc_rids(a);

		for (k = 0; k < a->nr; k++) {
			int s = slot_of(ids[k]);

			assert_true(s >= 0);
			if (k)
				assert_true(ids[k - 1] < ids[k]);	/* sorted, unique */
			mask |= 1u << s;
		}
	}
	for (at = a->attach; at; at = at->next) {
		o = owner_index(c->w, at->owner);
		assert_true(o >= 0 && o < NR_OWNERS);
		att[o] |= 1u << slot_of(at->rid);
	}
	for (i = 0; i < m->n; i++) {
		const struct m_alloc *ma = &m->a[i];

		if (c->seen[i] || ma->value != a->value || ma->intent != a->intent)
			continue;
		if (a->intent == PCORE_INTENT_GROUP &&
		    (ma->owner != owner_index(c->w, a->owner) || ma->rids != mask))
			continue;
		if (a->intent == PCORE_INTENT_GLOBAL &&
		    (ma->mm != a->mm || popcount(ma->holders) != a->nr))
			continue;
		assert_memory_equal(att, ma->att, sizeof(att));
		c->seen[i] = true;
		return 0;
	}
	fail_msg("core has value %u (intent %d) that the model does not", a->value, a->intent);
	return 1;
}

static void check_world(struct world *w)
{
	struct model *m = &w->m;
	struct cmp c = { .w = w };
	unsigned int per_slot_values[NR_SLOTS] = { 0 }, per_slot_att[NR_SLOTS] = { 0 };
	unsigned int on[MAX_VALUE];
	bool used[MAX_VALUE], group[MAX_VALUE];
	int i, j, s;
	pcore_u32 v;

	pcore_for_each_alloc(&w->core, cmp_one, &c);
	assert_int_equal(c.count, m->n);

	for (i = 0; i < m->n; i++) {
		const struct m_alloc *a = &m->a[i];

		for (j = i + 1; j < m->n; j++) {
			const struct m_alloc *b = &m->a[j];

			if (a->value != b->value)
				continue;
			/* invariant 2: a global value is shared by nothing */
			assert_false(a->intent == PCORE_INTENT_GLOBAL ||
				     b->intent == PCORE_INTENT_GLOBAL);
			/* invariant 1: per-RID uniqueness */
			assert_int_equal(a->rids & b->rids, 0);
			/* one owner, one allocation per value */
			assert_int_not_equal(a->owner, b->owner);
		}
		for (s = 0; s < NR_SLOTS; s++) {
			if (!(a->rids & (1u << s)))
				continue;
			/* invariant 3: it fits every RID of its group */
			assert_true(m->present[s]);
			assert_true(a->value <= wmax(m->width[s]));
			per_slot_values[s]++;
		}
		for (j = 0; j < NR_OWNERS; j++)
			for (s = 0; s < NR_SLOTS; s++)
				if (a->att[j] & (1u << s))
					per_slot_att[s]++;
	}
	for (s = 0; s < NR_SLOTS; s++) {
		const struct pcore_rid *r = pcore_rid_find(&w->core, slot_id[s]);

		assert_int_equal(!!r, m->present[s]);
		if (!r)
			continue;
		assert_int_equal(r->width, m->width[s]);
		assert_int_equal(pcore_rid_nr_values(&w->core, r), per_slot_values[s]);
		assert_int_equal(r->nr_attached, per_slot_att[s]);
	}
	/* the source holds exactly the values in use */
	memset(used, 0, sizeof(used));
	memset(group, 0, sizeof(group));
	memset(on, 0, sizeof(on));
	for (i = 0; i < m->n; i++) {
		v = m->a[i].value;
		if (v >= MAX_VALUE)
			continue;
		used[v] = true;
		if (m->a[i].intent == PCORE_INTENT_GROUP) {
			group[v] = true;
			on[v] |= m->a[i].rids;
		}
	}
	for (v = 1; v < CHECK_VALUES; v++)
		assert_int_equal(pcore_bitmap_test(&w->bm, v), used[v]);
	/* the bitmaps the reuse search reads: per RID, and values groups hold */
	for (v = 1; v < CHECK_VALUES; v++) {
		if (w->core.reuse_index)
			assert_int_equal((vset_word(&w->core.held, v / 64) >> (v % 64)) & 1,
					 group[v]);
		for (s = 0; s < NR_SLOTS && w->core.reuse_index; s++) {
			const struct pcore_rid *r = pcore_rid_find(&w->core, slot_id[s]);

			if (r)
				assert_int_equal((rset_word(r->set, v / 64) >> (v % 64)) & 1,
						 !!(on[v] & (1u << s)));
		}
	}
	assert_int_equal(w->bm.nr_used, w->core.st.nr_values);
}

/* ---- one operation each: predict, run, compare ---------------------------- */

static void expect(struct world *w, int got, int want, bool armed, const char *op)
{
	if (armed && got == -ENOMEM) {
		w->enomem++;
		return;
	}
	if (got != want)
		fail_msg("op %lu %s: got %d, model says %d", w->ops, op, got, want);
}

static unsigned int random_present_mask(const struct model *m)
{
	unsigned int mask = 0;
	int s;

	for (s = 0; s < NR_SLOTS; s++)
		if (rnd(3) == 0)
			mask |= 1u << s;
	if (!mask)
		mask = 1u << rnd(NR_SLOTS);
	(void)m;
	return mask;
}

static pcore_u32 random_value(void)
{
	switch (rnd(8)) {
	case 0:
		return 0;
	case 1:
		return PCORE_PASID_LIMIT + rnd(4);
	case 2:
		return 1 + rnd(300);
	default:
		return 1 + rnd(40);
	}
}

static void op_alloc_group(struct world *w, int o, bool armed)
{
	struct model *m = &w->m;
	bool exact = rnd(3) == 0;
	/* the same RID set again, often: a remembered failed search must notice changes */
	unsigned int mask = w->last_mask && rnd(2) ? w->last_mask : random_present_mask(m);
	unsigned int minw = 20;
	pcore_u32 ids[NR_SLOTS + 1], v = exact ? random_value() : 0, got = v, cand;
	int n = 0, s, want = 0, err;

	w->last_mask = mask;
	for (s = 0; s < NR_SLOTS; s++)
		if (mask & (1u << s))
			ids[n++] = slot_id[s];
	if (rnd(20) == 0)
		ids[n++] = ids[0];	/* a duplicate */
	/* shuffle: the core must not depend on the order */
	for (s = n - 1; s > 0; s--) {
		int t = (int)rnd((uint32_t)s + 1);
		pcore_u32 x = ids[s];

		ids[s] = ids[t];
		ids[t] = x;
	}

	/* model: the first problem in sorted RID order */
	{
		pcore_u32 sorted[NR_SLOTS + 1];
		int i, j;

		memcpy(sorted, ids, sizeof(ids[0]) * n);
		for (i = 1; i < n; i++)
			for (j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
				pcore_u32 x = sorted[j];

				sorted[j] = sorted[j - 1];
				sorted[j - 1] = x;
			}
		if (exact && (v == 0 || v >= PCORE_PASID_LIMIT))
			want = -EINVAL;
		for (i = 0; i < n && !want; i++) {
			int si = slot_of(sorted[i]);

			assert_true(si >= 0);	/* ids come from slot_id[] */
			if (i && sorted[i] == sorted[i - 1])
				want = -EINVAL;
			else if (!m->present[si])
				want = -ENODEV;
			else if (m->width[si] < minw)
				minw = m->width[si];
		}
	}
	if (!want && exact) {
		if (v > wmax(minw))
			want = -ERANGE;
		else
			want = m_group_check(m, o, v, mask);
	} else if (!want) {
		bool used[MAX_VALUE] = { false }, blocked[MAX_VALUE] = { false };
		int i;

		/* one pass: in use; unusable here (a global, this owner's, a RID of ours) */
		for (i = 0; i < m->n; i++) {
			const struct m_alloc *a = &m->a[i];

			used[a->value] = true;
			if (a->intent == PCORE_INTENT_GLOBAL || a->owner == o || (a->rids & mask))
				blocked[a->value] = true;
		}
		want = -ENOSPC;
		/* reuse first: the lowest value held only by groups it may share */
		for (cand = 1; w->reuse_first && want && cand <= wmax(minw); cand++) {
			if (used[cand] && !blocked[cand]) {
				want = 0;
				v = cand;
				w->reused++;
			}
		}
		/* fresh values, above the global window first, then reuse */
		for (cand = wmax(m_min_width(m)) + 1; want && cand <= wmax(minw); cand++) {
			if (!used[cand]) {
				want = 0;
				v = cand;
				break;
			}
		}
		for (cand = 1; want && cand <= wmax(minw); cand++) {
			if (!used[cand]) {
				want = 0;
				v = cand;
			}
		}
		for (cand = 1; want && cand <= wmax(minw); cand++) {
			if (!blocked[cand]) {
				want = 0;
				v = cand;
				w->reused++;
			}
		}
	}

	err = pcore_alloc_group(&w->core, &w->owners[o], ids, (pcore_u32)n,
				exact ? PCORE_ALLOC_EXACT : 0, &got);
	expect(w, err, want, armed, "alloc_group");
	if (err)
		return;
	if (got != v) {
		int i;

		print_message("op %lu: owner %d mask %#x exact %d got %u want %u\n", w->ops, o, mask,
			      exact, got, v);
		for (i = 0; i < n; i++) {
			const struct pcore_rid *r = pcore_rid_find(&w->core, ids[i]);

			print_message("  rid %#x width %u hint_gain %llu gain %llu held0 %#llx set0 %#llx\n",
				      ids[i], r->width, (unsigned long long)r->hint_gain,
				      (unsigned long long)w->core.gain_seq,
				      (unsigned long long)vset_word(&w->core.held, 0),
				      (unsigned long long)rset_word(r->set, 0));
		}
		for (i = 0; i < m->n; i++)
			if (m->a[i].value == got || m->a[i].value == v)
				print_message("  value %u intent %d owner %d rids %#x\n", m->a[i].value,
					      m->a[i].intent, m->a[i].owner, m->a[i].rids);
	}
	assert_int_equal(got, v);
	m->a[m->n++] = (struct m_alloc){ .value = v, .intent = PCORE_INTENT_GROUP, .owner = o,
					 .rids = mask };
}

static void op_alloc_global(struct world *w, int o, bool armed)
{
	struct model *m = &w->m;
	bool exact = rnd(3) == 0;
	pcore_u32 v = exact ? random_value() : 0, got = v, cand;
	int want = 0, g = m_owner_global(m, o), err;

	if (exact && (v == 0 || v >= PCORE_PASID_LIMIT))
		want = -EINVAL;
	else if (g < 0)
		g = m_global_of_mm(m, owner_mm[o]);
	if (!want && g >= 0) {
		if (exact && v != m->a[g].value)
			want = -EEXIST;
		v = m->a[g].value;
	} else if (!want && exact) {
		if (v > wmax(m_min_width(m)))
			want = -ERANGE;
		else if (m_owned(m, o, v) >= 0)
			want = -EEXIST;
		else if (m_used(m, v))
			want = -EBUSY;
	} else if (!want) {
		want = -ENOSPC;
		for (cand = 1; cand <= wmax(m_min_width(m)); cand++) {
			if (!m_used(m, cand)) {
				want = 0;
				v = cand;
				break;
			}
		}
	}
	err = pcore_alloc_global(&w->core, &w->owners[o], exact ? PCORE_ALLOC_EXACT : 0, &got);
	expect(w, err, want, armed, "alloc_global");
	if (err)
		return;
	assert_int_equal(got, v);
	if (g >= 0) {
		m->a[g].holders |= 1u << o;
	} else {
		m->a[m->n++] = (struct m_alloc){ .value = v, .intent = PCORE_INTENT_GLOBAL,
						 .owner = -1, .mm = owner_mm[o],
						 .holders = 1u << o };
	}
}

/* -ENOENT / -EPERM for a value the owner does not hold, else 0 and its index. */
static int m_find_owned(const struct model *m, int o, pcore_u32 v, int *idx)
{
	*idx = -1;
	if (v == 0 || v >= PCORE_PASID_LIMIT)
		return -ENOENT;
	*idx = m_owned(m, o, v);
	if (*idx >= 0)
		return 0;
	return m_used(m, v) ? -EPERM : -ENOENT;
}

/* A value to name: mostly one that exists, sometimes anything. */
static pcore_u32 pick_value(const struct model *m)
{
	if (m->n && rnd(5))
		return m->a[rnd((uint32_t)m->n)].value;
	return random_value();
}

static void drop_holder(struct model *m, int i, int o)
{
	struct m_alloc *a = &m->a[i];

	a->att[o] = 0;
	if (a->intent == PCORE_INTENT_GROUP) {
		m_remove(m, i);
		return;
	}
	a->holders &= ~(1u << o);
	if (!a->holders)
		m_remove(m, i);
}

static void op_free(struct world *w, int o, bool armed)
{
	struct model *m = &w->m;
	pcore_u32 v = pick_value(m);
	int i, want = m_find_owned(m, o, v, &i), err;

	err = pcore_free(&w->core, &w->owners[o], v);
	expect(w, err, want, armed, "free");
	if (!err) {
		if (m->a[i].intent == PCORE_INTENT_GROUP)
			memset(m->a[i].att, 0, sizeof(m->a[i].att));
		drop_holder(m, i, o);
	}
}

static void op_extend(struct world *w, int o, bool armed)
{
	struct model *m = &w->m;
	pcore_u32 v = pick_value(m);
	int s = (int)rnd(NR_SLOTS), i, j, want, err;

	want = m_find_owned(m, o, v, &i);
	if (!want && m->a[i].intent == PCORE_INTENT_GLOBAL)
		want = -EINVAL;
	else if (!want && !m->present[s])
		want = -ENODEV;
	else if (!want && (m->a[i].rids & (1u << s)))
		want = -EALREADY;
	else if (!want && v > wmax(m->width[s]))
		want = -ERANGE;
	for (j = 0; !want && j < m->n; j++)
		if (j != i && m->a[j].value == v && (m->a[j].rids & (1u << s)))
			want = -EBUSY;
	err = pcore_extend(&w->core, &w->owners[o], v, slot_id[s]);
	expect(w, err, want, armed, "extend");
	if (!err)
		m->a[i].rids |= 1u << s;
}

static void op_attach(struct world *w, int o, bool armed, bool detach)
{
	struct model *m = &w->m;
	pcore_u32 v = pick_value(m);
	int s = (int)rnd(NR_SLOTS), i, want, err;

	want = m_find_owned(m, o, v, &i);
	if (!want && !m->present[s])
		want = -ENODEV;
	if (detach) {
		if (!want && !(m->a[i].att[o] & (1u << s)))
			want = -ENOENT;
		err = pcore_detach(&w->core, &w->owners[o], v, slot_id[s]);
		expect(w, err, want, armed, "detach");
		if (!err)
			m->a[i].att[o] &= ~(1u << s);
		return;
	}
	if (!want && m->a[i].intent == PCORE_INTENT_GROUP && !(m->a[i].rids & (1u << s)))
		want = -EINVAL;
	else if (!want && v > wmax(m->width[s]))
		want = -ERANGE;
	else if (!want && (m->a[i].att[o] & (1u << s)))
		want = -EALREADY;
	err = pcore_attach(&w->core, &w->owners[o], v, slot_id[s]);
	expect(w, err, want, armed, "attach");
	if (!err)
		m->a[i].att[o] |= 1u << s;
}

static void op_rid(struct world *w, bool armed)
{
	struct model *m = &w->m;
	int s = (int)rnd(NR_SLOTS), i, o, want, err;
	/* mostly up to 9 bits: reuse searches cross several 64-value words */
	static const unsigned int odd[] = { 0, 21, 1, 10, 12 };
	unsigned int width = rnd(10) == 0 ? odd[rnd(5)] : 2 + rnd(8);

	if (rnd(2)) {
		want = width < 1 || width > 20 ? -EINVAL : m->present[s] ? -EEXIST : 0;
		err = pcore_rid_add(&w->core, slot_id[s], width, NULL);
		expect(w, err, want, armed, "rid_add");
		if (!err) {
			m->present[s] = true;
			m->width[s] = width;
		}
		return;
	}
	want = m->present[s] ? 0 : -ENODEV;
	err = pcore_rid_remove(&w->core, slot_id[s]);
	expect(w, err, want, false, "rid_remove");
	if (err)
		return;
	m->present[s] = false;
	for (i = 0; i < m->n; i++) {
		m->a[i].rids &= ~(1u << s);
		for (o = 0; o < NR_OWNERS; o++)
			m->a[i].att[o] &= ~(1u << s);
	}
}

static void op_release(struct world *w, int o)
{
	struct model *m = &w->m;
	int i;

	pcore_owner_release(&w->core, &w->owners[o]);
	for (i = m->n - 1; i >= 0; i--) {
		struct m_alloc *a = &m->a[i];

		if (a->intent == PCORE_INTENT_GROUP ? a->owner == o : !!(a->holders & (1u << o)))
			drop_holder(m, i, o);
	}
	pcore_owner_init(&w->core, &w->owners[o], owner_mm[o], NULL);
}

static void run_sequence(uint64_t seed, unsigned long nr_ops, bool reuse_first)
{
	struct world *w = calloc(1, sizeof(*w));
	int o, s;

	assert_non_null(w);
	rng_state = seed * 0x9e3779b97f4a7c15ull + 1;
	/* seeds 2, 3 mod 4: the kernel's bitmap, its pages one by one */
	if (seed / 2 % 2)
		pcore_bitmap_init_paged(&w->bm);
	else
		pcore_bitmap_init(&w->bm);
	w->reuse_first = reuse_first;
	pcore_init(&w->core, reuse_first ? &ops_reuse_first : &ops, &w->bm);
	/* odd seeds: the core leases on the bitmap inline (the library's way) */
	if (seed % 2)
		pcore_set_bitmap_source(&w->core, &w->bm);
	/* a fresh-first source builds its reuse index when it first runs dry */
	assert_int_equal(w->core.reuse_index, reuse_first);
	for (o = 0; o < NR_OWNERS; o++)
		pcore_owner_init(&w->core, &w->owners[o], owner_mm[o], NULL);
	for (s = 0; s < 4; s++) {
		w->m.present[s] = true;
		w->m.width[s] = 3 + 2 * (unsigned int)s;
		assert_int_equal(pcore_rid_add(&w->core, slot_id[s], w->m.width[s], NULL), 0);
	}

	for (w->ops = 0; w->ops < nr_ops; w->ops++) {
		bool armed = rnd(10) == 0;
		uint32_t pick = rnd(100);

		o = (int)rnd(NR_OWNERS);
		if (armed)
			pasid_test_fail_nth(1 + rnd(3));
		if (pick < 30 && w->m.n < MAX_ALLOCS - 2)
			op_alloc_group(w, o, armed);
		else if (pick < 40)
			op_alloc_global(w, o, armed);
		else if (pick < 55)
			op_free(w, o, armed);
		else if (pick < 68)
			op_extend(w, o, armed);
		else if (pick < 80)
			op_attach(w, o, armed, false);
		else if (pick < 88)
			op_attach(w, o, armed, true);
		else if (pick < 96)
			op_rid(w, armed);
		else
			op_release(w, o);
		pasid_test_fail_nth(0);
		check_world(w);
	}
	/* the reuse search ran (below), so the index was built and is kept */
	assert_true(w->core.reuse_index);
	pcore_destroy(&w->core);
	assert_int_equal(w->core.st.bytes, 0);	/* every byte the core took came back */
	assert_int_equal(w->bm.nr_used, 0);
	pcore_bitmap_destroy(&w->bm);
	print_message("seed %llu, %s: %lu ops, %lu injected ENOMEM, %lu values reused\n",
		      (unsigned long long)seed, reuse_first ? "reuse first" : "fresh first", w->ops,
		      w->enomem, w->reused);
	assert_true(w->enomem > 0);	/* the failure paths were really taken */
	assert_true(w->reused > 0);	/* and so was the reuse search */
	free(w);
}

static void test_model_seeds(void **state)
{
	uint64_t seed;

	(void)state;
	/* 8 seeds x 15,000 operations = 120,000 checked steps */
	for (seed = 1; seed <= 8; seed++)
		run_sequence(seed, 15000, false);
}

static void test_model_seeds_reuse_first(void **state)
{
	uint64_t seed;

	(void)state;
	for (seed = 101; seed <= 108; seed++)
		run_sequence(seed, 15000, true);
}

/* A core leasing inline on its own bitmap, as the library's sim does. */
static void plain_core_init(struct pcore *c, struct pcore_bitmap *bm)
{
	pcore_bitmap_init(bm);
	pcore_init(c, &ops, bm);
	pcore_set_bitmap_source(c, bm);
}

/* ... and its end: the core counts no byte left. */
static void plain_core_fini(struct pcore *c, struct pcore_bitmap *bm)
{
	pcore_destroy(c);
	assert_int_equal(c->st.bytes, 0);
	pcore_bitmap_destroy(bm);
}

/*
 * Regression: an exact global whose lease failed with -ENOMEM (a fresh
 * bitmap page) was taken as a success, and its later release unbalanced the
 * source. The model above never leases outside the first page.
 */
static void test_exact_lease_enomem(void **state)
{
	struct pcore core;
	struct pcore_bitmap bm;
	struct pcore_owner o;
	pcore_u32 v = 40000, rid = 0x6a08;

	(void)state;
	pcore_bitmap_init_paged(&bm);	/* the kernel's: a page can fail */
	pcore_init(&core, &ops, &bm);
	pcore_owner_init(&core, &o, 1, NULL);
	assert_int_equal(pcore_rid_add(&core, rid, 20, NULL), 0);
	pasid_test_fail_nth(1);		/* the source's bitmap page for 40000 */
	assert_int_equal(pcore_alloc_global(&core, &o, PCORE_ALLOC_EXACT, &v), -ENOMEM);
	pasid_test_fail_nth(0);
	assert_null(pcore_value_first(&core, 40000));
	assert_int_equal(bm.nr_used, 0);
	v = 50000;
	pasid_test_fail_nth(1);
	assert_int_equal(pcore_alloc_group(&core, &o, &rid, 1, PCORE_ALLOC_EXACT, &v), -ENOMEM);
	pasid_test_fail_nth(0);
	assert_int_equal(bm.nr_used, 0);
	assert_int_equal(core.st.nr_values, 0);
	assert_int_equal(pcore_alloc_global(&core, &o, PCORE_ALLOC_EXACT, &v), 0);
	assert_int_equal(bm.nr_used, 1);
	pcore_owner_release(&core, &o);
	assert_int_equal(bm.nr_used, 0);
	plain_core_fini(&core, &bm);
}

/*
 * A failed reuse search is remembered; a value that groups newly hold must
 * make it stale even when none of the searched RIDs lost anything. Width 3:
 * A holds 1..3, B holds 4..6, a global holds 7, so {A, B} finds nothing
 * (and no RID of it is full); the global goes, a group on C takes 7, and
 * {A, B} can now share 7 with it.
 */
static void test_miss_forgotten_on_gain(void **state)
{
	struct pcore core;
	struct pcore_bitmap bm;
	struct pcore_owner o1, o2, o3;
	pcore_u32 a = 0x0008, b = 0x0010, c3 = 0x0018, ab[2] = { 0x0008, 0x0010 }, v, i;

	(void)state;
	pcore_bitmap_init(&bm);
	pcore_init(&core, &ops, &bm);
	pcore_owner_init(&core, &o1, 1, NULL);
	pcore_owner_init(&core, &o2, 2, NULL);
	pcore_owner_init(&core, &o3, 3, NULL);
	assert_int_equal(pcore_rid_add(&core, a, 3, NULL), 0);
	assert_int_equal(pcore_rid_add(&core, b, 3, NULL), 0);
	assert_int_equal(pcore_rid_add(&core, c3, 3, NULL), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pcore_alloc_group(&core, &o1, &a, 1, 0, &v), 0);
		assert_int_equal(pcore_alloc_group(&core, &o1, &b, 1, 0, &v), 0);
	}
	assert_int_equal(pcore_alloc_global(&core, &o2, 0, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(pcore_alloc_group(&core, &o3, ab, 2, 0, &v), -ENOSPC);
	assert_int_equal(pcore_alloc_group(&core, &o3, ab, 2, 0, &v), -ENOSPC);
	assert_int_equal(pcore_free(&core, &o2, 7), 0);
	assert_int_equal(pcore_alloc_group(&core, &o2, &c3, 1, 0, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(pcore_alloc_group(&core, &o3, ab, 2, 0, &v), 0);
	assert_int_equal(v, 7);
	pcore_destroy(&core);
	assert_int_equal(core.st.bytes, 0);
	assert_int_equal(bm.nr_used, 0);
	pcore_bitmap_destroy(&bm);
}


/* Counts allocations the walk shows for @v, and on which RIDs. */
struct seen {
	pcore_u32 value, n, nr_rids[4];
	const struct pcore_owner *owner[4];
};

static int see(const struct pcore_alloc *a, void *data)
{
	struct seen *s = data;

	if (a->value == s->value && s->n < 4) {
		s->owner[s->n] = a->owner;
		s->nr_rids[s->n++] = a->nr;
	}
	return 0;
}

static struct seen seen_of(const struct pcore *c, pcore_u32 v)
{
	struct seen s = { .value = v };

	pcore_for_each_alloc(c, see, &s);
	return s;
}

/*
 * The forms an allocation takes (pcore.h): a hot word, a second hot word
 * for a value reused on a disjoint group, records from the third, records
 * after EXTEND; a multi-RID group names an interned RID set; RID removal
 * and owner release undo each form. The model above checks what they mean;
 * this checks that each form is really taken.
 */
static void test_hot_forms(void **state)
{
	static const struct pcore_ops reuse = {
		.lease = pcore_bitmap_lease_op,
		.release = pcore_bitmap_release_op,
		.flags = PCORE_SRC_REUSE_FIRST,
	};
	pcore_u32 a = 0x10, b = 0x18, c3 = 0x20, d = 0x28, abc[3] = { 0x10, 0x18, 0x20 };
	struct pcore_owner o1, o2, o3;
	struct pcore_bitmap bm;
	struct pcore core;
	pcore_u32 v, w, x;
	struct seen s;

	(void)state;
	pcore_bitmap_init(&bm);
	pcore_init(&core, &reuse, &bm);
	pcore_owner_init(&core, &o1, 1, NULL);
	pcore_owner_init(&core, &o2, 2, NULL);
	pcore_owner_init(&core, &o3, 3, NULL);
	assert_int_equal(pcore_rid_add(&core, a, 20, NULL), 0);
	assert_int_equal(pcore_rid_add(&core, b, 20, NULL), 0);
	assert_int_equal(pcore_rid_add(&core, c3, 20, NULL), 0);
	assert_int_equal(pcore_rid_add(&core, d, 20, NULL), 0);

	/* one RID: a hot word; reused on a disjoint RID: the second word */
	assert_int_equal(pcore_alloc_group(&core, &o1, &a, 1, 0, &v), 0);
	assert_true(hot_is_fast(hot_get(&core, v)));
	assert_false(hot_get(&core, v) & PCORE_HOT_TWO);
	assert_int_equal(pcore_alloc_group(&core, &o2, &b, 1, 0, &w), 0);
	assert_int_equal(w, v);
	assert_true(hot_get(&core, v) & PCORE_HOT_TWO);
	assert_int_equal(bm.nr_used, 1);
	s = seen_of(&core, v);
	assert_int_equal(s.n, 2);
	/* the first goes: the second becomes the first, the value stays */
	assert_int_equal(pcore_free(&core, &o1, v), 0);
	assert_true(hot_is_fast(hot_get(&core, v)));
	assert_false(hot_get(&core, v) & PCORE_HOT_TWO);
	assert_int_equal(hot_owner_id(hot_get(&core, v)), o2.hot_id);
	assert_int_equal(bm.nr_used, 1);
	assert_int_equal(pcore_free(&core, &o1, v), -EPERM);

	/* a third allocation of one value: records for all three */
	assert_int_equal(pcore_alloc_group(&core, &o1, &a, 1, 0, &x), 0);
	assert_int_equal(x, v);
	assert_int_equal(pcore_alloc_group(&core, &o3, &c3, 1, 0, &x), 0);
	assert_int_equal(x, v);
	assert_int_equal(hot_get(&core, v), PCORE_HOT_SLOW);
	s = seen_of(&core, v);
	assert_int_equal(s.n, 3);
	assert_int_equal(pcore_free(&core, &o2, v), 0);
	assert_int_equal(pcore_free(&core, &o3, v), 0);
	assert_int_equal(pcore_free(&core, &o1, v), 0);
	assert_int_equal(hot_get(&core, v), 0);
	assert_int_equal(bm.nr_used, 0);

	/* EXTEND turns both hot words of a value into records */
	assert_int_equal(pcore_alloc_group(&core, &o1, &a, 1, 0, &v), 0);
	assert_int_equal(pcore_alloc_group(&core, &o2, &b, 1, 0, &w), 0);
	assert_int_equal(pcore_extend(&core, &o2, v, d), 0);
	assert_int_equal(hot_get(&core, v), PCORE_HOT_SLOW);
	assert_int_equal(pcore_extend(&core, &o1, v, d), -EBUSY);
	s = seen_of(&core, v);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.nr_rids[0] + s.nr_rids[1], 3);
	pcore_owner_release(&core, &o2);
	pcore_owner_release(&core, &o1);
	assert_int_equal(bm.nr_used, 0);
	pcore_owner_init(&core, &o1, 1, NULL);
	pcore_owner_init(&core, &o2, 2, NULL);

	/* several RIDs: one interned set names them; removal revokes through it */
	assert_int_equal(pcore_alloc_group(&core, &o1, abc, 3, 0, &v), 0);
	assert_true(hot_get(&core, v) & PCORE_HOT_GSET);
	assert_int_equal(pcore_alloc_group(&core, &o2, abc, 3, 0, &w), 0);
	assert_int_not_equal(w, v);
	assert_int_equal(hot_get(&core, v) & 0xffff, hot_get(&core, w) & 0xffff);
	assert_int_equal(pcore_rid_nr_values(&core, pcore_rid_find(&core, b)), 2);
	assert_int_equal(pcore_rid_remove(&core, b), 0);
	assert_int_equal(pcore_rid_nr_values(&core, pcore_rid_find(&core, a)), 2);
	assert_false(pcore_value_on_rid(&core, v, b));
	assert_true(pcore_value_on_rid(&core, v, c3));
	s = seen_of(&core, v);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.nr_rids[0], 2);
	pcore_owner_release(&core, &o1);
	pcore_owner_release(&core, &o2);
	assert_int_equal(pcore_rid_nr_values(&core, pcore_rid_find(&core, a)), 0);
	assert_int_equal(bm.nr_used, 0);
	pcore_owner_release(&core, &o3);
	plain_core_fini(&core, &bm);
}

/* Is @v's hot word its leaf's compact word? */
static bool packed(const struct pcore *c, pcore_u32 v)
{
	return hot_packed(c, v);
}

/*
 * Compact hot words (the library's plain paths over its bitmap): one
 * owner's values on one RID share their leaf's word; any other allocation
 * in the leaf has its own word, and whatever else writes a compact value's
 * word (EXTEND, RID removal, a free by the general path) unpacks it first.
 */
static void test_compact_words(void **state)
{
	pcore_u32 a = 0x10, b = 0x18, v[64], w, x, i;
	struct pcore_owner o1, o2;
	struct pcore_bitmap bm;
	struct pcore core;
	struct seen s;

	(void)state;
	plain_core_init(&core, &bm);
	assert_true(core.plain);
	pcore_owner_init(&core, &o1, 1, NULL);
	pcore_owner_init(&core, &o2, 2, NULL);
	assert_int_equal(pcore_rid_add(&core, a, 20, NULL), 0);
	assert_int_equal(pcore_rid_add(&core, b, 20, NULL), 0);

	for (i = 0; i < 64; i++) {
		assert_int_equal(pcore_alloc_group(&core, &o1, &a, 1, 0, &v[i]), 0);
		assert_true(packed(&core, v[i]));
		assert_int_equal(core.hot[v[i] >> PCORE_IDX_SHIFT][v[i] % PCORE_IDX_LEAF], 0);
	}
	assert_non_null(core.compact);
	assert_int_equal(hot_get(&core, v[0]), (pcore_u32)o1.hot_id << 16 | pcore_rid_find(&core, a)->hot_id);
	/* another owner in the same leaf: its own word */
	assert_int_equal(pcore_alloc_group(&core, &o2, &a, 1, 0, &w), 0);
	assert_int_equal(w >> PCORE_IDX_SHIFT, v[0] >> PCORE_IDX_SHIFT);
	assert_false(packed(&core, w));
	assert_int_equal(hot_owner_id(hot_get(&core, w)), o2.hot_id);
	/* not yours, not anyone's: refused, nothing changes */
	assert_int_equal(pcore_free(&core, &o2, v[3]), -EPERM);
	assert_int_equal(pcore_free(&core, &o1, w), -EPERM);
	assert_int_equal(pcore_free(&core, &o1, w + 1000), -ENOENT);
	x = 4242;	/* a failed allocation leaves it alone */
	assert_int_equal(pcore_alloc_group(&core, &o1, &(pcore_u32){ 0x99 }, 1, 0, &x), -ENODEV);
	assert_int_equal(x, 4242);
	assert_true(packed(&core, v[3]));
	assert_int_equal(bm.nr_used, 65);
	s = seen_of(&core, v[3]);
	assert_int_equal(s.n, 1);
	assert_ptr_equal(s.owner[0], &o1);
	assert_int_equal(pcore_rid_nr_values(&core, pcore_rid_find(&core, a)), 65);

	/* EXTEND: a record, out of the compact word */
	assert_int_equal(pcore_extend(&core, &o1, v[5], b), 0);
	assert_false(packed(&core, v[5]));
	assert_int_equal(hot_get(&core, v[5]), PCORE_HOT_SLOW);
	assert_true(pcore_value_on_rid(&core, v[5], b));
	/* a free on the plain path, and the lowest value comes back */
	assert_int_equal(pcore_free(&core, &o1, v[7]), 0);
	assert_false(packed(&core, v[7]));
	assert_int_equal(hot_get(&core, v[7]), 0);
	assert_int_equal(pcore_alloc_group(&core, &o1, &a, 1, 0, &x), 0);
	assert_int_equal(x, v[7]);
	assert_true(packed(&core, x));

	/* removing the RID rewrites each compact value's word */
	assert_int_equal(pcore_rid_remove(&core, a), 0);
	assert_false(packed(&core, v[9]));
	assert_int_equal(hot_rid_id(hot_get(&core, v[9])), 0);
	assert_int_equal(hot_owner_id(hot_get(&core, v[9])), o1.hot_id);
	s = seen_of(&core, v[9]);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.nr_rids[0], 0);
	assert_true(pcore_value_on_rid(&core, v[5], b));

	/* the leaf empties: its word and the mark of own words go */
	assert_int_not_equal(core.compact->word[v[0] >> PCORE_IDX_SHIFT], 0);
	pcore_owner_release(&core, &o1);
	pcore_owner_release(&core, &o2);
	assert_int_equal(bm.nr_used, 0);
	assert_int_equal(core.st.nr_values, 0);
	assert_int_equal(core.compact->word[v[0] >> PCORE_IDX_SHIFT], 0);
	/* and the next owner's values have the leaf's word again */
	pcore_owner_init(&core, &o2, 2, NULL);
	assert_int_equal(pcore_rid_add(&core, a, 20, NULL), 0);
	assert_int_equal(pcore_alloc_group(&core, &o2, &a, 1, 0, &x), 0);
	assert_true(packed(&core, x));
	assert_int_equal(core.compact->word[x >> PCORE_IDX_SHIFT],
			 (pcore_u32)o2.hot_id << 16 | pcore_rid_find(&core, a)->hot_id);
	assert_int_equal(pcore_free(&core, &o2, x), 0);
	assert_false(packed(&core, x));
	/* a leaf that never had an own word empties: no mark is left behind */
	assert_int_equal(core.compact->word[x >> PCORE_IDX_SHIFT], 0);
	/*
	 * The plain free of an own word empties a mixed leaf: its word and
	 * the mark go (else every later free there reads own words)
	 */
	pcore_owner_init(&core, &o1, 1, NULL);
	assert_int_equal(pcore_alloc_group(&core, &o1, &a, 1, 0, &x), 0);
	assert_int_equal(pcore_alloc_group(&core, &o2, &a, 1, 0, &w), 0);
	assert_int_equal(w >> PCORE_IDX_SHIFT, x >> PCORE_IDX_SHIFT);
	assert_false(packed(&core, w));
	assert_int_equal(pcore_free(&core, &o1, x), 0);
	assert_true(pcore_free_plain(&core, &o2, w));
	assert_int_equal(core.compact->word[x >> PCORE_IDX_SHIFT], 0);
	assert_int_equal(pcore_alloc_group(&core, &o2, &a, 1, 0, &x), 0);
	assert_true(packed(&core, x));
	assert_int_equal(pcore_free(&core, &o2, x), 0);
	pcore_owner_release(&core, &o1);
	pcore_owner_release(&core, &o2);
	plain_core_fini(&core, &bm);
}

/*
 * The mark of own words comes only with an own word: a free that fails
 * writes none, and a record freed last in its leaf leaves none behind.
 */
static void test_compact_mark_kept_clean(void **state)
{
	pcore_u32 a = 0x10, v[4], i, top;
	struct pcore_owner o1, o2;
	struct pcore_bitmap bm;
	struct pcore core;

	(void)state;
	plain_core_init(&core, &bm);
	pcore_owner_init(&core, &o1, 1, NULL);
	pcore_owner_init(&core, &o2, 2, NULL);
	assert_int_equal(pcore_rid_add(&core, a, 20, NULL), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pcore_alloc_group(&core, &o1, &a, 1, 0, &v[i]), 0);
	top = v[0] >> PCORE_IDX_SHIFT;
	assert_int_equal(core.compact->word[top] & PCORE_LEAF_MIXED, 0);
	/* a value nobody holds, another owner's value: refused, no mark */
	assert_int_equal(pcore_free(&core, &o1, 900), -ENOENT);
	assert_int_equal(pcore_free(&core, &o2, v[2]), -EPERM);
	assert_int_equal(core.compact->word[top] & PCORE_LEAF_MIXED, 0);
	assert_true(packed(&core, v[2]));
	/* a record (an attachment) freed last: the leaf ends with no word */
	assert_int_equal(pcore_attach(&core, &o1, v[1], a), 0);
	assert_int_not_equal(core.compact->word[top] & PCORE_LEAF_MIXED, 0);
	for (i = 0; i < 4; i++)
		if (i != 1)
			assert_int_equal(pcore_free(&core, &o1, v[i]), 0);
	assert_int_equal(pcore_free(&core, &o1, v[1]), 0);
	assert_int_equal(bm.nr_used, 0);
	assert_int_equal(core.compact->word[top], 0);
	pcore_owner_release(&core, &o1);
	pcore_owner_release(&core, &o2);
	plain_core_fini(&core, &bm);
}

/*
 * Without the lazily backed tables (their mmap refused): the plain paths
 * still serve the values the general path gave leaves to, with no compact
 * words, and a leaf emptying needs none.
 */
static void test_no_tables(void **state)
{
	pcore_u32 a = 0x10, v[8], i;
	struct pcore_owner o;
	struct pcore_bitmap bm;
	struct pcore core;

	(void)state;
	plain_core_init(&core, &bm);
	core.hot_table_tried = true;	/* as if the mapping had failed */
	assert_true(core.plain);
	pcore_owner_init(&core, &o, 1, NULL);
	assert_int_equal(pcore_rid_add(&core, a, 20, NULL), 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(pcore_alloc_group(&core, &o, &a, 1, 0, &v[i]), 0);
		assert_int_equal(v[i], i + 1);
	}
	assert_null(core.compact);
	for (i = 0; i < 8; i++)
		assert_true(pcore_free_plain(&core, &o, v[i]));
	assert_int_equal(bm.nr_used, 0);
	assert_int_equal(core.st.nr_values, 0);
	assert_int_equal(pcore_alloc_group(&core, &o, &a, 1, 0, &v[0]), 0);
	assert_int_equal(v[0], 1);
	pcore_owner_release(&core, &o);
	plain_core_fini(&core, &bm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_seeds),
		cmocka_unit_test(test_model_seeds_reuse_first),
		cmocka_unit_test(test_exact_lease_enomem),
		cmocka_unit_test(test_miss_forgotten_on_gain),
		cmocka_unit_test(test_hot_forms),
		cmocka_unit_test(test_compact_words),
		cmocka_unit_test(test_compact_mark_kept_clean),
		cmocka_unit_test(test_no_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
