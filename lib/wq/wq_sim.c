// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * wq_sim.c - SIMULATED work queues: the WQs of the sim topology, served by
 * the software engine (engine.c, exec.c).
 *
 * Shared WQ: ENQCMD is emulated (there is no device to answer it): the
 * descriptor's first dword is replaced by the opener's PASID as the CPU does
 * from IA32_PASID, and the WQ answers "retry" while its occupancy (all
 * openers) has reached its size. Dedicated WQ: one opener; the descriptor is
 * written into the ring with the real MOVDIR64B instruction when the CPU and
 * kernel offer it (else 64-byte ordinary stores, and info says so); like the
 * hardware, a descriptor sent to a full dedicated WQ is dropped and counted
 * (info.dropped), not refused.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libpasid/portal.h>

#include "../internal.h"
#include "../sim/sim.h"
#include "engine.h"
#include "wq_internal.h"

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct engine *engines;

#define DEF_SIZE	32u
#define DEF_XFER	(2u * 1024 * 1024)
#define DEF_BATCH	32u

static void cfg_from_topology(struct eng_cfg *c, const struct sim_topology *t, unsigned int idx)
{
	const struct sim_wq *w = &t->wqs[idx];
	const struct sim_device *dev = &t->devices[w->device];
	static const unsigned int dsa_ops[] = {
		DSA_OPCODE_NOOP, DSA_OPCODE_BATCH, DSA_OPCODE_DRAIN, DSA_OPCODE_MEMMOVE,
		DSA_OPCODE_MEMFILL, DSA_OPCODE_COMPARE, DSA_OPCODE_COMPVAL, DSA_OPCODE_DUALCAST,
		DSA_OPCODE_CRCGEN, DSA_OPCODE_COPY_CRC,
	};

	memset(c, 0, sizeof(*c));
	c->dedicated = w->mode == SIM_WQ_DEDICATED;
	c->iaa = !strcmp(dev->type, "iax");
	c->bof = w->block_on_fault;
	c->size = w->size ? w->size : DEF_SIZE;
	c->max_xfer = w->max_transfer_size ? w->max_transfer_size : DEF_XFER;
	c->max_batch = w->max_batch_size ? w->max_batch_size : DEF_BATCH;
	c->cr_align = c->iaa ? 64 : 32;
	c->rid = dev->rid;
	for (size_t i = 0; i < sizeof(dsa_ops) / sizeof(dsa_ops[0]); i++)
		if (!c->iaa || dsa_ops[i] == DSA_OPCODE_NOOP || dsa_ops[i] == DSA_OPCODE_DRAIN ||
		    dsa_ops[i] == DSA_OPCODE_MEMMOVE)
			c->ops[dsa_ops[i] / 64] |= 1ull << (dsa_ops[i] % 64);
}

static int sim_find(const struct sim_topology *t, const char *name, unsigned int *ret)
{
	char dev[32], wqn[32];

	if (wq_name_split(name, dev, sizeof(dev), wqn, sizeof(wqn)))
		return -EINVAL;
	for (unsigned int i = 0; i < t->nr_wqs; i++) {
		if (strcmp(t->wqs[i].name, wqn))
			continue;
		if (*dev && strcmp(t->devices[t->wqs[i].device].name, dev))
			continue;
		*ret = i;
		return 0;
	}
	return -ENOENT;
}

/*
 * The accept test of ENQCMD: retry while the WQ (every portal) holds size
 * descriptors. Without a lock: this portal's count comes from its cached
 * head (an over-count until refreshed), the others' from their published
 * tails and heads (eng_others_occupancy()), so a stale value only makes it
 * answer retry early, never accept past the size on its own. Two portals
 * accepting at the same instant can still overshoot by one each, as two
 * racing readers of any occupancy counter would; the ring itself never
 * overflows (its capacity is at least the WQ size).
 */
static int sim_submit_shared(struct pasid_wq *wq, const void *desc)
{
	struct eng_ring *r = wq->ring;
	struct engine *e = wq->eng;
	uint64_t t = r->p_tail, others, occ;

	others = atomic_load_explicit(&e->ports_used, memory_order_acquire) &
		 ~(1ull << r->port_idx);
	occ = t - r->p_head_cache + (others ? eng_others_occupancy(e, others) : 0);
	if (occ >= e->cfg.size) {
		uint64_t own = t - r->p_head_cache;

		r->p_head_cache = atomic_load_explicit(&r->port->head, memory_order_acquire);
		if (occ - own + (t - r->p_head_cache) >= e->cfg.size)
			return 1;
	}
	/*
	 * ENQCMD: bits 19:0 from IA32_PASID, priv and the rest 0; the ring
	 * carries the slot's stamp there and the engine puts the ring's
	 * PASID back (engine.h)
	 */
	eng_slot_stamp(r, t, desc);
	atomic_store_explicit(&r->port->tail, t + 1, memory_order_release);
	r->p_tail = t + 1;
	eng_kick(e);
	return 0;
}

