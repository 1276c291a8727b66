// SPDX-License-Identifier: LGPL-2.1-or-later
/* error.c - the "why" behind a negative errno, and small shared helpers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static __thread char open_errmsg[PASID_ERRMSG_LEN];

/*
 * The detail of the last failure is kept per thread (like errno), tagged with
 * the context it was about, so threads sharing a context each read their own.
 */
static __thread struct {
	const struct pasid_ctx *ctx;
	pasid_lazy_fmt lazy;		/* set: msg is still to be made from arg */
	uint32_t arg[PASID_LAZY_ARGS];
	char msg[PASID_ERRMSG_LEN];
} last;

int pasid_set_error_lazy(struct pasid_ctx *ctx, int err, pasid_lazy_fmt fmt,
			 const uint32_t arg[PASID_LAZY_ARGS])
{
	last.ctx = ctx;
	last.lazy = fmt;
	memcpy(last.arg, arg, sizeof(last.arg));
	return err;
}

int pasid_set_error(struct pasid_ctx *ctx, int err, const char *fmt, ...)
{
	va_list ap;

	last.ctx = ctx;
	last.lazy = NULL;
	va_start(ap, fmt);
	vsnprintf(last.msg, sizeof(last.msg), fmt, ap);
	va_end(ap);
	return err;
}

void pasid_clear_error(const struct pasid_ctx *ctx)
{
	if (last.ctx == ctx) {
		last.msg[0] = '\0';
		last.lazy = NULL;
	}
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
	if (!ctx)
		return "no context";
	if (last.ctx != ctx)
		return "";
	if (last.lazy) {
		last.lazy(last.msg, sizeof(last.msg), last.arg);
		last.lazy = NULL;
	}
	return last.msg;
}

int pasid_grow_array(void **buf, size_t *cap, size_t need, size_t elem)
{
	size_t n = *cap ? *cap : 32;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*buf, n * elem);
	if (!p)
		return -ENOMEM;
	*buf = p;
	*cap = n;
	return 0;
}

int pasid_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}
