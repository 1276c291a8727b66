// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-fault.c - page faults on the SIMULATED engine: injected not-present
 * pages give partial completions (DSA_COMP_PAGE_FAULT_NOBOF, write bit,
 * fault_addr, bytes_completed) and pasid_wq_fault_continue() finishes every
 * operation with the same data and results as an undisturbed run. Pages
 * never touched are not present either: the engine decides by residency
 * (mincore()) and must not make them present itself.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
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

#include "../../lib/wq/populate.h"
#include "wq-test.h"

#define PG	4096
#define LEN	(16 * PG)

static _Alignas(64) struct dsa_hw_desc D;
static _Alignas(64) struct dsa_completion_record C;

static int setup(void **state)
{
	struct wqt_fx *f = wqt_fx_new("dsa2/wq2.0", "dsa2/wq2.1", 2 * LEN);

	for (int i = 0; i < 2 * LEN; i++)
		f->a[i] = (uint8_t)(i * 7 + (i >> 9));
	*state = f;
	return 0;
}

/* Submit, then continue after every fault; return the number of faults. */
static int run_to_end(struct pasid_wq *wq, struct dsa_hw_desc *d, struct dsa_completion_record *c)
{
	int faults = 0, r;

	memset(c, 0, sizeof(*c));
	assert_int_equal(pasid_wq_submit(wq, d), 0);
	for (;;) {
		assert_int_equal(pasid_wq_wait(wq, c, 2 * SEC), 0);
		if ((c->status & DSA_COMP_STATUS_MASK) != DSA_COMP_PAGE_FAULT_NOBOF &&
		    (c->status & DSA_COMP_STATUS_MASK) != DSA_COMP_BATCH_PAGE_FAULT)
			return faults;
		faults++;
		r = pasid_wq_fault_continue(wq, d, c);
		assert_int_equal(r, 1);
	}
}

static void test_memmove_forward(void **state)
{
	struct wqt_fx *f = *state;

	for (int w = 0; w < 2; w++) {
		memset(f->b, 0, LEN);
		assert_int_equal(pasid_wq_sim_inject_fault(f->wq[w], f->a + 3 * PG + 100), 0);
		assert_int_equal(pasid_wq_sim_inject_fault(f->wq[w], f->a + 7 * PG), 0);
		assert_int_equal(pasid_wq_sim_inject_fault(f->wq[w], f->b + 10 * PG + 5), 0);
		wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
		D.src_addr = (uintptr_t)(f->a + 10);
		D.dst_addr = (uintptr_t)f->b;
		D.xfer_size = LEN - 10;
		/* the first partial completion in detail */
		memset(&C, 0, sizeof(C));
		assert_int_equal(pasid_wq_submit(f->wq[w], &D), 0);
		assert_int_equal(pasid_wq_wait(f->wq[w], &C, 2 * SEC), 0);
		assert_int_equal(C.status, DSA_COMP_PAGE_FAULT_NOBOF);
		assert_int_equal(C.fault_addr, (uintptr_t)(f->a + 3 * PG));
		assert_int_equal(C.bytes_completed, 3 * PG - 10);
		assert_memory_equal(f->b, f->a + 10, 3 * PG - 10);
		assert_int_equal(pasid_wq_fault_continue(f->wq[w], &D, &C), 1);
		assert_int_equal(pasid_wq_wait(f->wq[w], &C, 2 * SEC), 0);
		/* dst page 10 is hit at source offset 10*PG + 10 - ... : a write fault next */
		assert_int_equal(C.status & DSA_COMP_STATUS_MASK, DSA_COMP_PAGE_FAULT_NOBOF);
		assert_int_equal(pasid_wq_fault_continue(f->wq[w], &D, &C), 1);
		assert_int_equal(pasid_wq_wait(f->wq[w], &C, 2 * SEC), 0);
		while (C.status != DSA_COMP_SUCCESS) {
			assert_int_equal(C.status & DSA_COMP_STATUS_MASK,
					 DSA_COMP_PAGE_FAULT_NOBOF);
			assert_int_equal(pasid_wq_fault_continue(f->wq[w], &D, &C), 1);
			assert_int_equal(pasid_wq_wait(f->wq[w], &C, 2 * SEC), 0);
		}
		assert_memory_equal(f->b, f->a + 10, LEN - 10);
	}
}

