/* SPDX-License-Identifier: GPL-2.0-only OR LGPL-2.1-or-later */
/*
 * pcore_env.h - the only door from the allocator core to its environment.
 *
 * The core (pcore*.c) is compiled twice: into pasid.ko and into libpasid. It
 * includes nothing but this header, which maps a handful of primitives onto
 * the kernel or onto libc. Memory allocation goes through pcore_env_alloc()
 * so both builds can inject failures (fail-nth) into every allocation.
 */
#ifndef PCORE_ENV_H
#define PCORE_ENV_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/stddef.h>

typedef u8 pcore_u8;
typedef u16 pcore_u16;
typedef u32 pcore_u32;
typedef u64 pcore_u64;
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t pcore_u8;
typedef uint16_t pcore_u16;
typedef uint32_t pcore_u32;
typedef uint64_t pcore_u64;
#endif

/*
 * Provided by the embedding (kmod/pasid_env.c or lib/core_env.c).
 * pcore_env_alloc() returns zeroed memory or NULL; it may fail on purpose
 * when a fail-nth countdown reaches zero.
 */
void *pcore_env_alloc(size_t size);
void pcore_env_free(void *ptr);
/*
 * A large zeroed table whose pages the system provides when first touched,
 * on huge pages where it can (the core's value-indexed hot words: a random
 * access then costs no TLB miss); NULL where the environment has none (the
 * kernel) or fails: the core then allocates the table leaf by leaf.
 */
void *pcore_env_table_alloc(size_t size);
void pcore_env_table_free(void *ptr, size_t size);

#define pcore_ctz64(x) ((unsigned int)__builtin_ctzll(x))
#define pcore_likely(x) __builtin_expect(!!(x), 1)
#define pcore_unlikely(x) __builtin_expect(!!(x), 0)
/* the allocation and free fast paths: inlined whatever the compiler weighs */
#ifdef __KERNEL__
#define pcore_noinline noinline
#define pcore_always_inline __always_inline
#else
#define pcore_noinline __attribute__((__noinline__))
#define pcore_always_inline inline __attribute__((__always_inline__))
#endif

#endif /* PCORE_ENV_H */