static int sim_submit_dedicated(struct pasid_wq *wq, const void *desc)
{
	struct eng_ring *r = wq->ring;
	struct engine *e = wq->eng;
	uint64_t t = r->p_tail;
	struct dsa_hw_desc *slot;

	if (t - r->p_head_cache >= e->cfg.size) {
		r->p_head_cache = atomic_load_explicit(&r->port->head, memory_order_acquire);
		if (t - r->p_head_cache >= e->cfg.size) {
			/* posted write to a full dedicated WQ: dropped */
			atomic_fetch_add_explicit(&e->dropped, 1, memory_order_relaxed);
			return 0;
		}
	}
	slot = &r->slots[t & r->mask];
	if (wq->movdir64b) {
		pasid_movdir64b(slot, desc);
		pasid_sfence();		/* the direct store before the tail */
	} else {
		memcpy(slot, desc, sizeof(*slot));
	}
	atomic_store_explicit(&r->port->tail, t + 1, memory_order_release);
	r->p_tail = t + 1;
	eng_kick(e);
	return 0;
}

static void engine_put(struct engine *e)
{
	pthread_mutex_lock(&reg_lock);
	if (e->cfg.dedicated)
		e->dedicated_open = false;
	if (--e->users == 0) {
		for (struct engine **p = &engines; *p; p = &(*p)->next)
			if (*p == e) {
				*p = e->next;
				break;
			}
	} else {
		e = NULL;
	}
	pthread_mutex_unlock(&reg_lock);
	if (e) {
		eng_stop(e);
		pthread_mutex_destroy(&e->lock);
		free(e);
	}
}

static void sim_close(struct pasid_wq *wq)
{
	eng_ring_free(wq->ring);
	engine_put(wq->eng);
}

/* The engine of WQ @idx, created and started on first use. */
static int engine_get(struct pasid_wq *wq, const struct sim_topology *t, unsigned int idx)
{
	struct engine *e;
	int err = 0;

	pthread_mutex_lock(&reg_lock);
	for (e = engines; e; e = e->next)
		if (e->topo == t && e->wq_index == idx)
			break;
	if (!e) {
		e = aligned_alloc(64, (sizeof(*e) + 63) & ~(size_t)63);
		if (!e) {
			err = -ENOMEM;
			goto out;
		}
		memset(e, 0, sizeof(*e));
		cfg_from_topology(&e->cfg, t, idx);
		e->topo = t;
		e->wq_index = idx;
		pthread_mutex_init(&e->lock, NULL);
		err = eng_start(e);
		if (err) {
			free(e);
			goto out;
		}
		e->next = engines;
		engines = e;
	}
	if (e->cfg.dedicated && e->dedicated_open) {
		err = -EBUSY;
		goto out;
	}
	e->dedicated_open = e->cfg.dedicated;
	e->users++;
	wq->eng = e;
out:
	pthread_mutex_unlock(&reg_lock);
	return err;
}

