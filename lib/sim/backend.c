// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * backend.c - the SIMULATED backend: the public API over the shared
 * platform's allocator core, with messages that say which RID, which PASID
 * and whose.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "pcore_plain.h"
#include "platform.h"

#define P (&sim_platform)

static int sim_open(struct pasid_ctx *ctx, const struct pasid_ctx_opts *opts)
{
	struct sim_ctx *sc = calloc(1, sizeof(*sc));
	int rc;

	if (!sc)
		return pasid_set_error(ctx, -ENOMEM, "out of memory");
	sc->ctx = ctx;
	snprintf(sc->comm, sizeof(sc->comm), "%s", program_invocation_short_name);
	rc = sim_platform_join(ctx, opts->sim_topology, sc);
	if (rc) {
		free(sc);
		return rc;
	}
	ctx->priv = sc;
	return 0;
}

static void sim_close(struct pasid_ctx *ctx)
{
	struct sim_ctx *sc = sim_ctx_of(ctx);

	sim_platform_leave(sc);
	free(sc);
}

/* Who else holds @v, for messages. */
static const char *holder_of(uint32_t v, const struct sim_ctx *me, char *buf, size_t len)
{
	const struct pcore_alloc *a;

	for (a = pcore_value_first(&P->core, v); a; a = a->value_next) {
		const struct sim_ctx *o = a->intent == PCORE_INTENT_GROUP ? a->owner->cookie : NULL;

		if (a->intent == PCORE_INTENT_GLOBAL) {
			snprintf(buf, len, "the global ENQCMD PASID of simulated pid %llu",
				 (unsigned long long)a->mm);
			return buf;
		}
		if (o != me) {
			snprintf(buf, len, "a group of simulated pid %d", o->pid);
			return buf;
		}
	}
	snprintf(buf, len, "nobody");
	return buf;
}

/* The first RID of @rids on which @v is in use, for -EBUSY messages. */
static uint32_t busy_rid(uint32_t v, const uint32_t *rids, uint32_t nr)
{
	uint32_t i;

	for (i = 0; i < nr; i++)
		if (pcore_value_on_rid(&P->core, v, rids[i]))
			return rids[i];
	return rids[0];
}

static void fmt_enospc_group(char *buf, size_t len, const uint32_t *arg)
{
	char rb[PASID_RID_STRLEN];

	snprintf(buf, len, "no PASID below %u is free on all %u RIDs (narrowest: %s, width %u)",
		 1u << arg[2], arg[0], pasid_rid_str(arg[1], rb), arg[2]);
}

/* Under the platform lock, right after the failed call: P->core.why is about it. */
static PASID_COLD int group_error(struct pasid_ctx *ctx, int err, const uint32_t *rids, uint32_t nr,
		       uint32_t flags, uint32_t want)
{
	char rb[PASID_RID_STRLEN], hb[96];
	unsigned int minw = P->core.why.width;
	uint32_t bad = P->core.why.rid;

	if (err == -ENOSPC) {
		/* expected under pressure and retried: formatted only when read */
		const uint32_t arg[PASID_LAZY_ARGS] = { nr, bad, minw, 0 };

		return pasid_set_error_lazy(ctx, err, fmt_enospc_group, arg);
	}
	switch (err) {
	case -ENODEV:
		return pasid_set_error(ctx, err, "RID %s does not exist on the SIMULATED platform",
				       pasid_rid_str(bad, rb));
	case -EINVAL:
		return pasid_set_error(ctx, err, flags & PASID_ALLOC_EXACT && (!want || want >= PASID_LIMIT)
					       ? "PASID %u is outside 1..%u"
					       : "the RID list has a duplicate (PASID %u)",
				       want, PASID_LIMIT - 1);
	case -ERANGE:
		return pasid_set_error(ctx, err, "PASID %u does not fit RID %s (width %u: values < %u)",
				       want, pasid_rid_str(bad, rb), minw, 1u << minw);
	case -EEXIST:
		return pasid_set_error(ctx, err,
				       "this context already holds PASID %u: use pasid_extend() to add RIDs",
				       want);
	case -EBUSY:
		return pasid_set_error(ctx, err, "PASID %u is in use on RID %s by %s", want,
				       pasid_rid_str(busy_rid(want, rids, nr), rb),
				       holder_of(want, sim_ctx_of(ctx), hb, sizeof(hb)));
	default:
		return pasid_set_error(ctx, err, "group allocation failed: %s", strerror(-err));
	}
}

