// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * netlink.c - the ONE file of libpasid that uses libnl-genl-3: the dumps of
 * the generic netlink family "pasid" and its "events" multicast group.
 *
 * The libnl flow: resolve the family, build a message, receive with a custom
 * valid callback, parse with an nla_policy. libnl's -NLE_* codes become
 * negative errno here (nle_errno()) and never leave this file.
 *
 * Two sockets per context, both created on first use: one for dumps
 * (blocking, request/reply) and one for events (non-blocking, multicast
 * member, sequence checks off). Keeping them apart means a dump never
 * swallows an event and an event never lands in the middle of a dump.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "kernel.h"
#include "../lazy_nl.h"

/*
 * Tries when a dump reports NLM_F_DUMP_INTR (it changed while we read it).
 * A dump that fits one receive buffer is never torn; a longer one is read
 * again, yielding the CPU in between so the writers can finish.
 */
#define DUMP_TRIES 16
/* Receive buffer asked for the event socket (the kernel caps it at rmem_max). */
#define EVENT_RCVBUF (1 << 20)

struct kernel_nl {
	struct nl_sock *sk;	/* dumps */
	int family;		/* resolved id of "pasid" */
	struct nl_sock *ev;	/* events */
};

/* libnl error -> negative errno. @nle is what libnl returned (<= 0). */
static int nle_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_SUCCESS:		return 0;
	case NLE_INTR:			return -EINTR;
	case NLE_BAD_SOCK:		return -EBADF;
	case NLE_AGAIN:			return -EAGAIN;
	case NLE_NOMEM:			return -ENOMEM;
	case NLE_EXIST:			return -EEXIST;
	case NLE_INVAL:			return -EINVAL;
	case NLE_RANGE:			return -ERANGE;
	case NLE_MSGSIZE:		return -EMSGSIZE;
	case NLE_OPNOTSUPP:		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:		return -ENOENT;
	case NLE_NOATTR:		return -ENODATA;
	case NLE_MISSING_ATTR:		return -EBADMSG;
	case NLE_AF_MISMATCH:		return -EAFNOSUPPORT;
	case NLE_SEQ_MISMATCH:		return -EILSEQ;
	case NLE_MSG_OVERFLOW:		return -EOVERFLOW;
	case NLE_MSG_TRUNC:		return -EMSGSIZE;
	case NLE_NOADDR:		return -EADDRNOTAVAIL;
	case NLE_SRCRT_NOSUPPORT:	return -EOPNOTSUPP;
	case NLE_MSG_TOOSHORT:		return -EBADMSG;
	case NLE_MSGTYPE_NOSUPPORT:	return -EOPNOTSUPP;
	case NLE_OBJ_MISMATCH:		return -EINVAL;
	case NLE_NOCACHE:		return -ENOENT;
	case NLE_BUSY:			return -EBUSY;
	case NLE_PROTO_MISMATCH:	return -EPROTONOSUPPORT;
	case NLE_NOACCESS:		return -EACCES;
	case NLE_PERM:			return -EPERM;
	case NLE_PKTLOC_FILE:		return -ENOENT;
	case NLE_PARSE_ERR:		return -EBADMSG;
	case NLE_NODEV:			return -ENODEV;
	case NLE_IMMUTABLE:		return -EROFS;
	case NLE_DUMP_INTR:		return -EINTR;
	case NLE_ATTRSIZE:		return -EBADMSG;
	default:			return -EIO;
	}
}

/* One policy for every message of the family (see <linux/pasid.h>). */
static struct nla_policy pasid_policy[PASID_NL_A_MAX + 1] = {
	[PASID_NL_A_VALUE]	 = { .type = NLA_U32 },
	[PASID_NL_A_INTENT]	 = { .type = NLA_U32 },
	[PASID_NL_A_RIDS]	 = { .type = NLA_UNSPEC },
	[PASID_NL_A_ATTACHED]	 = { .type = NLA_UNSPEC },
	[PASID_NL_A_OWNER_PID]	 = { .type = NLA_U32 },
	[PASID_NL_A_OWNER_COMM]	 = { .type = NLA_STRING },
	[PASID_NL_A_RID]	 = { .type = NLA_U32 },
	[PASID_NL_A_WIDTH]	 = { .type = NLA_U32 },
	[PASID_NL_A_NR_VALUES]	 = { .type = NLA_U32 },
	[PASID_NL_A_NR_ATTACHED] = { .type = NLA_U32 },
	[PASID_NL_A_MOCK]	 = { .type = NLA_FLAG },
	[PASID_NL_A_EVENT]	 = { .type = NLA_U32 },
	[PASID_NL_A_FLAGS]	 = { .type = NLA_U32 },
	[PASID_NL_A_NR_OWNERS]	 = { .type = NLA_U32 },
};

