// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-bof.c - a SIMULATED topology loaded from a file (bof-topology.json):
 * block-on-fault WQs, small sizes and limits. With BOF an injected
 * not-present page is waited for, not reported; an address that cannot be
 * made present gives DSA_COMP_PAGE_FAULT_IR. The WQ's own limits apply.
 * Pages never touched (not resident) are waited for with BOF and fault
 * without it, for reads and writes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "wq-test.h"

static _Alignas(64) struct dsa_hw_desc D;
static _Alignas(64) struct dsa_completion_record C;

static void test_bof(void **state)
{
	struct pasid_ctx *ctx = wqt_sim_ctx();
	const char *names[2] = { "dsa0/wq0.0", "dsa0/wq0.1" };
	uint8_t *a = aligned_alloc(4096, 65536), *b = aligned_alloc(4096, 65536);

	(void)state;
	memset(a, 0x3c, 65536);
	for (int w = 0; w < 2; w++) {
		struct pasid_wq *wq = wqt_open(ctx, names[w]);
		struct pasid_wq_info in = { .size = sizeof(in) };

		assert_int_equal(pasid_wq_get_info(wq, &in), 0);
		assert_true(in.flags & PASID_WQ_INFO_BOF);
		assert_true(in.flags & PASID_WQ_INFO_SIMULATED);
		memset(b, 0, 65536);
		assert_int_equal(pasid_wq_sim_inject_fault(wq, a + 8192), 0);
		wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
		D.flags |= IDXD_OP_FLAG_BOF;
		D.src_addr = (uintptr_t)a;
		D.dst_addr = (uintptr_t)b;
		D.xfer_size = 65536;
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_SUCCESS);
		assert_memory_equal(a, b, 65536);
		/* without BOF the same WQ completes partially */
		assert_int_equal(pasid_wq_sim_inject_fault(wq, a + 8192), 0);
		D.flags &= ~IDXD_OP_FLAG_BOF;
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_PAGE_FAULT_NOBOF);
		assert_int_equal(C.bytes_completed, 8192);
		assert_int_equal(pasid_wq_fault_continue(wq, &D, &C), 1);
		assert_int_equal(pasid_wq_wait(wq, &C, 2 * SEC), 0);
		assert_int_equal(C.status, DSA_COMP_SUCCESS);
		/* BOF cannot make an unmapped page present: Invalid Request */
		wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
		D.flags |= IDXD_OP_FLAG_BOF;
		D.src_addr = 0x5000;
		D.dst_addr = (uintptr_t)b;
		D.xfer_size = 64;
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_PAGE_FAULT_IR);
		/* the WQ's limits: 64 KiB transfers, 4-descriptor batches (wq0.0) */
		wqt_desc(&D, DSA_OPCODE_MEMFILL, &C);
		D.dst_addr = (uintptr_t)b;
		D.xfer_size = w ? (2u << 20) + 1 : 65537;
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_XFER_ERANGE);
		if (!w) {
			wqt_desc(&D, DSA_OPCODE_BATCH, &C);
			D.desc_list_addr = (uintptr_t)a;
			D.desc_count = 5;
			assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_DESC_CNT_ERANGE);
			assert_int_equal(in.wq_size, 8);
			assert_int_equal(in.max_transfer_size, 65536);
			assert_int_equal(in.max_batch_size, 4);
		}
		pasid_wq_close(wq);
	}
	free(a);
	free(b);
	pasid_ctx_unref(ctx);
}

static bool resident(const void *p)
{
	unsigned char v = 0;

	assert_int_equal(mincore((void *)p, 4096, &v), 0);
	return v & 1;
}

/* A page never touched, read (source) or written (destination), per BOF. */
static void test_not_resident(void **state)
{
	struct pasid_ctx *ctx = wqt_sim_ctx();
	uint8_t *other = aligned_alloc(4096, 8192);

	(void)state;
	memset(other, 0x42, 8192);
	for (int bof = 0; bof < 2; bof++) {
		for (int write = 0; write < 2; write++) {
			struct pasid_wq *wq = wqt_open(ctx, write ? "dsa0/wq0.1" : "dsa0/wq0.0");
			uint8_t *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			assert_true(m != MAP_FAILED);
			m[0] = 0x42;		/* page 0 present, page 1 not */
			wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
			D.flags |= bof ? IDXD_OP_FLAG_BOF : 0;
			D.src_addr = (uintptr_t)(write ? other : m);
			D.dst_addr = (uintptr_t)(write ? m : other);
			D.xfer_size = 8192;
			if (bof) {
				assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_SUCCESS);
				assert_true(resident(m + 4096));
			} else {
				assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_PAGE_FAULT_NOBOF |
						 (write ? DSA_COMP_STATUS_WRITE : 0));
				assert_int_equal(C.bytes_completed, 4096);
				assert_int_equal(C.fault_addr, (uintptr_t)(m + 4096));
				assert_false(resident(m + 4096));
			}
			munmap(m, 8192);
			pasid_wq_close(wq);
		}
	}
	free(other);
	pasid_ctx_unref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bof),
		cmocka_unit_test(test_not_resident),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
