// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-failnth.c - fail the 1st, 2nd, ... nth internal allocation of each
 * API call until the call succeeds (pasid_test_fail_nth(), lib/core_env.h:
 * every allocation of the allocator core and its value source).
 *
 * Every injected failure must give -ENOMEM with a message, change nothing
 * (the canonical text of both list calls is compared before and after, and a
 * subscribed context must get no event), and leak nothing: tests/run runs
 * this binary under ASan+UBSan and under valgrind. The sweep ends with the
 * first success; its index says how many allocations the call makes.
 *
 * Single-threaded on purpose: the countdown is process-wide.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpasid/pasid.h>
#include <libpasid/testing.h>

#include "core_env.h"
#include "snapshot.h"

#define SEG		0x00fc0000u	/* our mock RIDs: 00fc:bb:dd.f */
#define RID(i)		(SEG | (uint32_t)(i) << 3)
#define MAX_SWEEP	10000

struct fx {
	struct pasid_ctx *admin;	/* owns the RIDs, subscribed to events */
	struct pasid_ctx *p1, *p2;
	uint32_t v1, vg;		/* a group of p1 on RID(0), p1's global */
	uint32_t out;
	struct pasid_ctx *caller;	/* the context the swept call used */
};

static struct pasid_ctx *open_sim(void)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	struct pasid_ctx *ctx = NULL;

	CHECK(!pasid_ctx_new(&o, &ctx), "pasid_ctx_new: %s", pasid_strerror_last());
	return ctx;
}

static void ignore_event(const struct pasid_event *ev, void *data)
{
	(void)ev;
	(void)data;
}

/* A platform with RIDs 0..7 (width 20) and 8 (width 4), one group, one global. */
static void fx_setup(struct fx *f)
{
	memset(f, 0, sizeof(*f));
	f->admin = open_sim();
	for (int i = 0; i < 8; i++)
		CHECK(!pasid_mock_rid_add(f->admin, RID(i), 20), "rid add");
	CHECK(!pasid_mock_rid_add(f->admin, RID(8), 4), "rid add");
	f->p1 = open_sim();
	f->p2 = open_sim();
	CHECK(!pasid_alloc_for_rids(f->p1, (uint32_t[]){ RID(0) }, 1, 0, &f->v1), "group");
	CHECK(!pasid_alloc_global_enqcmd(f->p1, 0, &f->vg), "global");
	CHECK(pasid_ctx_get_event_fd(f->admin) >= 0, "event fd");
	CHECK(pasid_ctx_dispatch_events(f->admin, ignore_event, NULL) >= 0, "drain");
}

static void fx_teardown(struct fx *f)
{
	pasid_ctx_unref(f->p1);
	pasid_ctx_unref(f->p2);
	for (int i = 0; i < 64; i++)
		pasid_mock_rid_remove(f->admin, RID(i));
	pasid_ctx_unref(f->admin);
}

/* ---- the calls ------------------------------------------------------------ */

static int c_group1(struct fx *f)
{
	f->caller = f->p2;
	return pasid_alloc_for_rids(f->p2, (uint32_t[]){ RID(1) }, 1, 0, &f->out);
}

static int c_group3(struct fx *f)
{
	f->caller = f->p2;
	return pasid_alloc_for_rids(f->p2, (uint32_t[]){ RID(1), RID(2), RID(3) }, 3, 0,
				    &f->out);
}

/* Reuse of a value on a disjoint group: p1's value, exactly, on other RIDs. */
static int c_group_exact_shared(struct fx *f)
{
	f->out = f->v1;
	f->caller = f->p2;
	return pasid_alloc_for_rids(f->p2, (uint32_t[]){ RID(4), RID(5) }, 2,
				    PASID_ALLOC_EXACT, &f->out);
}

