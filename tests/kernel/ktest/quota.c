// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * quota.c - the shim's per-user limits: max_pasids_per_user counts every
 * open file of one uid and not another's; max_rids_per_alloc bounds one
 * request. Both give EDQUOT and change nothing.
 */
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ktest.h"

#define PARAM "/sys/module/pasid/parameters/"

static int set_param(const char *name, unsigned int v)
{
	char path[128], buf[16];
	int fd, n, ok;

	snprintf(path, sizeof(path), PARAM "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%u\n", v);
	ok = write(fd, buf, n) == n;
	close(fd);
	return ok ? 0 : -EIO;
}

/*
 * In a child as uid 65534: it can neither free, extend nor attach root's
 * PASID @theirs, and it has a fresh quota of its own. Exit 0 if all holds.
 */
static int other_user(uint32_t theirs)
{
	uint32_t rid = 0x0100, v;
	int fd, i;

	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 10;
	fd = kt_open();
	if (fd < 0)
		return 11;
	if (kt_free(fd, theirs) != -EPERM || kt_extend(fd, theirs, 0x0200) != -EPERM ||
	    kt_attach(fd, theirs, 0x0100) != -EPERM)
		return 30;
	for (i = 0; i < 3; i++)
		if (kt_alloc_group(fd, &rid, 1, 0, &v))
			return 12 + i;
	return kt_alloc_group(fd, &rid, 1, 0, &v) == -EDQUOT ? 0 : 20;
}

int kt_quota(int argc, char **argv)
{
	uint32_t rid = 0x0100, three[] = { 0x0100, 0x0200, 0x0201 }, v[4], g;
	struct pasid_cmd_get_info before, after;
	int fd = kt_open(), fd2 = kt_open(), st, i;
	pid_t pid;

	(void)argc;
	(void)argv;
	kt_mock_topology(fd);
	KT_OK(set_param("max_pasids_per_user", 3));
	for (i = 0; i < 2; i++)
		KT_OK(kt_alloc_group(fd, &rid, 1, 0, &v[i]));
	KT_OK(kt_alloc_global(fd2, 0, &g));		/* a hold counts too */
	KT_OK(kt_info(fd, &before));
	KT_ERR(kt_alloc_group(fd, &rid, 1, 0, &v[2]), -EDQUOT);
	KT_ERR(kt_alloc_group(fd2, &rid, 1, 0, &v[2]), -EDQUOT);	/* per user */
	KT_ERR(kt_alloc_global(fd, 0, &v[2]), -EDQUOT);
	KT_OK(kt_alloc_global(fd2, 0, &v[2]));		/* its own hold again: free */
	KT_CHECK(v[2] == g, "second global call %u, first %u", v[2], g);
	KT_OK(kt_info(fd, &after));
	KT_CHECK(after.out_nr_groups == before.out_nr_groups &&
		 after.out_nr_values == before.out_nr_values, "a refused call changed state");

	/*
	 * another user: no access to root's PASIDs, a quota of its own
	 * (the initramfs root is 0700: open it up for the child)
	 */
	{
		struct stat root;

		KT_OK(stat("/", &root) ? -errno : 0);
		KT_OK(chmod("/", 0755) ? -errno : 0);
		KT_OK(chmod("/dev/pasid", 0666) ? -errno : 0);
		pid = fork();
		if (pid == 0)
			_exit(other_user(v[0]));
		waitpid(pid, &st, 0);
		KT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "uid 65534: status %d",
			 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		KT_OK(chmod("/dev/pasid", 0600) ? -errno : 0);
		KT_OK(chmod("/", root.st_mode & 07777) ? -errno : 0);
	}

	/* freeing makes room again */
	KT_OK(kt_free(fd, v[0]));
	KT_OK(kt_alloc_group(fd, &rid, 1, 0, &v[0]));

	/* RIDs per request */
	KT_OK(set_param("max_pasids_per_user", 0));
	KT_OK(set_param("max_rids_per_alloc", 2));
	KT_ERR(kt_alloc_group(fd, three, 3, 0, &v[3]), -EDQUOT);
	KT_OK(kt_alloc_group(fd, three + 1, 2, 0, &v[3]));

	KT_OK(set_param("max_pasids_per_user", 65536));
	KT_OK(set_param("max_rids_per_alloc", 1024));
	close(fd2);
	close(fd);
	fd = kt_open();
	kt_mock_clear(fd);
	close(fd);
	return 0;
}
