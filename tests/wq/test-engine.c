// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-engine.c - the SIMULATED DSA engine, opcode by opcode, against plain
 * C references, through the public API (shared and dedicated WQs): data,
 * completion records, status codes of bad descriptors, batches, PASID
 * checks, retry exhaustion, timeouts and labels.
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
#include <time.h>

#include <cmocka.h>

#include "under-valgrind.h"

#include "wq-test.h"

#define BUF	(64 * 1024)

static _Alignas(64) struct dsa_hw_desc D;
static _Alignas(64) struct dsa_completion_record C;
static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void fill_rand(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

static int setup(void **state)
{
	*state = wqt_fx_new("dsa0/wq0.0", "dsa0/wq0.1", BUF);
	return 0;
}

static void test_info_labels(void **state)
{
	struct wqt_fx *f = *state;
	struct pasid_wq_info in = { .size = sizeof(in) };
	uint64_t cpu;

	assert_int_equal(pasid_wq_get_info(f->wq[0], &in), 0);
	assert_true(in.flags & PASID_WQ_INFO_SIMULATED);
	assert_int_equal(in.mode, PASID_WQ_SHARED);
	assert_int_equal(in.method, PASID_WQ_METHOD_SIM_ENQCMD);
	assert_non_null(strstr(in.reason, "SIMULATED"));
	assert_non_null(strstr(in.method_name, "simulated"));
	assert_string_equal(in.name, "dsa0/wq0.0");
	assert_true(in.pasid > 0);
	assert_int_equal(in.rid, 0x6a08);
	assert_int_equal(pasid_wq_get_info(f->wq[1], &in), 0);
	assert_int_equal(in.mode, PASID_WQ_DEDICATED);
	/* MOVDIR64B exactly when the kernel and CPUID both offer it */
	assert_int_equal(pasid_cpu_features(&cpu), 0);
	assert_int_equal(in.method, (cpu & PASID_CPU_MOVDIR64B) && (cpu & PASID_CPU_CPUID_MOVDIR64B) ?
			 PASID_WQ_METHOD_SIM_MOVDIR64B : PASID_WQ_METHOD_SIM_STORE);
	assert_non_null(strstr(in.reason, "SIMULATED"));
	print_message("dedicated WQ method: %s: %s\n", in.method_name, in.reason);
}

static void test_noop_drain(void **state)
{
	struct wqt_fx *f = *state;

	for (int w = 0; w < 2; w++) {
		wqt_desc(&D, DSA_OPCODE_NOOP, &C);
		assert_int_equal(wqt_run(f->wq[w], &D, &C), DSA_COMP_SUCCESS);
		wqt_desc(&D, DSA_OPCODE_DRAIN, &C);
		assert_int_equal(wqt_run(f->wq[w], &D, &C), DSA_COMP_SUCCESS);
		/* drain readback of a valid address */
		wqt_desc(&D, DSA_OPCODE_DRAIN, &C);
		D.flags |= 1u << 16;
		D.rdback_addr = (uintptr_t)f->a;
		assert_int_equal(wqt_run(f->wq[w], &D, &C), DSA_COMP_SUCCESS);
	}
}

static void test_memmove(void **state)
{
	struct wqt_fx *f = *state;

	for (int i = 0; i < 200; i++) {
		struct pasid_wq *wq = f->wq[i & 1];
		uint32_t len = 1 + (uint32_t)(rnd() % (BUF / 2));
		uint32_t so = (uint32_t)(rnd() % (BUF / 2)), doff = (uint32_t)(rnd() % (BUF / 2));
		bool same = i % 3 == 0;		/* overlapping, inside one buffer */
		uint8_t *dst = same ? f->a : f->b;
		bool backward;

		fill_rand(f->a, BUF);
		fill_rand(f->b, BUF);
		memcpy(f->ref, dst, BUF);
		memmove(f->ref + doff, f->a + so, len);
		wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
		D.src_addr = (uintptr_t)(f->a + so);
		D.dst_addr = (uintptr_t)(dst + doff);
		D.xfer_size = len;
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_SUCCESS);
		assert_memory_equal(dst, f->ref, BUF);
		backward = same && doff > so && doff < so + len;
		assert_int_equal(C.result, backward);
	}
}

static void test_fill(void **state)
{
	struct wqt_fx *f = *state;

	for (int i = 0; i < 200; i++) {
		uint32_t len = 1 + (uint32_t)(rnd() % 9000), off = (uint32_t)(rnd() % 1000);
		uint64_t pat = rnd();

		fill_rand(f->b, BUF);
		memcpy(f->ref, f->b, BUF);
		for (uint32_t k = 0; k < len; k++)
			f->ref[off + k] = (uint8_t)(pat >> (8 * (k % 8)));
		wqt_desc(&D, DSA_OPCODE_MEMFILL, &C);
		D.pattern = pat;
		D.dst_addr = (uintptr_t)(f->b + off);
		D.xfer_size = len;
		assert_int_equal(wqt_run(f->wq[i & 1], &D, &C), DSA_COMP_SUCCESS);
		assert_memory_equal(f->b, f->ref, BUF);
	}
}

