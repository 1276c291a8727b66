// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-api.c - the semantic contract (docs/DESIGN.md section 2) through the
 * public API only. The SAME binary runs on the SIMULATED backend in the unit
 * suite and on the kernel shim in mock mode inside a booted guest (kernel
 * suite): the backend comes from LIBPASID_BACKEND.
 *
 * Every test adds its own mock RIDs in segment 0x00fe and removes them again,
 * so it neither depends on nor disturbs what else the platform has.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libpasid/pasid.h>
#include <libpasid/testing.h>

#define RID_A	0xfe0108	/* 00fe:01:01.0 */
#define RID_B	0xfe0110	/* 00fe:01:02.0 */
#define RID_C	0xfe0118	/* 00fe:01:03.0 */
#define RID_N	0xfe0120	/* 00fe:01:04.0, width 4: values 1..15 */
#define RID_D	0xfe0128	/* 00fe:01:05.0, added by some tests */
#define RID_X	0xfe01f8	/* 00fe:01:1f.0, never exists */

struct fx {
	struct pasid_ctx *admin;	/* keeps the platform alive, owns the RIDs */
	struct pasid_ctx *p1, *p2;	/* two owners (two processes on sim) */
};

static struct pasid_ctx *open_ctx(void)
{
	struct pasid_ctx *ctx = NULL;
	int err = pasid_ctx_new(NULL, &ctx);

	if (err)
		fail_msg("pasid_ctx_new: %d: %s", err, pasid_strerror_last());
	return ctx;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->admin = open_ctx();
	assert_int_equal(pasid_mock_rid_add(f->admin, RID_A, 20), 0);
	assert_int_equal(pasid_mock_rid_add(f->admin, RID_B, 20), 0);
	assert_int_equal(pasid_mock_rid_add(f->admin, RID_C, 20), 0);
	assert_int_equal(pasid_mock_rid_add(f->admin, RID_N, 4), 0);
	f->p1 = open_ctx();
	f->p2 = open_ctx();
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	pasid_ctx_unref(f->p1);
	pasid_ctx_unref(f->p2);
	pasid_mock_rid_remove(f->admin, RID_A);
	pasid_mock_rid_remove(f->admin, RID_B);
	pasid_mock_rid_remove(f->admin, RID_C);
	pasid_mock_rid_remove(f->admin, RID_N);
	pasid_mock_rid_remove(f->admin, RID_D);
	pasid_ctx_unref(f->admin);
	free(f);
	return 0;
}

