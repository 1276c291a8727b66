// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cmd_list.c - "pasidctl list" (every allocation: genl dump on the kernel,
 * the platform on the sim) and "pasidctl rids".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pasidctl.h"

struct list_state {
	struct pctl *g;
	struct table t;
	json_object *arr;
	unsigned int n;
};

static void rid_list_str(const uint32_t *rids, uint32_t n, char *buf, size_t len)
{
	char r[PASID_RID_STRLEN];
	size_t used = 0;
	uint32_t i;

	buf[0] = '\0';
	for (i = 0; i < n && used + 1 < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? "," : "", rid_str(rids[i], r));

		if (w < 0 || (size_t)w >= len - used) {
			snprintf(buf + (len > 4 ? len - 4 : 0), len > 4 ? 4 : len, "...");
			return;
		}
		used += (size_t)w;
	}
}

static int alloc_cb(const struct pasid_alloc_info *a, void *data)
{
	struct list_state *s = data;
	char pasid[16], rids[256], att[256], owner[48];

	s->n++;
	if (s->g->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "pasid", ju(a->pasid));
		json_object_object_add(o, "intent", js(pasid_intent_name(a->intent)));
		json_object_object_add(o, "rids", jrids(a->rids, a->nr_rids));
		json_object_object_add(o, "attached", jrids(a->attached, a->nr_attached));
		json_object_object_add(o, "owner_pid", ji(a->owner_pid));
		json_object_object_add(o, "owner_comm", js(a->owner_comm));
		json_object_object_add(o, "mine", jb(a->flags & PASID_INFO_MINE));
		json_object_object_add(o, "external", jb(a->flags & PASID_INFO_EXTERNAL));
		json_object_array_add(s->arr, o);
		return 0;
	}
	snprintf(pasid, sizeof(pasid), "%u", a->pasid);
	if (a->intent == PASID_INTENT_GLOBAL_ENQCMD)
		snprintf(rids, sizeof(rids), "(every RID)");
	else
		rid_list_str(a->rids, a->nr_rids, rids, sizeof(rids));
	rid_list_str(a->attached, a->nr_attached, att, sizeof(att));
	if (a->owner_pid)
		snprintf(owner, sizeof(owner), "%d%s%s%s", a->owner_pid, *a->owner_comm ? " (" : "",
			 a->owner_comm, *a->owner_comm ? ")" : "");
	else
		snprintf(owner, sizeof(owner), "(hidden)");
	if (a->flags & PASID_INFO_MINE)
		strncat(owner, " *", sizeof(owner) - strlen(owner) - 1);
	table_row(&s->t, pasid, pasid_intent_name(a->intent), owner, *att ? att : "-", rids);
	return 0;
}

/* Times "list" reads allocations that keep changing before it gives up. */
#define LIST_TRIES 5

int pctl_print_allocs(struct pctl *g, const char *indent)
{
	struct list_state s = { .g = g };
	int rc;

	int tries = 0;

	/*
	 * -EAGAIN: the allocations kept changing while the library read them
	 * (it retries itself); try again a few times after a pause.
	 */
	for (;;) {
		table_init(&s.t, 5, "+PASID", "INTENT", "OWNER", "ATTACHED", "RIDS");
		s.arr = json_object_new_array();
		s.n = 0;
		rc = pasid_list_allocs(g->ctx, alloc_cb, &s);
		if (rc != -EAGAIN || ++tries == LIST_TRIES)
			break;
		json_object_put(s.arr);
		table_free(&s.t);
		usleep(10000);
	}
	if (rc < 0) {
		json_object_put(s.arr);
		table_free(&s.t);
		return pctl_err_ctx(g, "allocations", rc, "cannot list");
	}
	if (g->json) {
		json_object_object_add(pctl_doc(g), "allocations", s.arr);
	} else {
		json_object_put(s.arr);
		if (s.n)
			table_print(g, &s.t, indent);
		else
			out(g, "%sNo PASID allocations.\n", indent ? indent : "");
	}
	table_free(&s.t);
	return 0;
}

int cmd_list(struct pctl *g, int argc, char **argv)
{
	int rc, optind_;

	rc = pctl_parse(g, pctl_find_cmd("list"), argc, argv, "", NULL, NULL, NULL, &optind_);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (optind_ < argc)
		return pctl_usage(pctl_find_cmd("list"), "unexpected argument '%s'", argv[optind_]);
	rc = pctl_open(g);
	if (rc)
		return rc;
	pctl_banner(g);
	return pctl_print_allocs(g, NULL) ? EXIT_FAIL : EXIT_OK;
}

