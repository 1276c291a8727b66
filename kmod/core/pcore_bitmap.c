// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * pcore_bitmap.c - lowest-free value source over a summarised bitmap.
 */
#include "pcore_bitmap.h"

#define FLAT_BYTES (PCORE_BM_WORDS * sizeof(pcore_u64))

void pcore_bitmap_init_paged(struct pcore_bitmap *bm)
{
	/* Value 0 (the RID's own DMA PASID) is never leased: lease clamps min to 1. */
	memset(bm, 0, sizeof(*bm));
}

void pcore_bitmap_init(struct pcore_bitmap *bm)
{
	unsigned int i;

	pcore_bitmap_init_paged(bm);
	/* without the table (the kernel, or no address space) pages come one by one */
	bm->flat = pcore_env_table_alloc(FLAT_BYTES);
	for (i = 0; bm->flat && i < PCORE_BM_PAGES; i++)
		bm->page[i] = bm->flat + i * PCORE_BM_PAGE_WORDS;
}

void pcore_bitmap_destroy(struct pcore_bitmap *bm)
{
	unsigned int i;

	if (bm->flat)
		pcore_env_table_free(bm->flat, FLAT_BYTES);
	for (i = 0; !bm->flat && i < PCORE_BM_PAGES; i++)
		pcore_env_free(bm->page[i]);
	memset(bm, 0, sizeof(*bm));
}

bool pcore_bitmap_test(const struct pcore_bitmap *bm, pcore_u32 value)
{
	if (value == 0)
		return true;
	return (pcore_bm_l0(bm, value / 64) >> (value % 64)) & 1;
}

int pcore_bitmap_lease(struct pcore_bitmap *bm, pcore_u32 min, pcore_u32 max, pcore_u32 *ret)
{
	int err = pcore_bitmap_lease_present(bm, min, max, ret);
	pcore_u32 pg;

	if (err != 1)
		return err;
	/* the lowest free value lies in a page not there yet: add it, then take it */
	pg = pcore_bm_find_free(bm, min ? min : 1) / 64 / PCORE_BM_PAGE_WORDS;
	bm->page[pg] = pcore_env_alloc(PCORE_BM_PAGE_WORDS * sizeof(pcore_u64));
	if (!bm->page[pg])
		return -ENOMEM;
	bm->nr_pages++;
	return pcore_bitmap_lease_present(bm, min, max, ret);
}

pcore_u32 pcore_bm_next_word_slow(const struct pcore_bitmap *bm, pcore_u32 i)
{
	pcore_u32 j, k, j2;
	pcore_u64 w;

	for (;;) {
		if (i >= PCORE_BM_WORDS)
			return PCORE_BM_WORDS;
		j = i / 64;
		k = j / 64;
		w = bm->l2[k] | pcore_bm_low_mask(j % 64);
		while (!~w) {
			if (++k >= PCORE_BM_L2_WORDS)
				return PCORE_BM_WORDS;
			w = bm->l2[k];
		}
		j2 = k * 64 + pcore_ctz64(~w);
		w = bm->l1[j2] | (j2 == j ? pcore_bm_low_mask(i % 64) : 0);
		if (~w)
			return j2 * 64 + pcore_ctz64(~w);
		i = (j + 1) * 64;	/* the rest of the start's level-1 word is full */
	}
}

/* With the flat table: all of it, though the system backs only the pages touched. */
size_t pcore_bitmap_bytes(const struct pcore_bitmap *bm)
{
	if (bm->flat)
		return sizeof(*bm) + FLAT_BYTES;
	return sizeof(*bm) + (size_t)bm->nr_pages * PCORE_BM_PAGE_WORDS * sizeof(pcore_u64);
}

int pcore_bitmap_lease_op(void *priv, pcore_u32 min, pcore_u32 max, pcore_u32 *ret)
{
	return pcore_bitmap_lease(priv, min, max, ret);
}

void pcore_bitmap_release_op(void *priv, pcore_u32 value)
{
	pcore_bitmap_release(priv, value);
}
