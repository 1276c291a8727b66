/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* crc32c.h - CRC32C as DSA computes it (docs/dsa-facts.md, 'CRC32C'). */
#ifndef LIBPASID_WQ_CRC32C_H
#define LIBPASID_WQ_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* Operation-specific descriptor flags of the CRC operations (bits 16-18). */
#define WQ_CRC_FLAG_SEED_ADDR	(1u << 16)	/* read the seed at seed_addr */
#define WQ_CRC_FLAG_BYPASS_INV	(1u << 17)	/* seed/result not inverted nor reflected */
#define WQ_CRC_FLAG_BYPASS_DATA	(1u << 18)	/* data bytes enter MSB-first */

/*
 * Raw register updates (no pre/post processing), for continuing a CRC over
 * several pieces. Reflected: poly 0x82F63B78, LSB-first. Normal: poly
 * 0x1EDC6F41, MSB-first. @rev_data bit-reverses every data byte first.
 */
uint32_t wq_crc32c_reflected(uint32_t reg, const void *data, size_t len, int rev_data);
uint32_t wq_crc32c_msb(uint32_t reg, const void *data, size_t len, int rev_data);

/* What DSA writes to crc_val for @seed, @data and the op flags (bits 17, 18). */
uint32_t wq_crc32c_dsa(uint32_t seed, const void *data, size_t len, uint32_t flags);

/* A plain bit-at-a-time model of the same (DML's), for tests. */
uint32_t wq_crc32c_dsa_ref(uint32_t seed, const void *data, size_t len, uint32_t flags);

#endif
