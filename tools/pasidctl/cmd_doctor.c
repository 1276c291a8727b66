// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cmd_doctor.c - "pasidctl doctor": one line per check (ok, info, warn,
 * fail) with the cause and the fix, a verdict per submission path (shared
 * WQ + ENQCMD, dedicated WQ + MOVDIR64B, write(2)), and an overall verdict.
 * Exit 0 when at least one path can work here, 1 when none can.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"

static const char *const status_name[] = { "ok", "info", "warn", "fail" };

static const struct {
	const char *key;	/* JSON */
	const char *name;	/* human */
} paths[DR_NR_PATHS] = {
	[DR_PATH_ENQCMD] = { "enqcmd", "shared WQ + ENQCMD" },
	[DR_PATH_MOVDIR] = { "movdir64b", "dedicated WQ + MOVDIR64B" },
	[DR_PATH_WRITE] = { "write", "write(2) to a WQ" },
};

void dr_section(struct doctor *d, const char *title)
{
	out(d->g, "\n%s%s%s\n", col(d->g, C_BOLD), title, col_end(d->g));
}

void dr_report(struct doctor *d, enum dr_status st, const char *id, unsigned int blocks,
	       const char *fix, const char *fmt, ...)
{
	static const enum pctl_color c[] = { C_OK, C_DIM, C_WARN, C_FAIL };
	json_object *jp = NULL;
	char msg[1024];
	va_list ap;
	int p;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->nr[st]++;
	if (d->g->json)
		jp = json_object_new_array();
	for (p = 0; p < DR_NR_PATHS; p++) {
		if (!(blocks & (1u << p)) || st < DR_WARN)
			continue;
		json_object_array_add(st == DR_FAIL ? d->blocking[p] : d->doubts[p], js(id));
		if (jp)
			json_object_array_add(jp, js(paths[p].key));
	}
	if (d->g->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "id", js(id));
		json_object_object_add(o, "status", js(status_name[st]));
		json_object_object_add(o, "blocks_enqcmd",
				       jb(st == DR_FAIL && (blocks & DR_P_ENQCMD)));
		/* the paths this failure blocks, or this warning puts in doubt */
		json_object_object_add(o, "paths", jp);
		json_object_object_add(o, "message", js(msg));
		json_object_object_add(o, "fix", js(fix ? fix : ""));
		json_object_array_add(d->checks, o);
		return;
	}
	if (d->g->quiet && st < DR_WARN)
		return;
	printf("  %s%-4s%s  %-15s %s\n", col(d->g, c[st]), status_name[st], col_end(d->g), id,
	       msg);
	if (fix && st >= DR_WARN)
		printf("  %-4s  %-15s fix: %s\n", "", "", fix);
}

static void print_ids(json_object *a)
{
	size_t i;

	for (i = 0; i < json_object_array_length(a); i++)
		printf("%s%s", i ? ", " : "", json_object_get_string(json_object_array_get_idx(a, i)));
}

/* One line per path, then the verdict. Return how many paths can work. */
static unsigned int verdict(struct doctor *d)
{
	struct pctl *g = d->g;
	unsigned int ok = 0, maybe = 0, p;
	const char *best = NULL;

	if (!g->json)
		printf("\n%sSubmission paths%s\n", col(g, C_BOLD), col_end(g));
	for (p = 0; p < DR_NR_PATHS; p++) {
		bool blocked = json_object_array_length(d->blocking[p]) > 0;
		bool doubt = json_object_array_length(d->doubts[p]) > 0;

		if (!blocked) {
			ok++;
			maybe += doubt;
			if (!best)
				best = paths[p].name;
		}
		if (g->json) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "possible", jb(!blocked));
			json_object_object_add(o, "certain", jb(!blocked && !doubt));
			json_object_object_add(o, "blocking", json_object_get(d->blocking[p]));
			json_object_object_add(o, "doubts", json_object_get(d->doubts[p]));
			json_object_object_add(json_object_object_get(pctl_doc(g), "paths"),
					       paths[p].key, o);
			continue;
		}
		printf("  %-26s %s", paths[p].name, blocked ? col(g, C_FAIL) :
		       doubt ? col(g, C_WARN) : col(g, C_OK));
		printf("%s%s", blocked ? "cannot work" : doubt ? "may work" : "can work", col_end(g));
		if (blocked) {
			printf(": ");
			print_ids(d->blocking[p]);
		} else if (doubt) {
			printf(" (see ");
			print_ids(d->doubts[p]);
			printf(")");
		}
		printf("\n");
	}
	if (g->json)
		return ok;
	if (ok)
		printf("\n%sVerdict: %u of %u submission paths can work here%s (%s%s; %u warnings).\n",
		       col(g, C_OK), ok, DR_NR_PATHS, col_end(g), maybe ? "some only may; first: "
		       : "first: ", best, d->nr[DR_WARN]);
	else
		printf("\n%sVerdict: no submission path can work here%s.\n", col(g, C_FAIL),
		       col_end(g));
	if (!ok && !g->quiet)
		printf("Without hardware, libpasid runs on the SIMULATED platform: "
		       "pasidctl --sim demo\n");
	return ok;
}

