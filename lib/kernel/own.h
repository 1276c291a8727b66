/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * own.h - what one kernel-backend context allocated, so that its listings
 * can tell "mine" apart: the kernel only says "held by this process".
 */
#ifndef LIBPASID_KERNEL_OWN_H
#define LIBPASID_KERNEL_OWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel.h"

/* A group allocation this context made: its value and every RID it named. */
struct kown {
	uint32_t value;
	uint32_t nr, cap;
	uint32_t *rids;		/* sorted */
};

/* The context's groups, sorted by value. */
struct kown_set {
	struct kown *v;
	size_t nr, cap;
};

/*
 * Before asking the kernel: room for one more group and its sorted RIDs in
 * *@ret, so that remembering a success cannot fail. kown_commit() puts it in
 * the set once the kernel gave @value; kown_discard() drops it otherwise.
 */
int kown_prepare(struct kown_set *s, const uint32_t *rids, uint32_t nr, struct kown *ret);
void kown_commit(struct kown_set *s, struct kown *o, uint32_t value);
void kown_discard(struct kown *o);

struct kown *kown_find(const struct kown_set *s, uint32_t v);
/* Room for one more RID in @o (before EXTEND), then the RID itself (after). */
int kown_reserve_rid(struct kown *o);
void kown_insert_rid(struct kown *o, uint32_t rid);
void kown_remove(struct kown_set *s, uint32_t v);
void kown_clear(struct kown_set *s);

/* Is dumped allocation @a this context's? @global: the global it holds, 0 if none. */
bool kown_is_mine(const struct kown_set *s, uint32_t global, const struct kernel_alloc_list *l,
		  const struct kernel_alloc *a);
/* A listing showed our group @a: forget the RIDs it lost to unplugs since. */
void kown_refresh(struct kown_set *s, const struct kernel_alloc_list *l,
		  const struct kernel_alloc *a);

/* The first of @rids (any order) that is in the sorted @set, or NULL. */
const uint32_t *kown_first_in(const uint32_t *rids, uint32_t nr, const uint32_t *set,
			      uint32_t nset);

#endif /* LIBPASID_KERNEL_OWN_H */
