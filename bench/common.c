// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * common.c - clock, samples and result reporting for the benchmarks.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define MAX_RESULTS	256
#define MAX_FACTS	32

static double tsc_per_ns = 1.0;
static const char *prog = "bench";
static const char *json_path;
static bool quick;
static struct bench_result results[MAX_RESULTS];
static size_t nr_results;
static char *facts[MAX_FACTS][2];
static size_t nr_facts;

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_clock_init(void)
{
	uint64_t t0, c0, t1, c1;

	t0 = bench_now_ns();
	c0 = bench_tsc_begin();
	do
		t1 = bench_now_ns();
	while (t1 - t0 < 50000000ull);
	c1 = bench_tsc_end();
	tsc_per_ns = (double)(c1 - c0) / (double)(t1 - t0);
}

double bench_tsc_ghz(void)
{
	return tsc_per_ns;
}

double bench_tsc_to_ns(uint64_t cycles)
{
	return (double)cycles / tsc_per_ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t bench_timer_overhead(void)
{
	static uint64_t cached;
	uint64_t v[4001];

	if (cached)
		return cached;
	for (size_t i = 0; i < 4001; i++) {
		uint64_t a = bench_tsc_begin();
		uint64_t b = bench_tsc_end();

		v[i] = b - a;
	}
	qsort(v, 4001, sizeof(v[0]), cmp_u64);
	cached = v[2000] ? v[2000] : 1;
	return cached;
}

void bench_samples_init(struct bench_samples *s, size_t cap)
{
	s->n = 0;
	s->cap = cap ? cap : 16;
	s->v = malloc(s->cap * sizeof(*s->v));
	if (!s->v)
		bench_die("out of memory for %zu samples", s->cap);
}

void bench_samples_free(struct bench_samples *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

void bench_samples_add(struct bench_samples *s, double x)
{
	if (s->n == s->cap) {
		s->cap *= 2;
		s->v = realloc(s->v, s->cap * sizeof(*s->v));
		if (!s->v)
			bench_die("out of memory for %zu samples", s->cap);
	}
	s->v[s->n++] = x;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct bench_stats bench_stats_of(struct bench_samples *s)
{
	struct bench_stats st = { 0 };
	double sum = 0;

	if (!s->n)
		return st;
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	for (size_t i = 0; i < s->n; i++)
		sum += s->v[i];
	st.n = s->n;
	st.p50 = s->v[s->n / 2];
	/* nearest rank: the smallest value with at least 99% at or below it */
	st.p99 = s->v[(size_t)__builtin_ceil(0.99 * (double)s->n) - 1];
	st.mean = sum / (double)s->n;
	st.min = s->v[0];
	st.max = s->v[s->n - 1];
	return st;
}

void bench_die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

uint64_t bench_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545F4914F6CDD1Dull;
}

bool bench_quick(void)
{
	return quick;
}

static char *xstrdup(const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		bench_die("out of memory");
	return p;
}

void bench_fact(const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (nr_facts == MAX_FACTS)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	facts[nr_facts][0] = xstrdup(key);
	facts[nr_facts][1] = xstrdup(buf);
	nr_facts++;
}

static void cpu_model(char *buf, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];

	snprintf(buf, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *p = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !p)
			continue;
		p++;
		while (*p == ' ')
			p++;
		p[strcspn(p, "\n")] = '\0';
		snprintf(buf, len, "%s", p);
		break;
	}
	fclose(f);
}

void bench_begin(const char *name, int argc, char **argv)
{
	char model[256];
	struct utsname u;

	prog = name;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json_path = argv[++i];
		else if (!strcmp(argv[i], "--quick"))
			quick = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: %s [--json FILE] [--quick]\n", name);
			exit(0);
		} else {
			bench_die("unknown argument %s (usage: %s [--json FILE] [--quick])", argv[i],
				  name);
		}
	}
	bench_clock_init();
	cpu_model(model, sizeof(model));
	bench_fact("cpu", "%s", model);
	bench_fact("online_cpus", "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	if (uname(&u) == 0)
		bench_fact("kernel", "%s %s", u.release, u.machine);
	bench_fact("tsc_ghz", "%.3f", tsc_per_ns);
	bench_fact("timer_overhead_ns", "%.1f", bench_tsc_to_ns(bench_timer_overhead()));
	printf("# %s: %s, %ld CPUs online, TSC %.3f GHz%s\n", name, model,
	       sysconf(_SC_NPROCESSORS_ONLN), tsc_per_ns, quick ? " (quick)" : "");
	fflush(stdout);
}

const struct bench_result *bench_find(const char *id)
{
	for (size_t i = 0; i < nr_results; i++)
		if (!strcmp(results[i].id, id))
			return &results[i];
	return NULL;
}

static struct bench_result *new_result(const char *id)
{
	struct bench_result *r;

	if (nr_results == MAX_RESULTS)
		bench_die("too many results");
	r = &results[nr_results++];
	memset(r, 0, sizeof(*r));
	r->id = xstrdup(id);
	return r;
}

