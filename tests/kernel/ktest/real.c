// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * real.c - the module without mock=1 on a stock kernel in QEMU.
 *
 * QEMU's emulated VT-d is not SVA-capable and no emulated device has a PASID
 * capability, so there are no real RIDs. The module is loaded with
 * test_rids=0x100:8,0x200:20: two RIDs without a device whose values still
 * come from the kernel's allocator. What can be checked:
 *  6.1 (ioasid): the global ENQCMD value really comes from the kernel: it
 *    equals the PASID the kernel recorded for the mm (mm->pasid, read back by
 *    GET_INFO independently of the allocation path), a child process gets its
 *    own, and the kernel keeps it after FREE (it goes with the mm). Group
 *    values are held in the kernel's ioasid space: the kernel never gives
 *    them to an mm, and a value the kernel gave an mm is -EBUSY for EXACT.
 *  >= 6.6 (global IDA): every allocation is refused cleanly (-ENODEV: no
 *    PASID-capable device to ask), the module reports no global capability.
 * Neither kernel can do a real SVA bind here: ATTACH gives -EOPNOTSUPP.
 * Usage: pasid-ktest real ioasid|global-ida
 */
#include <sched.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

static void common(int fd, uint32_t kalloc)
{
	struct pasid_cmd_get_info info;
	uint32_t rid = 0, v = 0;

	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_mode == PASID_MODE_REAL, "mode %u", info.out_mode);
	KT_CHECK(info.out_kernel_alloc == kalloc, "kalloc %u, want %u", info.out_kernel_alloc,
		 kalloc);
	KT_CHECK(!(info.out_caps & PASID_CAP_TEST_CMD), "TEST_CMD cap in real mode");
	KT_CHECK(info.out_nr_rids == 2, "%u RIDs, want the 2 test RIDs", info.out_nr_rids);
	KT_CHECK(info.out_min_width == 8, "min width %u", info.out_min_width);
	KT_ERR(kt_rid_add(fd, 0x100, 8), -EOPNOTSUPP);
	KT_ERR(kt_fail_nth(fd, 1), -EOPNOTSUPP);
	KT_ERR(kt_alloc_group(fd, &rid, 1, 0, &v), -ENODEV);	/* 00:00.0: no PASID cap */
	rid = 0x100;
	v = 300;		/* test RID 0x100 is 8 bits wide */
	KT_ERR(kt_alloc_group(fd, &rid, 1, PASID_CMD_ALLOC_EXACT, &v), -ERANGE);
	rid = 0x0008;
	KT_ERR(kt_alloc_group(fd, &rid, 1, 0, &v), -ENODEV);
	KT_ERR(kt_attach(fd, 1, 0), -ENOENT);
	{
		struct kt_nl *nl = kt_nl_open();
		struct kt_rid r[4];
		int n = nl ? kt_nl_rids(nl, r, 4) : -1, i;

		KT_CHECK(n == 2, "rid dump: %d", n);
		for (i = 0; i < n; i++)
			KT_CHECK(r[i].mock && (r[i].rid == 0x100 || r[i].rid == 0x200),
				 "rid %#x mock %d", r[i].rid, r[i].mock);
		kt_nl_close(nl);
	}
}

/*
 * An idle CPU keeps the last user mm it ran as a lazy-TLB reference; run a
 * short task on every CPU so those references move on.
 */
static void poke_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN), cpu;

	for (cpu = 0; cpu < n; cpu++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			sched_setaffinity(0, sizeof(set), &set);
			sched_yield();
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, &st, 0);
	}
}

