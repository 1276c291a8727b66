// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * crc32c.c - CRC32C as DSA computes it (docs/dsa-facts.md, 'CRC32C').
 *
 * Default: crc_val = ~U(~seed, data), U the reflected update (the x86 crc32
 * instruction). Bit 17 loads the seed as an MSB-first register and skips the
 * final inversion and reflection; bit 18 feeds data bytes MSB-first. Both
 * give a plain MSB-first CRC. Tables are built once; SSE4.2 is used for the
 * default form when the CPU has it.
 */
#include <pthread.h>
#include <stdbool.h>

#include "crc32c.h"

#define POLY_REFL	0x82F63B78u
#define POLY_MSB	0x1EDC6F41u

static uint32_t tab_refl[8][256];
static uint32_t tab_msb[256];
static bool have_sse42;
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

static uint8_t rev8(uint8_t b)
{
	b = (uint8_t)((b & 0xf0) >> 4 | (b & 0x0f) << 4);
	b = (uint8_t)((b & 0xcc) >> 2 | (b & 0x33) << 2);
	return (uint8_t)((b & 0xaa) >> 1 | (b & 0x55) << 1);
}

static uint32_t rev32(uint32_t v)
{
	return (uint32_t)rev8((uint8_t)v) << 24 | (uint32_t)rev8((uint8_t)(v >> 8)) << 16 |
	       (uint32_t)rev8((uint8_t)(v >> 16)) << 8 | rev8((uint8_t)(v >> 24));
}

static void tab_init(void)
{
	for (unsigned int i = 0; i < 256; i++) {
		uint32_t r = i, m = (uint32_t)i << 24;

		for (int k = 0; k < 8; k++) {
			r = (r & 1) ? (r >> 1) ^ POLY_REFL : r >> 1;
			m = (m & 0x80000000u) ? (m << 1) ^ POLY_MSB : m << 1;
		}
		tab_refl[0][i] = r;
		tab_msb[i] = m;
	}
	for (unsigned int i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			tab_refl[t][i] = (tab_refl[t - 1][i] >> 8) ^
					 tab_refl[0][tab_refl[t - 1][i] & 0xff];
#if defined(__x86_64__)
	__builtin_cpu_init();
	have_sse42 = __builtin_cpu_supports("sse4.2");
#endif
}

#if defined(__x86_64__)
__attribute__((target("sse4.2")))
static uint32_t refl_sse42(uint32_t reg, const uint8_t *p, size_t len)
{
	uint64_t r = reg;

	while (len && ((uintptr_t)p & 7)) {
		r = __builtin_ia32_crc32qi((uint32_t)r, *p++);
		len--;
	}
	for (; len >= 8; len -= 8, p += 8) {
		uint64_t v;

		__builtin_memcpy(&v, p, 8);
		r = __builtin_ia32_crc32di(r, v);
	}
	while (len--)
		r = __builtin_ia32_crc32qi((uint32_t)r, *p++);
	return (uint32_t)r;
}
#endif

static uint32_t refl_slice8(uint32_t reg, const uint8_t *p, size_t len)
{
	for (; len >= 8; len -= 8, p += 8) {
		uint32_t lo = reg ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24);

		reg = tab_refl[7][lo & 0xff] ^ tab_refl[6][(lo >> 8) & 0xff] ^
		      tab_refl[5][(lo >> 16) & 0xff] ^ tab_refl[4][lo >> 24] ^
		      tab_refl[3][p[4]] ^ tab_refl[2][p[5]] ^ tab_refl[1][p[6]] ^ tab_refl[0][p[7]];
	}
	while (len--)
		reg = (reg >> 8) ^ tab_refl[0][(reg ^ *p++) & 0xff];
	return reg;
}

uint32_t wq_crc32c_reflected(uint32_t reg, const void *data, size_t len, int rev_data)
{
	const uint8_t *p = data;

	pthread_once(&tab_once, tab_init);
	if (!rev_data) {
#if defined(__x86_64__)
		if (have_sse42)
			return refl_sse42(reg, p, len);
#endif
		return refl_slice8(reg, p, len);
	}
	while (len--)
		reg = (reg >> 8) ^ tab_refl[0][(reg ^ rev8(*p++)) & 0xff];
	return reg;
}

uint32_t wq_crc32c_msb(uint32_t reg, const void *data, size_t len, int rev_data)
{
	const uint8_t *p = data;

	pthread_once(&tab_once, tab_init);
	while (len--) {
		uint8_t b = rev_data ? rev8(*p++) : *p++;

		reg = (reg << 8) ^ tab_msb[((reg >> 24) ^ b) & 0xff];
	}
	return reg;
}

uint32_t wq_crc32c_dsa(uint32_t seed, const void *data, size_t len, uint32_t flags)
{
	bool b17 = flags & WQ_CRC_FLAG_BYPASS_INV, b18 = flags & WQ_CRC_FLAG_BYPASS_DATA;

	if (!b17)	/* reflected register ~seed; b18: data bytes reversed into it */
		return ~wq_crc32c_reflected(~seed, data, len, b18);
	/* MSB-first register = seed; without b18 the data bytes are reflected */
	return wq_crc32c_msb(seed, data, len, !b18);
}

uint32_t wq_crc32c_dsa_ref(uint32_t seed, const void *data, size_t len, uint32_t flags)
{
	bool b17 = flags & WQ_CRC_FLAG_BYPASS_INV, b18 = flags & WQ_CRC_FLAG_BYPASS_DATA;
	const uint8_t *p = data;
	uint32_t reg = b17 ? seed : rev32(~seed);

	for (size_t i = 0; i < len; i++) {
		uint8_t d = b18 ? p[i] : rev8(p[i]);

		reg ^= (uint32_t)d << 24;
		for (int k = 0; k < 8; k++)
			reg = (reg & 0x80000000u) ? (reg << 1) ^ POLY_MSB : reg << 1;
	}
	return b17 ? reg : ~rev32(reg);
}