/* Expect @err and, for failures, a non-empty explanation. */
#define CHECK(ctx, call, want)								\
	do {										\
		int got_ = (call);							\
		if (got_ != (want))							\
			fail_msg("%s = %d (%s), want %d", #call, got_,			\
				 pasid_ctx_last_error(ctx), (want));			\
		if ((want) < 0 && !pasid_ctx_last_error(ctx)[0])			\
			fail_msg("%s: no error message", #call);			\
	} while (0)

/* ---- what the list calls see ------------------------------------------------ */

struct found {
	uint32_t pasid;
	int hits;
	struct pasid_alloc_info info;
	uint32_t rids[8], attached[8];
};

static int find_cb(const struct pasid_alloc_info *info, void *data)
{
	struct found *f = data;

	if (info->pasid != f->pasid || !(info->flags & PASID_INFO_MINE))
		return 0;
	f->hits++;
	f->info = *info;
	/* an empty list may come as NULL */
	if (info->nr_rids)
		memcpy(f->rids, info->rids,
		       sizeof(uint32_t) * (info->nr_rids < 8 ? info->nr_rids : 8));
	if (info->nr_attached)
		memcpy(f->attached, info->attached,
		       sizeof(uint32_t) * (info->nr_attached < 8 ? info->nr_attached : 8));
	return 0;
}

/* How @ctx's own allocation of @pasid is listed; hits == 0 if absent. */
static struct found lookup(struct pasid_ctx *ctx, uint32_t pasid)
{
	struct found f = { .pasid = pasid };

	assert_int_equal(pasid_list_allocs(ctx, find_cb, &f), 0);
	assert_true(f.hits <= 1);
	return f;
}

static int count_cb(const struct pasid_alloc_info *info, void *data)
{
	(void)info;
	(*(int *)data)++;
	return 0;
}

static int count_allocs(struct pasid_ctx *ctx)
{
	int n = 0;

	assert_int_equal(pasid_list_allocs(ctx, count_cb, &n), 0);
	return n;
}

static int min_width_cb(const struct pasid_rid_info *info, void *data)
{
	unsigned int *w = data;

	if (info->width < *w)
		*w = info->width;
	return 0;
}

static unsigned int min_width(struct pasid_ctx *ctx)
{
	unsigned int w = PASID_WIDTH_MAX;

	assert_int_equal(pasid_list_rids(ctx, min_width_cb, &w), 0);
	return w;
}

struct rid_find {
	uint32_t rid;
	struct pasid_rid_info info;
	int hits;
};

static int rid_cb(const struct pasid_rid_info *info, void *data)
{
	struct rid_find *r = data;

	if (info->rid == r->rid) {
		r->info = *info;
		r->hits++;
	}
	return 0;
}

static struct rid_find rid_lookup(struct pasid_ctx *ctx, uint32_t rid)
{
	struct rid_find r = { .rid = rid };

	assert_int_equal(pasid_list_rids(ctx, rid_cb, &r), 0);
	return r;
}

/* ---- tests --------------------------------------------------------------------- */

static void test_group_basic(void **state)
{
	struct fx *f = *state;
	uint32_t rids[] = { RID_B, RID_A }, v;
	struct found fd;

	CHECK(f->p1, pasid_alloc_for_rids(f->p1, rids, 2, 0, &v), 0);
	assert_true(v >= 1 && v < PASID_LIMIT);
	fd = lookup(f->p1, v);
	assert_int_equal(fd.hits, 1);
	assert_int_equal(fd.info.intent, PASID_INTENT_GROUP);
	assert_int_equal(fd.info.nr_rids, 2);
	assert_int_equal(fd.rids[0], RID_A);	/* sorted */
	assert_int_equal(fd.rids[1], RID_B);
	assert_int_equal(fd.info.nr_attached, 0);
	assert_int_equal(rid_lookup(f->p1, RID_A).info.nr_values, 1);
	/* a second group on the same RIDs gets another value */
	{
		uint32_t v2;

		CHECK(f->p1, pasid_alloc_for_rids(f->p1, rids, 2, 0, &v2), 0);
		assert_int_not_equal(v, v2);
	}
	CHECK(f->p1, pasid_free(f->p1, v), 0);
	assert_int_equal(lookup(f->p1, v).hits, 0);
}

static void test_disjoint_reuse(void **state)
{
	struct fx *f = *state;
	uint32_t a = RID_A, b = RID_B, c = RID_C, v, w;

	CHECK(f->p1, pasid_alloc_for_rids(f->p1, &a, 1, 0, &v), 0);
	/* the same value on a disjoint group, by another owner: fine */
	w = v;
	CHECK(f->p2, pasid_alloc_for_rids(f->p2, &b, 1, PASID_ALLOC_EXACT, &w), 0);
	assert_int_equal(w, v);
	/* on a RID where it is in use: busy */
	w = v;
	CHECK(f->p2, pasid_alloc_for_rids(f->p2, &a, 1, PASID_ALLOC_EXACT, &w), -EEXIST);
	CHECK(f->p2, pasid_free(f->p2, v), 0);
	w = v;
	CHECK(f->p2, pasid_alloc_for_rids(f->p2, &a, 1, PASID_ALLOC_EXACT, &w), -EBUSY);
	/* within one owner one value names one allocation */
	w = v;
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, &c, 1, PASID_ALLOC_EXACT, &w), -EEXIST);
}

static void test_extend(void **state)
{
	struct fx *f = *state;
	uint32_t a = RID_A, b = RID_B, v, w;

	CHECK(f->p1, pasid_alloc_for_rids(f->p1, &a, 1, 0, &v), 0);
	w = v;
	CHECK(f->p2, pasid_alloc_for_rids(f->p2, &b, 1, PASID_ALLOC_EXACT, &w), 0);
	CHECK(f->p1, pasid_extend(f->p1, v, RID_B), -EBUSY);	/* hot-plug question */
	CHECK(f->p1, pasid_extend(f->p1, v, RID_C), 0);
	CHECK(f->p1, pasid_extend(f->p1, v, RID_C), -EALREADY);
	CHECK(f->p1, pasid_extend(f->p1, v, RID_X), -ENODEV);
	CHECK(f->p2, pasid_extend(f->p2, v + 1000, RID_C), -ENOENT);
	assert_int_equal(lookup(f->p1, v).info.nr_rids, 2);

	/* a value too wide for the narrow RID */
	w = 100;
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, &a, 1, PASID_ALLOC_EXACT, &w), 0);
	CHECK(f->p1, pasid_extend(f->p1, 100, RID_N), -ERANGE);
	assert_int_equal(lookup(f->p1, 100).info.nr_rids, 1);	/* nothing changed */
	CHECK(f->p2, pasid_extend(f->p2, 100, RID_C), -EPERM);	/* not p2's */
}

