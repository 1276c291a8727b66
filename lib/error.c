// SPDX-License-Identifier: LGPL-2.1-or-later
/* error.c - the "why" behind a negative errno, and small shared helpers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/single_threaded.h>

#include "internal.h"

static __thread char open_errmsg[PASID_ERRMSG_LEN];

/*
 * The detail of the last failure is kept per thread (like errno) and per
 * context: a thread that fails on B still reads A's message for A. A thread
 * keeps the messages of its ERR_SLOTS most recently failing contexts. A slot
 * names its context by address and serial number, so a context allocated
 * where a freed one was never shows the old one's message.
 */
#define ERR_SLOTS 8

struct err_slot {
	const struct pasid_ctx *ctx;
	uint64_t serial;
	uint64_t stamp;		/* when last set: the oldest slot is reused */
	bool live;			/* holds a message (counted in pasid_live_msgs) */
	pasid_lazy_fmt lazy;		/* set: msg is still to be made from arg */
	uint32_t arg[PASID_LAZY_ARGS];
	char msg[PASID_ERRMSG_LEN];
};

/* One thread-local object: each function finds it with one TLS lookup. */
static __thread struct {
	struct err_slot slots[ERR_SLOTS];
	uint64_t stamp;
} tl;
unsigned int pasid_live_msgs;		/* slots holding a message, all threads */

/*
 * A call that fails and the next call that forgets its message each count:
 * a plain add while the process has one thread (an atomic costs more here
 * than the failed allocation), an atomic one from the second thread on.
 */
static void live_msgs_add(int delta)
{
	if (__libc_single_threaded)
		__atomic_store_n(&pasid_live_msgs, pasid_live_msgs + delta, __ATOMIC_RELAXED);
	else
		__atomic_fetch_add(&pasid_live_msgs, delta, __ATOMIC_RELAXED);
}

/*
 * While the process has one thread, its last slot, found without a TLS
 * lookup (two of them were a third of a failed allocation's cost): named
 * with the thread, since another may be the only one later (a thread
 * pointer is reused only with its thread's memory, slots included).
 */
static struct {
	void *thread;		/* __builtin_thread_pointer(): pthread_self() without a call */
	struct err_slot *slot;
} hint;

static struct err_slot *hint_of(const struct pasid_ctx *ctx)
{
	struct err_slot *s = hint.slot;

	if (__libc_single_threaded && s && hint.thread == __builtin_thread_pointer() &&
	    s->ctx == ctx && s->serial == ctx->serial)
		return s;
	return NULL;
}

static struct err_slot *slot_of(struct err_slot *slots, const struct pasid_ctx *ctx)
{
	for (int i = 0; i < ERR_SLOTS; i++)
		if (slots[i].ctx == ctx && slots[i].serial == ctx->serial)
			return &slots[i];
	return NULL;
}

/* the slot of ctx, or the one unused longest, now owned by ctx */
static struct err_slot *slot_claim(const struct pasid_ctx *ctx)
{
	struct err_slot *slots, *s = hint_of(ctx);

	if (!s) {
		slots = tl.slots;
		s = slot_of(slots, ctx);
		if (!s) {
			s = &slots[0];
			for (int i = 1; i < ERR_SLOTS; i++)
				if (slots[i].stamp < s->stamp)
					s = &slots[i];
			s->ctx = ctx;
			s->serial = ctx->serial;
		}
		s->stamp = ++tl.stamp;	/* the hint's slot is the newest already */
		if (__libc_single_threaded) {
			hint.thread = __builtin_thread_pointer();
			hint.slot = s;
		}
	}
	if (!s->live)
		live_msgs_add(1);
	s->live = true;
	s->lazy = NULL;
	return s;
}

int pasid_set_error_lazy(struct pasid_ctx *ctx, int err, pasid_lazy_fmt fmt,
			 const uint32_t arg[PASID_LAZY_ARGS])
{
	struct err_slot *s;

	if (!ctx)
		return err;
	s = slot_claim(ctx);
	s->lazy = fmt;
	memcpy(s->arg, arg, sizeof(s->arg));
	return err;
}

int pasid_set_error(struct pasid_ctx *ctx, int err, const char *fmt, ...)
{
	struct err_slot *s;
	va_list ap;

	if (!ctx) {
		/* calls without a context (work queues on plain idxd) */
		va_start(ap, fmt);
		vsnprintf(open_errmsg, sizeof(open_errmsg), fmt, ap);
		va_end(ap);
		return err;
	}
	s = slot_claim(ctx);
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
	return err;
}

void pasid_clear_error_slow(const struct pasid_ctx *ctx)
{
	struct err_slot *s;

	if (!ctx)
		return;
	s = hint_of(ctx);
	if (!s)
		s = slot_of(tl.slots, ctx);
	if (s && s->live) {
		s->msg[0] = '\0';
		s->lazy = NULL;
		s->live = false;
		live_msgs_add(-1);
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
	struct err_slot *s;

	if (!ctx)
		return "no context";
	s = slot_of(tl.slots, ctx);
	if (!s)
		return "";
	if (s->lazy) {
		/* the message is made when first read (allocation failures are hot) */
		s->lazy(s->msg, sizeof(s->msg), s->arg);
		s->lazy = NULL;
	}
	return s->msg;
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
