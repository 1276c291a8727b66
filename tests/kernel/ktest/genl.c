// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * genl.c - the "pasid" generic netlink family: dumps equal what was
 * allocated, and a subscriber receives every event kind.
 */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

struct expect {
	uint32_t value, intent, nr_rids, rids[4], nr_att, att[4];
};

static void check_dump(struct kt_nl *nl, const struct expect *exp, int nexp)
{
	static struct kt_alloc got[64];
	int n = kt_nl_allocs(nl, got, 64), i, j, k;

	KT_CHECK(n == nexp, "dump has %d allocations, want %d", n, nexp);
	for (i = 1; i < n; i++)
		KT_CHECK(got[i - 1].value <= got[i].value, "dump not ordered by value");
	for (i = 0; i < nexp; i++) {
		const struct expect *e = &exp[i];
		struct kt_alloc *a = NULL;
		uint32_t att[64];

		for (j = 0; j < n; j++)
			if (got[j].value == e->value && got[j].intent == e->intent &&
			    (!e->nr_rids || (got[j].nr_rids && got[j].rids[0] == e->rids[0])))
				a = &got[j];
		KT_CHECK(a, "value %u (intent %u) missing from the dump", e->value, e->intent);
		if (!a)
			continue;
		KT_CHECK(a->pid == getpid(), "value %u: pid %d", a->value, a->pid);
		KT_CHECK(!strcmp(a->comm, "pasid-ktest"), "value %u: comm '%s'", a->value, a->comm);
		KT_CHECK(a->mock && (a->flags & PASID_NL_F_MOCK), "value %u not marked mock",
			 a->value);
		KT_CHECK(a->flags & PASID_NL_F_OWN_PROCESS, "value %u not marked own", a->value);
		KT_CHECK(a->nr_rids == e->nr_rids, "value %u: %u rids, want %u", a->value,
			 a->nr_rids, e->nr_rids);
		for (k = 0; k < (int)e->nr_rids && k < (int)a->nr_rids; k++)
			KT_CHECK(a->rids[k] == e->rids[k], "value %u rid[%d] %#x want %#x",
				 a->value, k, a->rids[k], e->rids[k]);
		KT_CHECK(a->nr_att == e->nr_att, "value %u: %u attached, want %u", a->value,
			 a->nr_att, e->nr_att);
		memcpy(att, a->att, a->nr_att * 4);
		qsort(att, a->nr_att, 4, cmp_u32);
		for (k = 0; k < (int)e->nr_att && k < (int)a->nr_att; k++)
			KT_CHECK(att[k] == e->att[k], "value %u att[%d] %#x want %#x", a->value,
				 k, att[k], e->att[k]);
		if (e->intent == PASID_NL_INTENT_GLOBAL_ENQCMD)
			KT_CHECK(a->nr_owners == 2, "global owners %u", a->nr_owners);
	}
}

