// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * wq.c - work queues, whatever is behind them: open/close, the retry policy
 * of submission, completion waits, info and options.
 */
#include <errno.h>
#include <stddef.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpasid/portal.h>
#include <libpasid/testing.h>

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

/*
 * A NULL context is the process's default provider of work queues: the
 * kernel's idxd driver directly (no shim, no PASID intent), or, when
 * LIBPASID_BACKEND=sim asks for it, one SIMULATED context shared by the
 * process, made on first use and kept until exit. The variable is read with
 * secure_getenv(): a set-id program always gets idxd.
 */
static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pasid_ctx *default_sim;

int wq_default_ctx(struct pasid_ctx **ret_ctx)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	const char *env = secure_getenv("LIBPASID_BACKEND");
	int err = 0;

	*ret_ctx = NULL;
	if (!env || !*env || !strcmp(env, "kernel"))
		return 0;
	if (strcmp(env, "sim"))
		return pasid_set_open_error(-EINVAL, "LIBPASID_BACKEND=\"%.64s\" is not a "
					    "backend: use \"kernel\" or \"sim\"", env);
	pthread_mutex_lock(&default_lock);
	if (!default_sim)
		err = pasid_ctx_new(&o, &default_sim);
	if (!err)
		*ret_ctx = pasid_ctx_ref(default_sim);
	pthread_mutex_unlock(&default_lock);
	return err;
}

PASID_EXPORT int pasid_wq_open(struct pasid_ctx *ctx, const char *name, uint32_t flags,
			       struct pasid_wq **ret_wq)
{
	struct pasid_ctx *def;
	int err;

	if (ctx)
		return wq_open_as(ctx, name, flags, pasid_ctx_backend(ctx) == PASID_BACKEND_SIM,
				  ret_wq);
	if (!ret_wq)
		return -EINVAL;
	err = wq_default_ctx(&def);
	if (err)
		return err;
	err = wq_open_as(def, name, flags, def != NULL, ret_wq);
	if (def && err)
		pasid_set_open_error(err, "%s", pasid_ctx_last_error(def));
	pasid_ctx_unref(def);	/* the handle holds its own reference */
	return err;
}

int wq_open_as(struct pasid_ctx *ctx, const char *name, uint32_t flags, bool sim,
	       struct pasid_wq **ret_wq)
{
	struct pasid_wq *wq;
	int err;

