// SPDX-License-Identifier: LGPL-2.1-or-later
/* An external program built only through pkg-config against an installed libpasid. */
#include <stdio.h>
#include <string.h>

#include <libpasid/pasid.h>

int main(void)
{
	struct pasid_ctx_opts opts = { .size = sizeof(opts), .backend = PASID_BACKEND_SIM };
	struct pasid_ctx *ctx;
	uint32_t rid, pasid;
	int err;

	if (pasid_rid_parse("0000:6a:01.0", &rid))
		return 1;
	err = pasid_ctx_new(&opts, &ctx);
	if (err) {
		fprintf(stderr, "pasid_ctx_new: %s\n", pasid_strerror_last());
		return 1;
	}
	err = pasid_alloc_for_rids(ctx, &rid, 1, 0, &pasid);
	if (err) {
		fprintf(stderr, "alloc: %s\n", pasid_ctx_last_error(ctx));
		return 1;
	}
	printf("libpasid %s: PASID %u on 0000:6a:01.0 (%s)\n", pasid_version(), pasid,
	       pasid_ctx_backend_name(ctx));
	pasid_ctx_unref(ctx);
	return strcmp(pasid_version(), EXPECTED_VERSION) != 0;
}