/* 6.1: group values held in the kernel's ioasid space, next to mm PASIDs. */
static void test_ioasid_groups(int fd, uint32_t mm_pasid)
{
	struct pasid_cmd_get_info info;
	uint32_t r1 = 0x100, r2 = 0x200, vals[10], child[3], w;
	int p2c[2], c2p[2], i, j, st;
	pid_t pid;

	for (i = 0; i < 10; i++) {
		vals[i] = 0;
		KT_OK(kt_alloc_group(fd, i & 1 ? &r1 : &r2, 1, 0, &vals[i]));
		KT_CHECK(vals[i] != mm_pasid, "group value %u is the mm PASID", vals[i]);
		for (j = 0; j < i; j++)
			KT_CHECK(vals[i] != vals[j], "group value %u twice (held values are "
				 "never reused while the source has more)", vals[i]);
	}
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_held == 10, "held %u, want 10 ioasid values", info.out_nr_held);
	KT_ERR(kt_attach(fd, vals[0], 0x200), -EOPNOTSUPP);	/* no real group bind */
	KT_ERR(kt_attach(fd, mm_pasid, 0x200), -EOPNOTSUPP);	/* test RID: no device */

	if (pipe(p2c) || pipe(c2p))
		abort();
	pid = fork();
	if (pid == 0) {
		struct pasid_cmd_get_info ci;
		int cfd = kt_open();
		uint32_t cv = 0;
		char c;

		child[0] = -kt_alloc_global(cfd, 0, &cv);
		child[1] = cv;
		kt_info(cfd, &ci);
		child[2] = ci.out_mm_pasid;
		if (write(c2p[1], child, sizeof(child)) != sizeof(child))
			_exit(3);
		if (read(p2c[0], &c, 1) < 0)	/* stay alive: keep the mm PASID */
			_exit(4);
		_exit(0);
	}
	if (read(c2p[0], child, sizeof(child)) != sizeof(child))
		memset(child, 0xff, sizeof(child));
	printf("# 10 group values held from ioasid; another process got mm PASID %u\n",
	       child[1]);
	KT_CHECK(child[0] == 0 && child[1] == child[2], "child: err %u value %u mm %u",
		 child[0], child[1], child[2]);
	for (i = 0; i < 10; i++)
		KT_CHECK(child[1] != vals[i], "the kernel gave an mm the shim's value %u",
			 vals[i]);
	w = child[1];
	KT_ERR(kt_alloc_group(fd, &r2, 1, PASID_CMD_ALLOC_EXACT, &w), -EBUSY);
	if (write(p2c[1], "x", 1) != 1)
		abort();
	waitpid(pid, &st, 0);
	/*
	 * The child's mm goes once its /dev/pasid file let go of it (mmdrop):
	 * the kernel frees its PASID and the shim can then hold that value.
	 * A lazy-TLB reference of an idle CPU may delay the drop: poke the
	 * CPUs and retry for 2 s.
	 */
	for (i = 0; i < 200; i++) {
		poke_cpus();
		w = child[1];
		if (kt_alloc_group(fd, &r2, 1, PASID_CMD_ALLOC_EXACT, &w) != -EBUSY)
			break;
		usleep(10000);
	}
	KT_CHECK(i < 200 && w == child[1], "the dead child's mm PASID %u never came back "
		 "(mm leaked?)", child[1]);
	if (i < 200)
		KT_OK(kt_free(fd, w));
	for (i = 0; i < 10; i++)
		KT_OK(kt_free(fd, vals[i]));
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_held == 0, "held %u after free", info.out_nr_held);
	close(p2c[0]);
	close(p2c[1]);
	close(c2p[0]);
	close(c2p[1]);
}

