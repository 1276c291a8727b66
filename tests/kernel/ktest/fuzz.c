// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz.c - a bounded, seeded random-ioctl fuzzer: random command numbers,
 * sizes, flags, values, RIDs and pointers, several owners, fail-nth armed
 * now and then. The kernel must neither crash nor leak: afterwards nothing
 * may be held (checked here and again by "idle" before rmmod).
 * Usage: fuzz [SEED [ITERATIONS [par|nobody]]]; with "par" several fuzzers
 * run at once against the same module and the caller checks the end state;
 * with "nobody" the calls are made as uid 65534 given /dev/pasid (the test
 * commands must then all be refused: EPERM).
 */
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ktest.h"

static uint64_t rng;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 0x2545F4914F6CDD1DULL) >> 32);
}

static uint32_t pick(const uint32_t *set, size_t n)
{
	return set[rnd() % n];
}

int kt_fuzz(int argc, char **argv)
{
	static const uint32_t rid_set[] = { 0x100, 0x101, 0x102, 0x200, 0x201, 0x10300, 0x999,
					    0, 0xffffffff };
	static const uint32_t size_set[] = { 0, 1, 4, 8, 15, 16, 17, 24, 31, 32, 33, 40, 64, 72,
					     73, 80, 4096, 4097, 0xffffffff };
	unsigned long reqs[] = {
		PASID_IOC_GET_INFO, PASID_IOC_ALLOC, PASID_IOC_FREE, PASID_IOC_EXTEND,
		PASID_IOC_ATTACH, PASID_IOC_DETACH, PASID_IOC_TEST_CMD,
		_IO(PASID_TYPE, 0x87), _IOWR(PASID_TYPE, 0x81, int), 0x5401,
	};
	unsigned long iters = argc > 2 ? strtoul(argv[2], NULL, 0) : 20000;
	/* "par": several fuzzers run at once; the caller checks the end state */
	bool par = argc > 3 && !strcmp(argv[3], "par");
	bool nobody = argc > 3 && !strcmp(argv[3], "nobody");
	struct stat root_st, dev_st;
	pid_t child = -1;
	unsigned char *page, *ro;
	uint32_t values[64] = { 0 }, rids[16];
	int fds[3], i, crashes = 0;
	unsigned long it, ok = 0;
	struct pasid_cmd_get_info info;

	rng = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x5eed;
	if (!rng)
		rng = 1;
	printf("# fuzz seed %#llx, %lu iterations\n", (unsigned long long)rng, iters);

	page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || ro == MAP_FAILED)
		abort();
	munmap(page + 4096, 4096);	/* a hole right after the buffer */

	if (!par) {
		i = kt_open();
		kt_mock_topology(i);
		close(i);
	}
	if (nobody) {
		/* a granted user: / and /dev/pasid opened up for uid 65534 */
		if (stat("/", &root_st) || stat("/dev/pasid", &dev_st) || chmod("/", 0755) ||
		    chmod("/dev/pasid", 0666))
			abort();
		child = fork();
		if (child > 0) {
			int st;

			waitpid(child, &st, 0);
			chmod("/dev/pasid", dev_st.st_mode & 07777);
			chmod("/", root_st.st_mode & 07777);
			KT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fuzzer as uid 65534: %d",
				 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			it = iters;
			goto end;
		}
		if (child < 0 || setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(3);
	}
	for (i = 0; i < 3; i++)
		fds[i] = kt_open();

	for (it = 0; it < iters; it++) {
		int fd = fds[rnd() % 3], err;
		unsigned long req = reqs[rnd() % (sizeof(reqs) / sizeof(reqs[0]))];
		uint32_t *w = (uint32_t *)page, size, r = rnd() % 100;
		void *arg;
		unsigned int k, nr;

		memset(page, 0, 4096);
		/* mostly well-formed, sometimes random words */
		size = r < 70 ? 0 : pick(size_set, sizeof(size_set) / sizeof(size_set[0]));
		for (k = 0; k < 32; k++)
			w[k] = rnd() % 4 == 0 ? rnd() : 0;
		switch (req) {
		case PASID_IOC_ALLOC:
			w[0] = sizeof(struct pasid_cmd_alloc);
			w[1] = r < 80 ? (rnd() % 2 ? PASID_CMD_ALLOC_GROUP :
					 PASID_CMD_ALLOC_GLOBAL_ENQCMD) |
					(rnd() % 4 ? 0 : PASID_CMD_ALLOC_EXACT) : rnd();
			nr = rnd() % 4 ? 1 + rnd() % 3 : rnd() % 2000;
			w[2] = w[1] & PASID_CMD_ALLOC_GLOBAL_ENQCMD && rnd() % 2 ? 0 : nr;
			w[3] = r < 90 ? 0 : rnd();
			for (k = 0; k < 16; k++)
				rids[k] = pick(rid_set, sizeof(rid_set) / sizeof(rid_set[0]));
			switch (rnd() % 8) {
			case 0: *(uint64_t *)&w[4] = 0; break;
			case 1: *(uint64_t *)&w[4] = (uintptr_t)(page + 4096 - 4); break;
			case 2: *(uint64_t *)&w[4] = (uintptr_t)ro; break;
			case 3: *(uint64_t *)&w[4] = rnd() | (uint64_t)rnd() << 32; break;
			default: *(uint64_t *)&w[4] = (uintptr_t)rids; break;
			}
			if (w[1] & PASID_CMD_ALLOC_GLOBAL_ENQCMD && rnd() % 2)
				*(uint64_t *)&w[4] = 0;
			w[6] = rnd() % 3 ? rnd() % 300 : rnd();
			w[7] = r < 90 ? 0 : rnd();
			break;
		case PASID_IOC_FREE:
		case PASID_IOC_EXTEND:
		case PASID_IOC_ATTACH:
		case PASID_IOC_DETACH:
			w[0] = 16;
			w[1] = r < 90 ? 0 : rnd();
			w[2] = rnd() % 4 ? values[rnd() % 64] : rnd() % 5 ? rnd() % 300 : rnd();
			w[3] = req == PASID_IOC_FREE ? (r < 90 ? 0 : rnd()) :
			       pick(rid_set, sizeof(rid_set) / sizeof(rid_set[0]));
			break;
		case PASID_IOC_TEST_CMD:
			w[0] = sizeof(struct pasid_cmd_test);
			w[1] = r < 95 ? 0 : rnd();
			w[2] = rnd() % 6;
			w[3] = pick(rid_set, sizeof(rid_set) / sizeof(rid_set[0]));
			w[4] = rnd() % 24;
			w[5] = 0;
			if (w[2] == PASID_TEST_OP_SET_FAIL_NTH) {
				w[3] = w[4] = 0;
				w[5] = rnd() % 8 ? 1 + rnd() % 6 : 0;
			} else if (w[2] == PASID_TEST_OP_RID_REMOVE && rnd() % 4) {
				w[2] = PASID_TEST_OP_RID_ADD;	/* removals are rarer */
			}
			break;
		default:
			w[0] = 72;
			break;
		}
		if (size)
			w[0] = size;
		switch (rnd() % 16) {
		case 0: arg = NULL; break;
		case 1: arg = ro; break;
		case 2: arg = page + 4096 - 8; break;	/* the struct runs into the hole */
		case 3: arg = (void *)(uintptr_t)(rnd() | (uint64_t)rnd() << 32); break;
		default: arg = page; break;
		}
		err = ioctl(fd, req, arg) ? -errno : 0;
		if (nobody && req == PASID_IOC_TEST_CMD && arg == page &&
		    (w[2] == PASID_TEST_OP_RID_ADD || w[2] == PASID_TEST_OP_RID_REMOVE ||
		     w[2] == PASID_TEST_OP_SET_FAIL_NTH) && err != -EPERM && err != -EINVAL &&
		    err != -E2BIG) {
			KT_CHECK(0, "iteration %lu: uid 65534's test op %u gave %d", it, w[2], err);
			crashes++;
		}
		if (!err) {
			ok++;
			if (req == PASID_IOC_ALLOC && arg == page)
				values[rnd() % 64] = w[6];
		} else if (err != -EINVAL && err != -E2BIG && err != -EFAULT && err != -ENOTTY &&
			   err != -ENOENT && err != -EPERM && err != -ENODEV && err != -ERANGE &&
			   err != -EEXIST && err != -EBUSY && err != -ENOSPC && err != -EALREADY &&
			   err != -ENOMEM && err != -EOPNOTSUPP && err != -EDQUOT) {
			KT_CHECK(0, "iteration %lu: undocumented errno %d", it, err);
			crashes++;
			if (crashes > 10)
				break;
		}
		/* now and then an owner goes away and comes back */
		if (rnd() % 500 == 0) {
			int j = rnd() % 3;

			close(fds[j]);
			fds[j] = kt_open();
		}
	}
	kt_fail_nth(fds[0], 0);
	printf("# fuzz%s: %lu calls, %lu succeeded\n", nobody ? " (uid 65534)" : "", it, ok);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	if (child == 0)
		_exit(kt_failures ? 1 : 0);
end:
	if (par)
		return 0;

	i = kt_open();
	KT_OK(kt_info(i, &info));
	KT_CHECK(info.out_nr_groups == 0 && info.out_nr_globals == 0 && info.out_nr_held == 0 &&
		 info.out_nr_values == 0 && info.out_nr_owners == 1,
		 "after fuzz: groups %u globals %u values %u held %u owners %u",
		 info.out_nr_groups, info.out_nr_globals, info.out_nr_values,
		 info.out_nr_held, info.out_nr_owners);
	/* the fuzzer added RIDs at random: remove every RID the dump lists */
	{
		struct kt_nl *nl = kt_nl_open();
		struct kt_rid *all = calloc(4096, sizeof(*all));
		int n = nl && all ? kt_nl_rids(nl, all, 4096) : 0, j;

		for (j = 0; j < n; j++)
			KT_OK(kt_rid_remove(i, all[j].rid));
		free(all);
		kt_nl_close(nl);
	}
	close(i);
	return 0;
}
