// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-kernel-backend.c - what of the kernel backend can be checked on a
 * host without pasid.ko: a missing /dev/pasid is -ENODEV with a message that
 * names the fix, the kernel backend never falls back to the simulated one,
 * and the internal GET_INFO helper refuses non-kernel contexts.
 *
 * The semantics (ioctls, genl dumps, events) are test-api's, in the kernel
 * suite against pasid.ko mock=1 in a booted guest. The "loaded" tests here
 * cover what only the kernel backend has: GET_INFO, MINE for two contexts of
 * one process, the event socket's overrun, a context used after fork().
 *
 * Where /dev/pasid exists the "missing" tests are skipped (they would test
 * that machine's module, not the error path); where it does not, the
 * "loaded" ones are.
 */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <libpasid/pasid.h>
#include <libpasid/testing.h>

#include "kernel/kernel.h"

static void skip_if_loaded(void)
{
	/* main() runs these only where /dev/pasid is absent */
	if (access(PASID_KERNEL_DEV, F_OK) == 0)
		fail_msg("%s exists: this is a host check", PASID_KERNEL_DEV);
}

/* RIDs of the "loaded" tests: segment 0x00fb, 00fb:02:dd.f */
#define RID(n)	(0xfb0200u + (n))

/* The message pasid_ctx_new() left must name every way out. */
static void assert_fix_named(const char *msg)
{
	assert_non_null(strstr(msg, "/dev/pasid"));
	assert_non_null(strstr(msg, "modprobe pasid"));
	assert_non_null(strstr(msg, "pasid-dkms"));
	assert_non_null(strstr(msg, "LIBPASID_BACKEND=sim"));
	assert_non_null(strstr(msg, "SIMULATED"));
}

static void expect_enodev(const struct pasid_ctx_opts *opts)
{
	struct pasid_ctx *ctx = (struct pasid_ctx *)&ctx;	/* must be reset to NULL */

	assert_int_equal(pasid_ctx_new(opts, &ctx), -ENODEV);
	assert_null(ctx);
	assert_fix_named(pasid_strerror_last());
}

static void test_env_kernel_missing(void **state)
{
	(void)state;
	skip_if_loaded();
	assert_int_equal(setenv("LIBPASID_BACKEND", "kernel", 1), 0);
	expect_enodev(NULL);
}

static void test_default_is_kernel_never_sim(void **state)
{
	(void)state;
	skip_if_loaded();
	/* no LIBPASID_BACKEND at all: the default is the kernel, not a silent sim */
	assert_int_equal(unsetenv("LIBPASID_BACKEND"), 0);
	expect_enodev(NULL);
	assert_int_equal(setenv("LIBPASID_BACKEND", "", 1), 0);
	expect_enodev(NULL);
}

static void test_explicit_kernel_beats_env_sim(void **state)
{
	struct pasid_ctx_opts opts = { .size = sizeof(opts), .backend = PASID_BACKEND_KERNEL };

	(void)state;
	skip_if_loaded();
	/* an explicit choice in the options is not overridden by the environment */
	assert_int_equal(setenv("LIBPASID_BACKEND", "sim", 1), 0);
	expect_enodev(&opts);
	/* and a sim topology option does not turn it into a sim context either */
	opts.sim_topology = "/nonexistent/topology.json";
	expect_enodev(&opts);
}

static void test_error_message_is_per_call(void **state)
{
	struct pasid_ctx_opts opts = { .size = sizeof(opts), .backend = PASID_BACKEND_SIM };
	struct pasid_ctx *ctx = NULL;

	(void)state;
	skip_if_loaded();
	assert_int_equal(setenv("LIBPASID_BACKEND", "kernel", 1), 0);
	expect_enodev(NULL);
	/* a later success does not leave the old failure's message behind */
	assert_int_equal(setenv("LIBPASID_SIM_TOPOLOGY", "", 1), 0);
	assert_int_equal(pasid_ctx_new(&opts, &ctx), 0);
	assert_string_equal(pasid_strerror_last(), "");
	assert_non_null(strstr(pasid_ctx_backend_name(ctx), "simulated"));
	pasid_ctx_unref(ctx);
}

static void test_get_info_needs_kernel_ctx(void **state)
{
	struct pasid_ctx_opts opts = { .size = sizeof(opts), .backend = PASID_BACKEND_SIM };
	struct pasid_cmd_get_info info;
	struct pasid_ctx *ctx = NULL;

	(void)state;
	assert_int_equal(setenv("LIBPASID_SIM_TOPOLOGY", "", 1), 0);
	assert_int_equal(pasid_ctx_new(&opts, &ctx), 0);
	assert_int_equal(pasid_kernel_get_info(ctx, &info), -EOPNOTSUPP);
	assert_non_null(strstr(pasid_ctx_last_error(ctx), "not the kernel backend"));
	assert_int_equal(pasid_kernel_get_info(ctx, NULL), -EINVAL);
	assert_int_equal(pasid_kernel_get_info(NULL, &info), -EINVAL);
	pasid_ctx_unref(ctx);
}

/* ---- with pasid.ko loaded (the kernel suite's guest) ------------------------ */

/* A kernel context, or skip when there is no module (or it is not mock). */
static struct pasid_ctx *kernel_ctx(bool need_mock)
{
	struct pasid_ctx_opts opts = { .size = sizeof(opts), .backend = PASID_BACKEND_KERNEL };
	struct pasid_cmd_get_info info;
	struct pasid_ctx *ctx = NULL;
	int err;

	if (access(PASID_KERNEL_DEV, F_OK))
		fail_msg("%s is missing: this is a guest check", PASID_KERNEL_DEV);
	err = pasid_ctx_new(&opts, &ctx);
	if (err)
		fail_msg("pasid_ctx_new: %d: %s", err, pasid_strerror_last());
	assert_int_equal(pasid_kernel_get_info(ctx, &info), 0);
	if (need_mock && info.out_mode != PASID_MODE_MOCK) {
		pasid_ctx_unref(ctx);
		fail_msg("the shim is not in mock mode: load it with mock=1");
	}
	return ctx;
}

static void test_loaded_info(void **state)
{
	struct pasid_ctx *ctx = kernel_ctx(false);
	struct pasid_cmd_get_info info;
	bool mock;

	(void)state;
	assert_int_equal(pasid_kernel_get_info(ctx, &info), 0);
	assert_true(info.out_abi_version >= PASID_ABI_VERSION);
	assert_int_equal(info.out_max_width, PASID_WIDTH_MAX);
	assert_true(info.out_caps & PASID_CAP_GENL);
	mock = info.out_mode == PASID_MODE_MOCK;
	/* mock mode is visible in the name, and only then */
	assert_string_equal(pasid_ctx_backend_name(ctx), mock ? "kernel (mock)" : "kernel");
	assert_int_equal(pasid_ctx_backend(ctx), PASID_BACKEND_KERNEL);
	if (!mock) {
		assert_int_equal(pasid_mock_rid_add(ctx, RID(1), 20), -EOPNOTSUPP);
		assert_non_null(strstr(pasid_ctx_last_error(ctx), "mock=1"));
	}
	pasid_ctx_unref(ctx);
}

struct mine {
	uint32_t pasid;
	int mine, seen;
};

static int mine_cb(const struct pasid_alloc_info *info, void *data)
{
	struct mine *m = data;

	if (info->pasid == m->pasid) {
		m->seen++;
		m->mine += !!(info->flags & PASID_INFO_MINE);
	}
	return 0;
}

static int count_mine(struct pasid_ctx *ctx, uint32_t pasid, int *ret_seen)
{
	struct mine m = { .pasid = pasid };

	assert_int_equal(pasid_list_allocs(ctx, mine_cb, &m), 0);
	*ret_seen = m.seen;
	return m.mine;
}

/* The kernel only knows "this process": each context must still see its own. */
static void test_loaded_mine_per_context(void **state)
{
	struct pasid_ctx *a = kernel_ctx(true), *b = kernel_ctx(true);
	uint32_t r1 = RID(1), r2 = RID(2), v, w;
	int seen;

	(void)state;
	assert_int_equal(pasid_mock_rid_add(a, r1, 20), 0);
	assert_int_equal(pasid_mock_rid_add(a, r2, 20), 0);
	assert_int_equal(pasid_alloc_for_rids(a, &r1, 1, 0, &v), 0);
	w = v;	/* the same value on a disjoint group, other context, same process */
	assert_int_equal(pasid_alloc_for_rids(b, &r2, 1, PASID_ALLOC_EXACT, &w), 0);
	assert_int_equal(count_mine(a, v, &seen), 1);
	assert_int_equal(seen, 2);
	assert_int_equal(count_mine(b, v, &seen), 1);
	/* extend and unplug keep the answer right */
	assert_int_equal(pasid_mock_rid_add(a, RID(3), 20), 0);
	assert_int_equal(pasid_extend(a, v, RID(3)), 0);
	assert_int_equal(pasid_mock_rid_remove(a, r1), 0);
	assert_int_equal(count_mine(a, v, &seen), 1);
	assert_int_equal(count_mine(b, v, &seen), 1);
	/* the unplugged RID comes back and a third context takes the value there */
	{
		struct pasid_ctx *c = kernel_ctx(true);

		assert_int_equal(pasid_mock_rid_add(a, r1, 20), 0);
		w = v;
		assert_int_equal(pasid_alloc_for_rids(c, &r1, 1, PASID_ALLOC_EXACT, &w), 0);
		assert_int_equal(count_mine(a, v, &seen), 1);
		assert_int_equal(seen, 3);
		assert_int_equal(count_mine(c, v, &seen), 1);
		pasid_ctx_unref(c);
		assert_int_equal(pasid_mock_rid_remove(a, r1), 0);
	}
	/* a busy value names the other context of this process */
	w = v;
	assert_int_equal(pasid_alloc_for_rids(a, &r2, 1, PASID_ALLOC_EXACT, &w), -EEXIST);
	assert_int_equal(pasid_free(b, v), 0);
	assert_int_equal(count_mine(b, v, &seen), 0);
	assert_int_equal(pasid_extend(b, v, r2), -EPERM);
	assert_non_null(strstr(pasid_ctx_last_error(b), "another context of this process"));
	pasid_mock_rid_remove(a, r2);
	pasid_mock_rid_remove(a, RID(3));
	pasid_ctx_unref(b);
	pasid_ctx_unref(a);
}

static void count_ev(const struct pasid_event *ev, void *data)
{
	(void)ev;
	(*(int *)data)++;
}

/* Flood the event socket; the loss is reported every time, not only once. */
static void test_loaded_event_overrun(void **state)
{
	struct pasid_ctx *ctx = kernel_ctx(true);
	int round, i, n, ret;

	(void)state;
	assert_true(pasid_ctx_get_event_fd(ctx) >= 0);
	assert_true(pasid_ctx_dispatch_events(ctx, count_ev, &n) >= 0);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < 3000; i++) {
			assert_int_equal(pasid_mock_rid_add(ctx, RID(8), 20), 0);
			assert_int_equal(pasid_mock_rid_remove(ctx, RID(8)), 0);
		}
		n = 0;
		ret = pasid_ctx_dispatch_events(ctx, count_ev, &n);
		assert_int_equal(ret, -ENOBUFS);
		assert_true(n > 0);	/* what was still queued was delivered */
		assert_non_null(strstr(pasid_ctx_last_error(ctx), "lost"));
	}
	n = 0;
	assert_int_equal(pasid_ctx_dispatch_events(ctx, count_ev, &n), 0);
	assert_int_equal(pasid_mock_rid_add(ctx, RID(8), 20), 0);
	assert_int_equal(pasid_ctx_dispatch_events(ctx, count_ev, &n), 1);
	assert_int_equal(pasid_mock_rid_remove(ctx, RID(8)), 0);
	pasid_ctx_unref(ctx);
}

