// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * load.c - N processes x M threads hammer /dev/pasid (alloc, global, extend,
 * free, attach, detach) for a bounded time while the parent kills a child
 * with SIGKILL now and then and respawns it, and checks through the genl dump,
 * again and again, that no value is ever held twice on a RID, that no group
 * uses a live global value and that every value fits its RIDs. Afterwards
 * everything must be free.
 *
 * A dump is read in several netlink messages while the load runs, so one
 * allocation may be sent twice when its value's chain changes between two
 * messages; identical entries (value, owner, RIDs) are therefore counted
 * once. Two different allocations of one value on one RID are a failure.
 *
 *   pasid-ktest load SECONDS PROCS THREADS
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ktest.h"

#define LOAD_MAX_PROCS	8
#define LOAD_HELD	24
#define LOAD_DUMP_MAX	2048

static const uint32_t load_rids[] = { 0x0100, 0x0200, 0x0201, 0x10300 };
#define NR_LOAD_RIDS (sizeof(load_rids) / sizeof(load_rids[0]))

struct load_shared {
	atomic_ulong ops[LOAD_MAX_PROCS];
	atomic_int stop;
};

static struct load_shared *shared;

struct worker {
	int fd, proc;
	uint64_t rng;
};

static uint32_t rnd(struct worker *w, uint32_t n)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (uint32_t)(w->rng >> 11) % n;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	uint32_t held[LOAD_HELD] = { 0 }, v, rids[NR_LOAD_RIDS];
	unsigned int n, i;

	while (!atomic_load(&shared->stop)) {
		uint32_t slot = rnd(w, LOAD_HELD), op = rnd(w, 100);

		if (op < 35 && !held[slot]) {
			for (n = 0, i = 0; i < NR_LOAD_RIDS; i++)
				if (rnd(w, 2))
					rids[n++] = load_rids[i];
			if (!n)
				rids[n++] = load_rids[rnd(w, NR_LOAD_RIDS)];
			if (kt_alloc_group(w->fd, rids, n, 0, &v) == 0)
				held[slot] = v;
		} else if (op < 40) {
			kt_alloc_global(w->fd, 0, &v);	/* shared by the process's threads */
		} else if (op < 55 && held[slot]) {
			kt_extend(w->fd, held[slot], load_rids[rnd(w, NR_LOAD_RIDS)]);
		} else if (op < 70 && held[slot]) {
			kt_attach(w->fd, held[slot], load_rids[rnd(w, NR_LOAD_RIDS)]);
		} else if (op < 80 && held[slot]) {
			kt_detach(w->fd, held[slot], load_rids[rnd(w, NR_LOAD_RIDS)]);
		} else if (held[slot]) {
			kt_free(w->fd, held[slot]);
			held[slot] = 0;
		}
		atomic_fetch_add_explicit(&shared->ops[w->proc], 1, memory_order_relaxed);
	}
	return NULL;
}

static void child(int proc, int threads)
{
	struct worker w[16];
	pthread_t t[16];
	int fd = kt_open(), i;

	for (i = 0; i < threads && i < 16; i++) {
		w[i] = (struct worker){ .fd = fd, .proc = proc,
					.rng = (uint64_t)getpid() * 2654435761u + (uint64_t)i + 1 };
		pthread_create(&t[i], NULL, worker_fn, &w[i]);
	}
	for (i = 0; i < threads && i < 16; i++)
		pthread_join(t[i], NULL);
	_exit(0);
}

static pid_t spawn(int proc, int threads)
{
	pid_t pid = fork();

	if (pid == 0)
		child(proc, threads);
	return pid;
}

static bool same_entry(const struct kt_alloc *a, const struct kt_alloc *b)
{
	return a->value == b->value && a->pid == b->pid && a->nr_rids == b->nr_rids &&
	       !memcmp(a->rids, b->rids, a->nr_rids * sizeof(a->rids[0]));
}

static unsigned int width_of(uint32_t rid)
{
	switch (rid) {
	case 0x0100:
		return 20;
	case 0x0200:
	case 0x0201:
		return 16;
	default:
		return 10;
	}
}

