// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * holder.c - a pasidctl that holds a PASID ("alloc --hold", "alloc --
 * COMMAND") answers "free" and "extend" from other pasidctl runs of the same
 * user on a unix socket, because a PASID belongs to the context that
 * allocated it (an open /dev/pasid file, or the SIMULATED platform inside
 * that pasidctl process): no other process can free or extend it.
 *
 * Sockets live in $XDG_RUNTIME_DIR/pasidctl (or /run/pasidctl for root), a
 * directory of mode 0700 owned by the user, as holder-PID.sock (0600); both
 * sides also check the peer's uid (SO_PEERCRED), so only the same uid talks
 * to a holder.
 *
 * Protocol (SOCK_SEQPACKET, one request and one reply per connection):
 *   request "1 BACKEND has PASID", "1 BACKEND free PASID" or
 *           "1 BACKEND extend PASID RID"
 *   reply   "skip" (not held here) or "ERRNO\tOBJECT\tDETAIL" (ERRNO 0: done)
 * Group PASIDs of disjoint groups may share a value, so two holders may hold
 * the same one: the client asks "has" first and acts only on a single holder.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "holder.h"

#define MSG_MAX		1024
#define CLIENT_TIMEOUT	5	/* seconds a request may take */

static const char *backend_word(const struct pctl *g)
{
	return pctl_is_sim(g) ? "sim" : "kernel";
}

int holder_dir(char *buf, size_t len, bool create, char *why, size_t wlen)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	buf[0] = '\0';
	if (x && *x == '/')
		snprintf(buf, len, "%s/pasidctl", x);
	else if (geteuid() == 0)
		snprintf(buf, len, "/run/pasidctl");
	else {
		snprintf(why, wlen, "XDG_RUNTIME_DIR is not set (and /run/pasidctl is root's)");
		return -ENOENT;
	}
	if (strlen(buf) + sizeof("/holder-4294967295.sock") > sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(why, wlen, "%s: too long for a unix socket path", buf);
		return -ENAMETOOLONG;
	}
	if (create && mkdir(buf, 0700) && errno != EEXIST) {
		int err = errno;

		snprintf(why, wlen, "%s: cannot create: %s", buf, strerror(err));
		return -err;
	}
	if (lstat(buf, &st)) {
		int err = errno;

		snprintf(why, wlen, "%s: %s", buf, strerror(err));
		return -err;
	}
	/* another user's directory could hold a fake holder: trust only our own */
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		snprintf(why, wlen, "%s is not a directory of mode 0700 owned by uid %u",
			 buf, (unsigned int)geteuid());
		return -EPERM;
	}
	return 0;
}

static bool peer_is_us(int fd)
{
	struct ucred c;
	socklen_t l = sizeof(c);

	return !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &c, &l) && c.uid == geteuid();
}

/* ---- the holder --------------------------------------------------------- */

void holder_start(struct pctl *g, struct holder *h, uint32_t pasid)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char dir[sizeof(a.sun_path)], why[300];
	int err;

	h->fd = -1;
	h->pasid = pasid;
	h->held = true;
	h->path[0] = '\0';
	err = holder_dir(dir, sizeof(dir), true, why, sizeof(why));
	if (err) {
		fprintf(stderr, "pasidctl: warning: holder socket: %s: 'pasidctl free' and "
			"'extend' cannot reach PASID %u\n", why, pasid);
		return;
	}
	/* holder_dir() left room for the name */
	if ((size_t)snprintf(h->path, sizeof(h->path), "%s/holder-%d.sock", dir,
			     (int)getpid()) >= sizeof(h->path))
		return;
	memcpy(a.sun_path, h->path, sizeof(a.sun_path));
	h->fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	unlink(h->path);	/* a dead process of this pid left it */
	if (h->fd < 0 || bind(h->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    chmod(h->path, 0600) || listen(h->fd, 8)) {
		err = errno;
		fprintf(stderr, "pasidctl: warning: holder socket %s: %s: 'pasidctl free' and "
			"'extend' cannot reach PASID %u\n", h->path, strerror(err), pasid);
		holder_stop(h);
		return;
	}
	info(g, "holder socket %s", h->path);
}