static void test_global(void **state)
{
	struct fx *f = *state;
	uint32_t g1, g1b, g2, w, d = RID_D, a = RID_A;
	struct found fd;

	CHECK(f->p1, pasid_alloc_global_enqcmd(f->p1, 0, &g1), 0);
	CHECK(f->p1, pasid_alloc_global_enqcmd(f->p1, 0, &g1b), 0);
	assert_int_equal(g1, g1b);			/* one per process */
	assert_true(g1 < (1u << min_width(f->p1)));	/* fits the narrowest RID */
	fd = lookup(f->p1, g1);
	assert_int_equal(fd.info.intent, PASID_INTENT_GLOBAL_ENQCMD);
	assert_int_equal(fd.info.nr_rids, 0);

	CHECK(f->p2, pasid_alloc_global_enqcmd(f->p2, 0, &g2), 0);
	if (pasid_ctx_backend(f->p2) == PASID_BACKEND_SIM)
		assert_int_not_equal(g1, g2);	/* two simulated processes */
	else
		assert_int_equal(g1, g2);	/* two files of one process: one mm */

	/* reserved on every RID, including one added later */
	assert_int_equal(pasid_mock_rid_add(f->admin, RID_D, 20), 0);
	w = g1;
	CHECK(f->admin, pasid_alloc_for_rids(f->admin, &d, 1, PASID_ALLOC_EXACT, &w), -EBUSY);
	w = g1;
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, &a, 1, PASID_ALLOC_EXACT, &w), -EEXIST);
	/* another global value for the same process: refused */
	w = g1 + 1;
	CHECK(f->p1, pasid_alloc_global_enqcmd(f->p1, PASID_ALLOC_EXACT, &w), -EEXIST);
	/* a global cannot be extended: it is everywhere */
	CHECK(f->p1, pasid_extend(f->p1, g1, RID_A), -EINVAL);
	/* an owner that does not hold it cannot free it */
	CHECK(f->admin, pasid_free(f->admin, g1), -EPERM);
	CHECK(f->p1, pasid_free(f->p1, g1), 0);
	CHECK(f->p2, pasid_free(f->p2, g2), 0);
	assert_int_equal(lookup(f->p1, g1).hits, 0);
}

static void test_global_exact(void **state)
{
	struct fx *f = *state;
	uint32_t a = RID_A, v, w;

	v = 3;		/* inside the global window (every RID here fits it) */
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, &a, 1, PASID_ALLOC_EXACT, &v), 0);
	w = v;		/* in use by a group: not free everywhere */
	CHECK(f->p2, pasid_alloc_global_enqcmd(f->p2, PASID_ALLOC_EXACT, &w), -EBUSY);
	w = 1u << min_width(f->p2);	/* just too wide for the narrowest RID */
	CHECK(f->p2, pasid_alloc_global_enqcmd(f->p2, PASID_ALLOC_EXACT, &w), -ERANGE);
	w = 0;
	CHECK(f->p2, pasid_alloc_global_enqcmd(f->p2, PASID_ALLOC_EXACT, &w), -EINVAL);
	CHECK(f->p2, pasid_alloc_global_enqcmd(f->p2, 0x80, &w), -EINVAL);
}

static void test_free_and_owners(void **state)
{
	struct fx *f = *state;
	uint32_t a = RID_A, v1, v2;
	int before;

	CHECK(f->p1, pasid_free(f->p1, 12345), -ENOENT);
	CHECK(f->p1, pasid_free(f->p1, 0), -ENOENT);
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, &a, 1, 0, &v1), 0);
	CHECK(f->p2, pasid_free(f->p2, v1), -EPERM);
	CHECK(f->p2, pasid_alloc_for_rids(f->p2, &a, 1, 0, &v2), 0);
	before = count_allocs(f->admin);
	/* closing an owner frees what it owns, and only that */
	f->p2 = pasid_ctx_unref(f->p2);
	assert_int_equal(count_allocs(f->admin), before - 1);
	assert_int_equal(lookup(f->p1, v1).hits, 1);
	f->p2 = open_ctx();
	CHECK(f->p1, pasid_free(f->p1, v1), 0);
	CHECK(f->p1, pasid_free(f->p1, v1), -ENOENT);
}

