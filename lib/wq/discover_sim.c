// SPDX-License-Identifier: LGPL-2.1-or-later
/* discover_sim.c - discovery answered from the SIMULATED topology. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../internal.h"
#include "../sim/sim.h"
#include "discover.h"

int disc_sim_pci(struct pasid_ctx *ctx, pasid_pci_cb cb, void *data)
{
	const struct sim_topology *t = sim_ctx_topology(ctx);

	if (!t)
		return -ENODEV;
	for (unsigned int i = 0; i < t->nr_rids; i++) {
		struct pasid_pci_info pi;
		int ret;

		memset(&pi, 0, sizeof(pi));
		pi.rid = t->rids[i].rid;
		pi.pasid_width = t->rids[i].width;
		pi.flags = PASID_DEV_SIMULATED | PASID_DEV_PASID_ENABLED;
		pi.vendor = 0x8086;
		pi.iommu_group = -1;
		pi.numa_node = -1;
		for (unsigned int k = 0; k < t->nr_devices; k++)
			if (t->devices[k].rid == pi.rid) {
				pi.device = strcmp(t->devices[k].type, "iax") ? 0x0b25 : 0x0cfe;
				pi.numa_node = t->devices[k].numa_node;
				snprintf(pi.driver, sizeof(pi.driver), "idxd (simulated)");
			}
		snprintf(pi.syspath, sizeof(pi.syspath), "(simulated: %.200s)", t->source);
		ret = cb(&pi, data);
		if (ret)
			return ret;
	}
	return 0;
}

int disc_sim_wqs(struct pasid_ctx *ctx, int (*cb)(const struct pasid_wq_entry *e, void *data),
		 void *data)
{
	const struct sim_topology *t = sim_ctx_topology(ctx);
	static const unsigned int dsa_ops[] = { 0, 1, 2, 3, 4, 5, 6, 9, 0x10, 0x11 };

	if (!t)
		return -ENODEV;
	for (unsigned int i = 0; i < t->nr_wqs; i++) {
		const struct sim_wq *w = &t->wqs[i];
		const struct sim_device *d = &t->devices[w->device];
		bool iaa = !strcmp(d->type, "iax");
		struct pasid_wq_entry e;
		int ret;

		memset(&e, 0, sizeof(e));
		snprintf(e.name, sizeof(e.name), "%s/%s", d->name, w->name);
		snprintf(e.device, sizeof(e.device), "%s", d->name);
		snprintf(e.devnode, sizeof(e.devnode), "(simulated)");
		e.dev_type = iaa ? PASID_DEV_IAA : PASID_DEV_DSA;
		e.mode = w->mode == SIM_WQ_DEDICATED ? PASID_WQ_DEDICATED : PASID_WQ_SHARED;
		e.flags = PASID_DEV_SIMULATED | PASID_DEV_PASID_ENABLED;
		snprintf(e.type, sizeof(e.type), "user");
		snprintf(e.state, sizeof(e.state), "enabled");
		e.size = w->size ? w->size : 32;
		e.threshold = e.mode == PASID_WQ_SHARED ? e.size : 0;
		e.max_batch_size = iaa ? 0 : (w->max_batch_size ? w->max_batch_size : 32);
		e.max_transfer_size = w->max_transfer_size ? w->max_transfer_size : 2u << 20;
		e.block_on_fault = w->block_on_fault;
		e.numa_node = d->numa_node;
		/* no accel-config name in the topology; the engine has no WQCAP */
		snprintf(e.driver_name, sizeof(e.driver_name), "user (simulated)");
		e.occupancy = -1;
		e.ats_disable = -1;
		e.prs_disable = -1;
		e.rid = d->rid;
		for (size_t k = 0; k < sizeof(dsa_ops) / sizeof(dsa_ops[0]); k++)
			if (!iaa || dsa_ops[k] == 0 || dsa_ops[k] == 2 || dsa_ops[k] == 3)
				e.ops[dsa_ops[k] / 64] |= 1ull << (dsa_ops[k] % 64);
		ret = cb(&e, data);
		if (ret)
			return ret;
	}
	return 0;
}