static void test_write_fault_bit(void **state)
{
	struct wqt_fx *f = *state;

	assert_int_equal(pasid_wq_sim_inject_fault(f->wq[0], f->b + 2 * PG), 0);
	wqt_desc(&D, DSA_OPCODE_MEMFILL, &C);
	D.pattern = 0x1122334455667788ull;
	D.dst_addr = (uintptr_t)f->b;
	D.xfer_size = 4 * PG;
	assert_int_equal(wqt_run(f->wq[0], &D, &C),
			 DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE);
	assert_int_equal(C.fault_addr, (uintptr_t)(f->b + 2 * PG));
	assert_int_equal(C.bytes_completed, 2 * PG);
	assert_int_equal(pasid_wq_fault_continue(f->wq[0], &D, &C), 1);
	assert_int_equal(pasid_wq_wait(f->wq[0], &C, 2 * SEC), 0);
	assert_int_equal(C.status, DSA_COMP_SUCCESS);
}

static void test_memmove_backward(void **state)
{
	struct wqt_fx *f = *state;
	int faults;

	memcpy(f->c, f->a, 2 * LEN);
	memcpy(f->ref, f->a, 2 * LEN);
	memmove(f->ref + 1000, f->ref, LEN);
	assert_int_equal(pasid_wq_sim_inject_fault(f->wq[1], f->c + 12 * PG), 0);
	assert_int_equal(pasid_wq_sim_inject_fault(f->wq[1], f->c + 5 * PG), 0);
	wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
	D.src_addr = (uintptr_t)f->c;
	D.dst_addr = (uintptr_t)(f->c + 1000);
	D.xfer_size = LEN;
	faults = run_to_end(f->wq[1], &D, &C);
	assert_true(faults >= 2);
	assert_int_equal(C.status, DSA_COMP_SUCCESS);
	assert_int_equal(C.result, 1);		/* backward */
	assert_memory_equal(f->c, f->ref, 2 * LEN);
}

static void test_fill_rotation(void **state)
{
	struct wqt_fx *f = *state;
	const uint64_t pat = 0x0102030405060708ull;

	for (int w = 0; w < 2; w++) {
		memset(f->b, 0, LEN + 64);
		for (int i = 0; i < LEN - 3; i++)
			f->ref[i] = (uint8_t)(pat >> (8 * (i % 8)));
		/* the fault falls at an offset that is not a multiple of 8 */
		assert_int_equal(pasid_wq_sim_inject_fault(f->wq[w], f->b + 5 * PG), 0);
		assert_int_equal(pasid_wq_sim_inject_fault(f->wq[w], f->b + 9 * PG), 0);
		wqt_desc(&D, DSA_OPCODE_MEMFILL, &C);
		D.pattern = pat;
		D.dst_addr = (uintptr_t)(f->b + 3);
		D.xfer_size = LEN - 3;
		assert_int_equal(run_to_end(f->wq[w], &D, &C), 2);
		assert_int_equal(C.status, DSA_COMP_SUCCESS);
		assert_memory_equal(f->b + 3, f->ref, LEN - 3);
		assert_int_equal(f->b[0], 0);
	}
}

