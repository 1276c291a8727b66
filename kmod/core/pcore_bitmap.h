/* SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later */
/*
 * pcore_bitmap.h - an in-process value source: a 2^20-bit bitmap with a
 * two-level "word is full" summary, like the kernel's IDA.
 *
 * Finding the lowest free value is three word scans (64-ary tree), so it
 * stays ~constant from 1 to 2^20 live values. Leaf pages of the bitmap are
 * allocated when first used: an idle source costs ~2 KiB, a full one 130 KiB.
 * The library uses it as its source; the kernel shim uses it for the mock
 * namespace.
 */
#ifndef PCORE_BITMAP_H
#define PCORE_BITMAP_H

#include "pcore_env.h"

#define PCORE_BM_BITS		20
#define PCORE_BM_WORDS		((1u << PCORE_BM_BITS) / 64)	/* level 0: 16384 words */
#define PCORE_BM_PAGE_WORDS	512				/* 4 KiB pages */
#define PCORE_BM_PAGES		(PCORE_BM_WORDS / PCORE_BM_PAGE_WORDS)
#define PCORE_BM_L1_WORDS	(PCORE_BM_WORDS / 64)		/* 256 */
#define PCORE_BM_L2_WORDS	(PCORE_BM_L1_WORDS / 64)	/* 4 */

struct pcore_bitmap {
	pcore_u64 *page[PCORE_BM_PAGES];	/* level 0, NULL = all free */
	pcore_u64 l1[PCORE_BM_L1_WORDS];	/* bit set: level-0 word full */
	pcore_u64 l2[PCORE_BM_L2_WORDS];	/* bit set: level-1 word full */
	pcore_u32 nr_used;
	pcore_u32 nr_pages;
};

void pcore_bitmap_init(struct pcore_bitmap *bm);
void pcore_bitmap_destroy(struct pcore_bitmap *bm);

/* Lowest free value in [min, max] (max < 2^20): 0, -ENOSPC or -ENOMEM. */
int pcore_bitmap_lease(struct pcore_bitmap *bm, pcore_u32 min, pcore_u32 max, pcore_u32 *ret);
void pcore_bitmap_release(struct pcore_bitmap *bm, pcore_u32 value);
bool pcore_bitmap_test(const struct pcore_bitmap *bm, pcore_u32 value);
size_t pcore_bitmap_bytes(const struct pcore_bitmap *bm);

/* Adapters with the signatures of struct pcore_ops; priv is the bitmap. */
int pcore_bitmap_lease_op(void *priv, pcore_u32 min, pcore_u32 max, pcore_u32 *ret);
void pcore_bitmap_release_op(void *priv, pcore_u32 value);

#endif /* PCORE_BITMAP_H */
