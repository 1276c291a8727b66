/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ktest.h - in-guest tests of pasid.ko: raw ioctls and generic netlink.
 *
 * Runs inside the QEMU guest as root (tests/kernel/init.sh). Output is TAP-ish:
 * "ok - name" / "not ok - name: detail"; the exit status is the verdict.
 */
#ifndef KTEST_H
#define KTEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <linux/pasid.h>

extern int kt_failures;

void kt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define KT_CHECK(cond, ...)							\
	do {									\
		if (!(cond))							\
			kt_fail(__FILE__, __LINE__, __VA_ARGS__);		\
	} while (0)

/* expect an errno-style result: 0 or -E... */
#define KT_ERR(expr, want)							\
	do {									\
		int got_ = (expr);						\
		if (got_ != (want))						\
			kt_fail(__FILE__, __LINE__, "%s = %d (%s), want %d (%s)",\
				#expr, got_, strerror(-got_), (want),		\
				strerror(-(want)));				\
	} while (0)

#define KT_OK(expr) KT_ERR(expr, 0)

/* ---- ioctl helpers: return 0 or -errno ---- */
int kt_open(void);
int kt_ioctl(int fd, unsigned long req, void *arg);
int kt_info(int fd, struct pasid_cmd_get_info *info);
int kt_alloc_group(int fd, const uint32_t *rids, uint32_t n, uint32_t extra, uint32_t *v);
int kt_alloc_global(int fd, uint32_t extra, uint32_t *v);
int kt_free(int fd, uint32_t v);
int kt_extend(int fd, uint32_t v, uint32_t rid);
int kt_attach(int fd, uint32_t v, uint32_t rid);
int kt_detach(int fd, uint32_t v, uint32_t rid);
int kt_test(int fd, uint32_t op, uint32_t rid, uint32_t width, uint32_t value,
	    struct pasid_cmd_test *out);
int kt_rid_add(int fd, uint32_t rid, uint32_t width);
int kt_rid_remove(int fd, uint32_t rid);
int kt_fail_nth(int fd, uint32_t nth);
uint32_t kt_fail_hits(int fd);

/* ---- generic netlink ---- */
#define KT_MAX_RIDS 1024

struct kt_alloc {
	uint32_t value, intent, flags, nr_owners;
	uint32_t nr_rids, rids[KT_MAX_RIDS];
	uint32_t nr_att, att[64];
	int32_t pid;
	char comm[16];
	bool mock;
};

struct kt_rid {
	uint32_t rid, width, nr_values, nr_attached;
	bool mock;
};

struct kt_event {
	uint32_t type, intent, value, rid;
	int32_t pid;
	bool mock;
};

struct kt_nl;
struct kt_nl *kt_nl_open(void);
void kt_nl_close(struct kt_nl *nl);
/* dumps read again because a change tore them (NLM_F_DUMP_INTR) */
extern unsigned long kt_nl_torn;
/* fill up to @max entries; return the count or -errno (-EAGAIN: torn every time) */
int kt_nl_allocs(struct kt_nl *nl, struct kt_alloc *out, int max);
int kt_nl_rids(struct kt_nl *nl, struct kt_rid *out, int max);
int kt_nl_subscribe(struct kt_nl *nl);
/* the resolved family id */
int kt_nl_family(struct kt_nl *nl);
/* events pending within @timeout_ms; return the count or -errno */
int kt_nl_events(struct kt_nl *nl, struct kt_event *out, int max, int timeout_ms);

/* the running kernel is at least @maj.@min */
bool kt_kernel_at_least(int maj, int min);

/* ---- test groups ---- */
int kt_abi(int argc, char **argv);
int kt_quota(int argc, char **argv);
int kt_load(int argc, char **argv);
int kt_multi(int argc, char **argv);
int kt_genl(int argc, char **argv);
int kt_fuzz(int argc, char **argv);
int kt_failnth(int argc, char **argv);
int kt_real(int argc, char **argv);
int kt_bed2(int argc, char **argv);
int kt_idle(int argc, char **argv);
int kt_hostile(int argc, char **argv);
int kt_prod(int argc, char **argv);
int kt_scanrace(int argc, char **argv);

/* a fresh, known mock topology; removes the RIDs of an earlier call */
void kt_mock_topology(int fd);
void kt_mock_clear(int fd);

#endif /* KTEST_H */