static void test_compare_compval(void **state)
{
	struct wqt_fx *f = *state;
	const uint64_t pat = 0xa5a5a5a5deadbeefull;
	uint64_t start;

	memcpy(f->b, f->a, LEN);
	f->b[11 * PG + 77] ^= 1;
	assert_int_equal(pasid_wq_sim_inject_fault(f->wq[0], f->a + 4 * PG), 0);
	assert_int_equal(pasid_wq_sim_inject_fault(f->wq[0], f->b + 8 * PG), 0);
	wqt_desc(&D, DSA_OPCODE_COMPARE, &C);
	D.src_addr = start = (uintptr_t)f->a;
	D.src2_addr = (uintptr_t)f->b;
	D.xfer_size = LEN;
	assert_int_equal(run_to_end(f->wq[0], &D, &C), 2);
	assert_int_equal(C.status, DSA_COMP_SUCCESS);
	assert_int_equal(C.result, 1);
	assert_int_equal(D.src_addr - start + C.bytes_completed, 11 * PG + 77);

	for (int i = 0; i < LEN; i++)
		f->c[i] = (uint8_t)(pat >> (8 * ((i + 5) % 8)));
	f->c[13 * PG + 3] ^= 0x80;
	assert_int_equal(pasid_wq_sim_inject_fault(f->wq[1], f->c + 6 * PG), 0);
	wqt_desc(&D, DSA_OPCODE_COMPVAL, &C);
	/* start 5 bytes into the pattern: comp_pattern is the rotated pattern */
	D.src_addr = start = (uintptr_t)f->c;
	D.comp_pattern = pat >> 40 | pat << 24;
	D.xfer_size = LEN;
	assert_int_equal(run_to_end(f->wq[1], &D, &C), 1);
	assert_int_equal(C.result, 1);
	assert_int_equal(D.src_addr - start + C.bytes_completed, (13 * PG + 3) & ~7);
}

static void test_crc_continuation(void **state)
{
	struct wqt_fx *f = *state;
	static const uint32_t modes[4] = { 0, 1u << 17, 1u << 18, 3u << 17 };

	for (int m = 0; m < 4; m++) {
		uint32_t want;

		wqt_desc(&D, DSA_OPCODE_CRCGEN, &C);
		D.flags |= modes[m];
		D.src_addr = (uintptr_t)(f->a + 1);
		D.xfer_size = LEN - 1;
		D.crc_seed = 0x12345678;
		assert_int_equal(wqt_run(f->wq[0], &D, &C), DSA_COMP_SUCCESS);
		want = (uint32_t)C.crc_val;

		memset(f->b, 0, LEN);
		assert_int_equal(pasid_wq_sim_inject_fault(f->wq[m & 1], f->a + 2 * PG), 0);
		assert_int_equal(pasid_wq_sim_inject_fault(f->wq[m & 1], f->b + 9 * PG), 0);
		wqt_desc(&D, DSA_OPCODE_COPY_CRC, &C);
		D.flags |= modes[m];
		D.src_addr = (uintptr_t)(f->a + 1);
		D.dst_addr = (uintptr_t)f->b;
		D.xfer_size = LEN - 1;
		D.crc_seed = 0x12345678;
		assert_int_equal(run_to_end(f->wq[m & 1], &D, &C), 2);
		assert_int_equal(C.status, DSA_COMP_SUCCESS);
		assert_int_equal((uint32_t)C.crc_val, want);
		assert_memory_equal(f->b, f->a + 1, LEN - 1);
	}
}

static void test_dualcast(void **state)
{
	struct wqt_fx *f = *state;

	memset(f->b, 0, LEN);
	memset(f->c, 0, LEN);
	assert_int_equal(pasid_wq_sim_inject_fault(f->wq[0], f->c + 3 * PG), 0);
	wqt_desc(&D, DSA_OPCODE_DUALCAST, &C);
	D.src_addr = (uintptr_t)f->a;
	D.dst_addr = (uintptr_t)f->b;
	D.dest2 = (uintptr_t)f->c;
	D.xfer_size = LEN;
	assert_int_equal(run_to_end(f->wq[0], &D, &C), 1);
	assert_memory_equal(f->b, f->a, LEN);
	assert_memory_equal(f->c, f->a, LEN);
}

