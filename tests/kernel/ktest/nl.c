// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * nl.c - the tests' generic netlink client for the "pasid" family (libnl-genl).
 */
#include <poll.h>
#include <stdlib.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "ktest.h"

struct kt_nl {
	struct nl_sock *sk;
	int family;
	int grp;
};

static int nle_errno(int nle)
{
	switch (-nle) {
	case NLE_NOMEM: return -ENOMEM;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_PERM: return -EPERM;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_MSGSIZE: return -EMSGSIZE;
	default: return -EIO;
	}
}

struct kt_nl *kt_nl_open(void)
{
	struct kt_nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return NULL;
	nl->sk = nl_socket_alloc();
	if (!nl->sk || genl_connect(nl->sk) < 0)
		goto err;
	/*
	 * A small first read, grown on demand (MSG_PEEK|MSG_TRUNC): the kernel
	 * must still send a 1024-RID allocation whole (min_dump_alloc).
	 */
	nl_socket_set_msg_buf_size(nl->sk, 4096);
	nl_socket_enable_msg_peek(nl->sk);
	nl_socket_set_buffer_size(nl->sk, 1 << 20, 1 << 20);
	nl->family = genl_ctrl_resolve(nl->sk, PASID_GENL_NAME);
	if (nl->family < 0)
		goto err;
	return nl;
err:
	printf("not ok - genl family %s not found\n", PASID_GENL_NAME);
	kt_failures++;
	if (nl->sk)
		nl_socket_free(nl->sk);
	free(nl);
	return NULL;
}

void kt_nl_close(struct kt_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

static struct nla_policy kt_policy[PASID_NL_A_MAX + 1] = {
	[PASID_NL_A_VALUE] = { .type = NLA_U32 },
	[PASID_NL_A_INTENT] = { .type = NLA_U32 },
	[PASID_NL_A_OWNER_PID] = { .type = NLA_U32 },
	[PASID_NL_A_OWNER_COMM] = { .type = NLA_STRING },
	[PASID_NL_A_RID] = { .type = NLA_U32 },
	[PASID_NL_A_WIDTH] = { .type = NLA_U32 },
	[PASID_NL_A_NR_VALUES] = { .type = NLA_U32 },
	[PASID_NL_A_NR_ATTACHED] = { .type = NLA_U32 },
	[PASID_NL_A_MOCK] = { .type = NLA_FLAG },
	[PASID_NL_A_EVENT] = { .type = NLA_U32 },
	[PASID_NL_A_FLAGS] = { .type = NLA_U32 },
	[PASID_NL_A_NR_OWNERS] = { .type = NLA_U32 },
};

struct kt_collect {
	void *out;
	int n, max, err;
};

static uint32_t get_u32(struct nlattr **tb, int a)
{
	return tb[a] ? nla_get_u32(tb[a]) : 0;
}

static int parse(struct nl_msg *msg, struct nlattr **tb, uint8_t *cmd)
{
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));

	*cmd = gh->cmd;
	return genlmsg_parse(nlmsg_hdr(msg), 0, tb, PASID_NL_A_MAX, kt_policy);
}

static int alloc_cb(struct nl_msg *msg, void *arg)
{
	struct kt_collect *c = arg;
	struct nlattr *tb[PASID_NL_A_MAX + 1];
	struct kt_alloc *a;
	uint8_t cmd;

	if (parse(msg, tb, &cmd) < 0 || cmd != PASID_NL_CMD_GET_ALLOC) {
		c->err = -EPROTO;
		return NL_SKIP;
	}
	if (c->n >= c->max) {
		c->err = -ENOSPC;
		return NL_SKIP;
	}
	a = (struct kt_alloc *)c->out + c->n++;
	memset(a, 0, sizeof(*a));
	a->value = get_u32(tb, PASID_NL_A_VALUE);
	a->intent = get_u32(tb, PASID_NL_A_INTENT);
	a->flags = get_u32(tb, PASID_NL_A_FLAGS);
	a->nr_owners = get_u32(tb, PASID_NL_A_NR_OWNERS);
	a->pid = (int32_t)get_u32(tb, PASID_NL_A_OWNER_PID);
	a->mock = tb[PASID_NL_A_MOCK] != NULL;
	if (tb[PASID_NL_A_OWNER_COMM])
		snprintf(a->comm, sizeof(a->comm), "%s", nla_get_string(tb[PASID_NL_A_OWNER_COMM]));
	if (tb[PASID_NL_A_RIDS]) {
		a->nr_rids = nla_len(tb[PASID_NL_A_RIDS]) / 4;
		if (a->nr_rids > KT_MAX_RIDS)
			a->nr_rids = KT_MAX_RIDS;
		memcpy(a->rids, nla_data(tb[PASID_NL_A_RIDS]), a->nr_rids * 4);
	}
	if (tb[PASID_NL_A_ATTACHED]) {
		a->nr_att = nla_len(tb[PASID_NL_A_ATTACHED]) / 4;
		if (a->nr_att > 64)
			a->nr_att = 64;
		memcpy(a->att, nla_data(tb[PASID_NL_A_ATTACHED]), a->nr_att * 4);
	}
	return NL_OK;
}

