// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * abi.c - the ABI itself: sizes, reserved fields, flags, unknown ioctls,
 * and the precise errno of every invalid input (mock mode).
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

static const struct {
	unsigned long req;
	unsigned int size;
	const char *name;
} cmds[] = {
	{ PASID_IOC_GET_INFO, sizeof(struct pasid_cmd_get_info), "GET_INFO" },
	{ PASID_IOC_ALLOC, sizeof(struct pasid_cmd_alloc), "ALLOC" },
	{ PASID_IOC_FREE, sizeof(struct pasid_cmd_free), "FREE" },
	{ PASID_IOC_EXTEND, sizeof(struct pasid_cmd_extend), "EXTEND" },
	{ PASID_IOC_ATTACH, sizeof(struct pasid_cmd_attach), "ATTACH" },
	{ PASID_IOC_DETACH, sizeof(struct pasid_cmd_attach), "DETACH" },
	{ PASID_IOC_TEST_CMD, sizeof(struct pasid_cmd_test), "TEST_CMD" },
};

static void test_sizes(int fd)
{
	unsigned char buf[8192];
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		uint32_t *size = (uint32_t *)buf;
		int err;

		memset(buf, 0, sizeof(buf));
		*size = cmds[i].size - 1;
		err = kt_ioctl(fd, cmds[i].req, buf);
		KT_CHECK(err == -EINVAL, "%s size-1: %d", cmds[i].name, err);
		*size = 0;
		KT_ERR(kt_ioctl(fd, cmds[i].req, buf), -EINVAL);
		/* size+4 with a non-zero tail */
		memset(buf, 0, sizeof(buf));
		*size = cmds[i].size + 4;
		buf[cmds[i].size] = 1;
		err = kt_ioctl(fd, cmds[i].req, buf);
		KT_CHECK(err == -E2BIG, "%s size+4 tail: %d", cmds[i].name, err);
		/* way too big */
		memset(buf, 0, sizeof(buf));
		*size = 8192;
		KT_ERR(kt_ioctl(fd, cmds[i].req, buf), -E2BIG);
		/* NULL argument */
		KT_ERR(kt_ioctl(fd, cmds[i].req, NULL), -EFAULT);
	}

	/* size+8 with a zero tail is accepted, and outputs stay within size */
	{
		struct { struct pasid_cmd_get_info info; uint64_t tail; } big;

		memset(&big, 0, sizeof(big));
		big.info.size = sizeof(big);
		KT_OK(kt_ioctl(fd, PASID_IOC_GET_INFO, &big));
		KT_CHECK(big.info.out_abi_version == PASID_ABI_VERSION, "abi %u",
			 big.info.out_abi_version);
		KT_CHECK(big.tail == 0, "tail written");
	}
}

static void test_unknown(int fd)
{
	unsigned char buf[256] = { 0 };
	unsigned long bad[] = {
		_IO(PASID_TYPE, PASID_CMD_BASE - 1),
		_IO(PASID_TYPE, PASID_CMD_TEST + 1),
		_IO(PASID_TYPE, 0xff),
		_IO(PASID_TYPE, 0),
		_IO('x', PASID_CMD_ALLOC),
		_IOWR(PASID_TYPE, PASID_CMD_ALLOC, struct pasid_cmd_alloc),
		_IOR(PASID_TYPE, PASID_CMD_GET_INFO, uint32_t),
		0,
	};
	size_t i;

	*(uint32_t *)buf = 64;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = kt_ioctl(fd, bad[i], buf);

		KT_CHECK(err == -ENOTTY, "ioctl %#lx: %d", bad[i], err);
	}
}

