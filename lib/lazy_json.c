// SPDX-License-Identifier: LGPL-2.1-or-later
/* lazy_json.c - the table of lazy_json.h, filled by dlopen() on first use. */
#define LAZY_JSON_IMPL
#include <json-c/json.h>

#include "lazylib.h"
#include "lazy_json.h"

struct lazy_json_table lazy_json;

#define LAZY_JSON_NAME(f) #f,
static const char *const names[] = { LAZY_JSON_FUNCS(LAZY_JSON_NAME) };
/*
 * json-c 0.15 and later (json_tokener_get_parse_end appeared in 0.15) have SONAME .5.
 */
static const char *const sonames[] = { "libjson-c.so.5", NULL };

static struct lazylib lib = {
	.what = "json-c (needed for topology files)",
	.sonames = sonames,
	.names = names,
	.nr = sizeof(names) / sizeof(names[0]),
	.table = (void **)&lazy_json,
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

_Static_assert(sizeof(lazy_json) == sizeof(names) / sizeof(names[0]) * sizeof(void *),
	       "one pointer per name");

int lazy_json_load(const char **ret_msg)
{
	int err = lazylib_load(&lib);

	if (ret_msg)
		*ret_msg = err ? lib.msg : "";
	return err;
}
