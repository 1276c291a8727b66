// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-random.c - 10,000 random descriptors (every data operation, small
 * batches, no-ops and drains) through a SIMULATED shared and a SIMULATED
 * dedicated WQ, 8 in flight on each, every completion record and every
 * byte of output checked against plain C references.
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

#include <cmocka.h>

#include "../../lib/wq/crc32c.h"
#include "wq-test.h"

#define TOTAL	10000
#define SLOTS	8
#define MAXLEN	6000
#define AREA	16384

struct slot {
	_Alignas(64) struct dsa_hw_desc d;
	_Alignas(64) struct dsa_hw_desc list[4];
	_Alignas(32) struct dsa_completion_record c;
	_Alignas(32) struct dsa_completion_record mc[4];
	bool busy;
	/* expectations */
	uint8_t op;
	uint8_t want_result;
	uint32_t want_bytes;
	uint32_t want_crc;
	size_t out_len;
	uint8_t *src, *dst, *dst2, *ref, *ref2;
};

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint8_t pat_byte(uint64_t p, uint64_t i)
{
	return (uint8_t)(p >> (8 * (i % 8)));
}

static void prep(struct slot *s)
{
	uint32_t len = 1 + (uint32_t)(rnd() % MAXLEN), so = (uint32_t)(rnd() % 64);
	static const uint8_t ops[] = {
		DSA_OPCODE_NOOP, DSA_OPCODE_MEMMOVE, DSA_OPCODE_MEMFILL, DSA_OPCODE_COMPARE,
		DSA_OPCODE_COMPVAL, DSA_OPCODE_DUALCAST, DSA_OPCODE_CRCGEN, DSA_OPCODE_COPY_CRC,
		DSA_OPCODE_BATCH, DSA_OPCODE_DRAIN, DSA_OPCODE_MEMMOVE, DSA_OPCODE_COMPARE,
	};
	struct dsa_hw_desc *d = &s->d;
	uint64_t pat = rnd();

	for (int i = 0; i < AREA; i += 8) {
		uint64_t v = rnd();

		memcpy(s->src + i, &v, 8);
	}
	memset(s->dst, 0x11, AREA);
	memset(s->dst2, 0x22, AREA);
	memcpy(s->ref, s->dst, AREA);
	memcpy(s->ref2, s->dst2, AREA);
	s->op = ops[rnd() % sizeof(ops)];
	s->want_result = 0;
	s->want_bytes = 0;
	s->out_len = 0;
	wqt_desc(d, s->op, &s->c);
	memset(&s->c, 0, sizeof(s->c));
	switch (s->op) {
	case DSA_OPCODE_MEMMOVE:
		d->src_addr = (uintptr_t)(s->src + so);
		d->dst_addr = (uintptr_t)(s->dst + 1);
		d->xfer_size = len;
		memcpy(s->ref + 1, s->src + so, len);
		break;
	case DSA_OPCODE_MEMFILL:
		d->pattern = pat;
		d->dst_addr = (uintptr_t)(s->dst + so);
		d->xfer_size = len;
		for (uint32_t i = 0; i < len; i++)
			s->ref[so + i] = pat_byte(pat, i);
		break;
	case DSA_OPCODE_COMPARE:
		memcpy(s->dst, s->src, len);
		memcpy(s->ref, s->dst, AREA);
		if (rnd() & 1) {
			uint32_t at = (uint32_t)(rnd() % len);

			s->dst[at] ^= 4;
			s->ref[at] ^= 4;
			s->want_result = 1;
			s->want_bytes = at;
		}
		d->src_addr = (uintptr_t)s->src;
		d->src2_addr = (uintptr_t)s->dst;
		d->xfer_size = len;
		break;
	case DSA_OPCODE_COMPVAL:
		for (uint32_t i = 0; i < len; i++)
			s->src[i] = pat_byte(pat, i);
		if (rnd() & 1) {
			uint32_t at = (uint32_t)(rnd() % len);

			s->src[at] ^= 4;
			s->want_result = 1;
			s->want_bytes = (at & ~7u) + 8 <= len ? at & ~7u : at;
		}
		d->src_addr = (uintptr_t)s->src;
		d->comp_pattern = pat;
		d->xfer_size = len;
		break;
	case DSA_OPCODE_DUALCAST:
		d->src_addr = (uintptr_t)(s->src + so);
		d->dst_addr = (uintptr_t)(s->dst + 64);
		d->dest2 = (uintptr_t)(s->dst2 + 64);
		d->xfer_size = len;
		memcpy(s->ref + 64, s->src + so, len);
		memcpy(s->ref2 + 64, s->src + so, len);
		break;
	case DSA_OPCODE_COPY_CRC:
		d->dst_addr = (uintptr_t)s->dst;
		memcpy(s->ref, s->src + so, len);
		/* fallthrough */
	case DSA_OPCODE_CRCGEN:
		d->flags |= (uint32_t)(rnd() % 4) << 17;
		d->src_addr = (uintptr_t)(s->src + so);
		d->xfer_size = len;
		d->crc_seed = (uint32_t)rnd();
		s->want_crc = wq_crc32c_dsa_ref(d->crc_seed, s->src + so, len, d->flags);
		break;
	case DSA_OPCODE_BATCH: {
		uint32_t n = 2 + (uint32_t)(rnd() % 3);

		memset(s->mc, 0, sizeof(s->mc));
		for (uint32_t i = 0; i < n; i++) {
			uint32_t l = 1 + (uint32_t)(rnd() % 1000);

			wqt_desc(&s->list[i], i % 2 ? DSA_OPCODE_MEMFILL : DSA_OPCODE_MEMMOVE,
				 &s->mc[i]);
			s->list[i].dst_addr = (uintptr_t)(s->dst + 1024 * i);
			s->list[i].xfer_size = l;
			if (i % 2) {
				s->list[i].pattern = pat;
				for (uint32_t k = 0; k < l; k++)
					s->ref[1024 * i + k] = pat_byte(pat, k);
			} else {
				s->list[i].src_addr = (uintptr_t)(s->src + 1024 * i);
				memcpy(s->ref + 1024 * i, s->src + 1024 * i, l);
			}
		}
		d->desc_list_addr = (uintptr_t)s->list;
		d->desc_count = n;
		s->want_bytes = n;
		break;
	}
	default:
		break;
	}
}