static void test_compare(void **state)
{
	struct wqt_fx *f = *state;

	for (int i = 0; i < 200; i++) {
		uint32_t len = 1 + (uint32_t)(rnd() % 20000), at = (uint32_t)(rnd() % len);
		bool differ = i % 2;

		fill_rand(f->a, len);
		memcpy(f->b, f->a, len);
		if (differ)
			f->b[at] ^= 0x10;
		wqt_desc(&D, DSA_OPCODE_COMPARE, &C);
		D.src_addr = (uintptr_t)f->a;
		D.src2_addr = (uintptr_t)f->b;
		D.xfer_size = len;
		assert_int_equal(wqt_run(f->wq[i & 1], &D, &C), DSA_COMP_SUCCESS);
		assert_int_equal(C.result, differ);
		assert_int_equal(C.bytes_completed, differ ? at : 0);
		/* check result: expected "equal"; a difference gives SUCCESS_PRED */
		D.flags |= IDXD_OP_FLAG_CR;
		D.expected_res = 0;
		assert_int_equal(wqt_run(f->wq[i & 1], &D, &C),
				 differ ? DSA_COMP_SUCCESS_PRED : DSA_COMP_SUCCESS);
	}
}

static void test_compval(void **state)
{
	struct wqt_fx *f = *state;

	for (int i = 0; i < 200; i++) {
		uint32_t len = 1 + (uint32_t)(rnd() % 20000), at = (uint32_t)(rnd() % len), exp;
		uint64_t pat = rnd();
		bool differ = i % 2;

		for (uint32_t k = 0; k < len; k++)
			f->a[k] = (uint8_t)(pat >> (8 * (k % 8)));
		if (differ)
			f->a[at] ^= 0x01;
		/* the 8-byte chunk holding it, or the byte in a final partial chunk */
		exp = (at & ~7u) + 8 <= len ? at & ~7u : at;
		wqt_desc(&D, DSA_OPCODE_COMPVAL, &C);
		D.src_addr = (uintptr_t)f->a;
		D.comp_pattern = pat;
		D.xfer_size = len;
		assert_int_equal(wqt_run(f->wq[i & 1], &D, &C), DSA_COMP_SUCCESS);
		assert_int_equal(C.result, differ);
		assert_int_equal(C.bytes_completed, differ ? exp : 0);
	}
}

static void test_dualcast(void **state)
{
	struct wqt_fx *f = *state;

	for (int i = 0; i < 100; i++) {
		uint32_t len = 1 + (uint32_t)(rnd() % 8192), off = (uint32_t)(rnd() % 4096);

		fill_rand(f->a, len);
		memset(f->b, 0, BUF);
		memset(f->c, 0, BUF);
		wqt_desc(&D, DSA_OPCODE_DUALCAST, &C);
		D.src_addr = (uintptr_t)f->a;
		D.dst_addr = (uintptr_t)(f->b + off);
		D.dest2 = (uintptr_t)(f->c + off + 4096 * (i % 4));
		D.xfer_size = len;
		assert_int_equal(wqt_run(f->wq[i & 1], &D, &C), DSA_COMP_SUCCESS);
		assert_memory_equal(f->b + off, f->a, len);
		assert_memory_equal(f->c + off + 4096 * (i % 4), f->a, len);
	}
	/* bits 11:0 of the destinations differ */
	D.dest2 = (uintptr_t)(f->c + 8);
	assert_int_equal(wqt_run(f->wq[0], &D, &C), DSA_COMP_DCAST_ERR);
	/* destinations overlap */
	D.dst_addr = (uintptr_t)f->b;
	D.dest2 = (uintptr_t)f->b + 4096;
	D.xfer_size = 8192;
	assert_int_equal(wqt_run(f->wq[0], &D, &C), DSA_COMP_OVERLAP_BUFFERS);
}

/* docs/dsa-facts.md, 'CRC32C': columns default, bit 17, bit 18, bits 17+18 */
static const struct {
	const char *what;
	uint32_t seed;
	uint32_t crc[4];
} vec[] = {
	{ "123456789", 0, { 0xE3069283, 0x045FC71A, 0xA8F022A0, 0xC052A8C8 } },
	{ "zeros32", 0, { 0x8A9136AA, 0x00000000, 0x8A9136AA, 0x00000000 } },
	{ "ones32", 0, { 0x62A8AB43, 0x97B99C17, 0x62A8AB43, 0x97B99C17 } },
	{ "inc32", 0, { 0x46DD794E, 0x27F23233, 0x29B1E0F6, 0x3A6B04C5 } },
	{ "dec32", 0, { 0x113FDB5C, 0x6FB775D9, 0x9D7C1D84, 0x74D4B7E8 } },
	{ "123456789", 0xFFFFFFFF, { 0xA71C05DF, 0x3EB69F38, 0xECEAB5FC, 0xFABBF0EA } },
	{ "123456789", 0x12345678, { 0x27D87B6A, 0xA1B203F2, 0x6C2ECB49, 0x65BF6C20 } },
	{ "ic64", 0x12345678, { 0x83A5B6FD, 0xF901634D, 0x67694931, 0xCAFE506A } },
	{ "ic13", 0x12345678, { 0x37595AAB, 0x708303ED, 0x092BCF71, 0x2B2A4D91 } },
	{ "ic4096", 0x12345678, { 0x1B6F4410, 0xBDA379A6, 0x065DCB75, 0x1B52351E } },
};

static uint32_t vec_data(const char *what, uint8_t *p)
{
	if (!strcmp(what, "123456789")) {
		memcpy(p, what, 9);
		return 9;
	}
	if (!strcmp(what, "zeros32") || !strcmp(what, "ones32")) {
		memset(p, what[0] == 'z' ? 0 : 0xff, 32);
		return 32;
	}
	if (!strcmp(what, "inc32") || !strcmp(what, "dec32")) {
		for (int i = 0; i < 32; i++)
			p[i] = (uint8_t)(what[0] == 'i' ? i : 31 - i);
		return 32;
	}
	for (int i = 0; i < 4096; i += 8) {
		uint64_t v = 0x0123456789abcdefull;

		memcpy(p + i, &v, 8);
	}
	return (uint32_t)atoi(what + 2);
}

