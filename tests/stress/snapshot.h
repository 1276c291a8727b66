/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * snapshot.h - the whole allocator state as the public list calls report it,
 * the core invariants (docs/DESIGN.md section 2) checked on it, and a
 * canonical text form to compare two states. Shared by the stress test and
 * the fault-injection sweep. Header-only, plain C11, no test framework.
 *
 * pasid_list_allocs() copies the state under the platform lock, so one list
 * is consistent even while other threads mutate; the RID list is a second,
 * separate copy, so cross-checks between the two (nr_values, widths) are only
 * made on a quiescent platform.
 */
#ifndef LIBPASID_TESTS_SNAPSHOT_H
#define LIBPASID_TESTS_SNAPSHOT_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpasid/pasid.h>

/* Fatal checks of the plain-C stress programs: name, place, reason, exit 1. */
#define FAIL(...)								\
	do {									\
		fprintf(stderr, "%s: %s:%d: ", program_invocation_short_name,	\
			__FILE__, __LINE__);					\
		fprintf(stderr, __VA_ARGS__);					\
		fputc('\n', stderr);						\
		exit(1);							\
	} while (0)
#define CHECK(cond, ...)			\
	do {					\
		if (!(cond))			\
			FAIL(__VA_ARGS__);	\
	} while (0)

struct snap_alloc {
	uint32_t pasid, intent, flags, nr_rids, nr_att;
	int32_t owner;
	uint32_t *rids, *att;
};

struct snap {
	struct snap_alloc *a;
	size_t nr, cap;
	struct pasid_rid_info *r;
	size_t nr_r, cap_r;
	bool oom;
};

static inline void *snap_grow(void *p, size_t *cap, size_t need, size_t elem, bool *oom)
{
	size_t n;
	void *q;

	if (need <= *cap)
		return p;
	n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	q = realloc(p, n * elem);
	if (!q) {
		*oom = true;
		return p;
	}
	*cap = n;
	return q;
}

static inline uint32_t *snap_dup(const uint32_t *v, uint32_t n, bool *oom)
{
	uint32_t *p = malloc((n ? n : 1) * sizeof(*p));

	if (!p)
		*oom = true;
	else if (n)
		memcpy(p, v, n * sizeof(*p));
	return p;
}

static inline int snap_alloc_cb(const struct pasid_alloc_info *in, void *data)
{
	struct snap *s = data;
	struct snap_alloc *a;

	s->a = snap_grow(s->a, &s->cap, s->nr + 1, sizeof(*s->a), &s->oom);
	if (s->oom)
		return -ENOMEM;
	a = &s->a[s->nr++];
	a->pasid = in->pasid;
	a->intent = in->intent;
	a->flags = in->flags;
	a->nr_rids = in->nr_rids;
	a->nr_att = in->nr_attached;
	a->owner = in->owner_pid;
	a->rids = snap_dup(in->rids, in->nr_rids, &s->oom);
	a->att = snap_dup(in->attached, in->nr_attached, &s->oom);
	return s->oom ? -ENOMEM : 0;
}

static inline int snap_rid_cb(const struct pasid_rid_info *in, void *data)
{
	struct snap *s = data;

	s->r = snap_grow(s->r, &s->cap_r, s->nr_r + 1, sizeof(*s->r), &s->oom);
	if (s->oom)
		return -ENOMEM;
	s->r[s->nr_r++] = *in;
	return 0;
}

static inline void snap_free(struct snap *s)
{
	for (size_t i = 0; i < s->nr; i++) {
		free(s->a[i].rids);
		free(s->a[i].att);
	}
	free(s->a);
	free(s->r);
	memset(s, 0, sizeof(*s));
}

/* Take both lists through @ctx. Return: 0 or the list calls' -errno. */
static inline int snap_take(struct pasid_ctx *ctx, struct snap *s)
{
	int err;

	memset(s, 0, sizeof(*s));
	err = pasid_list_allocs(ctx, snap_alloc_cb, s);
	if (!err)
		err = pasid_list_rids(ctx, snap_rid_cb, s);
	if (err)
		snap_free(s);
	return err;
}

static inline int snap_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static inline const struct pasid_rid_info *snap_rid(const struct snap *s, uint32_t rid)
{
	for (size_t i = 0; i < s->nr_r; i++)
		if (s->r[i].rid == rid)
			return &s->r[i];
	return NULL;
}

