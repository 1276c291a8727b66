/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* submit.h - one checked descriptor round trip (shared by submit and demo). */
#ifndef PASIDCTL_SUBMIT_H
#define PASIDCTL_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pasid_wq;

struct submit_job {
	unsigned int opcode;	/* DSA_OPCODE_* */
	uint64_t size;
	bool sim_fault;		/* SIMULATED WQs: make a page of the buffer fault */
};

struct submit_buffers {
	void *desc;		/* 64-byte aligned struct dsa_hw_desc */
	void *comp;		/* 64-byte aligned completion record */
	uint8_t *src, *dst;
};

struct submit_stats {
	uint64_t retries;	/* -EAGAIN answers pasidctl retried */
	uint64_t faults;	/* page faults continued */
	uint64_t last_ns;	/* the last round trip */
	uint32_t crc;		/* the last CRC result */
};

int submit_op_parse(const char *name, unsigned int *ret_opcode);
const char *submit_op_name(unsigned int opcode);
int submit_buffers_alloc(struct submit_buffers *b, uint64_t size);
void submit_buffers_free(struct submit_buffers *b);
/* Build, submit, wait, continue faults, check. Return 0 or -errno, @why set. */
int submit_one(struct pasid_wq *wq, const struct submit_job *job, struct submit_buffers *b,
	       struct submit_stats *st, char *why, size_t len);

#endif
