// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * backend.c - the kernel backend (/dev/pasid). Until the shim's library half
 * lands this only reports, precisely, that it is not available.
 */
#include <errno.h>

#include "internal.h"

static int kernel_open(struct pasid_ctx *ctx, const struct pasid_ctx_opts *opts)
{
	return pasid_set_error(ctx, -ENODEV,
			       "kernel backend: the pasid shim is not loaded (/dev/pasid is missing); "
			       "load it with 'modprobe pasid' (package pasid-dkms), or use the "
			       "SIMULATED platform with LIBPASID_BACKEND=sim");
}

static void kernel_close(struct pasid_ctx *ctx)
{
}

const struct pasid_backend_ops pasid_kernel_backend = {
	.name = "kernel",
	.open = kernel_open,
	.close = kernel_close,
};