/* A value far away from the others: a new index leaf and bitmap page. */
static int c_group_exact_far(struct fx *f)
{
	f->out = 0xfedcb;
	f->caller = f->p2;
	return pasid_alloc_for_rids(f->p2, (uint32_t[]){ RID(1) }, 1, PASID_ALLOC_EXACT,
				    &f->out);
}

static int c_group_many(struct fx *f)
{
	uint32_t rids[40];

	for (int i = 0; i < 40; i++)
		rids[i] = RID(16 + i);
	f->caller = f->p2;
	return pasid_alloc_for_rids(f->p2, rids, 40, 0, &f->out);
}

static int c_global(struct fx *f)
{
	f->caller = f->p2;
	return pasid_alloc_global_enqcmd(f->p2, 0, &f->out);
}

static int c_global_exact(struct fx *f)
{
	f->out = 9;	/* fits the width-4 RID */
	f->caller = f->p2;
	return pasid_alloc_global_enqcmd(f->p2, PASID_ALLOC_EXACT, &f->out);
}

static int c_extend(struct fx *f)		/* one RID -> two: out of line */
{
	f->caller = f->p1;
	return pasid_extend(f->p1, f->v1, RID(6));
}

static int c_extend_again(struct fx *f)		/* the array grows */
{
	int err = 0;

	f->caller = f->p1;
	for (int i = 0; i < 5 && !err; i++)
		err = pasid_extend(f->p1, f->v1, RID(1 + i));
	return err;
}

static int c_attach_group(struct fx *f)
{
	f->caller = f->p1;
	return pasid_attach(f->p1, f->v1, RID(0));
}

static int c_attach_global(struct fx *f)
{
	f->caller = f->p1;
	return pasid_attach(f->p1, f->vg, RID(7));
}

static int c_rid_add(struct fx *f)
{
	f->caller = f->admin;
	return pasid_mock_rid_add(f->admin, RID(60), 20);
}

static int c_rid_add_many(struct fx *f)	/* grows the RID table */
{
	int err = 0;

	f->caller = f->admin;
	for (int i = 16; i < 56 && !err; i++)
		err = pasid_mock_rid_add(f->admin, RID(i), 20);
	return err;
}

static int c_detach(struct fx *f)
{
	f->caller = f->p1;
	return pasid_detach(f->p1, f->v1, RID(0));
}

static int c_free(struct fx *f)
{
	f->caller = f->p1;
	return pasid_free(f->p1, f->v1);
}

static int c_rid_remove(struct fx *f)
{
	f->caller = f->admin;
	return pasid_mock_rid_remove(f->admin, RID(0));
}

struct scenario {
	const char *name;
	int (*call)(struct fx *f);
	int (*prepare)(struct fx *f);	/* run before the sweep, not swept */
	bool multi;			/* the call is several API calls */
};

static int prep_rids_16_56(struct fx *f)
{
	for (int i = 16; i < 56; i++)
		CHECK(!pasid_mock_rid_add(f->admin, RID(i), 20), "rid add");
	return 0;
}

static int prep_attach(struct fx *f)
{
	return pasid_attach(f->p1, f->v1, RID(0));
}

static const struct scenario scenarios[] = {
	{ "alloc group, 1 RID", c_group1 },
	{ "alloc group, 3 RIDs", c_group3 },
	{ "alloc group, exact value shared with a disjoint group", c_group_exact_shared },
	{ "alloc group, exact value in a new index leaf", c_group_exact_far },
	{ "alloc group, 40 RIDs", c_group_many, prep_rids_16_56 },
	{ "alloc global", c_global },
	{ "alloc global, exact", c_global_exact },
	{ "extend 1 -> 2 RIDs", c_extend },
	{ "extend 1 -> 6 RIDs, one at a time", c_extend_again, NULL, true },
	{ "attach group", c_attach_group },
	{ "attach global", c_attach_global },
	{ "mock RID add", c_rid_add },
	{ "mock RID add x40 (table grows)", c_rid_add_many, NULL, true },
	{ "detach", c_detach, prep_attach },
	{ "free (with a binding)", c_free, prep_attach },
	{ "mock RID remove (with a group and binding)", c_rid_remove, prep_attach },
};