static const char *cmp_text(enum bench_cmp c)
{
	switch (c) {
	case BENCH_RATIO_MAX: return "ratio<=";
	case BENCH_RATIO_MIN: return "ratio>=";
	case BENCH_VALUE_MAX: return "p50<=";
	case BENCH_VALUE_MIN: return "p50>=";
	case BENCH_P99_MAX: return "p99<=";
	default: return "";
	}
}

static bool target_met(const struct bench_result *r)
{
	switch (r->cmp) {
	case BENCH_RATIO_MAX: return r->ratio <= r->target;
	case BENCH_RATIO_MIN: return r->ratio >= r->target;
	case BENCH_VALUE_MAX: return r->st.p50 <= r->target;
	case BENCH_VALUE_MIN: return r->st.p50 >= r->target;
	case BENCH_P99_MAX: return r->st.p99 <= r->target;
	default: return true;
	}
}

static void print_result(const struct bench_result *r)
{
	if (r->skipped) {
		printf("%-44s  skipped: %s\n", r->id, r->note ? r->note : "");
		return;
	}
	printf("%-44s  p50 %10.2f  p99 %10.2f %-9s", r->id, r->st.p50, r->st.p99, r->unit);
	if (r->baseline)
		printf("  x%-8.3f vs %s", r->ratio, r->baseline);
	if (r->cmp)
		printf("  [target %s%g: %s]", cmp_text(r->cmp), r->target,
		       target_met(r) ? "met" : "NOT met");
	putchar('\n');
	fflush(stdout);
}

struct bench_result *bench_add(const char *id, const char *title, const char *unit,
			       struct bench_stats st, const char *baseline)
{
	struct bench_result *r = new_result(id);

	r->title = xstrdup(title);
	r->unit = xstrdup(unit);
	r->st = st;
	if (baseline) {
		const struct bench_result *b = bench_find(baseline);

		if (!b)
			bench_die("%s: baseline %s was not measured", id, baseline);
		r->baseline = b->id;
		r->ratio = b->st.p50 > 0 ? st.p50 / b->st.p50 : 0;
	}
	print_result(r);
	return r;
}

struct bench_result *bench_add_value(const char *id, const char *title, const char *unit,
				     double value, const char *baseline)
{
	struct bench_stats st = { value, value, value, value, value, 1 };

	return bench_add(id, title, unit, st, baseline);
}

void bench_skip(const char *id, const char *title, const char *why)
{
	struct bench_result *r = new_result(id);

	r->title = xstrdup(title);
	r->unit = xstrdup("");
	r->skipped = true;
	r->note = xstrdup(why);
	print_result(r);
}

void bench_target(struct bench_result *r, enum bench_cmp cmp, double target, const char *text)
{
	r->cmp = cmp;
	r->target = target;
	r->target_text = xstrdup(text);
	printf("%-44s  target: %s -> %s\n", "", text, target_met(r) ? "met" : "NOT met");
	fflush(stdout);
}

void bench_note(struct bench_result *r, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free((void *)r->note);
	r->note = xstrdup(buf);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_num(FILE *f, double x)
{
	if (isfinite(x))
		fprintf(f, "%.6g", x);
	else
		fputs("null", f);
}

int bench_end(void)
{
	FILE *f;

	if (!json_path)
		return 0;
	f = fopen(json_path, "we");
	if (!f)
		bench_die("cannot write %s: %s", json_path, strerror(errno));
	fprintf(f, "{\n  \"program\": ");
	json_str(f, prog);
	fprintf(f, ",\n  \"facts\": {");
	for (size_t i = 0; i < nr_facts; i++) {
		fprintf(f, "%s\n    ", i ? "," : "");
		json_str(f, facts[i][0]);
		fputs(": ", f);
		json_str(f, facts[i][1]);
	}
	fprintf(f, "\n  },\n  \"results\": [");
	for (size_t i = 0; i < nr_results; i++) {
		const struct bench_result *r = &results[i];

		fprintf(f, "%s\n    {\"id\": ", i ? "," : "");
		json_str(f, r->id);
		fputs(", \"title\": ", f);
		json_str(f, r->title);
		fputs(", \"unit\": ", f);
		json_str(f, r->unit);
		fprintf(f, ", \"skipped\": %s", r->skipped ? "true" : "false");
		if (!r->skipped) {
			fputs(", \"p50\": ", f);
			json_num(f, r->st.p50);
			fputs(", \"p99\": ", f);
			json_num(f, r->st.p99);
			fputs(", \"mean\": ", f);
			json_num(f, r->st.mean);
			fprintf(f, ", \"n\": %zu", r->st.n);
		}
		if (r->baseline) {
			fputs(", \"baseline\": ", f);
			json_str(f, r->baseline);
			fputs(", \"ratio\": ", f);
			json_num(f, r->ratio);
		}
		if (r->cmp) {
			fputs(", \"target\": ", f);
			json_str(f, r->target_text);
			fprintf(f, ", \"target_kind\": \"%s\", \"target_value\": ", cmp_text(r->cmp));
			json_num(f, r->target);
			fprintf(f, ", \"met\": %s", target_met(r) ? "true" : "false");
		}
		if (r->note) {
			fputs(", \"note\": ", f);
			json_str(f, r->note);
		}
		fputc('}', f);
	}
	fprintf(f, "\n  ]\n}\n");
	fclose(f);
	return 0;
}
