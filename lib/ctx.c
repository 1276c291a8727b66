// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ctx.c - contexts, backend choice and the public entry points.
 *
 * Entry points check their arguments, take the context lock and hand the
 * call to the backend. The backend is chosen explicitly (options or
 * LIBPASID_BACKEND) and never replaced by another one on failure.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static int backend_from_env(int *ret)
{
	/* secure_getenv: a set-id program is never switched to the simulator */
	const char *env = secure_getenv("LIBPASID_BACKEND");

	if (!env || !*env || !strcmp(env, "kernel")) {
		*ret = PASID_BACKEND_KERNEL;
		return 0;
	}
	if (!strcmp(env, "sim")) {
		*ret = PASID_BACKEND_SIM;
		return 0;
	}
	return pasid_set_open_error(-EINVAL,
				    "LIBPASID_BACKEND=\"%.64s\" is not a backend: use \"kernel\" or \"sim\"",
				    env);
}

static uint64_t ctx_serial;	/* atomic: numbers contexts for error.c */

/* Extensible options: a larger struct is fine if its unknown tail is zero. */
static int opts_check(const struct pasid_ctx_opts *opts)
{
	const unsigned char *tail;
	size_t i;

	if (opts->size < sizeof(*opts))
		return pasid_set_open_error(-EINVAL, "pasid_ctx_opts.size %u is smaller than %zu",
					    opts->size, sizeof(*opts));
	tail = (const unsigned char *)opts;
	for (i = sizeof(*opts); i < opts->size; i++)
		if (tail[i])
			return pasid_set_open_error(-E2BIG,
						    "pasid_ctx_opts has unknown non-zero byte at offset %zu",
						    i);
	if (opts->flags)
		return pasid_set_open_error(-EINVAL, "pasid_ctx_opts.flags 0x%llx: no flags are defined",
					    (unsigned long long)opts->flags);
	if (opts->backend > PASID_BACKEND_SIM)
		return pasid_set_open_error(-EINVAL, "pasid_ctx_opts.backend %u is unknown",
					    opts->backend);
	return 0;
}

PASID_EXPORT int pasid_ctx_new(const struct pasid_ctx_opts *opts, struct pasid_ctx **ret_ctx)
{
	struct pasid_ctx_opts defaults = { .size = sizeof(defaults) };
	struct pasid_ctx *ctx;
	int backend, err;

	pasid_set_open_error(0, "%s", "");
	if (!ret_ctx)
		return pasid_set_open_error(-EINVAL, "ret_ctx is NULL");
	*ret_ctx = NULL;
	if (!opts)
		opts = &defaults;
	err = opts_check(opts);
	if (err)
		return err;
	backend = opts->backend;
	if (backend == PASID_BACKEND_DEFAULT) {
		err = backend_from_env(&backend);
		if (err)
			return err;
	}

	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return pasid_set_open_error(-ENOMEM, "out of memory for a context");
	pthread_mutex_init(&ctx->lock, NULL);
	ctx->refcount = 1;
	ctx->serial = __atomic_add_fetch(&ctx_serial, 1, __ATOMIC_RELAXED);
	ctx->backend = backend;
	ctx->ops = backend == PASID_BACKEND_SIM ? &pasid_sim_backend : &pasid_kernel_backend;
	ctx->backend_name = ctx->ops->name;
	err = ctx->ops->open(ctx, opts);
	if (err) {
		/* the backend explains itself in the context's message */
		pasid_set_open_error(err, "%s", pasid_ctx_last_error(ctx));
		pasid_clear_error(ctx);
		pthread_mutex_destroy(&ctx->lock);
		free(ctx);
		return err;
	}
	*ret_ctx = ctx;
	return 0;
}

PASID_EXPORT struct pasid_ctx *pasid_ctx_ref(struct pasid_ctx *ctx)
{
	if (ctx)
		__atomic_add_fetch(&ctx->refcount, 1, __ATOMIC_RELAXED);
	return ctx;
}

PASID_EXPORT struct pasid_ctx *pasid_ctx_unref(struct pasid_ctx *ctx)
{
	if (!ctx || __atomic_sub_fetch(&ctx->refcount, 1, __ATOMIC_ACQ_REL))
		return NULL;
	ctx->ops->close(ctx);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
	return NULL;
}

PASID_EXPORT int pasid_ctx_backend(const struct pasid_ctx *ctx)
{
	return ctx ? ctx->backend : -EINVAL;
}

PASID_EXPORT const char *pasid_ctx_backend_name(const struct pasid_ctx *ctx)
{
	return ctx ? ctx->backend_name : "none";
}

/* The rest of a call where the op is missing, or a lock or a message is in the way. */
static PASID_COLD int call_unsupported(struct pasid_ctx *ctx, const char *op)
{
	return pasid_set_error(ctx, -EOPNOTSUPP, "%s: not supported by the %s backend", op,
			       ctx->backend_name);
}

static bool call_begin(struct pasid_ctx *ctx)
{
	bool lock = !ctx->ops->self_locked;

	if (lock)
		pthread_mutex_lock(&ctx->lock);
	pasid_clear_error(ctx);
	return lock;
}

