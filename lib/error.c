// SPDX-License-Identifier: LGPL-2.1-or-later
/* error.c - the "why" behind a negative errno. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static __thread char open_errmsg[PASID_ERRMSG_LEN];

int pasid_set_error(struct pasid_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx->errmsg, sizeof(ctx->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

int pasid_set_open_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(open_errmsg, sizeof(open_errmsg), fmt, ap);
	va_end(ap);
	return err;
}

PASID_EXPORT const char *pasid_strerror_last(void)
{
	return open_errmsg;
}

PASID_EXPORT const char *pasid_ctx_last_error(const struct pasid_ctx *ctx)
{
	return ctx ? ctx->errmsg : "no context";
}
