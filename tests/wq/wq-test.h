/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wq-test.h - helpers shared by the work-queue tests (SIMULATED platform). */
#ifndef LIBPASID_TESTS_WQ_TEST_H
#define LIBPASID_TESTS_WQ_TEST_H

#include <linux/idxd.h>
#include <string.h>

#include <libpasid/pasid.h>

#define SEC	1000000000ull
#define F_CR	(IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR)

static inline struct pasid_ctx *wqt_sim_ctx(void)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	struct pasid_ctx *ctx = NULL;

	if (pasid_ctx_new(&o, &ctx))
		fail_msg("pasid_ctx_new(sim): %s", pasid_strerror_last());
	return ctx;
}

static inline struct pasid_wq *wqt_open(struct pasid_ctx *ctx, const char *name)
{
	struct pasid_wq *wq = NULL;
	int err = pasid_wq_open(ctx, name, 0, &wq);

	if (err)
		fail_msg("pasid_wq_open(%s): %d: %s", name, err, pasid_ctx_last_error(ctx));
	return wq;
}

static inline void wqt_desc(struct dsa_hw_desc *d, unsigned int op, void *comp)
{
	memset(d, 0, sizeof(*d));
	d->opcode = op;
	d->flags = F_CR;
	d->completion_addr = (uintptr_t)comp;
}

/* Submit, wait (2 s), return the status byte. */
static inline int wqt_run(struct pasid_wq *wq, struct dsa_hw_desc *d, void *comp)
{
	memset(comp, 0, 32);
	assert_int_equal(pasid_wq_submit(wq, d), 0);
	assert_int_equal(pasid_wq_wait(wq, comp, 2 * SEC), 0);
	return ((volatile struct dsa_completion_record *)comp)->status;
}

#endif
