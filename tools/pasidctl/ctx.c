// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ctx.c - opening the backend the user asked for (never a silent fallback:
 * without --sim it is the kernel shim or an error), the SIMULATED banner,
 * and RID naming.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pasidctl.h"

int pctl_open(struct pctl *g)
{
	struct pasid_ctx_opts o = {
		.size = sizeof(o),
		.backend = g->sim ? PASID_BACKEND_SIM : PASID_BACKEND_KERNEL,
		.sim_topology = g->topology,
	};
	int err;

	if (g->ctx)
		return 0;
	err = pasid_ctx_new(&o, &g->ctx);
	if (err) {
		g->ctx = NULL;
		return pctl_err(g, g->sim ? "sim platform" : "/dev/pasid", err, "%s%s",
				*pasid_strerror_last() ? pasid_strerror_last() : strerror(-err),
				err == -ENODEV && !g->sim ? " (pasidctl: --sim)" : "");
	}
	info(g, "backend: %s", pasid_ctx_backend_name(g->ctx));
	return 0;
}

void pctl_close(struct pctl *g)
{
	g->ctx = pasid_ctx_unref(g->ctx);
}

bool pctl_is_sim(const struct pctl *g)
{
	return g->ctx ? pasid_ctx_backend(g->ctx) == PASID_BACKEND_SIM : g->sim;
}

static const char *topology_source(const struct pctl *g)
{
	const char *env = getenv("LIBPASID_SIM_TOPOLOGY");

	if (g->topology)
		return g->topology;
	return env && *env ? env : "built-in";
}

void pctl_banner(struct pctl *g)
{
	if (g->json) {
		json_object *d = pctl_doc(g);

		json_object_object_add(d, "backend",
				       js(g->ctx ? pasid_ctx_backend_name(g->ctx) : "none"));
		json_object_object_add(d, "simulated", jb(pctl_is_sim(g)));
		if (pctl_is_sim(g))
			json_object_object_add(d, "topology", js(topology_source(g)));
		return;
	}
	if (pctl_is_sim(g))
		out(g, "%sSIMULATED platform%s (topology: %s)\n\n", col(g, C_WARN), col_end(g),
		    topology_source(g));
	else if (g->verbose && g->ctx)
		out(g, "backend: %s\n\n", pasid_ctx_backend_name(g->ctx));
}

const char *rid_str(uint32_t rid, char buf[static PASID_RID_STRLEN])
{
	if (pasid_rid_format(rid, buf, PASID_RID_STRLEN))
		snprintf(buf, PASID_RID_STRLEN, "?");
	return buf;
}

struct devname_lookup {
	uint32_t rid;
	char *buf;
	size_t len;
};

static int devname_cb(const struct pasid_wq_entry *wq, const char *reason, void *data)
{
	struct devname_lookup *l = data;

	(void)reason;
	if (wq->rid != l->rid)
		return 0;
	snprintf(l->buf, l->len, "%s", wq->device);
	return 1;
}

const char *rid_device_name(struct pasid_ctx *ctx, uint32_t rid, char *buf, size_t len)
{
	struct devname_lookup l = { .rid = rid, .buf = buf, .len = len };
	struct pasid_wq_filter f;

	if (!len)
		return "";
	buf[0] = '\0';
	pasid_wq_filter_init(&f);
	f.flags |= PASID_WQ_FILTER_ANY_STATE | PASID_WQ_FILTER_ANY_TYPE |
		   PASID_WQ_FILTER_NO_PASID_OK;
	pasid_wq_discover(ctx, &f, devname_cb, &l, NULL);
	return buf;
}