static uint32_t attr_u32(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u32(tb[type]) : 0;
}

int kernel_nl_new(struct kernel_nl **ret_nl)
{
	struct kernel_nl *nl = calloc(1, sizeof(*nl));

	if (!nl)
		return -ENOMEM;
	nl->family = -1;
	*ret_nl = nl;
	return 0;
}

void kernel_nl_free(struct kernel_nl *nl)
{
	if (!nl)
		return;
	if (nl->sk)
		nl_socket_free(nl->sk);
	if (nl->ev)
		nl_socket_free(nl->ev);
	free(nl);
}

/* libnl is loaded on first use: programs that only use work queues never map it. */
static int nl_load(struct pasid_ctx *ctx)
{
	const char *why;
	int err = lazy_nl_load(&why);

	return err ? pasid_set_error(ctx, err, "generic netlink: %s", why) : 0;
}

/* Messages for the two ways resolving can fail. */
static int resolve_error(struct pasid_ctx *ctx, int nle, const char *what)
{
	int err = nle_errno(nle);

	if (err == -ENOENT)
		return pasid_set_error(ctx, -EOPNOTSUPP,
				       "generic netlink family \"%s\"%s%s is not registered: "
				       "pasid.ko was loaded without netlink support",
				       PASID_GENL_NAME, *what ? " group " : "", what);
	return pasid_set_error(ctx, err, "generic netlink: resolving \"%s\"%s%s: %s",
			       PASID_GENL_NAME, *what ? " group " : "", what, nl_geterror(nle));
}

/* The dump socket, connected and with the family resolved. */
static int dump_socket(struct pasid_ctx *ctx, struct kernel_nl *nl)
{
	struct nl_sock *sk;
	int ret;

	if (nl->sk)
		return 0;
	ret = nl_load(ctx);
	if (ret)
		return ret;
	sk = nl_socket_alloc();
	if (!sk)
		return pasid_set_error(ctx, -ENOMEM, "generic netlink: out of memory for a socket");
	ret = genl_connect(sk);
	if (ret < 0) {
		ret = pasid_set_error(ctx, nle_errno(ret), "generic netlink: connect: %s",
				      nl_geterror(ret));
		goto err_free;
	}
	ret = genl_ctrl_resolve(sk, PASID_GENL_NAME);
	if (ret < 0) {
		ret = resolve_error(ctx, ret, "");
		goto err_free;
	}
	nl->family = ret;
	nl->sk = sk;
	return 0;

err_free:
	nl_socket_free(sk);
	return ret;
}

