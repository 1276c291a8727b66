/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * internal.h - what lib/ files share: the context and the backend contract.
 *
 * A context is an owner. Its calls are serialised by ctx->lock, or by the
 * backend's own lock where it declares one; the backend does the work.
 * Backends set the detail message with pasid_set_error().
 */
#ifndef LIBPASID_INTERNAL_H
#define LIBPASID_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>

#include <libpasid/pasid.h>
#include <libpasid/testing.h>	/* the library defines these too */

#define PASID_EXPORT __attribute__((visibility("default")))
/* An error path: out of line, so that the call it fails keeps a short prologue. */
#define PASID_COLD __attribute__((cold, noinline))

#define PASID_ERRMSG_LEN 256

struct pasid_ctx;

/*
 * One backend. Every op is called with ctx->lock held (unless self_locked) and returns 0 or a
 * negative errno (list ops: the callback's value), setting the message.
 */
struct pasid_backend_ops {
	const char *name;	/* "kernel", "sim (simulated)" */
	/*
	 * Every op serialises itself on the backend's own lock, so the entry
	 * points do not take ctx->lock around it (one lock per call, not two).
	 */
	bool self_locked;
	int (*open)(struct pasid_ctx *ctx, const struct pasid_ctx_opts *opts);
	void (*close)(struct pasid_ctx *ctx);
	int (*alloc_group)(struct pasid_ctx *ctx, const uint32_t *rids, uint32_t nr,
			   uint32_t flags, uint32_t *inout_pasid);
	int (*alloc_global)(struct pasid_ctx *ctx, uint32_t flags, uint32_t *inout_pasid);
	int (*extend)(struct pasid_ctx *ctx, uint32_t pasid, uint32_t rid);
	int (*free)(struct pasid_ctx *ctx, uint32_t pasid);
	int (*attach)(struct pasid_ctx *ctx, uint32_t pasid, uint32_t rid);
	int (*detach)(struct pasid_ctx *ctx, uint32_t pasid, uint32_t rid);
	int (*mock_rid_add)(struct pasid_ctx *ctx, uint32_t rid, unsigned int width);
	int (*mock_rid_remove)(struct pasid_ctx *ctx, uint32_t rid);
	int (*list_allocs)(struct pasid_ctx *ctx, pasid_alloc_cb cb, void *data);
	int (*list_rids)(struct pasid_ctx *ctx, pasid_rid_cb cb, void *data);
	int (*event_fd)(struct pasid_ctx *ctx);
	int (*dispatch)(struct pasid_ctx *ctx, pasid_event_cb cb, void *data);
	int (*get_info)(struct pasid_ctx *ctx, struct pasid_ctx_info *info);
};

struct pasid_ctx {
	pthread_mutex_t lock;
	unsigned int refcount;		/* atomic */
	int backend;			/* enum pasid_backend */
	const struct pasid_backend_ops *ops;
	const char *backend_name;	/* may differ from ops->name: "kernel (mock)" */
	void *priv;			/* the backend's */
	uint64_t serial;		/* unique per context: error.c's message slots */
};

extern const struct pasid_backend_ops pasid_sim_backend;
extern const struct pasid_backend_ops pasid_kernel_backend;

/*
 * Record why the current call on @ctx fails, for this thread; returns @err
 * (a negative errno). pasid_clear_error() forgets it when a new call starts.
 */
int pasid_set_error(struct pasid_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void pasid_clear_error_slow(const struct pasid_ctx *ctx);
/*
 * Messages held by all threads together: with none, a call has nothing to
 * clear and pays one plain load (no thread-local access: a static TLS
 * model fails where the library is dlopen()ed late, as by Python's ctypes).
 * A thread always sees its own messages counted, so a count of 0 is exact
 * for it.
 */
extern unsigned int pasid_live_msgs;
static inline bool pasid_msgs_live(void)
{
	return __builtin_expect(__atomic_load_n(&pasid_live_msgs, __ATOMIC_RELAXED) != 0, 0);
}

static inline void pasid_clear_error(const struct pasid_ctx *ctx)
{
	if (pasid_msgs_live())
		pasid_clear_error_slow(ctx);
}
/*
 * The same, formatted only if pasid_ctx_last_error() asks for it: a failure
 * a caller expects and retries (-ENOSPC) then costs no formatting. @fmt gets
 * the buffer and the values copied from @arg.
 */
#define PASID_LAZY_ARGS 4
typedef void (*pasid_lazy_fmt)(char *buf, size_t len, const uint32_t *arg);
int pasid_set_error_lazy(struct pasid_ctx *ctx, int err, pasid_lazy_fmt fmt,
			 const uint32_t arg[PASID_LAZY_ARGS]);
/* Same for pasid_ctx_new() failures, kept per thread. */
int pasid_set_open_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Make room for @need elements of @elem bytes in a realloc()ed array of
 * capacity *@cap (doubling). Return: 0 or -ENOMEM (the array is unchanged).
 */
int pasid_grow_array(void **buf, size_t *cap, size_t need, size_t elem);

/* qsort()/bsearch() order of uint32_t (RIDs, values). */
int pasid_cmp_u32(const void *a, const void *b);

/* "ssss:bb:dd.f" into a caller buffer of PASID_RID_STRLEN, for messages. */
const char *pasid_rid_str(uint32_t rid, char buf[PASID_RID_STRLEN]);

#endif /* LIBPASID_INTERNAL_H */
