// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * hostile.c - the shim against an unprivileged user (uid 65534) who was
 * given /dev/pasid (mode 0666 here, as the udev rule's group would), and
 * the limits that keep one user from hurting others (issue 12):
 *  testcmd   fail-nth and RID changes need CAP_SYS_ADMIN; mock RIDs bounded
 *  memcg     what a user's ALLOCs pin is charged to its memory cgroup
 *  limits    EXTEND obeys max_rids_per_alloc; parameters refuse bad values;
 *            the per-user quota across many files; a reverse-sorted request
 *  copyout   a global ALLOC whose result cannot be written takes no hold
 *  netlink   the events group refuses uid 65534; dumps validated strictly;
 *            a dump torn by a change carries NLM_F_DUMP_INTR
 *  abi       the ioctl type, ABI version, RID encoding of PCI domains
 * Usage: pasid-ktest hostile (mock mode, as root).
 */
#include <fcntl.h>
#include <grp.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

#define PARAM "/sys/module/pasid/parameters/"
#define NOBODY 65534

/* 0 or -errno of writing @text to parameter @name */
static int write_param(const char *name, const char *text)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAM "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

static long read_param(const char *name)
{
	char path[128], buf[32] = { 0 };
	int fd;

	snprintf(path, sizeof(path), PARAM "%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	if (fd >= 0)
		close(fd);
	return buf[0] ? strtol(buf, NULL, 0) : -1;
}

static int become_nobody(void)
{
	return setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY) ? -1 : 0;
}

/* Run @fn(@arg) in a child as uid 65534; its exit status (0: all held). */
static int as_nobody(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(become_nobody() ? 100 : fn(arg));
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static struct pasid_cmd_get_info info_now(int fd)
{
	struct pasid_cmd_get_info i;

	KT_OK(kt_info(fd, &i));
	return i;
}

/* ---- 1. TEST_CMD ---------------------------------------------------------- */

static int testcmd_child(void *arg)
{
	int fd = kt_open();

	(void)arg;
	if (kt_fail_nth(fd, 1) != -EPERM)
		return 1;
	if (kt_rid_add(fd, 0x4444, 8) != -EPERM)
		return 2;
	if (kt_rid_remove(fd, 0x100) != -EPERM)
		return 3;
	if (kt_fail_hits(fd) == (uint32_t)-1)	/* reading the countdown is harmless */
		return 4;
	return 0;
}

static void test_testcmd(int fd)
{
	uint32_t rid = 0x100, v = 0, h0 = kt_fail_hits(fd), i, added = 0;
	struct pasid_cmd_get_info in, before = info_now(fd);
	int st = as_nobody(testcmd_child, NULL);

	KT_CHECK(st == 0, "uid 65534 changed test state (step %d: 1 fail-nth, 2 RID add, "
		 "3 RID remove)", st);
	/* root's next allocation is not failed, root's RIDs are all there */
	KT_OK(kt_alloc_group(fd, &rid, 1, 0, &v));
	KT_CHECK(kt_fail_hits(fd) == h0, "a failure was injected into root's ALLOC");
	KT_OK(kt_free(fd, v));
	in = info_now(fd);
	KT_CHECK(in.out_nr_rids == before.out_nr_rids, "%u RIDs, root had %u", in.out_nr_rids,
		 before.out_nr_rids);

	/* the mock RID table is bounded */
	for (i = 0; in.out_nr_rids + added < PASID_TEST_MAX_RIDS; i++) {
		int err = kt_rid_add(fd, 0x700000 + i, 12);

		KT_CHECK(err == 0, "RID %u of %u: %d", in.out_nr_rids + added + 1,
			 PASID_TEST_MAX_RIDS, err);
		if (err)
			break;
		added++;
	}
	KT_ERR(kt_rid_add(fd, 0x7fffff, 12), -ENOSPC);
	for (i = 0; i < added; i++)
		KT_OK(kt_rid_remove(fd, 0x700000 + i));
}

/* ---- 2. memory charged to the user's memory cgroup ------------------------ */

#define CG "/sys/fs/cgroup"
#define CG_KT CG "/kt-hostile"
#define MEMCG_GROUPS 300

static long long cg_current(void)
{
	char buf[32] = { 0 };
	int fd = open(CG_KT "/memory.current", O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = 0;
	if (fd >= 0)
		close(fd);
	return buf[0] ? atoll(buf) : -1;
}

static uint32_t big_rids[PASID_UAPI_MAX_GROUP_RIDS];

/*
 * MEMCG_GROUPS groups of 1024 RIDs: 4 KiB of RID array each in the kernel.
 * Exit 0 when the cgroup was charged at least half of it.
 */
static int memcg_child(void *arg)
{
	long long before, after;
	int fd = kt_open(), i;
	uint32_t v;

	(void)arg;
	before = cg_current();
	for (i = 0; i < MEMCG_GROUPS; i++) {
		v = 0;
		if (kt_alloc_group(fd, big_rids, PASID_UAPI_MAX_GROUP_RIDS, 0, &v))
			return 2;
	}
	after = cg_current();
	printf("# memcg: %d groups of 1024 RIDs charged %lld bytes to the cgroup\n",
	       MEMCG_GROUPS, after - before);
	if (before < 0 || after < 0)
		return 3;
	return after - before >= MEMCG_GROUPS * 4096LL / 2 ? 0 : 1;
}

static void test_memcg(int fd)
{
	char pid[16];
	int i, cfd, st;
	pid_t child;

	if (access(CG "/cgroup.controllers", F_OK))
		KT_OK(mount("cgroup2", CG, "cgroup2", 0, NULL) ? -errno : 0);
	cfd = open(CG "/cgroup.subtree_control", O_WRONLY);
	KT_CHECK(cfd >= 0 && write(cfd, "+memory", 7) == 7, "cannot enable the memory controller");
	if (cfd >= 0)
		close(cfd);
	rmdir(CG_KT);
	KT_OK(mkdir(CG_KT, 0755) ? -errno : 0);
	for (i = 0; i < PASID_UAPI_MAX_GROUP_RIDS; i++) {
		big_rids[i] = 0x800000 + i;
		KT_OK(kt_rid_add(fd, big_rids[i], 20));
	}
	child = fork();
	if (child == 0) {
		int pfd = open(CG_KT "/cgroup.procs", O_WRONLY);

		snprintf(pid, sizeof(pid), "%d", getpid());
		if (pfd < 0 || write(pfd, pid, strlen(pid)) < 0)
			_exit(90);
		close(pfd);
		_exit(become_nobody() ? 91 : memcg_child(NULL));
	}
	waitpid(child, &st, 0);
	KT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		 "memcg: status %d (1: ALLOCs were not charged to the caller's memory cgroup)",
		 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	for (i = 0; i < PASID_UAPI_MAX_GROUP_RIDS; i++)
		KT_OK(kt_rid_remove(fd, big_rids[i]));
	KT_OK(rmdir(CG_KT) ? -errno : 0);
}

/* ---- 2. limits -------------------------------------------------------------- */

static int extend_child(void *arg)
{
	uint32_t two[] = { 0x200, 0x201 }, v = 0;
	struct pasid_cmd_get_info a, b;
	int fd = kt_open();

	(void)arg;
	if (kt_alloc_group(fd, two, 2, 0, &v))
		return 1;
	kt_info(fd, &a);
	if (kt_extend(fd, v, 0x100) != -EDQUOT)
		return 2;
	kt_info(fd, &b);
	return a.out_nr_groups == b.out_nr_groups ? 0 : 3;
}

static int many_files_child(void *arg)
{
	int fds[200], i, n = 0;
	uint32_t rid = 0x100, v;

	(void)arg;
	for (i = 0; i < 200; i++)
		fds[i] = kt_open();
	for (i = 0; i < 5; i++) {
		v = 0;
		if (kt_alloc_group(fds[i * 40], &rid, 1, 0, &v))
			return 1;
	}
	for (i = 0; i < 200; i++) {
		v = 0;
		n += kt_alloc_group(fds[i], &rid, 1, 0, &v) == -EDQUOT;
	}
	if (n != 200)
		return 2;
	close(fds[40]);		/* its PASID goes: room for one */
	v = 0;
	if (kt_alloc_group(fds[199], &rid, 1, 0, &v))
		return 3;
	v = 0;
	return kt_alloc_group(fds[198], &rid, 1, 0, &v) == -EDQUOT ? 0 : 4;
}

static void test_limits(int fd)
{
	static uint32_t rev[PASID_UAPI_MAX_GROUP_RIDS];
	static struct kt_alloc got[2];
	struct kt_nl *nl;
	uint32_t v = 0;
	int i, n, sorted = 1;

	/* EXTEND is bound by max_rids_per_alloc like ALLOC */
	KT_OK(write_param("max_rids_per_alloc", "2"));
	KT_CHECK(as_nobody(extend_child, NULL) == 0, "EXTEND beyond max_rids_per_alloc");
	KT_OK(write_param("max_rids_per_alloc", "1024"));

	/* out-of-range parameter writes are refused and change nothing */
	KT_ERR(write_param("max_rids_per_alloc", "0"), -EINVAL);
	KT_ERR(write_param("max_rids_per_alloc", "1025"), -EINVAL);
	KT_CHECK(read_param("max_rids_per_alloc") == 1024, "max_rids_per_alloc %ld",
		 read_param("max_rids_per_alloc"));
	KT_ERR(write_param("max_pasids_per_user", "1048577"), -EINVAL);
	KT_CHECK(read_param("max_pasids_per_user") == 65536, "max_pasids_per_user %ld",
		 read_param("max_pasids_per_user"));

	/* the per-user count over many files, kept without walking them */
	KT_OK(write_param("max_pasids_per_user", "5"));
	KT_CHECK(as_nobody(many_files_child, NULL) == 0, "quota over 200 files");
	KT_OK(write_param("max_pasids_per_user", "65536"));

	/* 1024 RIDs in reverse order: accepted, listed sorted; a duplicate found */
	for (i = 0; i < PASID_UAPI_MAX_GROUP_RIDS; i++) {
		rev[i] = 0x900000 + PASID_UAPI_MAX_GROUP_RIDS - 1 - i;
		KT_OK(kt_rid_add(fd, rev[i], 16));
	}
	rev[PASID_UAPI_MAX_GROUP_RIDS - 1] = rev[0];
	KT_ERR(kt_alloc_group(fd, rev, PASID_UAPI_MAX_GROUP_RIDS, 0, &v), -EINVAL);
	rev[PASID_UAPI_MAX_GROUP_RIDS - 1] = 0x900000;
	KT_OK(kt_alloc_group(fd, rev, PASID_UAPI_MAX_GROUP_RIDS, 0, &v));
	nl = kt_nl_open();
	n = nl ? kt_nl_allocs(nl, got, 2) : -1;
	KT_CHECK(n == 1 && got[0].nr_rids == PASID_UAPI_MAX_GROUP_RIDS, "dump n %d", n);
	for (i = 1; n == 1 && i < (int)got[0].nr_rids; i++)
		sorted &= got[0].rids[i - 1] < got[0].rids[i];
	KT_CHECK(sorted, "the group's RIDs are not sorted");
	kt_nl_close(nl);
	KT_OK(kt_free(fd, v));
	for (i = 0; i < PASID_UAPI_MAX_GROUP_RIDS; i++)
		KT_OK(kt_rid_remove(fd, 0x900000 + i));
}

/* ---- 3. failed copy-out ------------------------------------------------------ */

/* A global ALLOC into a read-only buffer: EFAULT; exit 0 if nothing moved. */
static int global_ro(int fd, int expect_hold)
{
	struct pasid_cmd_alloc *a = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct pasid_cmd_get_info i1, i2;
	int err;

	if (a == MAP_FAILED)
		return 10;
	a->size = sizeof(*a);
	a->flags = PASID_CMD_ALLOC_GLOBAL_ENQCMD;
	mprotect(a, 4096, PROT_READ);
	kt_info(fd, &i1);
	err = kt_ioctl(fd, PASID_IOC_ALLOC, a);
	kt_info(fd, &i2);
	munmap(a, 4096);
	if (err != -EFAULT)
		return 11;
	if (i1.out_nr_globals != i2.out_nr_globals || i1.out_nr_values != i2.out_nr_values ||
	    i1.out_nr_held != i2.out_nr_held)
		return 12;
	(void)expect_hold;
	return 0;
}

static int copyout_child(void *arg)
{
	int fd = kt_open(), r;
	uint32_t g = 0, g2 = 0;

	(void)arg;
	r = global_ro(fd, 0);
	if (r)
		return r;
	/* no hold was left behind: a later FREE of any global finds none */
	if (kt_alloc_global(fd, 0, &g))
		return 20;
	/* a hold the file had before survives a failed copy-out */
	r = global_ro(fd, 1);
	if (r)
		return r + 10;
	if (kt_alloc_global(fd, 0, &g2) || g2 != g)
		return 30;
	if (kt_free(fd, g))
		return 31;
	return kt_free(fd, g) == -ENOENT ? 0 : 32;
}

static void test_copyout(int fd)
{
	struct pasid_cmd_get_info a = info_now(fd), b;
	int st = as_nobody(copyout_child, NULL);

	KT_CHECK(st == 0, "global ALLOC with an unwritable result: status %d (12: "
		 "out_nr_globals moved)", st);
	b = info_now(fd);
	KT_CHECK(a.out_nr_globals == b.out_nr_globals && a.out_nr_values == b.out_nr_values,
		 "globals %u -> %u, values %u -> %u", a.out_nr_globals, b.out_nr_globals,
		 a.out_nr_values, b.out_nr_values);
}

/* ---- 4. netlink ------------------------------------------------------------- */

static int subscribe_child(void *arg)
{
	struct kt_nl *nl = kt_nl_open();

	(void)arg;
	if (!nl)
		return 1;
	return kt_nl_subscribe(nl) == -EPERM ? 0 : 2;
}

static void test_events(int fd)
{
	static struct kt_event ev[16];
	struct kt_nl *nl = kt_nl_open();
	uint32_t rid = 0x100, v = 0;
	int n, i;

	/*
	 * 6.7+: joining needs CAP_SYS_ADMIN. Before, genetlink has no gate
	 * for a group and cannot filter per listener: anyone may join, and
	 * the events carry no owner pid (checked below).
	 */
	if (kt_kernel_at_least(6, 7))
		KT_CHECK(as_nobody(subscribe_child, NULL) == 0,
			 "uid 65534 could join the events group");
	if (!nl)
		return;
	KT_OK(kt_nl_subscribe(nl));
	KT_OK(kt_alloc_group(fd, &rid, 1, 0, &v));
	KT_OK(kt_free(fd, v));
	n = kt_nl_events(nl, ev, 16, 1000);
	KT_CHECK(n >= 2, "%d events", n);
	for (i = 0; i < n; i++) {
		/* 6.7+: the init-namespace pid (ours: no pid namespace here); before: none */
		int32_t want = kt_kernel_at_least(6, 7) ? getpid() : 0;

		KT_CHECK(ev[i].pid == want, "event %u: pid %d, want %d", ev[i].type, ev[i].pid,
			 want);
	}
	kt_nl_close(nl);
}

/* A raw generic netlink socket, so the test sees each message's flags. */
static int raw_dump(int family, uint8_t cmd, uint8_t reserved, bool with_attr, int fd,
		    int change_after, int *nmsg, int *intr)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		struct nlattr a;
		uint32_t v;
	} req = { 0 };
	static char buf[1 << 16];
	int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC), reads = 0;
	uint32_t rid = 0x200, v = 0;

	*nmsg = *intr = 0;
	if (s < 0)
		return -errno;
	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + (with_attr ? 8 : 0);
	req.n.nlmsg_type = family;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK;
	req.n.nlmsg_seq = 1;
	req.g.cmd = cmd;
	req.g.version = PASID_GENL_VERSION;
	req.g.reserved = reserved;
	req.a.nla_len = 8;
	req.a.nla_type = PASID_NL_A_VALUE;
	req.v = 1;
	if (send(s, &req, req.n.nlmsg_len, 0) < 0) {
		close(s);
		return -errno;
	}
	for (;;) {
		ssize_t len = recv(s, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		if (len < 0) {
			close(s);
			return -errno;
		}
		if (++reads == change_after) {
			KT_OK(kt_alloc_group(fd, &rid, 1, 0, &v));
			KT_OK(kt_free(fd, v));
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				(*intr)++;
			if (h->nlmsg_type == NLMSG_ERROR) {
				int err = ((struct nlmsgerr *)NLMSG_DATA(h))->error;

				close(s);
				return err;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				close(s);
				return 0;
			}
			(*nmsg)++;
		}
	}
}

static void test_dumps(int fd)
{
	struct kt_nl *nl = kt_nl_open();
	uint32_t rid = 0x100, vals[3000];
	int fam, n, intr, i;

	if (!nl)
		return;
	fam = kt_nl_family(nl);
	/* strict: no attribute, no reserved byte, no unknown command */
	KT_ERR(raw_dump(fam, PASID_NL_CMD_GET_ALLOC, 0, true, fd, 0, &n, &intr), -EINVAL);
	KT_ERR(raw_dump(fam, PASID_NL_CMD_GET_RID, 1, false, fd, 0, &n, &intr), -EINVAL);
	KT_OK(raw_dump(fam, PASID_NL_CMD_GET_RID, 0, false, fd, 0, &n, &intr));
	KT_CHECK(n == (int)info_now(fd).out_nr_rids && !intr, "RID dump: %d messages, %d "
		 "interrupted", n, intr);

	/* a dump long enough for many reads, changed after the second */
	for (i = 0; i < 3000; i++) {
		vals[i] = 0;
		KT_OK(kt_alloc_group(fd, &rid, 1, 0, &vals[i]));
	}
	KT_OK(raw_dump(fam, PASID_NL_CMD_GET_ALLOC, 0, false, fd, 0, &n, &intr));
	KT_CHECK(n == 3000 && intr == 0, "quiet dump: %d messages, %d marked DUMP_INTR", n,
		 intr);
	KT_OK(raw_dump(fam, PASID_NL_CMD_GET_ALLOC, 0, false, fd, 2, &n, &intr));
	KT_CHECK(intr > 0, "a dump changed while read: %d messages, none marked DUMP_INTR", n);
	printf("# torn dump: %d messages, %d marked NLM_F_DUMP_INTR\n", n, intr);
	for (i = 0; i < 3000; i++)
		KT_OK(kt_free(fd, vals[i]));
	kt_nl_close(nl);
}

/* ---- 5. ABI ---------------------------------------------------------------- */

static int encode_child(void *arg)
{
	struct pasid_cmd_test t;
	int fd = kt_open();

	(void)arg;
	if (kt_test(fd, PASID_TEST_OP_RID_ENCODE, 0x0308, 0, 0x1234, &t) || t.out_value != 0x12340308)
		return 1;
	if (kt_test(fd, PASID_TEST_OP_RID_ENCODE, 0x0308, 0, 0xffff, &t) || t.out_value != 0xffff0308)
		return 2;
	/* VMD domains: no RID rather than one that aliases domain 0 */
	if (kt_test(fd, PASID_TEST_OP_RID_ENCODE, 0x0308, 0, 0x10000, &t) != -ERANGE)
		return 3;
	if (kt_test(fd, PASID_TEST_OP_RID_ENCODE, 0x10000, 0, 0, &t) != -EINVAL)
		return 4;
	return 0;
}

static void test_abi(int fd)
{
	struct pasid_cmd_get_info in = info_now(fd);
	unsigned char buf[128] = { 0 };
	int st;

	KT_CHECK(in.out_abi_version == 2, "ABI %u", in.out_abi_version);
	KT_CHECK(PASID_TYPE == 0xBC, "type %#x", PASID_TYPE);
	*(uint32_t *)buf = sizeof(struct pasid_cmd_get_info);
	KT_ERR(kt_ioctl(fd, _IO(0xB8, PASID_CMD_GET_INFO), buf), -ENOTTY);
	st = as_nobody(encode_child, NULL);
	KT_CHECK(st == 0, "RID encoding: step %d", st);
}

int kt_hostile(int argc, char **argv)
{
	struct stat root, dev;
	int fd = kt_open();

	(void)argc;
	(void)argv;
	kt_mock_topology(fd);
	/* a user the administrator gave /dev/pasid (the initramfs root is 0700) */
	KT_OK(stat("/", &root) ? -errno : 0);
	KT_OK(stat("/dev/pasid", &dev) ? -errno : 0);
	KT_OK(chmod("/", 0755) ? -errno : 0);
	KT_OK(chmod("/dev/pasid", 0666) ? -errno : 0);

	test_testcmd(fd);
	test_memcg(fd);
	test_limits(fd);
	test_copyout(fd);
	test_events(fd);
	test_dumps(fd);
	test_abi(fd);

	KT_OK(chmod("/dev/pasid", dev.st_mode & 07777) ? -errno : 0);
	KT_OK(chmod("/", root.st_mode & 07777) ? -errno : 0);
	kt_mock_clear(fd);
	close(fd);
	return 0;
}
