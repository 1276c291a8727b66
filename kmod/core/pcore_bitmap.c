// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * pcore_bitmap.c - lowest-free value source over a summarised bitmap.
 */
#include "pcore_bitmap.h"

#define FULL	(~(pcore_u64)0)

static inline pcore_u64 low_mask(unsigned int bits)
{
	return bits ? (((pcore_u64)1 << bits) - 1) : 0;
}

static inline pcore_u64 l0_word(const struct pcore_bitmap *bm, pcore_u32 i)
{
	const pcore_u64 *page = bm->page[i / PCORE_BM_PAGE_WORDS];

	return page ? page[i % PCORE_BM_PAGE_WORDS] : 0;
}

void pcore_bitmap_init(struct pcore_bitmap *bm)
{
	/* Value 0 (the RID's own DMA PASID) is never leased: lease clamps min to 1. */
	memset(bm, 0, sizeof(*bm));
}

void pcore_bitmap_destroy(struct pcore_bitmap *bm)
{
	unsigned int i;

	for (i = 0; i < PCORE_BM_PAGES; i++)
		pcore_env_free(bm->page[i]);
	memset(bm, 0, sizeof(*bm));
}

/* First free bit at or after @p, or PCORE_BM_WORDS * 64 if none. */
static pcore_u32 find_free_from(const struct pcore_bitmap *bm, pcore_u32 p)
{
	pcore_u32 i = p / 64, j, k;
	pcore_u64 w;

	w = l0_word(bm, i) | low_mask(p % 64);
	if (~w)
		return i * 64 + pcore_ctz64(~w);

	/* the rest of this level-1 word's level-0 words */
	i++;
	if (i >= PCORE_BM_WORDS)
		return PCORE_BM_WORDS * 64;
	j = i / 64;
	w = bm->l1[j] | low_mask(i % 64);
	if (~w)
		goto found_l1;

	j++;
	if (j >= PCORE_BM_L1_WORDS)
		return PCORE_BM_WORDS * 64;
	k = j / 64;
	w = bm->l2[k] | low_mask(j % 64);
	while (!~w) {
		if (++k >= PCORE_BM_L2_WORDS)
			return PCORE_BM_WORDS * 64;
		w = bm->l2[k];
	}
	j = k * 64 + pcore_ctz64(~w);
	w = bm->l1[j];
found_l1:
	i = j * 64 + pcore_ctz64(~w);
	return i * 64 + pcore_ctz64(~l0_word(bm, i));
}

bool pcore_bitmap_test(const struct pcore_bitmap *bm, pcore_u32 value)
{
	if (value == 0)
		return true;
	return (l0_word(bm, value / 64) >> (value % 64)) & 1;
}

static int set_bit_used(struct pcore_bitmap *bm, pcore_u32 v)
{
	pcore_u32 i = v / 64, pg = i / PCORE_BM_PAGE_WORDS;
	pcore_u64 *word;

	if (!bm->page[pg]) {
		bm->page[pg] = pcore_env_alloc(PCORE_BM_PAGE_WORDS * sizeof(pcore_u64));
		if (!bm->page[pg])
			return -ENOMEM;
		bm->nr_pages++;
	}
	word = &bm->page[pg][i % PCORE_BM_PAGE_WORDS];
	*word |= (pcore_u64)1 << (v % 64);
	if (*word == FULL) {
		bm->l1[i / 64] |= (pcore_u64)1 << (i % 64);
		if (bm->l1[i / 64] == FULL)
			bm->l2[i / 4096] |= (pcore_u64)1 << ((i / 64) % 64);
	}
	bm->nr_used++;
	return 0;
}

int pcore_bitmap_lease(struct pcore_bitmap *bm, pcore_u32 min, pcore_u32 max, pcore_u32 *ret)
{
	pcore_u32 v;
	int err;

	if (min == 0)
		min = 1;
	if (max >= (1u << PCORE_BM_BITS))
		max = (1u << PCORE_BM_BITS) - 1;
	if (min > max)
		return -ENOSPC;
	v = find_free_from(bm, min);
	if (v > max)
		return -ENOSPC;
	err = set_bit_used(bm, v);
	if (err)
		return err;
	*ret = v;
	return 0;
}

void pcore_bitmap_release(struct pcore_bitmap *bm, pcore_u32 v)
{
	pcore_u32 i = v / 64;
	pcore_u64 *page = bm->page[i / PCORE_BM_PAGE_WORDS];

	if (v == 0 || v >= (1u << PCORE_BM_BITS) || !page)
		return;
	if (!((page[i % PCORE_BM_PAGE_WORDS] >> (v % 64)) & 1))
		return;
	page[i % PCORE_BM_PAGE_WORDS] &= ~((pcore_u64)1 << (v % 64));
	/* the word is no longer full, so neither are its summaries */
	bm->l1[i / 64] &= ~((pcore_u64)1 << (i % 64));
	bm->l2[i / 4096] &= ~((pcore_u64)1 << ((i / 64) % 64));
	bm->nr_used--;
}

size_t pcore_bitmap_bytes(const struct pcore_bitmap *bm)
{
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