	if (!ret_wq || (sim && !ctx))
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
		.size = sizeof(wq->opts),
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
	if (sim) {
		/* the engine runs batches on DSA WQs (docs/wq.md); IAA has none */
		wq->batch_ok = !(wq->info.flags & PASID_WQ_INFO_IAA) && wq->info.max_batch_size >= 2;
		snprintf(wq->batch_why, sizeof(wq->batch_why), "%s",
			 wq->batch_ok ? "" : "IAA work queues take no BATCH descriptors");
	}
	if (wq->batch_ok)
		wq->info.flags |= PASID_WQ_INFO_BATCH;
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

/*
 * Is the WQ still usable? A real WQ's state (and its device's) is read
 * from sysfs again: a WQ that idxd disabled, or a device that halted or
 * was reset, makes ENQCMD answer "retry" and completions never come, so
 * the caller gets -ENODEV/-EIO with the state instead of -EAGAIN or
 * -ETIMEDOUT forever. Called only when a limit ran out, never per
 * descriptor. SIMULATED WQs are never disabled.
 */
static int wq_state_error(struct pasid_wq *wq)
{
	char ws[16] = "", ds[16] = "";

	if (wq->eng || !wq->wqname[0])
		return 0;
	if (disc_udev_wq_state(wq->dev, wq->wqname, ws, sizeof(ws), ds, sizeof(ds)))
		return pasid_set_error(wq->ctx, -ENODEV, "%s: the work queue is gone from sysfs "
				       "(device removed or driver unbound)", wq->info.name);
	if (strcmp(ds, "enabled"))
		return pasid_set_error(wq->ctx, -EIO, "%s: device %s is %s (halted or reset: "
				       "descriptors in flight are lost)", wq->info.name, wq->dev,
				       ds[0] ? ds : "in an unknown state");
	if (strcmp(ws, "enabled"))
		return pasid_set_error(wq->ctx, -ENODEV, "%s: work queue is %s", wq->info.name,
				       ws[0] ? ws : "in an unknown state");
	return 0;
}

/* flags word of struct dsa_hw_desc (bytes 4-7) and completion_addr (8-15) */
#define DESC_FLAG_CRAV	(1u << 2)

/* What every submission path refuses alike (idxd's write() does too). */
static int desc_check(struct pasid_wq *wq, const void *desc)
{
	uint32_t flags;
	uint64_t cr;

	if ((uintptr_t)desc & 63)
		return pasid_set_error(wq->ctx, -EINVAL, "%s: descriptor %p is not 64-byte "
				       "aligned", wq->info.name, desc);
	memcpy(&flags, (const uint8_t *)desc + 4, 4);
	memcpy(&cr, (const uint8_t *)desc + 8, 8);
	if ((flags & DESC_FLAG_CRAV) && (cr & (wq->info.cr_align - 1)))
		return pasid_set_error(wq->ctx, -EINVAL, "%s: completion record %#llx is not "
				       "%u-byte aligned", wq->info.name, (unsigned long long)cr,
				       wq->info.cr_align);
	return 0;
}

/* Bounded retries with exponential backoff and a deadline, then -EAGAIN. */
struct retry {
	const struct pasid_wq_submit_opts *o;
	uint64_t start, wait_ns;
	uint32_t tries;
};

static bool retry_again(struct retry *r)
{
	if (r->tries == 0 && r->o->deadline_ns)
		r->start = wq_now_ns();
	if (r->tries >= r->o->max_retries)
		return false;
	if (r->tries && r->o->deadline_ns && wq_now_ns() - r->start >= r->o->deadline_ns)
		return false;
	if (!r->tries)
		r->wait_ns = r->o->backoff_min_ns;
	backoff(r->wait_ns);
	r->wait_ns = r->wait_ns * 2 > r->o->backoff_max_ns ? r->o->backoff_max_ns : r->wait_ns * 2;
	r->tries++;
	return true;
}

static int retry_exhausted(struct pasid_wq *wq)
{
	int err = wq_state_error(wq);

	return err ? err : pasid_set_error(wq->ctx, -EAGAIN, "%s: the work queue kept "
					   "answering \"retry\" (full)", wq->info.name);
}

static int submit_one(struct pasid_wq *wq, const void *desc)
{
	struct retry rt = { .o = &wq->opts };
	int r = wq->submit(wq, desc);

	while (r > 0) {
		if (!retry_again(&rt))
			return retry_exhausted(wq);
		r = wq->submit(wq, desc);
	}
	if (r < 0) {
		int err = wq_state_error(wq);

		return err ? err : pasid_set_error(wq->ctx, r, "%s: submission failed: %s",
						   wq->info.name, strerror(-r));
	}
	return 0;
}

PASID_EXPORT int pasid_wq_submit(struct pasid_wq *wq, const void *desc)
{
	int err;

	if (!wq || !desc)
		return -EINVAL;
	err = desc_check(wq, desc);
	return err ? err : submit_one(wq, desc);
}

#define SUBMIT_MANY_MAX 65536u

PASID_EXPORT int pasid_wq_submit_many(struct pasid_wq *wq, const void *descs, unsigned int n)
{
	const uint8_t *d = descs;
	unsigned int done = 0, ok = 0;
	int err = 0;

	if (!wq || !descs || !n || n > SUBMIT_MANY_MAX)
		return -EINVAL;
	/* the checks first, so that a bad descriptor stops the run where it is */
	while (ok < n && !(err = desc_check(wq, d + (size_t)ok * PASID_DESC_SIZE)))
		ok++;
	if (wq->submit_many) {
		struct retry rt = { .o = &wq->opts };

		while (done < ok) {
			int r = wq->submit_many(wq, d + (size_t)done * PASID_DESC_SIZE, ok - done);

			if (r > 0) {
				done += (unsigned int)r;
				rt.tries = 0;
				continue;
			}
			if (r == 0 && retry_again(&rt))
				continue;
			err = r == 0 ? retry_exhausted(wq) : wq_state_error(wq);
			if (!err)
				err = pasid_set_error(wq->ctx, r, "%s: write() of %u descriptors: %s",
						      wq->info.name, ok - done, strerror(-r));
			break;
		}
	} else {
		while (done < ok && !(err = submit_one(wq, d + (size_t)done * PASID_DESC_SIZE)))
			done++;
	}
	return done ? (int)done : err;
}

/* The DSA BATCH descriptor's fields (<linux/idxd.h> struct dsa_hw_desc). */
#define DSA_OP_BATCH		1u
#define DESC_FLAG_RCR		(1u << 3)
#define DESC_OFF_LIST		16	/* desc_list_addr (src_addr) */
#define DESC_OFF_COUNT		32	/* desc_count (xfer_size) */

PASID_EXPORT int pasid_wq_batch_prepare(struct pasid_wq *wq, void *batch, const void *descs,
					unsigned int n, void *comp)
{
	uint32_t flags = 0;
	uint64_t a;

	if (!wq || !batch || !descs || ((uintptr_t)batch & 63) || ((uintptr_t)descs & 63))
		return wq ? pasid_set_error(wq->ctx, -EINVAL, "pasid_wq_batch_prepare: NULL or "
					    "not 64-byte aligned") : -EINVAL;
	if (!wq->batch_ok)
		return pasid_set_error(wq->ctx, -EOPNOTSUPP, "%s: no batches: %s", wq->info.name,
				       wq->batch_why);
	if (n < 2 || n > wq->info.max_batch_size)
		return pasid_set_error(wq->ctx, -EINVAL, "%s: a batch has 2..%u descriptors, "
				       "not %u", wq->info.name, wq->info.max_batch_size, n);
	if (comp && ((uintptr_t)comp & (wq->info.cr_align - 1)))
		return pasid_set_error(wq->ctx, -EINVAL, "%s: completion record %p is not "
				       "%u-byte aligned", wq->info.name, comp, wq->info.cr_align);
	memset(batch, 0, PASID_DESC_SIZE);
	if (comp)
		flags = DESC_FLAG_CRAV | DESC_FLAG_RCR;
	flags |= DSA_OP_BATCH << 24;
	memcpy((uint8_t *)batch + 4, &flags, 4);
	a = (uint64_t)(uintptr_t)comp;
	memcpy((uint8_t *)batch + 8, &a, 8);
	a = (uint64_t)(uintptr_t)descs;
	memcpy((uint8_t *)batch + DESC_OFF_LIST, &a, 8);
	memcpy((uint8_t *)batch + DESC_OFF_COUNT, &n, 4);
	return 0;
}

PASID_EXPORT int pasid_wq_get_portal(struct pasid_wq *wq, struct pasid_wq_portal *ret)
{
	struct pasid_wq_portal p = { .size = sizeof(p) };
	uint32_t size;

	if (!wq || !ret || ret->size < offsetof(struct pasid_wq_portal, portal) + sizeof(void *))
		return -EINVAL;
	if (wq->eng)
		return pasid_set_error(wq->ctx, -EOPNOTSUPP, "%s is SIMULATED: it has no MMIO "
				       "portal; submit with pasid_wq_submit()", wq->info.name);
	if (!wq->portal)
		return pasid_set_error(wq->ctx, -EOPNOTSUPP, "%s submits through write(): %s",
				       wq->info.name, wq->info.reason);
	p.method = wq->info.method;
	p.fd = wq->fd;
	p.portal = wq->portal;
	p.portal_off = wq->portal_off;
	size = ret->size < sizeof(p) ? ret->size : (uint32_t)sizeof(p);
	memcpy(ret, &p, size);
	ret->size = size;
	return 0;
}

/*
 * One UMWAIT lasts at most the time left, in TSC ticks counted at 1 GHz:
 * every CPU with WAITPKG runs its TSC faster, so the wait ends early, never
 * late, and the loop reads the clock again. Capped at 100 us so that a
 * record written without a monitor hit is still seen.
 */
#define UMWAIT_MAX_TICKS 100000ull
#define STATE_CHECK_NS 10000000ull	/* 10 ms */

static int wait_until(struct pasid_wq *wq, volatile void *const *comps, unsigned int n,
		      uint64_t timeout_ns, unsigned int *ret_done)
{
	uint64_t start = 0, now, left;
	unsigned int i = 0, done = 0;
	bool first = true;

	for (;;) {
		/* records are checked in order; the first pending one is watched */
		while (i < n && (!comps[i] ||
				 __atomic_load_n((volatile uint8_t *)comps[i], __ATOMIC_ACQUIRE))) {
			i++;
			done++;
		}
		if (i == n)
			break;
		now = wq_now_ns();
		if (first) {
			start = now;
			first = false;
		}
		if (now - start >= timeout_ns) {
			int err = 0;

			if (ret_done)
				*ret_done = done;
			/*
			 * sysfs is read at most every STATE_CHECK_NS per handle: a
			 * caller polling with timeout 0 pays it rarely
			 */
			if (now - wq->state_checked_ns >= STATE_CHECK_NS) {
				wq->state_checked_ns = now;
				err = wq_state_error(wq);
			}
			if (err || !timeout_ns)
				return err ? err : -ETIMEDOUT;
			return pasid_set_error(wq->ctx, -ETIMEDOUT, "%s: %u of %u completion "
					       "records written in %llu ns", wq->info.name, done,
					       n, (unsigned long long)timeout_ns);
		}
		left = timeout_ns - (now - start);
		if (wq->umwait) {
			volatile uint8_t *st = (volatile uint8_t *)comps[i];

			pasid_umonitor(st);
			if (!__atomic_load_n(st, __ATOMIC_ACQUIRE))
				pasid_umwait(PASID_UMWAIT_C01, pasid_rdtsc() +
					     (left < UMWAIT_MAX_TICKS ? left : UMWAIT_MAX_TICKS));
		} else {
			for (int k = 0; k < 32; k++)
				pasid_pause();
			if (now - start > 50000)	/* long wait: let others run (the sim engine) */
				sched_yield();
		}
	}
	if (ret_done)
		*ret_done = done;
	return 0;
}

static __attribute__((noinline)) int wait_one(struct pasid_wq *wq, volatile void *comp,
					      uint64_t timeout_ns)
{
	volatile void *const one[1] = { comp };

	return wait_until(wq, one, 1, timeout_ns, NULL);
}

PASID_EXPORT int pasid_wq_wait(struct pasid_wq *wq, volatile void *comp, uint64_t timeout_ns)
{
	if (!wq || !comp)
		return -EINVAL;
	/*
	 * Written already (what a caller keeping its queue full mostly
	 * finds): answered without building the wait's state. Its stores
	 * would queue behind the caller's own (the status it clears next
	 * waits for the line), one wait per descriptor.
	 */
	if (__atomic_load_n((volatile uint8_t *)comp, __ATOMIC_ACQUIRE))
		return 0;
	return wait_one(wq, comp, timeout_ns);
}

PASID_EXPORT int pasid_wq_wait_many(struct pasid_wq *wq, volatile void *const *comps,
				    unsigned int n, uint64_t timeout_ns, unsigned int *ret_done)
{
	if (!wq || (!comps && n))
		return -EINVAL;
	return wait_until(wq, comps, n, timeout_ns, ret_done);
}

/* The least a caller may ask for: @size and @flags. */
#define INFO_SIZE_MIN (2 * sizeof(uint32_t))

PASID_EXPORT int pasid_wq_get_info(const struct pasid_wq *wq, struct pasid_wq_info *ret_info)
{
	struct pasid_wq_info in;
	uint32_t size;

	if (!wq || !ret_info || ret_info->size < INFO_SIZE_MIN)
		return -EINVAL;
	in = wq->info;
	in.size = sizeof(in);
	in.fd = wq->eng ? -1 : wq->fd;
	if (wq->eng)
		wq_sim_fill_counters(wq, &in);
	size = ret_info->size < sizeof(in) ? ret_info->size : (uint32_t)sizeof(in);
	memcpy(ret_info, &in, size);
	ret_info->size = size;
	return 0;
}

/* The first version of struct pasid_wq_submit_opts ends after @deadline_ns. */
#define OPTS_SIZE_V1 sizeof(struct pasid_wq_submit_opts)

PASID_EXPORT int pasid_wq_get_submit_opts(const struct pasid_wq *wq,
					  struct pasid_wq_submit_opts *ret_opts)
{
	uint32_t size;