static void test_atomic_failure(void **state)
{
	struct fx *f = *state;
	uint32_t bad[] = { RID_A, RID_X }, dup[] = { RID_A, RID_A }, v = 77;
	int before = count_allocs(f->admin);

	CHECK(f->p1, pasid_alloc_for_rids(f->p1, bad, 2, 0, &v), -ENODEV);
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, dup, 2, 0, &v), -EINVAL);
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, bad, 0, 0, &v), -EINVAL);
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, bad, PASID_MAX_GROUP_RIDS + 1, 0, &v), -EINVAL);
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, bad, 1, 0x40, &v), -EINVAL);
	v = 0;
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, bad, 1, PASID_ALLOC_EXACT, &v), -EINVAL);
	v = PASID_LIMIT;
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, bad, 1, PASID_ALLOC_EXACT, &v), -EINVAL);
	assert_int_equal(count_allocs(f->admin), before);
	assert_int_equal(rid_lookup(f->admin, RID_A).info.nr_values, 0);
}

static void test_narrow_and_full(void **state)
{
	struct fx *f = *state;
	uint32_t n = RID_N, an[] = { RID_A, RID_N }, v, got[16];
	unsigned int i, k = 0;

	v = 16;		/* width 4: 1..15 */
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, an, 2, PASID_ALLOC_EXACT, &v), -ERANGE);
	/* a group fits its narrowest RID */
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, an, 2, 0, &v), 0);
	assert_true(v < 16);
	got[k++] = v;
	/* fill the narrow RID: the rest of 1..15 not held by a global */
	for (i = 0; i < 15; i++) {
		int err = pasid_alloc_for_rids(f->p1, &n, 1, 0, &v);

		if (err == -ENOSPC)
			break;
		assert_int_equal(err, 0);
		assert_true(v < 16);
		got[k++] = v;
	}
	assert_true(k >= 2 && k <= 15);
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, &n, 1, 0, &v), -ENOSPC);
	/* a value held on N elsewhere-disjoint is still usable on a disjoint group */
	v = got[1];
	CHECK(f->p2, pasid_alloc_for_rids(f->p2, &an[0], 1, PASID_ALLOC_EXACT, &v), 0);
	for (i = 0; i < k; i++)
		CHECK(f->p1, pasid_free(f->p1, got[i]), 0);
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, &n, 1, 0, &v), 0);
}

static void test_attach(void **state)
{
	struct fx *f = *state;
	uint32_t ab[] = { RID_A, RID_B }, v, g;
	struct found fd;

	CHECK(f->p1, pasid_alloc_for_rids(f->p1, ab, 2, 0, &v), 0);
	CHECK(f->p1, pasid_attach(f->p1, v, RID_B), 0);
	CHECK(f->p1, pasid_attach(f->p1, v, RID_B), -EALREADY);
	CHECK(f->p1, pasid_attach(f->p1, v, RID_C), -EINVAL);	/* not in the group */
	CHECK(f->p1, pasid_attach(f->p1, v, RID_X), -ENODEV);
	CHECK(f->p2, pasid_attach(f->p2, v, RID_A), -EPERM);
	fd = lookup(f->p1, v);
	assert_int_equal(fd.info.nr_attached, 1);
	assert_int_equal(fd.attached[0], RID_B);
	assert_int_equal(rid_lookup(f->p1, RID_B).info.nr_attached, 1);
	CHECK(f->p1, pasid_detach(f->p1, v, RID_B), 0);
	CHECK(f->p1, pasid_detach(f->p1, v, RID_B), -ENOENT);
	assert_int_equal(rid_lookup(f->p1, RID_B).info.nr_attached, 0);

	/* the global binds anywhere it fits; freeing detaches first */
	CHECK(f->p1, pasid_alloc_global_enqcmd(f->p1, 0, &g), 0);
	CHECK(f->p1, pasid_attach(f->p1, g, RID_C), 0);
	assert_int_equal(rid_lookup(f->p1, RID_C).info.nr_attached, 1);
	CHECK(f->p1, pasid_free(f->p1, g), 0);
	assert_int_equal(rid_lookup(f->p1, RID_C).info.nr_attached, 0);
}

