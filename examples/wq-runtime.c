// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * wq-runtime.c - what a DSA runtime (a memcpy offload, a DMA library) does
 * with libpasid's work-queue half, and nothing else: no /dev/pasid, no
 * PASID intents, no context.
 *
 *   1. pick the best work queue for this CPU's NUMA node that can MEMMOVE,
 *      and say why every other one was not taken;
 *   2. copies below a threshold (8 KiB, as Intel DTO does by default; first
 *      argument to change it) stay on the CPU: a synchronous offload costs
 *      more than that;
 *   3. the rest go to the device as one BATCH descriptor when the WQ takes
 *      batches, else as several descriptors in one call;
 *   4. wait for all of them under one deadline;
 *   5. a copy that stopped on a page fault is finished on the CPU from where
 *      the device stopped (bytes_completed);
 *   6. no usable WQ at all: everything on the CPU, and say why.
 *
 *   LIBPASID_BACKEND=sim ./wq-runtime [threshold]   the SIMULATED platform
 *   ./wq-runtime [threshold]                        real idxd (/dev/dsa)
 */
#include <errno.h>
#include <linux/idxd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <libpasid/pasid.h>

#define NCOPIES 6
#define DEADLINE_NS 2000000000ull	/* all copies together */

struct pick {
	struct pasid_wq_entry best;
	int found;
};

/* Rank: shared WQs first (any thread may submit), then the largest. */
static int better(const struct pasid_wq_entry *a, const struct pasid_wq_entry *b)
{
	if (a->mode != b->mode)
		return a->mode == PASID_WQ_SHARED;
	return a->size > b->size;
}

static int consider(const struct pasid_wq_entry *e, const char *reason, void *data)
{
	struct pick *p = data;

	if (reason) {
		printf("  %-12s not taken: %s\n", e->name, reason);
		return 0;
	}
	printf("  %-12s usable: %s, size %u, node %d%s\n", e->name,
	       e->mode == PASID_WQ_SHARED ? "shared" : "dedicated", e->size, e->numa_node,
	       e->flags & PASID_DEV_SIMULATED ? " (SIMULATED)" : "");
	if (!p->found || better(e, &p->best))
		p->best = *e;
	p->found = 1;
	return 0;
}

/* Find a DSA WQ that can MEMMOVE: on this CPU's node, else anywhere. */
static int choose(struct pasid_wq_entry *ret)
{
	struct pasid_wq_filter f;
	struct pick p = { .found = 0 };
	int err;

	pasid_wq_filter_init(&f);
	f.dev_type = PASID_DEV_DSA;
	f.ops[0] = 1ull << DSA_OPCODE_MEMMOVE;
	f.flags |= PASID_WQ_FILTER_NUMA_CALLER;
	printf("work queues on this CPU's node that can MEMMOVE:\n");
	err = pasid_wq_discover(NULL, &f, consider, &p, NULL);
	if (!err && !p.found) {
		printf("none on this node; any node:\n");
		f.flags &= ~PASID_WQ_FILTER_NUMA_CALLER;
		err = pasid_wq_discover(NULL, &f, consider, &p, NULL);
	}
	if (err)
		printf("discovery failed: %s (%s)\n", strerror(-err), pasid_strerror_last());
	if (p.found)
		*ret = p.best;
	return p.found ? 0 : -ENOENT;
}

struct copy {
	uint8_t *src, *dst;
	size_t len;
	const char *how;
};

