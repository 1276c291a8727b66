// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-global-starvation.c - group allocations on wide RIDs must not use up
 * the values a global ENQCMD PASID needs.
 *
 * A global must fit the narrowest PASID-capable RID (the built-in SIMULATED
 * platform has one of width 8: values 1..255) and be free on every RID. Group
 * allocations lease the lowest free value, so 255 groups on one 20-bit device
 * (one VMM mirroring guest PASIDs, say) leave no value for any process's
 * ENQCMD PASID although 2^20 - 256 values are free: -ENOSPC for everyone.
 * test-stress shows it too (its globals fail once a few hundred groups
 * live), so fresh group values come from above that window first.
 */
#include <errno.h>
#include <stdio.h>

#include <libpasid/pasid.h>

int main(void)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	struct pasid_ctx *vmm = NULL, *app = NULL;
	uint32_t dsa0 = 0x6a08, v = 0, g = 0;	/* 0000:6a:01.0, width 20 */
	int err = 0, i;

	if (pasid_ctx_new(&o, &vmm) || pasid_ctx_new(&o, &app)) {
		fprintf(stderr, "pasid_ctx_new: %s\n", pasid_strerror_last());
		return 2;
	}
	for (i = 0; i < 300 && !err; i++)
		err = pasid_alloc_for_rids(vmm, &dsa0, 1, 0, &v);
	if (err) {
		fprintf(stderr, "group %d on dsa0: %d %s\n", i, err, pasid_ctx_last_error(vmm));
		return 2;
	}
	printf("300 groups on dsa0 (width 20), the last is PASID %u\n", v);
	err = pasid_alloc_global_enqcmd(app, 0, &g);
	printf("global ENQCMD PASID for another process: %d (%s) %u\n", err,
	       err ? pasid_ctx_last_error(app) : "ok", g);
	pasid_ctx_unref(app);
	pasid_ctx_unref(vmm);
	return err ? 1 : 0;
}