static int rid_cb(struct nl_msg *msg, void *arg)
{
	struct kt_collect *c = arg;
	struct nlattr *tb[PASID_NL_A_MAX + 1];
	struct kt_rid *r;
	uint8_t cmd;

	if (parse(msg, tb, &cmd) < 0 || cmd != PASID_NL_CMD_GET_RID) {
		c->err = -EPROTO;
		return NL_SKIP;
	}
	if (c->n >= c->max) {
		c->err = -ENOSPC;
		return NL_SKIP;
	}
	r = (struct kt_rid *)c->out + c->n++;
	r->rid = get_u32(tb, PASID_NL_A_RID);
	r->width = get_u32(tb, PASID_NL_A_WIDTH);
	r->nr_values = get_u32(tb, PASID_NL_A_NR_VALUES);
	r->nr_attached = get_u32(tb, PASID_NL_A_NR_ATTACHED);
	r->mock = tb[PASID_NL_A_MOCK] != NULL;
	return NL_OK;
}

unsigned long kt_nl_torn;

/*
 * A dump the module changed while it was read (NLM_F_DUMP_INTR, which libnl
 * reports as NLE_DUMP_INTR) is read again; -EAGAIN after KT_DUMP_TRIES.
 */
#define KT_DUMP_TRIES 1000

static int dump(struct kt_nl *nl, uint8_t cmd, nl_recvmsg_msg_cb_t fn, void *out, int max)
{
	struct kt_collect c;
	struct nl_cb *cb;
	int err, tries;

	for (tries = 0; tries < KT_DUMP_TRIES; tries++) {
		c = (struct kt_collect){ .out = out, .max = max };
		err = genl_send_simple(nl->sk, nl->family, cmd, PASID_GENL_VERSION, NLM_F_DUMP);
		if (err < 0)
			return nle_errno(err);
		cb = nl_cb_clone(nl_socket_get_cb(nl->sk));
		if (!cb)
			return -ENOMEM;
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fn, &c);
		err = nl_recvmsgs(nl->sk, cb);
		nl_cb_put(cb);
		if (err != -NLE_DUMP_INTR)
			break;
		kt_nl_torn++;
	}
	if (err == -NLE_DUMP_INTR)
		return -EAGAIN;
	if (err < 0)
		return nle_errno(err);
	return c.err ? c.err : c.n;
}

int kt_nl_allocs(struct kt_nl *nl, struct kt_alloc *out, int max)
{
	return dump(nl, PASID_NL_CMD_GET_ALLOC, alloc_cb, out, max);
}

int kt_nl_rids(struct kt_nl *nl, struct kt_rid *out, int max)
{
	return dump(nl, PASID_NL_CMD_GET_RID, rid_cb, out, max);
}

int kt_nl_family(struct kt_nl *nl)
{
	return nl->family;
}

int kt_nl_subscribe(struct kt_nl *nl)
{
	int err;

	nl->grp = genl_ctrl_resolve_grp(nl->sk, PASID_GENL_NAME, PASID_GENL_MCGRP_EVENTS);
	if (nl->grp < 0)
		return nle_errno(nl->grp);
	nl_socket_disable_seq_check(nl->sk);
	err = nl_socket_add_membership(nl->sk, nl->grp);
	return err < 0 ? nle_errno(err) : 0;
}

static int event_cb(struct nl_msg *msg, void *arg)
{
	struct kt_collect *c = arg;
	struct nlattr *tb[PASID_NL_A_MAX + 1];
	struct kt_event *e;
	uint8_t cmd;

	if (parse(msg, tb, &cmd) < 0 || cmd != PASID_NL_CMD_EVENT)
		return NL_SKIP;
	if (c->n >= c->max) {
		c->err = -ENOSPC;
		return NL_SKIP;
	}
	e = (struct kt_event *)c->out + c->n++;
	e->type = get_u32(tb, PASID_NL_A_EVENT);
	e->intent = get_u32(tb, PASID_NL_A_INTENT);
	e->value = get_u32(tb, PASID_NL_A_VALUE);
	e->rid = get_u32(tb, PASID_NL_A_RID);
	e->pid = (int32_t)get_u32(tb, PASID_NL_A_OWNER_PID);
	e->mock = tb[PASID_NL_A_MOCK] != NULL;
	return NL_OK;
}

int kt_nl_events(struct kt_nl *nl, struct kt_event *out, int max, int timeout_ms)
{
	struct kt_collect c = { .out = out, .max = max };
	struct pollfd pfd = { .fd = nl_socket_get_fd(nl->sk), .events = POLLIN };
	struct nl_cb *cb = nl_cb_clone(nl_socket_get_cb(nl->sk));
	int err = 0;

	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, event_cb, &c);
	while (poll(&pfd, 1, timeout_ms) > 0) {
		err = nl_recvmsgs(nl->sk, cb);
		if (err < 0)
			break;
		timeout_ms = 50;
	}
	nl_cb_put(cb);
	if (err < 0)
		return nle_errno(err);
	return c.err ? c.err : c.n;
}
