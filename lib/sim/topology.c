// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * topology.c - the SIMULATED platform's shape: the built-in default (one
 * socket of a Sapphire Rapids server) or a JSON file (format in sim.h).
 *
 * The loader is strict: unknown keys, wrong types, duplicate names or RIDs
 * are errors naming the file and the JSON path, and nothing is kept.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "internal.h"
#include "lazy_json.h"
#include "sim.h"

#define SIM_MAX_RIDS	4096
#define SIM_MAX_DEVICES	256
#define SIM_MAX_WQS	8
#define SIM_TOPO_MAX_FILE (1 << 20)

#define DEFAULT_WQ_SIZE		32
#define DEFAULT_MAX_XFER	(2u << 20)	/* idxd's WQ_DEFAULT_MAX_XFER */
#define DEFAULT_MAX_BATCH	32		/* idxd's WQ_DEFAULT_MAX_BATCH */

void sim_topology_free(struct sim_topology *t)
{
	if (!t)
		return;
	free(t->rids);
	free(t->devices);
	free(t->wqs);
	free(t);
}

static struct sim_topology *topology_new(unsigned int max_rids, unsigned int max_devs,
					 unsigned int max_wqs)
{
	struct sim_topology *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->rids = calloc(max_rids ? max_rids : 1, sizeof(*t->rids));
	t->devices = calloc(max_devs ? max_devs : 1, sizeof(*t->devices));
	t->wqs = calloc(max_wqs ? max_wqs : 1, sizeof(*t->wqs));
	if (!t->rids || !t->devices || !t->wqs) {
		sim_topology_free(t);
		return NULL;
	}
	return t;
}

static void add_wq(struct sim_topology *t, unsigned int dev, const char *name,
		   enum sim_wq_mode mode, uint32_t size)
{
	struct sim_wq *wq = &t->wqs[t->nr_wqs++];

	snprintf(wq->name, sizeof(wq->name), "%s", name);
	wq->device = dev;
	wq->mode = mode;
	wq->size = size;
	wq->max_transfer_size = DEFAULT_MAX_XFER;
	wq->max_batch_size = DEFAULT_MAX_BATCH;
}

int sim_topology_default(struct sim_topology **ret)
{
	static const struct {
		const char *name, *type;
		uint32_t rid;
	} devs[] = {
		{ "dsa0", "dsa", 0x6a08 },	/* 0000:6a:01.0 */
		{ "iax1", "iax", 0x6a10 },	/* 0000:6a:02.0 */
		{ "dsa2", "dsa", 0xe708 },	/* 0000:e7:01.0 */
		{ "iax3", "iax", 0xe710 },	/* 0000:e7:02.0 */
	};
	struct sim_topology *t = topology_new(5, 4, 8);
	unsigned int i;

	if (!t)
		return -ENOMEM;
	snprintf(t->source, sizeof(t->source), "built-in");
	for (i = 0; i < 4; i++) {
		struct sim_device *d = &t->devices[t->nr_devices++];
		char name[SIM_NAME_LEN];

		snprintf(d->name, sizeof(d->name), "%s", devs[i].name);
		snprintf(d->type, sizeof(d->type), "%s", devs[i].type);
		d->rid = devs[i].rid;
		t->rids[t->nr_rids++] = (struct sim_rid){ devs[i].rid, 20 };
		snprintf(name, sizeof(name), "wq%u.0", i);
		add_wq(t, i, name, SIM_WQ_SHARED, DEFAULT_WQ_SIZE);
		snprintf(name, sizeof(name), "wq%u.1", i);
		add_wq(t, i, name, SIM_WQ_DEDICATED, DEFAULT_WQ_SIZE / 2);
	}
	/* a narrower PASID-capable function: globals must fit it */
	t->rids[t->nr_rids++] = (struct sim_rid){ 0x0020, 8 };	/* 0000:00:04.0 */
	*ret = t;
	return 0;
}

/* ---- the file loader ------------------------------------------------------ */

struct loader {
	const char *path;
	char *err;
	size_t errlen;
	struct sim_topology *t;
};

static int fail(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct loader *l, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(l->err, l->errlen, "topology %s: %s", l->path, msg);
	return -EINVAL;
}

/* Reject keys other than @allowed (NULL-terminated). */
static int only_keys(struct loader *l, json_object *obj, const char *where,
		     const char *const *allowed)
{
	json_object_object_foreach(obj, key, val) {
		const char *const *k;

		(void)val;
		for (k = allowed; *k; k++)
			if (!strcmp(*k, key))
				break;
		if (!*k)
			return fail(l, "%s: unknown key \"%s\"", where, key);
	}
	return 0;
}

