// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * errmsg-per-ctx.c - pasid_ctx_last_error() keeps one message per context
 * in a thread: a failure on B does not erase A's, a success on A clears
 * only A's, and a context made where a freed one was starts clean.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libpasid/pasid.h>

#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s\n", __LINE__, #c); return 1; } } while (0)

int main(void)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	struct pasid_ctx *a = NULL, *b = NULL, *c = NULL;
	uint32_t v;

	CHECK(!pasid_ctx_new(&o, &a) && !pasid_ctx_new(&o, &b));
	CHECK(pasid_free(a, 4242) == -ENOENT);
	CHECK(pasid_free(b, 777) == -ENOENT);
	printf("A: %s\nB: %s\n", pasid_ctx_last_error(a), pasid_ctx_last_error(b));
	CHECK(strstr(pasid_ctx_last_error(a), "4242"));
	CHECK(strstr(pasid_ctx_last_error(b), "777"));
	/* a new call on A starts with a clean message; B keeps its own */
	CHECK(pasid_alloc_global_enqcmd(a, 0, &v) == 0);
	CHECK(!strcmp(pasid_ctx_last_error(a), ""));
	CHECK(strstr(pasid_ctx_last_error(b), "777"));
	/* a context freed and another made (maybe at the same address) */
	pasid_ctx_unref(b);
	CHECK(!pasid_ctx_new(&o, &c));
	CHECK(!strcmp(pasid_ctx_last_error(c), ""));
	/* more failing contexts than a thread keeps: the oldest message goes */
	{
		struct pasid_ctx *many[12];

		for (int i = 0; i < 12; i++) {
			CHECK(!pasid_ctx_new(&o, &many[i]));
			CHECK(pasid_free(many[i], 1000 + (uint32_t)i) == -ENOENT);
		}
		CHECK(strstr(pasid_ctx_last_error(many[11]), "1011"));
		for (int i = 0; i < 12; i++)
			pasid_ctx_unref(many[i]);
	}
	pasid_ctx_unref(c);
	pasid_ctx_unref(a);
	printf("ok\n");
	return 0;
}