/* The global belongs to the opener's process: a forked child is told why not. */
static void test_loaded_fork(void **state)
{
	struct pasid_ctx *ctx = kernel_ctx(true);
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		uint32_t g;
		int err = pasid_alloc_global_enqcmd(ctx, 0, &g);

		_exit(err == -EPERM && strstr(pasid_ctx_last_error(ctx), "after fork()") ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	pasid_ctx_unref(ctx);
}

#define SAYS(ctx, text)									\
	do {										\
		if (!strstr(pasid_ctx_last_error(ctx), (text)))				\
			fail_msg("message \"%s\" lacks \"%s\"", pasid_ctx_last_error(ctx),	\
				 (text));						\
	} while (0)

/* The kernel answers with an errno only; the backend still says which and whose. */
static void test_loaded_messages(void **state)
{
	struct pasid_ctx *a = kernel_ctx(true), *b = kernel_ctx(true);
	uint32_t r1 = RID(0x21), r2 = RID(0x22), nar = RID(0x23), none = RID(0x27), v, w, g;

	(void)state;
	assert_int_equal(pasid_mock_rid_add(a, r1, 20), 0);
	assert_int_equal(pasid_mock_rid_add(a, r2, 20), 0);
	assert_int_equal(pasid_mock_rid_add(a, nar, 8), 0);

	assert_int_equal(pasid_alloc_for_rids(a, (uint32_t[]){ r1, none }, 2, 0, &v), -ENODEV);
	SAYS(a, "00fb:02:04.7");	/* the missing one, not the first */
	SAYS(a, "mock RID");

	v = 5;	/* fits the width-8 RID: extended there below */
	assert_int_equal(pasid_alloc_for_rids(a, &r1, 1, PASID_ALLOC_EXACT, &v), 0);
	w = v;
	assert_int_equal(pasid_alloc_for_rids(b, (uint32_t[]){ r2, r1 }, 2, PASID_ALLOC_EXACT, &w),
			 -EBUSY);
	SAYS(b, "00fb:02:04.1");	/* the RID where it is busy, not the first one */
	SAYS(b, "another context of this process");

	w = 300;
	assert_int_equal(pasid_alloc_for_rids(a, (uint32_t[]){ r2, nar }, 2, PASID_ALLOC_EXACT, &w),
			 -ERANGE);
	SAYS(a, "00fb:02:04.3");
	SAYS(a, "width 8");

	assert_int_equal(pasid_free(b, v), -EPERM);
	SAYS(b, "another context of this process");
	assert_int_equal(pasid_extend(a, v, r1), -EALREADY);
	SAYS(a, "00fb:02:04.1");
	assert_int_equal(pasid_extend(a, v, nar), 0);
	assert_int_equal(pasid_extend(a, v, none), -ENODEV);
	SAYS(a, "00fb:02:04.7");

	w = 256;
	assert_int_equal(pasid_alloc_global_enqcmd(a, PASID_ALLOC_EXACT, &w), -ERANGE);
	SAYS(a, "narrowest");
	SAYS(a, "width 8");
	assert_int_equal(pasid_alloc_global_enqcmd(a, 0, &g), 0);
	w = g;
	assert_int_equal(pasid_alloc_for_rids(b, &r2, 1, PASID_ALLOC_EXACT, &w), -EBUSY);
	SAYS(b, "global ENQCMD");
	assert_int_equal(pasid_free(b, g), -EPERM);
	assert_int_equal(pasid_free(a, g), 0);
	assert_int_equal(pasid_free(a, 0), -ENOENT);
	SAYS(a, "outside 1..");

	assert_int_equal(pasid_mock_rid_remove(a, none), -ENODEV);
	SAYS(a, "00fb:02:04.7");
	pasid_ctx_unref(b);
	pasid_mock_rid_remove(a, r1);
	pasid_mock_rid_remove(a, r2);
	pasid_mock_rid_remove(a, nar);
	pasid_ctx_unref(a);
}

/* Without access to /dev/pasid the message says how to get it (root drops to nobody). */
static void test_loaded_eacces(void **state)
{
	struct pasid_ctx *probe = kernel_ctx(false);
	int status;
	pid_t pid;

	(void)state;
	pasid_ctx_unref(probe);
	if (getuid() != 0 || access(PASID_KERNEL_DEV, R_OK | W_OK))
		fail_msg("needs root with access to %s (the guest)", PASID_KERNEL_DEV);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pasid_ctx_opts opts = { .size = sizeof(opts),
					       .backend = PASID_BACKEND_KERNEL };
		struct pasid_ctx *ctx = NULL;
		int err;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(2);
		/* a world-accessible node would make this test meaningless */
		if (!access(PASID_KERNEL_DEV, R_OK | W_OK))
			_exit(3);
		err = pasid_ctx_new(&opts, &ctx);
		_exit(err == -EACCES && !ctx && strstr(pasid_strerror_last(), "pasidctl grant")
		      ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 3)
		fail_msg("%s is world-accessible: the permission check means nothing", PASID_KERNEL_DEV);
	assert_int_equal(WEXITSTATUS(status), 0);
}

struct thr {
	struct pasid_ctx *ctx;
	uint32_t rid;
	int bad;
};

static int count_all_mine(const struct pasid_alloc_info *info, void *data)
{
	*(int *)data += !!(info->flags & PASID_INFO_MINE);
	return 0;
}

/* Threads of one process share two contexts: calls, listings and events interleave. */
static void *thr_main(void *arg)
{
	struct thr *t = arg;
	uint32_t v[8];
	int i, k, mine;

	for (i = 0; i < 60; i++) {
		for (k = 0; k < 8; k++)
			if (pasid_alloc_for_rids(t->ctx, &t->rid, 1, 0, &v[k]))
				t->bad++;
		mine = 0;
		if (pasid_list_allocs(t->ctx, count_all_mine, &mine) || mine < 8)
			t->bad++;
		for (k = 0; k < 8; k++)
			if (pasid_free(t->ctx, v[k]))
				t->bad++;
	}
	return NULL;
}

static void count_ev_only(const struct pasid_event *ev, void *data)
{
	(void)ev;
	(*(int *)data)++;
}

static void test_loaded_threads(void **state)
{
	struct pasid_ctx *c[2] = { kernel_ctx(true), kernel_ctx(true) };
	struct thr t[8];
	pthread_t th[8];
	int i, mine = 0, n = 0;

	(void)state;
	assert_true(pasid_ctx_get_event_fd(c[0]) >= 0);
	for (i = 0; i < 8; i++) {
		t[i] = (struct thr){ .ctx = c[i % 2], .rid = RID(0x40 + i) };
		assert_int_equal(pasid_mock_rid_add(c[0], t[i].rid, 20), 0);
	}
	for (i = 0; i < 8; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thr_main, &t[i]), 0);
	for (i = 0; i < 50; i++) {
		int ret = pasid_ctx_dispatch_events(c[0], count_ev_only, &n);

		assert_true(ret >= 0 || ret == -ENOBUFS);
	}
	for (i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].bad, 0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(pasid_list_allocs(c[i], count_all_mine, &mine), 0);
		assert_int_equal(mine, 0);
	}
	for (i = 0; i < 8; i++)
		assert_int_equal(pasid_mock_rid_remove(c[0], t[i].rid), 0);
	pasid_ctx_unref(c[1]);
	pasid_ctx_unref(c[0]);
}