static void test_batch_list_fault(void **state)
{
	struct wqt_fx *f = *state;
	/* 8 members: 3 at the end of one page, 5 on the next */
	struct dsa_hw_desc *list = (struct dsa_hw_desc *)(void *)(f->c + PG - 3 * 64);
	static _Alignas(32) struct dsa_completion_record mc[8];

	memset(mc, 0, sizeof(mc));
	for (int i = 0; i < 8; i++) {
		wqt_desc(&list[i], DSA_OPCODE_MEMFILL, &mc[i]);
		list[i].pattern = 0x0101010101010101ull * (uint64_t)(i + 1);
		list[i].dst_addr = (uintptr_t)(f->b + 100 * i);
		list[i].xfer_size = 100;
	}
	assert_int_equal(pasid_wq_sim_inject_fault(f->wq[1], f->c + PG), 0);
	wqt_desc(&D, DSA_OPCODE_BATCH, &C);
	D.desc_list_addr = (uintptr_t)list;
	D.desc_count = 8;
	assert_int_equal(wqt_run(f->wq[1], &D, &C), DSA_COMP_BATCH_PAGE_FAULT);
	assert_int_equal(C.bytes_completed, 3);
	assert_int_equal(C.fault_addr, (uintptr_t)(f->c + PG));
	assert_int_equal(mc[2].status, DSA_COMP_SUCCESS);
	assert_int_equal(mc[3].status, 0);
	assert_int_equal(pasid_wq_fault_continue(f->wq[1], &D, &C), 1);
	assert_int_equal(pasid_wq_wait(f->wq[1], &C, 2 * SEC), 0);
	assert_int_equal(C.status, DSA_COMP_SUCCESS);
	assert_int_equal(C.bytes_completed, 5);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(mc[i].status, DSA_COMP_SUCCESS);
		assert_int_equal(f->b[100 * i + 99], i + 1);
	}
}

static bool resident(const void *p)
{
	unsigned char v = 0;

	assert_int_equal(mincore((void *)((uintptr_t)p & ~(uintptr_t)(PG - 1)), PG, &v), 0);
	return v & 1;
}

/*
 * Four pages of fresh anonymous memory, only the first two touched: a read
 * (source) or a write (destination) reaching page 2 stops there without
 * block-on-fault, exactly at the page boundary, and page 2 stays absent.
 */
static void test_not_resident(void **state)
{
	struct wqt_fx *f = *state;

	for (int write = 0; write < 2; write++) {
		for (int w = 0; w < 2; w++) {
			uint8_t *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
					  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			assert_true(m != MAP_FAILED);
			memset(m, 0x77, 2 * PG);
			assert_false(resident(m + 2 * PG));
			wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
			D.src_addr = (uintptr_t)(write ? f->a : m + 100);
			D.dst_addr = (uintptr_t)(write ? m + 100 : f->b);
			D.xfer_size = 3 * PG - 100;	/* ends where page 3 begins */
			assert_int_equal(wqt_run(f->wq[w], &D, &C), DSA_COMP_PAGE_FAULT_NOBOF |
					 (write ? DSA_COMP_STATUS_WRITE : 0));
			assert_int_equal(C.fault_addr, (uintptr_t)(m + 2 * PG));
			assert_int_equal(C.bytes_completed, 2 * PG - 100);
			assert_false(resident(m + 2 * PG));
			if (write)
				assert_memory_equal(m + 100, f->a, 2 * PG - 100);
			else
				assert_memory_equal(f->b, m + 100, 2 * PG - 100);
			/* the continuation makes it present; the rest completes */
			assert_int_equal(pasid_wq_fault_continue(f->wq[w], &D, &C), 1);
			assert_int_equal(pasid_wq_wait(f->wq[w], &C, 2 * SEC), 0);
			assert_int_equal(C.status, DSA_COMP_SUCCESS);
			assert_true(resident(m + 2 * PG));
			assert_false(resident(m + 3 * PG));
			if (write)
				assert_memory_equal(m + 100, f->a, 3 * PG - 100);
			munmap(m, 4 * PG);
		}
	}
}

/*
 * Pages the engine has copied, then dropped (MADV_DONTNEED) or replaced by
 * a fresh mapping at the same address (munmap + MAP_FIXED): a descriptor
 * submitted 2 ms later faults on the first of them and leaves it absent,
 * even while another portal keeps the engine busy (so it never idles): the
 * engine remembers residency for at most 1 ms (docs/wq.md).
 */
struct busy {
	struct pasid_ctx *ctx;
	_Atomic bool stop;
	int errors;
};

static void *busy_noops(void *arg)
{
	struct busy *b = arg;
	struct pasid_wq *wq = NULL;
	_Alignas(64) struct dsa_hw_desc d;
	_Alignas(64) struct dsa_completion_record c;

	if (pasid_wq_open(b->ctx, "dsa2/wq2.0", 0, &wq)) {
		b->errors++;
		return NULL;
	}
	while (!atomic_load(&b->stop)) {
		wqt_desc(&d, DSA_OPCODE_NOOP, &c);
		memset(&c, 0, sizeof(c));
		if (pasid_wq_submit(wq, &d) || pasid_wq_wait(wq, &c, 2 * SEC) ||
		    c.status != DSA_COMP_SUCCESS)
			b->errors++;
	}
	pasid_wq_close(wq);
	return NULL;
}