static void test_crc_vectors(void **state)
{
	struct wqt_fx *f = *state;
	static const uint32_t mode[4] = { 0, 1u << 17, 1u << 18, 3u << 17 };

	for (size_t v = 0; v < sizeof(vec) / sizeof(vec[0]); v++)
		for (int m = 0; m < 4; m++)
			for (int op = 0; op < 2; op++) {
				uint32_t len = vec_data(vec[v].what, f->a);

				wqt_desc(&D, op ? DSA_OPCODE_COPY_CRC : DSA_OPCODE_CRCGEN, &C);
				D.flags |= mode[m];
				D.src_addr = (uintptr_t)f->a;
				D.xfer_size = len;
				D.crc_seed = vec[v].seed;
				if (op) {
					memset(f->b, 0, len);
					D.dst_addr = (uintptr_t)f->b;
				}
				assert_int_equal(wqt_run(f->wq[(v + m) & 1], &D, &C),
						 DSA_COMP_SUCCESS);
				if ((uint32_t)C.crc_val != vec[v].crc[m])
					fail_msg("%s seed %#x mode %d: %08x, want %08x",
						 vec[v].what, vec[v].seed, m,
						 (uint32_t)C.crc_val, vec[v].crc[m]);
				if (op)
					assert_memory_equal(f->b, f->a, len);
			}
	/* continuing: "1234" then "56789" seeded with the first result */
	memcpy(f->a, "123456789", 9);
	wqt_desc(&D, DSA_OPCODE_CRCGEN, &C);
	D.src_addr = (uintptr_t)f->a;
	D.xfer_size = 4;
	D.crc_seed = 0x12345678;
	assert_int_equal(wqt_run(f->wq[0], &D, &C), DSA_COMP_SUCCESS);
	assert_int_equal((uint32_t)C.crc_val, 0x0C4EA2DA);
	D.crc_seed = (uint32_t)C.crc_val;
	D.src_addr += 4;
	D.xfer_size = 5;
	assert_int_equal(wqt_run(f->wq[0], &D, &C), DSA_COMP_SUCCESS);
	assert_int_equal((uint32_t)C.crc_val, 0x27D87B6A);
	/* seed read from seed_addr (op bit 16) */
	{
		static uint32_t seed = 0x12345678;

		wqt_desc(&D, DSA_OPCODE_CRCGEN, &C);
		D.flags |= 1u << 16;
		D.seed_addr = (uintptr_t)&seed;
		D.src_addr = (uintptr_t)f->a;
		D.xfer_size = 9;
		assert_int_equal(wqt_run(f->wq[1], &D, &C), DSA_COMP_SUCCESS);
		assert_int_equal((uint32_t)C.crc_val, 0x27D87B6A);
	}
}

static void test_batch(void **state)
{
	struct wqt_fx *f = *state;
	static _Alignas(64) struct dsa_hw_desc list[8];
	static _Alignas(32) struct dsa_completion_record mc[8];

	fill_rand(f->a, 4096);
	for (int i = 0; i < 8; i++) {
		wqt_desc(&list[i], i % 2 ? DSA_OPCODE_MEMMOVE : DSA_OPCODE_MEMFILL, &mc[i]);
		list[i].dst_addr = (uintptr_t)(f->b + 512 * i);
		list[i].xfer_size = 512;
		if (i % 2)
			list[i].src_addr = (uintptr_t)(f->a + 512 * i);
		else
			list[i].pattern = 0x0101010101010101ull * (uint64_t)i;
	}
	memset(mc, 0, sizeof(mc));
	wqt_desc(&D, DSA_OPCODE_BATCH, &C);
	D.desc_list_addr = (uintptr_t)list;
	D.desc_count = 8;
	for (int w = 0; w < 2; w++) {
		memset(f->b, 0xee, 4096);
		memset(mc, 0, sizeof(mc));
		assert_int_equal(wqt_run(f->wq[w], &D, &C), DSA_COMP_SUCCESS);
		assert_int_equal(C.bytes_completed, 8);
		for (int i = 0; i < 8; i++) {
			assert_int_equal(mc[i].status, DSA_COMP_SUCCESS);
			for (int k = 0; k < 512; k++)
				assert_int_equal(f->b[512 * i + k], i % 2 ? f->a[512 * i + k] : i);
		}
	}
	/* a failing member, then a fenced one: the batch stops there */
	list[2].opcode = 0x3f;
	list[5].flags |= IDXD_OP_FLAG_FENCE;
	memset(mc, 0, sizeof(mc));
	assert_int_equal(wqt_run(f->wq[0], &D, &C), DSA_COMP_BATCH_FAIL);
	assert_int_equal(C.bytes_completed, 5);
	assert_int_equal(C.result, 1);
	assert_int_equal(mc[2].status, DSA_COMP_BAD_OPCODE);
	assert_int_equal(mc[4].status, DSA_COMP_SUCCESS);
	assert_int_equal(mc[5].status, 0);
	/* a failing member without a fence: the rest runs, the batch fails */
	list[5].flags &= ~IDXD_OP_FLAG_FENCE;
	memset(mc, 0, sizeof(mc));
	assert_int_equal(wqt_run(f->wq[1], &D, &C), DSA_COMP_BATCH_FAIL);
	assert_int_equal(mc[7].status, DSA_COMP_SUCCESS);
	/* a batch inside a batch, a drain inside a batch */
	list[2].opcode = DSA_OPCODE_BATCH;
	list[3].opcode = DSA_OPCODE_DRAIN;
	memset(mc, 0, sizeof(mc));
	assert_int_equal(wqt_run(f->wq[0], &D, &C), DSA_COMP_BATCH_FAIL);
	assert_int_equal(mc[2].status, DSA_COMP_BAD_OPCODE);
	assert_int_equal(mc[3].status, DSA_COMP_BAD_OPCODE);
	/* count and alignment */
	D.desc_count = 1;
	assert_int_equal(wqt_run(f->wq[0], &D, &C), DSA_COMP_DESC_CNT_ERANGE);
	D.desc_count = 33;	/* the WQ's max_batch_size is 32 */
	assert_int_equal(wqt_run(f->wq[0], &D, &C), DSA_COMP_DESC_CNT_ERANGE);
	D.desc_count = 2;
	D.desc_list_addr = (uintptr_t)list + 8;
	assert_int_equal(wqt_run(f->wq[0], &D, &C), DSA_COMP_DESCLIST_ALIGN);
}

