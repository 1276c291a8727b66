// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fuzz-topology.c - the SIMULATED platform's JSON topology loader,
 * sim_topology_load(), which takes a path: the input is written to a memfd
 * and loaded through /proc/self/fd/N.
 *
 * Properties: it returns 0 or -EINVAL/-ENOENT/-ENOMEM; on failure no
 * topology is returned and the message names the file; on success the
 * topology is consistent (at least one RID, RIDs distinct with widths
 * 1..20, each device's RID listed, names non-empty, NUL-terminated and
 * distinct per device, every WQ on an existing device with sane limits), and
 * freeing it leaks nothing (ASan).
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/sim.h"
#include "fuzz.h"

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fd = memfd_create("fuzz-topology", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0, "memfd_create");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

static bool terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

static void check_topology(const struct sim_topology *t)
{
	FUZZ_CHECK(t->nr_rids >= 1, "no RIDs");
	FUZZ_CHECK(terminated(t->source, sizeof(t->source)) && !strcmp(t->source, path),
		   "source");
	for (unsigned int i = 0; i < t->nr_rids; i++) {
		FUZZ_CHECK(t->rids[i].width >= 1 && t->rids[i].width <= 20, "width %u",
			   t->rids[i].width);
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(t->rids[i].rid != t->rids[j].rid, "RID %#x twice", t->rids[i].rid);
	}
	for (unsigned int i = 0; i < t->nr_devices; i++) {
		const struct sim_device *d = &t->devices[i];
		bool listed = false;

		FUZZ_CHECK(terminated(d->name, sizeof(d->name)) && *d->name, "device name");
		FUZZ_CHECK(!strcmp(d->type, "dsa") || !strcmp(d->type, "iax"), "type");
		for (unsigned int j = 0; j < t->nr_rids; j++)
			listed |= t->rids[j].rid == d->rid;
		FUZZ_CHECK(listed, "device %s RID not listed", d->name);
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(strcmp(d->name, t->devices[j].name), "device %s twice", d->name);
	}
	for (unsigned int i = 0; i < t->nr_wqs; i++) {
		const struct sim_wq *w = &t->wqs[i];

		FUZZ_CHECK(w->device < t->nr_devices, "wq %u on device %u", i, w->device);
		FUZZ_CHECK(terminated(w->name, sizeof(w->name)) && *w->name, "wq name");
		FUZZ_CHECK(w->mode == SIM_WQ_SHARED || w->mode == SIM_WQ_DEDICATED, "mode");
		FUZZ_CHECK(w->size >= 1 && w->size <= 128, "size %u", w->size);
		FUZZ_CHECK(w->max_transfer_size >= 1 && w->max_batch_size >= 2 &&
			   w->max_batch_size <= 1024, "limits");
		for (unsigned int j = 0; j < i; j++)
			FUZZ_CHECK(t->wqs[j].device != w->device || strcmp(t->wqs[j].name, w->name),
				   "wq %s twice on one device", w->name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_topology *t = (struct sim_topology *)1;
	char err[256];
	int rc;

	if (fd < 0)
		LLVMFuzzerInitialize(NULL, NULL);
	FUZZ_CHECK(!ftruncate(fd, 0), "ftruncate");
	FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size, "pwrite");
	err[0] = '\0';
	rc = sim_topology_load(path, &t, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOENT || rc == -ENOMEM, "rc %d", rc);
	if (rc) {
		FUZZ_CHECK(t == NULL, "failed but returned a topology");
		FUZZ_CHECK(strstr(err, path), "message without the file: \"%s\"", err);
		return 0;
	}
	FUZZ_CHECK(t, "no topology");
	check_topology(t);
	sim_topology_free(t);
	return 0;
}