struct ev_log {
	uint32_t types[64];
	uint32_t pasids[64];
	uint32_t rids[64];
	int n;
};

static void ev_cb(const struct pasid_event *ev, void *data)
{
	struct ev_log *l = data;

	if (ev->rid && (ev->rid >> 16) != 0xfe)
		return;		/* not this test's */
	if (l->n < 64) {
		l->types[l->n] = ev->type;
		l->pasids[l->n] = ev->pasid;
		l->rids[l->n] = ev->rid;
		l->n++;
	}
}

static bool has_event(const struct ev_log *l, uint32_t type, uint32_t pasid, uint32_t rid)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (l->types[i] == type && l->pasids[i] == pasid && l->rids[i] == rid)
			return true;
	return false;
}

static void test_rid_removal(void **state)
{
	struct fx *f = *state;
	uint32_t ac[] = { RID_A, RID_C }, v;
	struct ev_log log = { 0 };
	struct found fd;
	int fd_ev = pasid_ctx_get_event_fd(f->admin);

	assert_true(fd_ev >= 0);
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, ac, 2, 0, &v), 0);
	CHECK(f->p1, pasid_attach(f->p1, v, RID_C), 0);
	CHECK(f->admin, pasid_mock_rid_remove(f->admin, RID_C), 0);
	fd = lookup(f->p1, v);
	assert_int_equal(fd.hits, 1);			/* the allocation lives on */
	assert_int_equal(fd.info.nr_rids, 1);		/* without the RID */
	assert_int_equal(fd.rids[0], RID_A);
	assert_int_equal(fd.info.nr_attached, 0);	/* its binding is gone */
	assert_int_equal(rid_lookup(f->p1, RID_C).hits, 0);
	CHECK(f->p1, pasid_extend(f->p1, v, RID_C), -ENODEV);
	CHECK(f->p1, pasid_attach(f->p1, v, RID_C), -ENODEV);
	assert_true(pasid_ctx_dispatch_events(f->admin, ev_cb, &log) >= 3);
	assert_true(has_event(&log, PASID_EVENT_DETACH, v, RID_C));
	assert_true(has_event(&log, PASID_EVENT_REVOKE, v, RID_C));
	assert_true(has_event(&log, PASID_EVENT_RID_REMOVE, 0, RID_C));
	/* the RID can come back, empty */
	CHECK(f->admin, pasid_mock_rid_add(f->admin, RID_C, 20), 0);
	assert_int_equal(rid_lookup(f->p1, RID_C).info.nr_values, 0);
}

static void test_events(void **state)
{
	struct fx *f = *state;
	uint32_t a = RID_A, v;
	struct ev_log log = { 0 };
	int fd = pasid_ctx_get_event_fd(f->admin);

	assert_true(fd >= 0);
	assert_int_equal(pasid_ctx_get_event_fd(f->admin), fd);	/* one per context */
	assert_true(pasid_ctx_dispatch_events(f->admin, ev_cb, &log) >= 0);	/* drain */
	log.n = 0;
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, &a, 1, 0, &v), 0);
	CHECK(f->p1, pasid_extend(f->p1, v, RID_B), 0);
	CHECK(f->p1, pasid_attach(f->p1, v, RID_B), 0);
	CHECK(f->p1, pasid_detach(f->p1, v, RID_B), 0);
	CHECK(f->p1, pasid_free(f->p1, v), 0);
	CHECK(f->admin, pasid_mock_rid_add(f->admin, RID_D, 12), 0);
	assert_true(pasid_ctx_dispatch_events(f->admin, ev_cb, &log) >= 6);
	assert_true(has_event(&log, PASID_EVENT_EXTEND, v, RID_B));
	assert_true(has_event(&log, PASID_EVENT_ATTACH, v, RID_B));
	assert_true(has_event(&log, PASID_EVENT_DETACH, v, RID_B));
	assert_true(has_event(&log, PASID_EVENT_RID_ADD, 0, RID_D));
	{
		bool alloc = false, fr = false;
		int i;

		for (i = 0; i < log.n; i++) {
			alloc |= log.types[i] == PASID_EVENT_ALLOC && log.pasids[i] == v;
			fr |= log.types[i] == PASID_EVENT_FREE && log.pasids[i] == v;
		}
		assert_true(alloc && fr);
	}
	assert_string_equal(pasid_event_type_name(PASID_EVENT_REVOKE), "revoke");
}