static void test_ioasid(void)
{
	struct pasid_cmd_get_info info;
	int fd = kt_open(), fd2 = kt_open(), st, p[2];
	uint32_t v = 0, v2 = 0, w, child[3];
	pid_t pid;

	common(fd, PASID_KALLOC_IOASID);
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_caps & PASID_CAP_MM_PASID, "no mm PASID cap");
	KT_CHECK(info.out_caps & PASID_CAP_GLOBAL_ENQCMD, "no global cap on 6.1");
	KT_CHECK(info.out_mm_pasid == 0, "fresh process has mm PASID %u", info.out_mm_pasid);

	KT_OK(kt_alloc_global(fd, 0, &v));
	KT_OK(kt_info(fd, &info));
	printf("# ENQCMD value %u, kernel mm PASID %u\n", v, info.out_mm_pasid);
	KT_CHECK(v != 0 && v == info.out_mm_pasid, "ENQCMD value %u != mm PASID %u", v,
		 info.out_mm_pasid);
	KT_CHECK(info.out_nr_globals == 1 && info.out_nr_held == 0,
		 "globals %u held %u (the mm's PASID is the kernel's, not held)",
		 info.out_nr_globals, info.out_nr_held);
	KT_OK(kt_alloc_global(fd2, 0, &v2));
	KT_CHECK(v2 == v, "second file: %u != %u", v2, v);
	test_ioasid_groups(fd, v);
	w = v + 1;
	KT_ERR(kt_alloc_global(fd, PASID_CMD_ALLOC_EXACT, &w), -EEXIST);

	/* another process (another mm) gets another kernel PASID */
	if (pipe(p))
		abort();
	pid = fork();
	if (pid == 0) {
		struct pasid_cmd_get_info ci;
		int cfd = kt_open();
		uint32_t cv = 0;

		child[0] = -kt_alloc_global(cfd, 0, &cv);
		child[1] = cv;
		kt_info(cfd, &ci);
		child[2] = ci.out_mm_pasid;
		if (write(p[1], child, sizeof(child)) != sizeof(child))
			_exit(3);
		_exit(0);
	}
	if (read(p[0], child, sizeof(child)) != sizeof(child))
		memset(child, 0xff, sizeof(child));
	waitpid(pid, &st, 0);
	KT_CHECK(child[0] == 0 && child[1] == child[2] && child[1] != v && child[1] != 0,
		 "child: err %u value %u mm PASID %u (parent %u)", child[0], child[1], child[2],
		 v);

	/* dump: external, ours */
	{
		struct kt_nl *nl = kt_nl_open();
		struct kt_alloc *a = calloc(8, sizeof(*a));
		int n = nl ? kt_nl_allocs(nl, a, 8) : -1;

		KT_CHECK(n == 1 && a[0].value == v && a[0].intent == 2 &&
			 (a[0].flags & PASID_NL_F_EXTERNAL) && !a[0].mock,
			 "real dump: n %d value %u flags %#x", n, a[0].value, a[0].flags);
		free(a);
		kt_nl_close(nl);
	}

	KT_OK(kt_free(fd, v));
	KT_OK(kt_free(fd2, v));
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_globals == 0, "globals %u after free", info.out_nr_globals);
	KT_CHECK(info.out_mm_pasid == v, "the kernel keeps the mm PASID: %u", info.out_mm_pasid);
	v2 = 0;
	KT_OK(kt_alloc_global(fd, 0, &v2));
	KT_CHECK(v2 == v, "again: %u != %u", v2, v);
	w = v;
	KT_OK(kt_alloc_global(fd2, PASID_CMD_ALLOC_EXACT, &w));
	close(fd);
	close(fd2);
	close(p[0]);
	close(p[1]);
}

static void test_global_ida(void)
{
	struct pasid_cmd_get_info info;
	int fd = kt_open();
	uint32_t v = 0;

	common(fd, PASID_KALLOC_GLOBAL_IDA);
	KT_OK(kt_info(fd, &info));
	KT_CHECK(!(info.out_caps & PASID_CAP_GLOBAL_ENQCMD), "global cap without a device");
	KT_ERR(kt_alloc_global(fd, 0, &v), -ENODEV);
	v = 7;
	KT_ERR(kt_alloc_global(fd, PASID_CMD_ALLOC_EXACT, &v), -ENODEV);
	{
		uint32_t rid = 0x200;

		v = 0;
		KT_ERR(kt_alloc_group(fd, &rid, 1, 0, &v), -ENODEV);
		v = 9;
		KT_ERR(kt_alloc_group(fd, &rid, 1, PASID_CMD_ALLOC_EXACT, &v), -ENODEV);
	}
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_globals == 0 && info.out_nr_held == 0 && info.out_mm_pasid == 0,
		 "after refusal: globals %u held %u mm PASID %u", info.out_nr_globals,
		 info.out_nr_held, info.out_mm_pasid);
	close(fd);
}

int kt_real(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "ioasid"))
		test_ioasid();
	else if (argc > 1 && !strcmp(argv[1], "global-ida"))
		test_global_ida();
	else
		KT_CHECK(0, "usage: real ioasid|global-ida");
	return 0;
}