static int sim_alloc_group(struct pasid_ctx *ctx, const uint32_t *rids, uint32_t nr,
			   uint32_t flags, uint32_t *inout)
{
	int err;

	plock_lock(&P->lock);
	/* a runtime's allocation, inline; the core writes *inout only where it succeeds */
	err = 1;
	if (pcore_likely(P->core.plain && nr == 1 && !flags)) {
		err = pcore_alloc_plain(&P->core, &sim_ctx_of(ctx)->owner, rids[0], inout);
		if (pcore_likely(!err)) {
			plock_unlock(&P->lock);
			return 0;
		}
	}
	if (err > 0)
		err = pcore_alloc_group(&P->core, &sim_ctx_of(ctx)->owner, rids, nr,
					flags & PASID_ALLOC_EXACT ? PCORE_ALLOC_EXACT : 0, inout);
	if (err)
		group_error(ctx, err, rids, nr, flags, *inout);
	plock_unlock(&P->lock);
	return err;
}

static void fmt_enospc_global(char *buf, size_t len, const uint32_t *arg)
{
	snprintf(buf, len, "no PASID below %u is free on every RID", 1u << arg[0]);
}

static int sim_alloc_global(struct pasid_ctx *ctx, uint32_t flags, uint32_t *inout)
{
	struct sim_ctx *sc = sim_ctx_of(ctx);
	unsigned int minw;
	uint32_t v = *inout;
	char hb[96];
	int err;

	plock_lock(&P->lock);
	err = pcore_alloc_global(&P->core, &sc->owner,
				 flags & PASID_ALLOC_EXACT ? PCORE_ALLOC_EXACT : 0, &v);
	/* for the messages only: a failed call changed nothing */
	minw = err ? pcore_min_width(&P->core) : 0;
	switch (err) {
	case 0:
		*inout = v;
		break;
	case -EINVAL:
		pasid_set_error(ctx, err, "PASID %u is outside 1..%u", v, PASID_LIMIT - 1);
		break;
	case -ERANGE:
		pasid_set_error(ctx, err,
				"PASID %u does not fit the narrowest PASID-capable RID (width %u): "
				"a global ENQCMD PASID must be below %u", v, minw, 1u << minw);
		break;
	case -EEXIST:
		pasid_set_error(ctx, err, "this process already holds %s PASID %u",
				sc->owner.global ? "the global ENQCMD" : "group",
				sc->owner.global ? sc->owner.global->value : v);
		break;
	case -EBUSY:
		pasid_set_error(ctx, err, "PASID %u is in use by %s", v,
				holder_of(v, sc, hb, sizeof(hb)));
		break;
	case -ENOSPC: {
		const uint32_t arg[PASID_LAZY_ARGS] = { minw, 0, 0, 0 };

		pasid_set_error_lazy(ctx, err, fmt_enospc_global, arg);
		break;
	}
	default:
		pasid_set_error(ctx, err, "global allocation failed: %s", strerror(-err));
	}
	plock_unlock(&P->lock);
	return err;
}