static void check(struct slot *s)
{
	const struct dsa_completion_record *c = &s->c;

	if (c->status != DSA_COMP_SUCCESS)
		fail_msg("op %#x: status %#x", s->op, c->status);
	assert_int_equal(c->result, s->want_result);
	if (s->op == DSA_OPCODE_COMPARE || s->op == DSA_OPCODE_COMPVAL ||
	    s->op == DSA_OPCODE_BATCH)
		assert_int_equal(c->bytes_completed, s->want_bytes);
	if (s->op == DSA_OPCODE_CRCGEN || s->op == DSA_OPCODE_COPY_CRC)
		assert_int_equal((uint32_t)c->crc_val, s->want_crc);
	if (s->op == DSA_OPCODE_BATCH)
		for (uint32_t i = 0; i < s->d.desc_count; i++)
			assert_int_equal(s->mc[i].status, DSA_COMP_SUCCESS);
	assert_memory_equal(s->dst, s->ref, AREA);
	assert_memory_equal(s->dst2, s->ref2, AREA);
}

static void run(struct pasid_wq *wq, int total)
{
	struct slot *slots = aligned_alloc(64, SLOTS * sizeof(*slots));
	int submitted = 0;

	memset(slots, 0, SLOTS * sizeof(*slots));
	for (int i = 0; i < SLOTS; i++) {
		slots[i].src = aligned_alloc(4096, AREA);
		slots[i].dst = aligned_alloc(4096, AREA);
		slots[i].dst2 = aligned_alloc(4096, AREA);
		slots[i].ref = aligned_alloc(4096, AREA);
		slots[i].ref2 = aligned_alloc(4096, AREA);
	}
	for (int n = 0; n < total + SLOTS; n++) {
		struct slot *s = &slots[n % SLOTS];

		if (s->busy) {
			assert_int_equal(pasid_wq_wait(wq, &s->c, 5 * SEC), 0);
			check(s);
			s->busy = false;
		}
		if (submitted == total)
			continue;
		prep(s);
		assert_int_equal(pasid_wq_submit(wq, &s->d), 0);
		s->busy = true;
		submitted++;
	}
	for (int i = 0; i < SLOTS; i++) {
		free(slots[i].src);
		free(slots[i].dst);
		free(slots[i].dst2);
		free(slots[i].ref);
		free(slots[i].ref2);
	}
	free(slots);
}

static void test_random(void **state)
{
	struct pasid_ctx *ctx = wqt_sim_ctx();
	const char *names[2] = { "dsa0/wq0.0", "dsa0/wq0.1" };

	(void)state;
	for (int w = 0; w < 2; w++) {
		struct pasid_wq *wq = wqt_open(ctx, names[w]);
		struct pasid_wq_info in = { .size = sizeof(in) };

		run(wq, TOTAL);
		assert_int_equal(pasid_wq_get_info(wq, &in), 0);
		assert_int_equal(in.dropped, 0);
		assert_int_equal(in.errors, 0);
		print_message("%s (%s): %d random descriptors verified\n", in.name,
			      in.method_name, TOTAL);
		pasid_wq_close(wq);
	}
	pasid_ctx_unref(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