static void call_end(struct pasid_ctx *ctx, bool locked)
{
	if (locked)
		pthread_mutex_unlock(&ctx->lock);
}

/*
 * Run one backend op with a fresh error message, under the context lock
 * unless the backend serialises its ops itself. The common case (a
 * self-locked backend, no message to forget) is the op as a tail call.
 */
#define CALL(ctx, op, ...)							\
	({									\
		int ret_;							\
		if (!(ctx)->ops->op) {						\
			ret_ = call_unsupported((ctx), #op);			\
		} else if (__builtin_expect((ctx)->ops->self_locked &&		\
					    !pasid_msgs_live(), 1)) {		\
			ret_ = (ctx)->ops->op((ctx), ##__VA_ARGS__);		\
		} else {							\
			bool locked_ = call_begin(ctx);				\
			ret_ = (ctx)->ops->op((ctx), ##__VA_ARGS__);		\
			call_end((ctx), locked_);				\
		}								\
		ret_;								\
	})

PASID_EXPORT int pasid_alloc_for_rids(struct pasid_ctx *ctx, const uint32_t *rids,
				      size_t nr_rids, uint32_t flags, uint32_t *ret_pasid)
{
	if (!ctx || !ret_pasid || (!rids && nr_rids))
		return -EINVAL;
	if (nr_rids == 0 || nr_rids > PASID_MAX_GROUP_RIDS)
		return pasid_set_error(ctx, -EINVAL, "a group needs 1..%u RIDs, not %zu",
				       PASID_MAX_GROUP_RIDS, nr_rids);
	if (flags & ~PASID_ALLOC_EXACT)
		return pasid_set_error(ctx, -EINVAL, "unknown flags 0x%x", flags & ~PASID_ALLOC_EXACT);
	return CALL(ctx, alloc_group, rids, (uint32_t)nr_rids, flags, ret_pasid);
}

PASID_EXPORT int pasid_alloc_global_enqcmd(struct pasid_ctx *ctx, uint32_t flags,
					   uint32_t *ret_pasid)
{
	if (!ctx || !ret_pasid)
		return -EINVAL;
	if (flags & ~PASID_ALLOC_EXACT)
		return pasid_set_error(ctx, -EINVAL, "unknown flags 0x%x", flags & ~PASID_ALLOC_EXACT);
	return CALL(ctx, alloc_global, flags, ret_pasid);
}

PASID_EXPORT int pasid_extend(struct pasid_ctx *ctx, uint32_t pasid, uint32_t rid)
{
	return ctx ? CALL(ctx, extend, pasid, rid) : -EINVAL;
}

PASID_EXPORT int pasid_free(struct pasid_ctx *ctx, uint32_t pasid)
{
	return ctx ? CALL(ctx, free, pasid) : -EINVAL;
}

PASID_EXPORT int pasid_attach(struct pasid_ctx *ctx, uint32_t pasid, uint32_t rid)
{
	return ctx ? CALL(ctx, attach, pasid, rid) : -EINVAL;
}

PASID_EXPORT int pasid_detach(struct pasid_ctx *ctx, uint32_t pasid, uint32_t rid)
{
	return ctx ? CALL(ctx, detach, pasid, rid) : -EINVAL;
}

PASID_EXPORT int pasid_mock_rid_add(struct pasid_ctx *ctx, uint32_t rid, unsigned int width)
{
	return ctx ? CALL(ctx, mock_rid_add, rid, width) : -EINVAL;
}

PASID_EXPORT int pasid_mock_rid_remove(struct pasid_ctx *ctx, uint32_t rid)
{
	return ctx ? CALL(ctx, mock_rid_remove, rid) : -EINVAL;
}

PASID_EXPORT int pasid_list_allocs(struct pasid_ctx *ctx, pasid_alloc_cb cb, void *data)
{
	return ctx && cb ? CALL(ctx, list_allocs, cb, data) : -EINVAL;
}

PASID_EXPORT int pasid_list_rids(struct pasid_ctx *ctx, pasid_rid_cb cb, void *data)
{
	return ctx && cb ? CALL(ctx, list_rids, cb, data) : -EINVAL;
}

PASID_EXPORT int pasid_ctx_get_event_fd(struct pasid_ctx *ctx)
{
	return ctx ? CALL(ctx, event_fd) : -EINVAL;
}

PASID_EXPORT int pasid_ctx_dispatch_events(struct pasid_ctx *ctx, pasid_event_cb cb, void *data)
{
	return ctx && cb ? CALL(ctx, dispatch, cb, data) : -EINVAL;
}

PASID_EXPORT int pasid_ctx_get_info(struct pasid_ctx *ctx, struct pasid_ctx_info *ret_info)
{
	struct pasid_ctx_info info = { .size = sizeof(info) };
	uint32_t size;
	int err;

	if (!ctx || !ret_info || ret_info->size < offsetof(struct pasid_ctx_info, source))
		return -EINVAL;
	size = ret_info->size < sizeof(info) ? ret_info->size : (uint32_t)sizeof(info);
	info.backend = (uint32_t)ctx->backend;
	err = CALL(ctx, get_info, &info);
	if (err)
		return err;
	memcpy(ret_info, &info, size);
	ret_info->size = size;
	return 0;
}
