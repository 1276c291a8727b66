/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sim.h - the SIMULATED platform: topology, the shared core, and what the
 * work-queue code may ask of it.
 *
 * All sim contexts of a program share one platform (one allocator core, one
 * topology); it is created by the first sim context and destroyed with the
 * last. Every sim context is one simulated process (its own owner and mm).
 */
#ifndef LIBPASID_SIM_H
#define LIBPASID_SIM_H

#include <stdbool.h>
#include <stdint.h>

struct pasid_ctx;

#define SIM_NAME_LEN 32

/* A PASID-capable PCI function of the simulated platform. */
struct sim_rid {
	uint32_t rid;
	unsigned int width;
};

/* An accelerator device; its RID is also in the RID list. */
struct sim_device {
	char name[SIM_NAME_LEN];	/* "dsa0", "iax1" */
	char type[8];			/* "dsa" or "iax" */
	uint32_t rid;
	int numa_node;
};

enum sim_wq_mode { SIM_WQ_SHARED = 0, SIM_WQ_DEDICATED = 1 };

struct sim_wq {
	char name[SIM_NAME_LEN];	/* "wq0.0" */
	unsigned int device;		/* index into topology.devices */
	enum sim_wq_mode mode;
	uint32_t size;			/* entries */
	uint32_t max_transfer_size;	/* bytes */
	uint32_t max_batch_size;
	bool block_on_fault;
};

struct sim_topology {
	char source[256];		/* "built-in" or the file path */
	unsigned int nr_rids, nr_devices, nr_wqs;
	struct sim_rid *rids;
	struct sim_device *devices;
	struct sim_wq *wqs;
};

/*
 * Topology file (JSON), all keys shown; "numa_node", "size",
 * "max_transfer_size", "max_batch_size" and "block_on_fault" are optional:
 * {
 *   "rids":    [ { "rid": "0000:00:04.0", "width": 8 } ],
 *   "devices": [ { "name": "dsa0", "type": "dsa", "rid": "0000:6a:01.0",
 *                  "width": 20, "numa_node": 0,
 *                  "wqs": [ { "name": "wq0.0", "mode": "shared", "size": 32 } ] } ]
 * }
 * Errors name the file and the JSON path ("devices[1].wqs[0].mode").
 */
int sim_topology_load(const char *path, struct sim_topology **ret, char *err, size_t errlen);
int sim_topology_default(struct sim_topology **ret);
void sim_topology_free(struct sim_topology *t);

/* For the work-queue code. All take the platform lock themselves. */
bool sim_ctx_is_sim(const struct pasid_ctx *ctx);
const struct sim_topology *sim_ctx_topology(const struct pasid_ctx *ctx);
/* The simulated process id of a sim context (> 0). */
int sim_ctx_pid(const struct pasid_ctx *ctx);
/* Is @pasid bound on @rid by anyone? The engine rejects descriptors if not. */
bool sim_pasid_attached(const struct pasid_ctx *ctx, uint32_t pasid, uint32_t rid);

#endif /* LIBPASID_SIM_H */
