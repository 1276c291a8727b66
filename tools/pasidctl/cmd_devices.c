// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cmd_devices.c - "pasidctl devices": PASID-capable PCI functions and
 * DSA/IAA work queues, each WQ with the reason it is not usable. Without
 * --sim this is the real system (no /dev/pasid needed).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pasidctl.h"

struct dev_state {
	struct pctl *g;
	struct table t;
	json_object *arr;
	unsigned int n, usable;
};

static int pci_cb(const struct pasid_pci_info *p, void *data)
{
	struct dev_state *s = data;
	char rid[PASID_RID_STRLEN], id[16], w[8], grp[12], node[12];
	const char *pasid = p->flags & PASID_DEV_PASID_ENABLED ? "enabled" : "disabled";

	s->n++;
	if (s->g->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "rid", jrid(p->rid));
		json_object_object_add(o, "vendor", ju(p->vendor));
		json_object_object_add(o, "device", ju(p->device));
		json_object_object_add(o, "pasid_width", ju(p->pasid_width));
		json_object_object_add(o, "pasid_enabled", jb(p->flags & PASID_DEV_PASID_ENABLED));
		json_object_object_add(o, "exec", jb(p->flags & PASID_DEV_PASID_EXEC));
		json_object_object_add(o, "priv", jb(p->flags & PASID_DEV_PASID_PRIV));
		json_object_object_add(o, "iommu_group", ji(p->iommu_group));
		json_object_object_add(o, "numa_node", ji(p->numa_node));
		json_object_object_add(o, "driver", js(p->driver));
		json_object_object_add(o, "simulated", jb(p->flags & PASID_DEV_SIMULATED));
		json_object_array_add(s->arr, o);
		return 0;
	}
	snprintf(id, sizeof(id), "%04x:%04x", p->vendor, p->device);
	snprintf(w, sizeof(w), "%u", p->pasid_width);
	snprintf(grp, sizeof(grp), "%d", p->iommu_group);
	snprintf(node, sizeof(node), "%d", p->numa_node);
	table_row(&s->t, rid_str(p->rid, rid), id, w, pasid, *p->driver ? p->driver : "-",
		  p->iommu_group >= 0 ? grp : "-", p->numa_node >= 0 ? node : "-");
	return 0;
}

static const char *mode_name(uint32_t mode)
{
	return mode == PASID_WQ_SHARED ? "shared" : mode == PASID_WQ_DEDICATED ? "dedicated" : "?";
}

/* The accel-config shape: devices, each holding its work queues. */
static json_object *device_obj(struct dev_state *s, const struct pasid_wq_entry *wq)
{
	size_t i, n = json_object_array_length(s->arr);
	json_object *o;

	for (i = 0; i < n; i++) {
		json_object *d = json_object_array_get_idx(s->arr, i), *name;

		if (json_object_object_get_ex(d, "dev", &name) &&
		    !strcmp(json_object_get_string(name), wq->device))
			return d;
	}
	o = json_object_new_object();
	json_object_object_add(o, "dev", js(wq->device));
	json_object_object_add(o, "type", js(wq->dev_type == PASID_DEV_IAA ? "iax" : "dsa"));
	json_object_object_add(o, "rid", wq->rid ? jrid(wq->rid) : js(""));
	json_object_object_add(o, "numa_node", ji(wq->numa_node));
	json_object_object_add(o, "pasid_enabled", jb(wq->flags & PASID_DEV_PASID_ENABLED));
	json_object_object_add(o, "simulated", jb(wq->flags & PASID_DEV_SIMULATED));
	json_object_object_add(o, "wqs", json_object_new_array());
	json_object_array_add(s->arr, o);
	return o;
}