/* Drop the dump socket: after a failed dump its queue may hold leftovers. */
static void dump_socket_reset(struct kernel_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

/*
 * State of one dump. Callbacks never return NL_STOP: they record the first
 * error and skip the rest, so the dump is read to its end and the socket
 * stays in step.
 */
struct dump_state {
	int err;
	const char *why;	/* what was wrong, for the message */
	void *list;
};

static int dump_fail(struct dump_state *st, int err, const char *why)
{
	if (!st->err) {
		st->err = err;
		st->why = why;
	}
	return NL_SKIP;
}

/* Copy a binary u32 array attribute into the pool; its offset in *@ret_off. */
static int take_rids(struct kernel_alloc_list *l, struct nlattr *a, uint32_t *ret_nr,
		     uint32_t *ret_off)
{
	size_t n = a ? (size_t)nla_len(a) / sizeof(uint32_t) : 0;

	*ret_off = (uint32_t)l->nr_ids;
	*ret_nr = (uint32_t)n;
	if (!n)
		return 0;
	if (pasid_grow_array((void **)&l->ids, &l->cap_ids, l->nr_ids + n, sizeof(*l->ids)))
		return -ENOMEM;
	memcpy(&l->ids[l->nr_ids], nla_data(a), n * sizeof(uint32_t));
	qsort(&l->ids[l->nr_ids], n, sizeof(uint32_t), pasid_cmp_u32);
	l->nr_ids += n;
	return 0;
}

static int alloc_valid(struct nl_msg *msg, void *arg)
{
	struct dump_state *st = arg;
	struct kernel_alloc_list *l = st->list;
	struct nlattr *tb[PASID_NL_A_MAX + 1];
	struct kernel_alloc *a;

	if (st->err)
		return NL_SKIP;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, PASID_NL_A_MAX, pasid_policy) < 0)
		return dump_fail(st, -EBADMSG, "an allocation message does not parse");
	if (!tb[PASID_NL_A_VALUE] || !tb[PASID_NL_A_INTENT])
		return dump_fail(st, -EBADMSG, "an allocation message has no value or intent");
	if ((tb[PASID_NL_A_RIDS] && nla_len(tb[PASID_NL_A_RIDS]) % sizeof(uint32_t)) ||
	    (tb[PASID_NL_A_ATTACHED] && nla_len(tb[PASID_NL_A_ATTACHED]) % sizeof(uint32_t)))
		return dump_fail(st, -EBADMSG, "a RID array is not a whole number of u32");
	if (pasid_grow_array((void **)&l->v, &l->cap, l->nr + 1, sizeof(*l->v)))
		return dump_fail(st, -ENOMEM, "out of memory");
	a = &l->v[l->nr];
	memset(a, 0, sizeof(*a));
	a->pasid = nla_get_u32(tb[PASID_NL_A_VALUE]);
	a->intent = nla_get_u32(tb[PASID_NL_A_INTENT]);
	a->nl_flags = attr_u32(tb, PASID_NL_A_FLAGS);
	a->nr_owners = attr_u32(tb, PASID_NL_A_NR_OWNERS);
	a->owner_pid = (int32_t)attr_u32(tb, PASID_NL_A_OWNER_PID);
	if (tb[PASID_NL_A_OWNER_COMM])
		snprintf(a->owner_comm, sizeof(a->owner_comm), "%s",
			 nla_get_string(tb[PASID_NL_A_OWNER_COMM]));
	a->mock = tb[PASID_NL_A_MOCK] != NULL;
	if (take_rids(l, tb[PASID_NL_A_RIDS], &a->nr_rids, &a->off_rids) ||
	    take_rids(l, tb[PASID_NL_A_ATTACHED], &a->nr_attached, &a->off_att))
		return dump_fail(st, -ENOMEM, "out of memory");
	l->nr++;
	return NL_OK;
}

static int rid_valid(struct nl_msg *msg, void *arg)
{
	struct dump_state *st = arg;
	struct kernel_rid_list *l = st->list;
	struct nlattr *tb[PASID_NL_A_MAX + 1];

	if (st->err)
		return NL_SKIP;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, PASID_NL_A_MAX, pasid_policy) < 0)
		return dump_fail(st, -EBADMSG, "a RID message does not parse");
	if (!tb[PASID_NL_A_RID] || !tb[PASID_NL_A_WIDTH])
		return dump_fail(st, -EBADMSG, "a RID message has no RID or width");
	if (pasid_grow_array((void **)&l->v, &l->cap, l->nr + 1, sizeof(*l->v)))
		return dump_fail(st, -ENOMEM, "out of memory");
	l->v[l->nr++] = (struct pasid_rid_info){
		.rid = nla_get_u32(tb[PASID_NL_A_RID]),
		.width = nla_get_u32(tb[PASID_NL_A_WIDTH]),
		.nr_values = attr_u32(tb, PASID_NL_A_NR_VALUES),
		.nr_attached = attr_u32(tb, PASID_NL_A_NR_ATTACHED),
		.mock = tb[PASID_NL_A_MOCK] != NULL,
	};
	return NL_OK;
}

/* Send one dump request for @cmd and read the reply through @fn. */
static int dump_once(struct kernel_nl *nl, uint8_t cmd, nl_recvmsg_msg_cb_t fn,
		     struct dump_state *st)
{
	struct nl_msg *msg = nlmsg_alloc();
	int ret;

	if (!msg)
		return -NLE_NOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, NLM_F_DUMP, cmd,
			 PASID_GENL_VERSION)) {
		nlmsg_free(msg);
		return -NLE_NOMEM;
	}
	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret < 0)
		return ret;
	ret = nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, fn, st);
	if (ret < 0)
		return ret;
	return nl_recvmsgs_default(nl->sk);
}

