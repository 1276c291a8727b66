// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-portal.c - libpasid/portal.h and pasid_cpu_features().
 *
 * The compiled inline functions must contain the exact encodings (ENQCMD
 * F2 0F 38 F8, MOVDIR64B 66 0F 38 F8, UMONITOR F3 0F AE F0, UMWAIT F2 0F AE
 * F1), preceded by SFENCE for the submissions: read from the function bytes
 * at run time. ENQCMD is never executed here (no device would answer it).
 *
 * Run with no argument: the tests every machine can run. With one argument,
 * one test that needs the machine (a meson test of its own, since it may end
 * with HW_SKIP): "movdir64b" and "umwait" execute the instruction natively
 * where the CPU and the kernel offer it; "cpu-hide" checks LIBPASID_CPU_HIDE
 * in fresh processes, so the paths for CPUs without MOVDIR64B run here too.
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
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <cmocka.h>

#include "under-valgrind.h"

#include <libpasid/pasid.h>
#include <libpasid/portal.h>

#include "../../lib/wq/wq_internal.h"
#include "../hwskip.h"
#include "wq-test.h"

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

/*
 * The library uses MOVDIR64B only when both the kernel and CPUID offer it
 * (valgrind's CPU, for one, clears the CPUID bit while /proc/cpuinfo still
 * lists the host's flag): the test asks the same.
 */
static void need(uint64_t kernel_bit, uint64_t cpuid_bit, const char *insn)
{
	uint64_t m;

	assert_int_equal(pasid_cpu_features(&m), 0);
#if !defined(__x86_64__)
	HW_SKIP("not-x86-64", "%s NOT executed: this is not an x86-64 machine", insn);
#endif
	if (!(m & kernel_bit) || !(m & cpuid_bit)) {
		const char *hide = getenv("LIBPASID_CPU_HIDE");

		if (!strcmp(insn, "MOVDIR64B"))
			HW_SKIP("no-movdir64b", "%s NOT executed: /proc/cpuinfo %s, CPUID %s%s%s",
				insn, m & kernel_bit ? "yes" : "no", m & cpuid_bit ? "yes" : "no",
				hide ? ", LIBPASID_CPU_HIDE=" : "", hide ? hide : "");
		HW_SKIP("no-waitpkg", "%s NOT executed: /proc/cpuinfo %s, CPUID %s%s%s",
			insn, m & kernel_bit ? "yes" : "no", m & cpuid_bit ? "yes" : "no",
			hide ? ", LIBPASID_CPU_HIDE=" : "", hide ? hide : "");
	}
	if (RUNNING_ON_VALGRIND)
		HW_SKIP("valgrind-cpu", "%s NOT executed: running under valgrind", insn);
}

static void test_movdir64b_executes(void **state)
{
	static _Alignas(64) uint8_t dst[128];
	static _Alignas(64) uint8_t src[64];

	(void)state;
	need(PASID_CPU_MOVDIR64B, PASID_CPU_CPUID_MOVDIR64B, "MOVDIR64B");
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
	uint64_t t0;
	int r;

	(void)state;
	need(PASID_CPU_WAITPKG, PASID_CPU_CPUID_WAITPKG, "UMONITOR/UMWAIT");
	t0 = pasid_rdtsc();
	r = do_umwait(line, t0 + 1000);
	/* CF=1: the deadline passed; CF=0: a store, an interrupt or the OS limit */
	assert_true(r == 0 || r == 1);
	assert_true(pasid_rdtsc() > t0);
	print_message("UMONITOR/UMWAIT executed: returned %d\n", r);
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
	uint64_t m, m2, hidden = 0;
	char bad[32];
	FILE *f;

	(void)state;
	/* the whole suite may run with features hidden (tests/run does, once) */
	assert_int_equal(wq_cpu_parse_hide(getenv("LIBPASID_CPU_HIDE"), &hidden, bad,
					   sizeof(bad)), 0);
	assert_int_equal(pasid_cpu_features(NULL), -EINVAL);
	assert_int_equal(pasid_cpu_features(&m), 0);
	assert_int_equal(pasid_cpu_features(&m2), 0);
	assert_int_equal(m, m2);
	f = fopen("/proc/cpuinfo", "r");
	if (f) {
		uint64_t kernel = PASID_CPU_KERNEL_VIEW | PASID_CPU_ENQCMD | PASID_CPU_MOVDIR64B |
				  PASID_CPU_WAITPKG;

		assert_int_equal(wq_cpu_parse_cpuinfo(f) & ~hidden, m & kernel);
		fclose(f);
	}
#if defined(__x86_64__)
	{
		unsigned int a, b, c, d;

		if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
			assert_int_equal(!!(m & PASID_CPU_CPUID_ENQCMD),
					 !!(c & (1u << 29)) && !(hidden & PASID_CPU_CPUID_ENQCMD));
			assert_int_equal(!!(m & PASID_CPU_CPUID_MOVDIR64B),
					 !!(c & (1u << 28)) && !(hidden & PASID_CPU_CPUID_MOVDIR64B));
			assert_int_equal(!!(m & PASID_CPU_CPUID_WAITPKG),
					 !!(c & (1u << 5)) && !(hidden & PASID_CPU_CPUID_WAITPKG));
		}
	}