static void test_dropped_after_use(void **state)
{
	struct wqt_fx *f = *state;
	struct busy b = { .ctx = f->ctx };
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, busy_noops, &b), 0);
	for (int how = 0; how < 4; how++) {
		for (int write = 0; write < 2; write++) {
			for (int w = 0; w < 2; w++) {
				uint8_t *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
						  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

				assert_true(m != MAP_FAILED);
				memset(m, 0x33, 4 * PG);
				wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
				D.src_addr = (uintptr_t)(write ? f->a : m);
				D.dst_addr = (uintptr_t)(write ? m : f->b);
				D.xfer_size = 4 * PG;
				assert_int_equal(wqt_run(f->wq[w], &D, &C), DSA_COMP_SUCCESS);
				if (how % 2)
					assert_int_equal(madvise(m, 4 * PG, MADV_DONTNEED), 0);
				else
					assert_true(munmap(m, 4 * PG) == 0 &&
						    mmap(m, 4 * PG, PROT_READ | PROT_WRITE,
							 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
							 -1, 0) == m);
				assert_false(resident(m));
				nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
				assert_int_equal(wqt_run(f->wq[w], &D, &C),
						 DSA_COMP_PAGE_FAULT_NOBOF |
						 (write ? DSA_COMP_STATUS_WRITE : 0));
				assert_int_equal(C.fault_addr, (uintptr_t)m);
				assert_int_equal(C.bytes_completed, 0);
				assert_false(resident(m));
				munmap(m, 4 * PG);
			}
		}
	}
	atomic_store(&b.stop, true);
	pthread_join(t, NULL);
	assert_int_equal(b.errors, 0);
}

/* A completion record that does not fit the descriptor changes nothing. */
static void test_continue_validates(void **state)
{
	struct wqt_fx *f = *state;
	struct dsa_hw_desc before;
	struct dsa_completion_record cbefore;
	static const uint32_t bad_done[] = { 4096, 4097, 0xffffffffu };

	for (size_t i = 0; i < sizeof(bad_done) / sizeof(bad_done[0]); i++) {
		wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
		D.src_addr = (uintptr_t)f->a;
		D.dst_addr = (uintptr_t)f->b;
		D.xfer_size = 4096;
		memset(&C, 0, sizeof(C));
		C.status = DSA_COMP_PAGE_FAULT_NOBOF;
		C.bytes_completed = bad_done[i];
		C.fault_addr = (uintptr_t)f->a;
		before = D;
		cbefore = C;
		assert_int_equal(pasid_wq_fault_continue(f->wq[0], &D, &C), -EINVAL);
		assert_memory_equal(&D, &before, sizeof(D));
		assert_memory_equal(&C, &cbefore, sizeof(C));
	}
	/* a batch page fault on a descriptor that is not a batch */
	C.status = DSA_COMP_BATCH_PAGE_FAULT;
	C.bytes_completed = 0;
	before = D;
	assert_int_equal(pasid_wq_fault_continue(f->wq[0], &D, &C), -EINVAL);
	assert_memory_equal(&D, &before, sizeof(D));
	/* an operation that cannot be continued: refused before touching memory */
	wqt_desc(&D, DSA_OPCODE_NOOP, &C);
	memset(&C, 0, sizeof(C));
	C.status = DSA_COMP_PAGE_FAULT_NOBOF;
	C.fault_addr = 0x1000;		/* cannot be made present either */
	before = D;
	assert_int_equal(pasid_wq_fault_continue(f->wq[0], &D, &C), -EOPNOTSUPP);
	assert_memory_equal(&D, &before, sizeof(D));
}