/* Messages shared by the calls that name an existing PASID and a RID. */
static PASID_COLD int value_error(struct pasid_ctx *ctx, int err, const char *what, uint32_t v,
				  uint32_t rid)
{
	char rb[PASID_RID_STRLEN], hb[96];
	const struct pcore_rid *r = pcore_rid_find(&P->core, rid);

	switch (err) {
	case -EINVAL:
		return pasid_set_error(ctx, err, "%s: PASID %u is %s", what, v,
				       !strcmp(what, "extend")
					       ? "the global ENQCMD PASID, already valid on every RID"
					       : "a group that does not name that RID");
	case -ENOENT:
		if (!v || v >= PASID_LIMIT)
			return pasid_set_error(ctx, err, "%s: PASID %u is outside 1..%u", what, v,
					       PASID_LIMIT - 1);
		return pasid_set_error(ctx, err, "%s: this context holds no PASID %u%s", what, v,
				       !strcmp(what, "detach") ? " attached on that RID" : "");
	case -EPERM:
		return pasid_set_error(ctx, err, "%s: PASID %u belongs to %s", what, v,
				       holder_of(v, sim_ctx_of(ctx), hb, sizeof(hb)));
	case -ENODEV:
		return pasid_set_error(ctx, err, "%s: RID %s does not exist", what,
				       pasid_rid_str(rid, rb));
	case -EALREADY:
		return pasid_set_error(ctx, err, "%s: PASID %u is already %s RID %s", what, v,
				       !strcmp(what, "extend") ? "valid on" : "attached on",
				       pasid_rid_str(rid, rb));
	case -ERANGE:
		return pasid_set_error(ctx, err, "%s: PASID %u does not fit RID %s (width %u)", what,
				       v, pasid_rid_str(rid, rb), r ? r->width : 0);
	case -EBUSY:
		return pasid_set_error(ctx, err, "%s: PASID %u is already in use on RID %s by %s",
				       what, v, pasid_rid_str(rid, rb),
				       holder_of(v, sim_ctx_of(ctx), hb, sizeof(hb)));
	case -E2BIG:
		return pasid_set_error(ctx, err, "%s: the group of PASID %u already has %u RIDs", what,
				       v, PASID_MAX_GROUP_RIDS);
	default:
		return pasid_set_error(ctx, err, "%s: %s", what, strerror(-err));
	}
}

typedef int (*value_rid_op)(struct pcore *c, struct pcore_owner *o, pcore_u32 v, pcore_u32 rid);

static int run_value_rid(struct pasid_ctx *ctx, value_rid_op op, const char *what, uint32_t v,
			 uint32_t rid)
{
	int err;

	plock_lock(&P->lock);
	err = op(&P->core, &sim_ctx_of(ctx)->owner, v, rid);
	if (err)
		value_error(ctx, err, what, v, rid);
	plock_unlock(&P->lock);
	return err;
}

static int sim_extend(struct pasid_ctx *ctx, uint32_t v, uint32_t rid)
{
	return run_value_rid(ctx, pcore_extend, "extend", v, rid);
}

static int sim_attach(struct pasid_ctx *ctx, uint32_t v, uint32_t rid)
{
	return run_value_rid(ctx, pcore_attach, "attach", v, rid);
}

static int sim_detach(struct pasid_ctx *ctx, uint32_t v, uint32_t rid)
{
	return run_value_rid(ctx, pcore_detach, "detach", v, rid);
}

static int sim_free(struct pasid_ctx *ctx, uint32_t v)
{
	int err;

	plock_lock(&P->lock);
	if (pcore_likely(P->core.plain) && v && v < PASID_LIMIT &&
	    pcore_free_plain(&P->core, &sim_ctx_of(ctx)->owner, v)) {
		plock_unlock(&P->lock);
		return 0;
	}
	err = pcore_free(&P->core, &sim_ctx_of(ctx)->owner, v);
	if (err)
		value_error(ctx, err, "free", v, 0);
	plock_unlock(&P->lock);
	return err;
}

static int sim_mock_rid_add(struct pasid_ctx *ctx, uint32_t rid, unsigned int width)
{
	char rb[PASID_RID_STRLEN];
	int err;

	plock_lock(&P->lock);
	err = pcore_rid_add(&P->core, rid, width, NULL);
	plock_unlock(&P->lock);
	if (err == -EINVAL)
		return pasid_set_error(ctx, err, "RID %s: width %u is outside 1..%u",
				       pasid_rid_str(rid, rb), width, PASID_WIDTH_MAX);
	if (err == -EEXIST)
		return pasid_set_error(ctx, err, "RID %s already exists", pasid_rid_str(rid, rb));
	if (err)
		return pasid_set_error(ctx, err, "RID %s: %s", pasid_rid_str(rid, rb), strerror(-err));
	return 0;
}