static inline int snap_fail(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static inline int snap_fail(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Check the invariants. Always: values in 1..2^20-1, known intents, a
 * group's RIDs sorted and distinct, per-RID uniqueness of group values, a
 * global value used by no group and by no other global, a group's bindings
 * only on its RIDs, allocations in value order. @quiescent (nothing changed
 * between the two lists): every named RID exists, group values fit every
 * RID of the group, nr_values and nr_attached of each RID match the
 * allocations. Return: 0, or -1 with the first violation in @msg.
 */
static inline int snap_check(const struct snap *s, bool quiescent, char *msg, size_t len)
{
	size_t nkeys = 0, k, i;
	uint64_t *keys;
	int rc = 0;

	for (i = 0; i < s->nr; i++)
		nkeys += s->a[i].nr_rids;
	keys = malloc((nkeys ? nkeys : 1) * sizeof(*keys));
	if (!keys)
		return snap_fail(msg, len, "out of memory checking");
	nkeys = 0;
	for (i = 0; i < s->nr && !rc; i++) {
		const struct snap_alloc *a = &s->a[i];

		if (!a->pasid || a->pasid >= PASID_LIMIT)
			rc = snap_fail(msg, len, "PASID %u out of range", a->pasid);
		else if (i && s->a[i - 1].pasid > a->pasid)
			rc = snap_fail(msg, len, "list not in value order at PASID %u", a->pasid);
		else if (a->intent != PASID_INTENT_GROUP && a->intent != PASID_INTENT_GLOBAL_ENQCMD)
			rc = snap_fail(msg, len, "PASID %u: intent %u", a->pasid, a->intent);
		else if (a->intent == PASID_INTENT_GLOBAL_ENQCMD && a->nr_rids)
			rc = snap_fail(msg, len, "global PASID %u names %u RIDs", a->pasid,
				       a->nr_rids);
		for (k = 0; k < a->nr_rids && !rc; k++) {
			if (k && a->rids[k - 1] >= a->rids[k])
				rc = snap_fail(msg, len, "PASID %u: RIDs not sorted/distinct",
					       a->pasid);
			keys[nkeys++] = (uint64_t)a->rids[k] << 20 | a->pasid;
		}
		for (k = 0; k < a->nr_att && !rc && a->intent == PASID_INTENT_GROUP; k++) {
			bool found = false;

			for (size_t j = 0; j < a->nr_rids; j++)
				found |= a->rids[j] == a->att[k];
			if (!found)
				rc = snap_fail(msg, len, "PASID %u attached on %#x outside its group",
					       a->pasid, a->att[k]);
		}
		/* a global's value is on no group and in no other global */
		for (size_t j = 0; j < s->nr && !rc && a->intent == PASID_INTENT_GLOBAL_ENQCMD; j++)
			if (j != i && s->a[j].pasid == a->pasid)
				rc = snap_fail(msg, len, "global PASID %u also in a %s allocation",
					       a->pasid, s->a[j].intent == PASID_INTENT_GROUP ?
					       "group" : "second global");
	}
	if (!rc) {
		qsort(keys, nkeys, sizeof(*keys), snap_cmp_u64);
		for (k = 1; k < nkeys && !rc; k++)
			if (keys[k] == keys[k - 1])
				rc = snap_fail(msg, len, "PASID %u held twice on RID %#x",
					       (unsigned int)(keys[k] & (PASID_LIMIT - 1)),
					       (unsigned int)(keys[k] >> 20));
	}
	free(keys);
	if (rc || !quiescent)
		return rc;

	for (i = 0; i < s->nr_r; i++) {
		const struct pasid_rid_info *r = &s->r[i];
		uint32_t nv = 0, na = 0;

		for (size_t j = 0; j < s->nr; j++) {
			const struct snap_alloc *a = &s->a[j];

			for (k = 0; k < a->nr_rids; k++) {
				if (a->rids[k] != r->rid)
					continue;
				nv++;
				if (r->width < PASID_WIDTH_MAX && a->pasid >= 1u << r->width)
					return snap_fail(msg, len, "PASID %u on RID %#x of width %u",
							 a->pasid, r->rid, r->width);
			}
			for (k = 0; k < a->nr_att; k++)
				na += a->att[k] == r->rid;
		}
		if (nv != r->nr_values)
			return snap_fail(msg, len, "RID %#x: nr_values %u, allocations say %u",
					 r->rid, r->nr_values, nv);
		if (na != r->nr_attached)
			return snap_fail(msg, len, "RID %#x: nr_attached %u, allocations say %u",
					 r->rid, r->nr_attached, na);
	}
	for (i = 0; i < s->nr; i++) {
		for (k = 0; k < s->a[i].nr_rids; k++)
			if (!snap_rid(s, s->a[i].rids[k]))
				return snap_fail(msg, len, "PASID %u names RID %#x that is gone",
						 s->a[i].pasid, s->a[i].rids[k]);
		for (k = 0; k < s->a[i].nr_att; k++)
			if (!snap_rid(s, s->a[i].att[k]))
				return snap_fail(msg, len, "PASID %u attached on RID %#x that is gone",
						 s->a[i].pasid, s->a[i].att[k]);
	}
	return 0;
}

/* Canonical text of @s (everything but the querying context's MINE flag). */
static inline char *snap_text(const struct snap *s)
{
	size_t cap = 256 + s->nr * 64 + s->nr_r * 64, len = 0;
	char *t;

	for (size_t i = 0; i < s->nr; i++)
		cap += (s->a[i].nr_rids + s->a[i].nr_att) * 12;
	t = malloc(cap);
	if (!t)
		return NULL;
	for (size_t i = 0; i < s->nr; i++) {
		const struct snap_alloc *a = &s->a[i];

		len += (size_t)snprintf(t + len, cap - len, "pasid %u intent %u owner %d rids",
					a->pasid, a->intent, a->owner);
		for (uint32_t k = 0; k < a->nr_rids; k++)
			len += (size_t)snprintf(t + len, cap - len, " %x", a->rids[k]);
		len += (size_t)snprintf(t + len, cap - len, " att");
		for (uint32_t k = 0; k < a->nr_att; k++)
			len += (size_t)snprintf(t + len, cap - len, " %x", a->att[k]);
		len += (size_t)snprintf(t + len, cap - len, "\n");
	}
	for (size_t i = 0; i < s->nr_r; i++)
		len += (size_t)snprintf(t + len, cap - len, "rid %x width %u values %u att %u\n",
					s->r[i].rid, s->r[i].width, s->r[i].nr_values,
					s->r[i].nr_attached);
	return t;
}

#endif /* LIBPASID_TESTS_SNAPSHOT_H */
