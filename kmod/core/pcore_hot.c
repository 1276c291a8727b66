// SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later
/*
 * pcore_hot.c - where the hot words live: one lazily backed table (and the
 * leaves' compact words beside it) where the environment has one, else
 * leaves allocated one by one; the second words' leaves; a compact value
 * becoming its own word.
 */
#include "pcore_internal.h"
#include "pcore_plain.h"

#define HOT_LEAF_BYTES	(PCORE_IDX_LEAF * sizeof(pcore_u32))
#define HOT_TABLE_BYTES	(PCORE_PASID_LIMIT * sizeof(pcore_u32))

/* Is there one table for the hot words (asked for once)? */
bool pcore_hot_table_ready(struct pcore *c)
{
	if (!c->hot_table_tried) {
		c->hot_table_tried = true;
		c->hot_table = pcore_env_table_alloc(HOT_TABLE_BYTES);
		if (c->hot_table)
			c->compact = pcore_env_table_alloc(sizeof(*c->compact));
		if (c->compact)
			c->st.bytes += sizeof(*c->compact);
	}
	return c->hot_table != NULL;
}

/*
 * The hot words live in one table the environment backs lazily (on huge
 * pages where it can) or, failing that, in leaves allocated one by one.
 * A leaf in use counts its 4 KiB in the core's bytes either way.
 */
int pcore_hot_prepare(struct pcore *c, pcore_u32 v)
{
	pcore_u32 **leaf = &c->hot[v >> PCORE_IDX_SHIFT];

	if (pcore_likely(*leaf != NULL))
		return 0;
	if (pcore_hot_table_ready(c)) {
		*leaf = c->hot_table + (v >> PCORE_IDX_SHIFT) * PCORE_IDX_LEAF;
		c->st.bytes += HOT_LEAF_BYTES;
		return 0;
	}
	*leaf = pcore_mem_alloc(c, HOT_LEAF_BYTES);
	return *leaf ? 0 : -ENOMEM;
}

/* The second words' leaves: allocated when a value is first reused. */
int pcore_hot2_prepare(struct pcore *c, pcore_u32 v)
{
	pcore_u32 **leaf = &c->hot2[v >> PCORE_IDX_SHIFT];

	if (pcore_likely(*leaf != NULL))
		return 0;
	*leaf = pcore_mem_alloc(c, HOT_LEAF_BYTES);
	return *leaf ? 0 : -ENOMEM;
}

/*
 * A value of leaf @top went back to the source and its bitmap word is
 * empty: with no value of the leaf leased, the compact word goes (another
 * owner's allocations may have it), and so does MIXED where no own word is
 * left (an external global's is not leased). Rare: a leaf empties.
 */
void pcore_compact_lost(struct pcore *c, pcore_u32 top)
{
	pcore_u32 *cw = &c->compact->word[top], i;

	for (i = 0; i < PCORE_IDX_LEAF / 64; i++)
		if (pcore_bm_l0(c->src_bitmap, top * (PCORE_IDX_LEAF / 64) + i))
			return;
	/* without the mark no own word was written: nothing to look for */
	if (!(*cw & PCORE_LEAF_MIXED) || !c->hot[top]) {
		*cw = 0;
		return;
	}
	for (i = 0; i < PCORE_IDX_LEAF; i++)
		if (c->hot[top][i])
			break;
	*cw = i < PCORE_IDX_LEAF ? PCORE_LEAF_MIXED : 0;
}

/* Before an own word of @v is written: @v's compact word becomes its own. */
void pcore_hot_unpack(struct pcore *c, pcore_u32 v)
{
	pcore_u32 *cw = &c->compact->word[v >> PCORE_IDX_SHIFT];

	if (hot_packed_in(c, v, *cw))
		c->hot[v >> PCORE_IDX_SHIFT][v & (PCORE_IDX_LEAF - 1)] = *cw & ~PCORE_LEAF_MIXED;
	*cw |= PCORE_LEAF_MIXED;
}

void pcore_hot_destroy(struct pcore *c)
{
	pcore_u32 i;

	for (i = 0; i < PCORE_IDX_TOP; i++) {
		pcore_mem_free(c, c->hot2[i], HOT_LEAF_BYTES);
		c->hot2[i] = NULL;
		if (c->hot[i] && c->hot_table)
			c->st.bytes -= HOT_LEAF_BYTES;
		else
			pcore_mem_free(c, c->hot[i], HOT_LEAF_BYTES);
		c->hot[i] = NULL;
	}
	if (c->hot_table)
		pcore_env_table_free(c->hot_table, HOT_TABLE_BYTES);
	if (c->compact) {
		pcore_env_table_free(c->compact, sizeof(*c->compact));
		c->st.bytes -= sizeof(*c->compact);
	}
	c->hot_table = NULL;
	c->compact = NULL;
	c->hot_table_tried = false;
}
