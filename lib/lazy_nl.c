// SPDX-License-Identifier: LGPL-2.1-or-later
/* lazy_nl.c - the table of lazy_nl.h, filled by dlopen() on first use. */
#define LAZY_NL_IMPL
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "lazylib.h"
#include "lazy_nl.h"

struct lazy_nl_table lazy_nl;

#define LAZY_NL_NAME(f) #f,
static const char *const names[] = { LAZY_NL_FUNCS(LAZY_NL_NAME) };
/*
 * libnl 3.2 and later keep SONAME .200; libnl-genl-3 pulls in libnl-3.
 */
static const char *const sonames[] = { "libnl-genl-3.so.200", NULL };

static struct lazylib lib = {
	.what = "libnl-genl-3 (needed for listings and events)",
	.sonames = sonames,
	.names = names,
	.nr = sizeof(names) / sizeof(names[0]),
	.table = (void **)&lazy_nl,
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

_Static_assert(sizeof(lazy_nl) == sizeof(names) / sizeof(names[0]) * sizeof(void *),
	       "one pointer per name");

int lazy_nl_load(const char **ret_msg)
{
	int err = lazylib_load(&lib);

	if (ret_msg)
		*ret_msg = err ? lib.msg : "";
	return err;
}
