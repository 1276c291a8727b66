// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * platform.c - life of the shared SIMULATED platform, its event fan-out and
 * the accessors the work-queue code uses.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "platform.h"

struct sim_platform sim_platform = { .lock = PLOCK_INIT };

static void queue_event(struct sim_ctx *sc, const struct pasid_event *ev)
{
	if (sc->nr_events == sc->cap_events) {
		unsigned int cap = sc->cap_events ? sc->cap_events * 2 : 64;
		struct pasid_event *n;

		n = cap <= SIM_EVENT_QUEUE_MAX ? realloc(sc->events, cap * sizeof(*n)) : NULL;
		if (!n) {
			sc->events_dropped++;
			return;
		}
		sc->events = n;
		sc->cap_events = cap;
	}
	sc->events[sc->nr_events++] = *ev;
	if (sc->event_fd >= 0) {
		uint64_t one = 1;

		(void)!write(sc->event_fd, &one, sizeof(one));
	}
}

static void core_event(void *priv, const struct pcore_event *cev)
{
	struct sim_platform *p = priv;
	const struct sim_ctx *owner = cev->owner ? cev->owner->cookie : NULL;
	struct pasid_event ev = {
		.type = cev->type,	/* PCORE_EV_* and PASID_EVENT_* share values */
		.intent = cev->intent,
		.pasid = cev->value,
		.rid = cev->rid,
		.owner_pid = owner ? owner->pid : 0,
	};
	struct sim_ctx *sc;

	for (sc = p->subs; sc; sc = sc->next_sub)
		queue_event(sc, &ev);
}

static int sim_lease(void *priv, pcore_u32 min, pcore_u32 max, pcore_u32 *ret)
{
	return pcore_bitmap_lease(&((struct sim_platform *)priv)->source, min, max, ret);
}

static void sim_release(void *priv, pcore_u32 value)
{
	pcore_bitmap_release(&((struct sim_platform *)priv)->source, value);
}

static const struct pcore_ops sim_core_ops = {
	.lease = sim_lease,
	.release = sim_release,
	.event = core_event,
};

static int platform_create(struct pasid_ctx *ctx, const char *path)
{
	struct sim_platform *p = &sim_platform;
	char err[PASID_ERRMSG_LEN];
	unsigned int i;
	int rc;

	rc = path ? sim_topology_load(path, &p->topo, err, sizeof(err))
		  : sim_topology_default(&p->topo);
	if (rc)
		return pasid_set_error(ctx, rc, "%s", path ? err : "out of memory for the topology");
	pcore_bitmap_init(&p->source);
	pcore_init(&p->core, &sim_core_ops, p);
	pcore_set_bitmap_source(&p->core, &p->source);
	pcore_set_events(&p->core, false);	/* until a context subscribes */
	for (i = 0; i < p->topo->nr_rids; i++) {
		rc = pcore_rid_add(&p->core, p->topo->rids[i].rid, p->topo->rids[i].width, NULL);
		if (rc) {
			pcore_destroy(&p->core);
			pcore_bitmap_destroy(&p->source);
			sim_topology_free(p->topo);
			p->topo = NULL;
			return pasid_set_error(ctx, rc, "sim platform: cannot add RID %u: %s", i,
					       strerror(-rc));
		}
	}
	p->next_pid = 1000;
	return 0;
}

int sim_platform_join(struct pasid_ctx *ctx, const char *path, struct sim_ctx *sc)
{
	struct sim_platform *p = &sim_platform;
	int rc = 0;

	if (!path)
		path = secure_getenv("LIBPASID_SIM_TOPOLOGY");
	if (path && !*path)
		path = NULL;
	plock_lock(&p->lock);
	if (!p->users) {
		rc = platform_create(ctx, path);
	} else if (strcmp(p->topo->source, path ? path : "built-in")) {
		rc = pasid_set_error(ctx, -EBUSY,
				     "the SIMULATED platform of this program is live with topology "
				     "\"%s\"; it cannot also load \"%s\"",
				     p->topo->source, path ? path : "built-in");
	}
	if (!rc) {
		p->users++;
		sc->pid = p->next_pid++;
		sc->event_fd = -1;
		pcore_owner_init(&p->core, &sc->owner, (pcore_u64)sc->pid, sc);
	}
	plock_unlock(&p->lock);
	return rc;
}

void sim_platform_leave(struct sim_ctx *sc)
{
	struct sim_platform *p = &sim_platform;
	struct sim_ctx **pp;

	plock_lock(&p->lock);
	for (pp = &p->subs; *pp; pp = &(*pp)->next_sub) {
		if (*pp == sc) {
			*pp = sc->next_sub;
			break;
		}
	}
	pcore_set_events(&p->core, p->subs != NULL);
	pcore_owner_release(&p->core, &sc->owner);
	if (--p->users == 0) {
		pcore_destroy(&p->core);
		pcore_bitmap_destroy(&p->source);
		sim_topology_free(p->topo);
		p->topo = NULL;
	}
	plock_unlock(&p->lock);
	if (sc->event_fd >= 0)
		close(sc->event_fd);
	free(sc->events);
}

/* ---- for the work-queue code --------------------------------------------- */

bool sim_ctx_is_sim(const struct pasid_ctx *ctx)
{
	return ctx && ctx->backend == PASID_BACKEND_SIM;
}

const struct sim_topology *sim_ctx_topology(const struct pasid_ctx *ctx)
{
	/* fixed for as long as any sim context lives */
	return sim_ctx_is_sim(ctx) ? sim_platform.topo : NULL;
}

int sim_ctx_pid(const struct pasid_ctx *ctx)
{
	return sim_ctx_is_sim(ctx) ? sim_ctx_of(ctx)->pid : -EINVAL;
}

bool sim_pasid_attached(const struct pasid_ctx *ctx, uint32_t pasid, uint32_t rid)
{
	bool ret;

	if (!sim_ctx_is_sim(ctx))
		return false;
	plock_lock(&sim_platform.lock);
	ret = pcore_is_attached(&sim_platform.core, pasid, rid);
	plock_unlock(&sim_platform.lock);
	return ret;
}
