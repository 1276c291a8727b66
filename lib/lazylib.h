/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lazylib.h - libraries loaded on first use with dlopen(), so that a program
 * that only submits to work queues never maps libnl (the kernel backend's
 * netlink dumps and events) or json-c (simulated topology files).
 *
 * A file that uses such a library includes the library's real headers, then
 * the matching lazy_*.h: each function it calls becomes a member of a table
 * filled by dlopen()/dlsym() (the prototypes stay the library's own, through
 * __typeof__). It calls the loader once before the first use.
 */
#ifndef LIBPASID_LAZYLIB_H
#define LIBPASID_LAZYLIB_H

#include <pthread.h>
#include <stddef.h>

struct lazylib {
	const char *what;		/* "libnl-genl-3", for messages */
	const char *const *sonames;	/* tried in order, NULL-terminated */
	const char *const *names;	/* symbols, in table order */
	size_t nr;
	void **table;			/* nr function pointers */
	pthread_mutex_t lock;
	int state;			/* 0 not tried, 1 loaded, < 0 -errno */
	char msg[192];			/* why loading failed */
};

/*
 * Load @l once per process (later calls return the first answer).
 * Return: 0, or -ELIBACC with @l->msg saying which soname or symbol failed.
 */
int lazylib_load(struct lazylib *l);

#endif
