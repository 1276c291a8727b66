// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * wq.c - work queues, whatever is behind them: open/close, the retry policy
 * of submission, completion waits, info and options.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpasid/portal.h>

#include "../internal.h"
#include "wq_internal.h"

/* (ctx, pasid, rid) attaches held by open handles, counted */
struct attach_ref {
	struct pasid_ctx *ctx;
	uint32_t pasid, rid;
	unsigned int count;
	bool ours;		/* we attached it, so we detach it */
	struct attach_ref *next;
};

static pthread_mutex_t attach_lock = PTHREAD_MUTEX_INITIALIZER;
static struct attach_ref *attach_refs;

uint64_t wq_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int wq_attach_get(struct pasid_wq *wq, uint32_t pasid, uint32_t rid, bool *ret_already)
{
	struct attach_ref *a;
	int err = 0;

	pthread_mutex_lock(&attach_lock);
	for (a = attach_refs; a; a = a->next)
		if (a->ctx == wq->ctx && a->pasid == pasid && a->rid == rid)
			break;
	if (!a) {
		a = calloc(1, sizeof(*a));
		if (!a) {
			err = -ENOMEM;
			goto out;
		}
		err = pasid_attach(wq->ctx, pasid, rid);
		if (err && err != -EALREADY) {
			free(a);
			goto out;
		}
		a->ours = !err;
		err = 0;
		a->ctx = wq->ctx;
		a->pasid = pasid;
		a->rid = rid;
		a->next = attach_refs;
		attach_refs = a;
	}
	a->count++;
	*ret_already = !a->ours;
	wq->pasid = pasid;
	wq->rid = rid;
	wq->attached = true;
out:
	pthread_mutex_unlock(&attach_lock);
	return err;
}

void wq_attach_put(struct pasid_wq *wq)
{
	if (!wq->attached)
		return;
	pthread_mutex_lock(&attach_lock);
	for (struct attach_ref **p = &attach_refs; *p; p = &(*p)->next) {
		struct attach_ref *a = *p;

		if (a->ctx != wq->ctx || a->pasid != wq->pasid || a->rid != wq->rid)
			continue;
		if (--a->count == 0) {
			if (a->ours)
				pasid_detach(wq->ctx, a->pasid, a->rid);
			*p = a->next;
			free(a);
		}
		break;
	}
	pthread_mutex_unlock(&attach_lock);
	wq->attached = false;
}

PASID_EXPORT const char *pasid_wq_method_name(uint32_t method)
{
	switch (method) {
	case PASID_WQ_METHOD_ENQCMD:		return "enqcmd";
	case PASID_WQ_METHOD_MOVDIR64B:		return "movdir64b";
	case PASID_WQ_METHOD_WRITE:		return "write";
	case PASID_WQ_METHOD_SIM_ENQCMD:	return "sim-enqcmd (simulated)";
	case PASID_WQ_METHOD_SIM_MOVDIR64B:	return "sim-movdir64b (simulated)";
	case PASID_WQ_METHOD_SIM_STORE:		return "sim-store (simulated)";
	default:				return "unknown";
	}
}

PASID_EXPORT int pasid_wq_open(struct pasid_ctx *ctx, const char *name, uint32_t flags,
			       struct pasid_wq **ret_wq)
{
	return wq_open_as(ctx, name, flags, ctx && pasid_ctx_backend(ctx) == PASID_BACKEND_SIM,
			  ret_wq);
}

int wq_open_as(struct pasid_ctx *ctx, const char *name, uint32_t flags, bool sim,
	       struct pasid_wq **ret_wq)
{
	struct pasid_wq *wq;
	int err;

	if (!ctx || !ret_wq)
		return -EINVAL;
	if (!name || !*name)
		return pasid_set_error(ctx, -EINVAL, "pasid_wq_open: no work queue name");
	if (flags & ~PASID_WQ_OPEN_NO_MMAP)
		return pasid_set_error(ctx, -EINVAL, "pasid_wq_open: unknown flags %#x",
				       flags & ~PASID_WQ_OPEN_NO_MMAP);
	wq = calloc(1, sizeof(*wq));
	if (!wq)
		return pasid_set_error(ctx, -ENOMEM, "pasid_wq_open: out of memory");
	wq->ctx = pasid_ctx_ref(ctx);
	wq->fd = -1;
	wq->opts = (struct pasid_wq_submit_opts){
		.max_retries = PASID_WQ_DEFAULT_RETRIES,
		.backoff_min_ns = PASID_WQ_DEFAULT_BACKOFF_MIN_NS,
		.backoff_max_ns = PASID_WQ_DEFAULT_BACKOFF_MAX_NS,
		.deadline_ns = PASID_WQ_DEFAULT_DEADLINE_NS,
	};
	wq->umwait = wq_cpu_mask() & PASID_CPU_WAITPKG;
	if (sim)
		err = wq_sim_open(wq, name, flags);
	else
		err = wq_real_open(wq, name, flags);
	if (err) {
		pasid_ctx_unref(wq->ctx);
		free(wq);
		return err;
	}
	snprintf(wq->info.method_name, sizeof(wq->info.method_name), "%s",
		 pasid_wq_method_name(wq->info.method));
	*ret_wq = wq;
	return 0;
}

