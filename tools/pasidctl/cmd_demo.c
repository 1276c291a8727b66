// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cmd_demo.c - "pasidctl demo": the libpasid story on the SIMULATED
 * platform (always the sim: it is a demonstration, not a test of hardware).
 *
 *   1. a group PASID for two devices (dsa0 + iax1)
 *   2. the global ENQCMD PASID of this process
 *   3. a second simulated process uses the group's value on a third device
 *      (dsa2): legal, the value is scoped per RID
 *   4. extending the group to dsa2 must fail (-EBUSY), and the second
 *      process cannot take the global value anywhere (-EBUSY)
 *   5. a shared WQ (ENQCMD) and a dedicated WQ (MOVDIR64B) move data through
 *      the software DSA engine; the data is checked
 */
#include <errno.h>
#include <linux/idxd.h>
#include <stdio.h>
#include <string.h>

#include "pasidctl.h"
#include "submit.h"

struct demo {
	struct pctl *g;
	json_object *steps;
	unsigned int n, failed;
};

/* One numbered step: @ok, a title, and the outcome. */
static void step(struct demo *d, bool ok, const char *title, const char *result,
		 const char *detail)
{
	d->n++;
	d->failed += !ok;
	if (d->g->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "step", ju(d->n));
		json_object_object_add(o, "title", js(title));
		json_object_object_add(o, "ok", jb(ok));
		json_object_object_add(o, "result", js(result));
		json_object_object_add(o, "detail", js(detail ? detail : ""));
		json_object_array_add(d->steps, o);
		return;
	}
	out(d->g, "%u. %s\n   %s%s%s %s\n", d->n, title, col(d->g, ok ? C_OK : C_FAIL),
	    ok ? "ok  " : "FAIL", col_end(d->g), result);
	if (detail && *detail)
		out(d->g, "        %s\n", detail);
}

static struct pasid_ctx *sim_ctx(struct demo *d)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM,
				    .sim_topology = d->g->topology };
	struct pasid_ctx *c = NULL;

	if (pasid_ctx_new(&o, &c)) {
		step(d, false, "Start a second simulated process", "pasid_ctx_new failed",
		     pasid_strerror_last());
		return NULL;
	}
	return c;
}

static void wq_step(struct demo *d, const char *name, const char *what)
{
	struct submit_job job = { DSA_OPCODE_MEMMOVE, 64 * 1024, false };
	struct submit_stats st = { 0 };
	struct submit_buffers b;
	struct pasid_wq_info wi = { .size = sizeof(wi) };
	struct pasid_wq *wq = NULL;
	char title[128], res[256], why[200] = "";
	int err;

	snprintf(title, sizeof(title), "Open the %s WQ %s and move 64 KiB through it", what, name);
	err = pasid_wq_open(d->g->ctx, name, 0, &wq);
	if (err) {
		snprintf(res, sizeof(res), "%s: cannot open (%s)", name, errno_name(err));
		step(d, false, title, res, pasid_ctx_last_error(d->g->ctx));
		return;
	}
	pasid_wq_get_info(wq, &wi);
	if (submit_buffers_alloc(&b, job.size)) {
		step(d, false, title, "out of memory", NULL);
		pasid_wq_close(wq);
		return;
	}
	err = submit_one(wq, &job, &b, &st, why, sizeof(why));
	err = err ? err : (job.opcode = DSA_OPCODE_COMPARE,
			   submit_one(wq, &job, &b, &st, why, sizeof(why)));
	if (err) {
		snprintf(res, sizeof(res), "%s: %s", wi.name, why);
		step(d, false, title, res, pasid_ctx_last_error(d->g->ctx));
	} else {
		snprintf(res, sizeof(res), "%s (%s, PASID %u): memmove and compare completed, "
			 "destination checked", wi.name, what, wi.pasid);
		/* the method depends on the CPU (MOVDIR64B or plain stores): -v only */
		if (d->g->verbose)
			snprintf(res + strlen(res), sizeof(res) - strlen(res), "; method %s: %s",
				 wi.method_name, wi.reason);
		step(d, true, title, res, NULL);
	}
	submit_buffers_free(&b);
	pasid_wq_close(wq);
}

