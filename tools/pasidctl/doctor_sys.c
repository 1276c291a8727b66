// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * doctor_sys.c - reading the system for "pasidctl doctor": files below the
 * optional root (PASIDCTL_SYSROOT or --sysroot, a testing aid), the kernel
 * config from /boot/config-RELEASE or /proc/config.gz (through gzip -dc).
 */
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor.h"

#define CONFIG_MAX (8u << 20)

int dr_path(const struct doctor *d, const char *path, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s%s", d->root, path) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int dr_read_bin(const struct doctor *d, const char *path, uint8_t *buf, size_t len,
		size_t *ret_len)
{
	char p[4096];
	size_t got = 0;
	ssize_t n;
	int fd, err = dr_path(d, path, p, sizeof(p));

	if (err)
		return err;
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < len && (n = read(fd, buf + got, len - got)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	*ret_len = got;
	return err;
}

int dr_read(const struct doctor *d, const char *path, char *buf, size_t len)
{
	size_t n = 0, i;
	int err;

	if (!len)
		return -EINVAL;
	err = dr_read_bin(d, path, (uint8_t *)buf, len - 1, &n);
	buf[err ? 0 : n] = '\0';
	/* text only: what doctor prints never carries control bytes or invalid UTF-8 */
	for (i = 0; !err && i < n; i++)
		if ((unsigned char)buf[i] >= 0x7f ||
		    ((unsigned char)buf[i] < 0x20 && !isspace((unsigned char)buf[i])))
			buf[i] = '?';
	while (n && !err && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return err;
}

bool dr_exists(const struct doctor *d, const char *path)
{
	char p[4096];

	return !dr_path(d, path, p, sizeof(p)) && access(p, F_OK) == 0;
}

bool dr_has_word(const char *text, const char *word)
{
	size_t l = strlen(word);
	const char *p = text;

	while ((p = strstr(p, word))) {
		bool start = p == text || isspace((unsigned char)p[-1]);
		bool end = !p[l] || isspace((unsigned char)p[l]);

		if (start && end)
			return true;
		p += l;
	}
	return false;
}

static char *slurp_fd(int fd, size_t max)
{
	size_t cap = 65536, got = 0;
	char *buf = malloc(cap + 1), *n;
	ssize_t r;

	if (!buf)
		return NULL;
	for (;;) {
		if (got == cap) {
			if (cap >= max)
				break;
			cap *= 2;
			n = realloc(buf, cap + 1);
			if (!n) {
				free(buf);
				return NULL;
			}
			buf = n;
		}
		r = read(fd, buf + got, cap - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	buf[got] = '\0';
	return buf;
}

/* gzip -dc < @path; NULL if gzip is missing or fails. */
static char *gunzip(const char *path)
{
	int in, p[2], status;
	char *text;
	pid_t pid;

	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return NULL;
	if (pipe2(p, O_CLOEXEC)) {
		close(in);
		return NULL;
	}
	pid = fork();
	if (pid == 0) {
		dup2(in, 0);
		dup2(p[1], 1);
		execlp("gzip", "gzip", "-dc", (char *)NULL);
		_exit(127);
	}
	close(in);
	close(p[1]);
	text = pid > 0 ? slurp_fd(p[0], CONFIG_MAX) : NULL;
	close(p[0]);
	if (pid > 0 && (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
			WEXITSTATUS(status))) {
		free(text);
		text = NULL;
	}
	return text;
}

int dr_load_config(struct doctor *d, char **ret_text, char *where, size_t wlen)
{
	char rel[128], path[4096], boot[256];
	struct utsname u;
	int fd;

	*ret_text = NULL;
	if (dr_read(d, "/proc/sys/kernel/osrelease", rel, sizeof(rel))) {
		if (*d->root || uname(&u))
			rel[0] = '\0';
		else
			snprintf(rel, sizeof(rel), "%s", u.release);
	}
	if (*rel) {
		snprintf(boot, sizeof(boot), "/boot/config-%s", rel);
		if (!dr_path(d, boot, path, sizeof(path))) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				*ret_text = slurp_fd(fd, CONFIG_MAX);
				close(fd);
				snprintf(where, wlen, "%s", boot);
				if (*ret_text)
					return 0;
			}
		}
	}
	if (!dr_path(d, "/proc/config.gz", path, sizeof(path)) && !access(path, R_OK)) {
		*ret_text = gunzip(path);
		snprintf(where, wlen, "/proc/config.gz");
		if (*ret_text)
			return 0;
	}
	snprintf(where, wlen, "/boot/config-%s", *rel ? rel : "RELEASE");
	return -ENOENT;
}

const char *dr_config_value(const char *text, const char *option, char *buf, size_t len)
{
	size_t l = strlen(option);
	const char *p = text;
	char notset[128];

	snprintf(notset, sizeof(notset), "# %s is not set", option);
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);

		if (ll > l + 1 && !strncmp(p, option, l) && p[l] == '=') {
			size_t vl = ll - l - 1;

			snprintf(buf, len, "%.*s", (int)(vl < len ? vl : len - 1), p + l + 1);
			return buf;
		}
		if (ll == strlen(notset) && !strncmp(p, notset, ll)) {
			snprintf(buf, len, "n");
			return buf;
		}
		p = eol ? eol + 1 : NULL;
	}
	snprintf(buf, len, "n");
	return buf;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

unsigned int dr_list_dir(const struct doctor *d, const char *path, char **names,
			 unsigned int max)
{
	char full[4096];
	unsigned int n = 0;
	struct dirent *e;
	DIR *dir;

	dr_path(d, path, full, sizeof(full));
	dir = opendir(full);
	while (dir && (e = readdir(dir)) && n < max) {
		if (e->d_name[0] == '.')
			continue;
		names[n] = strdup(e->d_name);
		if (names[n])
			n++;
	}
	if (dir)
		closedir(dir);
	qsort(names, n, sizeof(names[0]), cmp_name);
	return n;
}
