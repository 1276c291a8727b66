// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * failnth.c - fail-nth sweep: for each operation, fail its 1st, 2nd, ...
 * internal allocation until it runs through without hitting the armed
 * failure. Every injected failure must give -ENOMEM and leave the state
 * exactly as it was (counters and the genl dump); then the same operation
 * must still succeed.
 */
#include <stdlib.h>
#include <unistd.h>

#include "ktest.h"

struct snap {
	struct pasid_cmd_get_info info;
	int n;
	struct kt_alloc *a;
};

static void take(struct kt_nl *nl, int fd, struct snap *s)
{
	KT_OK(kt_info(fd, &s->info));
	if (!s->a)
		s->a = calloc(64, sizeof(*s->a));
	s->n = kt_nl_allocs(nl, s->a, 64);
}

static void same(const struct snap *x, const struct snap *y, const char *op, int nth)
{
	int i;

	KT_CHECK(x->info.out_nr_groups == y->info.out_nr_groups &&
		 x->info.out_nr_globals == y->info.out_nr_globals &&
		 x->info.out_nr_values == y->info.out_nr_values &&
		 x->info.out_nr_held == y->info.out_nr_held &&
		 x->info.out_nr_rids == y->info.out_nr_rids,
		 "%s fail-nth %d changed the counters", op, nth);
	KT_CHECK(x->n == y->n, "%s fail-nth %d: dump %d -> %d", op, nth, x->n, y->n);
	for (i = 0; i < x->n && i < y->n; i++)
		KT_CHECK(x->a[i].value == y->a[i].value && x->a[i].nr_rids == y->a[i].nr_rids &&
			 x->a[i].nr_att == y->a[i].nr_att &&
			 !memcmp(x->a[i].rids, y->a[i].rids, x->a[i].nr_rids * 4),
			 "%s fail-nth %d: allocation %u changed", op, nth, x->a[i].value);
}

enum op { OP_ALLOC_GROUP, OP_ALLOC_FRESH, OP_ALLOC_BIG, OP_ALLOC_GLOBAL, OP_ALLOC_GLOBAL_EXACT,
	  OP_EXTEND, OP_ATTACH, OP_RID_ADD };
static const char *const op_names[] = { "alloc-group", "alloc-fresh", "alloc-group-4",
					"alloc-global", "alloc-global-exact", "extend", "attach",
					"rid-add" };

/* Set up the state an op needs (not counted), return the value it works on. */
static uint32_t prepare(int fd, enum op op)
{
	uint32_t r = 0x200, v = 0;

	kt_mock_topology(fd);
	if (op == OP_ALLOC_GLOBAL_EXACT) {
		/* only 20-bit RIDs: a global may take any value */
		kt_rid_remove(fd, 0x101);
		kt_rid_remove(fd, 0x102);
		kt_rid_remove(fd, 0x200);
		kt_rid_remove(fd, 0x201);
		kt_rid_remove(fd, 0x10300);
	}
	if (op == OP_EXTEND || op == OP_ATTACH)
		KT_OK(kt_alloc_group(fd, &r, 1, 0, &v));
	return v;
}

static int run(int fd, enum op op, uint32_t v, int nth)
{
	/* values above the first index leaf, so the core needs a new one */
	uint32_t rids[4] = { 0x100, 0x200, 0x201, 0x10300 }, x = 5000;

	switch (op) {
	case OP_ALLOC_GROUP:
		return kt_alloc_group(fd, rids, 2, PASID_CMD_ALLOC_EXACT, &x);
	case OP_ALLOC_FRESH:
		/* a value in a bitmap page and an index leaf never used before */
		x = 33000u * (uint32_t)nth + 7;
		return kt_alloc_group(fd, rids, 1, PASID_CMD_ALLOC_EXACT, &x);
	case OP_ALLOC_BIG:
		x = 0;
		return kt_alloc_group(fd, rids, 4, 0, &x);
	case OP_ALLOC_GLOBAL:
		return kt_alloc_global(fd, 0, &x);
	case OP_ALLOC_GLOBAL_EXACT:
		/* in a bitmap page never used before: the lease allocates */
		x = 600000u + 33000u * (uint32_t)nth;
		return kt_alloc_global(fd, PASID_CMD_ALLOC_EXACT, &x);
	case OP_EXTEND:
		return kt_extend(fd, v, 0x201);
	case OP_ATTACH:
		return kt_attach(fd, v, 0x200);
	case OP_RID_ADD:
		return kt_rid_add(fd, 0x5000, 7);
	}
	return -EINVAL;
}

int kt_failnth(int argc, char **argv)
{
	struct kt_nl *nl = kt_nl_open();
	struct snap before = { 0 }, after = { 0 };
	int op, nth;

	if (!nl)
		return 0;
	for (op = OP_ALLOC_GROUP; op <= OP_RID_ADD; op++) {
		int hits = 0;

		for (nth = 1; nth < 64; nth++) {
			int fd = kt_open(), err;
			uint32_t v = prepare(fd, op), h0;

			if (op == OP_RID_ADD)
				kt_rid_remove(fd, 0x5000);
			take(nl, fd, &before);
			h0 = kt_fail_hits(fd);
			KT_OK(kt_fail_nth(fd, nth));
			err = run(fd, op, v, nth);
			KT_OK(kt_fail_nth(fd, 0));
			if (kt_fail_hits(fd) == h0) {
				/* ran through with fewer than nth allocations */
				KT_CHECK(err == 0, "%s without injection: %d", op_names[op], err);
				close(fd);
				break;
			}
			hits++;
			KT_CHECK(err == -ENOMEM, "%s fail-nth %d: %d, want -ENOMEM", op_names[op],
				 nth, err);
			take(nl, fd, &after);
			same(&before, &after, op_names[op], nth);
			/* and it still works */
			KT_OK(run(fd, op, v, nth));
			if (op == OP_RID_ADD)
				KT_OK(kt_rid_remove(fd, 0x5000));
			close(fd);
		}
		printf("# %s: %d error paths walked\n", op_names[op], hits);
		KT_CHECK(hits > 0 || op == OP_ALLOC_GLOBAL,
			 "%s: no allocation was ever failed", op_names[op]);
	}
	{
		int fd = kt_open();

		kt_mock_clear(fd);
		close(fd);
	}
	free(before.a);
	free(after.a);
	kt_nl_close(nl);
	return 0;
}