static int get_typed(struct loader *l, json_object *obj, const char *where, const char *key,
		     json_type type, bool required, json_object **ret)
{
	*ret = NULL;
	if (!json_object_object_get_ex(obj, key, ret)) {
		if (required)
			return fail(l, "%s: missing key \"%s\"", where, key);
		return 0;
	}
	if (!json_object_is_type(*ret, type))
		return fail(l, "%s.%s: expected %s", where, key, json_type_to_name(type));
	return 0;
}

static int get_uint(struct loader *l, json_object *obj, const char *where, const char *key,
		    bool required, int64_t min, int64_t max, uint32_t *ret)
{
	json_object *v;
	int64_t n;
	int err = get_typed(l, obj, where, key, json_type_int, required, &v);

	if (err || !v)
		return err;
	errno = 0;
	n = json_object_get_int64(v);
	if (errno || n < min || n > max)
		return fail(l, "%s.%s: %lld is outside %lld..%lld", where, key, (long long)n,
			    (long long)min, (long long)max);
	*ret = (uint32_t)n;
	return 0;
}

static int get_rid(struct loader *l, json_object *obj, const char *where, uint32_t *ret)
{
	json_object *v;
	int err = get_typed(l, obj, where, "rid", json_type_string, true, &v);

	if (err)
		return err;
	if (pasid_rid_parse(json_object_get_string(v), ret))
		return fail(l, "%s.rid: \"%.32s\" is not a PCI address like 0000:6a:01.0", where,
			    json_object_get_string(v));
	return 0;
}

static int get_name(struct loader *l, json_object *obj, const char *where, char *buf)
{
	json_object *v;
	const char *s;
	int err = get_typed(l, obj, where, "name", json_type_string, true, &v);

	if (err)
		return err;
	s = json_object_get_string(v);
	if (!*s || strlen(s) >= SIM_NAME_LEN || strpbrk(s, "/ \t\n"))
		return fail(l, "%s.name: \"%.40s\" must be 1..%d characters without '/' or spaces",
			    where, s, SIM_NAME_LEN - 1);
	strcpy(buf, s);
	return 0;
}

static int add_rid(struct loader *l, const char *where, uint32_t rid, uint32_t width)
{
	struct sim_topology *t = l->t;
	unsigned int i;
	char buf[PASID_RID_STRLEN];

	for (i = 0; i < t->nr_rids; i++)
		if (t->rids[i].rid == rid)
			return fail(l, "%s: RID %s appears twice", where, pasid_rid_str(rid, buf));
	if (t->nr_rids >= SIM_MAX_RIDS)
		return fail(l, "%s: more than %d RIDs", where, SIM_MAX_RIDS);
	t->rids[t->nr_rids++] = (struct sim_rid){ rid, width };
	return 0;
}

static int load_rids(struct loader *l, json_object *arr)
{
	static const char *const keys[] = { "rid", "width", NULL };
	size_t i, n = json_object_array_length(arr);
	char where[64];
	int err;

	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		uint32_t rid, width;

		snprintf(where, sizeof(where), "rids[%zu]", i);
		if (!json_object_is_type(e, json_type_object))
			return fail(l, "%s: expected an object", where);
		err = only_keys(l, e, where, keys);
		err = err ?: get_rid(l, e, where, &rid);
		err = err ?: get_uint(l, e, where, "width", true, 1, PASID_WIDTH_MAX, &width);
		err = err ?: add_rid(l, where, rid, width);
		if (err)
			return err;
	}
	return 0;
}

