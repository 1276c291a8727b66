// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * output.c - human output (aligned tables, units, colour on a terminal),
 * errors that name the object and the reason, and the --json document.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pasidctl.h"

const char *col(const struct pctl *g, enum pctl_color c)
{
	static const char *const seq[] = {
		[C_NONE] = "", [C_OK] = "\033[32m", [C_WARN] = "\033[33m",
		[C_FAIL] = "\033[31;1m", [C_BOLD] = "\033[1m", [C_DIM] = "\033[2m",
	};

	return g->color ? seq[c] : "";
}

const char *col_end(const struct pctl *g)
{
	return g->color ? "\033[0m" : "";
}

/* Human output on stdout: nothing with --json or -q. */
void out(const struct pctl *g, const char *fmt, ...)
{
	va_list ap;

	if (g->json || g->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* Extra detail with -v, on stderr so that stdout stays parseable. */
void info(const struct pctl *g, const char *fmt, ...)
{
	va_list ap;

	if (!g->verbose)
		return;
	va_start(ap, fmt);
	fputs("pasidctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

const char *errno_name(int err)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EINTR, "EINTR" }, { EIO, "EIO" },
		{ ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { EAGAIN, "EAGAIN" }, { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" },
		{ ENODEV, "ENODEV" }, { EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" },
		{ ERANGE, "ERANGE" }, { ENOTTY, "ENOTTY" }, { EPROTO, "EPROTO" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EALREADY, "EALREADY" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ ENOBUFS, "ENOBUFS" }, { ENOTUNIQ, "ENOTUNIQ" }, { ESRCH, "ESRCH" }, { EOVERFLOW, "EOVERFLOW" }, { ECHILD, "ECHILD" },
	};
	size_t i;

	if (err < 0)
		err = -err;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == err)
			return names[i].name;
	return "E?";
}

static int verr(struct pctl *g, const char *object, int err, const char *detail)
{
	fprintf(stderr, "pasidctl: %s%s%s (%s)\n", object ? object : "", object ? ": " : "",
		detail, errno_name(err));
	pctl_json_error(g, object, err, detail);
	return EXIT_FAIL;
}

int pctl_err(struct pctl *g, const char *object, int err, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return verr(g, object, err, msg);
}

/*
 * The library's detail often starts with the operation or the object the
 * caller's message already names ("free: ...", "pasid_wq_open: dsa9/wq9.0:
 * ..."): drop those so a message never says a thing twice.
 */
static const char *trim_detail(const char *detail, const char *object, const char *what)
{
	const char *verb = what ? strrchr(what, ' ') : NULL;
	size_t l;
	bool again = true;

	verb = verb ? verb + 1 : what;
	while (again) {
		again = false;
		l = verb ? strlen(verb) : 0;
		if (l && !strncmp(detail, verb, l) && !strncmp(detail + l, ": ", 2)) {
			detail += l + 2;
			again = true;
		}
		if (!strncmp(detail, "pasid_", 6)) {
			const char *p = detail + 6;

			while (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
				p++;
			if (!strncmp(p, ": ", 2)) {
				detail = p + 2;
				again = true;
			}
		}
		l = object ? strlen(object) : 0;
		if (l && !strncmp(detail, object, l) && !strncmp(detail + l, ": ", 2)) {
			detail += l + 2;
			again = true;
		}
	}
	return detail;
}

const char *pctl_detail(const struct pctl *g, const char *object, const char *what, int err,
			char *buf, size_t len)
{
	const char *detail = g->ctx ? pasid_ctx_last_error(g->ctx) : "";

	if (!*detail)
		detail = strerror(err < 0 ? -err : err);
	snprintf(buf, len, "%s%s%s", what ? what : "", what ? ": " : "",
		 trim_detail(detail, object, what));
	return buf;
}

int pctl_err_ctx(struct pctl *g, const char *object, int err, const char *what)
{
	char msg[1024];

	return verr(g, object, err, pctl_detail(g, object, what, err, msg, sizeof(msg)));
}

/* ---- JSON ----------------------------------------------------------------- */

json_object *pctl_doc(struct pctl *g)
{
	if (!g->doc)
		g->doc = json_object_new_object();
	return g->doc;
}

void pctl_json_error(struct pctl *g, const char *object, int err, const char *message)
{
	json_object *e;

	if (!g->json)
		return;
	e = json_object_new_object();
	if (!e)
		return;
	json_object_object_add(e, "object", js(object ? object : ""));
	json_object_object_add(e, "errno", ji(err < 0 ? err : -err));
	json_object_object_add(e, "errno_name", js(errno_name(err)));
	json_object_object_add(e, "message", js(message));
	json_object_object_add(pctl_doc(g), "error", e);
}

json_object *js(const char *s)
{
	return json_object_new_string(s ? s : "");
}

json_object *ju(uint64_t v)
{
	return json_object_new_uint64(v);
}

json_object *ji(int64_t v)
{
	return json_object_new_int64(v);
}

json_object *jb(bool v)
{
	return json_object_new_boolean(v);
}

json_object *jrid(uint32_t rid)
{
	char buf[PASID_RID_STRLEN];

	return js(rid_str(rid, buf));
}

json_object *jrids(const uint32_t *rids, uint32_t n)
{
	json_object *a = json_object_new_array();
	uint32_t i;

	for (i = 0; a && i < n; i++)
		json_object_array_add(a, jrid(rids[i]));
	return a;
}

/* ---- tables --------------------------------------------------------------- */

void table_init(struct table *t, int ncols, ...)
{
	va_list ap;
	int i;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols > TABLE_MAX_COLS ? TABLE_MAX_COLS : ncols;
	va_start(ap, ncols);
	for (i = 0; i < t->ncols; i++) {
		const char *h = va_arg(ap, const char *);

		t->right[i] = *h == '+';
		t->head[i] = *h == '+' ? h + 1 : h;
	}
	va_end(ap);
}

void table_row(struct table *t, ...)
{
	va_list ap;
	int i;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **n = realloc(t->cells, cap * (size_t)t->ncols * sizeof(*n));

		if (!n) {
			t->oom = true;
			return;
		}
		t->cells = n;
		t->cap = cap;
	}
	va_start(ap, t);
	for (i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] = strdup(s ? s : "");
	}
	va_end(ap);
	t->nrows++;
}

static void print_cells(const struct table *t, const char *const *cells, const size_t *w)
{
	int i;

	for (i = 0; i < t->ncols; i++) {
		const char *c = cells[i] ? cells[i] : "?";

		if (i + 1 == t->ncols && !t->right[i])
			fputs(c, stdout);
		else
			printf(t->right[i] ? "%*s" : "%-*s", (int)w[i], c);
		if (i + 1 < t->ncols)
			fputs("  ", stdout);
	}
}

void table_print(const struct pctl *g, struct table *t, const char *indent)
{
	size_t w[TABLE_MAX_COLS] = { 0 }, r;
	int i;

	if (g->json || g->quiet)
		return;
	for (i = 0; i < t->ncols; i++)
		w[i] = strlen(t->head[i]);
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++) {
			const char *c = t->cells[r * (size_t)t->ncols + (size_t)i];
			size_t l = c ? strlen(c) : 1;

			if (l > w[i])
				w[i] = l;
		}
	printf("%s%s", indent ? indent : "", col(g, C_BOLD));
	print_cells(t, t->head, w);
	printf("%s\n", col_end(g));
	for (r = 0; r < t->nrows; r++) {
		fputs(indent ? indent : "", stdout);
		print_cells(t, (const char *const *)&t->cells[r * (size_t)t->ncols], w);
		fputc('\n', stdout);
	}
}

void table_free(struct table *t)
{
	size_t i;

	for (i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

/* ---- units ---------------------------------------------------------------- */

const char *fmt_bytes(uint64_t v, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;
	double d = (double)v;

	while (d >= 1024 && u < 4) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)v);
	else if (d == (double)(uint64_t)d)
		snprintf(buf, len, "%llu %s", (unsigned long long)d, unit[u]);
	else
		snprintf(buf, len, "%.1f %s", d, unit[u]);
	return buf;
}

const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%llu ns", (unsigned long long)ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.1f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", (double)ns / 1e9);
	return buf;
}
