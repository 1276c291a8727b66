// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * multi.c - several processes: isolation, owner death, concurrency.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* Two processes cannot touch each other's PASIDs. */
static void test_isolation(void)
{
	int p2c[2], c2p[2], fd = kt_open(), st;
	uint32_t rids[] = { 0x100, 0x200 }, v = 0, g = 0, res[8];
	pid_t pid;

	KT_OK(kt_alloc_group(fd, rids, 2, 0, &v));
	KT_OK(kt_alloc_global(fd, 0, &g));
	KT_OK(kt_attach(fd, v, 0x100));
	if (pipe(p2c) || pipe(c2p))
		abort();
	pid = fork();
	if (pid == 0) {
		int cfd = kt_open();
		uint32_t vals[2], cg = 0, w;

		read_full(p2c[0], vals, sizeof(vals));
		res[0] = -kt_free(cfd, vals[0]);
		res[1] = -kt_extend(cfd, vals[0], 0x201);
		res[2] = -kt_attach(cfd, vals[0], 0x200);
		res[3] = -kt_detach(cfd, vals[0], 0x100);
		res[4] = -kt_free(cfd, vals[1]);
		res[5] = -kt_alloc_global(cfd, 0, &cg);
		res[6] = cg;
		w = vals[0];
		res[7] = -kt_alloc_group(cfd, rids, 1, PASID_CMD_ALLOC_EXACT, &w);
		if (write(c2p[1], res, sizeof(res)) != sizeof(res))
			_exit(3);
		_exit(0);
	}
	{
		uint32_t vals[2] = { v, g };

		if (write(p2c[1], vals, sizeof(vals)) != sizeof(vals))
			abort();
	}
	KT_CHECK(read_full(c2p[0], res, sizeof(res)) == 0, "child result");
	waitpid(pid, &st, 0);
	KT_CHECK(res[0] == EPERM, "child free: %u", res[0]);
	KT_CHECK(res[1] == EPERM, "child extend: %u", res[1]);
	KT_CHECK(res[2] == EPERM, "child attach: %u", res[2]);
	KT_CHECK(res[3] == EPERM, "child detach: %u", res[3]);
	KT_CHECK(res[4] == EPERM, "child free of our global: %u", res[4]);
	KT_CHECK(res[5] == 0 && res[6] != g && res[6] != v,
		 "child global: err %u value %u (ours %u, group %u)", res[5], res[6], g, v);
	KT_CHECK(res[7] == EBUSY, "child exact on our RID: %u", res[7]);
	/* ours are intact */
	KT_ERR(kt_attach(fd, v, 0x100), -EALREADY);
	KT_OK(kt_free(fd, v));
	KT_OK(kt_free(fd, g));
	close(p2c[0]);
	close(p2c[1]);
	close(c2p[0]);
	close(c2p[1]);
	close(fd);
}