/* DSA_COMP_PAGE_FAULT_IR (the page request was refused) is a fault too. */
static void test_continue_ir(void **state)
{
	struct wqt_fx *f = *state;
	struct dsa_hw_desc before;

	memset(f->b, 0, LEN);
	wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
	D.src_addr = (uintptr_t)f->a;
	D.dst_addr = (uintptr_t)f->b;
	D.xfer_size = 3 * PG;
	memset(&C, 0, sizeof(C));
	/* the page was bad when the device asked; mapped now */
	C.status = DSA_COMP_PAGE_FAULT_IR | DSA_COMP_STATUS_WRITE;
	C.bytes_completed = PG;
	C.fault_addr = (uintptr_t)(f->b + PG);
	memcpy(f->b, f->a, PG);
	assert_int_equal(pasid_wq_fault_continue(f->wq[0], &D, &C), 1);
	assert_int_equal(pasid_wq_wait(f->wq[0], &C, 2 * SEC), 0);
	assert_int_equal(C.status, DSA_COMP_SUCCESS);
	assert_memory_equal(f->b, f->a, 3 * PG);
	/* still bad: an error, nothing changed */
	wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
	D.src_addr = 0x2000;
	D.dst_addr = (uintptr_t)f->b;
	D.xfer_size = 64;
	memset(&C, 0, sizeof(C));
	C.status = DSA_COMP_PAGE_FAULT_IR;
	C.fault_addr = 0x2000;
	before = D;
	assert_int_equal(pasid_wq_fault_continue(f->wq[0], &D, &C), -EFAULT);
	assert_memory_equal(&D, &before, sizeof(D));
}

/*
 * Without MADV_POPULATE_WRITE (before Linux 5.14) a write fault on a
 * read-only page is refused, not resolved by writing to the page (which
 * would kill the process with SIGSEGV).
 */
static void test_continue_readonly_old_kernel(void **state)
{
	struct wqt_fx *f = *state;
	uint8_t *ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct dsa_hw_desc before;

	assert_true(ro != MAP_FAILED);
	wqt_desc(&D, DSA_OPCODE_MEMMOVE, &C);
	D.src_addr = (uintptr_t)f->a;
	D.dst_addr = (uintptr_t)ro;
	D.xfer_size = 100;
	memset(&C, 0, sizeof(C));
	C.status = DSA_COMP_PAGE_FAULT_NOBOF | DSA_COMP_STATUS_WRITE;
	C.fault_addr = (uintptr_t)ro;
	before = D;
	wq_populate_force_unsupported(true);
	assert_int_equal(pasid_wq_fault_continue(f->wq[0], &D, &C), -EFAULT);
	assert_memory_equal(&D, &before, sizeof(D));
	/* a writable page is still resolved by the fallback */
	D.dst_addr = (uintptr_t)f->b;
	C.fault_addr = (uintptr_t)f->b;
	assert_int_equal(pasid_wq_fault_continue(f->wq[0], &D, &C), 1);
	wq_populate_force_unsupported(false);
	assert_int_equal(pasid_wq_wait(f->wq[0], &C, 2 * SEC), 0);
	assert_int_equal(C.status, DSA_COMP_SUCCESS);
	munmap(ro, PG);
}

static void test_not_a_fault(void **state)
{
	struct wqt_fx *f = *state;

	wqt_desc(&D, DSA_OPCODE_NOOP, &C);
	assert_int_equal(wqt_run(f->wq[0], &D, &C), DSA_COMP_SUCCESS);
	assert_int_equal(pasid_wq_fault_continue(f->wq[0], &D, &C), 0);
	assert_int_equal(pasid_wq_fault_continue(NULL, &D, &C), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memmove_forward),
		cmocka_unit_test(test_write_fault_bit),
		cmocka_unit_test(test_memmove_backward),
		cmocka_unit_test(test_fill_rotation),
		cmocka_unit_test(test_compare_compval),
		cmocka_unit_test(test_crc_continuation),
		cmocka_unit_test(test_dualcast),
		cmocka_unit_test(test_batch_list_fault),
		cmocka_unit_test(test_not_resident),
		cmocka_unit_test(test_dropped_after_use),
		cmocka_unit_test(test_continue_validates),
		cmocka_unit_test(test_continue_ir),
		cmocka_unit_test(test_continue_readonly_old_kernel),
		cmocka_unit_test(test_not_a_fault),
	};

	return cmocka_run_group_tests(tests, setup, wqt_fx_teardown);
}
