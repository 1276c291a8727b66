/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * platform.h - the one SIMULATED platform a program's sim contexts share.
 *
 * Lock order: ctx->lock, then platform.lock. Event queues of subscribed
 * contexts are filled under platform.lock by the core's event callback.
 */
#ifndef LIBPASID_SIM_PLATFORM_H
#define LIBPASID_SIM_PLATFORM_H

#include "internal.h"
#include "plock.h"
#include "pcore.h"
#include "pcore_bitmap.h"
#include "sim.h"

#define SIM_EVENT_QUEUE_MAX 65536

struct sim_ctx {
	struct pcore_owner owner;	/* owner.mm = the simulated pid */
	struct pasid_ctx *ctx;
	int pid;
	char comm[16];
	int event_fd;			/* eventfd, -1 until subscribed */
	struct pasid_event *events;	/* pending, FIFO */
	unsigned int nr_events, cap_events;
	unsigned long events_dropped;
	struct sim_ctx *next_sub;
};

struct sim_platform {
	struct plock lock;		/* every call of every sim context takes it */
	unsigned int users;
	struct sim_topology *topo;
	struct pcore core;
	struct pcore_bitmap source;
	int next_pid;
	struct sim_ctx *subs;
};

extern struct sim_platform sim_platform;

/* Join (creating it with @topology_path or the default) / leave the platform. */
int sim_platform_join(struct pasid_ctx *ctx, const char *topology_path, struct sim_ctx *sc);
void sim_platform_leave(struct sim_ctx *sc);

static inline struct sim_ctx *sim_ctx_of(const struct pasid_ctx *ctx)
{
	return ctx->priv;
}

#endif /* LIBPASID_SIM_PLATFORM_H */