void holder_stop(struct holder *h)
{
	if (h->fd >= 0) {
		close(h->fd);
		unlink(h->path);
	}
	h->fd = -1;
}

static void reply(int fd, int err, const char *object, const char *detail)
{
	char msg[MSG_MAX];
	int n = snprintf(msg, sizeof(msg), "%d\t%s\t%s", err, object, detail);

	if (n > 0)
		send(fd, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1, MSG_NOSIGNAL);
}

static void handle(struct pctl *g, struct holder *h, int fd, char *req)
{
	char backend[16], op[16], ridtext[64] = "", object[128], rs[PASID_RID_STRLEN];
	char detail[600];
	unsigned int pasid;
	uint32_t rid;
	int n, rc;

	n = sscanf(req, "1 %15s %15s %u %63s", backend, op, &pasid, ridtext);
	if (n < 3 || (strcmp(op, "free") && strcmp(op, "extend") && strcmp(op, "has")) ||
	    (!strcmp(op, "extend") && n != 4)) {
		reply(fd, EINVAL, "holder", "malformed request");
		return;
	}
	if (strcmp(backend, backend_word(g)) || !h->held || pasid != h->pasid) {
		send(fd, "skip", 4, MSG_NOSIGNAL);
		return;
	}
	if (!strcmp(op, "has")) {
		reply(fd, 0, "", "");
		return;
	}
	if (!strcmp(op, "free")) {
		snprintf(object, sizeof(object), "PASID %u", pasid);
		rc = pasid_free(g->ctx, pasid);
		if (!rc) {
			h->held = false;
			info(g, "PASID %u freed on request", pasid);
		}
		pctl_detail(g, object, "cannot free", rc, detail, sizeof(detail));
		reply(fd, -rc, object, rc ? detail : "");
		return;
	}
	if (parse_rid(g->ctx, ridtext, &rid)) {
		snprintf(object, sizeof(object), "PASID %u on %s", pasid, ridtext);
		reply(fd, ENODEV, object, "cannot extend: not a RID or device of this platform");
		return;
	}
	snprintf(object, sizeof(object), "PASID %u on %s", pasid, rid_str(rid, rs));
	rc = pasid_extend(g->ctx, pasid, rid);
	if (!rc)
		info(g, "PASID %u extended to %s on request", pasid, rs);
	pctl_detail(g, object, "cannot extend", rc, detail, sizeof(detail));
	reply(fd, -rc, object, rc ? detail : "");
}