static int load_wq(struct loader *l, json_object *e, const char *where, unsigned int dev)
{
	static const char *const keys[] = { "name", "mode", "size", "max_transfer_size",
					    "max_batch_size", "block_on_fault", NULL };
	struct sim_topology *t = l->t;
	struct sim_wq *wq = &t->wqs[t->nr_wqs];
	json_object *mode, *bof;
	unsigned int i;
	int err;

	if (!json_object_is_type(e, json_type_object))
		return fail(l, "%s: expected an object", where);
	memset(wq, 0, sizeof(*wq));
	wq->device = dev;
	wq->size = DEFAULT_WQ_SIZE;
	wq->max_transfer_size = DEFAULT_MAX_XFER;
	wq->max_batch_size = DEFAULT_MAX_BATCH;
	err = only_keys(l, e, where, keys);
	err = err ?: get_name(l, e, where, wq->name);
	err = err ?: get_typed(l, e, where, "mode", json_type_string, true, &mode);
	err = err ?: get_uint(l, e, where, "size", false, 1, 128, &wq->size);
	err = err ?: get_uint(l, e, where, "max_transfer_size", false, 1, 1u << 31,
			      &wq->max_transfer_size);
	err = err ?: get_uint(l, e, where, "max_batch_size", false, 2, 1024, &wq->max_batch_size);
	err = err ?: get_typed(l, e, where, "block_on_fault", json_type_boolean, false, &bof);
	if (err)
		return err;
	if (!strcmp(json_object_get_string(mode), "shared"))
		wq->mode = SIM_WQ_SHARED;
	else if (!strcmp(json_object_get_string(mode), "dedicated"))
		wq->mode = SIM_WQ_DEDICATED;
	else
		return fail(l, "%s.mode: \"%.20s\" is neither \"shared\" nor \"dedicated\"", where,
			    json_object_get_string(mode));
	wq->block_on_fault = bof && json_object_get_boolean(bof);
	for (i = 0; i < t->nr_wqs; i++)
		if (t->wqs[i].device == dev && !strcmp(t->wqs[i].name, wq->name))
			return fail(l, "%s.name: \"%s\" appears twice on this device", where,
				    wq->name);
	t->nr_wqs++;
	return 0;
}

static int load_devices(struct loader *l, json_object *arr)
{
	static const char *const keys[] = { "name", "type", "rid", "width", "numa_node", "wqs",
					    NULL };
	size_t i, j, n = json_object_array_length(arr);
	struct sim_topology *t = l->t;
	char where[64], wwhere[96];
	int err;

	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i), *type, *wqs;
		struct sim_device *d = &t->devices[t->nr_devices];
		uint32_t width = PASID_WIDTH_MAX, numa = 0;
		unsigned int k;

		snprintf(where, sizeof(where), "devices[%zu]", i);
		if (!json_object_is_type(e, json_type_object))
			return fail(l, "%s: expected an object", where);
		memset(d, 0, sizeof(*d));
		err = only_keys(l, e, where, keys);
		err = err ?: get_name(l, e, where, d->name);
		err = err ?: get_typed(l, e, where, "type", json_type_string, true, &type);
		err = err ?: get_rid(l, e, where, &d->rid);
		err = err ?: get_uint(l, e, where, "width", false, 1, PASID_WIDTH_MAX, &width);
		err = err ?: get_uint(l, e, where, "numa_node", false, 0, 1023, &numa);
		err = err ?: get_typed(l, e, where, "wqs", json_type_array, false, &wqs);
		if (err)
			return err;
		if (strcmp(json_object_get_string(type), "dsa") &&
		    strcmp(json_object_get_string(type), "iax"))
			return fail(l, "%s.type: \"%.20s\" is neither \"dsa\" nor \"iax\"", where,
				    json_object_get_string(type));
		snprintf(d->type, sizeof(d->type), "%s", json_object_get_string(type));
		d->numa_node = (int)numa;
		for (k = 0; k < t->nr_devices; k++)
			if (!strcmp(t->devices[k].name, d->name))
				return fail(l, "%s.name: \"%s\" appears twice", where, d->name);
		err = add_rid(l, where, d->rid, width);
		if (err)
			return err;
		if (wqs && json_object_array_length(wqs) > SIM_MAX_WQS)
			return fail(l, "%s.wqs: more than %d work queues", where, SIM_MAX_WQS);
		for (j = 0; wqs && j < json_object_array_length(wqs); j++) {
			snprintf(wwhere, sizeof(wwhere), "%s.wqs[%zu]", where, j);
			err = load_wq(l, json_object_array_get_idx(wqs, j), wwhere, t->nr_devices);
			if (err)
				return err;
		}
		t->nr_devices++;
	}
	return 0;
}