static int sim_mock_rid_remove(struct pasid_ctx *ctx, uint32_t rid)
{
	char rb[PASID_RID_STRLEN];
	int err;

	plock_lock(&P->lock);
	err = pcore_rid_remove(&P->core, rid);
	plock_unlock(&P->lock);
	if (err)
		return pasid_set_error(ctx, err, "RID %s does not exist", pasid_rid_str(rid, rb));
	return 0;
}

/* ---- listing: snapshot under the lock, call back without it ---------------- */

struct snap_alloc {
	struct pasid_alloc_info info;
	uint32_t off_rids, off_att;	/* into the shared id pool */
};

struct snapshot {
	const struct sim_ctx *me;
	struct snap_alloc *allocs;
	size_t nr, cap;
	uint32_t *ids;
	size_t nr_ids, cap_ids;
	int err;
};

static int snap_one(const struct pcore_alloc *a, void *data)
{
	struct snapshot *s = data;
	const struct pcore_attach *at;
	struct snap_alloc *sa;
	uint32_t nat = 0;
	size_t nids;

	for (at = a->attach; at; at = at->next)
		nat++;
	nids = s->nr_ids + (a->intent == PCORE_INTENT_GROUP ? a->nr : 0) + nat;

	if (pasid_grow_array((void **)&s->allocs, &s->cap, s->nr + 1, sizeof(*s->allocs)) ||
	    pasid_grow_array((void **)&s->ids, &s->cap_ids, nids, sizeof(*s->ids)))
		return s->err = -ENOMEM;
	sa = &s->allocs[s->nr++];
	memset(sa, 0, sizeof(*sa));
	sa->info.pasid = a->value;
	sa->info.intent = a->intent;
	sa->off_rids = s->nr_ids;
	if (a->intent == PCORE_INTENT_GROUP) {
		const struct sim_ctx *o = a->owner->cookie;

		if (a->nr)
			memcpy(&s->ids[s->nr_ids], pcore_alloc_rids(a), a->nr * sizeof(uint32_t));
		s->nr_ids += a->nr;
		sa->info.nr_rids = a->nr;
		sa->info.owner_pid = o->pid;
		memcpy(sa->info.owner_comm, o->comm, sizeof(o->comm));
		if (o == s->me)
			sa->info.flags |= PASID_INFO_MINE;
	} else {
		const struct pcore_owner *o;

		sa->info.owner_pid = (int32_t)a->mm;
		if (s->me->owner.global == a)
			sa->info.flags |= PASID_INFO_MINE;
		/* any context of that simulated process names it */
		for (o = P->core.owners; o; o = o->next) {
			if (o->global == a) {
				memcpy(sa->info.owner_comm, ((const struct sim_ctx *)o->cookie)->comm,
				       sizeof(sa->info.owner_comm));
				break;
			}
		}
	}
	sa->off_att = s->nr_ids;
	for (at = a->attach; at; at = at->next)
		s->ids[s->nr_ids++] = at->rid;
	sa->info.nr_attached = nat;
	return 0;
}

static int sim_list_allocs(struct pasid_ctx *ctx, pasid_alloc_cb cb, void *data)
{
	struct snapshot s = { .me = sim_ctx_of(ctx) };
	size_t i;
	int ret = 0;

	plock_lock(&P->lock);
	pcore_for_each_alloc(&P->core, snap_one, &s);
	plock_unlock(&P->lock);
	if (s.err) {
		ret = pasid_set_error(ctx, s.err, "out of memory listing allocations");
		goto out;
	}
	for (i = 0; i < s.nr && !ret; i++) {
		struct pasid_alloc_info *info = &s.allocs[i].info;

		info->rids = s.ids ? &s.ids[s.allocs[i].off_rids] : NULL;
		info->attached = s.ids ? &s.ids[s.allocs[i].off_att] : NULL;
		if (info->nr_attached > 1)
			qsort(&s.ids[s.allocs[i].off_att], info->nr_attached, sizeof(uint32_t),
			      pasid_cmp_u32);
		ret = cb(info, data);
	}
out:
	free(s.allocs);
	free(s.ids);
	return ret;
}

struct rid_snap {
	struct pasid_rid_info *v;
	size_t nr, cap;
};