int main(int argc, char **argv)
{
	static const size_t lens[NCOPIES] = { 512, 4096, 16384, 65536, 200000, 1 << 20 };
	static _Alignas(64) struct dsa_hw_desc descs[NCOPIES], batch;
	static _Alignas(32) struct dsa_completion_record crs[NCOPIES], batch_cr;
	size_t threshold = argc > 1 ? strtoul(argv[1], NULL, 0) : 8192;
	struct pasid_wq_info info = { .size = sizeof(info) };
	volatile void *recs[NCOPIES + 1];
	struct copy cp[NCOPIES];
	unsigned int nrec = 0, ndev = 0, done = 0;
	struct pasid_wq_entry e;
	struct pasid_wq *wq = NULL;
	int idx[NCOPIES], err, bad = 0;

	for (int i = 0; i < NCOPIES; i++) {
		cp[i].len = lens[i];
		cp[i].src = malloc(lens[i]);
		/*
		 * The last destination is fresh anonymous memory nobody touched
		 * (so are large calloc() blocks): the device meets page faults
		 * there, as with any buffer the application has not written yet.
		 */
		cp[i].dst = i == NCOPIES - 1 ?
			mmap(NULL, lens[i], PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0) : calloc(1, lens[i]);
		if (!cp[i].src || !cp[i].dst || cp[i].dst == MAP_FAILED)
			return 2;
		for (size_t k = 0; k < lens[i]; k++)
			cp[i].src[k] = (uint8_t)(k * 31 + (size_t)i);
	}

	if (choose(&e) == 0) {
		err = pasid_wq_open(NULL, e.name, 0, &wq);
		if (err)
			printf("chose %s but cannot open it: %s (%s): copies stay on the CPU\n",
			       e.name, strerror(-err), pasid_strerror_last());
	} else {
		printf("no usable DSA work queue: copies stay on the CPU\n");
	}
	if (wq) {
		pasid_wq_get_info(wq, &info);
		printf("chose %s (shared WQs first: any thread may submit; then the largest): "
		       "%s, method %s: %s\n", info.name,
		       info.mode == PASID_WQ_SHARED ? "shared" : "dedicated", info.method_name,
		       info.reason);
	}

	/* small copies on the CPU; the rest described for the device */
	for (int i = 0; i < NCOPIES; i++) {
		if (!wq || cp[i].len < threshold || cp[i].len > info.max_transfer_size) {
			memcpy(cp[i].dst, cp[i].src, cp[i].len);
			cp[i].how = !wq ? "CPU (no work queue)" : cp[i].len < threshold ?
				"CPU (below the offload threshold)" : "CPU (above max_transfer_size)";
			continue;
		}
		memset(&descs[ndev], 0, sizeof(descs[ndev]));
		descs[ndev].opcode = DSA_OPCODE_MEMMOVE;
		descs[ndev].flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
		descs[ndev].completion_addr = (uintptr_t)&crs[ndev];
		descs[ndev].src_addr = (uintptr_t)cp[i].src;
		descs[ndev].dst_addr = (uintptr_t)cp[i].dst;
		descs[ndev].xfer_size = (uint32_t)cp[i].len;
		crs[ndev].status = 0;
		recs[nrec++] = &crs[ndev];
		idx[ndev++] = i;
		cp[i].how = "device";
	}

	if (ndev >= 2 && pasid_wq_batch_prepare(wq, &batch, descs, ndev, &batch_cr) == 0) {
		printf("submitting %u copies as one BATCH descriptor\n", ndev);
		batch_cr.status = 0;
		recs[nrec++] = &batch_cr;
		err = pasid_wq_submit(wq, &batch);
		if (err) {
			printf("batch submission failed: %s (%s)\n", strerror(-err),
			       pasid_strerror_last());
			return 1;
		}
	} else if (ndev) {
		if (ndev >= 2)
			printf("no batch: %s\n", pasid_strerror_last());
		printf("submitting %u copies in one call\n", ndev);
		err = pasid_wq_submit_many(wq, descs, ndev);
		if (err != (int)ndev) {
			printf("only %d of %u went in: %s\n", err, ndev, pasid_strerror_last());
			return 1;
		}
	}
	if (nrec) {
		err = pasid_wq_wait_many(wq, recs, nrec, DEADLINE_NS, &done);
		if (err) {
			printf("waiting: %s, %u of %u records written (%s)\n", strerror(-err),
			       done, nrec, pasid_strerror_last());
			return 1;
		}
	}

	if (nrec > ndev)
		printf("batch status %#x (%#x: a member did not complete; each member's own "
		       "record says which)\n", batch_cr.status, DSA_COMP_BATCH_FAIL);
	/* finish on the CPU what stopped on a page fault */
	for (unsigned int k = 0; k < ndev; k++) {
		struct copy *c = &cp[idx[k]];
		uint8_t st = crs[k].status & DSA_COMP_STATUS_MASK;

		if (st == DSA_COMP_SUCCESS)
			continue;
		if (st == DSA_COMP_PAGE_FAULT_NOBOF) {
			size_t off = crs[k].bytes_completed;

			memcpy(c->dst + off, c->src + off, c->len - off);
			printf("copy %d: page fault at %#llx after %zu of %zu bytes: finished "
			       "on the CPU\n", idx[k], (unsigned long long)crs[k].fault_addr,
			       off, c->len);
			c->how = "device, then CPU after a page fault";
			continue;
		}
		printf("copy %d: status %#x\n", idx[k], crs[k].status);
		bad = 1;
	}
	for (int i = 0; i < NCOPIES; i++) {
		int same = !memcmp(cp[i].src, cp[i].dst, cp[i].len);

		printf("copy %d: %7zu bytes: %-38s %s\n", i, cp[i].len, cp[i].how,
		       same ? "ok" : "WRONG");
		bad |= !same;
	}
	pasid_wq_close(wq);
	for (int i = 0; i < NCOPIES; i++) {
		free(cp[i].src);
		if (i == NCOPIES - 1)
			munmap(cp[i].dst, cp[i].len);
		else
			free(cp[i].dst);
	}
	return bad;
}
