// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test-errmsg-threads.c - two threads share a context; each must read the
 * detail of ITS OWN failed call from pasid_ctx_last_error().
 *
 * Thread A fails a call while it is the process's only thread, then thread
 * B fails another call on the same context and reads its own detail, then
 * A reads the message: it must be A's. With one buffer per
 * context, written without the context lock by some paths
 * (argument checks in ctx.c, the work-queue code), A reads B's message and
 * TSan reports the unlocked writes (tests/stress/tsan.sh); so the
 * detail is kept per thread (docs/threading.md, "Error messages").
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpasid/pasid.h>

static struct pasid_ctx *ctx;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int step;

static void wait_step(int s)
{
	pthread_mutex_lock(&m);
	while (step < s)
		pthread_cond_wait(&cv, &m);
	pthread_mutex_unlock(&m);
}

static void set_step(int s)
{
	pthread_mutex_lock(&m);
	step = s;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&m);
}

static char a_msg[256];	/* A's detail, for B to compare */
static int b_bad;

static void *thread_b(void *arg)
{
	(void)arg;
	wait_step(1);
	/* a different failure: a PASID this context does not hold */
	if (pasid_free(ctx, 4242) != -ENOENT) {
		fprintf(stderr, "B: pasid_free did not fail with -ENOENT\n");
		b_bad = 1;
	}
	/* B's own detail, not the one A left while the process had one thread */
	if (!*pasid_ctx_last_error(ctx) || !strcmp(pasid_ctx_last_error(ctx), a_msg)) {
		fprintf(stderr, "FAIL: thread B reads \"%s\", not its own detail\n",
			pasid_ctx_last_error(ctx));
		b_bad = 1;
	}
	set_step(2);
	return NULL;
}

int main(void)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM };
	uint32_t rid = 0x00fb0108, v = 0;
	char mine[256];
	pthread_t b;
	int err;

	if (pasid_ctx_new(&o, &ctx)) {
		fprintf(stderr, "pasid_ctx_new: %s\n", pasid_strerror_last());
		return 1;
	}
	/*
	 * A: a group on a RID that does not exist, while the process has one
	 * thread (where the library keeps a shortcut to the thread's slot)
	 */
	err = pasid_alloc_for_rids(ctx, &rid, 1, 0, &v);
	snprintf(mine, sizeof(mine), "%s", pasid_ctx_last_error(ctx));
	snprintf(a_msg, sizeof(a_msg), "%s", mine);
	pthread_create(&b, NULL, thread_b, NULL);
	set_step(1);
	wait_step(2);
	pthread_join(b, NULL);
	printf("A's call: %d \"%s\"\nA reads after B's call: \"%s\"\n", err, mine,
	       pasid_ctx_last_error(ctx));
	if (err != -ENODEV || !*mine) {
		fprintf(stderr, "A's call did not fail as expected\n");
		return 1;
	}
	err = strcmp(mine, pasid_ctx_last_error(ctx)) || b_bad ? 1 : 0;
	if (err)
		fprintf(stderr, "FAIL: thread A reads thread B's error detail\n");
	pasid_ctx_unref(ctx);
	return err;
}
