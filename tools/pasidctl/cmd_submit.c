// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cmd_submit.c - "pasidctl submit": real descriptors (<linux/idxd.h>)
 * through a work queue, results checked, a progress bar on a terminal, and
 * a summary: ops, bytes, latency percentiles, retries, page faults.
 *
 * Retries are counted here: a submission the library gave up on (-EAGAIN
 * after its own bounded retries) is retried by pasidctl up to 8 times.
 */
#include <errno.h>
#include <linux/idxd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pasidctl.h"
#include "submit.h"

#define CLI_RETRIES	8
#define WAIT_NS		2000000000ull	/* 2 s per descriptor */

static const struct {
	const char *name;
	unsigned int opcode;
} ops[] = {
	{ "memmove", DSA_OPCODE_MEMMOVE },
	{ "fill", DSA_OPCODE_MEMFILL },
	{ "compare", DSA_OPCODE_COMPARE },
	{ "crc", DSA_OPCODE_CRCGEN },
	{ "noop", DSA_OPCODE_NOOP },
};

int submit_op_parse(const char *name, unsigned int *ret_opcode)
{
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, name)) {
			*ret_opcode = ops[i].opcode;
			return 0;
		}
	return -EINVAL;
}

const char *submit_op_name(unsigned int opcode)
{
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ops[i].opcode == opcode)
			return ops[i].name;
	return "?";
}

