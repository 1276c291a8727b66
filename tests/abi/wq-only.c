// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * wq-only.c - a program that only uses work queues maps neither libnl nor
 * json-c, linked against the shared libpasid.so like a runtime would be.
 *
 *   wq-only             NULL context (LIBPASID_BACKEND=sim: the built-in
 *                       SIMULATED platform), one memmove submitted and
 *                       waited for; then /proc/self/maps must name neither
 *   wq-only TOPOLOGY    the control: a sim context loading a topology file
 *                       maps json-c (so the check above can fail)
 */
#include <linux/idxd.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libpasid/pasid.h>

static bool mapped(const char *what)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return true;	/* cannot tell: fail */
	while (fgets(line, sizeof(line), f))
		if (strstr(line, what))
			found = true;
	fclose(f);
	return found;
}

static int wq_only(void)
{
	static _Alignas(64) struct dsa_hw_desc d;
	static _Alignas(32) struct dsa_completion_record c;
	static char src[4096] = "work queues without libnl", dst[4096];
	struct pasid_wq_info in = { .size = sizeof(in) };
	struct pasid_wq *wq = NULL;
	int err;

	err = pasid_wq_open(NULL, "dsa0/wq0.0", 0, &wq);
	if (err) {
		printf("FAIL: pasid_wq_open(NULL): %d %s\n", err, pasid_strerror_last());
		return 1;
	}
	pasid_wq_get_info(wq, &in);
	d.opcode = DSA_OPCODE_MEMMOVE;
	d.flags = IDXD_OP_FLAG_CRAV | IDXD_OP_FLAG_RCR;
	d.completion_addr = (uintptr_t)&c;
	d.src_addr = (uintptr_t)src;
	d.dst_addr = (uintptr_t)dst;
	d.xfer_size = sizeof(src);
	err = pasid_wq_submit(wq, &d);
	err = err ? err : pasid_wq_wait(wq, &c, 5000000000ull);
	pasid_wq_close(wq);
	if (err || c.status != DSA_COMP_SUCCESS || memcmp(src, dst, sizeof(src))) {
		printf("FAIL: memmove on %s: %d, status %#x\n", in.name, err, c.status);
		return 1;
	}
	printf("%s (%s): memmove done; libnl mapped: %s, json-c mapped: %s\n", in.name,
	       in.method_name, mapped("libnl-") ? "yes" : "no",
	       mapped("libjson-c") ? "yes" : "no");
	return mapped("libnl-") || mapped("libjson-c");
}

static int topology(const char *path)
{
	struct pasid_ctx_opts o = { .size = sizeof(o), .backend = PASID_BACKEND_SIM,
				    .sim_topology = path };
	struct pasid_ctx *ctx = NULL;
	bool before = mapped("libjson-c");
	int err = pasid_ctx_new(&o, &ctx);

	printf("topology %s: %d %s; json-c mapped before: %s, after: %s\n", path, err,
	       err ? pasid_strerror_last() : "", before ? "yes" : "no",
	       mapped("libjson-c") ? "yes" : "no");
	pasid_ctx_unref(ctx);
	return err || before || !mapped("libjson-c");
}

int main(int argc, char **argv)
{
	return argc > 1 ? topology(argv[1]) : wq_only();
}