static void test_reserved_flags(int fd)
{
	struct pasid_cmd_get_info info;
	struct pasid_cmd_alloc a;
	struct pasid_cmd_free f;
	struct pasid_cmd_extend e;
	struct pasid_cmd_attach at;
	struct pasid_cmd_test t;
	uint32_t rid = 0x100;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.flags = 1;
	KT_ERR(kt_ioctl(fd, PASID_IOC_GET_INFO, &info), -EINVAL);
	info.flags = 0;
	info.__reserved = 1;
	KT_ERR(kt_ioctl(fd, PASID_IOC_GET_INFO, &info), -EINVAL);
	info.__reserved = 0;
	info.__reserved2 = 0x80000000u;
	KT_ERR(kt_ioctl(fd, PASID_IOC_GET_INFO, &info), -EINVAL);

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.nr_rids = 1;
	a.rids_uptr = (uintptr_t)&rid;
	a.flags = 0;				/* no intent */
	KT_ERR(kt_ioctl(fd, PASID_IOC_ALLOC, &a), -EINVAL);
	a.flags = PASID_CMD_ALLOC_GROUP | PASID_CMD_ALLOC_GLOBAL_ENQCMD;
	KT_ERR(kt_ioctl(fd, PASID_IOC_ALLOC, &a), -EINVAL);
	a.flags = PASID_CMD_ALLOC_GROUP | (1u << 5);
	KT_ERR(kt_ioctl(fd, PASID_IOC_ALLOC, &a), -EINVAL);
	a.flags = PASID_CMD_ALLOC_GROUP | (1u << 31);
	KT_ERR(kt_ioctl(fd, PASID_IOC_ALLOC, &a), -EINVAL);
	a.flags = PASID_CMD_ALLOC_EXACT;
	a.out_pasid = 5;
	KT_ERR(kt_ioctl(fd, PASID_IOC_ALLOC, &a), -EINVAL);
	a.flags = PASID_CMD_ALLOC_GROUP;
	a.__reserved = 1;
	KT_ERR(kt_ioctl(fd, PASID_IOC_ALLOC, &a), -EINVAL);
	a.__reserved = 0;
	a.__reserved2 = 1;
	KT_ERR(kt_ioctl(fd, PASID_IOC_ALLOC, &a), -EINVAL);

	memset(&f, 0, sizeof(f));
	f.size = sizeof(f);
	f.pasid = 1;
	f.flags = 1;
	KT_ERR(kt_ioctl(fd, PASID_IOC_FREE, &f), -EINVAL);
	f.flags = 0;
	f.__reserved = 1;
	KT_ERR(kt_ioctl(fd, PASID_IOC_FREE, &f), -EINVAL);

	memset(&e, 0, sizeof(e));
	e.size = sizeof(e);
	e.flags = 2;
	e.pasid = 1;
	KT_ERR(kt_ioctl(fd, PASID_IOC_EXTEND, &e), -EINVAL);
	memset(&at, 0, sizeof(at));
	at.size = sizeof(at);
	at.flags = 4;
	at.pasid = 1;
	KT_ERR(kt_ioctl(fd, PASID_IOC_ATTACH, &at), -EINVAL);
	KT_ERR(kt_ioctl(fd, PASID_IOC_DETACH, &at), -EINVAL);

	memset(&t, 0, sizeof(t));
	t.size = sizeof(t);
	t.op = PASID_TEST_OP_RID_ADD;
	t.rid = 0x999;
	t.width = 5;
	t.flags = 1;
	KT_ERR(kt_ioctl(fd, PASID_IOC_TEST_CMD, &t), -EINVAL);
	t.flags = 0;
	t.value = 1;
	KT_ERR(kt_ioctl(fd, PASID_IOC_TEST_CMD, &t), -EINVAL);
	KT_ERR(kt_test(fd, 0, 0, 0, 0, NULL), -EOPNOTSUPP);
	KT_ERR(kt_test(fd, 99, 0, 0, 0, NULL), -EOPNOTSUPP);
	KT_ERR(kt_test(fd, PASID_TEST_OP_RID_REMOVE, 0x999, 3, 0, NULL), -EINVAL);
}

static void test_mock_rids(int fd)
{
	struct pasid_cmd_get_info info;

	KT_ERR(kt_rid_add(fd, 0x100, 20), -EEXIST);
	KT_ERR(kt_rid_add(fd, 0x999, 0), -EINVAL);
	KT_ERR(kt_rid_add(fd, 0x999, 21), -EINVAL);
	KT_ERR(kt_rid_remove(fd, 0x999), -ENODEV);
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_rids == 6, "nr_rids %u", info.out_nr_rids);
	KT_CHECK(info.out_min_width == 4, "min width %u", info.out_min_width);
}

