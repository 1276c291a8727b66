/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench.h - what every libpasid benchmark shares: a calibrated TSC clock,
 * sample sets with median and p99, and one result format (text and JSON).
 *
 * A benchmark never asserts a time. Each result names a baseline measured
 * in the same process and reports its ratio to it; a target, where the issue
 * states one, is evaluated and printed as "met" / "NOT met", and the
 * program still exits 0 (a benchmark is not a test).
 */
#ifndef LIBPASID_BENCH_H
#define LIBPASID_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- clock ------------------------------------------------------------ */

/* Calibrate the TSC against CLOCK_MONOTONIC (about 50 ms). Call once first. */
void bench_clock_init(void);
uint64_t bench_now_ns(void);
double bench_tsc_ghz(void);

/* A timestamp ordered after everything before it (LFENCE; RDTSC). */
static inline uint64_t bench_tsc_begin(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* A timestamp taken after everything before it has finished (RDTSCP; LFENCE). */
static inline uint64_t bench_tsc_end(void)
{
	uint32_t lo, hi, aux;

	__asm__ __volatile__("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

double bench_tsc_to_ns(uint64_t cycles);

/* Cost of an empty begin/end pair in cycles (median), to subtract. */
uint64_t bench_timer_overhead(void);

/* ---- samples ---------------------------------------------------------- */

struct bench_samples {
	double *v;		/* nanoseconds (or the unit of the result) */
	size_t n, cap;
};

void bench_samples_init(struct bench_samples *s, size_t cap);
void bench_samples_free(struct bench_samples *s);
void bench_samples_add(struct bench_samples *s, double x);

struct bench_stats {
	double p50, p99, mean, min, max;
	size_t n;
};

/* Sorts the samples in place. */
struct bench_stats bench_stats_of(struct bench_samples *s);

/* ---- results ---------------------------------------------------------- */

enum bench_cmp {
	BENCH_NO_TARGET = 0,
	BENCH_RATIO_MAX,	/* ratio = value / baseline must be <= target */
	BENCH_RATIO_MIN,	/* ratio must be >= target */
	BENCH_VALUE_MAX,	/* the p50 (or value) itself must be <= target */
	BENCH_VALUE_MIN,	/* ... >= target */
	BENCH_P99_MAX,		/* p99 must be <= target */
};

struct bench_result {
	const char *id;		/* "alloc.churn.1m.libpasid" */
	const char *title;	/* human description */
	const char *unit;	/* "ns", "M desc/s", "GB/s", "bytes" */
	struct bench_stats st;	/* p50/p99 of samples; for single values p50 = p99 = value */
	const char *baseline;	/* id of the baseline result, or NULL */
	double ratio;		/* st.p50 / baseline p50 (0 when no baseline) */
	enum bench_cmp cmp;
	double target;
	const char *target_text;	/* "p50 <= 2x summary bitmap" */
	const char *note;		/* why, when a target is not met or n/a */
	bool skipped;		/* could not run here (note says why) */
};

/*
 * Parse --json FILE and --quick; print the header. @name is the program's
 * name in the output ("bench-alloc").
 */
void bench_begin(const char *name, int argc, char **argv);
bool bench_quick(void);

/* Add a result; baseline (if set) must have been added before. Returns it. */
struct bench_result *bench_add(const char *id, const char *title, const char *unit,
			       struct bench_stats st, const char *baseline);
struct bench_result *bench_add_value(const char *id, const char *title, const char *unit,
				     double value, const char *baseline);
void bench_skip(const char *id, const char *title, const char *why);
void bench_target(struct bench_result *r, enum bench_cmp cmp, double target, const char *text);
void bench_note(struct bench_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Extra machine or context facts for the JSON ("cpu_movdir64b": "no"). */
void bench_fact(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const struct bench_result *bench_find(const char *id);

/* Print the table and write the JSON. Returns the exit status (0). */
int bench_end(void);

/* Small helpers */
uint64_t bench_rand(uint64_t *state);	/* xorshift64* */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Keep the compiler from optimising a value away. */
#define bench_use(x) __asm__ __volatile__("" : : "r"(x) : "memory")

#endif
