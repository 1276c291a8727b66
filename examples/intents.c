// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * intents.c - the three allocation intents of libpasid, end to end.
 *
 *   LIBPASID_BACKEND=sim ./intents      on the SIMULATED platform
 *   ./intents                           on the kernel shim (/dev/pasid)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libpasid/pasid.h>

static void say(const char *what, int err, struct pasid_ctx *ctx)
{
	if (err)
		printf("  %-44s -> %s (%s)\n", what, strerror(-err), pasid_ctx_last_error(ctx));
	else
		printf("  %-44s -> ok\n", what);
}

int main(void)
{
	struct pasid_ctx *app = NULL, *vmm = NULL;
	uint32_t dsa0, iax1, dsa2, group, glob, mirror;
	char what[96];
	int err;

	pasid_rid_parse("0000:6a:01.0", &dsa0);
	pasid_rid_parse("0000:6a:02.0", &iax1);
	pasid_rid_parse("0000:e7:01.0", &dsa2);
	err = pasid_ctx_new(NULL, &app);
	if (err) {
		fprintf(stderr, "intents: %s\n", pasid_strerror_last());
		return 1;
	}
	err = pasid_ctx_new(NULL, &vmm);
	if (err) {
		fprintf(stderr, "intents: %s\n", pasid_strerror_last());
		pasid_ctx_unref(app);
		return 1;
	}
	printf("libpasid %s on the %s backend\n\n", pasid_version(), pasid_ctx_backend_name(app));

	printf("1. group intent: one PASID valid on exactly dsa0 and iax1\n");
	err = pasid_alloc_for_rids(app, (uint32_t[]){ dsa0, iax1 }, 2, 0, &group);
	if (err)
		goto fail;
	printf("   PASID %u, usable on 0000:6a:01.0 and 0000:6a:02.0 only\n\n", group);

	printf("2. global ENQCMD intent: reserved on every RID, now and after hot-plug\n");
	err = pasid_alloc_global_enqcmd(app, 0, &glob);
	if (err)
		goto fail;
	printf("   PASID %u, the value for IA32_PASID (fits the narrowest PASID-capable RID)\n\n",
	       glob);

	printf("3. exact intent: a VMM mirrors guest PASID %u onto dsa2 (a disjoint group)\n", group);
	mirror = group;
	err = pasid_alloc_for_rids(vmm, &dsa2, 1, PASID_ALLOC_EXACT, &mirror);
	if (err)
		goto fail;
	printf("   PASID %u on 0000:e7:01.0: the same value, a different scope\n\n", mirror);

	printf("4. the hot-plug question: may the app's group grow onto dsa2?\n");
	snprintf(what, sizeof(what), "pasid_extend(%u, 0000:e7:01.0)", group);
	say(what, pasid_extend(app, group, dsa2), app);
	snprintf(what, sizeof(what), "group PASID %u on dsa2 (global value)", glob);
	mirror = glob;
	say(what, pasid_alloc_for_rids(vmm, &dsa2, 1, PASID_ALLOC_EXACT, &mirror), vmm);

	pasid_ctx_unref(vmm);
	pasid_ctx_unref(app);
	printf("\nclosing the contexts freed every PASID they held\n");
	return 0;
fail:
	fprintf(stderr, "intents: %s\n", pasid_ctx_last_error(app));
	pasid_ctx_unref(vmm);
	pasid_ctx_unref(app);
	return 1;
}
