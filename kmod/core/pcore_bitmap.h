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
	/*
	 * Level 0 in one lazily backed table where the environment has them
	 * (userspace), so that a search is three dependent loads as in a flat
	 * bitmap; else NULL. Either way page[] points into level 0.
	 */
	pcore_u64 *flat;
	pcore_u64 *page[PCORE_BM_PAGES];	/* level 0, NULL = all free */
	pcore_u64 l1[PCORE_BM_L1_WORDS];	/* bit set: level-0 word full */
	pcore_u64 l2[PCORE_BM_L2_WORDS];	/* bit set: level-1 word full */
	pcore_u32 nr_used;
	pcore_u32 nr_pages;
};

void pcore_bitmap_init(struct pcore_bitmap *bm);
/* Pages allocated one by one, whatever the environment (as in the kernel). */
void pcore_bitmap_init_paged(struct pcore_bitmap *bm);
void pcore_bitmap_destroy(struct pcore_bitmap *bm);

/* Lowest free value in [min, max] (max < 2^20): 0, -ENOSPC or -ENOMEM. */
int pcore_bitmap_lease(struct pcore_bitmap *bm, pcore_u32 min, pcore_u32 max, pcore_u32 *ret);

/*
 * The hot parts are inline: the allocator core leases and releases on an
 * in-process bitmap without a call (and without linking this file).
 */
#define PCORE_BM_FULL	(~(pcore_u64)0)

/* The @bits (0..63) low bits: below a position within a word. */
static pcore_always_inline pcore_u64 pcore_bm_low_mask(unsigned int bits)
{
	return ((pcore_u64)1 << bits) - 1;
}

/* Level-0 word @i, or NULL where its page is not there (then it is 0). */
static inline pcore_u64 *pcore_bm_word(const struct pcore_bitmap *bm, pcore_u32 i)
{
	pcore_u64 *page;

	if (pcore_likely(bm->flat))
		return &bm->flat[i];
	page = bm->page[i / PCORE_BM_PAGE_WORDS];
	return page ? &page[i % PCORE_BM_PAGE_WORDS] : NULL;
}

static inline pcore_u64 pcore_bm_l0(const struct pcore_bitmap *bm, pcore_u32 i)
{
	const pcore_u64 *word = pcore_bm_word(bm, i);

	return word ? *word : 0;
}

/*
 * The first level-0 word at or after @i that is not full, or
 * PCORE_BM_WORDS if none: top down, each summary word masked below the
 * start only where it is the start's own. A word a summary bit calls not
 * full has a free bit, so this is three dependent loads (four where the
 * rest of the start's level-1 word is full) unless what is left of the
 * start's level-2 word is full or @i is past the end: those go to
 * pcore_bm_next_word_slow(), out of line (a loop here costs the common
 * case a third of its time, measured at 100K live values). The core starts
 * above the narrow RIDs' values, which keep the first level-1 word from
 * ever being full: with more than 4096 values live, nearly every search
 * takes the four-load case (inline, it cut the core's 100K-live churn from
 * 12.5-13.2 to 10.7-11.9 ns here).
 */
pcore_u32 pcore_bm_next_word_slow(const struct pcore_bitmap *bm, pcore_u32 i);

static pcore_always_inline pcore_u32 pcore_bm_next_word(const struct pcore_bitmap *bm,
							 pcore_u32 i)
{
	pcore_u32 j = i / 64, k = j / 64, j2;
	pcore_u64 top, w;

	if (pcore_unlikely(i >= PCORE_BM_WORDS))
		return PCORE_BM_WORDS;
	top = bm->l2[k];
	w = top | pcore_bm_low_mask(j % 64);
	if (pcore_unlikely(!~w))
		return pcore_bm_next_word_slow(bm, i);
	j2 = k * 64 + pcore_ctz64(~w);
	w = bm->l1[j2];
	if (j2 == j) {
		w |= pcore_bm_low_mask(i % 64);
		if (!~w) {
			/* the next level-1 word of the same level-2 word */
			w = top | (((pcore_u64)2 << (j % 64)) - 1);
			if (pcore_unlikely(!~w))
				return pcore_bm_next_word_slow(bm, (j + 1) * 64);
			j2 = k * 64 + pcore_ctz64(~w);
			w = bm->l1[j2];
		}
	}
	return j2 * 64 + pcore_ctz64(~w);
}