/*
 * Where /dev/pasid is absent (the host's unit suite) the host checks run;
 * where it is present (the guest of the kernel suite, mock=1) the guest
 * checks run. Nothing is skipped: a check in the wrong place fails.
 */
int main(void)
{
	const struct CMUnitTest host[] = {
		cmocka_unit_test(test_env_kernel_missing),
		cmocka_unit_test(test_default_is_kernel_never_sim),
		cmocka_unit_test(test_explicit_kernel_beats_env_sim),
		cmocka_unit_test(test_error_message_is_per_call),
		cmocka_unit_test(test_get_info_needs_kernel_ctx),
	};
	const struct CMUnitTest guest[] = {
		cmocka_unit_test(test_loaded_info),
		cmocka_unit_test(test_loaded_mine_per_context),
		cmocka_unit_test(test_loaded_event_overrun),
		cmocka_unit_test(test_loaded_fork),
		cmocka_unit_test(test_loaded_messages),
		cmocka_unit_test(test_loaded_eacces),
		cmocka_unit_test(test_loaded_threads),
	};

	if (access(PASID_KERNEL_DEV, F_OK)) {
		printf("# %s absent: host checks (the guest checks run in the kernel suite)\n",
		       PASID_KERNEL_DEV);
		return cmocka_run_group_tests_name("host", host, NULL, NULL);
	}
	printf("# %s present: guest checks\n", PASID_KERNEL_DEV);
	return cmocka_run_group_tests_name("guest", guest, NULL, NULL);
}
