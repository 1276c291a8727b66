/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libpasid/testing.h - calls for tests, outside the production ABI.
 *
 * Mock RIDs (the sim backend, or pasid.ko's test build in mock mode) and
 * SIMULATED page faults. They are versioned apart (LIBPASID_TEST_* in the
 * symbol map) and may change between releases; production code has no use
 * for them and pasid.h does not include this header.
 */
#ifndef LIBPASID_TESTING_H
#define LIBPASID_TESTING_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pasid_ctx;
struct pasid_wq;

/**
 * pasid_mock_rid_add() - Add a mock (sim, or kernel mock mode) RID.
 * @width: PASID width, 1..20
 * Return: 0; -EINVAL (width); -EEXIST; -EOPNOTSUPP (not a mock backend); -ENOMEM.
 */
int pasid_mock_rid_add(struct pasid_ctx *ctx, uint32_t rid, unsigned int width);

/**
 * pasid_mock_rid_remove() - Unplug a mock RID: it is dropped from every
 * group naming it, bindings on it are torn down, owners get a revoke event.
 * Return: 0; -ENODEV; -EOPNOTSUPP (not a mock backend).
 */
int pasid_mock_rid_remove(struct pasid_ctx *ctx, uint32_t rid);

/**
 * pasid_wq_sim_inject_fault() - SIMULATED WQs only: make the page holding
 * @addr "not present" to the engine until pasid_wq_fault_continue() (or a
 * block-on-fault descriptor) makes it present again.
 * Return: 0; -EOPNOTSUPP on a real WQ; -ENOSPC (too many injected pages).
 */
int pasid_wq_sim_inject_fault(struct pasid_wq *wq, const void *addr);

#ifdef __cplusplus
}
#endif

#endif /* LIBPASID_TESTING_H */
