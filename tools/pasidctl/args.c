// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * args.c - option parsing shared by all commands, and the value parsers
 * (numbers, sizes, PASIDs, RIDs). Every parser rejects trailing text.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pasidctl.h"

const struct option pctl_global_longopts[] = {
	{ "json", no_argument, NULL, OPT_JSON },
	{ "sim", no_argument, NULL, OPT_SIM },
	{ "topology", required_argument, NULL, OPT_TOPOLOGY },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define NR_GLOBAL_LONGOPTS (sizeof(pctl_global_longopts) / sizeof(pctl_global_longopts[0]) - 1)
#define MAX_CMD_LONGOPTS 24

int pctl_global_opt(struct pctl *g, int c, const char *arg)
{
	switch (c) {
	case OPT_JSON:
		g->json = true;
		return 0;
	case OPT_SIM:
		g->sim = true;
		return 0;
	case OPT_TOPOLOGY:
		g->topology = arg;
		return 0;
	case 'q':
		g->quiet++;
		return 0;
	case 'v':
		g->verbose++;
		return 0;
	}
	return -1;
}

int pctl_usage(const struct pctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pasidctl%s%s: ", cmd ? " " : "", cmd ? cmd->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'pasidctl %s%s--help'.\n", cmd ? cmd->name : "", cmd ? " " : "");
	return EXIT_USAGE;
}

void pctl_print_help(const struct pctl_cmd *cmd)
{
	printf("Usage: pasidctl [GLOBAL OPTIONS] %s%s%s\n\n%s\n", cmd->name, *cmd->args ? " " : "",
	       cmd->args, cmd->summary);
	if (cmd->help && *cmd->help)
		printf("\nOptions:\n%s", cmd->help);
	printf("\nGlobal options (before or after the command):\n"
	       "  --sim [--topology FILE]  use the SIMULATED platform (built-in or FILE)\n"
	       "  --json                   one JSON document on stdout\n"
	       "  -q, --quiet              less output;  -v, --verbose  more output\n"
	       "  -h, --help               this help\n"
	       "\nExit status: 0 ok, 1 failure, 2 usage error. See pasidctl(1).\n");
}

int pctl_parse(struct pctl *g, const struct pctl_cmd *cmd, int argc, char **argv,
	       const char *shortopts, const struct option *longopts, pctl_opt_fn handle,
	       void *data, int *ret_optind)
{
	struct option all[MAX_CMD_LONGOPTS + NR_GLOBAL_LONGOPTS + 1];
	char so[64];
	size_t n = 0, i;
	int c, err;

	for (i = 0; longopts && longopts[i].name && n < MAX_CMD_LONGOPTS; i++)
		all[n++] = longopts[i];
	for (i = 0; i < NR_GLOBAL_LONGOPTS; i++)
		all[n++] = pctl_global_longopts[i];
	memset(&all[n], 0, sizeof(all[n]));
	snprintf(so, sizeof(so), ":%s%s", PCTL_GLOBAL_SHORTOPTS, shortopts ? shortopts : "");

	optind = 0;	/* GNU: full re-initialisation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, so, all, NULL)) != -1) {
		if (c == 'h') {
			pctl_print_help(cmd);
			return 1;
		}
		if (c == '?') {
			if (optopt && optopt < 0x100)
				return pctl_usage(cmd, "unknown option '-%c'", optopt);
			return pctl_usage(cmd, "unknown option '%s'", argv[optind - 1]);
		}
		if (c == ':') {
			if (optopt && optopt < 0x100)
				return pctl_usage(cmd, "option '-%c' needs a value", optopt);
			return pctl_usage(cmd, "option '%s' needs a value", argv[optind - 1]);
		}
		if (!pctl_global_opt(g, c, optarg))
			continue;
		if (!handle)
			return pctl_usage(cmd, "unexpected option");
		err = handle(g, c, optarg, data);
		if (err)
			return EXIT_USAGE;
	}
	if (g->json)
		g->color = false;
	if (g->topology && !g->sim)
		return pctl_usage(cmd, "--topology FILE needs --sim");
	*ret_optind = optind;
	return 0;
}

/* ---- values --------------------------------------------------------------- */

int parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -EINVAL;
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_size(const char *s, uint64_t max, uint64_t *ret)
{
	static const struct {
		const char *suffix;
		unsigned int shift;
	} units[] = {
		{ "", 0 }, { "B", 0 },
		{ "K", 10 }, { "KiB", 10 }, { "k", 10 },
		{ "M", 20 }, { "MiB", 20 },
		{ "G", 30 }, { "GiB", 30 },
	};
	unsigned long long v;
	char *end;
	size_t i;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix))
			continue;
		if (v > (max >> units[i].shift))
			return -ERANGE;
		*ret = (uint64_t)v << units[i].shift;
		return 0;
	}
	return -EINVAL;
}

int parse_pasid(const char *s, uint32_t *ret)
{
	uint64_t v;
	int err = parse_u64(s, PASID_LIMIT - 1, &v);

	if (err)
		return err;
	if (v == 0)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

bool rid_syntax_ok(const char *s)
{
	uint32_t rid;

	return pasid_rid_parse(s, &rid) == 0;
}

struct name_lookup {
	const char *name;
	uint32_t rid;
	bool found;
};

static int name_cb(const struct pasid_wq_entry *wq, const char *reason, void *data)
{
	struct name_lookup *l = data;

	(void)reason;
	if (!strcmp(wq->device, l->name) && wq->rid) {
		l->rid = wq->rid;
		l->found = true;
		return 1;
	}
	return 0;
}

int parse_rid(struct pasid_ctx *ctx, const char *s, uint32_t *ret)
{
	struct pasid_wq_filter f;
	struct name_lookup l = { .name = s };

	if (!s || !*s)
		return -EINVAL;
	if (!pasid_rid_parse(s, ret))
		return 0;
	if (!isalpha((unsigned char)*s) || strlen(s) > 31)
		return -EINVAL;
	pasid_wq_filter_init(&f);
	f.flags |= PASID_WQ_FILTER_ANY_STATE | PASID_WQ_FILTER_ANY_TYPE |
		   PASID_WQ_FILTER_NO_PASID_OK;
	pasid_wq_discover(ctx, &f, name_cb, &l, NULL);
	if (!l.found)
		return -ENOENT;
	*ret = l.rid;
	return 0;
}

int parse_rid_list(struct pasid_ctx *ctx, const char *s, uint32_t *rids, size_t max,
		   size_t *ret_n)
{
	char *copy = strdup(s ? s : ""), *tok, *save = NULL;
	size_t n = 0;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	if (!*copy || copy[strlen(copy) - 1] == ',' || *copy == ',' || strstr(copy, ",,")) {
		err = -EINVAL;
		goto out;
	}
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (n == max) {
			err = -E2BIG;
			goto out;
		}
		err = parse_rid(ctx, tok, &rids[n]);
		if (err)
			goto out;
		n++;
	}
	*ret_n = n;
out:
	free(copy);
	return err;
}