static const char *status_name(unsigned int status)
{
	switch (status & DSA_COMP_STATUS_MASK) {
	case DSA_COMP_BAD_OPCODE:
		return "the device does not support this operation (BAD_OPCODE)";
	case DSA_COMP_INVALID_FLAGS:
		return "invalid descriptor flags (INVALID_FLAGS)";
	case DSA_COMP_XFER_ERANGE:
		return "transfer size out of range (XFER_ERANGE)";
	case DSA_COMP_OVERLAP_BUFFERS:
		return "overlapping buffers (OVERLAP_BUFFERS)";
	case DSA_COMP_ADDR_ALIGN:
		return "misaligned address (ADDR_ALIGN)";
	case DSA_COMP_TRANSLATION_FAIL:
		return "address translation failed: is the PASID bound? (TRANSLATION_FAIL)";
	case DSA_COMP_PAGE_FAULT_IR:
		return "page fault the device could not resolve (PAGE_FAULT_IR)";
	}
	return "error";
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define FILL_PATTERN 0x5a5aa5a5c3c33c3cull

static void make_source(uint8_t *src, uint64_t size)
{
	uint64_t i;

	for (i = 0; i < size; i++)
		src[i] = (uint8_t)(i * 7 + 3);
}

static bool check_result(const struct submit_job *job, struct submit_buffers *b,
			 const struct dsa_completion_record *cr, char *why, size_t len)
{
	uint64_t i;

	switch (job->opcode) {
	case DSA_OPCODE_MEMMOVE:
		if (memcmp(b->src, b->dst, job->size)) {
			snprintf(why, len, "destination differs from the source");
			return false;
		}
		return true;
	case DSA_OPCODE_MEMFILL:
		for (i = 0; i < job->size; i++)
			if (b->dst[i] != (uint8_t)(FILL_PATTERN >> (8 * (i % 8)))) {
				snprintf(why, len, "byte %llu is 0x%02x, not the pattern",
					 (unsigned long long)i, b->dst[i]);
				return false;
			}
		return true;
	case DSA_OPCODE_COMPARE:
		if (cr->result != 0) {
			snprintf(why, len, "equal buffers compared unequal at byte %u",
				 cr->bytes_completed);
			return false;
		}
		return true;
	}
	return true;
}

int submit_buffers_alloc(struct submit_buffers *b, uint64_t size)
{
	size_t sz = size ? (size_t)size : 1;

	memset(b, 0, sizeof(*b));
	if (posix_memalign((void **)&b->desc, 64, 64) ||
	    posix_memalign((void **)&b->comp, 64, 64)) {
		submit_buffers_free(b);
		return -ENOMEM;
	}
	b->src = malloc(sz);
	b->dst = malloc(sz);
	if (!b->src || !b->dst) {
		submit_buffers_free(b);
		return -ENOMEM;
	}
	make_source(b->src, size);
	memset(b->dst, 0, sz);
	return 0;
}

void submit_buffers_free(struct submit_buffers *b)
{
	free(b->desc);
	free(b->comp);
	free(b->src);
	free(b->dst);
	memset(b, 0, sizeof(*b));
}

int submit_one(struct pasid_wq *wq, const struct submit_job *job, struct submit_buffers *b,
	       struct submit_stats *st, char *why, size_t len)
{
	struct dsa_hw_desc *d = b->desc;
	struct dsa_completion_record *cr = b->comp;
	uint64_t t0;
	unsigned int tries = 0;
	int err;

	memset(d, 0, sizeof(*d));
	d->opcode = job->opcode;
	d->flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	d->completion_addr = (uintptr_t)cr;
	switch (job->opcode) {
	case DSA_OPCODE_MEMMOVE:
		d->src_addr = (uintptr_t)b->src;
		d->dst_addr = (uintptr_t)b->dst;
		d->xfer_size = (uint32_t)job->size;
		memset(b->dst, 0, job->size);
		break;
	case DSA_OPCODE_MEMFILL:
		d->pattern = FILL_PATTERN;
		d->dst_addr = (uintptr_t)b->dst;
		d->xfer_size = (uint32_t)job->size;
		memset(b->dst, 0, job->size);
		break;
	case DSA_OPCODE_COMPARE:
		memcpy(b->dst, b->src, job->size);
		d->src_addr = (uintptr_t)b->src;
		d->src2_addr = (uintptr_t)b->dst;
		d->xfer_size = (uint32_t)job->size;
		break;
	case DSA_OPCODE_CRCGEN:
		d->src_addr = (uintptr_t)b->src;
		d->xfer_size = (uint32_t)job->size;
		d->crc_seed = 0;
		break;
	}
	memset(cr, 0, sizeof(*cr));
	if (job->sim_fault && job->size) {
		/* the page holding the middle of the buffer the engine writes */
		uint8_t *buf = job->opcode == DSA_OPCODE_MEMMOVE ||
			       job->opcode == DSA_OPCODE_MEMFILL ? b->dst : b->src;

		err = pasid_wq_sim_inject_fault(wq, buf + job->size / 2);
		if (err) {
			snprintf(why, len, "cannot inject a fault: %s", strerror(-err));
			return err;
		}
	}
	t0 = now_ns();
	for (;;) {
		err = pasid_wq_submit(wq, d);
		if (err != -EAGAIN || tries == CLI_RETRIES)
			break;
		tries++;
		st->retries++;
	}
	if (err) {
		snprintf(why, len, "submit: %s%s", strerror(-err),
			 err == -EAGAIN ? " (the shared WQ stayed full)" : "");
		return err;
	}
	for (;;) {
		err = pasid_wq_wait(wq, cr, WAIT_NS);
		if (err) {
			snprintf(why, len, "no completion within 2 s");
			return err;
		}
		if ((cr->status & DSA_COMP_STATUS_MASK) == DSA_COMP_PAGE_FAULT_NOBOF) {
			st->faults++;
			err = pasid_wq_fault_continue(wq, d, cr);
			if (err == 1)
				continue;
			snprintf(why, len, "page fault at %#llx not continued: %s",
				 (unsigned long long)cr->fault_addr, strerror(err ? -err : EFAULT));
			return err ? err : -EFAULT;
		}
		break;
	}
	st->last_ns = now_ns() - t0;
	if ((cr->status & DSA_COMP_STATUS_MASK) != DSA_COMP_SUCCESS) {
		snprintf(why, len, "completion status %#x: %s", cr->status,
			 status_name(cr->status));
		return -EIO;
	}
	if (job->opcode == DSA_OPCODE_CRCGEN)
		st->crc = (uint32_t)cr->crc_val;
	if (!check_result(job, b, cr, why, len))
		return -EIO;
	return 0;
}

/* ---- the command ---------------------------------------------------------- */

struct submit_args {
	const char *wq;
	struct submit_job job;
	uint64_t count;
	bool no_mmap;
	bool op_set;
};

static int submit_opt(struct pctl *g, int c, const char *arg, void *data)
{
	const struct pctl_cmd *cmd = pctl_find_cmd("submit");
	struct submit_args *a = data;

	(void)g;
	switch (c) {
	case 'w':
		if (!*arg || strlen(arg) >= 64)
			return pctl_usage(cmd, "--wq '%s': not a work queue name", arg);
		a->wq = arg;
		return 0;
	case 'o':
		if (submit_op_parse(arg, &a->job.opcode))
			return pctl_usage(cmd, "--op '%s': use memmove, fill, compare, crc or noop",
					  arg);
		a->op_set = true;
		return 0;
	case 's':
		if (parse_size(arg, 1ull << 31, &a->job.size) || !a->job.size)
			return pctl_usage(cmd, "--size '%s': need 1..2G bytes (K, M, G suffixes)",
					  arg);
		return 0;
	case 'c':
		if (parse_u64(arg, 100000000, &a->count) || !a->count)
			return pctl_usage(cmd, "--count '%s': need 1..100000000", arg);
		return 0;
	case OPT_CMD_BASE:
		a->no_mmap = true;
		return 0;
	case OPT_CMD_BASE + 1:
		a->job.sim_fault = true;
		return 0;
	}
	return pctl_usage(cmd, "unexpected option");
}

struct ops_lookup {
	const char *name;
	uint64_t ops[4];
	bool found;
};

static int ops_cb(const struct pasid_wq_entry *wq, const char *reason, void *data)
{
	struct ops_lookup *l = data;

	(void)reason;
	if (strcmp(wq->name, l->name))
		return 0;
	memcpy(l->ops, wq->ops, sizeof(l->ops));
	l->found = true;
	return 1;
}

/* Does the WQ accept @opcode (op_config, else the device's op_cap)? */
static bool wq_accepts(struct pasid_ctx *ctx, const char *name, unsigned int opcode)
{
	struct ops_lookup l = { .name = name };
	struct pasid_wq_filter f;

	pasid_wq_filter_init(&f);
	f.flags |= PASID_WQ_FILTER_ANY_STATE | PASID_WQ_FILTER_ANY_TYPE |
		   PASID_WQ_FILTER_NO_PASID_OK;
	pasid_wq_discover(ctx, &f, ops_cb, &l, NULL);
	if (!l.found || !(l.ops[0] | l.ops[1] | l.ops[2] | l.ops[3]))
		return true;	/* unknown: let the device answer */
	return (l.ops[opcode / 64] >> (opcode % 64)) & 1;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(const uint64_t *v, uint64_t n, unsigned int p)
{
	uint64_t i = (n * p + 99) / 100;

	return v[i ? i - 1 : 0];
}

/*
 * The progress bar, on stderr when it is a terminal (never with -q): shown
 * from the start for 100 descriptors or more, else once the run has taken
 * PROGRESS_DELAY_NS (PASIDCTL_PROGRESS_DELAY_MS, a testing aid); redrawn at
 * most every PROGRESS_EVERY_NS. stdout is untouched, so --json stays one
 * document.
 */
#define PROGRESS_DELAY_NS	500000000ull
#define PROGRESS_EVERY_NS	100000000ull
#define BAR_WIDTH		30

struct progress {
	bool possible, shown, dumb;
	uint64_t delay_ns, start, last;
};

static void progress_init(struct progress *pr, const struct pctl *g, uint64_t count,
			  uint64_t start)
{
	const char *env = getenv("PASIDCTL_PROGRESS_DELAY_MS"), *term = getenv("TERM");
	uint64_t ms;

	memset(pr, 0, sizeof(*pr));
	pr->possible = g->tty_err && !g->quiet && count > 1;
	pr->dumb = !term || !strcmp(term, "dumb");
	pr->delay_ns = count >= 100 ? 0 : PROGRESS_DELAY_NS;
	if (env && !parse_u64(env, 3600000, &ms))
		pr->delay_ns = ms * 1000000ull;
	pr->start = start;
}

static void progress_clear(struct progress *pr)
{
	if (!pr->shown)
		return;
	if (pr->dumb)	/* no ANSI erase on a dumb terminal: overwrite with blanks */
		fprintf(stderr, "\r%*s\r", BAR_WIDTH + 60, "");
	else
		fputs("\r\033[K", stderr);
	pr->shown = false;
}

static void progress(struct progress *pr, uint64_t done, uint64_t total, uint64_t now)
{
	unsigned int fill = (unsigned int)(done * BAR_WIDTH / total), i;
	double rate, secs = (double)(now - pr->start) / 1e9;

	if (!pr->possible || now - pr->start < pr->delay_ns)
		return;
	if (pr->shown && done != total && now - pr->last < PROGRESS_EVERY_NS)
		return;
	pr->last = now;
	pr->shown = true;
	rate = secs > 0 ? (double)done / secs : 0;
	fputc('\r', stderr);
	fputc('[', stderr);
	for (i = 0; i < BAR_WIDTH; i++)
		fputc(i < fill ? '#' : ' ', stderr);
	fprintf(stderr, "] %3u%% %llu/%llu", (unsigned int)(done * 100 / total),
		(unsigned long long)done, (unsigned long long)total);
	if (rate > 0 && done < total)
		fprintf(stderr, "  %.0f ops/s, %.0f s left   ", rate,
			(double)(total - done) / rate + 0.5);
	if (done == total)
		progress_clear(pr);
	fflush(stderr);
}

int cmd_submit(struct pctl *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "wq", required_argument, NULL, 'w' },
		{ "op", required_argument, NULL, 'o' },
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'c' },
		{ "no-mmap", no_argument, NULL, OPT_CMD_BASE },
		{ "sim-fault", no_argument, NULL, OPT_CMD_BASE + 1 },
		{ NULL, 0, NULL, 0 },
	};
	const struct pctl_cmd *cmd = pctl_find_cmd("submit");
	struct submit_args a = { .job = { DSA_OPCODE_MEMMOVE, 4096, false }, .count = 1 };
	struct submit_stats st = { 0 };
	struct submit_buffers b;
	struct pasid_wq_info wi = { .size = sizeof(wi) };
	struct pasid_wq *wq = NULL;
	uint64_t *lat = NULL, i, tstart, elapsed, bytes;
	char why[200] = "", object[96], buf[4][32];
	struct progress pr;
	int rc, first, err;

	rc = pctl_parse(g, cmd, argc, argv, "w:o:s:c:", longopts, submit_opt, &a, &first);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (first < argc)
		return pctl_usage(cmd, "unexpected argument '%s'", argv[first]);
	if (!a.wq)
		return pctl_usage(cmd, "--wq NAME is required (see 'pasidctl devices')");
	if (a.job.sim_fault && !g->sim)
		return pctl_usage(cmd, "--sim-fault needs --sim (faults are injected into the "
				  "software engine)");
	if (a.job.opcode == DSA_OPCODE_NOOP)
		a.job.size = 0;
	rc = pctl_open(g);
	if (rc)
		return rc;
	pctl_banner(g);
	lat = calloc(a.count, sizeof(*lat));
	if (!lat || submit_buffers_alloc(&b, a.job.size)) {
		free(lat);
		return pctl_err(g, a.wq, ENOMEM, "out of memory for %llu bytes",
				(unsigned long long)a.job.size);
	}
	err = pasid_wq_open(g->ctx, a.wq, a.no_mmap ? PASID_WQ_OPEN_NO_MMAP : 0, &wq);
	if (err) {
		rc = pctl_err_ctx(g, a.wq, err, "cannot open");
		goto out;
	}
	pasid_wq_get_info(wq, &wi);
	if (a.job.size > wi.max_transfer_size) {
		rc = pctl_err(g, wi.name, EINVAL, "--size %llu exceeds the WQ's max_transfer_size "
			      "%llu", (unsigned long long)a.job.size,
			      (unsigned long long)wi.max_transfer_size);
		goto out;
	}
	if (!wq_accepts(g->ctx, wi.name, a.job.opcode)) {
		rc = pctl_err(g, wi.name, EOPNOTSUPP, "does not accept %s (opcode %u is not in its "
			      "op_config/op_cap)", submit_op_name(a.job.opcode), a.job.opcode);
		goto out;
	}
	out(g, "%s: %s WQ, PASID %u, method %s%s%s\n", wi.name,
	    wi.mode == PASID_WQ_SHARED ? "shared" : "dedicated", wi.pasid, wi.method_name,
	    g->verbose ? ": " : "", g->verbose ? wi.reason : "");
	tstart = now_ns();
	progress_init(&pr, g, a.count, tstart);
	for (i = 0; i < a.count; i++) {
		err = submit_one(wq, &a.job, &b, &st, why, sizeof(why));
		if (err) {
			progress_clear(&pr);
			snprintf(object, sizeof(object), "%s: %s #%llu", wi.name,
				 submit_op_name(a.job.opcode), (unsigned long long)i + 1);
			rc = pctl_err(g, object, err, "%s", why);
			goto out;
		}
		lat[i] = st.last_ns;
		if (pr.possible)
			progress(&pr, i + 1, a.count, now_ns());
	}
	elapsed = now_ns() - tstart;
	qsort(lat, a.count, sizeof(*lat), cmp_u64);
	bytes = a.job.size * a.count;
	if (g->json) {
		json_object *o = json_object_new_object(), *l = json_object_new_object();

		json_object_object_add(o, "wq", js(wi.name));
		json_object_object_add(o, "mode", js(wi.mode == PASID_WQ_SHARED ? "shared"
						     : "dedicated"));
		json_object_object_add(o, "method", js(wi.method_name));
		json_object_object_add(o, "pasid", ju(wi.pasid));
		json_object_object_add(o, "simulated", jb(wi.flags & PASID_WQ_INFO_SIMULATED));
		json_object_object_add(o, "op", js(submit_op_name(a.job.opcode)));
		json_object_object_add(o, "size", ju(a.job.size));
		json_object_object_add(o, "ops", ju(a.count));
		json_object_object_add(o, "bytes", ju(bytes));
		json_object_object_add(o, "elapsed_ns", ju(elapsed));
		json_object_object_add(o, "retries", ju(st.retries));
		json_object_object_add(o, "page_faults", ju(st.faults));
		json_object_object_add(o, "verified", jb(true));
		if (a.job.opcode == DSA_OPCODE_CRCGEN)
			json_object_object_add(o, "crc32c", ju(st.crc));
		json_object_object_add(l, "min", ju(lat[0]));
		json_object_object_add(l, "p50", ju(pct(lat, a.count, 50)));
		json_object_object_add(l, "p90", ju(pct(lat, a.count, 90)));
		json_object_object_add(l, "p99", ju(pct(lat, a.count, 99)));
		json_object_object_add(l, "max", ju(lat[a.count - 1]));
		json_object_object_add(o, "latency_ns", l);
		json_object_object_add(pctl_doc(g), "submit", o);
	} else {
		out(g, "%llu %s op%s of %s: all completed and checked%s\n",
		    (unsigned long long)a.count, submit_op_name(a.job.opcode),
		    a.count == 1 ? "" : "s",
		    fmt_bytes(a.job.size, buf[0], sizeof(buf[0])),
		    wi.flags & PASID_WQ_INFO_SIMULATED ? " (SIMULATED engine)" : "");
		out(g, "  ops          %llu\n", (unsigned long long)a.count);
		out(g, "  bytes        %s\n", fmt_bytes(bytes, buf[0], sizeof(buf[0])));
		out(g, "  elapsed      %s\n", fmt_ns(elapsed, buf[0], sizeof(buf[0])));
		if (elapsed && bytes)
			out(g, "  throughput   %.1f MB/s\n", (double)bytes * 1e3 / (double)elapsed);
		out(g, "  latency      min %s  p50 %s  p99 %s  max %s\n",
		    fmt_ns(lat[0], buf[0], sizeof(buf[0])),
		    fmt_ns(pct(lat, a.count, 50), buf[1], sizeof(buf[1])),
		    fmt_ns(pct(lat, a.count, 99), buf[2], sizeof(buf[2])),
		    fmt_ns(lat[a.count - 1], buf[3], sizeof(buf[3])));
		out(g, "  retries      %llu\n", (unsigned long long)st.retries);
		out(g, "  page faults  %llu\n", (unsigned long long)st.faults);
		if (a.job.opcode == DSA_OPCODE_CRCGEN)
			out(g, "  crc32c       0x%08x\n", st.crc);
	}
	rc = EXIT_OK;
out:
	pasid_wq_close(wq);
	submit_buffers_free(&b);
	free(lat);
	return rc;
}
