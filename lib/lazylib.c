// SPDX-License-Identifier: LGPL-2.1-or-later
/* lazylib.c - dlopen() on first use; see lazylib.h for why. */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

#include "lazylib.h"

static int load_locked(struct lazylib *l)
{
	void *h = NULL;

	for (const char *const *so = l->sonames; *so && !h; so++)
		h = dlopen(*so, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		/* dlerror() names the file: "libnl-genl-3.so.200: cannot open ..." */
		snprintf(l->msg, sizeof(l->msg), "%s cannot be loaded: %s", l->what, dlerror());
		return -ELIBACC;
	}
	for (size_t i = 0; i < l->nr; i++) {
		l->table[i] = dlsym(h, l->names[i]);
		if (!l->table[i]) {
			snprintf(l->msg, sizeof(l->msg), "%s: symbol %s missing", l->what,
				 l->names[i]);
			/* the handle stays open: a failed load is not retried */
			return -ELIBACC;
		}
	}
	/* never dlclose()d: callers keep pointers into it for the process's life */
	return 1;
}

int lazylib_load(struct lazylib *l)
{
	int state;

	pthread_mutex_lock(&l->lock);
	if (!l->state)
		l->state = load_locked(l);
	state = l->state;
	pthread_mutex_unlock(&l->lock);
	return state < 0 ? state : 0;
}
