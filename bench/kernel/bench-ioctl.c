// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * bench-ioctl.c - the kernel path (issue 6, benchmark 5), run inside the
 * QEMU guest of bench/kernel/run.sh with pasid.ko loaded in mock mode.
 *
 * An ALLOC+FREE ioctl pair (group intent, one mock RID of width 20, 1000
 * other values live) against a GET_INFO ioctl and a rejected ioctl
 * (unknown command, -ENOTTY: the syscall floor), in the same run. Raw
 * ioctls on /dev/pasid: a static binary, no library in the guest.
 *
 * Under QEMU TCG every instruction is emulated, so the absolute times say
 * little about hardware; the ratios between ioctls are what this reports.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/pasid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "bench.h"

#define BATCH	16
#define LIVE	1000
#define RID	0x10100u

static int fd;
static uint64_t overhead;

static int info(void)
{
	struct pasid_cmd_get_info c = { .size = sizeof(c) };

	return ioctl(fd, PASID_IOC_GET_INFO, &c);
}

static int alloc1(uint32_t *v)
{
	uint32_t rid = RID;
	struct pasid_cmd_alloc c = {
		.size = sizeof(c),
		.flags = PASID_CMD_ALLOC_GROUP,
		.nr_rids = 1,
		.rids_uptr = (uintptr_t)&rid,
	};
	int err = ioctl(fd, PASID_IOC_ALLOC, &c);

	*v = c.out_pasid;
	return err;
}

static int free1(uint32_t v)
{
	struct pasid_cmd_free c = { .size = sizeof(c), .pasid = v };

	return ioctl(fd, PASID_IOC_FREE, &c);
}

static int bad(void)
{
	return ioctl(fd, _IO(PASID_TYPE, 0xff), NULL);
}

static double sample_ns(uint64_t t0, uint64_t t1)
{
	uint64_t d = t1 - t0;

	return bench_tsc_to_ns(d > overhead ? d - overhead : 0) / BATCH;
}

enum op { OP_INFO, OP_PAIR, OP_BAD };

static struct bench_stats run(enum op op, size_t n)
{
	struct bench_samples s;
	struct bench_stats st;
	int err = 0;

	bench_samples_init(&s, n);
	for (size_t i = 0; i < n + n / 10; i++) {
		uint64_t t0 = bench_tsc_begin(), t1;
		uint32_t v;

		for (int j = 0; j < BATCH; j++) {
			switch (op) {
			case OP_INFO:
				err |= info();
				break;
			case OP_PAIR:
				err |= alloc1(&v);
				err |= free1(v);
				break;
			case OP_BAD:
				err |= bad() != -1 || errno != ENOTTY;
				break;
			}
		}
		t1 = bench_tsc_end();
		if (err)
			bench_die("ioctl failed (op %d): %s", op, strerror(errno));
		if (i >= n / 10)
			bench_samples_add(&s, sample_ns(t0, t1));
	}
	st = bench_stats_of(&s);
	bench_samples_free(&s);
	return st;
}

int main(int argc, char **argv)
{
	struct pasid_cmd_test t = { .size = sizeof(t), .op = PASID_TEST_OP_RID_ADD,
				    .rid = RID, .width = 20 };
	size_t n = 2000;
	uint32_t vals[LIVE];
	struct bench_result *r;

	bench_begin("bench-ioctl", argc, argv);
	if (bench_quick())
		n = 200;
	overhead = bench_timer_overhead();
	fd = open("/dev/pasid", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		bench_die("open /dev/pasid: %s (load pasid.ko mock=1)", strerror(errno));
	if (ioctl(fd, PASID_IOC_TEST_CMD, &t))
		bench_die("TEST_CMD RID_ADD: %s (pasid.ko must be in mock mode)", strerror(errno));
	for (int i = 0; i < LIVE; i++)
		if (alloc1(&vals[i]))
			bench_die("ALLOC: %s", strerror(errno));
	bench_fact("environment", "QEMU TCG guest, pasid.ko mock=1, %d values live on one mock RID",
		   LIVE);

	bench_add("kernel.get-info", "GET_INFO ioctl (baseline)", "ns", run(OP_INFO, n), NULL);
	bench_add("kernel.enotty", "rejected ioctl (unknown command, -ENOTTY)", "ns",
		  run(OP_BAD, n), "kernel.get-info");
	r = bench_add("kernel.alloc-free", "ALLOC (group, 1 RID) + FREE ioctl pair", "ns",
		      run(OP_PAIR, n), "kernel.get-info");
	bench_note(r, "two ioctls: a ratio of 2 means the allocator adds nothing over GET_INFO");

	for (int i = 0; i < LIVE; i++)
		free1(vals[i]);
	close(fd);
	return bench_end();
}