PASID_EXPORT struct pasid_wq *pasid_wq_close(struct pasid_wq *wq)
{
	if (!wq)
		return NULL;
	wq->close(wq);
	wq_attach_put(wq);
	pasid_ctx_unref(wq->ctx);
	free(wq);
	return NULL;
}

static void backoff(uint64_t ns)
{
	if (ns < 2000) {
		uint64_t end = wq_now_ns() + ns;

		while (wq_now_ns() < end)
			pasid_pause();
	} else {
		struct timespec ts = { 0, (long)ns };

		nanosleep(&ts, NULL);
	}
}

PASID_EXPORT int pasid_wq_submit(struct pasid_wq *wq, void *desc)
{
	const struct pasid_wq_submit_opts *o;
	uint64_t start = 0, wait_ns;
	int r;

	if (!wq || !desc || ((uintptr_t)desc & 63))
		return -EINVAL;
	r = wq->submit(wq, desc);
	if (r <= 0)
		return r;
	/* "retry": bounded retries with exponential backoff and a deadline */
	o = &wq->opts;
	wait_ns = o->backoff_min_ns;
	if (o->deadline_ns)
		start = wq_now_ns();
	for (uint32_t i = 0; i < o->max_retries; i++) {
		backoff(wait_ns);
		r = wq->submit(wq, desc);
		if (r <= 0)
			return r;
		wait_ns = wait_ns * 2 > o->backoff_max_ns ? o->backoff_max_ns : wait_ns * 2;
		if (o->deadline_ns && wq_now_ns() - start >= o->deadline_ns)
			break;
	}
	return -EAGAIN;
}

PASID_EXPORT int pasid_wq_wait(struct pasid_wq *wq, volatile void *comp, uint64_t timeout_ns)
{
	volatile uint8_t *status = comp;
	uint64_t start, now;
	unsigned int spins = 0;

	if (!wq || !comp)
		return -EINVAL;
	if (__atomic_load_n(status, __ATOMIC_ACQUIRE))
		return 0;
	if (!timeout_ns)
		return -ETIMEDOUT;
	start = wq_now_ns();
	for (;;) {
		if (wq->umwait) {
			pasid_umonitor(status);
			if (!__atomic_load_n(status, __ATOMIC_ACQUIRE))
				pasid_umwait(PASID_UMWAIT_C01, pasid_rdtsc() + 20000);
		} else {
			pasid_pause();
		}
		if (__atomic_load_n(status, __ATOMIC_ACQUIRE))
			return 0;
		if (++spins % 32)
			continue;
		now = wq_now_ns();
		if (now - start >= timeout_ns)
			return __atomic_load_n(status, __ATOMIC_ACQUIRE) ? 0 : -ETIMEDOUT;
		if (now - start > 50000)	/* long wait: let others run (the sim engine) */
			sched_yield();
	}
}

PASID_EXPORT int pasid_wq_get_info(const struct pasid_wq *wq, struct pasid_wq_info *ret_info)
{
	if (!wq || !ret_info)
		return -EINVAL;
	*ret_info = wq->info;
	if (wq->eng)
		wq_sim_fill_counters(wq, ret_info);
	return 0;
}

PASID_EXPORT int pasid_wq_get_submit_opts(const struct pasid_wq *wq,
					  struct pasid_wq_submit_opts *ret_opts)
{
	if (!wq || !ret_opts)
		return -EINVAL;
	*ret_opts = wq->opts;
	return 0;
}

PASID_EXPORT int pasid_wq_set_submit_opts(struct pasid_wq *wq,
					  const struct pasid_wq_submit_opts *opts)
{
	if (!wq || !opts || opts->backoff_min_ns > opts->backoff_max_ns)
		return -EINVAL;
	wq->opts = *opts;
	return 0;
}

PASID_EXPORT int pasid_wq_sim_inject_fault(struct pasid_wq *wq, const void *addr)
{
	if (!wq)
		return -EINVAL;
	if (!wq->eng)
		return pasid_set_error(wq->ctx, -EOPNOTSUPP,
				       "%s is a real work queue: faults cannot be injected",
				       wq->info.name);
	return wq_sim_inject(wq, (uint64_t)(uintptr_t)addr);
}
