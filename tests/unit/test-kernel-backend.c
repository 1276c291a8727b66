// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-kernel-backend.c - what of the kernel backend can be checked on a
 * host without pasid.ko: a missing /dev/pasid is -ENODEV with a message that
 * names the fix, the kernel backend never falls back to the simulated one,
 * and the internal GET_INFO helper refuses non-kernel contexts.
 *
 * Everything else (the ioctls, the genl dumps, events) runs in the kernel
 * suite: test-api against pasid.ko mock=1 in a booted guest.
 *
 * On a machine where /dev/pasid does exist the "missing" tests are skipped:
 * they would test that machine's module, not the error path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <libpasid/pasid.h>

#include "kernel/kernel.h"

static void skip_if_loaded(void)
{
	if (access(PASID_KERNEL_DEV, F_OK) == 0)
		skip();
}

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_kernel_missing),
		cmocka_unit_test(test_default_is_kernel_never_sim),
		cmocka_unit_test(test_explicit_kernel_beats_env_sim),
		cmocka_unit_test(test_error_message_is_per_call),
		cmocka_unit_test(test_get_info_needs_kernel_ctx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
