// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cmd_doctor.c - "pasidctl doctor": one line per check (ok, info, warn,
 * fail) with the cause and the fix, and a verdict. Exit 0 when ENQCMD
 * submission can work here, 1 when it cannot.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"

static const char *const status_name[] = { "ok", "info", "warn", "fail" };

void dr_section(struct doctor *d, const char *title)
{
	out(d->g, "\n%s%s%s\n", col(d->g, C_BOLD), title, col_end(d->g));
}

void dr_report(struct doctor *d, enum dr_status st, const char *id, bool blocking,
	       const char *fix, const char *fmt, ...)
{
	static const enum pctl_color c[] = { C_OK, C_DIM, C_WARN, C_FAIL };
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	d->nr[st]++;
	if (st == DR_FAIL && blocking) {
		d->blocked = true;
		json_object_array_add(d->blocking, js(id));
	}
	if (d->g->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "id", js(id));
		json_object_object_add(o, "status", js(status_name[st]));
		json_object_object_add(o, "blocks_enqcmd", jb(st == DR_FAIL && blocking));
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
	size_t l;
	int rc, first;

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
	d.blocking = json_object_new_array();
	out(g, "pasidctl doctor: can this machine use PASIDs and ENQCMD?\n");
	if (*d.root)
		out(g, "(reading the system below %s: PASIDCTL_SYSROOT/--sysroot)\n", d.root);

	dr_check_cpu(&d);
	dr_check_kernel(&d);
	dr_check_iommu(&d);
	dr_check_boot(&d);
	dr_check_shim(&d);
	dr_check_devices(&d);
	dr_check_caps(&d);

	if (g->json) {
		json_object *doc = pctl_doc(g);

		json_object_object_add(doc, "sysroot", js(d.root));
		json_object_object_add(doc, "checks", d.checks);
		json_object_object_add(doc, "enqcmd_possible", jb(!d.blocked));
		json_object_object_add(doc, "blocking", d.blocking);
		json_object_object_add(doc, "warnings", ju(d.nr[DR_WARN]));
		json_object_object_add(doc, "failures", ju(d.nr[DR_FAIL]));
	} else {
		json_object_put(d.checks);
		if (d.blocked) {
			const char *sep = "";
			size_t i;

			printf("\n%sVerdict: ENQCMD submission cannot work here%s: ",
			       col(g, C_FAIL), col_end(g));
			for (i = 0; i < json_object_array_length(d.blocking); i++, sep = ", ")
				printf("%s%s", sep, json_object_get_string(
					json_object_array_get_idx(d.blocking, i)));
			printf(".\n");
			if (!g->quiet)
				printf("Without hardware, libpasid runs on the SIMULATED platform: "
				       "pasidctl --sim demo\n");
		} else {
			printf("\n%sVerdict: ENQCMD submission can work here%s (%u warnings).\n",
			       col(g, C_OK), col_end(g), d.nr[DR_WARN]);
		}
		json_object_put(d.blocking);
	}
	return d.blocked ? EXIT_FAIL : EXIT_OK;
}