static void test_bad_descriptors(void **state)
{
	struct wqt_fx *f = *state;
	struct pasid_wq_info in = { .size = sizeof(in) };
	uint64_t errors;

	for (int w = 0; w < 2; w++) {
		struct pasid_wq *wq = f->wq[w];

		wqt_desc(&D, 0x30, &C);
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_BAD_OPCODE);
		wqt_desc(&D, DSA_OPCODE_CR_DELTA, &C);
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_BAD_OPCODE);
		wqt_desc(&D, DSA_OPCODE_NOOP, &C);
		D.flags |= 0x40;			/* reserved flag */
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_INVALID_FLAGS);
		assert_int_equal(C.invalid_flags, 0x40);
		wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
		D.flags |= IDXD_OP_FLAG_BOF;		/* WQ has block_on_fault 0 */
		D.src_addr = (uintptr_t)f->a;
		D.dst_addr = (uintptr_t)f->b;
		D.xfer_size = 64;
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_INVALID_FLAGS);
		assert_int_equal(C.invalid_flags, IDXD_OP_FLAG_BOF);
		D.flags = F_CR;
		D.rsvd1 = 1;
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_NOZERO_RESERVE);
		D.rsvd1 = 0;
		D.op_specific[10] = 1;			/* unused by MEMMOVE */
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_NOZERO_RESERVE);
		D.op_specific[10] = 0;
		D.xfer_size = (2u << 20) + 1;		/* above max_transfer_size */
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_XFER_ERANGE);
		D.xfer_size = 0;
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_XFER_ERANGE);
		/* copy-crc with overlapping buffers */
		wqt_desc(&D, DSA_OPCODE_COPY_CRC, &C);
		D.src_addr = (uintptr_t)f->a;
		D.dst_addr = (uintptr_t)f->a + 10;
		D.xfer_size = 100;
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_OVERLAP_BUFFERS);
		/* unmapped source: a page fault, not a crash */
		wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
		D.src_addr = 0x1000;
		D.dst_addr = (uintptr_t)f->b;
		D.xfer_size = 64;
		assert_int_equal(wqt_run(wq, &D, &C) & DSA_COMP_STATUS_MASK,
				 DSA_COMP_PAGE_FAULT_NOBOF);
		assert_int_equal(C.fault_addr, 0x1000);
		assert_int_equal(pasid_wq_fault_continue(wq, &D, &C), -EFAULT);
		/* unmapped destination: a write fault */
		D.src_addr = (uintptr_t)f->a;
		D.dst_addr = 0x2000;
		assert_int_equal(wqt_run(wq, &D, &C),
				 DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE);
		/* drain readback fault */
		wqt_desc(&D, DSA_OPCODE_DRAIN, &C);
		D.flags |= 1u << 17;
		D.rdback_addr2 = 0x3000;
		assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_PFAULT_RDBA);
	}
	/*
	 * completion record not 32-byte aligned: refused at submission, as
	 * idxd's write() does, on every path (tests/wq/test-discover.c checks
	 * the write() one); nothing reaches the engine
	 */
	assert_int_equal(pasid_wq_get_info(f->wq[0], &in), 0);
	errors = in.errors;
	wqt_desc(&D, DSA_OPCODE_NOOP, (uint8_t *)&C + 8);
	memset(&C, 0, sizeof(C));
	for (int w = 0; w < 2; w++) {
		assert_int_equal(pasid_wq_submit(f->wq[w], &D), -EINVAL);
		assert_non_null(strstr(pasid_ctx_last_error(f->ctx), "not 32-byte aligned"));
		assert_int_equal(pasid_wq_submit_many(f->wq[w], &D, 1), -EINVAL);
	}
	/* unmapped: latched, no CR */
	wqt_desc(&D, DSA_OPCODE_NOOP, (void *)0x4000);
	assert_int_equal(pasid_wq_submit(f->wq[0], &D), 0);
	wqt_desc(&D, DSA_OPCODE_NOOP, &C);	/* in order: once this is done, so are they */
	assert_int_equal(wqt_run(f->wq[0], &D, &C), DSA_COMP_SUCCESS);
	assert_int_equal(pasid_wq_get_info(f->wq[0], &in), 0);
	assert_int_equal(in.errors, errors + 1);
	assert_int_equal(in.last_error, DSA_COMP_CRA_XLAT);
	/* misaligned descriptor */
	assert_int_equal(pasid_wq_submit(f->wq[0], (uint8_t *)&D + 8), -EINVAL);
}