int wq_sim_open(struct pasid_wq *wq, const char *name, uint32_t flags)
{
	struct pasid_ctx *ctx = wq->ctx;
	const struct sim_topology *t = sim_ctx_topology(ctx);
	struct pasid_wq_info *in = &wq->info;
	const struct sim_device *dev;
	const struct sim_wq *w;
	unsigned int idx;
	uint32_t pasid = 0;
	uint64_t cpu = wq_cpu_mask();
	char msg[PASID_ERRMSG_LEN];
	bool already;
	int err;

	(void)flags;	/* no mmap to refuse in the simulation */
	if (!t)
		return pasid_set_error(ctx, -ENODEV, "pasid_wq_open: no simulated topology");
	err = sim_find(t, name, &idx);
	if (err)
		return pasid_set_error(ctx, err, "pasid_wq_open: %s: %s in the SIMULATED "
				       "topology (%s)", name,
				       err == -EINVAL ? "bad name" : "no such work queue",
				       t->source);
	w = &t->wqs[idx];
	dev = &t->devices[w->device];

	err = pasid_alloc_global_enqcmd(ctx, 0, &pasid);
	if (err) {
		snprintf(msg, sizeof(msg), "%s", pasid_ctx_last_error(ctx));
		return pasid_set_error(ctx, err, "pasid_wq_open %s/%s: no global ENQCMD PASID: %s",
				       dev->name, w->name, msg);
	}
	err = wq_attach_get(wq, pasid, dev->rid, &already);
	if (err) {
		snprintf(msg, sizeof(msg), "%s", pasid_ctx_last_error(ctx));
		return pasid_set_error(ctx, err, "pasid_wq_open %s/%s: attach PASID %u: %s",
				       dev->name, w->name, pasid, msg);
	}
	err = engine_get(wq, t, idx);
	if (err) {
		wq_attach_put(wq);
		return pasid_set_error(ctx, err, "pasid_wq_open %s/%s: %s", dev->name, w->name,
				       err == -EBUSY ? "dedicated work queue already open" :
				       "cannot start the simulated engine");
	}
	err = eng_ring_new(wq->eng, ctx, pasid, &wq->ring);
	if (err) {
		engine_put(wq->eng);
		wq_attach_put(wq);
		return pasid_set_error(ctx, err, "pasid_wq_open %s/%s: no portal ring",
				       dev->name, w->name);
	}
	wq->close = sim_close;

	in->flags = PASID_WQ_INFO_SIMULATED | (wq->eng->cfg.iaa ? PASID_WQ_INFO_IAA : 0) |
		    (wq->eng->cfg.bof ? PASID_WQ_INFO_BOF : 0);
	in->mode = wq->eng->cfg.dedicated ? PASID_WQ_DEDICATED : PASID_WQ_SHARED;
	in->pasid = pasid;
	in->rid = dev->rid;
	in->wq_size = wq->eng->cfg.size;
	in->max_batch_size = wq->eng->cfg.max_batch;
	in->max_transfer_size = wq->eng->cfg.max_xfer;
	in->numa_node = dev->numa_node;
	in->cr_align = wq->eng->cfg.cr_align;
	snprintf(in->name, sizeof(in->name), "%s/%s", dev->name, w->name);
	snprintf(in->devnode, sizeof(in->devnode), "(simulated)");
	if (!wq->eng->cfg.dedicated) {
		wq->submit = sim_submit_shared;
		in->method = PASID_WQ_METHOD_SIM_ENQCMD;
		snprintf(in->reason, sizeof(in->reason),
			 "SIMULATED shared WQ: ENQCMD emulated in software (PASID %u filled in as "
			 "from IA32_PASID; retry while %u descriptors are queued)", pasid,
			 in->wq_size);
	} else if ((cpu & PASID_CPU_MOVDIR64B) && (cpu & PASID_CPU_CPUID_MOVDIR64B)) {
		wq->submit = sim_submit_dedicated;
		wq->movdir64b = true;
		in->method = PASID_WQ_METHOD_SIM_MOVDIR64B;
		snprintf(in->reason, sizeof(in->reason),
			 "SIMULATED dedicated WQ: the real MOVDIR64B instruction writes into the "
			 "simulated portal ring (PASID %u from the WQ configuration)", pasid);
	} else {
		wq->submit = sim_submit_dedicated;
		in->method = PASID_WQ_METHOD_SIM_STORE;
		snprintf(in->reason, sizeof(in->reason),
			 "SIMULATED dedicated WQ: this CPU/kernel offers no MOVDIR64B (cpuinfo %s, "
			 "CPUID %s): ordinary 64-byte stores into the simulated portal ring",
			 cpu & PASID_CPU_MOVDIR64B ? "yes" : "no",
			 cpu & PASID_CPU_CPUID_MOVDIR64B ? "yes" : "no");
	}
	return 0;
}

int wq_sim_inject(struct pasid_wq *wq, uint64_t addr)
{
	int err = eng_fault_inject(wq->eng, addr);

	if (err)
		return pasid_set_error(wq->ctx, err, "%s: cannot inject a fault at %#llx",
				       wq->info.name, (unsigned long long)addr);
	return 0;
}

void wq_sim_resolve(struct pasid_wq *wq, uint64_t addr)
{
	if (wq->eng)
		eng_fault_resolve(wq->eng, addr);
}

void wq_sim_fill_counters(const struct pasid_wq *wq, struct pasid_wq_info *info)
{
	info->dropped = atomic_load(&wq->eng->dropped);
	info->errors = atomic_load(&wq->eng->errors);
	info->last_error = atomic_load(&wq->eng->last_error);
}