	if (!wq || !ret_opts || ret_opts->size < sizeof(uint32_t))
		return -EINVAL;
	size = ret_opts->size < sizeof(wq->opts) ? ret_opts->size : (uint32_t)sizeof(wq->opts);
	memcpy(ret_opts, &wq->opts, size);
	ret_opts->size = size;
	return 0;
}

PASID_EXPORT int pasid_wq_set_submit_opts(struct pasid_wq *wq,
					  const struct pasid_wq_submit_opts *opts)
{
	const unsigned char *b = (const unsigned char *)opts;

	if (!wq || !opts)
		return -EINVAL;
	if (opts->size < OPTS_SIZE_V1)
		return pasid_set_error(wq->ctx, -EINVAL, "pasid_wq_submit_opts.size %u is below "
				       "%zu", opts->size, OPTS_SIZE_V1);
	for (size_t i = sizeof(wq->opts); i < opts->size; i++)
		if (b[i])
			return pasid_set_error(wq->ctx, -E2BIG, "pasid_wq_submit_opts: unknown "
					       "non-zero byte at offset %zu", i);
	if (opts->backoff_min_ns > opts->backoff_max_ns)
		return pasid_set_error(wq->ctx, -EINVAL, "backoff_min_ns %u > backoff_max_ns %u",
				       opts->backoff_min_ns, opts->backoff_max_ns);
	memcpy(&wq->opts, opts, sizeof(wq->opts));
	wq->opts.size = sizeof(wq->opts);
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