int cmd_demo(struct pctl *g, int argc, char **argv)
{
	const struct pctl_cmd *cmd = pctl_find_cmd("demo");
	struct demo d = { .g = g };
	struct pasid_ctx *other = NULL;
	uint32_t dsa0, iax1, dsa2, iax3, grp = 0, glob = 0, v;
	char res[256], r[4][PASID_RID_STRLEN];
	int rc, first, err;

	rc = pctl_parse(g, cmd, argc, argv, "", NULL, NULL, NULL, &first);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (first < argc)
		return pctl_usage(cmd, "unexpected argument '%s'", argv[first]);
	g->sim = true;	/* the demo always runs on the SIMULATED platform */
	rc = pctl_open(g);
	if (rc)
		return rc;
	if (parse_rid(g->ctx, "dsa0", &dsa0) || parse_rid(g->ctx, "iax1", &iax1) ||
	    parse_rid(g->ctx, "dsa2", &dsa2) || parse_rid(g->ctx, "iax3", &iax3))
		return pctl_err(g, "topology", ENODEV, "the demo needs devices dsa0, iax1, dsa2 "
				"and iax3 (the built-in SIMULATED topology has them)");
	rid_str(dsa0, r[0]);
	rid_str(iax1, r[1]);
	rid_str(dsa2, r[2]);
	rid_str(iax3, r[3]);
	pctl_banner(g);
	d.steps = json_object_new_array();
	json_object_object_add(pctl_doc(g), "steps", d.steps);	/* the document owns it */
	out(g, "libpasid demo: PASIDs by intent, on a SIMULATED Sapphire Rapids socket\n"
	       "(no hardware is touched; the software DSA engine runs the descriptors).\n\n");

	err = pasid_alloc_for_rids(g->ctx, (uint32_t[]){ dsa0, iax1 }, 2, 0, &grp);
	if (err)
		snprintf(res, sizeof(res), "cannot allocate (%s)", errno_name(err));
	else
		snprintf(res, sizeof(res), "PASID %u: valid on exactly these two RIDs", grp);
	step(&d, !err, "Group PASID for dsa0 and iax1 (pasid_alloc_for_rids)", res,
	     err ? pasid_ctx_last_error(g->ctx) : NULL);
	if (err)
		goto report;

	err = pasid_alloc_global_enqcmd(g->ctx, 0, &glob);
	if (err)
		snprintf(res, sizeof(res), "cannot allocate (%s)", errno_name(err));
	else
		snprintf(res, sizeof(res), "PASID %u: reserved on every RID, now and after "
			 "hot-plug; the value ENQCMD sends", glob);
	step(&d, !err, "Global ENQCMD PASID for this process (pasid_alloc_global_enqcmd)", res,
	     err ? pasid_ctx_last_error(g->ctx) : NULL);
	if (err)
		goto report;

	other = sim_ctx(&d);
	if (!other)
		goto report;
	v = grp;
	err = pasid_alloc_for_rids(other, &dsa2, 1, PASID_ALLOC_EXACT, &v);
	if (err)
		snprintf(res, sizeof(res), "refused (%s)", errno_name(err));
	else
		snprintf(res, sizeof(res), "PASID %u on %s: allowed, a PASID is scoped per RID "
			 "and the two groups are disjoint", v, r[2]);
	step(&d, !err, "Another process takes the same value on dsa2 (exact, group intent)", res,
	     err ? pasid_ctx_last_error(other) : NULL);
	if (err)
		goto report;

	err = pasid_extend(g->ctx, grp, dsa2);
	if (err == -EBUSY)
		snprintf(res, sizeof(res), "refused as it must be: EBUSY, PASID %u is already in "
			 "use on %s; nothing changed", grp, r[2]);
	else
		snprintf(res, sizeof(res), "expected EBUSY, got %s", err ? errno_name(err) : "0");
	step(&d, err == -EBUSY, "Extend the group PASID to a third device, dsa2 (pasid_extend)",
	     res, err ? pasid_ctx_last_error(g->ctx) : NULL);

	v = glob;
	err = pasid_alloc_for_rids(other, &iax3, 1, PASID_ALLOC_EXACT, &v);
	if (err == -EBUSY)
		snprintf(res, sizeof(res), "refused as it must be: EBUSY, the global ENQCMD "
			 "PASID %u is reserved on every RID", glob);
	else
		snprintf(res, sizeof(res), "expected EBUSY, got %s", err ? errno_name(err) : "0");
	step(&d, err == -EBUSY, "Another process asks for the global value on iax3 (exact)", res,
	     err ? pasid_ctx_last_error(other) : NULL);

	wq_step(&d, "dsa0/wq0.0", "shared");
	wq_step(&d, "dsa0/wq0.1", "dedicated");

	/* both simulated processes are still alive: show what the platform holds */
	out(g, "\nAllocations on the SIMULATED platform now "
	       "('pasidctl list'; * = this process):\n");
	if (pctl_print_allocs(g, "  "))
		d.failed++;
report:
	other = pasid_ctx_unref(other);
	if (g->json) {
		json_object_object_add(pctl_doc(g), "group_pasid", ju(grp));
		json_object_object_add(pctl_doc(g), "global_pasid", ju(glob));
		json_object_object_add(pctl_doc(g), "ok", jb(!d.failed));
	} else if (d.failed) {
		out(g, "\n%sDemo FAILED%s: %u of %u steps failed (SIMULATED platform).\n",
		    col(g, C_FAIL), col_end(g), d.failed, d.n);
	} else {
		out(g, "\n%sDemo passed%s: %u steps on the SIMULATED platform.\n"
		       "  group PASID %u on %s + %s, global ENQCMD PASID %u;\n"
		       "  the conflicting extension to %s was refused before anything changed;\n"
		       "  data moved and checked through a shared and a dedicated WQ.\n"
		       "On real hardware: 'pasidctl doctor' says what this machine needs.\n",
		    col(g, C_OK), col_end(g), d.n, grp, r[0], r[1], glob, r[2]);
	}
	return d.failed ? EXIT_FAIL : EXIT_OK;
}
