/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * holder.h - a pasidctl holding a PASID serves "free" and "extend" of it to
 * other pasidctl runs of the same user over a unix socket (holder.c).
 */
#ifndef PASIDCTL_HOLDER_H
#define PASIDCTL_HOLDER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include "pasidctl.h"

struct holder {
	int fd;			/* listening socket, -1 when none */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint32_t pasid;
	bool held;		/* false once a request freed it */
};

/*
 * The socket directory: $XDG_RUNTIME_DIR/pasidctl, or /run/pasidctl for root;
 * created (mode 0700) with @create; refused unless it is the user's own and
 * private. Return 0 or -errno with @why set.
 */
int holder_dir(char *buf, size_t len, bool create, char *why, size_t wlen);

/* Listen for requests about @pasid; on failure warn on stderr (fd -1). */
void holder_start(struct pctl *g, struct holder *h, uint32_t pasid);
void holder_stop(struct holder *h);
/* Answer every pending request (h->fd is readable). */
void holder_serve(struct pctl *g, struct holder *h);

struct holder_answer {
	int err;		/* the holder's result: 0 or a positive errno */
	int pid;		/* the holder that answered */
	char object[128];
	char detail[600];
};

/*
 * Ask the holder of @pasid of this user for @op ("free" or "extend", @rid the
 * RID text for extend); @want: only the holder of that pid (0: any). When
 * several hold the value (disjoint groups), the one in $PASIDCTL_HOLDER, else
 * -ENOTUNIQ. Return 0 when the holder answered (@ans), -ESRCH when none holds
 * it, or another -errno (@ans->detail says).
 */
int holder_call(struct pctl *g, const char *op, uint32_t pasid, const char *rid, int want,
		struct holder_answer *ans);

#endif