static void test_dump(struct kt_nl *nl)
{
	int fd = kt_open(), fd2 = kt_open();
	uint32_t r1[] = { 0x100 }, r3[] = { 0x201, 0x100, 0x200 }, r2[] = { 0x10300, 0x101 };
	uint32_t a = 0, b = 0, c = 0, d, g = 0;
	struct expect exp[5];
	struct kt_rid rids[16];
	int n, i;

	KT_OK(kt_alloc_group(fd, r1, 1, 0, &a));
	KT_OK(kt_alloc_group(fd, r3 + 1, 2, 0, &b));	/* 0x100 0x200 */
	KT_OK(kt_extend(fd, b, 0x201));
	KT_OK(kt_alloc_group(fd2, r2, 2, 0, &c));
	d = a;					/* same value on a disjoint group */
	KT_OK(kt_alloc_group(fd2, r2, 1, PASID_CMD_ALLOC_EXACT, &d));
	KT_OK(kt_alloc_global(fd, 0, &g));
	KT_OK(kt_alloc_global(fd2, 0, &g));
	KT_OK(kt_attach(fd, b, 0x200));
	KT_OK(kt_attach(fd, b, 0x100));
	KT_OK(kt_attach(fd, g, 0x102));

	exp[0] = (struct expect){ a, 1, 1, { 0x100 }, 0, { 0 } };
	exp[1] = (struct expect){ b, 1, 3, { 0x100, 0x200, 0x201 }, 2, { 0x100, 0x200 } };
	exp[2] = (struct expect){ c, 1, 2, { 0x101, 0x10300 }, 0, { 0 } };
	exp[3] = (struct expect){ d, 1, 1, { 0x10300 }, 0, { 0 } };
	exp[4] = (struct expect){ g, 2, 0, { 0 }, 1, { 0x102 } };
	check_dump(nl, exp, 5);

	n = kt_nl_rids(nl, rids, 16);
	KT_CHECK(n == 6, "rid dump: %d", n);
	for (i = 0; i < n; i++) {
		struct kt_rid *r = &rids[i];

		KT_CHECK(r->mock, "rid %#x not mock", r->rid);
		switch (r->rid) {
		case 0x100:
			KT_CHECK(r->width == 20 && r->nr_values == 2 && r->nr_attached == 1,
				 "0x100: w %u v %u a %u", r->width, r->nr_values, r->nr_attached);
			break;
		case 0x102:
			KT_CHECK(r->width == 4 && r->nr_values == 0 && r->nr_attached == 1,
				 "0x102: w %u v %u a %u", r->width, r->nr_values, r->nr_attached);
			break;
		case 0x10300:
			KT_CHECK(r->width == 10 && r->nr_values == 2 && r->nr_attached == 0,
				 "0x10300: w %u v %u a %u", r->width, r->nr_values,
				 r->nr_attached);
			break;
		}
	}

	/* unplug 0x200: dropped from b, its binding there gone */
	KT_OK(kt_rid_remove(fd, 0x200));
	exp[1] = (struct expect){ b, 1, 2, { 0x100, 0x201 }, 1, { 0x100 } };
	check_dump(nl, exp, 5);
	KT_ERR(kt_attach(fd, b, 0x200), -ENODEV);
	KT_ERR(kt_extend(fd, b, 0x200), -ENODEV);
	KT_OK(kt_rid_add(fd, 0x200, 16));

	close(fd);
	close(fd2);
	n = kt_nl_allocs(nl, (struct kt_alloc *)calloc(4, sizeof(struct kt_alloc)), 4);
	KT_CHECK(n == 0, "dump after close: %d", n);
}

/* A big group goes through the dump whole (one 4 KiB attribute). */
static void test_big_group(struct kt_nl *nl)
{
	static uint32_t rids[PASID_UAPI_MAX_GROUP_RIDS];
	static struct kt_alloc got[2];
	int fd = kt_open(), i, n;
	uint32_t v = 0;

	for (i = 0; i < PASID_UAPI_MAX_GROUP_RIDS; i++) {
		rids[i] = 0x800000 + i;
		KT_OK(kt_rid_add(fd, rids[i], 12));
	}
	KT_OK(kt_alloc_group(fd, rids, PASID_UAPI_MAX_GROUP_RIDS, 0, &v));
	n = kt_nl_allocs(nl, got, 2);
	KT_CHECK(n == 1 && got[0].nr_rids == PASID_UAPI_MAX_GROUP_RIDS,
		 "big group dump: n %d rids %u", n, n > 0 ? got[0].nr_rids : 0);
	KT_ERR(kt_extend(fd, v, 0x100), -E2BIG);
	close(fd);
	fd = kt_open();
	for (i = 0; i < PASID_UAPI_MAX_GROUP_RIDS; i++)
		KT_OK(kt_rid_remove(fd, rids[i]));
	close(fd);
}

static int has_event(const struct kt_event *ev, int n, uint32_t type, uint32_t intent,
		     uint32_t value, uint32_t rid)
{
	int i;

	for (i = 0; i < n; i++)
		if (ev[i].type == type && ev[i].intent == intent && ev[i].value == value &&
		    ev[i].rid == rid && ev[i].mock)
			return 1;
	return 0;
}