static int doctor_opt(struct pctl *g, int c, const char *arg, void *data)
{
	(void)g;
	if (c != 'R')
		return pctl_usage(pctl_find_cmd("doctor"), "unexpected option");
	if (!*arg)
		return pctl_usage(pctl_find_cmd("doctor"), "--sysroot: empty path");
	*(const char **)data = arg;
	return 0;
}

int cmd_doctor(struct pctl *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "sysroot", required_argument, NULL, 'R' },
		{ NULL, 0, NULL, 0 },
	};
	const struct pctl_cmd *cmd = pctl_find_cmd("doctor");
	const char *root = getenv("PASIDCTL_SYSROOT");
	struct doctor d = { .g = g };
	char rootbuf[4096];
	unsigned int ok;
	size_t l;
	int rc, first, p;

	rc = pctl_parse(g, cmd, argc, argv, "", longopts, doctor_opt, &root, &first);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (first < argc)
		return pctl_usage(cmd, "unexpected argument '%s'", argv[first]);
	if (g->sim)
		return pctl_usage(cmd, "doctor examines this machine; it has no --sim mode");
	snprintf(rootbuf, sizeof(rootbuf), "%s", root ? root : "");
	l = strlen(rootbuf);
	while (l && rootbuf[l - 1] == '/')
		rootbuf[--l] = '\0';
	d.root = rootbuf;
	d.checks = json_object_new_array();
	for (p = 0; p < DR_NR_PATHS; p++) {
		d.blocking[p] = json_object_new_array();
		d.doubts[p] = json_object_new_array();
	}
	out(g, "pasidctl doctor: can this machine submit work with PASIDs (ENQCMD, MOVDIR64B, "
	    "write)?\n");
	if (*d.root)
		out(g, "(reading the system below %s: PASIDCTL_SYSROOT/--sysroot)\n", d.root);

	dr_kernel_version(&d);
	dr_check_cpu(&d);
	dr_check_kernel(&d);
	dr_check_sva(&d);
	dr_check_iommu(&d);
	dr_check_boot(&d);
	dr_check_pci(&d);
	dr_check_idxd(&d);
	dr_check_shim(&d);
	dr_check_devices(&d);
	dr_check_caps(&d);

	if (g->json) {
		json_object *doc = pctl_doc(g);

		json_object_object_add(doc, "sysroot", js(d.root));
		json_object_object_add(doc, "checks", d.checks);
		json_object_object_add(doc, "paths", json_object_new_object());
	} else {
		json_object_put(d.checks);
	}
	ok = verdict(&d);
	if (g->json) {
		json_object *doc = pctl_doc(g);

		json_object_object_add(doc, "enqcmd_possible",
				       jb(!json_object_array_length(d.blocking[DR_PATH_ENQCMD])));
		json_object_object_add(doc, "blocking",
				       json_object_get(d.blocking[DR_PATH_ENQCMD]));
		json_object_object_add(doc, "possible_paths", ju(ok));
		json_object_object_add(doc, "warnings", ju(d.nr[DR_WARN]));
		json_object_object_add(doc, "failures", ju(d.nr[DR_FAIL]));
	}
	for (p = 0; p < DR_NR_PATHS; p++) {
		json_object_put(d.blocking[p]);
		json_object_put(d.doubts[p]);
	}
	return ok ? EXIT_OK : EXIT_FAIL;
}
