// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-portal.c - libpasid/portal.h and pasid_cpu_features().
 *
 * The compiled inline functions must contain the exact encodings (ENQCMD
 * F2 0F 38 F8, MOVDIR64B 66 0F 38 F8, UMONITOR F3 0F AE F0, UMWAIT F2 0F AE
 * F1), preceded by SFENCE for the submissions: read from the function bytes
 * at run time. MOVDIR64B is executed when the kernel offers it; otherwise
 * the test says so and is skipped. ENQCMD is never executed here (no device
 * would answer it).
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
#include <time.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <cmocka.h>

#include <libpasid/pasid.h>
#include <libpasid/portal.h>

#include "../../lib/wq/wq_internal.h"

__attribute__((noinline)) static int do_enqcmd(volatile void *p, const void *d)
{
	return pasid_enqcmd(p, d);
}

__attribute__((noinline)) static int do_movdir64b(volatile void *p, const void *d)
{
	return pasid_movdir64b(p, d);
}

__attribute__((noinline)) static int do_umwait(volatile void *p, uint64_t deadline)
{
	pasid_umonitor(p);
	return pasid_umwait(PASID_UMWAIT_C01, deadline);
}

/* Offset of @pat in the first 256 bytes of @fn's code, or -1. */
static int find_bytes(const void *fn, const uint8_t *pat, size_t n)
{
	const uint8_t *code = fn;

	for (int i = 0; i + (int)n <= 256; i++)
		if (!memcmp(code + i, pat, n))
			return i;
	return -1;
}

static void test_encodings(void **state)
{
	static const uint8_t enqcmd[] = { 0xf2, 0x0f, 0x38, 0xf8 };
	static const uint8_t movdir64b[] = { 0x66, 0x0f, 0x38, 0xf8 };
	static const uint8_t umonitor[] = { 0xf3, 0x0f, 0xae, 0xf0 };
	static const uint8_t umwait[] = { 0xf2, 0x0f, 0xae, 0xf1 };
	static const uint8_t sfence[] = { 0x0f, 0xae, 0xf8 };
	int at, fence;

	(void)state;
#if !defined(__x86_64__)
	skip();
#endif
	at = find_bytes((const void *)(uintptr_t)do_enqcmd, enqcmd, sizeof(enqcmd));
	fence = find_bytes((const void *)(uintptr_t)do_enqcmd, sfence, sizeof(sfence));
	assert_true(at >= 0);
	assert_true(fence >= 0 && fence < at);
	print_message("ENQCMD    F2 0F 38 F8 at +%d (SFENCE at +%d)\n", at, fence);
	at = find_bytes((const void *)(uintptr_t)do_movdir64b, movdir64b, sizeof(movdir64b));
	fence = find_bytes((const void *)(uintptr_t)do_movdir64b, sfence, sizeof(sfence));
	assert_true(at >= 0);
	assert_true(fence >= 0 && fence < at);
	print_message("MOVDIR64B 66 0F 38 F8 at +%d (SFENCE at +%d)\n", at, fence);
	at = find_bytes((const void *)(uintptr_t)do_umwait, umonitor, sizeof(umonitor));
	assert_true(at >= 0);
	at = find_bytes((const void *)(uintptr_t)do_umwait, umwait, sizeof(umwait));
	assert_true(at >= 0);
	/* the ModRM byte after both submissions: 0x02 = (%rdx) source, %rax destination */
	at = find_bytes((const void *)(uintptr_t)do_enqcmd, enqcmd, sizeof(enqcmd));
	assert_int_equal(((const uint8_t *)(uintptr_t)do_enqcmd)[at + 4], 0x02);
}