static void test_alloc_errors(int fd, int fd2)
{
	uint32_t many[PASID_UAPI_MAX_GROUP_RIDS + 1];
	uint32_t r2[] = { 0x100, 0x101 }, dup[] = { 0x100, 0x100 }, unk[] = { 0x100, 0x777 };
	uint32_t v = 0, w, g = 0, g2 = 0;
	struct pasid_cmd_alloc a;
	void *ro;
	size_t i;

	for (i = 0; i < PASID_UAPI_MAX_GROUP_RIDS + 1; i++)
		many[i] = 0x100;
	KT_ERR(kt_alloc_group(fd, many, PASID_UAPI_MAX_GROUP_RIDS + 1, 0, &v), -EINVAL);
	KT_ERR(kt_alloc_group(fd, many, 0, 0, &v), -EINVAL);
	KT_ERR(kt_alloc_group(fd, many, 2, 0, &v), -EINVAL);	/* duplicates */
	KT_ERR(kt_alloc_group(fd, dup, 2, 0, &v), -EINVAL);
	KT_ERR(kt_alloc_group(fd, unk, 2, 0, &v), -ENODEV);
	KT_ERR(kt_alloc_group(fd, (uint32_t *)8, 1, 0, &v), -EFAULT);
	v = 0;
	KT_ERR(kt_alloc_group(fd, r2, 2, PASID_CMD_ALLOC_EXACT, &v), -EINVAL);
	v = 1u << 20;
	KT_ERR(kt_alloc_group(fd, r2, 2, PASID_CMD_ALLOC_EXACT, &v), -EINVAL);
	v = 300;	/* 0x101 is 8 bits wide */
	KT_ERR(kt_alloc_group(fd, r2, 2, PASID_CMD_ALLOC_EXACT, &v), -ERANGE);

	/* global: no RIDs allowed */
	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.flags = PASID_CMD_ALLOC_GLOBAL_ENQCMD;
	a.nr_rids = 1;
	KT_ERR(kt_ioctl(fd, PASID_IOC_ALLOC, &a), -EINVAL);
	a.nr_rids = 0;
	a.rids_uptr = (uintptr_t)r2;
	KT_ERR(kt_ioctl(fd, PASID_IOC_ALLOC, &a), -EINVAL);

	/* the values a caller may name, but holds none of */
	KT_ERR(kt_free(fd, 0), -ENOENT);
	KT_ERR(kt_free(fd, 1u << 20), -ENOENT);
	KT_ERR(kt_free(fd, 0xffffffffu), -ENOENT);
	KT_ERR(kt_free(fd, 77), -ENOENT);
	KT_ERR(kt_extend(fd, 0, 0x100), -ENOENT);
	KT_ERR(kt_attach(fd, 1u << 20, 0x100), -ENOENT);
	KT_ERR(kt_detach(fd, 77, 0x100), -ENOENT);

	/* a real group */
	v = 0;
	KT_OK(kt_alloc_group(fd, r2, 2, 0, &v));
	KT_CHECK(v >= 1 && v < 256, "group value %u does not fit 8 bits", v);
	w = v;
	KT_ERR(kt_alloc_group(fd, r2, 2, PASID_CMD_ALLOC_EXACT, &w), -EEXIST);
	w = v;
	KT_ERR(kt_alloc_group(fd2, &r2[0], 1, PASID_CMD_ALLOC_EXACT, &w), -EBUSY);
	w = v;	/* a disjoint RID may reuse it */
	{
		uint32_t other = 0x200;

		KT_OK(kt_alloc_group(fd2, &other, 1, PASID_CMD_ALLOC_EXACT, &w));
		KT_CHECK(w == v, "exact gave %u not %u", w, v);
		/* fd2's own value, but fd uses it on these RIDs */
		KT_ERR(kt_extend(fd2, w, 0x100), -EBUSY);
		KT_ERR(kt_extend(fd2, w, 0x101), -EBUSY);
		KT_OK(kt_free(fd2, w));
	}

	/* another owner's value */
	KT_ERR(kt_free(fd2, v), -EPERM);
	KT_ERR(kt_extend(fd2, v, 0x200), -EPERM);
	KT_ERR(kt_attach(fd2, v, 0x100), -EPERM);
	KT_ERR(kt_detach(fd2, v, 0x100), -EPERM);

	/* extend */
	KT_ERR(kt_extend(fd, v, 0x100), -EALREADY);
	KT_ERR(kt_extend(fd, v, 0x777), -ENODEV);
	if (v > 15)
		KT_ERR(kt_extend(fd, v, 0x102), -ERANGE);
	KT_OK(kt_extend(fd, v, 0x200));

	/* attach / detach */
	KT_OK(kt_attach(fd, v, 0x100));
	KT_ERR(kt_attach(fd, v, 0x100), -EALREADY);
	KT_ERR(kt_attach(fd, v, 0x201), -EINVAL);	/* not in the group */
	KT_ERR(kt_attach(fd, v, 0x777), -ENODEV);
	KT_OK(kt_detach(fd, v, 0x100));
	KT_ERR(kt_detach(fd, v, 0x100), -ENOENT);
	KT_ERR(kt_detach(fd, v, 0x777), -ENODEV);

	/* global: one per process, shared by its files */
	KT_OK(kt_alloc_global(fd, 0, &g));
	KT_CHECK(g >= 1 && g < 16, "global %u must fit the 4-bit RID", g);
	KT_CHECK(g != v, "global equals a live group value");
	KT_OK(kt_alloc_global(fd, 0, &g2));
	KT_CHECK(g2 == g, "second global %u != %u", g2, g);
	g2 = 0;
	KT_OK(kt_alloc_global(fd2, 0, &g2));
	KT_CHECK(g2 == g, "same process, other file: %u != %u", g2, g);
	w = g == 1 ? 2 : 1;
	KT_ERR(kt_alloc_global(fd, PASID_CMD_ALLOC_EXACT, &w), -EEXIST);
	KT_ERR(kt_extend(fd, g, 0x100), -EINVAL);
	w = g;
	{
		uint32_t one = 0x200;

		KT_ERR(kt_alloc_group(fd2, &one, 1, PASID_CMD_ALLOC_EXACT, &w), -EEXIST);
		w = g;
		KT_ERR(kt_alloc_group(fd, &one, 1, PASID_CMD_ALLOC_EXACT, &w),
		       -EEXIST);
	}
	KT_OK(kt_attach(fd, g, 0x102));
	KT_OK(kt_free(fd2, g));		/* drops fd2's hold only */
	KT_ERR(kt_free(fd2, g), -EPERM);	/* fd holds it still */

	/* a forked child may not take a global on its parent's file */
	{
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			uint32_t x = 0;

			_exit(kt_alloc_global(fd2, 0, &x) == -EPERM ? 0 : 1);
		}
		waitpid(pid, &st, 0);
		KT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child global on parent fd");
	}
	/* nor bind its parent's PASID to its own (copied) address space */
	{
		pid_t pid = fork();
		int st;

		if (pid == 0)
			_exit(kt_attach(fd, g, 0x102) == -EPERM ? 0 : 1);
		waitpid(pid, &st, 0);
		KT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child attach on parent fd");
	}

	/* output struct not writable: a group allocation is undone */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro != MAP_FAILED) {
		struct pasid_cmd_alloc *ra = ro;
		struct pasid_cmd_get_info i1, i2;
		uint32_t rid = 0x201;

		ra->size = sizeof(*ra);
		ra->flags = PASID_CMD_ALLOC_GROUP;
		ra->nr_rids = 1;
		ra->rids_uptr = (uintptr_t)&rid;
		mprotect(ro, 4096, PROT_READ);
		KT_OK(kt_info(fd, &i1));
		KT_ERR(kt_ioctl(fd, PASID_IOC_ALLOC, ro), -EFAULT);
		KT_OK(kt_info(fd, &i2));
		KT_CHECK(i1.out_nr_groups == i2.out_nr_groups, "EFAULT left a group behind");
		munmap(ro, 4096);
	}

	KT_OK(kt_free(fd, v));
	KT_OK(kt_free(fd, g));
	KT_ERR(kt_free(fd, g), -ENOENT);
}