/* Memory the process may not access that way: statuses, no crash. */
static void test_protections(void **state)
{
	struct wqt_fx *f = *state;
	uint8_t *ro = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *none = mmap(NULL, 8192, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct pasid_wq_info in = { .size = sizeof(in) };
	uint64_t errors;

	assert_true(ro != MAP_FAILED && none != MAP_FAILED);
	for (int w = 0; w < 2; w++) {
		/* writing read-only memory: a write fault that cannot be resolved */
		wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
		D.src_addr = (uintptr_t)f->a;
		D.dst_addr = (uintptr_t)ro;
		D.xfer_size = 100;
		assert_int_equal(wqt_run(f->wq[w], &D, &C),
				 DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE);
		assert_int_equal(C.fault_addr, (uintptr_t)ro);
		assert_int_equal(pasid_wq_fault_continue(f->wq[w], &D, &C), -EFAULT);
		/* reading it is allowed: a read fault first (never touched, so not
		 * present), which the continuation resolves */
		D.src_addr = (uintptr_t)ro;
		D.dst_addr = (uintptr_t)f->b;
		if (!w) {
			assert_int_equal(wqt_run(f->wq[w], &D, &C), DSA_COMP_PAGE_FAULT_NOBOF);
			assert_int_equal(C.fault_addr, (uintptr_t)ro);
			assert_int_equal(pasid_wq_fault_continue(f->wq[w], &D, &C), 1);
			assert_int_equal(pasid_wq_wait(f->wq[w], &C, 2 * SEC), 0);
			assert_int_equal(C.status, DSA_COMP_SUCCESS);
		} else {
			assert_int_equal(wqt_run(f->wq[w], &D, &C), DSA_COMP_SUCCESS);
		}
		/* PROT_NONE source: nothing done */
		D.src_addr = (uintptr_t)(none + 4096 - 10);
		D.xfer_size = 20;
		assert_int_equal(wqt_run(f->wq[w], &D, &C), DSA_COMP_PAGE_FAULT_NOBOF);
		assert_int_equal(C.bytes_completed, 0);
		assert_int_equal(pasid_wq_fault_continue(f->wq[w], &D, &C), -EFAULT);
		/* completion records there: latched, never written */
		assert_int_equal(pasid_wq_get_info(f->wq[w], &in), 0);
		errors = in.errors;
		wqt_desc(&D, DSA_OPCODE_NOOP, ro);
		assert_int_equal(pasid_wq_submit(f->wq[w], &D), 0);
		wqt_desc(&D, DSA_OPCODE_NOOP, none);
		assert_int_equal(pasid_wq_submit(f->wq[w], &D), 0);
		wqt_desc(&D, DSA_OPCODE_NOOP, &C);
		assert_int_equal(wqt_run(f->wq[w], &D, &C), DSA_COMP_SUCCESS);
		assert_int_equal(pasid_wq_get_info(f->wq[w], &in), 0);
		assert_int_equal(in.errors, errors + 2);
		assert_int_equal(in.last_error, DSA_COMP_CRA_XLAT);
	}
	munmap(ro, 8192);
	munmap(none, 8192);
}

static void test_iaa(void **state)
{
	struct wqt_fx *f = *state;
	struct pasid_wq *wq = wqt_open(f->ctx, "iax1/wq1.0");
	static _Alignas(64) uint8_t cr[64];
	struct pasid_wq_info in = { .size = sizeof(in) };

	assert_int_equal(pasid_wq_get_info(wq, &in), 0);
	assert_true(in.flags & PASID_WQ_INFO_IAA);
	assert_int_equal(in.cr_align, 64);
	fill_rand(f->a, 1000);
	wqt_desc(&D, DSA_OPCODE_MEMMOVE, cr);
	D.src_addr = (uintptr_t)f->a;
	D.dst_addr = (uintptr_t)f->b;
	D.xfer_size = 1000;
	assert_int_equal(wqt_run(wq, &D, cr), DSA_COMP_SUCCESS);
	assert_memory_equal(f->a, f->b, 1000);
	wqt_desc(&D, DSA_OPCODE_MEMFILL, cr);	/* not an IAA operation */
	D.dst_addr = (uintptr_t)f->b;
	D.xfer_size = 8;
	assert_int_equal(wqt_run(wq, &D, cr), DSA_COMP_BAD_OPCODE);
	pasid_wq_close(wq);
}

static void test_pasid_not_attached(void **state)
{
	struct wqt_fx *f = *state;
	struct pasid_wq_info in = { .size = sizeof(in) };

	assert_int_equal(pasid_wq_get_info(f->wq[0], &in), 0);
	wqt_desc(&D, DSA_OPCODE_NOOP, &C);
	assert_int_equal(wqt_run(f->wq[0], &D, &C), DSA_COMP_SUCCESS);
	assert_int_equal(pasid_detach(f->ctx, in.pasid, in.rid), 0);
	/* an idle engine checks again on new work; a busy one within 1 ms */
	{
		struct timespec ts = { 0, 2000000 };

		nanosleep(&ts, NULL);
	}
	for (int w = 0; w < 2; w++)
		assert_int_equal(wqt_run(f->wq[w], &D, &C), DSA_COMP_TRANSLATION_FAIL);
	assert_int_equal(pasid_attach(f->ctx, in.pasid, in.rid), 0);
	nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
	for (int w = 0; w < 2; w++)
		assert_int_equal(wqt_run(f->wq[w], &D, &C), DSA_COMP_SUCCESS);
}

static void test_retry_exhaustion(void **state)
{
	struct wqt_fx *f = *state;
	struct pasid_wq_submit_opts o, def = { .size = sizeof(def) };
	static _Alignas(64) struct dsa_hw_desc d[128];
	static _Alignas(32) struct dsa_completion_record c[128];
	uint8_t *big = malloc(2u << 20), *big2 = malloc(2u << 20);
	int i, r = 0;

	assert_int_equal(pasid_wq_get_submit_opts(f->wq[0], &def), 0);
	assert_int_equal(def.max_retries, PASID_WQ_DEFAULT_RETRIES);
	assert_int_equal(def.deadline_ns, PASID_WQ_DEFAULT_DEADLINE_NS);
	assert_int_equal(def.size, sizeof(def));
	o = (struct pasid_wq_submit_opts){ .size = sizeof(o), .max_retries = 2,
					   .backoff_min_ns = 64, .backoff_max_ns = 128,
					   .deadline_ns = 10000 };
	assert_int_equal(pasid_wq_set_submit_opts(f->wq[0], &o), 0);
	o.backoff_min_ns = 1000;
	assert_int_equal(pasid_wq_set_submit_opts(f->wq[1], &o), -EINVAL);
	o.backoff_min_ns = 64;
	o.size = 8;	/* below the first version: refused */
	assert_int_equal(pasid_wq_set_submit_opts(f->wq[1], &o), -EINVAL);
	memset(big, 1, 2u << 20);
	memset(big2, 0, 2u << 20);	/* resident: see wqt_fx_new() */
	/* 2 MiB copies keep the 32-entry shared WQ full */
	for (i = 0; i < 128; i++) {
		wqt_desc(&d[i], DSA_OPCODE_MEMMOVE, &c[i]);
		d[i].src_addr = (uintptr_t)big;
		d[i].dst_addr = (uintptr_t)big2;
		d[i].xfer_size = 2u << 20;
		c[i].status = 0;
		r = pasid_wq_submit(f->wq[0], &d[i]);
		if (r)
			break;
	}
	assert_int_equal(r, -EAGAIN);
	print_message("shared WQ full after %d submissions: -EAGAIN\n", i);
	assert_true(i >= 32 && i < 128);
	for (int k = 0; k < i; k++) {
		assert_int_equal(pasid_wq_wait(f->wq[0], &c[k], 10 * SEC), 0);
		assert_int_equal(c[k].status, DSA_COMP_SUCCESS);
	}
	assert_int_equal(pasid_wq_set_submit_opts(f->wq[0], &def), 0);
	free(big);
	free(big2);
}

static void test_dedicated_drop(void **state)
{
	struct wqt_fx *f = *state;
	static _Alignas(64) struct dsa_hw_desc d[64];
	static _Alignas(32) struct dsa_completion_record c[64];
	uint8_t *big = malloc(2u << 20), *big2 = malloc(2u << 20);
	struct pasid_wq_info in = { .size = sizeof(in) };
	int done = 0;

	memset(big, 1, 2u << 20);
	memset(big2, 0, 2u << 20);	/* resident: see wqt_fx_new() */
	for (int i = 0; i < 64; i++) {
		wqt_desc(&d[i], DSA_OPCODE_MEMMOVE, &c[i]);
		d[i].src_addr = (uintptr_t)big;
		d[i].dst_addr = (uintptr_t)big2;
		d[i].xfer_size = 2u << 20;
		c[i].status = 0;
		assert_int_equal(pasid_wq_submit(f->wq[1], &d[i]), 0);	/* posted */
	}
	/* posted: nothing tells which were dropped; wait until the counts add up */
	for (int tries = 0; tries < 5000; tries++) {
		done = 0;
		for (int i = 0; i < 64; i++)
			done += __atomic_load_n(&c[i].status, __ATOMIC_ACQUIRE) != 0;
		assert_int_equal(pasid_wq_get_info(f->wq[1], &in), 0);
		if ((uint64_t)done + in.dropped == 64)
			break;
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
	print_message("dedicated WQ (size %u): %d completed, %llu dropped\n", in.wq_size, done,
		      (unsigned long long)in.dropped);
	assert_true(in.dropped > 0);
	assert_int_equal((uint64_t)done + in.dropped, 64);
	free(big);
	free(big2);
}

static void test_timeout(void **state)
{
	struct wqt_fx *f = *state;
	struct timespec t0, t1;
	uint64_t ns;

	memset(&C, 0, sizeof(C));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pasid_wq_wait(f->wq[0], &C, 5000000), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * SEC + (uint64_t)t1.tv_nsec - (uint64_t)t0.tv_nsec;
	assert_true(ns >= 5000000 && ns < SEC);
	assert_int_equal(pasid_wq_wait(f->wq[0], &C, 0), -ETIMEDOUT);
	/* no completion requested: success writes nothing */
	wqt_desc(&D, DSA_OPCODE_NOOP, &C);
	D.flags = IDXD_OP_FLAG_CRAV;
	assert_int_equal(pasid_wq_submit(f->wq[0], &D), 0);
	assert_int_equal(pasid_wq_wait(f->wq[0], &C, 2000000), -ETIMEDOUT);
}

static void test_open_errors(void **state)
{
	struct wqt_fx *f = *state;
	struct pasid_wq *wq = NULL;

	assert_int_equal(pasid_wq_open(f->ctx, "dsa0/wq0.1", 0, &wq), -EBUSY);
	assert_non_null(strstr(pasid_ctx_last_error(f->ctx), "dedicated"));
	assert_int_equal(pasid_wq_open(f->ctx, "dsa0/wq9.9", 0, &wq), -ENOENT);
	assert_int_equal(pasid_wq_open(f->ctx, "dsa0/", 0, &wq), -EINVAL);
	assert_int_equal(pasid_wq_open(f->ctx, "wq0.0", 0x80, &wq), -EINVAL);
	/* the short name and a second handle on a shared WQ */
	assert_int_equal(pasid_wq_open(f->ctx, "wq0.0", 0, &wq), 0);
	wqt_desc(&D, DSA_OPCODE_NOOP, &C);
	assert_int_equal(wqt_run(wq, &D, &C), DSA_COMP_SUCCESS);
	pasid_wq_close(wq);
	assert_null(pasid_wq_close(NULL));
	/* a real WQ cannot have faults injected; a sim one can */
	assert_int_equal(pasid_wq_sim_inject_fault(f->wq[0], f->a), 0);
	pasid_wq_fault_continue(f->wq[0], &D, &C);	/* not a fault: 0, nothing done */
}

/*
 * Many no-ops on one shared-WQ handle, window after window: the last
 * record of a window is waited for first, and then every earlier one must
 * be complete already (one ring runs in order). The submitter's dword 0
 * carries reserved and priv bits that ENQCMD replaces: each must succeed.
 * More than 2^20 descriptors (outside valgrind), so the ring's internal
 * slot stamps reach bits 20-30 of that dword. Then handles opened and
 * closed on the WQ reuse a portal where the last one left it.
 */
static void test_shared_many_in_order(void **state)
{
	struct wqt_fx *f = *state;
	struct pasid_wq_info in = { .size = sizeof(in) };
	static _Alignas(64) struct dsa_hw_desc d[64];
	static _Alignas(32) struct dsa_completion_record c[64];
	unsigned int w;
	uint64_t n = RUNNING_ON_VALGRIND ? 4096 : (1ull << 20) + 4096;

	assert_int_equal(pasid_wq_get_info(f->wq[0], &in), 0);
	assert_int_equal(in.mode, PASID_WQ_SHARED);
	w = in.wq_size < 64 ? in.wq_size : 64;
	for (uint64_t i = 0; i < n; i += w) {
		for (unsigned int k = 0; k < w; k++) {
			wqt_desc(&d[k], DSA_OPCODE_NOOP, &c[k]);
			d[k].rsvd = 0x7ff;	/* bits 30:20 of dword 0: ENQCMD writes 0 */
			d[k].priv = 1;
			d[k].pasid = 0xfffff;
			c[k].status = 0;
			assert_int_equal(pasid_wq_submit(f->wq[0], &d[k]), 0);
		}
		assert_int_equal(pasid_wq_wait(f->wq[0], &c[w - 1], 10 * SEC), 0);
		for (unsigned int k = 0; k < w; k++)
			if (__atomic_load_n(&c[k].status, __ATOMIC_ACQUIRE) != DSA_COMP_SUCCESS)
				fail_msg("descriptor %llu: status %#x after the window's last",
					 (unsigned long long)(i + k), c[k].status);
	}
	for (int round = 0; round < 8; round++) {
		struct pasid_wq *q = wqt_open(f->ctx, "dsa0/wq0.0");

		for (int k = 0; k < 3 + round; k++) {
			wqt_desc(&D, DSA_OPCODE_NOOP, &C);
			assert_int_equal(wqt_run(q, &D, &C), DSA_COMP_SUCCESS);
		}
		pasid_wq_close(q);
	}
}

/*
 * After a full window the engine waits for whole groups (engine.c,
 * ring_take): a burst whose length is not a multiple of a group, then
 * single descriptors each waited for, must still complete (the engine
 * gives up waiting and takes what is there), in order, every one.
 */
static void test_stream_then_trickle(void **state)
{
	struct wqt_fx *f = *state;
	static _Alignas(64) struct dsa_hw_desc d[64];
	static _Alignas(32) struct dsa_completion_record c[64];
	static const unsigned int burst[] = { 64, 37, 1, 64, 9, 17, 3, 64, 1, 1, 15 };

	for (unsigned int b = 0; b < sizeof(burst) / sizeof(burst[0]); b++) {
		for (unsigned int k = 0; k < burst[b]; k++) {
			wqt_desc(&d[k], DSA_OPCODE_NOOP, &c[k]);
			c[k].status = 0;
			assert_int_equal(pasid_wq_submit(f->wq[0], &d[k]), 0);
		}
		assert_int_equal(pasid_wq_wait(f->wq[0], &c[burst[b] - 1], 10 * SEC), 0);
		for (unsigned int k = 0; k < burst[b]; k++)
			if (__atomic_load_n(&c[k].status, __ATOMIC_ACQUIRE) != DSA_COMP_SUCCESS)
				fail_msg("burst %u descriptor %u: status %#x after the last",
					 b, k, c[k].status);
	}
}

/* A drain on one handle waits for what other handles submitted before it. */
static void test_drain_all_portals(void **state)
{
	struct wqt_fx *f = *state;
	struct pasid_wq *a = wqt_open(f->ctx, "dsa2/wq2.0"), *b = wqt_open(f->ctx, "dsa2/wq2.0");
	static _Alignas(64) struct dsa_hw_desc d[8];
	static _Alignas(32) struct dsa_completion_record c[8];
	uint8_t *src = malloc(2u << 20), *dst = malloc(2u << 20);

	memset(src, 9, 2u << 20);
	memset(dst, 0, 2u << 20);	/* resident: see wqt_fx_new() */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 8; i++) {
			wqt_desc(&d[i], DSA_OPCODE_MEMMOVE, &c[i]);
			d[i].src_addr = (uintptr_t)src;
			d[i].dst_addr = (uintptr_t)dst;
			d[i].xfer_size = 2u << 20;
			c[i].status = 0;
			assert_int_equal(pasid_wq_submit(a, &d[i]), 0);
		}
		wqt_desc(&D, DSA_OPCODE_DRAIN, &C);
		assert_int_equal(wqt_run(b, &D, &C), DSA_COMP_SUCCESS);
		for (int i = 0; i < 8; i++)
			assert_int_equal(c[i].status, DSA_COMP_SUCCESS);
	}
	/*
	 * Enough no-ops on one portal that the engine waits for a whole
	 * group (engine.c, ring_take), then a drain on the other: it must not
	 * complete while some of them still wait there.
	 */
	for (int round = 0; round < 200; round++) {
		static _Alignas(64) struct dsa_hw_desc n[19];
		static _Alignas(32) struct dsa_completion_record nc[19];

		for (int i = 0; i < 19; i++) {
			wqt_desc(&n[i], DSA_OPCODE_NOOP, &nc[i]);
			nc[i].status = 0;
			assert_int_equal(pasid_wq_submit(a, &n[i]), 0);
		}
		wqt_desc(&D, DSA_OPCODE_DRAIN, &C);
		assert_int_equal(wqt_run(b, &D, &C), DSA_COMP_SUCCESS);
		for (int i = 0; i < 19; i++)
			if (__atomic_load_n(&nc[i].status, __ATOMIC_ACQUIRE) != DSA_COMP_SUCCESS)
				fail_msg("round %d: the drain completed before no-op %d (status %#x)",
					 round, i, nc[i].status);
	}
	pasid_wq_close(a);
	pasid_wq_close(b);
	free(src);
	free(dst);
}

