// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-messages.c - on the SIMULATED platform, every failure explains itself:
 * which RID, which PASID, held by whom, and the word "SIMULATED" where the
 * platform is concerned.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <libpasid/pasid.h>
#include <libpasid/testing.h>

static struct pasid_ctx *sim_ctx(void)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	struct pasid_ctx *ctx = NULL;

	assert_int_equal(pasid_ctx_new(&o, &ctx), 0);
	return ctx;
}

#define SAYS(ctx, text)									\
	do {										\
		if (!strstr(pasid_ctx_last_error(ctx), (text)))				\
			fail_msg("message \"%s\" lacks \"%s\"", pasid_ctx_last_error(ctx),	\
				 (text));						\
	} while (0)

static void test_messages(void **state)
{
	struct pasid_ctx *a = sim_ctx(), *b = sim_ctx();
	uint32_t dsa0 = 0x6a08, dsa2 = 0xe708, narrow = 0x0020, bad = 0x7708, v, w, g;

	(void)state;
	assert_string_equal(pasid_ctx_backend_name(a), "sim (simulated)");
	assert_int_equal(pasid_alloc_for_rids(a, &bad, 1, 0, &v), -ENODEV);
	SAYS(a, "0000:77:01.0");
	SAYS(a, "SIMULATED");

	assert_int_equal(pasid_alloc_for_rids(a, &dsa0, 1, 0, &v), 0);
	w = v;
	assert_int_equal(pasid_alloc_for_rids(b, (uint32_t[]){ dsa2, dsa0 }, 2, PASID_ALLOC_EXACT, &w),
			 -EBUSY);
	SAYS(b, "0000:6a:01.0");	/* the RID where it is busy, not the first one */
	SAYS(b, "simulated pid");

	w = 300;
	assert_int_equal(pasid_alloc_for_rids(a, (uint32_t[]){ dsa0, narrow }, 2, PASID_ALLOC_EXACT,
					      &w), -ERANGE);
	SAYS(a, "0000:00:04.0");
	SAYS(a, "width 8");

	assert_int_equal(pasid_free(b, v), -EPERM);
	SAYS(b, "simulated pid");
	assert_int_equal(pasid_extend(a, v, dsa0), -EALREADY);
	SAYS(a, "0000:6a:01.0");

	w = 256;
	assert_int_equal(pasid_alloc_global_enqcmd(a, PASID_ALLOC_EXACT, &w), -ERANGE);
	SAYS(a, "narrowest");
	assert_int_equal(pasid_alloc_global_enqcmd(a, 0, &g), 0);
	w = g;
	assert_int_equal(pasid_alloc_for_rids(b, &dsa2, 1, PASID_ALLOC_EXACT, &w), -EBUSY);
	SAYS(b, "global ENQCMD");

	assert_int_equal(pasid_mock_rid_remove(a, bad), -ENODEV);
	SAYS(a, "0000:77:01.0");
	pasid_ctx_unref(b);
	pasid_ctx_unref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