static void test_movdir64b_executes(void **state)
{
	static _Alignas(64) uint8_t dst[128];
	static _Alignas(64) uint8_t src[64];
	uint64_t m;

	(void)state;
	assert_int_equal(pasid_cpu_features(&m), 0);
	if (!(m & PASID_CPU_MOVDIR64B)) {
		print_message("SKIPPED: MOVDIR64B is not offered here (/proc/cpuinfo: no, CPUID: "
			      "%s): the instruction was NOT executed on this machine\n",
			      m & PASID_CPU_CPUID_MOVDIR64B ? "yes" : "no");
		skip();
	}
	for (int i = 0; i < 64; i++)
		src[i] = (uint8_t)(i * 3 + 1);
	memset(dst, 0, sizeof(dst));
	assert_int_equal(do_movdir64b(dst + 64, src), 0);
	pasid_sfence();
	assert_memory_equal(dst + 64, src, 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(dst[i], 0);
	print_message("MOVDIR64B executed: 64 bytes stored\n");
}

static void test_umwait_executes(void **state)
{
	static _Alignas(64) volatile uint8_t line[64];
	uint64_t m;

	(void)state;
	assert_int_equal(pasid_cpu_features(&m), 0);
	if (!(m & PASID_CPU_WAITPKG)) {
		print_message("SKIPPED: WAITPKG is not offered here: "
			      "UMONITOR/UMWAIT NOT executed\n");
		skip();
	}
	assert_true(do_umwait(line, pasid_rdtsc() + 1000) >= 0);
}

static void test_rotation(void **state)
{
	static _Alignas(4096) uint8_t page[PASID_PORTAL_SIZE];
	uint32_t off = 0;

	(void)state;
	for (unsigned int i = 0; i < 2 * PASID_PORTAL_SIZE / PASID_DESC_SIZE; i++) {
		volatile void *p = pasid_portal_next(page, &off);

		assert_ptr_equal((const void *)p,
				 page + (i * PASID_DESC_SIZE) % PASID_PORTAL_SIZE);
	}
	assert_int_equal(off, 0);
}

static void test_cpu_features(void **state)
{
	uint64_t m, m2;
	FILE *f;

	(void)state;
	assert_int_equal(pasid_cpu_features(NULL), -EINVAL);
	assert_int_equal(pasid_cpu_features(&m), 0);
	assert_int_equal(pasid_cpu_features(&m2), 0);
	assert_int_equal(m, m2);
	f = fopen("/proc/cpuinfo", "r");
	if (f) {
		uint64_t kernel = PASID_CPU_KERNEL_VIEW | PASID_CPU_ENQCMD | PASID_CPU_MOVDIR64B |
				  PASID_CPU_WAITPKG;

		assert_int_equal(wq_cpu_parse_cpuinfo(f), m & kernel);
		fclose(f);
	}
#if defined(__x86_64__)
	{
		unsigned int a, b, c, d;

		if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
			assert_int_equal(!!(m & PASID_CPU_CPUID_ENQCMD), !!(c & (1u << 29)));
			assert_int_equal(!!(m & PASID_CPU_CPUID_MOVDIR64B), !!(c & (1u << 28)));
			assert_int_equal(!!(m & PASID_CPU_CPUID_WAITPKG), !!(c & (1u << 5)));
		}
	}
#endif
	print_message("kernel: enqcmd %d movdir64b %d waitpkg %d; CPUID: %d %d %d\n",
		      !!(m & PASID_CPU_ENQCMD), !!(m & PASID_CPU_MOVDIR64B),
		      !!(m & PASID_CPU_WAITPKG), !!(m & PASID_CPU_CPUID_ENQCMD),
		      !!(m & PASID_CPU_CPUID_MOVDIR64B), !!(m & PASID_CPU_CPUID_WAITPKG));
}

static void test_cpu_cached(void **state)
{
	struct timespec t0, t1;
	uint64_t m, ns;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 100000; i++)
		pasid_cpu_features(&m);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ull + (uint64_t)t1.tv_nsec -
	     (uint64_t)t0.tv_nsec;
	/* CPUID is a VM exit (~735 ns here): 100,000 calls must not pay it */
	print_message("pasid_cpu_features(): %.1f ns a call\n", ns / 100000.0);
	assert_true(ns / 100000 < 100);
}

static void test_cpuinfo_parse(void **state)
{
	static const char text[] =
		"processor\t: 0\n"
		"flags\t\t: fpu sse movdir64b_x enqcmdx xmovdir64b waitpkg\n"
		"processor\t: 1\n"
		"flags\t\t: fpu enqcmd movdir64b waitpkg\n";
	static const char text2[] = "flags\t: fpu movdir64b enqcmd\n";
	FILE *f;

	(void)state;
	f = fmemopen((void *)text, sizeof(text) - 1, "r");
	assert_non_null(f);
	/* whole words only, first CPU only */
	assert_int_equal(wq_cpu_parse_cpuinfo(f), PASID_CPU_KERNEL_VIEW | PASID_CPU_WAITPKG);
	fclose(f);
	f = fmemopen((void *)text2, sizeof(text2) - 1, "r");
	assert_int_equal(wq_cpu_parse_cpuinfo(f),
			 PASID_CPU_KERNEL_VIEW | PASID_CPU_MOVDIR64B | PASID_CPU_ENQCMD);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_movdir64b_executes),
		cmocka_unit_test(test_umwait_executes),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_cpu_features),
		cmocka_unit_test(test_cpu_cached),
		cmocka_unit_test(test_cpuinfo_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
