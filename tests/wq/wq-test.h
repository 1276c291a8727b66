/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* wq-test.h - helpers shared by the work-queue tests (SIMULATED platform). */
#ifndef LIBPASID_TESTS_WQ_TEST_H
#define LIBPASID_TESTS_WQ_TEST_H

#include <linux/idxd.h>
#include <string.h>

#include <libpasid/pasid.h>
#include <libpasid/testing.h>

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

/*
 * The fixture of the engine and fault tests: one sim context, the shared and
 * the dedicated WQ of one device, four page-aligned buffers of @len bytes.
 */
struct wqt_fx {
	struct pasid_ctx *ctx;
	struct pasid_wq *wq[2];		/* [0] shared, [1] dedicated */
	uint8_t *a, *b, *c, *ref;
};

static inline struct wqt_fx *wqt_fx_new(const char *shared, const char *dedicated, size_t len)
{
	struct wqt_fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->ctx = wqt_sim_ctx();
	f->wq[0] = wqt_open(f->ctx, shared);
	f->wq[1] = wqt_open(f->ctx, dedicated);
	f->a = aligned_alloc(4096, len);
	f->b = aligned_alloc(4096, len);
	f->c = aligned_alloc(4096, len);
	f->ref = aligned_alloc(4096, len);
	assert_true(f->a && f->b && f->c && f->ref);
	/* resident: the engine, like the device, faults on pages never touched */
	memset(f->a, 0, len);
	memset(f->b, 0, len);
	memset(f->c, 0, len);
	memset(f->ref, 0, len);
	return f;
}

static inline int wqt_fx_teardown(void **state)
{
	struct wqt_fx *f = *state;

	pasid_wq_close(f->wq[0]);
	pasid_wq_close(f->wq[1]);
	pasid_ctx_unref(f->ctx);
	free(f->a);
	free(f->b);
	free(f->c);
	free(f->ref);
	free(f);
	return 0;
}

#endif