/* Two simulated processes on one shared WQ: own PASIDs, own rings, isolation. */
static void test_two_processes(void **state)
{
	struct wqt_fx *f = *state;
	struct pasid_ctx *p2 = wqt_sim_ctx();
	struct pasid_wq *w1 = wqt_open(f->ctx, "dsa2/wq2.0"), *w2 = wqt_open(p2, "dsa2/wq2.0");
	struct pasid_wq *d2 = NULL;
	struct pasid_wq_info i1 = { .size = sizeof(i1) }, i2 = { .size = sizeof(i2) };
	static _Alignas(32) struct dsa_completion_record c2;
	static _Alignas(64) struct dsa_hw_desc d2d;

	assert_int_equal(pasid_wq_get_info(w1, &i1), 0);
	assert_int_equal(pasid_wq_get_info(w2, &i2), 0);
	assert_int_not_equal(i1.pasid, i2.pasid);
	/* the dedicated WQ the fixture holds is busy for the other process too */
	assert_int_equal(pasid_wq_open(p2, "dsa0/wq0.1", 0, &d2), -EBUSY);
	memset(f->a, 0x42, 4096);
	for (int round = 0; round < 2; round++) {
		wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
		D.src_addr = (uintptr_t)f->a;
		D.dst_addr = (uintptr_t)f->b;
		D.xfer_size = 4096;
		wqt_desc(&d2d, DSA_OPCODE_MEMFILL, &c2);
		d2d.dst_addr = (uintptr_t)f->c;
		d2d.xfer_size = 4096;
		d2d.pattern = 0x7777777777777777ull;
		memset(&C, 0, sizeof(C));
		memset(&c2, 0, sizeof(c2));
		assert_int_equal(pasid_wq_submit(w1, &D), 0);
		assert_int_equal(pasid_wq_submit(w2, &d2d), 0);
		assert_int_equal(pasid_wq_wait(w1, &C, 2 * SEC), 0);
		assert_int_equal(pasid_wq_wait(w2, &c2, 2 * SEC), 0);
		if (round == 0) {
			assert_int_equal(C.status, DSA_COMP_SUCCESS);
			assert_int_equal(c2.status, DSA_COMP_SUCCESS);
			assert_memory_equal(f->a, f->b, 4096);
			assert_int_equal(f->c[4095], 0x77);
			/* process 1 loses its binding; process 2 must not notice */
			assert_int_equal(pasid_detach(f->ctx, i1.pasid, i1.rid), 0);
			nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
		} else {
			assert_int_equal(C.status, DSA_COMP_TRANSLATION_FAIL);
			assert_int_equal(c2.status, DSA_COMP_SUCCESS);
		}
	}
	pasid_wq_close(w1);
	pasid_wq_close(w2);
	pasid_ctx_unref(p2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_info_labels),
		cmocka_unit_test(test_noop_drain),
		cmocka_unit_test(test_memmove),
		cmocka_unit_test(test_fill),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_compval),
		cmocka_unit_test(test_dualcast),
		cmocka_unit_test(test_crc_vectors),
		cmocka_unit_test(test_batch),
		cmocka_unit_test(test_bad_descriptors),
		cmocka_unit_test(test_protections),
		cmocka_unit_test(test_iaa),
		cmocka_unit_test(test_pasid_not_attached),
		cmocka_unit_test(test_retry_exhaustion),
		cmocka_unit_test(test_dedicated_drop),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_two_processes),
		cmocka_unit_test(test_drain_all_portals),
		cmocka_unit_test(test_shared_many_in_order),
		cmocka_unit_test(test_stream_then_trickle),
	};

	return cmocka_run_group_tests(tests, setup, wqt_fx_teardown);
}