static int wq_cb(const struct pasid_wq_entry *wq, const char *reason, void *data)
{
	struct dev_state *s = data;
	const char *slash = strchr(wq->name, '/');
	char size[12], node[12];

	s->n++;
	s->usable += !reason;
	if (s->g->json) {
		json_object *o = json_object_new_object(), *wqs;

		json_object_object_add(o, "dev", js(slash ? slash + 1 : wq->name));
		json_object_object_add(o, "name", js(wq->name));
		json_object_object_add(o, "devnode", js(wq->flags & PASID_DEV_NO_NODE ? ""
						       : wq->devnode));
		json_object_object_add(o, "mode", js(mode_name(wq->mode)));
		json_object_object_add(o, "type", js(wq->type));
		json_object_object_add(o, "state", js(wq->state));
		json_object_object_add(o, "size", ju(wq->size));
		json_object_object_add(o, "threshold", ju(wq->threshold));
		json_object_object_add(o, "priority", ju(wq->priority));
		json_object_object_add(o, "max_batch_size", ju(wq->max_batch_size));
		json_object_object_add(o, "max_transfer_size", ju(wq->max_transfer_size));
		json_object_object_add(o, "block_on_fault", jb(wq->block_on_fault));
		json_object_object_add(o, "usable", jb(!reason));
		json_object_object_add(o, "reason", js(reason ? reason : ""));
		json_object_object_get_ex(device_obj(s, wq), "wqs", &wqs);
		json_object_array_add(wqs, o);
		return 0;
	}
	snprintf(size, sizeof(size), "%u", wq->size);
	snprintf(node, sizeof(node), "%d", wq->numa_node);
	table_row(&s->t, wq->name, mode_name(wq->mode), size, *wq->state ? wq->state : "?",
		  wq->flags & PASID_DEV_PASID_ENABLED ? "on" : "off",
		  wq->numa_node >= 0 ? node : "-",
		  wq->flags & PASID_DEV_NO_NODE ? "-" : wq->devnode, reason ? reason : "yes");
	return 0;
}

int cmd_devices(struct pctl *g, int argc, char **argv)
{
	const struct pctl_cmd *cmd = pctl_find_cmd("devices");
	struct dev_state s = { .g = g };
	struct pasid_ctx *ctx = NULL;
	int rc, first, err;

	rc = pctl_parse(g, cmd, argc, argv, "", NULL, NULL, NULL, &first);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (first < argc)
		return pctl_usage(cmd, "unexpected argument '%s'", argv[first]);
	if (g->sim) {	/* the real system needs no /dev/pasid: ctx stays NULL */
		rc = pctl_open(g);
		if (rc)
			return rc;
		ctx = g->ctx;
	}
	pctl_banner(g);
	if (!g->sim && g->json)
		json_object_object_add(pctl_doc(g), "simulated", jb(false));

	table_init(&s.t, 7, "RID", "VENDOR:DEV", "+PASID WIDTH", "PASID", "DRIVER",
		   "+IOMMU GROUP", "+NODE");
	s.arr = json_object_new_array();
	err = pasid_pci_discover(ctx, pci_cb, &s);
	if (err < 0) {
		table_free(&s.t);
		json_object_put(s.arr);
		return ctx ? pctl_err_ctx(g, "PCI functions", err, "cannot discover")
			   : pctl_err(g, "PCI functions", err, "cannot discover: %s",
				      strerror(-err));
	}
	if (g->json) {
		json_object_object_add(pctl_doc(g), "pci", s.arr);
	} else {
		json_object_put(s.arr);
		out(g, "PASID-capable PCI functions:\n");
		if (s.n)
			table_print(g, &s.t, "  ");
		else
			out(g, "  none found%s\n", geteuid() == 0 ? "" :
			    " (reading PCI extended config space needs root: try sudo)");
	}
	table_free(&s.t);

	s.n = 0;
	table_init(&s.t, 8, "WQ", "MODE", "+SIZE", "STATE", "PASID", "+NODE", "NODE FILE",
		   "USABLE");
	s.arr = json_object_new_array();
	err = pasid_wq_discover(ctx, NULL, wq_cb, &s, NULL);
	if (err < 0) {
		table_free(&s.t);
		json_object_put(s.arr);
		return ctx ? pctl_err_ctx(g, "work queues", err, "cannot discover")
			   : pctl_err(g, "work queues", err, "cannot discover: %s", strerror(-err));
	}
	if (g->json) {
		json_object_object_add(pctl_doc(g), "devices", s.arr);
	} else {
		json_object_put(s.arr);
		out(g, "\nDSA/IAA work queues:\n");
		if (s.n)
			table_print(g, &s.t, "  ");
		else
			out(g, "  none found (no DSA/IAA device, or idxd not loaded: "
			       "modprobe idxd; see 'pasidctl doctor')\n");
	}
	table_free(&s.t);
	return EXIT_OK;
}