/* kill -9 of an owner frees everything it held; checked through the dump. */
static void test_owner_death(struct kt_nl *nl)
{
	static struct kt_alloc dumpbuf[512];
	struct pasid_cmd_get_info before, after;
	int c2p[2], fd = kt_open(), st, n, i, mine = 0;
	uint32_t ready;
	pid_t pid;

	KT_OK(kt_info(fd, &before));
	if (pipe(c2p))
		abort();
	pid = fork();
	if (pid == 0) {
		int cfd = kt_open(), cfd2 = kt_open();
		uint32_t rid[4] = { 0x100, 0x200, 0x201, 0x10300 }, v, k, g = 0;

		/* first: the global must fit the 4-bit RID, groups fill 1..15 */
		if (kt_alloc_global(cfd, 0, &g) || kt_alloc_global(cfd2, 0, &g) ||
		    kt_attach(cfd, g, 0x101))
			_exit(6);
		for (k = 0; k < 60; k++) {
			v = 0;
			if (kt_alloc_group(k & 1 ? cfd : cfd2, &rid[k % 3], 1 + (k % 2), 0, &v))
				_exit(4);
			if (k % 5 == 0)
				kt_attach(k & 1 ? cfd : cfd2, v, rid[k % 3]);
		}
		ready = 1;
		if (write(c2p[1], &ready, sizeof(ready)) != sizeof(ready))
			_exit(5);
		for (;;)
			pause();
	}
	KT_CHECK(read_full(c2p[0], &ready, sizeof(ready)) == 0, "child ready");
	n = kt_nl_allocs(nl, dumpbuf, 512);
	for (i = 0; i < n; i++)
		mine += dumpbuf[i].pid == pid;
	KT_CHECK(mine == 61, "dump before kill: %d allocations of pid %d, want 61", mine, pid);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	KT_CHECK(WIFSIGNALED(st), "child not killed");

	n = kt_nl_allocs(nl, dumpbuf, 512);
	KT_CHECK(n >= 0, "dump after kill: %d", n);
	for (i = 0; i < n; i++)
		KT_CHECK(dumpbuf[i].pid != pid, "value %u of dead pid %d still listed",
			 dumpbuf[i].value, pid);
	KT_OK(kt_info(fd, &after));
	KT_CHECK(after.out_nr_groups == before.out_nr_groups &&
		 after.out_nr_globals == before.out_nr_globals &&
		 after.out_nr_held == before.out_nr_held &&
		 after.out_nr_owners == before.out_nr_owners,
		 "after kill: groups %u/%u globals %u/%u held %u/%u owners %u/%u",
		 after.out_nr_groups, before.out_nr_groups, after.out_nr_globals,
		 before.out_nr_globals, after.out_nr_held, before.out_nr_held,
		 after.out_nr_owners, before.out_nr_owners);
	{
		struct kt_rid rids[16];
		int m = kt_nl_rids(nl, rids, 16);

		for (i = 0; i < m; i++)
			KT_CHECK(rids[i].nr_values == 0 && rids[i].nr_attached == 0,
				 "rid %#x: %u values %u attached after kill", rids[i].rid,
				 rids[i].nr_values, rids[i].nr_attached);
	}
	close(c2p[0]);
	close(c2p[1]);
	close(fd);
}

#define KT_PROCS	4
#define KT_PER_PROC	300

/* Concurrent allocation never hands out a value twice on a RID. */
static void test_concurrent(void)
{
	static uint32_t all[KT_PROCS][KT_PER_PROC];
	static unsigned char seen[1 << 16];
	int pipes[KT_PROCS][2], p, k, st;
	pid_t pids[KT_PROCS];

	for (p = 0; p < KT_PROCS; p++) {
		if (pipe(pipes[p]))
			abort();
		pids[p] = fork();
		if (pids[p] == 0) {
			int cfd = kt_open();
			/* every group names 0x200; some also 0x201 */
			uint32_t rids[2] = { 0x200, 0x201 }, out[KT_PER_PROC];

			for (k = 0; k < KT_PER_PROC; k++) {
				out[k] = 0;
				if (kt_alloc_group(cfd, rids, 1 + ((k + p) & 1), 0, &out[k]))
					out[k] = 0;
				if (k % 7 == 3 && out[k - 1]) {
					/* churn: free one and take another */
					kt_free(cfd, out[k - 1]);
					out[k - 1] = 0;
				}
			}
			if (write(pipes[p][1], out, sizeof(out)) != sizeof(out))
				_exit(3);
			/* hold everything until the parent has checked */
			pause();
			_exit(0);
		}
	}
	for (p = 0; p < KT_PROCS; p++)
		KT_CHECK(read_full(pipes[p][0], all[p], sizeof(all[p])) == 0, "proc %d", p);
	memset(seen, 0, sizeof(seen));
	for (p = 0; p < KT_PROCS; p++) {
		for (k = 0; k < KT_PER_PROC; k++) {
			uint32_t v = all[p][k];

			if (!v)
				continue;
			KT_CHECK(v < (1u << 16), "value %u does not fit RID 0x200", v);
			if (v < (1u << 16)) {
				KT_CHECK(!seen[v], "value %u handed out twice on RID 0x200", v);
				seen[v] = 1;
			}
		}
	}
	for (p = 0; p < KT_PROCS; p++) {
		kill(pids[p], SIGKILL);
		waitpid(pids[p], &st, 0);
		close(pipes[p][0]);
		close(pipes[p][1]);
	}
}

int kt_multi(int argc, char **argv)
{
	struct kt_nl *nl = kt_nl_open();
	int fd = kt_open();

	kt_mock_topology(fd);
	test_isolation();
	if (nl)
		test_owner_death(nl);
	test_concurrent();
	kt_mock_clear(fd);
	close(fd);
	kt_nl_close(nl);
	return 0;
}