static char *read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f) {
		snprintf(err, errlen, "topology %s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(SIM_TOPO_MAX_FILE + 1);
	n = buf ? fread(buf, 1, SIM_TOPO_MAX_FILE + 1, f) : 0;
	fclose(f);
	if (!buf) {
		snprintf(err, errlen, "topology %s: out of memory", path);
		return NULL;
	}
	if (n > SIM_TOPO_MAX_FILE) {
		snprintf(err, errlen, "topology %s: larger than %d bytes", path, SIM_TOPO_MAX_FILE);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		snprintf(err, errlen, "topology %s: contains a NUL byte", path);
		free(buf);
		return NULL;
	}
	return buf;
}

/* Parse @text; on a syntax error say at which line and column. */
static json_object *parse_json(struct loader *l, const char *text)
{
	json_tokener *tok = json_tokener_new();
	json_object *root;
	size_t len = strlen(text);
	int line = 1, col = 1;
	size_t i, off;

	if (!tok) {
		fail(l, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);	/* no trailing commas etc. */
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (root && json_tokener_get_parse_end(tok) < len) {
		/* allow trailing whitespace only */
		for (i = json_tokener_get_parse_end(tok); i < len; i++)
			if (!strchr(" \t\r\n", text[i]))
				break;
		if (i < len) {
			json_object_put(root);
			root = NULL;
			json_tokener_free(tok);
			for (off = 0; off < i; off++, col++)
				if (text[off] == '\n')
					line++, col = 0;
			fail(l, "line %d, column %d: trailing text after the JSON document", line, col);
			return NULL;
		}
	}
	if (!root) {
		enum json_tokener_error jerr = json_tokener_get_error(tok);

		off = json_tokener_get_parse_end(tok);
		for (i = 0; i < off && i < len; i++, col++)
			if (text[i] == '\n')
				line++, col = 0;
		fail(l, "line %d, column %d: %s", line, col,
		     jerr == json_tokener_continue ? "unexpected end of file"
						   : json_tokener_error_desc(jerr));
	}
	json_tokener_free(tok);
	return root;
}

int sim_topology_load(const char *path, struct sim_topology **ret, char *err, size_t errlen)
{
	static const char *const keys[] = { "rids", "devices", NULL };
	struct loader l = { .path = path, .err = err, .errlen = errlen };
	json_object *root, *rids, *devs;
	const char *why;
	char *text;
	size_t nr_wqs = 0, i;
	int rc;

	*ret = NULL;
	/* json-c is loaded only when a topology file is: the built-in one needs none */
	rc = lazy_json_load(&why);
	if (rc) {
		snprintf(err, errlen, "topology %s: %s", path, why);
		return rc;
	}
	text = read_file(path, err, errlen);
	if (!text)
		return errno == ENOENT ? -ENOENT : -EINVAL;
	root = parse_json(&l, text);
	free(text);
	if (!root)
		return -EINVAL;

	rc = json_object_is_type(root, json_type_object) ? 0 : fail(&l, "top level: expected an object");
	rc = rc ?: only_keys(&l, root, "top level", keys);
	rc = rc ?: get_typed(&l, root, "top level", "rids", json_type_array, false, &rids);
	rc = rc ?: get_typed(&l, root, "top level", "devices", json_type_array, false, &devs);
	if (rc)
		goto out;
	if (devs && json_object_array_length(devs) > SIM_MAX_DEVICES) {
		rc = fail(&l, "devices: more than %d devices", SIM_MAX_DEVICES);
		goto out;
	}
	if (rids && json_object_array_length(rids) > SIM_MAX_RIDS) {
		rc = fail(&l, "rids: more than %d RIDs", SIM_MAX_RIDS);
		goto out;
	}
	for (i = 0; devs && i < json_object_array_length(devs); i++) {
		json_object *w;

		if (json_object_object_get_ex(json_object_array_get_idx(devs, i), "wqs", &w) &&
		    json_object_is_type(w, json_type_array))
			nr_wqs += json_object_array_length(w);
	}
	l.t = topology_new(SIM_MAX_RIDS, devs ? json_object_array_length(devs) : 0,
			   nr_wqs > SIM_MAX_DEVICES * SIM_MAX_WQS ? SIM_MAX_DEVICES * SIM_MAX_WQS
								    : nr_wqs);
	if (!l.t) {
		rc = -ENOMEM;
		snprintf(err, errlen, "topology %s: out of memory", path);
		goto out;
	}
	snprintf(l.t->source, sizeof(l.t->source), "%s", path);
	rc = rids ? load_rids(&l, rids) : 0;
	rc = rc ?: (devs ? load_devices(&l, devs) : 0);
	if (!rc && l.t->nr_rids == 0)
		rc = fail(&l, "no RIDs: give \"rids\" or \"devices\"");
	if (rc) {
		sim_topology_free(l.t);
		goto out;
	}
	*ret = l.t;
out:
	json_object_put(root);
	return rc;
}
