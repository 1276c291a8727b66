// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-parsers.c - RID strings and sim topology files: good input is read
 * exactly, bad input gets a precise error and changes nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <libpasid/pasid.h>

#include "sim/sim.h"

static void test_rid_parse_good(void **state)
{
	static const struct {
		const char *text;
		uint32_t rid;
	} good[] = {
		{ "0000:6a:01.0", 0x6a08 },  { "6a:01.0", 0x6a08 },	 { "0000:e7:02.0", 0xe710 },
		{ "ffff:ff:1f.7", 0xffffffff }, { "00:00.0", 0 },	 { "0001:00:04.1", 0x10021 },
		{ "ABCD:EF:1F.7", 0xabcdefff },
	};
	char buf[PASID_RID_STRLEN];
	uint32_t rid;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		rid = 0xdeadbeef;
		assert_int_equal(pasid_rid_parse(good[i].text, &rid), 0);
		assert_int_equal(rid, good[i].rid);
	}
	assert_int_equal(pasid_rid_format(0x6a08, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0000:6a:01.0");
	assert_int_equal(pasid_rid_format(0xffffff, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "00ff:ff:1f.7");
	assert_int_equal(pasid_rid_format(1, buf, 5), -ENOSPC);
}

static void test_rid_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "6a", "6a:01", "6a:01.", "6a:01.8", "6a:20.0", "6a:01.0 ", " 6a:01.0",
		"0000:6a:01.0x", "00000:6a:01.0", "000:6a:01.0", "g0:01.0", "6a-01.0", "6a:1.0",
		"+a:01.0", "0000:6a:01:0", "0000::01.0", "0x6a:01.0", "6a:01.00",
	};
	uint32_t rid = 42;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pasid_rid_parse(bad[i], &rid) != -EINVAL)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_int_equal(rid, 42);	/* untouched */
	}
	assert_int_equal(pasid_rid_parse(NULL, &rid), -EINVAL);
	assert_int_equal(pasid_rid_parse("6a:01.0", NULL), -EINVAL);
}

static char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/pasid-topo-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_topology_default(void **state)
{
	struct sim_topology *t;
	unsigned int i, shared = 0;

	(void)state;
	assert_int_equal(sim_topology_default(&t), 0);
	assert_int_equal(t->nr_devices, 4);
	assert_int_equal(t->nr_wqs, 8);
	assert_int_equal(t->nr_rids, 5);
	assert_string_equal(t->devices[0].name, "dsa0");
	assert_int_equal(t->devices[0].rid, 0x6a08);
	assert_string_equal(t->devices[3].name, "iax3");
	assert_int_equal(t->devices[3].rid, 0xe710);
	assert_string_equal(t->wqs[7].name, "wq3.1");
	for (i = 0; i < t->nr_wqs; i++)
		shared += t->wqs[i].mode == SIM_WQ_SHARED;
	assert_int_equal(shared, 4);
	assert_int_equal(t->rids[4].rid, 0x0020);
	assert_int_equal(t->rids[4].width, 8);
	sim_topology_free(t);
}

static void test_topology_file(void **state)
{
	const char *path = write_tmp(
		"{\n"
		"  \"rids\": [ { \"rid\": \"0000:00:04.0\", \"width\": 5 } ],\n"
		"  \"devices\": [\n"
		"    { \"name\": \"dsa0\", \"type\": \"dsa\", \"rid\": \"0001:6a:01.0\",\n"
		"      \"numa_node\": 1, \"width\": 12,\n"
		"      \"wqs\": [ { \"name\": \"wq0.0\", \"mode\": \"shared\", \"size\": 8 },\n"
		"               { \"name\": \"wq0.1\", \"mode\": \"dedicated\",\n"
		"                 \"max_transfer_size\": 4096, \"block_on_fault\": true } ] }\n"
		"  ]\n"
		"}\n");
	struct sim_topology *t;
	char err[256] = "";

	(void)state;
	assert_int_equal(sim_topology_load(path, &t, err, sizeof(err)), 0);
	assert_int_equal(t->nr_rids, 2);
	assert_int_equal(t->rids[1].rid, 0x16a08);
	assert_int_equal(t->rids[1].width, 12);
	assert_int_equal(t->devices[0].numa_node, 1);
	assert_int_equal(t->nr_wqs, 2);
	assert_int_equal(t->wqs[0].size, 8);
	assert_int_equal(t->wqs[1].mode, SIM_WQ_DEDICATED);
	assert_int_equal(t->wqs[1].max_transfer_size, 4096);
	assert_true(t->wqs[1].block_on_fault);
	assert_string_equal(t->source, path);
	sim_topology_free(t);
	unlink(path);
}

