// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cpu.c - ENQCMD, MOVDIR64B and WAITPKG: the kernel's view (/proc/cpuinfo
 * flags; the kernel clears "enqcmd" unless it supports user PASIDs) and
 * CPUID.(EAX=7,ECX=0):ECX bits 29, 28, 5. Read once (CPUID is a VM exit,
 * ~735 ns here) and cached. ENQCMD is never executed to find out.
 *
 * LIBPASID_CPU_HIDE=movdir64b,enqcmd,waitpkg hides features from both views,
 * so the paths taken on CPUs without them run (and are tested) on CPUs with
 * them. It can only take features away, never add one.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include "../internal.h"
#include "wq_internal.h"

static uint64_t cpu_mask;
static pthread_once_t cpu_once = PTHREAD_ONCE_INIT;
static uint64_t cpu_override;
static bool cpu_overridden;
static int cpu_hide_err;
static char cpu_hide_bad[32];

static const struct {
	const char *name;
	uint64_t bits;
} cpu_names[] = {
	{ "enqcmd", PASID_CPU_ENQCMD | PASID_CPU_CPUID_ENQCMD },
	{ "movdir64b", PASID_CPU_MOVDIR64B | PASID_CPU_CPUID_MOVDIR64B },
	{ "waitpkg", PASID_CPU_WAITPKG | PASID_CPU_CPUID_WAITPKG },
};

int wq_cpu_parse_hide(const char *list, uint64_t *ret_bits, char *bad, size_t badlen)
{
	uint64_t bits = 0;
	const char *p = list;
	int err = 0;

	while (p && *p) {
		size_t n = strcspn(p, ", ");
		size_t i;

		for (i = 0; i < sizeof(cpu_names) / sizeof(cpu_names[0]); i++)
			if (n == strlen(cpu_names[i].name) && !strncmp(p, cpu_names[i].name, n))
				break;
		if (n && i == sizeof(cpu_names) / sizeof(cpu_names[0])) {
			if (!err)
				snprintf(bad, badlen, "%.*s", (int)(n < 31 ? n : 31), p);
			err = -EINVAL;
		} else if (n) {
			bits |= cpu_names[i].bits;
		}
		p += n;
		p += strspn(p, ", ");
	}
	*ret_bits = bits;
	return err;
}

/* Does the "flags" line contain @word as a whole word? */
static bool has_flag(const char *line, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = strstr(line, word); p; p = strstr(p + 1, word))
		if ((p == line || p[-1] == ' ' || p[-1] == '\t') &&
		    (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

uint64_t wq_cpu_parse_cpuinfo(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	uint64_t m = 0;

	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "flags", 5))
			continue;
		m |= PASID_CPU_KERNEL_VIEW;
		if (has_flag(line, "enqcmd"))
			m |= PASID_CPU_ENQCMD;
		if (has_flag(line, "movdir64b"))
			m |= PASID_CPU_MOVDIR64B;
		if (has_flag(line, "waitpkg"))
			m |= PASID_CPU_WAITPKG;
		break;		/* the first CPU's line: the kernel's common view */
	}
	free(line);
	return m;
}

static void cpu_read(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");

	if (f) {
		cpu_mask |= wq_cpu_parse_cpuinfo(f);
		fclose(f);
	}
#if defined(__x86_64__)
	{
		unsigned int a, b, c, d;

		if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
			if (c & (1u << 29))
				cpu_mask |= PASID_CPU_CPUID_ENQCMD;
			if (c & (1u << 28))
				cpu_mask |= PASID_CPU_CPUID_MOVDIR64B;
			if (c & (1u << 5))
				cpu_mask |= PASID_CPU_CPUID_WAITPKG;
		}
	}
#endif
	{
		const char *hide = secure_getenv("LIBPASID_CPU_HIDE");
		uint64_t bits = 0;

		cpu_hide_err = wq_cpu_parse_hide(hide, &bits, cpu_hide_bad, sizeof(cpu_hide_bad));
		cpu_mask &= ~bits;
	}
}

uint64_t wq_cpu_mask(void)
{
	if (cpu_overridden)
		return cpu_override;
	pthread_once(&cpu_once, cpu_read);
	return cpu_mask;
}

void wq_cpu_override(bool on, uint64_t mask)
{
	cpu_override = mask;
	cpu_overridden = on;
}

PASID_EXPORT int pasid_cpu_features(uint64_t *ret_mask)
{
	if (!ret_mask)
		return -EINVAL;
	*ret_mask = wq_cpu_mask();
	if (cpu_hide_err)
		return pasid_set_open_error(cpu_hide_err, "LIBPASID_CPU_HIDE: unknown feature "
					    "'%s' (known: enqcmd, movdir64b, waitpkg); the "
					    "valid names in it are hidden", cpu_hide_bad);
	return 0;
}