/* First free bit at or after @p, or PCORE_BM_WORDS * 64 if none. */
static inline pcore_u32 pcore_bm_find_free(const struct pcore_bitmap *bm, pcore_u32 p)
{
	pcore_u32 i = p / 64;
	pcore_u64 w = pcore_bm_l0(bm, i) | pcore_bm_low_mask(p % 64);

	if (~w)
		return i * 64 + pcore_ctz64(~w);
	i = pcore_bm_next_word(bm, i + 1);
	if (i >= PCORE_BM_WORDS)
		return PCORE_BM_WORDS * 64;
	return i * 64 + pcore_ctz64(~pcore_bm_l0(bm, i));
}

/*
 * pcore_bitmap_lease_present() for a caller that passes 1 <= @min <= @max < 2^20.
 * The word found is the word written: loaded once.
 */
static pcore_always_inline int pcore_bitmap_lease_in(struct pcore_bitmap *bm, pcore_u32 min,
						      pcore_u32 max, pcore_u32 *ret)
{
	pcore_u32 i = min / 64, v;
	pcore_u64 *word, raw, w;

	/*
	 * A start on a word boundary (the core's usual 2^width) needs no look
	 * at its own word first: the summaries say exactly where to go.
	 */
	if (min % 64) {
		word = pcore_bm_word(bm, i);
		raw = word ? *word : 0;
		w = raw | pcore_bm_low_mask(min % 64);
		if (~w)
			goto found;
		i++;
	}
	i = pcore_bm_next_word(bm, i);
	if (i >= PCORE_BM_WORDS)
		return -ENOSPC;
	word = pcore_bm_word(bm, i);
	raw = w = word ? *word : 0;
found:
	v = i * 64 + pcore_ctz64(~w);
	if (v > max)
		return -ENOSPC;
	if (pcore_unlikely(!word))
		return 1;
	raw |= (pcore_u64)1 << (v % 64);
	*word = raw;
	if (raw == PCORE_BM_FULL) {
		bm->l1[i / 64] |= (pcore_u64)1 << (i % 64);
		if (bm->l1[i / 64] == PCORE_BM_FULL)
			bm->l2[i / 4096] |= (pcore_u64)1 << ((i / 64) % 64);
	}
	bm->nr_used++;
	*ret = v;
	return 0;
}

/*
 * pcore_bitmap_lease() where the value's page is already there: 0, -ENOSPC,
 * or 1 (nothing taken: the page is missing, call pcore_bitmap_lease()).
 */
static inline int pcore_bitmap_lease_present(struct pcore_bitmap *bm, pcore_u32 min,
					     pcore_u32 max, pcore_u32 *ret)
{
	if (min == 0)
		min = 1;
	if (max >= (1u << PCORE_BM_BITS))
		max = (1u << PCORE_BM_BITS) - 1;
	if (min > max)
		return -ENOSPC;
	return pcore_bitmap_lease_in(bm, min, max, ret);
}

/* Give back @v, which is leased (the caller knows: no checks). */
static pcore_always_inline void pcore_bitmap_release_leased(struct pcore_bitmap *bm, pcore_u32 v)
{
	pcore_u32 i = v / 64;

	*pcore_bm_word(bm, i) &= ~((pcore_u64)1 << (v % 64));
	/* the word is no longer full, so neither are its summaries */
	bm->l1[i / 64] &= ~((pcore_u64)1 << (i % 64));
	bm->l2[i / 4096] &= ~((pcore_u64)1 << ((i / 64) % 64));
	bm->nr_used--;
}

/* Give @value back; a value not leased (or out of range) is ignored. */
static inline void pcore_bitmap_release(struct pcore_bitmap *bm, pcore_u32 v)
{
	if (v == 0 || v >= (1u << PCORE_BM_BITS) || !((pcore_bm_l0(bm, v / 64) >> (v % 64)) & 1))
		return;
	pcore_bitmap_release_leased(bm, v);
}
bool pcore_bitmap_test(const struct pcore_bitmap *bm, pcore_u32 value);
size_t pcore_bitmap_bytes(const struct pcore_bitmap *bm);

/* Adapters with the signatures of struct pcore_ops; priv is the bitmap. */
int pcore_bitmap_lease_op(void *priv, pcore_u32 min, pcore_u32 max, pcore_u32 *ret);
void pcore_bitmap_release_op(void *priv, pcore_u32 value);

#endif /* PCORE_BITMAP_H */