static void test_topology_errors(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "{", "line 1, column 2" },
		{ "{\n  \"rids\": [\n    { \"rid\": \"0000:00:04.0\", \"width\": 5 },\n  ]\n}",
		  "line 4" },
		{ "[]", "top level: expected an object" },
		{ "{\"ridz\": []}", "unknown key \"ridz\"" },
		{ "{\"rids\": [{\"rid\": \"00:04.0\"}]}", "rids[0]: missing key \"width\"" },
		{ "{\"rids\": [{\"rid\": \"00:04.0\", \"width\": 21}]}", "rids[0].width: 21 is outside 1..20" },
		{ "{\"rids\": [{\"rid\": \"00:04.9\", \"width\": 2}]}", "rids[0].rid: \"00:04.9\"" },
		{ "{\"rids\": [{\"rid\": 5, \"width\": 2}]}", "rids[0].rid: expected string" },
		{ "{\"rids\": [{\"rid\": \"00:04.0\", \"width\": 2}, {\"rid\": \"0000:00:04.0\", \"width\": 3}]}",
		  "rids[1]: RID 0000:00:04.0 appears twice" },
		{ "{\"devices\": [{\"name\": \"dsa0\", \"type\": \"gpu\", \"rid\": \"6a:01.0\"}]}",
		  "devices[0].type: \"gpu\"" },
		{ "{\"devices\": [{\"name\": \"dsa0\", \"type\": \"dsa\", \"rid\": \"6a:01.0\", "
		  "\"wqs\": [{\"name\": \"wq0.0\", \"mode\": \"both\"}]}]}",
		  "devices[0].wqs[0].mode: \"both\"" },
		{ "{\"devices\": [{\"name\": \"dsa0\", \"type\": \"dsa\", \"rid\": \"6a:01.0\", "
		  "\"wqs\": [{\"name\": \"wq0.0\", \"mode\": \"shared\", \"size\": 0}]}]}",
		  "devices[0].wqs[0].size: 0 is outside 1..128" },
		{ "{\"devices\": [{\"name\": \"a/b\", \"type\": \"dsa\", \"rid\": \"6a:01.0\"}]}",
		  "devices[0].name" },
		{ "{\"devices\": [{\"name\": \"d\", \"type\": \"dsa\", \"rid\": \"6a:01.0\"}, "
		  "{\"name\": \"d\", \"type\": \"iax\", \"rid\": \"6a:02.0\"}]}",
		  "devices[1].name: \"d\" appears twice" },
		{ "{}", "no RIDs" },
		{ "{} x", "line 1, column 4" },
	};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *path = write_tmp(bad[i].text);
		struct sim_topology *t = (void *)0x1;

		err[0] = '\0';
		if (sim_topology_load(path, &t, err, sizeof(err)) != -EINVAL)
			fail_msg("case %zu was accepted", i);
		assert_null(t);
		if (!strstr(err, bad[i].msg) || !strstr(err, path))
			fail_msg("case %zu: message \"%s\" lacks \"%s\" or the path", i, err, bad[i].msg);
		unlink(path);
	}
	assert_int_equal(sim_topology_load("/nonexistent/topo.json", &(struct sim_topology *){ 0 },
					   err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "cannot open"));
}

/* A bad topology named by the caller is refused; the default stays usable. */
static void test_topology_ctx(void **state)
{
	const char *path = write_tmp("{\"rids\": [{\"rid\": \"00:04.0\", \"width\": 0}]}");
	struct pasid_ctx_opts opts = { .size = sizeof(opts), .backend = PASID_BACKEND_SIM };
	struct pasid_ctx *ctx = NULL, *other = NULL;

	(void)state;
	opts.sim_topology = path;
	assert_int_equal(pasid_ctx_new(&opts, &ctx), -EINVAL);
	assert_null(ctx);
	assert_non_null(strstr(pasid_strerror_last(), "rids[0].width"));
	opts.sim_topology = NULL;
	assert_int_equal(pasid_ctx_new(&opts, &ctx), 0);
	/* while the default platform lives, another topology is refused */
	opts.sim_topology = path;
	assert_int_equal(pasid_ctx_new(&opts, &other), -EBUSY);
	assert_non_null(strstr(pasid_strerror_last(), "built-in"));
	pasid_ctx_unref(ctx);
	unlink(path);
}

static void test_ctx_opts(void **state)
{
	struct {
		struct pasid_ctx_opts o;
		uint32_t extra;
	} big = { .o = { .size = sizeof(big), .backend = PASID_BACKEND_SIM }, .extra = 1 };
	struct pasid_ctx_opts small = { .size = 4 };
	struct pasid_ctx *ctx = NULL;

	(void)state;
	assert_int_equal(pasid_ctx_new(&small, &ctx), -EINVAL);
	assert_int_equal(pasid_ctx_new(&big.o, &ctx), -E2BIG);
	big.extra = 0;
	assert_int_equal(pasid_ctx_new(&big.o, &ctx), 0);
	pasid_ctx_unref(ctx);
	big.o.flags = 1;
	assert_int_equal(pasid_ctx_new(&big.o, &ctx), -EINVAL);
	assert_int_equal(pasid_ctx_new(NULL, NULL), -EINVAL);
	setenv("LIBPASID_BACKEND", "simulated", 1);
	assert_int_equal(pasid_ctx_new(NULL, &ctx), -EINVAL);
	assert_non_null(strstr(pasid_strerror_last(), "LIBPASID_BACKEND"));
	/* the kernel backend is never replaced by the sim */
	setenv("LIBPASID_BACKEND", "kernel", 1);
	if (access("/dev/pasid", F_OK) != 0) {
		assert_int_equal(pasid_ctx_new(NULL, &ctx), -ENODEV);
		assert_null(ctx);
		assert_non_null(strstr(pasid_strerror_last(), "not loaded"));
	}
	setenv("LIBPASID_BACKEND", "sim", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rid_parse_good),	 cmocka_unit_test(test_rid_parse_bad),
		cmocka_unit_test(test_topology_default), cmocka_unit_test(test_topology_file),
		cmocka_unit_test(test_topology_errors),	 cmocka_unit_test(test_topology_ctx),
		cmocka_unit_test(test_ctx_opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