/* Run a dump, retrying when the kernel says it was interrupted. */
static int dump(struct pasid_ctx *ctx, struct kernel_nl *nl, uint8_t cmd, const char *what,
		nl_recvmsg_msg_cb_t fn, struct dump_state *st, void (*reset)(void *list))
{
	int ret, tries;

	ret = dump_socket(ctx, nl);
	if (ret)
		return ret;
	for (tries = 0; tries < DUMP_TRIES; tries++) {
		reset(st->list);
		st->err = 0;
		st->why = NULL;
		ret = dump_once(nl, cmd, fn, st);
		if (ret != -NLE_DUMP_INTR)
			break;
		sched_yield();
	}
	if (ret < 0) {
		dump_socket_reset(nl);
		if (ret == -NLE_DUMP_INTR)
			return pasid_set_error(ctx, -EAGAIN,
					       "generic netlink: the %s dump kept changing while "
					       "it was read (%d tries)", what, DUMP_TRIES);
		return pasid_set_error(ctx, nle_errno(ret), "generic netlink: %s dump: %s", what,
				       nl_geterror(ret));
	}
	if (st->err)
		return pasid_set_error(ctx, st->err, "generic netlink: %s dump: %s", what, st->why);
	return 0;
}

void kernel_alloc_list_free(struct kernel_alloc_list *l)
{
	free(l->v);
	free(l->ids);
	memset(l, 0, sizeof(*l));
}

static void alloc_list_reset(void *list)
{
	struct kernel_alloc_list *l = list;

	l->nr = 0;
	l->nr_ids = 0;
}

/* Order of the list calls: value, then groups before the global, then first RID. */
static int cmp_alloc(const void *pa, const void *pb, void *arg)
{
	const struct kernel_alloc_list *l = arg;
	const struct kernel_alloc *a = pa, *b = pb;
	uint32_t ra, rb;

	if (a->pasid != b->pasid)
		return a->pasid < b->pasid ? -1 : 1;
	if (a->intent != b->intent)
		return a->intent < b->intent ? -1 : 1;
	ra = a->nr_rids ? kernel_alloc_rids(l, a)[0] : 0;
	rb = b->nr_rids ? kernel_alloc_rids(l, b)[0] : 0;
	return ra < rb ? -1 : ra > rb;
}

int kernel_nl_dump_allocs(struct pasid_ctx *ctx, struct kernel_nl *nl,
			  struct kernel_alloc_list *ret_list)
{
	struct dump_state st = { .list = ret_list };
	int ret;

	memset(ret_list, 0, sizeof(*ret_list));
	ret = dump(ctx, nl, PASID_NL_CMD_GET_ALLOC, "allocation", alloc_valid, &st,
		   alloc_list_reset);
	if (ret) {
		kernel_alloc_list_free(ret_list);
		return ret;
	}
	if (ret_list->nr)	/* qsort's base must not be NULL, even for 0 entries */
		qsort_r(ret_list->v, ret_list->nr, sizeof(*ret_list->v), cmp_alloc, ret_list);
	return 0;
}