/* One dump checked; returns the number of (RID, value) pairs checked. */
static unsigned long check_dump(struct kt_nl *nl, struct kt_alloc *buf)
{
	unsigned long pairs = 0;
	int n = kt_nl_allocs(nl, buf, LOAD_DUMP_MAX), i, j;
	uint32_t k, m;

	/* a consistent snapshot could not be had (kept changing): nothing to check */
	if (n == -EAGAIN)
		return 0;
	KT_CHECK(n >= 0, "dump under load: %d", n);
	for (i = 0; i < n; i++) {
		const struct kt_alloc *a = &buf[i];

		for (j = i + 1; j < n && buf[j].value == a->value; j++) {
			const struct kt_alloc *b = &buf[j];

			if (same_entry(a, b))
				continue;
			KT_CHECK(a->intent != PASID_NL_INTENT_GLOBAL_ENQCMD &&
					 b->intent != PASID_NL_INTENT_GLOBAL_ENQCMD,
				 "global value %u shared (pids %d, %d)", a->value, a->pid, b->pid);
			for (k = 0; k < a->nr_rids; k++)
				for (m = 0; m < b->nr_rids; m++)
					KT_CHECK(a->rids[k] != b->rids[m],
						 "value %u twice on RID %#x (pids %d, %d)",
						 a->value, a->rids[k], a->pid, b->pid);
		}
		for (k = 0; k < a->nr_rids; k++, pairs++)
			KT_CHECK(a->value < (1u << width_of(a->rids[k])),
				 "value %u does not fit RID %#x", a->value, a->rids[k]);
	}
	return pairs;
}

int kt_load(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 5, procs = argc > 2 ? atoi(argv[2]) : 4;
	int threads = argc > 3 ? atoi(argv[3]) : 4, fd = kt_open(), p, st;
	unsigned long dumps = 0, pairs = 0, kills = 0, ops = 0;
	struct kt_alloc *buf = calloc(LOAD_DUMP_MAX, sizeof(*buf));
	struct kt_nl *nl = kt_nl_open();
	struct pasid_cmd_get_info info;
	pid_t pids[LOAD_MAX_PROCS];
	time_t end;

	if (procs > LOAD_MAX_PROCS)
		procs = LOAD_MAX_PROCS;
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	KT_CHECK(shared != MAP_FAILED && buf && nl, "setup");
	if (shared == MAP_FAILED || !buf || !nl)
		return 0;
	kt_mock_topology(fd);
	for (p = 0; p < procs; p++)
		pids[p] = spawn(p, threads);
	end = time(NULL) + secs;
	while (time(NULL) < end) {
		pairs += check_dump(nl, buf);
		if (++dumps % 8 == 0) {
			/* owner death under load: it must free all it held */
			p = (int)(dumps / 8) % procs;
			kill(pids[p], SIGKILL);
			waitpid(pids[p], &st, 0);
			pids[p] = spawn(p, threads);
			kills++;
		}
	}
	atomic_store(&shared->stop, 1);
	for (p = 0; p < procs; p++) {
		waitpid(pids[p], &st, 0);
		KT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "worker %d exit %d", p, st);
		ops += atomic_load(&shared->ops[p]);
	}
	/* every worker is gone, and this file holds nothing: all must be free */
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_groups == 0 && info.out_nr_globals == 0 && info.out_nr_values == 0,
		 "after the load: groups %u globals %u values %u", info.out_nr_groups,
		 info.out_nr_globals, info.out_nr_values);
	KT_CHECK(dumps > 0 && ops > 0, "no load ran");
	printf("# load: %d procs x %d threads, %lu operations, %lu dumps with %lu (RID, value) "
	       "pairs checked (%lu torn dumps read again), %lu owners killed with SIGKILL\n",
	       procs, threads, ops, dumps, pairs, kt_nl_torn, kills);
	kt_mock_clear(fd);
	close(fd);
	kt_nl_close(nl);
	free(buf);
	munmap(shared, sizeof(*shared));
	return 0;
}