static void test_events(void)
{
	static struct kt_event ev[256];
	struct kt_nl *sub = kt_nl_open();
	int fd = kt_open(), n, i;
	uint32_t r[] = { 0x100 }, v = 0, g = 0;

	if (!sub)
		return;
	KT_OK(kt_nl_subscribe(sub));
	KT_OK(kt_alloc_group(fd, r, 1, 0, &v));				/* alloc */
	KT_OK(kt_extend(fd, v, 0x200));					/* extend */
	KT_OK(kt_attach(fd, v, 0x200));					/* attach */
	KT_OK(kt_detach(fd, v, 0x200));					/* detach */
	KT_OK(kt_rid_add(fd, 0x4242, 9));				/* rid add */
	KT_OK(kt_extend(fd, v, 0x4242));
	KT_OK(kt_attach(fd, v, 0x4242));
	KT_OK(kt_rid_remove(fd, 0x4242));				/* revoke, rid rm */
	KT_OK(kt_alloc_global(fd, 0, &g));
	KT_OK(kt_free(fd, v));						/* free */
	KT_OK(kt_free(fd, g));

	n = kt_nl_events(sub, ev, 256, 1000);
	KT_CHECK(n >= 13, "%d events", n);
	/* the actor's pid only from 6.7 (GENL_MCAST_CAP_SYS_ADMIN); see hostile.c */
	for (i = 0; i < n; i++)
		KT_CHECK(!ev[i].value || ev[i].pid == (kt_kernel_at_least(6, 7) ? getpid() : 0),
			 "event %u pid %d", ev[i].type, ev[i].pid);
	KT_CHECK(has_event(ev, n, PASID_NL_EVENT_ALLOC, 1, v, 0x100), "no alloc event");
	KT_CHECK(has_event(ev, n, PASID_NL_EVENT_EXTEND, 1, v, 0x200), "no extend event");
	KT_CHECK(has_event(ev, n, PASID_NL_EVENT_ATTACH, 1, v, 0x200), "no attach event");
	KT_CHECK(has_event(ev, n, PASID_NL_EVENT_DETACH, 1, v, 0x200), "no detach event");
	KT_CHECK(has_event(ev, n, PASID_NL_EVENT_RID_ADD, 0, 0, 0x4242), "no rid-add event");
	KT_CHECK(has_event(ev, n, PASID_NL_EVENT_DETACH, 1, v, 0x4242),
		 "no detach on unplug");
	KT_CHECK(has_event(ev, n, PASID_NL_EVENT_REVOKE, 1, v, 0x4242), "no revoke event");
	KT_CHECK(has_event(ev, n, PASID_NL_EVENT_RID_REMOVE, 0, 0, 0x4242),
		 "no rid-remove event");
	KT_CHECK(has_event(ev, n, PASID_NL_EVENT_ALLOC, 2, g, 0), "no global alloc event");
	KT_CHECK(has_event(ev, n, PASID_NL_EVENT_FREE, 1, v, 0), "no free event");
	KT_CHECK(has_event(ev, n, PASID_NL_EVENT_FREE, 2, g, 0), "no global free event");
	close(fd);
	kt_nl_close(sub);
}

/*
 * Without CAP_SYS_ADMIN a dump shows other processes' allocations without
 * owner pid and comm, and the caller's own with them.
 */
static void test_visibility(void)
{
	int fd = kt_open(), p[2], st;
	uint32_t r = 0x100, mine = 0;
	pid_t pid;

	KT_OK(kt_alloc_group(fd, &r, 1, 0, &mine));
	if (pipe(p))
		abort();
	pid = fork();
	if (pid == 0) {
		static struct kt_alloc got[16];
		int cfd = kt_open(), n, i, bad = 0, seen_own = 0, seen_other = 0;
		uint32_t cv = 0, rr = 0x200;
		struct kt_nl *nl;

		/* nobody: no capabilities; /dev/pasid stays open */
		if (setgid(65534) || setuid(65534))
			_exit(10);
		if (kt_alloc_group(cfd, &rr, 1, 0, &cv))
			_exit(11);
		nl = kt_nl_open();
		if (!nl)
			_exit(12);
		n = kt_nl_allocs(nl, got, 16);
		for (i = 0; i < n; i++) {
			if (got[i].value == cv && got[i].rids[0] == 0x200) {
				seen_own = 1;
				bad |= got[i].pid != getpid() || strcmp(got[i].comm, "pasid-ktest") ||
				       !(got[i].flags & PASID_NL_F_OWN_PROCESS);
			} else {
				seen_other = 1;
				bad |= got[i].pid != 0 || got[i].comm[0] != 0 ||
				       (got[i].flags & PASID_NL_F_OWN_PROCESS);
			}
		}
		_exit(!seen_own ? 13 : !seen_other ? 14 : bad ? 15 : 0);
	}
	waitpid(pid, &st, 0);
	KT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		 "unprivileged dump: child status %d (13 own missing, 14 other missing, "
		 "15 owner details wrong)", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	KT_OK(kt_free(fd, mine));
	close(p[0]);
	close(p[1]);
	close(fd);
}

int kt_genl(int argc, char **argv)
{
	struct kt_nl *nl = kt_nl_open();
	int fd = kt_open();

	kt_mock_topology(fd);
	if (nl) {
		test_dump(nl);
		test_big_group(nl);
		test_events();
		test_visibility();
	}
	kt_mock_clear(fd);
	close(fd);
	kt_nl_close(nl);
	return 0;
}