static char *state_text(struct pasid_ctx *ctx)
{
	struct snap s;
	char msg[256], *t;

	CHECK(!snap_take(ctx, &s), "list");
	CHECK(!snap_check(&s, true, msg, sizeof(msg)), "invariant: %s", msg);
	t = snap_text(&s);
	CHECK(t, "out of memory");
	snap_free(&s);
	return t;
}

static unsigned int count_events(struct pasid_ctx *ctx)
{
	int n = pasid_ctx_dispatch_events(ctx, ignore_event, NULL);

	CHECK(n >= 0, "dispatch: %d", n);
	return (unsigned int)n;
}

/* Sweep one scenario; return the number of injected failures survived. */
static unsigned int sweep(const struct scenario *sc)
{
	unsigned int n;
	struct fx f;

	for (n = 1; n < MAX_SWEEP; n++) {
		char *before, *after;
		int err;

		/*
		 * Multi-call scenarios keep the calls that succeeded before the
		 * injected failure, so each injection gets a fresh fixture.
		 */
		fx_setup(&f);
		if (sc->prepare)
			CHECK(!sc->prepare(&f), "%s: prepare", sc->name);
		count_events(f.admin);
		before = state_text(f.admin);
		pasid_test_fail_nth((long)n);
		err = sc->call(&f);
		pasid_test_fail_nth(0);
		if (!err) {
			free(before);
			fx_teardown(&f);
			return n - 1;
		}
		CHECK(err == -ENOMEM, "%s: allocation %u failed: got %d (%s), not -ENOMEM",
		      sc->name, n, err, strerror(-err));
		CHECK(f.caller && *pasid_ctx_last_error(f.caller),
		      "%s: allocation %u failed: -ENOMEM without a message", sc->name, n);
		if (!sc->multi) {
			after = state_text(f.admin);
			CHECK(!strcmp(before, after),
			      "%s: allocation %u failed and the state changed:\n"
			      "--- before\n%s--- after\n%s", sc->name, n, before, after);
			CHECK(count_events(f.admin) == 0, "%s: allocation %u failed and an event "
			      "was sent", sc->name, n);
			free(after);
		}
		free(before);
		fx_teardown(&f);
	}
	FAIL("%s: still failing after %u injected allocation failures", sc->name, n);
}

/* The first context creates the platform: its RID table may fail too. */
static unsigned int sweep_ctx_new(void)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };

	for (unsigned int n = 1; n < MAX_SWEEP; n++) {
		struct pasid_ctx *ctx = NULL;
		int err;

		pasid_test_fail_nth((long)n);
		err = pasid_ctx_new(&o, &ctx);
		pasid_test_fail_nth(0);
		if (!err) {
			pasid_ctx_unref(ctx);
			return n - 1;
		}
		CHECK(err == -ENOMEM, "pasid_ctx_new: allocation %u: got %d, not -ENOMEM", n, err);
		CHECK(!ctx, "pasid_ctx_new failed but returned a context");
		CHECK(*pasid_strerror_last(), "pasid_ctx_new: -ENOMEM without a message");
	}
	FAIL("pasid_ctx_new: still failing after %d injections", MAX_SWEEP);
}

int main(void)
{
	unsigned int total = 0, n;
	size_t i;

	n = sweep_ctx_new();
	printf("  %-55s %3u injected failures survived\n", "first pasid_ctx_new (platform)", n);
	total += n;
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		n = sweep(&scenarios[i]);
		printf("  %-55s %3u injected failures survived\n", scenarios[i].name, n);
		total += n;
	}
	printf("test-failnth: OK: %zu calls swept, %u injected allocation failures, each "
	       "-ENOMEM with nothing changed\n", i + 1, total);
	return 0;
}