static int snap_rid(const struct pcore_rid *r, void *data)
{
	struct rid_snap *s = data;

	if (pasid_grow_array((void **)&s->v, &s->cap, s->nr + 1, sizeof(*s->v)))
		return -ENOMEM;
	s->v[s->nr++] = (struct pasid_rid_info){
		.rid = r->id,
		.width = r->width,
		.nr_values = pcore_rid_nr_values(&P->core, r),
		.nr_attached = r->nr_attached,
		.mock = 1,
	};
	return 0;
}

static int sim_list_rids(struct pasid_ctx *ctx, pasid_rid_cb cb, void *data)
{
	struct rid_snap s = { 0 };
	size_t i;
	int ret;

	plock_lock(&P->lock);
	ret = pcore_for_each_rid(&P->core, snap_rid, &s);
	plock_unlock(&P->lock);
	if (ret) {
		free(s.v);
		return pasid_set_error(ctx, ret, "out of memory listing RIDs");
	}
	/* the rid_info starts with the RID: sort by it */
	qsort(s.v, s.nr, sizeof(*s.v), pasid_cmp_u32);
	for (i = 0; i < s.nr && !ret; i++)
		ret = cb(&s.v[i], data);
	free(s.v);
	return ret;
}

/* ---- events ---------------------------------------------------------------------- */

static int sim_event_fd(struct pasid_ctx *ctx)
{
	struct sim_ctx *sc = sim_ctx_of(ctx);
	int fd;

	/* no context lock around sim ops: two threads may subscribe at once */
	plock_lock(&P->lock);
	fd = sc->event_fd;
	if (fd < 0) {
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd >= 0) {
			sc->event_fd = fd;
			sc->next_sub = P->subs;
			P->subs = sc;
			pcore_set_events(&P->core, true);
		}
	}
	plock_unlock(&P->lock);
	if (fd < 0)
		return pasid_set_error(ctx, -errno, "eventfd: %s", strerror(errno));
	return fd;
}

static int sim_dispatch(struct pasid_ctx *ctx, pasid_event_cb cb, void *data)
{
	struct sim_ctx *sc = sim_ctx_of(ctx);
	struct pasid_event *evs;
	unsigned int n, i;
	uint64_t cnt;

	plock_lock(&P->lock);
	if (sc->event_fd < 0) {
		plock_unlock(&P->lock);
		return pasid_set_error(ctx, -EINVAL, "not subscribed: call pasid_ctx_get_event_fd() first");
	}
	evs = sc->events;
	n = sc->nr_events;
	sc->events = NULL;
	sc->nr_events = sc->cap_events = 0;
	(void)!read(sc->event_fd, &cnt, sizeof(cnt));
	plock_unlock(&P->lock);
	for (i = 0; i < n; i++)
		cb(&evs[i], data);
	free(evs);
	return (int)n;
}

static int sim_get_info(struct pasid_ctx *ctx, struct pasid_ctx_info *info)
{
	struct pcore_stats st;

	plock_lock(&P->lock);
	pcore_get_stats(&P->core, &st);
	info->min_width = pcore_min_width(&P->core);
	plock_unlock(&P->lock);
	info->flags = PASID_CTX_INFO_MOCK | PASID_CTX_INFO_SIMULATED | PASID_CTX_INFO_GLOBAL_OK;
	info->nr_rids = st.nr_rids;
	info->nr_owners = st.nr_owners;
	info->nr_groups = st.nr_groups;
	info->nr_globals = st.nr_globals;
	info->nr_values = st.nr_values;
	snprintf(info->source, sizeof(info->source), "sim-bitmap");
	return 0;
}

const struct pasid_backend_ops pasid_sim_backend = {
	.name = "sim (simulated)",
	.self_locked = true,
	.open = sim_open,
	.close = sim_close,
	.alloc_group = sim_alloc_group,
	.alloc_global = sim_alloc_global,
	.extend = sim_extend,
	.free = sim_free,
	.attach = sim_attach,
	.detach = sim_detach,
	.mock_rid_add = sim_mock_rid_add,
	.mock_rid_remove = sim_mock_rid_remove,
	.list_allocs = sim_list_allocs,
	.list_rids = sim_list_rids,
	.event_fd = sim_event_fd,
	.dispatch = sim_dispatch,
	.get_info = sim_get_info,
};
