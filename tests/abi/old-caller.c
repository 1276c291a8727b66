// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * old-caller.c - a caller built against an OLDER header, run against this
 * library. It does not include <libpasid/pasid.h>: it declares what the
 * first layouts look like (each extensible struct cut where its first
 * version ends, as docs/abi.md defines it, or where a caller that wants
 * only the first fields cuts it) and the calls it makes, as an old
 * installed header would. The library must accept the smaller sizes, fill
 * no byte past them, and apply its defaults to the fields the caller does
 * not know.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- the old header ---- */
struct pasid_wq;
struct pasid_ctx;
struct old_wq_filter {			/* first version: up to ops */
	uint32_t size, mode, dev_type;
	int32_t numa_node;
	uint32_t flags, reserved;
	uint64_t ops[4];
};
struct old_wq_info {			/* a prefix: up to the PASID */
	uint32_t size, flags, mode, method, pasid;
};
struct old_discover_result {		/* without the stop value */
	uint32_t size, seen, chosen;
};
struct old_submit_opts {
	uint32_t size, max_retries, backoff_min_ns, backoff_max_ns;
	uint64_t deadline_ns;
};
typedef int (*old_wq_cb)(const void *wq, const char *reason, void *data);
int pasid_wq_open(struct pasid_ctx *ctx, const char *name, uint32_t flags, struct pasid_wq **w);
struct pasid_wq *pasid_wq_close(struct pasid_wq *wq);
int pasid_wq_get_info(const struct pasid_wq *wq, struct old_wq_info *info);
int pasid_wq_discover(struct pasid_ctx *ctx, const struct old_wq_filter *f, old_wq_cb cb,
		      void *data, struct old_discover_result *ret);
int pasid_wq_get_submit_opts(const struct pasid_wq *wq, struct old_submit_opts *o);
int pasid_wq_set_submit_opts(struct pasid_wq *wq, const struct old_submit_opts *o);
/* ---- end of the old header ---- */

#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s\n", __LINE__, #c); return 1; } } while (0)
#define CANARY 0xa5a5a5a5u

static int count(const void *wq, const char *reason, void *data)
{
	(void)wq;
	if (!reason)
		++*(int *)data;
	return 0;
}

int main(void)
{
	struct { struct old_wq_filter f; uint32_t canary; } f;
	struct { struct old_wq_info in; uint32_t canary; } in;
	struct { struct old_discover_result r; uint32_t canary; } r;
	struct { struct old_submit_opts o; uint64_t tail; } o;
	struct pasid_wq *wq = NULL;
	int chosen = 0;

	/* the default filter, as an old caller fills it by hand */
	memset(&f, 0, sizeof(f));
	f.f.size = sizeof(f.f);
	f.f.numa_node = -1;
	f.canary = CANARY;	/* would be name_prefix[0..3] of today's filter: not read */
	memset(&r, 0, sizeof(r));
	r.r.size = sizeof(r.r);
	r.canary = CANARY;
	CHECK(pasid_wq_discover(NULL, &f.f, count, &chosen, &r.r) == 0);
	printf("old filter: %u seen, %u chosen (callback %d)\n", r.r.seen, r.r.chosen, chosen);
	CHECK(r.r.size == sizeof(r.r) && r.canary == CANARY);
	CHECK(r.r.seen == 8 && r.r.chosen == 8 && chosen == 8);	/* the built-in SIMULATED WQs */

	CHECK(pasid_wq_open(NULL, "dsa0/wq0.0", 0, &wq) == 0);
	memset(&in, 0xa5, sizeof(in));
	in.in.size = sizeof(in.in);
	CHECK(pasid_wq_get_info(wq, &in.in) == 0);
	CHECK(in.in.size == sizeof(in.in) && in.canary == CANARY);
	CHECK(in.in.mode == 1 && in.in.pasid != 0 && (in.in.flags & 1));	/* shared, simulated */

	memset(&o, 0, sizeof(o));
	o.o.size = sizeof(o.o);
	CHECK(pasid_wq_get_submit_opts(wq, &o.o) == 0);
	CHECK(o.o.max_retries == 32 && o.tail == 0);
	/* a newer caller's larger struct: a zero tail is fine, a non-zero one is not */
	o.o.size = sizeof(o);
	o.o.max_retries = 5;
	CHECK(pasid_wq_set_submit_opts(wq, &o.o) == 0);
	o.tail = 1;
	CHECK(pasid_wq_set_submit_opts(wq, &o.o) == -E2BIG);
	o.o.size = 12;	/* below the first version */
	CHECK(pasid_wq_set_submit_opts(wq, &o.o) == -EINVAL);
	o.o.size = sizeof(o.o);
	CHECK(pasid_wq_get_submit_opts(wq, &o.o) == 0 && o.o.max_retries == 5);
	pasid_wq_close(wq);
	printf("ok\n");
	return 0;
}
