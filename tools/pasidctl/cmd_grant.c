// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cmd_grant.c - "pasidctl grant --group NAME [--install]": the udev rule
 * that lets a group open /dev/pasid and the DSA/IAA work-queue nodes.
 * Portal mmap still needs CAP_SYS_RAWIO; without it libpasid submits with
 * write(2), which the rule is enough for.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pasidctl.h"

struct grant_args {
	const char *group;
	const char *dir;
	bool install;
};

static bool group_name_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n > 32 || !(islower((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (i = 1; i < n; i++)
		if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
		    s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

static int grant_opt(struct pctl *g, int c, const char *arg, void *data)
{
	const struct pctl_cmd *cmd = pctl_find_cmd("grant");
	struct grant_args *a = data;

	(void)g;
	switch (c) {
	case 'G':
		if (!group_name_ok(arg))
			return pctl_usage(cmd, "--group '%s': a group name is [a-z_][a-z0-9_-]*, "
					  "at most 32 characters", arg);
		a->group = arg;
		return 0;
	case OPT_CMD_BASE:
		a->install = true;
		return 0;
	case OPT_CMD_BASE + 1:
		if (!*arg)
			return pctl_usage(cmd, "--rules-dir: empty path");
		a->dir = arg;
		return 0;
	}
	return pctl_usage(cmd, "unexpected option");
}

static int write_rule(struct pctl *g, const char *path, const char *rule)
{
	char tmp[4096];
	size_t len = strlen(rule);
	int fd, err = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return pctl_err(g, path, ENAMETOOLONG, "path too long");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return pctl_err(g, path, errno, "cannot write: %s%s", strerror(errno),
				errno == EACCES || errno == EPERM ? " (run as root)" : "");
	if (write(fd, rule, len) != (ssize_t)len || fsync(fd))
		err = errno ? errno : EIO;
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err) {
		unlink(tmp);
		return pctl_err(g, path, err, "cannot write: %s", strerror(err));
	}
	return 0;
}

int cmd_grant(struct pctl *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "group", required_argument, NULL, 'G' },
		{ "install", no_argument, NULL, OPT_CMD_BASE },
		{ "rules-dir", required_argument, NULL, OPT_CMD_BASE + 1 },
		{ NULL, 0, NULL, 0 },
	};
	const struct pctl_cmd *cmd = pctl_find_cmd("grant");
	struct grant_args a = { .dir = "/etc/udev/rules.d" };
	char rule[8192], path[2048];
	bool exists;
	int rc, first;

	rc = pctl_parse(g, cmd, argc, argv, "G:", longopts, grant_opt, &a, &first);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (first < argc)
		return pctl_usage(cmd, "unexpected argument '%s'", argv[first]);
	if (!a.group)
		return pctl_usage(cmd, "--group NAME is required");
	if ((size_t)snprintf(path, sizeof(path), "%s/70-pasid-%s.rules", a.dir, a.group) >=
	    sizeof(path))
		return pctl_usage(cmd, "--rules-dir: path too long");
	snprintf(rule, sizeof(rule),
		 "# %s: written by pasidctl grant --group %s\n"
		 "# Members of group \"%s\" may allocate PASIDs (/dev/pasid, pasid.ko) and open\n"
		 "# DSA/IAA work queues. Mapping a WQ portal also needs CAP_SYS_RAWIO; without\n"
		 "# it libpasid submits descriptors with write(2).\n"
		 "KERNEL==\"pasid\", SUBSYSTEM==\"misc\", GROUP=\"%s\", MODE=\"0660\"\n"
		 "SUBSYSTEM==\"dsa\", ENV{DEVNAME}==\"/dev/dsa/wq*\", GROUP=\"%s\", "
		 "MODE=\"0660\"\n"
		 "SUBSYSTEM==\"dsa|iax\", ENV{DEVNAME}==\"/dev/iax/wq*\", GROUP=\"%s\", "
		 "MODE=\"0660\"\n",
		 path, a.group, a.group, a.group, a.group, a.group);
	exists = getgrnam(a.group) != NULL;
	if (a.install) {
		rc = write_rule(g, path, rule);
		if (rc)
			return rc;
	}
	if (g->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "group", js(a.group));
		json_object_object_add(o, "group_exists", jb(exists));
		json_object_object_add(o, "path", js(path));
		json_object_object_add(o, "installed", jb(a.install));
		json_object_object_add(o, "rule", js(rule));
		json_object_object_add(pctl_doc(g), "grant", o);
		return EXIT_OK;
	}
	if (!a.install) {
		fputs(rule, stdout);
		if (g->quiet)
			return EXIT_OK;
		printf("\n# To install: pasidctl grant --group %s --install (as root)\n", a.group);
	} else {
		out(g, "Wrote %s.\n", path);
	}
	if (!exists)
		out(g, "# Group %s does not exist yet: groupadd --system %s\n", a.group, a.group);
	out(g, "# Then: usermod -aG %s USER; udevadm control --reload; "
	       "udevadm trigger -s misc -s dsa\n", a.group);
	return EXIT_OK;
}