static void test_mock_rid_errors(void **state)
{
	struct fx *f = *state;

	CHECK(f->admin, pasid_mock_rid_add(f->admin, RID_D, 0), -EINVAL);
	CHECK(f->admin, pasid_mock_rid_add(f->admin, RID_D, 21), -EINVAL);
	CHECK(f->admin, pasid_mock_rid_add(f->admin, RID_A, 20), -EEXIST);
	CHECK(f->admin, pasid_mock_rid_remove(f->admin, RID_X), -ENODEV);
	assert_int_equal(rid_lookup(f->admin, RID_N).info.width, 4);
	assert_int_equal(rid_lookup(f->admin, RID_N).info.mock, 1);
}

static void test_ctx_refs(void **state)
{
	struct fx *f = *state;
	uint32_t a = RID_A, v;

	assert_ptr_equal(pasid_ctx_ref(f->p1), f->p1);
	assert_null(pasid_ctx_unref(f->p1));	/* still one reference left */
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, &a, 1, 0, &v), 0);
	assert_null(pasid_ctx_unref(NULL));
	assert_non_null(strstr(pasid_ctx_backend_name(f->p1),
			       pasid_ctx_backend(f->p1) == PASID_BACKEND_SIM ? "simulated" : "kernel"));
}

static void test_ctx_info(void **state)
{
	struct fx *f = *state;
	struct pasid_ctx_info info = { .size = sizeof(info) }, small = { .size = 8 };
	uint32_t a = RID_A, v;
	uint32_t groups;

	CHECK(f->p1, pasid_ctx_get_info(f->p1, &info), 0);
	assert_int_equal(info.size, sizeof(info));
	assert_int_equal(info.backend, (uint32_t)pasid_ctx_backend(f->p1));
	assert_true(info.flags & PASID_CTX_INFO_MOCK);	/* both test backends are mock */
	assert_int_equal(!!(info.flags & PASID_CTX_INFO_SIMULATED),
			 pasid_ctx_backend(f->p1) == PASID_BACKEND_SIM);
	assert_int_equal(info.min_width, min_width(f->p1));
	assert_true(info.min_width <= 4);		/* RID_N */
	assert_true(info.nr_rids >= 4);
	assert_true(info.nr_owners >= 3);
	assert_true(info.source[0]);
	groups = info.nr_groups;
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, &a, 1, 0, &v), 0);
	CHECK(f->p1, pasid_ctx_get_info(f->p1, &info), 0);
	assert_int_equal(info.nr_groups, groups + 1);
	assert_int_equal(pasid_ctx_get_info(f->p1, &small), -EINVAL);
	assert_int_equal(pasid_ctx_get_info(f->p1, NULL), -EINVAL);
}

/* A group holds at most PASID_MAX_GROUP_RIDS RIDs: -E2BIG beyond. */
static void test_group_full(void **state)
{
	struct fx *f = *state;
	static uint32_t rids[PASID_MAX_GROUP_RIDS + 1];
	uint32_t i, v;

	for (i = 0; i <= PASID_MAX_GROUP_RIDS; i++) {
		rids[i] = 0xfd0000 + i * 8;	/* 00fd:bb:dd.0 */
		assert_int_equal(pasid_mock_rid_add(f->admin, rids[i], 20), 0);
	}
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, rids, PASID_MAX_GROUP_RIDS + 1, 0, &v), -EINVAL);
	CHECK(f->p1, pasid_alloc_for_rids(f->p1, rids, PASID_MAX_GROUP_RIDS, 0, &v), 0);
	assert_int_equal(lookup(f->p1, v).info.nr_rids, PASID_MAX_GROUP_RIDS);
	CHECK(f->p1, pasid_extend(f->p1, v, rids[PASID_MAX_GROUP_RIDS]), -E2BIG);
	CHECK(f->p1, pasid_free(f->p1, v), 0);
	for (i = 0; i <= PASID_MAX_GROUP_RIDS; i++)
		assert_int_equal(pasid_mock_rid_remove(f->admin, rids[i]), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_group_basic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disjoint_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global, setup, teardown),
		cmocka_unit_test_setup_teardown(test_global_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_and_owners, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_narrow_and_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rid_removal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mock_rid_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctx_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_group_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctx_info, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
