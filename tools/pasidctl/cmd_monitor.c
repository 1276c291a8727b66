// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cmd_monitor.c - "pasidctl monitor": print allocator events until SIGINT or
 * SIGTERM, --count N events or --timeout SECONDS. With --json the events are
 * collected into one document printed at the end.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pasidctl.h"

struct mon {
	struct pctl *g;
	uint64_t count;		/* 0: no limit */
	uint64_t seen;
	double timeout;		/* < 0: none */
	json_object *arr;
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

static int mon_opt(struct pctl *g, int c, const char *arg, void *data)
{
	const struct pctl_cmd *cmd = pctl_find_cmd("monitor");
	struct mon *m = data;
	char *end;

	(void)g;
	switch (c) {
	case 'n':
		if (parse_u64(arg, UINT32_MAX, &m->count) || !m->count)
			return pctl_usage(cmd, "--count '%s': need a number 1..%u", arg,
					  UINT32_MAX);
		return 0;
	case 't':
		errno = 0;
		m->timeout = strtod(arg, &end);
		if (errno || end == arg || *end || !isfinite(m->timeout) || m->timeout < 0 ||
		    m->timeout > 1e6)
			return pctl_usage(cmd, "--timeout '%s': need seconds 0..1000000", arg);
		return 0;
	}
	return pctl_usage(cmd, "unexpected option");
}

static void event_cb(const struct pasid_event *ev, void *data)
{
	struct mon *m = data;
	char rid[PASID_RID_STRLEN], pasid[16], owner[16];

	if (m->count && m->seen >= m->count)
		return;
	m->seen++;
	if (m->g->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "type", js(pasid_event_type_name(ev->type)));
		json_object_object_add(o, "intent", js(ev->intent ? pasid_intent_name(ev->intent)
							       : ""));
		json_object_object_add(o, "pasid", ju(ev->pasid));
		json_object_object_add(o, "rid", ev->rid ? jrid(ev->rid) : js(""));
		json_object_object_add(o, "owner_pid", ji(ev->owner_pid));
		json_object_array_add(m->arr, o);
		return;
	}
	snprintf(pasid, sizeof(pasid), "%u", ev->pasid);
	snprintf(owner, sizeof(owner), "%d", ev->owner_pid);
	out(m->g, "%-12s %7s  %-13s  %-12s  %s\n", pasid_event_type_name(ev->type),
	    ev->pasid ? pasid : "-", ev->intent ? pasid_intent_name(ev->intent) : "-",
	    ev->rid ? rid_str(ev->rid, rid) : "-", ev->owner_pid ? owner : "-");
	fflush(stdout);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_monitor(struct pctl *g, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const struct pctl_cmd *cmd = pctl_find_cmd("monitor");
	struct sigaction sa = { .sa_handler = on_signal };
	struct mon m = { .g = g, .timeout = -1 };
	double deadline;
	int rc, first, fd;

	rc = pctl_parse(g, cmd, argc, argv, "n:t:", longopts, mon_opt, &m, &first);
	if (rc)
		return rc == 1 ? EXIT_OK : rc;
	if (first < argc)
		return pctl_usage(cmd, "unexpected argument '%s'", argv[first]);
	rc = pctl_open(g);
	if (rc)
		return rc;
	fd = pasid_ctx_get_event_fd(g->ctx);
	if (fd < 0)
		return pctl_err_ctx(g, "events", fd, "cannot subscribe");
	pctl_banner(g);
	m.arr = json_object_new_array();
	if (g->json)
		json_object_object_add(pctl_doc(g), "events", m.arr);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	out(g, "Watching events%s; Ctrl-C stops.\n", pctl_is_sim(g) ? " of the SIMULATED platform"
								       : "");
	out(g, "%s%-12s %7s  %-13s  %-12s  %s%s\n", col(g, C_BOLD), "EVENT", "PASID", "INTENT",
	    "RID", "OWNER", col_end(g));
	fflush(stdout);
	deadline = m.timeout >= 0 ? now_s() + m.timeout : 0;
	rc = EXIT_OK;
	while (!stop_sig && !(m.count && m.seen >= m.count)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ms = -1, n;

		if (m.timeout >= 0) {
			double left = deadline - now_s();

			if (left <= 0)
				break;
			ms = (int)(left * 1000) + 1;
		}
		n = poll(&p, 1, ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = pctl_err(g, "events", errno, "poll: %s", strerror(errno));
			break;
		}
		if (n == 0)
			continue;
		n = pasid_ctx_dispatch_events(g->ctx, event_cb, &m);
		if (n < 0) {
			rc = pctl_err_ctx(g, "events", n, "cannot read");
			break;
		}
	}
	if (g->json) {
		json_object_object_add(pctl_doc(g), "count", ju(m.seen));
		json_object_object_add(pctl_doc(g), "stopped_by",
				       js(stop_sig ? "signal" : m.count && m.seen >= m.count
								? "count" : "timeout"));
	} else {
		json_object_put(m.arr);
	}
	info(g, "%llu events", (unsigned long long)m.seen);
	return rc;
}