void kernel_rid_list_free(struct kernel_rid_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void rid_list_reset(void *list)
{
	((struct kernel_rid_list *)list)->nr = 0;
}

static int cmp_rid(const void *pa, const void *pb)
{
	const struct pasid_rid_info *a = pa, *b = pb;

	return a->rid < b->rid ? -1 : a->rid > b->rid;
}

int kernel_nl_dump_rids(struct pasid_ctx *ctx, struct kernel_nl *nl,
			struct kernel_rid_list *ret_list)
{
	struct dump_state st = { .list = ret_list };
	int ret;

	memset(ret_list, 0, sizeof(*ret_list));
	ret = dump(ctx, nl, PASID_NL_CMD_GET_RID, "RID", rid_valid, &st, rid_list_reset);
	if (ret) {
		kernel_rid_list_free(ret_list);
		return ret;
	}
	if (ret_list->nr)
		qsort(ret_list->v, ret_list->nr, sizeof(*ret_list->v), cmp_rid);
	return 0;
}

/* ---- events ------------------------------------------------------------------- */

int kernel_nl_event_fd(struct pasid_ctx *ctx, struct kernel_nl *nl)
{
	struct nl_sock *sk;
	int ret, grp;

	if (nl->ev)
		return nl_socket_get_fd(nl->ev);
	ret = nl_load(ctx);
	if (ret)
		return ret;
	sk = nl_socket_alloc();
	if (!sk)
		return pasid_set_error(ctx, -ENOMEM, "generic netlink: out of memory for a socket");
	nl_socket_disable_seq_check(sk);
	ret = genl_connect(sk);
	if (ret < 0) {
		ret = pasid_set_error(ctx, nle_errno(ret), "generic netlink: connect: %s",
				      nl_geterror(ret));
		goto err_free;
	}
	grp = genl_ctrl_resolve_grp(sk, PASID_GENL_NAME, PASID_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		ret = resolve_error(ctx, grp, PASID_GENL_MCGRP_EVENTS);
		goto err_free;
	}
	ret = nl_socket_add_membership(sk, grp);
	if (ret == -NLE_PERM) {
		/* events say who acted: the group is for administrators */
		ret = pasid_set_error(ctx, -EPERM,
				      "generic netlink: joining \"%s\" group \"%s\" needs "
				      "CAP_SYS_ADMIN",
				      PASID_GENL_NAME, PASID_GENL_MCGRP_EVENTS);
		goto err_free;
	}
	if (ret < 0) {
		ret = pasid_set_error(ctx, nle_errno(ret),
				      "generic netlink: joining \"%s\" group \"%s\": %s",
				      PASID_GENL_NAME, PASID_GENL_MCGRP_EVENTS, nl_geterror(ret));
		goto err_free;
	}
	ret = nl_socket_set_nonblocking(sk);
	if (ret < 0) {
		ret = pasid_set_error(ctx, nle_errno(ret), "generic netlink: O_NONBLOCK: %s",
				      nl_geterror(ret));
		goto err_free;
	}
	/* best effort: a larger buffer loses fewer events to bursts */
	nl_socket_set_buffer_size(sk, EVENT_RCVBUF, 0);
	nl->ev = sk;
	return nl_socket_get_fd(sk);

err_free:
	nl_socket_free(sk);
	return ret;
}

struct dispatch_state {
	pasid_event_cb cb;
	void *data;
	int delivered;
};

static int event_valid(struct nl_msg *msg, void *arg)
{
	struct dispatch_state *st = arg;
	struct nlattr *tb[PASID_NL_A_MAX + 1];
	struct genlmsghdr *gh = genlmsg_hdr(nlmsg_hdr(msg));
	struct pasid_event ev;

	/* anything else (a newer kernel's command, a malformed message) is skipped */
	if (gh->cmd != PASID_NL_CMD_EVENT ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, PASID_NL_A_MAX, pasid_policy) < 0 ||
	    !tb[PASID_NL_A_EVENT])
		return NL_SKIP;
	ev = (struct pasid_event){
		.type = nla_get_u32(tb[PASID_NL_A_EVENT]),
		.intent = attr_u32(tb, PASID_NL_A_INTENT),
		.pasid = attr_u32(tb, PASID_NL_A_VALUE),
		.rid = attr_u32(tb, PASID_NL_A_RID),
		.owner_pid = (int32_t)attr_u32(tb, PASID_NL_A_OWNER_PID),
	};
	if (ev.type < PASID_EVENT_ALLOC || ev.type > PASID_EVENT_RID_REMOVE)
		return NL_SKIP;
	st->cb(&ev, st->data);
	st->delivered++;
	return NL_OK;
}

int kernel_nl_dispatch(struct pasid_ctx *ctx, struct kernel_nl *nl, pasid_event_cb cb,
		       void *data)
{
	struct dispatch_state st = { .cb = cb, .data = data };
	struct pollfd pfd;
	bool lost = false;
	int ret;

	if (!nl->ev)
		return pasid_set_error(ctx, -EINVAL,
				       "not subscribed: call pasid_ctx_get_event_fd() first");
	ret = nl_socket_modify_cb(nl->ev, NL_CB_VALID, NL_CB_CUSTOM, event_valid, &st);
	if (ret < 0)
		return pasid_set_error(ctx, nle_errno(ret), "generic netlink: %s",
				       nl_geterror(ret));
	pfd = (struct pollfd){ .fd = nl_socket_get_fd(nl->ev), .events = POLLIN };
	/* poll first: nothing here may block, whatever libnl does on EAGAIN */
	for (;;) {
		ret = poll(&pfd, 1, 0);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return pasid_set_error(ctx, -errno, "poll on the event socket: %s",
					       strerror(errno));
		if (ret == 0 || !(pfd.revents & (POLLIN | POLLERR)))
			break;
		ret = nl_recvmsgs_default(nl->ev);
		if (ret == -NLE_AGAIN || ret == -NLE_INTR)
			continue;
		/*
		 * libnl reports the kernel's ENOBUFS (queue overrun) as NLE_NOMEM.
		 * Keep reading: the kernel reports the next overrun only once the
		 * queue has been drained.
		 */
		if (ret == -NLE_NOMEM) {
			lost = true;
			continue;
		}
		if (ret < 0)
			return pasid_set_error(ctx, nle_errno(ret), "generic netlink: events: %s",
					       nl_geterror(ret));
	}
	if (lost)
		return pasid_set_error(ctx, -ENOBUFS,
				       "events were lost: the event socket overflowed; the %d "
				       "still queued were delivered; list allocations to resync",
				       st.delivered);
	return st.delivered;
}
