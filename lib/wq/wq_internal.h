/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wq_internal.h - what the work-queue files share. */
#ifndef LIBPASID_WQ_INTERNAL_H
#define LIBPASID_WQ_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libpasid/pasid.h>

struct engine;
struct eng_ring;

/* One way of submitting: 0 accepted, 1 "retry", or -errno. */
typedef int (*wq_submit_fn)(struct pasid_wq *wq, const void *desc);
/*
 * Several at once (write(2) WQs): how many went in (>= 1), 0 for "retry"
 * with none in, or -errno with none in.
 */
typedef int (*wq_submit_many_fn)(struct pasid_wq *wq, const void *descs, unsigned int n);

struct pasid_wq {
	struct pasid_ctx *ctx;
	wq_submit_fn submit;
	wq_submit_many_fn submit_many;	/* NULL: one by one */
	void (*close)(struct pasid_wq *wq);
	struct pasid_wq_info info;
	struct pasid_wq_submit_opts opts;
	bool umwait;			/* WAITPKG enabled by the kernel */
	uint32_t pasid, rid;		/* the attach this handle holds */
	bool attached;
	uint64_t state_checked_ns;	/* when a wait last read the WQ's state */
	bool batch_ok;			/* BATCH offered and the path passes it */
	char batch_why[160];		/* why not, when not */
	/* real devices */
	char dev[32], wqname[32];	/* "dsa0", "wq0.0": for state checks */
	int fd;
	void *portal;
	uint32_t portal_off;
	/* simulated */
	struct engine *eng;
	struct eng_ring *ring;
	bool movdir64b;			/* sim: the real instruction into the ring */
};

/* cpu.c */
uint64_t wq_cpu_mask(void);
uint64_t wq_cpu_parse_cpuinfo(FILE *f);
/*
 * "movdir64b,enqcmd" into PASID_CPU_* bits (the known names, always); -EINVAL
 * with the first unknown word in @bad.
 */
int wq_cpu_parse_hide(const char *list, uint64_t *ret_bits, char *bad, size_t badlen);
/* Tests: pretend the CPU/kernel offer @mask (on=false: the real view). */
void wq_cpu_override(bool on, uint64_t mask);

/* wq.c: the (ctx, pasid, rid) attach a handle holds, counted. */
int wq_attach_get(struct pasid_wq *wq, uint32_t pasid, uint32_t rid, bool *ret_already);
void wq_attach_put(struct pasid_wq *wq);

/*
 * pasid_wq_open() with the backend chosen by the caller: tests open the real
 * device path (udev, node, mmap, write) with a sim context for the PASID.
 */
int wq_open_as(struct pasid_ctx *ctx, const char *name, uint32_t flags, bool sim,
	       struct pasid_wq **ret_wq);

/*
 * The context a NULL one stands for: NULL (idxd directly), or with
 * LIBPASID_BACKEND=sim a reference on the process's SIMULATED context.
 * Return: 0, or -errno with pasid_strerror_last() set.
 */
int wq_default_ctx(struct pasid_ctx **ret_ctx);

/* wq_sim.c / wq_real.c: fill @wq (info, submit, close) or fail. */
int wq_sim_open(struct pasid_wq *wq, const char *name, uint32_t flags);
int wq_real_open(struct pasid_wq *wq, const char *name, uint32_t flags);
int wq_sim_inject(struct pasid_wq *wq, uint64_t addr);
void wq_sim_resolve(struct pasid_wq *wq, uint64_t addr);
void wq_sim_fill_counters(const struct pasid_wq *wq, struct pasid_wq_info *info);

/*
 * discover_udev.c: the states of a WQ and its device now ("enabled",
 * "disabled", "halted", ...). Return: 0 or -errno.
 */
int disc_udev_wq_state(const char *dev, const char *wq, char *wq_state, size_t wlen,
		       char *dev_state, size_t dlen);

/* discover.c: the entry of one WQ by name ("dsa0/wq0.0", "wq0.0"). */
int wq_discover_find(const char *name, struct pasid_wq_entry *ret);
/* "wq0.0" / "dsa0/wq0.0" / "/dev/dsa/wq0.0" -> "wq0.0" and optional "dsa0". */
int wq_name_split(const char *name, char *dev, size_t devlen, char *wq, size_t wqlen);

uint64_t wq_now_ns(void);

#endif
