// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-cli-args.c - pasidctl's argument parsing (tools/pasidctl/args.c,
 * compiled into this target): the value parsers and the option loop every
 * command uses, with a command-like option table.
 *
 * Input: a selector byte, then NUL-separated strings (argv for the option
 * loop). Properties: parsers return 0 or a documented -errno and, on
 * success, a value inside the bound they were given; RID parsing agrees with
 * pasid_rid_parse() and names only devices of the SIMULATED platform;
 * the option loop returns 0, 1 (help) or EXIT_USAGE and, on 0, an optind
 * inside argv, without reading past argv.
 */
#include <errno.h>
#include <string.h>

#include "pasidctl.h"
#include "fuzz.h"

#define MAX_ARGS 16

static struct pasid_ctx *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };

	(void)argc;
	(void)argv;
	FUZZ_CHECK(pasid_ctx_new(&o, &ctx) == 0, "sim context: %s", pasid_strerror_last());
	return 0;
}

struct opt_state {
	uint64_t count, size;
	uint32_t pasid;
	uint32_t rids[8];
	size_t nr_rids;
	bool flag;
};

enum { O_COUNT = OPT_CMD_BASE, O_SIZE, O_PASID, O_RIDS, O_FLAG };

static int handle(struct pctl *g, int c, const char *arg, void *data)
{
	struct opt_state *st = data;

	(void)g;
	switch (c) {
	case O_COUNT:
	case 'n':
		return parse_u64(arg, 1000000, &st->count) ? EXIT_USAGE : 0;
	case O_SIZE:
		return parse_size(arg, 1ull << 30, &st->size) ? EXIT_USAGE : 0;
	case O_PASID:
		return parse_pasid(arg, &st->pasid) ? EXIT_USAGE : 0;
	case O_RIDS:
		return parse_rid_list(ctx, arg, st->rids, 8, &st->nr_rids) ? EXIT_USAGE : 0;
	case O_FLAG:
	case 'f':
		st->flag = true;
		return 0;
	}
	return EXIT_USAGE;
}

static const struct option longopts[] = {
	{ "count", required_argument, NULL, O_COUNT },
	{ "size", required_argument, NULL, O_SIZE },
	{ "pasid", required_argument, NULL, O_PASID },
	{ "rids", required_argument, NULL, O_RIDS },
	{ "flag", no_argument, NULL, O_FLAG },
	{ NULL, 0, NULL, 0 },
};

static const struct pctl_cmd cmd = {
	.name = "fuzz", .args = "[OPTIONS] ARGS...", .summary = "fuzz target",
	.help = "  --count N, --size SIZE, --pasid P, --rids A,B, --flag\n",
};

static void check_values(const char *s, uint8_t sel)
{
	uint64_t v = 0, max = sel & 0x10 ? PASID_LIMIT - 1 : ~0ull;
	uint32_t p = 0, rid = 0, rids[4];
	size_t n = 0;
	int rc;

	rc = parse_u64(s, max, &v);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE, "parse_u64 %d", rc);
	FUZZ_CHECK(rc || v <= max, "parse_u64 \"%s\" -> %llu > %llu", s, (unsigned long long)v,
		   (unsigned long long)max);
	rc = parse_size(s, max, &v);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE, "parse_size %d", rc);
	FUZZ_CHECK(rc || v <= max, "parse_size \"%s\" -> %llu > %llu", s, (unsigned long long)v,
		   (unsigned long long)max);
	rc = parse_pasid(s, &p);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE, "parse_pasid %d", rc);
	FUZZ_CHECK(rc || (p >= 1 && p < PASID_LIMIT), "parse_pasid \"%s\" -> %u", s, p);
	FUZZ_CHECK(rid_syntax_ok(s) == (pasid_rid_parse(s, &rid) == 0), "rid_syntax_ok \"%s\"", s);
	rc = parse_rid(ctx, s, &rid);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOENT, "parse_rid %d", rc);
	rc = parse_rid_list(ctx, s, rids, 4, &n);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOENT || rc == -E2BIG, "list %d", rc);
	FUZZ_CHECK(rc || (n >= 1 && n <= 4), "list \"%s\": %zu RIDs", s, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[MAX_ARGS + 2];
	struct opt_state st = { 0 };
	struct pctl g = { 0 };
	int argc = 0, rc, optind_out = -1;
	uint8_t sel;

	if (!ctx)
		LLVMFuzzerInitialize(NULL, NULL);
	if (!size)
		return 0;
	sel = data[0];
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	argv[argc++] = (char *)"fuzz";
	for (char *p = buf; p < buf + size - 1 && argc <= MAX_ARGS; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;

	for (int i = 1; i < argc; i++)
		check_values(argv[i], sel);
	rc = pctl_parse(&g, &cmd, argc, argv, sel & 1 ? "n:f" : "", longopts, handle, &st,
			&optind_out);
	FUZZ_CHECK(rc == 0 || rc == 1 || rc == EXIT_USAGE, "pctl_parse %d", rc);
	FUZZ_CHECK(rc || (optind_out >= 1 && optind_out <= argc), "optind %d of %d", optind_out,
		   argc);
	FUZZ_CHECK(!g.topology || g.sim || rc, "--topology accepted without --sim");
	free(buf);
	return 0;
}