static int rid_cb(const struct pasid_rid_info *r, void *data)
{
	struct list_state *s = data;
	char rid[PASID_RID_STRLEN], w[8], vals[16], att[16], dev[32];

	s->n++;
	rid_device_name(s->g->ctx, r->rid, dev, sizeof(dev));
	if (s->g->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "rid", jrid(r->rid));
		json_object_object_add(o, "device", js(dev));
		json_object_object_add(o, "width", ju(r->width));
		json_object_object_add(o, "max_pasid", ju((1ull << r->width) - 1));
		json_object_object_add(o, "group_pasids", ju(r->nr_values));
		json_object_object_add(o, "attached", ju(r->nr_attached));
		json_object_object_add(o, "mock", jb(r->mock));
		json_object_array_add(s->arr, o);
		return 0;
	}
	snprintf(w, sizeof(w), "%u", r->width);
	snprintf(vals, sizeof(vals), "%u", r->nr_values);
	snprintf(att, sizeof(att), "%u", r->nr_attached);
	table_row(&s->t, rid_str(r->rid, rid), *dev ? dev : "-", w, vals, att,
		  r->mock ? "yes" : "no");
	return 0;
}

struct rids_args {
	const char *add;
	const char *remove;
	uint64_t width;
};

static int rids_opt(struct pctl *g, int c, const char *arg, void *data)
{
	const struct pctl_cmd *cmd = pctl_find_cmd("rids");
	struct rids_args *a = data;

	(void)g;
	switch (c) {
	case OPT_CMD_BASE:
		a->add = arg;
		return 0;
	case OPT_CMD_BASE + 1:
		a->remove = arg;
		return 0;
	case OPT_CMD_BASE + 2:
		if (parse_u64(arg, PASID_WIDTH_MAX, &a->width) || !a->width)
			return pctl_usage(cmd, "--width '%s': need 1..%u", arg, PASID_WIDTH_MAX);
		return 0;
	}
	return pctl_usage(cmd, "unexpected option");
}

/* --mock-add / --mock-remove: a comma-separated list, all or nothing is not
 * promised by the library, so stop at the first failure and say which. */
static int rids_mock(struct pctl *g, const struct rids_args *a)
{
	uint32_t rids[64];
	char rs[PASID_RID_STRLEN], what[48];
	size_t n = 0, i;
	int err;

	err = parse_rid_list(g->ctx, a->add ? a->add : a->remove, rids, 64, &n);
	if (err)
		return pctl_usage(pctl_find_cmd("rids"), "'%s': not a list of at most 64 PCI "
				  "addresses (0000:f0:00.0)", a->add ? a->add : a->remove);
	for (i = 0; i < n; i++) {
		err = a->add ? pasid_mock_rid_add(g->ctx, rids[i], (unsigned int)a->width)
			     : pasid_mock_rid_remove(g->ctx, rids[i]);
		if (err) {
			snprintf(what, sizeof(what), "mock RID %s", rid_str(rids[i], rs));
			return pctl_err_ctx(g, what, err, a->add ? "cannot add" : "cannot remove");
		}
		info(g, "%s mock RID %s", a->add ? "added" : "removed", rid_str(rids[i], rs));
	}
	return 0;
}

int cmd_rids(struct pctl *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mock-add", required_argument, NULL, OPT_CMD_BASE },
		{ "mock-remove", required_argument, NULL, OPT_CMD_BASE + 1 },
		{ "width", required_argument, NULL, OPT_CMD_BASE + 2 },
		{ NULL, 0, NULL, 0 },
	};
	const struct pctl_cmd *cmd = pctl_find_cmd("rids");
	struct list_state s = { .g = g };
	struct rids_args a = { .width = 0 };
	int rc, optind_;

	rc = pctl_parse(g, cmd, argc, argv, "", longopts, rids_opt, &a, &optind_);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (optind_ < argc)
		return pctl_usage(cmd, "unexpected argument '%s'", argv[optind_]);
	if (a.add && a.remove)
		return pctl_usage(cmd, "give --mock-add or --mock-remove, not both");
	if (a.width && !a.add)
		return pctl_usage(cmd, "--width goes with --mock-add");
	if (a.add && !a.width)
		a.width = PASID_WIDTH_MAX;
	rc = pctl_open(g);
	if (rc)
		return rc;
	if (a.add || a.remove) {
		rc = rids_mock(g, &a);
		if (rc)
			return rc;
	}
	pctl_banner(g);
	table_init(&s.t, 6, "RID", "DEVICE", "+WIDTH", "+GROUP PASIDS", "+ATTACHED", "MOCK");
	s.arr = json_object_new_array();
	rc = pasid_list_rids(g->ctx, rid_cb, &s);
	if (rc < 0) {
		json_object_put(s.arr);
		table_free(&s.t);
		return pctl_err_ctx(g, "RIDs", rc, "cannot list");
	}
	if (g->json) {
		json_object_object_add(pctl_doc(g), "rids", s.arr);
	} else {
		json_object_put(s.arr);
		if (s.n)
			table_print(g, &s.t, NULL);
		else
			out(g, "No RIDs.\n");
	}
	table_free(&s.t);
	return EXIT_OK;
}