void holder_serve(struct pctl *g, struct holder *h)
{
	struct timeval tv = { .tv_sec = 1 };
	char req[MSG_MAX];
	ssize_t n;
	int fd;

	while ((fd = accept4(h->fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		if (!peer_is_us(fd)) {
			close(fd);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		n = recv(fd, req, sizeof(req) - 1, 0);
		if (n > 0) {
			req[n] = '\0';
			handle(g, h, fd, req);
		}
		close(fd);
	}
}

/* ---- the client --------------------------------------------------------- */

/* One holder: 1 it answered (*@err, @object, @detail set), 0 skip, <0 unreachable. */
static int ask(const char *path, const char *req, int *err, char *object, size_t olen,
	       char *detail, size_t dlen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = CLIENT_TIMEOUT };
	char msg[MSG_MAX], *t1, *t2;
	ssize_t n;
	int fd, e;

	if ((size_t)snprintf(a.sun_path, sizeof(a.sun_path), "%s", path) >= sizeof(a.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		e = -errno;
		close(fd);
		return e;
	}
	if (!peer_is_us(fd) || send(fd, req, strlen(req), MSG_NOSIGNAL) < 0 ||
	    (n = recv(fd, msg, sizeof(msg) - 1, 0)) <= 0) {
		close(fd);
		return -EPROTO;
	}
	close(fd);
	msg[n] = '\0';
	if (!strcmp(msg, "skip"))
		return 0;
	t1 = strchr(msg, '\t');
	t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
	if (!t2 || sscanf(msg, "%d", err) != 1)
		return -EPROTO;
	*t2 = '\0';
	snprintf(object, olen, "%s", t1 + 1);
	snprintf(detail, dlen, "%s", t2 + 1);
	return 1;
}

static bool holder_name(const char *name, int *pid)
{
	int end = 0;

	return sscanf(name, "holder-%d.sock%n", pid, &end) == 1 && end && !name[end] && *pid > 0;
}

/* The pid of $PASIDCTL_HOLDER (set for COMMAND by its holder), or 0. */
static int env_holder(void)
{
	const char *e = getenv("PASIDCTL_HOLDER"), *b = e ? strrchr(e, '/') : NULL;
	int pid;

	return b && holder_name(b + 1, &pid) ? pid : 0;
}

int holder_call(struct pctl *g, const char *op, uint32_t pasid, const char *rid, int want,
		struct holder_answer *ans)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)], path[sizeof(dir) + 256];
	char req[200], obj[8], det[8];
	int err, pid, e, pids[16], n = 0, chosen = 0, i;
	struct dirent *de;
	DIR *d;

	memset(ans, 0, sizeof(*ans));
	err = holder_dir(dir, sizeof(dir), false, ans->detail, sizeof(ans->detail));
	if (err == -ENOENT && *dir)
		return -ESRCH;	/* no directory: nobody holds anything */
	if (err)
		return err;
	d = opendir(dir);
	if (!d) {
		err = -errno;
		snprintf(ans->detail, sizeof(ans->detail), "%s: %s", dir, strerror(-err));
		return err;
	}
	snprintf(req, sizeof(req), "1 %s has %u", backend_word(g), pasid);
	while ((de = readdir(d)) && n < 16) {
		if (!holder_name(de->d_name, &pid) || (want && pid != want))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= sizeof(path))
			continue;
		err = ask(path, req, &e, obj, sizeof(obj), det, sizeof(det));
		if (err == 1 && !e)
			pids[n++] = pid;
		/* a holder that died without cleaning up */
		else if (err == -ECONNREFUSED && kill(pid, 0) && errno == ESRCH)
			unlink(path);
	}
	closedir(d);
	if (!n)
		return -ESRCH;
	chosen = n == 1 ? pids[0] : 0;
	for (i = 0; !chosen && i < n; i++)
		if (pids[i] == env_holder())
			chosen = pids[i];
	if (!chosen) {
		int l = snprintf(ans->detail, sizeof(ans->detail), "held by %d pasidctl holders "
				 "(pids", n);

		for (i = 0; i < n && l > 0 && (size_t)l < sizeof(ans->detail); i++)
			l += snprintf(ans->detail + l, sizeof(ans->detail) - (size_t)l, "%s %d",
				      i ? "," : "", pids[i]);
		if (l > 0 && (size_t)l < sizeof(ans->detail))
			snprintf(ans->detail + l, sizeof(ans->detail) - (size_t)l,
				 "), each on its own group: name one with --holder PID");
		return -ENOTUNIQ;
	}
	snprintf(req, sizeof(req), "1 %s %s %u%s%s", backend_word(g), op, pasid, rid ? " " : "",
		 rid ? rid : "");
	snprintf(path, sizeof(path), "%s/holder-%d.sock", dir, chosen);
	err = ask(path, req, &ans->err, ans->object, sizeof(ans->object), ans->detail,
		  sizeof(ans->detail));
	if (err == 1) {
		ans->pid = chosen;
		return 0;
	}
	if (!err)
		return -ESRCH;	/* freed in between */
	snprintf(ans->detail, sizeof(ans->detail), "holder %d: %s", chosen, strerror(-err));
	return err;
}