#endif
	print_message("kernel: enqcmd %d movdir64b %d waitpkg %d; CPUID: %d %d %d\n",
		      !!(m & PASID_CPU_ENQCMD), !!(m & PASID_CPU_MOVDIR64B),
		      !!(m & PASID_CPU_WAITPKG), !!(m & PASID_CPU_CPUID_ENQCMD),
		      !!(m & PASID_CPU_CPUID_MOVDIR64B), !!(m & PASID_CPU_CPUID_WAITPKG));
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

/* The kernel's view as it is, before LIBPASID_CPU_HIDE. */
static uint64_t raw_kernel_view(void)
{
	uint64_t m = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (f) {
		m = wq_cpu_parse_cpuinfo(f);
		fclose(f);
	}
	return m;
}

/* argv[0] made absolute: under valgrind /proc/self/exe is valgrind's tool. */
static char self_path[4096];

/*
 * Run this program again with @arg, LIBPASID_CPU_HIDE set to @hide (unset
 * when NULL): the feature mask is read once per process. Return its exit
 * status; its standard output is left in @out.
 */
static int run_self(const char *hide, const char *arg, char *out, size_t len)
{
	int fds[2], st;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], STDOUT_FILENO);
		close(fds[0]);
		if (hide)
			setenv("LIBPASID_CPU_HIDE", hide, 1);
		else
			unsetenv("LIBPASID_CPU_HIDE");
		execl(self_path, self_path, arg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while (got + 1 < len && (n = read(fds[0], out + got, len - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* Child of test_cpu_hide: what pasid_cpu_features() says, in one line. */
static int print_features(void)
{
	uint64_t m = 0;
	int rc = pasid_cpu_features(&m);

	printf("rc %d mask %#llx msg %s\n", rc, (unsigned long long)m,
	       rc ? pasid_strerror_last() : "-");
	return 0;
}

/* Child of test_cpu_hide: the SIMULATED dedicated WQ's method and one copy. */
static int sim_dedicated(void)
{
	static _Alignas(64) uint8_t src[256], dst[256];
	static _Alignas(64) struct dsa_completion_record comp;
	static _Alignas(64) struct dsa_hw_desc d;
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	struct pasid_ctx *ctx = NULL;
	struct pasid_wq *wq = NULL;
	struct pasid_wq_info in = { .size = sizeof(in) };
	int err;

	if (setenv("LIBPASID_SIM_TOPOLOGY", "", 1) || pasid_ctx_new(&o, &ctx)) {
		fprintf(stderr, "sim context: %s\n", pasid_strerror_last());
		return 1;
	}
	if (pasid_wq_open(ctx, "dsa0/wq0.1", 0, &wq) || pasid_wq_get_info(wq, &in)) {
		fprintf(stderr, "dsa0/wq0.1: %s\n", pasid_ctx_last_error(ctx));
		return 1;
	}
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i ^ 0x5a);
	memset(&d, 0, sizeof(d));
	d.opcode = DSA_OPCODE_MEMMOVE;
	d.flags = F_CR;
	d.completion_addr = (uintptr_t)&comp;
	d.src_addr = (uintptr_t)src;
	d.dst_addr = (uintptr_t)dst;
	d.xfer_size = sizeof(src);
	if ((err = pasid_wq_submit(wq, &d)) || (err = pasid_wq_wait(wq, &comp, 2 * SEC))) {
		fprintf(stderr, "memmove: %s: %s\n", strerror(-err), pasid_ctx_last_error(ctx));
		return 1;
	}
	printf("method %d status %#x copied %d\n", in.method, comp.status,
	       !memcmp(src, dst, sizeof(src)));
	pasid_wq_close(wq);
	pasid_ctx_unref(ctx);
	return 0;
}

static uint64_t mask_of(const char *out)
{
	unsigned long long m;
	int rc;

	assert_int_equal(sscanf(out, "rc %d mask %llx", &rc, &m), 2);
	return m;
}

static void test_cpu_hide(void **state)
{
	const uint64_t mov = PASID_CPU_MOVDIR64B | PASID_CPU_CPUID_MOVDIR64B;
	const uint64_t all = mov | PASID_CPU_ENQCMD | PASID_CPU_CPUID_ENQCMD |
			     PASID_CPU_WAITPKG | PASID_CPU_CPUID_WAITPKG;
	const uint64_t kview = PASID_CPU_KERNEL_VIEW | PASID_CPU_ENQCMD | PASID_CPU_MOVDIR64B |
			       PASID_CPU_WAITPKG;
	char out[1024], bad[32];
	int method, status, copied;
	uint64_t raw, bits = 0;

	(void)state;
	/*
	 * Nothing hidden: the machine's own view. The children run natively
	 * even when this process runs under valgrind, whose CPUID differs, so
	 * only the kernel's view is compared with this process's.
	 */
	assert_int_equal(run_self(NULL, "print-features", out, sizeof(out)), 0);
	raw = mask_of(out);
	assert_int_equal(raw & kview, raw_kernel_view());
	/* only the named feature goes, from both views */
	assert_int_equal(run_self("movdir64b", "print-features", out, sizeof(out)), 0);
	assert_int_equal(mask_of(out), raw & ~mov);
	assert_int_equal(run_self("waitpkg, enqcmd,movdir64b", "print-features", out,
				  sizeof(out)), 0);
	assert_int_equal(mask_of(out), raw & ~all);
	/* an unknown name is an error that says which; the known ones still go */
	assert_int_equal(run_self("movdir64b,avx9", "print-features", out, sizeof(out)), 0);
	assert_true(!strncmp(out, "rc -22 ", 7));
	assert_non_null(strstr(out, "'avx9'"));
	assert_int_equal(mask_of(out), raw & ~mov);
	assert_int_equal(wq_cpu_parse_hide("movdir64bx", &bits, bad, sizeof(bad)), -EINVAL);
	assert_string_equal(bad, "movdir64bx");
	assert_int_equal(wq_cpu_parse_hide("", &bits, bad, sizeof(bad)), 0);
	assert_int_equal(bits, 0);
	/* the execution test reports SKIP, with the listed reason, and runs nothing */
	assert_int_equal(run_self("movdir64b", "movdir64b", out, sizeof(out)), HW_SKIP_STATUS);
	assert_non_null(strstr(out, "\nHW-SKIP no-movdir64b: "));
	assert_non_null(strstr(out, "LIBPASID_CPU_HIDE=movdir64b"));
	/* the library takes the path for CPUs without MOVDIR64B, and it works */
	assert_int_equal(run_self("movdir64b", "sim-dedicated", out, sizeof(out)), 0);
	assert_int_equal(sscanf(out, "method %d status %x copied %d", &method, &status, &copied),
			 3);
	assert_int_equal(method, PASID_WQ_METHOD_SIM_STORE);
	assert_int_equal(status, DSA_COMP_SUCCESS);
	assert_int_equal(copied, 1);
	print_message("hidden: %#llx of %#llx; dedicated WQ without MOVDIR64B: ordinary stores\n",
		      (unsigned long long)(raw & mov), (unsigned long long)raw);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest portable[] = {
#if defined(__x86_64__)
		cmocka_unit_test(test_encodings),
#endif
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_cpu_features),
		cmocka_unit_test(test_cpuinfo_parse),
	};
	const struct CMUnitTest movdir64b[] = { cmocka_unit_test(test_movdir64b_executes) };
	const struct CMUnitTest umwait[] = { cmocka_unit_test(test_umwait_executes) };
	const struct CMUnitTest cpu_hide[] = { cmocka_unit_test(test_cpu_hide) };

	if (!realpath(argv[0], self_path)) {
		perror(argv[0]);
		return 2;
	}
	if (argc < 2)
		return cmocka_run_group_tests(portable, NULL, NULL);
	if (!strcmp(argv[1], "movdir64b"))
		return cmocka_run_group_tests(movdir64b, NULL, NULL);
	if (!strcmp(argv[1], "umwait"))
		return cmocka_run_group_tests(umwait, NULL, NULL);
	if (!strcmp(argv[1], "cpu-hide"))
		return cmocka_run_group_tests(cpu_hide, NULL, NULL);
	if (!strcmp(argv[1], "print-features"))
		return print_features();
	if (!strcmp(argv[1], "sim-dedicated"))
		return sim_dedicated();
	fprintf(stderr, "usage: %s [movdir64b|umwait|cpu-hide]\n", argv[0]);
	return 2;
}