int kt_abi(int argc, char **argv)
{
	struct pasid_cmd_get_info info;
	int fd = kt_open(), fd2 = kt_open();

	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_abi_version == PASID_ABI_VERSION, "abi %u", info.out_abi_version);
	KT_CHECK(info.out_mode == PASID_MODE_MOCK, "mode %u", info.out_mode);
	KT_CHECK(info.out_kernel_alloc == PASID_KALLOC_MOCK, "kalloc %u", info.out_kernel_alloc);
	KT_CHECK(info.out_caps & PASID_CAP_TEST_CMD, "caps %#x", info.out_caps);
	KT_CHECK(info.out_caps & PASID_CAP_GENL, "caps %#x", info.out_caps);
	KT_CHECK(info.out_max_width == 20 && info.out_max_group_rids == 1024, "limits");

	kt_mock_topology(fd);
	test_sizes(fd);
	test_unknown(fd);
	test_reserved_flags(fd);
	test_mock_rids(fd);
	test_alloc_errors(fd, fd2);

	close(fd2);
	KT_OK(kt_info(fd, &info));
	KT_CHECK(info.out_nr_groups == 0 && info.out_nr_globals == 0 && info.out_nr_held == 0,
		 "left: groups %u globals %u held %u", info.out_nr_groups,
		 info.out_nr_globals, info.out_nr_held);
	kt_mock_clear(fd);
	close(fd);
	return 0;
}
